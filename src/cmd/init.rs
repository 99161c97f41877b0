//! `aws-as -s [SHELL]`, `aws-as -c` and `aws-as init SHELL`.

use crate::shell::Shell;
use crate::shell::{Dialect, detect};
use crate::util::print_stdout;
use anyhow::Result;

pub fn run(shell: Option<Shell>, script: bool) -> Result<()> {
    let shell = match shell {
        Some(shell) => shell,
        None => detect()?,
    };
    let dialect = Dialect::for_shell(shell);
    if script {
        print_stdout(&dialect.script())
    } else {
        print_stdout(&dialect.bootstrap())
    }
}
