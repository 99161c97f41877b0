//! `aws-as exec NAME -- CMD ARGS...`: run CMD with the identity's credentials in its environment.
//!
//! aws-as replaces itself with CMD (execve), as aws-vault does on Unix: CMD gets aws-as's pid, so
//! every signal sent to it (Ctrl-C from the terminal, `kill`, a CI runner's SIGTERM) reaches CMD
//! directly, and CMD's exit status, or the signal that ended it, is what the caller sees. The
//! credentials travel in the environment only, never in CMD's arguments.
//!
//! With `--server`, CMD gets no keys at all but the address and token of a credential endpoint
//! (`credentials::server`), which aws-as serves while CMD runs: aws-as stays CMD's parent
//! (`child`), passes signals on, and ends as CMD ended.

use crate::child;
use crate::cli::ObtainArgs;
use crate::config::Chain;
use crate::context::Context;
use crate::credentials::Credentials;
use crate::credentials::server::{Ask, Endpoint, Renewer};
use crate::env::EnvVars;
use crate::shell::Var;
use crate::shell::identity::{credential_vars, region_vars};
use anyhow::{Context as _, Result};
use std::ffi::{OsStr, OsString};
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus};

pub fn run(
    ctx: &Context,
    name: &str,
    command: Vec<OsString>,
    server: bool,
    args: &ObtainArgs,
) -> Result<()> {
    let (chain, creds) = super::credentials_for(ctx, name, args)
        .with_context(|| format!("could not run a command as `{name}`"))?;
    let mut argv = command.into_iter();
    let program = match argv.next() {
        Some(program) => program,
        // No command: the user's shell, as aws-vault and `sudo -s` do.
        None => ctx.env().get(EnvVars::SHELL).unwrap_or("/bin/sh").into(),
    };
    let mut cmd = Command::new(&program);
    cmd.args(argv);
    // What an activated shell has, so that prompt tools and `aws-as status` see the identity.
    cmd.env(Var::Identity.name(), &chain.name);
    // No tool may mix a profile with these credentials; and the shell function's marker for its
    // reset environment must not reach a nested aws-as.
    cmd.env_remove(Var::Profile.name());
    cmd.env_remove(Var::DefaultProfile.name());
    cmd.env_remove(EnvVars::PRISTINE);
    cmd.env_remove(EnvVars::AWS_AS_RESOLVING);
    // The file store's passphrase is aws-as's to read, not the command's.
    crate::env::scrub_secrets(&mut cmd);
    if server {
        return serve(ctx, &chain, creds, cmd, &program);
    }
    for (var, value) in credential_vars(&chain, &creds) {
        cmd.env(var.name(), value);
    }
    cmd.env(Var::Expiration.name(), creds.expires().to_string());
    // The command may dump core as it always could; only aws-as itself must not.
    crate::util::restore_core_limit();
    let err = cmd.exec();
    Err(could_not_run(&program, &err))
}

/// 127 and 126 are what shells and env(1) return for a command that is missing or cannot be run.
fn could_not_run(program: &OsStr, err: &std::io::Error) -> anyhow::Error {
    let code = match err.kind() {
        std::io::ErrorKind::NotFound => 127,
        _ => 126,
    };
    eprintln!(
        "aws-as: could not run `{}`: {err}",
        crate::util::sanitize(&program.to_string_lossy())
    );
    crate::error::SilentExit(code).into()
}

/// What the main thread waits for while CMD runs.
enum Event {
    Ask(Ask),
    Exited(std::io::Result<ExitStatus>),
}

/// `exec --server`: the endpoint, CMD with its address and token, and the answers, until CMD
/// ends.
fn serve(
    ctx: &Context,
    chain: &Chain,
    creds: Credentials,
    mut cmd: Command,
    program: &OsStr,
) -> Result<()> {
    let signals = child::Blocked::signals().context("could not set up signal forwarding")?;
    let (events, received) = std::sync::mpsc::channel::<Event>();
    let asks = events.clone();
    let endpoint = Endpoint::start(move |ask| asks.send(Event::Ask(ask)).is_ok())?;
    cmd.env(EnvVars::AWS_CONTAINER_CREDENTIALS_FULL_URI, endpoint.url());
    cmd.env(EnvVars::AWS_CONTAINER_AUTHORIZATION_TOKEN, endpoint.token());
    for (var, value) in region_vars(chain) {
        cmd.env(var.name(), value);
    }
    // Everything that the SDKs rank above the endpoint, or that would point them elsewhere.
    for var in [
        Var::AccessKeyId,
        Var::SecretAccessKey,
        Var::SessionToken,
        Var::CredentialExpiration,
        // It would go stale as the credentials are renewed.
        Var::Expiration,
    ] {
        cmd.env_remove(var.name());
    }
    cmd.env_remove(EnvVars::AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
    cmd.env_remove(EnvVars::AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE);
    crate::util::restore_core_limit_in(&mut cmd);
    let mut renewer = Renewer::new(ctx, chain, creds)?;
    if let Err(err) = signals.spawn(&mut cmd, move |status| {
        let _ = events.send(Event::Exited(status));
    }) {
        endpoint.stop();
        return Err(could_not_run(program, &err));
    }
    let status = loop {
        match received.recv() {
            Ok(Event::Ask(ask)) => ask.answer(renewer.answer()),
            Ok(Event::Exited(status)) => break status,
            // The waiter holds a sender until it has sent CMD's end.
            Err(_) => break Err(std::io::Error::other("the command's waiter ended")),
        }
    };
    endpoint.stop();
    let status = status.context("could not wait for the command")?;
    Err(crate::error::SilentExit(child::exit_code(status)).into())
}
