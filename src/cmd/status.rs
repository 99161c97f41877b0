//! `aws-as` with no arguments, or `aws-as status [--verify] [--json]`: the active identity, its
//! ARN, its account and the time left.

use crate::config::{Ambient, Chain, Profiles, Settings, resolve};
use crate::credentials::{Credentials, cache::Cache, cached, sts::Sts};
use crate::util::{human_left, now_epoch, print_stdout, sanitize};
use anyhow::{Context, Result, bail};

pub fn run(verify: bool, json: bool) -> Result<()> {
    let identity = std::env::var("AWS_AS_IDENTITY")
        .ok()
        .filter(|v| !v.is_empty());
    let Some(identity) = identity else {
        if verify {
            bail!("no identity is active, so there is nothing to verify; run aws-as NAME first");
        }
        return print_stdout(if json { "{\"identity\":null}\n" } else { "-\n" });
    };
    // An expiry the variable can't hold for real (a hand-set one, years off) is no expiry.
    let expiration: Option<i64> = std::env::var("AWS_AS_EXPIRATION")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|e: &i64| crate::util::iso8601(*e).is_some());
    let (arn, verified) = if verify {
        (Some(verified_arn(&identity)?), true)
    } else {
        (arn_of(&identity), false)
    };
    let account = arn.as_deref().and_then(account_of);
    let left = expiration.map(|e| e.saturating_sub(now_epoch()));
    if json {
        let v = serde_json::json!({
            "identity": identity,
            "arn": arn,
            "account": account,
            "expiration": expiration.and_then(crate::util::iso8601),
            "expiration_epoch": expiration,
            "seconds_left": left.map(|l| l.max(0)),
            "expired": left.is_some_and(|l| l <= 0),
            "verified": verified,
        });
        return print_stdout(&format!("{v}\n"));
    }
    let mut out = format!("identity  {}\n", sanitize(&identity));
    if let Some(arn) = &arn {
        let how = if verified { "  (verified by STS)" } else { "" };
        out.push_str(&format!("arn       {}{how}\n", sanitize(arn)));
    }
    if let Some(account) = &account {
        out.push_str(&format!("account   {}\n", sanitize(account)));
    }
    if let (Some(exp), Some(left)) = (expiration, left) {
        let left = if left > 0 {
            format!("{} left", human_left(left))
        } else {
            "expired".into()
        };
        let at = crate::util::iso8601(exp).unwrap_or_default();
        out.push_str(&format!("expires   {at} ({left})\n"));
    }
    print_stdout(&out)
}

/// The account is the ARN's fifth field: `arn:aws:sts::123456789012:assumed-role/...`.
fn account_of(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (!account.is_empty()).then(|| account.to_string())
}

/// Run by the shell function, the credential variables are the pre-activation ones (see
/// __aws_as_pristine); only a direct run, or a process started by `aws-as exec`, has the
/// identity's own credentials in its environment.
fn pristine() -> bool {
    std::env::var_os("_AWS_AS_PRISTINE").is_some()
}

/// The identity's chain, resolved as the switch did, with nothing from the environment's
/// credentials taking part.
fn chain_of(identity: &str) -> Result<Chain> {
    let profiles = Profiles::load()?;
    let mut ambient = Ambient::from_env();
    ambient.active_identity = None;
    resolve(&profiles, identity, &ambient)
}

/// The cached credentials of the identity, however close to expiry.
fn cached_creds(chain: &Chain) -> Option<Credentials> {
    let mut lenient = Settings::load().ok()?;
    lenient.refresh_margin = std::time::Duration::ZERO;
    cached(chain, &Cache::from_env().ok()?, &lenient).ok()?
}

/// The ARN recorded in the cache for the credentials that are in the environment now, if the
/// cache still holds them. Never calls the network.
fn arn_of(identity: &str) -> Option<String> {
    let creds = cached_creds(&chain_of(identity).ok()?)?;
    let key_id = std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_default();
    (pristine() || creds.access_key_id == key_id)
        .then_some(creds.arn)
        .flatten()
}

/// GetCallerIdentity with the identity's credentials: those in the environment, or, for the
/// shell function, the cached ones that it switched to.
fn verified_arn(identity: &str) -> Result<String> {
    let settings = Settings::load()?;
    let chain = chain_of(identity)
        .with_context(|| format!("could not verify `{identity}`: its profile does not resolve"))?;
    let creds = if pristine() {
        cached_creds(&chain).with_context(|| {
            format!(
                "could not verify `{identity}`: its credentials are no longer in the cache; \
                 run aws-as {identity} to switch again"
            )
        })?
    } else {
        let var = |n: &str| std::env::var(n).ok().filter(|v| !v.is_empty());
        match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
            (Some(access_key_id), Some(secret_access_key)) => Credentials {
                access_key_id,
                secret_access_key,
                session_token: var("AWS_SESSION_TOKEN").unwrap_or_default(),
                expiration: 0,
                arn: None,
            },
            _ => bail!(
                "could not verify `{identity}`: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are \
                 not both set in this environment"
            ),
        }
    };
    let sts = Sts::new(&chain, &Ambient::from_env(), &settings)?;
    sts.caller_arn(&creds.signer())
        .with_context(|| format!("could not verify `{identity}`"))
}
