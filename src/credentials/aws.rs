//! The STS and IAM calls, and the SDK's providers for bases aws-as does not obtain itself. The
//! client is made from the run's `Context` only when a call is actually needed: a switch served
//! from the cache never gets this far.
//!
//! Every call goes through `Aws::send`, and every failure becomes an `AwsError`: one short line
//! that names the service, the operation and the error code or kind. None of it comes from the
//! body of the answer beyond the service's error code and a bounded excerpt of its error message,
//! so an answer that carries credentials but could not be read (a truncated body, an odd date)
//! never puts them in a message.

use super::Credentials;
use crate::config::{Chain, Settings};
use crate::env::Env;
use crate::util::sanitize;
use anyhow::{Result, anyhow};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::error::CredentialsError;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use std::future::Future;
use std::time::Duration;

/// The SDK's credentials type, which the STS and IAM clients share, for `creds`. Keys without a
/// token (long-term ones) send no token header at all.
pub(crate) fn signing(creds: &Credentials) -> aws_credential_types::Credentials {
    aws_credential_types::Credentials::new(
        &creds.access_key_id,
        creds.secret_access_key.as_str(),
        creds.session_token.clone(),
        None,
        "aws-as",
    )
}

/// The client for every STS and IAM call of a run, on the run's one runtime.
pub struct Aws<'a> {
    rt: &'a tokio::runtime::Runtime,
    config: SdkConfig,
    settings: &'a Settings,
    /// The AWS files as the run read them, for the SDK's providers.
    files: &'a EnvConfigFiles,
}

/// The region STS is called in, picked as the SDKs pick it: `AWS_REGION`, then
/// `AWS_DEFAULT_REGION` (the user's own, never an active identity's), then the first `region`
/// along the profile chain, then us-east-1. It only picks the endpoint; the credentials work
/// everywhere.
fn sts_region(chain: &Chain, env: &Env) -> String {
    env.user_region()
        .map(str::to_owned)
        .or_else(|| chain.region.clone())
        .unwrap_or_else(|| "us-east-1".to_string())
}

