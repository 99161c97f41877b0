//! The bodies of the fuzz targets in `fuzz/`, here in the library so that the fuzzers and the
//! replay test (`tests/fuzz_corpus.rs`, on stable) run the same code over the same corpus.
//!
//! Each function takes whatever bytes libFuzzer makes, feeds them to one boundary where data
//! from outside enters aws-as, and panics when a promise made there is broken. Inputs are cut
//! into fields at NUL bytes (after a few fixed bytes, for the STS targets) rather than decoded
//! with `arbitrary`, so that the checked-in corpus stays mostly readable text and the library
//! needs no new dependency.

use crate::config::chain::{StepKind, profile_kind, valid_profile_name};
use crate::config::{PromptFormat, Settings, resolve};
use crate::credentials::cache::Entry;
use crate::credentials::{Credentials, MAX_LIFETIME, valid_arn};
use crate::env::Env;
use crate::keys::{Backend, IndexEntry};
use crate::shell::prompt::label;
use crate::util::now_epoch;
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Duration;

/// The AWS config and credentials files through resolution, up to the chain.
///
/// The input is the config text, a NUL, the credentials text, a NUL, and the names of profiles
/// whose keys are in aws-as's store, one a line (every part optional). Every profile the files
/// define, and words taken from the input, are resolved, classified and, when they resolve,
/// turned into their STS steps. Nothing may panic or overflow the stack (loops of any shape are
/// refused), and a chain must hold only what resolution promises: profile names the SDKs
/// accept, a region that is a region name, and steps whose cache keys are 32 hex digits, each
/// naming its own profile.
pub fn profiles(data: &[u8]) {
    let mut parts = data.splitn(3, |b| *b == 0);
    let config = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let credentials = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let stored: BTreeMap<String, IndexEntry> =
        String::from_utf8_lossy(parts.next().unwrap_or_default())
            .lines()
            .enumerate()
            .map(|(i, name)| {
                let entry = IndexEntry {
                    backend: Backend::File,
                    access_key_id: format!("AKIASTORED{i}"),
                };
                (name.to_string(), entry)
            })
            .collect();
    let Ok(profiles) = crate::config::Profiles::with_stored(&config, &credentials, stored) else {
        return;
    };
    let mut names = profiles.names();
    // Names that may be missing, invalid or only referred to (a source_profile's value).
    let words = String::from_utf8_lossy(data);
    let mut extra: Vec<&str> = words
        .split(|c: char| c.is_whitespace() || "[]=\0".contains(c))
        .filter(|w| !w.is_empty())
        .take(16)
        .collect();
    extra.extend(["default", ""]);
    for w in extra {
        if !names.iter().any(|n| n == w) {
            names.push(w.to_string());
        }
    }
    let ambient = Env::default();
    for name in &names {
        let _ = profile_kind(&profiles, name);
        let Ok(chain) = resolve(&profiles, name, &ambient) else {
            continue;
        };
        assert_eq!(&chain.name, name);
        assert!(valid_profile_name(&chain.base.profile), "{chain:?}");
        for hop in &chain.hops {
            assert!(valid_profile_name(&hop.profile), "{chain:?}");
        }
        if let Some(r) = &chain.region {
            let region_like = !r.is_empty()
                && r.len() <= 63
                && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            assert!(region_like, "region {r:?}");
        }
        let steps = chain.steps();
        for (i, step) in steps.iter().enumerate() {
            let key = step.key();
            let hex =
                key.len() == 32 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
            assert!(hex, "cache key {key:?}");
            assert!(
                steps[..i].iter().all(|s| s.key() != key),
                "two steps share cache key {key}"
            );
            if let StepKind::Role { index } = &step.kind {
                assert!(*index < chain.hops.len());
            }
            assert!(valid_profile_name(step.profile(&chain)), "{step:?}");
        }
    }
}

