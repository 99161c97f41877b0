//! The AWS shared config and credentials files, read with aws-config's own parser so that aws-as
//! sees exactly the profiles the SDKs and the CLI see.

use crate::env::{Env, EnvVars};
use crate::keys::{Index, IndexEntry};
use anyhow::{Context, Result};
use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::Fs;
use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::task::{Context as TaskContext, Poll, Waker};

pub struct Profiles {
    set: ProfileSet,
    /// Profiles whose long-term keys are in aws-as's key store, from its index.
    stored: BTreeMap<String, IndexEntry>,
    /// The files as they were read (and parsed): the SDK's loaders take the same text, so the
    /// files are read once per run.
    files: EnvConfigFiles,
}

impl Profiles {
    /// Read `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/config` and
    /// `~/.aws/credentials`), as the SDK does.
    /// Profiles with keys in aws-as's store exist even without a section in either file, as a
    /// profile in the credentials file does for the AWS CLI.
    pub fn load(env: &Env) -> Result<Self> {
        let stored: BTreeMap<String, IndexEntry> = Index::load(env)?
            .entries()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let config = read(shared_file(env, EnvVars::AWS_CONFIG_FILE, "config"))?;
        let credentials = read(credentials_path(env))?;
        Self::load_with(
            files(&config, &with_sections(&credentials, &stored)),
            stored,
        )
    }

    /// Files given by their contents, for unit tests.
    pub fn from_strings(config: &str, credentials: &str) -> Result<Self> {
        Self::with_stored(config, credentials, BTreeMap::new())
    }

    /// Files given by their contents plus an index of stored keys, for unit tests.
    pub fn with_stored(
        config: &str,
        credentials: &str,
        stored: BTreeMap<String, IndexEntry>,
    ) -> Result<Self> {
        let credentials = with_sections(credentials, &stored);
        Self::load_with(files(config, &credentials), stored)
    }

    fn load_with(files: EnvConfigFiles, stored: BTreeMap<String, IndexEntry>) -> Result<Self> {
        let set = block_on(aws_config::profile::load(
            &Fs::from_slice(&[]),
            &aws_types::os_shim_internal::Env::from_slice(&[]),
            &files,
            None,
        ))
        .map_err(|e| {
            // The files reach the parser as text, so its messages name no file.
            let text = crate::util::error_text(&e).replace("error parsing  on line", "on line");
            anyhow::anyhow!("could not read the AWS config files: {text}")
        })?;
        Ok(Profiles { set, stored, files })
    }

    /// The files as aws-as read them, for aws-config's own loaders (the SDK configuration and
    /// the providers of SSO, process and web identity bases).
    pub fn sdk_files(&self) -> &EnvConfigFiles {
        &self.files
    }

    /// Where the profile's long-term keys are in aws-as's store, if they are.
    pub fn stored(&self, name: &str) -> Option<&IndexEntry> {
        self.stored.get(name)
    }

    pub fn get(&self, name: &str) -> Option<&Profile> {
        self.set.get_profile(name)
    }

    /// Every profile name, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.set.profiles().map(str::to_owned).collect();
        names.sort();
        names
    }
}

/// The shared credentials file: `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
pub fn credentials_path(env: &Env) -> Option<PathBuf> {
    shared_file(env, EnvVars::AWS_SHARED_CREDENTIALS_FILE, "credentials")
}

/// The credentials text with an empty section added for each stored profile, so that the
/// profile exists for the parser. Stored names passed the profile-name check when they were
/// added, so they are plain header text.
fn with_sections(credentials: &str, stored: &BTreeMap<String, IndexEntry>) -> String {
    let mut text = credentials.to_string();
    for name in stored.keys() {
        if crate::config::chain::valid_profile_name(name) {
            text.push_str(&format!("\n[{name}]\n"));
        }
    }
    text
}

fn files(config: &str, credentials: &str) -> EnvConfigFiles {
    EnvConfigFiles::builder()
        .with_contents(EnvConfigFileKind::Config, tolerable(config))
        .with_contents(EnvConfigFileKind::Credentials, tolerable(credentials))
        .build()
}

/// Where the SDK looks for a shared file: `$VAR`, else `~/.aws/NAME`, with a leading `~/`
/// meaning HOME.
fn shared_file(env: &Env, var: &str, name: &str) -> Option<PathBuf> {
    match env.get(var) {
        Some(path) => {
            let path = PathBuf::from(path);
            match (path.strip_prefix("~"), env.home()) {
                (Ok(rest), Some(home)) => Some(home.join(rest)),
                _ => Some(path),
            }
        }
        None => Some(env.home()?.join(".aws").join(name)),
    }
}

/// The most aws-as reads of an AWS config or credentials file: a config of 100,000 profiles is a
/// few tens of MiB, and /dev/zero is not a config.
pub const FILE_LIMIT: u64 = 256 << 20;

/// A missing file is an empty one, as for the SDK.
fn read(path: Option<PathBuf>) -> Result<String> {
    let Some(path) = path else {
        return Ok(String::new());
    };
    crate::util::read_text(&path, FILE_LIMIT)
        .map(Option::unwrap_or_default)
        .with_context(|| format!("could not read the AWS config files: {}", path.display()))
}

/// The file as aws-config can parse it. aws-config reads `#` and `;` in a section header as the
/// start of a comment (`[profile dev] # note` is fine) and then refuses the whole file when what
/// is left does not end in `]`, where the AWS CLI takes them as part of the name
/// (`[profile a#b]`). Such a profile's name is one the SDKs never accept anyway, so its header is
/// replaced by one they ignore, and one odd profile does not take every other profile down with
/// it.
fn tolerable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let before_comment = line.split(['#', ';']).next().unwrap_or("").trim_end();
        if line.starts_with('[') && !before_comment.ends_with(']') {
            out.push_str("[aws-as ignored: a name the SDKs cannot read]");
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// aws-config's profile loader is an `async fn` only in signature: with the real file system it
/// reads with blocking std calls and is ready on the first poll. Polling it here keeps a cached
/// switch free of any async runtime (the hot path starts none).
fn block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = TaskContext::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return out;
        }
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_the_sdk_cannot_read_are_set_aside_and_comments_kept() {
        let config = "[profile a#b]\nregion = x\n[profile dev] # note\nregion = eu-west-1\n\
                      [profile ops];c\nregion = us-east-1\n[profile a;b]\nregion = y\n";
        let p = Profiles::from_strings(config, "[user] # keys\naws_access_key_id = A\n").unwrap();
        assert_eq!(p.names(), vec!["dev", "ops", "user"]);
        assert_eq!(p.get("dev").unwrap().get("region"), Some("eu-west-1"));
    }
}
