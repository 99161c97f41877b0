//! The STS calls. The async runtime and the SDK are set up here and only here, and only when a
//! call is actually needed: a switch served from the cache never gets this far.

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
        let creds = aws_sdk_sts::config::Credentials::new(
            signer.access_key_id,
            signer.secret_access_key,
            signer.session_token.map(str::to_owned),
            None,
            "aws-as",
        );
        let conf = aws_sdk_sts::config::Builder::from(&self.config)
            .credentials_provider(creds)
            .build();
        aws_sdk_sts::Client::from_conf(conf)
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
        let out = self.rt.block_on(req.send()).map_err(describe)?;
        let c = out
            .credentials()
            .ok_or_else(|| anyhow!("STS returned no credentials"))?;
        Ok(convert(c, None))
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
        let out = self.rt.block_on(req.send()).map_err(describe)?;
        let c = out
            .credentials()
            .ok_or_else(|| anyhow!("STS returned no credentials"))?;
        let arn = out.assumed_role_user().map(|u| u.arn().to_string());
        Ok(convert(c, arn))
    }
}

fn clamp_secs(d: Duration) -> i32 {
    d.as_secs().min(i32::MAX as u64) as i32
}

fn convert(c: &aws_sdk_sts::types::Credentials, arn: Option<String>) -> Credentials {
    Credentials {
        access_key_id: c.access_key_id().to_string(),
        secret_access_key: c.secret_access_key().to_string(),
        session_token: c.session_token().to_string(),
        expiration: c.expiration().secs(),
        arn,
    }
}

/// One line that says what went wrong, in STS's own words where it gave some.
fn describe<E, R>(err: SdkError<E, R>) -> anyhow::Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match &err {
        SdkError::ServiceError(se) => {
            let e = se.err();
            match (e.code(), e.message()) {
                (Some(code), Some(msg)) => anyhow!("STS refused: {code}: {msg}"),
                (Some(code), None) => anyhow!("STS refused: {code}"),
                _ => anyhow!("STS refused: {}", DisplayErrorContext(&err)),
            }
        }
        SdkError::TimeoutError(_) => {
            anyhow!("STS did not answer in time; check the network or raise sts_timeout")
        }
        SdkError::DispatchFailure(df) if df.is_timeout() => {
            anyhow!("STS did not answer in time; check the network or raise sts_timeout")
        }
        SdkError::DispatchFailure(_) => {
            anyhow!("could not reach STS: {}", DisplayErrorContext(&err))
        }
        _ => anyhow!("{}", DisplayErrorContext(&err)),
    }
}
