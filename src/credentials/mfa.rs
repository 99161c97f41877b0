//! MFA codes: `--mfa-code`, then the profile's `mfa_process`, then a prompt on the terminal.

use crate::util::sanitize;
use anyhow::{Context, Result, bail};
use std::io::Read;
use std::os::fd::AsRawFd;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The most `mfa_process` may print: a code is a few digits, and a command that prints on and on
/// (`yes 123456`) must not fill the memory.
const OUTPUT_LIMIT: usize = 4096;

/// A code was needed and nobody was there to type it (an unattended request): what the
/// credential server and the prompt's renewal tell apart from every other failure.
#[derive(Debug)]
pub struct CodeNeeded {
    pub serial: String,
}

impl std::fmt::Display for CodeNeeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "an MFA code is needed for {} and aws-as is not asking here",
            sanitize(&self.serial)
        )
    }
}

impl std::error::Error for CodeNeeded {}

/// Whether `err` is a `CodeNeeded`, anywhere in its chain.
pub fn code_needed(err: &anyhow::Error) -> bool {
    err.chain()
        .any(|c| c.downcast_ref::<CodeNeeded>().is_some())
}

/// The code for device `serial`, asked for while this run holds lock `held` (the step's key).
/// The terminal is asked only when `ask` is set.
pub fn code(
    serial: &str,
    mfa_process: Option<&str>,
    given: Option<&str>,
    limit: Duration,
    held: &str,
    ask: bool,
) -> Result<String> {
    if let Some(code) = given {
        return check(code.trim(), "--mfa-code");
    }
    if let Some(cmd) = mfa_process {
        let text = run(cmd, limit, held)?;
        return check(text.trim(), "mfa_process");
    }
    if !ask {
        return Err(CodeNeeded {
            serial: serial.to_string(),
        }
        .into());
    }
    let no_terminal = || {
        format!(
            "an MFA code is needed for {} and there is no terminal to ask on; \
             pass --mfa-code CODE or set mfa_process in the profile",
            sanitize(serial)
        )
    };
    let code = crate::tty::ask(&format!("Enter MFA code for {}: ", sanitize(serial)))
        .with_context(no_terminal)?;
    check(code.trim(), "the terminal")
}

