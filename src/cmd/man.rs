//! `aws-as man`: the manual page, in roff, generated from the command-line interface.
//!
//! One page, `aws-as(1)`, as `man/aws-as.1` holds it. clap_mangen renders the title, synopsis,
//! description and options; its list of subcommands would refer to pages such as aws-as-exec(1)
//! that aws-as does not install, so the COMMANDS section here describes each command in place,
//! with its usage, its help and its own arguments.

use crate::cli::Cli;
use anyhow::Result;
use clap::CommandFactory;
use clap_mangen::Man;
use std::fmt::Write as _;

pub fn run() -> Result<()> {
    crate::util::print_stdout(&page()?)
}

/// The whole page. No date, so that the same interface always gives the same bytes.
pub fn page() -> Result<String> {
    let mut cmd = Cli::command();
    cmd.build();
    let man = Man::new(cmd.clone());
    type Section = fn(&Man, &mut dyn std::io::Write) -> std::io::Result<()>;
    let head: [Section; 5] = [
        Man::render_title,
        Man::render_name_section,
        Man::render_synopsis_section,
        Man::render_description_section,
        Man::render_options_section,
    ];
    let mut page = String::new();
    for (i, render) in head.iter().enumerate() {
        page.push_str(&without_preamble(render_to_string(&man, *render)?, i > 0));
    }
    page.push_str(&commands(&cmd));
    page.push_str(&without_preamble(
        render_to_string(&man, Man::render_version_section)?,
        true,
    ));
    Ok(page)
}

fn render_to_string(
    man: &Man,
    render: fn(&Man, &mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<String> {
    let mut buf = Vec::new();
    render(man, &mut buf)?;
    Ok(String::from_utf8(buf)?)
}

/// Each clap_mangen section starts with the same two lines that define `\*(Aq`; the page needs
/// them once.
fn without_preamble(section: String, strip: bool) -> String {
    if !strip {
        return section;
    }
    section
        .lines()
        .filter(|l| !l.starts_with(".ie \\n(.g .ds Aq") && !l.starts_with(".el .ds Aq"))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// The COMMANDS section: every visible command, subcommands of subcommands included.
fn commands(cmd: &clap::Command) -> String {
    let mut out = String::from(".SH COMMANDS\n");
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        command(&mut out, sub);
    }
    out
}

fn command(out: &mut String, cmd: &clap::Command) {
    if cmd.has_subcommands() {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            command(out, sub);
        }
        return;
    }
    let usage = cmd.clone().render_usage().to_string();
    let usage = usage.trim().trim_start_matches("Usage:").trim();
    let _ = writeln!(out, ".TP\n\\fB{}\\fR", escape(usage));
    if let Some(about) = cmd.get_long_about().or(cmd.get_about()) {
        text(out, &about.to_string());
    }
    if let Some(after) = cmd.get_after_long_help().or(cmd.get_after_help()) {
        // Examples: kept as written, not filled and justified.
        out.push_str(".sp\n.nf\n");
        for line in after.to_string().lines() {
            let _ = writeln!(out, "{}", escape(line));
        }
        out.push_str(".fi\n");
    }
    // Its own arguments: the global ones are in OPTIONS already, and a positional with no help
    // of its own says all it has to say in the usage line.
    let args: Vec<&clap::Arg> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_global_set())
        .filter(|a| {
            !matches!(
                a.get_action(),
                clap::ArgAction::Help | clap::ArgAction::HelpLong
            )
        })
        .filter(|a| !a.is_positional() || a.get_help().is_some() || has_values(a))
        .collect();
    if args.is_empty() {
        return;
    }
    out.push_str(".RS\n");
    for arg in args {
        let _ = writeln!(out, ".TP\n{}", arg_head(arg));
        if let Some(help) = arg.get_long_help().or(arg.get_help()) {
            text(out, &help.to_string());
        }
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_owned())
            .collect();
        if !values.is_empty() {
            let _ = writeln!(out, ".br\nOne of: {}.", escape(&values.join(", ")));
        }
    }
    out.push_str(".RE\n");
}

/// Whether the argument takes one of a fixed set of values, which the page lists.
fn has_values(arg: &clap::Arg) -> bool {
    arg.get_possible_values().iter().any(|v| !v.is_hide_set())
}

/// `--format, -f <FORMAT>` or `<NAME>`, bold flags and italic values.
fn arg_head(arg: &clap::Arg) -> String {
    let value = arg
        .get_value_names()
        .map(|names| {
            names
                .iter()
                .map(|n| format!("\\fI<{}>\\fR", escape(n)))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    let mut flags = Vec::new();
    if let Some(long) = arg.get_long() {
        flags.push(format!("\\fB{}\\fR", escape(&format!("--{long}"))));
    }
    if let Some(short) = arg.get_short() {
        flags.push(format!("\\fB{}\\fR", escape(&format!("-{short}"))));
    }
    if flags.is_empty() {
        return value;
    }
    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values());
    if takes_value && !value.is_empty() {
        format!("{} {value}", flags.join(", "))
    } else {
        flags.join(", ")
    }
}

/// Help text as roff lines: each line of the text on its own output line.
fn text(out: &mut String, text: &str) {
    let mut first = true;
    for line in text.lines() {
        if !first {
            out.push_str(".br\n");
        }
        first = false;
        out.push_str(&escape(line));
        out.push('\n');
    }
}

/// Text for roff: backslashes and hyphens escaped, and a line never taken for a request.
fn escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape("--format"), "\\-\\-format");
        assert_eq!(escape(".hidden"), "\\&.hidden");
        assert_eq!(escape("'quoted'"), "\\&'quoted'");
        assert_eq!(escape("a\\b"), "a\\eb");
    }

    #[test]
    fn page_describes_every_visible_command_in_place() {
        let page = page().unwrap();
        assert_eq!(page.matches(".ds Aq \\(aq").count(), 1, "one preamble");
        for cmd in [
            "use",
            "exec",
            "export",
            "cache clear",
            "cache list",
            "completions",
            "man",
        ] {
            let head = format!("\\fBaws\\-as {}", escape(cmd));
            assert!(page.contains(&head), "{cmd} missing");
        }
        assert!(!page.contains("aws\\-as\\-exec(1)"), "no page of its own");
        assert!(!page.contains("__hook") && !page.contains("__label"));
        assert!(page.contains("credential\\-process"));
    }
}
