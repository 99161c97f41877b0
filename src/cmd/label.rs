//! `aws-as __label SHELL`: the prompt label for the identity the shell has now, which the
//! integration asks for once, when it activates (the shell may have inherited an identity from
//! its parent, and the label follows `prompt_format`).

use crate::config::Settings;
use crate::shell::Shell;
use crate::shell::{Dialect, Stmt, label};
use crate::util::print_stdout;
use anyhow::Result;

pub fn run(shell: Shell) -> Result<()> {
    // Activation needs only the prompt's format: no other setting may stop it.
    let format = Settings::prompt_format()?;
    let name = std::env::var("AWS_AS_IDENTITY")
        .ok()
        .filter(|n| !n.is_empty());
    let expires = std::env::var("AWS_AS_EXPIRATION")
        .ok()
        .and_then(|e| e.parse::<i64>().ok());
    let label = label(&format, name.as_deref().map(|n| (n, expires)));
    print_stdout(&Dialect::for_shell(shell).render(&[Stmt::Label(label)])?)
}
