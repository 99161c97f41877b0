//! `aws-as cache list` and `aws-as cache clear [NAME]`.

use crate::cli::CacheAction;
use crate::context::Context;
use crate::credentials::cache::Cache;
use crate::util::{human_left, now_epoch, print_stdout, sanitize, table};
use anyhow::Result;

pub fn run(ctx: &Context, action: CacheAction) -> Result<()> {
    let cache = ctx.cache()?;
    match action {
        CacheAction::List => list(cache),
        CacheAction::Clear { name } => clear(cache, name.as_deref()),
    }
}

fn list(cache: &Cache) -> Result<()> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (key, entry) in cache.entries()? {
        rows.push(match entry {
            Ok(e) => vec![
                key,
                sanitize(&e.kind),
                human_left(e.credentials.expires().saturating_sub(now_epoch())),
                sanitize(&e.profile),
                sanitize(e.credentials.arn.as_deref().unwrap_or("-")),
            ],
            Err(why) => vec![key, "-".into(), "-".into(), "-".into(), sanitize(&why)],
        });
    }
    if rows.is_empty() {
        eprintln!(
            "aws-as: the cache in {} is empty",
            sanitize(&cache.dir().display().to_string())
        );
        return Ok(());
    }
    rows.insert(
        0,
        ["KEY", "KIND", "LEFT", "PROFILE", "ARN"]
            .map(String::from)
            .to_vec(),
    );
    print_stdout(&table(&rows))
}

pub(crate) fn clear(cache: &Cache, name: Option<&str>) -> Result<()> {
    let removed = cache.clear(name)?;
    match name {
        Some(n) => eprintln!(
            "aws-as: removed {removed} cached credential(s) of `{}`",
            sanitize(n)
        ),
        None => eprintln!("aws-as: removed {removed} cached credential(s)"),
    }
    Ok(())
}
