//! Waiting for another aws-as is bounded and says whom it waits for; the holder's failure is
//! handed to the waiters instead of being repeated by each in turn; and loops in the profiles,
//! of every shape, end at once with the loop in the message.

use crate::support::servers::hung_server_counting;
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
