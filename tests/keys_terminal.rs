//! Keys typed at the terminal, in a real bash under tmux: `aws-as add` asks for the access key ID
//! (echoed) and the secret (not echoed) on /dev/tty, Ctrl-C at the hidden question leaves the
//! terminal echoing, the file key store asks for its passphrase twice for its first file, and
//! `aws-as import` asks before it deletes plaintext keys. What must not be shown is looked for on
//! the screen, and what must not be stored in plaintext is looked for in every file under HOME.

use crate::support::shells::shell;
use crate::support::term::Term;
use crate::support::*;
use std::path::Path;

const ID: &str = "AKIATESTKEY000000001";
const SECRET: &str = "s3cret/Value+With=Chars0123456789abcdef";
const PASSPHRASE: &str = "env-passphrase-for-the-file-store-42";

/// How long any one step may take: generous, for a loaded machine (scrypt costs 256 MiB and a
/// good part of a second per call); a passing run takes a fraction of it.
const WAIT: u64 = 30;

const DEV_CONFIG: &str = "[profile dev]\nregion = eu-west-1\n";

/// A clean environment for bash: the file key store, and its passphrase when `passphrase` is set.
fn env_for(home: &Home, passphrase: Option<&str>) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("HOME", home.path().display().to_string()),
        ("PATH", path_with_bin()),
        ("TERM", "xterm".to_string()),
        ("LANG", "C.UTF-8".to_string()),
        ("AWS_AS_KEYS_BACKEND", "file".to_string()),
    ];
    if let Some(p) = passphrase {
        env.push(("AWS_AS_FILE_PASSPHRASE", p.to_string()));
    }
    env
}

/// bash in tmux with `env`, at the prompt `my$ `; None (after saying so) without tmux or bash.
fn start(home: &Home, passphrase: Option<&str>) -> Option<Term> {
    if !require("tmux") || !require("bash") {
        return None;
    }
    let term = Term::shell(shell("bash"), &env_for(home, passphrase), home.path());
    term.run("PS1='my$ '");
    Some(term)
}

/// The exit statuses the screen shows so far, from lines that end in `rc=N` (after a Ctrl-C at a
/// hidden question it may share the question's line).
fn statuses(screen: &str) -> Vec<i32> {
    screen
        .lines()
        .filter_map(|l| {
            let l = l.trim_end();
            l[l.rfind("rc=")? + 3..].parse().ok()
        })
        .collect()
}

/// Wait for the screen's status line number `before` (counting from 0), and return its status.
fn wait_status(term: &Term, before: usize, secs: u64) -> i32 {
    let screen = term.wait_until("the exit status", secs, |s| statuses(s).len() > before);
    statuses(&screen)[before]
}

/// Type `line` followed by `; echo rc=$?`, and return a function that waits for that status.
fn type_with_status(term: &Term, line: &str) -> impl Fn(u64) -> i32 {
    let before = statuses(&term.screen()).len();
    term.type_line(&format!("{line}; echo rc=$?"));
    move |secs| wait_status(term, before, secs)
}

/// Wait until `needle` shows `n` times on the screen.
fn wait_for_count(term: &Term, needle: &str, n: usize, secs: u64) -> String {
    term.wait_until(&format!("{needle:?} {n} times"), secs, |s| {
        s.matches(needle).count() >= n
    })
}

/// Every regular file under `dir`, relative to it, sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in rd {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn data_dir(home: &Home) -> std::path::PathBuf {
    home.path().join(".local/share/aws-as")
}

/// keys.json, parsed; None when there is none.
fn index(home: &Home) -> Option<serde_json::Value> {
    let bytes = std::fs::read(data_dir(home).join("keys.json")).ok()?;
    Some(serde_json::from_slice(&bytes).expect("keys.json is JSON"))
}

