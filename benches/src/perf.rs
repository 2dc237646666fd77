//! What the libzmq-compatible perf tools (`src/bin/*`) share: argument
//! parsing, libzmq's failure reports and exit codes, its message-size check,
//! the microsecond clock their figures are computed from, and libzmq's
//! result lines. The `async_*` tools (the same contract over
//! `AsyncSocket` on a tokio current-thread runtime, from
//! the benches library's `runtime`) share all of it. libzmq's tools include
//! this file too, so it names nothing of ferrozmq's nor tokio's.

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

/// The arguments of the latency tools:
/// `<endpoint> <message-size> <roundtrip-count>`.
#[derive(Debug)]
pub struct LatArgs {
    /// Where to bind or connect.
    pub endpoint: String,
    /// Bytes per message (0 allowed).
    pub message_size: usize,
    /// Round trips (at least 1).
    pub roundtrip_count: u64,
}

/// Reads `tool`'s command line (`endpoint` names its first argument); a
/// wrong argument count prints libzmq's usage line and exits 1.
pub fn lat_args(tool: &str, endpoint: &str) -> LatArgs {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        println!("usage: {tool} <{endpoint}> <message-size> <roundtrip-count>");
        process::exit(1);
    }
    LatArgs {
        endpoint: args[1].clone(),
        message_size: parse(tool, &args[2], "message-size", 0),
        roundtrip_count: parse(tool, &args[3], "roundtrip-count", 1),
    }
}

/// Prints libzmq's `local_thr` lines for `count` messages of `size` bytes
/// in `elapsed` microseconds (libzmq's arithmetic and formats).
pub fn print_thr(size: usize, count: u64, elapsed: u64) {
    let throughput = count as f64 / elapsed as f64 * 1_000_000.0;
    let megabits = throughput * size as f64 * 8.0 / 1_000_000.0;
    println!("message size: {size} [B]");
    println!("message count: {count}");
    println!("mean throughput: {} [msg/s]", throughput as i64);
    println!("mean throughput: {megabits:.3} [Mb/s]");
}

/// Prints libzmq's `remote_lat` lines: half the mean round trip.
pub fn print_lat(size: usize, roundtrips: u64, elapsed: u64) {
    let latency = elapsed as f64 / (roundtrips as f64 * 2.0);
    println!("message size: {size} [B]");
    println!("roundtrip count: {roundtrips}");
    println!("average latency: {latency:.3} [us]");
}

/// The CPU the whole process used while `wait` ran, in percent of one
/// core (from `/proc/self/stat`: user and system time, in clock ticks of
/// 10 ms, so a short wait reads 0 unless something spun).
pub fn idle_cpu_percent(wait: impl FnOnce()) -> f64 {
    fn ticks() -> u64 {
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        // Fields after the parenthesised command: utime is the 14th field
        // of the line, stime the 15th.
        let after = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
        let fields: Vec<&str> = after.split_whitespace().collect();
        let field = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<u64>().ok())
                .unwrap_or(0)
        };
        field(11) + field(12)
    }
    let (before, watch) = (ticks(), Instant::now());
    wait();
    let used = (ticks() - before) as f64 * 10.0;
    let elapsed = watch.elapsed().as_secs_f64() * 1000.0;
    used / elapsed * 100.0
}
