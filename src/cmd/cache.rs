//! `aws-as cache list` and `aws-as cache clear [NAME]`.

use crate::cli::CacheAction;
use crate::credentials::cache::Cache;
use crate::util::{human_left, now_epoch, print_stdout, sanitize};
use anyhow::Result;

pub fn run(action: CacheAction) -> Result<()> {
    let cache = Cache::from_env()?;
    match action {
        CacheAction::List => list(&cache),
        CacheAction::Clear { name } => clear(&cache, name.as_deref()),
    }
}

fn list(cache: &Cache) -> Result<()> {
    let mut out = String::new();
    for (key, entry) in cache.entries()? {
        match entry {
            Some(e) => out.push_str(&format!(
                "{key}  {:<7}  {:<10}  {}  {}\n",
                e.kind,
                human_left(e.expiration - now_epoch()),
                sanitize(&e.profile),
                sanitize(e.arn.as_deref().unwrap_or("-")),
            )),
            None => out.push_str(&format!("{key}  unreadable (replaced on next use)\n")),
        }
    }
    if out.is_empty() {
        eprintln!("aws-as: the cache in {} is empty", cache.dir().display());
        return Ok(());
    }
    print_stdout(&format!(
        "KEY{}  KIND     LEFT        PROFILE  ARN\n{out}",
        " ".repeat(29)
    ))
}

fn clear(cache: &Cache, name: Option<&str>) -> Result<()> {
    let mut removed = 0;
    for (key, entry) in cache.entries()? {
        let matches = match (name, &entry) {
            (None, _) => true,
            (Some(n), Some(e)) => e.profile == n,
            (Some(_), None) => false,
        };
        if matches {
            cache.remove(&key)?;
            removed += 1;
        }
    }
    match name {
        Some(n) => eprintln!(
            "aws-as: removed {removed} cached credential(s) of `{}`",
            sanitize(n)
        ),
        None => eprintln!("aws-as: removed {removed} cached credential(s)"),
    }
    Ok(())
}
