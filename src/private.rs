//! The directories and files that aws-as keeps for one user: the credential cache and the key
//! index. Every read, write and lock of them goes through here, so that one set of rules holds
//! for all of them:
//!
//! - A directory is trusted as ssh's StrictModes trusts `~/.ssh`: it belongs to the user and no
//!   one else can write to it, and every directory above it belongs to the user or to root and is
//!   writable by no one else (or is sticky, as `/tmp` is, so that no one can rename it away).
//!   Anything else is refused with a line that says why and what to do.
//! - A directory aws-as creates is made exactly 0700, whatever the umask. One it did not create is
//!   never chmodded: its owner chose its mode.
//! - A file is read only when it is a regular file that belongs to the user and is 0600, opened
//!   without following a symlink, and only up to a size that aws-as itself would write.
//! - A file is written atomically: a temporary file named `.aws-as-tmp-*`, made exactly 0600,
//!   synced, then renamed over the old one (a rename replaces a planted symlink; it never follows
//!   it).
//! - A lock is waited for a bounded time. Its holder writes its PID into it, so that a waiter can
//!   say which process it is waiting for.

use anyhow::{Context, Result, anyhow, bail};
use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// The prefix of aws-as's temporary files, so that they can be told from anyone else's.
pub const TMP_PREFIX: &str = ".aws-as-tmp-";

use crate::util::euid;

/// A directory that passed the trust check.
#[derive(Debug, Clone)]
pub struct PrivateDir {
    path: PathBuf,
}

/// What a directory is for, in messages: its name and the variable that moves it.
#[derive(Debug, Clone, Copy)]
pub struct Purpose {
    pub what: &'static str,
    pub moved_by: &'static str,
}

