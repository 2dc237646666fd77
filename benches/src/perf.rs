//! What the libzmq-compatible perf tools (`src/bin/*`) share: argument
//! parsing, libzmq's failure reports and exit codes, its message-size check,
//! the microsecond clock their figures are computed from, and libzmq's
//! result lines, and the security flags of ferrozmq's and OMQ.rs's tools
//! ([`Mechanism`], `cargo xtask secbench`). The `async_*` tools (the same contract over
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
    thr_args_from(tool, endpoint, std::env::args().collect(), "")
}

/// [`thr_args`] with the security flags ([`split_security`]) anywhere
/// after the program name, for ferrozmq's and OMQ.rs's tools.
pub fn secure_thr_args(tool: &str, endpoint: &str) -> (ThrArgs, Mechanism) {
    let (args, mechanism, _) = thr_args_with(tool, endpoint, &[], SECURITY_USAGE);
    (args, mechanism)
}

/// [`secure_thr_args`] with the tool's own flags `extra`, each taking a
/// value (returned in `extra`'s order, `None` where absent); `usage` lists
/// every flag for the usage line.
pub fn thr_args_with(
    tool: &str,
    endpoint: &str,
    extra: &[&str],
    usage: &str,
) -> (ThrArgs, Mechanism, Vec<Option<String>>) {
    let (args, mechanism, found) = split_security(tool, std::env::args().collect(), extra);
    (thr_args_from(tool, endpoint, args, usage), mechanism, found)
}

/// What `remote_thr` sends: a body built afresh per message (libzmq's
/// `zmq_msg_init_size` contract, the default) or one body every message
/// shares (`--body shared`, ours only: a clone is a reference-count
/// increment, so the figure is the transport's, not the allocator's or
/// `memcpy`'s; the 1 MiB target against the raw socket is read
/// this way, beside the fresh one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// A new body per message.
    Fresh,
    /// One body, cloned per message.
    Shared,
}

/// How a `pubsub` pair of ferrozmq's tools bounds its queues (`--hwm
/// none|default`, ours only; PUSH/PULL keeps libzmq's default HWMs either
/// way).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PubSubHwm {
    /// SNDHWM and RCVHWM 0, no limit (the default): libzmq's tool can only
    /// keep its PUB from dropping this way, as the `zmq` crate has no
    /// `ZMQ_XPUB_NODROP` setter; a PUB faster than its subscriber queues
    /// without bound and pays for the fresh memory.
    None,
    /// libzmq's default HWMs (1000), with `ZMQ_XPUB_NODROP` on the PUB, so
    /// that it waits for a full subscriber instead of dropping: OMQ.rs's
    /// tool's contract (`xpub_nodrop`, its default HWMs).
    Default,
}

/// The usage of `local_thr`'s flags, after its own arguments.
pub const RECEIVER_USAGE: &str =
    "[--mechanism null|plain|curve] [--key-seed N] [--hwm none|default]";

/// The usage of `remote_thr`'s flags, after its own arguments.
pub const SENDER_USAGE: &str =
    "[--mechanism null|plain|curve] [--key-seed N] [--body fresh|shared] [--hwm none|default]";

/// Reads flag `name`'s `value` as one of `choices`, `None` standing for
/// the first; exits with 1 and a message on any other.
pub fn choose<T: Copy>(tool: &str, name: &str, value: Option<&str>, choices: &[(&str, T)]) -> T {
    let Some(value) = value else {
        return choices[0].1;
    };
    if let Some(&(_, v)) = choices.iter().find(|(word, _)| *word == value) {
        return v;
    }
    let words: Vec<&str> = choices.iter().map(|(word, _)| *word).collect();
    eprintln!(
        "{tool}: {name} must be {}, not {value:?}",
        words.join(" or ")
    );
    process::exit(1);
}

/// `--hwm none|default` (see [`PubSubHwm`]).
fn pubsub_hwm(tool: &str, value: Option<&str>) -> PubSubHwm {
    let choices = [("none", PubSubHwm::None), ("default", PubSubHwm::Default)];
    choose(tool, "--hwm", value, &choices)
}

/// `local_thr`'s arguments: [`secure_thr_args`]' and `--hwm none|default`
/// (see [`PubSubHwm`]). Exits with 1 and a message on a wrong value.
pub fn receiver_thr_args(tool: &str, endpoint: &str) -> (ThrArgs, Mechanism, PubSubHwm) {
    let (args, mechanism, found) = thr_args_with(tool, endpoint, &["--hwm"], RECEIVER_USAGE);
    (args, mechanism, pubsub_hwm(tool, found[0].as_deref()))
}

/// `remote_thr`'s arguments: [`secure_thr_args`]', `--body fresh|shared`
/// (see [`Body`]) and `--hwm none|default` (see [`PubSubHwm`]). Exits with
/// 1 and a message on a wrong value.
pub fn sender_thr_args(tool: &str, endpoint: &str) -> (ThrArgs, Mechanism, Body, PubSubHwm) {
    let (args, mechanism, found) =
        thr_args_with(tool, endpoint, &["--body", "--hwm"], SENDER_USAGE);
    let bodies = [("fresh", Body::Fresh), ("shared", Body::Shared)];
    let body = choose(tool, "--body", found[0].as_deref(), &bodies);
    (args, mechanism, body, pubsub_hwm(tool, found[1].as_deref()))
}

