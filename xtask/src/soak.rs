//! `cargo xtask soak [--secs N] [--rate R] [--smoke]`: builds the `soak`
//! binary (package `ferrozmq-benches`) in release and runs it: every pattern
//! over every transport for N seconds (default 180) with peers SIGKILLed and
//! connections reset, checked end to end (see `benches/src/bin/soak/main.rs`).
//! `cargo xtask ci` runs the `--smoke` version ([`SMOKE_SECS`]); the long
//! runs are made by hand and recorded in the closing notes.

use std::path::Path;
use std::time::Duration;

use crate::Result;
use crate::command::release_bin;

/// The default run, in seconds.
const DEFAULT_SECS: u64 = 180;
/// The run `--smoke` makes (CI): long enough for every lane to see a kill
/// and a reset (the driver spaces its faults for that:
/// `ferrozmq_benches::soak::fault_interval`).
pub const SMOKE_SECS: u64 = 20;
/// The longest run this task accepts (the binary's own limit is higher).
const MAX_SECS: u64 = 6 * 3600;
/// On top of the run: start-up and the final check, before the run counts
/// as hung and is killed.
const GRACE: Duration = Duration::from_secs(120);

/// Parses the arguments, builds the soak binary and runs it.
///
/// # Errors
///
/// Bad arguments, a failed build, or a soak run that found a violation,
/// failed or hung.
pub fn run(root: &Path, args: &[String]) -> Result {
    let mut secs = DEFAULT_SECS;
    let mut rate = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--smoke" {
            secs = SMOKE_SECS;
            continue;
        }
        let value = it.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--secs" => {
                secs = value
                    .parse()
                    .ok()
                    .filter(|s| (1..=MAX_SECS).contains(s))
                    .ok_or_else(|| format!("--secs takes 1 to {MAX_SECS}, not {value}"))?;
            }
            "--rate" => rate = Some(value.clone()),
            other => return Err(format!("unknown soak argument `{other}`").into()),
        }
    }
    let mut soak =
        release_bin(root, "ferrozmq-benches", "soak")?.args(["--secs", &secs.to_string()]);
    if let Some(rate) = rate {
        soak = soak.args(["--rate", &rate]);
    }
    soak.run_with_timeout(Duration::from_secs(secs) + GRACE)
}
