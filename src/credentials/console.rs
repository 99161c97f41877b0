//! Console sign-in, as AWS's "custom identity broker" does it (and aws-vault's `login`): the
//! temporary credentials go to the federation endpoint's getSigninToken, and the token it
//! returns goes into a login URL. The endpoint is not an SDK service, so the request is one GET
//! on the hyper and rustls stack the SDK already builds, made on the run's runtime, and its
//! failures are described without the credentials the request carries.

use super::Credentials;
use super::aws::Aws;
use crate::config::{Chain, Settings};
use crate::util::sanitize;
use anyhow::{Context, Result, anyhow, bail};
use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::TokioExecutor;

/// Where to sign in and where to land, for the identity's partition and region.
#[derive(Debug, PartialEq, Eq)]
pub struct Console {
    /// The federation endpoint: getSigninToken and login.
    pub federation: String,
    /// The console page the login URL leads to.
    destination: String,
}

impl Console {
    pub fn new(chain: &Chain, creds: &Credentials, settings: &Settings) -> Result<Console> {
        let partition = partition(chain, creds);
        let hosts = match partition {
            "aws" => Some(("signin.aws.amazon.com", "console.aws.amazon.com")),
            "aws-us-gov" => Some((
                "signin.amazonaws-us-gov.com",
                "console.amazonaws-us-gov.com",
            )),
            "aws-cn" => Some(("signin.amazonaws.cn", "console.amazonaws.cn")),
            _ => None,
        };
        let hosts = || {
            hosts.ok_or_else(|| {
                anyhow!(
                    "aws-as knows no console sign-in for the partition `{}`; set signin_url and \
                     console_url in aws-as's config.toml",
                    sanitize(partition)
                )
            })
        };
        // Profile regions are checked against botocore's pattern when the chain is resolved; this
        // only keeps anything else out of a host name.
        let region = chain.region.as_deref().filter(|r| {
            !r.is_empty()
                && r.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        });
        let federation = match &settings.signin_url {
            Some(url) => url.clone(),
            None => format!("https://{}/federation", hosts()?.0),
        };
        let destination = match (&settings.console_url, region) {
            (Some(url), None) => url.clone(),
            (Some(url), Some(region)) => with_region(url, region),
            // aws-vault's form: the regional console host, and the region again for the page.
            (None, Some(region)) => {
                format!(
                    "https://{region}.{}/console/home?region={region}",
                    hosts()?.1
                )
            }
            (None, None) => format!("https://{}/console/home", hosts()?.1),
        };
        Ok(Console {
            federation,
            destination,
        })
    }

    pub fn login_url(&self, token: &str) -> String {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("Action", "login")
            .append_pair("Issuer", "aws-as")
            .append_pair("Destination", &self.destination)
            .append_pair("SigninToken", token)
            .finish();
        format!("{}?{query}", self.federation)
    }
}

/// The partition from the credentials' ARN, else the target role's, else the region's prefix.
fn partition<'a>(chain: &'a Chain, creds: &'a Credentials) -> &'a str {
    let of = |arn: &'a str| {
        arn.strip_prefix("arn:")
            .and_then(|rest| rest.split(':').next())
            .filter(|p| !p.is_empty())
    };
    creds
        .arn
        .as_deref()
        .and_then(of)
        .or_else(|| chain.hops.last().and_then(|hop| of(&hop.role_arn)))
        .unwrap_or_else(|| match chain.region.as_deref() {
            Some(r) if r.starts_with("cn-") => "aws-cn",
            Some(r) if r.starts_with("us-gov-") => "aws-us-gov",
            _ => "aws",
        })
}

/// `url` with `region=REGION` in its query, unless it names a region already.
fn with_region(url: &str, region: &str) -> String {
    let query = url.split_once('?').map(|(_, q)| q);
    if let Some(q) = query
        && form_urlencoded::parse(q.as_bytes()).any(|(k, _)| k == "region")
    {
        return url.to_string();
    }
    let sep = match query {
        None => "?",
        Some("") => "",
        Some(_) => "&",
    };
    format!("{url}{sep}region={region}")
}

/// The `Session` parameter of getSigninToken: the temporary credentials as JSON.
fn session_json(creds: &Credentials) -> String {
    serde_json::json!({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key,
        "sessionToken": creds.session_token,
    })
    .to_string()
}

