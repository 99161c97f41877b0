//! Obtain: credentials for a resolved chain, from the cache or from STS under a per-step lock.

pub mod aws;
pub mod cache;
pub mod console;
pub mod discovery;
pub mod mfa;
pub mod server;
pub mod sso;

use crate::config::chain::{Step, StepKind};
use crate::config::{Base, BaseKeys, Chain, RoleHop, Settings};
use crate::context::Context;
pub use crate::creds::{Credentials, MAX_LIFETIME, valid_arn};
use crate::env::Env;
use crate::keys::IndexEntry;
use anyhow::{Context as _, Result, anyhow, bail};
use aws::Aws;
use cache::{Cache, Entry};
use std::cell::OnceCell;
use std::time::Duration;

/// How the user asked for them.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub mfa_code: Option<String>,
    /// Lifetime for the target step; forces a new call for that step.
    pub duration: Option<Duration>,
    /// Ignore the cache for every step.
    pub refresh: bool,
    /// Renew the target's credentials when they have less than this left (`--min-left`), and
    /// fail when the renewed ones still don't last that long.
    pub min_left: Option<Duration>,
    /// Nobody is there to type an MFA code (the credential server, the prompt's renewal): a code
    /// that neither `--mfa-code` nor `mfa_process` supplies is a `mfa::CodeNeeded` error, and the
    /// terminal is never opened.
    pub unattended: bool,
}

impl Request {
    /// The margin the target's cached credentials must have left to be used: `refresh_margin`,
    /// or `--min-left` when that asks for more.
    fn target_margin(&self, settings: &Settings) -> i64 {
        let margin = settings
            .refresh_margin
            .max(self.min_left.unwrap_or_default());
        i64::try_from(margin.as_secs()).unwrap_or(i64::MAX)
    }
}

/// A base's keys with the secret at hand: fetched from the key store for stored keys, which
/// happens only when a call must be signed with them.
pub fn base_keys(env: &Env, base: &Base) -> Result<Credentials> {
    match &base.keys {
        BaseKeys::Stored {
            access_key_id,
            backend,
        } => {
            let entry = IndexEntry {
                backend: *backend,
                access_key_id: access_key_id.clone(),
            };
            crate::keys::fetch(env, &base.profile, &entry)
        }
        BaseKeys::Provided { source, .. } => Err(anyhow!(
            "profile `{}` gets its credentials from {}, not from keys of its own",
            base.profile,
            source.name()
        )),
        BaseKeys::Static(keys) | BaseKeys::Environment(keys) => Ok(keys.clone()),
    }
}

/// The cached credentials for the chain's target, if fresh for at least `margin` seconds. Never
/// touches the network. An untrusted cache (see `crate::private`) is an error; a damaged or
/// unusable entry is a miss.
pub fn cached(ctx: &Context, chain: &Chain, margin: i64) -> Result<Option<Credentials>> {
    let steps = chain.steps();
    let Some(target) = steps.last() else {
        return Ok(None);
    };
    Ok(ctx
        .cache()?
        .read(target.key())?
        .filter(|e| e.fresh(margin))
        .map(|e| e.credentials))
}

/// Refuse a chain that needs a lock an aws-as process up the line holds while it waits for this
/// one: a base's credential_process (or an mfa_process) that runs aws-as for a profile built on
/// that same base would wait for its own parent. A base's provider step runs a program while it
/// holds a lock, and its key is passed down (`held_lock`); a step's mfa_process is told its
/// step's key (`env::pass_lock`).
pub fn refuse_held_locks(env: &Env, chain: &Chain) -> Result<()> {
    for step in chain.steps() {
        if env.held_locks().any(|k| k == step.key()) {
            let profile = step.profile(chain);
            bail!(
                "it needs profile `{profile}`'s credentials, which the aws-as running this one is \
                 getting: a credential_process or mfa_process of that chain runs aws-as for a \
                 profile built on `{profile}` itself; point it at a profile that does not use \
                 `{profile}`"
            );
        }
    }
    Ok(())
}

/// The lock this run holds while a program of the user's runs (see `refuse_held_locks`).
pub fn held_lock(chain: &Chain) -> Option<String> {
    let first = chain.steps().into_iter().next()?;
    matches!(first.kind, StepKind::Source { .. }).then_some(first.key)
}

