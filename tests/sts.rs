//! Obtaining credentials against moto's STS, checked with its request recorder: which calls ran,
//! what they carried, and which key signed them.

use crate::support::*;

fn export(home: &Home, moto: &Moto, name: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["export", name, "--format", "json"];
    args.extend_from_slice(extra);
    home.run(&moto.url(), &args)
}

#[test]
fn one_mfa_session_serves_every_role_and_chains_sign_with_the_previous_hop() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();

    // dev: GetSessionToken with the MFA device and code, signed with the long-term key, then
    // AssumeRole signed with the MFA session's key.
    let out = export(&home, &moto, "dev", &["--mfa-code", "123456"]);
    let dev = json(&out);
    assert!(
        dev["Arn"].as_str().unwrap().contains(":assumed-role/dev/"),
        "{dev}"
    );
    let reqs = moto.requests();
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    let (gst, ar) = (&reqs[0], &reqs[1]);
    assert_eq!(gst.action, "GetSessionToken");
    assert_eq!(gst.service, "sts");
    assert_eq!(gst.params["SerialNumber"], MFA_SERIAL);
    assert_eq!(gst.params["TokenCode"], "123456");
    assert_eq!(gst.signing_key, LONG_TERM_KEY);
    assert_eq!(ar.action, "AssumeRole");
    assert_eq!(ar.params["RoleArn"], "arn:aws:iam::123456789012:role/dev");
    assert_eq!(
        ar.signing_key, MOTO_SESSION_KEY,
        "AssumeRole must use the MFA session"
    );
    assert!(
        !ar.params.contains_key("TokenCode"),
        "the session already carries MFA"
    );
    let err = stderr(&out);
    assert!(err.contains(&format!("[1/2] {MFA_SERIAL}")), "{err}");
    assert!(
        err.contains("[2/2] arn:aws:iam::123456789012:role/dev"),
        "{err}"
    );

    // ops: the same MFA session, no code needed (there is no terminal and no --mfa-code).
    moto.reset();
    let ops = json(&export(&home, &moto, "ops", &[]));
    assert!(
        ops["Arn"]
            .as_str()
            .unwrap()
            .contains("assumed-role/ops/alice-ops"),
        "{ops}"
    );
    let reqs = moto.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].action, "AssumeRole");
    assert_eq!(reqs[0].params["RoleSessionName"], "alice-ops");
    assert_eq!(reqs[0].params["DurationSeconds"], "1800");
    assert_eq!(reqs[0].signing_key, MOTO_SESSION_KEY);

    // dev again: served from the cache, no call at all, same credentials.
    moto.reset();
    let again = json(&export(&home, &moto, "dev", &[]));
    assert_eq!(again["AccessKeyId"], dev["AccessKeyId"]);
    assert_eq!(moto.requests().len(), 0);

    // prod chains on dev: only prod's hop calls STS, signed with dev's role credentials.
    moto.reset();
    let out = export(&home, &moto, "prod", &[]);
    let prod = json(&out);
    assert!(
        prod["Arn"]
            .as_str()
            .unwrap()
            .contains("210987654321:assumed-role/prod/"),
        "{prod}"
    );
    assert_eq!(prod["Region"], "us-west-2");
    let reqs = moto.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].params["ExternalId"], "ext-prod");
    assert_eq!(reqs[0].signing_key, dev["AccessKeyId"].as_str().unwrap());
    let err = stderr(&out);
    assert!(
        err.contains("[3/3] arn:aws:iam::210987654321:role/prod"),
        "{err}"
    );
    assert!(!err.contains("[1/3]") && !err.contains("[2/3]"), "{err}");
}

#[test]
fn refresh_and_duration() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();
    json(&export(&home, &moto, "dev", &["--mfa-code", "111111"]));

    moto.reset();
    json(&export(
        &home,
        &moto,
        "dev",
        &["--refresh", "--mfa-code", "222222"],
    ));
    let actions: Vec<String> = moto.requests().into_iter().map(|r| r.action).collect();
    assert_eq!(
        actions,
        ["GetSessionToken", "AssumeRole"],
        "--refresh skips every cached step"
    );

    moto.reset();
    json(&export(&home, &moto, "dev", &["--duration", "2h"]));
    let reqs = moto.requests();
    assert_eq!(
        reqs.len(),
        1,
        "only the target step is fetched again: {reqs:?}"
    );
    assert_eq!(reqs[0].params["DurationSeconds"], "7200");

    moto.reset();
    json(&export(
        &home,
        &moto,
        "user",
        &["--duration", "900", "--mfa-code", "333333"],
    ));
    let reqs = moto.requests();
    assert_eq!(reqs[0].action, "GetSessionToken");
    assert_eq!(reqs[0].params["DurationSeconds"], "900");

    let out = home.run(&moto.url(), &["export", "dev", "--duration", "10m"]);
    assert_clean_failure(&out, "too short");
    let out = home.run(&moto.url(), &["export", "dev", "--duration", "soon"]);
    assert_clean_failure(&out, "not a duration");
}

