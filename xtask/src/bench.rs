//! `cargo xtask bench`: the criterion benches, with this machine's job limit.
//!
//! Arguments go to `cargo bench` unchanged, so `cargo xtask bench --bench msg --
//! --save-baseline main` works as it would with cargo directly.

use std::path::Path;

use crate::Result;
use crate::command::Cmd;

/// The package holding the benches.
const PACKAGE: &str = "ferrozmq-benches";

/// Runs `cargo bench -p ferrozmq-benches -j2 ARGS`.
///
/// # Errors
///
/// When the benches fail to build or run.
pub fn run(root: &Path, args: &[String]) -> Result {
    Cmd::cargo(root)
        .args(["bench", "-p", PACKAGE, "-j2"])
        .args(args)
        .run()
}
