//! Completion scripts and the manual page: the checked-in files are what the binary prints, each
//! script loads in its real shell, and pressing Tab there offers the right candidates (profile
//! names read live from the config), with and without the aws-as integration activated.

use crate::support::shells::shell;
use crate::support::term::Term;
use crate::support::*;
use aws_as::shell::Dialect;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The checked-in files and the arguments that print each.
const GENERATED: [(&str, &[&str]); 4] = [
    ("completions/aws-as.bash", &["completions", "bash"]),
    ("completions/_aws-as", &["completions", "zsh"]),
    ("completions/aws-as.fish", &["completions", "fish"]),
    ("man/aws-as.1", &["man"]),
];

/// Setting this makes `generated_files_are_what_the_binary_prints` rewrite the files.
const UPDATE: &str = "AWS_AS_UPDATE_GENERATED";

/// Profiles that share a prefix, one that doesn't, and one whose name is also a prefix of
/// subcommands (`ex`), to see that both kinds of candidate come back together.
const CONFIG: &str = "[profile dev]\nregion = eu-west-1\n\n\
    [profile dev-admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = dev\n\n\
    [profile prod]\nregion = us-west-2\n\n\
    [profile exp]\nregion = us-east-1\n";

const FORMATS: [&str; 6] = ["sh", "fish", "csh", "json", "dotenv", "credential-process"];

/// What each case types, and exactly what must be offered.
fn cases() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("aws-as de", vec!["dev", "dev-admin"]),
        ("aws-as exec pr", vec!["prod"]),
        ("aws-as export dev --format ", FORMATS.to_vec()),
        // Subcommands and a profile together; never the hidden __hook or __label.
        ("aws-as ex", vec!["exec", "exp", "export"]),
        ("aws-as cache clear d", vec!["dev", "dev-admin"]),
        ("aws-as init z", vec!["zsh"]),
    ]
}

fn file(rel: &str) -> PathBuf {
    repo().join(rel)
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

fn home() -> Home {
    Home::new(CONFIG, "")
}

/// The manual pages in `dir`: `aws-as.1` and one per command, such as `aws-as-exec.1`.
fn man_pages(dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".1"))
        .collect()
}

#[test]
fn generated_files_are_what_the_binary_prints() {
    let home = home();
    let update = std::env::var_os(UPDATE).is_some_and(|v| !v.is_empty());
    let mut stale = Vec::new();
    for (rel, args) in GENERATED {
        let out = home.run("http://127.0.0.1:9", args);
        assert!(out.status.success(), "aws-as {args:?}: {}", stderr(&out));
        assert!(out.stderr.is_empty(), "aws-as {args:?}: {}", stderr(&out));
        let path = file(rel);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &out.stdout).unwrap();
            continue;
        }
        let checked_in = std::fs::read(&path).unwrap_or_default();
        if checked_in != out.stdout {
            stale.push(format!("{rel} (aws-as {})", args.join(" ")));
        }
    }
    // Every page `aws-as man --dir` writes is in man/, and man/ has no other page.
    let written = tempfile::tempdir().unwrap();
    let dir = written.path().to_str().unwrap();
    let out = home.run("http://127.0.0.1:9", &["man", "--dir", dir]);
    assert!(out.status.success(), "aws-as man --dir: {}", stderr(&out));
    assert!(
        out.stdout.is_empty() && out.stderr.is_empty(),
        "{}",
        stderr(&out)
    );
    let pages = man_pages(written.path());
    assert!(pages.len() > 1 && pages.contains("aws-as.1"), "{pages:?}");
    if update {
        for old in man_pages(&file("man")) {
            std::fs::remove_file(file("man").join(old)).unwrap();
        }
    }
    for name in pages.union(&man_pages(&file("man"))) {
        // None for a page that one side lacks.
        let now = std::fs::read(written.path().join(name)).ok();
        let path = file("man").join(name);
        if update {
            std::fs::write(&path, now.unwrap()).unwrap();
        } else if std::fs::read(&path).ok() != now {
            stale.push(format!("man/{name} (aws-as man --dir man)"));
        }
    }
    assert!(
        stale.is_empty(),
        "these checked-in files differ from what the binary prints: {}.\n\
         Regenerate them with: {UPDATE}=1 cargo test --test main completions::generated",
        stale.join(", ")
    );
}

