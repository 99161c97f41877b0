//! `aws-as import [NAME] [--remove-plaintext]`: move long-term keys from the shared credentials
//! file into the key store. The plaintext keys are deleted from the file only when asked (the
//! flag, or a yes at the terminal), only after each stored key has been read back, and by
//! rewriting just their two lines.

use crate::config::Profiles;
use crate::config::chain::valid_profile_name;
use crate::config::credentials_file::{CredentialsFile, without_keys};
use crate::context::Context;
use crate::credentials::Credentials;
use crate::keys::{self, Backend, IndexEntry};
use crate::util::sanitize;
use anyhow::{Context as _, Result, bail};

pub fn run(ctx: &Context, only: Option<&str>, remove_plaintext: bool) -> Result<()> {
    let env = ctx.env();
    let backend = Backend::configured(ctx.settings()?.keys_backend, env)?;
    let file = CredentialsFile::read(env)?;
    // The file as the SDKs read it, so that aws-as imports exactly the keys they would use.
    let parsed = Profiles::from_strings("", &file.text)?;
    let mut found: Vec<(String, Credentials)> = Vec::new();
    for name in parsed.names() {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let profile = parsed.get(&name).expect("listed");
        let (Some(id), Some(secret)) = (
            profile.get("aws_access_key_id"),
            profile.get("aws_secret_access_key"),
        ) else {
            continue;
        };
        if profile.get("aws_session_token").is_some() {
            eprintln!(
                "aws-as: skipped `{}`: its keys are temporary (aws_session_token)",
                sanitize(&name)
            );
            continue;
        }
        if !valid_profile_name(&name) {
            eprintln!(
                "aws-as: skipped `{}`: not a profile name the AWS SDKs accept",
                sanitize(&name)
            );
            continue;
        }
        found.push((name.clone(), Credentials::keys(id.trim(), secret.trim())));
    }
    if found.is_empty() {
        match only {
            Some(n) => bail!(
                "{} has no long-term keys for profile `{n}`",
                file.path.display()
            ),
            None => bail!("{} has no long-term keys to import", file.path.display()),
        }
    }
    for (name, key) in &found {
        key.check_long_term()
            .with_context(|| format!("could not import profile `{name}`"))?;
        keys::put(env, name, key, backend)
            .with_context(|| format!("could not import profile `{name}`"))?;
        eprintln!(
            "aws-as: imported access key {} of profile `{name}` into the {} key store",
            key.access_key_id,
            backend.name()
        );
    }

    let remove = remove_plaintext
        || (crate::tty::available()
            && crate::tty::confirm(&format!(
                "Delete the plaintext keys of {} profile(s) from {}? [y/N] ",
                found.len(),
                file.path.display()
            ))
            .unwrap_or(false));
    if !remove {
        eprintln!(
            "aws-as: the plaintext keys are still in {}; aws-as uses the stored ones. \
             aws-as import --remove-plaintext deletes them from the file",
            file.path.display()
        );
        return Ok(());
    }
    // Read each key back from the store before its plaintext copy goes.
    for (name, key) in &found {
        let entry = IndexEntry {
            backend,
            access_key_id: key.access_key_id.clone(),
        };
        let back = keys::fetch(env, name, &entry)
            .with_context(|| format!("kept the plaintext keys: could not read `{name}` back"))?;
        if back != *key {
            bail!("kept the plaintext keys: the store gave back other keys for `{name}`");
        }
    }
    let mut text = file.text.clone();
    for (name, _) in &found {
        text = without_keys(&text, name).0;
    }
    file.write(&text)?;
    eprintln!(
        "aws-as: deleted the plaintext keys of {} profile(s) from {}",
        found.len(),
        file.path.display()
    );
    Ok(())
}
