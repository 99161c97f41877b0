//! Failure paths: each one exits 1, prints nothing on stdout and one `aws-as: ...` line, and
//! writes nothing to the cache. (The shell tests check that the shell itself is left alone.)

use crate::support::servers::{MFA_REJECTED, error_server, hung_server};
use crate::support::*;
use std::time::{Duration, Instant};

fn no_cache_written(home: &Home) {
    let dir = home.cache_dir();
    if dir.exists() {
        for e in std::fs::read_dir(dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!name.ends_with(".json"), "cache written on failure: {name}");
        }
    }
}

#[test]
fn unreachable_endpoint() {
    let home = Home::standard();
    let closed = format!("http://127.0.0.1:{}", moto::free_port());
    let out = home.run(&closed, &["export", "dev", "--mfa-code", "123456"]);
    assert_clean_failure(&out, "could not reach STS");
    no_cache_written(&home);
}

use crate::support::moto;

#[test]
fn hung_endpoint_gives_up_within_sts_timeout() {
    let home = Home::standard();
    std::fs::create_dir_all(home.path().join(".config/aws-as")).unwrap();
    std::fs::write(
        home.path().join(".config/aws-as/config.toml"),
        "sts_timeout = \"2s\"\n",
    )
    .unwrap();
    let url = hung_server();
    let started = Instant::now();
    let out = home.run(&url, &["export", "dev", "--mfa-code", "123456"]);
    let took = started.elapsed();
    assert_clean_failure(&out, "did not answer in time");
    // A bound, not a benchmark: the SDK's defaults would wait for minutes.
    assert!(took < Duration::from_secs(30), "took {took:?}");
    no_cache_written(&home);
}

#[test]
fn sts_error_is_reported_in_its_own_words() {
    let home = Home::standard();
    let url = error_server("403 Forbidden", MFA_REJECTED);
    let out = home.run(&url, &["export", "dev", "--mfa-code", "000000"]);
    assert_clean_failure(
        &out,
        "AccessDenied: MultiFactorAuthentication failed with invalid MFA one time pass code.",
    );
    assert!(
        stderr(&out).contains("could not start a session for profile `user`"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains(LONG_TERM_SECRET));
    no_cache_written(&home);
}

#[test]
fn malformed_configuration() {
    // Not INI at all.
    let home = Home::new("this is not a profile\n", "");
    let out = home.run("http://127.0.0.1:9", &["export", "dev"]);
    assert_clean_failure(&out, "could not read the AWS config files");

    // Keys without a secret.
    let home = Home::new(
        CONFIG,
        &format!("[user]\naws_access_key_id = {LONG_TERM_KEY}\n"),
    );
    let out = home.run("http://127.0.0.1:9", &["export", "dev"]);
    assert_clean_failure(&out, "has aws_access_key_id but no aws_secret_access_key");

    // A loop, a missing source, an empty role_arn, an unknown profile with a suggestion.
    let config = format!(
        "{CONFIG}\n[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n\n[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n\n[profile orphan]\nrole_arn = arn:aws:iam::1:role/o\nsource_profile = gone\n\n[profile blank]\nrole_arn =\nsource_profile = user\n"
    );
    let home = Home::new(&config, &credentials());
    for (name, needle) in [
        ("a", "loops: a -> b -> a"),
        ("orphan", "source_profile `gone`, which does not exist"),
        ("blank", "empty role_arn"),
        ("prd", "did you mean `prod`?"),
    ] {
        let out = home.run("http://127.0.0.1:9", &["export", name]);
        assert_clean_failure(&out, needle);
    }

    // aws-as's own config.toml.
    std::fs::create_dir_all(home.path().join(".config/aws-as")).unwrap();
    std::fs::write(
        home.path().join(".config/aws-as/config.toml"),
        "refresh_margin = [\n",
    )
    .unwrap();
    let out = home.run("http://127.0.0.1:9", &["export", "dev"]);
    assert_clean_failure(&out, "config.toml");
}

#[test]
fn corrupt_cache_entry_is_a_miss_and_is_replaced() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();
    let first = json(&home.run(
        &moto.url(),
        &["export", "dev", "--format", "json", "--mfa-code", "123456"],
    ));
    // Truncate every entry: the session and the role.
    for e in std::fs::read_dir(home.cache_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "json") {
            let text = std::fs::read(&p).unwrap();
            std::fs::write(&p, &text[..text.len() / 2]).unwrap();
        }
    }
    moto.reset();
    let second = json(&home.run(
        &moto.url(),
        &["export", "dev", "--format", "json", "--mfa-code", "123456"],
    ));
    assert_ne!(first["AccessKeyId"], second["AccessKeyId"]);
    let actions: Vec<String> = moto.requests().into_iter().map(|r| r.action).collect();
    assert_eq!(actions, ["GetSessionToken", "AssumeRole"]);
    // Replaced with whole entries: the next export is served from the cache.
    moto.reset();
    let third = json(&home.run(&moto.url(), &["export", "dev", "--format", "json"]));
    assert_eq!(third["AccessKeyId"], second["AccessKeyId"]);
    assert!(moto.requests().is_empty());
}
