//! The world one run of aws-as reads, after starship's `Context`: the environment (read once,
//! when the run starts), aws-as's settings, the AWS files with the key index, the credential
//! cache, and the async runtime with the SDK's configuration. Each piece is built the first time
//! something asks for it, and only then, so a cached switch never starts a runtime or builds an
//! SDK client. Commands make one and lend it to the stages.

use crate::config::{Chain, Profiles, PromptFormat, Settings};
use crate::credentials::aws::Aws;
use crate::credentials::cache::Cache;
use crate::env::Env;
use anyhow::{Context as _, Result};
use std::cell::{OnceCell, RefCell};

pub struct Context {
    env: Env,
    settings: OnceCell<Settings>,
    profiles: OnceCell<Profiles>,
    cache: OnceCell<Cache>,
    runtime: OnceCell<tokio::runtime::Runtime>,
    /// The SDK configuration loaded for the last chain that needed one, with the chain's name.
    sdk: RefCell<Option<(String, aws_config::SdkConfig)>>,
}

use crate::util::lazy;

impl Context {
    /// A run that reads the process environment, now.
    pub fn new() -> Context {
        Context::with_env(Env::read())
    }

    pub fn with_env(env: Env) -> Context {
        Context {
            env,
            settings: OnceCell::new(),
            profiles: OnceCell::new(),
            cache: OnceCell::new(),
            runtime: OnceCell::new(),
            sdk: RefCell::new(None),
        }
    }

    pub fn env(&self) -> &Env {
        &self.env
    }

    /// aws-as's settings, every one checked.
    pub fn settings(&self) -> Result<&Settings> {
        lazy(&self.settings, || Settings::load(&self.env))
    }

    /// Only `prompt_format`, for what must work whatever else the settings file holds
    /// (clearing, activation): a file that can't be read is reported in one line, and the
    /// default format is used until it is fixed.
    pub fn prompt_format(&self) -> PromptFormat {
        let read = match self.settings.get() {
            Some(settings) => Ok(settings.prompt_format.clone()),
            None => Settings::prompt_format(&self.env),
        };
        read.unwrap_or_else(|e| {
            crate::util::warn(&format!(
                "{e:#}; the prompt uses the default format until it is fixed"
            ));
            PromptFormat::default()
        })
    }

    /// The AWS config and credentials files with aws-as's key index, read once.
    pub fn profiles(&self) -> Result<&Profiles> {
        lazy(&self.profiles, || {
            Profiles::load(&self.env, || self.cache()?.private())
        })
    }

    pub fn cache(&self) -> Result<&Cache> {
        lazy(&self.cache, || Cache::new(&self.env))
    }

    /// The client for STS and IAM calls made for `chain`: the runtime is started and the SDK's
    /// configuration loaded (from the same files `profiles` read) only now, and only once.
    pub fn aws(&self, chain: &Chain) -> Result<Aws<'_>> {
        let rt = self.runtime()?;
        let settings = self.settings()?;
        let files = self.profiles()?.sdk_files()?;
        let mut sdk = self.sdk.borrow_mut();
        let config = match sdk.as_ref() {
            Some((name, config)) if *name == chain.profile => config.clone(),
            _ => {
                let config = Aws::load(rt, chain, &self.env, settings, files.clone());
                *sdk = Some((chain.profile.clone(), config.clone()));
                config
            }
        };
        Ok(Aws::new(rt, config, settings, files))
    }
}

impl Context {
    /// The run's one runtime, started the first time a call needs it.
    fn runtime(&self) -> Result<&tokio::runtime::Runtime> {
        lazy(&self.runtime, || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("could not start the async runtime")
        })
    }

    /// A client for calls in `region` made for no profile (the SSO portal's): the endpoint
    /// settings are the environment's and the default profile's, as the SDK reads them.
    pub fn aws_in(&self, region: &str) -> Result<Aws<'_>> {
        let rt = self.runtime()?;
        let settings = self.settings()?;
        let files = self.profiles()?.sdk_files()?;
        let config = Aws::load_in(rt, region, settings, files.clone());
        Ok(Aws::new(rt, config, settings, files))
    }
}

impl Default for Context {
    fn default() -> Self {
        Context::new()
    }
}
