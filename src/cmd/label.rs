//! `aws-as __label SHELL`: the prompt label for the identity the shell has now, which the
//! integration asks for once, when it activates (the shell may have inherited an identity from
//! its parent, and the label follows `prompt_format`).

use crate::context::Context;
use crate::shell::Shell;
use crate::shell::{Dialect, Stmt, label};
use crate::util::print_stdout;
use anyhow::Result;

pub fn run(ctx: &Context, shell: Shell) -> Result<()> {
    // Activation needs only the prompt's format: no other setting may stop it.
    let format = ctx.prompt_format()?;
    let env = ctx.env();
    let label = label(&format, env.identity().map(|n| (n, env.expiration())));
    print_stdout(&Dialect::for_shell(shell).render(&[Stmt::Label(label)])?)
}
