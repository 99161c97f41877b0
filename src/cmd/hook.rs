//! `aws-as __hook SHELL -- ARGS...`: what the shell function runs. It prints shell code for the
//! wrapper to evaluate, and nothing else on stdout. The wrapper runs it with the managed
//! variables put back to their pre-activation values, so that the active identity's variables
//! never take part in resolving the next one.

use crate::cli::{self, Command, ObtainArgs};
use crate::context::Context;
use crate::shell::Renewal;
use crate::shell::Shell;
use crate::shell::identity;
use crate::shell::identity::SwitchTo;
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
    let stmts = match (&parsed.command, &parsed.name) {
        (Some(Command::Use { name }), _) => switch(ctx, name, &parsed.obtain)?,
        (Some(Command::Region { region }), _) => set_region(ctx, region)?,
        (None, Some(name)) if parsed.shell_init.is_none() && !parsed.csh => {
            switch(ctx, name, &parsed.obtain)?
        }
        _ => vec![Stmt::Delegate],
    };
    // Render fully before printing anything: a failure prints nothing at all.
    let code = dialect.render(&stmts)?;
    print_stdout(&code)
}

/// A switch to `name`, or with `-` to no identity.
fn switch(ctx: &Context, name: &str, obtain: &ObtainArgs) -> Result<Vec<Stmt>> {
    if name == "-" {
        // Clearing needs only the prompt's format: no setting, nor a broken settings file, may
        // stop it.
        return Ok(identity::clear(&ctx.prompt_format()));
    }
    let (chain, creds) = super::credentials_for(ctx, name, obtain)
        .with_context(|| format!("could not switch to `{name}`"))?;
    let settings = ctx.settings()?;
    Ok(identity::switch(
        &chain,
        &creds,
        ctx.env(),
        SwitchTo {
            format: &settings.prompt_format,
            asked_region: obtain.region.as_deref(),
            renewal: renewal(ctx, creds.expires()),
        },
    ))
}

/// When the prompt renews credentials that expire at `expires`, if it does: `refresh_margin`
/// before, with the result written in the cache directory.
pub(crate) fn renewal(ctx: &Context, expires: i64) -> Option<Renewal> {
    let settings = ctx.settings().ok()?;
    if !settings.auto_refresh {
        return None;
    }
    let dir = ctx.cache().ok()?.private().ok()?;
    Some(Renewal {
        due: expires.saturating_sub(settings.refresh_margin.as_secs() as i64),
        dir: dir.path().to_str()?.to_string(),
    })
}

/// `aws-as region R` and `aws-as region -`: the active identity's region, with no STS call.
fn set_region(ctx: &Context, region: &str) -> Result<Vec<Stmt>> {
    let env = ctx.env();
    let Some(name) = env.identity() else {
        bail!(
            "could not change the region: no identity is active; switch with aws-as NAME \
             --region {}",
            crate::util::sanitize(region)
        );
    };
    let format = ctx.prompt_format();
    if region == "-" {
        // The identity's own region: its profile or catalogue entry, read from the files.
        let chain = crate::catalog::resolve(ctx, name, env, false)
            .with_context(|| format!("could not find the region of `{name}`"))?;
        return Ok(identity::set_region(
            env,
            &format,
            name,
            None,
            chain.region.as_deref(),
        ));
    }
    if !crate::config::chain::valid_region(region) {
        bail!(
            "could not change the region: `{}` is not a region name (letters, digits and -, as \
             in eu-west-1)",
            crate::util::sanitize(region)
        );
    }
    Ok(identity::set_region(env, &format, name, Some(region), None))
}
