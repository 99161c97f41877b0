//! One file per subcommand, each with a single `run`.

pub mod add;
pub mod cache;
pub mod catalog;
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
pub mod region;
pub mod remove;
pub mod renew;
pub mod rotate;
pub mod status;
pub mod switch;

use crate::cli::{Cli, Command, ObtainArgs};
use crate::config::Chain;
use crate::context::Context;
use crate::credentials::{Credentials, Request, obtain};
use crate::shell::Shell;
use anyhow::{Context as _, Result, bail};

pub fn run(cli: Cli) -> Result<()> {
    // Never dropped: what a run has read (100,000 profiles for `list`) goes with the process,
    // not with a free() of each piece on the way out, which took a tenth of `list`'s time.
    let ctx: &Context = Box::leak(Box::new(Context::new()));
    if cli.csh {
        return init::run(ctx, Some(Shell::Csh), false);
    }
    if let Some(shell) = cli.shell_init {
        return init::run(ctx, shell, false);
    }
    match cli.command {
        Some(Command::Use { name }) => switch::run_outside_hook(&name),
        Some(Command::Status { verify, json }) => status::run(ctx, verify, json),
        Some(Command::List { filter }) => list::run(ctx, filter.as_deref()),
        Some(Command::Catalog { action }) => catalog::run(ctx, action, &cli.obtain),
        Some(Command::Exec {
            name,
            command,
            server,
        }) => exec::run(ctx, &name, command, server, &cli.obtain),
        Some(Command::Export { name, format }) => export::run(ctx, &name, format, &cli.obtain),
        Some(Command::Login { name, open }) => login::run(ctx, &name, open, &cli.obtain),
        Some(Command::Completions { shell }) => completions::run(shell),
        Some(Command::Man { dir }) => man::run(dir.as_deref()),
        Some(Command::Cache { action }) => cache::run(ctx, action),
        Some(Command::Add { name, from_env }) => add::run(ctx, &name, from_env),
        Some(Command::Remove { name }) => remove::run(ctx, &name),
        Some(Command::Import {
            name,
            remove_plaintext,
        }) => import::run(ctx, name.as_deref(), remove_plaintext),
        Some(Command::Rotate { name }) => rotate::run(ctx, &name, &cli.obtain),
        Some(Command::Init { shell, script }) => init::run(ctx, Some(shell), script),
        Some(Command::Label { shell }) => label::run(ctx, shell),
        Some(Command::Region { .. }) => region::run_outside_hook(),
        Some(Command::Renew { shell, pid, nonce }) => renew::run(ctx, shell, pid, nonce),
        Some(Command::Hook { shell, args }) => hook::run(ctx, shell, args),
        None => match cli.name {
            Some(name) => switch::run_outside_hook(&name),
            None => status::run(ctx, false, false),
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
    let min_left = match &args.min_left {
        None => None,
        Some(text) => {
            let d = crate::util::parse_duration(text).context("--min-left")?;
            if d.as_secs() > 36 * 3600 {
                bail!("--min-left {text} is too long: no credentials last more than 36h");
            }
            Some(d)
        }
    };
    Ok(Request {
        mfa_code: args.mfa_code.clone(),
        duration,
        refresh: args.refresh,
        min_left,
        unattended: false,
    })
}

/// Resolve profile `name` and obtain its credentials: the one path every command shares.
pub(crate) fn credentials_for(
    ctx: &Context,
    name: &str,
    args: &ObtainArgs,
) -> Result<(Chain, Credentials)> {
    credentials_for_chain(ctx, chain_for(ctx, name)?, args)
}

/// Resolve profile `name` into its identity chain: files only, no network. A profile that the
/// aws-as processes up the line are already resolving (a credential_process that runs aws-as
/// for it again) would start processes until the machine gives out, and one that needs a lock
/// they hold would wait forever: both are refused with what loops.
pub(crate) fn chain_for(ctx: &Context, name: &str) -> Result<Chain> {
    let env = ctx.env();
    if env.resolving().any(|n| n == name) {
        let mut names: Vec<&str> = env.resolving().collect();
        names.push(name);
        bail!(
            "profile `{name}` needs itself: its credentials come from a credential_process that \
             runs aws-as for it again ({}); point credential_process at a different profile",
            names.join(" -> ")
        );
    }
    let chain = crate::catalog::resolve(ctx, name, env, true)?;
    crate::credentials::refuse_held_locks(env, &chain)?;
    // SAFETY: commands resolve before any runtime or thread is started.
    #[allow(unsafe_code)]
    unsafe {
        crate::env::pass_down(env, name, crate::credentials::held_lock(&chain).as_deref())
    };
    Ok(chain)
}

/// Obtain the credentials for a chain from `chain_for`, for a command that looks at the chain
/// before any call is made.
pub(crate) fn credentials_for_chain(
    ctx: &Context,
    mut chain: Chain,
    args: &ObtainArgs,
) -> Result<(Chain, Credentials)> {
    let req = request(args)?;
    if let Some(region) = &args.region {
        if !crate::config::chain::valid_region(region) {
            bail!(
                "--region {} is not a region name (letters, digits and -, as in eu-west-1)",
                crate::util::sanitize(region)
            );
        }
        chain.region = Some(region.clone());
    }
    let creds = settled(ctx, &mut chain, &req)?;
    Ok((chain, creds))
}

/// The credentials for `chain` once its discovered parts (an MFA device found through IAM) are
/// settled: what a switch and the prompt's renewal both do last.
pub(crate) fn settled(ctx: &Context, chain: &mut Chain, req: &Request) -> Result<Credentials> {
    crate::credentials::discovery::settle(ctx, chain, req)?;
    obtain(ctx, chain, req)
}
