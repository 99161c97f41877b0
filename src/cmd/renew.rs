//! `aws-as __renew SHELL PID NONCE`: the prompt's renewal of the active identity's credentials
//! (CONTRACT section 8), started in the background by the shell's prompt hook once the time
//! `refresh_margin` before expiry has come, so that no prompt ever waits on the network.
//!
//! It obtains the credentials as a switch does, from the cache and under its locks, but
//! unattended: it never opens the terminal, so a renewal that needs an MFA code nobody can type
//! fails at once. What it got goes to the file `renew-PID` in the cache directory (0600,
//! written atomically), one value per line, which the shell's next prompt reads with its
//! builtin `read`: no shell code is ever read back from disk, and nothing starts a process.
//!
//! The lines: NONCE, the outcome (`ok`, `code` when a code is needed, `fail`), the identity and
//! the expiry it renewed (the shell ignores the file once it has switched since), then, for
//! `ok`, the key ID, the secret, the token, the ISO expiry, the Unix expiry and the next due
//! time, and for `ok` and `code` the label (FIXED, HEAD, EXPIRES, TAIL; the last three empty
//! when it doesn't count down). Nothing goes to stdout; stderr goes nowhere the user sees.

use crate::context::Context;
use crate::credentials::{Request, mfa};
use crate::shell::identity::key_vars;
use crate::shell::{Label, Shell, Shown, label, stale_label};
use anyhow::{Result, bail};

pub fn run(ctx: &Context, _shell: Shell, pid: u32, nonce: u64) -> Result<()> {
    let env = ctx.env();
    let (Some(name), Some(expires)) = (env.identity(), env.expiration()) else {
        bail!("could not renew: no identity is active");
    };
    let settings = ctx.settings()?;
    let format = &settings.prompt_format;
    let region = env.get(crate::env::EnvVars::AWS_AS_REGION);
    let got = super::chain_for(ctx, name).and_then(|mut chain| {
        let req = Request {
            unattended: true,
            ..Request::default()
        };
        super::settled(ctx, &mut chain, &req)
    });
    let mut lines = vec![nonce.to_string()];
    match &got {
        Ok(creds) => {
            lines.push("ok".into());
            lines.extend([name.to_string(), expires.to_string()]);
            lines.extend(key_vars(creds).into_iter().map(|(_, v)| v));
            lines.push(creds.expires().to_string());
            lines.push(
                creds
                    .expires()
                    .saturating_sub(settings.refresh_margin.as_secs() as i64)
                    .to_string(),
            );
            let shown = Shown {
                name,
                expires: creds.expiration,
                region,
            };
            lines.extend(label_lines(&label(format, Some(shown))));
        }
        Err(e) if mfa::code_needed(e) => {
            lines.push("code".into());
            lines.extend([name.to_string(), expires.to_string()]);
            let shown = Shown {
                name,
                expires: Some(expires),
                region,
            };
            lines.extend(label_lines(&stale_label(format, shown)));
        }
        Err(_) => {
            lines.push("fail".into());
            lines.extend([name.to_string(), expires.to_string()]);
        }
    }
    // One value per line: a value with a line break (none can have one: the credentials passed
    // the STS answer's check, and labels have no control characters) would shift every line
    // after it, so it fails the renewal instead.
    if lines.iter().any(|l| l.contains(['\n', '\r', '\0'])) {
        bail!("could not renew: a value has a line break");
    }
    let mut text = lines.join("\n");
    text.push('\n');
    ctx.cache()?.renewal(pid, &text)?;
    got.map(|_| ())
}

fn label_lines(label: &Label) -> [String; 4] {
    match &label.live {
        Some(live) => [
            label.fixed.clone(),
            live.head.clone(),
            live.expires.to_string(),
            live.tail.clone(),
        ],
        None => [
            label.fixed.clone(),
            String::new(),
            String::new(),
            String::new(),
        ],
    }
}
