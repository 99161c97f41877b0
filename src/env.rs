//! Every environment variable aws-as reads or writes, named once, and the snapshot a run reads
//! them into once. Open this file to see what aws-as takes from your environment. (The AWS SDK
//! reads its own variables as well, such as `AWS_USE_FIPS_ENDPOINT` and `AWS_PROFILE`, for the
//! calls aws-as makes through it; those are the SDK's, not listed here.)

use anyhow::{Context as _, Result, bail};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The variables, as uv's `EnvVars` names its own.
pub struct EnvVars;

impl EnvVars {
    // ---- Credentials and regions: read as the user's own (never an active identity's), and
    // ---- written by a switch.
    /// The user's keys, for `credential_source = Environment` and `add --from-env`.
    pub const AWS_ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
    pub const AWS_SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
    pub const AWS_SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
    /// Written by a switch: the credentials' expiry in ISO 8601, the ecosystem's variable.
    pub const AWS_CREDENTIAL_EXPIRATION: &str = "AWS_CREDENTIAL_EXPIRATION";
    /// The region STS is called in first (as the SDKs pick it), and written by a switch.
    pub const AWS_REGION: &str = "AWS_REGION";
    pub const AWS_DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
    /// Unset while an identity is active; never passed to `exec`'s command.
    pub const AWS_PROFILE: &str = "AWS_PROFILE";
    pub const AWS_DEFAULT_PROFILE: &str = "AWS_DEFAULT_PROFILE";

    // ---- The ECS container credential protocol: written for `exec --server`'s command (the
    // ---- endpoint and its token), and removed from it (what would point elsewhere).
    pub const AWS_CONTAINER_CREDENTIALS_FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
    pub const AWS_CONTAINER_AUTHORIZATION_TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
    pub const AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: &str =
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
    pub const AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: &str =
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";

    // ---- Where the AWS files and endpoints are: read as the SDKs read them.
    pub const AWS_CONFIG_FILE: &str = "AWS_CONFIG_FILE";
    pub const AWS_SHARED_CREDENTIALS_FILE: &str = "AWS_SHARED_CREDENTIALS_FILE";
    /// The endpoint settings; they are part of every cache key.
    pub const AWS_ENDPOINT_URL: &str = "AWS_ENDPOINT_URL";
    pub const AWS_ENDPOINT_URL_STS: &str = "AWS_ENDPOINT_URL_STS";
    pub const AWS_ENDPOINT_URL_IAM: &str = "AWS_ENDPOINT_URL_IAM";
    pub const AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: &str = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS";

    // ---- aws-as's own.
    /// The active identity's name: written by a switch, read by status, list and the prompt.
    pub const AWS_AS_IDENTITY: &str = "AWS_AS_IDENTITY";
    /// The active identity's expiry, Unix seconds, for prompt arithmetic.
    pub const AWS_AS_EXPIRATION: &str = "AWS_AS_EXPIRATION";
    /// The region exported for the active identity, written by a switch and `aws-as region`.
    pub const AWS_AS_REGION: &str = "AWS_AS_REGION";
    /// What aws-as last wrote to the two region variables (`shell::region`).
    pub const AWS_AS_REGION_SET: &str = "AWS_AS_REGION_SET";
    /// Set by the shell function for the binary: the region variables as the shell has them
    /// now, `=VALUE` each, before they are put back for the run (unset: not passed).
    pub const NOW_REGION: &str = "_AWS_AS_NOW_AWS_REGION";
    pub const NOW_DEFAULT_REGION: &str = "_AWS_AS_NOW_AWS_DEFAULT_REGION";
    /// aws-as's settings file instead of `$XDG_CONFIG_HOME/aws-as/config.toml`.
    pub const AWS_AS_CONFIG: &str = "AWS_AS_CONFIG";
    /// The cache directory instead of `$XDG_CACHE_HOME/aws-as`.
    pub const AWS_AS_CACHE_DIR: &str = "AWS_AS_CACHE_DIR";
    /// The key store for `add` and `import`, instead of `keys_backend`.
    pub const AWS_AS_KEYS_BACKEND: &str = "AWS_AS_KEYS_BACKEND";
    /// The file key store's passphrase. A secret: read only when the store is opened, never kept
    /// in the snapshot, and removed from the environment of every program aws-as starts.
    pub const AWS_AS_FILE_PASSPHRASE: &str = "AWS_AS_FILE_PASSPHRASE";
    /// Set by a shell's Tab: the words to complete follow, and the binary answers with
    /// candidates instead of running a command.
    pub const AWS_AS_COMPLETE: &str = "AWS_AS_COMPLETE";
    /// Set by aws-as for the programs it starts: the profiles the aws-as processes up the line
    /// are resolving (a line each) and the locks they hold (`lock KEY` lines), so that a
    /// credential_process that comes back to aws-as stops at once instead of looping or waiting
    /// for a lock its own parent holds.
    pub const AWS_AS_RESOLVING: &str = "AWS_AS_RESOLVING";
    /// Set by the shell function for the binary: the credential, region and profile variables
    /// have been put back to their pre-activation values, so they are the user's own.
    pub const PRISTINE: &str = "_AWS_AS_PRISTINE";

