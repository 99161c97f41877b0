//! Catalogues: identities kept in one shared place (letme's DynamoDB table, an AWS Organization,
//! IAM Identity Center, a file in git), copied locally by `catalog sync` and switched to by name
//! like any profile.
//!
//! - `Spec` is a `[catalog.NAME]` table of aws-as's settings, checked when the settings are read.
//! - A source hands back `RawEntry`s: untrusted data. `RawEntry::check` turns each into an
//!   `Entry` (a valid name, account, regions and role ARNs) or a reason to skip it; nothing else
//!   of an entry is kept, so no entry can name credentials, an endpoint or a program.
//! - The local copy (`store`) is one SQLite file per catalogue, replaced atomically by a sync
//!   that read the whole source, and read one identity at a time by a switch.
//! - `chain` turns an entry into an identity chain: `via`'s own chain, then the entry's roles.

pub mod dynamodb;
pub mod file;
pub mod organizations;
pub mod progress;
pub mod sso;
pub mod store;
pub mod sync;
pub mod write_config;

use crate::config::chain::{valid_profile_name, valid_region};
use crate::config::{Chain, Profiles, RoleHop};
use crate::env::Env;
use anyhow::{Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Where a catalogue's identities come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Dynamodb,
    Organizations,
    Sso,
    File,
}

impl SourceKind {
    pub fn name(self) -> &'static str {
        match self {
            SourceKind::Dynamodb => "dynamodb",
            SourceKind::Organizations => "organizations",
            SourceKind::Sso => "sso",
            SourceKind::File => "file",
        }
    }

    fn parse(text: &str) -> Option<SourceKind> {
        [
            SourceKind::Dynamodb,
            SourceKind::Organizations,
            SourceKind::Sso,
            SourceKind::File,
        ]
        .into_iter()
        .find(|k| k.name() == text)
    }
}

/// A `[catalog.NAME]` table, as written.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub source: SourceKind,
    /// The profile whose credentials read the source and start every chain.
    pub via: Option<String>,
    /// dynamodb: the table, and the region it is in.
    pub table: Option<String>,
    pub region: Option<String>,
    /// organizations: the role assumed in each account.
    pub role: Option<String>,
    /// organizations and sso: the identity names, from `{account_name}`, `{account_id}` and
    /// `{role}`.
    pub name: Option<String>,
    /// sso: the `[sso-session NAME]` of the AWS config file.
    pub sso_session: Option<String>,
    /// file: the JSON or TOML file (`~/` is the home directory).
    pub path: Option<String>,
}

/// The default role of an Organizations catalogue: the one AWS Organizations creates in each
/// account it makes.
pub const DEFAULT_ORG_ROLE: &str = "OrganizationAccountAccessRole";

