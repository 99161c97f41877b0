//! Long-term access keys kept out of plaintext: in the OS keyring, the Linux kernel keyring, or
//! an age-encrypted file. Beside the store sits a plaintext index of which profile has stored
//! keys, where, and under which access key ID. The ID is not a secret (it appears in every signed
//! request), and having it lets a switch served from the cache, `aws-as list` and the cache keys
//! work without ever opening the store. The secret is fetched only when an STS call needs it.

mod file;
mod index;
mod native;

pub use index::{Index, IndexEntry};

use crate::env::{Env, EnvVars};
use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

/// Where the keys live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// The OS store: the macOS Keychain or the Linux Secret Service.
    Keyring,
    /// The Linux kernel's persistent keyring.
    Keyutils,
    /// An age file encrypted with a key derived from a passphrase (scrypt).
    File,
}

pub const BACKENDS: &str = "keyring, keyutils or file";

impl Backend {
    pub fn parse(text: &str) -> Result<Backend> {
        match text.trim() {
            "keyring" => Ok(Backend::Keyring),
            "keyutils" => Ok(Backend::Keyutils),
            "file" => Ok(Backend::File),
            other => bail!("`{other}` is not a key store; choose {BACKENDS}"),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Keyring => "keyring",
            Backend::Keyutils => "keyutils",
            Backend::File => "file",
        }
    }

    /// The backend new keys go to: `AWS_AS_KEYS_BACKEND`, else `keys_backend` in config.toml,
    /// else the OS keyring.
    pub fn configured(setting: Option<Backend>, env: &Env) -> Result<Backend> {
        match env.get(EnvVars::AWS_AS_KEYS_BACKEND) {
            Some(v) => Backend::parse(v).map_err(|e| anyhow::anyhow!("AWS_AS_KEYS_BACKEND: {e}")),
            None => Ok(setting.unwrap_or(Backend::Keyring)),
        }
    }
}

/// A long-term key pair. Debug never shows the secret, and the secret is wiped from memory when
/// the key is dropped.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    pub aws_access_key_id: String,
    pub aws_secret_access_key: zeroize::Zeroizing<String>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key")
            .field("aws_access_key_id", &self.aws_access_key_id)
            .finish_non_exhaustive()
    }
}

impl Key {
    /// Refuse what cannot be a long-term AWS key pair, before it is stored.
    pub fn check(&self) -> Result<()> {
        let id = &self.aws_access_key_id;
        if id.len() < 16 || id.len() > 128 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            bail!("that is not an access key ID (16 to 128 letters and digits, such as AKIA...)");
        }
        if id.starts_with("ASIA") {
            bail!(
                "access key ID {id} belongs to temporary credentials; aws-as stores only long-term \
                 keys (AKIA...)"
            );
        }
        let secret = &self.aws_secret_access_key;
        if secret.is_empty() || secret.chars().any(|c| c.is_control() || c == ' ') {
            bail!("the secret access key is empty or has spaces or control characters in it");
        }
        Ok(())
    }

    fn to_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        serde_json::to_vec(self).unwrap_or_default().into()
    }

    fn from_bytes(bytes: &[u8]) -> Result<Key> {
        serde_json::from_slice(bytes)
            .map_err(|_| anyhow::anyhow!("the stored entry is not an aws-as key pair"))
    }
}

/// One backend, opened.
pub trait Store {
    /// Ask for anything the store needs from the user (the file's passphrase) before a write,
    /// so that no lock is held while they type.
    fn prepare_write(&self) -> Result<()> {
        Ok(())
    }
    fn get(&self, profile: &str) -> Result<Option<Key>>;
    fn set(&self, profile: &str, key: &Key) -> Result<()>;
    /// True when there was something to delete.
    fn delete(&self, profile: &str) -> Result<bool>;
}

pub fn open(env: &Env, backend: Backend) -> Result<Box<dyn Store>> {
    match backend {
        Backend::File => Ok(Box::new(file::FileStore::new(data_dir(env)?.join("keys")))),
        Backend::Keyring | Backend::Keyutils => native::open(backend),
    }
}

/// The stored key for `profile`, which the index says lives in `entry.backend`.
pub fn fetch(env: &Env, profile: &str, entry: &IndexEntry) -> Result<Key> {
    // One run may sign several calls with the same key: open the store (and ask for a
    // passphrase, or pay for scrypt) once.
    static FETCHED: Mutex<BTreeMap<String, Key>> = Mutex::new(BTreeMap::new());
    let memo = |k: &Key| k.aws_access_key_id == entry.access_key_id;
    if let Some(key) = FETCHED
        .lock()
        .ok()
        .and_then(|m| m.get(profile).filter(|k| memo(k)).cloned())
    {
        return Ok(key);
    }
    let store = open(env, entry.backend)?;
    let Some(key) = store.get(profile)? else {
        bail!(
            "the {} key store has no keys for profile `{profile}` although aws-as's index lists \
             them; store them again with aws-as add {profile}",
            entry.backend.name()
        );
    };
    if key.aws_access_key_id != entry.access_key_id {
        bail!(
            "the {} key store holds access key {} for profile `{profile}`, but aws-as's index says \
             {}; store the keys again with aws-as add {profile}",
            entry.backend.name(),
            key.aws_access_key_id,
            entry.access_key_id
        );
    }
    if let Ok(mut m) = FETCHED.lock() {
        m.insert(profile.to_string(), key.clone());
    }
    Ok(key)
}

/// Store `key` for `profile` in `backend` and record it in the index; an earlier entry in another
/// backend is deleted once the new one is in place.
pub fn put(env: &Env, profile: &str, key: &Key, backend: Backend) -> Result<()> {
    key.check()?;
    let store = open(env, backend)?;
    store.prepare_write()?;
    let mut index = Index::lock(env)?;
    store.set(profile, key)?;
    let previous = index.insert(
        profile,
        IndexEntry {
            backend,
            access_key_id: key.aws_access_key_id.clone(),
        },
    );
    index.save(env)?;
    if let Some(prev) = previous
        && prev.backend != backend
    {
        open(env, prev.backend)?.delete(profile)?;
    }
    Ok(())
}

/// Delete `profile`'s stored keys. False when there were none.
pub fn remove(env: &Env, profile: &str) -> Result<bool> {
    let mut index = Index::lock(env)?;
    let Some(entry) = index.get(profile).cloned() else {
        return Ok(false);
    };
    open(env, entry.backend)?.delete(profile)?;
    index.remove(profile);
    index.save(env)?;
    Ok(true)
}

/// `$XDG_DATA_HOME/aws-as`, default `~/.local/share/aws-as`: the index and the file backend.
pub fn data_dir(env: &Env) -> Result<PathBuf> {
    let base = env
        .xdg(EnvVars::XDG_DATA_HOME, ".local/share")
        .ok_or_else(|| anyhow::anyhow!("could not find the data directory: set HOME"))?;
    Ok(base.join("aws-as"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_checks_and_debug() {
        let k = Key {
            aws_access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            aws_secret_access_key: String::from("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").into(),
        };
        k.check().unwrap();
        assert!(!format!("{k:?}").contains("wJalr"));
        let mut t = k.clone();
        t.aws_access_key_id = "ASIAIOSFODNN7EXAMPLE".into();
        assert!(t.check().is_err());
        let mut s = k.clone();
        s.aws_secret_access_key = String::from("a b").into();
        assert!(s.check().is_err());
        assert_eq!(Key::from_bytes(&k.to_bytes()).unwrap(), k);
        assert!(Backend::parse("vault").is_err());
        assert_eq!(Backend::parse("file").unwrap(), Backend::File);
    }
}
