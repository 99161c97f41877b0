//! `aws-as rotate NAME`: CreateAccessKey, check that the new key works (GetCallerIdentity, with
//! retries while IAM makes it known), store it where the old one was, and only then
//! DeleteAccessKey on the old one. IAM is called through the MFA session when the profile has an
//! MFA device. Whatever fails, the user keeps a working key and is told which one is live.

use crate::cli::ObtainArgs;
use crate::config::credentials_file::{CredentialsFile, with_new_keys};
use crate::config::{BaseKeys, Chain, resolve};
use crate::context::Context;
use crate::credentials::aws::Aws;
use crate::credentials::{Credentials, base_keys, discovery, obtain};
use crate::keys;
use crate::util::sanitize;
use anyhow::{Result, anyhow, bail};
use std::time::{Duration, Instant};

/// Where the key being rotated lives.
enum Home {
    Store(keys::Backend),
    Plaintext,
}

impl Home {
    fn describe(&self) -> String {
        match self {
            Home::Store(backend) => format!("the {} key store", backend.name()),
            Home::Plaintext => "the credentials file".to_string(),
        }
    }
}

pub fn run(ctx: &Context, name: &str, args: &ObtainArgs) -> Result<()> {
    let req = super::request(args)?;
    let mut chain = resolve(ctx.profiles()?, name, ctx.env())
        .map_err(|e| anyhow!("could not rotate the keys of `{name}`: {e:#}"))?;
    let home = key_home(&chain, name)?;
    let old_id = chain.base.keys.access_key_id().to_string();
    // A plaintext key must be found where it will be replaced before anything is created.
    if let Home::Plaintext = home {
        let file = CredentialsFile::read(ctx.env())?;
        let probe = Credentials::keys(old_id.as_str(), "x");
        with_new_keys(&file.text, name, &old_id, &probe).map_err(|e| {
            anyhow!("could not rotate the keys of `{name}`: {e:#}; nothing was changed")
        })?;
    }
    discovery::settle(ctx, &mut chain, &req)?;
    let old = base_keys(ctx.env(), &chain.base)?;
    let aws = ctx.aws(&chain)?;
    let arn = aws.caller_arn(&old).map_err(|e| {
        anyhow!("could not rotate the keys of `{name}`: key {old_id} does not work: {e:#}")
    })?;
    let Some(user) = discovery::user_name(&arn).map(str::to_owned) else {
        bail!(
            "could not rotate the keys of `{name}`: they belong to {}, not to an IAM user",
            sanitize(&arn)
        );
    };
    // IAM takes an MFA session where the user's policy demands MFA; plain session credentials
    // (without MFA) may not call IAM at all, so without a device the long-term key signs.
    let session = match chain.base.mfa_serial {
        Some(_) => Some(obtain(ctx, &chain, &req)?),
        None => None,
    };
    Rotation {
        ctx,
        aws: &aws,
        name,
        user,
        arn,
        admin: session.as_ref().unwrap_or(&old),
        old_id,
        home,
    }
    .rotate()
}

/// One rotation, once the user, the old key and the credentials that may call IAM are known.
struct Rotation<'a> {
    ctx: &'a Context,
    aws: &'a Aws<'a>,
    /// The profile.
    name: &'a str,
    /// The IAM user the keys belong to, and its ARN.
    user: String,
    arn: String,
    /// What signs the IAM calls: the MFA session, or the old key itself.
    admin: &'a Credentials,
    old_id: String,
    home: Home,
}

