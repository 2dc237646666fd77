//! Child processes for the tasks: a thin wrapper over [`std::process::Command`]
//! that prints what it runs and turns a failed exit into an error naming the
//! command.
//!
//! It captures stdout only when asked ([`Cmd::output`]); stderr always goes to
//! the terminal so cargo's diagnostics are seen as they come.

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::Result;

/// A command to run, with a printable form of itself.
#[derive(Debug)]
pub struct Cmd {
    inner: Command,
    shown: String,
    quiet: bool,
}

impl Cmd {
    /// `program`, run in `dir`.
    pub fn new(program: impl AsRef<OsStr>, dir: &Path) -> Cmd {
        let program = program.as_ref();
        let mut inner = Command::new(program);
        inner.current_dir(dir);
        Cmd {
            inner,
            shown: program.to_string_lossy().into_owned(),
            quiet: false,
        }
    }

    /// The program this runs, to run it again with other arguments.
    pub fn program(&self) -> &OsStr {
        self.inner.get_program()
    }

    /// `cargo` (whichever is on `PATH`, so rustup honours `rust-toolchain.toml`), run in `dir`.
    pub fn cargo(dir: &Path) -> Cmd {
        Cmd::new("cargo", dir)
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        let arg = arg.as_ref();
        self.shown.push(' ');
        self.shown.push_str(&arg.to_string_lossy());
        self.inner.arg(arg);
        self
    }

    /// Adds arguments.
    pub fn args<I>(self, args: I) -> Cmd
    where
        I: IntoIterator,
        I::Item: AsRef<OsStr>,
    {
        args.into_iter().fold(self, Cmd::arg)
    }

    /// Sets an environment variable for this command only.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Cmd {
        let value = value.as_ref();
        self.shown = format!("{key}={:?} {}", value.to_string_lossy(), self.shown);
        self.inner.env(key, value);
        self
    }

    /// Does not print the command line before running it.
    pub fn quiet(mut self) -> Cmd {
        self.quiet = true;
        self
    }

    fn announce(&self) {
        if !self.quiet {
            println!("$ {}", self.shown);
        }
    }

    fn failed(&self, status: std::process::ExitStatus) -> Box<dyn std::error::Error> {
        format!("`{}` failed ({status})", self.shown).into()
    }

    fn spawn_error(&self, e: std::io::Error) -> Box<dyn std::error::Error> {
        format!("could not start `{}`: {e}", self.shown).into()
    }

    /// Runs the command with inherited stdio.
    ///
    /// # Errors
    ///
    /// When it cannot start or exits unsuccessfully.
    pub fn run(mut self) -> Result {
        self.announce();
        let status = self.inner.status().map_err(|e| self.spawn_error(e))?;
        if status.success() {
            Ok(())
        } else {
            Err(self.failed(status))
        }
    }

    /// Runs the command with no stdin, in a process group of its own, killing
    /// the whole group (cargo and the test binaries it started) if it runs
    /// longer than `limit`: a hang fails the gate, naming the command,
    /// instead of running until CI's own limit.
    ///
    /// # Errors
    ///
    /// When it cannot start, exits unsuccessfully or times out.
    pub fn run_with_timeout(mut self, limit: Duration) -> Result {
        self.announce();
        let mut child = self
            .inner
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .map_err(|e| self.spawn_error(e))?;
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait()? {
                return if status.success() {
                    Ok(())
                } else {
                    Err(self.failed(status))
                };
            }
            if start.elapsed() > limit {
                // The group's id is the leader's pid. Errors only mean it
                // has just exited; `wait` reaps it either way.
                let _ = Command::new("kill")
                    .args(["-KILL", "--", &format!("-{}", child.id())])
                    .status();
                let _ = child.kill();
                child.wait()?;
                return Err(format!(
                    "`{}` timed out after {} s (killed with its process group)",
                    self.shown,
                    limit.as_secs()
                )
                .into());
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Runs the command and returns its stdout as text (stderr inherited).
    ///
    /// # Errors
    ///
    /// When it cannot start, exits unsuccessfully or prints non-UTF-8.
    pub fn output(mut self) -> Result<String> {
        self.announce();
        let out = self
            .inner
            .stderr(Stdio::inherit())
            .output()
            .map_err(|e| self.spawn_error(e))?;
        if !out.status.success() {
            return Err(self.failed(out.status));
        }
        String::from_utf8(out.stdout)
            .map_err(|_| format!("`{}` printed non-UTF-8 output", self.shown).into())
    }

    /// Whether the command runs and exits successfully, its output discarded.
    pub fn succeeds_silently(mut self) -> bool {
        self.inner
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

/// Builds `bin` of `package` in release with two jobs and returns a command
/// running it from `root` (cargo puts it under CARGO_TARGET_DIR, relative to
/// the root, or `target/`).
///
/// # Errors
///
/// A failed build.
pub fn release_bin(root: &Path, package: &str, bin: &str) -> Result<Cmd> {
    Cmd::cargo(root)
        .args(["build", "--release", "-j2", "-p", package, "--bin", bin])
        .run()?;
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), |d| root.join(d));
    Ok(Cmd::new(target.join("release").join(bin), root))
}
