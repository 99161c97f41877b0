//! `aws-as completions bash|zsh|fish`: the completion script.

use crate::cli::CompletionShell;
use anyhow::{Result, bail};

pub fn run(_shell: CompletionShell) -> Result<()> {
    bail!("completions are not built yet")
}