/// A catalogue's name: it names a file of the local copy, and shows in `list`.
pub fn valid_catalog_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Spec {
    /// The settings a source needs, present and well-formed; the message names the table.
    pub fn check(&self, catalog: &str) -> Result<()> {
        if !valid_catalog_name(catalog) {
            bail!(
                "catalog.{}: a catalogue's name is 1 to 64 letters, digits, - and _",
                crate::util::sanitize(catalog)
            );
        }
        let need = |what: &str, v: &Option<String>| -> Result<()> {
            if v.as_deref().is_none_or(|v| v.trim().is_empty()) {
                bail!(
                    "catalog.{catalog}: source = \"{}\" needs `{what}`",
                    self.source.name()
                );
            }
            Ok(())
        };
        let refuse = |what: &str, v: &Option<String>| -> Result<()> {
            if v.is_some() {
                bail!(
                    "catalog.{catalog}: `{what}` means nothing for source = \"{}\"",
                    self.source.name()
                );
            }
            Ok(())
        };
        match self.source {
            SourceKind::Dynamodb => {
                need("via", &self.via)?;
                need("table", &self.table)?;
                need("region", &self.region)?;
                refuse("role", &self.role)?;
                refuse("name", &self.name)?;
                refuse("sso_session", &self.sso_session)?;
                refuse("path", &self.path)?;
            }
            SourceKind::Organizations => {
                need("via", &self.via)?;
                refuse("table", &self.table)?;
                refuse("sso_session", &self.sso_session)?;
                refuse("path", &self.path)?;
            }
            SourceKind::Sso => {
                need("sso_session", &self.sso_session)?;
                refuse("via", &self.via)?;
                refuse("table", &self.table)?;
                refuse("role", &self.role)?;
                refuse("path", &self.path)?;
            }
            SourceKind::File => {
                need("via", &self.via)?;
                need("path", &self.path)?;
                refuse("table", &self.table)?;
                refuse("region", &self.region)?;
                refuse("role", &self.role)?;
                refuse("name", &self.name)?;
                refuse("sso_session", &self.sso_session)?;
            }
        }
        if let Some(via) = &self.via
            && !valid_profile_name(via)
        {
            bail!(
                "catalog.{catalog}: via = `{}` is not a profile name",
                crate::util::sanitize(via)
            );
        }
        if let Some(region) = &self.region
            && !valid_region(region)
        {
            bail!(
                "catalog.{catalog}: region = `{}` is not a region name",
                crate::util::sanitize(region)
            );
        }
        if let Some(role) = &self.role
            && !valid_role_name(role)
        {
            bail!(
                "catalog.{catalog}: role = `{}` is not a role name (letters, digits and _+=,.@-)",
                crate::util::sanitize(role)
            );
        }
        if let Some(template) = &self.name {
            Template::parse(template)
                .map_err(|e| anyhow::anyhow!("catalog.{catalog}: name: {e}"))?;
        }
        Ok(())
    }

    /// The identity-name template, with the source's default.
    pub fn template(&self) -> Template {
        let text = match (&self.name, self.source) {
            (Some(t), _) => t.as_str(),
            (None, SourceKind::Sso) => "{account_name}-{role}",
            (None, _) => "{account_name}",
        };
        Template::parse(text).unwrap_or_else(|_| Template(vec![Part::AccountName]))
    }

    /// The role an Organizations catalogue assumes in each account.
    pub fn org_role(&self) -> &str {
        self.role.as_deref().unwrap_or(DEFAULT_ORG_ROLE)
    }
}

/// IAM's rule for a role name: `[\w+=,.@-]{1,64}`.
pub fn valid_role_name(v: &str) -> bool {
    (1..=64).contains(&v.len())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
}

/// An identity-name template: text with `{account_name}`, `{account_id}` and `{role}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template(Vec<Part>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Text(String),
    AccountName,
    AccountId,
    Role,
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, String> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                parts.push(Part::Text(rest[..open].to_string()));
            }
            let Some(close) = rest[open..].find('}') else {
                return Err("a `{` is not closed".to_string());
            };
            parts.push(match &rest[open + 1..open + close] {
                "account_name" => Part::AccountName,
                "account_id" => Part::AccountId,
                "role" => Part::Role,
                other => {
                    return Err(format!(
                        "`{{{}}}` is not one of {{account_name}}, {{account_id}} and {{role}}",
                        crate::util::sanitize(other)
                    ));
                }
            });
            rest = &rest[open + close + 1..];
        }
        if !rest.is_empty() {
            parts.push(Part::Text(rest.to_string()));
        }
        if !parts.iter().any(|p| !matches!(p, Part::Text(_))) {
            return Err("it must use {account_name} or {account_id}".to_string());
        }
        if let Some(Part::Text(t)) = parts
            .iter()
            .find(|p| matches!(p, Part::Text(t) if !valid_profile_name(t)))
        {
            return Err(format!(
                "`{}` has characters a profile name can't: use letters, digits and _-/.%@:+",
                crate::util::sanitize(t)
            ));
        }
        Ok(Template(parts))
    }

    /// The name for one account and role. Spaces in an account's name become `-` (account
    /// names are free text); whatever else it holds is checked with the name.
    pub fn render(&self, account_name: &str, account_id: &str, role: &str) -> String {
        self.0
            .iter()
            .map(|p| match p {
                Part::Text(t) => t.clone(),
                Part::AccountName => account_name.trim().replace(' ', "-"),
                Part::AccountId => account_id.to_string(),
                Part::Role => role.to_string(),
            })
            .collect()
    }
}