impl PrivateDir {
    /// The directory at `path`, created (with its parents) when it is missing, checked when it
    /// exists. What is kept, and used from then on, is the real path that was checked, so that
    /// a symlink on the way there can't be swapped afterwards.
    pub fn create(path: &Path, purpose: Purpose) -> Result<PrivateDir> {
        let ctx = || format!("could not use {} {}", purpose.what, path.display());
        // The nearest directory that exists, and the names below it that are missing.
        let mut missing = Vec::new();
        let mut base = path;
        loop {
            match fs::symlink_metadata(base) {
                Ok(_) => break,
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    missing.push(
                        base.file_name()
                            .ok_or_else(|| anyhow!("{e}"))
                            .with_context(ctx)?,
                    );
                    base = base
                        .parent()
                        .ok_or_else(|| anyhow!("{e}"))
                        .with_context(ctx)?;
                }
                Err(e) => return Err(e).with_context(ctx),
            }
        }
        if missing.is_empty() {
            let real = check_dir(path, purpose).with_context(ctx)?;
            return Ok(PrivateDir { path: real });
        }
        // Nothing is created where check_dir would refuse the result: inside a directory of
        // another user (root with the user's HOME would leave root's ~/.cache in the user's
        // home), or one that others can write to and is not sticky (they could swap what
        // aws-as made for a symlink before it sets the mode).
        let mut real = fs::canonicalize(base).with_context(ctx)?;
        check_parents(&real, &real, purpose).with_context(ctx)?;
        for name in missing.into_iter().rev() {
            real.push(name);
            make_dir(&real).with_context(ctx)?;
        }
        let real = check_dir(&real, purpose).with_context(ctx)?;
        Ok(PrivateDir { path: real })
    }

    /// The directory at `path` when it exists (checked), `None` when it does not. Reading never
    /// creates anything.
    pub fn existing(path: &Path, purpose: Purpose) -> Result<Option<PrivateDir>> {
        let ctx = || format!("could not use {} {}", purpose.what, path.display());
        match fs::symlink_metadata(path) {
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(ctx),
            Ok(_) => Ok(Some(PrivateDir {
                path: check_dir(path, purpose).with_context(ctx)?,
            })),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The contents of file `name`, `None` when there is none. Only a regular file of the user's
    /// own with mode 0600 is read, without following a symlink, and only up to `limit` bytes:
    /// anything else is an error that says why.
    pub fn read(&self, name: &str, limit: usize) -> Result<Option<Vec<u8>>> {
        let Some((file, len)) = self.open(name)? else {
            return Ok(None);
        };
        let path = self.path.join(name);
        let mut bytes = Vec::with_capacity((len as usize).min(limit) + 1);
        file.take(limit as u64 + 1)
            .read_to_end(&mut bytes)
            .with_context(|| format!("could not read {}", path.display()))?;
        if bytes.len() > limit {
            bail!(
                "{} is larger than any file aws-as writes ({limit} bytes at most); remove it",
                path.display()
            );
        }
        Ok(Some(bytes))
    }

    /// File `name` opened for reading, with its length, `None` when there is none: the same
    /// checks as `read`, for a file that is read in place (the profile index).
    pub fn open(&self, name: &str) -> Result<Option<(File, u64)>> {
        let path = self.path.join(name);
        let file = match OpenOptions::new()
            .read(true)
            // NONBLOCK: a planted FIFO must not hang the open.
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(&path)
        {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => bail!(
                "{} is a symbolic link, which aws-as never writes; remove it",
                path.display()
            ),
            Err(e) => return Err(e).with_context(|| format!("could not read {}", path.display())),
        };
        let meta = file
            .metadata()
            .with_context(|| format!("could not read {}", path.display()))?;
        check_file(&path, &meta)?;
        Ok(Some((file, meta.len())))
    }

    /// Replace file `name` atomically with `bytes`, mode 0600.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.path.join(name);
        let ctx = || format!("could not write {}", path.display());
        let mut tmp = tempfile::Builder::new()
            .prefix(TMP_PREFIX)
            .permissions(fs::Permissions::from_mode(0o600))
            .tempfile_in(&self.path)
            .with_context(ctx)?;
        // The umask may have taken bits away (0477 leaves 0200, which aws-as couldn't read back).
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o600))
            .with_context(ctx)?;
        tmp.write_all(bytes).with_context(ctx)?;
        tmp.as_file().sync_all().with_context(ctx)?;
        tmp.persist(&path).map_err(|e| e.error).with_context(ctx)?;
        Ok(())
    }

    /// Mark file `name` as used now (its modification time). Best effort: a file that can't be
    /// touched is only cleaned up sooner.
    pub fn touch(&self, name: &str) {
        if let Ok(file) = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(self.path.join(name))
        {
            let _ = file.set_modified(SystemTime::now());
        }
    }

    /// Remove the files of the user's own that `ours` recognises, other than `keep`, that
    /// have not been written or used (`touch`) for `age`: files aws-as makes one of per shell
    /// text or per config, which nothing else would ever remove. Best effort.
    pub fn remove_unused(&self, keep: &str, ours: impl Fn(&str) -> bool, age: Duration) {
        let Ok(names) = self.names() else {
            return;
        };
        for name in names {
            let unused = fs::symlink_metadata(self.path.join(&name))
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|elapsed| elapsed > age);
            if name != keep && ours(&name) && unused && self.owns_file(&name) {
                let _ = self.remove(&name);
            }
        }
    }

    /// Remove file `name`; one that is already gone is fine.
    pub fn remove(&self, name: &str) -> Result<()> {
        let path = self.path.join(name);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e).with_context(|| format!("could not remove {}", path.display())),
        }
    }

    /// The names in the directory that are UTF-8 (aws-as writes no others), sorted.
    pub fn names(&self) -> Result<Vec<String>> {
        let rd = fs::read_dir(&self.path)
            .with_context(|| format!("could not read {}", self.path.display()))?;
        let mut names: Vec<String> = rd
            .filter_map(|d| d.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        Ok(names)
    }

    /// Whether `name` is a regular file of the user's own: what `cache clear` may remove.
    pub fn owns_file(&self, name: &str) -> bool {
        fs::symlink_metadata(self.path.join(name))
            .is_ok_and(|m| m.file_type().is_file() && m.uid() == euid())
    }

    /// Take the exclusive lock `name`, waiting at most `limit` for the process that holds it.
    /// `what` says what the lock guards, for the messages: "the credentials of profile `dev`".
    pub fn lock(&self, name: &str, limit: Duration, what: &str) -> Result<Lock> {
        let path = self.path.join(name);
        let ctx = || format!("could not lock {}", path.display());
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| match e.raw_os_error() {
                Some(libc::ELOOP) => anyhow!(
                    "{} is a symbolic link, which aws-as never makes; remove it",
                    path.display()
                ),
                _ => anyhow::Error::new(e).context(ctx()),
            })?;
        let meta = file.metadata().with_context(ctx)?;
        if !meta.file_type().is_file() || meta.uid() != euid() {
            bail!("{} is not a lock file of yours; remove it", path.display());
        }
        if try_lock(&file, &path)?.is_some() {
            return Ok(Lock::held(file, None));
        }
        let since = SystemTime::now();
        let start = Instant::now();
        let mut told = false;
        let mut pause = Duration::from_millis(5);
        loop {
            std::thread::sleep(pause.min(limit.saturating_sub(start.elapsed())));
            pause = (pause * 2).min(Duration::from_millis(100));
            if try_lock(&file, &path)?.is_some() {
                return Ok(Lock::held(file, Some(since)));
            }
            let holder = holder(&file);
            if start.elapsed() >= limit {
                bail!(
                    "{holder} has been getting {what} for {}s; it may be waiting for an MFA code \
                     in another terminal. Answer or stop it{}, then try again (lock_timeout sets \
                     how long aws-as waits)",
                    start.elapsed().as_secs(),
                    holder_kill(&file)
                );
            }
            if !told && start.elapsed() >= Duration::from_secs(1) {
                eprintln!(
                    "[wait] {holder} is getting {what}; waiting for it (at most {}s)",
                    limit.as_secs()
                );
                told = true;
            }
        }
    }
}

