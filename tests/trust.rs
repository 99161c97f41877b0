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

/// The `. PATH` line that `aws-as -s` prints, as the path.
fn sourced_path(out: &std::process::Output) -> String {
    assert!(out.status.success(), "{}", stderr(out));
    let line = stdout(out);
    let path = line
        .trim()
        .strip_prefix(". '")
        .and_then(|p| p.strip_suffix('\''))
        .unwrap_or_else(|| panic!("not a `. PATH` line: {line}"));
    path.to_string()
}

/// aws-as makes a directory only where the result would pass its own trust check, so it never
/// creates (or chmods) anything in a directory others can write to, and root with a user's HOME
/// (`sudo -E`, `sudo -s` on macOS) never leaves a root-owned `~/.cache` that breaks every other
/// program of that user.
#[test]
fn nothing_is_made_where_it_could_not_be_trusted() {
    let home = Home::standard();
    let shared = tempfile::tempdir().unwrap();
    chmod(shared.path(), 0o777);
    let cache = shared.path().join("c");
    let out = home.run_env(
        "http://127.0.0.1:9",
        &["export", "dev", "--format", "json", "--mfa-code", "123456"],
        &[("AWS_AS_CACHE_DIR", cache.to_str().unwrap())],
    );
    assert_clean_failure(&out, "other users can write to");
    assert!(
        !cache.exists(),
        "made inside a directory others can write to"
    );
    assert_eq!(mode(shared.path()), 0o777);

    if !require_root("to run as root in another user's home") {
        return;
    }
    let theirs = Home::standard();
    std::os::unix::fs::chown(theirs.path(), Some(65534), Some(65534)).unwrap();
    // A shell still starts (with the loader that needs no cache), and nothing is made.
    let out = theirs.run("http://127.0.0.1:9", &["-s", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("aws-as"), "{}", stdout(&out));
    let out = theirs.run(
        "http://127.0.0.1:9",
        &["export", "dev", "--mfa-code", "123456"],
    );
    assert_clean_failure(&out, "belongs to user 65534");
    assert!(
        !theirs.path().join(".cache").exists(),
        "root made a directory in another user's home"
    );
    let out = theirs.run_env(
        "http://127.0.0.1:9",
        &["add", "extra"],
        &[("AWS_AS_KEYS_BACKEND", "file")],
    );
    assert!(!out.status.success());
    assert!(!theirs.path().join(".local").exists());
}

/// The directory aws-as checked is the one it uses: a symlink on the way there is resolved
/// once, and what `aws-as -s` hands the shell to source is the checked real path, so swapping
/// the symlink afterwards can't get another user's file sourced.
#[test]
fn the_checked_path_is_the_one_used() {
    let home = Home::standard();
    let real = home.path().join("real-cache");
    std::fs::create_dir(&real).unwrap();
    chmod(&real, 0o700);
    let link = home.path().join("link-cache");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = home.run_env(
        "http://127.0.0.1:9",
        &["-s", "bash"],
        &[("AWS_AS_CACHE_DIR", link.to_str().unwrap())],
    );
    let path = sourced_path(&out);
    let real = std::fs::canonicalize(&real).unwrap();
    assert!(path.starts_with(real.to_str().unwrap()), "{path}");
    assert!(Path::new(&path).is_file());
}

/// Activation keeps one file per shell text and removes week-old ones, but only files of exactly
/// its own shape (`init-database.sql` is not one), and never one still in use: using a file
/// marks it as new.
#[test]
fn activation_cleans_up_only_its_own_unused_files() {
    let home = Home::standard();
    let dir = home.cache_dir();
    let path = sourced_path(&home.run("http://127.0.0.1:9", &["-s", "bash"]));
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(10 * 86400);
    let age = |p: &Path| {
        std::fs::File::options()
            .write(true)
            .open(p)
            .unwrap()
            .set_modified(old)
            .unwrap()
    };
    let stale_ours = dir.join("init-0123456789abcdef0123456789abcdef.sh");
    for name in ["init-database.sql", "init-cluster.sh"] {
        std::fs::write(dir.join(name), "mine").unwrap();
        chmod(&dir.join(name), 0o600);
        age(&dir.join(name));
    }
    std::fs::write(&stale_ours, "old").unwrap();
    chmod(&stale_ours, 0o600);
    age(&stale_ours);
    age(Path::new(&path));

    // In use again: the week starts over.
    assert_eq!(
        sourced_path(&home.run("http://127.0.0.1:9", &["-s", "bash"])),
        path
    );
    // A new file (another shell's) is written, and the clean-up runs.
    sourced_path(&home.run("http://127.0.0.1:9", &["-s", "zsh"]));
    assert!(Path::new(&path).exists(), "a file in use was removed");
    assert!(dir.join("init-database.sql").exists());
    assert!(dir.join("init-cluster.sh").exists());
    assert!(!stale_ours.exists(), "aws-as's own stale file stays");
}

/// A relative HOME counts as none: aws-as's files are never put under whatever directory it
/// runs from.
#[test]
fn a_relative_home_puts_nothing_in_the_current_directory() {
    let home = Home::standard();
    let out = home.run_env(
        "http://127.0.0.1:9",
        &["-s", "bash"],
        &[("HOME", "relhome")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains("relhome"), "{}", stdout(&out));
    assert!(!home.path().join("relhome").exists());
}
