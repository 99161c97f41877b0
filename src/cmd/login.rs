//! `aws-as login NAME [--open]`: an AWS console sign-in URL for the identity.

use crate::cli::ObtainArgs;
use anyhow::{Result, bail};

pub fn run(name: &str, _open: bool, _args: &ObtainArgs) -> Result<()> {
    bail!("login for `{name}` is not built yet")
}
