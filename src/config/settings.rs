//! aws-as's own settings: `$AWS_AS_CONFIG`, else `$XDG_CONFIG_HOME/aws-as/config.toml`
//! (default `~/.config/aws-as/config.toml`). A missing file means defaults.

use crate::env::{Env, EnvVars};
use crate::util::parse_duration;
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::path::PathBuf;
use std::time::Duration;

/// The settings as serde reads them from TOML: each field through the one function that checks
/// it (a duration within its range, a URL `login` may use, a key store's name, a prompt format),
/// every field optional, and any other key refused.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Lifetime requested from GetSessionToken for the shared (MFA) session.
    #[serde(deserialize_with = "de::session_duration")]
    pub session_duration: Duration,
    /// Cached credentials this close to expiry are fetched again.
    #[serde(deserialize_with = "de::refresh_margin")]
    pub refresh_margin: Duration,
    /// Whether the prompt renews the active identity's credentials from `refresh_margin` before
    /// they expire (bash, zsh, ksh93 and mksh), when that needs no MFA code.
    pub auto_refresh: bool,
    /// The longest a user waits for one STS call, retries included.
    #[serde(deserialize_with = "de::sts_timeout")]
    pub sts_timeout: Duration,
    /// What the prompt shows in front of the shell's own prompt.
    #[serde(deserialize_with = "de::prompt_format")]
    pub prompt_format: PromptFormat,
    /// Where `add` and `import` store long-term keys (`AWS_AS_KEYS_BACKEND` overrides it).
    #[serde(deserialize_with = "de::keys_backend")]
    pub keys_backend: Option<crate::keys::Backend>,
    /// How long `rotate` waits for a new access key to start working before it gives up on it.
    #[serde(deserialize_with = "de::key_verify_timeout")]
    pub key_verify_timeout: Duration,
    /// The console federation endpoint `login` calls, instead of the partition's own.
    #[serde(deserialize_with = "de::signin_url")]
    pub signin_url: Option<String>,
    /// The console page `login` lands on, instead of the partition's own.
    #[serde(deserialize_with = "de::console_url")]
    pub console_url: Option<String>,
    /// The longest aws-as waits for another aws-as process that is getting the same credentials.
    #[serde(deserialize_with = "de::lock_timeout")]
    pub lock_timeout: Duration,
    /// The longest `mfa_process` may take to print a code.
    #[serde(deserialize_with = "de::mfa_timeout")]
    pub mfa_timeout: Duration,
    /// `[catalog.NAME]` tables: the catalogues, by name.
    #[serde(deserialize_with = "de::catalog")]
    pub catalog: crate::catalog::Catalogs,
    /// A catalogue's local copy older than this makes a switch suggest `catalog sync`.
    #[serde(deserialize_with = "de::catalog_max_age")]
    pub catalog_max_age: Duration,
}

/// `prompt_format`, parsed: text with `{name}` (the identity, `-` when none is active), at most
/// one `{left}` (the time the credentials have left) and `{region}` (the region exported for
/// the identity). `{{` and `}}` are literal braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptFormat(pub Vec<Piece>);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Name,
    Left,
    Region,
}

impl Default for PromptFormat {
    /// `({name}) `: the CONTRACT's `(NAME) ` and `(-) `.
    fn default() -> Self {
        PromptFormat(vec![
            Piece::Text("(".into()),
            Piece::Name,
            Piece::Text(") ".into()),
        ])
    }
}