    // ---- The system's.
    pub const HOME: &str = "HOME";
    pub const XDG_CONFIG_HOME: &str = "XDG_CONFIG_HOME";
    pub const XDG_CACHE_HOME: &str = "XDG_CACHE_HOME";
    pub const XDG_DATA_HOME: &str = "XDG_DATA_HOME";
    /// The shell to detect when the parent process doesn't say, and `exec`'s default command.
    pub const SHELL: &str = "SHELL";
    /// `login --open`'s browser, as xdg-open reads it.
    pub const BROWSER: &str = "BROWSER";
    /// Where `login --open` looks for a browser.
    pub const PATH: &str = "PATH";
}

/// The variables the snapshot holds: everything above but the passphrase.
const SNAPSHOT: &[&str] = &[
    EnvVars::AWS_ACCESS_KEY_ID,
    EnvVars::AWS_SECRET_ACCESS_KEY,
    EnvVars::AWS_SESSION_TOKEN,
    EnvVars::AWS_REGION,
    EnvVars::AWS_DEFAULT_REGION,
    EnvVars::AWS_CONFIG_FILE,
    EnvVars::AWS_SHARED_CREDENTIALS_FILE,
    EnvVars::AWS_ENDPOINT_URL,
    EnvVars::AWS_ENDPOINT_URL_STS,
    EnvVars::AWS_ENDPOINT_URL_IAM,
    EnvVars::AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
    EnvVars::AWS_AS_IDENTITY,
    EnvVars::AWS_AS_EXPIRATION,
    EnvVars::AWS_AS_REGION,
    EnvVars::AWS_AS_REGION_SET,
    EnvVars::NOW_REGION,
    EnvVars::NOW_DEFAULT_REGION,
    EnvVars::AWS_AS_CONFIG,
    EnvVars::AWS_AS_CACHE_DIR,
    EnvVars::AWS_AS_KEYS_BACKEND,
    EnvVars::AWS_AS_RESOLVING,
    EnvVars::PRISTINE,
    EnvVars::HOME,
    EnvVars::XDG_CONFIG_HOME,
    EnvVars::XDG_CACHE_HOME,
    EnvVars::XDG_DATA_HOME,
    EnvVars::SHELL,
    EnvVars::BROWSER,
    EnvVars::PATH,
];

/// The environment as this run found it, read once. An empty variable counts as unset, for
/// every variable alike.
#[derive(Debug, Clone, Default)]
pub struct Env {
    vars: BTreeMap<&'static str, String>,
}

impl Env {
    /// The process environment, now.
    pub fn read() -> Env {
        let vars = SNAPSHOT
            .iter()
            .filter_map(|name| {
                let value = std::env::var_os(name)?.into_string().ok()?;
                (!value.is_empty()).then_some((*name, value))
            })
            .collect();
        Env { vars }
    }

