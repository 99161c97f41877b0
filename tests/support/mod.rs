//! Shared fixtures: a moto server with its request recorder, a scratch HOME with AWS config
//! files, and a command builder that lets nothing leak in from the developer's environment.

#![allow(dead_code)]

pub mod moto;
pub mod servers;
pub mod shells;
pub mod term;
pub mod tls;

pub use moto::{Moto, Recorded};

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test: the one cargo built, or `AWS_AS_TEST_BIN` (to run the suite, or one
/// test, against another build, such as the commit before a fix).
pub fn bin() -> PathBuf {
    std::env::var_os("AWS_AS_TEST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_aws-as")))
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Python venv with moto and awscli: `AWS_AS_TEST_VENV`, else `.venv` in the repository.
pub fn venv() -> PathBuf {
    std::env::var_os("AWS_AS_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv"))
}

/// Whether this process runs as root (some tests plant files of another user, or mount).
pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
}

/// True when the test can run as root; in CI (`CI=true`, where the suite runs as root) anything
/// else fails, and locally the test says loudly that it did not run.
pub fn require_root(why: &str) -> bool {
    if is_root() {
        return true;
    }
    if in_ci() {
        panic!("this test needs root ({why}), and CI runs as root");
    }
    eprintln!("\n*** NOT RUN: this test needs root ({why}). ***\n");
    false
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Whether an external program is available. In CI (`CI=true`) a missing one fails the run;
/// locally the test says loudly that it did not run, and returns without asserting.
pub fn require(program: &str) -> bool {
    let found = if program.contains('/') {
        Path::new(program).exists()
    } else {
        Command::new("sh")
            .arg("-c")
            .arg(format!("command -v {program} >/dev/null"))
            .status()
            .is_ok_and(|s| s.success())
    };
    if !found {
        if in_ci() {
            panic!(
                "{program} is required in CI (CI=true) but is not installed; .ci/run installs it"
            );
        }
        eprintln!("\n*** NOT RUN: {program} is not installed; this test did not run. ***\n");
    }
    found
}

/// Whether the machine allows what a test needs beyond a program (`what`, such as a mount
/// namespace), as `works` found. Like `require`: a failure in CI, NOT RUN locally.
pub fn require_ability(what: &str, works: bool) -> bool {
    if !works {
        if in_ci() {
            panic!("{what} is required in CI (CI=true) but this machine does not allow it");
        }
        eprintln!(
            "\n*** NOT RUN: this machine does not allow {what}; this test did not run. ***\n"
        );
    }
    works
}

pub const LONG_TERM_KEY: &str = "AKIALONGTERMKEY00001";
pub const LONG_TERM_SECRET: &str = "long/term+secret/0000000000000000000000";
/// moto's GetSessionToken always returns this access key id.
pub const MOTO_SESSION_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
pub const MFA_SERIAL: &str = "arn:aws:iam::123456789012:mfa/alice";

/// The everyday setup: an IAM user behind MFA, roles on it, and a chain.
pub const CONFIG: &str = r#"[profile user]
region = eu-west-1
mfa_serial = arn:aws:iam::123456789012:mfa/alice

[profile dev]
role_arn = arn:aws:iam::123456789012:role/dev
source_profile = user

[profile ops]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = user
role_session_name = alice-ops
duration_seconds = 1800

[profile prod]
role_arn = arn:aws:iam::210987654321:role/prod
source_profile = dev
region = us-west-2
external_id = ext-prod
"#;

pub fn credentials() -> String {
    format!(
        "[user]\naws_access_key_id = {LONG_TERM_KEY}\naws_secret_access_key = {LONG_TERM_SECRET}\n"
    )
}

/// A scratch HOME with `~/.aws/config` and `~/.aws/credentials`.
pub struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    pub fn new(config: &str, credentials: &str) -> Home {
        let dir = tempfile::Builder::new()
            .prefix("aws-as-home-")
            .tempdir()
            .unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/config"), config).unwrap();
        std::fs::write(dir.path().join(".aws/credentials"), credentials).unwrap();
        Home { dir }
    }

    pub fn standard() -> Home {
        Home::new(CONFIG, &credentials())
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.path().join(".cache/aws-as")
    }

    /// Write aws-as's own settings, `~/.config/aws-as/config.toml`.
    pub fn settings(&self, text: &str) {
        let dir = self.path().join(".config/aws-as");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("config.toml"), text).unwrap();
    }

    /// Like `run`, with extra environment variables.
    pub fn run_env(&self, endpoint: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new("setsid");
        cmd.arg("-w").arg(bin()).args(args);
        self.clean_env(&mut cmd, endpoint);
        cmd.envs(env.iter().copied()).stdin(Stdio::null());
        cmd.output().expect("run aws-as")
    }

    /// The names of the cache's entry files (`*.json`).
    pub fn cache_entries(&self) -> Vec<PathBuf> {
        let Ok(rd) = std::fs::read_dir(self.cache_dir()) else {
            return Vec::new();
        };
        let mut out: Vec<PathBuf> = rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        out.sort();
        out
    }

    /// The binary with a clean environment: HOME, a minimal PATH and the endpoint, nothing else
    /// (no AWS_*, AWS_AS_* or SHELL from the developer's machine).
    pub fn cmd(&self, endpoint: &str) -> Command {
        let mut cmd = Command::new(bin());
        self.clean_env(&mut cmd, endpoint);
        cmd.stdin(Stdio::null());
        cmd
    }

    pub fn clean_env(&self, cmd: &mut Command, endpoint: &str) {
        cmd.env_clear()
            .env("HOME", self.path())
            .env("PATH", path_with_bin())
            .env("LANG", "C.UTF-8")
            .env("AWS_ENDPOINT_URL", endpoint)
            .current_dir(self.path());
    }

    /// Run `aws-as ARGS` detached from any terminal (so no MFA prompt can be shown).
    pub fn run(&self, endpoint: &str, args: &[&str]) -> Output {
        let mut cmd = Command::new("setsid");
        cmd.arg("-w").arg(bin()).args(args);
        self.clean_env(&mut cmd, endpoint);
        cmd.stdin(Stdio::null());
        cmd.output().expect("run aws-as")
    }
}

/// PATH with the binary's directory first, then the venv (for `aws`), then the system.
pub fn path_with_bin() -> String {
    format!(
        "{}:{}:/usr/local/bin:/usr/bin:/bin",
        bin().parent().unwrap().display(),
        venv().join("bin").display()
    )
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Assert the contract for any failure: exit 1, nothing on stdout, one `aws-as: ...` line.
pub fn assert_clean_failure(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "exit status; stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "stdout must be empty on failure, got {:?}",
        stdout(out)
    );
    let lines: Vec<&str> = err.lines().filter(|l| !l.starts_with('[')).collect();
    assert_eq!(lines.len(), 1, "one message line expected, got: {err}");
    assert!(lines[0].starts_with("aws-as: "), "message: {err}");
    assert!(err.contains(needle), "expected {needle:?} in: {err}");
}

/// The PID a process wrote into `path` (an mfa_process's `echo $PPID > path`: the aws-as that
/// runs it), once it is there; panics after `secs`.
pub fn wait_for_pid(path: &Path, secs: u64) -> u32 {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        if let Ok(pid) = text.trim().parse::<u32>() {
            return pid;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "nothing wrote a PID into {}",
            path.display()
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Parse `aws-as export NAME --format json` output.
pub fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "aws-as failed: {}", stderr(out));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

/// Every regular file under `dir` whose bytes contain `needle`: where a secret must not be.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                stack.push(path);
            } else if meta.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    hits.push(path);
                }
            }
        }
    }
    hits
}
