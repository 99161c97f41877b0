//! The `sso` source: every account and role the user has in IAM Identity Center, read from the
//! portal (ListAccounts, then ListAccountRoles per account, each page by page) with the token
//! `aws sso login --sso-session NAME` cached, at most 20 requests a second and backing off when
//! the portal throttles. An identity's credentials come from GetRoleCredentials with the same
//! token, cached by aws-as like any step.

use super::progress::Progress;
use super::{Found, RawEntry, Spec};
use crate::config::chain::{Base, BaseKeys, Provider, SsoRole, digest};
use crate::config::{Chain, Profiles};
use crate::context::Context;
use crate::credentials::aws::Aws;
use crate::env::Env;
use anyhow::{Result, anyhow, bail};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Identity Center's documented rate: about 20 requests a second.
const MIN_GAP: Duration = Duration::from_millis(50);
/// Tries of one request that the portal throttles, the wait doubling from `FIRST_WAIT`.
const TRIES: u32 = 6;
const FIRST_WAIT: Duration = Duration::from_millis(500);

/// The session's start URL and region, from the AWS config file.
pub fn session(ctx: &Context, name: &str) -> Result<(String, String)> {
    let Some((url, region)) = ctx.profiles()?.sso_session(name)? else {
        bail!("there is no [sso-session {name}] in the AWS config file");
    };
    let url = url.ok_or_else(|| anyhow!("[sso-session {name}] has no sso_start_url"))?;
    let region = region.ok_or_else(|| anyhow!("[sso-session {name}] has no sso_region"))?;
    if !crate::config::chain::valid_region(&region) {
        bail!(
            "[sso-session {name}] has sso_region = {}, which is not a region name",
            crate::util::sanitize(&region)
        );
    }
    Ok((url, region))
}

/// Requests paced to `MIN_GAP` apart, each tried again after a growing wait while the portal
/// throttles it.
struct Pacer<'a> {
    aws: &'a Aws<'a>,
    last: Cell<Option<Instant>>,
    progress: &'a Progress,
}

impl Pacer<'_> {
    fn send<T, E, F>(&self, op: &'static str, call: impl Fn() -> F) -> Result<T>
    where
        F: std::future::Future<
                Output = Result<
                    T,
                    aws_sdk_sso::error::SdkError<E, aws_sdk_sso::config::http::HttpResponse>,
                >,
            >,
        E: aws_sdk_sso::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut wait = FIRST_WAIT;
        for attempt in 1..=TRIES {
            if let Some(last) = self.last.get()
                && let Some(left) = MIN_GAP.checked_sub(last.elapsed())
            {
                std::thread::sleep(left);
            }
            self.last.set(Some(Instant::now()));
            match self.aws.send("the SSO portal", op, call()) {
                Ok(v) => return Ok(v),
                Err(e) if throttled(&e) && attempt < TRIES => {
                    self.progress.note(&format!(
                        "the SSO portal is throttling; waiting {} ms",
                        wait.as_millis()
                    ));
                    std::thread::sleep(wait);
                    wait *= 2;
                }
                Err(e) => return Err(e.into()),
            }
        }
        unreachable!("the last try returns")
    }
}

fn throttled(e: &crate::credentials::aws::AwsError) -> bool {
    matches!(
        e.code(),
        Some("TooManyRequestsException" | "ThrottlingException" | "Throttling")
    ) || e.status() == Some(429)
}

/// Every account and role of the user, as entries named by the template.
pub fn read(ctx: &Context, spec: &Spec, progress: &Progress) -> Result<Vec<RawEntry>> {
    let name = spec.sso_session.as_deref().unwrap_or_default();
    let (_, region) = session(ctx, name)?;
    let token = crate::credentials::sso::token(ctx.env(), name)?;
    let aws = ctx.aws_in(&region)?;
    let client = crate::credentials::sso::client(&aws, &region);
    let pacer = Pacer {
        aws: &aws,
        last: Cell::new(None),
        progress,
    };
    let template = spec.template();
    let mut accounts = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page = pacer.send("ListAccounts", || {
            client
                .list_accounts()
                .access_token(token.as_str())
                .set_next_token(next.clone())
                .send()
        })?;
        for a in page.account_list() {
            accounts.push((
                a.account_id().unwrap_or_default().to_string(),
                a.account_name().unwrap_or_default().to_string(),
            ));
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => next = Some(t.to_string()),
            _ => break,
        }
    }
    let total = accounts.len() as u64;
    let mut entries = Vec::new();
    for (id, account_name) in &accounts {
        let mut next: Option<String> = None;
        loop {
            let page = pacer.send("ListAccountRoles", || {
                client
                    .list_account_roles()
                    .access_token(token.as_str())
                    .account_id(id)
                    .set_next_token(next.clone())
                    .send()
            })?;
            for r in page.role_list() {
                let role = r.role_name().unwrap_or_default();
                entries.push(RawEntry {
                    name: Some(template.render(account_name, id, role)),
                    id: Some(id.clone()),
                    description: Some(account_name.clone()),
                    regions: Vec::new(),
                    roles: vec![role.to_string()],
                    ..RawEntry::default()
                });
            }
            match page.next_token() {
                Some(t) if !t.is_empty() => next = Some(t.to_string()),
                _ => break,
            }
        }
        progress.add(1, Some(total));
    }
    Ok(entries)
}

/// An SSO identity's chain: no hop, a base whose credentials GetRoleCredentials gives.
pub fn chain(found: &Found, _profiles: &Profiles, _env: &Env) -> Result<Chain> {
    let entry = &found.entry;
    let session = found.spec.sso_session.clone().unwrap_or_default();
    let Some((start_url, region)) = found.sso.clone() else {
        bail!(
            "the local copy of catalogue `{}` does not say where its SSO session is; run `aws-as \
             catalog sync {}`",
            found.catalog,
            found.catalog
        );
    };
    let role = SsoRole {
        session,
        start_url,
        region,
        account: entry.account.clone().unwrap_or_default(),
        role: entry.roles.first().cloned().unwrap_or_default(),
    };
    let fingerprint = digest(&[
        "catalogue sso",
        &role.session,
        &role.start_url,
        &role.region,
        &role.account,
        &role.role,
    ]);
    Ok(Chain {
        name: entry.name.clone(),
        // No profile of the files is read for it: the default one's endpoint settings apply.
        profile: "default".to_string(),
        base: Base {
            profile: entry.name.clone(),
            keys: BaseKeys::Provided {
                source: Provider::Sso,
                fingerprint,
            },
            mfa_serial: None,
            mfa_process: None,
            discover_mfa: false,
        },
        hops: Vec::new(),
        region: entry.regions.first().cloned(),
        endpoint: String::new(),
        federation: None,
        sso: Some(role),
    })
}
