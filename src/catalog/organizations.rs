//! The `organizations` source: every ACTIVE account of the AWS Organization that `via`'s
//! credentials can list (ListAccounts, page by page). Each account's identity assumes the
//! configured role in it (`arn:PARTITION:iam::ACCOUNT:role/ROLE`), named by the template.

use super::progress::Progress;
use super::{RawEntry, Spec};
use crate::config::Chain;
use crate::context::Context;
use crate::credentials::Credentials;
use anyhow::Result;
use aws_sdk_organizations::types::{Account, AccountState, AccountStatus};

/// Every ACTIVE account, as an entry (unchecked: the account's name is free text).
pub fn read(
    ctx: &Context,
    chain: &Chain,
    creds: &Credentials,
    spec: &Spec,
    progress: &Progress,
) -> Result<Vec<RawEntry>> {
    let aws = ctx.aws(chain)?;
    let mut conf = aws_sdk_organizations::config::Builder::from(aws.sdk_config())
        .credentials_provider(crate::credentials::aws::signing(creds));
    // Organizations answers in one region of each partition; us-east-1 is the commercial one.
    if let Some(region) = &spec.region {
        conf = conf.region(aws_config::Region::new(region.clone()));
    } else {
        conf = conf.region(aws_config::Region::new("us-east-1"));
    }
    let client = aws_sdk_organizations::Client::from_conf(conf.build());
    let template = spec.template();
    let role = spec.org_role();
    let mut entries = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = aws.send(
            "Organizations",
            "ListAccounts",
            client.list_accounts().set_next_token(token.take()).send(),
        )?;
        let accounts = page.accounts();
        progress.add(accounts.len() as u64, None);
        entries.extend(
            accounts
                .iter()
                .filter(|a| active(a))
                .map(|a| entry(a, &template, role)),
        );
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(entries)
}

/// ACTIVE by the newer `State` when the answer has it, else by `Status`.
fn active(account: &Account) -> bool {
    match (account.state(), account.status()) {
        (Some(state), _) => *state == AccountState::Active,
        (None, Some(status)) => *status == AccountStatus::Active,
        (None, None) => false,
    }
}

fn entry(account: &Account, template: &super::Template, role: &str) -> RawEntry {
    let id = account.id().unwrap_or_default();
    // arn:PARTITION:organizations::MANAGEMENT:account/o-.../ACCOUNT
    let partition = account
        .arn()
        .and_then(|arn| arn.split(':').nth(1))
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    RawEntry {
        name: Some(template.render(account.name().unwrap_or(id), id, role)),
        id: Some(id.to_string()),
        description: account.name().map(str::to_owned),
        regions: Vec::new(),
        roles: vec![format!("arn:{partition}:iam::{id}:role/{role}")],
        ..RawEntry::default()
    }
}
