//! `aws-as exec NAME -- CMD ARGS...`: run CMD with the identity's credentials in its environment.
//!
//! aws-as replaces itself with CMD (execve), as aws-vault does on Unix: CMD gets aws-as's pid, so
//! every signal sent to it (Ctrl-C from the terminal, `kill`, a CI runner's SIGTERM) reaches CMD
//! directly, and CMD's exit status, or the signal that ended it, is what the caller sees. The
//! credentials travel in the environment only, never in CMD's arguments.

use crate::cli::ObtainArgs;
use crate::context::Context;
use crate::env::EnvVars;
use crate::shell::Var;
use crate::shell::identity::credential_vars;
use anyhow::{Context as _, Result};
use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::process::Command;

pub fn run(ctx: &Context, name: &str, command: Vec<OsString>, args: &ObtainArgs) -> Result<()> {
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
    for (var, value) in credential_vars(&chain, &creds) {
        cmd.env(var.name(), value);
    }
    // What an activated shell has, so that prompt tools and `aws-as status` see the identity.
    cmd.env(Var::Identity.name(), &chain.name);
    cmd.env(Var::Expiration.name(), creds.expires().to_string());
    // No tool may mix a profile with these credentials; and the shell function's marker for its
    // reset environment must not reach a nested aws-as.
    cmd.env_remove(Var::Profile.name());
    cmd.env_remove(Var::DefaultProfile.name());
    cmd.env_remove(EnvVars::PRISTINE);
    cmd.env_remove(EnvVars::AWS_AS_RESOLVING);
    // The file store's passphrase is aws-as's to read, not the command's.
    crate::env::scrub_secrets(&mut cmd);
    // The command may dump core as it always could; only aws-as itself must not.
    crate::util::restore_core_limit();
    let err = cmd.exec();
    // exec returns only on failure. 127 and 126 are what shells and env(1) return for a command
    // that is missing or cannot be run.
    let code = match err.kind() {
        std::io::ErrorKind::NotFound => 127,
        _ => 126,
    };
    eprintln!(
        "aws-as: could not run `{}`: {err}",
        crate::util::sanitize(&program.to_string_lossy())
    );
    Err(crate::error::SilentExit(code).into())
}
