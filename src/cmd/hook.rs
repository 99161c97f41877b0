//! `aws-as __hook SHELL -- ARGS...`: what the shell function runs. It prints shell code for the
//! wrapper to evaluate, and nothing else on stdout. The wrapper runs it with the managed
//! variables put back to their pre-activation values, so that the active identity's variables
//! never take part in resolving the next one.

use crate::cli::{self, Command};
use crate::context::Context;
use crate::shell::Shell;
use crate::shell::identity;
use crate::shell::{Dialect, Stmt};
use crate::util::print_stdout;
use anyhow::{Context as _, Result, bail};
use std::ffi::OsString;
use std::io::IsTerminal;

pub fn run(ctx: &Context, shell: Shell, args: Vec<OsString>) -> Result<()> {
    if std::io::stdout().is_terminal() {
        bail!(
            "could not run the shell hook: it prints credentials as shell code for the aws-as \
             shell function, never to a terminal; run eval \"$(aws-as -s)\", then aws-as NAME"
        );
    }
    let dialect = Dialect::for_shell(shell);
    // csh hands an alias its redirections as arguments: `aws-as list > f` arrives as `list > f`.
    if dialect == Dialect::Csh
        && let Some(word) = args.iter().find(|a| {
            let a = a.to_string_lossy();
            (a.starts_with('>') || a.starts_with('<'))
                && a.chars().all(|c| matches!(c, '>' | '<' | '&' | '!'))
        })
    {
        bail!(
            "could not run aws-as: csh passes `{}` to the aws-as alias as an argument; \
             put the command in parentheses, as in: (aws-as list) > FILE",
            word.to_string_lossy()
        );
    }
    let mut argv: Vec<OsString> = vec!["aws-as".into()];
    // clap has taken the wrapper's `--`; what is left is exactly what the user typed, their own
    // `--` included (`aws-as -- -n` reaches a profile named `-n`).
    argv.extend(args);
    let parsed = match cli::parse(argv) {
        Ok(parsed) => parsed,
        // Help and version are data: let the wrapper run the binary directly to print them.
        Err(err) if !err.use_stderr() => return print_stdout(&dialect.render(&[Stmt::Delegate])?),
        Err(err) => {
            return Err(crate::error::usage(&err).into());
        }
    };
    let target = match (&parsed.command, &parsed.name) {
        (Some(Command::Use { name }), _) => Some(name.clone()),
        (None, Some(name)) if parsed.shell_init.is_none() && !parsed.csh => Some(name.clone()),
        _ => None,
    };
    let stmts = match target.as_deref() {
        None => vec![Stmt::Delegate],
        // Clearing needs only the prompt's format: no setting, nor a broken settings file, may
        // stop it.
        Some("-") => identity::clear(&ctx.prompt_format()),
        Some(name) => {
            let (chain, creds) = super::credentials_for(ctx, name, &parsed.obtain)
                .with_context(|| format!("could not switch to `{name}`"))?;
            identity::switch(&chain, &creds, &ctx.settings()?.prompt_format)
        }
    };
    // Render fully before printing anything: a failure prints nothing at all.
    let code = dialect.render(&stmts)?;
    print_stdout(&code)
}
