//! The credential cache: one JSON file per identity step in a private directory (see
//! `crate::private` for what aws-as trusts there), each 0600 and written atomically. A sidecar
//! `.lock` file per entry serialises check, fetch and store across processes, and a `.fail` file
//! hands the holder's failure to the processes that waited for it.
//!
//! aws-as's files are marked by their names: a key is 32 lowercase hex digits (a digest), and
//! the files are `KEY.json` (an entry), `KEY.mfa` (a remembered MFA device), `KEY.lock` and
//! `KEY.fail`, plus `.aws-as-tmp-*` while one is being written. `cache list` shows only entries,
//! and `cache clear` removes only files of those shapes that belong to the user.

use super::Credentials;
use crate::env::{Env, EnvVars};
use crate::private::{Lock, PrivateDir, Purpose, TMP_PREFIX};
use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const FORMAT_VERSION: u32 = 1;

/// The prefix of the shell integration files `script` writes.
const INIT_PREFIX: &str = "init-";
/// How long a file aws-as keeps one of per shell text or per config stays unused before it goes.
pub const UNUSED: std::time::Duration = std::time::Duration::from_secs(7 * 86400);
/// The extensions of the files `script` writes.
/// The renewal files: `renew-PID`.
const RENEW_PREFIX: &str = "renew-";
const RENEW_UNUSED: std::time::Duration = std::time::Duration::from_secs(86400);

fn renewal_file(name: &str) -> bool {
    name.strip_prefix(RENEW_PREFIX).is_some_and(|pid| {
        !pid.is_empty() && pid.len() <= 10 && pid.bytes().all(|b| b.is_ascii_digit())
    })
}

const SCRIPT_EXTENSIONS: &[&str] = &["bash", "zsh", "sh"];

/// The largest entry aws-as writes is well under this (a session token is at most 16 KiB; a
/// profile name has no limit of its own, and one of 70,000 characters is tested).
const ENTRY_LIMIT: usize = 1 << 20;

pub const PURPOSE: Purpose = Purpose {
    what: "the cache directory",
    moved_by: "AWS_AS_CACHE_DIR",
};

/// One step's credentials as the cache keeps them: the credentials' own fields, flattened, and
/// what produced them.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub version: u32,
    /// The profile whose step produced this entry.
    pub profile: String,
    /// `session` (GetSessionToken), `role` (AssumeRole), `federation` or `source`.
    pub kind: String,
    #[serde(flatten)]
    pub credentials: Credentials,
}

impl Entry {
    pub fn new(profile: &str, kind: &str, credentials: Credentials) -> Entry {
        Entry {
            version: FORMAT_VERSION,
            profile: profile.to_string(),
            kind: kind.to_string(),
            credentials,
        }
    }

    /// Still usable for at least `margin` seconds.
    pub fn fresh(&self, margin: i64) -> bool {
        self.credentials.expires().saturating_sub(margin) > crate::util::now_epoch()
    }

    /// An entry as read from disk, used only when it is one aws-as would have written: its
    /// credentials pass the same check as an STS answer (so an expiry of `i64::MIN`, or one
    /// years ahead, is no entry at all) and its profile name is one.
    pub fn parse(bytes: &[u8]) -> Option<Entry> {
        let entry: Entry = serde_json::from_slice(bytes).ok()?;
        let usable = entry.version == FORMAT_VERSION
            && crate::config::chain::valid_profile_name(&entry.profile)
            && entry.credentials.check(crate::util::now_epoch()).is_ok();
        usable.then_some(entry)
    }
}

/// What ListMFADevices said for one set of long-term keys.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct MfaNote {
    /// The profile that holds the keys.
    pub profile: String,
    /// The device's serial (ARN), or none when the user has none or may not list them.
    pub serial: Option<String>,
    /// Set when IAM could not be asked: the note stands in for an answer until then (Unix
    /// seconds), and the lookup is made again after.
    #[serde(default)]
    pub unanswered_until: Option<i64>,
}

/// A step's failure, kept for the processes that waited on its lock.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Failure {
    /// When it happened, in nanoseconds since the Unix epoch.
    pub at_ns: u64,
    pub pid: u32,
    /// The failure as the holder reported it (which holds no secret: see `sts::AwsError`).
    pub message: String,
    /// What the holder asked for (`Run::asked`): only a waiter that asks the same takes it.
    #[serde(default)]
    pub asked: String,
}