/// `Some(())` when the lock was taken, `None` when another process holds it.
fn try_lock(file: &File, path: &Path) -> Result<Option<()>> {
    match file.try_lock() {
        Ok(()) => Ok(Some(())),
        Err(fs::TryLockError::WouldBlock) => Ok(None),
        Err(fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("could not lock {}", path.display()))
        }
    }
}

fn holder_pid(file: &File) -> Option<u32> {
    let mut buf = [0u8; 16];
    let n = file.read_at(&mut buf, 0).ok()?;
    std::str::from_utf8(&buf[..n]).ok()?.trim().parse().ok()
}

fn holder(file: &File) -> String {
    match holder_pid(file) {
        Some(pid) => format!("aws-as process {pid}"),
        None => "another aws-as process".to_string(),
    }
}

fn holder_kill(file: &File) -> String {
    holder_pid(file)
        .map(|pid| format!(" (kill {pid})"))
        .unwrap_or_default()
}

/// An exclusive lock, held until dropped.
pub struct Lock {
    _file: File,
    waited_since: Option<SystemTime>,
}

impl Lock {
    fn held(file: File, waited_since: Option<SystemTime>) -> Lock {
        // Say who holds it, for the processes that will wait. Best effort: on a full disk the
        // lock still works without the PID in it.
        let pid = format!("{}\n", std::process::id());
        let _ = file
            .set_len(0)
            .and_then(|()| file.write_all_at(pid.as_bytes(), 0));
        Lock {
            _file: file,
            waited_since,
        }
    }

    /// When this process started waiting for another that held the lock; `None` when it got the
    /// lock at once.
    pub fn waited_since(&self) -> Option<SystemTime> {
        self.waited_since
    }
}

