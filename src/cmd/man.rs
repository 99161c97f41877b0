//! `aws-as man [--dir DIR]`: the manual pages, clap_mangen's, generated from the interface.
//!
//! One page per visible command, as clap_mangen lays them out: `aws-as(1)`, whose SUBCOMMANDS
//! section points to `aws-as-exec(1)`, `aws-as-cache(1)` and the rest, and `aws-as-cache(1)` to
//! `aws-as-cache-list(1)` and `aws-as-cache-clear(1)`. `man/` holds them all. Hidden commands
//! and flags have no page and are named on none. No date, so that the same interface always
//! gives the same bytes.

use crate::cli::Cli;
use anyhow::{Context, Result};
use clap::{Command, CommandFactory};
use clap_mangen::Man;
use std::path::Path;

pub fn run(dir: Option<&Path>) -> Result<()> {
    match dir {
        Some(dir) => write_pages(dir)
            .with_context(|| format!("could not write the manual pages to {}", dir.display())),
        None => crate::util::print_stdout(&page()?),
    }
}

/// `aws-as(1)`, the page `aws-as man` prints.
pub fn page() -> Result<String> {
    let mut buf = Vec::new();
    man(Cli::command()).render(&mut buf)?;
    Ok(String::from_utf8(buf)?)
}

/// Every page into `dir`. clap_mangen's `generate_to` does the same, but gives each command's
/// page the command's own name as its source (`exec`, at the foot of aws-as-exec(1)).
fn write_pages(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    fn write(cmd: Command, dir: &Path) -> std::io::Result<()> {
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            write(sub.clone(), dir)?;
        }
        man(cmd).generate_to(dir).map(drop)
    }
    // Built, each command knows its page's name (aws-as-cache-clear).
    let mut cmd = Cli::command();
    cmd.build();
    write(cmd, dir)
}

fn man(cmd: Command) -> Man {
    Man::new(cmd).source(format!("aws-as {}", env!("CARGO_PKG_VERSION")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_visible_command_has_a_page_and_every_page_named_exists() {
        let dir = tempfile::tempdir().unwrap();
        run(Some(dir.path())).unwrap();
        let mut pages: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        pages.sort();
        for name in [
            "aws-as.1",
            "aws-as-use.1",
            "aws-as-exec.1",
            "aws-as-export.1",
            "aws-as-cache.1",
            "aws-as-cache-clear.1",
            "aws-as-cache-list.1",
            "aws-as-completions.1",
            "aws-as-man.1",
            "aws-as-init.1",
        ] {
            assert!(pages.contains(&name.to_owned()), "{name}: {pages:?}");
        }
        let main = std::fs::read_to_string(dir.path().join("aws-as.1")).unwrap();
        assert_eq!(main, page().unwrap(), "aws-as man prints aws-as.1");
        for page in &pages {
            let text = std::fs::read_to_string(dir.path().join(page)).unwrap();
            assert!(!page.contains("__") && !text.contains("__hook"), "{page}");
            assert!(
                !text.contains("__label") && !text.contains("\\-\\-script"),
                "{page}"
            );
            // Each page another points to, as `aws\-as\-exec(1)`, exists.
            for (i, _) in text.match_indices("(1)") {
                let start = text[..i].rfind(char::is_whitespace).map_or(0, |s| s + 1);
                let named = text[start..i].replace("\\-", "-");
                if named.starts_with("aws-as") {
                    assert!(pages.contains(&format!("{named}.1")), "{page}: {named}");
                }
            }
        }
    }
}
