//! The profile index: what aws-as reads of each profile in the AWS config files, kept in one
//! SQLite file in the cache directory so that a switch looks up the few profiles of its chain
//! instead of parsing a config of 100,000 profiles on every call.
//!
//! - aws-config's parser stays the authority: the index is built from the `ProfileSet` it
//!   parsed, taking each property aws-as reads (`KEYS`) through `Profile::get`.
//! - It is keyed by a stamp of both files (path, size, modification and change times in
//!   nanoseconds, inode and device) and of this build of aws-as: any edit to either file, even one
//!   that keeps the size and puts the modification time back, gives a new stamp, and the next
//!   run rebuilds.
//! - Long-term secrets never go in: for `aws_secret_access_key` and `aws_session_token` it keeps
//!   only which file holds them, and they are read from that file when a chain is resolved.
//! - It is written as every cache file is (0600, atomically, in the private directory), built in
//!   memory first; it is read in place, opened once by aws-as's own checks and handed to SQLite
//!   as that open file, immutable, so no journal or lock file is ever made.

use crate::private::PrivateDir;
use anyhow::{Context, Result};
use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::property::Property;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// Every profile property aws-as reads (`config::chain` reads no other; a unit test checks).
pub const KEYS: &[&str] = &[
    "aws_access_key_id",
    "credential_process",
    "credential_source",
    "duration_seconds",
    "endpoint_url",
    "external_id",
    "federation_name",
    "federation_policy",
    "federation_policy_arns",
    "mfa_process",
    "mfa_serial",
    "region",
    "role_arn",
    "role_session_name",
    "source_identity",
    "source_profile",
    "sso_account_id",
    "sso_role_name",
    "sso_session",
    "sso_start_url",
    "web_identity_token_file",
];

/// The properties that hold secrets: the index records only where they are.
pub const SECRET_KEYS: &[&str] = &["aws_secret_access_key", "aws_session_token"];

/// Below this much text in the two files, parsing them is as quick as opening an index, and no
/// index is kept.
pub const MIN_SIZE: u64 = 256 << 10;

/// Which file holds a profile's secret properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Config,
    Credentials,
}

/// A profile as the index holds it: its properties, and where its secrets are.
pub struct Entry {
    pub properties: HashMap<String, String>,
    pub secrets: Vec<(String, Holder)>,
}

impl Entry {
    /// The profile, with the secrets taken from `secret(key, holder)`.
    pub fn profile(self, name: &str, secret: impl Fn(&str, Holder) -> Option<String>) -> Profile {
        let mut props: HashMap<String, Property> = self
            .properties
            .into_iter()
            .map(|(k, v)| (k.clone(), Property::new(k, v)))
            .collect();
        for (key, holder) in self.secrets {
            if let Some(value) = secret(&key, holder) {
                props.insert(key.clone(), Property::new(key, value));
            }
        }
        Profile::new(name, props)
    }
}

/// The stamp of the files at `paths` (a missing file has one too), with this build of aws-as.
pub fn stamp(paths: &[Option<&Path>]) -> String {
    let mut parts = vec![format!("aws-as {} index 1", env!("CARGO_PKG_VERSION"))];
    parts.push(KEYS.join(","));
    for path in paths {
        parts.push(match path.map(|p| (p, std::fs::metadata(p))) {
            None => "none".to_string(),
            Some((p, Err(e))) => format!("{}: {:?}", p.display(), e.kind()),
            Some((p, Ok(m))) => format!(
                "{}: size {} mtime {}.{} ctime {}.{} inode {} dev {}",
                p.display(),
                m.size(),
                m.mtime(),
                m.mtime_nsec(),
                m.ctime(),
                m.ctime_nsec(),
                m.ino(),
                m.dev()
            ),
        });
    }
    parts.join("\n")
}

