//! fish rendering.

use super::{Label, Var};
use anyhow::Result;

/// Single quotes, with `\` as `\\` first and then `'` as `\'`: the only two characters fish
/// treats specially inside single quotes. Newlines stand as they are.
pub fn quote(value: &str) -> Result<String> {
    super::refuse_nul(value)?;
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for ch in value.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            _ => out.push(ch),
        }
    }
    out.push('\'');
    Ok(out)
}

pub struct Fish;

impl super::Syntax for Fish {
    fn quote(value: &str) -> Result<String> {
        quote(value)
    }
    fn set(var: Var, quoted: &str) -> String {
        format!("set -gx {} {quoted}\n", var.name())
    }
    fn unset(var: Var) -> String {
        format!("set -e -g {}\n", var.name())
    }
    fn restore(var: Var) -> String {
        format!("__aws_as_restore {}\n", var.name())
    }
    fn delegate() -> &'static str {
        "__aws_as_run $argv\n"
    }
    fn activate(label: &Label, _identity: bool) -> Result<String> {
        Ok(format!(
            "__aws_as_activate{}\nbuiltin functions --erase __aws_as_activate\n",
            Self::label_args(label)?
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("").unwrap(), "''");
        assert_eq!(quote("it's").unwrap(), "'it\\'s'");
        assert_eq!(quote("a\\'b").unwrap(), "'a\\\\\\'b'");
        assert_eq!(quote("$x (y) *\n").unwrap(), "'$x (y) *\n'");
        assert!(quote("\0").is_err());
    }
}
