//! The `sso` catalogue source against a local IAM Identity Center portal (moto has none): a
//! server that speaks the portal's REST/JSON API (ListAccounts, ListAccountRoles,
//! GetRoleCredentials), pages its answers, checks the bearer token, throttles on demand with
//! the portal's 429, and records when each request came.

use crate::support::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "portal-bearer-token-0123456789abcdef";
const ACCOUNTS: usize = 25;
const ROLES: [&str; 2] = ["Admin", "ReadOnly"];

struct Portal {
    url: String,
    /// Each request: when it came, its path and query, and the token it carried.
    seen: Arc<Mutex<Vec<(Instant, String, String)>>>,
    /// Answer this many of the next requests with a 429.
    throttle: Arc<AtomicUsize>,
}

fn account(i: usize) -> (String, String) {
    // One account whose name is made to inject: its identities must be skipped.
    let name = if i == 7 {
        "x$(touch /tmp/aws-as-sso-pwned)".to_string()
    } else {
        format!("team {i:02}")
    };
    (format!("5{i:011}"), name)
}

fn query<'a>(target: &'a str, key: &str) -> Option<&'a str> {
    target
        .split_once('?')?
        .1
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{key}=")))
}

impl Portal {
    fn start() -> Portal {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<(Instant, String, String)>>> = Arc::default();
        let throttle: Arc<AtomicUsize> = Arc::default();
        let (rec, thr) = (seen.clone(), throttle.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !String::from_utf8_lossy(&buf).contains("\r\n\r\n") {
                    let n = s.read(&mut chunk).unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf).into_owned();
                let target = head.split_whitespace().nth(1).unwrap_or("").to_string();
                let token = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("x-amz-sso_bearer_token")
                            .then(|| v.trim().to_string())
                    })
                    .unwrap_or_default();
                rec.lock()
                    .unwrap()
                    .push((Instant::now(), target.clone(), token.clone()));
                let (status, extra, body) = if thr
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok()
                {
                    (
                        "429 Too Many Requests",
                        "x-amzn-ErrorType: TooManyRequestsException\r\n",
                        r#"{"message":"Rate exceeded"}"#.to_string(),
                    )
                } else if token != TOKEN {
                    (
                        "401 Unauthorized",
                        "x-amzn-ErrorType: UnauthorizedException\r\n",
                        r#"{"message":"Session token not found or invalid"}"#.to_string(),
                    )
                } else {
                    ("200 OK", "", answer(&target))
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = s.write_all(resp.as_bytes());
            }
        });
        Portal {
            url,
            seen,
            throttle,
        }
    }

    fn requests(&self) -> Vec<(Instant, String, String)> {
        self.seen.lock().unwrap().clone()
    }
}

