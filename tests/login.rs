//! `aws-as login`: credentials from moto's STS, getSigninToken answered by a local server that
//! records what it was sent, and the browser played by scripts that record their arguments.

use crate::support::servers::{hung_server, serve};
use crate::support::tls::tls_server;
use crate::support::*;
use std::collections::HashMap;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};

/// A token with characters that must be encoded in the URL.
const TOKEN: &str = "SgnTkn+abc/def==xyz";

/// The everyday config plus a federated user on the same keys.
fn home() -> Home {
    Home::new(
        &format!("{CONFIG}\n[profile fed]\nsource_profile = user\nfederation_name = alice-fed\n"),
        &credentials(),
    )
}

/// A getSigninToken endpoint: answers `status` and `body`, keeps each request's target.
fn signin_server(status: &'static str, body: String) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let url = serve(16, move |request| {
        let line = request.lines().next().unwrap_or("").to_string();
        log.lock().unwrap().push(line);
        (status, body.clone())
    });
    (url, seen)
}

fn ok_server() -> (String, Arc<Mutex<Vec<String>>>) {
    signin_server("200 OK", format!("{{\"SigninToken\":\"{TOKEN}\"}}"))
}

/// A home whose signin_url is a getSigninToken endpoint that answers with a token.
fn signing_in() -> (Home, String, Arc<Mutex<Vec<String>>>) {
    let home = home();
    let (server, seen) = ok_server();
    settings(&home, &format!("signin_url = \"{server}/federation\"\n"));
    (home, server, seen)
}

fn settings(home: &Home, toml: &str) {
    let dir = home.path().join(".config/aws-as");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), toml).unwrap();
}

/// `aws-as ARGS` with no terminal, and `env` on top of the clean environment.
fn run(home: &Home, moto: &Moto, args: &[&str], env: &[(&str, &str)]) -> Output {
    // Found on the test's PATH: a PATH in `env` is the child's, and may leave setsid out.
    let setsid = Command::new("sh")
        .args(["-c", "command -v setsid"])
        .output()
        .unwrap();
    let mut cmd = Command::new(String::from_utf8(setsid.stdout).unwrap().trim());
    cmd.arg("-w").arg(bin()).args(args);
    home.clean_env(&mut cmd, &moto.url());
    cmd.envs(env.iter().copied()).stdin(Stdio::null());
    cmd.output().expect("run aws-as")
}

/// The query of a URL or of a request line's target, decoded, with each key once.
fn query(url: &str) -> HashMap<String, String> {
    let q = url.split_once('?').expect("a query").1;
    let q = q.split(' ').next().unwrap();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(q.as_bytes()).into_owned().collect();
    let map: HashMap<String, String> = pairs.iter().cloned().collect();
    assert_eq!(map.len(), pairs.len(), "a parameter twice in {url}");
    map
}

/// The identity's credentials as aws-as caches them (served from the cache, no call).
fn cached(home: &Home, moto: &Moto, name: &str) -> serde_json::Value {
    json(&run(home, moto, &["export", name, "--format", "json"], &[]))
}

