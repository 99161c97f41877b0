//! The credential endpoint of `exec --server`: the ECS container credential protocol on
//! 127.0.0.1, which every AWS SDK and the AWS CLI read from `AWS_CONTAINER_CREDENTIALS_FULL_URI`
//! with `AWS_CONTAINER_AUTHORIZATION_TOKEN`, and ask again before their credentials expire.
//!
//! Two halves, because `Context` is not Sync and `obtain` blocks on its own runtime:
//! - `Endpoint`: hyper on a thread of its own with a current-thread runtime. It checks every
//!   request (a loopback peer, the token compared in constant time, GET) and hands those that
//!   pass, as `Ask`s, to whoever started it.
//! - `Renewer`: on the thread that owns the `Context`, which answers the `Ask`s one at a time, so
//!   any number of clients make at most one renewal between them; the cache's lock does the same
//!   across processes. It never prompts (`Request::unattended`): when a renewal needs an MFA
//!   code, it says so once on stderr and serves the credentials it has while they last.
//!
//! The answers: `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}` with 200, or the
//! protocol's `{"code", "message"}` with an error status (aws-config's ECS provider and botocore's
//! ContainerMetadataFetcher both read these; a 5xx is what they retry).

use super::mfa::code_needed;
use super::{Credentials, Request, cached, obtain};
use crate::config::Chain;
use crate::context::Context;
use anyhow::{Context as _, Result};
use http::{Method, StatusCode, header};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;

/// After a failed renewal, no STS call for this long: the cache is still read on every request,
/// so a renewal made elsewhere is served at once.
const RETRY_AFTER: i64 = 5;

/// The token CMD sends: 32 bytes from the kernel's generator, hex-encoded (256 bits).
struct Token(String);

impl Token {
    fn new() -> Result<Token> {
        let mut bytes = [0u8; 32];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .context("could not read /dev/urandom for the credential server's token")?;
        let mut hex = String::with_capacity(64);
        for b in bytes {
            hex.push_str(&format!("{b:02x}"));
        }
        Ok(Token(hex))
    }
}

/// Whether `a` and `b` are equal, in a time that depends on their lengths only: where they first
/// differ is never measurable. (The token's length is no secret.)
pub fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// A request that passed the checks, waiting for an answer.
pub struct Ask {
    reply: oneshot::Sender<Answer>,
}

impl Ask {
    pub fn answer(self, answer: Answer) {
        // The client may have gone: nothing to do then.
        let _ = self.reply.send(answer);
    }
}

/// What the endpoint sends back: a status and a JSON body.
pub struct Answer {
    status: StatusCode,
    body: String,
}

impl Answer {
    fn credentials(creds: &Credentials) -> Answer {
        let Some(expiration) = crate::util::iso8601(creds.expires()) else {
            return Answer::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "CredentialsUnavailable",
                "the credentials have no expiry",
            );
        };
        let body = serde_json::json!({
            "AccessKeyId": creds.access_key_id,
            "SecretAccessKey": creds.secret_access_key.as_str(),
            "Token": creds.token(),
            "Expiration": expiration,
        });
        Answer {
            status: StatusCode::OK,
            body: body.to_string(),
        }
    }

    fn error(status: StatusCode, code: &str, message: &str) -> Answer {
        Answer {
            status,
            body: serde_json::json!({ "code": code, "message": message }).to_string(),
        }
    }
}

