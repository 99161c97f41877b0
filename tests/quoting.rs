//! The one quoting function per dialect, fed hostile strings and read back by the real shells.

use crate::support::*;
use aws_as::shell::{Dialect, Stmt, Var};
use std::process::Command;

/// Strings that break naive quoting: quotes, expansions, history, prompt escapes, newlines,
/// globs, options, UTF-8.
pub const HOSTILE: &[&str] = &[
    "",
    " ",
    "plain",
    "it's",
    "'",
    "''",
    "\"",
    "\\",
    "\\'",
    "'\\''",
    "$(touch canary)",
    "`touch canary`",
    "${HOME}",
    "$HOME",
    "$((1+1))",
    "!!",
    "!$",
    "%F{red}%n%",
    "\\u@\\h \\$",
    "a\nb",
    "trailing newline\n",
    "\ttab",
    "*",
    "?",
    "[a]",
    "{a,b}",
    "~",
    "=ls",
    "-n",
    "--",
    "; touch canary",
    "| touch canary",
    "&& touch canary",
    "# not a comment",
    "ünïcödé ✓ 日本",
    "a'b\"c$d`e\\f!g%h",
    "\u{1b}[31mred",
];

/// Each hostile string, rendered for `dialect`, run by `shell` from a file and read back: it
/// must come back byte for byte, or (for values the dialect cannot represent) be refused by the
/// renderer. Returns how many were refused.
fn round_trip(shell: &str, args: &[&str], dialect: Dialect) -> usize {
    if !require(shell) {
        return 0;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut refused = 0;
    for (i, value) in HOSTILE.iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        let code = match dialect.render(&[Stmt::Set(Var::Identity, value.to_string())]) {
            Ok(code) => code,
            Err(err) => {
                // Only csh refuses, and only what it cannot hold: a line break.
                assert!(
                    dialect == Dialect::Csh && value.contains('\n'),
                    "{shell} refused {value:?}: {err}"
                );
                refused += 1;
                continue;
            }
        };
        let script = dir.path().join(format!("script{i}"));
        std::fs::write(
            &script,
            format!(
                "{code}printf '%s' \"$AWS_AS_IDENTITY\" > '{}'\n",
                out.display()
            ),
        )
        .unwrap();
        let status = Command::new(shell)
            .args(args)
            .arg(&script)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "{shell} failed on {value:?}");
        let got = std::fs::read(&out).unwrap();
        assert_eq!(got, value.as_bytes(), "{shell} changed {value:?}");
    }
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        // fish keeps its own state under HOME (.config, .local).
        .filter(|n| !n.starts_with("out") && !n.starts_with("script") && !n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "{shell} ran injected code: {left:?}");
    refused
}

/// No injected `touch canary...` ran in `dir`.
fn assert_no_canary(dir: &std::path::Path, shell: &str) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with("canary")),
        "{shell} ran injected code: {names:?}"
    );
}

#[test]
fn bash_reads_back_every_hostile_string() {
    assert_eq!(round_trip("bash", &[], Dialect::Bash), 0);
    // POSIX mode changes how some words are read.
    assert_eq!(round_trip("bash", &["--posix"], Dialect::Bash), 0);
}

#[test]
fn dash_ksh_and_mksh_read_back_every_hostile_string() {
    for shell in ["dash", "ksh93", "mksh"] {
        assert_eq!(round_trip(shell, &[], Dialect::Sh), 0, "{shell}");
    }
}

#[test]
fn fish_reads_back_every_hostile_string() {
    assert_eq!(round_trip("fish", &["--no-config"], Dialect::Fish), 0);
}

/// Both csh loaders read the code: `source` (which this runs) and the quoted eval, which the
/// interactive tests use.
#[test]
fn tcsh_and_csh_read_back_every_hostile_string_but_line_breaks() {
    let breaks = HOSTILE.iter().filter(|v| v.contains('\n')).count();
    for shell in ["tcsh", "bsd-csh"] {
        if require(shell) {
            assert_eq!(round_trip(shell, &["-f"], Dialect::Csh), breaks, "{shell}");
        }
    }
}