    /// An environment of just these variables, for tests.
    pub fn with(pairs: &[(&'static str, &str)]) -> Env {
        Env {
            vars: pairs
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| (*k, v.to_string()))
                .collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The identity this environment holds, as a switch, `exec` or a parent shell left it.
    pub fn identity(&self) -> Option<&str> {
        self.get(EnvVars::AWS_AS_IDENTITY)
    }

    /// The identity's expiry (Unix seconds), when it is one. A value no date can have (a
    /// hand-set one, thousands of years off) is none: it would overflow the shells' countdown.
    pub fn expiration(&self) -> Option<i64> {
        self.get(EnvVars::AWS_AS_EXPIRATION)?
            .parse()
            .ok()
            .filter(|e| crate::util::iso8601(*e).is_some())
    }

    /// The shell function has put the variables back to their pre-activation values for this run.
    pub fn pristine(&self) -> bool {
        self.get(EnvVars::PRISTINE).is_some()
    }

    /// The identity whose variables are in this environment as aws-as's own output, which are
    /// therefore never a source: none when the shell function has reset them.
    pub fn active_identity(&self) -> Option<&str> {
        self.identity().filter(|_| !self.pristine())
    }

    /// This environment as the user's own: the identity's name gone, and with it the credential
    /// and region variables when they were the identity's (so none of them takes part).
    pub fn without_identity(&self) -> Env {
        let mut env = self.clone();
        if self.active_identity().is_some() {
            for name in [
                EnvVars::AWS_ACCESS_KEY_ID,
                EnvVars::AWS_SECRET_ACCESS_KEY,
                EnvVars::AWS_SESSION_TOKEN,
                EnvVars::AWS_REGION,
                EnvVars::AWS_DEFAULT_REGION,
            ] {
                env.vars.remove(name);
            }
        }
        env.vars.remove(EnvVars::AWS_AS_IDENTITY);
        env
    }

    /// The user's own keys (for `credential_source = Environment`): none while the variables
    /// are an active identity's.
    pub fn user_keys(&self) -> Option<(&str, &str, Option<&str>)> {
        if self.active_identity().is_some() {
            return None;
        }
        Some((
            self.get(EnvVars::AWS_ACCESS_KEY_ID)?,
            self.get(EnvVars::AWS_SECRET_ACCESS_KEY)?,
            self.get(EnvVars::AWS_SESSION_TOKEN),
        ))
    }

    /// The user's own region, as the SDKs read it: `AWS_REGION`, then `AWS_DEFAULT_REGION`.
    pub fn user_region(&self) -> Option<&str> {
        if self.active_identity().is_some() {
            return None;
        }
        self.get(EnvVars::AWS_REGION)
            .or_else(|| self.get(EnvVars::AWS_DEFAULT_REGION))
    }

    /// The region the shell's tools use now, as the SDKs read it (AWS_REGION, then
    /// AWS_DEFAULT_REGION): from the values the shell function passes when it has put the
    /// variables back for this run, else from the variables themselves (`exec`'s command).
    pub fn current_region(&self) -> Option<&str> {
        if self.pristine() {
            let now = |name| {
                self.get(name)
                    .and_then(|v| v.strip_prefix('='))
                    .filter(|v| !v.is_empty())
            };
            return now(EnvVars::NOW_REGION).or_else(|| now(EnvVars::NOW_DEFAULT_REGION));
        }
        self.get(EnvVars::AWS_REGION)
            .or_else(|| self.get(EnvVars::AWS_DEFAULT_REGION))
    }

    /// The endpoint settings in force, `NAME=value` each, for the cache keys.
    pub fn endpoint_settings(&self) -> Vec<String> {
        [
            EnvVars::AWS_ENDPOINT_URL,
            EnvVars::AWS_ENDPOINT_URL_STS,
            EnvVars::AWS_ENDPOINT_URL_IAM,
            EnvVars::AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
        ]
        .iter()
        .filter_map(|n| self.get(n).map(|v| format!("{n}={v}")))
        .collect()
    }

    /// The home directory: `HOME` when it is an absolute path (a relative one would put
    /// aws-as's files under whatever directory it runs from, so it counts as none), else the
    /// password database when HOME is unset.
    pub fn home(&self) -> Option<PathBuf> {
        match self.get(EnvVars::HOME) {
            Some(home) => Some(PathBuf::from(home)).filter(|p| p.is_absolute()),
            None => dirs::home_dir(),
        }
    }

    /// A path the user gave in `name`: `None` when unset. A leading `~` means HOME, as the AWS
    /// SDKs read `AWS_CONFIG_FILE`; any other relative path is refused, since it would mean
    /// something different in every directory the user runs aws-as from.
    pub fn path(&self, name: &str) -> Result<Option<PathBuf>> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        let path = PathBuf::from(value);
        if let Ok(rest) = path.strip_prefix("~") {
            let home = self.home().with_context(|| {
                format!("{name} starts with ~, but HOME is not set to an absolute path")
            })?;
            return Ok(Some(home.join(rest)));
        }
        if path.is_relative() {
            bail!(
                "{name} is `{}`, a relative path; give an absolute one (or one starting with ~/)",
                crate::util::sanitize(value)
            );
        }
        Ok(Some(path))
    }

    /// An XDG base directory, else `~/DEFAULT`. The specification says a relative path there is
    /// invalid and must be ignored, so it is.
    pub fn xdg(&self, name: &str, default: &str) -> Option<PathBuf> {
        match self
            .get(name)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
        {
            Some(dir) => Some(dir),
            None => Some(self.home()?.join(default)),
        }
    }

    /// The profiles the aws-as processes up the line are resolving.
    pub fn resolving(&self) -> impl Iterator<Item = &str> {
        self.resolving_lines()
            .filter(|l| !l.starts_with(LOCK_PREFIX))
    }

    /// The locks the aws-as processes up the line hold while they wait for this one.
    pub fn held_locks(&self) -> impl Iterator<Item = &str> {
        self.resolving_lines()
            .filter_map(|l| l.strip_prefix(LOCK_PREFIX))
    }

    fn resolving_lines(&self) -> impl Iterator<Item = &str> {
        self.get(EnvVars::AWS_AS_RESOLVING)
            .unwrap_or_default()
            .split('\n')
            .filter(|l| !l.is_empty())
    }
}

/// How a held lock is told from a profile name in `AWS_AS_RESOLVING` (no profile name has a
/// space).
const LOCK_PREFIX: &str = "lock ";

/// Pass down to the programs this run starts (a credential_process may be aws-as again) that it
/// is resolving `name`, and holds `lock` while they run. The one place aws-as changes its own
/// environment.
///
/// # Safety
/// No other thread may exist: nothing may read the environment while it changes. Commands
/// resolve before any runtime or thread is started.
#[allow(unsafe_code)]
pub unsafe fn pass_down(env: &Env, name: &str, lock: Option<&str>) {
    let mut lines: Vec<String> = env.resolving_lines().map(str::to_owned).collect();
    lines.push(name.to_string());
    if let Some(key) = lock {
        lines.push(format!("{LOCK_PREFIX}{key}"));
    }
    // SAFETY: the caller's promise: no other thread exists.
    unsafe { std::env::set_var(EnvVars::AWS_AS_RESOLVING, lines.join("\n")) };
}

/// Tell a program this run starts while it holds lock `key` (an `mfa_process`, which may run
/// aws-as) that it holds it, as `pass_down` does for a credential_process.
pub fn pass_lock(cmd: &mut std::process::Command, key: &str) {
    let mut lines = std::env::var(EnvVars::AWS_AS_RESOLVING).unwrap_or_default();
    if !lines.is_empty() {
        lines.push('\n');
    }
    lines.push_str(LOCK_PREFIX);
    lines.push_str(key);
    cmd.env(EnvVars::AWS_AS_RESOLVING, lines);
}

/// Remove the variables that hold secrets from the environment of a program aws-as starts (a
/// credential_process, which aws-config starts, keeps them: it may be aws-as itself).
pub fn scrub_secrets(cmd: &mut std::process::Command) {
    cmd.env_remove(EnvVars::AWS_AS_FILE_PASSPHRASE);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_is_unset_and_an_active_identity_is_never_the_users() {
        let env = Env::with(&[
            (EnvVars::AWS_AS_IDENTITY, "dev"),
            (EnvVars::AWS_ACCESS_KEY_ID, "ASIA"),
            (EnvVars::AWS_SECRET_ACCESS_KEY, "s"),
            (EnvVars::AWS_REGION, ""),
            (EnvVars::AWS_DEFAULT_REGION, "eu-west-1"),
        ]);
        assert_eq!(env.get(EnvVars::AWS_REGION), None);
        assert_eq!(env.active_identity(), Some("dev"));
        assert_eq!(env.user_keys(), None);
        assert_eq!(env.user_region(), None);
        let mut pristine = env.clone();
        pristine.vars.insert(EnvVars::PRISTINE, "1".into());
        assert_eq!(pristine.active_identity(), None);
        assert_eq!(pristine.identity(), Some("dev"));
        assert_eq!(pristine.user_keys(), Some(("ASIA", "s", None)));
        assert_eq!(pristine.user_region(), Some("eu-west-1"));
    }

    #[test]
    fn resolving_carries_names_and_locks() {
        let env = Env::with(&[(EnvVars::AWS_AS_RESOLVING, "a\nlock 0123\nb")]);
        assert_eq!(env.resolving().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(env.held_locks().collect::<Vec<_>>(), ["0123"]);
    }

    #[test]
    fn paths() {
        let env = Env::with(&[
            (EnvVars::HOME, "/home/u"),
            (EnvVars::AWS_AS_CACHE_DIR, "~/c"),
            (EnvVars::AWS_AS_CONFIG, "rel/x"),
            (EnvVars::XDG_CACHE_HOME, "relative"),
        ]);
        assert_eq!(
            env.path(EnvVars::AWS_AS_CACHE_DIR).unwrap(),
            Some(PathBuf::from("/home/u/c"))
        );
        assert!(env.path(EnvVars::AWS_AS_CONFIG).is_err());
        assert_eq!(
            env.xdg(EnvVars::XDG_CACHE_HOME, ".cache"),
            Some(PathBuf::from("/home/u/.cache"))
        );
        assert_eq!(Env::with(&[(EnvVars::HOME, "relhome")]).home(), None);
    }

    #[test]
    fn an_expiry_no_date_can_have_is_none() {
        let at = |v: &str| Env::with(&[(EnvVars::AWS_AS_EXPIRATION, v)]).expiration();
        assert_eq!(at("1767225600"), Some(1_767_225_600));
        for v in ["-9223372036854775808", "9223372036854775807", "-1", "x"] {
            assert_eq!(at(v), None, "{v}");
        }
    }
}
