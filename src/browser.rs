//! Opening a URL in the user's browser without putting it in any process's arguments (a
//! browser's command line is readable by every user on the machine, and a sign-in URL is a
//! credential): the browser is given a one-time link to a listener on 127.0.0.1, which answers
//! with a redirect to the URL and closes. The link itself is in the browser's arguments, so
//! another user could fetch it first: the listener answers only connections made by the user's
//! own processes (Linux tells it whose a loopback connection is, in /proc/net/tcp).

use crate::env::{Env, EnvVars};
use crate::util::sanitize;
use anyhow::{Context, Result, anyhow, bail};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long `open` waits for the browser to fetch the one-time local link.
const BROWSER_WAIT: Duration = Duration::from_secs(60);

/// The browser: `$BROWSER` (colon-separated commands, `%s` for the URL, as xdg-open and Python's
/// webbrowser read it), else xdg-open, or `open` on macOS.
pub struct Opener {
    commands: Vec<Vec<String>>,
}

impl Opener {
    pub fn find(env: &Env) -> Result<Opener> {
        let hint = "run aws-as login without --open to print the URL instead";
        if let Some(browser) = env.get(EnvVars::BROWSER).filter(|b| !b.trim().is_empty()) {
            let commands: Vec<Vec<String>> = browser
                .split(':')
                .map(|entry| entry.split_whitespace().map(str::to_owned).collect())
                .filter(|argv: &Vec<String>| argv.first().is_some_and(|p| on_path(env, p)))
                .collect();
            if commands.is_empty() {
                bail!(
                    "no command in $BROWSER ({}) can be found; {hint}",
                    sanitize(browser)
                );
            }
            return Ok(Opener { commands });
        }
        let program = if cfg!(target_os = "macos") {
            "open"
        } else {
            "xdg-open"
        };
        if !on_path(env, program) {
            bail!("$BROWSER is not set and {program} is not installed; {hint}");
        }
        Ok(Opener {
            commands: vec![vec![program.to_string()]],
        })
    }

