//! No input makes aws-as panic or hang, secrets stay out of core dumps and of the programs it
//! starts, clearing needs no setting it doesn't use, and a full disk costs the cache, not the
//! credentials.

use crate::support::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Not a panic: a panic exits 101 (or aborts with a signal in a release build).
fn assert_no_panic(out: &std::process::Output) {
    assert!(
        matches!(out.status.code(), Some(0..=2)),
        "status {:?}: {}",
        out.status,
        stderr(out)
    );
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
}

/// Profile names of 65,534 characters or more crashed `list` and `cache list` (a format width
/// is at most 65,535).
#[test]
fn very_long_profile_names_are_listed() {
    let Some(moto) = Moto::start() else { return };
    let long = "p".repeat(70_000);
    let config = format!(
        "{CONFIG}\n[profile {long}]\nrole_arn = arn:aws:iam::123456789012:role/long\n\
         source_profile = user\n"
    );
    let home = Home::new(&config, &credentials());
    json(&home.run(
        &moto.url(),
        &["export", &long, "--format", "json", "--mfa-code", "123456"],
    ));
    for args in [&["list"][..], &["cache", "list"]] {
        let out = home.run(&moto.url(), args);
        assert_no_panic(&out);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).contains(&long), "{args:?}");
    }
}

/// Settings out of any sane range are refused with a line that names the range, before they
/// reach the SDK (whose timers panicked on `9999999999999999d`).
#[test]
fn settings_out_of_range_are_refused_not_panicked_on() {
    let home = Home::standard();
    for (setting, range) in [
        ("sts_timeout = \"9999999999999999d\"", "use 1s to 10m"),
        ("sts_timeout = \"0\"", "use 1s to 10m"),
        ("session_duration = \"5m\"", "use 15m to 36h"),
        (
            "refresh_margin = \"99999999999999999999h\"",
            "refresh_margin",
        ),
        ("lock_timeout = \"2d\"", "use 1s to 1h"),
    ] {
        home.settings(&format!("{setting}\n"));
        let out = home.run(
            "http://127.0.0.1:9",
            &["export", "dev", "--mfa-code", "123456"],
        );
        assert_no_panic(&out);
        assert_clean_failure(&out, range);
    }
    home.settings("");
    let out = home.run(
        "http://127.0.0.1:9",
        &["export", "dev", "--duration", "9999999999999999d"],
    );
    assert_clean_failure(&out, "--duration");
}

/// `mfa_process` is bounded: `yes 123456` printed gigabytes into aws-as's memory, and one that
/// never ends held the lock forever.
#[test]
fn mfa_process_is_bounded_in_size_and_time() {
    let run = |process: &str, settings: &str| {
        let config = CONFIG.replace(
            "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
            &format!("mfa_serial = arn:aws:iam::123456789012:mfa/alice\nmfa_process = {process}\n"),
        );
        let home = Home::new(&config, &credentials());
        home.settings(settings);
        // At most 4 GB of address space, so that an unbounded read fails rather than swamps the
        // machine.
        let mut cmd = Command::new("setsid");
        cmd.args(["-w", "sh", "-c", "ulimit -v 4000000 && exec \"$0\" \"$@\""])
            .arg(bin())
            .args(["export", "dev"]);
        home.clean_env(&mut cmd, "http://127.0.0.1:9");
        let started = Instant::now();
        let out = cmd.stdin(Stdio::null()).output().unwrap();
        (out, started.elapsed())
    };
    let (out, _) = run("yes 123456", "");
    assert_clean_failure(&out, "mfa_process printed more than 4096 bytes");
    let (out, took) = run("sleep 30; echo 123456", "mfa_timeout = \"1s\"\n");
    assert_clean_failure(&out, "mfa_process did not finish within 1s");
    assert!(took < Duration::from_secs(20), "took {took:?}");
}

