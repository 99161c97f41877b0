//! The profile index: a large config is looked up, not parsed, on a cached switch, and any edit
//! to either AWS file takes effect on the very next switch, even one that keeps the file's size
//! and puts its modification time back.

use crate::support::*;
use std::path::{Path, PathBuf};

/// A config past the index's threshold (256 KiB): `n` role profiles on `user`.
fn big_config(n: usize) -> String {
    let mut config = CONFIG.to_string();
    for i in 0..n {
        config.push_str(&format!(
            "\n[profile r{i:05}]\nrole_arn = arn:aws:iam::123456789012:role/r{i:05}\n\
             source_profile = user\nregion = eu-west-1\n"
        ));
    }
    config
}

fn index_files(home: &Home) -> Vec<PathBuf> {
    std::fs::read_dir(home.cache_dir())
        .map(|rd| {
            rd.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "db"))
                .collect()
        })
        .unwrap_or_default()
}

/// Rewrite `path` with `from` replaced by `to` (the same length) in place, then put its
/// modification time back: only its change time and content tell the edit.
fn edit_keeping_size_and_mtime(path: &Path, from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let before = std::fs::metadata(path).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(before.modified().unwrap())
        .unwrap();
    let after = std::fs::metadata(path).unwrap();
    assert_eq!(after.len(), before.len());
    assert_eq!(after.modified().unwrap(), before.modified().unwrap());
}

#[test]
fn every_edit_takes_effect_on_the_very_next_switch() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::new(&big_config(3000), &credentials());
    let switch = |name: &str| {
        home.run(
            &moto.url(),
            &["__hook", "bash", "--", name, "--mfa-code", "123456"],
        )
    };
    let out = switch("r01500");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("export AWS_REGION='eu-west-1'\n"));
    let files = index_files(&home);
    assert_eq!(files.len(), 1, "one index for the pair of files");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // Served from the cache and the index: no call.
    moto.reset();
    let out = switch("r01500");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(moto.requests().is_empty(), "{:?}", moto.requests());

    // A region edited in place, same size, same modification time.
    let config = home.path().join(".aws/config");
    edit_keeping_size_and_mtime(
        &config,
        "[profile r01500]\nrole_arn = arn:aws:iam::123456789012:role/r01500\nsource_profile = user\nregion = eu-west-1",
        "[profile r01500]\nrole_arn = arn:aws:iam::123456789012:role/r01500\nsource_profile = user\nregion = eu-west-2",
    );
    let out = switch("r01500");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("export AWS_REGION='eu-west-2'\n"),
        "{}",
        stdout(&out)
    );

    // A profile renamed: the old name is gone at once, the new one is there.
    edit_keeping_size_and_mtime(&config, "[profile r02000]", "[profile q02000]");
    assert_clean_failure(&switch("r02000"), "there is no profile `r02000`");
    let out = switch("q02000");
    assert!(out.status.success(), "{}", stderr(&out));

    // The credentials file counts too: the base's key changes, so its cached session does not
    // serve the new key (a new GetSessionToken is made).
    moto.reset();
    let creds = home.path().join(".aws/credentials");
    let text = std::fs::read_to_string(&creds).unwrap();
    let key = text
        .lines()
        .find_map(|l| l.strip_prefix("aws_access_key_id = "))
        .unwrap()
        .to_string();
    let other: String = key
        .chars()
        .map(|c| if c == 'A' { 'B' } else { c })
        .collect();
    edit_keeping_size_and_mtime(&creds, &key, &other);
    let out = switch("r01500");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(moto.count("GetSessionToken"), 1, "{:?}", moto.requests());
}

/// The index is aws-as's own file: one that is not 0600 (or not the user's) is never read,
/// and it is replaced; the switch still works.
#[test]
fn an_index_aws_as_did_not_write_is_replaced() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::new(&big_config(3000), &credentials());
    let args = ["__hook", "bash", "--", "r00007", "--mfa-code", "123456"];
    let out = home.run(&moto.url(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let file = index_files(&home).pop().unwrap();
    std::fs::write(&file, "not sqlite").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = home.run(&moto.url(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "rebuilt by aws-as");
    assert_ne!(std::fs::read(&file).unwrap(), b"not sqlite");

    // A damaged one of the right mode (a disk error, a truncated copy): rebuilt too.
    let good = std::fs::read(&file).unwrap();
    for cut in [good.len() / 3, good.len() - 4096] {
        std::fs::write(&file, &good[..cut]).unwrap();
        let out = home.run(&moto.url(), &args);
        assert!(out.status.success(), "{}", stderr(&out));
        // Rebuilt: the same files give the same index, byte for byte.
        assert!(
            std::fs::read(&file).unwrap() == good,
            "{cut} bytes were used as an index"
        );
    }
}

/// Damaged pages inside an index whose length is intact: SQLite's error makes the files answer,
/// `list` and completion still show every profile, and the next run builds the index anew.
#[test]
fn an_index_damaged_inside_still_lists_everything_and_is_rebuilt() {
    let home = Home::new(&big_config(3000), &credentials());
    let list = |home: &Home| home.run("http://127.0.0.1:9", &["list", "r0"]);
    let out = list(&home);
    assert!(out.status.success(), "{}", stderr(&out));
    let want = stdout(&out);
    assert_eq!(want.lines().count(), 3001, "{want}");
    let file = index_files(&home).pop().unwrap();
    let good = std::fs::read(&file).unwrap();
    let mut bad = good.clone();
    // Every page after the first two: the schema still reads, the B-trees don't.
    for b in bad.iter_mut().skip(8192) {
        *b = 0xA5;
    }
    std::fs::write(&file, &bad).unwrap();
    let out = list(&home);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out), want);
    let out = list(&home);
    assert_eq!(stdout(&out), want);
    assert_eq!(std::fs::read(&file).unwrap(), good, "rebuilt byte for byte");
}

/// One index is kept per pair of paths; those not used for a week go when another is built,
/// and only files of the index's own shape.
#[test]
fn unused_indexes_are_removed_and_nothing_else() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::new(&big_config(3000), &credentials());
    let args = ["__hook", "bash", "--", "r00007", "--mfa-code", "123456"];
    let out = home.run(&moto.url(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    let dir = home.cache_dir();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(10 * 86400);
    let plant = |name: &str| {
        let path = dir.join(name);
        std::fs::write(&path, "x").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(old).unwrap();
        path
    };
    let unused = plant("profiles-0123456789abcdef0123456789abcdef.db");
    let notes = plant("profiles-notes.db");
    let current = index_files(&home)
        .into_iter()
        .find(|p| p != &unused && p != &notes)
        .unwrap();
    // An edit: the index is rebuilt, and the clean-up runs.
    let config = home.path().join(".aws/config");
    std::fs::write(&config, big_config(3001)).unwrap();
    let out = home.run(&moto.url(), &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!unused.exists(), "an index unused for ten days stays");
    assert!(
        notes.exists(),
        "a file not of the index's shape was removed"
    );
    assert!(current.exists());
}
