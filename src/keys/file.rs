//! The `file` backend: one age file per profile, encrypted to a passphrase with age's scrypt
//! recipient. The passphrase comes from `AWS_AS_FILE_PASSPHRASE` (for automation, as aws-vault's
//! `AWS_VAULT_FILE_PASSPHRASE`) or from the terminal, asked at most once per run.

use super::Store;
use crate::creds::Credentials;
use age::secrecy::SecretString;
use anyhow::{Context, Result, anyhow, bail};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// scrypt's cost as log2(N), with r = 8: 2^18 takes about 0.6 s and 256 MiB here. Set
/// explicitly so that every build agrees on it, and decryption accepts up to `MAX_WORK_FACTOR`
/// so that files written with a higher setting still open.
const WORK_FACTOR: u8 = 18;
const MAX_WORK_FACTOR: u8 = 22;

pub struct FileStore {
    dir: PathBuf,
}

/// Asked at most once per run, however many times the store is opened.
static PASSPHRASE: OnceLock<SecretString> = OnceLock::new();

impl FileStore {
    pub fn new(dir: PathBuf) -> FileStore {
        FileStore { dir }
    }

    fn path(&self, profile: &str) -> PathBuf {
        self.dir.join(format!("{}.age", file_name(profile)))
    }

    fn existing(&self) -> Vec<PathBuf> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "age"))
            .collect();
        files.sort();
        files
    }

    /// The passphrase, from the environment or the terminal. `confirm` asks twice (for the first
    /// file, so that a typo doesn't lock the user out).
    fn passphrase(&self, confirm: bool) -> Result<&SecretString> {
        if let Some(p) = PASSPHRASE.get() {
            return Ok(p);
        }
        let text = match std::env::var(crate::env::EnvVars::AWS_AS_FILE_PASSPHRASE) {
            Ok(p) if !p.is_empty() => zeroize::Zeroizing::new(p),
            _ => {
                let no_terminal = || {
                    anyhow!(
                        "the file key store needs its passphrase and there is no terminal to ask \
                         on; set AWS_AS_FILE_PASSPHRASE"
                    )
                };
                let first = crate::tty::ask_hidden("Passphrase for aws-as's key file: ")
                    .map_err(|_| no_terminal())?;
                if first.is_empty() {
                    bail!("the passphrase is empty");
                }
                if confirm {
                    let again = crate::tty::ask_hidden("The same passphrase again: ")
                        .map_err(|_| no_terminal())?;
                    if again != first {
                        bail!("the two passphrases differ; nothing was stored");
                    }
                }
                first
            }
        };
        Ok(PASSPHRASE.get_or_init(|| SecretString::from(text.to_string())))
    }

    fn decrypt(&self, path: &Path) -> Result<Credentials> {
        // An age file of one key pair is a few hundred bytes; 1 MiB is far more than enough.
        let bytes = crate::util::read_bytes(path, 1 << 20)
            .and_then(|b| b.ok_or_else(|| anyhow!("it does not exist")))
            .with_context(|| format!("could not read {}", path.display()))?;
        let pass = self.passphrase(false)?;
        let mut identity = age::scrypt::Identity::new(pass.clone());
        identity.set_max_work_factor(MAX_WORK_FACTOR);
        let decryptor = age::Decryptor::new(&bytes[..])
            .map_err(|_| anyhow!("{} is not an age file", path.display()))?;
        let mut reader = decryptor
            .decrypt(std::iter::once(&identity as &dyn age::Identity))
            .map_err(|e| match e {
                age::DecryptError::DecryptionFailed | age::DecryptError::NoMatchingKeys => anyhow!(
                    "wrong passphrase for the file key store (AWS_AS_FILE_PASSPHRASE or the one typed)"
                ),
                age::DecryptError::ExcessiveWork { .. } => anyhow!(
                    "{} was encrypted with a stronger scrypt setting than aws-as accepts",
                    path.display()
                ),
                _ => anyhow!("could not decrypt {}", path.display()),
            })?;
        let mut plain = Vec::new();
        reader
            .read_to_end(&mut plain)
            .map_err(|_| anyhow!("could not decrypt {}: the file is damaged", path.display()))?;
        super::from_bytes(&plain)
    }
}

impl Store for FileStore {
    fn prepare_write(&self) -> Result<()> {
        self.passphrase(self.existing().is_empty()).map(|_| ())
    }

    fn get(&self, profile: &str) -> Result<Option<Credentials>> {
        let path = self.path(profile);
        if !path.exists() {
            return Ok(None);
        }
        self.decrypt(&path).map(Some)
    }

    fn set(&self, profile: &str, key: &Credentials) -> Result<()> {
        let others = self.existing();
        let pass = self.passphrase(others.is_empty())?.clone();
        // Every file shares one passphrase: prove this one opens an existing file first.
        if let Some(first) = others.first() {
            self.decrypt(first)?;
        }
        let mut recipient = age::scrypt::Recipient::new(pass);
        recipient.set_work_factor(WORK_FACTOR);
        let encryptor =
            age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
                .map_err(|e| anyhow!("could not set up encryption: {e}"))?;
        let mut out = Vec::new();
        let mut writer = encryptor.wrap_output(&mut out)?;
        writer.write_all(&super::to_bytes(key))?;
        writer.finish()?;
        let purpose = crate::private::Purpose {
            what: "the file key store",
            moved_by: "XDG_DATA_HOME",
        };
        // aws-as's data directory first, so that it too is made private.
        if let Some(parent) = self.dir.parent() {
            crate::private::PrivateDir::create(parent, purpose)?;
        }
        let dir = crate::private::PrivateDir::create(&self.dir, purpose)?;
        dir.write(
            self.path(profile)
                .file_name()
                .and_then(|n| n.to_str())
                .context("a key file's name")?,
            &out,
        )
    }

    fn delete(&self, profile: &str) -> Result<bool> {
        let path = self.path(profile);
        match std::fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e).with_context(|| format!("could not remove {}", path.display())),
        }
    }
}

/// A profile name as a file name: letters, digits, `-`, `_` and `.` (not leading) as they are;
/// every other byte as `%XX`, so `/` and `..` can't leave the directory.
fn file_name(profile: &str) -> String {
    let mut out = String::new();
    for (i, b) in profile.bytes().enumerate() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || (b == b'.' && i > 0) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_stay_in_the_directory() {
        assert_eq!(file_name("dev"), "dev");
        assert_eq!(file_name("a/b"), "a%2Fb");
        assert_eq!(file_name(".."), "%2E.");
        assert_eq!(file_name("x%y"), "x%25y");
    }
}
