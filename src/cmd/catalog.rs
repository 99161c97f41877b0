//! `aws-as catalog sync|write-config`.

use crate::cli::{CatalogAction, ObtainArgs};
use crate::context::Context;
use anyhow::Result;

pub fn run(ctx: &Context, action: CatalogAction, args: &ObtainArgs) -> Result<()> {
    match action {
        CatalogAction::Sync { names } => crate::catalog::sync::run(ctx, &names, args),
        CatalogAction::WriteConfig { file } => {
            crate::catalog::write_config::run(ctx, file.as_deref())
        }
    }
}