impl PromptFormat {
    pub fn parse(text: &str) -> Result<PromptFormat> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut rest = text;
        while let Some(ch) = rest.chars().next() {
            let (piece, len) = if rest.starts_with("{{") || rest.starts_with("}}") {
                (None, 2)
            } else if rest.starts_with("{name}") {
                (Some(Piece::Name), 6)
            } else if rest.starts_with("{left}") {
                (Some(Piece::Left), 6)
            } else if rest.starts_with("{region}") {
                (Some(Piece::Region), 8)
            } else if ch == '{' || ch == '}' {
                bail!(
                    "`{text}` has a stray `{ch}`: the placeholders are {{name}}, {{left}} and {{region}}, \
                     and {{{{ or }}}} is a literal brace"
                );
            } else if ch.is_control() {
                bail!(
                    "`{}` has a control character; the prompt takes plain text",
                    text.escape_default()
                );
            } else {
                literal.push(ch);
                rest = &rest[ch.len_utf8()..];
                continue;
            };
            match piece {
                None => literal.push(ch),
                Some(piece) => {
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(piece);
                }
            }
            rest = &rest[len..];
        }
        if !literal.is_empty() {
            pieces.push(Piece::Text(literal));
        }
        if pieces.iter().filter(|p| **p == Piece::Left).count() > 1 {
            bail!("`{text}` has {{left}} more than once");
        }
        Ok(PromptFormat(pieces))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_duration: Duration::from_secs(12 * 3600),
            refresh_margin: Duration::from_secs(5 * 60),
            auto_refresh: true,
            sts_timeout: Duration::from_secs(15),
            prompt_format: PromptFormat::default(),
            keys_backend: None,
            key_verify_timeout: Duration::from_secs(30),
            signin_url: None,
            console_url: None,
            lock_timeout: Duration::from_secs(60),
            mfa_timeout: Duration::from_secs(60),
            catalog: Default::default(),
            catalog_max_age: Duration::from_secs(7 * DAY),
        }
    }
}

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 24 * HOUR;

/// The range each duration setting may take: what STS accepts for lifetimes, and what makes
/// sense for waits. A value outside it is refused, so that no setting reaches the SDK (whose
/// timers panic on durations near `u64::MAX`) or STS with a value they would choke on.
const RANGES: &[(&str, u64, u64)] = &[
    // GetSessionToken grants 15 minutes to 36 hours.
    ("session_duration", 15 * MINUTE, 36 * HOUR),
    ("refresh_margin", 0, 12 * HOUR),
    ("sts_timeout", 1, 10 * MINUTE),
    ("key_verify_timeout", 1, 10 * MINUTE),
    ("lock_timeout", 1, HOUR),
    ("mfa_timeout", 1, HOUR),
    ("catalog_max_age", 0, 366 * DAY),
];

/// `text` as a duration within the range `RANGES` gives `name`.
fn bounded(name: &str, text: &str) -> Result<Duration> {
    let d = parse_duration(text).with_context(|| name.to_string())?;
    let (_, min, max) = RANGES
        .iter()
        .find(|(n, ..)| *n == name)
        .expect("every duration setting has a range");
    if d.as_secs() < *min || d.as_secs() > *max {
        bail!(
            "{name}: `{}` is out of range; use {} to {}",
            crate::util::sanitize(text),
            crate::util::human_duration(*min),
            crate::util::human_duration(*max)
        );
    }
    Ok(d)
}

/// serde's readers for the settings: each one parses and checks its field, and names it in the
/// error (a `toml` error's message carries no field name of its own).
mod de {
    use super::{PromptFormat, bounded, check_web_url};
    use serde::{Deserialize, Deserializer, de::Error};
    use std::time::Duration;

    fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        String::deserialize(d)
    }

    /// One reader per duration setting, each with its own name and range.
    macro_rules! durations {
        ($($name:ident),*) => {$(
            pub fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
                bounded(stringify!($name), &text(d)?).map_err(|e| D::Error::custom(format!("{e:#}")))
            }
        )*};
    }
    durations!(
        session_duration,
        refresh_margin,
        sts_timeout,
        key_verify_timeout,
        lock_timeout,
        mfa_timeout,
        catalog_max_age
    );

    /// The `[catalog.NAME]` tables, each checked for what its source needs.
    pub fn catalog<'de, D: Deserializer<'de>>(d: D) -> Result<crate::catalog::Catalogs, D::Error> {
        let catalogs = crate::catalog::Catalogs::deserialize(d)?;
        for (name, spec) in &catalogs {
            spec.check(name)
                .map_err(|e| D::Error::custom(format!("{e:#}")))?;
        }
        Ok(catalogs)
    }

    pub fn prompt_format<'de, D: Deserializer<'de>>(d: D) -> Result<PromptFormat, D::Error> {
        PromptFormat::parse(&text(d)?)
            .map_err(|e| D::Error::custom(format!("prompt_format: {e:#}")))
    }

    pub fn keys_backend<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<crate::keys::Backend>, D::Error> {
        crate::keys::Backend::parse(&text(d)?)
            .map(Some)
            .map_err(|e| D::Error::custom(format!("keys_backend: {e:#}")))
    }

    pub fn signin_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let url = text(d)?;
        check_web_url(&url, false).map_err(|e| D::Error::custom(format!("signin_url: {e:#}")))?;
        Ok(Some(url))
    }

    pub fn console_url<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        let url = text(d)?;
        check_web_url(&url, true).map_err(|e| D::Error::custom(format!("console_url: {e:#}")))?;
        Ok(Some(url))
    }
}

