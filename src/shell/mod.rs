//! Render: typed statements turned into code for one shell dialect. This is the only place where
//! values reach a shell, and each dialect has exactly one quoting function.

mod csh;
mod fish;
pub mod identity;
mod posix;
pub mod prompt;
pub mod region;

pub use prompt::{Label, Live, Shown, label, stale_label};

use anyhow::{Result, bail};

/// The variables aws-as manages, in the order the shell files save and restore them. The static
/// shell files carry the same list; a test keeps them in step.
pub const MANAGED: [Var; 12] = [
    Var::AccessKeyId,
    Var::SecretAccessKey,
    Var::SessionToken,
    Var::CredentialExpiration,
    Var::Identity,
    Var::Expiration,
    Var::Region,
    Var::DefaultRegion,
    Var::Profile,
    Var::DefaultProfile,
    Var::AsRegion,
    Var::AsRegionSet,
];

/// A variable name: a validated constant, never user data, so it is never quoted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Var {
    AccessKeyId,
    SecretAccessKey,
    SessionToken,
    CredentialExpiration,
    Identity,
    Expiration,
    Region,
    DefaultRegion,
    Profile,
    DefaultProfile,
    /// The region exported for the active identity, for prompt tools and `status`.
    AsRegion,
    /// What aws-as last wrote to AWS_REGION and AWS_DEFAULT_REGION (see `region`), so that the
    /// next switch can tell a region the user set by hand.
    AsRegionSet,
}

impl Var {
    pub fn name(self) -> &'static str {
        match self {
            Var::AccessKeyId => "AWS_ACCESS_KEY_ID",
            Var::SecretAccessKey => "AWS_SECRET_ACCESS_KEY",
            Var::SessionToken => "AWS_SESSION_TOKEN",
            Var::CredentialExpiration => "AWS_CREDENTIAL_EXPIRATION",
            Var::Identity => "AWS_AS_IDENTITY",
            Var::Expiration => "AWS_AS_EXPIRATION",
            Var::Region => "AWS_REGION",
            Var::DefaultRegion => "AWS_DEFAULT_REGION",
            Var::Profile => "AWS_PROFILE",
            Var::DefaultProfile => "AWS_DEFAULT_PROFILE",
            Var::AsRegion => "AWS_AS_REGION",
            Var::AsRegionSet => "AWS_AS_REGION_SET",
        }
    }
}

/// A shell aws-as integrates with, as the user names it (`aws-as -s zsh`, `init ksh`) or as
/// `detect` finds it. dash is `sh`; ksh93 and mksh are `ksh`; both render as `Dialect::Sh`.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    Bash,
    Zsh,
    Sh,
    Ksh,
    Fish,
    Tcsh,
    Csh,
}

impl Shell {
    pub fn as_str(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Sh => "sh",
            Shell::Ksh => "ksh",
            Shell::Fish => "fish",
            Shell::Tcsh => "tcsh",
            Shell::Csh => "csh",
        }
    }
}

/// One thing for the shell to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stmt {
    /// Export the variable with this value.
    Set(Var, String),
    /// Remove the variable.
    Unset(Var),
    /// Return the variable to its pre-activation state (value, empty, or unset).
    Restore(Var),
    /// Run the binary again with the wrapper's own arguments, outside the hook (but in the same
    /// reset environment): for commands that print data rather than change the shell.
    Delegate,
    /// Show this label in front of the prompt.
    Label(Label),
    /// Renew the identity's credentials from the prompt once this time (Unix seconds) has come,
    /// writing the result in this directory; or, with none, don't. Only the shells that read
    /// the clock without a process act on it.
    Renewal(Option<Renewal>),
    /// Activate the integration whose functions the shell has just read, with this label for the
    /// identity the shell has now (`identity` says whether there is one): the last statement of
    /// what activation evaluates.
    Activate { label: Label, identity: bool },
}

/// When and where the prompt renews the active identity's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    pub due: i64,
    pub dir: String,
}

/// A shell dialect aws-as renders for. dash, ksh93 and mksh share one POSIX file (`Sh`); tcsh
/// and csh share one csh file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Bash,
    Zsh,
    Sh,
    Fish,
    Csh,
}

pub const DIALECTS: [Dialect; 5] = [
    Dialect::Bash,
    Dialect::Zsh,
    Dialect::Sh,
    Dialect::Fish,
    Dialect::Csh,
];