/// Core dumps of a process that holds a decrypted long-term secret contained it. aws-as is not
/// dumpable and has no core-file limit while it runs; a control process shows that this
/// machine does write core files.
#[test]
fn core_dumps_never_hold_a_secret() {
    if !require("setsid") {
        return;
    }
    let secret = "coreDUMPsecret/0000000000000000000000000";
    let dir = tempfile::tempdir().unwrap();
    let pidfile = dir.path().join("pid");
    let config = format!(
        "[profile user]\nmfa_serial = arn:aws:iam::123456789012:mfa/alice\n\
         mfa_process = echo $PPID > {}; sleep 30; echo 123456\n",
        pidfile.display()
    );
    let home = Home::new(&config, "");
    let file_store = [
        ("AWS_AS_KEYS_BACKEND", "file"),
        ("AWS_AS_FILE_PASSPHRASE", "core dump passphrase"),
    ];
    let mut add = file_store.to_vec();
    add.extend([
        ("AWS_ACCESS_KEY_ID", LONG_TERM_KEY),
        ("AWS_SECRET_ACCESS_KEY", secret),
    ]);
    let out = home.run_env("http://127.0.0.1:9", &["add", "user", "--from-env"], &add);
    assert!(out.status.success(), "{}", stderr(&out));

    // aws-as, at the point where it holds the decrypted secret and waits for the MFA code.
    let cores = dir.path().join("cores");
    std::fs::create_dir(&cores).unwrap();
    let mut cmd = Command::new("sh");
    cmd.args([
        "-c",
        "ulimit -c unlimited && cd \"$1\" && shift && exec \"$@\"",
        "sh",
    ])
    .arg(&cores)
    .arg(bin())
    .args(["export", "user"]);
    home.clean_env(&mut cmd, "http://127.0.0.1:9");
    cmd.envs(file_store)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = cmd.spawn().unwrap();
    let pid = wait_for_pid(&pidfile, 30);
    assert_eq!(pid, child.id());
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core_line = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    assert_eq!(
        core_line.split_whitespace().nth(4),
        Some("0"),
        "the soft core-file limit: {core_line}"
    );
    Command::new("kill")
        .args(["-ABRT", &pid.to_string()])
        .status()
        .unwrap();
    let _ = child.wait();
    assert!(
        files_containing(&cores, secret).is_empty() && files_containing(&cores, "ELF").is_empty(),
        "a core file: {:?}",
        std::fs::read_dir(&cores).unwrap().collect::<Vec<_>>()
    );

    // The control: the same kill of a process that may dump, in the same kind of directory.
    let control = dir.path().join("control");
    std::fs::create_dir(&control).unwrap();
    let mut sleeper = Command::new("sh")
        .args([
            "-c",
            "ulimit -c unlimited && cd \"$1\" && exec sleep 30",
            "sh",
        ])
        .arg(&control)
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    Command::new("kill")
        .args(["-ABRT", &sleeper.id().to_string()])
        .status()
        .unwrap();
    let _ = sleeper.wait();
    if std::fs::read_dir(&control).unwrap().next().is_none() {
        eprintln!(
            "\n*** NOT RUN (half): this machine writes no core files (kernel.core_pattern is {:?}), \
             so only the core-file limit was checked. ***\n",
            std::fs::read_to_string("/proc/sys/kernel/core_pattern").unwrap_or_default()
        );
    }
}