/// Make directory `dir` (its parent already checked), exactly 0700 whatever the umask (under
/// umask 0477 mkdir gives 0300, which aws-as couldn't list). The mode is set through a handle
/// opened without following a symlink, so it lands on the directory aws-as made and nothing else.
fn make_dir(dir: &Path) -> Result<()> {
    match fs::DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {
            let made = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
                .open(dir)?;
            if made.metadata()?.uid() != euid() {
                bail!("{} was replaced while aws-as made it", dir.display());
            }
            made.set_permissions(fs::Permissions::from_mode(0o700))?;
            Ok(())
        }
        // Another aws-as made it a moment ago: it must be a directory of the user's own, not a
        // symlink planted in its place.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let m = fs::symlink_metadata(dir)?;
            if !m.is_dir() || m.uid() != euid() {
                bail!(
                    "{} appeared while aws-as was making it, and it is not a directory of yours",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// ssh's StrictModes rule for `path` and every directory above it. The answer is the real path
/// that was checked, which is what aws-as uses from then on.
fn check_dir(path: &Path, purpose: Purpose) -> Result<PathBuf> {
    let real = fs::canonicalize(path)
        .with_context(|| format!("{} is a symbolic link to nothing", path.display()))?;
    let meta = fs::metadata(&real)?;
    if !meta.is_dir() {
        bail!("{} is not a directory", path.display());
    }
    let me = euid();
    if meta.uid() != me {
        bail!(
            "{} belongs to user {}, not to you (user {me}), and aws-as keeps credentials only in \
             a directory of your own; {}",
            real.display(),
            meta.uid(),
            elsewhere(purpose)
        );
    }
    if meta.mode() & 0o022 != 0 {
        bail!(
            "{} can be written by other users (mode {:04o}); run chmod go-w {}, or {}",
            real.display(),
            meta.mode() & 0o7777,
            real.display(),
            elsewhere(purpose)
        );
    }
    if let Some(parent) = real.parent() {
        check_parents(parent, &real, purpose)?;
    }
    Ok(real)
}

fn elsewhere(purpose: Purpose) -> String {
    format!(
        "set {} to a directory that is yours alone",
        purpose.moved_by
    )
}

/// `dir` and every directory above it belong to the user or to root, and no one else can write
/// to them unless they are sticky (as `/tmp` is, so that no one can rename what is inside away).
/// `inside` is what lies in them, for the message.
fn check_parents(dir: &Path, inside: &Path, purpose: Purpose) -> Result<()> {
    let me = euid();
    for dir in dir.ancestors() {
        let m = fs::metadata(dir)?;
        let sticky = m.mode() & 0o1000 != 0;
        let foreign = m.uid() != me && m.uid() != 0;
        if foreign || (m.mode() & 0o022 != 0 && !sticky) {
            let why = if foreign {
                format!("belongs to user {}", m.uid())
            } else {
                "other users can write to".to_string()
            };
            bail!(
                "{} lies inside {}, which {why} (mode {:04o}), so they could replace it; {}",
                inside.display(),
                dir.display(),
                m.mode() & 0o7777,
                elsewhere(purpose)
            );
        }
    }
    Ok(())
}

/// A file aws-as reads must be a regular file of the user's own, 0600, as aws-as writes them.
fn check_file(path: &Path, meta: &fs::Metadata) -> Result<()> {
    if !meta.file_type().is_file() {
        bail!("{} is not a regular file; remove it", path.display());
    }
    if meta.uid() != euid() {
        bail!(
            "{} belongs to user {}, not to you; aws-as did not write it. Remove it",
            path.display(),
            meta.uid()
        );
    }
    if meta.mode() & 0o777 != 0o600 {
        bail!(
            "{} has mode {:04o}, not the 0600 aws-as writes; remove it",
            path.display(),
            meta.mode() & 0o7777
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST: Purpose = Purpose {
        what: "the test directory",
        moved_by: "NOTHING",
    };

    #[test]
    fn created_private_and_refused_when_others_can_write() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("a/b");
        let d = PrivateDir::create(&dir, TEST).unwrap();
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
        d.write("x", b"hello").unwrap();
        assert_eq!(d.read("x", 100).unwrap().unwrap(), b"hello");
        assert!(d.read("x", 2).is_err(), "over the size limit");
        assert_eq!(d.read("missing", 10).unwrap(), None);
        fs::set_permissions(dir.join("x"), fs::Permissions::from_mode(0o644)).unwrap();
        let err = format!("{:#}", d.read("x", 100).unwrap_err());
        assert!(err.contains("mode 0644"), "{err}");
        std::os::unix::fs::symlink("/etc/hostname", dir.join("l")).unwrap();
        assert!(format!("{:#}", d.read("l", 100).unwrap_err()).contains("symbolic link"));

        fs::set_permissions(&dir, fs::Permissions::from_mode(0o777)).unwrap();
        let err = format!("{:#}", PrivateDir::existing(&dir, TEST).unwrap_err());
        assert!(
            err.contains("can be written by other users (mode 0777)"),
            "{err}"
        );
        // Not chmodded back: aws-as did not create it this time.
        assert!(PrivateDir::create(&dir, TEST).is_err());
        assert_eq!(fs::metadata(&dir).unwrap().mode() & 0o777, 0o777);
    }

    #[test]
    fn a_writable_parent_is_refused_unless_sticky() {
        let tmp = tempfile::tempdir().unwrap();
        let parent = tmp.path().join("p");
        let dir = parent.join("c");
        PrivateDir::create(&dir, TEST).unwrap();
        fs::set_permissions(&parent, fs::Permissions::from_mode(0o777)).unwrap();
        let err = format!("{:#}", PrivateDir::existing(&dir, TEST).unwrap_err());
        assert!(err.contains("other users can write to"), "{err}");
        fs::set_permissions(&parent, fs::Permissions::from_mode(0o1777)).unwrap();
        PrivateDir::existing(&dir, TEST).unwrap().unwrap();
    }

    #[test]
    fn locks_name_their_holder_and_give_up_in_time() {
        let tmp = tempfile::tempdir().unwrap();
        let d = PrivateDir::create(tmp.path(), TEST).unwrap();
        let held = d.lock("k.lock", Duration::from_secs(1), "x").unwrap();
        assert_eq!(held.waited_since(), None);
        let err = d
            .lock("k.lock", Duration::from_millis(200), "the thing")
            .err()
            .expect("the lock is held");
        let err = format!("{err:#}");
        assert!(
            err.contains(&format!(
                "aws-as process {} has been getting the thing",
                std::process::id()
            )),
            "{err}"
        );
        drop(held);
        d.lock("k.lock", Duration::from_millis(200), "x").unwrap();
        std::os::unix::fs::symlink(tmp.path().join("target"), tmp.path().join("s.lock")).unwrap();
        let err = format!(
            "{:#}",
            d.lock("s.lock", Duration::from_secs(1), "x").err().unwrap()
        );
        assert!(err.contains("symbolic link"), "{err}");
        assert!(!tmp.path().join("target").exists());
    }
}
