//! sh-family rendering: bash, zsh, dash, ksh93 and mksh.

use super::{Label, Stmt};
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

pub fn render(stmts: &[Stmt]) -> Result<String> {
    let mut out = String::new();
    for stmt in stmts {
        match stmt {
            Stmt::Set(var, value) => {
                out.push_str(&format!("export {}={}\n", var.name(), quote(value)?));
            }
            Stmt::Unset(var) => out.push_str(&format!("unset {}\n", var.name())),
            Stmt::Restore(var) => out.push_str(&format!("__aws_as_restore {}\n", var.name())),
            Stmt::Delegate => out.push_str("__aws_as_run \"$@\"\n"),
            Stmt::Label(label) => out.push_str(&label_call(label, quote)?),
        }
    }
    Ok(out)
}

/// `__aws_as_label FIXED [HEAD EXPIRES TAIL]`: the shell function stores the label, and counts
/// down from the live pieces where it can read the clock without starting a process. fish uses
/// the same call with its own quoting.
pub fn label_call(label: &Label, quote: fn(&str) -> Result<String>) -> Result<String> {
    let mut line = format!("__aws_as_label {}", quote(&label.fixed)?);
    if let Some(live) = &label.live {
        line.push_str(&format!(
            " {} {} {}",
            quote(&live.head)?,
            live.expires,
            quote(&live.tail)?
        ));
    }
    line.push('\n');
    Ok(line)
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
