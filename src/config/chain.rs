//! A profile turned into an identity chain: a base of long-term keys, then zero or more
//! AssumeRole hops. Everything here is pure: no network, no cache, no environment writes.

use super::profiles::Profiles;
use crate::config::profiles::Profile;
use crate::creds::Credentials;
use crate::env::Env;
use anyhow::{Context, Result, anyhow, bail};
use sha2::{Digest, Sha256};

/// The credentials a chain starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseKeys {
    /// `aws_access_key_id` and `aws_secret_access_key` (and perhaps `aws_session_token`) from the
    /// shared files.
    Static(Credentials),
    /// `credential_source = Environment`: the keys that were in the environment before aws-as.
    Environment(Credentials),
    /// Long-term keys in aws-as's key store. Only the ID is known here; the secret is fetched
    /// when a call has to be signed with it.
    Stored {
        access_key_id: String,
        backend: crate::keys::Backend,
    },
    /// Credentials that one of aws-config's own providers obtains for the base profile: SSO,
    /// a `credential_process`, or a web identity token. aws-as caches what they give.
    Provided {
        source: Provider,
        /// A digest of the settings that decide what the provider returns, for the cache key.
        fingerprint: String,
    },
}

/// The kinds of base that aws-config obtains for aws-as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Sso,
    Process,
    WebIdentity,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Provider::Sso => "SSO",
            Provider::Process => "credential_process",
            Provider::WebIdentity => "web identity",
        }
    }
}

