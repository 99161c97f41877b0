//! Small helpers shared by every stage.

use anyhow::{Context, Result, bail};
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// `cell`'s value, made by `make` the first time it is asked for (`OnceCell::get_or_try_init`,
/// which is not stable yet).
pub fn lazy<T>(cell: &std::cell::OnceCell<T>, make: impl FnOnce() -> Result<T>) -> Result<&T> {
    if let Some(value) = cell.get() {
        return Ok(value);
    }
    let value = make()?;
    Ok(cell.get_or_init(|| value))
}

/// The user aws-as runs as.
#[allow(unsafe_code)]
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Seconds since the Unix epoch, now.
pub fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
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

/// Set while aws-as answers the shell's Tab: a warning there would land on the command line.
static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// No more warnings this run (completion).
pub fn quiet() {
    QUIET.store(true, std::sync::atomic::Ordering::Relaxed);
}

/// Print `message` on stderr as aws-as's one line: `aws-as: ...`, through `one_line`.
pub fn warn(message: &str) {
    if !QUIET.load(std::sync::atomic::Ordering::Relaxed) {
        eprintln!("aws-as: {}", one_line(message));
    }
}

/// A message as aws-as prints it on stderr: one line whatever the causes look like (the SDK's
/// and toml's errors span several), control characters escaped, and bounded, since parts of it
/// may come from a file or the network.
pub fn one_line(message: &str) -> String {
    const LIMIT: usize = 2000;
    let parts: Vec<&str> = message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut line = sanitize(&parts.join(" "));
    if line.len() > LIMIT {
        let mut end = LIMIT;
        while !line.is_char_boundary(end) {
            end -= 1;
        }
        line.truncate(end);
        line.push_str("...");
    }
    line
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

/// `14:32`: the local wall-clock time of `epoch`, as the prompt and messages show an expiry.
/// `None` for a time the local clock can't name.
pub fn clock_time(epoch: i64) -> Option<String> {
    use chrono::TimeZone;
    chrono::Local
        .timestamp_opt(epoch, 0)
        .single()
        .map(|t| t.format("%H:%M").to_string())
}

/// `2026-11-21T08:00:00Z`: ISO 8601 in UTC, as AWS_CREDENTIAL_EXPIRATION and credential_process
/// expect. `None` for a time no credentials can have (before 1970, or past 9999), never 1970.
pub fn iso8601(epoch: i64) -> Option<String> {
    if !(0..=253_402_300_799).contains(&epoch) {
        return None;
    }
    chrono::DateTime::from_timestamp(epoch, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// Render a span of seconds the way the prompt and listings show it: `42m`, `3h05m`, `expired`.
pub fn human_left(secs: i64) -> String {
    // Large enough to say nothing useful; small enough for the arithmetic below.
    let secs = secs.min(100 * 365 * 86400);
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

/// Rows as aligned columns, two spaces apart, the last column unpadded. The padding is counted
/// here rather than given to `format!` as a width, which panics past 65,535 (a profile name may
/// be longer).
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if i + 1 < row.len() {
                let pad = widths[i] - cell.chars().count() + 2;
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push('\n');
    }
    out
}

/// Write requested data to stdout. Errors (EPIPE among them) propagate so that `main` can end
/// quietly when the reader has gone, as `aws-as list | head` expects.
pub fn print_stdout(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// Replace `path` atomically with `bytes`, given exactly `mode`: readers see the old file or the
/// new one, never a partial one, and the data is never readable by others on the way (the temp
/// file is created with `mode`, which is then set again because the umask may have taken bits
/// away, in the same directory; synced; then renamed over).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let ctx = || format!("could not write {}", path.display());
    let mut tmp = tempfile::Builder::new()
        .prefix(crate::private::TMP_PREFIX)
        .permissions(fs::Permissions::from_mode(mode))
        .tempfile_in(dir)
        .with_context(ctx)?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .with_context(ctx)?;
    tmp.write_all(bytes).with_context(ctx)?;
    tmp.as_file().sync_all().with_context(ctx)?;
    tmp.persist(path).map_err(|e| e.error).with_context(ctx)?;
    Ok(())
}

/// The text of the file at `path`, `None` when it does not exist. More than `limit` bytes is an
/// error, so that a file such as /dev/zero ends with a message rather than all the memory.
pub fn read_text(path: &Path, limit: u64) -> Result<Option<String>> {
    Ok(read_bytes(path, limit)?.map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// The bytes of the file at `path`, as `read_text` reads them. Only a regular file or a device
/// (`/dev/null` is a common empty credentials file) is read: opening a FIFO would wait for a
/// writer that may never come, and no input may make aws-as hang.
pub fn read_bytes(path: &Path, limit: u64) -> Result<Option<Vec<u8>>> {
    use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
    let file = match fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if !(kind.is_file() || kind.is_char_device()) {
        bail!("it is not a regular file");
    }
    // Sized from the file's length, as fs::read does: `take` hides that hint from read_to_end.
    let len = meta.len().min(limit) as usize;
    let mut bytes = Vec::with_capacity(len + 1);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        bail!("it is larger than {} MiB", limit >> 20);
    }
    Ok(Some(bytes))
}

/// A span of whole seconds as settings are written: `0s`, `90s`, `15m`, `1h30m`, `36h`.
pub fn human_duration(secs: u64) -> String {
    match (secs / 3600, secs / 60 % 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, 0) => format!("{h}h{m}m"),
        _ => format!("{secs}s"),
    }
}

/// The core-file limit aws-as started with, put back for the commands it runs.
static CORE_LIMIT: std::sync::OnceLock<libc::rlimit> = std::sync::OnceLock::new();

/// aws-as holds secrets in memory (a decrypted long-term key, a session token): make sure no
/// core dump of this process can ever contain them. Not dumpable also means that other processes
/// of the same user may not ptrace it. Both are undone by exec for the programs aws-as runs;
/// `restore_core_limit` puts the core-file limit back before it execs a command of the user's.
#[allow(unsafe_code)]
pub fn no_core_dumps() {
    // SAFETY: plain syscalls on this process's own attributes, with valid pointers.
    unsafe {
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        if libc::getrlimit(libc::RLIMIT_CORE, &mut lim) == 0 {
            let _ = CORE_LIMIT.set(lim);
            let none = libc::rlimit {
                rlim_cur: 0,
                rlim_max: lim.rlim_max,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &none);
        }
    }
}

/// The core-file limit as it was before `no_core_dumps`, for a command about to replace aws-as.
#[allow(unsafe_code)]
pub fn restore_core_limit() {
    if let Some(lim) = CORE_LIMIT.get() {
        // SAFETY: a valid rlimit for this process.
        unsafe { libc::setrlimit(libc::RLIMIT_CORE, lim) };
    }
}

/// The core-file limit as it was before `no_core_dumps`, for a command aws-as starts and stays
/// the parent of: set in the child only, between fork and exec, so that aws-as's own stays 0.
#[allow(unsafe_code)]
pub fn restore_core_limit_in(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    if let Some(lim) = CORE_LIMIT.get().copied() {
        // SAFETY: the closure runs in the forked child before exec, and only calls setrlimit,
        // which is async-signal-safe, with a value copied before the fork.
        unsafe {
            cmd.pre_exec(move || {
                libc::setrlimit(libc::RLIMIT_CORE, &lim);
                Ok(())
            })
        };
    }
}

/// An error and its causes, each said once, as `a: b: c`: the SDK's errors repeat themselves down
/// the chain ("an error occurred while loading credentials" twice), and their Debug form (which
/// `DisplayErrorContext` adds) is no message.
pub fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    parts.join(": ")
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
    fn tables_pad_by_hand() {
        let long = "x".repeat(70_000);
        let rows = vec![
            vec!["NAME".to_string(), "KIND".into()],
            vec![long.clone(), "role".into()],
        ];
        let out = table(&rows);
        assert!(out.starts_with(&format!("NAME{}KIND\n", " ".repeat(70_000 - 4 + 2))));
        assert!(out.ends_with(&format!("{long}  role\n")));
    }

    #[test]
    fn human() {
        assert_eq!(human_left(0), "expired");
        assert_eq!(human_left(59), "59s");
        assert_eq!(human_left(42 * 60 + 5), "42m");
        assert_eq!(human_left(3 * 3600 + 5 * 60), "3h05m");
    }
}
