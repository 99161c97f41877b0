//! `aws-as catalog write-config [--file PATH]`: a profile for every catalogue identity in the
//! AWS config file, between `# BEGIN aws-as catalog` and `# END aws-as catalog`, so that the AWS
//! CLI, the SDKs and terraform can use `--profile NAME` (aws-cli #6975). Each profile gets its
//! credentials from `aws-as export NAME --format credential-process`, which aws-as itself
//! resolves as the catalogue identity (`catalog::generated`), never through the profile.

use super::store::{self, Copy};
use crate::context::Context;
use anyhow::{Context as _, Result, bail};
use std::collections::BTreeSet;
use std::path::Path;

pub const BEGIN: &str = "# BEGIN aws-as catalog";
pub const END: &str = "# END aws-as catalog";

pub fn run(ctx: &Context, file: Option<&Path>) -> Result<()> {
    let env = ctx.env();
    let path = match file {
        Some(p) => p.to_path_buf(),
        None => crate::config::profiles::config_path(env).ok_or_else(|| {
            anyhow::anyhow!("could not find the AWS config file: set HOME or AWS_CONFIG_FILE")
        })?,
    };
    let shown = path.display().to_string();
    let text = crate::util::read_text(&path, crate::config::profiles::FILE_LIMIT)
        .with_context(|| format!("could not read {shown}"))?
        .unwrap_or_default();
    let (before, old_block, after) =
        split(&text).with_context(|| format!("could not update {shown}"))?;
    let outside = headers(&format!("{before}\n{after}"));
    let settings = ctx.settings()?;
    if settings.catalog.is_empty() {
        bail!("there is no catalogue: add a [catalog.NAME] table to aws-as's config.toml");
    }
    let dir = store::dir(env)?;
    let mut written = BTreeSet::new();
    let mut block = String::new();
    let mut shadowed = 0;
    let mut synced = 0;
    for catalog in settings.catalog.keys() {
        let Some(copy) = dir
            .as_ref()
            .map(|d| Copy::open(d, catalog))
            .transpose()?
            .flatten()
        else {
            continue;
        };
        synced += 1;
        copy.each(|entry| {
            if outside.contains(&entry.name) {
                shadowed += 1;
                return Ok(());
            }
            if !written.insert(entry.name.clone()) {
                return Ok(());
            }
            block.push_str(&format!(
                "\n[profile {name}]\ncredential_process = {cmd}\n",
                name = entry.name,
                cmd = super::export_command(&entry.name)
            ));
            if let Some(region) = entry.regions.first() {
                block.push_str(&format!("region = {region}\n"));
            }
            Ok(())
        })?;
    }
    if synced == 0 {
        bail!("no catalogue has a local copy yet; run `aws-as catalog sync` first");
    }
    let old: BTreeSet<String> = headers(old_block.unwrap_or_default());
    let added = written.iter().filter(|n| !old.contains(*n)).count();
    let removed = old.iter().filter(|n| !written.contains(*n)).count();
    let mut out = String::with_capacity(text.len() + block.len() + 200);
    out.push_str(before);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(BEGIN);
    out.push_str("\n# Written by `aws-as catalog write-config`, which replaces everything up to the END line.\n");
    out.push_str(&block);
    out.push_str(END);
    out.push('\n');
    out.push_str(after);
    if out != text {
        // Through a symlink (a dotfiles checkout) to the file itself, as the AWS CLI writes it.
        let real = std::fs::canonicalize(&path).unwrap_or(path.clone());
        crate::config::credentials_file::write_keeping_mode(&real, &out)?;
    }
    let mut note = format!(
        "aws-as: {} catalogue profiles in {shown} (+{added} -{removed})",
        written.len()
    );
    if shadowed > 0 {
        note.push_str(&format!(
            "; {shadowed} left out, as a profile of that name is already in the file"
        ));
    }
    eprintln!("{note}");
    Ok(())
}

/// The text before the marked block, the block's inside (`None` when there is none yet), and
/// the text after it (from the line after END).
fn split(text: &str) -> Result<(&str, Option<&str>, &str)> {
    let mut begin = None;
    let mut end = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        if trimmed == BEGIN {
            if begin.is_some() {
                bail!("it has two `{BEGIN}` lines; remove one");
            }
            begin = Some((at, at + line.len()));
        } else if trimmed == END {
            if begin.is_none() || end.is_some() {
                bail!("its `{END}` line has no `{BEGIN}` line before it; remove it");
            }
            end = Some((at, at + line.len()));
        }
        at += line.len();
    }
    match (begin, end) {
        (None, None) => Ok((text, None, "")),
        (Some((b0, b1)), Some((e0, e1))) => Ok((&text[..b0], Some(&text[b1..e0]), &text[e1..])),
        _ => bail!("its `{BEGIN}` line has no `{END}` line after it; add it or remove the block"),
    }
}

/// The profile names of the section headers in `text`: `[profile NAME]` and `[NAME]`.
fn headers(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| {
            let inner = l.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
            let name = inner
                .strip_prefix("profile")
                .map(str::trim_start)
                .unwrap_or(inner);
            (!name.is_empty()).then(|| name.to_string())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_block_is_found_and_what_is_outside_it_kept() {
        let text = "[profile a]\nregion = x\n# BEGIN aws-as catalog\n[profile b]\n# END aws-as catalog\n[profile c]\n";
        let (before, block, after) = split(text).unwrap();
        assert_eq!(before, "[profile a]\nregion = x\n");
        assert_eq!(block, Some("[profile b]\n"));
        assert_eq!(after, "[profile c]\n");
        assert_eq!(split("x\n").unwrap(), ("x\n", None, ""));
        assert!(split("# BEGIN aws-as catalog\n").is_err());
        assert!(split("# END aws-as catalog\n").is_err());
        assert!(split(&format!("{BEGIN}\n{END}\n{BEGIN}\n{END}\n")).is_err());
        assert_eq!(
            headers("[profile a]\n[default]\n[ profile  b ]\n[sso-session s]\nx = [y]\n"),
            ["a", "b", "default", "sso-session s"]
                .map(String::from)
                .into()
        );
    }
}