/// aws-as's `config.toml`, and a `prompt_format` on its own.
///
/// The input is the file's text. `Settings::parse` and `PromptFormat::parse` may refuse it but
/// not panic. What they accept must keep its promises: no duration the SDK's timers choke on
/// (none over 36 hours, no zero timeout), console URLs that are plain http(s) URLs, at most one
/// `{left}`, and a prompt label (for no identity, and for hostile names and expiries from
/// `i64::MIN` to `i64::MAX`) that holds no control character.
pub fn settings(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(s) = Settings::parse(&text) {
        let longest = Duration::from_secs(36 * 3600);
        for d in [
            s.session_duration,
            s.refresh_margin,
            s.sts_timeout,
            s.key_verify_timeout,
            s.lock_timeout,
            s.mfa_timeout,
        ] {
            assert!(d <= longest, "{s:?}");
        }
        for d in [
            s.sts_timeout,
            s.key_verify_timeout,
            s.lock_timeout,
            s.mfa_timeout,
        ] {
            assert!(!d.is_zero(), "{s:?}");
        }
        // `login` sends to whatever `http::Uri` makes of them: an http(s) URL with a host.
        for url in [&s.signin_url, &s.console_url].into_iter().flatten() {
            assert!(
                !url.chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '#'),
                "{url:?}"
            );
            let uri: http::Uri = url.parse().expect("an accepted URL parses");
            assert!(uri.host().is_some_and(|h| !h.is_empty()), "{url:?}");
            // Schemes are case-insensitive (RFC 3986): `HTTPS://` is https.
            assert!(
                matches!(uri.scheme_str(), Some("https" | "http")),
                "{url:?}"
            );
        }
        labels(&s.prompt_format, &text);
    }
    if let Ok(format) = PromptFormat::parse(&text) {
        labels(&format, &text);
    }
}

/// The prompt labels for `format`: none may carry a control character to the terminal.
fn labels(format: &PromptFormat, text: &str) {
    use crate::config::Piece;
    let lefts = format.0.iter().filter(|p| **p == Piece::Left).count();
    assert!(lefts <= 1, "{format:?}");
    let printable = |s: &str| !s.chars().any(char::is_control);
    let none = label(format, None);
    assert!(printable(&none.fixed), "{none:?}");
    assert_eq!(none.live, None);
    let now = now_epoch();
    for name in [text, "dev", "a\u{1b}]0;x\u{7}\nb\r"] {
        for expires in [None, Some(i64::MIN), Some(now + 3600), Some(i64::MAX)] {
            let l = label(
                format,
                Some(crate::shell::Shown {
                    name,
                    expires,
                    region: Some(name),
                }),
            );
            assert!(printable(&l.fixed), "{l:?}");
            if let Some(live) = &l.live {
                assert_eq!(lefts, 1);
                assert_eq!(Some(live.expires), expires);
                assert!(printable(&live.head) && printable(&live.tail), "{l:?}");
            } else {
                assert!(lefts == 0 || expires.is_none(), "{l:?}");
            }
        }
    }
}

/// A cache entry as read from disk.
///
/// The input is the file's bytes. `Entry::parse` keeps an entry only when it is one aws-as
/// would have written, so what it keeps must pass `Credentials::check`: a key ID, secret and
/// token that are not empty, an expiry in the future and no later than `MAX_LIFETIME` from now.
/// `fresh` must answer for every margin, `i64::MIN` and `i64::MAX` included, on any entry that
/// deserializes, kept or not.
///
/// Expiries are absolute, so an entry that is fresh today is stale tomorrow. The input is also
/// tried with its `expiration` read as seconds from now, so that the corpus keeps reaching the
/// accepted path whatever the date.
pub fn cache_entry(data: &[u8]) {
    check_entry(data);
    if let Ok(mut raw) = serde_json::from_slice::<Entry>(data) {
        let exp = raw.credentials.expires();
        raw.credentials.expiration = Some(now_epoch().saturating_add(exp));
        if let Ok(bytes) = serde_json::to_vec(&raw) {
            check_entry(&bytes);
        }
    }
}

fn check_entry(data: &[u8]) {
    let before = now_epoch();
    let parsed = Entry::parse(data);
    let after = now_epoch();
    if let Some(e) = &parsed {
        let c = &e.credentials;
        assert!(!c.access_key_id.is_empty());
        assert!(!c.secret_access_key.is_empty());
        assert!(!c.token().is_empty());
        // `parse` read the clock somewhere between `before` and `after`.
        assert!(c.expires() > before, "expired: {}", c.expires());
        assert!(
            c.expires() <= after.saturating_add(MAX_LIFETIME),
            "too late: {}",
            c.expires()
        );
        assert!(valid_profile_name(&e.profile));
        assert!(c.arn.as_deref().is_none_or(valid_arn));
    }
    // Freshness of whatever deserializes, whether `parse` kept it or not.
    let Ok(raw) = serde_json::from_slice::<Entry>(data) else {
        assert!(parsed.is_none());
        return;
    };
    let exp = raw.credentials.expires();
    for margin in [
        i64::MIN,
        i64::MIN + 1,
        -1,
        0,
        1,
        MAX_LIFETIME,
        i64::MAX,
        exp,
        exp.wrapping_neg(),
        exp.wrapping_sub(before),
        before.wrapping_sub(exp),
    ] {
        let _ = raw.fresh(margin);
        if let Some(e) = &parsed {
            let _ = e.fresh(margin);
        }
    }
    assert!(!raw.fresh(i64::MAX), "fresh for ever: {exp}");
}