/// Credentials for `chain`'s target. Each step takes its lock, checks the cache, and only then
/// calls STS and stores the result, so concurrent processes make one set of calls and ask for
/// one MFA code between them.
pub fn obtain(ctx: &Context, chain: &Chain, req: &Request) -> Result<Credentials> {
    let settings = ctx.settings()?;
    let margin = req.target_margin(settings);
    if !req.refresh
        && req.duration.is_none()
        && let Some(creds) = cached(ctx, chain, margin)?
    {
        return Ok(creds);
    }
    let steps = chain.steps();
    let run = Run {
        ctx,
        chain,
        req,
        settings,
        cache: ctx.cache()?,
        total: steps.len(),
        base: OnceCell::new(),
    };
    // The credentials of the step before; none while the base's own keys sign.
    let mut source: Option<Credentials> = None;
    for (i, step) in steps.iter().enumerate() {
        source = Some(run.step(i, step, source.as_ref())?);
    }
    let creds = source.ok_or_else(|| anyhow!("profile `{}` needs no STS call", chain.name))?;
    if let Some(min) = req.min_left {
        let left = creds.expires().saturating_sub(crate::util::now_epoch());
        if left < i64::try_from(min.as_secs()).unwrap_or(i64::MAX) {
            bail!(
                "the new credentials of `{}` last {}, less than --min-left {}; ask for longer \
                 ones with --duration (a role grants up to its maximum session duration)",
                crate::util::sanitize(&chain.name),
                crate::util::human_duration(left.max(0) as u64),
                crate::util::human_duration(min.as_secs())
            );
        }
    }
    Ok(creds)
}

/// One run of `obtain`: what its steps share.
struct Run<'a> {
    ctx: &'a Context,
    chain: &'a Chain,
    req: &'a Request,
    settings: &'a Settings,
    cache: &'a Cache,
    total: usize,
    /// The base's keys, fetched when the first call needs them.
    base: OnceCell<Credentials>,
}

impl Run<'_> {
    /// One step: from the cache when another process has just stored it, from the holder's
    /// failure when it has just failed, else from STS; stored for the next time.
    fn step(&self, i: usize, step: &Step, source: Option<&Credentials>) -> Result<Credentials> {
        let key = step.key();
        let profile = step.profile(self.chain);
        let what = format!(
            "the credentials of profile `{}`",
            crate::util::sanitize(profile)
        );
        let lock = match self.cache.lock(key, self.settings.lock_timeout, &what) {
            Ok(lock) => Some(lock),
            // A full or read-only disk: go on without the cache, and say so once.
            Err(e) if storage_failed(&e) => {
                warn_uncached(profile, &e);
                None
            }
            Err(e) => return Err(e),
        };
        let is_target = i + 1 == self.total;
        // --refresh skips every cached step; --duration only the target, which it must fetch anew.
        let fetch_anyway = self.req.refresh || (is_target && self.req.duration.is_some());
        let margin = if is_target {
            self.req.target_margin(self.settings)
        } else {
            self.settings.refresh_margin.as_secs() as i64
        };
        if !fetch_anyway && let Some(entry) = self.cache.read(key)?.filter(|e| e.fresh(margin)) {
            return Ok(entry.credentials);
        }
        let asked = self.asked(is_target);
        if let Some(since) = lock.as_ref().and_then(|l| l.waited_since())
            && let Some(failed) = self.cache.failure_since(key, since, &asked)
        {
            bail!(
                "{} (aws-as process {}, which was getting the same credentials, got this \
                 moments ago; it was not asked again)",
                failed.message,
                failed.pid
            );
        }
        let call = Call {
            run: self,
            aws: self.ctx.aws(self.chain)?,
            key,
            asked,
            n: i + 1,
            is_target,
        };
        let fresh = match &step.kind {
            StepKind::Source { profile } => call.source(profile)?,
            StepKind::Session {
                serial,
                mfa_process,
                profile,
            } => call.session(
                self.signer(source)?,
                serial.as_deref(),
                mfa_process.as_deref(),
                profile,
            )?,
            StepKind::Role { index } => {
                call.role(self.signer(source)?, &self.chain.hops[*index])?
            }
            StepKind::Federation { profile } => call.federation(self.signer(source)?, profile)?,
        };
        let entry = Entry::new(profile, step.kind.name(), fresh.clone());
        if lock.is_some()
            && let Err(e) = self.cache.write(key, &entry)
        {
            warn_uncached(profile, &e);
        }
        Ok(fresh)
    }

    /// What a step's call asks for, beyond the step itself: a waiter takes the holder's failure
    /// only when it would have asked for the same. A `--duration` STS refuses is no reason to
    /// refuse a plain switch, and a holder that had no code to give (no terminal) is none to
    /// refuse one that brings its own with `--mfa-code` (the code itself is never written down).
    fn asked(&self, is_target: bool) -> String {
        let duration = self.req.duration.filter(|_| is_target);
        format!(
            "duration={:?} refresh={} mfa-code={}",
            duration.map(|d| d.as_secs()),
            self.req.refresh,
            self.req.mfa_code.is_some()
        )
    }

    /// What signs a step's call: the step before's credentials, else the base's own keys.
    fn signer<'s>(&'s self, source: Option<&'s Credentials>) -> Result<&'s Credentials> {
        match source {
            Some(creds) => Ok(creds),
            None => crate::util::lazy(&self.base, || base_keys(self.ctx.env(), &self.chain.base)),
        }
    }
}