impl Dialect {
    pub fn for_shell(shell: Shell) -> Dialect {
        match shell {
            Shell::Bash => Dialect::Bash,
            Shell::Zsh => Dialect::Zsh,
            Shell::Sh | Shell::Ksh => Dialect::Sh,
            Shell::Fish => Dialect::Fish,
            Shell::Tcsh | Shell::Csh => Dialect::Csh,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Dialect::Bash => "bash",
            Dialect::Zsh => "zsh",
            Dialect::Sh => "sh",
            Dialect::Fish => "fish",
            Dialect::Csh => "csh",
        }
    }

    /// The static integration file, linted and reviewed as a real file.
    pub fn source(self) -> &'static str {
        match self {
            Dialect::Bash => include_str!("../../shell/aws-as.bash"),
            Dialect::Zsh => include_str!("../../shell/aws-as.zsh"),
            Dialect::Sh => include_str!("../../shell/aws-as.sh"),
            Dialect::Fish => include_str!("../../shell/aws-as.fish"),
            Dialect::Csh => include_str!("../../shell/aws-as.csh"),
        }
    }

    /// The integration code as the shell receives it. csh's comes without its comments and blank
    /// lines: ``eval "`aws-as -c`"`` joins the lines into one, where a comment would swallow the
    /// rest, so every line of the file is one complete statement ending in `;`.
    pub fn script(self) -> String {
        match self {
            Dialect::Csh => self
                .source()
                .lines()
                .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
                .map(|l| format!("{}\n", l.trim()))
                .collect(),
            _ => self.source().to_string(),
        }
    }

    /// What `aws-as -s` prints. For the sh family, one line that loads the script: one line
    /// survives the unquoted `eval $(aws-as -s)` intact, which the commented, multi-line script
    /// itself would not. zsh gets backquotes instead of `$(`: with glob_subst set, zsh takes the
    /// unquoted output's words for patterns, and `(` or `|` would make them fail to match. fish
    /// (`| source`) and csh (``eval "`aws-as -c`"``, or a file that is sourced) take the script
    /// itself.
    pub fn bootstrap(self) -> String {
        match self {
            Dialect::Bash => "eval \"$(command aws-as init bash --script)\"\n".to_string(),
            Dialect::Zsh => "eval \"`command aws-as init zsh --script`\"\n".to_string(),
            Dialect::Sh => "eval \"$(command aws-as init sh --script)\"\n".to_string(),
            Dialect::Fish | Dialect::Csh => self.script(),
        }
    }

    /// Quote a value so that the shell reads it back byte for byte.
    pub fn quote(self, value: &str) -> Result<String> {
        match self {
            Dialect::Bash | Dialect::Zsh | Dialect::Sh => posix::Posix::quote(value),
            Dialect::Fish => fish::Fish::quote(value),
            Dialect::Csh => csh::Csh::quote(value),
        }
    }

    /// The statements as code for this dialect. Everything is rendered before anything is
    /// printed, so a value that cannot be represented fails the whole command.
    pub fn render(self, stmts: &[Stmt]) -> Result<String> {
        match self {
            Dialect::Bash | Dialect::Zsh | Dialect::Sh => render::<posix::Posix>(stmts),
            Dialect::Fish => render::<fish::Fish>(stmts),
            Dialect::Csh => render::<csh::Csh>(stmts),
        }
    }
}

/// How one dialect says each kind of statement. The one quoting function of each dialect is its
/// `quote`; every value goes through it, in `render`.
trait Syntax {
    /// Quote a value so that the shell reads it back byte for byte, or refuse it.
    fn quote(value: &str) -> Result<String>;
    /// Export `var` with a value already quoted.
    fn set(var: Var, quoted: &str) -> String;
    fn unset(var: Var) -> String;
    fn restore(var: Var) -> String;
    /// Run the binary again, outside the hook, with the wrapper's own arguments.
    fn delegate() -> &'static str;
    /// Store the prompt label: by default `__aws_as_label FIXED [HEAD EXPIRES TAIL]`, the call
    /// the shell functions count down from where they can read the clock without a process.
    fn label(label: &Label) -> Result<String> {
        Ok(format!("__aws_as_label{}\n", Self::label_args(label)?))
    }
    /// `__aws_as_due DUE DIR`, or `__aws_as_due` for none: only the shells that renew at the
    /// prompt have it.
    fn renewal(renewal: Option<&Renewal>) -> Result<String> {
        let _ = renewal;
        Ok(String::new())
    }
    /// Activate with the label: `__aws_as_activate FIXED [HEAD EXPIRES TAIL]`, then the function
    /// is removed (it runs once).
    fn activate(label: &Label, identity: bool) -> Result<String>;
    /// ` FIXED [HEAD EXPIRES TAIL]`, each text quoted.
    fn label_args(label: &Label) -> Result<String> {
        let mut args = format!(" {}", Self::quote(&label.fixed)?);
        if let Some(live) = &label.live {
            args.push_str(&format!(
                " {} {} {}",
                Self::quote(&live.head)?,
                live.expires,
                Self::quote(&live.tail)?
            ));
        }
        Ok(args)
    }
}