/// The conversion of an STS answer's credentials (`sts::convert`).
///
/// The input is 8 bytes of expiry (little-endian seconds from now, saturating, so that the
/// accepted window does not move with the date), 4 bytes of subsecond nanoseconds, then the
/// access key ID, secret, session token and, when present, the ARN, separated by NULs. What is
/// accepted must pass `Credentials::check` and come back unchanged; a refusal must be a short
/// message (under 1000 characters) with no secret or token in it.
pub fn sts_convert(data: &[u8]) {
    use aws_sdk_sts::primitives::DateTime;
    let mut head = [0u8; 12];
    let n = data.len().min(12);
    head[..n].copy_from_slice(&data[..n]);
    let offset = i64::from_le_bytes(head[..8].try_into().expect("8 bytes"));
    // The SDK's own constructor panics at a second or more; its parsers never make one.
    let nanos = u32::from_le_bytes(head[8..].try_into().expect("4 bytes")) % 1_000_000_000;
    let mut fields = data[n..].split(|b| *b == 0);
    let mut field = || {
        fields
            .next()
            .map(|f| String::from_utf8_lossy(f).into_owned())
    };
    let (id, secret, token) = (
        field().unwrap_or_default(),
        field().unwrap_or_default(),
        field().unwrap_or_default(),
    );
    let arn = field();

    let before = now_epoch();
    let secs = before.saturating_add(offset);
    let answer = aws_sdk_sts::types::Credentials::builder()
        .access_key_id(&id)
        .secret_access_key(&secret)
        .session_token(&token)
        .expiration(DateTime::from_secs_and_nanos(secs, nanos))
        .build()
        .expect("every required field is set");
    let result = crate::credentials::aws::convert("STS", "AssumeRole", Some(&answer), arn.clone());
    let after = now_epoch();
    match result {
        Ok(creds) => {
            // `convert` read the clock between `before` and `after`; one of them agrees with it.
            assert!(
                creds.check(before).is_ok() || creds.check(after).is_ok(),
                "{:?}",
                creds.check(after)
            );
            let expected = Credentials {
                access_key_id: id,
                secret_access_key: secret.into(),
                session_token: Some(token),
                expiration: Some(secs),
                arn,
            };
            assert!(creds == expected, "the credentials changed on the way");
        }
        Err(e) => {
            let message = format!("{e:#}");
            assert!(
                message.chars().count() < 1000,
                "{} characters",
                message.len()
            );
            for (what, value) in [("secret", &secret), ("token", &token)] {
                // A value that is the message's own wording proves nothing.
                let leaked = value.len() >= 8
                    && message.contains(value.as_str())
                    && !refusal_wording().contains(value.as_str());
                assert!(!leaked, "the {what} is in the error: {message}");
            }
        }
    }
    assert!(crate::credentials::aws::convert("STS", "AssumeRole", None, None).is_err());
}