/// The call one step makes. A failure of the call itself (not of getting an MFA code for it) is
/// recorded for the processes waiting on the step's lock, so that they report it instead of
/// making the same call again.
struct Call<'r, 'a> {
    run: &'r Run<'a>,
    aws: Aws<'a>,
    key: &'r str,
    /// What the call asks for, recorded with its failure (see `Run::asked`).
    asked: String,
    /// The step's place in the chain, from 1.
    n: usize,
    is_target: bool,
}

impl Call<'_, '_> {
    /// `[n/total] what` on stderr, as each call is made.
    fn say(&self, what: &str) {
        eprintln!(
            "[{}/{}] {}",
            self.n,
            self.run.total,
            crate::util::sanitize(what)
        );
    }

    fn record(&self, e: anyhow::Error) -> anyhow::Error {
        self.run.cache.record_failure(self.key, &self.asked, &e);
        e
    }

    /// The lifetime for a session or a federation token: `--duration` for the target, else
    /// `session_duration`.
    fn session_duration(&self) -> Duration {
        match (self.is_target, self.run.req.duration) {
            (true, Some(d)) => d,
            _ => self.run.settings.session_duration,
        }
    }

    fn code(&self, serial: Option<&str>, process: Option<&str>) -> Result<Option<String>> {
        let (req, settings) = (self.run.req, self.run.settings);
        serial
            .map(|s| {
                mfa::code(
                    s,
                    process,
                    req.mfa_code.as_deref(),
                    settings.mfa_timeout,
                    self.key,
                    !req.unattended,
                )
            })
            .transpose()
    }

    fn source(&self, profile: &str) -> Result<Credentials> {
        let run = self.run;
        self.say(&format!(
            "{} credentials for profile {profile}",
            provider_name(run.chain)
        ));
        let got = from_provider(&self.aws, run.ctx.env(), run.chain).map_err(|e| self.record(e))?;
        if got.session_token.is_some() {
            return Ok(got);
        }
        // Long-term keys from the provider: a session of them, as for stored keys.
        let serial = run.chain.base.mfa_serial.as_deref();
        let code = self.code(serial, run.chain.base.mfa_process.as_deref())?;
        self.aws
            .get_session_token(&got, self.session_duration(), serial.zip(code.as_deref()))
            .with_context(|| format!("could not start a session for profile `{profile}`"))
            .map_err(|e| self.record(e))
    }

    fn session(
        &self,
        signer: &Credentials,
        serial: Option<&str>,
        process: Option<&str>,
        profile: &str,
    ) -> Result<Credentials> {
        let code = self.code(serial, process)?;
        self.say(&match serial {
            Some(s) => s.to_string(),
            None => format!("session for profile {profile}"),
        });
        self.aws
            .get_session_token(signer, self.session_duration(), serial.zip(code.as_deref()))
            .with_context(|| format!("could not start a session for profile `{profile}`"))
            .map_err(|e| self.record(e))
    }