/// Run `mfa_process` through the shell, as aws-vault does, so that `oathtool --totp -b "$(pass
/// x)"` works. Its stdout is the code; its stderr and any prompt of its own reach the user. It
/// gets `limit` to finish and `OUTPUT_LIMIT` bytes to print; past either it is stopped. It is
/// told that this run holds lock `held`, so that an aws-as it runs for a profile that needs the
/// same lock refuses at once instead of waiting for its own parent.
fn run(cmd: &str, limit: Duration, held: &str) -> Result<String> {
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    crate::env::scrub_secrets(&mut command);
    crate::env::pass_lock(&mut command, held);
    let mut child = command.spawn().context("could not run mfa_process")?;
    let out = read_bounded(&mut child, limit);
    if out.is_err() {
        // The shell and whatever it started (`sleep 30; echo 1` leaves a sleep behind, holding
        // the terminal's stderr).
        kill_tree(child.id());
    }
    let _ = child.wait().map(drop);
    let (bytes, status) = out?;
    if !status.success() {
        bail!("mfa_process failed ({status})");
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The child's stdout until it ends and the child exits, within `limit` and `OUTPUT_LIMIT`.
fn read_bounded(child: &mut Child, limit: Duration) -> Result<(Vec<u8>, std::process::ExitStatus)> {
    let deadline = Instant::now() + limit;
    let late = || {
        anyhow::anyhow!(
            "mfa_process did not finish within {} (mfa_timeout); it was stopped",
            crate::util::human_duration(limit.as_secs())
        )
    };
    let mut stdout = child.stdout.take().expect("piped above");
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(late());
        }
        let mut pfd = libc::pollfd {
            fd: stdout.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let ms = left.as_millis().min(i32::MAX as u128) as i32;
        // SAFETY: one valid pollfd for a descriptor this function owns.
        #[allow(unsafe_code)]
        let ready = unsafe { libc::poll(&mut pfd, 1, ms) };
        if ready < 0 {
            let err = std::io::Error::last_os_error();
            if err.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(err).context("could not read mfa_process's output");
        }
        if ready == 0 {
            continue;
        }
        let n = stdout
            .read(&mut chunk)
            .context("could not read mfa_process's output")?;
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        if bytes.len() > OUTPUT_LIMIT {
            bail!(
                "mfa_process printed more than {OUTPUT_LIMIT} bytes; it should print only the code, \
                 and it was stopped"
            );
        }
    }
    // Its output has ended; it still has until the deadline to exit.
    loop {
        if let Some(status) = child.try_wait().context("could not wait for mfa_process")? {
            return Ok((bytes, status));
        }
        if Instant::now() >= deadline {
            return Err(late());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// SIGKILL process `pid` and every process below it, found through /proc (Linux); elsewhere the
/// process alone. The tree is found first, so no process is lost when its parent dies, and it is
/// stopped before it is killed, so that no shell in it can report a killed child ("Killed") on
/// the user's terminal.
fn kill_tree(pid: u32) {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for entry in rd.flatten() {
            let Some(p) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            // `PID (COMM) STATE PPID ...`; COMM may hold spaces and parentheses, so the fields
            // are counted after its last `)`.
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            let ppid = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
            if let Some(ppid) = ppid {
                parents.push((p, ppid));
            }
        }
    }
    let mut tree = vec![pid];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parents
                .iter()
                .filter(|(_, pp)| *pp == parent)
                .map(|(p, _)| *p),
        );
        i += 1;
    }
    for signal in [libc::SIGSTOP, libc::SIGKILL] {
        for p in &tree {
            // SAFETY: kill with a pid and a signal number has no memory effects.
            #[allow(unsafe_code)]
            unsafe {
                libc::kill(*p as libc::pid_t, signal)
            };
        }
    }
}

fn check(code: &str, source: &str) -> Result<String> {
    if code.is_empty() {
        bail!("the MFA code from {source} is empty");
    }
    if code.len() > 64 || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        bail!("the MFA code from {source} is not a code (expected digits, such as 123456)");
    }
    Ok(code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE: Duration = Duration::from_secs(60);

    #[test]
    fn sources() {
        assert_eq!(
            code(
                "s",
                Some("echo 999999"),
                Some(" 123456 "),
                MINUTE,
                "k",
                true
            )
            .unwrap(),
            "123456"
        );
        assert_eq!(
            code("s", Some("printf '654321\\n'"), None, MINUTE, "k", true).unwrap(),
            "654321"
        );
        assert!(code("s", Some("exit 3"), None, MINUTE, "k", true).is_err());
        assert!(code("s", Some("echo"), None, MINUTE, "k", true).is_err());
        assert!(code("s", None, Some("12 34"), MINUTE, "k", true).is_err());
    }

    #[test]
    fn endless_or_slow_processes_are_stopped() {
        let err = code("s", Some("yes 123456"), None, MINUTE, "k", true).unwrap_err();
        assert!(
            format!("{err:#}").contains("more than 4096 bytes"),
            "{err:#}"
        );
        let err = code(
            "s",
            Some("sleep 30; echo 1"),
            None,
            Duration::from_millis(300),
            "k",
            true,
        )
        .unwrap_err();
        assert!(
            format!("{err:#}").contains("did not finish within"),
            "{err:#}"
        );
        // Output that ends before the process does still waits for its exit status.
        let err = code(
            "s",
            Some("echo 123456; exec >&-; exit 4"),
            None,
            MINUTE,
            "k",
            true,
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("failed"), "{err:#}");
        // Unattended: no terminal is opened, and the failure says what it is.
        let err = code("arn:aws:iam::1:mfa/u", None, None, MINUTE, "k", false).unwrap_err();
        assert!(code_needed(&err), "{err:#}");
        assert_eq!(
            code("s", Some("echo 123456"), None, MINUTE, "k", false).unwrap(),
            "123456"
        );
    }
}