/// A whole STS answer through the real SDK client and aws-as's one send path (`Sts::send`,
/// `AwsError`, `convert`).
///
/// The first byte picks the operation (GetSessionToken, AssumeRole, GetFederationToken or
/// GetCallerIdentity) and the HTTP status (200, 400, 403 or 500); the rest is the body, which a
/// server on 127.0.0.1 sends back as the answer. Credentials that come back must pass
/// `Credentials::check`, and an ARN must be an ARN. A failure must be a short message that
/// holds no `SecretAccessKey` or `SessionToken` of the body (at least 8 characters long), unless
/// that text is also somewhere else in the body (an error message may quote it) or is the
/// message's own wording.
pub fn sts_response(data: &[u8]) {
    let fixture = answering();
    // One answer at a time: the replay test runs targets on several threads.
    let _turn = fixture
        .turn
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let pick = data.first().copied().unwrap_or(0);
    let status = [200, 400, 403, 500][usize::from(pick >> 2) % 4];
    let body = data.get(1..).unwrap_or_default();
    *fixture
        .answer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = (status, body.to_vec());

    let signer = Credentials::keys("AKIAFUZZFUZZFUZZFUZZ", "fuzz");
    let before = now_epoch();
    let result = match pick & 3 {
        0 => fixture.sts.get_session_token(
            &signer,
            Duration::from_secs(3600),
            Some(("arn:aws:iam::1:mfa/f", "123456")),
        ),
        1 => {
            let hop = crate::config::RoleHop {
                profile: "fuzz".into(),
                role_arn: "arn:aws:iam::123456789012:role/fuzz".into(),
                external_id: None,
                role_session_name: Some("fuzz".into()),
                duration_seconds: None,
                source_identity: None,
                mfa_serial: None,
                mfa_process: None,
            };
            fixture.sts.assume_role(&signer, &hop, None, None)
        }
        2 => {
            let fed = crate::config::chain::Federation {
                profile: "fuzz".into(),
                name: "fuzz".into(),
                policy_arns: Vec::new(),
                policy: None,
            };
            fixture
                .sts
                .get_federation_token(&signer, &fed, Duration::from_secs(3600))
        }
        _ => match fixture.sts.caller_arn(&signer) {
            Ok(arn) => {
                assert!(valid_arn(&arn), "{arn:?}");
                return;
            }
            Err(e) => Err(e),
        },
    };
    let after = now_epoch();
    let message = match result {
        Ok(creds) => {
            assert!(
                creds.check(before).is_ok() || creds.check(after).is_ok(),
                "{:?}",
                creds.check(after)
            );
            return;
        }
        Err(e) => format!("{e:#}"),
    };
    assert!(
        message.chars().count() < 1000,
        "{} characters",
        message.len()
    );
    let text = String::from_utf8_lossy(body);
    // Entities and CDATA could hide a copy of a secret elsewhere in the body; such answers
    // are only run, not judged.
    if text.contains('&') || text.contains("<![") {
        return;
    }
    let mut outside = text.to_string();
    let mut secrets = Vec::new();
    for name in ["SecretAccessKey", "SessionToken"] {
        let (open, close) = (format!("<{name}>"), format!("</{name}>"));
        let mut rest = &*text;
        while let Some(start) = rest.find(&open) {
            let inner = &rest[start + open.len()..];
            let Some(end) = inner.find(&close) else {
                break;
            };
            secrets.push(&inner[..end]);
            outside = outside.replacen(&rest[start..start + open.len() + end + close.len()], "", 1);
            rest = &inner[end + close.len()..];
        }
    }
    for secret in secrets {
        let leaked = secret.len() >= 8
            && message.contains(secret)
            && !outside.contains(secret)
            && !answer_wording().contains(secret);
        assert!(!leaked, "a secret of the answer is in the error: {message}");
    }
}

/// The loopback server that gives the fuzz input as STS's answer, and a client pointed at it.
struct Answering {
    sts: crate::credentials::aws::Aws<'static>,
    /// The HTTP status and body of the next answer.
    answer: std::sync::Arc<std::sync::Mutex<(u16, Vec<u8>)>>,
    turn: std::sync::Mutex<()>,
}

fn answering() -> &'static Answering {
    static FIXTURE: OnceLock<Answering> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let answer = std::sync::Arc::new(std::sync::Mutex::new((200, Vec::new())));
        let shared = answer.clone();
        // One connection at a time is enough: the answers are taken in turns, and each
        // connection is closed after its answer, so the client never holds one open in a pool.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve(stream, &shared);
            }
        });
        static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        let rt = RUNTIME.get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime")
        });
        let sts =
            crate::credentials::aws::Aws::for_endpoint(rt, &format!("http://127.0.0.1:{port}"));
        Answering {
            sts,
            answer,
            turn: std::sync::Mutex::new(()),
        }
    })
}

/// Read one request and give the current answer to it, closing the connection.
fn serve(
    stream: std::net::TcpStream,
    answer: &std::sync::Mutex<(u16, Vec<u8>)>,
) -> std::io::Result<()> {
    use std::io::{BufRead, Read, Write};
    let mut reader = std::io::BufReader::new(&stream);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut request = vec![0; length];
    reader.read_exact(&mut request)?;
    let (status, body) = answer
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let head = format!(
        "HTTP/1.1 {status} Fuzz\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n",
        body.len()
    );
    let mut out = &stream;
    out.write_all(head.as_bytes())?;
    out.write_all(&body)?;
    out.flush()
}

/// The wording of every failure the send path reports, without the parts that come from the
/// answer (a code, a message): text an error holds whatever the answer was.
fn answer_wording() -> &'static str {
    static WORDING: OnceLock<String> = OnceLock::new();
    WORDING.get_or_init(|| {
        use crate::credentials::aws::{AwsError, Failure};
        let mut text = String::new();
        for op in [
            "GetSessionToken",
            "AssumeRole",
            "GetFederationToken",
            "GetCallerIdentity",
        ] {
            text.push_str(&refusals("STS", op));
            for status in [None, Some(200), Some(400), Some(403), Some(500)] {
                for failure in [
                    Failure::Refused {
                        code: String::new(),
                        message: Some(String::new()),
                        status,
                    },
                    Failure::Status(status),
                    Failure::Unreadable(status),
                    Failure::Timeout,
                    Failure::Other(String::new()),
                    Failure::Unreachable(String::new()),
                ] {
                    let e = AwsError {
                        service: "STS",
                        op,
                        failure,
                    };
                    text.push_str(&format!("{e}\n"));
                }
            }
        }
        text.push_str("STS's answer to GetCallerIdentity has no usable ARN\n");
        text
    })
}

