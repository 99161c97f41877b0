//! The prompt in every shell: `prompt_format` with the time left, counting down live where the
//! shell can read the clock without a process and fixed at the expiry's clock time elsewhere, and
//! a prompt that starts no process.

use crate::support::shells::{Family, SHELLS, Shell};
use crate::support::term::Term;
use crate::support::*;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// `shell` started with an identity inherited from its parent (AWS_AS_IDENTITY and
/// AWS_AS_EXPIRATION), `settings` as aws-as's config.toml, and the prompt `my$ `.
fn start(shell: Shell, home: &Home, settings: &str, expires: i64) -> Term {
    let toml = home.path().join("aws-as.toml");
    std::fs::write(&toml, settings).unwrap();
    let env = vec![
        ("HOME", home.path().display().to_string()),
        ("PATH", path_with_bin()),
        ("TERM", "xterm".to_string()),
        ("LANG", "C.UTF-8".to_string()),
        ("TZ", "UTC".to_string()),
        ("AWS_AS_CONFIG", toml.display().to_string()),
        ("AWS_AS_IDENTITY", "dev".to_string()),
        ("AWS_AS_EXPIRATION", expires.to_string()),
    ];
    let term = Term::shell(shell, &env, home.path());
    term.run(&shell.set_prompt("my$ "));
    term
}

/// `(dev 1h05m)`, `(dev 42m)`: a live countdown's text.
fn is_countdown(text: &str) -> bool {
    let Some(t) = text.strip_suffix('m') else {
        return false;
    };
    let (h, m) = t.split_once('h').unwrap_or(("0", t));
    h.parse::<u32>().is_ok() && m.parse::<u32>().is_ok()
}

#[test]
fn time_left_counts_down_where_the_shell_can_and_is_fixed_elsewhere() {
    let home = Home::standard();
    for shell in SHELLS {
        if !require(shell.program) || !require("tmux") {
            continue;
        }
        let who = shell.name;
        // Two hours left, then three seconds left.
        let expires = now() + 7200;
        let term = start(
            shell,
            &home,
            "prompt_format = \"[{name} {left}] \"\n",
            expires,
        );
        let prompt = term.run(shell.activate());
        let clock = chrono::DateTime::from_timestamp(expires, 0)
            .unwrap()
            .format("%H:%M")
            .to_string();
        let inner = prompt
            .strip_prefix("[dev ")
            .and_then(|p| p.strip_suffix("] my$"))
            .unwrap_or_else(|| panic!("{who}: {prompt}"));
        if shell.live {
            assert!(is_countdown(inner), "{who}: {prompt}");
            assert!(
                inner.starts_with("1h5") || inner == "2h00m",
                "{who}: {prompt}"
            );
        } else {
            assert_eq!(inner, format!("until {clock}"), "{who}");
        }
        drop(term);

        let expires = now() + 2;
        let term = start(
            shell,
            &home,
            "prompt_format = \"[{name} {left}] \"\n",
            expires,
        );
        term.run(shell.activate());
        while now() <= expires {
            std::thread::sleep(Duration::from_millis(200));
        }
        let prompt = term.run("true");
        if shell.live {
            assert_eq!(prompt, "[dev expired] my$", "{who}");
        } else {
            assert!(prompt.starts_with("[dev until "), "{who}: {prompt}");
        }
        // Deactivation takes the countdown away with everything else.
        assert_eq!(term.run("aws-as-deactivate"), "my$", "{who}");
        assert_eq!(term.run("true"), "my$", "{who}");
    }
}

/// The default format; and a format with no identity is `(-)`-like, without the time.
#[test]
fn default_and_inactive_labels() {
    let home = Home::standard();
    for shell in SHELLS {
        if !require(shell.program) || !require("tmux") {
            continue;
        }
        let term = start(shell, &home, "", now() + 3600);
        assert_eq!(term.run(shell.activate()), "(dev) my$", "{}", shell.name);
        assert_eq!(term.run("aws-as -"), "(-) my$", "{}", shell.name);
        drop(term);
        let term = start(
            shell,
            &home,
            "prompt_format = \"<{name} {left}> \"",
            now() + 3600,
        );
        assert!(
            term.run(shell.activate()).starts_with("<dev "),
            "{}",
            shell.name
        );
        assert_eq!(term.run("aws-as -"), "<-> my$", "{}", shell.name);
    }
}

/// Drawing the prompt starts no process, countdown included, in every shell the CONTRACT
/// promises it for: strace sees no exec and no fork while Enter is pressed at the prompt.
#[test]
fn the_prompt_starts_no_process() {
    if !require("strace") {
        return;
    }
    let home = Home::standard();
    for shell in SHELLS.iter().filter(|s| s.family != Family::Csh) {
        if !require(shell.program) || !require("tmux") {
            continue;
        }
        let who = shell.name;
        let toml = home.path().join("aws-as.toml");
        std::fs::write(&toml, "prompt_format = \"({name} {left}) \"\n").unwrap();
        let trace = home.path().join(format!("strace-{who}"));
        let env = vec![
            ("HOME", home.path().display().to_string()),
            ("PATH", path_with_bin()),
            ("TERM", "xterm".to_string()),
            ("AWS_AS_CONFIG", toml.display().to_string()),
            ("AWS_AS_IDENTITY", "dev".to_string()),
            ("AWS_AS_EXPIRATION", (now() + 3600).to_string()),
        ];
        let mut argv = vec![
            "strace",
            "-f",
            "-qq",
            "-e",
            "trace=execve,fork,vfork,clone,clone3",
            "-o",
        ];
        let trace_arg = trace.display().to_string();
        argv.push(&trace_arg);
        argv.push(shell.program);
        argv.extend(shell.interactive);
        let term = Term::start(&argv, &env, home.path());
        term.run(&shell.set_prompt("my$ "));
        assert!(term.run(shell.activate()).starts_with("(dev "), "{who}");
        let before = std::fs::read_to_string(&trace).unwrap().lines().count();
        for _ in 0..3 {
            term.keys("Enter");
        }
        // `echo` is a builtin everywhere: the sync itself starts nothing either.
        assert!(term.run("").starts_with("(dev "), "{who}");
        let log = std::fs::read_to_string(&trace).unwrap();
        let started: Vec<&str> = log
            .lines()
            .skip(before)
            .filter(|l| !l.contains("CLONE_THREAD"))
            .filter(|l| l.contains("execve(") || l.contains("fork(") || l.contains("clone"))
            .collect();
        assert!(
            started.is_empty(),
            "{who}: the prompt started processes:\n{}",
            started.join("\n")
        );
    }
}
