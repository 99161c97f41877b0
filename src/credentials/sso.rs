//! IAM Identity Center's portal, for what aws-as obtains from it itself: the token that `aws sso
//! login` cached for a session, and GetRoleCredentials for a catalogue's SSO identity.

use super::Credentials;
use super::aws::Aws;
use crate::config::chain::SsoRole;
use crate::env::Env;
use anyhow::{Result, anyhow, bail};

/// The access token `aws sso login` cached for the session: `~/.aws/sso/cache/SHA1.json`, where
/// SHA1 is the hex SHA-1 of the session's name, as every SDK keeps it. An expired or missing one
/// says to log in again; the token itself is never in a message.
pub fn token(env: &Env, session: &str) -> Result<zeroize::Zeroizing<String>> {
    use sha1::{Digest, Sha1};
    let login = || format!("run `aws sso login --sso-session {session}`");
    let home = env
        .home()
        .ok_or_else(|| anyhow!("could not find the SSO token cache: set HOME"))?;
    let hex: String = Sha1::digest(session.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let path = home.join(".aws/sso/cache").join(format!("{hex}.json"));
    let text = crate::util::read_text(&path, 1 << 20)
        .map_err(|e| {
            anyhow!(
                "could not read the SSO token cache {}: {e:#}",
                path.display()
            )
        })?
        .ok_or_else(|| anyhow!("there is no SSO token for session `{session}`; {}", login()))?;
    let text = zeroize::Zeroizing::new(text);
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|_| {
        anyhow!(
            "the SSO token cache {} can't be read; {}",
            path.display(),
            login()
        )
    })?;
    let token = v["accessToken"].as_str().unwrap_or_default();
    if token.is_empty() || token.len() > 16 * 1024 || token.chars().any(|c| c.is_control()) {
        bail!(
            "the SSO token cache {} holds no usable token; {}",
            path.display(),
            login()
        );
    }
    let expires = v["expiresAt"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.timestamp());
    match expires {
        Some(t) if t > crate::util::now_epoch() + 30 => {
            Ok(zeroize::Zeroizing::new(token.to_string()))
        }
        _ => bail!(
            "the SSO token of session `{session}` has expired; {}",
            login()
        ),
    }
}

/// The portal client: the SDK's configuration for the session's region, endpoint settings as
/// the SDK reads them (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_SSO).
pub fn client(aws: &Aws, region: &str) -> aws_sdk_sso::Client {
    aws_sdk_sso::Client::from_conf(
        aws_sdk_sso::config::Builder::from(aws.sdk_config())
            .region(aws_config::Region::new(region.to_string()))
            .build(),
    )
}

/// GetRoleCredentials for `role`, with the session's cached token.
pub fn role_credentials(aws: &Aws, env: &Env, role: &SsoRole) -> Result<Credentials> {
    let token = token(env, &role.session)?;
    let out = aws.send(
        "the SSO portal",
        "GetRoleCredentials",
        client(aws, &role.region)
            .get_role_credentials()
            .access_token(token.as_str())
            .account_id(&role.account)
            .role_name(&role.role)
            .send(),
    )?;
    let c = out.role_credentials().ok_or_else(|| {
        anyhow!("the SSO portal's answer to GetRoleCredentials holds no credentials")
    })?;
    let creds = Credentials {
        access_key_id: c.access_key_id().unwrap_or_default().to_string(),
        secret_access_key: c.secret_access_key().unwrap_or_default().to_string().into(),
        session_token: c.session_token().map(str::to_owned),
        expiration: Some(c.expiration() / 1000),
        arn: None,
    };
    creds.check(crate::util::now_epoch()).map_err(|why| {
        anyhow!(
            "the SSO portal's answer to GetRoleCredentials is not usable: {why}; nothing was kept"
        )
    })?;
    Ok(creds)
}
