//! `aws-as` with no arguments, or `aws-as status`: the active identity, its ARN and time left.

use crate::config::{Ambient, Profiles, Settings, resolve};
use crate::credentials::{cache::Cache, cached};
use crate::util::{human_left, now_epoch, print_stdout, sanitize};
use anyhow::Result;

pub fn run(_verify: bool, _json: bool) -> Result<()> {
    let Some(identity) = std::env::var("AWS_AS_IDENTITY")
        .ok()
        .filter(|v| !v.is_empty())
    else {
        return print_stdout("-\n");
    };
    let expiration: Option<i64> = std::env::var("AWS_AS_EXPIRATION")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut out = format!("identity  {}\n", sanitize(&identity));
    if let Some(arn) = arn_of(&identity) {
        out.push_str(&format!("arn       {}\n", sanitize(&arn)));
    }
    if let Some(exp) = expiration {
        let left = exp - now_epoch();
        let left = if left > 0 {
            format!("{} left", human_left(left))
        } else {
            "expired".into()
        };
        out.push_str(&format!("expires   {} ({left})\n", super::iso8601(exp)));
    }
    print_stdout(&out)
}

/// The ARN recorded in the cache for the credentials that are in the environment now, if the
/// cache still holds them. Never calls the network.
fn arn_of(identity: &str) -> Option<String> {
    let key_id = std::env::var("AWS_ACCESS_KEY_ID").unwrap_or_default();
    let profiles = Profiles::load().ok()?;
    let mut ambient = Ambient::from_env();
    ambient.active_identity = None;
    let chain = resolve(&profiles, identity, &ambient).ok()?;
    let mut lenient = Settings::load().ok()?;
    lenient.refresh_margin = std::time::Duration::ZERO;
    let creds = cached(&chain, &Cache::from_env().ok()?, &lenient)?;
    // Run by the shell function, the credential variables are the pre-activation ones (see
    // __aws_as_pristine), so only a direct run can check that the cache holds these very keys.
    let pristine = std::env::var_os("_AWS_AS_PRISTINE").is_some();
    (pristine || creds.access_key_id == key_id)
        .then_some(creds.arn)
        .flatten()
}
