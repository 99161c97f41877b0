//! `aws-as NAME`, `aws-as use NAME` and `aws-as -` typed where the shell function is not loaded.
//! (Through the function they arrive as `__hook`; see `hook.rs`.)

use anyhow::{Result, bail};

/// A switch typed where the shell function is not loaded: the binary cannot change its parent
/// shell, so it says how to get there instead of printing credentials.
pub fn run_outside_hook(name: &str) -> Result<()> {
    let what = if name == "-" {
        "clear the identity".to_string()
    } else {
        format!("switch to `{name}`")
    };
    bail!(
        "could not {what}: the aws-as shell function is not loaded in this shell; \
         run eval \"$(aws-as -s)\" (fish: aws-as -s fish | source; csh: eval \"`aws-as -c`\"), \
         and add it to your shell's rc file, or use `aws-as export`"
    )
}
