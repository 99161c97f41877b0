//! `aws-as region R` typed where the shell function is not loaded. (Through the function it
//! arrives as `__hook`, which changes the shell's region; see `hook.rs`.)

use anyhow::{Result, bail};

pub fn run_outside_hook() -> Result<()> {
    bail!(
        "could not change the region: the aws-as shell function is not loaded in this shell; \
         run eval \"$(aws-as -s)\" (fish: aws-as -s fish | source; csh: eval \"`aws-as -c`\"), \
         or give --region to exec or export"
    )
}
