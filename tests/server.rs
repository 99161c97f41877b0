//! `exec --server`: the command gets a credential endpoint instead of keys, read by boto3 and the
//! AWS CLI for real, renewed while it runs; the endpoint refuses whoever lacks the token; aws-as
//! ends as the command ended, passes signals on, and closes the port.

use crate::support::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A user without MFA, and roles on it: one that lasts 15 minutes, one that lasts the default.
const CONFIG: &str = r#"[profile base]
region = eu-west-1

[profile short]
role_arn = arn:aws:iam::123456789012:role/short
source_profile = base
duration_seconds = 900

[profile hour]
role_arn = arn:aws:iam::123456789012:role/hour
source_profile = base

[profile mfauser]
region = eu-west-1
mfa_serial = arn:aws:iam::123456789012:mfa/alice
"#;

fn home() -> Home {
    let keys = format!(
        "aws_access_key_id = {LONG_TERM_KEY}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
    );
    Home::new(CONFIG, &format!("[base]\n{keys}\n[mfauser]\n{keys}"))
}

/// A CMD that writes the endpoint's URL and token into `endpoint` (then renamed into place, so a
/// reader never sees half of it) and waits for a file `done`.
const WAIT_FOR_DONE: &str = r#"printf '%s\n%s\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI" "$AWS_CONTAINER_AUTHORIZATION_TOKEN" > endpoint.tmp && mv endpoint.tmp endpoint; while [ ! -e done ]; do sleep 0.1; done"#;

/// `aws-as ARGS` started detached from any terminal, its stderr in the file `stderr`.
fn start(home: &Home, moto: &Moto, args: &[&str]) -> Child {
    let mut cmd = Command::new("setsid");
    // setsid execs in place (the test is no process group leader): the pid is aws-as's.
    cmd.arg(bin()).args(args);
    home.clean_env(&mut cmd, &moto.url());
    let err = std::fs::File::create(home.path().join("stderr")).unwrap();
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(err);
    cmd.spawn().expect("start aws-as")
}

/// The URL and token the command wrote, once it has.
fn endpoint(home: &Home, child: &mut Child) -> (String, String) {
    let path = home.path().join("endpoint");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(text) = std::fs::read_to_string(&path) {
            let mut lines = text.lines();
            return (
                lines.next().unwrap().to_string(),
                lines.next().unwrap().to_string(),
            );
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("aws-as ended ({status:?}): {}", stderr_of(home));
        }
        assert!(
            Instant::now() < deadline,
            "no endpoint: {}",
            stderr_of(home)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stderr_of(home: &Home) -> String {
    std::fs::read_to_string(home.path().join("stderr")).unwrap_or_default()
}

fn port_of(url: &str) -> u16 {
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .expect("a loopback URL");
    rest.trim_end_matches('/').parse().unwrap()
}

/// One HTTP/1.1 request, by hand: the status and the body.
fn request(url: &str, method: &str, authorization: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port_of(url))).expect("connect");
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} / HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).unwrap();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_string())
}

fn get(url: &str, token: &str) -> serde_json::Value {
    let (status, body) = request(url, "GET", Some(token));
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).expect("JSON")
}

/// Tell the waiting command to end, and return aws-as's status.
fn finish(home: &Home, mut child: Child) -> std::process::ExitStatus {
    std::fs::write(home.path().join("done"), "").unwrap();
    child.wait().unwrap()
}

fn python() -> PathBuf {
    venv().join("bin/python")
}

fn output(home: &Home, moto: &Moto, args: &[&str]) -> Output {
    home.run(&moto.url(), args)
}

/// Run Python `script` as `aws-as exec --server PROFILE -- python -c SCRIPT`, and the JSON it
/// prints.
fn python_script(home: &Home, moto: &Moto, profile: &str, script: &str) -> serde_json::Value {
    let py = python();
    let args = [
        "exec",
        "--server",
        profile,
        "--",
        py.to_str().unwrap(),
        "-c",
        script,
    ];
    serde_json::from_str(&ok(&output(home, moto, &args))).expect("the script's JSON")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed ({:?}): {}\n{}",
        out.status,
        stderr(out),
        stdout(out)
    );
    stdout(out)
}

