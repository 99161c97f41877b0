//! `aws-as exec NAME -- CMD ARGS...`: run CMD with the identity's credentials.

use crate::cli::ObtainArgs;
use anyhow::{Result, bail};
use std::ffi::OsString;

pub fn run(name: &str, _command: Vec<OsString>, _args: &ObtainArgs) -> Result<()> {
    bail!("exec for `{name}` is not built yet")
}