#[test]
fn min_left_renews_what_has_less_left_and_fails_when_the_new_ones_fall_short() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();
    let first = json(&export(&home, &moto, "dev", &["--mfa-code", "123456"]));

    // An hour left is more than 50 minutes: the cache serves it.
    moto.reset();
    let same = json(&export(&home, &moto, "dev", &["--min-left", "50m"]));
    assert_eq!(same["AccessKeyId"], first["AccessKeyId"]);
    assert!(moto.requests().is_empty());

    // Two hours: the role is assumed again (on the cached MFA session), and since a role's
    // default hour is still short of that, the command fails and says what to ask for.
    let out = export(&home, &moto, "dev", &["--min-left", "2h"]);
    assert_clean_failure(&out, "less than --min-left 2h");
    assert!(stderr(&out).contains("--duration"), "{}", stderr(&out));
    let actions: Vec<String> = moto.requests().into_iter().map(|r| r.action).collect();
    assert_eq!(actions, ["AssumeRole"]);

    // With a longer duration it holds.
    moto.reset();
    let long = json(&export(
        &home,
        &moto,
        "dev",
        &["--min-left", "2h", "--duration", "3h"],
    ));
    assert_ne!(long["AccessKeyId"], first["AccessKeyId"]);
    assert_eq!(moto.requests()[0].params["DurationSeconds"], "10800");

    let out = home.run(&moto.url(), &["export", "dev", "--min-left", "40h"]);
    assert_clean_failure(&out, "too long");
}

#[test]
fn mfa_process_supplies_the_code_and_missing_sources_fail_clearly() {
    let Some(moto) = Moto::start() else { return };
    let config = CONFIG.replace(
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice\nmfa_process = printf '654321\\n'\n",
    );
    let home = Home::new(&config, &credentials());
    json(&export(&home, &moto, "dev", &[]));
    let gst = &moto.requests()[0];
    assert_eq!(gst.params["TokenCode"], "654321");

    // Without mfa_process, --mfa-code or a terminal, the message names both ways.
    let home = Home::standard();
    let out = export(&home, &moto, "dev", &[]);
    assert_clean_failure(&out, "--mfa-code");
    assert!(stderr(&out).contains("mfa_process"), "{}", stderr(&out));
    assert!(
        !home.cache_dir().exists()
            || std::fs::read_dir(home.cache_dir())
                .unwrap()
                .all(|e| { !e.unwrap().file_name().to_string_lossy().ends_with(".json") })
    );
}

#[test]
fn ambient_variables_of_an_active_identity_are_never_a_source() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();
    let mut cmd = home.cmd(&moto.url());
    cmd.args(["export", "dev", "--format", "json", "--mfa-code", "123456"])
        .env("AWS_AS_IDENTITY", "other")
        .env("AWS_ACCESS_KEY_ID", "ASIAACTIVEIDENTITY01")
        .env("AWS_SECRET_ACCESS_KEY", "active-secret")
        .env("AWS_SESSION_TOKEN", "active-token")
        .env("AWS_PROFILE", "prod")
        .env("AWS_REGION", "ap-south-1");
    let out = cmd.output().unwrap();
    let v = json(&out);
    assert!(v["Arn"].as_str().unwrap().contains("assumed-role/dev/"));
    let reqs = moto.requests();
    assert_eq!(reqs[0].signing_key, LONG_TERM_KEY);
    assert!(reqs.iter().all(|r| r.signing_key != "ASIAACTIVEIDENTITY01"));
}

