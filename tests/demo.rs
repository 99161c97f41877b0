//! `scripts/demo`: moto on loopback, a scratch HOME with an MFA user (its codes from the real
//! oathtool), two roles and a chain, and a bash with aws-as activated; afterwards no moto and no
//! scratch directory. The user's own HOME stays empty throughout.

use crate::support::term::Term;
use crate::support::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";
const OPS: &str = "arn:aws:iam::123456789012:role/demo-ops";
const PROD: &str = "arn:aws:iam::210987654321:role/demo-prod";

/// What one run of the demo gets: an empty HOME (the user's, which must stay empty), its own
/// TMPDIR (where the scratch HOME goes), and the real oathtool behind a wrapper that logs how it
/// was called.
struct Demo {
    dir: tempfile::TempDir,
}

impl Demo {
    /// None when a program the demo needs is missing (which fails the run in CI).
    fn new() -> Option<Demo> {
        let moto = venv().join("bin/moto_server");
        for program in ["bash", "oathtool", moto.to_str().unwrap()] {
            if !require(program) {
                return None;
            }
        }
        let oathtool = find_on_path("oathtool").unwrap();
        let dir = tempfile::Builder::new()
            .prefix("aws-as-demo-test-")
            .tempdir()
            .unwrap();
        for sub in ["home", "tmp", "wrap"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        // The wrapper runs the real oathtool and notes its arguments, so the test sees that
        // mfa_process called it and that the seed was never among them.
        let wrapper = dir.path().join("wrap/oathtool");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
                dir.path().join("oathtool.log").display(),
                oathtool.display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        Some(Demo { dir })
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn tmp(&self) -> PathBuf {
        self.dir.path().join("tmp")
    }

    /// The built binary first on PATH (so the demo uses it), then the oathtool wrapper.
    fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("HOME", self.home().display().to_string()),
            ("TMPDIR", self.tmp().display().to_string()),
            (
                "PATH",
                path_with_bin().replacen(
                    ':',
                    &format!(":{}:", self.dir.path().join("wrap").display()),
                    1,
                ),
            ),
            ("AWS_AS_TEST_VENV", venv().display().to_string()),
            ("LANG", "C.UTF-8".into()),
            ("TERM", "xterm".into()),
        ]
    }

    /// `scripts/demo -c COMMANDS`, detached from any terminal (setsid), so that the MFA code can
    /// come only from the profile's mfa_process.
    fn run(&self, commands: &str) -> std::process::Output {
        let mut cmd = Command::new("setsid");
        cmd.arg("-w")
            .arg(repo().join("scripts/demo"))
            .args(["-c", commands])
            .env_clear()
            .envs(self.env())
            .current_dir(self.home())
            .stdin(Stdio::null());
        cmd.output().expect("run scripts/demo")
    }

