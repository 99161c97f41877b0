//! sh-family rendering: bash, zsh, dash, ksh93 and mksh.

use super::{Label, Var};
use anyhow::Result;

/// Always single-quote, with `'` as `'\''` and empty as `''`. Never bare (zsh expands a bare
/// `=ls`) and never `$'...'` (dash prints it literally). NUL cannot live in a shell variable.
pub fn quote(value: &str) -> Result<String> {
    super::refuse_nul(value)?;
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for ch in value.chars() {
        if ch == '\'' {
            out.push_str("'\\''");
        } else {
            out.push(ch);
        }
    }
    out.push('\'');
    Ok(out)
}

/// bash, zsh, dash, ksh93 and mksh.
pub struct Posix;

impl super::Syntax for Posix {
    fn quote(value: &str) -> Result<String> {
        quote(value)
    }
    fn set(var: Var, quoted: &str) -> String {
        format!("export {}={quoted}\n", var.name())
    }
    fn unset(var: Var) -> String {
        format!("unset {}\n", var.name())
    }
    fn restore(var: Var) -> String {
        format!("__aws_as_restore {}\n", var.name())
    }
    fn delegate() -> &'static str {
        "__aws_as_run \"$@\"\n"
    }
    fn renewal(renewal: Option<&super::Renewal>) -> Result<String> {
        Ok(match renewal {
            Some(r) => format!("__aws_as_due {} {}\n", r.due, quote(&r.dir)?),
            None => "__aws_as_due\n".to_string(),
        })
    }
    fn activate(label: &Label, _identity: bool) -> Result<String> {
        Ok(format!(
            "__aws_as_activate{}\nunset -f __aws_as_activate\n",
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
        assert_eq!(quote("abc").unwrap(), "'abc'");
        assert_eq!(quote("it's").unwrap(), "'it'\\''s'");
        assert_eq!(quote("$(x)`y`!%\n").unwrap(), "'$(x)`y`!%\n'");
        assert!(quote("a\0b").is_err());
    }
}
