//! CONTRACT section 8's prompt renewal in real bash, zsh, ksh93 and mksh, typed through tmux:
//! from `refresh_margin` before expiry a prompt starts the renewal in the background and a later
//! prompt takes the new credentials; a prompt comes back while the endpoint hangs; `auto_refresh
//! = false` is respected; a renewal that needs an MFA code leaves the credentials alone and
//! shows the time left. moto's credentials last the 900 s asked for, and a `refresh_margin` of
//! 14m52s makes them due 8 s after they were issued.

use crate::support::servers;
use crate::support::shells::shell;
use crate::support::term::Term;
use crate::support::*;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

fn config() -> String {
    format!(
        "{CONFIG}\n[profile fast]\nrole_arn = arn:aws:iam::123456789012:role/fast\nsource_profile = user\nduration_seconds = 900\n"
    )
}

const SETTINGS: &str = "refresh_margin = \"14m52s\"\n";

struct Session {
    moto: Moto,
    _home: Home,
    term: Term,
    /// The endpoint the shell uses: a proxy in front of moto that can be made to hang.
    hang: std::sync::Arc<std::sync::atomic::AtomicBool>,
    held: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

fn session(name: &str, settings: &str) -> Option<Session> {
    let shell = shell(name);
    if !require(shell.program) || !require("tmux") {
        return None;
    }
    let moto = Moto::start()?;
    let (url, hang, held) = servers::hanging_proxy(&moto.url());
    let home = Home::new(&config(), &credentials());
    home.settings(settings);
    let env = vec![
        ("HOME", home.path().display().to_string()),
        ("PATH", path_with_bin()),
        ("TERM", "xterm".to_string()),
        ("LANG", "C.UTF-8".to_string()),
        ("AWS_ENDPOINT_URL", url),
    ];
    let term = Term::shell(shell, &env, home.path());
    term.run(&shell.set_prompt("my$ "));
    term.run(shell.activate());
    Some(Session {
        moto,
        _home: home,
        term,
        hang,
        held,
    })
}

/// A session switched to `fast`, and its access key.
fn switched(name: &str, settings: &str) -> Option<(Session, String)> {
    let s = session(name, settings)?;
    assert_eq!(
        s.term.run("aws-as fast --mfa-code 123456"),
        "(fast) my$",
        "{name}"
    );
    let first = key(&s.term);
    Some((s, first))
}

fn key(term: &Term) -> String {
    term.env("key")
        .get("AWS_ACCESS_KEY_ID")
        .cloned()
        .unwrap_or_default()
}

/// Press Enter about once a second until `done` holds, for at most `secs`.
fn prompts_until(term: &Term, secs: u64, what: &str, done: impl Fn(&Term, &str) -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    loop {
        let prompt = term.run("true");
        if done(term, &prompt) {
            return;
        }
        assert!(
            Instant::now() < end,
            "no {what} after {secs}s; screen:\n{}",
            term.screen()
        );
        std::thread::sleep(Duration::from_millis(700));
    }
}

fn renews(name: &str) {
    let Some((s, first)) = switched(name, SETTINGS) else {
        return;
    };
    s.moto.reset();
    prompts_until(&s.term, 90, "renewal", |t, _| key(t) != first);
    let env = s.term.env("renewed");
    assert_eq!(env["AWS_AS_IDENTITY"], "fast", "{name}");
    assert!(
        env["AWS_AS_EXPIRATION"].parse::<i64>().unwrap() > util_now() + 600,
        "{name}: {env:?}"
    );
    // One AssumeRole on the cached MFA session, which needed no code.
    assert_eq!(s.moto.count("GetSessionToken"), 0, "{name}");
    assert!(s.moto.count("AssumeRole") >= 1, "{name}");
    assert_eq!(s.term.run("true"), "(fast) my$", "{name}");
    // The shell's tools sign with the new key.
    let renewed = env["AWS_ACCESS_KEY_ID"].clone();
    s.moto.reset();
    let out = s.term.output_of(&format!(
        "{} sts get-caller-identity --query Arn --output text",
        venv().join("bin/aws").display()
    ));
    assert!(out.contains(":assumed-role/fast/"), "{name}: {out}");
    let calls = s.moto.requests();
    let gci = calls
        .iter()
        .find(|r| r.action == "GetCallerIdentity")
        .expect("GetCallerIdentity");
    assert_eq!(gci.signing_key, renewed, "{name}");
}

fn util_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Every renewal process that is running now.
fn renewals() -> Vec<String> {
    let out = std::process::Command::new("pgrep")
        .args(["-a", "-f", "aws-as __renew"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn hung_endpoint(name: &str) {
    let Some((s, first)) = switched(name, &format!("{SETTINGS}sts_timeout = \"60s\"\n")) else {
        return;
    };
    s.hang.store(true, Ordering::SeqCst);
    // Prompts keep coming back while the renewal waits on the endpoint that never answers: the
    // renewal is still running (held by the endpoint) after a prompt has returned.
    prompts_until(&s.term, 90, "connection to the hung endpoint", |_, _| {
        s.held.load(Ordering::SeqCst) > 0
    });
    assert_eq!(s.term.run("true"), "(fast) my$", "{name}");
    // This shell's renewal (its PID is in the arguments) is still waiting.
    let pid = s.term.output_of("echo $$").trim().to_string();
    let running = renewals();
    assert!(
        running
            .iter()
            .any(|l| l.contains(&format!("__renew {} {pid} ", dialect(name)))),
        "{name}: {running:?}"
    );
    assert_eq!(key(&s.term), first, "{name}");
    // The endpoint answers again: the next attempt renews.
    s.hang.store(false, Ordering::SeqCst);
    prompts_until(&s.term, 150, "renewal", |t, _| key(t) != first);
}

fn dialect(name: &str) -> &'static str {
    match name {
        "bash" => "bash",
        "zsh" => "zsh",
        _ => "ksh",
    }
}

fn off(name: &str) {
    let Some((s, first)) = switched(name, &format!("{SETTINGS}auto_refresh = false\n")) else {
        return;
    };
    s.moto.reset();
    assert_eq!(s.term.var("_AWS_AS_DUE"), None, "{name}");
    // Past the due time, prompts renew nothing.
    std::thread::sleep(Duration::from_secs(10));
    for _ in 0..3 {
        s.term.run("true");
    }
    assert_eq!(key(&s.term), first, "{name}");
    assert_eq!(s.moto.count("AssumeRole"), 0, "{name}");
}

/// The MFA session lasts as long as the role (session_duration 15m), so renewing the role needs
/// a new session, and so a code.
fn needs_code(name: &str) {
    let Some((s, _)) = switched(name, &format!("{SETTINGS}session_duration = \"15m\"\n")) else {
        return;
    };
    let env = s.term.env("fast");
    s.moto.reset();
    // The label turns to one with the time left; nothing else changes.
    prompts_until(&s.term, 90, "expiry label", |_, p| p != "(fast) my$");
    let prompt = s.term.run("true");
    assert!(
        prompt.starts_with("(fast 14m) ") || prompt.starts_with("(fast 13m) "),
        "{name}: {prompt}"
    );
    assert_eq!(s.term.env("stale"), env, "{name}");
    assert_eq!(s.moto.count("AssumeRole"), 0, "{name}");
    assert_eq!(s.moto.count("GetSessionToken"), 0, "{name}");
    // `aws-as NAME` renews it, with a code.
    assert_eq!(
        s.term.run("aws-as fast --mfa-code 123456"),
        "(fast) my$",
        "{name}"
    );
    assert_ne!(key(&s.term), env["AWS_ACCESS_KEY_ID"], "{name}");
}

#[test]
fn bash_renews_at_the_prompt() {
    renews("bash");
    needs_code("bash");
}

#[test]
fn zsh_renews_at_the_prompt() {
    renews("zsh");
    needs_code("zsh");
}

#[test]
fn ksh93_renews_at_the_prompt() {
    renews("ksh93");
}

#[test]
fn mksh_renews_at_the_prompt() {
    renews("mksh");
}

#[test]
fn bash_prompt_returns_while_the_endpoint_hangs() {
    hung_endpoint("bash");
}

#[test]
fn zsh_prompt_returns_while_the_endpoint_hangs() {
    hung_endpoint("zsh");
}

#[test]
fn auto_refresh_off() {
    off("bash");
    off("zsh");
}

/// What the renewal writes is read back as data: values full of shell syntax (a hostile STS
/// answer's secret may hold any printable character) come out byte for byte and run nothing, in
/// each shell that renews, through the same reader the prompt uses.
#[test]
fn the_renewal_file_is_read_as_data() {
    let secret = r#"s$(touch PWNED1)`touch PWNED2`'"\$HOME;touch PWNED3|&"#;
    let token = "t$(touch${IFS}PWNED4)";
    let label = "(dev) $(touch PWNED5) ";
    for (program, dialect) in [
        ("bash", "bash"),
        ("zsh", "zsh"),
        ("ksh93", "sh"),
        ("mksh", "sh"),
    ] {
        if !require(program) {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("renew-1");
        std::fs::write(
            &file,
            format!(
                "42\nok\ndev\n2000000000\nASIAHOSTILE\n{secret}\n{token}\n2033-05-18T03:48:20Z\n2000000900\n1999999600\n{label}\n\n\n\n"
            ),
        )
        .unwrap();
        let script = format!(
            "eval \"$(command aws-as init {dialect} --script)\"\n\
             export AWS_AS_IDENTITY=dev AWS_AS_EXPIRATION=2000000000\n\
             _AWS_AS_RFILE='{}'; _AWS_AS_RNONCE=42\n\
             __aws_as_renewed\n\
             printf '%s\\n' \"$AWS_ACCESS_KEY_ID\" \"$AWS_SECRET_ACCESS_KEY\" \"$AWS_SESSION_TOKEN\" \"$AWS_AS_EXPIRATION\" \"$_AWS_AS_DUE\" \"${{_AWS_AS_RNONCE-none}}\"\n",
            file.display()
        );
        let out = std::process::Command::new(program)
            .arg("-c")
            .arg(&script)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", path_with_bin())
            .env("HOME", dir.path())
            .output()
            .unwrap();
        let text = stdout(&out);
        assert_eq!(
            text.lines().collect::<Vec<_>>(),
            [
                "ASIAHOSTILE",
                secret,
                token,
                "2000000900",
                "1999999600",
                "none"
            ],
            "{program}: {}",
            stderr(&out)
        );
        let pwned: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("PWNED"))
            .collect();
        assert!(pwned.is_empty(), "{program}: {pwned:?}");
    }
}