/// Assert that keys.json records `profile` in the file store under `id`, and that its age file
/// is there.
fn assert_stored(home: &Home, profile: &str, id: &str) {
    let index = index(home).expect("keys.json exists");
    let entry = &index["profiles"][profile];
    assert_eq!(entry["backend"], "file", "{index}");
    assert_eq!(entry["access_key_id"], id, "{index}");
    let age = std::fs::read(data_dir(home).join(format!("keys/{profile}.age"))).unwrap();
    assert!(
        age.starts_with(b"age-encryption.org/v1\n"),
        "not an age file: {}",
        String::from_utf8_lossy(&age)
    );
}

/// Assert that nothing was stored for any profile: no index entries and no age files.
fn assert_nothing_stored(home: &Home) {
    if let Some(index) = index(home) {
        let profiles = index["profiles"].as_object().cloned().unwrap_or_default();
        assert!(profiles.is_empty(), "{index}");
    }
    let files = files_under(&data_dir(home).join("keys"));
    assert!(files.is_empty(), "age files left: {files:?}");
}

/// The words of `profile`'s row in `aws-as list`, less its SOURCE column (`config`).
fn list_row(term: &Term, profile: &str) -> Vec<String> {
    let list = term.output_of("aws-as list");
    let row = list
        .lines()
        .find(|l| l.split_whitespace().next() == Some(profile))
        .unwrap_or_else(|| panic!("no row for {profile} in:\n{list}"));
    let mut words: Vec<String> = row.split_whitespace().map(str::to_owned).collect();
    assert_eq!(words[1], "config", "{row}");
    words.remove(1);
    words
}

/// Whether `stty -a` output says the terminal echoes.
fn stty_echoes(stty: &str) -> bool {
    let words: Vec<&str> = stty
        .split(|c: char| c.is_whitespace() || c == ';')
        .collect();
    assert!(
        words.contains(&"echo") || words.contains(&"-echo"),
        "stty -a: {stty}"
    );
    words.contains(&"echo")
}

/// Whether the terminal echoes now, by `stty -a` in the shell.
fn echoing(term: &Term) -> bool {
    stty_echoes(&term.output_of("stty -a"))
}

#[test]
fn add_asks_on_the_terminal_and_hides_the_secret() {
    let home = Home::new(DEV_CONFIG, "");
    let Some(term) = start(&home, Some(PASSPHRASE)) else {
        return;
    };
    assert_eq!(list_row(&term, "dev")[..3], ["dev", "none", "-"]);

    let status = type_with_status(&term, "aws-as add dev");
    term.wait_for("Access key ID: ", WAIT);
    term.type_line(ID);
    term.wait_for("Secret access key: ", WAIT);
    term.type_line(SECRET);
    let rc = status(WAIT);
    let screen = term.screen();
    assert_eq!(rc, 0, "{screen}");

    // The ID was echoed on the line of its question; the secret shows nowhere, and its question
    // ends the line it was on (ECHONL), so the next message starts a line of its own.
    let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
    assert!(
        lines.contains(&format!("Access key ID: {ID}").as_str()),
        "{screen}"
    );
    assert!(lines.contains(&"Secret access key:"), "{screen}");
    assert!(
        !screen.contains(SECRET),
        "the secret is on the screen:\n{screen}"
    );
    assert!(
        !screen.contains("s3cret"),
        "part of the secret is on the screen:\n{screen}"
    );
    assert!(
        screen.contains(&format!(
            "aws-as: stored access key {ID} for profile `dev` in the file key store"
        )),
        "{screen}"
    );
    assert!(echoing(&term), "echo is off after aws-as add");

    assert_stored(&home, "dev", ID);
    let index = index(&home).unwrap();
    assert_eq!(
        index["profiles"].as_object().unwrap().len(),
        1,
        "only dev is stored: {index}"
    );
    let hits = files_containing(home.path(), SECRET);
    assert!(hits.is_empty(), "the secret is in plaintext in {hits:?}");
    let hits = files_containing(home.path(), PASSPHRASE);
    assert!(
        hits.is_empty(),
        "the passphrase is in plaintext in {hits:?}"
    );
    assert_eq!(list_row(&term, "dev"), ["dev", "user", "file", "-"]);
}

