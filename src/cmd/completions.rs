//! `aws-as completions bash|zsh|fish`: the completion script, and the completions themselves.
//!
//! Completion is clap_complete's dynamic completion (`CompleteEnv`), as it ships: the script the
//! shell loads only registers a function, and that function runs `AWS_AS_COMPLETE=SHELL aws-as --
//! WORDS...` on each Tab. `main_entry` looks at that variable before anything else, so
//! subcommands, flags, values and profile names always come from the binary that is installed and
//! the config as it is now. After `eval "$(aws-as -s)"`, that `aws-as` is the shell function,
//! which hands such a request straight to the binary (`shell/aws-as.*`).
//!
//! Two things are aws-as's own, each through clap_complete's public interface: the zsh script
//! ends with `shell/aws-as-autoload.zsh`, so that it also completes on the first Tab when zsh
//! autoloads it from `$fpath`; and completion is given the interface without its hidden commands
//! and flags (`__hook`, `__label`, `init --script`), which it never offers.

use crate::cli::{Cli, CompletionShell};
use anyhow::Result;
use clap::{Command, CommandFactory, ValueEnum};
use clap_complete::env::{Bash, EnvCompleter, Fish, Shells, Zsh};
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// The variable that asks the binary for completions instead of running a command.
pub const VAR: &str = "AWS_AS_COMPLETE";

/// The binary as the scripts name and call it: on PATH, never a path, so that the scripts can be
/// checked in (`completions/`) and installed once.
const BIN: &str = "aws-as";

const SHELLS: Shells<'static> = Shells(&[&Bash, &ZshAutoload, &Fish]);

pub fn run(shell: CompletionShell) -> Result<()> {
    crate::util::print_stdout(&registration(shell)?)
}

/// The registration script for `shell`: what `aws-as completions SHELL` prints, `completions/`
/// holds, and `AWS_AS_COMPLETE=SHELL aws-as` prints too (clap_complete's own way to ask).
pub fn registration(shell: CompletionShell) -> Result<String> {
    let name = shell.to_possible_value().expect("no shell is skipped");
    let completer = SHELLS
        .completer(name.get_name())
        .expect("a completer for each shell");
    let mut buf = Vec::new();
    // The arguments CompleteEnv passes, as `complete` configures it.
    completer.write_registration(VAR, BIN, BIN, BIN, &mut buf)?;
    Ok(String::from_utf8(buf)?)
}

/// Answer a completion request (`AWS_AS_COMPLETE` is set): clap_complete prints the candidates
/// for the words in `args`, or the registration when there are none. Nothing goes to stderr,
/// which is the user's terminal mid-line. None when the variable is empty or `0`, clap_complete's
/// way to turn completion off: then the command runs.
pub fn complete(args: Vec<OsString>) -> Option<ExitCode> {
    // A warning (an index that can't be written) would land on the command line being edited.
    crate::util::quiet();
    let cwd = std::env::current_dir().ok();
    let done = clap_complete::CompleteEnv::with_factory(interface)
        .var(VAR)
        .bin(BIN)
        .completer(BIN)
        .shells(SHELLS)
        .try_complete(args, cwd.as_deref());
    match done {
        Ok(true) => Some(ExitCode::SUCCESS),
        Ok(false) => None,
        Err(_) => Some(ExitCode::FAILURE),
    }
}

/// The interface as completion sees it: `Cli` without its hidden commands and flags.
/// clap_complete offers hidden ones whenever nothing visible matches (`aws-as __` would offer
/// `__hook`), and a clap `Command` can't drop a subcommand or an argument once it has one, so this
/// is a copy that never had them.
fn interface() -> Command {
    visible(&Cli::command())
}

fn visible(cmd: &Command) -> Command {
    let mut copy = Command::new(cmd.get_name().to_owned())
        .disable_help_subcommand(cmd.is_disable_help_subcommand_set())
        .args(cmd.get_arguments().filter(|a| !a.is_hide_set()).cloned())
        .subcommands(
            cmd.get_subcommands()
                .filter(|s| !s.is_hide_set())
                .map(visible),
        );
    // The help shown beside a command (and beside its `--help`, which says whether there is more),
    // and the version that gives `--version`.
    if let Some(about) = cmd.get_about() {
        copy = copy.about(about.clone());
    }
    if let Some(about) = cmd.get_long_about() {
        copy = copy.long_about(about.clone());
    }
    if let Some(version) = cmd.get_version() {
        copy = copy.version(version.to_owned());
    }
    copy
}

/// clap_complete's zsh, whose registration also completes the first Tab after an autoload from
/// `$fpath`, where clap_complete's own only registers the completer for the Tabs that follow.
struct ZshAutoload;

impl EnvCompleter for ZshAutoload {
    fn name(&self) -> &'static str {
        Zsh.name()
    }

    fn is(&self, name: &str) -> bool {
        Zsh.is(name)
    }

    fn write_registration(
        &self,
        var: &str,
        name: &str,
        bin: &str,
        completer: &str,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        Zsh.write_registration(var, name, bin, completer, buf)?;
        writeln!(buf)?;
        buf.write_all(include_str!("../../shell/aws-as-autoload.zsh").as_bytes())
    }

    fn write_complete(
        &self,
        cmd: &mut Command,
        args: Vec<OsString>,
        current_dir: Option<&Path>,
        buf: &mut dyn Write,
    ) -> std::io::Result<()> {
        Zsh.write_complete(cmd, args, current_dir, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What clap_complete offers for word `index` of `words`.
    fn offered(words: &[&str], index: usize) -> Vec<String> {
        let args = words.iter().map(OsString::from).collect();
        clap_complete::engine::complete(&mut interface(), args, index, None)
            .unwrap()
            .iter()
            .map(|c| c.get_value().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn hidden_commands_are_never_candidates() {
        assert!(offered(&["aws-as", "__"], 1).is_empty());
        let flags = offered(&["aws-as", "init", "bash", "--s"], 3);
        assert!(!flags.contains(&"--script".to_owned()), "{flags:?}");
    }

    #[test]
    fn completion_sees_the_whole_visible_interface() {
        for (words, index, expected) in [
            (&["aws-as", "ex"][..], 1, &["exec", "export"][..]),
            (&["aws-as", "cache", ""], 2, &["list", "clear", "--help"]),
            (&["aws-as", "--v"], 1, &["--version"]),
            (&["aws-as", "exec", "dev", "--mfa"], 3, &["--mfa-code"]),
            (&["aws-as", "-"], 1, &["-s", "-c"]),
        ] {
            let offered = offered(words, index);
            for value in expected {
                assert!(
                    offered.contains(&value.to_string()),
                    "{words:?}: {offered:?}"
                );
            }
        }
    }

    #[test]
    fn every_script_names_the_binary_and_embeds_no_path() {
        for shell in CompletionShell::value_variants() {
            let script = registration(*shell).unwrap();
            assert!(script.contains("AWS_AS_COMPLETE"), "{script}");
            let exe = std::env::current_exe().unwrap();
            assert!(!script.contains(exe.parent().unwrap().to_str().unwrap()));
        }
        let zsh = registration(CompletionShell::Zsh).unwrap();
        assert!(zsh.starts_with("#compdef aws-as\n"));
        assert!(zsh.ends_with(include_str!("../../shell/aws-as-autoload.zsh")));
    }
}
