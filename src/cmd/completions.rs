//! `aws-as completions bash|zsh|fish`: the completion script, and the completions themselves.
//!
//! Completion is dynamic (clap_complete's `CompleteEnv`): the script the shell loads only
//! registers a function, and that function runs `AWS_AS_COMPLETE=SHELL aws-as -- WORDS...` on
//! each Tab. `main_entry` looks at that variable before anything else, so subcommands, flags,
//! values and profile names always come from the binary that is installed and the config as it is
//! now.
//!
//! The registration is clap_complete's, with three changes:
//! - it names the binary `aws-as` as found on PATH, never an absolute path, so it can be checked
//!   in (`completions/`) and installed once;
//! - it runs `command aws-as`: after `eval "$(aws-as -s)"`, `aws-as` is a shell function that runs
//!   the hook and evaluates what it prints, and a completion must reach the binary instead;
//! - the zsh script also completes on the first Tab when zsh autoloads it from `$fpath`, where its
//!   body runs on that Tab rather than when it is sourced.
//!
//! Hidden commands and flags (`__hook`, `__label`, `init --script`) are never offered.

use crate::cli::{Cli, CompletionShell};
use anyhow::{Result, bail};
use clap::CommandFactory;
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::{Bash, EnvCompleter, Fish, Shells, Zsh};
use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

/// The variable that asks the binary for completions instead of running a command.
pub const VAR: &str = "AWS_AS_COMPLETE";

/// The binary as the scripts name it: on PATH, never a path.
const BIN: &str = "aws-as";

/// What clap_complete is given as the program to run, so that the one place it appears in each
/// registration can be found and replaced with a call that bypasses the shell function.
const MARK: &str = "__AWS_AS_COMPLETER__";

pub fn run(shell: CompletionShell) -> Result<()> {
    crate::util::print_stdout(&registration(shell)?)
}

/// The registration script for `shell`: what `aws-as completions SHELL` prints and
/// `completions/` holds.
pub fn registration(shell: CompletionShell) -> Result<String> {
    let dialect = Dialect::from(shell);
    let mut buf = Vec::new();
    dialect.write_registration(VAR, BIN, BIN, BIN, &mut buf)?;
    Ok(String::from_utf8(buf)?)
}

/// Answer a completion request (`AWS_AS_COMPLETE` is set): print the candidates for the words in
/// `args`. Nothing goes to stderr, which is the user's terminal mid-line. None when the variable
/// is empty or `0`, clap_complete's way to turn completion off: then the command runs.
pub fn complete(args: Vec<OsString>) -> Option<ExitCode> {
    let cwd = std::env::current_dir().ok();
    let shells = Shells(&[&Dialect::Bash, &Dialect::Zsh, &Dialect::Fish]);
    let done = clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(VAR)
        .bin(BIN)
        .completer(BIN)
        .shells(shells)
        .try_complete(args, cwd.as_deref());
    match done {
        Ok(true) => Some(ExitCode::SUCCESS),
        Ok(false) => None,
        Err(_) => Some(ExitCode::FAILURE),
    }
}

/// The three shells, each clap_complete's own with the changes described at the top.
#[derive(Clone, Copy)]
enum Dialect {
    Bash,
    Zsh,
    Fish,
}

impl From<CompletionShell> for Dialect {
    fn from(shell: CompletionShell) -> Dialect {
        match shell {
            CompletionShell::Bash => Dialect::Bash,
            CompletionShell::Zsh => Dialect::Zsh,
            CompletionShell::Fish => Dialect::Fish,
        }
    }
}