#[test]
fn ctrl_c_at_the_hidden_secret_prompt_restores_echo() {
    let home = Home::new(DEV_CONFIG, "");
    let Some(term) = start(&home, Some(PASSPHRASE)) else {
        return;
    };
    assert!(echoing(&term), "echo is off before the test started");
    // Interactive bash puts its own terminal modes back when a job dies of a signal, which would
    // hide a program that leaves echo off. So the command runs under a non-interactive sh that
    // outlives the Ctrl-C (its trap) and records the modes as the command left them.
    let stty = term.out().join("stty-after");
    let wrapped = |cmd: &str| {
        // The modes are written to a side file and renamed, so the file appears whole; the
        // status shows on screen before that, so `recorded` waits for it.
        format!(
            "sh -c 'trap : INT; {cmd}; echo rc=$?; stty -a > {0}.tmp && mv {0}.tmp {0}'",
            stty.display()
        )
    };
    let recorded = || {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(WAIT);
        loop {
            if let Ok(text) = std::fs::read_to_string(&stty) {
                return text;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "sh did not record the modes"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };

    // First, that this does see a program killed with echo off.
    let before = statuses(&term.screen()).len();
    term.type_line(&wrapped(
        "sh -c \"stty -echo; echo control-ready; exec sleep 30\"",
    ));
    term.wait_until("control-ready", WAIT, |s| {
        s.lines().any(|l| l.trim_end() == "control-ready")
    });
    term.keys("C-c");
    assert_eq!(wait_status(&term, before, WAIT), 130, "{}", term.screen());
    assert!(!stty_echoes(&recorded()), "the control left echo on");
    std::fs::remove_file(&stty).unwrap();
    term.run("stty echo");
    assert!(echoing(&term), "stty echo did not put echo back");

    // Then aws-as: Ctrl-C at the hidden question, after half a secret typed.
    let before = statuses(&term.screen()).len();
    term.type_line(&wrapped("aws-as add dev"));
    term.wait_for("Access key ID: ", WAIT);
    term.type_line(ID);
    term.wait_for("Secret access key: ", WAIT);
    term.keys("half-typed-secret");
    term.keys("C-c");
    let rc = wait_status(&term, before, WAIT);
    let screen = term.screen();
    assert_eq!(rc, 130, "killed by SIGINT:\n{screen}");
    assert!(
        stty_echoes(&recorded()),
        "aws-as left echo off:\n{}",
        recorded()
    );
    assert!(!screen.contains("half-typed"), "{screen}");

    // And as the user sees it afterwards: what is typed shows up as it is typed.
    assert!(echoing(&term), "echo is off after Ctrl-C");
    term.type_line("echo visible-after-\"ctrl-c\"");
    term.wait_for("my$ echo visible-after-\"ctrl-c\"", WAIT);
    term.wait_for("\nvisible-after-ctrl-c", WAIT);

    assert_nothing_stored(&home);
    assert!(index(&home).is_none(), "the index was written");
    assert_eq!(list_row(&term, "dev")[..3], ["dev", "none", "-"]);
}

#[test]
fn file_passphrase_is_asked_twice_for_the_first_key_and_a_mismatch_stores_nothing() {
    const FIRST: &str = "typed-passphrase-one-1111";
    const OTHER: &str = "typed-passphrase-two-2222";
    let home = Home::new(DEV_CONFIG, "");
    let Some(term) = start(&home, None) else {
        return;
    };

    // Two passphrases that differ: an error, and nothing stored.
    let status = type_with_status(&term, "aws-as add dev");
    term.wait_for("Access key ID: ", WAIT);
    term.type_line(ID);
    term.wait_for("Secret access key: ", WAIT);
    term.type_line(SECRET);
    term.wait_for("Passphrase for aws-as's key file: ", WAIT);
    term.type_line(FIRST);
    term.wait_for("The same passphrase again: ", WAIT);
    term.type_line(OTHER);
    let rc = status(WAIT);
    let screen = term.screen();
    assert_eq!(rc, 1, "{screen}");
    let message = screen
        .lines()
        .find(|l| l.starts_with("aws-as: "))
        .unwrap_or_else(|| panic!("no message:\n{screen}"));
    assert!(message.contains("differ"), "{message}");
    assert!(message.contains("dev"), "{message}");
    assert_nothing_stored(&home);
    assert!(echoing(&term), "echo is off after the mismatch");

    // The same passphrase twice: stored.
    let status = type_with_status(&term, "aws-as add dev");
    wait_for_count(&term, "Access key ID: ", 2, WAIT);
    term.type_line(ID);
    wait_for_count(&term, "Secret access key: ", 2, WAIT);
    term.type_line(SECRET);
    wait_for_count(&term, "Passphrase for aws-as's key file: ", 2, WAIT);
    term.type_line(FIRST);
    wait_for_count(&term, "The same passphrase again: ", 2, WAIT);
    term.type_line(FIRST);
    let rc = status(WAIT);
    let screen = term.screen();
    assert_eq!(rc, 0, "{screen}");
    assert_stored(&home, "dev", ID);
    assert!(echoing(&term), "echo is off after aws-as add");

    for hidden in [SECRET, FIRST, OTHER] {
        assert!(
            !screen.contains(hidden),
            "{hidden} is on the screen:\n{screen}"
        );
        let hits = files_containing(home.path(), hidden);
        assert!(hits.is_empty(), "{hidden} is in plaintext in {hits:?}");
    }
    assert_eq!(list_row(&term, "dev"), ["dev", "user", "file", "-"]);

    // The store took the passphrase typed twice: a second key under the other one is refused
    // (every file shares one passphrase), and under the first one it is stored.
    let add_dev2 = |passphrase: &str| {
        let mut cmd = std::process::Command::new("setsid");
        cmd.arg("-w").arg(bin()).args(["add", "dev2", "--from-env"]);
        home.clean_env(&mut cmd, "http://127.0.0.1:9");
        cmd.env("AWS_AS_KEYS_BACKEND", "file")
            .env("AWS_AS_FILE_PASSPHRASE", passphrase)
            .env("AWS_ACCESS_KEY_ID", "AKIATESTKEY000000002")
            .env("AWS_SECRET_ACCESS_KEY", "second-secret")
            .stdin(std::process::Stdio::null());
        cmd.output().unwrap()
    };
    assert_clean_failure(&add_dev2(OTHER), "wrong passphrase");
    assert!(index(&home).unwrap()["profiles"].get("dev2").is_none());
    let out = add_dev2(FIRST);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_stored(&home, "dev2", "AKIATESTKEY000000002");
}

#[test]
fn import_asks_before_deleting_plaintext() {
    const DEV_ID: &str = "AKIAIMPORTDEV0000001";
    const DEV_SECRET: &str = "import/dev+secret=0000000000000000000000";
    // A comment, a section without keys, the keys of dev between other settings, and temporary
    // keys, which import skips and so must leave where they are.
    let credentials = format!(
        "# my credentials; keep this comment\n\
         [other]\n\
         region = us-east-1\n\
         \n\
         [dev]\n\
         region = eu-west-1\n\
         aws_access_key_id = {DEV_ID}\n\
         ; a comment inside dev\n\
         aws_secret_access_key = {DEV_SECRET}\n\
         output = json\n\
         \n\
         [temp]\n\
         aws_access_key_id = ASIATEMPORARY0000001\n\
         aws_secret_access_key = temporary-secret\n\
         aws_session_token = token\n"
    );
    let expected_after = "# my credentials; keep this comment\n\
         [other]\n\
         region = us-east-1\n\
         \n\
         [dev]\n\
         region = eu-west-1\n\
         ; a comment inside dev\n\
         output = json\n\
         \n\
         [temp]\n\
         aws_access_key_id = ASIATEMPORARY0000001\n\
         aws_secret_access_key = temporary-secret\n\
         aws_session_token = token\n";
    let home = Home::new(DEV_CONFIG, &credentials);
    let file = home.path().join(".aws/credentials");
    let Some(term) = start(&home, Some(PASSPHRASE)) else {
        return;
    };
    assert_eq!(list_row(&term, "dev"), ["dev", "user", "plaintext", "-"]);
    let question = format!(
        "Delete the plaintext keys of 1 profile(s) from {}? [y/N] ",
        std::fs::canonicalize(&file).unwrap().display()
    );

    // No: the keys are stored and the file stays exactly as it was.
    let status = type_with_status(&term, "aws-as import");
    term.wait_for(&question, WAIT);
    term.type_line("n");
    let rc = status(WAIT);
    let screen = term.screen();
    assert_eq!(rc, 0, "{screen}");
    assert!(screen.contains("skipped `temp`"), "{screen}");
    assert!(
        screen.contains("the plaintext keys are still in"),
        "{screen}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), credentials);
    assert_stored(&home, "dev", DEV_ID);
    let index = index(&home).unwrap();
    assert_eq!(index["profiles"].as_object().unwrap().len(), 1, "{index}");
    assert_eq!(
        list_row(&term, "dev"),
        ["dev", "user", "file", "(plaintext", "copy", "unused)", "-"]
    );

    // Yes: dev's two key lines go, and every other byte stays.
    let status = type_with_status(&term, "aws-as import");
    wait_for_count(&term, &question, 2, WAIT);
    term.type_line("y");
    let rc = status(WAIT);
    let screen = term.screen();
    assert_eq!(rc, 0, "{screen}");
    assert!(
        screen.contains("aws-as: deleted the plaintext keys of 1 profile(s) from"),
        "{screen}"
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected_after);
    assert_stored(&home, "dev", DEV_ID);
    assert_eq!(list_row(&term, "dev"), ["dev", "user", "file", "-"]);
    // The secret the file held is now only in the encrypted store.
    let hits = files_containing(home.path(), DEV_SECRET);
    assert!(hits.is_empty(), "the secret is in plaintext in {hits:?}");
    assert!(!screen.contains(DEV_SECRET), "{screen}");
}

/// Ctrl-Z at the hidden question gives the shell its terminal back with echo on; `fg` switches
/// echo off again and asks again, so the secret typed after it never shows.
#[test]
fn ctrl_z_then_fg_at_the_hidden_secret_prompt_still_hides_it() {
    let home = Home::new(DEV_CONFIG, "");
    let Some(term) = start(&home, Some(PASSPHRASE)) else {
        return;
    };
    term.type_line("aws-as add dev");
    term.wait_for("Access key ID: ", WAIT);
    term.type_line(ID);
    term.wait_for("Secret access key: ", WAIT);
    term.keys("C-z");
    term.wait_for("Stopped", WAIT);
    // Stopped: the shell's own terminal, echo on.
    assert!(echoing(&term), "echo is off while aws-as is stopped");
    term.type_line("fg");
    wait_for_count(&term, "Secret access key: ", 2, WAIT);
    term.type_line(SECRET);
    term.wait_for("aws-as: stored access key", WAIT);
    // fg's status is the job's.
    let before = statuses(&term.screen()).len();
    term.type_line("echo rc=$?");
    let rc = wait_status(&term, before, WAIT);
    let screen = term.screen();
    assert_eq!(rc, 0, "{screen}");
    assert!(
        !screen.contains("s3cret"),
        "the secret is on the screen after fg:\n{screen}"
    );
    assert!(echoing(&term), "echo is off after aws-as add");
    assert_stored(&home, "dev", ID);
}
