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
//!   memory first. It is opened with aws-as's own checks, and SQLite opens it read-only and
//!   immutable through `/dev/fd/N` (which SQLite resolves back to the checked path, inside the
//!   trusted directory), so no journal or lock file is ever made.

use crate::private::PrivateDir;
use anyhow::{Context, Result};
use aws_config::profile::ProfileSet;
use rusqlite::OptionalExtension;
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
    "sso_region",
    "sso_session",
    "sso_start_url",
    "web_identity_token_file",
];

/// The properties that hold secrets: the index records only where they are.
pub const SECRET_KEYS: &[&str] = &["aws_secret_access_key", "aws_session_token"];

/// The index files' names: `profiles-<32 hex digits>.db`.
const INDEX_PREFIX: &str = "profiles-";

fn is_index_name(name: &str) -> bool {
    name.strip_prefix(INDEX_PREFIX)
        .and_then(|rest| rest.strip_suffix(".db"))
        .is_some_and(|hex| hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Below this much text in the two files, parsing them is as quick as opening an index, and no
/// index is kept.
pub const MIN_SIZE: u64 = 256 << 10;

/// Which file holds a profile's secret properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
    Config,
    Credentials,
}

impl Holder {
    fn name(self) -> &'static str {
        match self {
            Holder::Config => "config",
            Holder::Credentials => "credentials",
        }
    }
}

/// A profile as aws-as reads it: the values it has of `KEYS` and `SECRET_KEYS`, each by its
/// place in those lists. Looked up without an allocation (aws-config's `Profile::get` lowercases
/// the key into a new string on every call), and small, since `list` holds every profile.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    values: Box<[(u8, Box<str>)]>,
}

impl Profile {
    /// aws-config's profile, as aws-as reads it.
    pub fn from_sdk(profile: &aws_config::profile::Profile) -> Profile {
        Profile::from_values(
            KEYS.iter()
                .chain(SECRET_KEYS)
                .map(|k| profile.get(k).map(str::to_owned)),
        )
    }

    /// The profile with the value (or none) of each key, in the order of `KEYS` then
    /// `SECRET_KEYS`.
    fn from_values(values: impl Iterator<Item = Option<String>>) -> Profile {
        Profile {
            values: values
                .enumerate()
                .filter_map(|(i, v)| Some((i as u8, v?.into_boxed_str())))
                .collect(),
        }
    }

    /// The value of property `key`, one of `KEYS` or `SECRET_KEYS`.
    pub fn get(&self, key: &str) -> Option<&str> {
        let at = KEYS.iter().chain(SECRET_KEYS).position(|k| *k == key);
        debug_assert!(at.is_some(), "`{key}` is not a property aws-as reads");
        let at = at? as u8;
        self.values
            .iter()
            .find(|(i, _)| *i == at)
            .map(|(_, v)| &**v)
    }
}

/// A profile as the index holds it: its properties, and which file holds each secret.
pub struct Entry {
    /// The values it has, by their place in `KEYS`.
    values: Vec<(u8, Box<str>)>,
    secrets: Vec<Option<Holder>>,
}

impl Entry {
    /// The profile, with each secret taken from `secret(key, holder)`.
    pub fn profile(self, secret: impl Fn(&str, Holder) -> Option<String>) -> Profile {
        let mut values = self.values;
        for (i, (key, holder)) in SECRET_KEYS.iter().zip(self.secrets).enumerate() {
            if let Some(v) = holder.and_then(|h| secret(key, h)) {
                values.push(((KEYS.len() + i) as u8, v.into_boxed_str()));
            }
        }
        Profile {
            values: values.into_boxed_slice(),
        }
    }

    fn from_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Entry> {
        // Only the values it has: most profiles have a few of the keys.
        let mut values = Vec::with_capacity(6);
        for i in 0..KEYS.len() {
            if let rusqlite::types::ValueRef::Text(text) = row.get_ref(first + i)? {
                let text = std::str::from_utf8(text).map_err(|e| {
                    rusqlite::Error::FromSqlConversionFailure(
                        first + i,
                        rusqlite::types::Type::Text,
                        Box::new(e),
                    )
                })?;
                values.push((i as u8, Box::from(text)));
            }
        }
        let secrets = (0..SECRET_KEYS.len())
            .map(|i| {
                let holder: Option<String> = row.get(first + KEYS.len() + i)?;
                Ok(holder.map(|h| match h.as_str() {
                    "credentials" => Holder::Credentials,
                    _ => Holder::Config,
                }))
            })
            .collect::<rusqlite::Result<_>>()?;
        Ok(Entry { values, secrets })
    }
}

/// The columns after `name`: one per property, quoted (`secret:` ones hold the secret's file).
fn columns() -> Vec<String> {
    KEYS.iter()
        .map(|k| format!("\"{k}\""))
        .chain(SECRET_KEYS.iter().map(|k| format!("\"secret:{k}\"")))
        .collect()
}

/// The stamp of the files at `paths` (a missing file has one too), with this build of aws-as,
/// and the files' total size (for `MIN_SIZE`): one look at each file for both.
pub fn stamp(paths: &[Option<&Path>]) -> (String, u64) {
    let mut parts = vec![format!("aws-as {} index 3", env!("CARGO_PKG_VERSION"))];
    parts.push(KEYS.join(","));
    let mut size = 0;
    for path in paths {
        parts.push(match path.map(|p| (p, std::fs::metadata(p))) {
            None => "none".to_string(),
            Some((p, Err(e))) => format!("{}: {:?}", p.display(), e.kind()),
            Some((p, Ok(m))) => {
                size += m.len();
                format!(
                    "{}: size {} mtime {}.{} ctime {}.{} inode {} dev {}",
                    p.display(),
                    m.size(),
                    m.mtime(),
                    m.mtime_nsec(),
                    m.ctime(),
                    m.ctime_nsec(),
                    m.ino(),
                    m.dev()
                )
            }
        });
    }
    (parts.join("\n"), size)
}

