//! A real interactive shell in a tmux pane: keys are typed as a user types them and the screen is
//! read back, so prompts, the MFA question on the terminal and the prompt prefix are all real.

use super::shells::{Family, Shell, shell};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Term {
    shell: Shell,
    sock: PathBuf,
    dir: tempfile::TempDir,
    marks: Cell<u32>,
}

impl Term {
    /// Start `shell`, interactive and without rc files, with exactly `env` as its environment.
    pub fn shell(shell: Shell, env: &[(&str, String)], cwd: &Path) -> Term {
        let mut argv = vec![shell.program];
        argv.extend(shell.interactive);
        let mut term = Term::start(&argv, env, cwd);
        term.shell = shell;
        term
    }

    /// Start `argv` (a shell of the sh family) in a fresh tmux server with exactly `env` as its
    /// environment.
    pub fn start(argv: &[&str], env: &[(&str, String)], cwd: &Path) -> Term {
        let dir = tempfile::Builder::new()
            .prefix("aws-as-term-")
            .tempdir()
            .unwrap();
        let sock = dir.path().join("tmux.sock");
        let mut cmd = Command::new("tmux");
        cmd.arg("-S").arg(&sock).args([
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-x",
            "220",
            "-y",
            "50",
        ]);
        cmd.arg("-c").arg(cwd).args(["--", "env", "-i"]);
        for (k, v) in env {
            cmd.arg(format!("{k}={v}"));
        }
        cmd.args(argv);
        let status = cmd.status().expect("start tmux");
        assert!(status.success(), "tmux new-session failed");
        Term {
            shell: shell("bash"),
            sock,
            dir,
            marks: Cell::new(0),
        }
    }

    /// A directory for files the shell writes (environment dumps).
    pub fn out(&self) -> &Path {
        self.dir.path()
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.sock)
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Type `text` and press Enter.
    pub fn type_line(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "0", "-l", text]);
        self.tmux(&["send-keys", "-t", "0", "Enter"]);
    }

    /// Press a key, by tmux's name for it (`C-c`, `Enter`).
    pub fn keys(&self, key: &str) {
        self.tmux(&["send-keys", "-t", "0", key]);
    }

    /// The whole scrollback, joined lines.
    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-J", "-t", "0", "-S", "-5000"])
    }

    /// Wait until `pred` holds for the screen; panic with the screen after `secs`.
    pub fn wait_until(&self, what: &str, secs: u64, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub fn wait_for(&self, needle: &str, secs: u64) -> String {
        self.wait_until(needle, secs, |s| s.contains(needle))
    }

    /// Wait for the shell to be back at its prompt after everything typed so far, and return
    /// that prompt line.
    ///
    /// Shells without a line editor (dash, BSD csh) leave the terminal echoing while a command
    /// runs, so the typed `echo MARK` can show up before the prompt that precedes its output:
    /// the output line is the one that ends in the mark without being the typed command.
    pub fn sync(&self) -> String {
        let n = self.marks.get() + 1;
        self.marks.set(n);
        let mark = format!("__MARK_{n}__");
        let typed = format!("echo {mark}");
        let find = |s: &str| -> Option<String> {
            let lines: Vec<&str> = s.lines().map(str::trim_end).collect();
            let i = lines
                .iter()
                .rposition(|l| l.ends_with(&mark) && !l.ends_with(&typed))?;
            lines[i + 1..]
                .iter()
                .find(|l| !l.is_empty())
                .map(|l| l.to_string())
        };
        self.type_line(&typed);
        let screen = self.wait_until(&mark, 60, |s| find(s).is_some());
        find(&screen).unwrap()
    }

    /// Type a command, wait for it to finish, and return the prompt shown afterwards.
    pub fn run(&self, line: &str) -> String {
        self.type_line(line);
        self.sync()
    }

    /// The shell's exported environment, less what changes on its own.
    pub fn env(&self, name: &str) -> BTreeMap<String, String> {
        let file = self.out().join(format!("{name}.env"));
        self.run(&format!("env -0 > {}", file.display()));
        let bytes = std::fs::read(&file).unwrap();
        bytes
            .split(|b| *b == 0)
            .filter(|e| !e.is_empty())
            .filter_map(|e| {
                let s = String::from_utf8_lossy(e);
                let (k, v) = s.split_once('=')?;
                Some((k.to_string(), v.to_string()))
            })
            .filter(|(k, _)| !matches!(k.as_str(), "_" | "OLDPWD" | "COLUMNS" | "LINES"))
            .collect()
    }

    /// The exact bytes of a shell variable, or None when it is unset.
    pub fn var(&self, name: &str) -> Option<String> {
        let file = self.out().join(format!("var-{name}"));
        let _ = std::fs::remove_file(&file);
        self.run(&self.shell.var_line(name, &file.display().to_string()));
        std::fs::read_to_string(&file).ok()
    }

    /// The output of `line`, written to a file by the shell.
    pub fn output_of(&self, line: &str) -> String {
        self.output_and_prompt(line).0
    }

    /// The output of `line`, and the prompt shown after it.
    pub fn output_and_prompt(&self, line: &str) -> (String, String) {
        let file = self.out().join("output");
        let _ = std::fs::remove_file(&file);
        let prompt = self.run(&self.shell.output_line(line, &file.display().to_string()));
        (std::fs::read_to_string(&file).unwrap_or_default(), prompt)
    }

    /// The prompt as the shell holds it: PS1, csh's `prompt`, or fish's prompt function.
    pub fn prompt(&self) -> Option<String> {
        match self.shell.family {
            Family::Fish => Some(self.output_of("functions fish_prompt")),
            _ => self.var(self.shell.prompt_var()),
        }
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.sock)
            .arg("kill-server")
            .output();
    }
}