/// GET `<federation>?Action=getSigninToken&Session=...` and return its `SigninToken`.
///
/// No `SessionDuration` is sent: AWS refuses it for GetFederationToken credentials and for a role
/// assumed with anything but long-term keys (role chaining, and aws-as's MFA sessions), so the
/// console session follows AWS's defaults for the credentials, as aws-vault's does.
/// getSigninToken: the credentials, as the Session JSON, for a sign-in token, within
/// `sts_timeout`, on the run's runtime.
pub fn signin_token(aws: &Aws, federation: &str, creds: &Credentials) -> Result<String> {
    let limit = aws.settings().sts_timeout;
    let session = session_json(creds);
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "getSigninToken")
        .append_pair("Session", &session)
        .finish();
    let secrets = [
        creds.secret_access_key.as_str(),
        creds.token(),
        session.as_str(),
        query.as_str(),
    ];
    let shown = sanitize(federation);
    // The URI carries the credentials, so a parse error is described without it.
    let uri: http::Uri = format!("{federation}?{query}")
        .parse()
        .map_err(|_| anyhow!("could not build a request for {shown}"))?;
    let https = uri.scheme_str() == Some("https");
    let answer = aws.runtime().block_on(async {
        let fetch = async {
            if https {
                let tls = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
                    .context("could not load the system's CA certificates")?
                    .https_only()
                    .enable_http1()
                    .build();
                get(tls, uri).await
            } else {
                get(HttpConnector::new(), uri).await
            }
        };
        tokio::time::timeout(limit, fetch).await
    });
    let (status, body) = match answer {
        Err(_) => bail!(
            "{shown} did not answer within {}s; check the network or raise sts_timeout",
            limit.as_secs_f64()
        ),
        Ok(Err(GetError::Setup(err))) => return Err(err),
        Ok(Err(GetError::Transport(text))) => {
            bail!("could not reach {shown}: {}", redact(&text, &secrets))
        }
        Ok(Ok(answer)) => answer,
    };
    if status != http::StatusCode::OK {
        let excerpt = excerpt(&body, &secrets);
        bail!(
            "getSigninToken at {shown} answered {status}{}{excerpt}",
            if excerpt.is_empty() { "" } else { ": " }
        );
    }
    let json: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|_| anyhow!("getSigninToken at {shown} answered something that is not JSON"))?;
    match json.get("SigninToken").and_then(|t| t.as_str()) {
        Some(token) if !token.is_empty() => Ok(token.to_string()),
        _ => bail!("getSigninToken at {shown} answered without a SigninToken"),
    }
}

enum GetError {
    /// Before anything was sent; no secret in it.
    Setup(anyhow::Error),
    /// The connection or the exchange failed: the error chain as text, to be redacted.
    Transport(String),
}

impl From<anyhow::Error> for GetError {
    fn from(err: anyhow::Error) -> Self {
        GetError::Setup(err)
    }
}

/// One GET with hyper's client, its body read up to 64 KiB.
async fn get<C>(connector: C, uri: http::Uri) -> Result<(http::StatusCode, Bytes), GetError>
where
    C: Connect + Clone + Send + Sync + 'static,
{
    let transport = |err: &dyn std::error::Error| {
        let mut text = err.to_string();
        let mut cause = err.source();
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        GetError::Transport(text)
    };
    let client: Client<C, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let req = http::Request::get(uri)
        .header(
            http::header::USER_AGENT,
            concat!("aws-as/", env!("CARGO_PKG_VERSION")),
        )
        .body(Empty::new())
        .map_err(|_| anyhow!("could not build the getSigninToken request"))?;
    let resp = client.request(req).await.map_err(|e| transport(&e))?;
    let status = resp.status();
    let body = Limited::new(resp.into_body(), 64 * 1024)
        .collect()
        .await
        .map_err(|e| transport(&*e))?
        .to_bytes();
    Ok((status, body))
}

/// `text` with every secret taken out.
fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        for form in [secret.to_string(), encoded, secret.replace('/', "\\/")] {
            out = out.replace(&form, "[redacted]");
        }
    }
    out
}

