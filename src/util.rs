//! Small helpers shared by every stage.

use anyhow::{Context, Result, bail};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;
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

/// Create `dir` if needed and make it 0700 whatever the umask.
pub fn private_dir(dir: &Path) -> Result<()> {
    let ctx = || format!("could not create the directory {}", dir.display());
    // Created 0700 (less the umask, which can only take away), then made exactly 0700.
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(ctx)?;
    let meta = fs::metadata(dir).with_context(ctx)?;
    if meta.permissions().mode() & 0o777 != 0o700 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).with_context(ctx)?;
    }
    Ok(())
}

/// Replace `path` atomically with `bytes`, given `mode`: readers see the old file or the new one,
/// never a partial one, and the data is never readable by others on the way (the temp file is
/// created with `mode` in the same directory, synced, then renamed over).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let ctx = || format!("could not write {}", path.display());
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(fs::Permissions::from_mode(mode))
        .tempfile_in(dir)
        .with_context(ctx)?;
    tmp.write_all(bytes).with_context(ctx)?;
    tmp.as_file().sync_all().with_context(ctx)?;
    tmp.persist(path).map_err(|e| e.error).with_context(ctx)?;
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