/// An entry as a source gave it: untrusted, checked by `check`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawEntry {
    pub name: Option<String>,
    pub id: Option<String>,
    pub description: Option<String>,
    pub regions: Vec<String>,
    pub roles: Vec<String>,
    /// Fields it had that an entry may never carry (credentials, endpoints, programs).
    pub forbidden: Vec<String>,
    /// A field of the wrong shape, which makes the entry unusable.
    pub malformed: Option<String>,
}

/// A checked catalogue identity: what the local copy holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    /// The 12-digit account ID.
    pub account: Option<String>,
    pub description: Option<String>,
    /// The regions, the first the default.
    pub regions: Vec<String>,
    /// Role ARNs assumed in order; for an SSO catalogue, the one role name.
    pub roles: Vec<String>,
}

/// Fields that would let a catalogue hand out credentials, send calls elsewhere or run a
/// program: an entry that has any is skipped whole.
const FORBIDDEN: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "access_key_id",
    "secret_access_key",
    "session_token",
    "credential_process",
    "credential_source",
    "source_profile",
    "endpoint_url",
    "endpoint",
    "mfa_process",
    "web_identity_token_file",
    "sso_start_url",
];

/// Whether `field` (any case) is one an entry may not carry.
pub fn forbidden_field(field: &str) -> bool {
    let lower = field.to_ascii_lowercase();
    FORBIDDEN.contains(&lower.as_str())
        || lower.contains("secret")
        || lower.contains("password")
        || lower.contains("token")
}

/// A 12-digit AWS account ID.
pub fn valid_account(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// An IAM role ARN: `arn:PARTITION:iam::ACCOUNT:role/NAME`, with a path allowed.
pub fn valid_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [arn_, partition, service, region, account, resource] = parts[..] else {
        return false;
    };
    arn.len() <= 2048
        && arn_ == "arn"
        && matches!(
            partition,
            "aws"
                | "aws-cn"
                | "aws-us-gov"
                | "aws-iso"
                | "aws-iso-b"
                | "aws-iso-e"
                | "aws-iso-f"
                | "aws-eusc"
        )
        && service == "iam"
        && region.is_empty()
        && valid_account(account)
        && resource.strip_prefix("role/").is_some_and(|rest| {
            let name = rest.rsplit('/').next().unwrap_or("");
            valid_role_name(name)
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-/".contains(c))
        })
}

/// The longest description kept: it is shown in `list`, one line.
const MAX_DESCRIPTION: usize = 200;

