//! What aws-as trusts on disk: a cache directory that is the user's own and that no one else can
//! write to (ssh's StrictModes rule), entries that are the user's own and 0600, and nothing
//! reached through a symlink. The cache commands touch only what aws-as wrote, never chmod a
//! directory aws-as did not create, and never print a file name raw.

use crate::support::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().mode() & 0o7777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A warm cache for `dev` (session and role entries), made against moto.
fn warm(moto: &Moto) -> Home {
    let home = Home::standard();
    json(&home.run(
        &moto.url(),
        &["export", "dev", "--format", "json", "--mfa-code", "123456"],
    ));
    home
}

/// Another user plants an entry in a shared cache directory (the names are predictable): aws-as
/// refuses the directory rather than export the planted credentials.
#[test]
fn a_cache_directory_others_can_write_to_is_refused() {
    let Some(moto) = Moto::start() else { return };
    let home = warm(&moto);
    let shared = tempfile::tempdir().unwrap();
    chmod(shared.path(), 0o777);
    for entry in home.cache_entries() {
        std::fs::copy(&entry, shared.path().join(entry.file_name().unwrap())).unwrap();
    }
    let dir = shared.path().to_str().unwrap();
    let out = home.run_env(
        &moto.url(),
        &["export", "dev", "--format", "json"],
        &[("AWS_AS_CACHE_DIR", dir)],
    );
    assert_clean_failure(&out, "can be written by other users (mode 0777)");
    assert!(
        stderr(&out).contains("AWS_AS_CACHE_DIR"),
        "{}",
        stderr(&out)
    );
    assert_eq!(mode(shared.path()), 0o777, "not aws-as's to chmod");

    // Sticky (1777, as /tmp) is still writable by everyone: refused, and left 1777 even by root.
    chmod(shared.path(), 0o1777);
    let out = home.run_env(
        &moto.url(),
        &["export", "dev", "--format", "json"],
        &[("AWS_AS_CACHE_DIR", dir)],
    );
    assert_clean_failure(&out, "can be written by other users (mode 1777)");
    assert_eq!(mode(shared.path()), 0o1777);
}

/// An entry that is not the user's own, or not 0600, was not written by aws-as: refused.
#[test]
fn an_entry_aws_as_did_not_write_is_refused() {
    let Some(moto) = Moto::start() else { return };
    let home = warm(&moto);
    // The target's entry (the role's), which a switch reads first.
    let target = home
        .cache_entries()
        .into_iter()
        .find(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .contains("\"kind\":\"role\"")
        })
        .unwrap();

    chmod(&target, 0o644);
    let out = home.run(&moto.url(), &["export", "dev", "--format", "json"]);
    assert_clean_failure(&out, "has mode 0644, not the 0600 aws-as writes");
    chmod(&target, 0o600);

    if require_root("to give an entry to another user") {
        std::os::unix::fs::chown(&target, Some(65534), Some(65534)).unwrap();
        let out = home.run(&moto.url(), &["export", "dev", "--format", "json"]);
        assert_clean_failure(&out, "belongs to user 65534");
        std::os::unix::fs::chown(&target, Some(0), Some(0)).unwrap();
    }
    // Put right, the cache serves again with no call.
    moto.reset();
    json(&home.run(&moto.url(), &["export", "dev", "--format", "json"]));
    assert!(moto.requests().is_empty());
}

/// A symlinked cache directory is followed to be checked, never to be chmodded: its owner
/// chose its mode.
#[test]
fn a_symlinked_cache_directory_keeps_its_mode() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();
    let real = tempfile::tempdir().unwrap();
    chmod(real.path(), 0o750);
    let link = home.path().join("cache-link");
    std::os::unix::fs::symlink(real.path(), &link).unwrap();
    let out = home.run_env(
        &moto.url(),
        &["export", "dev", "--format", "json", "--mfa-code", "123456"],
        &[("AWS_AS_CACHE_DIR", link.to_str().unwrap())],
    );
    json(&out);
    assert_eq!(mode(real.path()), 0o750);
    let files: Vec<_> = std::fs::read_dir(real.path()).unwrap().collect();
    assert!(!files.is_empty(), "the cache went through the link");
}