impl<'a> Aws<'a> {
    /// The SDK's configuration for the calls made for `chain`. The endpoint comes from
    /// AWS_ENDPOINT_URL(_STS) and the target profile's endpoint_url, resolved by the SDK itself,
    /// as are AWS_USE_FIPS_ENDPOINT and AWS_USE_DUALSTACK_ENDPOINT. The region and credentials
    /// are explicit, so nothing left in the environment (and no instance metadata probe) takes
    /// part. The SDK reads the files as aws-as read them, set aside as aws-as sets them aside, so
    /// that a header aws-config cannot parse does not make it drop the profile's endpoint_url in
    /// silence.
    pub fn load(
        rt: &tokio::runtime::Runtime,
        chain: &Chain,
        env: &Env,
        settings: &Settings,
        files: EnvConfigFiles,
    ) -> SdkConfig {
        let loader = aws_config::defaults(BehaviorVersion::latest())
            .profile_files(files)
            .profile_name(&chain.profile)
            .region(Region::new(sts_region(chain, env)))
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                "unused", "unused", None, None, "aws-as",
            ))
            .timeout_config(timeouts(settings.sts_timeout))
            .retry_config(RetryConfig::standard().with_max_attempts(2));
        rt.block_on(loader.load())
    }

    /// The SDK's configuration for calls in `region` made for no profile in particular.
    pub fn load_in(
        rt: &tokio::runtime::Runtime,
        region: &str,
        settings: &Settings,
        files: EnvConfigFiles,
    ) -> SdkConfig {
        let loader = aws_config::defaults(BehaviorVersion::latest())
            .profile_files(files)
            .region(Region::new(region.to_string()))
            .no_credentials()
            .timeout_config(timeouts(settings.sts_timeout))
            .retry_config(RetryConfig::standard().with_max_attempts(2));
        rt.block_on(loader.load())
    }

    pub fn new(
        rt: &'a tokio::runtime::Runtime,
        config: SdkConfig,
        settings: &'a Settings,
        files: &'a EnvConfigFiles,
    ) -> Aws<'a> {
        Aws {
            rt,
            config,
            settings,
            files,
        }
    }

    /// The run's runtime, for a request that is not an SDK call (console sign-in).
    pub(crate) fn runtime(&self) -> &tokio::runtime::Runtime {
        self.rt
    }

    pub(super) fn settings(&self) -> &Settings {
        self.settings
    }

    /// A client for `endpoint` alone, reading none of the user's files or environment and
    /// never retrying: only for the fuzz target that feeds whole answers through the SDK
    /// (`crate::fuzz::sts_response`). Everything after the constructor is the production path.
    #[doc(hidden)]
    pub fn for_endpoint(rt: &'a tokio::runtime::Runtime, endpoint: &str) -> Aws<'a> {
        static DEFAULTS: std::sync::OnceLock<Settings> = std::sync::OnceLock::new();
        static NO_FILES: std::sync::OnceLock<EnvConfigFiles> = std::sync::OnceLock::new();
        let config = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(endpoint)
            .timeout_config(timeouts(Duration::from_secs(10)))
            .retry_config(RetryConfig::disabled())
            .build();
        Aws {
            rt,
            config,
            settings: DEFAULTS.get_or_init(Settings::default),
            files: NO_FILES.get_or_init(EnvConfigFiles::default),
        }
    }

    fn sts(&self, signer: &Credentials) -> aws_sdk_sts::Client {
        let conf = aws_sdk_sts::config::Builder::from(&self.config)
            .credentials_provider(signing(signer))
            .build();
        aws_sdk_sts::Client::from_conf(conf)
    }

    fn iam(&self, signer: &Credentials) -> aws_sdk_iam::Client {
        let conf = aws_sdk_iam::config::Builder::from(&self.config)
            .credentials_provider(signing(signer))
            .build();
        aws_sdk_iam::Client::from_conf(conf)
    }

    /// The SDK's configuration for the run's calls, for a client of another service (a
    /// catalogue's source): its endpoint settings are the ones STS is called with.
    pub(crate) fn sdk_config(&self) -> &SdkConfig {
        &self.config
    }

    /// Every AWS call aws-as makes goes through here: run it to the end on the runtime, and turn
    /// a failure into an `AwsError`, the one description that never carries the answer's body.
    pub(crate) fn send<T, E>(
        &self,
        service: &'static str,
        op: &'static str,
        call: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, AwsError>
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        self.rt
            .block_on(call)
            .map_err(|e| AwsError::from_sdk(&e, service, op))
    }

    /// GetCallerIdentity: the ARN the keys belong to. It needs no permission.
    pub fn caller_arn(&self, signer: &Credentials) -> Result<String> {
        let out = self.send(
            "STS",
            "GetCallerIdentity",
            self.sts(signer).get_caller_identity().send(),
        )?;
        out.arn()
            .filter(|a| super::valid_arn(a))
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("STS's answer to GetCallerIdentity has no usable ARN"))
    }

    /// The first MFA device of IAM user `user`, `None` when there is none, and also `None` (with
    /// a note on stderr) when the keys may not list them.
    pub fn first_mfa_device(&self, signer: &Credentials, user: &str) -> Result<Option<String>> {
        let req = self.iam(signer).list_mfa_devices().user_name(user);
        match self.send("IAM", "ListMFADevices", req.send()) {
            Ok(out) => out
                .mfa_devices()
                .first()
                .map(|d| d.serial_number())
                .map(|s| {
                    if super::valid_arn(s) {
                        Ok(s.to_string())
                    } else {
                        Err(anyhow!(
                            "IAM's answer to ListMFADevices names a device that is not an ARN"
                        ))
                    }
                })
                .transpose(),
            Err(e)
                if matches!(
                    e.code(),
                    Some("AccessDenied" | "AccessDeniedException" | "NoSuchEntity")
                ) =>
            {
                eprintln!(
                    "[mfa] could not list the MFA devices of IAM user {} ({}); going on without \
                     MFA (set mfa_serial in the profile to use one)",
                    sanitize(user),
                    e.code().unwrap_or_default()
                );
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// CreateAccessKey, made once: it is not idempotent, so the SDK must not retry it after a
    /// timeout or a 5xx (each retry could leave one more live key). When its answer is lost or
    /// can't be read, the error says that a key may have been made.
    pub fn create_access_key(&self, signer: &Credentials, user: &str) -> Result<Credentials> {
        let req = self
            .iam(signer)
            .create_access_key()
            .user_name(user)
            .customize()
            .config_override(
                aws_sdk_iam::config::Builder::default().retry_config(RetryConfig::disabled()),
            );
        let maybe_made = || {
            format!(
                "a new access key may have been made for IAM user {user} all the same: look with \
                 aws iam list-access-keys --user-name {user}, and delete any key you do not use"
            )
        };
        let out = self
            .send("IAM", "CreateAccessKey", req.send())
            .map_err(|e| {
                if e.surely_not_done() {
                    anyhow::Error::new(e)
                } else {
                    anyhow::Error::new(e).context(maybe_made())
                }
            })?;
        let key = out.access_key().ok_or_else(|| {
            anyhow!(
                "IAM's answer to CreateAccessKey has no access key; {}",
                maybe_made()
            )
        })?;
        let key = Credentials::keys(key.access_key_id(), key.secret_access_key());
        key.check_long_term().map_err(|_| {
            anyhow!(
                "IAM's answer to CreateAccessKey is not a usable key; {}",
                maybe_made()
            )
        })?;
        Ok(key)
    }

    pub fn delete_access_key(
        &self,
        signer: &Credentials,
        user: &str,
        access_key_id: &str,
    ) -> Result<()> {
        let req = self
            .iam(signer)
            .delete_access_key()
            .user_name(user)
            .access_key_id(access_key_id);
        self.send("IAM", "DeleteAccessKey", req.send())?;
        Ok(())
    }

    /// The service's error code when a call was refused, for callers that tell refusals apart.
    pub fn refusal_code(err: &anyhow::Error) -> Option<&str> {
        err.chain()
            .find_map(|c| c.downcast_ref::<AwsError>())
            .and_then(AwsError::code)
    }

    pub fn get_federation_token(
        &self,
        signer: &Credentials,
        fed: &crate::config::chain::Federation,
        duration: Duration,
    ) -> Result<Credentials> {
        let client = self.sts(signer);
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
        let out = self.send("STS", "GetFederationToken", req.send())?;
        let arn = out.federated_user().map(|u| u.arn().to_string());
        convert("STS", "GetFederationToken", out.credentials(), arn)
    }

    pub fn get_session_token(
        &self,
        signer: &Credentials,
        duration: Duration,
        mfa: Option<(&str, &str)>,
    ) -> Result<Credentials> {
        let client = self.sts(signer);
        let mut req = client
            .get_session_token()
            .duration_seconds(clamp_secs(duration));
        if let Some((serial, code)) = mfa {
            req = req.serial_number(serial).token_code(code);
        }
        let out = self.send("STS", "GetSessionToken", req.send())?;
        convert("STS", "GetSessionToken", out.credentials(), None)
    }

    pub fn assume_role(
        &self,
        signer: &Credentials,
        hop: &crate::config::RoleHop,
        duration: Option<Duration>,
        mfa: Option<(&str, &str)>,
    ) -> Result<Credentials> {
        let client = self.sts(signer);
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
        let out = self.send("STS", "AssumeRole", req.send())?;
        let arn = out.assumed_role_user().map(|u| u.arn().to_string());
        convert("STS", "AssumeRole", out.credentials(), arn)
    }
}

/// The SDK's timeouts for one budget: two attempts, each given half of it, so that a hung
/// endpoint costs `total` at most.
fn timeouts(total: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(total.min(Duration::from_secs(3)))
        .read_timeout(total / 2)
        .operation_attempt_timeout(total / 2)
        .operation_timeout(total)
        .build()
}

impl Aws<'_> {
    /// The base profile's credentials from aws-config's own provider for it: SSO (with the token
    /// that `aws sso login` cached), `credential_process`, or AssumeRoleWithWebIdentity. aws-config
    /// reads the same files as aws-as, and the same endpoint variables; FIPS and dual-stack
    /// endpoints are passed on as the SDK's own loader passes them.
    pub fn provided(&self, chain: &Chain) -> Result<Credentials> {
        use aws_credential_types::provider::ProvideCredentials;
        let provider_config = aws_config::provider_config::ProviderConfig::default()
            .with_behavior_version(Some(BehaviorVersion::latest()))
            .with_region(self.config.region().cloned())
            .with_use_fips(self.config.use_fips())
            .with_use_dual_stack(self.config.use_dual_stack())
            .with_retry_config(RetryConfig::standard().with_max_attempts(2))
            .with_timeout_config(timeouts(self.settings.sts_timeout));
        let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
            .profile_files(self.files.clone())
            .profile_name(&chain.base.profile)
            .configure(&provider_config)
            .build();
        let creds = self
            .rt
            .block_on(provider.provide_credentials())
            .map_err(ProviderFailure::from_credentials_error)?;
        Ok(Credentials {
            access_key_id: creds.access_key_id().to_string(),
            secret_access_key: creds.secret_access_key().to_string().into(),
            session_token: creds.session_token().map(str::to_owned),
            expiration: creds.expiry().map(|t| {
                t.duration_since(std::time::UNIX_EPOCH)
                    .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                    .unwrap_or(0)
            }),
            arn: None,
        })
    }
}

fn clamp_secs(d: Duration) -> i32 {
    d.as_secs().min(i32::MAX as u64) as i32
}

/// The credentials an STS answer carries, accepted only when they are usable credentials: the
/// one place that decides it (see `Credentials::check`). Anything else is an error that names
/// the operation and the reason, never a value, and nothing is cached.
pub fn convert(
    service: &str,
    op: &str,
    c: Option<&aws_sdk_sts::types::Credentials>,
    arn: Option<String>,
) -> Result<Credentials> {
    let c = c.ok_or_else(|| anyhow!("{service}'s answer to {op} holds no credentials"))?;
    let creds = Credentials {
        access_key_id: c.access_key_id().to_string(),
        secret_access_key: c.secret_access_key().to_string().into(),
        session_token: Some(c.session_token().to_string()),
        expiration: Some(c.expiration().secs()),
        arn,
    };
    creds.check(crate::util::now_epoch()).map_err(|why| {
        anyhow!("{service}'s answer to {op} is not usable credentials: {why}; nothing was kept")
    })?;
    Ok(creds)
}

/// How long a piece of a service's text may be in a message.
const EXCERPT: usize = 200;

/// `text` fit for a one-line message: control characters escaped, whitespace runs folded into
/// one space, at most `max` characters.
pub fn excerpt(text: &str, max: usize) -> String {
    let folded = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = folded.chars().take(max).collect();
    if folded.chars().nth(max).is_some() {
        out.push_str("...");
    }
    sanitize(&out)
}

/// A failed AWS call, described without the answer's body.
#[derive(Debug)]
pub struct AwsError {
    pub service: &'static str,
    pub op: &'static str,
    pub failure: Failure,
}

#[derive(Debug)]
pub enum Failure {
    /// The service refused: its error code, an excerpt of its message, the HTTP status.
    Refused {
        code: String,
        message: Option<String>,
        status: Option<u16>,
    },
    /// An answer with no error code: only its HTTP status is told.
    Status(Option<u16>),
    /// No answer in time.
    Timeout,
    /// No answer at all: the connection failed.
    Unreachable(String),
    /// An answer that could not be read. Only its status is told: its body may hold credentials.
    Unreadable(Option<u16>),
    /// The request could not be made or failed otherwise.
    Other(String),
}

impl AwsError {
    fn from_sdk<E>(err: &SdkError<E, HttpResponse>, service: &'static str, op: &'static str) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let status = err.raw_response().map(|r| r.status().as_u16());
        let failure = match err {
            SdkError::ServiceError(se) => match se.err().code() {
                Some(code) => Failure::Refused {
                    code: excerpt(code, 64),
                    message: se.err().message().map(|m| excerpt(m, EXCERPT)),
                    status,
                },
                // A success status with no success in it: an answer that could not be read.
                None if status.is_some_and(|s| (200..300).contains(&s)) => {
                    Failure::Unreadable(status)
                }
                None => Failure::Status(status),
            },
            SdkError::TimeoutError(_) => Failure::Timeout,
            SdkError::DispatchFailure(df) if df.is_timeout() => Failure::Timeout,
            SdkError::DispatchFailure(_) => Failure::Unreachable(innermost(err)),
            SdkError::ResponseError(_) => Failure::Unreadable(status),
            SdkError::ConstructionFailure(_) => {
                Failure::Other(excerpt(&crate::util::error_text(err), EXCERPT))
            }
            _ => Failure::Other("an error the SDK did not describe".into()),
        };
        AwsError {
            service,
            op,
            failure,
        }
    }

    /// The HTTP status of a refusal.
    pub fn status(&self) -> Option<u16> {
        match &self.failure {
            Failure::Refused { status, .. } => *status,
            Failure::Status(s) | Failure::Unreadable(s) => *s,
            _ => None,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match &self.failure {
            Failure::Refused { code, .. } => Some(code),
            _ => None,
        }
    }

    /// True when the service certainly did not carry the request out: it refused it with a
    /// client error, or it was never reached. After a timeout, a server error or an answer that
    /// could not be read, a write may have happened.
    pub fn surely_not_done(&self) -> bool {
        match &self.failure {
            Failure::Refused { status, .. } => status.is_none_or(|s| s < 500),
            Failure::Unreachable(why) => why.contains("refused"),
            _ => false,
        }
    }
}

impl std::fmt::Display for AwsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (service, op) = (self.service, self.op);
        match &self.failure {
            Failure::Refused {
                code,
                message: Some(m),
                ..
            } => write!(f, "{service} refused {op}: {code}: {m}"),
            Failure::Refused { code, .. } => write!(f, "{service} refused {op}: {code}"),
            Failure::Status(Some(s)) => {
                write!(f, "{service} answered {op} with HTTP {s} and no error code")
            }
            Failure::Status(None) => write!(f, "{service} failed {op} with no error code"),
            Failure::Timeout => write!(
                f,
                "{service} did not answer in time ({op}); check the network or raise sts_timeout"
            ),
            Failure::Unreachable(why) => write!(f, "could not reach {service} ({op}): {why}"),
            Failure::Unreadable(status) => {
                let status = status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
                write!(
                    f,
                    "{service}'s answer to {op}{status} could not be read, so nothing in it was used"
                )
            }
            Failure::Other(why) => write!(f, "{service} {op} failed: {why}"),
        }
    }
}

