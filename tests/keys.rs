//! Long-term keys out of plaintext: the three key stores against the real services (an age file,
//! the kernel keyring, gnome-keyring's Secret Service on a D-Bus session of the test's own), and
//! import, rotate, MFA discovery and federation against moto's IAM and STS.

use crate::support::servers::{INVALID_CLIENT_TOKEN, caller_identity, serve};
use crate::support::*;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const PASSPHRASE: &str = "correct horse battery staple";

fn file_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AWS_AS_KEYS_BACKEND", "file"),
        ("AWS_AS_FILE_PASSPHRASE", PASSPHRASE),
    ]
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "aws-as failed ({:?}): {}",
        out.status,
        stderr(out)
    );
    stderr(out)
}

/// The AWS CLI against moto, as an administrator would run it.
fn aws(moto: &Moto, args: &[&str]) -> serde_json::Value {
    let out = Command::new(venv().join("bin/aws"))
        .args(args)
        .args(["--region", "us-east-1", "--output", "json"])
        .env_clear()
        .env("PATH", path_with_bin())
        .env("HOME", "/nonexistent")
        .env("AWS_ENDPOINT_URL", moto.url())
        .env("AWS_ACCESS_KEY_ID", "AKIAADMIN00000000000")
        .env("AWS_SECRET_ACCESS_KEY", "admin")
        .output()
        .expect("run aws");
    assert!(
        out.status.success(),
        "aws {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if out.stdout.iter().all(u8::is_ascii_whitespace) {
        return serde_json::Value::Null;
    }
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A fresh IAM user with one access key: (key ID, secret).
fn iam_user(moto: &Moto, user: &str) -> (String, String) {
    aws(moto, &["iam", "create-user", "--user-name", user]);
    let k = aws(moto, &["iam", "create-access-key", "--user-name", user]);
    (
        k["AccessKey"]["AccessKeyId"].as_str().unwrap().to_string(),
        k["AccessKey"]["SecretAccessKey"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

fn access_keys(moto: &Moto, user: &str) -> Vec<String> {
    aws(moto, &["iam", "list-access-keys", "--user-name", user])["AccessKeyMetadata"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["AccessKeyId"].as_str().unwrap().to_string())
        .collect()
}

fn index(home: &Home) -> serde_json::Value {
    let text = std::fs::read_to_string(home.path().join(".local/share/aws-as/keys.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn credentials_text(id: &str, secret: &str) -> String {
    format!(
        "# written by hand; keep this comment\n[default]\nregion = us-east-1\n\n\
         [alice]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\nregion = eu-west-1\n\
         ; a trailing comment\n\n[other]\noutput = json\n"
    )
}

const ALICE_AFTER_IMPORT: &str = "# written by hand; keep this comment\n[default]\nregion = us-east-1\n\n\
     [alice]\nregion = eu-west-1\n; a trailing comment\n\n[other]\noutput = json\n";

#[test]
fn import_removes_plaintext_then_switching_and_rotation_use_the_file_store() {
    let Some(moto) = Moto::start() else { return };
    let (old_id, old_secret) = iam_user(&moto, "alice");
    let home = Home::new(
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = alice\n",
        &credentials_text(&old_id, &old_secret),
    );
    let url = moto.url();
    let env = file_env();

    let err = ok(&home.run_env(&url, &["import", "--remove-plaintext"], &env));
    assert!(
        err.contains(&format!("imported access key {old_id} of profile `alice`")),
        "{err}"
    );
    // Only alice's two key lines went; every other line, comment and section is as it was.
    let creds = std::fs::read_to_string(home.path().join(".aws/credentials")).unwrap();
    assert_eq!(creds, ALICE_AFTER_IMPORT);
    assert_eq!(
        files_containing(home.path(), &old_secret),
        Vec::<PathBuf>::new(),
        "the secret is in plaintext somewhere under HOME"
    );
    assert_eq!(index(&home)["profiles"]["alice"]["backend"], "file");
    assert_eq!(index(&home)["profiles"]["alice"]["access_key_id"], old_id);
    let list = stdout(&home.run_env(&url, &["list"], &env));
    assert!(
        list.lines()
            .any(|l| l.contains("alice") && l.contains("user") && l.contains("file")),
        "{list}"
    );

    // Switching works, through the shell hook as the shell function runs it, and the session is
    // signed with the stored key. The role signs with that session.
    moto.reset();
    let out = home.run_env(&url, &["__hook", "bash", "--", "dev"], &env);
    ok(&out);
    assert!(stdout(&out).contains("export AWS_SESSION_TOKEN="));
    let reqs = moto.requests();
    let gst: Vec<_> = reqs
        .iter()
        .filter(|r| r.action == "GetSessionToken")
        .collect();
    // The user has no MFA device: discovery looked (once), then a plain role call on the key.
    assert_eq!(gst.len(), 0, "{reqs:?}");
    let ar = reqs.iter().find(|r| r.action == "AssumeRole").unwrap();
    assert_eq!(ar.signing_key, old_id);
    assert_eq!(moto.count("ListMFADevices"), 1);
    // The switch back is served from the cache: no call, and no passphrase needed.
    moto.reset();
    let out = home.run_env(
        &url,
        &["__hook", "bash", "--", "dev"],
        &[("AWS_AS_KEYS_BACKEND", "file")],
    );
    ok(&out);
    assert!(moto.requests().is_empty());

    // rotate: exactly one key afterwards, a new one, stored; the old one is gone from IAM.
    moto.reset();
    let err = ok(&home.run_env(&url, &["rotate", "alice"], &env));
    let keys = access_keys(&moto, "alice");
    assert_eq!(keys.len(), 1, "{keys:?}");
    let new_id = keys[0].clone();
    assert_ne!(new_id, old_id);
    assert!(
        err.contains(&format!("{new_id} is live and saved in the file key store"))
            && err.contains(&format!("{old_id} is deleted")),
        "{err}"
    );
    assert_eq!(index(&home)["profiles"]["alice"]["access_key_id"], new_id);
    let actions: Vec<String> = moto.requests().into_iter().map(|r| r.action).collect();
    let pos = |a: &str| actions.iter().position(|x| x == a).unwrap();
    assert!(
        pos("CreateAccessKey") < pos("DeleteAccessKey"),
        "{actions:?}"
    );
    // The new key was proven to work before the old one was deleted.
    let verify = moto
        .requests()
        .into_iter()
        .position(|r| r.action == "GetCallerIdentity" && r.signing_key == new_id)
        .expect("GetCallerIdentity with the new key");
    assert!(verify < pos("DeleteAccessKey"));

    // The next switch signs with the new key, fetched from the store.
    moto.reset();
    ok(&home.run_env(&url, &["export", "dev", "--refresh"], &env));
    let ar = moto
        .requests()
        .into_iter()
        .find(|r| r.action == "AssumeRole")
        .unwrap();
    assert_eq!(ar.signing_key, new_id);

    // A wrong passphrase: one clean line, no secret, nothing changed.
    let out = home.run_env(
        &url,
        &["export", "alice", "--refresh"],
        &[
            ("AWS_AS_KEYS_BACKEND", "file"),
            ("AWS_AS_FILE_PASSPHRASE", "wrong"),
        ],
    );
    assert_clean_failure(&out, "wrong passphrase for the file key store");
    // No passphrase and no terminal: the message names the variable.
    let out = home.run_env(&url, &["export", "alice", "--refresh"], &[]);
    assert_clean_failure(&out, "AWS_AS_FILE_PASSPHRASE");
}

#[test]
fn rotation_of_a_plaintext_key_updates_the_file_in_place() {
    let Some(moto) = Moto::start() else { return };
    let (old_id, old_secret) = iam_user(&moto, "alice");
    let before = credentials_text(&old_id, &old_secret);
    let home = Home::new("[profile alice]\nmfa_serial = none\n", &before);
    let err = ok(&home.run_env(&moto.url(), &["rotate", "alice"], &[]));
    let keys = access_keys(&moto, "alice");
    assert_eq!(keys.len(), 1);
    let new_id = &keys[0];
    assert_ne!(*new_id, old_id);
    assert!(err.contains("saved in the credentials file"), "{err}");
    let after = std::fs::read_to_string(home.path().join(".aws/credentials")).unwrap();
    // Only the two values changed.
    let new_secret = after
        .lines()
        .find_map(|l| l.strip_prefix("aws_secret_access_key = "))
        .unwrap()
        .to_string();
    assert_ne!(new_secret, old_secret);
    assert_eq!(
        after,
        before
            .replace(&old_id, new_id)
            .replace(&old_secret, &new_secret)
    );
    // And the new key works for a switch.
    moto.reset();
    ok(&home.run_env(&moto.url(), &["export", "alice"], &[]));
    assert_eq!(
        moto.requests()
            .into_iter()
            .find(|r| r.action == "GetSessionToken")
            .unwrap()
            .signing_key,
        *new_id
    );
}

#[test]
fn rotation_keeps_the_old_key_when_the_new_one_fails_or_iam_refuses() {
    let Some(moto) = Moto::start() else { return };
    let (old_id, old_secret) = iam_user(&moto, "alice");
    let arn = "arn:aws:iam::123456789012:user/alice";
    // STS knows only the old key: GetCallerIdentity with any other key is refused, as it is for a
    // key IAM has not spread yet. IAM is moto's.
    let old = old_id.clone();
    let sts = serve(64, move |req| {
        if req.contains(&format!("Credential={old}/")) {
            ("200 OK", caller_identity(arn))
        } else {
            ("403 Forbidden", INVALID_CLIENT_TOKEN.to_string())
        }
    });
    let home = Home::new(
        "[profile alice]\nmfa_serial = none\n",
        &credentials_text(&old_id, &old_secret),
    );
    let config = home.path().join("aws-as.toml");
    std::fs::write(&config, "key_verify_timeout = \"2s\"\n").unwrap();
    let config = config.to_str().unwrap();
    let env = [
        ("AWS_ENDPOINT_URL_STS", sts.as_str()),
        ("AWS_AS_CONFIG", config),
    ];
    let before = std::fs::read_to_string(home.path().join(".aws/credentials")).unwrap();
    let out = home.run_env(&moto.url(), &["rotate", "alice"], &env);
    assert_clean_failure(&out, "did not work");
    let err = stderr(&out);
    assert!(err.contains("was deleted again"), "{err}");
    assert!(
        err.contains(&format!("Key {old_id} is still live and still in use")),
        "{err}"
    );
    assert!(!err.contains(&old_secret));
    assert_eq!(access_keys(&moto, "alice"), vec![old_id.clone()]);
    assert_eq!(
        std::fs::read_to_string(home.path().join(".aws/credentials")).unwrap(),
        before
    );

    // A user who already has two keys: IAM refuses the third, and the message says what to do.
    aws(&moto, &["iam", "create-access-key", "--user-name", "alice"]);
    let out = home.run_env(&moto.url(), &["rotate", "alice"], &env);
    assert_clean_failure(&out, "already has two access keys");
    assert!(stderr(&out).contains(&format!("Key {old_id} is still live")));
    assert_eq!(access_keys(&moto, "alice").len(), 2);
    assert_eq!(
        std::fs::read_to_string(home.path().join(".aws/credentials")).unwrap(),
        before
    );

    // A role can't be rotated; its source can.
    std::fs::write(
        home.path().join(".aws/config"),
        "[profile r]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = alice\n",
    )
    .unwrap();
    let out = home.run_env(&moto.url(), &["rotate", "r"], &env);
    assert_clean_failure(&out, "aws-as rotate alice");
}

#[test]
fn mfa_device_is_discovered_once_and_remembered() {
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = iam_user(&moto, "alice");
    let (bob_id, bob_secret) = iam_user(&moto, "bob");
    let (carol_id, carol_secret) = iam_user(&moto, "carol");
    let serial = aws(
        &moto,
        &[
            "iam",
            "create-virtual-mfa-device",
            "--virtual-mfa-device-name",
            "alice-phone",
            "--outfile",
            "/dev/null",
            "--bootstrap-method",
            "QRCodePNG",
        ],
    )["VirtualMFADevice"]["SerialNumber"]
        .as_str()
        .unwrap()
        .to_string();
    aws(
        &moto,
        &[
            "iam",
            "enable-mfa-device",
            "--user-name",
            "alice",
            "--serial-number",
            &serial,
            "--authentication-code1",
            "123456",
            "--authentication-code2",
            "654321",
        ],
    );
    let home = Home::new(
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = alice\n\
         [profile nomfa]\nmfa_serial = none\n",
        &format!(
            "[alice]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n\
             [bob]\naws_access_key_id = {bob_id}\naws_secret_access_key = {bob_secret}\n\
             [nomfa]\naws_access_key_id = {carol_id}\naws_secret_access_key = {carol_secret}\n"
        ),
    );
    let url = moto.url();
    moto.reset();
    let err = ok(&home.run_env(&url, &["export", "dev", "--mfa-code", "123456"], &[]));
    assert!(err.contains(&format!("using MFA device {serial}")), "{err}");
    let reqs = moto.requests();
    let list = reqs.iter().find(|r| r.action == "ListMFADevices").unwrap();
    assert_eq!(list.params["UserName"], "alice");
    assert_eq!(list.service, "iam");
    let gst = reqs.iter().find(|r| r.action == "GetSessionToken").unwrap();
    assert_eq!(gst.params["SerialNumber"], serial);
    assert_eq!(gst.params["TokenCode"], "123456");
    let ar = reqs.iter().find(|r| r.action == "AssumeRole").unwrap();
    assert_eq!(
        ar.signing_key, MOTO_SESSION_KEY,
        "the role rides the MFA session"
    );

    // Remembered: the user profile reuses the device and the session, without asking IAM.
    moto.reset();
    ok(&home.run_env(&url, &["export", "alice"], &[]));
    assert!(moto.requests().is_empty(), "{:?}", moto.requests());
    // --refresh looks again (the device could have changed) and needs a code again.
    moto.reset();
    let out = home.run_env(&url, &["export", "alice", "--refresh"], &[]);
    assert_clean_failure(&out, "--mfa-code");
    assert_eq!(moto.count("ListMFADevices"), 1);

    // bob has no device: no MFA. nomfa (carol's keys) says none: no lookup at all.
    moto.reset();
    let err = ok(&home.run_env(&url, &["export", "bob"], &[]));
    assert!(err.contains("has no MFA device"), "{err}");
    let gst = moto
        .requests()
        .into_iter()
        .find(|r| r.action == "GetSessionToken")
        .unwrap();
    assert!(!gst.params.contains_key("SerialNumber"));
    moto.reset();
    ok(&home.run_env(&url, &["export", "nomfa"], &[]));
    let actions: Vec<String> = moto.requests().into_iter().map(|r| r.action).collect();
    assert_eq!(actions, vec!["GetSessionToken"]);

    // cache clear forgets the devices too.
    ok(&home.run_env(&url, &["cache", "clear"], &[]));
    let notes = std::fs::read_dir(home.cache_dir())
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "mfa"))
        .count();
    assert_eq!(notes, 0);
}

#[test]
fn federation_profiles_get_federation_tokens_cached_like_any_identity() {
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = iam_user(&moto, "alice");
    let home = Home::new(
        "[profile fed]\nsource_profile = alice\nfederation_name = alice-fed\nregion = eu-west-2\n\
         federation_policy_arns = arn:aws:iam::aws:policy/ReadOnlyAccess, arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess\n\
         [profile inline]\nfederation_name = inline\nfederation_policy = {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:List*\",\"Resource\":\"*\"}]}\n\
         aws_access_key_id = {id}\naws_secret_access_key = {secret}\nmfa_serial = arn:aws:iam::123456789012:mfa/unused\n\
         [profile bad]\nfederation_name = x y\nsource_profile = alice\n"
            .replace("{id}", &id)
            .replace("{secret}", &secret)
            .as_str(),
        &format!("[alice]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
    );
    let url = moto.url();
    moto.reset();
    let out = home.run_env(&url, &["export", "fed", "--format", "json"], &[]);
    let v = json(&out);
    assert_eq!(
        v["Arn"],
        "arn:aws:sts::123456789012:federated-user/alice-fed"
    );
    assert_eq!(v["Region"], "eu-west-2");
    let reqs = moto.requests();
    assert_eq!(reqs.len(), 1, "no discovery, no session: {reqs:?}");
    let r = &reqs[0];
    assert_eq!(r.action, "GetFederationToken");
    assert_eq!(r.signing_key, id);
    assert_eq!(r.params["Name"], "alice-fed");
    assert_eq!(
        r.params["PolicyArns.member.1.arn"],
        "arn:aws:iam::aws:policy/ReadOnlyAccess"
    );
    assert_eq!(
        r.params["PolicyArns.member.2.arn"],
        "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess"
    );
    assert!(stderr(&out).contains("[1/1] federated user alice-fed"));

    // Cached: the switch through the hook makes no call and carries the identity.
    moto.reset();
    let out = home.run_env(&url, &["__hook", "bash", "--", "fed"], &[]);
    ok(&out);
    assert!(stdout(&out).contains("export AWS_AS_IDENTITY='fed'"));
    assert!(moto.requests().is_empty());
    let list = stdout(&home.run_env(&url, &["list"], &[]));
    assert!(
        list.lines()
            .any(|l| l.contains("fed") && l.contains("federation") && l.contains("cached")),
        "{list}"
    );

    // An inline policy, keys on the profile itself; its mfa_serial plays no part.
    moto.reset();
    ok(&home.run_env(&url, &["export", "inline"], &[]));
    let reqs = moto.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert!(reqs[0].params["Policy"].contains("s3:List*"));

    let out = home.run_env(&url, &["export", "bad"], &[]);
    assert_clean_failure(&out, "STS would refuse");
}

/// A profile name no other test (or earlier run) uses: the kernel's persistent keyring is shared
/// by every process of the user.
fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("{prefix}-{}-{nanos}", std::process::id())
}

#[test]
fn keyutils_backend_keeps_keys_in_the_kernel_across_processes() {
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = iam_user(&moto, "kate");
    let name = unique("ku");
    let home = Home::new(&format!("[profile {name}]\nmfa_serial = none\n"), "");
    let url = moto.url();
    let backend = [("AWS_AS_KEYS_BACKEND", "keyutils")];
    let with_keys = [
        ("AWS_AS_KEYS_BACKEND", "keyutils"),
        ("AWS_ACCESS_KEY_ID", id.as_str()),
        ("AWS_SECRET_ACCESS_KEY", secret.as_str()),
    ];
    let out = home.run_env(&url, &["add", &name, "--from-env"], &with_keys);
    let err = stderr(&out);
    if !out.status.success() && err.contains("kernel keyring is not available") {
        // The one case this test may not run: a container whose seccomp forbids keyctl.
        eprintln!("\n*** SKIPPED, NOT PASSED: keyutils backend: {err} ***\n");
        return;
    }
    assert!(out.status.success(), "{err}");
    assert!(err.contains("in the keyutils key store"), "{err}");
    assert_eq!(index(&home)["profiles"][&name]["backend"], "keyutils");
    assert!(files_containing(home.path(), &secret).is_empty());

    // Another process, with no keys in its environment, signs with the stored key.
    moto.reset();
    ok(&home.run_env(&url, &["export", &name], &backend));
    let gst = moto
        .requests()
        .into_iter()
        .find(|r| r.action == "GetSessionToken")
        .unwrap();
    assert_eq!(gst.signing_key, id);

    // The kernel holds the pair, as keyctl sees it from a session of its own.
    assert!(require("keyctl"));
    let in_kernel = || {
        let out = Command::new("keyctl")
            .args(["session", "-", "sh", "-c"])
            .arg(format!(
                "keyctl get_persistent @s >/dev/null && \
                 keyctl print \"$(keyctl search @s user 'keyring:{name}@aws-as')\""
            ))
            .stderr(Stdio::null())
            .output()
            .unwrap();
        out.status.success().then(|| stdout(&out))
    };
    let held: serde_json::Value =
        serde_json::from_str(&in_kernel().expect("in the kernel")).unwrap();
    assert_eq!(held["aws_access_key_id"], id);
    assert_eq!(held["aws_secret_access_key"], secret);

    // Gone from the kernel after remove, and the profile has no keys any more.
    ok(&home.run_env(&url, &["remove", &name], &backend));
    assert_eq!(in_kernel(), None);
    let out = home.run_env(&url, &["export", &name, "--refresh"], &backend);
    assert_clean_failure(&out, "has no credentials");
    let out = home.run_env(&url, &["remove", &name], &backend);
    assert_clean_failure(&out, "no stored keys");
}

#[test]
fn secret_service_backend_against_a_real_gnome_keyring() {
    for program in ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"] {
        if !require(program) {
            return;
        }
    }
    let Some(moto) = Moto::start() else { return };
    let (id, secret) = iam_user(&moto, "sam");
    let home = Home::new("[profile ss]\nmfa_serial = none\n", "");
    // One D-Bus session for the whole conversation: unlock a fresh login keyring, store the keys
    // (the default backend), read them back through libsecret, switch with them in a process
    // that has no keys in its environment, then remove them.
    let script = r#"
        set -u
        printf %s "keyring password" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        aws-as add ss --from-env 2>"$HOME/add.err"; echo "add=$?"
        unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY
        echo "lookup=$(secret-tool lookup service aws-as username ss)"
        aws-as export ss --format json >"$HOME/export.json" 2>"$HOME/export.err"; echo "export=$?"
        aws-as remove ss 2>"$HOME/remove.err"; echo "remove=$?"
        echo "after=$(secret-tool lookup service aws-as username ss)"
    "#;
    let mut cmd = Command::new("dbus-run-session");
    cmd.args(["--", "sh", "-c", script]);
    home.clean_env(&mut cmd, &moto.url());
    cmd.env("AWS_ACCESS_KEY_ID", &id)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .env("XDG_DATA_HOME", home.path().join(".local/share"))
        .stdin(Stdio::null());
    moto.reset();
    let out = cmd.output().unwrap();
    let text = stdout(&out);
    let read = |f: &str| std::fs::read_to_string(home.path().join(f)).unwrap_or_default();
    assert!(
        text.contains("add=0"),
        "{text}\n{}\n{}",
        stderr(&out),
        read("add.err")
    );
    assert!(read("add.err").contains("in the keyring key store"));
    // The Secret Service holds both halves, as aws-as wrote them.
    let lookup = text
        .lines()
        .find_map(|l| l.strip_prefix("lookup="))
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(lookup).unwrap();
    assert_eq!(stored["aws_access_key_id"], id);
    assert_eq!(stored["aws_secret_access_key"], secret);
    assert!(text.contains("export=0"), "{text}\n{}", read("export.err"));
    let gst = moto
        .requests()
        .into_iter()
        .find(|r| r.action == "GetSessionToken")
        .unwrap();
    assert_eq!(gst.signing_key, id);
    assert!(text.contains("remove=0"), "{text}\n{}", read("remove.err"));
    assert!(
        text.contains("after=\n") || text.ends_with("after="),
        "{text}"
    );
    // gnome-keyring's own file is encrypted: the secret is nowhere in plaintext.
    assert!(files_containing(home.path(), &secret).is_empty());
}

#[test]
fn without_a_secret_service_the_keyring_backend_names_the_others() {
    let home = Home::new("", "");
    let out = home.run_env(
        "http://127.0.0.1:9",
        &["add", "dev", "--from-env"],
        &[
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "not/really+a/secret"),
            ("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus"),
        ],
    );
    assert_clean_failure(&out, "Secret Service");
    let err = stderr(&out);
    assert!(err.contains("keyutils") && err.contains("file"), "{err}");
    assert!(!err.contains("not/really+a/secret"));
    // Nothing was written anywhere, not even the index.
    assert!(!home.path().join(".local/share/aws-as/keys.json").exists());
    // An unknown backend is a configuration error, not a fallback.
    let out = home.run_env(
        "http://127.0.0.1:9",
        &["add", "dev", "--from-env"],
        &[
            ("AWS_AS_KEYS_BACKEND", "plaintext"),
            ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
        ],
    );
    assert_clean_failure(&out, "keyring, keyutils or file");
}
