//! Obtain: credentials for a resolved chain, from the cache or from STS under a per-step lock.

pub mod cache;
pub mod discovery;
pub mod mfa;
pub mod sts;

use crate::config::chain::Step;
use crate::config::{Ambient, Base, BaseKeys, Chain, Settings};
use crate::keys::IndexEntry;
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

/// A base's keys with the secret at hand: fetched from the key store for stored keys, which
/// happens only when a call must be signed with them.
pub struct BaseSecret {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl BaseSecret {
    pub fn load(base: &Base) -> Result<BaseSecret> {
        match &base.keys {
            BaseKeys::Stored {
                access_key_id,
                backend,
            } => {
                let entry = IndexEntry {
                    backend: *backend,
                    access_key_id: access_key_id.clone(),
                };
                let key = crate::keys::fetch(&base.profile, &entry)?;
                Ok(BaseSecret {
                    access_key_id: key.aws_access_key_id,
                    secret_access_key: key.aws_secret_access_key,
                    session_token: None,
                })
            }
            BaseKeys::Provided { source, .. } => Err(anyhow::anyhow!(
                "profile `{}` gets its credentials from {}, not from keys of its own",
                base.profile,
                source.name()
            )),
            keys => Ok(BaseSecret {
                access_key_id: keys.access_key_id().to_string(),
                secret_access_key: keys.secret_access_key().unwrap_or_default().to_string(),
                session_token: keys.session_token().map(str::to_owned),
            }),
        }
    }

    pub fn signer(&self) -> sts::Signer<'_> {
        sts::Signer {
            access_key_id: &self.access_key_id,
            secret_access_key: &self.secret_access_key,
            session_token: self.session_token.as_deref(),
        }
    }
}

impl Credentials {
    pub fn signer(&self) -> sts::Signer<'_> {
        sts::Signer {
            access_key_id: &self.access_key_id,
            secret_access_key: &self.secret_access_key,
            // Keys without a token (from the environment) send no token header at all.
            session_token: Some(self.session_token.as_str()).filter(|t| !t.is_empty()),
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
    let mut base_secret: Option<BaseSecret> = None;
    // The credentials of the step before; none while the base's own keys sign.
    let mut source: Option<Credentials> = None;
    for (i, step) in steps.iter().enumerate() {
        let is_target = i + 1 == total;
        let _lock = cache.lock(step.key())?;
        // --refresh skips every cached step; --duration only the target, which it must fetch anew.
        let fetch_anyway = req.refresh || (is_target && req.duration.is_some());
        if !fetch_anyway && let Some(entry) = cache.read(step.key()).filter(|e| e.fresh(margin)) {
            source = Some(entry.into());
            continue;
        }
        if sts.is_none() {
            sts = Some(sts::Sts::new(chain, ambient, settings)?);
        }
        let client = sts.as_ref().expect("set above");
        if let Step::Source { profile, .. } = step {
            eprintln!(
                "[{}/{}] {} credentials for profile {}",
                i + 1,
                total,
                provider_name(chain),
                crate::util::sanitize(profile)
            );
            let duration = match (is_target, req.duration) {
                (true, Some(d)) => d,
                _ => settings.session_duration,
            };
            let fresh = from_provider(client, chain, req, settings, duration)?;
            let entry = Entry::new(profile, "source", fresh.arn.clone(), fresh.clone());
            cache.write(step.key(), &entry)?;
            source = Some(fresh);
            continue;
        }
        if source.is_none() && base_secret.is_none() {
            base_secret = Some(BaseSecret::load(&chain.base)?);
        }
        let signer = match (&source, &base_secret) {
            (Some(creds), _) => creds.signer(),
            (None, Some(base)) => base.signer(),
            (None, None) => unreachable!("loaded above"),
        };
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
                let code = mfa_code(serial.as_deref(), mfa_process.as_deref(), req)?;
                eprintln!("[{}/{}] {}", i + 1, total, crate::util::sanitize(&label));
                let duration = match (is_target, req.duration) {
                    (true, Some(d)) => d,
                    _ => settings.session_duration,
                };
                let mfa = serial.as_deref().zip(code.as_deref());
                let creds = client
                    .get_session_token(&signer, duration, mfa)
                    .with_context(|| {
                        format!("could not start a session for profile `{profile}`")
                    })?;
                (profile.clone(), "session", creds)
            }
            Step::Role { index, .. } => {
                let hop = &chain.hops[*index];
                let code = mfa_code(hop.mfa_serial.as_deref(), hop.mfa_process.as_deref(), req)?;
                eprintln!(
                    "[{}/{}] {}",
                    i + 1,
                    total,
                    crate::util::sanitize(&hop.role_arn)
                );
                let duration = if is_target { req.duration } else { None };
                let mfa = hop.mfa_serial.as_deref().zip(code.as_deref());
                let creds = client
                    .assume_role(&signer, hop, duration, mfa)
                    .with_context(|| format!("could not assume {}", hop.role_arn))?;
                (hop.profile.clone(), "role", creds)
            }
            Step::Source { .. } => unreachable!("obtained above"),
            Step::Federation { profile, .. } => {
                let fed = chain
                    .federation
                    .as_ref()
                    .expect("a federation step has one");
                eprintln!(
                    "[{}/{}] federated user {}",
                    i + 1,
                    total,
                    crate::util::sanitize(&fed.name)
                );
                let duration = req.duration.unwrap_or(settings.session_duration);
                let creds = client
                    .get_federation_token(&signer, fed, duration)
                    .with_context(|| {
                        format!("could not get a federation token for profile `{profile}`")
                    })?;
                (profile.clone(), "federation", creds)
            }
        };
        let entry = Entry::new(&profile, kind, fresh.arn.clone(), fresh.clone());
        cache.write(step.key(), &entry)?;
        source = Some(fresh);
    }
    source.ok_or_else(|| anyhow::anyhow!("profile `{}` needs no STS call", chain.name))
}

