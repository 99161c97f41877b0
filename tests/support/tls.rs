//! An HTTPS endpoint for the calls that must go over real TLS: a CA and a server certificate
//! made with openssl, and Python's http.server answering every GET with one JSON body and
//! recording what it was asked.

use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The server: answers every GET with 200 and the body in `argv[3]`, and appends one JSON line
/// per request (target, Host and the other headers, names in lower case) to `argv[4]`.
const SERVER: &str = r#"
import http.server, json, ssl, sys
port, cert, key, body_file, requests = sys.argv[1:6]
with open(body_file, "rb") as f:
    body = f.read()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        headers = {k.lower(): v for k, v in self.headers.items()}
        with open(requests, "a") as f:
            f.write(json.dumps({"target": self.path, "headers": headers}) + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
server = http.server.HTTPServer(("127.0.0.1", int(port)), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
server.socket = ctx.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
"#;

pub struct TlsServer {
    child: Child,
    /// `https://NAME` or `https://NAME:PORT`, NAME being the first name of the certificate.
    pub url: String,
    pub port: u16,
    /// The CA that signed the server's certificate, for SSL_CERT_FILE.
    pub ca: PathBuf,
    requests: PathBuf,
}

/// One GET the server answered.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request line's target: path and query.
    pub target: String,
    /// The headers, names in lower case.
    pub headers: HashMap<String, String>,
}

impl TlsServer {
    /// Every request answered so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        std::fs::read_to_string(&self.requests)
            .unwrap_or_default()
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                Request {
                    target: v["target"].as_str().unwrap().to_string(),
                    headers: serde_json::from_value(v["headers"].clone()).unwrap(),
                }
            })
            .collect()
    }
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Start the server on 127.0.0.1:`port` (0 for any free port) with a certificate whose
/// subjectAltName is `san` (openssl's form: `IP:127.0.0.1`, `DNS:a.example,DNS:b.example`),
/// signed by a CA made for the occasion: webpki refuses a CA certificate presented as the
/// server's own. The files go in `dir`. Panics with Python's message when it can't listen.
pub fn tls_server(dir: &Path, san: &str, port: u16, body: &str) -> TlsServer {
    let openssl = |args: &[&str]| {
        let ok = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(ok.success(), "openssl {args:?}");
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    openssl(
        &[
            &[
                "req",
                "-x509",
                "-days",
                "1",
                "-subj",
                "/CN=aws-as test CA",
                "-keyout",
                "ca.key",
            ][..],
            &ec,
            &["-out", "ca.pem"],
        ]
        .concat(),
    );
    let name = san
        .split(',')
        .next()
        .and_then(|n| n.split_once(':'))
        .expect("a subjectAltName such as IP:127.0.0.1")
        .1;
    openssl(
        &[
            &[
                "req",
                "-subj",
                &format!("/CN={name}"),
                "-keyout",
                "key.pem",
                "-out",
                "leaf.csr",
            ][..],
            &ec,
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("leaf.ext"),
        format!("subjectAltName={san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"),
    )
    .unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-extfile",
        "leaf.ext",
        "-out",
        "cert.pem",
    ]);
    std::fs::write(dir.join("body"), body).unwrap();
    let requests = dir.join("requests");
    let mut child = Command::new(super::venv().join("bin/python"))
        .arg("-c")
        .arg(SERVER)
        .arg(port.to_string())
        .args(["cert.pem", "key.pem", "body"].map(|f| dir.join(f)))
        .arg(&requests)
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("server.err")).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let Ok(port) = line.trim().parse::<u16>() else {
        let _ = child.wait();
        panic!(
            "the TLS server did not start on 127.0.0.1:{port}: {}",
            std::fs::read_to_string(dir.join("server.err")).unwrap_or_default()
        );
    };
    let url = match port {
        443 => format!("https://{name}"),
        _ => format!("https://{name}:{port}"),
    };
    TlsServer {
        child,
        url,
        port,
        ca: dir.join("ca.pem"),
        requests,
    }
}