pub struct Cache {
    path: PathBuf,
    /// The directory, checked once per run.
    dir: OnceLock<PrivateDir>,
}

/// A file name of aws-as's cache: `KEY.EXT` with a 32-hex-digit key, or a temporary file.
fn ours(name: &str, extensions: &[&str]) -> Option<String> {
    let (key, ext) = name.split_once('.')?;
    (key.len() == 32
        && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        && extensions.contains(&ext))
    .then(|| key.to_string())
}

fn nanos(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl Cache {
    /// `$AWS_AS_CACHE_DIR`, else `$XDG_CACHE_HOME/aws-as`, else `~/.cache/aws-as`.
    pub fn new(env: &Env) -> Result<Cache> {
        if let Some(dir) = env.path(EnvVars::AWS_AS_CACHE_DIR)? {
            return Ok(Cache::at(dir));
        }
        let base = env
            .xdg(EnvVars::XDG_CACHE_HOME, ".cache")
            .context("could not find the cache directory: set HOME (to an absolute path) or AWS_AS_CACHE_DIR")?;
        Ok(Cache::at(base.join("aws-as")))
    }

    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache {
            path: dir.into(),
            dir: OnceLock::new(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.path
    }

    /// The directory when it exists, checked; reading never creates it.
    fn existing(&self) -> Result<Option<&PrivateDir>> {
        if let Some(dir) = self.dir.get() {
            return Ok(Some(dir));
        }
        Ok(PrivateDir::existing(&self.path, PURPOSE)?.map(|d| self.dir.get_or_init(|| d)))
    }

    /// The directory, made when missing.
    fn created(&self) -> Result<&PrivateDir> {
        if let Some(dir) = self.dir.get() {
            return Ok(dir);
        }
        let dir = PrivateDir::create(&self.path, PURPOSE)?;
        Ok(self.dir.get_or_init(|| dir))
    }

    /// The keys that have an entry file now: one listing of the directory, for a command that
    /// looks at many profiles (`list`), so that it opens only the entries that exist.
    pub fn keys(&self) -> Result<std::collections::HashSet<String>> {
        let Some(dir) = self.existing()? else {
            return Ok(Default::default());
        };
        Ok(dir
            .names()?
            .iter()
            .filter_map(|n| ours(n, &["json"]))
            .collect())
    }

    /// The directory, made when missing, for what else aws-as keeps there (the profile index).
    pub fn private(&self) -> Result<PrivateDir> {
        self.created().cloned()
    }

    /// The entry for `key`, if there is a usable one. A damaged or unusable entry is a miss, and
    /// the next store replaces it; one aws-as did not write (another owner, another mode, a
    /// symlink) is an error that says so.
    pub fn read(&self, key: &str) -> Result<Option<Entry>> {
        let Some(dir) = self.existing()? else {
            return Ok(None);
        };
        Ok(dir
            .read(&format!("{key}.json"), ENTRY_LIMIT)?
            .and_then(|bytes| Entry::parse(&bytes)))
    }

    /// Store atomically: readers see the old file or the new one, never a partial one, and the
    /// data is never readable by others. A stored entry clears the step's failure record.
    pub fn write(&self, key: &str, entry: &Entry) -> Result<()> {
        let dir = self.created()?;
        let mut bytes = serde_json::to_vec(entry)?;
        bytes.push(b'\n');
        dir.write(&format!("{key}.json"), &bytes)
            .with_context(|| format!("could not write the cache in {}", self.path.display()))?;
        let _ = dir.remove(&format!("{key}.fail"));
        Ok(())
    }

    /// Take the entry's exclusive lock, waiting at most `limit` for another aws-as process that
    /// holds it. `what` names what the lock guards, for the message while waiting.
    pub fn lock(&self, key: &str, limit: Duration, what: &str) -> Result<Lock> {
        self.created()?.lock(&format!("{key}.lock"), limit, what)
    }

    /// Keep `err` as the step's failure for the processes waiting on its lock. Best effort: a
    /// failure to record one only means that they make the call themselves.
    pub fn record_failure(&self, key: &str, asked: &str, err: &anyhow::Error) {
        let failure = Failure {
            at_ns: nanos(SystemTime::now()),
            pid: std::process::id(),
            message: super::aws::excerpt(&format!("{err:#}"), 1000),
            asked: asked.to_string(),
        };
        if let (Ok(dir), Ok(bytes)) = (self.created(), serde_json::to_vec(&failure)) {
            let _ = dir.write(&format!("{key}.fail"), &bytes);
        }
    }

    /// The step's failure, if it was recorded after `since` (while this process waited) by a
    /// process that asked for the same as this one.
    pub fn failure_since(&self, key: &str, since: SystemTime, asked: &str) -> Option<Failure> {
        let bytes = self
            .existing()
            .ok()??
            .read(&format!("{key}.fail"), 8192)
            .ok()??;
        let failure: Failure = serde_json::from_slice(&bytes).ok()?;
        (failure.at_ns >= nanos(since) && failure.asked == asked).then_some(failure)
    }

    /// Every entry with its key, sorted, or why it can't be used.
    pub fn entries(&self) -> Result<Vec<(String, Result<Entry, String>)>> {
        let Some(dir) = self.existing()? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for name in dir.names()? {
            let Some(key) = ours(&name, &["json"]) else {
                continue;
            };
            let entry = match dir.read(&name, ENTRY_LIMIT) {
                Ok(Some(bytes)) => {
                    Entry::parse(&bytes).ok_or_else(|| "unusable (replaced on next use)".into())
                }
                Ok(None) => continue,
                Err(e) => Err(format!("{e:#}")),
            };
            out.push((key, entry));
        }
        Ok(out)
    }

    /// The MFA device found for the keys behind `key` (see `discovery`).
    pub fn read_mfa_note(&self, key: &str) -> Result<Option<MfaNote>> {
        let Some(dir) = self.existing()? else {
            return Ok(None);
        };
        Ok(dir
            .read(&format!("{key}.mfa"), 8192)?
            .and_then(|bytes| serde_json::from_slice::<MfaNote>(&bytes).ok())
            .filter(|n| n.serial.as_deref().is_none_or(super::valid_arn))
            .filter(|n| {
                n.unanswered_until
                    .is_none_or(|t| t > crate::util::now_epoch())
            }))
    }

    pub fn write_mfa_note(&self, key: &str, note: &MfaNote) -> Result<()> {
        let mut bytes = serde_json::to_vec(note)?;
        bytes.push(b'\n');
        self.created()?
            .write(&format!("{key}.mfa"), &bytes)
            .with_context(|| format!("could not write the cache in {}", self.path.display()))
    }

    /// The file `init-DIGEST.EXT` holding `text`, written now when it is missing: the shell
    /// integration as `aws-as -s` hands it to the shell to source (the digest is of the text, so
    /// one file serves every shell that would be handed the same text). Files of this kind that
    /// have not been written for a week are removed when a new one is written. They hold shell
    /// code, so they live where the credentials do: in a directory only the user can write to.
    pub fn script(&self, ext: &str, text: &str) -> Result<PathBuf> {
        let dir = self.created()?;
        let name = format!(
            "{INIT_PREFIX}{}.{ext}",
            crate::config::chain::digest(&[text])
        );
        let path = dir.path().join(&name);
        if dir.read(&name, text.len()).ok().flatten().as_deref() == Some(text.as_bytes()) {
            // In use: it must not look a week old to the clean-up below, run from another shell.
            dir.touch(&name);
        } else {
            dir.write(&name, text.as_bytes())?;
            // Only a file of exactly the shape aws-as writes: `init-database.sql` is not one.
            let shaped = |n: &str| {
                n.strip_prefix(INIT_PREFIX)
                    .is_some_and(|rest| ours(rest, SCRIPT_EXTENSIONS).is_some())
            };
            dir.remove_unused(&name, shaped, UNUSED);
        }
        Ok(path)
    }

    /// Write `text` as file `renew-PID`, where the prompt of shell PID picks up what its
    /// background renewal got (see `cmd::renew`). Such files of shells gone for a day are
    /// removed when a new one is written: they hold credentials, as the entries do.
    pub fn renewal(&self, pid: u32, text: &str) -> Result<()> {
        let dir = self.created()?;
        let name = format!("{RENEW_PREFIX}{pid}");
        dir.write(&name, text.as_bytes())?;
        dir.remove_unused(&name, renewal_file, RENEW_UNUSED);
        Ok(())
    }

    /// Remove aws-as's cached credentials, remembered MFA devices and failure records: every
    /// one, or only those of profile `name`. Temporary files left by an aws-as that was killed
    /// while writing go too (they may hold credentials). Lock files stay: another process may be
    /// holding one. Returns how many credentials were removed.
    pub fn clear(&self, name: Option<&str>) -> Result<usize> {
        let Some(dir) = self.existing()? else {
            return Ok(0);
        };
        let mut removed = 0;
        for file in dir.names()? {
            if !dir.owns_file(&file) {
                continue;
            }
            let whose = |bytes: Option<Vec<u8>>| -> Option<String> {
                let v: serde_json::Value = serde_json::from_slice(&bytes?).ok()?;
                v["profile"].as_str().map(str::to_owned)
            };
            let remove = if file.starts_with(TMP_PREFIX) || renewal_file(&file) {
                true
            } else if ours(&file, &["json", "mfa"]).is_some() {
                match name {
                    None => true,
                    Some(n) => {
                        whose(dir.read(&file, ENTRY_LIMIT).ok().flatten()).as_deref() == Some(n)
                    }
                }
            } else {
                ours(&file, &["fail"]).is_some() && name.is_none()
            };
            if remove {
                dir.remove(&file)?;
                if file.ends_with(".json") && !file.starts_with(TMP_PREFIX) {
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    const KEY: &str = "0123456789abcdef0123456789abcdef";

    fn creds(exp: i64) -> Credentials {
        Credentials {
            session_token: Some("t".into()),
            expiration: Some(exp),
            ..Credentials::keys("ASIA1", "s")
        }
    }

    #[test]
    #[allow(unsafe_code)]
    fn permissions_and_round_trip_under_a_tight_umask() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("c");
        let cache = Cache::at(&dir);
        // umask is process-wide; 0477 once left entries 0200, which every read then missed.
        // SAFETY: umask has no preconditions; the other tests make no files that care.
        let old = unsafe { libc::umask(0o477) };
        let e = Entry::new(
            "p",
            "role",
            Credentials {
                arn: Some("arn:aws:sts::1:assumed-role/r/s".into()),
                ..creds(crate::util::now_epoch() + 3600)
            },
        );
        let written = cache.write(KEY, &e);
        // SAFETY: as above.
        unsafe { libc::umask(old) };
        written.unwrap();
        assert_eq!(
            fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let file_mode = fs::metadata(dir.join(format!("{KEY}.json")))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(file_mode, 0o600);
        assert_eq!(cache.read(KEY).unwrap(), Some(e.clone()));
        assert!(e.fresh(300));
        assert!(!Entry::new("p", "role", creds(crate::util::now_epoch() + 200)).fresh(300));
    }

    #[test]
    fn damaged_or_impossible_entries_are_misses() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path());
        let path = tmp.path().join(format!("{KEY}.json"));
        let put = |text: &str| {
            fs::write(&path, text).unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        };
        put("{\"version\":1,\"prof");
        assert_eq!(cache.read(KEY).unwrap(), None);
        let now = crate::util::now_epoch();
        for (exp, secret) in [
            (i64::MIN, "s"),
            (i64::MAX, "s"),
            (now + 100 * 86400, "s"),
            (now - 1, "s"),
            (now + 3600, ""),
        ] {
            let mut e = Entry::new("p", "role", creds(exp));
            e.credentials.secret_access_key = String::from(secret).into();
            put(&serde_json::to_string(&e).unwrap());
            assert_eq!(cache.read(KEY).unwrap(), None, "{exp} {secret:?}");
            assert!(!e.fresh(i64::MAX), "no overflow into freshness");
        }
        let e = Entry::new("p", "session", creds(now + 3600));
        cache.write(KEY, &e).unwrap();
        assert_eq!(cache.read(KEY).unwrap(), Some(e));
        assert_eq!(cache.entries().unwrap().len(), 1);
    }

    #[test]
    fn clear_removes_only_aws_as_files() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Cache::at(tmp.path());
        let now = crate::util::now_epoch();
        cache
            .write(KEY, &Entry::new("p", "role", creds(now + 3600)))
            .unwrap();
        for other in ["package.json", "notes.mfa", "x.fail"] {
            fs::write(tmp.path().join(other), "{}").unwrap();
        }
        fs::write(tmp.path().join(format!("{TMP_PREFIX}abc")), "secret").unwrap();
        assert_eq!(cache.clear(Some("q")).unwrap(), 0);
        assert_eq!(cache.clear(None).unwrap(), 1);
        let mut left: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["notes.mfa", "package.json", "x.fail"]);
    }
}