#[test]
fn credential_source_environment_uses_the_users_own_keys_only() {
    let Some(moto) = Moto::start() else { return };
    let config = "[profile envrole]\nrole_arn = arn:aws:iam::123456789012:role/env\ncredential_source = Environment\n";
    let home = Home::new(config, "");
    let run = |active: bool| {
        let mut cmd = home.cmd(&moto.url());
        cmd.args(["export", "envrole", "--format", "json"])
            .env("AWS_ACCESS_KEY_ID", "AKIAUSERSOWNENVKEY01")
            .env("AWS_SECRET_ACCESS_KEY", "users-own-secret");
        if active {
            cmd.env("AWS_AS_IDENTITY", "dev");
        }
        cmd.output().unwrap()
    };
    let v = json(&run(false));
    assert!(v["Arn"].as_str().unwrap().contains("assumed-role/env/"));
    assert_eq!(moto.requests()[0].signing_key, "AKIAUSERSOWNENVKEY01");
    assert_clean_failure(&run(true), "holds aws-as identity `dev`");
}

#[test]
fn endpoints_are_resolved_as_the_sdk_does() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();
    // AWS_ENDPOINT_URL_STS alone.
    let mut cmd = home.cmd(&moto.url());
    cmd.env_remove("AWS_ENDPOINT_URL")
        .env("AWS_ENDPOINT_URL_STS", moto.url())
        .args(["export", "dev", "--format", "json", "--mfa-code", "123456"]);
    json(&cmd.output().unwrap());
    assert_eq!(moto.count("AssumeRole"), 1);

    // A profile's endpoint_url, with no variables at all.
    let config = format!(
        "{CONFIG}\n[profile local]\nrole_arn = arn:aws:iam::123456789012:role/local\nsource_profile = user\nendpoint_url = {}\n",
        moto.url()
    );
    // Then still so with a section header aws-config cannot parse beside it (the AWS CLI accepts
    // it): the SDK must read the same files aws-as does, not drop endpoint_url and call real AWS.
    let homes = [
        Home::new(&config, &credentials()),
        Home::new(
            &format!("{config}\n[profile odd#name]\nregion = eu-west-1\n"),
            &format!("{}\n[weird;name]\naws_access_key_id = A\n", credentials()),
        ),
    ];
    for home in &homes {
        moto.reset();
        let mut cmd = home.cmd(&moto.url());
        cmd.env_remove("AWS_ENDPOINT_URL").args([
            "export",
            "local",
            "--format",
            "json",
            "--mfa-code",
            "123456",
        ]);
        let v = json(&cmd.output().unwrap());
        assert!(
            v["Arn"].as_str().unwrap().contains("assumed-role/local/"),
            "{v}"
        );
        assert_eq!(moto.count("AssumeRole"), 1);
    }
}

#[test]
fn cache_is_private_whatever_the_umask_and_list_and_clear_work() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg("umask 000; exec \"$0\" \"$@\"")
        .arg(bin())
        .args(["export", "prod", "--format", "json", "--mfa-code", "123456"]);
    home.clean_env(&mut cmd, &moto.url());
    json(&cmd.output().unwrap());
    use std::os::unix::fs::PermissionsExt;
    let dir = home.cache_dir();
    assert_eq!(
        std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
        0o700
    );
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(
        files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .count(),
        3
    );
    for f in &files {
        assert_eq!(
            std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
            0o600,
            "{f:?}"
        );
    }

    let out = home.run(&moto.url(), &["cache", "list"]);
    let text = stdout(&out);
    assert!(out.status.success());
    assert!(
        text.contains("session") && text.contains("assumed-role/prod/"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 4, "{text}");

    let out = home.run(&moto.url(), &["list"]);
    let text = stdout(&out);
    for (name, kind) in [
        ("dev", "role"),
        ("prod", "role"),
        ("user", "user+mfa"),
        ("ops", "role"),
    ] {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap();
        assert!(line.contains(kind), "{line}");
        if name != "ops" {
            assert!(line.contains("cached, "), "{line}");
        } else {
            assert!(line.trim_end().ends_with('-'), "{line}");
        }
    }

    let out = home.run(&moto.url(), &["cache", "clear", "prod"]);
    assert!(out.status.success() && out.stdout.is_empty());
    assert!(stderr(&out).contains("removed 1"), "{}", stderr(&out));
    let out = home.run(&moto.url(), &["cache", "clear"]);
    assert!(stderr(&out).contains("removed 2"), "{}", stderr(&out));
    assert_eq!(stdout(&home.run(&moto.url(), &["cache", "list"])), "");
}
