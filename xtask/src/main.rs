//! `cargo xtask`: the single entry for every chore of the ferrozmq workspace.
//!
//! `ci` runs the whole gate; `tidy` checks house rules; `interop`, `loom`,
//! `fuzz`, `bench`, `allocs`, `conns`, `pollcost` and `soak` run the slow checks
//! with the right flags; `compare` measures ferrozmq against libzmq, OMQ.rs and the raw
//! socket limits and writes the README's performance table, `secbench` what
//! PLAIN and CURVE cost, and `scale` the cost
//! per message among many idle peers (neither is part of `ci`: they take
//! minutes). Run `cargo xtask help` for the flags. It depends on
//! nothing but std and `serde_json`, so it builds in a
//! few seconds, and it always runs from the workspace root, wherever it is called.

mod allocs;
mod bench;
mod ci;
mod command;
mod compare;
mod conns;
mod fuzz;
mod interop;
mod loom;
mod metadata;
mod pollcost;
mod pyzmq;
mod scale;
mod secbench;
mod soak;
mod tidy;
mod tool;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What every task returns: success, or an error message for the user.
pub type Result<T = ()> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "\
usage: cargo xtask <task> [args]

tasks:
  ci [--skip STEP,...]     the whole CI gate, failing fast; steps in order:
                           fmt, clippy, test, interop, run-examples, doc, tidy,
                           deny, loom, fuzz
  interop [CARGO_ARGS] [-- TEST_ARGS]
                           the interop tests against libzmq (package ferrozmq-interop,
                           outside default-members: it builds libzmq from C++)
  tidy                     house rules: dependency direction, `//!` headers,
                           SAFETY comments, where unsafe and std::sync may appear
  loom [CARGO_ARGS] [-- TEST_ARGS]
                           loom models (tests named *loom*) in release with --cfg loom;
                           LOOM_MAX_PREEMPTIONS defaults to 3
  fuzz [TARGET] [--secs N] [--smoke] [--no-asan] [-- LIBFUZZER_ARGS]
                           run one cargo-fuzz target for N s (default 60), or every
                           target for 20 s with --smoke; --no-asan builds without
                           AddressSanitizer (faster; for safe code under test)
  bench [ARGS]             cargo bench -p ferrozmq-benches with ARGS
  compare [--quick] [--runs N] [--no-readme] [--cpu]
                           ferrozmq's perf tools against libzmq's and the raw socket
                           limits, alternating, medians of N runs (default 3; ~10 min);
                           rewrites README.md's performance table unless --no-readme;
                           --quick: a quarter of the messages, one run (~1 min);
                           --cpu: instead, CPU time, context switches and syscalls per
                           message of each side under `perf stat` (~3 min)
  secbench [--quick] [--runs N] [--no-readme]
                           PLAIN and CURVE throughput beside NULL, ferrozmq's and
                           OMQ.rs's (tcp PUSH/PULL, 64 B to 1 MiB), and handshakes/s
                           against ferrozmq's, libzmq's (pyzmq) and OMQ.rs's servers,
                           medians of N runs (default 3; ~4 min); rewrites
                           README.md's security performance section unless --no-readme
  scale [--quick] [ARGS]   cost per message of one busy peer among 10, 1 000 and
                           10 000 (PUSH/PULL, ROUTER/DEALER, PUB/SUB over inproc and
                           tcp), medians, ratios to 10 peers (~30 s, plus ~30 s of
                           set-up per tcp row with 10 000 peers where descriptors allow)
  allocs [--quick] [ARGS]  heap allocations per message in steady state, ferrozmq
                           (each receive allocator) beside libzmq, counted
                           process-wide (benches/allocs, its own workspace)
  conns [--n N]...         resident memory per idle connection of a REP server,
                           ferrozmq beside libzmq, for N connections (repeatable;
                           default 1000 and 10000; raw ZMTP clients, 127.0.0.1)
  pollcost [--runs N]      poll and Poller over 1, 10 and 1 000 sockets beside libzmq's
                           zmq_poll: cost of a wait with one ready, idle CPU (~20 s)
  soak [--secs N] [--rate R]
                           every pattern and transport for N s (default 180) with
                           peers SIGKILLed and connections reset, checked end to
                           end (release build)
  help                     this text
";

/// The workspace root: the parent of this package's folder.
fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    let (task, rest) = match args.split_first() {
        Some((task, rest)) => (task.as_str(), rest),
        None => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let result = match task {
        "ci" => ci::run(&root, rest),
        "tidy" => tidy::run(&root, rest),
        "interop" => interop::run(&root, rest),
        "loom" => loom::run(&root, rest),
        "fuzz" => fuzz::run(&root, rest),
        "bench" => bench::run(&root, rest),
        "compare" => compare::run(&root, rest),
        "allocs" => allocs::run(&root, rest),
        "scale" => scale::run(&root, rest),
        "secbench" => secbench::run(&root, rest),
        "conns" => conns::run(&root, rest),
        "pollcost" => pollcost::run(&root, rest),
        "soak" => soak::run(&root, rest),
        "help" | "-h" | "--help" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown task `{other}`; run `cargo xtask help`").into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
