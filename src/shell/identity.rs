//! What an activated shell's environment becomes: after a switch to an identity, after `aws-as
//! -`, and, for `export` and `exec`, the variables an identity's credentials set.

use super::{Stmt, Var, label};
use crate::config::{Chain, PromptFormat};
use crate::credentials::Credentials;

/// The variables an identity's credentials set, in the order they are set: the credentials,
/// their expiry, and the region when the chain names one. Export, exec and the switch share it.
pub fn credential_vars(chain: &Chain, creds: &Credentials) -> Vec<(Var, String)> {
    let mut vars = vec![
        (Var::AccessKeyId, creds.access_key_id.clone()),
        (Var::SecretAccessKey, creds.secret_access_key.to_string()),
        (Var::SessionToken, creds.token().to_string()),
        (
            Var::CredentialExpiration,
            crate::util::iso8601(creds.expires()).unwrap_or_default(),
        ),
    ];
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

/// The shell after a switch to `chain`'s identity.
pub fn switch(chain: &Chain, creds: &Credentials, format: &PromptFormat) -> Vec<Stmt> {
    let mut stmts: Vec<Stmt> = credential_vars(chain, creds)
        .into_iter()
        .map(|(var, value)| Stmt::Set(var, value))
        .collect();
    stmts.push(Stmt::Set(Var::Identity, chain.name.clone()));
    stmts.push(Stmt::Set(Var::Expiration, creds.expires().to_string()));
    if chain.region.is_none() {
        stmts.push(Stmt::Restore(Var::Region));
        stmts.push(Stmt::Restore(Var::DefaultRegion));
    }
    // No tool may mix a profile with these credentials.
    stmts.push(Stmt::Unset(Var::Profile));
    stmts.push(Stmt::Unset(Var::DefaultProfile));
    stmts.push(Stmt::Label(label(
        format,
        Some((&chain.name, creds.expiration)),
    )));
    stmts
}

/// The shell after `aws-as -`: no identity, regions as before activation.
pub fn clear(format: &PromptFormat) -> Vec<Stmt> {
    vec![
        Stmt::Unset(Var::AccessKeyId),
        Stmt::Unset(Var::SecretAccessKey),
        Stmt::Unset(Var::SessionToken),
        Stmt::Unset(Var::CredentialExpiration),
        Stmt::Unset(Var::Identity),
        Stmt::Unset(Var::Expiration),
        Stmt::Restore(Var::Region),
        Stmt::Restore(Var::DefaultRegion),
        Stmt::Unset(Var::Profile),
        Stmt::Unset(Var::DefaultProfile),
        Stmt::Label(label(format, None)),
    ]
}
