//! The fuzzers' checked-in corpora, replayed on stable through the same bodies the fuzz targets
//! run (`aws_as::fuzz`), so that every input a fuzzer once found interesting, a crash among them,
//! stays a regression test without nightly or libFuzzer.

use std::path::Path;

/// Feed every file in `fuzz/corpus/TARGET/` to `body`; an empty or missing corpus fails.
fn replay(target: &str, body: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
        .join(target);
    let entries =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("could not read {}: {e}", dir.display()));
    let mut replayed = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if !path.is_file() {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        // A panic names the input that caused it.
        let outcome = std::panic::catch_unwind(|| body(&data));
        assert!(outcome.is_ok(), "{target}: {} fails", path.display());
        replayed += 1;
    }
    assert!(replayed > 0, "{target}: no input in {}", dir.display());
}

#[test]
fn profiles() {
    replay("profiles", aws_as::fuzz::profiles);
}

#[test]
fn settings() {
    replay("settings", aws_as::fuzz::settings);
}

#[test]
fn cache_entry() {
    replay("cache_entry", aws_as::fuzz::cache_entry);
}

#[test]
fn sts_convert() {
    replay("sts_convert", aws_as::fuzz::sts_convert);
}

#[test]
fn sts_response() {
    replay("sts_response", aws_as::fuzz::sts_response);
}