/// The endpoint, serving on its own thread until `stop`.
pub struct Endpoint {
    port: u16,
    token: Arc<Token>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What every connection's handler shares.
struct Shared {
    token: Arc<Token>,
    on_ask: Box<dyn Fn(Ask) -> bool + Send + Sync>,
}

impl Endpoint {
    /// Listen on 127.0.0.1 on a port the system picks, and give each request that passes the
    /// checks to `on_ask` (false when nobody will answer it any more).
    pub fn start(on_ask: impl Fn(Ask) -> bool + Send + Sync + 'static) -> Result<Endpoint> {
        let token = Arc::new(Token::new()?);
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
            .context("could not listen on 127.0.0.1 for the credential server")?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()
            .context("could not start the credential server's runtime")?;
        let shared = Arc::new(Shared {
            token: token.clone(),
            on_ask: Box::new(on_ask),
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("aws-as-server".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let accepting = match tokio::net::TcpListener::from_std(listener) {
                        Ok(listener) => tokio::spawn(accept(listener, shared)),
                        Err(e) => {
                            crate::util::warn(&format!("the credential server stopped: {e}"));
                            return;
                        }
                    };
                    let _ = stopped.await;
                    accepting.abort();
                });
                // Dropping the runtime drops every connection and the listener: the port is
                // closed when the thread ends.
                drop(runtime);
            })
            .context("could not start the credential server's thread")?;
        Ok(Endpoint {
            port,
            token,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The URL for `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.port)
    }

    /// The value for `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub fn token(&self) -> &str {
        &self.token.0
    }

    /// Close the port and end the thread; returns once both are done.
    pub fn stop(mut self) {
        self.shut();
    }

    fn shut(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.shut();
    }
}

async fn accept(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(conn) => conn,
            // Out of file descriptors, or a connection reset before it was taken: wait a little
            // rather than spin.
            Err(_) => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let shared = shared.clone();
                async move { Ok::<_, std::convert::Infallible>(handle(req, peer, &shared).await) }
            });
            // A client that breaks the connection off is no concern of the others.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// One request: the checks, then the answer from the `Renewer`'s thread.
async fn handle(
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
    shared: &Shared,
) -> hyper::Response<Full<Bytes>> {
    let answer = match check(&req, peer, &shared.token) {
        Some(refused) => refused,
        None => {
            let (reply, answered) = oneshot::channel();
            if (shared.on_ask)(Ask { reply }) {
                answered.await.unwrap_or_else(|_| stopping())
            } else {
                stopping()
            }
        }
    };
    let mut response = hyper::Response::new(Full::new(Bytes::from(answer.body)));
    *response.status_mut() = answer.status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    if answer.status == StatusCode::METHOD_NOT_ALLOWED {
        headers.insert(header::ALLOW, header::HeaderValue::from_static("GET"));
    }
    response
}

/// The refusal for a request that may not have credentials, if it may not.
fn check(req: &hyper::Request<Incoming>, peer: SocketAddr, token: &Token) -> Option<Answer> {
    if !peer.ip().is_loopback() {
        return Some(Answer::error(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "only a process on this machine may ask",
        ));
    }
    match req.headers().get(header::AUTHORIZATION) {
        None => {
            return Some(Answer::error(
                StatusCode::UNAUTHORIZED,
                "Unauthorized",
                "the Authorization header is missing; send AWS_CONTAINER_AUTHORIZATION_TOKEN",
            ));
        }
        Some(value) if !same(value.as_bytes(), token.0.as_bytes()) => {
            return Some(Answer::error(
                StatusCode::FORBIDDEN,
                "Forbidden",
                "the Authorization header is not this server's token",
            ));
        }
        Some(_) => {}
    }
    if req.method() != Method::GET {
        return Some(Answer::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "only GET is served",
        ));
    }
    None
}

fn stopping() -> Answer {
    Answer::error(
        StatusCode::SERVICE_UNAVAILABLE,
        "Stopping",
        "aws-as is stopping",
    )
}

/// The credentials the endpoint serves, renewed as they come due, on the thread that owns the
/// `Context`.
pub struct Renewer<'a> {
    ctx: &'a Context,
    chain: &'a Chain,
    /// `refresh_margin` in seconds: renew when less than this is left, as a switch does.
    margin: i64,
    /// The last good credentials, served while renewals fail and they have not expired.
    last: Credentials,
    /// No STS call before this time (Unix seconds), after a failure.
    quiet_until: i64,
    /// The failure last reported on stderr, so that each is said once.
    reported: Option<String>,
}

