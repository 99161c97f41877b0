//! `aws-as __label SHELL`: the prompt label for the identity the shell has now. Activation gets
//! its label from `aws-as -s` itself, with no process of its own; only an activation that first
//! undoes an earlier one (an rc file sourced twice) asks again, since undoing it brings back an
//! identity `-s` could not see.

use crate::context::Context;
use crate::shell::Shell;
use crate::shell::{Dialect, Shown, Stmt, label};
use crate::util::print_stdout;
use anyhow::Result;

pub fn run(ctx: &Context, shell: Shell) -> Result<()> {
    // Activation needs only the prompt's format: no other setting may stop it.
    let format = ctx.prompt_format();
    let env = ctx.env();
    let label = label(&format, Shown::from_env(env));
    print_stdout(&Dialect::for_shell(shell).render(&[Stmt::Label(label)])?)
}
