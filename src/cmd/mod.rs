//! One file per subcommand, each with a single `run`.

pub mod add;
pub mod cache;
pub mod completions;
pub mod exec;
pub mod export;
pub mod hook;
pub mod import;
pub mod init;
pub mod label;
pub mod list;
pub mod login;
pub mod man;
pub mod remove;
pub mod rotate;
pub mod status;
pub mod switch;

use crate::cli::{Cli, Command, ObtainArgs, ShellName};
use crate::config::{Ambient, Chain, Profiles, Settings, resolve};
use crate::credentials::{Credentials, Request, cache::Cache, obtain};
use anyhow::{Context, Result, bail};

pub fn run(cli: Cli) -> Result<()> {
    if cli.csh {
        return init::run(Some(ShellName::Csh), false);
    }
    if let Some(shell) = cli.shell_init {
        return init::run(shell, false);
    }
    match cli.command {
        Some(Command::Use { name }) => switch::run_outside_hook(&name),
        Some(Command::Status { verify, json }) => status::run(verify, json),
        Some(Command::List) => list::run(),
        Some(Command::Exec { name, command }) => exec::run(&name, command, &cli.obtain),
        Some(Command::Export { name, format }) => export::run(&name, format, &cli.obtain),
        Some(Command::Login { name, open }) => login::run(&name, open, &cli.obtain),
        Some(Command::Completions { shell }) => completions::run(shell),
        Some(Command::Man { dir }) => man::run(dir.as_deref()),
        Some(Command::Cache { action }) => cache::run(action),
        Some(Command::Add { name, from_env }) => add::run(&name, from_env),
        Some(Command::Remove { name }) => remove::run(&name),
        Some(Command::Import {
            name,
            remove_plaintext,
        }) => import::run(name.as_deref(), remove_plaintext),
        Some(Command::Rotate { name }) => rotate::run(&name, &cli.obtain),
        Some(Command::Init { shell, script }) => init::run(Some(shell), script),
        Some(Command::Label { shell }) => label::run(shell),
        Some(Command::Hook { shell, args }) => hook::run(shell, args),
        None => match cli.name {
            Some(name) => switch::run_outside_hook(&name),
            None => status::run(false, false),
        },
    }
}

/// What the user asked of the credentials, validated.
pub(crate) fn request(args: &ObtainArgs) -> Result<Request> {
    let duration = match &args.duration {
        None => None,
        Some(text) => {
            let d = crate::util::parse_duration(text).context("--duration")?;
            if d.as_secs() < 900 {
                bail!("--duration {text} is too short: STS grants 15m (900 seconds) at least");
            }
            if d.as_secs() > 36 * 3600 {
                bail!("--duration {text} is too long: STS grants 36h at most");
            }
            Some(d)
        }
    };
    Ok(Request {
        mfa_code: args.mfa_code.clone(),
        duration,
        refresh: args.refresh,
    })
}

/// Resolve profile `name` and obtain its credentials: the one path every command shares.
pub(crate) fn credentials_for(
    name: &str,
    args: &ObtainArgs,
    settings: &Settings,
) -> Result<(Chain, Credentials)> {
    credentials_for_chain(chain_for(name)?, args, settings)
}

/// Resolve profile `name` into its identity chain: files only, no network.
pub(crate) fn chain_for(name: &str) -> Result<Chain> {
    enter(name)?;
    let profiles = Profiles::load()?;
    let chain = resolve(&profiles, name, &Ambient::from_env())?;
    // SAFETY: as in `enter`, no other thread exists yet.
    unsafe { crate::credentials::hold_locks_of(&chain)? };
    Ok(chain)
}

/// Obtain the credentials for a chain from `chain_for`, for a command that looks at the chain
/// before any call is made.
pub(crate) fn credentials_for_chain(
    mut chain: Chain,
    args: &ObtainArgs,
    settings: &Settings,
) -> Result<(Chain, Credentials)> {
    let req = request(args)?;
    let ambient = Ambient::from_env();
    let cache = Cache::from_env()?;
    crate::credentials::discovery::settle(&mut chain, &req, settings, &ambient, &cache)?;
    let creds = obtain(&chain, &req, settings, &ambient, &cache)?;
    Ok((chain, creds))
}

/// The profiles that aws-as processes up the line are resolving, newline-separated: a
/// credential_process may run aws-as again, and a profile whose credential_process comes back to
/// itself would otherwise start processes until the machine gives out.
pub(crate) const RESOLVING: &str = "AWS_AS_RESOLVING";

fn enter(name: &str) -> Result<()> {
    let outer = std::env::var(RESOLVING).unwrap_or_default();
    let mut names: Vec<&str> = outer.split('\n').filter(|n| !n.is_empty()).collect();
    let looped = names.contains(&name);
    names.push(name);
    if looped {
        bail!(
            "profile `{name}` needs itself: its credentials come from a credential_process that \
             runs aws-as for it again ({}); point credential_process at a different profile",
            names.join(" -> ")
        );
    }
    // SAFETY: no other thread exists yet (commands resolve before any runtime or thread is
    // started), so nothing reads the environment while it changes.
    unsafe { std::env::set_var(RESOLVING, names.join("\n")) };
    Ok(())
}

/// `2026-11-21T08:00:00Z`: ISO 8601 in UTC, as AWS_CREDENTIAL_EXPIRATION and credential_process
/// expect. `None` for a time no credentials can have (before 1970, or past 9999), never 1970.
pub(crate) fn iso8601(epoch: i64) -> Option<String> {
    if !(0..=253_402_300_799).contains(&epoch) {
        return None;
    }
    chrono::DateTime::from_timestamp(epoch, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}