/// Every refusal `convert` gives, made from values too short to be mistaken for a secret: the
/// text an error may hold whatever the answer was.
fn refusal_wording() -> &'static str {
    static WORDING: OnceLock<String> = OnceLock::new();
    WORDING.get_or_init(|| refusals("STS", "AssumeRole"))
}

/// `convert`'s refusals for `op`, one a line.
fn refusals(service: &str, op: &str) -> String {
    use aws_sdk_sts::primitives::DateTime;
    let now = now_epoch();
    let make = |id: &str, secret: &str, token: &str, exp: i64| {
        aws_sdk_sts::types::Credentials::builder()
            .access_key_id(id)
            .secret_access_key(secret)
            .session_token(token)
            .expiration(DateTime::from_secs(exp))
            .build()
            .expect("every required field is set")
    };
    let later = now + 3600;
    let answers = [
        (Some(make("", "s", "t", later)), None),
        (Some(make("a-b", "s", "t", later)), None),
        (Some(make("A", "", "t", later)), None),
        (Some(make("A", "s", "", later)), None),
        (Some(make("A", "s", "t", now - 1)), None),
        (Some(make("A", "s", "t", now + 2 * MAX_LIFETIME)), None),
        (Some(make("A", "s", "t", later)), Some("x".to_string())),
        (None, None),
    ];
    let mut text = String::new();
    for (answer, arn) in answers {
        if let Err(e) = crate::credentials::aws::convert(service, op, answer.as_ref(), arn) {
            text.push_str(&format!("{e:#}\n"));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_is_in_the_wording() {
        // Eight answers, each refused for its own reason.
        assert_eq!(
            refusal_wording().lines().count(),
            8,
            "{}",
            refusal_wording()
        );
    }

    /// The answering server and the client really talk: fresh credentials come back, and a
    /// date the SDK cannot read makes an error that names neither secret.
    #[test]
    fn answers_reach_the_client() {
        let expires = chrono::Utc::now() + chrono::Duration::hours(1);
        let answer = |expiration: &str| {
            format!(
                "\x01<AssumeRoleResponse><AssumeRoleResult><AssumedRoleUser>\
                 <Arn>arn:aws:sts::1:assumed-role/r/s</Arn><AssumedRoleId>A:s</AssumedRoleId>\
                 </AssumedRoleUser><Credentials><AccessKeyId>ASIAFUZZ</AccessKeyId>\
                 <SecretAccessKey>secretsecret</SecretAccessKey>\
                 <SessionToken>tokentokentoken</SessionToken>\
                 <Expiration>{expiration}</Expiration></Credentials></AssumeRoleResult>\
                 </AssumeRoleResponse>"
            )
        };
        let role = crate::config::RoleHop::plain("p", "arn:aws:iam::1:role/r");
        let signer = Credentials::keys("AKIAFUZZ", "s");
        let fixture = answering();
        let _turn = fixture.turn.lock().unwrap();
        for (expiration, ok) in [
            (expires.format("%Y-%m-%dT%H:%M:%SZ").to_string(), true),
            ("tomorrow".to_string(), false),
        ] {
            let body = answer(&expiration).into_bytes()[1..].to_vec();
            *fixture.answer.lock().unwrap() = (200, body);
            match fixture.sts.assume_role(&signer, &role, None, None) {
                Ok(creds) => {
                    assert!(ok, "{expiration}");
                    assert_eq!(creds.secret_access_key.as_str(), "secretsecret");
                }
                Err(e) => {
                    let e = format!("{e:#}");
                    assert!(!ok, "{expiration}: {e}");
                    assert!(
                        !e.contains("secretsecret") && !e.contains("tokentoken"),
                        "{e}"
                    );
                }
            }
        }
        drop(_turn);
        sts_response(answer("tomorrow").as_bytes());
    }

    #[test]
    fn the_targets_take_any_bytes() {
        for data in [&b""[..], b"\0", b"\0\0\0", b"\xff\xfe", &[0u8; 40]] {
            profiles(data);
            settings(data);
            cache_entry(data);
            sts_convert(data);
            sts_response(data);
        }
    }
}