/// The portal's answer to a request it accepts: accounts ten a page, roles one a page.
fn answer(target: &str) -> String {
    let path = target.split('?').next().unwrap_or("");
    let from: usize = query(target, "next_token")
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    match path {
        "/assignment/accounts" => {
            let page: Vec<serde_json::Value> = (from..(from + 10).min(ACCOUNTS))
                .map(|i| {
                    let (id, name) = account(i);
                    serde_json::json!({"accountId": id, "accountName": name, "emailAddress": "a@example.com"})
                })
                .collect();
            let next = (from + 10 < ACCOUNTS).then(|| (from + 10).to_string());
            serde_json::json!({"accountList": page, "nextToken": next}).to_string()
        }
        "/assignment/roles" => {
            let id = query(target, "account_id").unwrap_or("");
            let next = (from + 1 < ROLES.len()).then(|| (from + 1).to_string());
            serde_json::json!({"roleList": [{"roleName": ROLES[from], "accountId": id}], "nextToken": next})
                .to_string()
        }
        "/federation/credentials" => serde_json::json!({"roleCredentials": {
            "accessKeyId": "ASIAPORTAL0000000001",
            "secretAccessKey": "portalsecret0000000000000000000000000000",
            "sessionToken": "portal-session-token-".repeat(8),
            "expiration": (now() + 3600) * 1000,
        }})
        .to_string(),
        _ => "{}".to_string(),
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A HOME with the session `corp`, `aws sso login`'s token for it (valid for `valid` seconds),
/// and the catalogue.
fn home(valid: i64) -> Home {
    let home = Home::new(
        &format!(
            "{CONFIG}\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
        ),
        &credentials(),
    );
    write_token(&home, valid);
    home.settings("[catalog.corp]\nsource = \"sso\"\nsso_session = \"corp\"\n");
    home
}

fn write_token(home: &Home, valid: i64) {
    let out = std::process::Command::new("sh")
        .args(["-c", "printf corp | sha1sum"])
        .output()
        .unwrap();
    let sha = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let dir = home.path().join(".aws/sso/cache");
    std::fs::create_dir_all(&dir).unwrap();
    let expires = chrono_like(now() + valid);
    std::fs::write(
        dir.join(format!("{sha}.json")),
        format!(r#"{{"accessToken": "{TOKEN}", "expiresAt": "{expires}", "region": "eu-west-1", "startUrl": "https://corp.awsapps.com/start"}}"#),
    )
    .unwrap();
}

/// RFC 3339 in UTC for a Unix time.
fn chrono_like(t: i64) -> String {
    let out = std::process::Command::new("date")
        .args(["-u", "-d", &format!("@{t}"), "+%Y-%m-%dT%H:%M:%SZ"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn run(home: &Home, portal: &Portal, args: &[&str]) -> std::process::Output {
    home.run_env(
        "http://127.0.0.1:9",
        args,
        &[("AWS_ENDPOINT_URL_SSO", &portal.url)],
    )
}

#[test]
fn accounts_and_roles_are_read_page_by_page_at_most_20_a_second() {
    let portal = Portal::start();
    let home = home(3600);
    // Two throttled answers on the way: each is waited out and tried again.
    let seen_before_throttle = 5;
    let p = portal.seen.clone();
    let thr = portal.throttle.clone();
    std::thread::spawn(move || {
        while p.lock().unwrap().len() < seen_before_throttle {
            std::thread::sleep(Duration::from_millis(5));
        }
        thr.store(2, Ordering::SeqCst);
    });
    let out = run(&home, &portal, &["catalog", "sync"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // 25 accounts with two roles each, less the hostile account's two.
    assert_eq!(stdout(&out), "corp: 48 identities (+48 -0)\n");
    let err = stderr(&out);
    assert!(err.contains("is not a valid identity name"), "{err}");
    assert!(!err.contains(TOKEN), "the token reached a message: {err}");
    // (The SDK's own retry takes one of them; aws-as's backoff the other.)
    assert!(
        err.contains("the SSO portal is throttling; waiting"),
        "{err}"
    );
    let reqs = portal.requests();
    assert!(reqs.iter().all(|(_, _, t)| t == TOKEN));
    let lists = reqs
        .iter()
        .filter(|(_, p, _)| p.starts_with("/assignment/accounts"))
        .count();
    let roles = reqs
        .iter()
        .filter(|(_, p, _)| p.starts_with("/assignment/roles"))
        .count();
    // 3 pages of accounts, 2 of roles per account, and the 2 throttled tries again.
    assert_eq!(lists + roles, 3 + 2 * ACCOUNTS + 2, "{reqs:?}");
    for (i, (t, ..)) in reqs.iter().enumerate() {
        let in_window = reqs[i..]
            .iter()
            .take_while(|(u, ..)| u.duration_since(*t) < Duration::from_secs(1))
            .count();
        assert!(
            in_window <= 21,
            "{in_window} requests within a second from #{i}"
        );
    }
    let listed = stdout(&run(&home, &portal, &["list", "team-0"]));
    assert!(
        listed.contains("team-00-Admin ") && listed.contains(" corp ") && listed.contains(" sso "),
        "{listed}"
    );
    assert!(!listed.contains("touch"), "{listed}");
    assert!(!std::path::Path::new("/tmp/aws-as-sso-pwned").exists());
}

#[test]
fn an_identity_gets_its_credentials_from_get_role_credentials_once() {
    let portal = Portal::start();
    let home = home(3600);
    assert!(run(&home, &portal, &["catalog", "sync"]).status.success());
    let before = portal.requests().len();
    let out = run(
        &home,
        &portal,
        &[
            "export",
            "team-03-ReadOnly",
            "--format",
            "credential-process",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["AccessKeyId"], "ASIAPORTAL0000000001");
    let reqs = portal.requests();
    assert_eq!(reqs.len(), before + 1, "{reqs:?}");
    let (_, target, token) = &reqs[before];
    assert!(target.starts_with("/federation/credentials?"), "{target}");
    assert_eq!(query(target, "account_id"), Some("500000000003"));
    assert_eq!(query(target, "role_name"), Some("ReadOnly"));
    assert_eq!(token, TOKEN);
    // Cached: the next export asks the portal nothing.
    let out = run(&home, &portal, &["export", "team-03-ReadOnly"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(portal.requests().len(), before + 1);
}

#[test]
fn an_expired_token_fails_and_keeps_the_previous_copy() {
    let portal = Portal::start();
    let home = home(3600);
    assert!(run(&home, &portal, &["catalog", "sync"]).status.success());
    let copy = home.path().join(".local/share/aws-as/catalogs/corp.db");
    let before = std::fs::read(&copy).unwrap();
    write_token(&home, -60);
    let out = run(&home, &portal, &["catalog", "sync"]);
    assert_clean_failure(&out, "aws sso login --sso-session corp");
    assert!(!stderr(&out).contains(TOKEN));
    assert_eq!(std::fs::read(&copy).unwrap(), before);
    // A switch that needs the portal says the same; the copy still lists.
    let out = run(&home, &portal, &["export", "team-01-Admin"]);
    assert_clean_failure(&out, "aws sso login --sso-session corp");
    assert!(stdout(&run(&home, &portal, &["list"])).contains("team-01-Admin"));
}
