//! `aws-as` with no arguments, or `aws-as status [--verify] [--json]`: the active identity, its
//! ARN, its account and the time left.

use crate::config::Chain;
use crate::context::Context;
use crate::credentials::{Credentials, cached};
use crate::env::EnvVars;
use crate::util::{human_left, now_epoch, print_stdout, sanitize};
use anyhow::{Context as _, Result, bail};

pub fn run(ctx: &Context, verify: bool, json: bool) -> Result<()> {
    let env = ctx.env();
    let Some(identity) = env.identity().map(str::to_owned) else {
        if verify {
            bail!("no identity is active, so there is nothing to verify; run aws-as NAME first");
        }
        return print_stdout(if json { "{\"identity\":null}\n" } else { "-\n" });
    };
    let expiration = env.expiration();
    let (arn, verified) = if verify {
        (Some(verified_arn(ctx, &identity)?), true)
    } else {
        (arn_of(ctx, &identity), false)
    };
    let account = arn.as_deref().and_then(account_of);
    let left = expiration.map(|e| e.saturating_sub(now_epoch()));
    let region = env.current_region();
    if json {
        let v = serde_json::json!({
            "identity": identity,
            "arn": arn,
            "account": account,
            "region": region,
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
    if let Some(region) = region {
        out.push_str(&format!("region    {}\n", sanitize(region)));
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

/// The identity's chain, resolved as the switch did, with nothing from the environment's
/// credentials taking part (run by the shell function, the credential variables are the
/// pre-activation ones; run directly, or by `exec`'s command, they are the identity's own).
fn chain_of(ctx: &Context, identity: &str) -> Result<Chain> {
    crate::catalog::resolve(ctx, identity, &ctx.env().without_identity(), false)
}

/// The cached credentials of the identity, however close to expiry.
fn cached_creds(ctx: &Context, chain: &Chain) -> Option<Credentials> {
    cached(ctx, chain, 0).ok()?
}

/// The ARN recorded in the cache for the credentials that are in the environment now, if the
/// cache still holds them. Never calls the network.
fn arn_of(ctx: &Context, identity: &str) -> Option<String> {
    let creds = cached_creds(ctx, &chain_of(ctx, identity).ok()?)?;
    let env = ctx.env();
    let key_id = env.get(EnvVars::AWS_ACCESS_KEY_ID).unwrap_or_default();
    (env.pristine() || creds.access_key_id == key_id)
        .then_some(creds.arn)
        .flatten()
}

/// GetCallerIdentity with the identity's credentials: those in the environment, or, for the
/// shell function, the cached ones that it switched to.
fn verified_arn(ctx: &Context, identity: &str) -> Result<String> {
    let env = ctx.env();
    let chain = chain_of(ctx, identity)
        .with_context(|| format!("could not verify `{identity}`: its profile does not resolve"))?;
    let creds = if env.pristine() {
        cached_creds(ctx, &chain).with_context(|| {
            format!(
                "could not verify `{identity}`: its credentials are no longer in the cache; \
                 run aws-as {identity} to switch again"
            )
        })?
    } else {
        let var = |n: &str| env.get(n).map(str::to_owned);
        match (
            var(EnvVars::AWS_ACCESS_KEY_ID),
            var(EnvVars::AWS_SECRET_ACCESS_KEY),
        ) {
            (Some(access_key_id), Some(secret_access_key)) => Credentials {
                session_token: var(EnvVars::AWS_SESSION_TOKEN),
                ..Credentials::keys(access_key_id, secret_access_key)
            },
            _ => bail!(
                "could not verify `{identity}`: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are \
                 not both set in this environment"
            ),
        }
    };
    ctx.aws(&chain)?
        .caller_arn(&creds)
        .with_context(|| format!("could not verify `{identity}`"))
}