/// The scripts are clap_complete's: they call `aws-as` by its name on PATH. After activation that
/// name is the shell function, which hands the request straight to the binary through `command`,
/// never to the hook (the bash, fish and zsh cases below complete with the integration activated).
#[test]
fn scripts_name_the_binary_on_path_and_reach_it_past_the_function() {
    for (rel, _) in &GENERATED[..3] {
        let text = std::fs::read_to_string(file(rel)).unwrap();
        assert!(
            !text.contains(&bin().display().to_string()),
            "{rel} embeds a path"
        );
        // One call of the binary, by name (bash's template quotes it).
        let calls = text.matches("aws-as -- ").count() + text.matches("\"aws-as\" -- ").count();
        assert_eq!(calls, 1, "{rel}: one call expected");
        assert!(text.contains("AWS_AS_COMPLETE="), "{rel}");
    }
    // Every call of the binary goes through `command`: the function's first step, on a request,
    // is `command aws-as` with its arguments, and it returns before the hook.
    for dialect in [Dialect::Bash, Dialect::Zsh, Dialect::Fish] {
        let (script, name) = (dialect.script(), dialect.name());
        let start = script
            .find("AWS_AS_COMPLETE")
            .unwrap_or_else(|| panic!("{name}"));
        let request = &script[start..];
        let request = &request[..request.find("return").unwrap()];
        assert!(request.contains("command aws-as "), "{name}");
        assert!(start < script.find("__hook").unwrap(), "{name}");
    }
}

/// `aws-as completions SHELL` prints clap_complete's own registration, the one it prints when asked
/// its own way.
#[test]
fn completions_print_what_clap_complete_registers() {
    let home = home();
    for shell in ["bash", "zsh", "fish"] {
        let printed = home.run("http://127.0.0.1:9", &["completions", shell]);
        let asked = home.run_env("http://127.0.0.1:9", &[], &[("AWS_AS_COMPLETE", shell)]);
        assert!(
            asked.status.success() && asked.stderr.is_empty(),
            "{}",
            stderr(&asked)
        );
        assert_eq!(stdout(&asked), stdout(&printed), "{shell}");
    }
}

