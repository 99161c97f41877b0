//! `aws-as man`: the manual page, in roff.

use anyhow::{Result, bail};

pub fn run() -> Result<()> {
    bail!("the manual page is not built yet")
}