/// A planted `KEY.lock` symlink is not followed: its target is never created.
#[test]
fn a_planted_lock_symlink_is_not_followed() {
    let Some(moto) = Moto::start() else { return };
    let home = warm(&moto);
    let locks: Vec<_> = std::fs::read_dir(home.cache_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "lock"))
        .collect();
    assert!(!locks.is_empty());
    let victim = home.path().join("victim");
    for lock in &locks {
        std::fs::remove_file(lock).unwrap();
        std::os::unix::fs::symlink(&victim, lock).unwrap();
    }
    // Refresh, so that every step takes its lock.
    let out = home.run(
        &moto.url(),
        &["export", "dev", "--refresh", "--mfa-code", "123456"],
    );
    assert_clean_failure(&out, "symbolic link");
    assert!(!victim.exists(), "the lock symlink was followed");
}

/// `cache clear` removes what aws-as wrote (entries, and temporary files a killed aws-as left
/// behind, which hold credentials) and nothing else; `cache list` shows only aws-as's entries
/// and never prints a name's control characters.
#[test]
fn cache_commands_touch_only_aws_as_files() {
    let Some(moto) = Moto::start() else { return };
    let home = warm(&moto);
    let dir = home.cache_dir();
    std::fs::write(dir.join("package.json"), "{\"name\": \"mine\"}").unwrap();
    std::fs::write(dir.join("\u{1b}[31mevil.json"), "{}").unwrap();
    let leftover = dir.join(".aws-as-tmp-Xk2mQ9");
    std::fs::write(&leftover, "{\"secret_access_key\": \"left behind\"}").unwrap();
    chmod(&leftover, 0o600);

    let out = home.run(&moto.url(), &["cache", "list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b),
        "an escape sequence reached the terminal"
    );
    assert!(!stdout(&out).contains("package"), "{}", stdout(&out));
    assert_eq!(stdout(&out).lines().count(), 3, "{}", stdout(&out));

    let out = home.run(&moto.url(), &["cache", "clear"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("removed 2 cached credential(s)"),
        "{}",
        stderr(&out)
    );
    assert!(
        dir.join("package.json").exists(),
        "a file aws-as never wrote was removed"
    );
    assert!(dir.join("\u{1b}[31mevil.json").exists());
    assert!(
        !leftover.exists(),
        "a leftover temporary file still holds credentials"
    );
    assert!(home.cache_entries().iter().all(|p| {
        let name = p.file_name().unwrap().to_string_lossy();
        name == "package.json" || name.contains("evil")
    }));
}

/// `~` in AWS_AS_CACHE_DIR means HOME, as the SDKs read their file variables; another relative
/// path is refused rather than made relative to wherever aws-as runs.
#[test]
fn cache_dir_paths_are_expanded_or_refused() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();
    let out = home.run_env(
        &moto.url(),
        &["export", "dev", "--format", "json", "--mfa-code", "123456"],
        &[("AWS_AS_CACHE_DIR", "~/tilde-cache")],
    );
    json(&out);
    assert!(!home.path().join("~").exists(), "a literal ~ directory");
    assert!(home.path().join("tilde-cache").is_dir());

    let out = home.run_env(
        &moto.url(),
        &["export", "dev", "--format", "json"],
        &[("AWS_AS_CACHE_DIR", "relative/cache")],
    );
    assert_clean_failure(&out, "relative path");
    assert!(!home.path().join("relative").exists());
}

/// Under umask 0477 the entries used to be written 0200, and every switch silently missed the
/// cache. They are 0600 whatever the umask, and the next switch is served from them.
#[test]
fn a_tight_umask_still_gives_a_working_cache() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();
    let run = |extra: &[&str]| {
        let mut cmd = std::process::Command::new("setsid");
        cmd.args(["-w", "sh", "-c", "umask 0477 && exec \"$0\" \"$@\""])
            .arg(bin())
            .args(["export", "dev", "--format", "json"])
            .args(extra);
        home.clean_env(&mut cmd, &moto.url());
        cmd.stdin(std::process::Stdio::null());
        cmd.output().unwrap()
    };
    json(&run(&["--mfa-code", "123456"]));
    for entry in home.cache_entries() {
        assert_eq!(mode(&entry), 0o600, "{}", entry.display());
        assert_eq!(
            std::fs::metadata(&entry).unwrap().uid(),
            std::fs::metadata(home.path()).unwrap().uid()
        );
    }
    assert_eq!(mode(&home.cache_dir()), 0o700);
    moto.reset();
    json(&run(&[]));
    assert!(moto.requests().is_empty(), "{:?}", moto.requests());
}
