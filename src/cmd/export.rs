//! `aws-as export NAME --format sh|json|credential-process`: credentials for other tools.

use crate::cli::{ExportFormat, ObtainArgs};
use crate::shell::{Dialect, Stmt, Var};
use crate::util::print_stdout;
use anyhow::{Context, Result};
use std::io::IsTerminal;

pub fn run(name: &str, format: ExportFormat, args: &ObtainArgs) -> Result<()> {
    let settings = crate::config::Settings::load()?;
    let (chain, creds) = super::credentials_for(name, args, &settings)
        .with_context(|| format!("could not export `{name}`"))?;
    let expiration = super::iso8601(creds.expiration);
    let text = match format {
        ExportFormat::Sh => {
            let mut stmts = vec![
                Stmt::Set(Var::AccessKeyId, creds.access_key_id.clone()),
                Stmt::Set(Var::SecretAccessKey, creds.secret_access_key.clone()),
                Stmt::Set(Var::SessionToken, creds.session_token.clone()),
                Stmt::Set(Var::CredentialExpiration, expiration.clone()),
            ];
            if let Some(region) = &chain.region {
                stmts.push(Stmt::Set(Var::Region, region.clone()));
                stmts.push(Stmt::Set(Var::DefaultRegion, region.clone()));
            }
            Dialect::Bash.render(&stmts)?
        }
        ExportFormat::Json => {
            let mut v = serde_json::json!({
                "Profile": chain.name,
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key,
                "SessionToken": creds.session_token,
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
                "SecretAccessKey": creds.secret_access_key,
                "SessionToken": creds.session_token,
                "Expiration": expiration,
            });
            format!("{v}\n")
        }
    };
    if std::io::stdout().is_terminal() {
        eprintln!(
            "aws-as: these are live credentials, printed to your terminal; did you mean \
             eval \"$(aws-as export {name})\" or aws-as {name}?"
        );
    }
    print_stdout(&text)
}
