//! Answers from outside are input, not truth: an STS or IAM answer that can't be read, or that
//! reads but is not usable credentials, fails with one short line that holds no secret and no
//! body, exits 1, prints nothing on stdout and caches nothing. A local server stands in for STS
//! and IAM here, because moto can't be made to answer like this; each answer is in STS's own
//! format, damaged in one way.

use crate::support::servers::{caller_identity, iso_in, serve, sts_credentials};
use crate::support::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The new credentials a hostile answer carries: none of them may reach a message.
const NEW_SECRET: &str = "hostileSECRETkey0000000000000000000000/+";
const NEW_TOKEN: &str = "hostileSESSIONtoken00000000000000000000000000000000000000000000";
const NEW_KEY: &str = "ASIAHOSTILE000000001";

/// `export user` (one GetSessionToken) against a server that answers with `body`.
fn export_against(status: &'static str, body: String) -> (Home, std::process::Output) {
    let home = Home::standard();
    let url = serve(8, move |_| (status, body.clone()));
    let out = home.run(
        &url,
        &["export", "user", "--format", "json", "--mfa-code", "123456"],
    );
    (home, out)
}

fn assert_nothing_leaked(home: &Home, out: &std::process::Output) {
    let err = stderr(out);
    for secret in [NEW_SECRET, NEW_TOKEN, LONG_TERM_SECRET] {
        assert!(!err.contains(secret), "a secret in the message: {err}");
    }
    assert!(
        err.len() < 1000,
        "{} bytes of message: {err:.300}",
        err.len()
    );
    assert!(
        home.cache_entries().is_empty(),
        "cached: {:?}",
        home.cache_entries()
    );
}

/// 200s whose body the SDK cannot parse: the new secret and token are in the body, and the
/// message used to carry the whole of it.
#[test]
fn an_answer_that_cannot_be_read_is_named_not_shown() {
    let good = |expiration: &str| {
        sts_credentials(
            "GetSessionToken",
            NEW_KEY,
            NEW_SECRET,
            NEW_TOKEN,
            expiration,
        )
    };
    let cases = [
        ("an expiry with no time zone", good("2099-01-01T00:00:00")),
        (
            "an expiry with a leading space",
            good(&format!(" {}", iso_in(3600))),
        ),
        (
            "a stray byte later in the body",
            good(&iso_in(3600)).replace("</SessionToken>", "&</SessionToken>"),
        ),
    ];
    for (what, body) in cases {
        let (home, out) = export_against("200 OK", body);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr(&out));
        assert_clean_failure(&out, "GetSessionToken");
        let err = stderr(&out);
        assert!(err.contains("could not be read"), "{what}: {err}");
        assert_nothing_leaked(&home, &out);
    }
}

/// A very large answer gives a short message, not one as long as the answer.
#[test]
fn a_huge_answer_gives_a_short_message() {
    let filler = format!("<Junk>{NEW_SECRET}</Junk>").repeat(500_000); // about 24 MB
    let body = sts_credentials("GetSessionToken", NEW_KEY, NEW_SECRET, NEW_TOKEN, "x")
        .replace("<Credentials>", &format!("<Credentials>{filler}"));
    let (home, out) = export_against("200 OK", body);
    assert_clean_failure(&out, "GetSessionToken");
    assert_nothing_leaked(&home, &out);
}

