//! How a command ends other than in plain success or a failure to report: an exit status whose
//! message, if any, has already been printed (zoxide's `SilentExit`). Commands return it as an
//! error; `main_entry` turns it into the status without printing anything more.

/// End with this exit status, silently: the message (if any) is already on stderr.
#[derive(Debug)]
pub struct SilentExit(pub u8);

impl std::fmt::Display for SilentExit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}

impl std::error::Error for SilentExit {}

/// A usage error as one `aws-as: ...` line on stderr, like every other failure, and the status
/// that goes with it (2).
pub fn usage(err: &clap::Error) -> SilentExit {
    let text = err.render().to_string();
    let first = text.lines().next().unwrap_or("").trim();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    eprintln!(
        "aws-as: {}; see aws-as --help",
        crate::util::sanitize(first)
    );
    SilentExit(2)
}
