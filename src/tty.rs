//! Questions asked on the controlling terminal, never on stdout (which the shell function
//! captures). Hidden input switches echo off and always puts it back, even when the user presses
//! Ctrl-C at the question.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::os::fd::AsRawFd;
use std::ptr;
use std::sync::atomic::{AtomicI32, AtomicPtr, Ordering};

fn open() -> io::Result<File> {
    // ENXIO ("No such device or address") when the process has no controlling terminal.
    OpenOptions::new().read(true).write(true).open("/dev/tty")
}

/// True when there is a controlling terminal to ask on.
pub fn available() -> bool {
    open().is_ok()
}

fn read_line(tty: &File) -> io::Result<String> {
    let mut line = String::new();
    if BufReader::new(tty).read_line(&mut line)? == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "no answer"));
    }
    while line.ends_with('\n') || line.ends_with('\r') {
        line.pop();
    }
    Ok(line)
}

/// Ask with the answer echoed as typed.
pub fn ask(prompt: &str) -> io::Result<String> {
    let tty = open()?;
    let mut w = &tty;
    w.write_all(prompt.as_bytes())?;
    w.flush()?;
    read_line(&tty)
}

// What the signal handler needs; it touches only these atomics.
static SAVED: AtomicPtr<libc::termios> = AtomicPtr::new(ptr::null_mut());
static TTY_FD: AtomicI32 = AtomicI32::new(-1);
const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

extern "C" fn on_signal(sig: libc::c_int) {
    // Only async-signal-safe calls: tcsetattr, signal and raise.
    let saved = SAVED.load(Ordering::SeqCst);
    let fd = TTY_FD.load(Ordering::SeqCst);
    unsafe {
        if !saved.is_null() && fd >= 0 {
            libc::tcsetattr(fd, libc::TCSANOW, saved);
        }
        libc::signal(sig, libc::SIG_DFL);
        // Delivered on return, so the process dies by the signal and the shell sees 130.
        libc::raise(sig);
    }
}

/// Puts the terminal modes and the signal dispositions back when dropped.
struct Restore {
    fd: i32,
    saved: Box<libc::termios>,
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
        TTY_FD.store(-1, Ordering::SeqCst);
    }
}

/// Ask with echo off (the newline is still echoed), for secrets and passphrases.
pub fn ask_hidden(prompt: &str) -> io::Result<String> {
    let tty = open()?;
    let fd = tty.as_raw_fd();
    let mut saved: Box<libc::termios> = Box::new(unsafe { std::mem::zeroed() });
    if unsafe { libc::tcgetattr(fd, &mut *saved) } != 0 {
        return Err(io::Error::last_os_error());
    }
    TTY_FD.store(fd, Ordering::SeqCst);
    SAVED.store(&mut *saved, Ordering::SeqCst);
    let mut old_actions = Vec::new();
    for sig in SIGNALS {
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as usize;
            libc::sigemptyset(&mut sa.sa_mask);
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(sig, &sa, &mut old);
            old_actions.push((sig, old));
        }
    }
    let restore = Restore {
        fd,
        saved,
        old_actions,
    };
    let mut quiet = *restore.saved;
    quiet.c_lflag &= !libc::ECHO;
    quiet.c_lflag |= libc::ECHONL;
    if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) } != 0 {
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