#[test]
fn boto3_gets_renewed_credentials_while_the_command_runs() {
    let Some(moto) = Moto::start() else { return };
    let home = home();
    // Credentials of 15 minutes are due 10 seconds after they are made.
    home.settings("refresh_margin = \"14m50s\"\n");
    // boto3 asks the endpoint again on each use (15 minutes left is inside its advisory
    // window); it waits until the key changes rather than for a fixed time.
    let script = r#"
import boto3, json, sys, time
s = boto3.Session()
sts = s.client("sts")
arn1 = sts.get_caller_identity()["Arn"]
k1 = s.get_credentials().get_frozen_credentials().access_key
deadline = time.time() + 120
while True:
    k2 = s.get_credentials().get_frozen_credentials().access_key
    if k2 != k1:
        break
    if time.time() > deadline:
        sys.exit("the credentials were never renewed")
    time.sleep(1)
arn2 = sts.get_caller_identity()["Arn"]
print(json.dumps({"k1": k1, "k2": k2, "arn1": arn1, "arn2": arn2}))
"#;
    let v = python_script(&home, &moto, "short", script);
    let (k1, k2) = (v["k1"].as_str().unwrap(), v["k2"].as_str().unwrap());
    assert_ne!(k1, k2);
    assert!(v["arn2"].as_str().unwrap().contains(":assumed-role/short/"));
    let requests = moto.requests();
    let assumed = requests.iter().filter(|r| r.action == "AssumeRole").count();
    assert_eq!(assumed, 2, "the first credentials and one renewal");
    let signers: Vec<&str> = requests
        .iter()
        // aws-as's own look at the base user (MFA discovery) is signed with the base's key.
        .filter(|r| r.action == "GetCallerIdentity" && r.signing_key != LONG_TERM_KEY)
        .map(|r| r.signing_key.as_str())
        .collect();
    assert_eq!(
        signers,
        [k1, k2],
        "the second call is signed with the new key"
    );
}

#[test]
fn the_aws_cli_runs_with_no_keys_in_its_environment() {
    let Some(moto) = Moto::start() else { return };
    let home = home();
    let out = output(
        &home,
        &moto,
        &[
            "exec",
            "--server",
            "hour",
            "--",
            "sh",
            "-c",
            "env > env.txt; exec aws sts get-caller-identity --query Arn --output text",
        ],
    );
    assert!(ok(&out).contains(":assumed-role/hour/"), "{}", stdout(&out));
    let env = std::fs::read_to_string(home.path().join("env.txt")).unwrap();
    for var in [
        "AWS_ACCESS_KEY_ID=",
        "AWS_SECRET_ACCESS_KEY=",
        "AWS_SESSION_TOKEN=",
        "AWS_CREDENTIAL_EXPIRATION=",
        "AWS_AS_EXPIRATION=",
        "AWS_AS_RESOLVING=",
    ] {
        assert!(!env.lines().any(|l| l.starts_with(var)), "{var} in:\n{env}");
    }
    assert!(env.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:"));
    assert!(env.contains("AWS_AS_IDENTITY=hour\n"));
    assert!(env.contains("AWS_REGION=eu-west-1\n"));
    let token = env
        .lines()
        .find_map(|l| l.strip_prefix("AWS_CONTAINER_AUTHORIZATION_TOKEN="))
        .expect("the token");
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_hexdigit()));
}

#[test]
fn twenty_concurrent_clients_make_no_sts_call_of_their_own() {
    let Some(moto) = Moto::start() else { return };
    let home = home();
    let script = r#"
import boto3, json, threading
barrier = threading.Barrier(20)
keys, errors = [], []
def client():
    try:
        s = boto3.Session()
        barrier.wait()
        keys.append(s.get_credentials().get_frozen_credentials().access_key)
    except Exception as e:
        errors.append(repr(e))
threads = [threading.Thread(target=client) for _ in range(20)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"keys": keys, "errors": errors}))
"#;
    let v = python_script(&home, &moto, "hour", script);
    assert_eq!(v["errors"], serde_json::json!([]));
    let keys = v["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 20);
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    // With an empty cache, the one AssumeRole is the first obtain's.
    assert_eq!(moto.count("AssumeRole"), 1);
}

