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

/// Who the label is for: the identity's name, its expiry when known, and the region exported
/// for it when there is one.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a> {
    pub name: &'a str,
    pub expires: Option<i64>,
    pub region: Option<&'a str>,
}

impl<'a> Shown<'a> {
    /// The identity a shell has, as its variables say.
    pub fn from_env(env: &'a crate::env::Env) -> Option<Shown<'a>> {
        Some(Shown {
            name: env.identity()?,
            expires: env.expiration(),
            region: env.get(crate::env::EnvVars::AWS_AS_REGION),
        })
    }
}

/// The label for `identity`, or for no identity.
pub fn label(format: &PromptFormat, identity: Option<Shown>) -> Label {
    let (name, expires, region) = match identity {
        Some(who) => (printable(who.name), who.expires, who.region.map(printable)),
        None => ("-".to_string(), None, None),
    };
    let mut head = String::new();
    let mut tail = String::new();
    let mut fixed = String::new();
    let mut seen_left = false;
    // Nothing to show: drop the space that would have led into it, so that `({name} {left}) `
    // reads `(-) `.
    let drop_space = |fixed: &mut String, part: &mut String| {
        fixed.truncate(fixed.trim_end().len());
        part.truncate(part.trim_end().len());
    };
    for piece in &format.0 {
        let text = match piece {
            Piece::Text(t) => t.clone(),
            Piece::Name => name.clone(),
            Piece::Region => match &region {
                Some(r) => r.clone(),
                None => {
                    let part = if seen_left { &mut tail } else { &mut head };
                    drop_space(&mut fixed, part);
                    continue;
                }
            },
            Piece::Left => {
                seen_left = true;
                match expires {
                    Some(at) => fixed.push_str(&format!(
                        "until {}",
                        crate::util::clock_time(at).unwrap_or_else(|| "?".into())
                    )),
                    None => drop_space(&mut fixed, &mut head),
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

/// The label for an identity whose renewal needs an MFA code: the format with the time left
/// after the name when it doesn't show it already, so that the prompt says the identity has
/// expired or is about to (`(dev 3m) `, `(dev expired) `, or `(dev until 14:32) ` where the
/// shell can't count).
pub fn stale_label(format: &PromptFormat, who: Shown) -> Label {
    if format.0.contains(&Piece::Left) {
        return label(format, Some(who));
    }
    let mut pieces = Vec::with_capacity(format.0.len() + 2);
    let mut placed = false;
    for piece in &format.0 {
        pieces.push(piece.clone());
        if *piece == Piece::Name && !placed {
            pieces.push(Piece::Text(" ".into()));
            pieces.push(Piece::Left);
            placed = true;
        }
    }
    if !placed {
        pieces.insert(0, Piece::Left);
        pieces.insert(1, Piece::Text(" ".into()));
    }
    label(&PromptFormat(pieces), Some(who))
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
        let l = label(&f, Some(who("dev", Some(2_000_000_000), None)));
        assert_eq!(l.fixed, "(dev) ");
        assert_eq!(l.live, None);
        assert_eq!(label(&f, None).fixed, "(-) ");
        assert_eq!(
            label(&f, Some(who("a\u{1b}[2J\nb", None, None))).fixed,
            "(a?[2J?b) "
        );
    }

    #[test]
    fn time_left() {
        let f = PromptFormat::parse("({name} {left}) ").unwrap();
        let l = label(&f, Some(who("dev", Some(2_000_000_000), None)));
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
        assert_eq!(label(&f, Some(who("dev", None, None))).fixed, "(dev) ");
    }

    #[test]
    fn region() {
        let f = PromptFormat::parse("({name} {region} {left}) ").unwrap();
        let l = label(&f, Some(who("dev", Some(2_000_000_000), Some("eu-west-1"))));
        assert_eq!(l.live.as_ref().unwrap().head, "(dev eu-west-1 ");
        let l = label(&f, Some(who("dev", Some(2_000_000_000), None)));
        assert_eq!(l.live.as_ref().unwrap().head, "(dev ");
        let f = PromptFormat::parse("({name} {region}) ").unwrap();
        assert_eq!(label(&f, Some(who("dev", None, None))).fixed, "(dev) ");
        assert_eq!(label(&f, None).fixed, "(-) ");
        assert_eq!(
            label(&f, Some(who("dev", None, Some("us-east-1\u{7}")))).fixed,
            "(dev us-east-1?) "
        );
    }

    #[test]
    fn stale() {
        let l = stale_label(
            &PromptFormat::default(),
            who("dev", Some(2_000_000_000), None),
        );
        assert!(l.fixed.starts_with("(dev until "), "{}", l.fixed);
        let live = l.live.unwrap();
        assert_eq!((live.head.as_str(), live.tail.as_str()), ("(dev ", ") "));
        let f = PromptFormat::parse("[{left}] {name}: ").unwrap();
        let l = stale_label(&f, who("dev", Some(2_000_000_000), None));
        assert_eq!(l, label(&f, Some(who("dev", Some(2_000_000_000), None))));
    }

    fn who<'a>(name: &'a str, expires: Option<i64>, region: Option<&'static str>) -> Shown<'a> {
        Shown {
            name,
            expires,
            region,
        }
    }
}
