//! `aws-as add NAME [--from-env]`: store a profile's long-term keys in the key store.

use crate::config::chain::valid_profile_name;
use crate::context::Context;
use crate::credentials::Credentials;
use crate::env::{Env, EnvVars};
use crate::keys::{self, Backend};
use crate::util::sanitize;
use anyhow::{Context as _, Result, bail};

pub fn run(ctx: &Context, name: &str, from_env: bool) -> Result<()> {
    if !valid_profile_name(name) {
        bail!(
            "`{}` is not a valid profile name: the AWS SDKs only accept letters, digits and _-/.%@:+",
            sanitize(name)
        );
    }
    let backend = Backend::configured(ctx.settings()?.keys_backend, ctx.env())?;
    let key = if from_env {
        from_environment(ctx.env())?
    } else {
        ask()?
    };
    key.check_long_term()?;
    keys::put(ctx.env(), name, &key, backend)
        .with_context(|| format!("could not store the keys of profile `{name}`"))?;
    eprintln!(
        "aws-as: stored access key {} for profile `{name}` in the {} key store",
        key.access_key_id,
        backend.name()
    );
    let plaintext = ctx.profiles().ok().and_then(|p| {
        p.get(name)
            .and_then(|p| p.get("aws_access_key_id").map(str::to_owned))
    });
    if plaintext.is_some() {
        eprintln!(
            "aws-as: the credentials file still has plaintext keys for `{name}`; aws-as uses the \
             stored ones. Delete the plaintext ones from the file when no other tool needs them"
        );
    }
    Ok(())
}

fn from_environment(env: &Env) -> Result<Credentials> {
    let var = |n: &str| env.get(n).map(str::to_owned);
    if var(EnvVars::AWS_AS_IDENTITY).is_some() || var(EnvVars::AWS_SESSION_TOKEN).is_some() {
        bail!(
            "the environment holds temporary credentials (AWS_SESSION_TOKEN is set); --from-env \
             stores long-term keys only"
        );
    }
    match (
        var(EnvVars::AWS_ACCESS_KEY_ID),
        var(EnvVars::AWS_SECRET_ACCESS_KEY),
    ) {
        (Some(id), Some(secret)) => Ok(Credentials::keys(id, secret)),
        _ => bail!("--from-env needs both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY set"),
    }
}

fn ask() -> Result<Credentials> {
    let no_terminal = "there is no terminal to ask for the keys on; set AWS_ACCESS_KEY_ID and \
         AWS_SECRET_ACCESS_KEY and use --from-env";
    let id = crate::tty::ask("Access key ID: ").context(no_terminal)?;
    let secret = crate::tty::ask_hidden("Secret access key: ").context(no_terminal)?;
    Ok(Credentials::keys(id.trim(), secret.trim()))
}
