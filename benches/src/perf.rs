//! What the libzmq-compatible perf tools (`src/bin/*`) share: argument
//! parsing, libzmq's failure reports and exit codes, its message-size check,
//! and the microsecond clock their figures are computed from. It does not
//! print results; each tool prints libzmq's own lines.

use std::process;
use std::time::Instant;

/// Parses argument `name` of `tool`, at least `min`, or exits 1 saying why
/// (libzmq's `atoi` would accept anything; we refuse junk).
pub fn parse<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    tool: &str,
    arg: &str,
    name: &str,
    min: T,
) -> T {
    match arg.parse::<T>() {
        Ok(v) if v >= min => v,
        _ => {
            eprintln!("{tool}: <{name}> must be an integer of at least {min}, not {arg:?}");
            process::exit(1);
        }
    }
}

/// The arguments of the throughput tools:
/// `<endpoint> <message-size> <message-count> [pubsub]`.
#[derive(Debug)]
pub struct ThrArgs {
    /// Where to bind or connect.
    pub endpoint: String,
    /// Bytes per message (0 allowed).
    pub message_size: usize,
    /// Messages to move (at least 1).
    pub message_count: u64,
    /// The trailing `pubsub` (ours; libzmq's tools have no such mode).
    pub pubsub: bool,
}

/// Reads `tool`'s command line (`endpoint` names its first argument,
/// `bind-to` or `connect-to`). A wrong argument count prints libzmq's usage
/// line and our `pubsub` form and exits 1; a bad number exits 1 too.
pub fn thr_args(tool: &str, endpoint: &str) -> ThrArgs {
    let args: Vec<String> = std::env::args().collect();
    let pubsub = match args.len() {
        4 => false,
        5 if args[4] == "pubsub" => true,
        _ => {
            let line = format!("{tool} <{endpoint}> <message-size> <message-count>");
            println!("usage: {line}");
            println!("   or: {line} pubsub");
            process::exit(1);
        }
    };
    ThrArgs {
        endpoint: args[1].clone(),
        message_size: parse(tool, &args[2], "message-size", 0),
        message_count: parse(tool, &args[3], "message-count", 1),
        pubsub,
    }
}

/// Reports a failed call as libzmq's tools do (`error in zmq_bind: …`) and
/// exits with libzmq's `return -1`.
pub fn fail<T>(call: &str, e: &dyn std::fmt::Display) -> T {
    println!("error in {call}: {e}");
    process::exit(-1);
}

/// libzmq's check on every received message.
pub fn check_size(got: usize, want: usize) {
    if got != want {
        println!("message of incorrect size received");
        process::exit(-1);
    }
}

/// Microseconds since `watch`, at least 1 (libzmq's stopwatch; a zero would
/// divide by zero).
pub fn elapsed_us(watch: Instant) -> u64 {
    u64::try_from(watch.elapsed().as_micros())
        .unwrap_or(u64::MAX)
        .max(1)
}
