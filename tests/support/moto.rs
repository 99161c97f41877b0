//! A moto server on a free loopback port, with its request recorder.
//!
//! `requests` is the one reader of what the recording says each request was: bench/run, which uses
//! the same recorder, only counts its lines (one per request).

use base64::Engine;
use std::collections::HashMap;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Moto {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

/// One STS/IAM request as moto recorded it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub action: String,
    pub params: HashMap<String, String>,
    /// The access key id named in the SigV4 `Credential=` of the Authorization header.
    pub signing_key: String,
    /// The region named in the SigV4 scope (`Credential=KEY/DATE/REGION/SERVICE/aws4_request`).
    pub region: String,
    /// The service named in the SigV4 scope.
    pub service: String,
    /// The request's body as sent (JSON for DynamoDB and Organizations).
    pub body: String,
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Moto {
    /// Start moto, or return None when it is not installed (which fails the run in CI).
    pub fn start() -> Option<Moto> {
        let server = super::venv().join("bin/moto_server");
        if !super::require(server.to_str().unwrap()) {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        for _ in 0..5 {
            let port = free_port();
            let mut child = Command::new(&server)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_ENABLE_RECORDING", "1")
                .env("MOTO_RECORDER_FILEPATH", dir.path().join("recording"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start moto_server");
            let url = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + Duration::from_secs(60);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    break; // the port was taken in the meantime: try another
                }
                if curl(&["-sf", &format!("{url}/moto-api/")]).is_some() {
                    let moto = Moto {
                        child,
                        port,
                        _dir: dir,
                    };
                    moto.reset();
                    return Some(moto);
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("moto_server did not start");
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Forget what was recorded so far.
    pub fn reset(&self) {
        curl(&[
            "-sf",
            "-X",
            "POST",
            &format!("{}/moto-api/recorder/reset-recording", self.url()),
        ])
        .expect("reset the moto recording");
    }

    /// The STS and IAM calls recorded since the last reset, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        let text = curl(&[
            "-sf",
            &format!("{}/moto-api/recorder/download-recording", self.url()),
        ])
        .expect("download the moto recording");
        let mut out = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("recorder line is JSON");
            if v["method"] != "POST" {
                continue;
            }
            let body = v["body"].as_str().unwrap_or("");
            let body = if v["body_encoded"].as_bool().unwrap_or(false) {
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(body)
                        .unwrap(),
                )
                .unwrap()
            } else {
                body.to_string()
            };
            let params: HashMap<String, String> = form_urlencoded::parse(body.as_bytes())
                .into_owned()
                .collect();
            let auth = v["headers"]["Authorization"]
                .as_str()
                .unwrap_or("")
                .to_string();
            let scope = auth
                .split("Credential=")
                .nth(1)
                .and_then(|s| s.split(',').next())
                .unwrap_or("");
            let parts: Vec<&str> = scope.split('/').collect();
            // Query protocols (STS, IAM) name the action in the form; JSON ones (DynamoDB,
            // Organizations) in X-Amz-Target, `DynamoDB_20120810.Scan`.
            let target = v["headers"]["X-Amz-Target"]
                .as_str()
                .and_then(|t| t.rsplit('.').next())
                .unwrap_or("")
                .to_string();
            out.push(Recorded {
                action: params.get("Action").cloned().unwrap_or(target),
                body: body.clone(),
                signing_key: parts.first().unwrap_or(&"").to_string(),
                region: parts.get(2).unwrap_or(&"").to_string(),
                service: parts.get(3).unwrap_or(&"").to_string(),
                params,
            });
        }
        out
    }

    /// How many recorded requests were `action`.
    pub fn count(&self, action: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.action == action)
            .count()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// GET or POST with curl; None on any failure.
pub fn curl(args: &[&str]) -> Option<String> {
    let out = Command::new("curl").args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