impl RawEntry {
    /// The entry checked for a catalogue of `kind`, or why it is skipped (without its values
    /// beyond a sanitized name).
    pub fn check(self, kind: SourceKind) -> Result<Entry, String> {
        let name = self.name.unwrap_or_default();
        let name = name.trim().to_string();
        if name.is_empty() {
            return Err("it has no name".to_string());
        }
        if !valid_profile_name(&name) || name.len() > 128 {
            return Err(format!(
                "`{}` is not a valid identity name (letters, digits and _-/.%@:+, at most 128)",
                crate::util::sanitize(&crate::util::one_line(&name))
            ));
        }
        if name == "-" || name.starts_with('-') {
            return Err(format!(
                "`{name}` starts with `-`, which the command line takes as an option"
            ));
        }
        if !self.forbidden.is_empty() {
            return Err(format!(
                "`{name}` carries {}, which a catalogue entry may not",
                self.forbidden
                    .iter()
                    .map(|f| crate::util::sanitize(f))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(why) = self.malformed {
            return Err(format!("`{name}`: {why}"));
        }
        let account = self
            .id
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty());
        if let Some(id) = &account
            && !valid_account(id)
        {
            return Err(format!(
                "`{name}` has an id that is not a 12-digit account ID"
            ));
        }
        for region in &self.regions {
            if !valid_region(region) {
                return Err(format!("`{name}` has a region that is not a region name"));
            }
        }
        if self.roles.is_empty() {
            return Err(format!("`{name}` has no role"));
        }
        for role in &self.roles {
            let ok = match kind {
                SourceKind::Sso => valid_role_name(role),
                _ => valid_role_arn(role),
            };
            if !ok {
                return Err(format!("`{name}` has a role that is not an IAM role ARN"));
            }
        }
        if kind == SourceKind::Sso && (self.roles.len() != 1 || account.is_none()) {
            return Err(format!("`{name}` needs one account and one role"));
        }
        let description = self
            .description
            .map(|d| crate::util::sanitize(&crate::util::one_line(d.trim())))
            .map(|d| d.chars().take(MAX_DESCRIPTION).collect::<String>())
            .filter(|d| !d.is_empty());
        Ok(Entry {
            name,
            account,
            description,
            regions: self.regions,
            roles: self.roles,
        })
    }

    /// An entry from a JSON value with letme's fields: `name`, `id`, `description`, `region`
    /// and `role` (each of the last two a string or a list of strings). Other fields are
    /// ignored, except those no entry may carry.
    pub fn from_json(value: &serde_json::Value) -> RawEntry {
        use serde_json::Value;
        let mut raw = RawEntry::default();
        let Value::Object(map) = value else {
            raw.malformed = Some("it is not a table of fields".to_string());
            return raw;
        };
        let text = |field: &str, v: &Value, raw: &mut RawEntry| -> Option<String> {
            match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) if field == "id" => Some(n.to_string()),
                Value::Null => None,
                _ => {
                    raw.malformed
                        .get_or_insert(format!("`{field}` is not a string"));
                    None
                }
            }
        };
        let list = |field: &str, v: &Value, raw: &mut RawEntry| -> Vec<String> {
            match v {
                Value::String(s) => vec![s.clone()],
                Value::Array(items) => items
                    .iter()
                    .filter_map(|i| match i {
                        Value::String(s) => Some(s.clone()),
                        _ => {
                            raw.malformed
                                .get_or_insert(format!("`{field}` holds something not a string"));
                            None
                        }
                    })
                    .collect(),
                Value::Null => Vec::new(),
                _ => {
                    raw.malformed
                        .get_or_insert(format!("`{field}` is not a string or a list"));
                    Vec::new()
                }
            }
        };
        for (field, v) in map {
            match field.as_str() {
                "name" => raw.name = text("name", v, &mut raw),
                "id" => raw.id = text("id", v, &mut raw),
                "description" => raw.description = text("description", v, &mut raw),
                "region" => raw.regions = list("region", v, &mut raw),
                "role" => raw.roles = list("role", v, &mut raw),
                other if forbidden_field(other) => raw.forbidden.push(other.to_string()),
                _ => {}
            }
        }
        raw
    }
}

/// A catalogue identity found by name: the catalogue's name and settings, and the entry.
#[derive(Debug, Clone)]
pub struct Found {
    pub catalog: String,
    pub spec: Spec,
    pub entry: Entry,
    /// Seconds since the local copy was synced.
    pub age: i64,
    /// For an SSO catalogue: its session's start URL and region when it was synced.
    pub sso: Option<(String, String)>,
}

impl Found {
    /// The identity chain: `via`'s own (its base, its MFA session, its roles), then the entry's
    /// roles in order; the entry's first region, or `region` when it is one of the entry's.
    pub fn chain(&self, profiles: &Profiles, env: &Env) -> Result<Chain> {
        if self.spec.source == SourceKind::Sso {
            return sso::chain(self, profiles, env);
        }
        Ok(extend(
            &via_chain(&self.catalog, &self.spec, profiles, env)?,
            &self.entry,
        ))
    }
}

/// The chain of a catalogue's `via` profile, which starts each of its identities' chains.
pub fn via_chain(catalog: &str, spec: &Spec, profiles: &Profiles, env: &Env) -> Result<Chain> {
    let Some(via) = spec.via.as_deref() else {
        bail!("catalog.{catalog}: `via` is not set");
    };
    if profiles.get(via).is_some_and(|p| generated(&p, via)) {
        bail!(
            "catalogue `{catalog}` has via = `{via}`, a profile `catalog write-config` wrote for a \
             catalogue identity; point via at a profile of your own"
        );
    }
    let chain = crate::config::resolve(profiles, via, env).map_err(|e| {
        anyhow::anyhow!("catalogue `{catalog}` has via = `{via}`, which is unusable: {e:#}")
    })?;
    if chain.federation.is_some() {
        bail!(
            "catalogue `{catalog}` has via = `{via}`, a federation profile: a federated user can't \
             assume roles; point via at a user or role profile"
        );
    }
    Ok(chain)
}