#[test]
fn a_request_without_the_token_gets_no_credentials() {
    let Some(moto) = Moto::start() else { return };
    let home = home();
    let mut child = start(
        &home,
        &moto,
        &["exec", "--server", "hour", "--", "sh", "-c", WAIT_FOR_DONE],
    );
    let (url, token) = endpoint(&home, &mut child);
    let good = get(&url, &token);
    let secret = good["SecretAccessKey"].as_str().unwrap().to_string();
    assert!(good["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert!(!good["Token"].as_str().unwrap().is_empty());
    assert!(good["Expiration"].as_str().unwrap().ends_with('Z'));

    let wrong = "0".repeat(token.len());
    let cases = [
        ("GET", None, 401),
        ("GET", Some(wrong.as_str()), 403),
        ("GET", Some(&token[..token.len() - 1]), 403),
        ("GET", Some(""), 403),
        ("POST", Some(token.as_str()), 405),
        ("PUT", None, 401),
    ];
    for (method, auth, want) in cases {
        let (status, body) = request(&url, method, auth);
        assert_eq!(status, want, "{method} {auth:?}: {body}");
        assert!(
            !body.contains("AccessKeyId") && !body.contains(&secret),
            "{body}"
        );
        let v: serde_json::Value = serde_json::from_str(&body).expect("the error shape");
        assert!(v["code"].is_string() && v["message"].is_string(), "{body}");
    }
    assert!(finish(&home, child).success(), "{}", stderr_of(&home));
}

#[test]
fn the_commands_end_is_aws_as_end_and_signals_reach_it() {
    let Some(moto) = Moto::start() else { return };
    let home = home();
    let serve = |cmd: &[&str]| {
        let mut args = vec!["exec", "--server", "hour", "--"];
        args.extend(cmd);
        home.run(&moto.url(), &args)
    };

    // Its exit status, and the signal that ended it.
    assert_eq!(serve(&["sh", "-c", "exit 7"]).status.code(), Some(7));
    let out = serve(&["sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.status.signal(), Some(15), "{}", stderr(&out));

    // A command that is not there.
    let out = serve(&["no-such-command-x"]);
    assert_eq!(out.status.code(), Some(127));
    assert!(
        stderr(&out).contains("aws-as: could not run `no-such-command-x`"),
        "{}",
        stderr(&out)
    );

    // A SIGTERM sent to aws-as reaches the command, which ends with its own status; then the
    // port is closed.
    let script = format!(
        "trap 'echo got > got; exit 3' TERM; {}",
        WAIT_FOR_DONE.replace("while [ ! -e done ]", "while :")
    );
    let mut child = start(
        &home,
        &moto,
        &["exec", "--server", "hour", "--", "sh", "-c", &script],
    );
    let (url, _) = endpoint(&home, &mut child);
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(3), "{}", stderr_of(&home));
    assert_eq!(read(&home.path().join("got")), "got\n");
    let refused = TcpStream::connect(("127.0.0.1", port_of(&url)));
    assert!(
        refused.is_err(),
        "the port is still open after aws-as ended"
    );
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn a_renewal_that_needs_a_code_says_so_once_and_serves_what_it_has() {
    let Some(moto) = Moto::start() else { return };
    let home = home();
    // Sessions of 15 minutes, due 10 seconds after they are made.
    home.settings("session_duration = \"15m\"\nrefresh_margin = \"14m50s\"\n");
    let mut child = start(
        &home,
        &moto,
        &[
            "exec",
            "--server",
            "mfauser",
            "--mfa-code",
            "123456",
            "--",
            "sh",
            "-c",
            WAIT_FOR_DONE,
        ],
    );
    let (url, token) = endpoint(&home, &mut child);
    let first = get(&url, &token);
    let needle = "need an MFA code to renew";
    // Until the session is due, and past it: the same credentials each time, and one line.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !stderr_of(&home).contains(needle) {
        assert!(Instant::now() < deadline, "no line: {}", stderr_of(&home));
        assert_eq!(get(&url, &token), first);
        std::thread::sleep(Duration::from_millis(250));
    }
    for _ in 0..5 {
        assert_eq!(get(&url, &token), first);
    }
    let err = stderr_of(&home);
    let lines: Vec<&str> = err.lines().filter(|l| l.contains(needle)).collect();
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with(
            "aws-as: the credentials of `mfauser` need an MFA code to renew; run aws-as mfauser in \
             another shell (the ones served now last until "
        ),
        "{err}"
    );
    assert_eq!(moto.count("GetSessionToken"), 1);

    // Another shell renews them: the next request gets the new ones.
    let out = home.run(
        &moto.url(),
        &["export", "mfauser", "--mfa-code", "123456", "--refresh"],
    );
    ok(&out);
    let renewed = get(&url, &token);
    let expiry = |v: &serde_json::Value| v["Expiration"].as_str().unwrap().to_string();
    assert!(expiry(&renewed) > expiry(&first), "{renewed} after {first}");
    assert_eq!(moto.count("GetSessionToken"), 2);
    assert!(finish(&home, child).success(), "{}", stderr_of(&home));
}

#[test]
fn twenty_clients_at_a_due_renewal_make_one_call() {
    let Some(moto) = Moto::start() else { return };
    let home = home();
    home.settings("refresh_margin = \"14m50s\"\n");
    let mut child = start(
        &home,
        &moto,
        &["exec", "--server", "short", "--", "sh", "-c", WAIT_FOR_DONE],
    );
    let (url, token) = endpoint(&home, &mut child);
    let first = get(&url, &token);
    assert_eq!(moto.count("AssumeRole"), 1);
    // Wait until the credentials are due, as their expiry says (not for a fixed time).
    let expiry = chrono::DateTime::parse_from_rfc3339(first["Expiration"].as_str().unwrap())
        .unwrap()
        .timestamp();
    let due = expiry - (14 * 60 + 50);
    while chrono::Utc::now().timestamp() <= due {
        std::thread::sleep(Duration::from_millis(200));
    }
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(20));
    let clients: Vec<_> = (0..20)
        .map(|_| {
            let (url, token, barrier) = (url.clone(), token.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                get(&url, &token)["AccessKeyId"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
        })
        .collect();
    let keys: Vec<String> = clients.into_iter().map(|c| c.join().unwrap()).collect();
    assert!(keys.iter().all(|k| *k == keys[0]), "{keys:?}");
    assert_ne!(keys[0], first["AccessKeyId"].as_str().unwrap());
    assert_eq!(moto.count("AssumeRole"), 2, "one renewal for the twenty");
    assert!(finish(&home, child).success(), "{}", stderr_of(&home));
}

#[test]
fn ctrl_c_at_the_terminal_reaches_the_command_once() {
    let Some(moto) = Moto::start() else { return };
    if !require("tmux") {
        return;
    }
    let home = home();
    // aws-as is the pane's program: the terminal's Ctrl-C goes to it and to the command, which
    // share its process group. The command takes its SIGINTs one by one and writes down who
    // sent each (si_code 128 is SI_KERNEL, the terminal's; 0 is SI_USER, with the sender's pid).
    let script = r#"
import os, signal
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
open("pid", "w").write(str(os.getppid()))
while not os.path.exists("done"):
    info = signal.sigtimedwait({signal.SIGINT}, 0.1)
    if info:
        with open("ints", "a") as f:
            f.write(f"{info.si_code} {info.si_pid}\n")
"#;
    let (bin, py) = (bin(), python());
    let env = [
        ("HOME", home.path().display().to_string()),
        ("PATH", path_with_bin()),
        ("AWS_ENDPOINT_URL", moto.url()),
    ];
    let argv = [
        bin.to_str().unwrap(),
        "exec",
        "--server",
        "hour",
        "--",
        py.to_str().unwrap(),
        "-c",
        script,
    ];
    let term = term::Term::start(&argv, &env, home.path());
    let pid = wait_for_pid(&home.path().join("pid"), 60);
    let ints = || read(&home.path().join("ints"));
    term.keys("C-c");
    wait(|| ints().lines().count() >= 1);
    // A SIGINT that a process sends to aws-as is passed on, by aws-as.
    let sent = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    wait(|| ints().lines().count() >= 2);
    std::fs::write(home.path().join("done"), "").unwrap();
    // aws-as ends with the command: its pid goes.
    wait(|| !Path::new(&format!("/proc/{pid}")).exists());
    assert_eq!(
        ints(),
        format!("128 0\n0 {pid}\n"),
        "the terminal's, then the one passed on"
    );
}

/// Wait until `cond` holds; panics after a minute.
fn wait(cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out");
        std::thread::sleep(Duration::from_millis(50));
    }
}
