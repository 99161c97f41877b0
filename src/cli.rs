//! The command-line interface. Parsing only: nothing here acts. The one thing it reads is the
//! list of profile names, from `config`, when the shell asks for completions.

use crate::config::Profiles;
use crate::config::chain::{profile_kind, valid_profile_name};
use crate::shell::Shell;
use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "aws-as",
    version,
    about = "Switch the current shell between AWS identities: venv for IAM roles and MFA sessions.",
    long_about = "Switch the current shell between AWS identities: venv for IAM roles and MFA sessions.\n\n\
        Activate once with  eval \"$(aws-as -s)\"  (fish: aws-as -s fish | source;\n\
        csh and tcsh: eval \"`aws-as -c`\"), then:\n  \
        aws-as NAME          switch this shell to profile NAME\n  \
        aws-as -             leave no identity active\n  \
        aws-as-deactivate    remove aws-as from this shell and restore it",
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Profile to switch to, or `-` to clear the identity (needs the shell integration)
    #[arg(value_name = "NAME", allow_hyphen_values = false, add = profile())]
    pub name: Option<String>,

    #[command(flatten)]
    pub obtain: ObtainArgs,

    /// Print the shell integration to evaluate; detects the shell when SHELL is omitted
    #[arg(short = 's', long = "shell", value_name = "SHELL", num_args = 0..=1, conflicts_with = "csh")]
    pub shell_init: Option<Option<Shell>>,

    /// Print the integration in csh syntax (as ssh-agent -c does)
    #[arg(short = 'c')]
    pub csh: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// How credentials are obtained for a switch or an export.
#[derive(Args, Debug, Clone, Default)]
pub struct ObtainArgs {
    /// The current MFA code, instead of running mfa_process or asking on the terminal
    #[arg(long, value_name = "CODE", global = true)]
    pub mfa_code: Option<String>,

    /// Lifetime to request for the new credentials, such as 1h, 15m or 900 (seconds)
    #[arg(long, value_name = "DURATION", global = true)]
    pub duration: Option<String>,

    /// The region to export for the identity (AWS_REGION and AWS_DEFAULT_REGION) instead of its
    /// own: for a catalogue identity, one of its entry's regions, for example
    #[arg(long, value_name = "REGION", global = true)]
    pub region: Option<String>,

    /// Ignore cached credentials and call STS again
    #[arg(long, global = true)]
    pub refresh: bool,

