//! The credential cache: one JSON file per identity step in a 0700 directory, each 0600 and
//! written atomically (temp file in the same directory, fsync, rename). A sidecar `.lock` file per
//! entry serialises check, fetch and store across processes.

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub version: u32,
    /// The profile whose step produced this entry.
    pub profile: String,
    /// `session` (GetSessionToken) or `role` (AssumeRole).
    pub kind: String,
    #[serde(default)]
    pub arn: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Unix epoch seconds.
    pub expiration: i64,
}

impl Entry {
    pub fn new(profile: &str, kind: &str, arn: Option<String>, creds: super::Credentials) -> Entry {
        Entry {
            version: FORMAT_VERSION,
            profile: profile.to_string(),
            kind: kind.to_string(),
            arn,
            access_key_id: creds.access_key_id,
            secret_access_key: creds.secret_access_key,
            session_token: creds.session_token,
            expiration: creds.expiration,
        }
    }

    /// Still usable for at least `margin` seconds.
    pub fn fresh(&self, margin: i64) -> bool {
        self.expiration - margin > crate::util::now_epoch()
    }
}

/// What ListMFADevices said for one set of long-term keys.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MfaNote {
    /// The profile that holds the keys.
    pub profile: String,
    /// The device's serial (ARN), or none when the user has none or may not list them.
    pub serial: Option<String>,
}

pub struct Cache {
    dir: PathBuf,
}

/// Holds an entry's lock until dropped.
pub struct Lock {
    _file: File,
}

impl Cache {
    /// `$AWS_AS_CACHE_DIR`, else `$XDG_CACHE_HOME/aws-as`, else `~/.cache/aws-as`.
    pub fn from_env() -> Result<Cache> {
        if let Some(dir) = std::env::var_os("AWS_AS_CACHE_DIR").filter(|d| !d.is_empty()) {
            return Ok(Cache {
                dir: PathBuf::from(dir),
            });
        }
        let base = match std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => dirs::home_dir()
                .context("could not find the cache directory: set HOME or AWS_AS_CACHE_DIR")?
                .join(".cache"),
        };
        Ok(Cache {
            dir: base.join("aws-as"),
        })
    }

    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    fn ensure_dir(&self) -> Result<()> {
        crate::util::private_dir(&self.dir).with_context(|| {
            format!(
                "could not create the cache directory {}",
                self.dir.display()
            )
        })
    }

    /// The entry for `key`, if it exists and parses. A corrupt or truncated file is a miss; the
    /// next store replaces it.
    pub fn read(&self, key: &str) -> Option<Entry> {
        let bytes = fs::read(self.entry_path(key)).ok()?;
        let entry: Entry = serde_json::from_slice(&bytes).ok()?;
        (entry.version == FORMAT_VERSION).then_some(entry)
    }

    /// Store atomically: readers see the old file or the new one, never a partial one, and the
    /// data is never readable by others (the temp file is created 0600).
    pub fn write(&self, key: &str, entry: &Entry) -> Result<()> {
        self.ensure_dir()?;
        let mut bytes = serde_json::to_vec(entry)?;
        bytes.push(b'\n');
        crate::util::write_atomic(&self.entry_path(key), &bytes, 0o600)
            .with_context(|| format!("could not write the cache in {}", self.dir.display()))
    }

    /// Take the entry's exclusive lock, waiting for another aws-as process that holds it.
    pub fn lock(&self, key: &str) -> Result<Lock> {
        self.ensure_dir()?;
        let path = self.dir.join(format!("{key}.lock"));
        let ctx = || format!("could not lock {}", path.display());
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .with_context(ctx)?;
        file.lock().with_context(ctx)?;
        Ok(Lock { _file: file })
    }

    /// Every entry file, with its key; unreadable ones come back as `None`.
    pub fn entries(&self) -> Result<Vec<(String, Option<Entry>)>> {
        let rd = match fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(e).with_context(|| format!("could not read {}", self.dir.display()));
            }
        };
        let mut out = Vec::new();
        for dirent in rd {
            let dirent = dirent?;
            let name = dirent.file_name().to_string_lossy().into_owned();
            if let Some(key) = name.strip_suffix(".json").filter(|k| !k.starts_with('.')) {
                let entry = self.read(key);
                out.push((key.to_string(), entry));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// The MFA device found for the keys behind `key` (see `discovery`): `Some(None)` when the
    /// lookup found none.
    pub fn read_mfa_note(&self, key: &str) -> Option<MfaNote> {
        let bytes = fs::read(self.dir.join(format!("{key}.mfa"))).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn write_mfa_note(&self, key: &str, note: &MfaNote) -> Result<()> {
        self.ensure_dir()?;
        let mut bytes = serde_json::to_vec(note)?;
        bytes.push(b'\n');
        crate::util::write_atomic(&self.dir.join(format!("{key}.mfa")), &bytes, 0o600)
            .with_context(|| format!("could not write the cache in {}", self.dir.display()))
    }

    /// Remove MFA notes: every one, or those of profile `name`. Returns how many.
    pub fn clear_mfa_notes(&self, name: Option<&str>) -> Result<usize> {
        let Ok(rd) = fs::read_dir(&self.dir) else {
            return Ok(0);
        };
        let mut removed = 0;
        for dirent in rd.flatten() {
            let path = dirent.path();
            if path.extension().is_none_or(|x| x != "mfa") {
                continue;
            }
            let theirs = fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<MfaNote>(&b).ok())
                .is_some_and(|n| Some(n.profile.as_str()) == name);
            if name.is_none() || theirs {
                fs::remove_file(&path)
                    .with_context(|| format!("could not remove {}", path.display()))?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    pub fn remove(&self, key: &str) -> Result<()> {
        let path = self.entry_path(key);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("could not remove {}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Credentials;
    use std::os::unix::fs::PermissionsExt;

    fn creds(exp: i64) -> Credentials {
        Credentials {
            access_key_id: "ASIA1".into(),
            secret_access_key: "s".into(),
            session_token: "t".into(),
            expiration: exp,
            arn: None,
        }
    }

    #[test]
    fn permissions_and_round_trip_under_a_loose_umask() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("c");
        let cache = Cache::at(&dir);
        // SAFETY-free: umask is process-wide, but this test only loosens it around one write.
        let old = unsafe { libc_umask(0o000) };
        let e = Entry::new(
            "p",
            "role",
            Some("arn".into()),
            creds(crate::util::now_epoch() + 3600),
        );
        cache.write("k", &e).unwrap();
        unsafe { libc_umask(old) };
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let file_mode = fs::metadata(dir.join("k.json"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(file_mode, 0o600);
        assert_eq!(cache.read("k"), Some(e.clone()));
        assert!(e.fresh(300));
        assert!(!Entry::new("p", "role", None, creds(crate::util::now_epoch() + 200)).fresh(300));
    }

    #[test]
    fn corrupt_entry_is_a_miss_and_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path());
        fs::write(tmp.path().join("k.json"), b"{\"version\":1,\"prof").unwrap();
        assert_eq!(cache.read("k"), None);
        let e = Entry::new("p", "session", None, creds(crate::util::now_epoch() + 3600));
        cache.write("k", &e).unwrap();
        assert_eq!(cache.read("k"), Some(e));
        assert_eq!(cache.entries().unwrap().len(), 1);
    }

    unsafe extern "C" {
        #[link_name = "umask"]
        fn libc_umask(mask: u32) -> u32;
    }
}