/// Check a login URL against the endpoint, the destination and the token.
fn assert_login_url(url: &str, endpoint: &str, destination: &str) {
    let (base, _) = url.split_once('?').unwrap();
    assert_eq!(base, format!("{endpoint}/federation"), "{url}");
    let q = query(url);
    let expected: HashMap<String, String> = [
        ("Action", "login"),
        ("Issuer", "aws-as"),
        ("Destination", destination),
        ("SigninToken", TOKEN),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(q, expected, "{url}");
    // Encoded, not merely present: a raw `+` would read back as a space.
    assert!(
        url.contains("SigninToken=SgnTkn%2Babc%2Fdef%3D%3Dxyz"),
        "{url}"
    );
}

#[test]
fn login_prints_a_url_made_from_the_role_or_federation_credentials() {
    let Some(moto) = Moto::start() else { return };
    let (home, server, seen) = signing_in();

    let out = run(&home, &moto, &["login", "dev", "--mfa-code", "123456"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let actions: Vec<String> = moto.requests().into_iter().map(|r| r.action).collect();
    assert_eq!(actions, ["GetSessionToken", "AssumeRole"]);
    let printed = stdout(&out);
    assert_eq!(printed.lines().count(), 1, "{printed:?}");
    assert!(printed.ends_with('\n'));
    assert_login_url(
        printed.trim_end(),
        &server,
        "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1",
    );

    // One getSigninToken, whose Session is exactly the role's temporary credentials.
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "{requests:?}");
    assert!(
        requests[0].starts_with("GET /federation?"),
        "{}",
        requests[0]
    );
    let q = query(&requests[0]);
    let keys: Vec<&str> = {
        let mut k: Vec<&str> = q.keys().map(String::as_str).collect();
        k.sort();
        k
    };
    assert_eq!(keys, ["Action", "Session"], "no SessionDuration: {q:?}");
    assert_eq!(q["Action"], "getSigninToken");
    let session: serde_json::Value = serde_json::from_str(&q["Session"]).unwrap();
    let dev = cached(&home, &moto, "dev");
    assert!(
        dev["Arn"].as_str().unwrap().contains(":assumed-role/dev/"),
        "{dev}"
    );
    assert_eq!(
        session,
        serde_json::json!({
            "sessionId": dev["AccessKeyId"],
            "sessionKey": dev["SecretAccessKey"],
            "sessionToken": dev["SessionToken"],
        })
    );
    assert_ne!(
        dev["AccessKeyId"], MOTO_SESSION_KEY,
        "the role's, not the MFA session's"
    );
    let err = stderr(&out);
    for secret in ["SecretAccessKey", "SessionToken"] {
        assert!(!err.contains(dev[secret].as_str().unwrap()), "{err}");
    }
    assert!(!err.contains(TOKEN), "{err}");

    // prod: its own region in the destination; its credentials are the cached chain's last hop.
    let out = run(&home, &moto, &["login", "prod"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_login_url(
        stdout(&out).trim_end(),
        &server,
        "https://us-west-2.console.aws.amazon.com/console/home?region=us-west-2",
    );
    let prod = cached(&home, &moto, "prod");
    let q = query(&seen.lock().unwrap()[1]);
    let session: serde_json::Value = serde_json::from_str(&q["Session"]).unwrap();
    assert_eq!(session["sessionId"], prod["AccessKeyId"]);
    assert_eq!(session["sessionToken"], prod["SessionToken"]);

    // A federated user: GetFederationToken's credentials are accepted.
    moto.reset();
    let out = run(&home, &moto, &["login", "fed"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let actions: Vec<String> = moto.requests().into_iter().map(|r| r.action).collect();
    assert_eq!(actions, ["GetFederationToken"]);
    let fed = cached(&home, &moto, "fed");
    assert!(
        fed["Arn"]
            .as_str()
            .unwrap()
            .contains(":federated-user/alice-fed"),
        "{fed}"
    );
    let q = query(&seen.lock().unwrap()[2]);
    let session: serde_json::Value = serde_json::from_str(&q["Session"]).unwrap();
    assert_eq!(session["sessionKey"], fed["SecretAccessKey"]);

    // console_url replaces the destination, the region added to its query.
    settings(
        &home,
        &format!(
            "signin_url = \"{server}/federation\"\nconsole_url = \"https://console.example/ec2/home?a=1\"\n"
        ),
    );
    let out = run(&home, &moto, &["login", "dev"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_login_url(
        stdout(&out).trim_end(),
        &server,
        "https://console.example/ec2/home?a=1&region=eu-west-1",
    );
}

#[test]
fn login_refuses_a_plain_session_before_any_request() {
    let Some(moto) = Moto::start() else { return };
    let (home, _, seen) = signing_in();
    let out = run(
        &home,
        &moto,
        &["login", "user", "--mfa-code", "123456"],
        &[],
    );
    assert_clean_failure(&out, "plain session");
    assert!(stderr(&out).contains("federation_name"), "{}", stderr(&out));
    assert!(stderr(&out).contains("role_arn"), "{}", stderr(&out));
    assert!(moto.requests().is_empty(), "no STS call");
    assert!(seen.lock().unwrap().is_empty(), "no getSigninToken");

    // An endpoint that is not https is refused when the settings are read.
    settings(
        &home,
        "signin_url = \"http://signin.example.com/federation\"\n",
    );
    let out = run(&home, &moto, &["login", "dev", "--mfa-code", "123456"], &[]);
    assert_clean_failure(&out, "signin_url");
    assert!(moto.requests().is_empty());
}

#[test]
fn endpoint_errors_fail_cleanly_without_secrets() {
    let Some(moto) = Moto::start() else { return };
    let home = home();
    // A 400 whose body echoes the request, credentials and all, in HTML.
    let echoed = Arc::new(Mutex::new(String::new()));
    let (server, seen) = {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let echo = echoed.clone();
        let url = serve(4, move |request| {
            let line = request.lines().next().unwrap_or("").to_string();
            log.lock().unwrap().push(line.clone());
            let decoded = query(&line)["Session"].clone();
            let body = format!(
                "<html><body><h1>Invalid\r\ncredentials parameter</h1>\x1b[2J<p>{line}</p>\
                 <p>{decoded}</p></body></html>"
            );
            *echo.lock().unwrap() = body.clone();
            ("400 Bad Request", body)
        });
        (url, seen)
    };
    settings(&home, &format!("signin_url = \"{server}/federation\"\n"));
    let out = run(&home, &moto, &["login", "dev", "--mfa-code", "123456"], &[]);
    assert_clean_failure(&out, "400 Bad Request");
    assert_eq!(seen.lock().unwrap().len(), 1);
    let err = stderr(&out);
    assert!(err.contains("Invalid credentials parameter"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
    let dev = cached(&home, &moto, "dev");
    let secret = dev["SecretAccessKey"].as_str().unwrap();
    let token = dev["SessionToken"].as_str().unwrap();
    assert!(
        echoed.lock().unwrap().contains(secret),
        "the server did echo the secret"
    );
    for (what, value) in [("secret key", secret), ("session token", token)] {
        assert!(!err.contains(&value[..16]), "{what} in: {err}");
        let encoded: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        assert!(!err.contains(&encoded[..16]), "encoded {what} in: {err}");
    }

    // A 200 that is not the answer.
    let (server, _) = signin_server("200 OK", "{\"Nope\":1}".into());
    settings(&home, &format!("signin_url = \"{server}/federation\"\n"));
    let out = run(&home, &moto, &["login", "dev"], &[]);
    assert_clean_failure(&out, "without a SigninToken");

    // An endpoint that never answers costs sts_timeout.
    let hung = hung_server();
    settings(
        &home,
        &format!("signin_url = \"{hung}/federation\"\nsts_timeout = \"2s\"\n"),
    );
    let started = std::time::Instant::now();
    let out = run(&home, &moto, &["login", "dev"], &[]);
    assert_clean_failure(&out, "did not answer within 2s");
    let took = started.elapsed().as_secs_f64();
    assert!((2.0..8.0).contains(&took), "took {took}s");
}

/// A script at `dir/name` that records its arguments one per line in `dir/name.args`, fetches
/// the last one with curl as a browser would (unless it is to fail), keeps the response head in
/// `dir/name.head`, and exits with `status`.
fn fake_browser(dir: &Path, name: &str, status: u8) {
    let path = dir.join(name);
    let fetch = match status {
        0 => format!(
            "curl -s -o /dev/null -D '{}/{name}.head' \"$last\"\n\
             echo 'a browser says hello on its stdout'",
            dir.display()
        ),
        _ => String::new(),
    };
    let script = format!(
        "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{d}/{name}.args'\n\
         for last; do :; done\n\
         {fetch}\n\
         exit {status}\n",
        d = dir.display()
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

/// The sign-in URL the browser was sent to from the one-time local link.
fn redirected_to(head: &str) -> String {
    assert!(head.starts_with("HTTP/1.1 303"), "{head}");
    head.lines()
        .find_map(|l| l.strip_prefix("Location: "))
        .expect("a Location header")
        .trim_end()
        .to_string()
}

/// The browser gets a one-time loopback link, never the URL itself: a child's arguments are
/// visible to every user on the machine, and the URL is a credential for 15 minutes.
fn assert_one_time_link(args: &str) -> String {
    let link = args.lines().last().unwrap().to_string();
    let rest = link.strip_prefix("http://127.0.0.1:").expect(&link);
    let (port, nonce) = rest.split_once('/').expect(&link);
    assert!(port.parse::<u16>().is_ok(), "{link}");
    assert_eq!(nonce.len(), 32, "{link}");
    assert!(nonce.chars().all(|c| c.is_ascii_hexdigit()), "{link}");
    assert!(
        !args.contains("SigninToken") && !args.contains("Sgn"),
        "{args}"
    );
    link
}

#[test]
fn open_hands_the_browser_a_one_time_link() {
    let Some(moto) = Moto::start() else { return };
    if !require("curl") {
        return;
    }
    let (home, server, seen) = signing_in();
    let fakes = tempfile::tempdir().unwrap();
    let dir = fakes.path();
    fake_browser(dir, "xdg-open", 0);
    fake_browser(dir, "mybrowser", 0);
    fake_browser(dir, "broken", 3);
    let path = format!("{}:{}", dir.display(), path_with_bin());
    let destination = "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1";

    // xdg-open, with BROWSER unset.
    let out = run(
        &home,
        &moto,
        &["login", "dev", "--open", "--mfa-code", "123456"],
        &[("PATH", &path)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "stdout: {:?}", stdout(&out));
    let err = stderr(&out);
    assert!(
        err.contains("aws-as: opened the AWS console for `dev`"),
        "{err}"
    );
    assert!(
        err.contains("a browser says hello"),
        "the opener's stdout goes to stderr: {err}"
    );
    let args = read(&dir.join("xdg-open.args"));
    assert_eq!(args.lines().count(), 1, "{args}");
    let link = assert_one_time_link(&args);
    assert_login_url(
        &redirected_to(&read(&dir.join("xdg-open.head"))),
        &server,
        destination,
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
    // Spent: aws-as has gone, and the link with it.
    let again = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", &link])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&again.stdout), "000", "{link}");

    // $BROWSER wins over xdg-open, `%s` marks where the link goes, and a command that is not
    // installed is skipped.
    let browser = format!("no-such-browser:{}/mybrowser --new-tab %s", dir.display());
    let out = run(
        &home,
        &moto,
        &["login", "dev", "--open"],
        &[("PATH", &path), ("BROWSER", &browser)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.is_empty());
    let args = read(&dir.join("mybrowser.args"));
    assert_eq!(args.lines().next(), Some("--new-tab"), "{args}");
    assert_eq!(args.lines().count(), 2, "{args}");
    assert_one_time_link(&args);
    assert_login_url(
        &redirected_to(&read(&dir.join("mybrowser.head"))),
        &server,
        destination,
    );

    // A browser command that fails is a failure, with the way out in the message.
    let out = run(
        &home,
        &moto,
        &["login", "dev", "--open"],
        &[("PATH", &path), ("BROWSER", "broken")],
    );
    assert_clean_failure(&out, "without --open");
    assert!(stderr(&out).contains("broken"), "{}", stderr(&out));

    // No browser at all: refused before any call.
    moto.reset();
    let before = seen.lock().unwrap().len();
    let bin_dir = bin().parent().unwrap().display().to_string();
    let out = run(
        &home,
        &moto,
        &[
            "login",
            "dev",
            "--open",
            "--refresh",
            "--mfa-code",
            "123456",
        ],
        &[("PATH", &bin_dir)],
    );
    assert_clean_failure(&out, "run aws-as login without --open");
    assert!(stderr(&out).contains("xdg-open"), "{}", stderr(&out));
    assert!(moto.requests().is_empty());
    assert_eq!(seen.lock().unwrap().len(), before);
}

#[test]
fn https_endpoints_are_verified_against_the_trust_store() {
    let Some(moto) = Moto::start() else { return };
    if !require("openssl") {
        return;
    }
    let home = home();
    // A getSigninToken endpoint over TLS, with a certificate for 127.0.0.1.
    let dir = tempfile::tempdir().unwrap();
    let server = tls_server(
        dir.path(),
        "IP:127.0.0.1",
        0,
        &serde_json::json!({ "SigninToken": TOKEN }).to_string(),
    );
    settings(
        &home,
        &format!("signin_url = \"{}/federation\"\n", server.url),
    );

    // Trusted (rustls-native-certs reads SSL_CERT_FILE instead of the system store).
    let cert = server.ca.display().to_string();
    let out = run(
        &home,
        &moto,
        &["login", "dev", "--mfa-code", "123456"],
        &[("SSL_CERT_FILE", &cert)],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_login_url(
        stdout(&out).trim_end(),
        &server.url,
        "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1",
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let q = query(&requests[0].target);
    assert_eq!(q["Action"], "getSigninToken");
    let dev = cached(&home, &moto, "dev");
    let session: serde_json::Value = serde_json::from_str(&q["Session"]).unwrap();
    assert_eq!(session["sessionToken"], dev["SessionToken"]);

    // Not trusted: the system store does not know the certificate, and nothing is sent.
    let out = run(&home, &moto, &["login", "dev"], &[]);
    assert_clean_failure(&out, "certificate");
    let err = stderr(&out);
    assert!(
        err.contains(&format!("could not reach {}/federation", server.url)),
        "{err}"
    );
    assert!(
        !err.contains(&dev["SessionToken"].as_str().unwrap()[..16]),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);
}

/// The one-time link is in the browser's arguments, which every user can read. Another user's
/// process that fetches it first is turned away without spending it; the user's own browser
/// then gets the redirect.
#[test]
fn another_users_fetch_of_the_link_is_refused() {
    let Some(moto) = Moto::start() else { return };
    if !require("curl") || !require("setpriv") || !require_root("to fetch as another user") {
        return;
    }
    let (home, server, seen) = signing_in();
    let fakes = tempfile::tempdir().unwrap();
    let dir = fakes.path();
    let browser = dir.join("racing-browser");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\n\
             setpriv --reuid=65534 --regid=65534 --clear-groups \
             curl -s -o /dev/null -w '%{{http_code}}' \"$1\" > '{d}/other.code'\n\
             curl -s -o /dev/null -D '{d}/mine.head' \"$1\"\n",
            d = dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run(
        &home,
        &moto,
        &["login", "dev", "--open", "--mfa-code", "123456"],
        &[("BROWSER", browser.to_str().unwrap())],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&dir.join("other.code")), "403");
    assert_login_url(
        &redirected_to(&read(&dir.join("mine.head"))),
        &server,
        "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1",
    );
    assert_eq!(seen.lock().unwrap().len(), 1);
}
