//! `aws-as catalog write-config`.

use crate::context::Context;
use anyhow::{Result, bail};
use std::path::Path;

pub fn run(_ctx: &Context, _file: Option<&Path>) -> Result<()> {
    bail!("not built yet")
}