    fn oathtool_calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("oathtool.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The processes the demo started: any whose HOME is a scratch HOME under our TMPDIR (moto,
    /// the demo's bash, the AWS CLI), and any moto_server on `port`.
    fn leftovers(&self, port: &str) -> Vec<String> {
        let home = format!("HOME={}/aws-as-demo.", self.tmp().display());
        let mut left = Vec::new();
        for entry in std::fs::read_dir("/proc").unwrap().flatten() {
            let path = entry.path();
            let (Ok(environ), Ok(cmdline)) = (
                std::fs::read(path.join("environ")),
                std::fs::read(path.join("cmdline")),
            ) else {
                continue;
            };
            let args: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect();
            let is_demo_moto = args.iter().any(|a| a.ends_with("moto_server"))
                && args.windows(2).any(|w| w[0] == "-p" && w[1] == port);
            let in_scratch = environ
                .split(|b| *b == 0)
                .any(|e| e.starts_with(home.as_bytes()));
            if is_demo_moto || in_scratch {
                left.push(format!("{}: {}", path.display(), args.join(" ")));
            }
        }
        left
    }

    /// Once the demo has ended: nothing of it runs, nothing of it is on disk, and the user's
    /// HOME was never written to.
    fn assert_gone(&self, port: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let left = self.leftovers(port);
            let files = entries(&self.tmp());
            if left.is_empty() && files.is_empty() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the demo left processes {left:?} and files {files:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(
            entries(&self.home()),
            Vec::<PathBuf>::new(),
            "the user's HOME"
        );
    }
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

fn find_on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain(["/usr/local/bin".into(), "/usr/bin".into(), "/bin".into()])
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

/// The moto port from the demo's `moto on http://127.0.0.1:PORT, ...` line.
fn port(err: &str) -> String {
    let rest = err
        .split("moto on http://127.0.0.1:")
        .nth(1)
        .unwrap_or_else(|| panic!("no moto line in: {err}"));
    rest.chars().take_while(char::is_ascii_digit).collect()
}

#[test]
fn demo_runs_the_chain_with_oathtool_and_leaves_nothing_behind() {
    let Some(demo) = Demo::new() else { return };
    let out = demo.run(
        r#"printf 'scratch=%s\n' "$HOME"
aws-as demo-prod || exit 1
printf 'prompt=%s\n' "${PS1@P}"
aws sts get-caller-identity --query Arn --output text || exit 1
aws-as list"#,
    );
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(out.status.success(), "status {}\n{text}\n{err}", out.status);

    // The demo says which binary it uses: the one built for these tests, first on PATH.
    assert!(
        err.contains(&format!("using {} (aws-as ", bin().display())),
        "{err}"
    );
    // One MFA session (GetSessionToken with alice's device), then the chain's two hops.
    for line in [
        format!("[1/3] {SERIAL}"),
        format!("[2/3] {OPS}"),
        format!("[3/3] {PROD}"),
    ] {
        assert!(err.lines().any(|l| l == line), "{line:?} in:\n{err}");
    }
    // The code came from mfa_process, that is from oathtool reading the seed on stdin: once for
    // enabling the device (two codes) and once for aws-as. No terminal, no --mfa-code.
    assert_eq!(
        demo.oathtool_calls(),
        ["--totp -b -w 1 -", "--totp -b -"],
        "oathtool's arguments"
    );

    let lines: Vec<&str> = text.lines().collect();
    let scratch = lines[0]
        .strip_prefix("scratch=")
        .expect("scratch HOME line");
    assert!(
        scratch.starts_with(&format!("{}/aws-as-demo.", demo.tmp().display())),
        "{scratch}"
    );
    assert!(
        lines[1].starts_with("prompt=(demo-prod) aws-as-demo:~"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("arn:aws:sts::210987654321:assumed-role/demo-prod/alice-prod"),
        "the AWS CLI's identity: {}",
        lines[2]
    );
    let list = lines[3..].join("\n");
    for (name, kind, cache) in [
        ("demo-dev", "role", "-"),
        ("demo-ops", "role", "cached"),
        ("demo-prod", "role", "cached"),
        ("demo-user", "user+mfa", "cached"),
    ] {
        assert!(
            list.lines().any(|l| {
                let words: Vec<&str> = l.split_whitespace().filter(|w| *w != "*").collect();
                words.len() >= 5
                    && words[0] == name
                    && words[1] == "config"
                    && words[2] == kind
                    && words[4].trim_end_matches(',') == cache
            }),
            "{name} {kind} {cache} in:\n{list}"
        );
    }
    assert!(
        list.lines()
            .any(|l| l.starts_with('*') && l.contains("demo-prod")),
        "{list}"
    );

    assert!(!Path::new(scratch).exists(), "{scratch} is left");
    demo.assert_gone(&port(&err));
}

/// The demo's catalogues: letme's DynamoDB table and the Organization, both in moto, copied by
/// `catalog sync` through demo-user's MFA session; then a switch to an account with no profile.
#[test]
fn demo_syncs_its_catalogues_and_switches_to_an_account_without_a_profile() {
    let Some(demo) = Demo::new() else { return };
    let out = demo.run(
        r#"aws-as catalog sync || exit 1
aws-as team-app2 || exit 1
printf 'prompt=%s region=%s\n' "${PS1@P}" "$AWS_REGION"
aws sts get-caller-identity --query Arn --output text || exit 1
aws-as list team"#,
    );
    let (text, err) = (stdout(&out), stderr(&out));
    assert!(out.status.success(), "status {}\n{text}\n{err}", out.status);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "letme: 3 identities (+3 -0)", "{text}");
    assert!(
        lines[1].starts_with("org: ") && lines[1].contains(" identities (+"),
        "{text}"
    );
    assert!(
        lines[2].starts_with("prompt=(team-app2) aws-as-demo:~")
            && lines[2].ends_with("region=eu-central-1"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].starts_with("arn:aws:sts::300000000002:assumed-role/letme-app/"),
        "the AWS CLI's identity: {}",
        lines[3]
    );
    let list = lines[4..].join("\n");
    for name in ["team-app1", "team-app2", "team-app3"] {
        assert!(
            list.lines().any(|l| {
                let words: Vec<&str> = l.split_whitespace().filter(|w| *w != "*").collect();
                words.first() == Some(&name) && words.get(1) == Some(&"letme")
            }),
            "{name} in:\n{list}"
        );
    }
    demo.assert_gone(&port(&err));
}

#[test]
fn demo_exit_status_is_the_commands_and_a_usage_error_is_2() {
    let Some(demo) = Demo::new() else { return };
    let out = demo.run("aws-as demo-dev >/dev/null 2>&1; exit 7");
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    demo.assert_gone(&port(&stderr(&out)));

    let out = Command::new(repo().join("scripts/demo"))
        .arg("--bogus")
        .env_clear()
        .envs(demo.env())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("usage: scripts/demo"),
        "{}",
        stderr(&out)
    );
    assert_eq!(entries(&demo.tmp()), Vec::<PathBuf>::new());
}

/// The interactive demo in a real terminal: the guide, the prompt, a switch, Ctrl-C at the
/// prompt (which ends a command, not the demo), and `exit`, which stops moto and removes the
/// scratch HOME.
#[test]
fn interactive_demo_guides_switches_and_cleans_up_on_exit() {
    let Some(demo) = Demo::new() else { return };
    if !require("tmux") {
        return;
    }
    let script = repo().join("scripts/demo");
    let term = Term::start(&[script.to_str().unwrap()], &demo.env(), &demo.home());
    let screen = term.wait_for("(-) aws-as-demo:~", 120);
    for typed in [
        "aws-as demo-dev",
        "aws sts get-caller-identity",
        "aws-as list",
        "aws-as demo-prod",
        "aws-as -",
        "aws-as-deactivate",
        "exit",
    ] {
        assert!(
            screen.contains(&format!("  {typed} ")),
            "guide: {typed}\n{screen}"
        );
    }
    let port = port(&screen);

    term.type_line("aws-as demo-dev");
    term.wait_for("(demo-dev) aws-as-demo:~", 60);
    term.type_line("sleep 60");
    std::thread::sleep(Duration::from_millis(500));
    term.keys("C-c");
    term.type_line("aws sts get-caller-identity --query Arn --output text");
    let screen = term.wait_for("arn:aws:sts::123456789012:assumed-role/demo-dev/", 60);
    assert!(
        !demo.leftovers(&port).is_empty(),
        "moto runs while the shell does"
    );
    assert!(screen.contains(&format!("[1/2] {SERIAL}")), "{screen}");

    term.type_line("exit");
    demo.assert_gone(&port);
}

/// Ctrl-C while the demo is still setting up moto: it says so, stops moto and removes the
/// scratch HOME, with no Python traceback from the AWS CLI it interrupted.
#[test]
fn ctrl_c_during_set_up_leaves_nothing_behind() {
    let Some(demo) = Demo::new() else { return };
    if !require("tmux") {
        return;
    }
    let status = demo.dir.path().join("status");
    let wrapper = format!(
        "{} ; echo $? > {}.new && mv {1}.new {1}; sleep 600",
        repo().join("scripts/demo").display(),
        status.display()
    );
    let term = Term::start(
        &["bash", "--norc", "-c", &wrapper],
        &demo.env(),
        &demo.home(),
    );
    // moto is up and the AWS CLI is creating the user, the key, the device and the roles.
    let screen = term.wait_for("moto on http://127.0.0.1:", 120);
    term.keys("C-c");
    let port = port(&screen);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !status.exists() {
        assert!(
            Instant::now() < deadline,
            "the demo did not end on Ctrl-C:\n{}",
            term.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let screen = term.wait_for("scripts/demo: interrupted", 10);
    assert_eq!(std::fs::read_to_string(&status).unwrap().trim(), "130");
    assert!(!screen.contains("Traceback"), "{screen}");
    demo.assert_gone(&port);
}