/// `$AWS_AS_CONFIG`, else `$XDG_CONFIG_HOME/aws-as/config.toml`, else
/// `~/.config/aws-as/config.toml`; `None` with no HOME to find it in.
pub fn config_path(env: &Env) -> Result<Option<PathBuf>> {
    if let Some(path) = env.path(EnvVars::AWS_AS_CONFIG)? {
        return Ok(Some(path));
    }
    Ok(env
        .xdg(EnvVars::XDG_CONFIG_HOME, ".config")
        .map(|base| base.join("aws-as").join("config.toml")))
}

/// The settings file's path and text, `None` when there is none. It is at most 1 MiB: a settings
/// file is a few lines, and a larger one is a mistake (or /dev/zero).
fn read_file(env: &Env) -> Result<Option<(PathBuf, String)>> {
    let Some(path) = config_path(env)? else {
        return Ok(None);
    };
    let text = crate::util::read_text(&path, 1 << 20)
        .with_context(|| format!("could not read {}", path.display()))?;
    Ok(text.map(|t| (path, t)))
}

impl Settings {
    pub fn load(env: &Env) -> Result<Settings> {
        let Some((path, text)) = read_file(env)? else {
            return Ok(Settings::default());
        };
        Self::parse(&text).with_context(|| format!("could not read {}", path.display()))
    }

    /// Only `prompt_format`, for what needs nothing else: clearing the identity and activation
    /// must not fail over a setting they don't use (an unknown key, a bad timeout).
    pub fn prompt_format(env: &Env) -> Result<PromptFormat> {
        let Some((path, text)) = read_file(env)? else {
            return Ok(PromptFormat::default());
        };
        let ctx = || format!("could not read {}", path.display());
        let table: toml::Table = toml::from_str(&text)
            .map_err(|e| one_line(&e, &text))
            .with_context(ctx)?;
        match table.get("prompt_format") {
            None => Ok(PromptFormat::default()),
            Some(toml::Value::String(v)) => PromptFormat::parse(v)
                .context("prompt_format")
                .with_context(ctx),
            Some(_) => {
                Err(anyhow::anyhow!("prompt_format: a string is expected")).with_context(ctx)
            }
        }
    }

    pub fn parse(text: &str) -> Result<Settings> {
        toml::from_str(text).map_err(|e| one_line(&e, text))
    }
}

/// toml's error as aws-as gives one: the message alone, with the line it is on (toml's own
/// rendering draws the line, however long, over several).
fn one_line(e: &toml::de::Error, text: &str) -> anyhow::Error {
    let line = e
        .span()
        .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1);
    match line {
        Some(n) => anyhow::anyhow!("{} (line {n})", e.message().trim()),
        None => anyhow::anyhow!("{}", e.message().trim()),
    }
}

