//! `cargo xtask scale [ARGS]`: builds the `scale` binary (package
//! `ferrozmq-benches`) in release and runs it: the cost per message of one
//! busy peer among 10, 1 000 and 10 000, for PUSH/PULL, ROUTER/DEALER and
//! PUB/SUB over inproc and tcp, printed as a table of medians with each
//! row's ratio to the 10-peer row measured in the same run (see
//! `benches/src/scale/`). Every argument goes to the binary (`--quick`,
//! `--runs N`, `--messages N`, `--peers N,N,...`, `--case`, `--transport`).
//! Not part of `ci`: it is a benchmark, and takes minutes.

use std::path::Path;
use std::time::Duration;

use crate::Result;
use crate::command::release_bin;

/// How long a run may take before it counts as hung and is killed (a full
/// run takes a few minutes on two cores, most of it joining 10 000 tcp
/// peers).
const TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// Builds the binary and runs it with `args`.
///
/// # Errors
///
/// A failed build, or a run that failed (a lost message, a timeout) or hung.
pub fn run(root: &Path, args: &[String]) -> Result {
    release_bin(root, "ferrozmq-benches", "scale")?
        .args(args)
        .run_with_timeout(TIMEOUT)
}
