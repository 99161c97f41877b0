//! Line-level edits of the shared credentials file for `import --remove-plaintext` and `rotate`:
//! only the key lines of the named profile change; every other section, comment, blank line and
//! line ending stays byte for byte. The file is replaced atomically with its mode kept.

use crate::creds::Credentials;
use anyhow::{Context, Result, bail};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const ID: &str = "aws_access_key_id";
const SECRET: &str = "aws_secret_access_key";

/// The section a header line opens, if it is one: `[name]`, with any comment after it.
fn header(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let rest = t.strip_prefix('[')?;
    let end = rest.find(']')?;
    Some(rest[..end].trim())
}

/// `key = value` on a property line, with the key compared as the SDKs do (case-insensitively).
fn property<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    if line.starts_with([' ', '\t']) {
        return None; // a continuation line
    }
    let (k, v) = line.split_once('=')?;
    k.trim().eq_ignore_ascii_case(key).then(|| v.trim())
}

/// Apply `edit` to every line in profile `profile`'s sections. `edit` returns the replacement
/// (or `None` to drop the line). Returns the new text and how many lines were touched.
fn edit_section(
    text: &str,
    profile: &str,
    mut edit: impl FnMut(&str) -> Option<Option<String>>,
) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    let mut touched = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        if let Some(name) = header(body) {
            inside = name == profile;
        } else if inside && let Some(replacement) = edit(body) {
            touched += 1;
            if let Some(new) = replacement {
                out.push_str(&new);
                out.push_str(ending);
            }
            continue;
        }
        out.push_str(line);
    }
    (out, touched)
}

/// The text without profile `profile`'s `aws_access_key_id` and `aws_secret_access_key` lines.
pub fn without_keys(text: &str, profile: &str) -> (String, usize) {
    edit_section(text, profile, |line| {
        (property(line, ID).is_some() || property(line, SECRET).is_some()).then_some(None)
    })
}

/// The text with profile `profile`'s key lines holding `key` instead of `old_id`'s pair. Fails
/// unless exactly one ID line with `old_id` and one secret line are found.
pub fn with_new_keys(text: &str, profile: &str, old_id: &str, key: &Credentials) -> Result<String> {
    let (mut ids, mut secrets) = (0, 0);
    let (out, _) = edit_section(text, profile, |line| {
        if let Some(v) = property(line, ID) {
            ids += 1;
            if v != old_id {
                return None;
            }
            let prefix = &line[..line.find('=').expect("a property line has =") + 1];
            return Some(Some(format!("{prefix} {}", key.access_key_id)));
        }
        if property(line, SECRET).is_some() {
            secrets += 1;
            let prefix = &line[..line.find('=').expect("a property line has =") + 1];
            return Some(Some(format!("{prefix} {}", key.secret_access_key.as_str())));
        }
        None
    });
    if ids != 1 || secrets != 1 {
        bail!(
            "profile `{profile}` in the credentials file does not have exactly one \
             aws_access_key_id and one aws_secret_access_key line; edit it by hand"
        );
    }
    if !out.contains(&key.access_key_id) {
        bail!("profile `{profile}`'s aws_access_key_id in the credentials file is not {old_id}");
    }
    Ok(out)
}

/// The credentials file, read for an edit.
pub struct CredentialsFile {
    /// The file itself, after symlinks, so that a linked dotfile is edited where it lives.
    pub path: PathBuf,
    pub text: String,
}

impl CredentialsFile {
    pub fn read(env: &crate::env::Env) -> Result<CredentialsFile> {
        let Some(path) = super::profiles::credentials_path(env) else {
            bail!(
                "could not find the credentials file: set HOME (to an absolute path) or AWS_SHARED_CREDENTIALS_FILE"
            );
        };
        let text = crate::util::read_text(&path, super::profiles::FILE_LIMIT)
            .and_then(|t| t.ok_or_else(|| anyhow::anyhow!("it does not exist")))
            .with_context(|| format!("could not read {}", path.display()))?;
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        Ok(CredentialsFile { path, text })
    }

    /// Replace the file with `text` atomically, keeping its permission bits.
    pub fn write(&self, text: &str) -> Result<()> {
        write_keeping_mode(&self.path, text)
    }
}

pub(crate) fn write_keeping_mode(path: &Path, text: &str) -> Result<()> {
    let mode = std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(0o600);
    crate::util::write_atomic(path, text.as_bytes(), mode)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# my keys\r\n[default]\r\naws_access_key_id = AKIADEFAULT\r\n\
        aws_secret_access_key=defsecret\r\n\r\n[dev] ; work\nregion = eu-west-1\n\
        AWS_Access_Key_ID = AKIADEV0000000000000\n  ; comment\naws_secret_access_key = devsecret\n\
        output = json\n[dev2]\naws_access_key_id = AKIADEV2\naws_secret_access_key = s2";

    #[test]
    fn removes_only_the_profiles_key_lines() {
        let (out, n) = without_keys(TEXT, "dev");
        assert_eq!(n, 2);
        assert_eq!(
            out,
            "# my keys\r\n[default]\r\naws_access_key_id = AKIADEFAULT\r\n\
        aws_secret_access_key=defsecret\r\n\r\n[dev] ; work\nregion = eu-west-1\n\
        \x20 ; comment\noutput = json\n[dev2]\naws_access_key_id = AKIADEV2\naws_secret_access_key = s2"
        );
        let (out, n) = without_keys(TEXT, "dev2");
        assert_eq!(n, 2);
        assert!(out.ends_with("[dev2]\n"));
        assert_eq!(without_keys(TEXT, "nobody"), (TEXT.to_string(), 0));
    }

    #[test]
    fn replaces_keys_in_place() {
        let key = Credentials::keys("AKIANEW0000000000000", "newsecret");
        let out = with_new_keys(TEXT, "default", "AKIADEFAULT", &key).unwrap();
        assert_eq!(
            out,
            TEXT.replace("AKIADEFAULT", "AKIANEW0000000000000").replace(
                "aws_secret_access_key=defsecret",
                "aws_secret_access_key= newsecret"
            )
        );
        assert!(with_new_keys(TEXT, "default", "AKIAOTHER", &key).is_err());
        assert!(with_new_keys(TEXT, "nobody", "AKIADEFAULT", &key).is_err());
    }
}