    fn role(&self, signer: &Credentials, hop: &RoleHop) -> Result<Credentials> {
        let code = self.code(hop.mfa_serial.as_deref(), hop.mfa_process.as_deref())?;
        self.say(&hop.role_arn);
        let duration = if self.is_target {
            self.run.req.duration
        } else {
            None
        };
        let mfa = hop.mfa_serial.as_deref().zip(code.as_deref());
        self.aws
            .assume_role(signer, hop, duration, mfa)
            .with_context(|| format!("could not assume {}", hop.role_arn))
            .map_err(|e| self.record(e))
    }

    fn federation(&self, signer: &Credentials, profile: &str) -> Result<Credentials> {
        let fed = self.run.chain.federation.as_ref().with_context(|| {
            format!("profile `{profile}` has a federation step but no federation_name")
        })?;
        self.say(&format!("federated user {}", fed.name));
        let duration = self
            .run
            .req
            .duration
            .unwrap_or(self.run.settings.session_duration);
        self.aws
            .get_federation_token(signer, fed, duration)
            .with_context(|| format!("could not get a federation token for profile `{profile}`"))
            .map_err(|e| self.record(e))
    }
}

/// A full disk, a quota or a read-only file system: the cache can't be written, but the
/// credentials can still be used.
fn storage_failed(err: &anyhow::Error) -> bool {
    use std::io::ErrorKind::*;
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(|io| {
            matches!(
                io.kind(),
                StorageFull | QuotaExceeded | ReadOnlyFilesystem | FileTooLarge
            )
        })
    })
}

fn warn_uncached(profile: &str, err: &anyhow::Error) {
    eprintln!(
        "aws-as: warning: the credentials of profile `{}` are used but could not be cached \
         ({}); the next switch will fetch them again",
        crate::util::sanitize(profile),
        aws::excerpt(&format!("{err:#}"), 300)
    );
}

/// The code for MFA device `serial`, when a call needs one, from the sources `mfa::code` tries.
fn provider_name(chain: &Chain) -> &'static str {
    match &chain.base.keys {
        BaseKeys::Provided { source, .. } => source.name(),
        _ => "base",
    }
}

/// The base's credentials from its aws-config provider. Temporary ones are used as they come,
/// once they pass the same check as an STS answer; long-term keys (a credential_process may
/// print an IAM user's keys) are never cached: the caller starts a session on them, with the
/// base's MFA device when it has one, and caches that.
fn from_provider(client: &Aws, env: &Env, chain: &Chain) -> Result<Credentials> {
    let profile = &chain.base.profile;
    let what = provider_name(chain);
    let got = match &chain.sso {
        Some(role) => sso::role_credentials(client, env, role),
        None => client.provided(chain),
    };
    let got = got.map_err(|e| {
        let sso = matches!(
            chain.base.keys,
            BaseKeys::Provided {
                source: crate::config::chain::Provider::Sso,
                ..
            }
        );
        let login = e
            .downcast_ref::<aws::ProviderFailure>()
            .is_some_and(|f| f.needs_login);
        let remedy = if let Some(role) = &chain.sso {
            if e.to_string().contains("aws sso login") {
                String::new()
            } else {
                format!(
                    "; if it has expired, run aws sso login --sso-session {}",
                    role.session
                )
            }
        } else if sso && login {
            format!("; run aws sso login --profile {profile}")
        } else {
            String::new()
        };
        anyhow!("could not get {what} credentials for profile `{profile}`: {e:#}{remedy}")
    })?;
    if got.session_token.is_none() {
        return Ok(got);
    }
    // Temporary credentials that name no expiry are trusted for the shortest lifetime STS grants,
    // then asked for again.
    let creds = Credentials {
        expiration: got
            .expiration
            .or_else(|| Some(crate::util::now_epoch() + 900)),
        ..got
    };
    creds.check(crate::util::now_epoch()).map_err(|why| {
        anyhow!(
            "the {what} credentials for profile `{profile}` are not usable: {why}; nothing was kept"
        )
    })?;
    Ok(creds)
}
