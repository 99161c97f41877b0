//! `aws-as login NAME [--open]`: an AWS console sign-in URL for the identity (see
//! `credentials::console`), printed, or opened in the browser (see `browser`).

use crate::browser::Opener;
use crate::cli::ObtainArgs;
use crate::config::chain::StepKind;
use crate::context::Context;
use crate::credentials::console::{Console, signin_token};
use crate::util::{print_stdout, sanitize};
use anyhow::{Context as _, Result, anyhow};

pub fn run(ctx: &Context, name: &str, open: bool, args: &ObtainArgs) -> Result<()> {
    let what = || format!("could not sign in to the console as `{}`", sanitize(name));
    // Everything that can be refused without the network is refused first.
    let opener = open
        .then(|| Opener::find(ctx.env()))
        .transpose()
        .with_context(what)?;
    let chain = super::chain_for(ctx, name).with_context(what)?;
    // SSO and web identity bases are role credentials already; only a GetSessionToken target
    // is refused by the console.
    if chain
        .steps()
        .last()
        .is_some_and(|s| matches!(s.kind, StepKind::Session { .. }))
    {
        return Err(anyhow!(
            "it is a plain session (GetSessionToken), and the console's federation endpoint takes \
             only role or federated-user credentials; use a profile with role_arn, or give this \
             one federation_name"
        ))
        .with_context(what);
    }
    let (chain, creds) = super::credentials_for_chain(ctx, chain, args).with_context(what)?;
    let console = Console::new(&chain, &creds, ctx.settings()?).with_context(what)?;
    let aws = ctx.aws(&chain)?;
    let token = signin_token(&aws, &console.federation, &creds).with_context(what)?;
    let url = console.login_url(&token);
    match opener {
        None => print_stdout(&format!("{url}\n")),
        Some(opener) => {
            opener.open(&url).with_context(what)?;
            eprintln!(
                "aws-as: opened the AWS console for `{}` in the browser",
                sanitize(name)
            );
            Ok(())
        }
    }
}
