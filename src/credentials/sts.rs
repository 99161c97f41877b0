//! The STS and IAM calls. The async runtime and the SDK are set up here and only here, and only
//! when a call is actually needed: a switch served from the cache never gets this far.

use super::Credentials;
use crate::config::{Ambient, Chain, Settings};
use anyhow::{Context, Result, anyhow};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_sts::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use std::time::Duration;

/// The credentials a call is signed with.
pub struct Signer<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub session_token: Option<&'a str>,
}

impl Signer<'_> {
    /// The SDK's credentials type, which the STS and IAM clients share.
    fn credentials(&self) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            self.access_key_id,
            self.secret_access_key,
            self.session_token.map(str::to_owned),
            None,
            "aws-as",
        )
    }
}

pub struct Sts {
    rt: tokio::runtime::Runtime,
    config: SdkConfig,
}

/// The region STS is called in: the chain's own, else the user's environment, else us-east-1.
/// It only picks the endpoint; the credentials work everywhere.
fn sts_region(chain: &Chain, ambient: &Ambient) -> String {
    chain
        .region
        .clone()
        .or_else(|| ambient.region.clone())
        .unwrap_or_else(|| "us-east-1".to_string())
}

impl Sts {
    pub fn new(chain: &Chain, ambient: &Ambient, settings: &Settings) -> Result<Sts> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("could not start the async runtime")?;
        let total = settings.sts_timeout;
        // Two attempts, each given half the budget, so a hung endpoint costs sts_timeout at most.
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(total.min(Duration::from_secs(3)))
            .read_timeout(total / 2)
            .operation_attempt_timeout(total / 2)
            .operation_timeout(total)
            .build();
        // The endpoint comes from AWS_ENDPOINT_URL(_STS) and the target profile's endpoint_url,
        // resolved by the SDK itself. The region and credentials are explicit, so nothing left in
        // the environment (and no instance metadata probe) takes part.
        // The SDK reads the same files as aws-as, set aside as aws-as reads them, so that a header
        // aws-config cannot parse does not make it drop the profile's endpoint_url in silence.
        let loader = aws_config::defaults(BehaviorVersion::latest())
            .profile_files(crate::config::profiles::sdk_files()?)
            .profile_name(&chain.name)
            .region(Region::new(sts_region(chain, ambient)))
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                "unused", "unused", None, None, "aws-as",
            ))
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(2));
        let config = rt.block_on(loader.load());
        Ok(Sts { rt, config })
    }

    fn client(&self, signer: &Signer) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::config::Builder::from(&self.config)
            .credentials_provider(signer.credentials())
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    fn iam(&self, signer: &Signer) -> aws_sdk_iam::Client {
        let conf = aws_sdk_iam::config::Builder::from(&self.config)
            .credentials_provider(signer.credentials())
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    /// GetCallerIdentity: the ARN the keys belong to. It needs no permission.
    pub fn caller_arn(&self, signer: &Signer) -> Result<String> {
        let out = self
            .rt
            .block_on(self.client(signer).get_caller_identity().send())
            .map_err(|e| describe(e, "STS"))?;
        out.arn()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("STS returned no ARN for the caller"))
    }

    /// The first MFA device of IAM user `user`, `None` when there is none, and also `None` (with
    /// a note on stderr) when the keys may not list them.
    pub fn first_mfa_device(&self, signer: &Signer, user: &str) -> Result<Option<String>> {
        let req = self.iam(signer).list_mfa_devices().user_name(user);
        match self.rt.block_on(req.send()) {
            Ok(out) => Ok(out
                .mfa_devices()
                .first()
                .map(|d| d.serial_number().to_string())),
            Err(SdkError::ServiceError(se))
                if matches!(
                    se.err().code(),
                    Some("AccessDenied" | "AccessDeniedException" | "NoSuchEntity")
                ) =>
            {
                eprintln!(
                    "[mfa] could not list the MFA devices of IAM user {} ({}); going on without \
                     MFA (set mfa_serial in the profile to use one)",
                    crate::util::sanitize(user),
                    se.err().code().unwrap_or_default()
                );
                Ok(None)
            }
            Err(e) => Err(describe(e, "IAM")),
        }
    }

    pub fn create_access_key(&self, signer: &Signer, user: &str) -> Result<crate::keys::Key> {
        let req = self.iam(signer).create_access_key().user_name(user);
        let out = self
            .rt
            .block_on(req.send())
            .map_err(|e| describe(e, "IAM"))?;
        let key = out
            .access_key()
            .ok_or_else(|| anyhow!("IAM returned no access key"))?;
        Ok(crate::keys::Key {
            aws_access_key_id: key.access_key_id().to_string(),
            aws_secret_access_key: key.secret_access_key().to_string(),
        })
    }

    pub fn delete_access_key(
        &self,
        signer: &Signer,
        user: &str,
        access_key_id: &str,
    ) -> Result<()> {
        let req = self
            .iam(signer)
            .delete_access_key()
            .user_name(user)
            .access_key_id(access_key_id);
        self.rt
            .block_on(req.send())
            .map_err(|e| describe(e, "IAM"))?;
        Ok(())
    }

    /// STS's error code when a call is refused, for callers that tell refusals apart.
    pub fn refusal_code(err: &anyhow::Error) -> Option<&str> {
        err.downcast_ref::<Refused>().map(|r| r.code.as_str())
    }

    pub fn get_federation_token(
        &self,
        signer: &Signer,
        fed: &crate::config::chain::Federation,
        duration: Duration,
    ) -> Result<Credentials> {
        let client = self.client(signer);
        let mut req = client
            .get_federation_token()
            .name(&fed.name)
            .duration_seconds(clamp_secs(duration))
            .set_policy(fed.policy.clone());
        for arn in &fed.policy_arns {
            req = req.policy_arns(
                aws_sdk_sts::types::PolicyDescriptorType::builder()
                    .arn(arn)
                    .build(),
            );
        }
        let out = self
            .rt
            .block_on(req.send())
            .map_err(|e| describe(e, "STS"))?;
        let arn = out.federated_user().map(|u| u.arn().to_string());
        convert(out.credentials(), arn)
    }

    pub fn get_session_token(
        &self,
        signer: &Signer,
        duration: Duration,
        mfa: Option<(&str, &str)>,
    ) -> Result<Credentials> {
        let client = self.client(signer);
        let mut req = client
            .get_session_token()
            .duration_seconds(clamp_secs(duration));
        if let Some((serial, code)) = mfa {
            req = req.serial_number(serial).token_code(code);
        }
        let out = self
            .rt
            .block_on(req.send())
            .map_err(|e| describe(e, "STS"))?;
        convert(out.credentials(), None)
    }

    pub fn assume_role(
        &self,
        signer: &Signer,
        hop: &crate::config::RoleHop,
        duration: Option<Duration>,
        mfa: Option<(&str, &str)>,
    ) -> Result<Credentials> {
        let client = self.client(signer);
        let session_name = hop
            .role_session_name
            .clone()
            .unwrap_or_else(|| format!("aws-as-{}", crate::util::now_epoch()));
        let mut req = client
            .assume_role()
            .role_arn(&hop.role_arn)
            .role_session_name(session_name)
            .set_external_id(hop.external_id.clone())
            .set_source_identity(hop.source_identity.clone());
        if let Some(d) = duration {
            req = req.duration_seconds(clamp_secs(d));
        } else if let Some(secs) = hop.duration_seconds {
            req = req.duration_seconds(secs);
        }
        if let Some((serial, code)) = mfa {
            req = req.serial_number(serial).token_code(code);
        }
        let out = self
            .rt
            .block_on(req.send())
            .map_err(|e| describe(e, "STS"))?;
        let arn = out.assumed_role_user().map(|u| u.arn().to_string());
        convert(out.credentials(), arn)
    }
}