impl<'a> Renewer<'a> {
    /// Start from `first`, the credentials the command's run began with.
    pub fn new(ctx: &'a Context, chain: &'a Chain, first: Credentials) -> Result<Renewer<'a>> {
        let margin = i64::try_from(ctx.settings()?.refresh_margin.as_secs()).unwrap_or(i64::MAX);
        Ok(Renewer {
            ctx,
            chain,
            margin,
            last: first,
            quiet_until: 0,
            reported: None,
        })
    }

    /// The answer to one request: the credentials, renewed first when they are due.
    ///
    /// A renewal asks for the profile's own lifetime, not `--duration` (which shaped the first
    /// credentials only): a duration forces a new call even when another process has just
    /// renewed them under the cache's lock, and the SDKs ask again before expiry anyway.
    pub fn answer(&mut self) -> Answer {
        let now = crate::util::now_epoch();
        // A renewal made elsewhere (`aws-as NAME` in another shell) is taken at once.
        if let Ok(Some(creds)) = cached(self.ctx, self.chain, 0)
            && creds.expires() > self.last.expires()
        {
            self.adopt(creds);
        }
        if self.last.expires().saturating_sub(self.margin) <= now && now >= self.quiet_until {
            let req = Request {
                unattended: true,
                ..Request::default()
            };
            match obtain(self.ctx, self.chain, &req) {
                Ok(creds) => self.adopt(creds),
                Err(err) => {
                    self.quiet_until = now + RETRY_AFTER;
                    self.report(&err);
                }
            }
        }
        if self.last.expires() > crate::util::now_epoch() {
            Answer::credentials(&self.last)
        } else {
            let name = crate::util::sanitize(&self.chain.name);
            Answer::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "CredentialsExpired",
                &format!(
                    "the credentials of `{name}` have expired and aws-as could not renew them; \
                     run aws-as {name}"
                ),
            )
        }
    }

    fn adopt(&mut self, creds: Credentials) {
        self.last = creds;
        self.quiet_until = 0;
        self.reported = None;
    }

    /// One line on stderr for a failed renewal, unless it is the one already said for these
    /// credentials. Errors from `obtain` carry no secret.
    fn report(&mut self, err: &anyhow::Error) {
        let name = &self.chain.name;
        let text = if code_needed(err) {
            format!(
                "the credentials of `{name}` need an MFA code to renew; run aws-as {name} in \
                 another shell (the ones served now last until {})",
                crate::util::clock_time(self.last.expires())
                    .unwrap_or_else(|| "an unknown time".into())
            )
        } else {
            format!("could not renew the credentials of `{name}`: {err:#}")
        };
        if self.reported.as_deref() != Some(text.as_str()) {
            crate::util::warn(&text);
            self.reported = Some(text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(same(b"0123abcd", b"0123abcd"));
        assert!(!same(b"0123abcd", b"0123abce"));
        assert!(!same(b"0123abcd", b"x123abcd"));
        assert!(!same(b"0123abcd", b"0123abc"));
        assert!(!same(b"", b"0"));
        assert!(same(b"", b""));
    }

    #[test]
    fn tokens_are_256_random_bits() {
        let (a, b) = (Token::new().unwrap(), Token::new().unwrap());
        assert_eq!(a.0.len(), 64);
        assert!(a.0.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.0, b.0);
    }

    #[test]
    fn answers_are_the_protocols_shapes() {
        let creds = Credentials {
            access_key_id: "ASIAEXAMPLE".into(),
            secret_access_key: zeroize::Zeroizing::new("secret".into()),
            session_token: Some("token".into()),
            expiration: Some(1_800_000_000),
            arn: None,
        };
        let a = Answer::credentials(&creds);
        assert_eq!(a.status, StatusCode::OK);
        let v: serde_json::Value = serde_json::from_str(&a.body).unwrap();
        assert_eq!(v["AccessKeyId"], "ASIAEXAMPLE");
        assert_eq!(v["SecretAccessKey"], "secret");
        assert_eq!(v["Token"], "token");
        assert_eq!(v["Expiration"], "2027-01-15T08:00:00Z");
        let e = Answer::error(StatusCode::FORBIDDEN, "Forbidden", "no");
        let v: serde_json::Value = serde_json::from_str(&e.body).unwrap();
        assert_eq!(v, serde_json::json!({"code": "Forbidden", "message": "no"}));
    }
}