/// Parses `args` (the program name first) as [`thr_args`] does; `flags`
/// is the usage of any further flags the tool took out of them.
fn thr_args_from(tool: &str, endpoint: &str, args: Vec<String>, flags: &str) -> ThrArgs {
    let pubsub = match args.len() {
        4 => false,
        5 if args[4] == "pubsub" => true,
        _ => {
            let line = format!("{tool} <{endpoint}> <message-size> <message-count>");
            println!("usage: {line}");
            println!("   or: {line} pubsub");
            if !flags.is_empty() {
                println!("   and any of: {flags}");
            }
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

/// The security mechanism a pair of tools runs with: the trailing
/// `--mechanism null|plain|curve` of ferrozmq's and OMQ.rs's tools (libzmq's
/// take none: the `zmq` crate's libzmq has no CURVE), CURVE with
/// `--key-seed N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    /// NULL (RFC 23), the default.
    Null,
    /// PLAIN (RFC 24) as [`PLAIN_USERNAME`] with [`PLAIN_PASSWORD`]; the
    /// server admits exactly those.
    Plain,
    /// CURVE (RFC 26) with the key pairs [`curve_secrets`] derives from
    /// `seed`: both tools of a pair derive the same ones, so no key is
    /// written anywhere nor passed but as the seed.
    Curve {
        /// The `--key-seed` (the runner picks a new one per run).
        seed: u64,
    },
}

/// The PLAIN client's username, which the PLAIN server admits.
pub const PLAIN_USERNAME: &str = "perf";

/// The PLAIN client's password.
pub const PLAIN_PASSWORD: &str = "perf";

/// The usage of the security flags, after a tool's own arguments.
pub const SECURITY_USAGE: &str = "[--mechanism null|plain|curve] [--key-seed N]";

/// The CURVE secret keys (server's, client's) of a pair of tools, from
/// their `--key-seed`: 64 bytes of splitmix64 (Steele, Lea and Flood,
/// "Fast splittable pseudorandom number generators") from the seed. Any 32
/// bytes are a Curve25519 secret key (clamped when used). Benchmark keys,
/// reproducible from the seed by design: never keys to trust.
pub fn curve_secrets(seed: u64) -> ([u8; 32], [u8; 32]) {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    let mut keys = [[0u8; 32]; 2];
    for key in &mut keys {
        for chunk in key.chunks_exact_mut(8) {
            chunk.copy_from_slice(&next().to_le_bytes());
        }
    }
    (keys[0], keys[1])
}

/// Takes the security flags out of `args` (the program name first) and
/// returns the rest, the mechanism and the values of `extra`, flags of the
/// tool's own that take a value (`--server-key`), in `extra`'s order; exits
/// 1 saying why on a bad flag, and on CURVE without `--key-seed`.
pub fn split_security(
    tool: &str,
    args: Vec<String>,
    extra: &[&str],
) -> (Vec<String>, Mechanism, Vec<Option<String>>) {
    let refuse = |why: String| -> ! {
        eprintln!("{tool}: {why}");
        process::exit(1);
    };
    let mut rest = Vec::new();
    let mut name = None;
    let mut seed = None;
    let mut found = vec![None; extra.len()];
    let mut iter = args.into_iter();
    while let Some(arg) = iter.next() {
        let flag = arg.as_str();
        let slot = extra.iter().position(|e| *e == flag);
        if flag != "--mechanism" && flag != "--key-seed" && slot.is_none() {
            rest.push(arg);
            continue;
        }
        let Some(value) = iter.next() else {
            refuse(format!("{flag} needs a value"));
        };
        match (flag, slot) {
            ("--mechanism", _) => name = Some(value),
            ("--key-seed", _) => {
                seed = Some(value.parse::<u64>().unwrap_or_else(|_| {
                    refuse(format!("--key-seed must be a whole number, not {value:?}"))
                }));
            }
            (_, Some(i)) => found[i] = Some(value),
            _ => unreachable!("only the flags above get here"),
        }
    }
    let mechanism = match (name.as_deref(), seed) {
        (None | Some("null"), _) => Mechanism::Null,
        (Some("plain"), _) => Mechanism::Plain,
        (Some("curve"), Some(seed)) => Mechanism::Curve { seed },
        (Some("curve"), None) => refuse("--mechanism curve needs --key-seed N".into()),
        (Some(other), _) => refuse(format!(
            "--mechanism must be null, plain or curve, not {other:?}"
        )),
    };
    (rest, mechanism, found)
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
    lat_args_from(tool, endpoint, std::env::args().collect(), "")
}

/// [`lat_args`] with the security flags ([`split_security`]) anywhere
/// after the program name, for ferrozmq's and OMQ.rs's tools.
pub fn secure_lat_args(tool: &str, endpoint: &str) -> (LatArgs, Mechanism) {
    let (args, mechanism, _) = split_security(tool, std::env::args().collect(), &[]);
    (
        lat_args_from(tool, endpoint, args, SECURITY_USAGE),
        mechanism,
    )
}

/// Parses `args` (the program name first) as [`lat_args`] does.
fn lat_args_from(tool: &str, endpoint: &str, args: Vec<String>, flags: &str) -> LatArgs {
    if args.len() != 4 {
        println!("usage: {tool} <{endpoint}> <message-size> <roundtrip-count>");
        if !flags.is_empty() {
            println!("   and any of: {flags}");
        }
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