/// A URL `login` may send credentials to or send the browser to: `https://`, or `http://` to a
/// loopback host (a local test server), with no fragment, and a query only where `query` allows.
fn check_web_url(text: &str, query: bool) -> Result<()> {
    let shown = crate::util::sanitize(text);
    if text.chars().any(|c| c.is_whitespace() || c.is_control()) || text.contains('#') {
        bail!("`{shown}` is not a plain URL: it has spaces, control characters or a `#`");
    }
    let uri: http::Uri = text
        .parse()
        .map_err(|_| anyhow::anyhow!("`{shown}` is not a URL"))?;
    let host = uri.host().unwrap_or("");
    if host.is_empty() {
        bail!(
            "`{shown}` has no host; write it in full, such as https://signin.aws.amazon.com/federation"
        );
    }
    match uri.scheme_str() {
        Some("https") => {}
        Some("http") if is_loopback(host) => {}
        _ => bail!(
            "`{shown}` must be an https:// URL (http:// is accepted only for 127.0.0.1, ::1 or \
             localhost)"
        ),
    }
    if !query && uri.query().is_some() {
        bail!("`{shown}` has a query string; aws-as adds its own");
    }
    Ok(())
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_overrides() {
        let s = Settings::parse("").unwrap();
        assert_eq!(s.refresh_margin.as_secs(), 300);
        let s = Settings::parse("session_duration = \"1h\"\nsts_timeout = \"3s\"\n").unwrap();
        assert_eq!(s.session_duration.as_secs(), 3600);
        assert_eq!(s.sts_timeout.as_secs(), 3);
        assert!(Settings::parse("bogus = 1").is_err());
        assert!(Settings::parse("sts_timeout = \"0\"").is_err());
        let s = Settings::parse("keys_backend = \"file\"").unwrap();
        assert_eq!(s.keys_backend, Some(crate::keys::Backend::File));
        let err = Settings::parse("keys_backend = \"vault\"").unwrap_err();
        assert!(
            format!("{err:#}").contains("keyring, keyutils or file"),
            "{err:#}"
        );
    }

    #[test]
    fn console_urls() {
        let s = Settings::parse("").unwrap();
        assert_eq!((s.signin_url, s.console_url), (None, None));
        let s = Settings::parse(
            "signin_url = \"https://signin.example.com/federation\"\n\
             console_url = \"https://console.example.com/ec2/home?x=1\"\n",
        )
        .unwrap();
        assert_eq!(
            s.signin_url.as_deref(),
            Some("https://signin.example.com/federation")
        );
        assert_eq!(
            s.console_url.as_deref(),
            Some("https://console.example.com/ec2/home?x=1")
        );
        for ok in [
            "http://127.0.0.1:8080/federation",
            "http://localhost/federation",
            "http://[::1]:9/federation",
            "http://127.8.9.1/f",
        ] {
            let s = Settings::parse(&format!("signin_url = \"{ok}\"")).unwrap();
            assert_eq!(s.signin_url.as_deref(), Some(ok));
        }
        for (bad, why) in [
            ("http://signin.example.com/federation", "https://"),
            ("http://127.0.0.1.example.com/f", "https://"),
            ("ftp://127.0.0.1/f", "https://"),
            ("signin.aws.amazon.com/federation", "not a URL"),
            ("/federation", "no host"),
            ("https://signin.example.com/federation?a=b", "query"),
            ("https://signin.example.com/fed eration", "plain URL"),
            ("https://signin.example.com/federation#x", "plain URL"),
            ("", "URL"),
        ] {
            let err = Settings::parse(&format!("signin_url = \"{bad}\"")).unwrap_err();
            let err = format!("{err:#}");
            assert!(err.starts_with("signin_url: "), "{bad}: {err}");
            assert!(err.contains(why), "{bad}: {err}");
        }
        // The console page may carry a query (region= is added to it); the endpoint may not.
        let err = Settings::parse("console_url = \"http://console.example.com/\"").unwrap_err();
        assert!(format!("{err:#}").starts_with("console_url: "), "{err:#}");
    }

    #[test]
    fn prompt_formats() {
        use Piece::*;
        let s = Settings::parse("").unwrap();
        assert_eq!(s.prompt_format, PromptFormat::default());
        let f = PromptFormat::parse("[{name} {left}]{{x}} ").unwrap();
        assert_eq!(
            f.0,
            vec![
                Text("[".into()),
                Name,
                Text(" ".into()),
                Left,
                Text("]{x} ".into())
            ]
        );
        assert!(PromptFormat::parse("{left}{left}").is_err());
        assert!(PromptFormat::parse("{nme}").is_err());
        assert!(PromptFormat::parse("a}").is_err());
        assert!(PromptFormat::parse("\u{1b}[31m").is_err());
        let err = Settings::parse("prompt_format = \"{x}\"").unwrap_err();
        assert!(format!("{err:#}").starts_with("prompt_format: "), "{err:#}");
    }
}
