//! What an activated shell's environment becomes: after a switch to an identity, after `aws-as
//! -`, and, for `export` and `exec`, the variables an identity's credentials set.

use super::{Renewal, Shown, Stmt, Var, label, region};
use crate::config::{Chain, PromptFormat};
use crate::credentials::Credentials;
use crate::env::Env;

/// The variables an identity's credentials set, in the order they are set: the credentials and
/// their expiry. The renewal at the prompt sets these alone.
pub fn key_vars(creds: &Credentials) -> Vec<(Var, String)> {
    vec![
        (Var::AccessKeyId, creds.access_key_id.clone()),
        (Var::SecretAccessKey, creds.secret_access_key.to_string()),
        (Var::SessionToken, creds.token().to_string()),
        (
            Var::CredentialExpiration,
            crate::util::iso8601(creds.expires()).unwrap_or_default(),
        ),
    ]
}

/// The variables an identity's credentials set for `export` and `exec`: the credentials, their
/// expiry, and the region when the chain names one.
pub fn credential_vars(chain: &Chain, creds: &Credentials) -> Vec<(Var, String)> {
    let mut vars = key_vars(creds);
    vars.extend(region_vars(chain));
    vars
}

/// The region variables, when the chain names a region: part of `credential_vars`, and alone
/// for `exec --server`, whose command gets no credentials in its environment.
pub fn region_vars(chain: &Chain) -> Vec<(Var, String)> {
    match &chain.region {
        Some(region) => vec![
            (Var::Region, region.clone()),
            (Var::DefaultRegion, region.clone()),
        ],
        None => Vec::new(),
    }
}

/// What a switch is given beyond the identity: the prompt's format, the region the user asked
/// for (`--region`), and when the prompt should renew the credentials.
pub struct SwitchTo<'a> {
    pub format: &'a PromptFormat,
    pub asked_region: Option<&'a str>,
    pub renewal: Option<Renewal>,
}

/// The shell after a switch to `chain`'s identity. `env` is the shell's, as the shell function
/// passes it (see `region::plan`).
pub fn switch(chain: &Chain, creds: &Credentials, env: &Env, to: SwitchTo) -> Vec<Stmt> {
    let mut stmts: Vec<Stmt> = key_vars(creds)
        .into_iter()
        .map(|(var, value)| Stmt::Set(var, value))
        .collect();
    let (regions, region) = region::plan(env, to.asked_region, chain.region.as_deref(), false);
    stmts.extend(regions);
    stmts.push(Stmt::Set(Var::Identity, chain.name.clone()));
    stmts.push(Stmt::Set(Var::Expiration, creds.expires().to_string()));
    // No tool may mix a profile with these credentials.
    stmts.push(Stmt::Unset(Var::Profile));
    stmts.push(Stmt::Unset(Var::DefaultProfile));
    stmts.push(Stmt::Label(label(
        to.format,
        Some(Shown {
            name: &chain.name,
            expires: creds.expiration,
            region: region.as_deref(),
        }),
    )));
    stmts.push(Stmt::Renewal(to.renewal));
    stmts
}

/// The shell after `aws-as region R` (or, with none, `aws-as region -`) for the active identity
/// `name`, whose own region is `own`: no STS call, and the credentials stay as they are.
pub fn set_region(
    env: &Env,
    format: &PromptFormat,
    name: &str,
    asked: Option<&str>,
    own: Option<&str>,
) -> Vec<Stmt> {
    let (mut stmts, region) = region::plan(env, asked, own, true);
    stmts.push(Stmt::Label(label(
        format,
        Some(Shown {
            name,
            expires: env.expiration(),
            region: region.as_deref(),
        }),
    )));
    stmts
}

/// The shell after `aws-as -`: no identity, regions as before activation.
pub fn clear(format: &PromptFormat) -> Vec<Stmt> {
    let mut stmts = vec![
        Stmt::Unset(Var::AccessKeyId),
        Stmt::Unset(Var::SecretAccessKey),
        Stmt::Unset(Var::SessionToken),
        Stmt::Unset(Var::CredentialExpiration),
        Stmt::Unset(Var::Identity),
        Stmt::Unset(Var::Expiration),
    ];
    stmts.extend(region::clear());
    stmts.extend([
        Stmt::Unset(Var::Profile),
        Stmt::Unset(Var::DefaultProfile),
        Stmt::Label(label(format, None)),
        Stmt::Renewal(None),
    ]);
    stmts
}
