//! `cargo xtask interop`: the interop tests against real libzmq.
//!
//! They live in `tests/interop` (`ferrozmq-interop`), which is outside
//! `default-members` because the `zmq` crate builds libzmq from C++ sources;
//! this task, the `interop` step of `cargo xtask ci` and `cargo clippy
//! --workspace` are what build it. It runs in the dev profile: libzmq then
//! builds without optimisation (about 50 s on 2 cores; the release profile's
//! `-O3` would cost more than the tests themselves), and in CI the clippy
//! step has already run that build script (the root manifest's
//! `[profile.dev.build-override]` lets clippy and test share it).
//!
//! The CURVE and PLAIN tests (`security_pyzmq.rs`) need a libzmq with
//! CURVE, which the `zmq` crate's is not: this task first installs pyzmq
//! into `target/pyzmq-venv` (see `pyzmq.rs`) and passes its interpreter to
//! the tests.

use std::path::Path;

use crate::Result;
use crate::ci::STEP_LIMIT;
use crate::command::Cmd;
use crate::pyzmq;

/// The package holding the interop tests.
pub const PACKAGE: &str = "ferrozmq-interop";

/// Runs `cargo test -p ferrozmq-interop -j2 ARGS`; arguments after `--` go
/// to the test binary (a name filter, `--nocapture`).
///
/// # Errors
///
/// When the build or a test fails.
pub fn run(root: &Path, args: &[String]) -> Result {
    let mut cmd = Cmd::cargo(root);
    if let Some(python) = pyzmq::ensure(root)? {
        cmd = cmd.env(pyzmq::ENV, python);
    }
    cmd.args(["test", "-p", PACKAGE, "-j2"])
        .args(args)
        .run_with_timeout(STEP_LIMIT)
}