pub struct Index {
    db: crate::sqlite::Db,
}

impl Index {
    /// The index file `name` in `dir` when it was built for `stamp`; `None` when there is none,
    /// or it is stale (the caller rebuilds it).
    pub fn open(dir: &PrivateDir, name: &str, stamp: &str) -> Result<Option<Index>> {
        let Some(db) = crate::sqlite::open(dir, name, "the profile index")? else {
            return Ok(None);
        };
        let built_for: Option<String> = db
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'stamp'", [], |r| {
                r.get(0)
            })
            .optional()
            .context("could not read the profile index")?;
        if built_for.as_deref() != Some(stamp) {
            return Ok(None);
        }
        // In use: kept by the clean-up of unused indexes (`build`).
        dir.touch(name);
        Ok(Some(Index { db }))
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
        let mut db = crate::sqlite::new()?;
        let columns = columns();
        db.execute_batch(&format!(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
             CREATE TABLE profiles (name TEXT PRIMARY KEY, {}) WITHOUT ROWID;
             CREATE TABLE names (name TEXT PRIMARY KEY) WITHOUT ROWID;",
            columns
                .iter()
                .map(|c| format!("{c} TEXT"))
                .collect::<Vec<_>>()
                .join(", ")
        ))?;
        let tx = db.transaction()?;
        {
            let marks: Vec<String> = (1..=columns.len() + 1).map(|i| format!("?{i}")).collect();
            let mut insert = tx.prepare(&format!(
                "INSERT INTO profiles VALUES ({})",
                marks.join(", ")
            ))?;
            // In name order: the same files always give the same bytes, and a B-tree filled in
            // order packs its pages full.
            let mut names: Vec<&str> = set.profiles().collect();
            names.sort_unstable();
            for profile_name in names {
                let Some(profile) = set.get_profile(profile_name) else {
                    continue;
                };
                let mut row: Vec<Option<&str>> = vec![Some(profile_name)];
                row.extend(KEYS.iter().map(|k| profile.get(k)));
                for key in SECRET_KEYS {
                    row.push(profile.get(key).map(|v| {
                        let here = credentials
                            .get_profile(profile_name)
                            .and_then(|p| p.get(key));
                        if here == Some(v) {
                            Holder::Credentials.name()
                        } else {
                            Holder::Config.name()
                        }
                    }));
                }
                insert.execute(rusqlite::params_from_iter(row))?;
            }
            // The names alone as well, a tenth of the size: completion reads them all.
            tx.execute("INSERT INTO names SELECT name FROM profiles", [])?;
            tx.execute("INSERT INTO meta VALUES ('stamp', ?1)", [stamp])?;
        }
        tx.commit()?;
        crate::sqlite::write(dir, name, &mut db)?;
        // One index is kept per pair of paths (AWS_CONFIG_FILE and the credentials file): those
        // of pairs not used for a week go.
        dir.remove_unused(name, is_index_name, crate::credentials::cache::UNUSED);
        // A build that was stopped half-way leaves its temporary file (megabytes for a large
        // config): those an hour old are no write still going on.
        dir.remove_unused(
            name,
            |n| n.starts_with(crate::private::TMP_PREFIX),
            std::time::Duration::from_secs(3600),
        );
        Ok(())
    }

    /// The name of the index for the pair of paths whose digest is `digest`.
    pub fn name(digest: &str) -> String {
        format!("{INDEX_PREFIX}{digest}.db")
    }

    /// Profile `name`, `None` when there is none.
    pub fn get(&self, name: &str) -> Result<Option<Entry>> {
        let sql = format!(
            "SELECT {} FROM profiles WHERE name = ?1",
            columns().join(", ")
        );
        Ok(self
            .db
            .conn
            .prepare_cached(&sql)?
            .query_row([name], |r| Entry::from_row(r, 0))
            .optional()?)
    }

    /// Every profile in name order, handed to `each`: one pass over the index, for a command
    /// that looks at all of them (`list`).
    pub fn each(&self, mut each: impl FnMut(String, Entry)) -> Result<()> {
        let sql = format!(
            "SELECT name, {} FROM profiles ORDER BY name",
            columns().join(", ")
        );
        let mut stmt = self.db.conn.prepare(&sql)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            each(row.get(0)?, Entry::from_row(row, 1)?);
        }
        Ok(())
    }

    /// Every profile name that starts with `prefix`, sorted.
    pub fn names(&self, prefix: &str) -> Result<Vec<String>> {
        // The range of names from `prefix` to `prefix` followed by the last code point: the
        // primary key's order, so only those names are read.
        let mut stmt = self
            .db
            .conn
            .prepare("SELECT name FROM names WHERE name >= ?1 AND name < ?1 || char(1114111)")?;
        let names = stmt
            .query_map([prefix], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every property `config::chain` reads is one the index keeps (or a secret it locates).
    #[test]
    fn the_index_keeps_every_property_resolution_reads() {
        let source = include_str!("chain.rs");
        let source = &source[..source.find("#[cfg(test)]").unwrap_or(source.len())];
        // Every string literal of the shape of a property name (lowercase words joined by `_`):
        // `get(profile, "role_arn")`, and keys listed for a fingerprint alike.
        let mut read = Vec::new();
        for (i, piece) in source.split('"').enumerate() {
            let shaped = piece.contains('_')
                && piece.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                && !piece.starts_with('_');
            if i % 2 == 1 && shaped {
                read.push(piece.to_string());
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