    /// Open `url` without putting it in any process's arguments: the browser is given a one-time
    /// link to a loopback listener, which answers it with a redirect to `url` and closes.
    pub fn open(self, url: &str) -> Result<()> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .context("could not listen on 127.0.0.1 for the browser")?;
        listener.set_nonblocking(true)?;
        let nonce = nonce()?;
        let link = format!("http://{}/{nonce}", listener.local_addr()?);
        let (served_tx, served) = std::sync::mpsc::channel();
        let mut commands = self.commands.into_iter();
        let mut running = Some(launch(&mut commands, &link)?);
        let deadline = Instant::now() + BROWSER_WAIT;
        loop {
            match listener.accept() {
                Ok((stream, peer)) => {
                    if !own_connection(peer, listener.local_addr()?) {
                        refuse(stream);
                        continue;
                    }
                    let (tx, nonce, url) = (served_tx.clone(), nonce.clone(), url.to_string());
                    std::thread::spawn(move || {
                        if answer(stream, &nonce, &url) {
                            let _ = tx.send(());
                        }
                    });
                }
                Err(err) if err.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(err) => return Err(err).context("could not wait for the browser"),
            }
            if served.try_recv().is_ok() {
                return Ok(());
            }
            if let Some((program, child)) = &mut running
                && let Some(status) = child.try_wait()?
            {
                if status.success() {
                    // It handed the link to a browser; the fetch is still to come.
                    running = None;
                } else if !commands.as_slice().is_empty() {
                    running = Some(launch(&mut commands, &link)?);
                } else {
                    bail!(
                        "the browser command {} failed ({status}); run aws-as login without \
                         --open to print the URL instead",
                        sanitize(program)
                    );
                }
            }
            if Instant::now() >= deadline {
                bail!(
                    "the browser did not load the sign-in page within {}s; run aws-as login \
                     without --open to print the URL instead",
                    BROWSER_WAIT.as_secs()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Start the next command that exists, with `link` for `%s` or as its last argument. Its stdout
/// goes to stderr: aws-as's stdout is for requested data only.
fn launch(commands: &mut impl Iterator<Item = Vec<String>>, link: &str) -> Result<(String, Child)> {
    let mut last = None;
    for argv in commands.by_ref() {
        let mut args: Vec<String> = argv[1..].iter().map(|a| a.replace("%s", link)).collect();
        if !argv[1..].iter().any(|a| a.contains("%s")) {
            args.push(link.to_string());
        }
        let mut cmd = Command::new(&argv[0]);
        crate::env::scrub_secrets(&mut cmd);
        match cmd
            .args(&args)
            .stdin(Stdio::null())
            .stdout(stderr_as_stdout())
            .spawn()
        {
            Ok(child) => return Ok((argv[0].clone(), child)),
            Err(err) => last = Some((argv[0].clone(), err)),
        }
    }
    match last {
        Some((program, err)) => Err(anyhow!(
            "could not start {}: {err}; run aws-as login without --open to print the URL instead",
            sanitize(&program)
        )),
        None => bail!("no browser command is left to try"),
    }
}

/// A duplicate of the stderr descriptor, to be a child's stdout.
fn stderr_as_stdout() -> Stdio {
    use std::os::fd::AsFd;
    std::io::stderr()
        .as_fd()
        .try_clone_to_owned()
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}

/// Serve one connection: the redirect for `GET /<nonce>`, 404 for anything else. True when the
/// redirect was sent, which spends the link.
fn answer(mut stream: TcpStream, nonce: &str, url: &str) -> bool {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut chunk = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&chunk[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head);
    let mut line = head.lines().next().unwrap_or("").split(' ');
    let (method, target) = (line.next(), line.next());
    let hit = method == Some("GET") && target == Some(&format!("/{nonce}"));
    let response = if hit {
        format!(
            "HTTP/1.1 303 See Other\r\nLocation: {url}\r\nCache-Control: no-store\r\n\
             Referrer-Policy: no-referrer\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )
    } else {
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_string()
    };
    let sent = stream.write_all(response.as_bytes()).is_ok() && stream.flush().is_ok();
    hit && sent
}

/// Whether the loopback connection from `peer` to `local` was made by a process of this user.
/// Linux lists every TCP socket with its owner in /proc/net/tcp: the client's end is the line
/// whose local address is `peer` and whose remote one is `local`. Where there is no such list
/// (another system), the connection is taken.
fn own_connection(peer: std::net::SocketAddr, local: std::net::SocketAddr) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return true;
    };
    match socket_owner(&table, peer, local) {
        Some(uid) => uid == crate::util::euid(),
        // Gone before it could be looked up, or not listed: not the user's browser.
        None => false,
    }
}

/// The uid of the socket from `from` to `to` in a /proc/net/tcp `table`.
fn socket_owner(table: &str, from: std::net::SocketAddr, to: std::net::SocketAddr) -> Option<u32> {
    let hex = |a: std::net::SocketAddr| match a {
        // The address as the kernel prints it: the 32-bit value in host order, then the port.
        std::net::SocketAddr::V4(v4) => Some(format!(
            "{:08X}:{:04X}",
            u32::from_ne_bytes(v4.ip().octets()),
            v4.port()
        )),
        std::net::SocketAddr::V6(_) => None,
    };
    let (from, to) = (hex(from)?, hex(to)?);
    table.lines().skip(1).find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        (f.get(1) == Some(&from.as_str()) && f.get(2) == Some(&to.as_str()))
            .then(|| f.get(7)?.parse().ok())
            .flatten()
    })
}

/// Turn away a connection from another user's process, without spending the link.
fn refuse(mut stream: TcpStream) {
    let _ = stream.set_nonblocking(false);
    let _ = stream
        .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

/// 128 random bits as hex, for the one-time local link.
fn nonce() -> Result<String> {
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("could not read /dev/urandom")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `program` can be run: a path that is an executable file, or a name found on PATH.
fn on_path(env: &Env, program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let runnable = |p: &std::path::Path| {
        std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    };
    if program.contains('/') {
        return runnable(std::path::Path::new(program));
    }
    env.get(EnvVars::PATH).is_some_and(|path| {
        std::env::split_paths(path)
            .any(|dir| !dir.as_os_str().is_empty() && runnable(&dir.join(program)))
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_owner_of_a_loopback_socket_is_read_from_proc_net_tcp() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:A1B2 0100007F:0050 01 00000000:00000000 00:00000000 00000000  1000        0 1 1
   1: 0100007F:0050 0100007F:A1B2 01 00000000:00000000 00:00000000 00000000     0        0 2 1
";
        let peer = "127.0.0.1:41394".parse().unwrap();
        let local = "127.0.0.1:80".parse().unwrap();
        assert_eq!(super::socket_owner(table, peer, local), Some(1000));
        assert_eq!(super::socket_owner(table, local, peer), Some(0));
        let other = "127.0.0.1:1".parse().unwrap();
        assert_eq!(super::socket_owner(table, other, local), None);
    }
}
