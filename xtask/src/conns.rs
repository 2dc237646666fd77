//! `cargo xtask conns`: resident memory per idle connection of a REP
//! server, ferrozmq's beside libzmq's in the same run (the `conns` binary
//! of `ferrozmq-libzmq-perf`, outside default-members: it builds libzmq).
//!
//! It builds and runs the binary in release with `-j2`; every argument goes
//! to it (`--n N`, repeatable; by default 1000 and 10 000 connections; see
//! `benches/libzmq/src/bin/conns.rs`). Not part of `ci`: it reports, never
//! asserts, and 10 000 connections take about half a minute.

use std::path::Path;

use crate::Result;
use crate::command::Cmd;

/// The package holding the binary.
const PACKAGE: &str = "ferrozmq-libzmq-perf";

/// Runs `cargo run --release -j2 -p ferrozmq-libzmq-perf --bin conns -- ARGS`.
///
/// # Errors
///
/// When the binary fails to build or a measurement fails.
pub fn run(root: &Path, args: &[String]) -> Result {
    Cmd::cargo(root)
        .args([
            "run",
            "--release",
            "-j2",
            "-p",
            PACKAGE,
            "--bin",
            "conns",
            "--",
        ])
        .args(args)
        .run()
}
