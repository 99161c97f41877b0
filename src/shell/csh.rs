//! csh and tcsh rendering. Every statement ends in `;` and takes one line, with no comments:
//! ``eval "`aws-as ...`"`` joins the lines into one.

use super::{Label, Var};
use anyhow::{Result, bail};

/// Single quotes, with `'` as `'\''` and `!` as `\!`: csh substitutes history even inside single
/// quotes. A newline cannot be represented at all, so a value with one is refused. Braces are
/// safe in the quoted and sourced forms, the only ones aws-as documents.
pub fn quote(value: &str) -> Result<String> {
    super::refuse_nul(value)?;
    if value.contains(['\n', '\r']) {
        bail!("a value contains a line break, which csh and tcsh cannot be given");
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for ch in value.chars() {
        match ch {
            '\'' => out.push_str("'\\''"),
            '!' => out.push_str("\\!"),
            _ => out.push(ch),
        }
    }
    out.push('\'');
    Ok(out)
}

/// A label as csh's `prompt` shows it literally: `!` is the history number in both shells, and
/// tcsh also expands `%` sequences and backslash escapes.
fn prompt_text(label: &str, tcsh: bool) -> String {
    let mut out = String::with_capacity(label.len());
    for ch in label.chars() {
        match ch {
            '!' => out.push_str("\\!"),
            '%' if tcsh => out.push_str("%%"),
            '\\' if tcsh => out.push_str("\\\\"),
            _ => out.push(ch),
        }
    }
    out
}

pub struct Csh;

impl super::Syntax for Csh {
    fn quote(value: &str) -> Result<String> {
        quote(value)
    }
    fn set(var: Var, quoted: &str) -> String {
        format!("setenv {} {quoted};\n", var.name())
    }
    fn unset(var: Var) -> String {
        format!("unsetenv {};\n", var.name())
    }
    /// The saved state is numbered by the variable's place in MANAGED (csh limits the length of
    /// variable names).
    fn restore(var: Var) -> String {
        let n = super::MANAGED.iter().position(|v| *v == var).unwrap_or(0) + 1;
        format!("__aws_as_restore {n} {};\n", var.name())
    }
    /// The data command's status is the one `aws-as` returns.
    fn delegate() -> &'static str {
        "__aws_as_run;\nset __aws_as_rc = $status;\n"
    }
    fn label(label: &Label) -> Result<String> {
        Ok(format!("{}__aws_as_prompt;\n", set_label(label)?))
    }
    /// csh has no functions: activation is the file's own statements, and this sets the label
    /// and starts (`__aws_as_start` applies it, or asks for it again when it may not fit: see
    /// the csh file). Aliases defined on the line ``eval "`aws-as -c`"`` runs can only be used
    /// through `eval` on that line.
    fn activate(label: &Label, identity: bool) -> Result<String> {
        Ok(format!(
            "{}set __aws_as_labelled = {};\neval __aws_as_start;\n",
            set_label(label)?,
            u8::from(identity)
        ))
    }
}

/// The label set for each shell's prompt: the same text twice, escaped for each; the shell picks
/// its own. csh cannot read the clock without a process, so the label is the fixed one.
fn set_label(label: &Label) -> Result<String> {
    let tcsh = quote(&prompt_text(&label.fixed, true))?;
    let csh = quote(&prompt_text(&label.fixed, false))?;
    Ok(format!(
        "if ($?tcsh) set __aws_as_label = {tcsh};\n\
         if (! $?tcsh) set __aws_as_label = {csh};\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(quote("").unwrap(), "''");
        assert_eq!(quote("it's!").unwrap(), "'it'\\''s\\!'");
        assert_eq!(quote("$x `y` {a,b}").unwrap(), "'$x `y` {a,b}'");
        assert!(quote("a\nb").is_err());
        assert_eq!(prompt_text("a!%b\\", true), "a\\!%%b\\\\");
        assert_eq!(prompt_text("a!%b", false), "a\\!%b");
    }
}
