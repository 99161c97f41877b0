//! The static shell files and the code the binary emits pass each shell's own checks: shellcheck
//! and shfmt for sh and bash, `zsh -n`, fish_indent and `fish --no-execute` for fish, and a real
//! run under tcsh and BSD csh (which have no linter). The repository's own scripts pass shellcheck
//! and shfmt too, and bench/report.py compiles.

use crate::support::*;
use aws_as::shell::{DIALECTS, Dialect, Label, Live, Stmt, Var};
use std::io::Write;
use std::process::{Command, Stdio};

/// Run `program args` on `input`; return its stdout after asserting it succeeded with nothing
/// on stderr.
fn run(program: &str, args: &[&str], input: &str) -> String {
    let mut child = Command::new(program)
        .args(args)
        .env_clear()
        .env("PATH", path_with_bin())
        .env("HOME", std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{program} {args:?} complains:\n{}{}\n--- input ---\n{input}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `run`, and the linter must print nothing either.
fn check(program: &str, args: &[&str], input: &str) {
    let out = run(program, args, input);
    assert!(
        out.is_empty(),
        "{program} {args:?}:\n{out}\n--- input ---\n{input}"
    );
}

/// Every kind of statement the renderer emits, each label form included (fixed, and with the
/// pieces for a live countdown), with values that need quoting.
fn every_statement() -> Vec<Stmt> {
    vec![
        // Activation comes first, as it does when the shell starts.
        Stmt::Activate {
            label: Label {
                fixed: "(it's 100% ok!) ".into(),
                live: None,
            },
            identity: false,
        },
        Stmt::Set(Var::AccessKeyId, "ASIA'x\\y".into()),
        Stmt::Set(Var::Identity, "a b $(c) `d` {e,f} %g".into()),
        Stmt::Unset(Var::Profile),
        Stmt::Restore(Var::Region),
        Stmt::Label(Label {
            fixed: "(it's 100% ok!) ".into(),
            live: None,
        }),
        Stmt::Label(Label {
            fixed: "(dev until 14:32) ".into(),
            live: Some(Live {
                head: "(dev ".into(),
                expires: 2_000_000_000,
                tail: ") ".into(),
            }),
        }),
        Stmt::Delegate,
    ]
}

fn emitted(d: Dialect) -> String {
    d.render(&every_statement()).unwrap()
}

#[test]
fn sh_and_bash_pass_shellcheck_and_shfmt() {
    if !require("shellcheck") || !require("shfmt") {
        return;
    }
    for (d, lang) in [(Dialect::Bash, "bash"), (Dialect::Sh, "sh")] {
        let script = d.script();
        check("shellcheck", &["-s", lang, "-"], &script);
        check(
            "shfmt",
            &[
                "-ln",
                if lang == "sh" { "posix" } else { "bash" },
                "-i",
                "4",
                "-ci",
                "-d",
            ],
            &script,
        );
        // SC2016 ("expressions don't expand in single quotes") is the point of the quoting.
        let code = format!("#!/bin/{lang}\n{}", emitted(d));
        check("shellcheck", &["-s", lang, "-e", "SC2016", "-"], &code);
        check("shfmt", &["-i", "4", "-ci", "-d"], &code);
        let boot = format!("#!/bin/{lang}\n{}", d.bootstrap());
        check("shellcheck", &["-s", lang, "-"], &boot);
    }
}

#[test]
fn zsh_parses_its_file_and_code() {
    if !require("zsh") {
        return;
    }
    check("zsh", &["-n"], &Dialect::Zsh.script());
    check("zsh", &["-n"], &emitted(Dialect::Zsh));
    // The completion script: clap_complete's, with shell/aws-as-autoload.zsh after it.
    let completion = std::fs::read_to_string(repo().join("completions/_aws-as")).unwrap();
    check("zsh", &["-n"], &completion);
}

#[test]
fn fish_indent_leaves_fish_code_unchanged() {
    if !require("fish") || !require("fish_indent") {
        return;
    }
    for code in [Dialect::Fish.script(), emitted(Dialect::Fish)] {
        let indented = run("fish_indent", &[], &code);
        assert_eq!(indented, code, "fish_indent would change:\n{code}");
        check("fish", &["--no-config", "--no-execute"], &code);
    }
}

/// csh has no linter: the file and every statement are run, sourced and through the quoted
/// eval, in tcsh and BSD csh, and must neither fail nor print anything.
#[test]
fn csh_code_runs_cleanly_in_tcsh_and_csh() {
    let code = emitted(Dialect::Csh);
    for line in Dialect::Csh.script().lines().chain(code.lines()) {
        assert!(line.ends_with(';'), "csh line without `;`: {line}");
        assert!(!line.trim_start().starts_with('#'), "csh comment: {line}");
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("aws-as.csh");
    std::fs::write(&script, Dialect::Csh.script()).unwrap();
    let stmts = dir.path().join("stmts.csh");
    std::fs::write(&stmts, &code).unwrap();
    for program in ["tcsh", "bsd-csh"] {
        if !require(program) {
            continue;
        }
        for load in [
            format!("source {}", script.display()),
            format!("eval \"`cat {}`\"", script.display()),
        ] {
            // The delegated command is `aws-as --version`, which prints the version.
            let input = format!(
                "set prompt = 'p> '\n{load}\nset __aws_as_args = (--version)\neval \"`cat {}`\"\nprintf '%s|%s|%s\\n' \"$AWS_AS_IDENTITY\" \"$AWS_ACCESS_KEY_ID\" \"$prompt\"\naws-as-deactivate\n",
                stmts.display()
            );
            let out = run(program, &["-f"], &input);
            assert_eq!(
                out,
                format!(
                    "aws-as {}\na b $(c) `d` {{e,f}} %g|ASIA'x\\y|(dev until 14:32) p> \n",
                    env!("CARGO_PKG_VERSION")
                ),
                "{program}: {load}"
            );
        }
    }
}

/// Each dialect names its own file.
#[test]
fn every_dialect_has_its_file() {
    for d in DIALECTS {
        assert!(d.script().contains("aws-as-deactivate"), "{}", d.name());
    }
}

/// The shell scripts among the files of `dir` (relative to the repository): those whose `#!` line
/// names sh or bash. bench/ also holds Markdown, Python and its venv.
fn shell_scripts_in(dir: &str) -> Vec<String> {
    let mut scripts: Vec<String> = std::fs::read_dir(repo().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|path| {
            let text = std::fs::read(path).unwrap_or_default();
            let first = text.split(|&b| b == b'\n').next().unwrap_or_default();
            path.is_file()
                && first.starts_with(b"#!")
                && (first.ends_with(b"bash") || first.ends_with(b"/sh"))
        })
        .map(|path| format!("{dir}/{}", path.file_name().unwrap().to_string_lossy()))
        .collect();
    scripts.sort();
    scripts
}

/// The repository's own bash scripts (scripts/, bench/'s, and CI's entry point) pass shellcheck,
/// following what they source, and shfmt in the style of the shell files.
#[test]
fn repository_scripts_pass_shellcheck_and_shfmt() {
    if !require("shellcheck") || !require("shfmt") {
        return;
    }
    let mut scripts: Vec<String> = std::fs::read_dir(repo().join("scripts"))
        .unwrap()
        .map(|e| format!("scripts/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    scripts.sort();
    scripts.extend(shell_scripts_in("bench"));
    scripts.push(".ci/run".into());
    for expected in ["scripts/demo", "bench/run"] {
        assert!(scripts.contains(&expected.to_string()), "{scripts:?}");
    }
    for (program, args) in [
        ("shellcheck", &["-x"][..]),
        ("shfmt", &["-i", "4", "-ci", "-d"][..]),
    ] {
        let out = Command::new(program)
            .args(args)
            .args(&scripts)
            .current_dir(repo())
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
            "{program} {scripts:?}:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// bench/report.py, the Python that bench/run runs, compiles with warnings as errors (an invalid
/// escape in a string, say). py_compile is in every python3, so this needs nothing installed; the
/// bytecode goes to a scratch directory, not into bench/.
#[test]
fn bench_report_compiles() {
    if !require("python3") {
        return;
    }
    let cache = tempfile::tempdir().unwrap();
    let out = Command::new("python3")
        .args(["-W", "error", "-m", "py_compile", "bench/report.py"])
        .env("PYTHONPYCACHEPREFIX", cache.path())
        .current_dir(repo())
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "python3 -m py_compile bench/report.py:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
