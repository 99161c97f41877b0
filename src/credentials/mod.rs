//! Obtain: credentials for a resolved chain, from the cache or from STS under a per-step lock.

pub mod cache;
pub mod mfa;
pub mod sts;

use crate::config::chain::Step;
use crate::config::{Ambient, BaseKeys, Chain, Settings};
use anyhow::{Context, Result};
use cache::{Cache, Entry};
use std::time::Duration;

/// Temporary credentials for one identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    /// Unix epoch seconds.
    pub expiration: i64,
    pub arn: Option<String>,
}

impl From<Entry> for Credentials {
    fn from(e: Entry) -> Self {
        Credentials {
            access_key_id: e.access_key_id,
            secret_access_key: e.secret_access_key,
            session_token: e.session_token,
            expiration: e.expiration,
            arn: e.arn,
        }
    }
}

/// How the user asked for them.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub mfa_code: Option<String>,
    /// Lifetime for the target step; forces a new call for that step.
    pub duration: Option<Duration>,
    /// Ignore the cache for every step.
    pub refresh: bool,
}

/// Where the next step's signing keys come from.
enum Source<'a> {
    Base(&'a BaseKeys),
    Temp(Credentials),
}

impl Source<'_> {
    fn signer(&self) -> sts::Signer<'_> {
        match self {
            Source::Base(k) => sts::Signer {
                access_key_id: k.access_key_id(),
                secret_access_key: k.secret_access_key(),
                session_token: k.session_token(),
            },
            Source::Temp(c) => sts::Signer {
                access_key_id: &c.access_key_id,
                secret_access_key: &c.secret_access_key,
                session_token: Some(&c.session_token),
            },
        }
    }
}

/// The cached credentials for the chain's target, if fresh. Never touches the network.
pub fn cached(chain: &Chain, cache: &Cache, settings: &Settings) -> Option<Credentials> {
    let steps = chain.steps();
    let entry = cache.read(steps.last()?.key())?;
    entry
        .fresh(settings.refresh_margin.as_secs() as i64)
        .then(|| entry.into())
}

/// Credentials for `chain`'s target. Each step takes its lock, checks the cache, and only then
/// calls STS and stores the result, so concurrent processes make one set of calls and ask for
/// one MFA code between them.
pub fn obtain(
    chain: &Chain,
    req: &Request,
    settings: &Settings,
    ambient: &Ambient,
    cache: &Cache,
) -> Result<Credentials> {
    if !req.refresh
        && req.duration.is_none()
        && let Some(creds) = cached(chain, cache, settings)
    {
        return Ok(creds);
    }
    let steps = chain.steps();
    let total = steps.len();
    let margin = settings.refresh_margin.as_secs() as i64;
    let mut sts: Option<sts::Sts> = None;
    let mut source = Source::Base(&chain.base.keys);
    for (i, step) in steps.iter().enumerate() {
        let is_target = i + 1 == total;
        let _lock = cache.lock(step.key())?;
        // --refresh skips every cached step; --duration only the target, which it must fetch anew.
        let fetch_anyway = req.refresh || (is_target && req.duration.is_some());
        if !fetch_anyway && let Some(entry) = cache.read(step.key()).filter(|e| e.fresh(margin)) {
            source = Source::Temp(entry.into());
            continue;
        }
        if sts.is_none() {
            sts = Some(sts::Sts::new(chain, ambient, settings)?);
        }
        let client = sts.as_ref().expect("set above");
        let (profile, kind, fresh) = match step {
            Step::Session {
                serial,
                mfa_process,
                profile,
                ..
            } => {
                let label = match serial {
                    Some(s) => s.clone(),
                    None => format!("session for profile {profile}"),
                };
                let code = match serial {
                    Some(s) => Some(mfa::code(
                        s,
                        mfa_process.as_deref(),
                        req.mfa_code.as_deref(),
                    )?),
                    None => None,
                };
                eprintln!("[{}/{}] {}", i + 1, total, crate::util::sanitize(&label));
                let duration = match (is_target, req.duration) {
                    (true, Some(d)) => d,
                    _ => settings.session_duration,
                };
                let mfa = serial.as_deref().zip(code.as_deref());
                let creds = client
                    .get_session_token(&source.signer(), duration, mfa)
                    .with_context(|| {
                        format!("could not start a session for profile `{profile}`")
                    })?;
                (profile.clone(), "session", creds)
            }
            Step::Role { index, .. } => {
                let hop = &chain.hops[*index];
                let code = match &hop.mfa_serial {
                    Some(s) => Some(mfa::code(
                        s,
                        hop.mfa_process.as_deref(),
                        req.mfa_code.as_deref(),
                    )?),
                    None => None,
                };
                eprintln!(
                    "[{}/{}] {}",
                    i + 1,
                    total,
                    crate::util::sanitize(&hop.role_arn)
                );
                let duration = if is_target { req.duration } else { None };
                let mfa = hop.mfa_serial.as_deref().zip(code.as_deref());
                let creds = client
                    .assume_role(&source.signer(), hop, duration, mfa)
                    .with_context(|| format!("could not assume {}", hop.role_arn))?;
                (hop.profile.clone(), "role", creds)
            }
        };
        let entry = Entry::new(&profile, kind, fresh.arn.clone(), fresh.clone());
        cache.write(step.key(), &entry)?;
        source = Source::Temp(fresh);
    }
    match source {
        Source::Temp(creds) => Ok(creds),
        Source::Base(_) => unreachable!("a chain always has at least one step"),
    }
}