impl Rotation<'_> {
    fn rotate(&self) -> Result<()> {
        let (name, old_id) = (self.name, &self.old_id);
        eprintln!(
            "[1/3] creating a new access key for IAM user {}",
            sanitize(&self.user)
        );
        let new = self.create()?;
        let new_id = &new.access_key_id;
        eprintln!("[2/3] checking that the new key {new_id} works");
        let budget = self.ctx.settings()?.key_verify_timeout;
        if let Err(why) = verify(self.aws, &new, &self.arn, budget) {
            return Err(self.abandon(&new, format!("the new key {new_id} did not work: {why}")));
        }
        if let Err(e) = self.store(&new) {
            return Err(self.abandon(&new, format!("could not store the new key: {e:#}")));
        }
        let place = self.home.describe();
        eprintln!("[3/3] deleting the old key {old_id}");
        let user = &self.user;
        self.aws
            .delete_access_key(self.admin, user, old_id)
            .map_err(|e| {
                anyhow!(
                    "the new key {new_id} is live and saved in {place}, but the old key {old_id} \
                     could not be deleted ({e:#}); delete it with aws iam delete-access-key \
                     --user-name {user} --access-key-id {old_id}"
                )
            })?;
        eprintln!(
            "aws-as: rotated the keys of `{name}`: {new_id} is live and saved in {place}; \
             {old_id} is deleted"
        );
        Ok(())
    }

    /// CreateAccessKey, with the remedy for IAM's two-key limit.
    fn create(&self) -> Result<Credentials> {
        let (name, user, old_id) = (self.name, &self.user, &self.old_id);
        self.aws.create_access_key(self.admin, user).map_err(|e| {
            let hint = match Aws::refusal_code(&e) {
                Some("LimitExceeded") => format!(
                    "; IAM user {user} already has two access keys, the most IAM allows. Delete \
                     the one not in use (aws iam list-access-keys --user-name {user}) and run \
                     rotate again"
                ),
                _ => String::new(),
            };
            anyhow!(
                "could not rotate the keys of `{name}`: {e:#}{hint}. Key {old_id} is still live \
                 and still in use"
            )
        })
    }

    /// Save the new key where the old one was.
    fn store(&self, new: &Credentials) -> Result<()> {
        let env = self.ctx.env();
        match &self.home {
            Home::Store(backend) => keys::put(env, self.name, new, *backend),
            Home::Plaintext => CredentialsFile::read(env).and_then(|file| {
                let text = with_new_keys(&file.text, self.name, &self.old_id, new)?;
                file.write(&text)
            }),
        }
    }

    /// Give up on the new key: delete it and say that the old one is still the live one.
    fn abandon(&self, new: &Credentials, why: String) -> anyhow::Error {
        let (name, user, old_id, new_id) =
            (self.name, &self.user, &self.old_id, &new.access_key_id);
        let fate = match self.aws.delete_access_key(self.admin, user, new_id) {
            Ok(()) => format!("the new key {new_id} was deleted again"),
            Err(e) => format!(
                "the new key {new_id} could not be deleted ({e:#}); delete it with aws iam \
                 delete-access-key --user-name {user} --access-key-id {new_id}"
            ),
        };
        anyhow!(
            "could not rotate the keys of `{name}`: {why}; {fate}. Key {old_id} is still live \
             and still in use"
        )
    }
}

/// Rotation needs the profile to hold long-term keys itself.
fn key_home(chain: &Chain, name: &str) -> Result<Home> {
    if !chain.hops.is_empty() || chain.federation.is_some() || chain.base.profile != name {
        bail!(
            "could not rotate the keys of `{name}`: it uses the keys of profile `{}`; rotate \
             that one: aws-as rotate {}",
            chain.base.profile,
            chain.base.profile
        );
    }
    match &chain.base.keys {
        BaseKeys::Stored { backend, .. } => Ok(Home::Store(*backend)),
        BaseKeys::Static(keys) if keys.session_token.is_none() => Ok(Home::Plaintext),
        _ => bail!("could not rotate the keys of `{name}`: it holds no long-term access key"),
    }
}

/// GetCallerIdentity with the new key until it answers as the same user. A brand-new key takes
/// IAM a few seconds to accept everywhere, so refusals of the key itself are retried until
/// `budget` is spent; any other answer ends it at once.
fn verify(aws: &Aws, new: &Credentials, arn: &str, budget: Duration) -> Result<()> {
    let start = Instant::now();
    loop {
        match aws.caller_arn(new) {
            Ok(got) if got == arn => return Ok(()),
            Ok(got) => bail!("it belongs to {}, not to {}", sanitize(&got), sanitize(arn)),
            Err(e) => {
                let retry = matches!(
                    Aws::refusal_code(&e),
                    Some("InvalidClientTokenId" | "SignatureDoesNotMatch" | "AuthFailure")
                );
                if !retry || start.elapsed() + Duration::from_secs(1) > budget {
                    return Err(e);
                }
                std::thread::sleep(Duration::from_secs(1));
            }
        }
    }
}
