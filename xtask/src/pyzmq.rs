//! pyzmq, the libzmq-with-CURVE peer of the security interop tests.
//!
//! The `zmq` crate's vendored libzmq is built without libsodium, so it has
//! no CURVE; pyzmq's wheels from PyPI bundle a libzmq that has. This module
//! installs a pinned pyzmq into a virtual environment under the target
//! folder (`target/pyzmq-venv`) with the interpreter's own `venv` and `pip`,
//! so a fresh machine (CI's included) gets it from the project's scripts,
//! and tells the tests where it is (`FERROZMQ_PYTHON`). Nothing is
//! installed outside the target folder.

use std::env;
use std::path::{Path, PathBuf};

use crate::Result;
use crate::command::Cmd;

/// The pyzmq release installed (its wheels bundle libzmq 4.3.5 with
/// libsodium); the interop tests were written against it.
pub const VERSION: &str = "27.3.0";

/// The environment variable the interop tests read the interpreter from.
pub const ENV: &str = "FERROZMQ_PYTHON";

/// The virtual environment's folder.
fn venv(root: &Path) -> PathBuf {
    let target = env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    root.join(target).join("pyzmq-venv")
}

/// Whether `python` has pyzmq `VERSION` with CURVE.
fn ready(root: &Path, python: &Path) -> bool {
    let check = format!(
        "import sys, zmq; sys.exit(0 if zmq.pyzmq_version() == '{VERSION}' and zmq.has('curve') else 1)"
    );
    Cmd::new(python, root)
        .args(["-c", &check])
        .succeeds_silently()
}

/// Makes sure the virtual environment has pyzmq and returns its
/// interpreter; `None`, after a loud warning, when the machine has no
/// `python3` (the tests then skip, as loudly).
///
/// # Errors
///
/// When `python3` exists but the environment or the install fails.
pub fn ensure(root: &Path) -> Result<Option<PathBuf>> {
    if !Cmd::new("python3", root)
        .arg("--version")
        .succeeds_silently()
    {
        println!(
            "WARNING: python3 is missing: the CURVE and PLAIN interop tests against libzmq \
             (pyzmq) will be SKIPPED"
        );
        return Ok(None);
    }
    let dir = venv(root);
    let python = dir.join("bin").join("python");
    if python.exists() && ready(root, &python) {
        return Ok(Some(python));
    }
    println!("installing pyzmq {VERSION} into {}", dir.display());
    Cmd::new("python3", root)
        .arg("-m")
        .arg("venv")
        .arg(&dir)
        .run()?;
    Cmd::new(&python, root)
        .args([
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            &format!("pyzmq=={VERSION}"),
        ])
        .run()?;
    if !ready(root, &python) {
        return Err(format!("pyzmq {VERSION} in {} has no CURVE", dir.display()).into());
    }
    Ok(Some(python))
}