impl Dialect {
    fn inner(self) -> &'static dyn EnvCompleter {
        match self {
            Dialect::Bash => &Bash,
            Dialect::Zsh => &Zsh,
            Dialect::Fish => &Fish,
        }
    }

    /// The header, after the first line where zsh's `#compdef` must stay.
    fn header(self) -> String {
        let (install, shell) = match self {
            Dialect::Bash => ("~/.local/share/bash-completion/completions/aws-as", "bash"),
            Dialect::Zsh => ("_aws-as in a directory on $fpath", "zsh"),
            Dialect::Fish => ("~/.config/fish/completions/aws-as.fish", "fish"),
        };
        format!(
            "# aws-as completions for {shell}: `aws-as completions {shell}` prints this file.\n\
             # Install it as {install}.\n\
             # Subcommands, flags and profile names come from the aws-as on PATH when Tab is pressed\n\
             # ({VAR}={shell} aws-as -- WORDS...), through `command` so that the shell function\n\
             # that `eval \"$(aws-as -s)\"` defines is not run instead.\n"
        )
    }

    /// clap_complete's call of the program, with the mark for the program, as each script has
    /// it; and what it becomes.
    fn call(self) -> (String, String) {
        match self {
            // The template double-quotes the program.
            Dialect::Bash => (format!("\"{MARK}\" --"), format!("command {BIN} --")),
            Dialect::Zsh | Dialect::Fish => (format!("{MARK} --"), format!("command {BIN} --")),
        }
    }
}

impl EnvCompleter for Dialect {
    fn name(&self) -> &'static str {
        self.inner().name()
    }

    fn is(&self, name: &str) -> bool {
        self.inner().is(name)
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        _completer: &str,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        let mut generated = Vec::new();
        self.inner()
            .write_registration(var, name, bin, MARK, &mut generated)?;
        let generated = String::from_utf8(generated).map_err(std::io::Error::other)?;
        let script = adapt(*self, &generated).map_err(std::io::Error::other)?;
        buf.write_all(script.as_bytes())
    }

    /// clap_complete's own output for each shell, from the candidates less the hidden ones.
    fn write_complete(
        &self,
        cmd: &mut clap::Command,
        mut args: Vec<OsString>,
        current_dir: Option<&std::path::Path>,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        // What the registration passes besides the words, as clap_complete's own shells read it.
        let index: usize = std::env::var("_CLAP_COMPLETE_INDEX")
            .ok()
            .and_then(|i| i.parse().ok())
            .unwrap_or_default();
        let ifs = std::env::var("_CLAP_IFS").unwrap_or_else(|_| "\n".to_owned());
        match self {
            Dialect::Bash => {
                let values: Vec<String> = visible(cmd, args, index, current_dir)?
                    .iter()
                    .map(|c| c.get_value().to_string_lossy().into_owned())
                    .collect();
                write!(buf, "{}", values.join(&ifs))
            }
            Dialect::Zsh => {
                // zsh leaves out an empty word under the cursor.
                if args.len() == index {
                    args.push(OsString::new());
                }
                let lines: Vec<String> = visible(cmd, args, index, current_dir)?
                    .iter()
                    .map(|c| {
                        let value = c.get_value().to_string_lossy();
                        let value = value.replace('\\', "\\\\").replace(':', "\\:");
                        match help_line(c) {
                            Some(help) => format!("{value}:{}", help.replace('\\', "\\\\")),
                            None => value,
                        }
                    })
                    .collect();
                write!(buf, "{}", lines.join(&ifs))
            }
            Dialect::Fish => {
                let index = args.len().saturating_sub(1);
                for c in visible(cmd, args, index, current_dir)? {
                    write!(buf, "{}", c.get_value().to_string_lossy())?;
                    if let Some(help) = help_line(&c) {
                        write!(buf, "\t{help}")?;
                    }
                    writeln!(buf)?;
                }
                Ok(())
            }
        }
    }
}

/// The candidates for word `index`, less hidden commands and flags: clap_complete leaves those
/// out only while something visible matches too, so `aws-as __` would offer `__hook`.
fn visible(
    cmd: &mut clap::Command,
    args: Vec<OsString>,
    index: usize,
    current_dir: Option<&std::path::Path>,
) -> std::io::Result<Vec<CompletionCandidate>> {
    let mut candidates = clap_complete::engine::complete(cmd, args, index, current_dir)?;
    candidates.retain(|c| !c.is_hide_set());
    Ok(candidates)
}

