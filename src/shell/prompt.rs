//! The prompt label: `prompt_format` filled in for one identity, ready for the shell to show.
//!
//! The binary works out the text; the shell only stores it and puts it in front of its prompt.
//! Where a shell can read the clock without starting a process, it also gets the pieces around
//! `{left}` and the expiry, and counts down itself on every redraw.

use crate::config::{Piece, PromptFormat};

/// What the prompt shows for one state of the shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The whole label, fixed at switch time: `{left}` shows the expiry as a clock time.
    pub fixed: String,
    /// For shells that count down live: the text before `{left}`, the expiry (Unix seconds) and
    /// the text after. None when the format has no `{left}` or no identity is active.
    pub live: Option<Live>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Live {
    pub head: String,
    pub expires: i64,
    pub tail: String,
}

/// The label for `identity` (its name and, when known, its expiry), or for no identity.
pub fn label(format: &PromptFormat, identity: Option<(&str, Option<i64>)>) -> Label {
    let (name, expires) = match identity {
        Some((name, expires)) => (printable(name), expires),
        None => ("-".to_string(), None),
    };
    let mut head = String::new();
    let mut tail = String::new();
    let mut fixed = String::new();
    let mut seen_left = false;
    for piece in &format.0 {
        let text = match piece {
            Piece::Text(t) => t.clone(),
            Piece::Name => name.clone(),
            Piece::Left => {
                seen_left = true;
                match expires {
                    Some(at) => fixed.push_str(&format!("until {}", clock(at))),
                    // Nothing to count: drop the space that would have led into it, so that
                    // `({name} {left}) ` reads `(-) `.
                    None => fixed.truncate(fixed.trim_end().len()),
                }
                continue;
            }
        };
        fixed.push_str(&text);
        if seen_left {
            tail.push_str(&text);
        } else {
            head.push_str(&text);
        }
    }
    let live = match (seen_left, expires) {
        (true, Some(expires)) => Some(Live {
            head,
            expires,
            tail,
        }),
        _ => None,
    };
    Label { fixed, live }
}

/// The expiry as the local wall-clock time, `14:32`.
fn clock(epoch: i64) -> String {
    use chrono::TimeZone;
    match chrono::Local.timestamp_opt(epoch, 0).single() {
        Some(t) => t.format("%H:%M").to_string(),
        None => "?".to_string(),
    }
}

/// A name as the prompt may show it: control characters (escape sequences, newlines) become `?`,
/// so that an inherited AWS_AS_IDENTITY cannot repaint the terminal.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_format() {
        let f = PromptFormat::default();
        let l = label(&f, Some(("dev", Some(2_000_000_000))));
        assert_eq!(l.fixed, "(dev) ");
        assert_eq!(l.live, None);
        assert_eq!(label(&f, None).fixed, "(-) ");
        assert_eq!(label(&f, Some(("a\u{1b}[2J\nb", None))).fixed, "(a?[2J?b) ");
    }

    #[test]
    fn time_left() {
        let f = PromptFormat::parse("({name} {left}) ").unwrap();
        let l = label(&f, Some(("dev", Some(2_000_000_000))));
        assert!(l.fixed.starts_with("(dev until ") && l.fixed.ends_with(") "));
        assert_eq!(
            l.live,
            Some(Live {
                head: "(dev ".into(),
                expires: 2_000_000_000,
                tail: ") ".into()
            })
        );
        assert_eq!(label(&f, None).fixed, "(-) ");
        assert_eq!(label(&f, Some(("dev", None))).fixed, "(dev) ");
    }
}
