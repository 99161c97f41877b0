//! The `keyring` and `keyutils` backends, through keyring-core: one entry per profile, service
//! `aws-as`, user the profile name, the secret a small JSON object with both halves of the key.

use super::{Backend, Store};
use crate::creds::Credentials;
use anyhow::{Result, anyhow, bail};
use keyring_core::{CredentialStore, Entry, Error};
use std::sync::Arc;

const SERVICE: &str = "aws-as";

pub struct NativeStore {
    backend: Backend,
    store: Arc<CredentialStore>,
}

const OTHERS: &str = "choose another store with keys_backend in ~/.config/aws-as/config.toml or \
                      AWS_AS_KEYS_BACKEND";

pub fn open(backend: Backend) -> Result<Box<dyn Store>> {
    let store = match backend {
        Backend::Keyring => os_keyring()?,
        Backend::Keyutils => kernel_keyring()?,
        Backend::File => unreachable!("the file backend is not a keyring-core store"),
    };
    Ok(Box::new(NativeStore { backend, store }))
}

#[cfg(target_os = "linux")]
fn os_keyring() -> Result<Arc<CredentialStore>> {
    let unavailable = |e: Error| {
        anyhow!(
            "the OS keyring (Secret Service) is not available: {}. On a machine without one (a \
             headless Linux, a container, CI) use keys_backend = \"keyutils\" (the kernel \
             keyring) or \"file\" (an encrypted file); {OTHERS}",
            platform_text(&e)
        )
    };
    // Store::new connects to the session bus and opens a session with the Secret Service.
    let store = zbus_secret_service_keyring_store::Store::new().map_err(unavailable)?;
    Ok(store)
}

#[cfg(target_os = "macos")]
fn os_keyring() -> Result<Arc<CredentialStore>> {
    let store = apple_native_keyring_store::keychain::Store::new()
        .map_err(|e| anyhow!("the macOS Keychain is not available: {}", platform_text(&e)))?;
    Ok(store)
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn os_keyring() -> Result<Arc<CredentialStore>> {
    bail!("aws-as knows no OS keyring on this system; use keys_backend = \"file\"")
}

/// The kernel keyring. keyring-core's keyutils store puts each key in the session keyring and
/// links it into the user's persistent keyring, which outlives the login session (until reboot,
/// or `persistent_keyring_expiry`, three days by default, without use). aws-as joins a fresh
/// session keyring of its own first: in containers and under `su` the inherited one is often not
/// writable, and a key left only in it would die with the session. Everything lasting is in the
/// persistent keyring, so aws-as refuses to go on without one.
#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
fn kernel_keyring() -> Result<Arc<CredentialStore>> {
    const KEYCTL_GET_PERSISTENT: libc::c_long = 22;
    const KEYCTL_JOIN_SESSION_KEYRING: libc::c_long = 1;
    const KEY_SPEC_SESSION_KEYRING: libc::c_long = -3;
    // Once per process: every store opened after that shares the session keyring.
    static JOINED: std::sync::OnceLock<libc::c_long> = std::sync::OnceLock::new();
    // SAFETY: keyctl with integer arguments and a null name, as keyctl(2) describes; it only
    // changes which keyrings this process holds.
    let joined = *JOINED.get_or_init(|| unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_JOIN_SESSION_KEYRING,
            std::ptr::null::<libc::c_char>(),
        )
    });
    if joined < 0 {
        bail!(
            "the kernel keyring is not available here ({}); a container may forbid keyctl. Use \
             keys_backend = \"file\"; {OTHERS}",
            std::io::Error::last_os_error()
        );
    }
    // SAFETY: keyctl with integer arguments only; it links the user's persistent keyring.
    let persistent = unsafe {
        libc::syscall(
            libc::SYS_keyctl,
            KEYCTL_GET_PERSISTENT,
            -1 as libc::c_long,
            KEY_SPEC_SESSION_KEYRING,
        )
    };
    if persistent < 0 {
        bail!(
            "the kernel has no persistent keyring for this user ({}), so keys stored there would \
             be lost when aws-as exits. Use keys_backend = \"file\"; {OTHERS}",
            std::io::Error::last_os_error()
        );
    }
    let store = linux_keyutils_keyring_store::Store::new()
        .map_err(|e| anyhow!("the kernel keyring is not available: {}", platform_text(&e)))?;
    Ok(store)
}

#[cfg(not(target_os = "linux"))]
fn kernel_keyring() -> Result<Arc<CredentialStore>> {
    bail!("the keyutils backend is the Linux kernel keyring; use keyring or file here")
}

/// An error's words without any data it carries: some variants hold the stored bytes.
fn platform_text(e: &Error) -> String {
    match e {
        Error::PlatformFailure(inner) | Error::NoStorageAccess(inner) => inner.to_string(),
        Error::BadEncoding(_) | Error::BadDataFormat(..) => "the stored entry is damaged".into(),
        Error::Ambiguous(items) => format!("{} entries match", items.len()),
        other => other.to_string(),
    }
}

impl NativeStore {
    fn entry(&self, profile: &str) -> Result<Entry> {
        self.store
            .build(SERVICE, profile, None)
            .map_err(|e| self.failure("open the entry for", profile, &e))
    }

    fn failure(&self, what: &str, profile: &str, e: &Error) -> anyhow::Error {
        let store = match self.backend {
            Backend::Keyring => "the OS keyring",
            _ => "the kernel keyring",
        };
        let hint = match e {
            Error::NoStorageAccess(_) => {
                "; unlock it (on Linux, log in to the desktop or unlock the login keyring) and retry"
            }
            _ => "",
        };
        anyhow!(
            "{store} could not {what} profile `{profile}`: {}{hint}",
            platform_text(e)
        )
    }
}

impl Store for NativeStore {
    fn get(&self, profile: &str) -> Result<Option<Credentials>> {
        match self.entry(profile)?.get_secret() {
            Ok(bytes) => super::from_bytes(&bytes).map(Some),
            Err(Error::NoEntry) => Ok(None),
            Err(e) => Err(self.failure("read the keys of", profile, &e)),
        }
    }

    fn set(&self, profile: &str, key: &Credentials) -> Result<()> {
        self.entry(profile)?
            .set_secret(&super::to_bytes(key))
            .map_err(|e| self.failure("store the keys of", profile, &e))
    }

    fn delete(&self, profile: &str) -> Result<bool> {
        match self.entry(profile)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(Error::NoEntry) => Ok(false),
            Err(e) => Err(self.failure("delete the keys of", profile, &e)),
        }
    }
}
