//! A command that aws-as starts and stays the parent of (`exec --server`, which must keep serving
//! while the command runs), made to look to its caller as if it ran alone.
//!
//! Signals sent to aws-as by a process (`kill`, a CI runner's SIGTERM, a shell's SIGCONT on
//! `fg`) are passed on to the command. Those the kernel sends on the terminal's behalf (Ctrl-C,
//! Ctrl-\, a hang-up, a resize) already reach the command, which is in the same process group,
//! so they are not passed on: the command never gets one Ctrl-C twice. The handler does nothing
//! but read the command's pid from an atomic and call kill(2), both async-signal-safe.
//!
//! When the command ends, aws-as ends the same way: with its exit status, or, when a signal
//! ended it, by that same signal (with core dumps still off: aws-as's memory holds secrets).

use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus};
use std::sync::atomic::{AtomicI32, Ordering};

/// The signals passed on to the command.
const FORWARDED: [libc::c_int; 8] = [
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTERM,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGWINCH,
    libc::SIGCONT,
];

/// The running command's pid, 0 when there is none (before it starts, and once it has ended,
/// before it is reaped: a reaped pid may be another process's).
static CHILD: AtomicI32 = AtomicI32::new(0);

/// The forwarded signals, blocked in this thread and in every thread it starts until the
/// command runs: one that arrives in between waits and is then passed on instead of lost.
pub struct Blocked {
    old: libc::sigset_t,
}

impl Blocked {
    /// Install the handlers, with the signals blocked. Call this before starting any thread
    /// that should never run the handler (the server's, the waiter).
    #[allow(unsafe_code)]
    pub fn signals() -> io::Result<Blocked> {
        // SAFETY: sigset_t and sigaction are plain C structs that are valid zeroed and are
        // filled by sigemptyset/sigaddset; every pointer passed is to a live local.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            for sig in FORWARDED {
                libc::sigaddset(&mut set, sig);
            }
            let mut old: libc::sigset_t = std::mem::zeroed();
            let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, &mut old);
            if rc != 0 {
                return Err(io::Error::from_raw_os_error(rc));
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = forward as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            for sig in FORWARDED {
                if libc::sigaction(sig, &action, std::ptr::null_mut()) != 0 {
                    let err = io::Error::last_os_error();
                    libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
                    return Err(err);
                }
            }
            Ok(Blocked { old })
        }
    }

    /// Start `cmd`, and a thread that waits for it and gives its end to `on_exit`; then let the
    /// signals in. The child puts the signal mask back before exec (a blocked mask is
    /// inherited across exec; std does not reset it), and exec resets the handlers, so the
    /// command starts with neither.
    #[allow(unsafe_code)]
    pub fn spawn(
        self,
        cmd: &mut Command,
        on_exit: impl FnOnce(io::Result<ExitStatus>) + Send + 'static,
    ) -> io::Result<()> {
        let old = self.old;
        // SAFETY: the closure runs in the forked child before exec, and only calls sigprocmask,
        // which is async-signal-safe, with a mask copied before the fork.
        unsafe {
            cmd.pre_exec(move || {
                libc::sigprocmask(libc::SIG_SETMASK, &old, std::ptr::null_mut());
                Ok(())
            })
        };
        let started = cmd.spawn().and_then(|child| {
            let pid = i32::try_from(child.id()).map_err(io::Error::other)?;
            CHILD.store(pid, Ordering::SeqCst);
            // Started while the signals are blocked here, so it inherits that and never runs
            // the handler itself.
            std::thread::Builder::new()
                .name("aws-as-wait".into())
                .spawn(move || on_exit(wait(child)))?;
            Ok(())
        });
        self.unblock();
        started
    }

    #[allow(unsafe_code)]
    fn unblock(self) {
        // SAFETY: restores the mask saved in `signals`, a valid sigset_t.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.old, std::ptr::null_mut()) };
    }
}

/// The signal handler: pass a signal a process sent on to the command.
#[allow(unsafe_code)]
extern "C" fn forward(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
    // SAFETY: for an SA_SIGINFO handler the kernel passes a valid siginfo_t.
    let code = unsafe { (*info).si_code };
    // SI_USER (kill), SI_QUEUE and SI_TKILL are <= 0; SI_KERNEL (the terminal's) is positive.
    if code > 0 {
        return;
    }
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe; errno is saved and put back so that the code this
        // handler interrupted never sees kill's.
        unsafe {
            let errno = errno_location();
            let saved = *errno;
            libc::kill(pid, sig);
            *errno = saved;
        }
    }
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: always valid for the calling thread.
    unsafe { libc::__errno_location() }
}

#[cfg(not(target_os = "linux"))]
#[allow(unsafe_code)]
unsafe fn errno_location() -> *mut libc::c_int {
    // SAFETY: always valid for the calling thread.
    unsafe { libc::__error() }
}

/// Wait for the command to end, forget its pid while it is still a zombie (so no signal can
/// reach a process that reuses it), then reap it.
#[allow(unsafe_code)]
fn wait(mut child: Child) -> io::Result<ExitStatus> {
    let id = child.id();
    loop {
        // SAFETY: siginfo_t is a plain C struct, valid zeroed, which waitid fills.
        let rc = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                id as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 {
            break;
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            break;
        }
    }
    CHILD.store(0, Ordering::SeqCst);
    child.wait()
}

/// The exit status for aws-as that tells its caller what `status` told: the command's own, or,
/// when a signal ended the command, aws-as ends itself by that signal here and now (128 plus
/// the signal only when that signal does not end a process).
pub fn exit_code(status: ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    let Some(sig) = status.signal() else {
        return 1;
    };
    die_by(sig);
    u8::try_from((128 + sig) & 0xff).unwrap_or(1)
}

/// End aws-as by `sig`, as the command was ended. The core-file limit stays 0.
#[allow(unsafe_code)]
fn die_by(sig: libc::c_int) {
    // SAFETY: plain syscalls on this process's own signal state, with valid local pointers.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
        libc::raise(sig);
    }
}
