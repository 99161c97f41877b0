//! `aws-as remove NAME`: delete a profile's keys from the key store, and the credentials cached
//! from them.

use crate::context::Context;
use anyhow::{Context as _, Result, bail};

pub fn run(ctx: &Context, name: &str) -> Result<()> {
    let removed = crate::keys::remove(ctx.env(), name)
        .with_context(|| format!("could not remove the keys of profile `{name}`"))?;
    if !removed {
        bail!("there are no stored keys for profile `{name}`; aws-as list shows where keys live");
    }
    eprintln!("aws-as: removed the stored keys of profile `{name}`");
    super::cache::clear(ctx.cache()?, Some(name))
}
