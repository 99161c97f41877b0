//! MFA codes: `--mfa-code`, then the profile's `mfa_process`, then a prompt on the terminal.

use crate::util::sanitize;
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

pub fn code(serial: &str, mfa_process: Option<&str>, given: Option<&str>) -> Result<String> {
    if let Some(code) = given {
        return check(code.trim(), "--mfa-code");
    }
    if let Some(cmd) = mfa_process {
        // Run through the shell, as aws-vault does, so that `oathtool --totp -b "$(pass x)"` works.
        // Its stdout is the code; its stderr and any prompt of its own reach the user.
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(cmd)
            .stdin(Stdio::inherit())
            .stderr(Stdio::inherit())
            .output()
            .context("could not run mfa_process")?;
        if !out.status.success() {
            bail!("mfa_process failed ({})", out.status);
        }
        let text = String::from_utf8_lossy(&out.stdout);
        return check(text.trim(), "mfa_process");
    }
    let no_terminal = || {
        format!(
            "an MFA code is needed for {} and there is no terminal to ask on; \
             pass --mfa-code CODE or set mfa_process in the profile",
            sanitize(serial)
        )
    };
    let code = ask_on_terminal(&format!("Enter MFA code for {}: ", sanitize(serial)))
        .with_context(no_terminal)?;
    check(code.trim(), "the terminal")
}

/// Ask on the controlling terminal, never on stdout (which the shell function captures). The
/// code is echoed as typed, like the AWS CLI's prompt: a one-time code is no secret once used,
/// and leaving the terminal's modes alone means an interrupt can't leave echo switched off.
fn ask_on_terminal(prompt: &str) -> std::io::Result<String> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")?;
    let mut writer = &tty;
    writer.write_all(prompt.as_bytes())?;
    writer.flush()?;
    let mut line = String::new();
    if BufReader::new(&tty).read_line(&mut line)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "no answer",
        ));
    }
    Ok(line)
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

    #[test]
    fn sources() {
        assert_eq!(
            code("s", Some("echo 999999"), Some(" 123456 ")).unwrap(),
            "123456"
        );
        assert_eq!(
            code("s", Some("printf '654321\\n'"), None).unwrap(),
            "654321"
        );
        assert!(code("s", Some("exit 3"), None).is_err());
        assert!(code("s", Some("echo"), None).is_err());
        assert!(code("s", None, Some("12 34")).is_err());
    }
}
