//! `aws-as export NAME --format sh|fish|csh|json|dotenv|credential-process`: an identity's
//! credentials for other tools. As a profile's `credential_process` it serves the AWS CLI, the
//! SDKs and terraform from aws-as's cache, with no terminal needed while the cache is warm.

use crate::cli::{ExportFormat, ObtainArgs};
use crate::config::Chain;
use crate::context::Context;
use crate::credentials::Credentials;
use crate::shell::identity::credential_vars;
use crate::shell::{Dialect, Stmt};
use crate::util::print_stdout;
use anyhow::{Context as _, Result, bail};
use std::io::IsTerminal;

pub fn run(ctx: &Context, name: &str, format: ExportFormat, args: &ObtainArgs) -> Result<()> {
    let (chain, creds) = super::credentials_for(ctx, name, args)
        .with_context(|| format!("could not export `{name}`"))?;
    let text = render(format, &chain, &creds)?;
    if std::io::stdout().is_terminal() {
        eprintln!("aws-as: {}", terminal_warning(format, name));
    }
    print_stdout(&text)
}

/// The credentials in `format`, whole: nothing is printed unless all of it rendered.
pub fn render(format: ExportFormat, chain: &Chain, creds: &Credentials) -> Result<String> {
    let vars = credential_vars(chain, creds);
    let expiration = crate::util::iso8601(creds.expires()).unwrap_or_default();
    let shell = |dialect: Dialect| {
        let stmts: Vec<Stmt> = vars
            .iter()
            .map(|(var, value)| Stmt::Set(*var, value.clone()))
            .collect();
        dialect.render(&stmts)
    };
    Ok(match format {
        ExportFormat::Sh => shell(Dialect::Sh)?,
        ExportFormat::Fish => shell(Dialect::Fish)?,
        ExportFormat::Csh => shell(Dialect::Csh)?,
        ExportFormat::Dotenv => {
            let mut out = String::new();
            for (var, value) in &vars {
                // dotenv has no one quoting rule (docker's --env-file takes quotes literally), so
                // only values that need none are written: keys, tokens, dates and regions are
                // base64, ISO 8601 and [a-z0-9-].
                if !value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+/=:._-".contains(c))
                {
                    bail!(
                        "could not write {} as dotenv: its value has characters that dotenv \
                         readers disagree about; use --format json",
                        var.name()
                    );
                }
                out.push_str(&format!("{}={value}\n", var.name()));
            }
            out
        }
        ExportFormat::Json => {
            let mut v = serde_json::json!({
                "Profile": chain.name,
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key.as_str(),
                "SessionToken": creds.token(),
                "Expiration": expiration,
            });
            if let Some(arn) = &creds.arn {
                v["Arn"] = serde_json::Value::String(arn.clone());
            }
            if let Some(region) = &chain.region {
                v["Region"] = serde_json::Value::String(region.clone());
            }
            format!("{}\n", serde_json::to_string_pretty(&v)?)
        }
        ExportFormat::CredentialProcess => {
            let v = serde_json::json!({
                "Version": 1,
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key.as_str(),
                "SessionToken": creds.token(),
                "Expiration": expiration,
            });
            format!("{v}\n")
        }
    })
}

/// One line for credentials about to land on a terminal: what the user probably meant.
fn terminal_warning(format: ExportFormat, name: &str) -> String {
    let meant = match format {
        ExportFormat::Sh => format!("eval \"$(aws-as export {name})\""),
        ExportFormat::Fish => format!("aws-as export {name} --format fish | source"),
        ExportFormat::Csh => format!("eval \"`aws-as export {name} --format csh`\""),
        _ => format!("aws-as export {name} > FILE, or aws-as exec {name} -- CMD"),
    };
    format!(
        "these are live credentials, printed to your terminal; did you mean {meant}, \
         or aws-as {name}?",
        name = crate::util::sanitize(name)
    )
}
