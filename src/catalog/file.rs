//! The `file` source: a JSON array of entries, or a TOML file of `[[account]]` tables, with
//! letme's fields, kept by a team in git.

use super::{RawEntry, Spec};
use crate::env::Env;
use anyhow::{Context, Result, bail};
use std::path::PathBuf;

/// A catalogue file is a list of accounts; 64 MiB holds several hundred thousand.
const LIMIT: u64 = 64 << 20;

/// The file's path, with `~/` as the home directory.
pub fn path(spec: &Spec, env: &Env) -> Result<PathBuf> {
    let text = spec.path.as_deref().unwrap_or_default();
    match text.strip_prefix("~/") {
        Some(rest) => Ok(env
            .home()
            .ok_or_else(|| anyhow::anyhow!("`{text}` needs HOME, which is not set"))?
            .join(rest)),
        None => Ok(PathBuf::from(text)),
    }
}

/// Every entry of the file, unchecked.
pub fn read(spec: &Spec, env: &Env) -> Result<Vec<RawEntry>> {
    let path = path(spec, env)?;
    let shown = path.display().to_string();
    let text = crate::util::read_text(&path, LIMIT)
        .with_context(|| format!("could not read {shown}"))?
        .ok_or_else(|| anyhow::anyhow!("{shown} does not exist"))?;
    parse(&text).with_context(|| format!("could not read {shown}"))
}

/// A JSON array (or an object with an `accounts` array), or TOML with `[[account]]`: which one
/// is told by the first character that is not white space.
pub fn parse(text: &str) -> Result<Vec<RawEntry>> {
    let first = text.trim_start().chars().next();
    let value: serde_json::Value =
        if matches!(first, Some('[') | Some('{')) && !text.trim_start().starts_with("[[") {
            serde_json::from_str(text).map_err(|e| {
                anyhow::anyhow!(
                    "it is not valid JSON: {} (line {})",
                    crate::util::one_line(&e.to_string()),
                    e.line()
                )
            })?
        } else {
            let table: toml::Table = toml::from_str(text).map_err(|e| {
                anyhow::anyhow!(
                    "it is not valid TOML: {}",
                    crate::util::one_line(e.message())
                )
            })?;
            serde_json::to_value(table).context("it could not be converted")?
        };
    let items = match &value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(map) => {
            match map.get("account").or_else(|| map.get("accounts")) {
                Some(serde_json::Value::Array(items)) => items,
                _ => bail!(
                    "it has no list of accounts: use a JSON array, or TOML [[account]] tables"
                ),
            }
        }
        _ => bail!("it has no list of accounts: use a JSON array, or TOML [[account]] tables"),
    };
    Ok(items.iter().map(RawEntry::from_json).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_toml_give_the_same_entries() {
        let json = r#"[{"name": "dev", "id": "111111111111", "description": "Dev",
                        "region": ["eu-west-1", "us-east-1"],
                        "role": ["arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/b"]}]"#;
        let toml = r#"
[[account]]
name = "dev"
id = "111111111111"
description = "Dev"
region = ["eu-west-1", "us-east-1"]
role = ["arn:aws:iam::111111111111:role/a", "arn:aws:iam::111111111111:role/b"]
"#;
        let a = parse(json).unwrap();
        assert_eq!(a, parse(toml).unwrap());
        assert_eq!(a[0].roles.len(), 2);
        assert_eq!(a[0].regions[0], "eu-west-1");
    }

    #[test]
    fn bad_files_say_why() {
        assert!(format!("{:#}", parse("[{").unwrap_err()).contains("not valid JSON"));
        assert!(format!("{:#}", parse("x = ").unwrap_err()).contains("not valid TOML"));
        assert!(format!("{:#}", parse("x = 1").unwrap_err()).contains("no list of accounts"));
    }
}
