//! Tiny loopback HTTP servers for the failures moto cannot produce: STS's real error XML, and an
//! endpoint that accepts connections and never answers.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// STS's real error response for a rejected MFA code.
pub const MFA_REJECTED: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>AccessDenied</Code>
    <Message>MultiFactorAuthentication failed with invalid MFA one time pass code. </Message>
  </Error>
  <RequestId>4c2b1f5e-0000-4000-8000-000000000000</RequestId>
</ErrorResponse>
"#;

/// A one-purpose HTTP server on loopback that answers every request with `status` and `body`.
pub fn error_server(status: &'static str, body: &'static str) -> String {
    serve(8, move |_| (status, body.to_string()))
}

/// A loopback HTTP server that answers up to `count` requests with `answer(request)`, where the
/// request is the raw head and body as text.
pub fn serve(
    count: usize,
    answer: impl Fn(&str) -> (&'static str, String) + Send + 'static,
) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let Ok(mut s) = stream else { continue };
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            // Read the head, then as much body as Content-Length says.
            loop {
                let n = s.read(&mut chunk).unwrap_or(0);
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buf);
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text[..end]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let (status, body) = answer(&String::from_utf8_lossy(&buf));
            let resp = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nx-amzn-RequestId: 4c2b1f5e\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = s.write_all(resp.as_bytes());
        }
    });
    url
}

/// STS's real answer to GetCallerIdentity.
pub fn caller_identity(arn: &str) -> String {
    format!(
        r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>{arn}</Arn>
    <UserId>AIDAEXAMPLEUSERID0001</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
"#
    )
}

/// STS's real error for an access key it does not know (as for one IAM has not spread yet).
pub const INVALID_CLIENT_TOKEN: &str = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>InvalidClientTokenId</Code>
    <Message>The security token included in the request is invalid.</Message>
  </Error>
  <RequestId>4c2b1f5e-0000-4000-8000-000000000001</RequestId>
</ErrorResponse>
"#;

/// A server that accepts connections and never answers.
pub fn hung_server() -> String {
    hung_server_counting().0
}

/// A server that accepts connections and never answers, with the number of connections it has
/// accepted so far.
pub fn hung_server_counting() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        listener.set_nonblocking(true).unwrap();
        let end = Instant::now() + Duration::from_secs(120);
        while Instant::now() < end {
            if let Ok((s, _)) = listener.accept() {
                held.push(s);
                count.fetch_add(1, Ordering::SeqCst);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    (url, accepted)
}

/// An STS answer carrying credentials, in STS's own format, for operation `op`
/// (`GetSessionToken`, `AssumeRole`, ...), with each field given as the text to put there.
pub fn sts_credentials(op: &str, key: &str, secret: &str, token: &str, expiration: &str) -> String {
    let user = if op == "AssumeRole" {
        "<AssumedRoleUser><AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>\
         <Arn>arn:aws:sts::123456789012:assumed-role/dev/s</Arn></AssumedRoleUser>"
    } else {
        ""
    };
    format!(
        r#"<{op}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <{op}Result>
    {user}
    <Credentials>
      <AccessKeyId>{key}</AccessKeyId>
      <SecretAccessKey>{secret}</SecretAccessKey>
      <SessionToken>{token}</SessionToken>
      <Expiration>{expiration}</Expiration>
    </Credentials>
  </{op}Result>
  <ResponseMetadata>
    <RequestId>58c5dbae-abef-11e0-8cfe-09039844ac7d</RequestId>
  </ResponseMetadata>
</{op}Response>
"#
    )
}

/// An ISO 8601 time `secs` seconds from now, as STS writes expiries.
pub fn iso_in(secs: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let out = std::process::Command::new("date")
        .args([
            "-u",
            "-d",
            &format!("@{}", now + secs),
            "+%Y-%m-%dT%H:%M:%SZ",
        ])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// A TCP proxy in front of `target` (`http://HOST:PORT`) that can be told to hang: while the
/// flag is set, it accepts connections and never answers them (holding each for two minutes),
/// as an endpoint that has stopped responding does. Returns its URL, the flag, and the number
/// of connections it has held.
pub fn hanging_proxy(target: &str) -> (String, Arc<AtomicBool>, Arc<AtomicUsize>) {
    let target = target
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let hang = Arc::new(AtomicBool::new(false));
    let held = Arc::new(AtomicUsize::new(0));
    let (flag, count) = (hang.clone(), held.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(client) = stream else { continue };
            if flag.load(Ordering::SeqCst) {
                count.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_secs(120));
                    drop(client);
                });
                continue;
            }
            let Ok(server) = std::net::TcpStream::connect(&target) else {
                continue;
            };
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut c1, mut s1) = (client, server);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c1, &mut s1);
                let _ = s1.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s2, &mut c2);
                let _ = c2.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (url, hang, held)
}
