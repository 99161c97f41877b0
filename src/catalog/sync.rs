//! `aws-as catalog sync [NAME...]`: read each catalogue from its source and replace its local
//! copy, only when the whole read succeeded.

use super::progress::Progress;
use super::store::{self, Copy};
use super::{Entry, SourceKind, Spec};
use crate::cli::ObtainArgs;
use crate::config::Chain;
use crate::context::Context;
use crate::credentials::Credentials;
use crate::private::PrivateDir;
use crate::util::sanitize;
use anyhow::{Result, bail};
use std::collections::{BTreeMap, BTreeSet};

/// How many skipped entries are described one by one; the rest are counted.
const SHOWN: usize = 10;

pub fn run(ctx: &Context, names: &[String], args: &ObtainArgs) -> Result<()> {
    let settings = ctx.settings()?;
    let all = &settings.catalog;
    if all.is_empty() {
        let path = crate::config::settings::config_path(ctx.env())?
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "aws-as's config.toml".to_string());
        bail!("there is no catalogue to sync: add a [catalog.NAME] table to {path}");
    }
    for name in names {
        if !all.contains_key(name) {
            bail!(
                "there is no catalogue `{}`; the settings have {}",
                sanitize(name),
                all.keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    let chosen: Vec<(&String, &Spec)> = all
        .iter()
        .filter(|(n, _)| names.is_empty() || names.contains(n))
        .collect();
    // Every `via` first: any MFA prompt comes before the reads, and each profile is resolved
    // (which tells the programs it starts) before any thread runs.
    let mut vias: BTreeMap<&str, Result<(Chain, Credentials), String>> = BTreeMap::new();
    // (A file is read without them: `via` only starts its identities' chains.)
    for (_, spec) in &chosen {
        if let Some(via) = spec.via.as_deref()
            && reads_with_via(spec.source)
            && !vias.contains_key(via)
        {
            let got = crate::cmd::credentials_for(ctx, via, args).map_err(|e| format!("{e:#}"));
            vias.insert(via, got);
        }
    }
    let dir = store::create_dir(ctx.env())?;
    let mut failed = 0;
    for (name, spec) in chosen {
        let via = spec
            .via
            .as_deref()
            .filter(|_| reads_with_via(spec.source))
            .and_then(|v| vias.get(v));
        let result = match via {
            Some(Err(e)) => Err(anyhow::anyhow!(
                "could not get the credentials of via profile: {e}"
            )),
            Some(Ok((chain, creds))) => sync_one(ctx, &dir, name, spec, Some((chain, creds))),
            None => sync_one(ctx, &dir, name, spec, None),
        };
        match result {
            Ok(line) => crate::util::print_stdout(&format!("{line}\n"))?,
            Err(e) => {
                failed += 1;
                crate::util::warn(&format!("{name}: {e:#}; its local copy is unchanged"));
            }
        }
    }
    if failed > 0 {
        return Err(crate::error::SilentExit(1).into());
    }
    Ok(())
}

/// Whether the source is read with `via`'s credentials.
fn reads_with_via(source: SourceKind) -> bool {
    matches!(source, SourceKind::Dynamodb | SourceKind::Organizations)
}

/// Read one catalogue, check what it gave, write its copy, and say what changed.
fn sync_one(
    ctx: &Context,
    dir: &PrivateDir,
    name: &str,
    spec: &Spec,
    via: Option<(&Chain, &Credentials)>,
) -> Result<String> {
    let progress = Progress::new(name);
    let raw = match (spec.source, via) {
        (SourceKind::File, _) => super::file::read(spec, ctx.env())?,
        (SourceKind::Sso, _) => super::sso::read(ctx, spec, &progress)?,
        (SourceKind::Dynamodb, Some((chain, creds))) => {
            super::dynamodb::read(ctx, chain, creds, spec, &progress)?
        }
        (SourceKind::Organizations, Some((chain, creds))) => {
            super::organizations::read(ctx, chain, creds, spec, &progress)?
        }
        (_, None) => bail!("`via` is not set"),
    };
    drop(progress);
    let (entries, skipped) = check_all(raw, spec.source);
    let before: BTreeSet<String> = match Copy::open(dir, name) {
        Ok(Some(copy)) => copy.all_names()?.into_iter().collect(),
        _ => BTreeSet::new(),
    };
    let sso = match spec.source {
        SourceKind::Sso => Some(super::sso::session(
            ctx,
            spec.sso_session.as_deref().unwrap_or_default(),
        )?),
        _ => None,
    };
    store::write(
        dir,
        name,
        spec.source,
        crate::util::now_epoch(),
        &entries,
        sso.as_ref(),
    )?;
    for reason in skipped.iter().take(SHOWN) {
        crate::util::warn(&format!("{name}: skipped an entry: {reason}"));
    }
    if skipped.len() > SHOWN {
        crate::util::warn(&format!(
            "{name}: skipped {} more entries like these",
            skipped.len() - SHOWN
        ));
    }
    report_shadowed(ctx, name, &entries);
    let after: BTreeSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();
    let added = after.iter().filter(|n| !before.contains(**n)).count();
    let removed = before
        .iter()
        .filter(|n| !after.contains(n.as_str()))
        .count();
    Ok(format!(
        "{name}: {} identities (+{added} -{removed})",
        entries.len()
    ))
}

/// The entries that pass `RawEntry::check`, each name once; and why each other one was skipped.
pub fn check_all(raw: Vec<super::RawEntry>, kind: SourceKind) -> (Vec<Entry>, Vec<String>) {
    let mut seen = BTreeSet::new();
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    for r in raw {
        match r.check(kind) {
            Err(why) => skipped.push(why),
            Ok(e) if !seen.insert(e.name.clone()) => {
                skipped.push(format!(
                    "`{}` is a duplicate name (the first is kept)",
                    e.name
                ));
            }
            Ok(e) => entries.push(e),
        }
    }
    (entries, skipped)
}

/// Say which of the catalogue's names a profile of the AWS config files (or a catalogue before
/// it) takes: those names switch to the profile.
fn report_shadowed(ctx: &Context, name: &str, entries: &[Entry]) {
    let Ok(profiles) = ctx.profiles() else {
        return;
    };
    let mut shadowed: Vec<&str> = entries
        .iter()
        .filter(|e| {
            profiles
                .get(&e.name)
                .is_some_and(|p| !super::generated(&p, &e.name))
        })
        .map(|e| e.name.as_str())
        .collect();
    let total = shadowed.len();
    if total == 0 {
        return;
    }
    shadowed.truncate(SHOWN);
    let more = if total > SHOWN {
        format!(" and {} more", total - SHOWN)
    } else {
        String::new()
    };
    crate::util::warn(&format!(
        "{name}: {total} identities have the name of a profile in the AWS config files, which \
         wins: {}{more}",
        shadowed.join(", ")
    ));
}
