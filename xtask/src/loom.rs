//! `cargo xtask loom`: the loom models, in release, with bounded preemptions.
//!
//! Models live in `#[cfg(loom)] mod loom_tests` modules, so the test binaries
//! are run with the filter `loom` and only those tests run. The build goes to
//! `target/loom` so that switching `--cfg loom` on and off does not rebuild the
//! normal target directory each time.

use std::env;
use std::path::Path;

use crate::Result;
use crate::command::Cmd;

/// The packages whose libraries hold loom models. Add a package here when it
/// gets its first model.
pub const PACKAGES: &[&str] = &["ferrozmq-alloc", "ferrozmq-msg", "ferrozmq-socket"];

/// Preemption bound when `LOOM_MAX_PREEMPTIONS` is not set: small models with 2
/// or 3 threads find their bugs within 2 or 3 preemptions, and the run stays short.
const DEFAULT_MAX_PREEMPTIONS: &str = "3";

/// Runs `cargo test --release --lib -p ... [CARGO_ARGS] -- loom [TEST_ARGS]`
/// with `RUSTFLAGS="--cfg loom -C debug-assertions"`.
///
/// Arguments before `--` go to cargo, those after it to the test binaries,
/// after the `loom` filter (libtest runs a test matching any filter it is
/// given, so an extra filter widens the set; use `--exact` or `--skip` to narrow).
///
/// # Errors
///
/// When the build or a model fails.
pub fn run(root: &Path, args: &[String]) -> Result {
    let (cargo_args, test_args) = match args.iter().position(|a| a == "--") {
        Some(i) => (&args[..i], &args[i + 1..]),
        None => (args, &[][..]),
    };
    // tokio's loom CI enables debug assertions too: the models should check the
    // `debug_assert!`ed preconditions of the unsafe code they exercise.
    let rustflags = match env::var("RUSTFLAGS") {
        Ok(existing) if !existing.trim().is_empty() => {
            format!("{existing} --cfg loom -C debug-assertions")
        }
        _ => "--cfg loom -C debug-assertions".to_owned(),
    };
    let preemptions =
        env::var("LOOM_MAX_PREEMPTIONS").unwrap_or_else(|_| DEFAULT_MAX_PREEMPTIONS.to_owned());
    let mut cmd = Cmd::cargo(root)
        .env("RUSTFLAGS", rustflags)
        .env("LOOM_MAX_PREEMPTIONS", preemptions)
        .env("CARGO_TARGET_DIR", root.join("target").join("loom"))
        // The release profile's thin LTO and single codegen unit are for
        // benchmarks; a model only needs optimised code, so build it faster.
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .args(["test", "--release", "--lib", "-j2"]);
    for package in PACKAGES {
        cmd = cmd.args(["-p", package]);
    }
    cmd.args(cargo_args)
        .arg("--")
        .arg("loom")
        .args(test_args)
        .run()
}
