//! The AWS shared config and credentials files, read with aws-config's own parser so that aws-as
//! sees exactly the profiles the SDKs and the CLI see.

pub use crate::config::index::Profile;
use crate::config::index::{self, Holder, Index};
use crate::env::{Env, EnvVars};
use crate::keys::{Index as KeyIndex, IndexEntry};
use crate::private::PrivateDir;
use anyhow::{Context, Result};
use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::{EnvConfigFileKind, EnvConfigFiles};
use aws_types::os_shim_internal::Fs;
use std::cell::{OnceCell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll, Waker};

/// The profiles of the AWS config and credentials files. A large pair of files is looked up in
/// the profile index (`config::index`), which is rebuilt from a full parse whenever either file
/// changes; a small pair is parsed whole, which is as quick.
pub struct Profiles {
    /// The index, when the files are large and it matches them.
    index: Option<Index>,
    /// Where the index is, to remove it when SQLite finds it damaged.
    index_at: Option<(PrivateDir, String)>,
    /// Set when the index gave an error: the files answer from then on.
    index_broken: std::cell::Cell<bool>,
    /// Profiles whose long-term keys are in aws-as's key store, from its index.
    stored: BTreeMap<String, IndexEntry>,
    config_path: Option<PathBuf>,
    credentials_path: Option<PathBuf>,
    /// Each file's text (config, credentials), read once per run when something needs it
    /// (always without an index).
    texts: [OnceCell<String>; 2],
    /// Both files parsed together, when something needs it (always without an index).
    parsed: OnceCell<ProfileSet>,
    /// One file parsed alone, for the secrets the index leaves out.
    alone: [OnceCell<Option<ProfileSet>>; 2],
    /// The files as the SDK's loaders take them.
    files: OnceCell<EnvConfigFiles>,
    /// Profiles looked up so far (a chain asks for its base more than once, and `list` for every
    /// profile several times).
    seen: RefCell<HashMap<String, Option<Rc<Profile>>, Fnv>>,
}

impl Profiles {
    /// Read `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/config` and
    /// `~/.aws/credentials`), as the SDK does. `index_dir` gives the private directory for the
    /// profile index; it is asked for only when the files are large enough to need one.
    /// Profiles with keys in aws-as's store exist even without a section in either file, as a
    /// profile in the credentials file does for the AWS CLI.
    pub fn load(env: &Env, index_dir: impl FnOnce() -> Result<PrivateDir>) -> Result<Self> {
        let stored: BTreeMap<String, IndexEntry> = KeyIndex::load(env)?
            .entries()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let mut profiles = Profiles::new(
            stored,
            shared_file(env, EnvVars::AWS_CONFIG_FILE, "config"),
            credentials_path(env),
        );
        let paths = [
            profiles.config_path.as_deref(),
            profiles.credentials_path.as_deref(),
        ];
        // Stamped before the files are read: an edit in between gives the next run a stamp that
        // differs, and a rebuild, never an index that looks newer than it is.
        let (stamp, size) = index::stamp(&paths);
        if size >= index::MIN_SIZE
            && let Ok(dir) = index_dir()
        {
            let name = index_name(&paths);
            if let Ok(Some(found)) = Index::open(&dir, &name, &stamp) {
                profiles.index = Some(found);
                profiles.index_at = Some((dir, name));
                return Ok(profiles);
            }
            profiles.parse()?;
            if let Some(alone) = profiles.parse_alone(Holder::Credentials)
                && let Err(e) = Index::build(&dir, &name, &stamp, profiles.parse()?, alone)
            {
                crate::util::warn(&format!(
                    "could not keep the profile index ({e:#}); the AWS config files are read \
                     whole on every run until it can be"
                ));
            }
        }
        profiles.parse()?;
        Ok(profiles)
    }

    fn new(
        stored: BTreeMap<String, IndexEntry>,
        config_path: Option<PathBuf>,
        credentials_path: Option<PathBuf>,
    ) -> Profiles {
        Profiles {
            index: None,
            index_at: None,
            index_broken: std::cell::Cell::new(false),
            stored,
            config_path,
            credentials_path,
            texts: [OnceCell::new(), OnceCell::new()],
            parsed: OnceCell::new(),
            alone: [OnceCell::new(), OnceCell::new()],
            files: OnceCell::new(),
            seen: RefCell::new(HashMap::default()),
        }
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
        let profiles = Profiles::new(stored, None, None);
        let _ = profiles.texts[Holder::Config as usize].set(config.to_string());
        let _ = profiles.texts[Holder::Credentials as usize].set(credentials.to_string());
        profiles.parse()?;
        Ok(profiles)
    }

