//! aws-as: venv for AWS IAM identities.
//!
//! The data flows one way: `cli` parses, `config` resolves a profile into an identity chain,
//! `credentials` obtains credentials for it (cache, then STS under a lock), and `shell` renders
//! typed statements for one shell dialect. `cmd` holds one file per subcommand that wires these up.

pub mod browser;
pub mod catalog;
pub mod child;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod context;
pub mod credentials;
pub mod creds;
pub mod env;
pub mod error;
#[doc(hidden)]
pub mod fuzz;
pub mod keys;
pub mod private;
pub mod shell;
pub mod sqlite;
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
        Err(err) => return ExitCode::from(error::usage(&err).0),
    };
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if util::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            if let Some(error::SilentExit(code)) = err.downcast_ref::<error::SilentExit>() {
                return ExitCode::from(*code);
            }
            util::warn(&format!("{err:#}"));
            ExitCode::from(1)
        }
    }
}