/// The statements in dialect `S`, one walk for every dialect.
fn render<S: Syntax>(stmts: &[Stmt]) -> Result<String> {
    let mut out = String::new();
    for stmt in stmts {
        match stmt {
            Stmt::Set(var, value) => out.push_str(&S::set(*var, &S::quote(value)?)),
            Stmt::Unset(var) => out.push_str(&S::unset(*var)),
            Stmt::Restore(var) => out.push_str(&S::restore(*var)),
            Stmt::Delegate => out.push_str(S::delegate()),
            Stmt::Label(label) => out.push_str(&S::label(label)?),
            Stmt::Renewal(renewal) => out.push_str(&S::renewal(renewal.as_ref())?),
            Stmt::Activate { label, identity } => out.push_str(&S::activate(label, *identity)?),
        }
    }
    Ok(out)
}

/// No shell variable can hold a NUL byte: refuse the value rather than let it be cut short.
fn refuse_nul(value: &str) -> Result<()> {
    if value.contains('\0') {
        bail!("a value contains a NUL byte, which no shell variable can hold");
    }
    Ok(())
}

/// The shell that started us: the parent process's name, else `$SHELL`.
pub fn detect(env: &crate::env::Env) -> Result<Shell> {
    let parent = parent_process_name();
    let from_env = env.get(crate::env::EnvVars::SHELL);
    for candidate in [parent.as_deref(), from_env].into_iter().flatten() {
        if let Some(shell) = shell_from_name(candidate) {
            return Ok(shell);
        }
    }
    bail!("could not tell which shell this is; name it, as in: aws-as -s bash")
}

/// `-bash`, `/usr/bin/zsh` and `zsh-5.9` all name a shell.
pub fn shell_from_name(name: &str) -> Option<Shell> {
    let base = name.trim().rsplit('/').next()?.trim_start_matches('-');
    let stem = base.split(['-', '.']).next().unwrap_or(base);
    Some(match stem {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "sh" | "dash" | "ash" => Shell::Sh,
        "ksh" | "ksh93" | "mksh" | "lksh" | "pdksh" => Shell::Ksh,
        "fish" => Shell::Fish,
        "tcsh" => Shell::Tcsh,
        "csh" | "bsd" => Shell::Csh,
        _ => return None,
    })
}

#[cfg(target_os = "linux")]
fn parent_process_name() -> Option<String> {
    let ppid = std::os::unix::process::parent_id();
    std::fs::read_to_string(format!("/proc/{ppid}/comm")).ok()
}

#[cfg(not(target_os = "linux"))]
fn parent_process_name() -> Option<String> {
    // Only `aws-as -s` (once per shell start) gets here, so a `ps` is affordable.
    let ppid = std::os::unix::process::parent_id();
    let out = std::process::Command::new("ps")
        .args(["-o", "comm=", "-p", &ppid.to_string()])
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(shell_from_name("-bash\n"), Some(Shell::Bash));
        assert_eq!(shell_from_name("/usr/bin/zsh"), Some(Shell::Zsh));
        assert_eq!(shell_from_name("zsh-5.9"), Some(Shell::Zsh));
        assert_eq!(shell_from_name("dash"), Some(Shell::Sh));
        assert_eq!(shell_from_name("mksh"), Some(Shell::Ksh));
        assert_eq!(shell_from_name("python3"), None);
    }

    /// The shell files name the same managed variables as MANAGED, in the same order.
    #[test]
    fn shell_files_manage_the_same_variables() {
        let expected: Vec<&str> = MANAGED.iter().map(|v| v.name()).collect();
        for d in DIALECTS {
            let line = d
                .source()
                .lines()
                .find(|l| l.contains("AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY"))
                .unwrap_or_else(|| panic!("{} script lists no variables", d.name()));
            let got: Vec<&str> = line
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| w.starts_with("AWS_"))
                .collect();
            assert_eq!(got, expected, "{}", d.name());
        }
    }
}
