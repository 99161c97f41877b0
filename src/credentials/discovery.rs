//! MFA device discovery, as aws-token-manager does it: a profile with long-term keys and no
//! `mfa_serial` asks IAM once which device the calling user has (GetCallerIdentity for the user
//! name, then ListMFADevices), and the answer is remembered in the cache beside the credentials.
//! A device found is used like a configured `mfa_serial`; none found, or no permission to look,
//! means no MFA. `mfa_serial = none` in the profile turns the lookup off, and `--refresh` or
//! `aws-as cache clear` makes it ask again.

use super::aws::{Aws, excerpt};
use super::cache::{Cache, MfaNote};
use super::{Credentials, Request, base_keys};
use crate::config::Chain;
use crate::config::chain::digest;
use crate::context::Context;
use crate::util::sanitize;
use anyhow::Result;

fn note_key(chain: &Chain) -> String {
    digest(&[
        "mfa-discovery",
        chain.base.keys.access_key_id(),
        &chain.endpoint,
    ])
}

fn apply(chain: &mut Chain, note: MfaNote) {
    chain.base.discover_mfa = false;
    chain.base.mfa_serial = note.serial;
}

/// Use a remembered answer, if there is one. Never touches the network. True when the chain
/// needs no lookup any more.
pub fn apply_cached(chain: &mut Chain, cache: &Cache) -> Result<bool> {
    if !chain.base.discover_mfa {
        return Ok(true);
    }
    Ok(match cache.read_mfa_note(&note_key(chain))? {
        Some(note) => {
            apply(chain, note);
            true
        }
        None => false,
    })
}

/// Settle the chain's MFA device: from the cache, or by asking IAM under the note's lock.
pub fn settle(ctx: &Context, chain: &mut Chain, req: &Request) -> Result<()> {
    let cache = ctx.cache()?;
    if !chain.base.discover_mfa || (!req.refresh && apply_cached(chain, cache)?) {
        return Ok(());
    }
    let key = note_key(chain);
    let what = format!(
        "the MFA device of profile `{}`",
        sanitize(&chain.base.profile)
    );
    let _lock = cache.lock(&key, ctx.settings()?.lock_timeout, &what)?;
    // Another aws-as may have looked while this one waited for the lock.
    if !req.refresh && apply_cached(chain, cache)? {
        return Ok(());
    }
    let profile = chain.base.profile.clone();
    let keys = base_keys(ctx.env(), &chain.base)?;
    // The lookup is aws-as's own addition to what the SDKs do: when IAM can't be asked (an STS
    // endpoint of its own with no route to IAM, a FIPS endpoint, no network), the switch goes
    // on without MFA, as the SDKs' would, and the question is asked again an hour later.
    let note = look_up(&ctx.aws(chain)?, chain, &keys).unwrap_or_else(|e| {
        eprintln!(
            "[mfa] could not look up the MFA device of profile `{}` ({}); going on without MFA, \
             and looking again in an hour (set mfa_serial in the profile, or mfa_serial = none, \
             to skip the lookup)",
            sanitize(&profile),
            excerpt(&format!("{e:#}"), 200)
        );
        MfaNote {
            profile: profile.clone(),
            serial: None,
            unanswered_until: Some(crate::util::now_epoch() + 3600),
        }
    });
    match (&note.serial, note.unanswered_until) {
        (Some(serial), _) => eprintln!(
            "[mfa] profile `{}` has no mfa_serial; using MFA device {} (found with ListMFADevices)",
            sanitize(&profile),
            sanitize(serial)
        ),
        (None, None) => eprintln!(
            "[mfa] profile `{}` has no mfa_serial and its IAM user has no MFA device; going on \
             without MFA",
            sanitize(&profile)
        ),
        (None, Some(_)) => {}
    }
    cache.write_mfa_note(&key, &note)?;
    apply(chain, note);
    Ok(())
}

fn look_up(client: &Aws, chain: &Chain, keys: &Credentials) -> Result<MfaNote> {
    let arn = client.caller_arn(keys)?;
    let serial = match user_name(&arn) {
        Some(user) => client.first_mfa_device(keys, user)?,
        // Root or anything but an IAM user: there is no user to list devices for.
        None => None,
    };
    Ok(MfaNote {
        profile: chain.base.profile.clone(),
        serial,
        unanswered_until: None,
    })
}

/// `arn:aws:iam::123456789012:user/path/alice` → `alice`.
pub fn user_name(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let path = resource.strip_prefix("user/")?;
    path.rsplit('/').next().filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names() {
        assert_eq!(
            user_name("arn:aws:iam::123456789012:user/alice"),
            Some("alice")
        );
        assert_eq!(
            user_name("arn:aws:iam::123456789012:user/dev/ops/bob"),
            Some("bob")
        );
        assert_eq!(user_name("arn:aws:iam::123456789012:root"), None);
        assert_eq!(
            user_name("arn:aws:sts::123456789012:assumed-role/r/s"),
            None
        );
    }
}
