//! `aws-as -s [SHELL]`, `aws-as -c` and `aws-as init SHELL`.

use crate::context::Context;
use crate::shell::{Dialect, Shell, detect};
use crate::util::print_stdout;
use anyhow::Result;

pub fn run(ctx: &Context, shell: Option<Shell>, script: bool) -> Result<()> {
    let shell = match shell {
        Some(shell) => shell,
        None => detect(ctx.env())?,
    };
    let dialect = Dialect::for_shell(shell);
    if script {
        print_stdout(&dialect.script())
    } else {
        print_stdout(&dialect.bootstrap())
    }
}
