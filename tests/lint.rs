//! The static shell files and the code the binary emits pass the shells' own linters.

use crate::support::*;
use aws_as::shell::{Dialect, Stmt, Var};
use std::io::Write;
use std::process::{Command, Stdio};

fn check(program: &str, args: &[&str], input: &str) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "{program} {args:?} complains:\n{}{}\n--- input ---\n{input}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Everything the bash renderer can emit, in one snippet.
fn emitted() -> String {
    let stmts = [
        Stmt::Set(Var::AccessKeyId, "ASIA'x".into()),
        Stmt::Set(Var::Identity, "a b $(c) `d`".into()),
        Stmt::Unset(Var::Profile),
        Stmt::Restore(Var::Region),
        Stmt::Delegate,
    ];
    format!("#!/bin/bash\n{}", Dialect::Bash.render(&stmts).unwrap())
}

#[test]
fn shellcheck_and_shfmt() {
    if !require("shellcheck") || !require("shfmt") {
        return;
    }
    let script = Dialect::Bash.script();
    check("shellcheck", &["-s", "bash", "-"], script);
    check("shfmt", &["-i", "4", "-ci", "-d"], script);
    // SC2016 ("expressions don't expand in single quotes") is the point of the quoting.
    check(
        "shellcheck",
        &["-s", "bash", "-e", "SC2016", "-"],
        &emitted(),
    );
    let boot = format!("#!/bin/bash\n{}", Dialect::Bash.bootstrap());
    check("shellcheck", &["-s", "bash", "-"], &boot);
}

#[test]
fn zsh_parses_its_file() {
    if !require("zsh") {
        return;
    }
    check("zsh", &["-n"], Dialect::Zsh.script());
}
