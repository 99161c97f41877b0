//! `aws-as list [FILTER]`: each identity (the profiles of the AWS config files, then those of
//! the catalogues' local copies) with its source, kind and cache state.

use crate::catalog::store::{self, Copy};
use crate::catalog::{self, SourceKind};
use crate::config::{Profiles, chain::profile_kind, resolve};
use crate::context::Context;
use crate::credentials::cache::Cache;
use crate::util::{human_left, now_epoch, print_stdout, sanitize, table};
use anyhow::Result;
use std::collections::HashSet;

pub fn run(ctx: &Context, filter: Option<&str>) -> Result<()> {
    let profiles = ctx.profiles()?;
    profiles.preload();
    let settings = ctx.settings()?;
    let cache = ctx.cache()?;
    let env = ctx.env();
    let wanted = |name: &str| filter.is_none_or(|f| name.contains(f));
    let mut rows: Vec<Vec<String>> = vec![
        ["  NAME", "SOURCE", "KIND", "KEYS", "CREDENTIALS"]
            .map(String::from)
            .to_vec(),
    ];
    let mut state = State {
        memo: Default::default(),
        cache,
        margin: settings.refresh_margin.as_secs() as i64,
        // One listing of the cache, not an open per identity: most have no entry.
        cached: cache.keys()?,
        active: env.identity().unwrap_or_default().to_string(),
    };
    // Names a catalogue answers for: the profiles `catalog write-config` wrote for them.
    let mut listed: HashSet<String> = HashSet::new();
    let copies = copies(ctx)?;
    for name in profiles.names() {
        if !wanted(&name) {
            continue;
        }
        let own = profiles.get(&name);
        if own.as_ref().is_some_and(|p| catalog::generated(p, &name))
            && copies
                .iter()
                .any(|(_, _, c)| c.get(&name).ok().flatten().is_some())
        {
            continue;
        }
        let kind = profile_kind(profiles, &name);
        let key = match resolve(profiles, &name, env) {
            Ok(mut chain) => {
                crate::credentials::discovery::apply_cached(&mut chain, cache)?;
                Some(chain.target_key(&mut state.memo))
            }
            Err(_) => None,
        };
        rows.push(state.row(&name, "config", kind, keys_home(profiles, &name), key)?);
        listed.insert(name);
    }
    for (catalog_name, spec, copy) in &copies {
        // Every identity of the catalogue starts from the same steps: `via`'s, as a chain with
        // roles after them has them.
        let prefix = match catalog::via_chain(catalog_name, spec, profiles, env) {
            Ok(via) => {
                let mut template = catalog::extend(
                    &via,
                    &catalog::Entry {
                        name: String::new(),
                        account: None,
                        description: None,
                        regions: Vec::new(),
                        roles: vec![String::new()],
                    },
                );
                crate::credentials::discovery::apply_cached(&mut template, cache)?;
                template.prefix_key(&mut state.memo)
            }
            Err(_) => None,
        };
        let kind = match spec.source {
            SourceKind::Sso => "sso",
            _ => "role",
        };
        copy.each(|entry| {
            if !wanted(&entry.name) || !listed.insert(entry.name.clone()) {
                return Ok(());
            }
            let key = match spec.source {
                SourceKind::Sso => catalog::Found {
                    catalog: catalog_name.clone(),
                    spec: spec.clone(),
                    entry: entry.clone(),
                    age: 0,
                    sso: copy.sso.clone(),
                }
                .chain(profiles, env)
                .ok()
                .map(|chain| chain.target_key(&mut state.memo)),
                _ => prefix.as_ref().map(|prefix| {
                    Some(entry.roles.iter().fold(prefix.clone(), |prev, arn| {
                        crate::config::chain::plain_role_key(&prev, arn)
                    }))
                }),
            };
            rows.push(state.row(&entry.name, catalog_name, kind, "-".to_string(), key)?);
            Ok(())
        })?;
    }
    print_stdout(&table(&rows))?;
    // Freed with the process, not string by string (200,000 of them at 100,000 identities).
    std::mem::forget(rows);
    Ok(())
}

/// The catalogues with a local copy whose source is the one their settings name, in order.
fn copies(ctx: &Context) -> Result<Vec<(String, catalog::Spec, Copy)>> {
    let settings = ctx.settings()?;
    let Some(dir) = (if settings.catalog.is_empty() {
        None
    } else {
        store::dir(ctx.env())?
    }) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (name, spec) in &settings.catalog {
        if let Some(copy) = Copy::open(&dir, name)?
            && copy.source == Some(spec.source)
        {
            out.push((name.clone(), spec.clone(), copy));
        }
    }
    Ok(out)
}

/// What every row needs to say whether its credentials are cached.
struct State<'a> {
    /// The steps shared by chains on the same base (`Chain::target_key`).
    memo: crate::config::chain::StepMemo,
    cache: &'a Cache,
    margin: i64,
    cached: HashSet<String>,
    active: String,
}

impl State<'_> {
    /// A row; `key` is `None` for an identity that can't be resolved, `Some(None)` for one
    /// whose credentials are never cached.
    fn row(
        &self,
        name: &str,
        source: &str,
        kind: &str,
        keys: String,
        key: Option<Option<String>>,
    ) -> Result<Vec<String>> {
        let state = match key {
            None => "not usable (aws-as use NAME says why)".to_string(),
            Some(key) => {
                let target = key.filter(|k| self.cached.contains(k));
                match target.map(|k| self.cache.read(&k)).transpose()?.flatten() {
                    None => "-".to_string(),
                    Some(e) if e.fresh(self.margin) => format!(
                        "cached, {} left",
                        human_left(e.credentials.expires() - now_epoch())
                    ),
                    Some(_) => "expired".to_string(),
                }
            }
        };
        let marker = if name == self.active { "* " } else { "  " };
        Ok(vec![
            format!("{marker}{}", sanitize(name)),
            sanitize(source),
            kind.to_string(),
            keys,
            state,
        ])
    }
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