/// The first line of a candidate's help, as zsh and fish show it beside the value.
fn help_line(c: &CompletionCandidate) -> Option<String> {
    let help = c.get_help()?.to_string();
    Some(help.lines().next().unwrap_or_default().to_owned())
}

/// clap_complete's script for `dialect`, changed as described at the top. It fails if the script
/// no longer has the expected shape (a new clap_complete), rather than print a script that calls
/// the shell function.
fn adapt(dialect: Dialect, generated: &str) -> Result<String> {
    let (call, ours) = dialect.call();
    if generated.matches(&call).count() != 1 || generated.matches(MARK).count() != 1 {
        bail!(
            "clap_complete's {} script has changed shape",
            dialect.name()
        );
    }
    let body = generated.trim().replace(&call, &ours);
    let header = dialect.header();
    let script = match dialect {
        Dialect::Bash | Dialect::Fish => format!("{header}\n{body}\n"),
        Dialect::Zsh => {
            // `#compdef` must stay the first line, for compinit to find the file on $fpath.
            let (first, rest) = body.split_once('\n').unwrap_or((&body, ""));
            if !first.starts_with("#compdef ") {
                bail!("clap_complete's zsh script no longer starts with #compdef");
            }
            let function = format!("_clap_dynamic_completer_{}", BIN.replace('-', "_"));
            // Autoloaded from $fpath, the file's body is the function _aws-as and runs on the
            // first Tab, when the compdef in it is too late for that Tab: so it completes then
            // as well. Sourced, funcstack[1] is the file's path and this does nothing. See "Autoloading
            // Functions" in zshmisc(1).
            format!(
                "{first}\n{header}{rest}\n\n\
                 # Autoloaded from $fpath, this is the first Tab: complete it too.\n\
                 if [[ ${{funcstack[1]-}} == _{BIN} ]]; then\n    \
                 {function} \"$@\"\nfi\n"
            )
        }
    };
    Ok(script)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_calls_the_binary_through_command_and_embeds_no_path() {
        for shell in [
            CompletionShell::Bash,
            CompletionShell::Zsh,
            CompletionShell::Fish,
        ] {
            let script = registration(shell).unwrap();
            assert!(!script.contains(MARK), "{script}");
            assert_eq!(script.matches("command aws-as -- ").count(), 1, "{script}");
            assert!(script.contains("AWS_AS_COMPLETE"), "{script}");
            let exe = std::env::current_exe().unwrap();
            assert!(!script.contains(exe.parent().unwrap().to_str().unwrap()));
        }
        assert!(
            registration(CompletionShell::Zsh)
                .unwrap()
                .starts_with("#compdef aws-as\n")
        );
    }

    #[test]
    fn a_changed_template_is_refused_rather_than_left_calling_the_function() {
        let changed = format!("complete -F f aws-as\n{MARK} {MARK} --\n");
        assert!(adapt(Dialect::Fish, &changed).is_err());
        assert!(adapt(Dialect::Zsh, &format!("{MARK} --\n")).is_err());
    }

    #[test]
    fn hidden_commands_are_never_candidates() {
        let mut cmd = Cli::command();
        let offered: Vec<String> = visible(&mut cmd, vec!["aws-as".into(), "__".into()], 1, None)
            .unwrap()
            .iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect();
        assert!(offered.is_empty(), "{offered:?}");
        let offered: Vec<String> = visible(
            &mut cmd,
            vec!["aws-as".into(), "init".into(), "bash".into(), "--s".into()],
            3,
            None,
        )
        .unwrap()
        .iter()
        .map(|c| c.get_value().to_string_lossy().into_owned())
        .collect();
        assert!(!offered.contains(&"--script".to_owned()), "{offered:?}");
    }
}
