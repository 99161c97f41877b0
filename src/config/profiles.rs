//! The AWS shared config and credentials files, read with aws-config's own parser so that aws-as
//! sees exactly the profiles the SDKs and the CLI see.

use anyhow::{Context, Result};
use aws_config::profile::{Profile, ProfileSet};
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::{Env, Fs};
use std::future::Future;
use std::task::{Context as TaskContext, Poll, Waker};

pub struct Profiles {
    set: ProfileSet,
}

impl Profiles {
    /// Read `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/config` and
    /// `~/.aws/credentials`), as the SDK does.
    pub fn load() -> Result<Self> {
        Self::load_with(&Fs::real(), &Env::real(), &EnvConfigFiles::default())
    }

    /// In-memory files, for unit tests.
    pub fn from_strings(config: &str, credentials: &str) -> Result<Self> {
        let files = EnvConfigFiles::builder()
            .with_contents(EnvConfigFileKind::Config, config)
            .with_contents(EnvConfigFileKind::Credentials, credentials)
            .build();
        Self::load_with(&Fs::from_slice(&[]), &Env::from_slice(&[]), &files)
    }

    fn load_with(fs: &Fs, env: &Env, files: &EnvConfigFiles) -> Result<Self> {
        let set = block_on(aws_config::profile::load(fs, env, files, None))
            .context("could not read the AWS config files")?;
        Ok(Profiles { set })
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