#[test]
fn zsh_reads_back_every_hostile_string() {
    assert_eq!(round_trip("zsh", &["-f"], Dialect::Zsh), 0);
    // With the options that make zsh expand more: prompt_subst, ksh-style globbing, magic_equal_subst.
    round_trip(
        "zsh",
        &[
            "-o",
            "promptsubst",
            "-o",
            "magicequalsubst",
            "-o",
            "kshglob",
        ],
        Dialect::Zsh,
    );
}

#[test]
fn nul_is_refused_not_truncated() {
    assert!(Dialect::Bash.quote("a\0b").is_err());
    assert!(
        Dialect::Zsh
            .render(&[Stmt::Set(Var::Region, "x\0".into())])
            .is_err()
    );
}

/// A hostile identity label in the prompt is shown, never run, in every shell: an identity
/// inherited from the parent shell reaches the prompt through the renderer, and the prompt
/// refers to it (bash, sh, ksh), holds it in psvar (zsh), prints it as data (fish) or has its
/// `!` and `%` escaped (csh, tcsh). Control characters are shown as `?`.
#[test]
fn hostile_label_in_a_live_prompt_is_inert() {
    let label = "$(touch canary1)`touch canary2`%F{red}\\u!!%n\u{1b}[2J";
    let shown = label.replace('\u{1b}', "?");
    for shell in crate::support::shells::SHELLS {
        if !require(shell.program) || !require("tmux") {
            continue;
        }
        let home = Home::standard();
        let env = vec![
            ("HOME", home.path().display().to_string()),
            ("PATH", path_with_bin()),
            ("TERM", "xterm".to_string()),
            ("AWS_AS_IDENTITY", label.to_string()),
        ];
        let term = crate::support::term::Term::shell(shell, &env, home.path());
        term.run(&shell.set_prompt("my$ "));
        let prompt = term.run(shell.activate());
        assert_eq!(prompt, format!("({shown}) my$"), "{}", shell.name);
        term.run("true");
        term.run("aws-as-deactivate");
        assert_no_canary(home.path(), shell.name);
    }
}

/// The same strings through an interactive shell (history expansion on, as users have it), the
/// way the shell function applies them: `eval` of captured output.
#[test]
fn interactive_shells_read_back_every_hostile_string() {
    for (shell, dialect, argv) in [
        (
            "bash",
            Dialect::Bash,
            vec!["bash", "--norc", "--noprofile", "-i"],
        ),
        ("zsh", Dialect::Zsh, vec!["zsh", "-f", "-i"]),
    ] {
        if !require(shell) || !require("tmux") {
            continue;
        }
        let home = Home::standard();
        let env = vec![
            ("HOME", home.path().display().to_string()),
            ("PATH", "/usr/bin:/bin".to_string()),
            ("TERM", "xterm".to_string()),
        ];
        let term = crate::support::term::Term::start(&argv, &env, home.path());
        term.run("PS1='my$ '");
        for (i, value) in HOSTILE.iter().enumerate() {
            let code = term.out().join(format!("code{i}"));
            let out = term.out().join(format!("out{i}"));
            let rendered = dialect
                .render(&[Stmt::Set(Var::Identity, value.to_string())])
                .unwrap();
            std::fs::write(&code, rendered).unwrap();
            term.run(&format!(
                "__out=$(cat '{}'); eval \"$__out\"; printf '%s' \"$AWS_AS_IDENTITY\" > '{}'",
                code.display(),
                out.display()
            ));
            assert_eq!(
                std::fs::read(&out).unwrap(),
                value.as_bytes(),
                "{shell}: {value:?}"
            );
        }
        assert_no_canary(home.path(), shell);
    }
}
