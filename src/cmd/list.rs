//! `aws-as list`: each profile with its kind and cache state.

use crate::config::{Ambient, Profiles, Settings, chain::profile_kind, resolve};
use crate::credentials::cache::Cache;
use crate::util::{human_left, now_epoch, print_stdout, sanitize};
use anyhow::Result;

pub fn run() -> Result<()> {
    let profiles = Profiles::load()?;
    let settings = Settings::load()?;
    let cache = Cache::from_env()?;
    let ambient = Ambient::from_env();
    let active = std::env::var("AWS_AS_IDENTITY").unwrap_or_default();
    let mut rows: Vec<[String; 4]> = Vec::new();
    for name in profiles.names() {
        let kind = profile_kind(&profiles, &name);
        let state = match resolve(&profiles, &name, &ambient) {
            Err(_) => "not usable (aws-as use NAME says why)".to_string(),
            Ok(mut chain) => {
                crate::credentials::discovery::apply_cached(&mut chain, &cache);
                let target = chain.steps().last().map(|s| s.key().to_string());
                match target.and_then(|k| cache.read(&k)) {
                    None => "-".to_string(),
                    Some(e) if e.fresh(settings.refresh_margin.as_secs() as i64) => {
                        format!("cached, {} left", human_left(e.expiration - now_epoch()))
                    }
                    Some(_) => "expired".to_string(),
                }
            }
        };
        let marker = if name == active { "* " } else { "  " };
        rows.push([
            format!("{marker}{}", sanitize(&name)),
            kind.to_string(),
            keys_home(&profiles, &name),
            state,
        ]);
    }
    let w0 = rows
        .iter()
        .map(|r| r[0].chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let w1 = rows.iter().map(|r| r[1].len()).max().unwrap_or(0).max(4);
    let w2 = rows.iter().map(|r| r[2].len()).max().unwrap_or(0).max(4);
    let mut out = format!(
        "{:w0$}  {:w1$}  {:w2$}  CREDENTIALS\n",
        "  NAME", "KIND", "KEYS"
    );
    for r in rows {
        out.push_str(&format!(
            "{:w0$}  {:w1$}  {:w2$}  {}\n",
            r[0], r[1], r[2], r[3]
        ));
    }
    print_stdout(&out)
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
