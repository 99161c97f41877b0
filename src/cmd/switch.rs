//! `aws-as NAME`, `aws-as use NAME` and `aws-as -`: the statements that switch a shell.

use crate::config::Chain;
use crate::config::PromptFormat;
use crate::credentials::Credentials;
use crate::shell::{Stmt, Var, label};
use anyhow::{Result, bail};

/// The shell after a switch to `chain`'s identity.
pub fn switch_stmts(chain: &Chain, creds: &Credentials, format: &PromptFormat) -> Vec<Stmt> {
    let mut stmts = vec![
        Stmt::Set(Var::AccessKeyId, creds.access_key_id.clone()),
        Stmt::Set(Var::SecretAccessKey, creds.secret_access_key.clone()),
        Stmt::Set(Var::SessionToken, creds.session_token.clone()),
        Stmt::Set(Var::CredentialExpiration, super::iso8601(creds.expiration)),
        Stmt::Set(Var::Identity, chain.name.clone()),
        Stmt::Set(Var::Expiration, creds.expiration.to_string()),
    ];
    match &chain.region {
        Some(region) => {
            stmts.push(Stmt::Set(Var::Region, region.clone()));
            stmts.push(Stmt::Set(Var::DefaultRegion, region.clone()));
        }
        None => {
            stmts.push(Stmt::Restore(Var::Region));
            stmts.push(Stmt::Restore(Var::DefaultRegion));
        }
    }
    // No tool may mix a profile with these credentials.
    stmts.push(Stmt::Unset(Var::Profile));
    stmts.push(Stmt::Unset(Var::DefaultProfile));
    stmts.push(Stmt::Label(label(
        format,
        Some((&chain.name, Some(creds.expiration))),
    )));
    stmts
}

/// The shell after `aws-as -`: no identity, regions as before activation.
pub fn clear_stmts(format: &PromptFormat) -> Vec<Stmt> {
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

/// A switch typed where the shell function is not loaded: the binary cannot change its parent
/// shell, so it says how to get there instead of printing credentials.
pub fn run_outside_hook(name: &str) -> Result<()> {
    let what = if name == "-" {
        "clear the identity".to_string()
    } else {
        format!("switch to `{name}`")
    };
    bail!(
        "could not {what}: the aws-as shell function is not loaded in this shell; \
         run eval \"$(aws-as -s)\" (fish: aws-as -s fish | source; csh: eval \"`aws-as -c`\"), \
         and add it to your shell's rc file, or use `aws-as export`"
    )
}
