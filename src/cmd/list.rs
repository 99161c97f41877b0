//! `aws-as list`: each profile with its kind and cache state.

use crate::config::{Profiles, chain::profile_kind, resolve};
use crate::context::Context;
use crate::util::{human_left, now_epoch, print_stdout, sanitize, table};
use anyhow::Result;

pub fn run(ctx: &Context, filter: Option<&str>) -> Result<()> {
    let _ = filter;
    let profiles = ctx.profiles()?;
    profiles.preload();
    let settings = ctx.settings()?;
    let cache = ctx.cache()?;
    let env = ctx.env();
    let active = env.identity().unwrap_or_default();
    let mut rows: Vec<Vec<String>> = vec![
        ["  NAME", "KIND", "KEYS", "CREDENTIALS"]
            .map(String::from)
            .to_vec(),
    ];
    let margin = settings.refresh_margin.as_secs() as i64;
    // One listing of the cache, not an open per profile: most profiles of a large config have
    // no entry.
    let cached = cache.keys()?;

    for name in profiles.names() {
        let kind = profile_kind(profiles, &name);
        let state = match resolve(profiles, &name, env) {
            Err(_) => "not usable (aws-as use NAME says why)".to_string(),
            Ok(mut chain) => {
                crate::credentials::discovery::apply_cached(&mut chain, cache)?;
                let target = chain
                    .steps()
                    .last()
                    .map(|s| s.key().to_string())
                    .filter(|k| cached.contains(k));
                match target.map(|k| cache.read(&k)).transpose()?.flatten() {
                    None => "-".to_string(),
                    Some(e) if e.fresh(margin) => {
                        format!(
                            "cached, {} left",
                            human_left(e.credentials.expires() - now_epoch())
                        )
                    }
                    Some(_) => "expired".to_string(),
                }
            }
        };
        let marker = if name == active { "* " } else { "  " };
        rows.push(vec![
            format!("{marker}{}", sanitize(&name)),
            kind.to_string(),
            keys_home(profiles, &name),
            state,
        ]);
    }
    print_stdout(&table(&rows))
}

/// Where a profile's own long-term keys live: a key store (which wins), the plaintext files, or
/// `-` for a profile that holds none.
fn keys_home(profiles: &Profiles, name: &str) -> String {
    let plaintext = profiles
        .get(name)
        .is_some_and(|p| p.get("aws_access_key_id").is_some());
    match (profiles.stored(name), plaintext) {
        (Some(e), false) => e.backend.name().to_string(),
        (Some(e), true) => format!("{} (plaintext copy unused)", e.backend.name()),
        (None, true) => "plaintext".to_string(),
        (None, false) => "-".to_string(),
    }
}
