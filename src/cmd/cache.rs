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
    let mut rows: Vec<[String; 5]> = Vec::new();
    for (key, entry) in cache.entries()? {
        rows.push(match entry {
            Some(e) => [
                key,
                e.kind,
                human_left(e.expiration - now_epoch()),
                sanitize(&e.profile),
                sanitize(e.arn.as_deref().unwrap_or("-")),
            ],
            None => [
                key,
                "-".into(),
                "-".into(),
                "-".into(),
                "unreadable (replaced on next use)".into(),
            ],
        });
    }
    if rows.is_empty() {
        eprintln!("aws-as: the cache in {} is empty", cache.dir().display());
        return Ok(());
    }
    rows.insert(
        0,
        ["KEY", "KIND", "LEFT", "PROFILE", "ARN"].map(String::from),
    );
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let (w0, w1, w2, w3) = (width(0), width(1), width(2), width(3));
    let mut out = String::new();
    for r in &rows {
        out.push_str(&format!(
            "{:w0$}  {:w1$}  {:w2$}  {:w3$}  {}\n",
            r[0], r[1], r[2], r[3], r[4]
        ));
    }
    print_stdout(&out)
}

pub(crate) fn clear(cache: &Cache, name: Option<&str>) -> Result<()> {
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
    cache.clear_mfa_notes(name)?;
    match name {
        Some(n) => eprintln!(
            "aws-as: removed {removed} cached credential(s) of `{}`",
            sanitize(n)
        ),
        None => eprintln!("aws-as: removed {removed} cached credential(s)"),
    }
    Ok(())
}