/// A short, printable excerpt of an error body: markup and secrets out, and any long run of
/// key-like characters too (an endpoint that echoes the request may echo it in another encoding).
fn excerpt(body: &[u8], secrets: &[&str]) -> String {
    let text = redact(&String::from_utf8_lossy(body), secrets);
    let mut plain = String::new();
    let mut in_tag = false;
    for ch in text.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                plain.push(' ');
            }
            _ if in_tag => {}
            c if c.is_control() || c.is_whitespace() => plain.push(' '),
            c => plain.push(c),
        }
    }
    let words: Vec<&str> = plain
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| if w.chars().count() >= 32 { "[…]" } else { w })
        .collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &joined[..at]),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Base, BaseKeys, RoleHop};

    fn chain(role_arn: Option<&str>, region: Option<&str>) -> Chain {
        Chain {
            name: "t".into(),
            profile: "t".into(),
            base: Base {
                profile: "u".into(),
                keys: BaseKeys::Static(Credentials::keys("AKIA", "s")),
                mfa_serial: None,
                mfa_process: None,
                discover_mfa: false,
            },
            hops: role_arn
                .map(|arn| RoleHop::plain("t", arn))
                .into_iter()
                .collect(),
            region: region.map(str::to_owned),
            endpoint: String::new(),
            federation: None,
            sso: None,
        }
    }

    fn creds(arn: Option<&str>) -> Credentials {
        Credentials {
            session_token: Some("to/ken+==".into()),
            expiration: Some(0),
            arn: arn.map(str::to_owned),
            ..Credentials::keys("ASIAEXAMPLE", "se/cr+et")
        }
    }

    fn console(c: &Chain, cr: &Credentials, settings: &Settings) -> Console {
        Console::new(c, cr, settings).unwrap()
    }

    #[test]
    fn partitions_pick_their_endpoints() {
        let s = Settings::default();
        let role = "arn:aws:iam::1:role/r";
        let c = console(&chain(Some(role), None), &creds(None), &s);
        assert_eq!(c.federation, "https://signin.aws.amazon.com/federation");
        assert_eq!(c.destination, "https://console.aws.amazon.com/console/home");
        let c = console(&chain(Some(role), Some("eu-west-2")), &creds(None), &s);
        assert_eq!(
            c.destination,
            "https://eu-west-2.console.aws.amazon.com/console/home?region=eu-west-2"
        );
        // The credentials' own ARN decides over the role's.
        let arn = "arn:aws-cn:sts::1:assumed-role/r/s";
        let c = console(
            &chain(Some(role), Some("cn-north-1")),
            &creds(Some(arn)),
            &s,
        );
        assert_eq!(c.federation, "https://signin.amazonaws.cn/federation");
        assert_eq!(
            c.destination,
            "https://cn-north-1.console.amazonaws.cn/console/home?region=cn-north-1"
        );
        let gov = "arn:aws-us-gov:iam::1:role/r";
        let c = console(&chain(Some(gov), None), &creds(None), &s);
        assert_eq!(
            c.federation,
            "https://signin.amazonaws-us-gov.com/federation"
        );
        assert_eq!(
            c.destination,
            "https://console.amazonaws-us-gov.com/console/home"
        );
        // No ARN at all: the region's prefix.
        let c = console(&chain(None, Some("us-gov-west-1")), &creds(None), &s);
        assert_eq!(
            c.federation,
            "https://signin.amazonaws-us-gov.com/federation"
        );
        // A partition without a public console needs the settings.
        let iso = "arn:aws-iso:iam::1:role/r";
        let err = Console::new(&chain(Some(iso), None), &creds(None), &s).unwrap_err();
        assert!(format!("{err:#}").contains("`aws-iso`"), "{err:#}");
        assert!(format!("{err:#}").contains("signin_url"), "{err:#}");
    }

    #[test]
    fn settings_override_the_endpoints() {
        let s = Settings::parse(
            "signin_url = \"http://127.0.0.1:9/fed\"\nconsole_url = \"https://c.example/home\"\n",
        )
        .unwrap();
        let iso = "arn:aws-iso:iam::1:role/r";
        let c = console(&chain(Some(iso), Some("us-iso-east-1")), &creds(None), &s);
        assert_eq!(c.federation, "http://127.0.0.1:9/fed");
        assert_eq!(c.destination, "https://c.example/home?region=us-iso-east-1");
        assert_eq!(
            with_region("https://c/x?a=1", "r-1"),
            "https://c/x?a=1&region=r-1"
        );
        assert_eq!(with_region("https://c/x?", "r-1"), "https://c/x?region=r-1");
        assert_eq!(
            with_region("https://c/x?region=q", "r-1"),
            "https://c/x?region=q"
        );
        let c = console(&chain(Some(iso), None), &creds(None), &s);
        assert_eq!(c.destination, "https://c.example/home");
    }

    #[test]
    fn login_url_and_session() {
        let c = Console {
            federation: "https://signin.aws.amazon.com/federation".into(),
            destination: "https://eu-west-2.console.aws.amazon.com/console/home?region=eu-west-2"
                .into(),
        };
        assert_eq!(
            c.login_url("t+k/n="),
            "https://signin.aws.amazon.com/federation?Action=login&Issuer=aws-as&Destination=\
             https%3A%2F%2Feu-west-2.console.aws.amazon.com%2Fconsole%2Fhome%3Fregion%3Deu-west-2\
             &SigninToken=t%2Bk%2Fn%3D"
        );
        let v: serde_json::Value = serde_json::from_str(&session_json(&creds(None))).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"sessionId": "ASIAEXAMPLE", "sessionKey": "se/cr+et",
                               "sessionToken": "to/ken+=="})
        );
    }

    #[test]
    fn error_excerpts_carry_no_secret() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let token = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+";
        let body = format!(
            "<html><body><h1>Bad\r\nRequest</h1>\x1b[31m got {secret} and {} and \
             {{\"sessionToken\":\"{}\"}} and {}</body></html>",
            form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>(),
            token.replace('/', "\\/"),
            token.to_lowercase(),
        );
        let text = excerpt(body.as_bytes(), &[secret, token]);
        assert!(text.starts_with("Bad Request"), "{text}");
        for part in [&secret[..20], &token[..20], "\u{1b}", "<", "\r", "\n"] {
            assert!(!text.contains(part), "{part:?} in {text}");
        }
        let long = "word ".repeat(100);
        let text = excerpt(long.as_bytes(), &[]);
        assert_eq!(text.chars().count(), 201, "{text}");
        assert!(text.ends_with('…'));
        assert_eq!(
            redact("a se/cr+et b se%2Fcr%2Bet", &["se/cr+et"]),
            "a [redacted] b [redacted]"
        );
    }
}
