//! Long-term access keys kept out of plaintext: in the OS keyring, the Linux kernel keyring, or
//! an age-encrypted file. Beside the store sits a plaintext index of which profile has stored
//! keys, where, and under which access key ID. The ID is not a secret (it appears in every signed
//! request), and having it lets a switch served from the cache, `aws-as list` and the cache keys
//! work without ever opening the store. The secret is fetched only when an STS call needs it.

mod file;
mod index;
mod native;

pub use index::{Index, IndexEntry};

use crate::creds::Credentials;
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

/// Long-term keys as every store keeps them: `{"aws_access_key_id", "aws_secret_access_key"}`,
/// the credentials file's names. A format only; aws-as works with `Credentials`.
#[derive(Serialize, Deserialize)]
struct Stored {
    aws_access_key_id: String,
    aws_secret_access_key: zeroize::Zeroizing<String>,
}

fn to_bytes(key: &Credentials) -> zeroize::Zeroizing<Vec<u8>> {
    let stored = Stored {
        aws_access_key_id: key.access_key_id.clone(),
        aws_secret_access_key: key.secret_access_key.clone(),
    };
    serde_json::to_vec(&stored).unwrap_or_default().into()
}

fn from_bytes(bytes: &[u8]) -> Result<Credentials> {
    let stored: Stored = serde_json::from_slice(bytes)
        .map_err(|_| anyhow::anyhow!("the stored entry is not an aws-as key pair"))?;
    Ok(Credentials {
        secret_access_key: stored.aws_secret_access_key,
        ..Credentials::keys(stored.aws_access_key_id, "")
    })
}

/// One backend, opened.
pub trait Store {
    /// Ask for anything the store needs from the user (the file's passphrase) before a write,
    /// so that no lock is held while they type.
    fn prepare_write(&self) -> Result<()> {
        Ok(())
    }
    fn get(&self, profile: &str) -> Result<Option<Credentials>>;
    fn set(&self, profile: &str, key: &Credentials) -> Result<()>;
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
pub fn fetch(env: &Env, profile: &str, entry: &IndexEntry) -> Result<Credentials> {
    // One run may sign several calls with the same key: open the store (and ask for a
    // passphrase, or pay for scrypt) once.
    static FETCHED: Mutex<BTreeMap<String, Credentials>> = Mutex::new(BTreeMap::new());
    let memo = |k: &Credentials| k.access_key_id == entry.access_key_id;
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
    if key.access_key_id != entry.access_key_id {
        bail!(
            "the {} key store holds access key {} for profile `{profile}`, but aws-as's index says \
             {}; store the keys again with aws-as add {profile}",
            entry.backend.name(),
            key.access_key_id,
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
pub fn put(env: &Env, profile: &str, key: &Credentials, backend: Backend) -> Result<()> {
    key.check_long_term()?;
    let store = open(env, backend)?;
    store.prepare_write()?;
    let mut index = Index::lock(env)?;
    store.set(profile, key)?;
    let previous = index.insert(
        profile,
        IndexEntry {
            backend,
            access_key_id: key.access_key_id.clone(),
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
        .ok_or_else(|| {
            anyhow::anyhow!("could not find the data directory: set HOME to an absolute path")
        })?;
    Ok(base.join("aws-as"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_checks_and_debug() {
        let k = Credentials::keys(
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        );
        k.check_long_term().unwrap();
        assert!(!format!("{k:?}").contains("wJalr"));
        let mut t = k.clone();
        t.access_key_id = "ASIAIOSFODNN7EXAMPLE".into();
        assert!(t.check_long_term().is_err());
        let mut s = k.clone();
        s.secret_access_key = String::from("a b").into();
        assert!(s.check_long_term().is_err());
        let stored = to_bytes(&k);
        assert_eq!(
            std::str::from_utf8(&stored).unwrap(),
            "{\"aws_access_key_id\":\"AKIAIOSFODNN7EXAMPLE\",\
             \"aws_secret_access_key\":\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"}",
            "the format every store already holds"
        );
        assert_eq!(from_bytes(&stored).unwrap(), k);
        assert!(Backend::parse("vault").is_err());
        assert_eq!(Backend::parse("file").unwrap(), Backend::File);
    }
}
