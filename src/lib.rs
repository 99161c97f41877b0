//! aws-as: venv for AWS IAM identities.
//!
//! The data flows one way: `cli` parses, `config` resolves a profile into an identity chain,
//! `credentials` obtains credentials for it (cache, then STS under a lock), and `shell` renders
//! typed statements for one shell dialect. `cmd` holds one file per subcommand that wires these up.

pub mod cli;
pub mod cmd;
pub mod config;
pub mod credentials;
#[doc(hidden)]
pub mod fuzz;
pub mod keys;
pub mod private;
pub mod shell;
pub mod tty;
pub mod util;

use std::ffi::OsString;
use std::process::ExitCode;

/// Parse, run, report: the whole of `main`, kept here so that it is testable.
pub fn main_entry(args: Vec<OsString>) -> ExitCode {
    // Before anything reads a secret: no core dump of aws-as may ever hold one.
    util::no_core_dumps();
    // A completion request from the shell's Tab. Only a look at the environment: nothing is
    // built on the way to `__hook` and `__label`, which run on every switch and activation.
    if std::env::var_os(cmd::completions::VAR).is_some()
        && let Some(code) = cmd::completions::complete(args.clone())
    {
        return code;
    }
    let cli = match cli::parse(args) {
        Ok(cli) => cli,
        // Help and version are data, on stdout.
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            usage_error(&err);
            return ExitCode::from(2);
        }
    };
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if util::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            if let Some(Exit(code)) = err.downcast_ref::<Exit>() {
                return ExitCode::from(*code);
            }
            // One line, whatever the causes look like (the SDK's parse errors span several).
            let message = format!("{err:#}");
            let message: Vec<&str> = message
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .collect();
            eprintln!("aws-as: {}", util::sanitize(&message.join(" ")));
            ExitCode::from(1)
        }
    }
}

/// An exit status whose message has already been printed (clap's usage errors in the hook).
#[derive(Debug)]
pub struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}

impl std::error::Error for Exit {}

/// A usage error as one `aws-as: ...` line on stderr, like every other failure.
pub fn usage_error(err: &clap::Error) {
    let text = err.render().to_string();
    let first = text.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    eprintln!("aws-as: {}; see aws-as --help", util::sanitize(first));
}
