//! MFA codes: `--mfa-code`, then the profile's `mfa_process`, then a prompt on the terminal.

use crate::util::sanitize;
use anyhow::{Context, Result, bail};
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
    let code = crate::tty::ask(&format!("Enter MFA code for {}: ", sanitize(serial)))
        .with_context(no_terminal)?;
    check(code.trim(), "the terminal")
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