impl BaseKeys {
    pub fn access_key_id(&self) -> &str {
        match self {
            BaseKeys::Static(keys) | BaseKeys::Environment(keys) => &keys.access_key_id,
            BaseKeys::Stored { access_key_id, .. } => access_key_id,
            BaseKeys::Provided { .. } => "",
        }
    }
    /// The keys, where they are at hand; stored keys give theirs only through the store.
    pub fn at_hand(&self) -> Option<&Credentials> {
        match self {
            BaseKeys::Static(keys) | BaseKeys::Environment(keys) => Some(keys),
            BaseKeys::Stored { .. } | BaseKeys::Provided { .. } => None,
        }
    }
    /// Long-term keys: ones that can start a session, create access keys or federate.
    pub fn long_term(&self) -> bool {
        match self {
            BaseKeys::Static(keys) => keys.session_token.is_none(),
            // A provider's keys are known only once it has run; aws-as treats them as a source
            // of temporary credentials (and starts a session itself on long-term ones).
            BaseKeys::Environment { .. } | BaseKeys::Provided { .. } => false,
            BaseKeys::Stored { .. } => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base {
    /// The profile that holds the keys.
    pub profile: String,
    pub keys: BaseKeys,
    /// The MFA device that guards the shared session built on these keys, if any.
    pub mfa_serial: Option<String>,
    /// The command that prints a code for `mfa_serial`.
    pub mfa_process: Option<String>,
    /// No profile in the chain names an MFA device (or `none`), so the device is looked up with
    /// ListMFADevices before the first session is started.
    pub discover_mfa: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleHop {
    pub profile: String,
    pub role_arn: String,
    pub external_id: Option<String>,
    pub role_session_name: Option<String>,
    pub duration_seconds: Option<i32>,
    pub source_identity: Option<String>,
    /// An MFA device that AssumeRole itself must be given a code for. Empty when the hop's
    /// `mfa_serial` is already satisfied by the base's MFA session.
    pub mfa_serial: Option<String>,
    pub mfa_process: Option<String>,
}

impl RoleHop {
    /// A hop that assumes `role_arn` with no other parameter (a catalogue entry's role).
    pub fn plain(profile: &str, role_arn: &str) -> RoleHop {
        RoleHop {
            profile: profile.to_string(),
            role_arn: role_arn.to_string(),
            external_id: None,
            role_session_name: None,
            duration_seconds: None,
            source_identity: None,
            mfa_serial: None,
            mfa_process: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    /// The identity the user named: a profile, or a catalogue identity.
    pub name: String,
    /// The profile of the AWS config files whose settings the SDK reads for the calls
    /// (`endpoint_url`): `name` itself, or a catalogue identity's `via`.
    pub profile: String,
    pub base: Base,
    /// Role hops from the base outwards; the last one is the target.
    pub hops: Vec<RoleHop>,
    /// The first `region` found walking from the target back to the base.
    pub region: Option<String>,
    /// The endpoint settings in force, so that credentials from one STS never serve another.
    pub endpoint: String,
    /// `federation_name` on the target: GetFederationToken on the base keys instead of a session.
    pub federation: Option<Federation>,
    /// A catalogue's SSO identity: its base's credentials come from GetRoleCredentials.
    pub sso: Option<SsoRole>,
}

/// What GetRoleCredentials needs for one identity: the session (its token), the portal's region
/// and the account and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsoRole {
    pub session: String,
    pub start_url: String,
    pub region: String,
    pub account: String,
    pub role: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Federation {
    pub profile: String,
    pub name: String,
    pub policy_arns: Vec<String>,
    pub policy: Option<String>,
}

/// The characters aws-config accepts in a profile name; any other name is silently dropped by
/// the SDK, so aws-as refuses it up front with a message that says why.
pub fn valid_profile_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c))
}

/// botocore's rule for a region name (the AWS CLI refuses any other): letters, digits and `-`,
/// neither first nor last, at most 63 characters. The region is exported to the shell and names
/// endpoints, so nothing else gets through.
pub fn valid_region(r: &str) -> bool {
    let b = r.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

/// STS's rule for RoleSessionName: `[\w+=,.@-]{2,64}`.
fn valid_session_name(v: &str) -> bool {
    (2..=64).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

fn get<'a>(profile: &'a Profile, key: &str) -> Option<&'a str> {
    profile.get(key).map(str::trim).filter(|v| !v.is_empty())
}

fn suggestion(profiles: &Profiles, name: &str) -> String {
    let best = profiles
        .names()
        .into_iter()
        .map(|n| (strsim::levenshtein(name, &n), n))
        .filter(|(d, n)| *d <= (n.chars().count().max(name.chars().count()) / 3).max(2))
        .min();
    match best {
        Some((_, n)) => format!("; did you mean `{n}`?"),
        None => "; `aws-as list` shows the profiles".to_string(),
    }
}

/// Resolve profile `name` into a chain.
pub fn resolve(profiles: &Profiles, name: &str, env: &Env) -> Result<Chain> {
    resolve_from(profiles, name, env, &mut Vec::new())
}

/// `resolve`, with the profiles that lead here: every path through resolution records what it
/// visits, so that no loop of any shape (a federation's source_profile coming back to it,
/// among others) can recurse until the stack runs out.
fn resolve_from(
    profiles: &Profiles,
    name: &str,
    env: &Env,
    leading: &mut Vec<String>,
) -> Result<Chain> {
    if leading.iter().any(|v| v == name) {
        leading.push(name.to_string());
        bail!("the source_profile chain loops: {}", leading.join(" -> "));
    }
    if !valid_profile_name(name) {
        bail!(
            "`{name}` is not a valid profile name: the AWS SDKs only accept letters, digits and _-/.%@:+"
        );
    }
    let Some(target) = profiles.get(name) else {
        bail!(
            "there is no profile `{name}` in the AWS config files{}",
            suggestion(profiles, name)
        );
    };
    if target.get("federation_name").is_some() {
        leading.push(name.to_string());
        return resolve_federation(profiles, name, &target, env, leading);
    }
    let mut walk = Walk {
        profiles,
        env,
        visited: Vec::new(),
        hops_rev: Vec::new(),
        mfa_off: false,
        region: None,
    };
    let base = walk.walk_to_base(name)?;
    let Walk {
        hops_rev,
        mfa_off,
        region,
        ..
    } = walk;
    let mut hops: Vec<RoleHop> = hops_rev.into_iter().rev().collect();
    let base = settle_mfa(profiles, name, base, &mut hops, mfa_off);
    if matches!(&base.keys, BaseKeys::Static(keys) if keys.session_token.is_some())
        && hops.is_empty()
    {
        bail!(
            "profile `{name}` holds temporary keys (aws_session_token); aws-as needs long-term keys \
             to start a session, or a role_arn to assume with them"
        );
    }
    Ok(Chain {
        name: name.to_string(),
        profile: name.to_string(),
        base,
        hops,
        region,
        endpoint: endpoint(profiles, name, env),
        federation: None,
        sso: None,
    })
}

/// The walk from the target profile back along `source_profile` to the base credentials,
/// collecting the role hops (target first) and the first region on the way.
struct Walk<'a> {
    profiles: &'a Profiles,
    env: &'a Env,
    /// The profiles walked through so far, for the loop check and the messages.
    visited: Vec<String>,
    hops_rev: Vec<RoleHop>,
    /// Set when a profile on the way says `mfa_serial = none`.
    mfa_off: bool,
    region: Option<String>,
}

/// Where a profile on the walk leads.
enum Next {
    Base(Base),
    Source(String),
}

impl Walk<'_> {
    fn walk_to_base(&mut self, name: &str) -> Result<Base> {
        let mut current = name.to_string();
        loop {
            match self.visit(&current)? {
                Next::Base(base) => return Ok(base),
                Next::Source(src) => current = src,
            }
        }
    }

    /// One profile of the walk: its region, then its own credentials, or its role and where
    /// that role's credentials come from.
    fn visit(&mut self, current: &str) -> Result<Next> {
        let profiles = self.profiles;
        let profile = profiles.get(current).ok_or_else(|| {
            let from = self.visited.last().cloned().unwrap_or_default();
            anyhow!(
                "profile `{from}` names source_profile `{current}`, which does not exist{}",
                suggestion(profiles, current)
            )
        })?;
        let profile = &profile;
        if self.region.is_none()
            && let Some(r) = get(profile, "region")
        {
            if !valid_region(r) {
                bail!(
                    "profile `{current}` has region = {r}, which is not a region name \
                     (letters, digits and -, as in eu-west-1)"
                );
            }
            self.region = Some(r.to_owned());
        }
        self.visited.push(current.to_string());
        // A source profile with keys of its own is used for those keys even when it also has a
        // role_arn: the SDKs and the AWS CLI prioritise static credentials after the first hop.
        if self.visited.len() > 1
            && let Some(base) = static_base(profiles, profile, current)?
        {
            return Ok(Next::Base(base));
        }
        if let Some(base) = web_identity_base(profile, current) {
            return Ok(Next::Base(base));
        }
        if profile.get("role_arn").is_some() {
            let hop = role_hop(profile, current, &mut self.mfa_off)?;
            self.hops_rev.push(hop);
            return self.role_source(profile, current);
        }
        if let Some(base) = static_base(profiles, profile, current)? {
            return Ok(Next::Base(base));
        }
        if let Some(base) = provided_base(profile, current)? {
            return Ok(Next::Base(base));
        }
        bail!(
            "profile `{current}` has no credentials: give it aws_access_key_id and \
             aws_secret_access_key, role_arn with source_profile, SSO settings or a \
             credential_process"
        );
    }

    /// Where a role profile's credentials come from: `source_profile` or `credential_source`.
    fn role_source(&mut self, profile: &Profile, current: &str) -> Result<Next> {
        match (
            get(profile, "source_profile"),
            get(profile, "credential_source"),
        ) {
            (Some(_), Some(_)) => bail!(
                "profile `{current}` sets both source_profile and credential_source; keep one"
            ),
            (Some(src), None) if src == current => {
                // The AWS CLI's rule: a profile that is its own source uses its own keys.
                let base = static_base(self.profiles, profile, current)?.ok_or_else(|| {
                    anyhow!(
                        "profile `{current}` is its own source_profile but has no \
                         aws_access_key_id"
                    )
                })?;
                Ok(Next::Base(base))
            }
            (Some(src), None) => {
                if self.visited.iter().any(|v| v == src) {
                    self.visited.push(src.to_string());
                    bail!(
                        "the source_profile chain loops: {}",
                        self.visited.join(" -> ")
                    );
                }
                Ok(Next::Source(src.to_string()))
            }
            (None, Some("Environment")) => Ok(Next::Base(environment_base(current, self.env)?)),
            (None, Some(other)) => bail!(
                "profile `{current}` uses credential_source = {other}, which aws-as does not \
                 support; use Environment or a source_profile"
            ),
            (None, None) => bail!(
                "profile `{current}` has a role_arn but no source_profile or credential_source"
            ),
        }
    }
}

/// The AssumeRole a profile with `role_arn` makes, its settings checked as STS would check them.
fn role_hop(profile: &Profile, current: &str, mfa_off: &mut bool) -> Result<RoleHop> {
    let role_arn = get(profile, "role_arn")
        .ok_or_else(|| anyhow!("profile `{current}` has an empty role_arn"))?
        .to_string();
    let duration_seconds = match get(profile, "duration_seconds") {
        None => None,
        // AssumeRole takes 900 seconds to 12 hours.
        Some(v) => Some(
            v.parse::<i32>()
                .ok()
                .filter(|d| (900..=43200).contains(d))
                .ok_or_else(|| {
                    anyhow!(
                        "profile `{current}` has duration_seconds = {v}; AssumeRole takes 900 to \
                         43200 seconds"
                    )
                })?,
        ),
    };
    let role_session_name = match get(profile, "role_session_name") {
        Some(v) if !valid_session_name(v) => bail!(
            "profile `{current}` has role_session_name = {v}, which STS would refuse: use 2 to 64 \
             letters, digits and _+=,.@-"
        ),
        v => v.map(str::to_owned),
    };
    Ok(RoleHop {
        profile: current.to_string(),
        role_arn,
        external_id: get(profile, "external_id").map(str::to_owned),
        role_session_name,
        duration_seconds,
        source_identity: get(profile, "source_identity").map(str::to_owned),
        mfa_serial: mfa_serial(profile, mfa_off),
        mfa_process: get(profile, "mfa_process").map(str::to_owned),
    })
}

/// Which MFA device guards what. One MFA entry serves every role: when the first role after
/// long-term keys wants MFA, that device guards the base's session (GetSessionToken), and the
/// role is assumed with the MFA session's keys instead of asking for a code again, as aws-vault
/// does. With no device anywhere (and no `mfa_serial = none`), the device is looked up later.
fn settle_mfa(
    profiles: &Profiles,
    name: &str,
    mut base: Base,
    hops: &mut [RoleHop],
    mfa_off: bool,
) -> Base {
    if base.keys.long_term()
        && let Some(first) = hops.first_mut()
        && let Some(serial) = first.mfa_serial.clone()
    {
        match &base.mfa_serial {
            None => {
                base.mfa_serial = Some(serial);
                base.mfa_process = first.mfa_process.clone().or(base.mfa_process.take());
                first.mfa_serial = None;
            }
            Some(own) if *own == serial => first.mfa_serial = None,
            Some(_) => {}
        }
    }
    base.discover_mfa &= !mfa_off && base.mfa_serial.is_none() && base.keys.long_term();
    if base.mfa_process.is_none() && (base.mfa_serial.is_some() || base.discover_mfa) {
        base.mfa_process = profiles
            .get(name)
            .and_then(|p| get(&p, "mfa_process").map(str::to_owned));
    }
    base
}

fn endpoint(profiles: &Profiles, name: &str, env: &Env) -> String {
    let mut endpoint = env.endpoint_settings();
    if let Some(url) = profiles
        .get(name)
        .and_then(|p| get(&p, "endpoint_url").map(str::to_owned))
    {
        endpoint.push(format!("endpoint_url={url}"));
    }
    endpoint.join("\n")
}

/// `mfa_serial`, where `none` means no MFA and no looking for a device either.
fn mfa_serial(profile: &Profile, off: &mut bool) -> Option<String> {
    match get(profile, "mfa_serial") {
        Some(v) if v.eq_ignore_ascii_case("none") => {
            *off = true;
            None
        }
        v => v.map(str::to_owned),
    }
}

/// STS's rule for a federated user's name: `[\w+=,.@-]{2,32}`.
fn valid_federation_name(v: &str) -> bool {
    (2..=32).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// A profile with `federation_name`: GetFederationToken, signed with long-term keys that are the
/// profile's own or its source_profile's. Federated credentials can't call AssumeRole or use
/// MFA, so the chain is that single call.
fn resolve_federation(
    profiles: &Profiles,
    name: &str,
    target: &Profile,
    env: &Env,
    leading: &mut Vec<String>,
) -> Result<Chain> {
    if target.get("role_arn").is_some() {
        bail!("profile `{name}` sets both federation_name and role_arn; keep one");
    }
    let fed_name = get(target, "federation_name")
        .ok_or_else(|| anyhow!("profile `{name}` has an empty federation_name"))?;
    if !valid_federation_name(fed_name) {
        bail!(
            "profile `{name}` has federation_name = {fed_name}, which STS would refuse: use 2 to \
             32 letters, digits and _+=,.@-"
        );
    }
    let policy_arns: Vec<String> = get(target, "federation_policy_arns")
        .unwrap_or("")
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect();
    if let Some(bad) = policy_arns.iter().find(|a| !a.starts_with("arn:")) {
        bail!("profile `{name}` has `{bad}` in federation_policy_arns, which is not an ARN");
    }
    let (base, mut region) = match static_base(profiles, target, name)? {
        Some(base) => (base, None),
        None => {
            let Some(src) = get(target, "source_profile") else {
                bail!(
                    "profile `{name}` has federation_name but no long-term keys: give it \
                     aws_access_key_id and aws_secret_access_key, or a source_profile with them"
                );
            };
            let source = resolve_from(profiles, src, env, leading)
                .with_context(|| format!("profile `{name}` names source_profile `{src}`"))?;
            if !source.hops.is_empty()
                || source.federation.is_some()
                || !source.base.keys.long_term()
            {
                bail!(
                    "profile `{name}` has federation_name, but its source_profile `{src}` has no \
                     long-term keys of its own; GetFederationToken needs an IAM user's keys"
                );
            }
            (source.base, source.region)
        }
    };
    if let Some(r) = get(target, "region") {
        if !valid_region(r) {
            bail!("profile `{name}` has region = {r}, which is not a region name");
        }
        region = Some(r.to_owned());
    }
    Ok(Chain {
        name: name.to_string(),
        profile: name.to_string(),
        base: Base {
            mfa_serial: None,
            mfa_process: None,
            discover_mfa: false,
            ..base
        },
        hops: Vec::new(),
        region,
        endpoint: endpoint(profiles, name, env),
        federation: Some(Federation {
            profile: name.to_string(),
            name: fed_name.to_string(),
            policy_arns,
            policy: get(target, "federation_policy").map(str::to_owned),
        }),
        sso: None,
    })
}

/// The long-term keys profile `name` holds: aws-as's store first, then the shared files.
fn static_base(profiles: &Profiles, profile: &Profile, name: &str) -> Result<Option<Base>> {
    let mut off = false;
    let mfa = mfa_serial(profile, &mut off);
    if let Some(entry) = profiles.stored(name) {
        return Ok(Some(Base {
            profile: name.to_string(),
            keys: BaseKeys::Stored {
                access_key_id: entry.access_key_id.clone(),
                backend: entry.backend,
            },
            mfa_serial: mfa,
            mfa_process: get(profile, "mfa_process").map(str::to_owned),
            discover_mfa: !off,
        }));
    }
    let Some(access_key_id) = get(profile, "aws_access_key_id") else {
        return Ok(None);
    };
    let secret_access_key = get(profile, "aws_secret_access_key").ok_or_else(|| {
        anyhow!("profile `{name}` has aws_access_key_id but no aws_secret_access_key")
    })?;
    Ok(Some(Base {
        profile: name.to_string(),
        keys: BaseKeys::Static(Credentials {
            session_token: get(profile, "aws_session_token").map(str::to_owned),
            ..Credentials::keys(access_key_id, secret_access_key)
        }),
        mfa_serial: mfa,
        mfa_process: get(profile, "mfa_process").map(str::to_owned),
        discover_mfa: !off,
    }))
}

/// A base that aws-config's providers obtain: SSO (`sso_session`, or the legacy `sso_start_url`
/// settings) or a `credential_process`. The settings that decide the result go into the
/// fingerprint, so that an edited profile never meets stale credentials.
fn provided_base(profile: &Profile, name: &str) -> Result<Option<Base>> {
    let setting = |k: &str| get(profile, k).unwrap_or("");
    let (source, fingerprint) =
        if profile.get("sso_session").is_some() || profile.get("sso_start_url").is_some() {
            if get(profile, "sso_account_id").is_none() || get(profile, "sso_role_name").is_none() {
                bail!(
                    "profile `{name}` has SSO settings but no sso_account_id and sso_role_name; \
                     aws-as needs a profile for one account and role (aws configure sso makes one)"
                );
            }
            let parts = [
                "sso_session",
                "sso_start_url",
                "sso_region",
                "sso_account_id",
                "sso_role_name",
            ]
            .map(setting);
            (Provider::Sso, digest(&parts))
        } else if let Some(command) = get(profile, "credential_process") {
            (Provider::Process, digest(&[command]))
        } else {
            return Ok(None);
        };
    let mut off = false;
    Ok(Some(Base {
        profile: name.to_string(),
        keys: BaseKeys::Provided {
            source,
            fingerprint,
        },
        // Used only when a credential_process gives long-term keys, to start the session on them.
        mfa_serial: mfa_serial(profile, &mut off),
        mfa_process: get(profile, "mfa_process").map(str::to_owned),
        discover_mfa: false,
    }))
}

/// `role_arn` with `web_identity_token_file` (and no source_profile): AssumeRoleWithWebIdentity,
/// which aws-config's provider makes, is the base. The token file is read afresh each time, so
/// only its path is part of the fingerprint.
fn web_identity_base(profile: &Profile, name: &str) -> Option<Base> {
    let token_file = get(profile, "web_identity_token_file")?;
    let role_arn = get(profile, "role_arn")?;
    if profile.get("source_profile").is_some() || profile.get("credential_source").is_some() {
        return None;
    }
    Some(Base {
        profile: name.to_string(),
        keys: BaseKeys::Provided {
            source: Provider::WebIdentity,
            fingerprint: digest(&[
                role_arn,
                token_file,
                get(profile, "role_session_name").unwrap_or(""),
            ]),
        },
        mfa_serial: None,
        mfa_process: None,
        discover_mfa: false,
    })
}

fn environment_base(name: &str, env: &Env) -> Result<Base> {
    if let Some(active) = env.active_identity() {
        bail!(
            "profile `{name}` uses credential_source = Environment, but this environment holds aws-as \
             identity `{active}`; run it through the aws-as shell function, or deactivate first"
        );
    }
    match env.user_keys() {
        Some((id, secret, token)) => Ok(Base {
            profile: name.to_string(),
            keys: BaseKeys::Environment(Credentials {
                session_token: token.map(str::to_owned),
                ..Credentials::keys(id, secret)
            }),
            mfa_serial: None,
            mfa_process: None,
            discover_mfa: false,
        }),
        None => bail!(
            "profile `{name}` uses credential_source = Environment, but AWS_ACCESS_KEY_ID and \
             AWS_SECRET_ACCESS_KEY are not both set"
        ),
    }
}

/// One call a chain needs, with the cache key that identifies its result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// A digest of everything that decides the call's result.
    pub key: String,
    pub kind: StepKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepKind {
    /// GetSessionToken on the base keys, with MFA when `serial` is set.
    Session {
        serial: Option<String>,
        mfa_process: Option<String>,
        profile: String,
    },
    /// AssumeRole for hop `index`.
    Role { index: usize },
    /// GetFederationToken for the chain's `federation`.
    Federation { profile: String },
    /// The base's own credentials from an aws-config provider (SSO, credential_process, web
    /// identity), with a session started on them when they are long-term keys.
    Source { profile: String },
}

impl Step {
    fn new(key: String, kind: StepKind) -> Step {
        Step { key, kind }
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    /// The profile whose settings this step carries out.
    pub fn profile<'a>(&'a self, chain: &'a Chain) -> &'a str {
        match &self.kind {
            StepKind::Session { profile, .. }
            | StepKind::Federation { profile }
            | StepKind::Source { profile } => profile,
            StepKind::Role { index } => &chain.hops[*index].profile,
        }
    }
}

impl StepKind {
    /// What the cache records as an entry's kind.
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::Session { .. } => "session",
            StepKind::Role { .. } => "role",
            StepKind::Federation { .. } => "federation",
            StepKind::Source { .. } => "source",
        }
    }
}

pub(crate) fn digest(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p.as_bytes());
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(32);
    for b in &h.finalize()[..16] {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

impl Chain {
    /// The STS calls this chain needs, base first. Each key is derived from everything that
    /// decides what that call returns, so an edited profile never meets stale credentials.
    pub fn steps(&self) -> Vec<Step> {
        let mut steps = self.base_steps();
        if self.federation.is_some() {
            return steps;
        }
        let mut prev = steps
            .last()
            .map(|s| s.key.clone())
            .unwrap_or_else(|| self.base_digest());
        for (index, hop) in self.hops.iter().enumerate() {
            let key = hop_key(&prev, hop);
            prev = key.clone();
            steps.push(Step::new(key, StepKind::Role { index }));
        }
        steps
    }

    /// The key of the chain's last step, as `steps` gives it, with the steps before the role
    /// hops taken from `memo` when a chain on the same base has already computed them: `list`
    /// asks this of every identity, most of which share a base.
    pub fn target_key(&self, memo: &mut StepMemo) -> Option<String> {
        if self.federation.is_some() {
            return self.steps().pop().map(|s| s.key);
        }
        let prev = self.prefix_key(memo)?;
        Some(self.hops.iter().fold(prev, |prev, hop| hop_key(&prev, hop)))
    }

    /// The key of the last step before the role hops (or the base's digest, which the first
    /// hop follows), from `memo` when a chain on the same base has computed it; `None` for a
    /// chain of no step at all (keys used as they are), or a federation.
    pub fn prefix_key(&self, memo: &mut StepMemo) -> Option<String> {
        if self.federation.is_some() {
            return None;
        }
        // Everything `base_steps` and `base_digest` read.
        let found = memo.0.iter().find(|(base, endpoint, no_hops, _)| {
            *no_hops == self.hops.is_empty() && *endpoint == self.endpoint && *base == self.base
        });
        if let Some((.., prev)) = found {
            return prev.clone();
        }
        let steps = self.base_steps();
        let prev = match steps.last() {
            Some(last) => Some(last.key.clone()),
            None if !self.hops.is_empty() => Some(self.base_digest()),
            None => None,
        };
        if memo.0.len() < StepMemo::MAX {
            memo.0.push((
                self.base.clone(),
                self.endpoint.clone(),
                self.hops.is_empty(),
                prev.clone(),
            ));
        }
        prev
    }

    /// The digest of the base's keys and the endpoint, which every step key starts from.
    fn base_digest(&self) -> String {
        let keys = &self.base.keys;
        // Stored keys are known by their ID, which changes with every rotation; the others by
        // a digest of the secret too, so that an edited file never meets stale credentials.
        let (kind, secret_digest) = match keys {
            BaseKeys::Static(keys) => ("static", digest(&[&keys.secret_access_key])),
            BaseKeys::Environment(keys) => ("environment", digest(&[&keys.secret_access_key])),
            BaseKeys::Stored { backend, .. } => ("stored", backend.name().to_string()),
            BaseKeys::Provided {
                source,
                fingerprint,
            } => (source.name(), fingerprint.clone()),
        };
        digest(&[kind, keys.access_key_id(), &secret_digest, &self.endpoint])
    }

    /// The steps before the role hops: the federation, or the provider's source and the
    /// session on the base's keys.
    fn base_steps(&self) -> Vec<Step> {
        let keys = &self.base.keys;
        let mut prev = self.base_digest();
        let mut steps = Vec::new();
        if let Some(fed) = &self.federation {
            let key = digest(&[
                "federation",
                &prev,
                &fed.name,
                &fed.policy_arns.join(","),
                fed.policy.as_deref().unwrap_or(""),
            ]);
            steps.push(Step::new(
                key,
                StepKind::Federation {
                    profile: fed.profile.clone(),
                },
            ));
            return steps;
        }
        if let BaseKeys::Provided { .. } = keys {
            let serial = self.base.mfa_serial.as_deref().unwrap_or("");
            let key = digest(&["source", &prev, &self.base.profile, serial]);
            prev = key.clone();
            steps.push(Step::new(
                key,
                StepKind::Source {
                    profile: self.base.profile.clone(),
                },
            ));
        }
        let long_term = keys.long_term();
        if long_term && (self.hops.is_empty() || self.base.mfa_serial.is_some()) {
            let serial = self.base.mfa_serial.clone();
            let key = digest(&["session", &prev, serial.as_deref().unwrap_or("")]);
            steps.push(Step::new(
                key,
                StepKind::Session {
                    serial,
                    mfa_process: self.base.mfa_process.clone(),
                    profile: self.base.profile.clone(),
                },
            ));
        }
        steps
    }
}

/// The steps before the role hops of the chains seen so far, by base: `list` resolves every
/// identity, and most share one of a few bases.
#[derive(Default)]
pub struct StepMemo(Vec<(Base, String, bool, Option<String>)>);

impl StepMemo {
    /// Past this many bases, a look-up would cost more than the digests it saves.
    const MAX: usize = 32;
}

/// The key of an AssumeRole hop of `role_arn` with no other parameter (a catalogue entry's role)
/// after the step whose key is `prev`: `hop_key`'s for such a hop.
pub fn plain_role_key(prev: &str, role_arn: &str) -> String {
    digest(&["role", prev, role_arn, "", "", "", "", ""])
}

/// The key of an AssumeRole hop after the step whose key is `prev`.
fn hop_key(prev: &str, hop: &RoleHop) -> String {
    digest(&[
        "role",
        prev,
        &hop.role_arn,
        hop.external_id.as_deref().unwrap_or(""),
        hop.role_session_name.as_deref().unwrap_or(""),
        hop.source_identity.as_deref().unwrap_or(""),
        hop.mfa_serial.as_deref().unwrap_or(""),
        &hop.duration_seconds
            .map(|d| d.to_string())
            .unwrap_or_default(),
    ])
}

/// What kind of identity a profile is, for `aws-as list`.
pub fn profile_kind(profiles: &Profiles, name: &str) -> &'static str {
    let Some(p) = profiles.get(name) else {
        return "unknown";
    };
    if p.get("role_arn").is_some() && p.get("web_identity_token_file").is_some() {
        "web-identity"
    } else if p.get("role_arn").is_some() {
        "role"
    } else if p.get("federation_name").is_some() {
        "federation"
    } else if p.get("aws_access_key_id").is_some() || profiles.stored(name).is_some() {
        if get(&p, "mfa_serial").is_some_and(|v| !v.eq_ignore_ascii_case("none")) {
            "user+mfa"
        } else {
            "user"
        }
    } else if p.get("sso_session").is_some() || p.get("sso_start_url").is_some() {
        "sso"
    } else if p.get("credential_process").is_some() {
        "process"
    } else if p.get("web_identity_token_file").is_some() {
        "web-identity"
    } else {
        "none"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::EnvVars;

    const CONFIG: &str = r#"
[profile user]
region = eu-west-1
mfa_serial = arn:aws:iam::111111111111:mfa/alice
mfa_process = oathtool --totp secret

[profile plain]

[profile dev]
role_arn = arn:aws:iam::222222222222:role/dev
source_profile = user
external_id = ext-1
duration_seconds = 1800

[profile prod]
role_arn = arn:aws:iam::333333333333:role/prod
source_profile = dev
region = us-west-2
role_session_name = alice

[profile lonely]
role_arn = arn:aws:iam::1:role/x

[profile empty-arn]
role_arn =
source_profile = user

[profile loop-a]
role_arn = arn:aws:iam::1:role/a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::1:role/b
source_profile = loop-a

[profile dangling]
role_arn = arn:aws:iam::1:role/d
source_profile = nobody

[profile envrole]
role_arn = arn:aws:iam::1:role/e
credential_source = Environment

[profile rolemfa]
role_arn = arn:aws:iam::1:role/m
source_profile = plain
mfa_serial = arn:aws:iam::111111111111:mfa/bob

[profile sso]
sso_session = corp

[profile mixed]
role_arn = arn:aws:iam::1:role/mixed
source_profile = user
mfa_serial = arn:aws:iam::111111111111:mfa/mixed

[profile onmixed]
role_arn = arn:aws:iam::1:role/top
source_profile = mixed
"#;
    const CREDS: &str = "[user]\naws_access_key_id = AKIAUSER\naws_secret_access_key = s3cret\n\n[plain]\naws_access_key_id = AKIAPLAIN\naws_secret_access_key = pl41n\n\n[mixed]\naws_access_key_id = AKIAMIXED\naws_secret_access_key = m1xed\n";

    fn profiles() -> Profiles {
        Profiles::from_strings(CONFIG, CREDS).unwrap()
    }

    /// The kinds of a chain's steps, in order.
    fn kinds(chain: &Chain) -> Vec<StepKind> {
        chain.steps().into_iter().map(|s| s.kind).collect()
    }

    fn err(name: &str) -> String {
        format!(
            "{:#}",
            resolve(&profiles(), name, &Env::default()).unwrap_err()
        )
    }

    /// `target_key`, with its memo, is what `steps` gives, for every chain of the tests' config
    /// and a catalogue's plain roles alike.
    #[test]
    fn target_key_is_the_last_steps_key() {
        let p = profiles();
        let mut memo = StepMemo::default();
        let mut checked = 0;
        for _ in 0..2 {
            for name in p.names() {
                let Ok(chain) = resolve(&p, &name, &Env::default()) else {
                    continue;
                };
                let want = chain.steps().pop().map(|s| s.key);
                assert_eq!(chain.target_key(&mut memo), want, "{name}");
                checked += 1;
                let mut plain = chain.clone();
                plain
                    .hops
                    .push(RoleHop::plain("x", "arn:aws:iam::1:role/x"));
                if plain.federation.is_none() && !chain.hops.is_empty() {
                    let prev = chain.prefix_key(&mut memo).unwrap();
                    let prev = chain.hops.iter().fold(prev, |p, h| hop_key(&p, h));
                    assert_eq!(
                        Some(plain_role_key(&prev, "arn:aws:iam::1:role/x")),
                        plain.steps().pop().map(|s| s.key)
                    );
                }
            }
        }
        assert!(checked > 10, "{checked}");
    }

    #[test]
    fn user_with_mfa() {
        let c = resolve(&profiles(), "user", &Env::default()).unwrap();
        assert!(c.hops.is_empty());
        assert_eq!(
            c.base.mfa_serial.as_deref(),
            Some("arn:aws:iam::111111111111:mfa/alice")
        );
        assert_eq!(c.region.as_deref(), Some("eu-west-1"));
        let steps = c.steps();
        assert_eq!(steps.len(), 1);
        assert!(matches!(
            &steps[0].kind,
            StepKind::Session {
                serial: Some(_),
                ..
            }
        ));
    }

    #[test]
    fn chain_of_two_roles_shares_the_users_session() {
        let user = resolve(&profiles(), "user", &Env::default()).unwrap();
        let prod = resolve(&profiles(), "prod", &Env::default()).unwrap();
        assert_eq!(prod.hops.len(), 2);
        assert_eq!(prod.hops[0].role_arn, "arn:aws:iam::222222222222:role/dev");
        assert_eq!(prod.hops[0].external_id.as_deref(), Some("ext-1"));
        assert_eq!(prod.hops[0].duration_seconds, Some(1800));
        assert_eq!(prod.hops[1].role_session_name.as_deref(), Some("alice"));
        assert_eq!(prod.region.as_deref(), Some("us-west-2"));
        let steps = prod.steps();
        assert_eq!(steps.len(), 3);
        // The MFA session is the same cache entry whichever profile needs it.
        assert_eq!(steps[0].key(), user.steps()[0].key());
        let dev = resolve(&profiles(), "dev", &Env::default()).unwrap();
        assert_eq!(dev.steps()[1].key(), steps[1].key());
        assert_eq!(dev.region.as_deref(), Some("eu-west-1"));
    }

    #[test]
    fn edited_profile_changes_the_key() {
        let a = resolve(&profiles(), "dev", &Env::default()).unwrap();
        let edited = CONFIG.replace("external_id = ext-1", "external_id = ext-2");
        let p2 = Profiles::from_strings(&edited, CREDS).unwrap();
        let b = resolve(&p2, "dev", &Env::default()).unwrap();
        assert_eq!(a.steps()[0].key(), b.steps()[0].key());
        assert_ne!(a.steps()[1].key(), b.steps()[1].key());
        let amb = Env::with(&[(EnvVars::AWS_ENDPOINT_URL, "http://127.0.0.1:1")]);
        let c = resolve(&profiles(), "dev", &amb).unwrap();
        assert_ne!(a.steps()[0].key(), c.steps()[0].key());
    }

    #[test]
    fn plain_user_gets_a_session_and_plain_role_uses_keys() {
        let plain = resolve(&profiles(), "plain", &Env::default()).unwrap();
        assert!(matches!(
            &plain.steps()[0].kind,
            StepKind::Session { serial: None, .. }
        ));
    }

    #[test]
    fn role_mfa_moves_to_the_session() {
        let c = resolve(&profiles(), "rolemfa", &Env::default()).unwrap();
        assert_eq!(
            c.base.mfa_serial.as_deref(),
            Some("arn:aws:iam::111111111111:mfa/bob")
        );
        assert_eq!(c.hops[0].mfa_serial, None);
        assert_eq!(c.steps().len(), 2);
    }

    /// As the SDKs and the AWS CLI do: after the first hop, a profile's own keys win over its
    /// role_arn. As the target, its role_arn wins.
    #[test]
    fn source_profile_with_keys_and_a_role_uses_its_keys() {
        let c = resolve(&profiles(), "onmixed", &Env::default()).unwrap();
        assert_eq!(c.base.keys.access_key_id(), "AKIAMIXED");
        assert_eq!(
            c.base.mfa_serial.as_deref(),
            Some("arn:aws:iam::111111111111:mfa/mixed")
        );
        assert_eq!(c.hops.len(), 1);
        assert_eq!(c.hops[0].role_arn, "arn:aws:iam::1:role/top");
        let m = resolve(&profiles(), "mixed", &Env::default()).unwrap();
        assert_eq!(m.base.keys.access_key_id(), "AKIAUSER");
        assert_eq!(m.hops[0].role_arn, "arn:aws:iam::1:role/mixed");
    }

    #[test]
    fn duration_is_part_of_the_key() {
        let a = resolve(&profiles(), "dev", &Env::default()).unwrap();
        let edited = CONFIG.replace("duration_seconds = 1800", "duration_seconds = 3600");
        let b = resolve(
            &Profiles::from_strings(&edited, CREDS).unwrap(),
            "dev",
            &Env::default(),
        )
        .unwrap();
        assert_ne!(a.steps()[1].key(), b.steps()[1].key());
    }

    #[test]
    fn refusals() {
        assert!(err("nope").contains("there is no profile `nope`"));
        assert!(
            err("usr").contains("did you mean `user`?"),
            "{}",
            err("usr")
        );
        assert!(err("lonely").contains("no source_profile or credential_source"));
        assert!(err("empty-arn").contains("empty role_arn"));
        assert!(
            err("loop-a").contains("loops: loop-a -> loop-b -> loop-a"),
            "{}",
            err("loop-a")
        );
        assert!(err("dangling").contains("source_profile `nobody`, which does not exist"));
        assert!(err("sso").contains("SSO"));
        assert!(err("envrole").contains("AWS_ACCESS_KEY_ID"));
        assert!(err("a b").contains("not a valid profile name"));
        assert!(err("$(touch x)").contains("not a valid profile name"));
    }

    #[test]
    fn environment_source_only_from_the_users_own_environment() {
        let amb = Env::with(&[
            (EnvVars::AWS_ACCESS_KEY_ID, "AKIAENV"),
            (EnvVars::AWS_SECRET_ACCESS_KEY, "envsecret"),
        ]);
        let c = resolve(&profiles(), "envrole", &amb).unwrap();
        assert_eq!(c.base.keys.access_key_id(), "AKIAENV");
        assert_eq!(c.steps().len(), 1);
        let amb = Env::with(&[
            (EnvVars::AWS_ACCESS_KEY_ID, "AKIAENV"),
            (EnvVars::AWS_SECRET_ACCESS_KEY, "envsecret"),
            (EnvVars::AWS_AS_IDENTITY, "dev"),
        ]);
        let e = format!("{:#}", resolve(&profiles(), "envrole", &amb).unwrap_err());
        assert!(e.contains("holds aws-as identity `dev`"));
    }

    fn stored(
        names: &[(&str, &str)],
    ) -> std::collections::BTreeMap<String, crate::keys::IndexEntry> {
        names
            .iter()
            .map(|(n, id)| {
                (
                    n.to_string(),
                    crate::keys::IndexEntry {
                        backend: crate::keys::Backend::File,
                        access_key_id: id.to_string(),
                    },
                )
            })
            .collect()
    }

    /// Stored keys win over plaintext ones, make a profile exist without a section, and are
    /// known by their ID alone (no secret is needed to name the cache entries).
    #[test]
    fn stored_keys_win_and_need_no_secret() {
        let p = Profiles::with_stored(
            CONFIG,
            CREDS,
            stored(&[
                ("user", "AKIASTORED0000000001"),
                ("vault-only", "AKIASTORED0000000002"),
            ]),
        )
        .unwrap();
        let c = resolve(&p, "dev", &Env::default()).unwrap();
        assert_eq!(c.base.keys.access_key_id(), "AKIASTORED0000000001");
        assert!(c.base.keys.at_hand().is_none());
        assert!(c.base.keys.long_term());
        assert_eq!(c.steps().len(), 2);
        let plain = resolve(&profiles(), "dev", &Env::default()).unwrap();
        assert_ne!(plain.steps()[0].key(), c.steps()[0].key());
        let v = resolve(&p, "vault-only", &Env::default()).unwrap();
        assert!(
            v.base.discover_mfa,
            "no mfa_serial anywhere: look the device up"
        );
        assert_eq!(profile_kind(&p, "vault-only"), "user");
        let none = Profiles::from_strings(
            "[profile n]\nmfa_serial = none\n",
            "[n]\naws_access_key_id = AKIAN\naws_secret_access_key = s\n",
        )
        .unwrap();
        assert_eq!(profile_kind(&none, "n"), "user");
    }

    #[test]
    fn mfa_serial_none_turns_discovery_off() {
        let config = "[profile a]\nmfa_serial = none\n[profile r]\nrole_arn = arn:aws:iam::1:role/r\n\
                      source_profile = b\nmfa_serial = NONE\n[profile b]\n";
        let creds = "[a]\naws_access_key_id = AKIAA\naws_secret_access_key = s\n\
                     [b]\naws_access_key_id = AKIAB\naws_secret_access_key = s\n";
        let p = Profiles::from_strings(config, creds).unwrap();
        let a = resolve(&p, "a", &Env::default()).unwrap();
        assert!(!a.base.discover_mfa);
        assert_eq!(a.base.mfa_serial, None);
        let r = resolve(&p, "r", &Env::default()).unwrap();
        assert!(!r.base.discover_mfa);
        assert_eq!(r.hops[0].mfa_serial, None);
        let b = resolve(&p, "b", &Env::default()).unwrap();
        assert!(b.base.discover_mfa);
        // A configured device needs no lookup.
        assert!(
            !resolve(&profiles(), "user", &Env::default())
                .unwrap()
                .base
                .discover_mfa
        );
    }

    #[test]
    fn federation_profiles() {
        let config = "[profile fed]\nsource_profile = user\nfederation_name = alice\n\
                      federation_policy_arns = arn:aws:iam::aws:policy/A,arn:aws:iam::aws:policy/B\n\
                      [profile both]\nfederation_name = x1\nrole_arn = arn:aws:iam::1:role/x\n\
                      [profile viarole]\nfederation_name = x1\nsource_profile = dev\n\
                      [profile badarn]\nfederation_name = x1\nsource_profile = user\n\
                      federation_policy_arns = ReadOnly\n";
        let p = Profiles::from_strings(&format!("{CONFIG}{config}"), CREDS).unwrap();
        let f = resolve(&p, "fed", &Env::default()).unwrap();
        let fed = f.federation.as_ref().unwrap();
        assert_eq!(fed.name, "alice");
        assert_eq!(fed.policy_arns.len(), 2);
        assert_eq!(f.base.mfa_serial, None, "GetFederationToken takes no MFA");
        assert_eq!(f.region.as_deref(), Some("eu-west-1"));
        assert!(matches!(kinds(&f)[..], [StepKind::Federation { .. }]));
        let e = |n: &str| format!("{:#}", resolve(&p, n, &Env::default()).unwrap_err());
        assert!(e("both").contains("keep one"), "{}", e("both"));
        assert!(
            e("viarole").contains("no long-term keys"),
            "{}",
            e("viarole")
        );
        assert!(e("badarn").contains("not an ARN"), "{}", e("badarn"));
    }

    #[test]
    fn provided_bases() {
        let config = "[profile corp]\nsso_session = corp\nsso_account_id = 111122223333\n\
                      sso_role_name = Admin\nregion = eu-central-1\n\
                      [sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n\
                      sso_region = eu-west-1\n\
                      [profile corp-dev]\nrole_arn = arn:aws:iam::2:role/dev\nsource_profile = corp\n\
                      mfa_serial = arn:aws:iam::111111111111:mfa/alice\n\
                      [profile proc]\ncredential_process = op-aws --item x\n\
                      [profile proc2]\ncredential_process = op-aws --item y\n\
                      [profile ci]\nrole_arn = arn:aws:iam::3:role/ci\n\
                      web_identity_token_file = /var/run/token\n\
                      [profile ci-deploy]\nrole_arn = arn:aws:iam::4:role/deploy\nsource_profile = ci\n";
        let p = Profiles::from_strings(&format!("{CONFIG}{config}"), CREDS).unwrap();
        let r = |n: &str| resolve(&p, n, &Env::default()).unwrap();
        let corp = r("corp");
        assert!(matches!(
            corp.base.keys,
            BaseKeys::Provided {
                source: Provider::Sso,
                ..
            }
        ));
        assert!(matches!(kinds(&corp)[..], [StepKind::Source { .. }]));
        assert_eq!(corp.region.as_deref(), Some("eu-central-1"));
        // A role on SSO credentials: the provider's step, then AssumeRole, which keeps its own
        // MFA device (no GetSessionToken can be made on temporary credentials).
        let dev = r("corp-dev");
        assert!(matches!(
            kinds(&dev)[..],
            [StepKind::Source { .. }, StepKind::Role { index: 0 }]
        ));
        assert_eq!(
            dev.hops[0].mfa_serial.as_deref(),
            Some("arn:aws:iam::111111111111:mfa/alice")
        );
        assert!(!dev.base.discover_mfa);
        assert_eq!(
            dev.steps()[0].key(),
            corp.steps()[0].key(),
            "one SSO entry serves both"
        );
        // Different commands never share a cache entry.
        assert_ne!(r("proc").steps()[0].key(), r("proc2").steps()[0].key());
        let ci = r("ci");
        assert!(matches!(
            ci.base.keys,
            BaseKeys::Provided {
                source: Provider::WebIdentity,
                ..
            }
        ));
        assert!(
            ci.hops.is_empty(),
            "the web identity role is the base itself"
        );
        assert!(matches!(
            kinds(&r("ci-deploy"))[..],
            [StepKind::Source { .. }, StepKind::Role { .. }]
        ));
        assert_eq!(profile_kind(&p, "corp"), "sso");
        assert_eq!(profile_kind(&p, "proc"), "process");
        assert_eq!(profile_kind(&p, "ci"), "web-identity");
        assert_eq!(profile_kind(&p, "ci-deploy"), "role");
        assert!(err("sso").contains("sso_account_id"), "{}", err("sso"));
    }
}
