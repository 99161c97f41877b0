//! fish rendering.

use super::Stmt;
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

pub fn render(stmts: &[Stmt]) -> Result<String> {
    let mut out = String::new();
    for stmt in stmts {
        match stmt {
            Stmt::Set(var, value) => {
                out.push_str(&format!("set -gx {} {}\n", var.name(), quote(value)?));
            }
            Stmt::Unset(var) => out.push_str(&format!("set -e -g {}\n", var.name())),
            Stmt::Restore(var) => out.push_str(&format!("__aws_as_restore {}\n", var.name())),
            Stmt::Delegate => out.push_str("__aws_as_run $argv\n"),
            Stmt::Label(label) => out.push_str(&super::posix::label_call(label, quote)?),
        }
    }
    Ok(out)
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