/// The file store's passphrase is aws-as's: neither `exec`'s command nor an mfa_process gets it.
#[test]
fn programs_aws_as_starts_never_get_the_passphrase() {
    let Some(moto) = Moto::start() else { return };
    let dump = tempfile::NamedTempFile::new().unwrap();
    let config = CONFIG.replace(
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n",
        &format!(
            "mfa_serial = arn:aws:iam::123456789012:mfa/alice\nmfa_process = env > {}; echo 123456\n",
            dump.path().display()
        ),
    );
    let home = Home::new(&config, &credentials());
    let out = home.run_env(
        &moto.url(),
        &["exec", "dev", "--", "env"],
        &[("AWS_AS_FILE_PASSPHRASE", "do not pass me on")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("AWS_AS_IDENTITY=dev"),
        "{}",
        stdout(&out)
    );
    assert!(!stdout(&out).contains("do not pass me on"));
    let seen = std::fs::read_to_string(dump.path()).unwrap();
    assert!(seen.contains("HOME="), "the mfa_process ran: {seen}");
    assert!(!seen.contains("do not pass me on"));
}

/// Clearing the identity and activating need only `prompt_format`: an unknown key or a bad
/// timeout in config.toml no longer stops `aws-as -` (or the prompt at activation).
#[test]
fn clearing_needs_no_setting_it_does_not_use() {
    let home = Home::standard();
    home.settings("a_key_from_a_newer_aws_as = true\nsts_timeout = \"0\"\n");
    let out = home.run("http://127.0.0.1:9", &["__hook", "bash", "--", "-"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("unset AWS_SECRET_ACCESS_KEY"),
        "{}",
        stdout(&out)
    );
    let out = home.run("http://127.0.0.1:9", &["__label", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A switch needs every setting, and says which one is wrong.
    let out = home.run("http://127.0.0.1:9", &["__hook", "bash", "--", "dev"]);
    assert_clean_failure(&out, "a_key_from_a_newer_aws_as");
    // Not even a bad prompt_format, or a settings file that is not TOML at all (an unclosed
    // string on an unrelated line), stops clearing: it says so and uses the default format.
    for broken in ["prompt_format = \"{nope}\"\n", "lock_timeout = \"5s\n"] {
        home.settings(broken);
        let out = home.run("http://127.0.0.1:9", &["__hook", "bash", "--", "-"]);
        assert!(out.status.success(), "{broken}: {}", stderr(&out));
        assert!(
            stdout(&out).contains("unset AWS_SECRET_ACCESS_KEY"),
            "{}",
            stdout(&out)
        );
        assert!(
            stderr(&out).contains("the prompt uses the default format"),
            "{}",
            stderr(&out)
        );
    }
}

/// What activation says about a broken settings file is one short line, with no control
/// character from the file: a 200 KB line, or an escape sequence in it, reaches no terminal.
#[test]
fn a_broken_settings_file_is_reported_in_one_short_line() {
    let home = Home::standard();
    for (text, line) in [
        (format!("\nprompt_format = \"{}\n", "x".repeat(200_000)), 2),
        ("# \u{1b}]0;pwned\u{7}\n".to_string(), 1),
        (
            format!("prompt_format = \"{}\u{1b}[31m\"\n", "x".repeat(200_000)),
            1,
        ),
    ] {
        home.settings(&text);
        let out = home.run("http://127.0.0.1:9", &["-s", "bash"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{}", &err[..err.len().min(2000)]);
        assert!(err.len() < 2100, "{} bytes", err.len());
        assert!(!out.stderr.contains(&0x1b) && !out.stderr.contains(&0x07));
        assert!(err.contains(&format!("(line {line})")), "{err}");
    }
}

/// A FIFO where a file should be would block the open for a writer that never comes; aws-as
/// refuses it instead, at shell start too.
#[test]
fn a_fifo_in_place_of_a_file_never_hangs_aws_as() {
    if !require("mkfifo") {
        return;
    }
    let home = Home::standard();
    let settings = home.path().join(".config/aws-as/config.toml");
    std::fs::create_dir_all(settings.parent().unwrap()).unwrap();
    let fifo = home.path().join("fifo");
    for path in [&settings, &fifo] {
        assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
    }
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = Command::new("timeout");
        cmd.arg("20").arg(bin()).args(args);
        home.clean_env(&mut cmd, "http://127.0.0.1:9");
        cmd.envs(env.iter().copied())
            .stdin(std::process::Stdio::null());
        let out = cmd.output().unwrap();
        assert_ne!(out.status.code(), Some(124), "{args:?} hung");
        out
    };
    let out = run(&["-s", "bash"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not a regular file"),
        "{}",
        stderr(&out)
    );
    assert_clean_failure(&run(&["list"], &[]), "not a regular file");
    std::fs::remove_file(&settings).unwrap();
    let out = run(&["list"], &[("AWS_CONFIG_FILE", fifo.to_str().unwrap())]);
    assert_clean_failure(&out, "not a regular file");
}

/// On a full disk the STS calls succeed and the cache can't be written: the credentials are
/// used (the new MFA session was thrown away before), with a warning that they aren't cached.
/// The disk is a real, full tmpfs mounted in a mount namespace of the test's own.
#[test]
fn a_full_disk_costs_the_cache_not_the_credentials() {
    let Some(moto) = Moto::start() else { return };
    if !require("unshare") || !require_root("to mount a small tmpfs") {
        return;
    }
    let home = Home::standard();
    let cache = home.path().join("full");
    std::fs::create_dir(&cache).unwrap();
    let mut cmd = Command::new("unshare");
    cmd.args([
        "-m",
        "sh",
        "-c",
        "mount -t tmpfs -o size=64k,mode=0700 tmpfs \"$1\" && \
         (dd if=/dev/zero of=\"$1/filler\" bs=4k 2>/dev/null; true) && shift && exec \"$@\"",
        "sh",
    ])
    .arg(&cache)
    .arg(bin())
    .args(["export", "dev", "--format", "json", "--mfa-code", "123456"]);
    home.clean_env(&mut cmd, &moto.url());
    cmd.env("AWS_AS_CACHE_DIR", &cache);
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    let v = json(&out);
    assert!(
        v["Arn"].as_str().unwrap().contains("assumed-role/dev"),
        "{v}"
    );
    let err = stderr(&out);
    assert!(err.contains("could not be cached"), "{err}");
    assert!(err.contains("No space left on device"), "{err}");
    let actions: Vec<String> = moto.requests().into_iter().map(|r| r.action).collect();
    assert_eq!(actions, ["GetSessionToken", "AssumeRole"]);
    assert!(is_empty_dir(&cache), "the tmpfs was the namespace's own");
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().next().is_none()
}