#[test]
fn man_page_prints_whole_and_ends_quietly_in_a_closed_pipe() {
    let home = home();
    let out = home.run("http://127.0.0.1:9", &["man"]);
    let page = stdout(&out);
    assert!(out.status.success());
    for needle in [".TH aws-as 1", "completions", "export", "\\-\\-mfa\\-code"] {
        assert!(page.contains(needle), "{needle} missing from the page");
    }
    assert!(!page.contains("__hook") && !page.contains("__label"));

    // `aws-as man | head`: the reader has gone before the first write.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = home.cmd("http://127.0.0.1:9");
    let out = cmd
        .arg("man")
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn man_page_renders_without_warnings() {
    if !require("groff") {
        return;
    }
    let pages = man_pages(&file("man"));
    assert!(pages.contains("aws-as.1"), "{pages:?}");
    for page in pages {
        let out = Command::new("groff")
            // -P -cbou: plain text, without the overstrikes that mark bold and underline.
            .args(["-man", "-Tutf8", "-ww", "-P", "-cbou"])
            .arg(file("man").join(&page))
            .env("LANG", "C.UTF-8")
            .output()
            .unwrap();
        assert!(out.status.success(), "{page}: {}", stderr(&out));
        assert!(
            out.stderr.is_empty(),
            "{page}: groff warns: {}",
            stderr(&out)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("SYNOPSIS") && text.contains("aws-as"),
            "{page}: {text}"
        );
    }
}

// ---- bash ---------------------------------------------------------------------------------------

/// Run `script` in bash with the scratch HOME and the binary on PATH.
fn bash(home: &Home, script: &str) -> std::process::Output {
    let mut cmd = Command::new("bash");
    cmd.args(["--norc", "--noprofile", "-c", script]);
    home.clean_env(&mut cmd, "http://127.0.0.1:9");
    cmd.stdin(Stdio::null()).output().unwrap()
}

/// Candidates bash offers for `line`, found as bash's completion would: COMP_WORDS and
/// COMP_CWORD set, the registered function called with the command, the word and the previous
/// word, COMPREPLY read back. `setup` runs first.
fn bash_complete(home: &Home, setup: &str, line: &str) -> BTreeSet<String> {
    let mut words: Vec<String> = line.split(' ').map(str::to_owned).collect();
    if line.ends_with(' ') {
        words.pop();
        words.push(String::new());
    }
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        "{setup}\n\
         source {file}\n\
         COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n\
         COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; COMP_TYPE=9\n\
         fn=$(complete -p aws-as | sed 's/.* -F \\([^ ]*\\) .*/\\1/')\n\
         \"$fn\" aws-as \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file = file("completions/aws-as.bash").display(),
        words = quoted.join(" "),
    );
    let out = bash(home, &script);
    assert!(out.status.success(), "{line}: {}", stderr(&out));
    assert!(out.stderr.is_empty(), "{line}: {}", stderr(&out));
    stdout(&out)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_script_loads_and_completes_profiles_commands_and_values() {
    if !require("bash") {
        return;
    }
    let home = home();
    let out = bash(
        &home,
        &format!(
            "set -u; source {}; complete -p aws-as",
            file("completions/aws-as.bash").display()
        ),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    assert!(stdout(&out).contains("aws-as"), "{}", stdout(&out));

    // Without the integration, then with it: `aws-as` is the shell function by then, and the
    // completion must still reach the binary.
    let activated = "eval \"$(aws-as -s bash)\"\n\
        [ \"$(type -t aws-as)\" = function ] || { echo 'not activated' >&2; exit 1; }";
    for setup in ["", activated] {
        for (line, want) in cases() {
            assert_eq!(
                bash_complete(&home, setup, line),
                set(&want),
                "bash, {line:?}, setup {setup:?}"
            );
        }
    }
}

#[test]
fn bash_completion_follows_the_config_as_it_is_now() {
    if !require("bash") {
        return;
    }
    let home = home();
    assert_eq!(bash_complete(&home, "", "aws-as st"), set(&["status"]));
    let config = home.path().join(".aws/config");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\n[profile staging]\nregion = eu-west-1\n");
    std::fs::write(&config, text).unwrap();
    assert_eq!(
        bash_complete(&home, "", "aws-as st"),
        set(&["staging", "status"])
    );
    // AWS_CONFIG_FILE is honoured, as everywhere else.
    let other = home.path().join("other-config");
    std::fs::write(&other, "[profile stage-2]\n").unwrap();
    assert_eq!(
        bash_complete(
            &home,
            &format!("export AWS_CONFIG_FILE={}", other.display()),
            "aws-as exec st"
        ),
        set(&["stage-2"])
    );
}

// ---- fish ---------------------------------------------------------------------------------------

fn fish_complete(home: &Home, setup: &str, line: &str) -> BTreeSet<String> {
    let script = format!(
        "{setup}\nsource {}\ncomplete -C '{line}'",
        file("completions/aws-as.fish").display()
    );
    let mut cmd = Command::new("fish");
    cmd.args(["--no-config", "-c", &script]);
    home.clean_env(&mut cmd, "http://127.0.0.1:9");
    let out = cmd.stdin(Stdio::null()).output().unwrap();
    assert!(out.status.success(), "{line}: {}", stderr(&out));
    assert!(out.stderr.is_empty(), "{line}: {}", stderr(&out));
    stdout(&out)
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_owned())
        .collect()
}

#[test]
fn fish_script_loads_and_completes_profiles_commands_and_values() {
    if !require("fish") {
        return;
    }
    let home = home();
    let activated = "aws-as -s fish | source\n\
        functions -q aws-as; or begin; echo 'not activated' >&2; exit 1; end";
    for setup in ["", activated] {
        for (line, want) in cases() {
            assert_eq!(
                fish_complete(&home, setup, line),
                set(&want),
                "fish, {line:?}, setup {setup:?}"
            );
        }
    }
}

// ---- zsh ----------------------------------------------------------------------------------------

/// zsh at a real terminal with compinit and completions/ on $fpath, as a user has it. `compadd`
/// is wrapped to write down what each call offers (matched against the word, as zsh matches it)
/// to `out`, then add it as usual.
fn zsh_term(home: &Home, out: &Path) -> Term {
    let env = vec![
        ("HOME", home.path().display().to_string()),
        ("PATH", path_with_bin()),
        ("TERM", "xterm".to_string()),
        ("LANG", "C.UTF-8".to_string()),
    ];
    let term = Term::shell(shell("zsh"), &env, home.path());
    term.run("PS1='my$ '");
    term.run(&format!(
        "fpath=({} $fpath); autoload -Uz compinit; compinit -D -u",
        file("completions").display()
    ));
    term.run(&format!(
        "compadd() {{ local -a __m; builtin compadd -O __m \"$@\"; \
         (( $#__m )) && print -rl -- $__m >> {}; builtin compadd \"$@\"; }}",
        out.display()
    ));
    term
}

/// Type `line`, press Tab, and read what zsh offered.
fn zsh_complete(term: &Term, out: &Path, line: &str) -> BTreeSet<String> {
    let _ = std::fs::remove_file(out);
    term.keys(line);
    term.keys("Tab");
    // Clear the line; keys are handled in order, so the completion is over by the time the
    // shell prints the mark.
    term.keys("C-u");
    term.sync();
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn zsh_script_autoloads_from_fpath_and_completes_on_the_first_tab() {
    if !require("zsh") || !require("tmux") {
        return;
    }
    let home = home();
    let out = home.path().join("offered");

    // A fresh shell for each case: the first Tab is the one that autoloads _aws-as.
    for (line, want) in cases() {
        let term = zsh_term(&home, &out);
        assert_eq!(zsh_complete(&term, &out, line), set(&want), "zsh, {line:?}");
    }

    // Then with the integration activated in the same shell: `aws-as` is its function now.
    let term = zsh_term(&home, &out);
    term.run("eval \"$(aws-as -s)\"");
    assert_eq!(
        term.output_of("whence -w aws-as").trim(),
        "aws-as: function"
    );
    for (line, want) in cases() {
        assert_eq!(
            zsh_complete(&term, &out, line),
            set(&want),
            "zsh activated, {line:?}"
        );
    }
}

#[test]
fn zsh_script_sourced_after_compinit_completes() {
    if !require("zsh") || !require("tmux") {
        return;
    }
    let home = home();
    let out = home.path().join("offered");
    let term = zsh_term(&home, &out);
    // `source <(aws-as completions zsh)`, the README's other way.
    let (text, _) = term.output_and_prompt("source <(aws-as completions zsh)");
    assert_eq!(text, "", "sourcing printed something");
    term.run("eval \"$(aws-as -s)\"");
    assert_eq!(
        zsh_complete(&term, &out, "aws-as de"),
        set(&["dev", "dev-admin"])
    );
    assert_eq!(
        zsh_complete(&term, &out, "aws-as export dev --format "),
        set(&FORMATS)
    );
}