/// Answers that parse but are not usable credentials: cut short, empty fields, an expiry in the
/// past or further ahead than STS grants. None is exported or cached.
#[test]
fn an_incomplete_answer_is_not_credentials() {
    let full = sts_credentials(
        "GetSessionToken",
        NEW_KEY,
        NEW_SECRET,
        NEW_TOKEN,
        &iso_in(3600),
    );
    let cut = full
        [..full.find("<AccessKeyId>").unwrap() + "<AccessKeyId>".len() + NEW_KEY.len() + 5]
        .to_string();
    let mid_token = full[..full.find(NEW_TOKEN).unwrap() + 20].to_string();
    let cases = [
        ("cut after <AccessKeyId>x</Acc", cut.replace(NEW_KEY, "x")),
        ("cut in the middle of the session token", mid_token),
        (
            "no session token",
            full.replace(&format!("<SessionToken>{NEW_TOKEN}</SessionToken>"), ""),
        ),
        ("an empty secret", full.replace(NEW_SECRET, "")),
        ("an empty access key ID", full.replace(NEW_KEY, "")),
        (
            "an expiry in 1970",
            sts_credentials(
                "GetSessionToken",
                NEW_KEY,
                NEW_SECRET,
                NEW_TOKEN,
                "1970-01-01T00:00:00Z",
            ),
        ),
        (
            "an expiry years ahead",
            sts_credentials(
                "GetSessionToken",
                NEW_KEY,
                NEW_SECRET,
                NEW_TOKEN,
                "2099-01-01T00:00:00Z",
            ),
        ),
    ];
    for (what, body) in cases {
        let (home, out) = export_against("200 OK", body);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", stderr(&out));
        assert_clean_failure(&out, "GetSessionToken");
        assert_nothing_leaked(&home, &out);
    }
    // The same answer, whole, is accepted: the checks refuse only what is wrong.
    let (home, out) = export_against("200 OK", full);
    let v = json(&out);
    assert_eq!(v["AccessKeyId"], NEW_KEY);
    assert_eq!(home.cache_entries().len(), 1);
}

/// A cache entry is checked as an STS answer is: extreme or impossible expiries are misses
/// (the old arithmetic overflowed and took `i64::MIN` for fresh), and nothing exports 1970.
#[test]
fn cache_entries_with_impossible_expiries_are_misses() {
    let Some(moto) = Moto::start() else { return };
    let home = Home::standard();
    json(&home.run(
        &moto.url(),
        &["export", "dev", "--format", "json", "--mfa-code", "123456"],
    ));
    for expiration in [i64::MIN, i64::MAX, -1, 4_102_444_800 /* 2100 */] {
        for path in home.cache_entries() {
            let mut v: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            v["expiration"] = expiration.into();
            std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        }
        moto.reset();
        let out = home.run(
            &moto.url(),
            &["export", "dev", "--format", "json", "--mfa-code", "123456"],
        );
        let v = json(&out);
        let exp = v["Expiration"].as_str().unwrap();
        assert!(
            !exp.starts_with("1970") && !exp.starts_with("2100"),
            "{exp}"
        );
        let actions: Vec<String> = moto.requests().into_iter().map(|r| r.action).collect();
        assert_eq!(
            actions,
            ["GetSessionToken", "AssumeRole"],
            "expiration {expiration} must be a miss"
        );
    }
}