    /// One file's text, read once.
    fn text(&self, which: Holder) -> Result<&str> {
        let path = match which {
            Holder::Config => &self.config_path,
            Holder::Credentials => &self.credentials_path,
        };
        crate::util::lazy(&self.texts[which as usize], || read(path.as_deref())).map(String::as_str)
    }

    /// Both files parsed together by aws-config, once.
    fn parse(&self) -> Result<&ProfileSet> {
        crate::util::lazy(&self.parsed, || {
            let config = self.text(Holder::Config)?;
            parse(&files(config, self.text(Holder::Credentials)?))
        })
    }

    /// One file parsed alone, once (`None` when it can't be read or parsed, which the full
    /// parse that built the index did not find).
    fn parse_alone(&self, holder: Holder) -> Option<&ProfileSet> {
        let slot = &self.alone[holder as usize];
        slot.get_or_init(|| {
            let text = self.text(holder).ok()?;
            let files = match holder {
                Holder::Config => files(text, ""),
                Holder::Credentials => files("", text),
            };
            parse(&files).ok()
        })
        .as_ref()
    }

    /// The files as aws-as read them, for aws-config's own loaders (the SDK configuration and
    /// the providers of SSO, process and web identity bases), with an empty section for each
    /// profile whose keys are in aws-as's store, so that the profile exists for them.
    pub fn sdk_files(&self) -> Result<&EnvConfigFiles> {
        crate::util::lazy(&self.files, || {
            let config = self.text(Holder::Config)?;
            let credentials = with_sections(self.text(Holder::Credentials)?, &self.stored);
            Ok(files(config, &credentials))
        })
    }

    /// `sso_start_url` and `sso_region` of the config file's `[sso-session NAME]`, `None` when
    /// there is no such section. Parses the files whole (a catalogue sync asks, not a switch).
    pub fn sso_session(&self, name: &str) -> Result<Option<(Option<String>, Option<String>)>> {
        let set = self.parse()?;
        Ok(set.sso_session(name).map(|s| {
            let get = |k: &str| {
                s.get(k)
                    .map(|v| v.trim().to_string())
                    .filter(|v| !v.is_empty())
            };
            (get("sso_start_url"), get("sso_region"))
        }))
    }

    /// Where the profile's long-term keys are in aws-as's store, if they are.
    pub fn stored(&self, name: &str) -> Option<&IndexEntry> {
        self.stored.get(name)
    }

    /// Profile `name`: from the index when there is one, else from the parsed files; a profile
    /// with keys in aws-as's store and no section in either file is an empty one.
    pub fn get(&self, name: &str) -> Option<Rc<Profile>> {
        if let Some(found) = self.seen.borrow().get(name) {
            return found.clone();
        }
        let indexed = self.index().map(|index| index.get(name));
        let found = match indexed {
            Some(Ok(entry)) => entry.map(|e| self.indexed_profile(name, e)),
            Some(Err(_)) => {
                self.index_failed();
                self.parse().ok()?.get_profile(name).map(Profile::from_sdk)
            }
            None => self.parse().ok()?.get_profile(name).map(Profile::from_sdk),
        };
        let found = found
            .or_else(|| self.stored.contains_key(name).then(Profile::default))
            .map(Rc::new);
        self.seen
            .borrow_mut()
            .insert(name.to_string(), found.clone());
        found
    }

    /// Every profile looked up at once, for a command that will ask for each of them (`list`):
    /// one pass over the index instead of a look-up per profile.
    pub fn preload(&self) {
        let Some(index) = self.index() else {
            return;
        };
        let mut seen = self.seen.borrow_mut();
        let read = index.each(|name, entry| {
            let profile = self.indexed_profile(&name, entry);
            seen.insert(name, Some(Rc::new(profile)));
        });
        if read.is_err() {
            seen.clear();
            self.index_failed();
        }
    }

    /// The index, unless it has failed this run.
    fn index(&self) -> Option<&Index> {
        self.index.as_ref().filter(|_| !self.index_broken.get())
    }