/// Credentials from one of aws-config's providers, as they came.
pub struct Provided {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
    /// Unix epoch seconds; none for keys that do not expire.
    pub expiration: Option<i64>,
}

impl Sts {
    /// The base profile's credentials from aws-config's own provider for it: SSO (with the token
    /// that `aws sso login` cached), `credential_process`, or AssumeRoleWithWebIdentity. aws-config
    /// reads the same files as aws-as, and the same endpoint variables.
    pub fn provided(&self, chain: &Chain, settings: &Settings) -> Result<Provided> {
        use aws_credential_types::provider::ProvideCredentials;
        let total = settings.sts_timeout;
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(total.min(Duration::from_secs(3)))
            .operation_timeout(total)
            .build();
        let provider_config = aws_config::provider_config::ProviderConfig::default()
            .with_behavior_version(Some(BehaviorVersion::latest()))
            .with_region(self.config.region().cloned())
            .with_timeout_config(timeouts);
        let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .profile_files(crate::config::profiles::sdk_files()?)
            .profile_name(&chain.base.profile)
            .configure(&provider_config)
            .build();
        let creds = self
            .rt
            .block_on(provider.provide_credentials())
            .map_err(|e| anyhow!("{}", DisplayErrorContext(&e)))?;
        Ok(Provided {
            access_key_id: creds.access_key_id().to_string(),
            secret_access_key: creds.secret_access_key().to_string(),
            session_token: creds.session_token().map(str::to_owned),
            expiration: creds.expiry().map(|t| {
                t.duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs() as i64)
                    .unwrap_or(0)
            }),
        })
    }
}

fn clamp_secs(d: Duration) -> i32 {
    d.as_secs().min(i32::MAX as u64) as i32
}

/// The credentials an STS answer carries; an answer without them is an error.
fn convert(
    c: Option<&aws_sdk_sts::types::Credentials>,
    arn: Option<String>,
) -> Result<Credentials> {
    let c = c.ok_or_else(|| anyhow!("STS returned no credentials"))?;
    Ok(Credentials {
        access_key_id: c.access_key_id().to_string(),
        secret_access_key: c.secret_access_key().to_string(),
        session_token: c.session_token().to_string(),
        expiration: c.expiration().secs(),
        arn,
    })
}

/// A service's refusal, kept as a type so that callers can tell codes apart.
#[derive(Debug)]
pub struct Refused {
    pub service: &'static str,
    pub code: String,
    pub message: Option<String>,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.message {
            Some(m) => write!(f, "{} refused: {}: {m}", self.service, self.code),
            None => write!(f, "{} refused: {}", self.service, self.code),
        }
    }
}

impl std::error::Error for Refused {}

/// One line that says what went wrong, in the service's own words where it gave some.
fn describe<E, R>(err: SdkError<E, R>, service: &'static str) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            match e.code() {
                Some(code) => Refused {
                    service,
                    code: code.to_string(),
                    message: e.message().map(str::to_owned),
                }
                .into(),
                None => anyhow!("{service} refused: {}", DisplayErrorContext(&err)),
            }
        }
        SdkError::TimeoutError(_) => {
            anyhow!("{service} did not answer in time; check the network or raise sts_timeout")
        }
        SdkError::DispatchFailure(df) if df.is_timeout() => {
            anyhow!("{service} did not answer in time; check the network or raise sts_timeout")
        }
        SdkError::DispatchFailure(_) => {
            anyhow!("could not reach {service}: {}", DisplayErrorContext(&err))
        }
        _ => anyhow!("{}", DisplayErrorContext(&err)),
    }
}