impl std::error::Error for AwsError {}

/// The innermost cause of a connection failure (`Connection refused (os error 111)`), bounded.
/// Connection errors carry no answer, so no body can be in them.
fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &dyn std::error::Error = err;
    while let Some(next) = last.source() {
        last = next;
    }
    excerpt(&last.to_string(), EXCERPT)
}

/// A failure of one of aws-config's providers (SSO, credential_process, web identity): whether
/// `aws sso login` would fix it, and a line that never carries an answer's body.
#[derive(Debug)]
pub struct ProviderFailure {
    /// The SSO login is missing or has expired (or the portal refused the token).
    pub needs_login: bool,
    pub text: String,
}

impl ProviderFailure {
    fn from_credentials_error(err: CredentialsError) -> anyhow::Error {
        use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
        use aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityError;
        let mut sources: Vec<&(dyn std::error::Error + 'static)> = Vec::new();
        let mut next: Option<&(dyn std::error::Error + 'static)> = Some(&err);
        while let Some(e) = next {
            sources.push(e);
            next = e.source();
        }
        // A call the provider made: described as aws-as's own calls are.
        for e in &sources {
            if let Some(sdk) = e.downcast_ref::<SdkError<GetRoleCredentialsError, HttpResponse>>() {
                let aws = AwsError::from_sdk(sdk, "the SSO portal", "GetRoleCredentials");
                // The portal refuses an expired or revoked token this way.
                let needs_login = aws.code() == Some("UnauthorizedException");
                return ProviderFailure {
                    needs_login,
                    text: aws.to_string(),
                }
                .into();
            }
            if let Some(sdk) =
                e.downcast_ref::<SdkError<AssumeRoleWithWebIdentityError, HttpResponse>>()
            {
                let aws = AwsError::from_sdk(sdk, "STS", "AssumeRoleWithWebIdentity");
                return ProviderFailure {
                    needs_login: false,
                    text: aws.to_string(),
                }
                .into();
            }
        }
        let text = match &err {
            CredentialsError::ProviderTimedOut(_) => {
                "the provider did not answer in time; check the network or raise sts_timeout"
                    .to_string()
            }
            // The provider's own words (a credential_process's stderr, a token cache problem),
            // bounded and made printable.
            _ => excerpt(&crate::util::error_text(&err), 3 * EXCERPT),
        };
        // No call was made: the provider stopped before it, at the SSO token (missing, expired,
        // unreadable), which a new `aws sso login` fixes.
        let needs_login = matches!(err, CredentialsError::ProviderError(_));
        ProviderFailure { needs_login, text }.into()
    }
}

impl std::fmt::Display for ProviderFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::error::Error for ProviderFailure {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_one_bounded_printable_line() {
        assert_eq!(excerpt("a\n  b\tc", 10), "a b c");
        assert_eq!(excerpt(&"x".repeat(500), 5), "xxxxx...");
        assert_eq!(excerpt("bell\u{7}", 10), "bell\\u{7}");
    }

    #[test]
    fn only_a_client_refusal_is_surely_not_done() {
        let e = |failure| AwsError {
            service: "IAM",
            op: "CreateAccessKey",
            failure,
        };
        let refused = |status| Failure::Refused {
            code: "LimitExceeded".into(),
            message: None,
            status,
        };
        assert!(e(refused(Some(409))).surely_not_done());
        assert!(!e(refused(Some(500))).surely_not_done());
        assert!(!e(Failure::Timeout).surely_not_done());
        assert!(!e(Failure::Unreadable(Some(200))).surely_not_done());
        assert!(
            e(Failure::Unreachable(
                "Connection refused (os error 111)".into()
            ))
            .surely_not_done()
        );
    }
}
