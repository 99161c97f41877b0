//! Questions asked on the controlling terminal, never on stdout (which the shell function
//! captures). Hidden input switches echo off and always puts it back, even when the user presses
//! Ctrl-C at the question.

// The terminal's modes and the signal handlers that restore them are libc calls: this module is
// one of the few places aws-as allows unsafe code, each block with its SAFETY note.
#![allow(unsafe_code)]

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::ptr;
use std::sync::atomic::{AtomicI32, AtomicPtr, AtomicUsize, Ordering};
use zeroize::Zeroizing;

fn open() -> io::Result<File> {
    // ENXIO ("No such device or address") when the process has no controlling terminal.
    OpenOptions::new().read(true).write(true).open("/dev/tty")
}

/// True when there is a controlling terminal to ask on.
pub fn available() -> bool {
    open().is_ok()
}

/// One line from the terminal. The terminal is in canonical mode, so a read ends at the line's
/// end and nothing after it is taken. Every buffer it passed through is wiped: the line may be a
/// secret.
fn read_line(tty: &File) -> io::Result<Zeroizing<String>> {
    let mut bytes = Zeroizing::new(Vec::new());
    let mut chunk = Zeroizing::new([0u8; 256]);
    loop {
        let n = match (&*tty).read(&mut chunk[..]) {
            Ok(n) => n,
            // A signal (Ctrl-Z, then fg) interrupted the read: ask the terminal again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            if bytes.is_empty() {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "no answer"));
            }
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
        if bytes.ends_with(b"\n") || bytes.len() > 64 * 1024 {
            break;
        }
    }
    while bytes.ends_with(b"\n") || bytes.ends_with(b"\r") {
        bytes.pop();
    }
    Ok(Zeroizing::new(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Ask with the answer echoed as typed.
pub fn ask(prompt: &str) -> io::Result<Zeroizing<String>> {
    let tty = open()?;
    let mut w = &tty;
    w.write_all(prompt.as_bytes())?;
    w.flush()?;
    read_line(&tty)
}

// What the signal handlers need; they touch only these atomics.
static SAVED: AtomicPtr<libc::termios> = AtomicPtr::new(ptr::null_mut());
static QUIET: AtomicPtr<libc::termios> = AtomicPtr::new(ptr::null_mut());
static TTY_FD: AtomicI32 = AtomicI32::new(-1);
static PROMPT: AtomicPtr<u8> = AtomicPtr::new(ptr::null_mut());
static PROMPT_LEN: AtomicUsize = AtomicUsize::new(0);
/// Signals that end the process: the terminal is put back, then the signal does its work.
const ENDING: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];
/// Signals that stop it (Ctrl-Z, or a background job touching the terminal).
const STOPPING: [libc::c_int; 3] = [libc::SIGTSTP, libc::SIGTTIN, libc::SIGTTOU];

unsafe fn install(sig: libc::c_int, handler: extern "C" fn(libc::c_int)) -> libc::sigaction {
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = handler as *const () as usize;
        libc::sigemptyset(&mut sa.sa_mask);
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(sig, &sa, &mut old);
        old
    }
}

/// Only async-signal-safe calls in the handlers: tcsetattr, write, signal, sigaction, raise.
extern "C" fn on_ending(sig: libc::c_int) {
    let saved = SAVED.load(Ordering::SeqCst);
    let fd = TTY_FD.load(Ordering::SeqCst);
    unsafe {
        if !saved.is_null() && fd >= 0 {
            libc::tcsetattr(fd, libc::TCSANOW, saved);
            // Echo was off, so nothing ended the line the user was typing on.
            libc::write(fd, b"\n".as_ptr().cast(), 1);
        }
        libc::signal(sig, libc::SIG_DFL);
        // Delivered on return, so the process dies by the signal and the shell sees 128+N.
        libc::raise(sig);
    }
}

/// Ctrl-Z: give the shell its terminal back as it was, then stop for real.
extern "C" fn on_stopping(sig: libc::c_int) {
    let saved = SAVED.load(Ordering::SeqCst);
    let fd = TTY_FD.load(Ordering::SeqCst);
    unsafe {
        if !saved.is_null() && fd >= 0 {
            libc::tcsetattr(fd, libc::TCSANOW, saved);
        }
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// `fg`: the shell has echo on again; switch it off and ask again before the user types.
extern "C" fn on_continue(_: libc::c_int) {
    let quiet = QUIET.load(Ordering::SeqCst);
    let fd = TTY_FD.load(Ordering::SeqCst);
    unsafe {
        for sig in STOPPING {
            install(sig, on_stopping);
        }
        if !quiet.is_null() && fd >= 0 {
            libc::tcsetattr(fd, libc::TCSANOW, quiet);
            let prompt = PROMPT.load(Ordering::SeqCst);
            if !prompt.is_null() {
                libc::write(fd, prompt.cast(), PROMPT_LEN.load(Ordering::SeqCst));
            }
        }
    }
}

/// Puts the terminal modes and the signal dispositions back when dropped.
struct Restore {
    fd: i32,
    saved: Box<libc::termios>,
    _quiet: Box<libc::termios>,
    _prompt: Vec<u8>,
    old_actions: Vec<(libc::c_int, libc::sigaction)>,
}

impl Drop for Restore {
    fn drop(&mut self) {
        unsafe {
            libc::tcsetattr(self.fd, libc::TCSANOW, &*self.saved);
            for (sig, old) in &self.old_actions {
                libc::sigaction(*sig, old, ptr::null_mut());
            }
        }
        SAVED.store(ptr::null_mut(), Ordering::SeqCst);
        QUIET.store(ptr::null_mut(), Ordering::SeqCst);
        PROMPT.store(ptr::null_mut(), Ordering::SeqCst);
        TTY_FD.store(-1, Ordering::SeqCst);
    }
}

/// Ask with echo off (the newline is still echoed), for secrets and passphrases. Whatever ends
/// or stops the process at the question, the terminal is left as it was; after a stop (Ctrl-Z,
/// then `fg`) echo goes off again and the question is asked again.
pub fn ask_hidden(prompt: &str) -> io::Result<Zeroizing<String>> {
    let tty = open()?;
    let fd = tty.as_raw_fd();
    let mut saved: Box<libc::termios> = Box::new(unsafe { std::mem::zeroed() });
    if unsafe { libc::tcgetattr(fd, &mut *saved) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut quiet = Box::new(*saved);
    quiet.c_lflag &= !libc::ECHO;
    quiet.c_lflag |= libc::ECHONL;
    let mut again = Vec::from("\n");
    again.extend_from_slice(prompt.as_bytes());
    TTY_FD.store(fd, Ordering::SeqCst);
    SAVED.store(&mut *saved, Ordering::SeqCst);
    QUIET.store(&mut *quiet, Ordering::SeqCst);
    PROMPT_LEN.store(again.len(), Ordering::SeqCst);
    PROMPT.store(again.as_mut_ptr(), Ordering::SeqCst);
    let mut old_actions = Vec::new();
    for sig in ENDING {
        old_actions.push((sig, unsafe { install(sig, on_ending) }));
    }
    for sig in STOPPING {
        old_actions.push((sig, unsafe { install(sig, on_stopping) }));
    }
    old_actions.push((libc::SIGCONT, unsafe {
        install(libc::SIGCONT, on_continue)
    }));
    let restore = Restore {
        fd,
        saved,
        _quiet: quiet,
        _prompt: again,
        old_actions,
    };
    if unsafe { libc::tcsetattr(fd, libc::TCSANOW, QUIET.load(Ordering::SeqCst)) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let mut w = &tty;
    w.write_all(prompt.as_bytes())?;
    w.flush()?;
    let line = read_line(&tty);
    drop(restore);
    line
}

/// A yes/no question; anything but y or yes is no.
pub fn confirm(prompt: &str) -> io::Result<bool> {
    let answer = ask(prompt)?;
    Ok(matches!(
        answer.trim().to_ascii_lowercase().as_str(),
        "y" | "yes"
    ))
}
