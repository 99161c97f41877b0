//! `keys.json` in the data directory: for each profile with stored keys, the backend and the
//! access key ID. No secrets. 0600 in a 0700 directory, rewritten atomically under `keys.lock`.

use super::Backend;
use crate::env::Env;
use crate::private::{Lock, PrivateDir, Purpose};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    pub backend: Backend,
    pub access_key_id: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct IndexFile {
    version: u32,
    profiles: BTreeMap<String, IndexEntry>,
}

pub struct Index {
    file: IndexFile,
    /// Held from `lock` until drop, so that read-modify-write cycles don't interleave.
    _lock: Option<Lock>,
}

const PURPOSE: Purpose = Purpose {
    what: "aws-as's data directory",
    moved_by: "XDG_DATA_HOME",
};

const NAME: &str = "keys.json";

/// An index of thousands of profiles is far below this.
const LIMIT: usize = 16 << 20;

impl Index {
    /// Read without locking; a missing file is an empty index. The directory and the file are
    /// trusted only as `crate::private` says.
    pub fn load(env: &Env) -> Result<Index> {
        let dir = super::data_dir(env)?;
        let bytes = match PrivateDir::existing(&dir, PURPOSE)? {
            Some(d) => d.read(NAME, LIMIT)?,
            None => None,
        };
        Self::parse(&dir, bytes)
    }

    fn parse(dir: &std::path::Path, bytes: Option<Vec<u8>>) -> Result<Index> {
        let file = match bytes {
            Some(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{} is damaged; the keys themselves are still in their store: fix or remove \
                     the file and add them again with aws-as add NAME",
                    dir.join(NAME).display()
                )
            })?,
            None => IndexFile {
                version: 1,
                ..IndexFile::default()
            },
        };
        Ok(Index { file, _lock: None })
    }

    /// Take the index's lock, then read it.
    pub fn lock(env: &Env) -> Result<Index> {
        let dir = PrivateDir::create(&super::data_dir(env)?, PURPOSE)?;
        let lock = dir.lock("keys.lock", Duration::from_secs(60), "aws-as's key index")?;
        let mut index = Self::parse(dir.path(), dir.read(NAME, LIMIT)?)?;
        index._lock = Some(lock);
        Ok(index)
    }

    pub fn get(&self, profile: &str) -> Option<&IndexEntry> {
        self.file.profiles.get(profile)
    }

    pub fn entries(&self) -> impl Iterator<Item = (&String, &IndexEntry)> {
        self.file.profiles.iter()
    }

    pub fn insert(&mut self, profile: &str, entry: IndexEntry) -> Option<IndexEntry> {
        self.file.profiles.insert(profile.to_string(), entry)
    }

    pub fn remove(&mut self, profile: &str) -> Option<IndexEntry> {
        self.file.profiles.remove(profile)
    }

    pub fn save(&self, env: &Env) -> Result<()> {
        let dir = PrivateDir::create(&super::data_dir(env)?, PURPOSE)?;
        let mut bytes = serde_json::to_vec_pretty(&self.file)?;
        bytes.push(b'\n');
        dir.write(NAME, &bytes)
    }
}