/// The total size of the files at `paths`, for `MIN_SIZE`.
pub fn total_size(paths: &[Option<&Path>]) -> u64 {
    paths
        .iter()
        .flatten()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

pub struct Index {
    db: Connection,
    /// The file SQLite reads, kept open: SQLite was handed it by its descriptor.
    _file: File,
}

impl Index {
    /// The index file `name` in `dir` when it was built for `stamp`; `None` when there is none,
    /// or it is stale (the caller rebuilds it).
    pub fn open(dir: &PrivateDir, name: &str, stamp: &str) -> Result<Option<Index>> {
        let Some((file, _)) = dir.open(name)? else {
            return Ok(None);
        };
        use std::os::fd::AsRawFd;
        // The file aws-as opened and checked, by its descriptor: SQLite can't be sent elsewhere
        // by a name that changed in between. Immutable: it is never written in place (a rebuild
        // replaces it), so SQLite takes no locks and makes no journal.
        let uri = format!("file:/dev/fd/{}?immutable=1", file.as_raw_fd());
        let db = Connection::open_with_flags(
            &uri,
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_URI
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .context("could not open the profile index")?;
        let built_for: Option<String> = db
            .query_row("SELECT value FROM meta WHERE key = 'stamp'", [], |r| {
                r.get(0)
            })
            .optional()
            .context("could not read the profile index")?;
        if built_for.as_deref() != Some(stamp) {
            return Ok(None);
        }
        Ok(Some(Index { db, _file: file }))
    }

    /// Build the index of `set` (the two files parsed together) as file `name` in `dir`.
    /// `credentials` is the credentials file parsed alone: a secret is the credentials file's
    /// when that file has the same value for it, else the config file's.
    pub fn build(
        dir: &PrivateDir,
        name: &str,
        stamp: &str,
        set: &ProfileSet,
        credentials: &ProfileSet,
    ) -> Result<()> {
        let mut db = Connection::open_in_memory()?;
        db.execute_batch(
            "PRAGMA journal_mode = OFF;
             CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
             CREATE TABLE profiles (name TEXT PRIMARY KEY, properties TEXT NOT NULL) WITHOUT ROWID;",
        )?;
        let tx = db.transaction()?;
        {
            let mut insert = tx.prepare("INSERT INTO profiles VALUES (?1, ?2)")?;
            for profile_name in set.profiles() {
                let Some(profile) = set.get_profile(profile_name) else {
                    continue;
                };
                let mut props = serde_json::Map::new();
                for key in KEYS {
                    if let Some(v) = profile.get(key) {
                        props.insert(key.to_string(), v.into());
                    }
                }
                for key in SECRET_KEYS {
                    if let Some(v) = profile.get(key) {
                        let in_credentials = credentials
                            .get_profile(profile_name)
                            .and_then(|p| p.get(key))
                            == Some(v);
                        let holder = if in_credentials {
                            "credentials"
                        } else {
                            "config"
                        };
                        props.insert(format!("secret:{key}"), holder.into());
                    }
                }
                insert.execute((profile_name, serde_json::Value::Object(props).to_string()))?;
            }
            tx.execute("INSERT INTO meta VALUES ('stamp', ?1)", [stamp])?;
        }
        tx.commit()?;
        let bytes = db.serialize("main")?;
        dir.write(name, &bytes)
    }

    /// Profile `name`, `None` when there is none.
    pub fn get(&self, name: &str) -> Result<Option<Entry>> {
        let text: Option<String> = self
            .db
            .prepare_cached("SELECT properties FROM profiles WHERE name = ?1")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        text.map(|t| entry(&t)).transpose()
    }

    /// Every profile, sorted by name: one pass over the index, for a command that looks at all
    /// of them (`list`).
    pub fn all(&self) -> Result<Vec<(String, Entry)>> {
        let mut stmt = self
            .db
            .prepare("SELECT name, properties FROM profiles ORDER BY name")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(|(name, text)| Ok((name, entry(&text)?)))
            .collect()
    }

    /// Every profile name, sorted.
    pub fn names(&self) -> Result<Vec<String>> {
        let mut stmt = self.db.prepare("SELECT name FROM profiles ORDER BY name")?;
        let names = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(names)
    }
}

/// A row's properties as an `Entry`.
fn entry(text: &str) -> Result<Entry> {
    let map: HashMap<String, String> =
        serde_json::from_str(text).context("the profile index is damaged")?;
    let mut entry = Entry {
        properties: HashMap::new(),
        secrets: Vec::new(),
    };
    for (key, value) in map {
        match key.strip_prefix("secret:") {
            Some(secret) => entry.secrets.push((
                secret.to_string(),
                if value == "credentials" {
                    Holder::Credentials
                } else {
                    Holder::Config
                },
            )),
            None => {
                entry.properties.insert(key, value);
            }
        }
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every property `config::chain` reads is one the index keeps (or a secret it locates).
    #[test]
    fn the_index_keeps_every_property_resolution_reads() {
        let source = include_str!("chain.rs");
        let source = &source[..source.find("#[cfg(test)]").unwrap_or(source.len())];
        // `get("key")`, `get(profile, "key")`, `.get("key")`: the property names chain.rs reads.
        let mut read = Vec::new();
        for (at, _) in source.match_indices("get(") {
            let rest = &source[at + 4..];
            let rest = match rest.split_once(", ") {
                Some((arg, after))
                    if arg
                        .chars()
                        .all(|c| c.is_alphanumeric() || c == '_' || c == '&') =>
                {
                    after
                }
                _ => rest,
            };
            if let Some(key) = rest.strip_prefix('"').and_then(|r| r.split('"').next()) {
                read.push(key.to_string());
            }
        }
        assert!(read.len() > 10, "{read:?}");
        for key in read {
            assert!(
                KEYS.contains(&key.as_str()) || SECRET_KEYS.contains(&key.as_str()),
                "chain.rs reads `{key}`, which the index does not keep"
            );
        }
    }
}
