//! Waiting for another aws-as is bounded and says whom it waits for; the holder's failure is
//! handed to the waiters instead of being repeated by each in turn; and loops in the profiles,
//! of every shape, end at once with the loop in the message.

use crate::support::servers::{hung_server_counting, iso_in, serve, sts_credentials};
use crate::support::*;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Eight processes against an STS that never answers: the one holding the lock makes its call
/// (two attempts within sts_timeout), and the seven waiting get its failure the moment it is
/// known, rather than each calling in turn (which took 2, 4 ... 16 s and 16 requests).
#[test]
fn waiters_get_the_holders_failure_instead_of_repeating_the_call() {
    let home = Home::standard();
    home.settings("sts_timeout = \"2s\"\n");
    let (url, accepted) = hung_server_counting();
    let started = Instant::now();
    let children: Vec<_> = (0..8)
        .map(|_| {
            let mut cmd = home.cmd(&url);
            cmd.args(["export", "dev", "--mfa-code", "123456"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            cmd.spawn().unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let took = started.elapsed();
    let mut handed_on = 0;
    for out in &outs {
        assert_clean_failure(out, "did not answer in time");
        if stderr(out).contains("got this moments ago; it was not asked again") {
            handed_on += 1;
        }
    }
    assert_eq!(handed_on, 7, "seven waiters were handed the failure");
    assert!(
        accepted.load(Ordering::SeqCst) <= 2,
        "{} connections: the call was repeated",
        accepted.load(Ordering::SeqCst)
    );
    // A bound, not a benchmark: one holder's budget, not eight of them in a row.
    assert!(took < Duration::from_secs(12), "took {took:?}");
}

/// A process sitting at an MFA prompt (here, an mfa_process that takes its time) holds the
/// session's lock. Another one waits lock_timeout at most, says for whom it waits, and then
/// gives up naming that process.
#[test]
fn a_wait_for_a_lock_is_bounded_and_names_the_holder() {
    let Some(moto) = Moto::start() else { return };
    let pidfile = tempfile::NamedTempFile::new().unwrap();
    let pid_path = pidfile.path().display().to_string();
    let config = CONFIG.replace(
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
        &format!(
            "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n\
             mfa_process = echo $PPID > {pid_path}; sleep 20; echo 123456\n"
        ),
    );
    let home = Home::new(&config, &credentials());
    home.settings("lock_timeout = \"2s\"\n");
    let mut holder = home.cmd(&moto.url());
    holder
        .args(["export", "dev"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut holder = holder.spawn().unwrap();
    let holder_pid = wait_for_pid(pidfile.path(), 20);
    assert_eq!(holder_pid, holder.id());

    let started = Instant::now();
    let out = home.run(&moto.url(), &["export", "ops"]);
    let took = started.elapsed();
    let _ = holder.kill();
    let _ = holder.wait();
    assert_clean_failure(
        &out,
        &format!("aws-as process {holder_pid} has been getting the credentials of profile `user`"),
    );
    let err = stderr(&out);
    assert!(err.contains("MFA code"), "{err}");
    assert!(err.contains(&format!("kill {holder_pid}")), "{err}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert_eq!(moto.count("GetSessionToken"), 0);
}

/// A base whose credential_process runs aws-as for a sibling profile on that same base: the
/// inner aws-as needs the lock the outer one holds while it waits for the inner one. It is
/// refused at once, with what loops, instead of hanging until killed and leaving orphans.
#[test]
fn a_credential_process_back_into_its_own_base_is_refused_at_once() {
    let config = format!(
        "[profile base]\ncredential_process = {} export sibling --format credential-process\n\n\
         [profile first]\nrole_arn = arn:aws:iam::123456789012:role/first\nsource_profile = base\n\n\
         [profile sibling]\nrole_arn = arn:aws:iam::123456789012:role/sibling\nsource_profile = base\n",
        bin().display()
    );
    let home = Home::new(&config, "");
    let started = Instant::now();
    let mut cmd = Command::new("timeout");
    cmd.args(["60", bin().to_str().unwrap(), "export", "first"]);
    home.clean_env(&mut cmd, "http://127.0.0.1:9");
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert_ne!(
        out.status.code(),
        Some(124),
        "it hung until timeout killed it"
    );
    assert_clean_failure(&out, "built on `base` itself");
    assert!(started.elapsed() < Duration::from_secs(30));
    // No aws-as of this HOME is left behind.
    let home_var = format!("HOME={}", home.path().display());
    let orphans: Vec<_> = std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            std::fs::read(e.path().join("environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == home_var.as_bytes()))
        })
        .collect();
    assert!(orphans.is_empty(), "left behind: {orphans:?}");
}

/// A federation profile whose source_profile comes back to it (or is itself) overflowed the
/// stack, in every command, `list` included: one bad profile broke aws-as for the whole file.
#[test]
fn federation_loops_end_with_the_loop_and_list_still_works() {
    let config = format!(
        "{CONFIG}\n[profile self-fed]\nfederation_name = alice\nsource_profile = self-fed\n\n\
         [profile fed-a]\nfederation_name = alice\nsource_profile = fed-b\n\n\
         [profile fed-b]\nfederation_name = bob\nsource_profile = fed-a\n"
    );
    let home = Home::new(&config, &credentials());
    for (name, needle) in [
        ("self-fed", "loops: self-fed -> self-fed"),
        ("fed-a", "loops: fed-a -> fed-b -> fed-a"),
    ] {
        let out = home.run("http://127.0.0.1:9", &["export", name]);
        assert_clean_failure(&out, needle);
    }
    let out = home.run("http://127.0.0.1:9", &["list"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for name in ["dev", "prod", "self-fed", "fed-a"] {
        assert!(text.contains(name), "{text}");
    }
}

/// A user's mfa_process with a wait in it, that says when it started (its parent's PID into
/// `pid_path`) and gives a code only when GOOD is set.
fn slow_mfa_config(pid_path: &str) -> String {
    CONFIG.replace(
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
        &format!(
            "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n\
             mfa_process = echo $PPID > {pid_path}; sleep 2; test -n \"$GOOD\" && echo 123456\n"
        ),
    )
}

/// A waiter takes the holder's failure only when it would have asked for the same: a
/// `--duration` STS refuses is no reason to fail a plain switch, and a holder that could not get
/// an MFA code (no terminal) is no reason to fail one that brings its own.
#[test]
fn waiters_take_only_failures_of_what_they_would_ask() {
    let pidfile = tempfile::NamedTempFile::new().unwrap();
    let pid_path = pidfile.path().display().to_string();
    let home = Home::new(&slow_mfa_config(&pid_path), &credentials());
    let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = asked.clone();
    let url = serve(8, move |req| {
        seen.lock().unwrap().push(req.to_string());
        if req.contains("DurationSeconds=72000") {
            (
                "400 Bad Request",
                "<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>\
                 The requested DurationSeconds exceeds the 1 hour session limit for roles \
                 assumed by role chaining.</Message></Error></ErrorResponse>"
                    .to_string(),
            )
        } else {
            (
                "200 OK",
                sts_credentials(
                    "GetSessionToken",
                    "ASIAWAITERTEST000001",
                    "waiter-secret",
                    "waiter-token",
                    &iso_in(3600),
                ),
            )
        }
    });
    let run_pair = |first: &[&str], first_env: &[(&str, &str)], second: &[&str]| {
        let _ = std::fs::remove_file(pidfile.path());
        let mut a = home.cmd(&url);
        a.args(first)
            .envs(first_env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let a = a.spawn().unwrap();
        // The holder is in its mfa_process, holding the session's lock.
        wait_for_pid(pidfile.path(), 20);
        let mut b = home.cmd(&url);
        b.args(second)
            .env("GOOD", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let b = b.spawn().unwrap().wait_with_output().unwrap();
        (a.wait_with_output().unwrap(), b)
    };

    let (a, b) = run_pair(
        &["export", "user", "--duration", "20h", "--refresh"],
        &[("GOOD", "1")],
        &["export", "user", "--refresh", "--format", "json"],
    );
    assert_clean_failure(&a, "ValidationError");
    assert!(b.status.success(), "{}", stderr(&b));
    assert!(
        !stderr(&b).contains("it was not asked again"),
        "{}",
        stderr(&b)
    );
    assert_eq!(asked.lock().unwrap().len(), 2, "each asked STS once");

    // The holder has no code to give; the waiter brings its own.
    let (a, b) = run_pair(
        &["export", "user", "--refresh"],
        &[],
        &["export", "user", "--refresh", "--mfa-code", "123456"],
    );
    assert!(!a.status.success());
    assert!(b.status.success(), "{}", stderr(&b));
}

/// An mfa_process that runs aws-as for a sibling profile on the same base: the inner aws-as
/// needs the lock its own parent holds while it waits for the code. It is refused at once,
/// instead of waiting lock_timeout for its parent.
#[test]
fn an_mfa_process_back_into_its_own_base_is_refused_at_once() {
    let Some(moto) = Moto::start() else { return };
    let errfile = tempfile::NamedTempFile::new().unwrap();
    let config = CONFIG.replace(
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
        &format!(
            "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n\
             mfa_process = {} export ops >/dev/null 2>{}; echo 123456\n",
            bin().display(),
            errfile.path().display()
        ),
    );
    let home = Home::new(&config, &credentials());
    home.settings("lock_timeout = \"30s\"\n");
    let started = Instant::now();
    let out = home.run(&moto.url(), &["export", "dev", "--format", "json"]);
    json(&out);
    let took = started.elapsed();
    let inner = std::fs::read_to_string(errfile.path()).unwrap();
    assert!(inner.contains("built on `user` itself"), "{inner}");
    assert!(took < Duration::from_secs(20), "took {took:?}");
}