    /// The index gave an error (SQLite found it damaged): the files answer for the rest of the
    /// run, and it is removed so that the next run builds it anew.
    fn index_failed(&self) {
        self.index_broken.set(true);
        if let Some((dir, name)) = &self.index_at {
            let _ = dir.remove(name);
        }
    }

    /// A profile from its index entry, with its secrets read from the file that holds them.
    fn indexed_profile(&self, name: &str, entry: index::Entry) -> Profile {
        entry.profile(|key, holder| {
            let set = self.parse_alone(holder)?;
            set.get_profile(name)?.get(key).map(str::to_owned)
        })
    }

    /// Every profile name, sorted.
    pub fn names(&self) -> Vec<String> {
        self.names_starting("")
    }

    /// Every profile name that starts with `prefix`, sorted (completion asks for a few).
    pub fn names_starting(&self, prefix: &str) -> Vec<String> {
        let indexed = self.index().map(|index| index.names(prefix));
        if matches!(indexed, Some(Err(_))) {
            self.index_failed();
        }
        let mut names: Vec<String> = match indexed {
            Some(Ok(names)) => names,
            _ => self
                .parse()
                .map(|set| {
                    set.profiles()
                        .filter(|n| n.starts_with(prefix))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        };
        let stored = self.stored.keys().filter(|n| n.starts_with(prefix));
        let before = names.len();
        names.extend(stored.cloned());
        if names.len() != before || self.index().is_none() {
            names.sort();
            names.dedup();
        }
        names
    }

    /// Whether the profiles came from the index (the unit tests ask).
    #[cfg(test)]
    pub fn indexed(&self) -> bool {
        self.index.is_some()
    }
}

/// FNV-1a: `list` looks up every profile of a large config several times, and SipHash's
/// resistance to chosen keys buys nothing for names from the user's own files.
#[derive(Default)]
struct FnvHasher(u64);

impl std::hash::Hasher for FnvHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

type Fnv = std::hash::BuildHasherDefault<FnvHasher>;

/// The index file for this pair of paths: one per pair, so that switching AWS_CONFIG_FILE back
/// and forth does not rebuild each time.
fn index_name(paths: &[Option<&Path>]) -> String {
    let parts: Vec<String> = paths
        .iter()
        // A relative AWS_CONFIG_FILE names one file from wherever it is used: one index for it,
        // not one per working directory.
        .map(|p| {
            p.map(|p| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()))
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        })
        .collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    Index::name(&crate::config::chain::digest(&parts))
}

/// aws-config's parse of `files`.
fn parse(files: &EnvConfigFiles) -> Result<ProfileSet> {
    block_on(aws_config::profile::load(
        &Fs::from_slice(&[]),
        &aws_types::os_shim_internal::Env::from_slice(&[]),
        files,
        None,
    ))
    .map_err(|e| {
        // The files reach the parser as text, so its messages name no file.
        let text = crate::util::error_text(&e).replace("error parsing  on line", "on line");
        anyhow::anyhow!("could not read the AWS config files: {text}")
    })
}

/// The shared config file: `AWS_CONFIG_FILE`, else `~/.aws/config`.
pub fn config_path(env: &Env) -> Option<PathBuf> {
    shared_file(env, EnvVars::AWS_CONFIG_FILE, "config")
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
fn read(path: Option<&Path>) -> Result<String> {
    let Some(path) = path else {
        return Ok(String::new());
    };
    crate::util::read_text(path, FILE_LIMIT)
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
    use crate::config::index::{KEYS, SECRET_KEYS};

    /// A pair of files past `MIN_SIZE`, with every kind of profile aws-as reads, is answered
    /// from the index exactly as from aws-config's parse of the files, and no secret is in the
    /// index file.
    #[test]
    fn the_index_answers_as_the_parser_does() {
        let tmp = tempfile::tempdir().unwrap();
        let mut config = String::from(
            "[default]\nregion = us-east-1\n\
             [profile user]\nregion = eu-west-1\nmfa_serial = arn:aws:iam::123456789012:mfa/a\n\
             mfa_process = oathtool --totp -b x\n\
             [profile inconfig]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = cfgsecret\n\
             [profile both]\nregion = ap-south-1\n\
             [profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = Admin\n\
             [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = us-east-1\n\
             [profile legacy]\nsso_start_url = https://l.awsapps.com/start\nsso_region = eu-west-1\n\
             sso_account_id = 111122223333\nsso_role_name = ReadOnly\n\
             [profile proc]\ncredential_process = /bin/echo {}\n\
             [profile fed]\nfederation_name = alice\nsource_profile = user\n\
             [profile web]\nrole_arn = arn:aws:iam::1:role/w\nweb_identity_token_file = /t\n\
             [profile Case]\nREGION = eu-north-1\nmfa_serial = none\n",
        );
        while config.len() < index::MIN_SIZE as usize + 1000 {
            let i = config.len();
            config.push_str(&format!(
                "[profile r{i}]\nrole_arn = arn:aws:iam::{i}:role/x\nsource_profile = user\n\
                 external_id = e{i}\nduration_seconds = 1800\nrole_session_name = s\n"
            ));
        }
        let credentials = "[user]\naws_access_key_id = AKIAUSER\naws_secret_access_key = usersecret\n\
                           [both]\naws_access_key_id = AKIABOTH\naws_secret_access_key = bothsecret\n\
                           aws_session_token = bothtoken\n[credonly]\naws_access_key_id = AKIAC\n\
                           aws_secret_access_key = credsecret\n";
        std::fs::write(tmp.path().join("config"), &config).unwrap();
        std::fs::write(tmp.path().join("credentials"), credentials).unwrap();
        let env = Env::with(&[
            (EnvVars::HOME, tmp.path().to_str().unwrap()),
            (
                EnvVars::AWS_CONFIG_FILE,
                tmp.path().join("config").to_str().unwrap(),
            ),
            (
                EnvVars::AWS_SHARED_CREDENTIALS_FILE,
                tmp.path().join("credentials").to_str().unwrap(),
            ),
        ]);
        let dir = tmp.path().join("cache");
        let private = || PrivateDir::create(&dir, crate::credentials::cache::PURPOSE);
        let built = Profiles::load(&env, private).unwrap();
        assert!(!built.indexed(), "the first run parses and builds");
        let indexed = Profiles::load(&env, private).unwrap();
        assert!(indexed.indexed(), "the second run uses the index");
        let parsed = Profiles::from_strings(&config, credentials).unwrap();
        assert_eq!(indexed.names(), parsed.names());
        for prefix in ["r1", "C", "s", "zz", ""] {
            assert_eq!(
                indexed.names_starting(prefix),
                parsed.names_starting(prefix)
            );
        }
        assert!(indexed.names_starting("r1").len() > 10);
        for name in parsed.names() {
            let (a, b) = (indexed.get(&name).unwrap(), parsed.get(&name).unwrap());
            for key in KEYS.iter().chain(SECRET_KEYS) {
                assert_eq!(a.get(key), b.get(key), "{name}: {key}");
            }
        }
        assert!(indexed.get("nothing").is_none());
        // And every chain resolves to the same steps (their cache keys hold every setting that
        // decides them, the SSO fingerprint included) or fails the same way.
        let chain = |p: &Profiles, name: &str| {
            crate::config::resolve(p, name, &Env::default())
                .map(|c| {
                    let keys: Vec<String> = c.steps().iter().map(|s| s.key().to_string()).collect();
                    (keys, c.region.clone())
                })
                .map_err(|e| format!("{e:#}"))
        };
        for name in parsed.names() {
            assert_eq!(chain(&indexed, &name), chain(&parsed, &name), "{name}");
        }
        let db = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|x| x == "db"))
            .unwrap();
        let bytes = String::from_utf8_lossy(&std::fs::read(db).unwrap()).into_owned();
        assert!(bytes.contains("AKIACONFIG"));
        for secret in [
            "cfgsecret",
            "usersecret",
            "bothsecret",
            "bothtoken",
            "credsecret",
        ] {
            assert!(!bytes.contains(secret), "{secret} is in the index");
        }
    }

    #[test]
    fn headers_the_sdk_cannot_read_are_set_aside_and_comments_kept() {
        let config = "[profile a#b]\nregion = x\n[profile dev] # note\nregion = eu-west-1\n\
                      [profile ops];c\nregion = us-east-1\n[profile a;b]\nregion = y\n";
        let p = Profiles::from_strings(config, "[user] # keys\naws_access_key_id = A\n").unwrap();
        assert_eq!(p.names(), vec!["dev", "ops", "user"]);
        assert_eq!(p.get("dev").unwrap().get("region"), Some("eu-west-1"));
    }
}