/// rotate: a CreateAccessKey answer that can't be read (an odd CreateDate) carries the new
/// long-term secret; the message must not, and must say that a new key may be live in IAM. An
/// answer lost to a server error is not retried (a retry could make yet another key).
#[test]
fn rotate_never_shows_a_new_key_and_never_retries_creating_one() {
    let old_id = "AKIAOLDKEY0000000001";
    let old_secret = "old/secret+0000000000000000000000000000";
    let creates = Arc::new(AtomicUsize::new(0));
    let answer = Arc::new(Mutex::new(("200 OK", String::new())));
    let (count, current) = (creates.clone(), answer.clone());
    let url = serve(64, move |req| {
        if req.contains("Action=GetCallerIdentity") {
            (
                "200 OK",
                caller_identity("arn:aws:iam::123456789012:user/alice"),
            )
        } else if req.contains("Action=CreateAccessKey") {
            count.fetch_add(1, Ordering::SeqCst);
            current.lock().unwrap().clone()
        } else {
            ("400 Bad Request", String::new())
        }
    });
    let home = Home::new(
        "[profile alice]\nmfa_serial = none\n",
        &format!("[alice]\naws_access_key_id = {old_id}\naws_secret_access_key = {old_secret}\n"),
    );
    let before = std::fs::read_to_string(home.path().join(".aws/credentials")).unwrap();
    let create_answer = |date: &str| {
        format!(
            r#"<CreateAccessKeyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <CreateAccessKeyResult>
    <AccessKey>
      <UserName>alice</UserName>
      <AccessKeyId>AKIANEWKEY0000000001</AccessKeyId>
      <Status>Active</Status>
      <SecretAccessKey>{NEW_SECRET}</SecretAccessKey>
      <CreateDate>{date}</CreateDate>
    </AccessKey>
  </CreateAccessKeyResult>
  <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>
</CreateAccessKeyResponse>
"#
        )
    };

    *answer.lock().unwrap() = ("200 OK", create_answer("yesterday at noon"));
    let out = home.run(&url, &["rotate", "alice"]);
    assert_clean_failure(&out, "CreateAccessKey");
    let err = stderr(&out);
    assert!(
        !err.contains(NEW_SECRET),
        "the new secret in the message: {err}"
    );
    assert!(
        err.contains("may have been made") && err.contains("aws iam list-access-keys"),
        "{err}"
    );
    assert!(
        err.contains(&format!("Key {old_id} is still live")),
        "{err}"
    );
    assert_eq!(creates.load(Ordering::SeqCst), 1);

    // A server error: the key may or may not exist, and the call is made once only.
    let internal = r#"<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Receiver</Type><Code>ServiceFailure</Code><Message>Internal failure</Message></Error>
  <RequestId>4c2b1f5e-0000-4000-8000-000000000002</RequestId>
</ErrorResponse>
"#;
    creates.store(0, Ordering::SeqCst);
    *answer.lock().unwrap() = ("500 Internal Server Error", internal.to_string());
    let out = home.run(&url, &["rotate", "alice"]);
    assert_clean_failure(&out, "ServiceFailure");
    assert!(
        stderr(&out).contains("may have been made"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        creates.load(Ordering::SeqCst),
        1,
        "CreateAccessKey is not idempotent: it must not be retried"
    );
    assert_eq!(
        std::fs::read_to_string(home.path().join(".aws/credentials")).unwrap(),
        before
    );
}

/// SSO: `aws sso login` is the remedy only when the login is the problem. The portal's own
/// failure, or an answer that can't be read, says what happened and nothing about logging in.
#[test]
fn the_sso_remedy_is_given_only_when_it_applies() {
    let home = Home::new(
        "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n\
         region = eu-west-1\n\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
         sso_region = eu-west-1\n",
        "",
    );
    let out = std::process::Command::new("sh")
        .args(["-c", "printf %s corp | sha1sum"])
        .output()
        .unwrap();
    let sha = String::from_utf8(out.stdout).unwrap();
    let sha = sha.split_whitespace().next().unwrap().to_string();
    let token_dir = home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&token_dir).unwrap();
    std::fs::write(
        token_dir.join(format!("{sha}.json")),
        "{\"accessToken\": \"sso-access-token-1\", \"expiresAt\": \"2099-01-01T00:00:00Z\", \
         \"region\": \"eu-west-1\", \"startUrl\": \"https://corp.awsapps.com/start\"}",
    )
    .unwrap();
    let export = |portal: &str| {
        home.run_env(
            "http://127.0.0.1:9",
            &["export", "corp", "--format", "json"],
            &[("AWS_ENDPOINT_URL_SSO", portal)],
        )
    };

    let failing = serve(8, |_| {
        (
            "500 Internal Server Error",
            "{\"message\":\"internal\"}".to_string(),
        )
    });
    let out = export(&failing);
    assert_clean_failure(&out, "could not get SSO credentials for profile `corp`");
    assert!(!stderr(&out).contains("sso login"), "{}", stderr(&out));

    let garbled = serve(8, |_| {
        (
            "200 OK",
            format!(
                "{{\"roleCredentials\": {{\"accessKeyId\": \"{NEW_KEY}\", \"secretAccessKey\": \"{NEW_SECRET}\", \"sessionToken\": \"{NEW_TOKEN}\", \"expiration\": \"soon\""
            ),
        )
    });
    let out = export(&garbled);
    assert_clean_failure(&out, "could not be read");
    assert!(!stderr(&out).contains("sso login"), "{}", stderr(&out));
    assert_nothing_leaked(&home, &out);

    let refused = serve(8, |_| {
        (
            "401 Unauthorized",
            "{\"__type\":\"UnauthorizedException\",\"message\":\"Session token not found or invalid\"}".to_string(),
        )
    });
    let out = export(&refused);
    assert_clean_failure(&out, "run aws sso login --profile corp");
}