/// `via`'s chain followed by `entry`'s roles, named and placed as the entry says.
pub fn extend(via: &Chain, entry: &Entry) -> Chain {
    let mut chain = via.clone();
    for role in &entry.roles {
        chain.hops.push(RoleHop::plain(&entry.name, role));
    }
    chain.name = entry.name.clone();
    chain.region = entry.regions.first().cloned();
    chain
}

/// The catalogues of the settings, by name.
pub type Catalogs = BTreeMap<String, Spec>;

/// `SourceKind` from the local copy's record of it.
pub fn kind_named(text: &str) -> Option<SourceKind> {
    SourceKind::parse(text)
}

/// The credential_process line `catalog write-config` gives identity `name`.
pub fn export_command(name: &str) -> String {
    format!("aws-as export {name} --format credential-process")
}

/// Whether `profile` is the one `catalog write-config` wrote for `name`: aws-as resolves such a
/// name as the catalogue identity itself, never through its own credential_process.
pub fn generated(profile: &crate::config::profiles::Profile, name: &str) -> bool {
    profile
        .get("credential_process")
        .is_some_and(|p| p.trim() == export_command(name))
}

/// Catalogue identity `name` from the local copies, in the settings' order of catalogues
/// (by name); `None` when no copy has it. One point look-up per catalogue.
pub fn lookup(ctx: &crate::context::Context, name: &str) -> Result<Option<Found>> {
    let settings = ctx.settings()?;
    if settings.catalog.is_empty() || !valid_profile_name(name) {
        return Ok(None);
    }
    let Some(dir) = store::dir(ctx.env())? else {
        return Ok(None);
    };
    for (catalog, spec) in &settings.catalog {
        let Some(copy) = store::Copy::open(&dir, catalog)? else {
            continue;
        };
        let Some(entry) = copy.get(name)? else {
            continue;
        };
        if copy.source != Some(spec.source) {
            bail!(
                "`{name}` is in the local copy of catalogue `{catalog}`, which was read from \
                 another source than its settings name now; run `aws-as catalog sync {catalog}`"
            );
        }
        return Ok(Some(Found {
            catalog: catalog.clone(),
            spec: spec.clone(),
            entry,
            age: crate::util::now_epoch() - copy.synced,
            sso: copy.sso.clone(),
        }));
    }
    Ok(None)
}

/// Identity `name` as a chain: the profile of that name in the AWS config files, else (or when
/// that profile is the one `catalog write-config` wrote for it) the catalogue identity. With
/// `hint`, a catalogue identity from a copy older than `catalog_max_age` says so in one line.
pub fn resolve(ctx: &crate::context::Context, name: &str, env: &Env, hint: bool) -> Result<Chain> {
    let profiles = ctx.profiles()?;
    let own = profiles.get(name);
    if own.as_ref().is_none_or(|p| generated(p, name))
        && let Some(found) = lookup(ctx, name)?
    {
        let max_age = ctx.settings()?.catalog_max_age.as_secs() as i64;
        if hint && found.age > max_age {
            crate::util::warn(&format!(
                "catalogue `{}` was synced {} ago; `aws-as catalog sync {}` brings it up to date",
                found.catalog,
                age_text(found.age),
                found.catalog
            ));
        }
        return found.chain(profiles, env);
    }
    if own.is_none() && ctx.settings().is_ok_and(|s| !s.catalog.is_empty()) {
        return crate::config::resolve(profiles, name, env).map_err(|e| {
            anyhow::anyhow!(
                "{e:#} (nor in a catalogue's local copy: `aws-as catalog sync` updates them)"
            )
        });
    }
    crate::config::resolve(profiles, name, env)
}

/// How long ago, as a person says it: days past a day.
fn age_text(secs: i64) -> String {
    match secs.max(0) as u64 {
        s if s >= 2 * 86400 => format!("{} days", s / 86400),
        s => crate::util::human_duration(s - s % 60),
    }
}
