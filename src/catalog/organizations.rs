//! The `organizations` source.

use super::progress::Progress;
use super::{RawEntry, Spec};
use crate::config::Chain;
use crate::context::Context;
use crate::credentials::Credentials;
use anyhow::{Result, bail};

/// Every entry of the source, read with `creds` (via's credentials, for `chain`).
pub fn read(
    _ctx: &Context,
    _chain: &Chain,
    _creds: &Credentials,
    _spec: &Spec,
    _progress: &Progress,
) -> Result<Vec<RawEntry>> {
    bail!("source = \"organizations\" is not built yet")
}