/// The code for MFA device `serial`, when a call needs one, from the sources `mfa::code` tries.
fn mfa_code(serial: Option<&str>, process: Option<&str>, req: &Request) -> Result<Option<String>> {
    serial
        .map(|s| mfa::code(s, process, req.mfa_code.as_deref()))
        .transpose()
}

fn provider_name(chain: &Chain) -> &'static str {
    match &chain.base.keys {
        BaseKeys::Provided { source, .. } => source.name(),
        _ => "base",
    }
}

/// The base's credentials from its aws-config provider. Temporary ones are used as they come;
/// long-term keys (a credential_process may print an IAM user's keys) are never cached: a
/// session is started on them, with the base's MFA device when it has one, and that is cached.
fn from_provider(
    client: &sts::Sts,
    chain: &Chain,
    req: &Request,
    settings: &Settings,
    duration: Duration,
) -> Result<Credentials> {
    let profile = &chain.base.profile;
    let got = client.provided(chain, settings).with_context(|| {
        if matches!(
            chain.base.keys,
            BaseKeys::Provided {
                source: crate::config::chain::Provider::Sso,
                ..
            }
        ) {
            format!(
                "could not get SSO credentials for profile `{profile}`; if the SSO session has \
                 expired, run aws sso login --profile {profile}"
            )
        } else {
            format!(
                "could not get {} credentials for profile `{profile}`",
                provider_name(chain)
            )
        }
    })?;
    match got.session_token {
        Some(session_token) => Ok(Credentials {
            access_key_id: got.access_key_id,
            secret_access_key: got.secret_access_key,
            session_token,
            // Temporary credentials that name no expiry are trusted for the shortest lifetime
            // STS grants, then asked for again.
            expiration: got
                .expiration
                .unwrap_or_else(|| crate::util::now_epoch() + 900),
            arn: None,
        }),
        None => {
            let signer = sts::Signer {
                access_key_id: &got.access_key_id,
                secret_access_key: &got.secret_access_key,
                session_token: None,
            };
            let serial = chain.base.mfa_serial.as_deref();
            let code = mfa_code(serial, chain.base.mfa_process.as_deref(), req)?;
            client
                .get_session_token(&signer, duration, serial.zip(code.as_deref()))
                .with_context(|| format!("could not start a session for profile `{profile}`"))
        }
    }
}
