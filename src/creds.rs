//! The one type for credentials in aws-as, below every stage: resolution (long-term keys from
//! the files or the environment), the key stores, the cache, STS's answers and the shell's
//! variables all use it. The checks that decide whether a value is usable are here too.

use anyhow::{Result, bail};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// An AWS access key pair, maybe with a session token and an expiry: the one type for
/// credentials in aws-as, from a key store, a file, the environment, STS, a provider or the
/// cache. Long-term keys have neither a token nor an expiry; temporary ones have both once
/// `check` has passed. Debug shows the key ID alone, and the secret is wiped from memory when the
/// value is dropped.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
    #[serde(default)]
    pub session_token: Option<String>,
    /// Unix epoch seconds.
    #[serde(default)]
    pub expiration: Option<i64>,
    /// Whose they are, when STS said.
    #[serde(default)]
    pub arn: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .field("arn", &self.arn)
            .finish_non_exhaustive()
    }
}

impl Credentials {
    /// Long-term keys: a key ID and its secret.
    pub fn keys(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: Zeroizing::new(secret_access_key.into()),
            session_token: None,
            expiration: None,
            arn: None,
        }
    }

    /// The session token, or nothing for long-term keys.
    pub fn token(&self) -> &str {
        self.session_token.as_deref().unwrap_or_default()
    }

    /// The expiry in Unix seconds; 0 for keys that don't expire.
    pub fn expires(&self) -> i64 {
        self.expiration.unwrap_or(0)
    }
}

/// The longest STS grants any credentials (GetSessionToken and GetFederationToken: 36 hours),
/// plus the 15 minutes of clock difference that SigV4 itself tolerates.
pub const MAX_LIFETIME: i64 = 36 * 3600 + 15 * 60;

/// Text that could be an AWS secret or token: printable ASCII with no spaces, within a bound.
fn token_like(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_graphic())
}

/// An ARN as AWS writes one: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`, printable, bounded.
pub fn valid_arn(s: &str) -> bool {
    token_like(s, 2048) && s.starts_with("arn:") && s.splitn(6, ':').count() == 6
}

impl Credentials {
    /// The one place that decides whether temporary credentials are real, for every answer and
    /// every cache entry: a key ID, a secret and a session token that could be AWS's, an expiry
    /// in the future and within what STS can grant, and an ARN (when there is one) that is an
    /// ARN. The reason never shows a value.
    pub fn check(&self, now: i64) -> Result<(), &'static str> {
        self.check_pair()?;
        if !self
            .session_token
            .as_deref()
            .is_some_and(|t| token_like(t, 16 * 1024))
        {
            return Err("the session token is empty or malformed");
        }
        let Some(expiration) = self.expiration else {
            return Err("they have no expiry");
        };
        if expiration <= now {
            return Err("they have already expired");
        }
        if expiration > now.saturating_add(MAX_LIFETIME) {
            return Err("they expire later than STS can grant (36 hours from now)");
        }
        if self.arn.as_deref().is_some_and(|a| !valid_arn(a)) {
            return Err("the ARN is not one");
        }
        Ok(())
    }

    /// A key ID and a secret that could be AWS's.
    fn check_pair(&self) -> Result<(), &'static str> {
        let id = &self.access_key_id;
        if id.is_empty() {
            return Err("the access key ID is empty");
        }
        if id.len() > 128 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err("the access key ID is not one (letters and digits, at most 128)");
        }
        if !token_like(&self.secret_access_key, 1024) {
            return Err("the secret access key is empty or malformed");
        }
        Ok(())
    }

    /// Refuse what cannot be a long-term AWS key pair, before it is stored.
    pub fn check_long_term(&self) -> Result<()> {
        let id = &self.access_key_id;
        if id.len() < 16 || id.len() > 128 || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            bail!("that is not an access key ID (16 to 128 letters and digits, such as AKIA...)");
        }
        if id.starts_with("ASIA") || self.session_token.is_some() {
            bail!(
                "access key ID {id} belongs to temporary credentials; aws-as stores only long-term \
                 keys (AKIA...)"
            );
        }
        let secret = &self.secret_access_key;
        if secret.is_empty() || secret.chars().any(|c| c.is_control() || c == ' ') {
            bail!("the secret access key is empty or has spaces or control characters in it");
        }
        Ok(())
    }
}
