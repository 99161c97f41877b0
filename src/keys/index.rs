//! `keys.json` in the data directory: for each profile with stored keys, the backend and the
//! access key ID. No secrets. 0600 in a 0700 directory, rewritten atomically under `keys.lock`.

use super::Backend;
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

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
    path: PathBuf,
    file: IndexFile,
    /// Held from `lock` until drop, so that read-modify-write cycles don't interleave.
    _lock: Option<File>,
}

impl Index {
    fn path() -> Result<PathBuf> {
        Ok(super::data_dir()?.join("keys.json"))
    }

    /// Read without locking; a missing file is an empty index.
    pub fn load() -> Result<Index> {
        let path = Self::path()?;
        let file = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| {
                format!(
                    "{} is damaged; the keys themselves are still in their store: fix or remove \
                     the file and add them again with aws-as add NAME",
                    path.display()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => IndexFile {
                version: 1,
                ..IndexFile::default()
            },
            Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
        };
        Ok(Index {
            path,
            file,
            _lock: None,
        })
    }

    /// Take the index's lock, then read it.
    pub fn lock() -> Result<Index> {
        let dir = super::data_dir()?;
        crate::util::private_dir(&dir)?;
        let lock_path = dir.join("keys.lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&lock_path)
            .and_then(|f| f.lock().map(|()| f))
            .with_context(|| format!("could not lock {}", lock_path.display()))?;
        let mut index = Self::load()?;
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

    pub fn save(&self) -> Result<()> {
        if let Some(dir) = self.path.parent() {
            crate::util::private_dir(dir)?;
        }
        let mut bytes = serde_json::to_vec_pretty(&self.file)?;
        bytes.push(b'\n');
        crate::util::write_atomic(&self.path, &bytes, 0o600)
    }
}
