//! `aws-as -s [SHELL]`, `aws-as -c` and `aws-as init SHELL [--script]`: the shell integration,
//! activated by one aws-as process.
//!
//! The integration is the shell's static file (`shell/aws-as.*`) followed by the statement that
//! activates it, with the prompt label for the identity the shell has now, rendered through the
//! dialect's quoting function. fish (`| source`) and csh (``eval "`aws-as -c`"``) take that
//! text as it is. The sh family can't: the unquoted `eval $(aws-as -s)` that READMEs show would
//! word-split a multi-line file, and zsh's `glob_subst` would take its words for patterns. So for
//! them `-s` writes the text to a file in aws-as's cache directory, named by its digest, and
//! prints one line that sources it. When that can't be done (the cache directory is refused, the
//! disk is full, or its path has characters the unquoted form would split or glob), it prints the
//! line that has aws-as print the text itself (`init SHELL --script`): one process more.

use crate::context::Context;
use crate::shell::{Dialect, Shell, Shown, Stmt, detect, label};
use crate::util::print_stdout;
use anyhow::{Result, bail};

pub fn run(ctx: &Context, shell: Option<Shell>, script: bool) -> Result<()> {
    let shell = match shell {
        Some(shell) => shell,
        None => detect(ctx.env())?,
    };
    let dialect = Dialect::for_shell(shell);
    let text = integration(ctx, dialect)?;
    if script || matches!(dialect, Dialect::Fish | Dialect::Csh) {
        return print_stdout(&text);
    }
    match loader(ctx, dialect, &text) {
        Ok(line) => print_stdout(&line),
        Err(_) => print_stdout(&dialect.bootstrap()),
    }
}

/// The static file, then the statement that activates it with the label for the identity the
/// shell has now (none, or one inherited from its parent). A bad `prompt_format` must not stop
/// a shell from starting: it is reported, and the default is used.
fn integration(ctx: &Context, dialect: Dialect) -> Result<String> {
    let format = ctx.prompt_format();
    let env = ctx.env();
    let identity = env.identity();
    let label = label(&format, Shown::from_env(env));
    let mut stmts = vec![Stmt::Activate {
        label,
        identity: identity.is_some(),
    }];
    // An identity inherited from the parent shell is renewed at the prompt as one switched to
    // here would be (settings that can't be read mean no renewal, not a failed activation).
    if identity.is_some()
        && let Some(expires) = env.expiration()
        && let Some(renewal) = super::hook::renewal(ctx, expires)
    {
        stmts.push(Stmt::Renewal(Some(renewal)));
    }
    Ok(format!("{}{}", dialect.script(), dialect.render(&stmts)?))
}

/// `. 'PATH'`, for a file holding `text`.
fn loader(ctx: &Context, dialect: Dialect, text: &str) -> Result<String> {
    let path = ctx.cache()?.script(dialect.name(), text)?;
    let path = path.to_str().unwrap_or_default();
    // The line survives the unquoted `eval $(...)` only when splitting at blanks and globbing
    // leave the path alone.
    if path.is_empty()
        || !path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+@%,:".contains(c))
    {
        bail!("the cache directory's path would not survive the unquoted eval");
    }
    Ok(format!(". {}\n", dialect.quote(path)?))
}