    /// Renew the credentials when they have less than DURATION left (such as 45m), so that a
    /// long command starts with enough time
    #[arg(long, value_name = "DURATION", global = true)]
    pub min_left: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Switch to profile NAME (the explicit form, for names that collide with a subcommand)
    Use {
        #[arg(value_name = "NAME", allow_hyphen_values = true, add = profile())]
        name: String,
    },
    /// Show the active identity, its ARN, its account and the time left
    Status {
        /// Ask STS who these credentials belong to (GetCallerIdentity)
        #[arg(long)]
        verify: bool,
        /// Print the same data as a JSON object, for prompt tools
        #[arg(long)]
        json: bool,
    },
    /// List the identities (profiles and catalogue identities) with their source, kind and
    /// cache state
    List {
        /// Only the identities whose name contains FILTER
        #[arg(value_name = "FILTER")]
        filter: Option<String>,
    },
    /// Keep the local copies of the catalogues ([catalog.NAME] in config.toml)
    Catalog {
        #[command(subcommand)]
        action: CatalogAction,
    },
    /// Run a command with an identity's credentials in its environment
    #[command(
        after_help = "Without CMD, starts $SHELL. CMD's exit status is aws-as's exit status.\n\
        Example: aws-as exec prod -- terraform plan\n\
        With --server, aws-as stays CMD's parent, serves the credentials on 127.0.0.1 and\n\
        forwards signals to CMD: aws-as exec --server prod -- terraform apply"
    )]
    Exec {
        #[arg(value_name = "NAME", allow_hyphen_values = true, add = profile())]
        name: String,
        /// Give CMD no keys but a credential endpoint on loopback (the ECS container protocol,
        /// which every AWS SDK and the AWS CLI read), which renews them while CMD runs
        #[arg(long)]
        server: bool,
        /// The command and its arguments, after `--`
        #[arg(
            value_name = "CMD",
            trailing_var_arg = true,
            allow_hyphen_values = true
        )]
        command: Vec<OsString>,
    },
    /// Print an identity's credentials for other tools
    #[command(after_help = "As a credential_process in ~/.aws/config:\n  \
        credential_process = aws-as export NAME --format credential-process")]
    Export {
        #[arg(value_name = "NAME", allow_hyphen_values = true, add = profile())]
        name: String,
        /// Output format
        #[arg(long, short = 'f', value_enum, default_value_t = ExportFormat::Sh)]
        format: ExportFormat,
    },
    /// Inspect or empty the credential cache
    Cache {
        #[command(subcommand)]
        action: CacheAction,
    },
    /// Store a profile's long-term access keys in the key store (asked on the terminal)
    Add {
        #[arg(value_name = "NAME", allow_hyphen_values = true)]
        name: String,
        /// Take the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY instead of asking
        #[arg(long)]
        from_env: bool,
    },
    /// Delete a profile's keys from the key store
    Remove {
        #[arg(value_name = "NAME", allow_hyphen_values = true, add = profile())]
        name: String,
    },
    /// Move keys from the credentials file into the key store: all of them, or NAME's
    Import {
        #[arg(value_name = "NAME", allow_hyphen_values = true, add = profile())]
        name: Option<String>,
        /// Then delete the plaintext keys from the credentials file without asking
        #[arg(long)]
        remove_plaintext: bool,
    },
    /// Replace a profile's access key with a new one, then delete the old one
    Rotate {
        #[arg(value_name = "NAME", allow_hyphen_values = true, add = profile())]
        name: String,
    },
    /// Print or open an AWS console sign-in URL for an identity
    ///
    /// The identity must be a role (role_arn) or a federated user (federation_name): the console
    /// takes no plain session. The URL signs in whoever opens it within 15 minutes, so treat it
    /// as a secret. signin_url and console_url in aws-as's config.toml replace AWS's endpoints.
    Login {
        #[arg(value_name = "NAME", allow_hyphen_values = true, add = profile())]
        name: String,
        /// Open the URL in a browser ($BROWSER, else xdg-open or open) instead of printing it
        #[arg(long)]
        open: bool,
    },
    /// Print the completion script for SHELL; profile names complete from the live config
    Completions {
        #[arg(value_enum)]
        shell: CompletionShell,
    },
    /// Print the manual page (roff); read it with: aws-as man | man -l -
    Man {
        /// Write every page (aws-as.1, aws-as-exec.1, ...) into DIR instead, such as
        /// ~/.local/share/man/man1
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Change the active identity's region without calling STS; `-` goes back to its own
    #[command(
        after_help = "Sets AWS_REGION and AWS_DEFAULT_REGION until the next switch.\n\
        Example: aws-as region us-west-2"
    )]
    Region {
        /// The region, such as eu-west-1, or - for the identity's own
        #[arg(value_name = "REGION", allow_hyphen_values = true)]
        region: String,
    },
    /// Print the shell integration for SHELL (the long form of -s)
    Init {
        #[arg(value_enum)]
        shell: Shell,
        /// Print the integration script itself rather than the line that loads it
        #[arg(long, hide = true)]
        script: bool,
    },
    /// Used by the shell integration: prints the prompt label for the shell's current identity,
    /// when activation had to undo an earlier activation first
    #[command(name = "__label", hide = true)]
    Label {
        #[arg(value_enum)]
        shell: Shell,
    },
    /// Used by the shell integration: renews the active identity's credentials in the
    /// background, for the prompt of the shell whose process ID is PID
    #[command(name = "__renew", hide = true)]
    Renew {
        #[arg(value_enum)]
        shell: Shell,
        pid: u32,
        nonce: u64,
    },
    /// Used by the shell integration: prints shell code for the wrapper to evaluate
    #[command(name = "__hook", hide = true)]
    Hook {
        #[arg(value_enum)]
        shell: Shell,
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

#[derive(Subcommand, Debug)]
pub enum CatalogAction {
    /// Read every catalogue, or those named, from its source and replace its local copy
    #[command(
        after_help = "Prints one line per catalogue: NAME: N identities (+added -removed).\n\
        On any failure the catalogue's previous copy stays, and the exit status is 1."
    )]
    Sync {
        #[arg(value_name = "NAME")]
        names: Vec<String>,
    },
    /// Write a profile for each catalogue identity into the AWS config file, between
    /// `# BEGIN aws-as catalog` and `# END aws-as catalog`
    #[command(name = "write-config")]
    WriteConfig {
        /// Write into PATH instead of the AWS config file
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum CacheAction {
    /// List cached credentials
    List,
    /// Remove cached credentials: all of them, or those of profile NAME
    Clear {
        #[arg(value_name = "NAME", allow_hyphen_values = true, add = profile())]
        name: Option<String>,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `export` statements for bash, zsh, sh and ksh
    Sh,
    /// `set -gx` statements for fish
    Fish,
    /// `setenv` statements for csh and tcsh
    Csh,
    /// A JSON object
    Json,
    /// KEY=value lines, for docker --env-file, compose and dotenv libraries
    Dotenv,
    /// AWS's credential_process JSON (Version 1)
    CredentialProcess,
}

/// The shells `aws-as completions` writes for.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

/// Completes a profile name from the config as it is when Tab is pressed.
fn profile() -> ArgValueCompleter {
    ArgValueCompleter::new(profile_names)
}

/// Identity names that start with what has been typed: the profiles of the config and
/// credentials files and aws-as's key index (no key store is opened), then the catalogues'
/// local copies. Each carries its kind, which zsh and fish show.
fn profile_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(current) = current.to_str() else {
        return Vec::new();
    };
    // A config that can't be read offers nothing; the command itself will say why.
    let env = crate::env::Env::read();
    let index_dir = || crate::credentials::cache::Cache::new(&env)?.private();
    let Ok(profiles) = Profiles::load(&env, index_dir) else {
        return Vec::new();
    };
    let names: Vec<String> = profiles
        .names_starting(current)
        .into_iter()
        // Only names the SDK accepts: nothing else could be switched to, and these are plain
        // characters that are safe to put on a terminal.
        .filter(|name| valid_profile_name(name))
        .collect();
    let catalogued = catalog_names(&env, current);
    // A kind costs a look-up each: past a screenful of candidates the shell lists names alone
    // anyway (or first asks whether to show them all), and completing must stay instant.
    let with_kinds = names.len() + catalogued.len() <= 200;
    let mut out: Vec<CompletionCandidate> = Vec::with_capacity(names.len() + catalogued.len());
    // A catalogue's name that a profile has is the profile's; only then is a set needed.
    let profile_names: std::collections::HashSet<String> = if catalogued.is_empty() {
        Default::default()
    } else {
        names.iter().cloned().collect()
    };
    // clap_complete tags each candidate without one with the argument's rendering, formatted
    // anew for each (a fifth of completing 100,000 names); tags only keep groups together, and
    // these are one group.
    let tag: clap::builder::StyledStr = "NAME".into();
    for name in names {
        // The name moves into the candidate: 100,000 of them are not copied again.
        let candidate = CompletionCandidate::new(name).tag(Some(tag.clone()));
        out.push(if with_kinds {
            let kind = profile_kind(&profiles, candidate.get_value().to_str().unwrap_or(""));
            candidate.help(Some(format!("profile ({kind})").into()))
        } else {
            candidate
        });
    }
    let mut seen = profile_names;
    for (name, catalog) in catalogued {
        if seen.insert(name.clone()) {
            let candidate = CompletionCandidate::new(name).tag(Some(tag.clone()));
            out.push(if with_kinds {
                candidate.help(Some(format!("catalogue {catalog}").into()))
            } else {
                candidate
            });
        }
    }
    out
}

/// The catalogue identities that start with `prefix`, each with its catalogue's name; none when
/// the settings can't be read.
fn catalog_names(env: &crate::env::Env, prefix: &str) -> Vec<(String, String)> {
    let Ok(settings) = crate::config::Settings::load(env) else {
        return Vec::new();
    };
    if settings.catalog.is_empty() {
        return Vec::new();
    }
    let Ok(Some(dir)) = crate::catalog::store::dir(env) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for catalog in settings.catalog.keys() {
        if let Ok(Some(copy)) = crate::catalog::store::Copy::open(&dir, catalog)
            && let Ok(names) = copy.names(prefix)
        {
            out.extend(names.into_iter().map(|n| (n, catalog.clone())));
        }
    }
    out
}

/// What the user asked for, once clap is done.
pub fn parse(args: Vec<OsString>) -> Result<Cli, clap::Error> {
    Cli::try_parse_from(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Cli, clap::Error> {
        let mut v: Vec<OsString> = vec!["aws-as".into()];
        v.extend(args.iter().map(OsString::from));
        parse(v)
    }

    #[test]
    fn interface_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }

    #[test]
    fn forms() {
        assert_eq!(p(&["dev"]).unwrap().name.as_deref(), Some("dev"));
        assert_eq!(p(&["-"]).unwrap().name.as_deref(), Some("-"));
        let c = p(&["dev", "--mfa-code", "123456", "--refresh"]).unwrap();
        assert_eq!(c.obtain.mfa_code.as_deref(), Some("123456"));
        assert!(c.obtain.refresh);
        assert!(matches!(p(&["-s"]).unwrap().shell_init, Some(None)));
        assert!(matches!(
            p(&["-s", "zsh"]).unwrap().shell_init,
            Some(Some(Shell::Zsh))
        ));
        assert!(p(&["-c"]).unwrap().csh);
        assert!(matches!(
            p(&["use", "list"]).unwrap().command,
            Some(Command::Use { .. })
        ));
        assert!(matches!(
            p(&["list"]).unwrap().command,
            Some(Command::List { filter: None })
        ));
        match p(&["exec", "dev", "--", "aws", "--debug", "sts"])
            .unwrap()
            .command
        {
            Some(Command::Exec {
                name,
                command,
                server,
            }) => {
                assert_eq!(name, "dev");
                assert_eq!(command, ["aws", "--debug", "sts"]);
                assert!(!server);
            }
            other => panic!("{other:?}"),
        }
        match p(&["exec", "dev", "--mfa-code", "123456", "--", "env"]).unwrap() {
            Cli {
                command: Some(Command::Exec { command, .. }),
                obtain,
                ..
            } => {
                assert_eq!(command, ["env"]);
                assert_eq!(obtain.mfa_code.as_deref(), Some("123456"));
            }
            other => panic!("{other:?}"),
        }
        match p(&["exec", "dev", "aws", "--debug"]).unwrap().command {
            Some(Command::Exec { command, .. }) => assert_eq!(command, ["aws", "--debug"]),
            other => panic!("{other:?}"),
        }
        // --server is exec's own flag, before `--`; after it, it is CMD's.
        match p(&["exec", "--server", "dev", "--", "aws", "--server"])
            .unwrap()
            .command
        {
            Some(Command::Exec {
                name,
                command,
                server,
            }) => {
                assert_eq!(name, "dev");
                assert_eq!(command, ["aws", "--server"]);
                assert!(server);
            }
            other => panic!("{other:?}"),
        }
        match p(&["exec", "dev", "--server"]).unwrap().command {
            Some(Command::Exec {
                command, server, ..
            }) => {
                assert!(server);
                assert!(command.is_empty());
            }
            other => panic!("{other:?}"),
        }
        assert!(p(&["dev", "list"]).is_err());
        assert!(p(&["-s", "powershell"]).is_err());
    }
}
