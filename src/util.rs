//! Small helpers shared by every stage.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Make text from config files or the network safe to print to a terminal: control characters
/// (escape sequences, carriage returns) are shown escaped instead of being interpreted.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if ch.is_control() && ch != '\n' && ch != '\t' {
            out.extend(ch.escape_default());
        } else {
            out.push(ch);
        }
    }
    out
}

/// Parse a duration as users write it: `900` (seconds), `90s`, `15m`, `1h`, `1h30m`, `12h`.
pub fn parse_duration(text: &str) -> Result<Duration> {
    let text = text.trim();
    if text.is_empty() {
        bail!("an empty duration; use a value such as 1h, 15m or 900");
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => bail!("`{text}` is not a duration; use a value such as 1h, 15m or 900"),
        };
        let n: u64 = number.parse().with_context(|| {
            format!("`{text}` is not a duration; use a value such as 1h, 15m or 900")
        })?;
        total = total.saturating_add(n.saturating_mul(unit));
        number.clear();
    }
    if !number.is_empty() {
        bail!("`{text}` is not a duration: a number needs a unit (s, m, h) unless it stands alone");
    }
    Ok(Duration::from_secs(total))
}

/// Render a span of seconds the way the prompt and listings show it: `42m`, `3h05m`, `expired`.
pub fn human_left(secs: i64) -> String {
    if secs <= 0 {
        return "expired".to_string();
    }
    let mins = secs / 60;
    if mins < 1 {
        format!("{secs}s")
    } else if mins < 60 {
        format!("{mins}m")
    } else {
        format!("{}h{:02}m", mins / 60, mins % 60)
    }
}

/// Write requested data to stdout. Errors (EPIPE among them) propagate so that `main` can end
/// quietly when the reader has gone, as `aws-as list | head` expects.
pub fn print_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// True when the error chain bottoms out in a broken pipe on our own output.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("900").unwrap().as_secs(), 900);
        assert_eq!(parse_duration("1h").unwrap().as_secs(), 3600);
        assert_eq!(parse_duration("1h30m").unwrap().as_secs(), 5400);
        assert_eq!(parse_duration("15m").unwrap().as_secs(), 900);
        assert_eq!(parse_duration("90s").unwrap().as_secs(), 90);
        assert!(parse_duration("").is_err());
        assert!(parse_duration("1x").is_err());
        assert!(parse_duration("1h30").is_err());
        assert!(parse_duration("h").is_err());
    }

    #[test]
    fn sanitize_escapes_controls() {
        assert_eq!(sanitize("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(sanitize("plain ü"), "plain ü");
    }

    #[test]
    fn human() {
        assert_eq!(human_left(0), "expired");
        assert_eq!(human_left(59), "59s");
        assert_eq!(human_left(42 * 60 + 5), "42m");
        assert_eq!(human_left(3 * 3600 + 5 * 60), "3h05m");
    }
}
