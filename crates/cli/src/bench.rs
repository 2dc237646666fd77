//! `fzmq bench`: throughput of PUSH/PULL and PUB/SUB and round-trip latency
//! of REQ/REP over inproc, ipc and tcp at 64 B, 1 KiB, 64 KiB and 1 MiB, with
//! no set-up: one progress line per cell as it completes (stderr), then one
//! table (stdout).
//!
//! Method, per cell (`bench/cell.rs`):
//! - One fresh [`ferrozmq::Context`] (one I/O thread) holds both sockets, so
//!   inproc works and the cells do not share state; the two sides run on two
//!   threads of this process (the receiver or REP on a scoped thread). With
//!   the I/O thread that makes three busy threads; on a 2-core machine they
//!   compete, as libzmq's `local_thr`/`remote_thr` pair with one I/O thread
//!   each would.
//! - Every cell runs until it has measured for at least its time budget
//!   (500 ms by default, `--time MS`, no less than 20 ms) *and* received at
//!   least its minimum count (10 000 messages of 64 B and 1 KiB, 2 000 of
//!   64 KiB, 1 000 of 1 MiB and 1 000 round trips, `--count N`; never fewer
//!   than 1 000), so no figure comes from a handful of messages or a few
//!   milliseconds. A cell that cannot reach its count 30 s past its budget
//!   fails.
//! - Throughput: before timing, the sender sends one-byte probes until the
//!   receiver has one, so the connection (and for PUB/SUB the subscription)
//!   is up. The clock starts at the sender's first timed send and stops when
//!   the receiver takes the empty end marker; msg/s is what was *received*
//!   over that interval, MB/s the same in 10^6 bytes of body. PUB drops what
//!   a slow subscriber cannot queue: the cell reports it as lost (sent minus
//!   received). The sender sends clones of one body (zero-copy: a clone is
//!   one reference-count increment); high-water marks are lowered for large
//!   messages so that at most about 16 MiB is queued on each side.
//! - Latency is the mean round trip of REQ/REP (send a request, receive the
//!   echoed reply), after one untimed round trip. libzmq's `*_lat` tools
//!   print half of it.
//!
//! Every socket has a 5 s receive and send timeout, so a cell that stalls
//! shows an error instead of hanging the run.

mod cell;
mod table;

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use crate::Failure;
use cell::Plan;

/// The sizes of the full run.
const SIZES: [usize; 4] = [64, 1024, 64 * 1024, 1024 * 1024];
/// The sizes of `--quick`.
const QUICK_SIZES: [usize; 2] = [64, 64 * 1024];
/// The default time budget per cell.
const DEFAULT_BUDGET: Duration = Duration::from_millis(500);
/// The budget per cell with `--quick`.
const QUICK_BUDGET: Duration = Duration::from_millis(50);
/// The fewest messages (round trips) any cell may count.
const MIN_COUNT: u64 = 1_000;
/// The shortest budget `--time` accepts: below it a fast cell's rate would
/// rest on a fraction of a millisecond.
const MIN_BUDGET: Duration = Duration::from_millis(20);

/// A messaging pattern measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    /// PUSH/PULL throughput.
    PushPull,
    /// PUB/SUB throughput.
    PubSub,
    /// REQ/REP round-trip latency.
    ReqRep,
}

impl Pattern {
    /// The table's name for it.
    fn name(self) -> &'static str {
        match self {
            Self::PushPull => "PUSH/PULL",
            Self::PubSub => "PUB/SUB",
            Self::ReqRep => "REQ/REP",
        }
    }
}

/// A transport measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// `inproc://`.
    Inproc,
    /// `ipc://` in the temporary directory.
    Ipc,
    /// `tcp://127.0.0.1`.
    Tcp,
}

impl Transport {
    /// The table's name for it.
    fn name(self) -> &'static str {
        match self {
            Self::Inproc => "inproc",
            Self::Ipc => "ipc",
            Self::Tcp => "tcp",
        }
    }
}

/// The options of one run.
#[derive(Debug, Clone, PartialEq)]
struct Options {
    /// The message sizes.
    sizes: &'static [usize],
    /// The least measured time per cell.
    budget: Duration,
    /// `--count`: the least count of every cell, instead of the defaults.
    count: Option<u64>,
    /// `--quick`: every cell's default count is [`MIN_COUNT`].
    quick: bool,
}

impl Options {
    /// Parses `fzmq bench` arguments.
    fn parse(args: &[String]) -> Result<Self, Failure> {
        let mut quick = false;
        let mut budget = None;
        let mut count = None;
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            match arg.as_str() {
                "--quick" => quick = true,
                "--time" => {
                    let v = it.next().ok_or_else(|| {
                        Failure::usage("--time needs a value: milliseconds per cell")
                    })?;
                    let ms: u64 = v.parse().map_err(|_| {
                        Failure::usage(format!("--time {v:?}: expected milliseconds"))
                    })?;
                    let ms = Duration::from_millis(ms);
                    if ms < MIN_BUDGET {
                        return Err(Failure::usage(format!(
                            "--time {v}: at least {}, or the figures mean little",
                            MIN_BUDGET.as_millis()
                        )));
                    }
                    budget = Some(ms);
                }
                "--count" => {
                    let v = it.next().ok_or_else(|| {
                        Failure::usage("--count needs a value: messages per cell")
                    })?;
                    let n: u64 = v.parse().map_err(|_| {
                        Failure::usage(format!("--count {v:?}: expected a number of messages"))
                    })?;
                    if n < MIN_COUNT {
                        return Err(Failure::usage(format!(
                            "--count {n}: at least {MIN_COUNT}, or the figures mean little"
                        )));
                    }
                    count = Some(n);
                }
                other => {
                    return Err(Failure::usage(format!(
                        "unknown option `{other}` for `fzmq bench` (try `fzmq --help`)"
                    )));
                }
            }
        }
        Ok(Self {
            sizes: if quick { &QUICK_SIZES } else { &SIZES },
            budget: budget.unwrap_or(if quick { QUICK_BUDGET } else { DEFAULT_BUDGET }),
            count,
            quick,
        })
    }

    /// What the cell of `pattern` at `size` must do.
    fn plan(&self, pattern: Pattern, size: usize) -> Plan {
        let default = match (pattern, size) {
            _ if self.quick => MIN_COUNT,
            (Pattern::ReqRep, _) => MIN_COUNT,
            (_, 0..=1024) => 10_000,
            (_, 1025..=65536) => 2_000,
            _ => MIN_COUNT,
        };
        Plan {
            budget: self.budget,
            min_count: self.count.unwrap_or(default).max(MIN_COUNT),
        }
    }
}

/// Runs `fzmq bench ARGS...`.
///
/// # Errors
///
/// A usage error for an unknown option or a bad `--time` or `--count`; a
/// runtime error when stdout cannot be written.
pub fn run(args: &[String]) -> Result<(), Failure> {
    let options = Options::parse(args)?;
    let mut cells = Vec::new();
    for pattern in [Pattern::PushPull, Pattern::PubSub, Pattern::ReqRep] {
        for transport in [Transport::Inproc, Transport::Ipc, Transport::Tcp] {
            for &size in options.sizes {
                cells.push((pattern, transport, size));
            }
        }
    }
    let started = Instant::now();
    // On a terminal the running cell's name shows until its line replaces it.
    let tty = std::io::stderr().is_terminal();
    let mut rows = Vec::new();
    for (i, &(pattern, transport, size)) in cells.iter().enumerate() {
        if tty {
            eprint!(
                "\r\x1b[K[{:>2}/{}] {} {} {} ...",
                i + 1,
                cells.len(),
                pattern.name(),
                transport.name(),
                table::size_name(size)
            );
            let _ = std::io::stderr().flush();
        }
        let result = cell::measure(pattern, transport, size, options.plan(pattern, size), i);
        let row = (pattern, transport, size, result);
        if tty {
            eprint!("\r\x1b[K");
        }
        eprintln!("{}", table::progress(i, cells.len(), &row));
        rows.push(row);
    }
    eprintln!(
        "fzmq bench: {} cells in {:.1} s\n",
        cells.len(),
        started.elapsed().as_secs_f64()
    );
    let table = table::render(&rows);
    let mut out = std::io::stdout().lock();
    out.write_all(table.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::runtime(format!("cannot write stdout: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, Failure> {
        Options::parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn every_cell_counts_at_least_the_minimum() {
        for args in [
            &[][..],
            &["--quick"],
            &["--time", "20"],
            &["--count", "1000"],
            &["--quick", "--count", "50000"],
        ] {
            let options = parse(args).unwrap_or_else(|f| panic!("{args:?}: {}", f.message));
            for pattern in [Pattern::PushPull, Pattern::PubSub, Pattern::ReqRep] {
                for &size in options.sizes {
                    let plan = options.plan(pattern, size);
                    assert!(plan.min_count >= MIN_COUNT, "{args:?} {pattern:?} {size}");
                    assert_eq!(plan.budget, options.budget);
                }
            }
        }
        let options = parse(&[]).unwrap();
        assert_eq!(options.budget, DEFAULT_BUDGET);
        assert_eq!(options.plan(Pattern::PubSub, 64).min_count, 10_000);
        assert_eq!(options.plan(Pattern::PushPull, 64 << 10).min_count, 2_000);
        assert_eq!(options.plan(Pattern::PushPull, 1 << 20).min_count, 1_000);
        assert_eq!(options.plan(Pattern::ReqRep, 64).min_count, 1_000);
        let options = parse(&["--count", "25000", "--time", "20"]).unwrap();
        assert_eq!(options.plan(Pattern::ReqRep, 1 << 20).min_count, 25_000);
        assert_eq!(options.budget, Duration::from_millis(20));
    }

    #[test]
    fn bad_counts_and_times_are_usage_errors() {
        for (args, needle) in [
            (&["--count", "999"][..], "at least 1000"),
            (&["--count", "many"], "expected a number"),
            (&["--count"], "needs a value"),
            (&["--time", "-1"], "expected milliseconds"),
            (&["--time", "19"], "at least 20"),
            (&["--secs", "1"], "unknown option `--secs`"),
        ] {
            let failure = parse(args).expect_err(&format!("{args:?}"));
            assert_eq!(failure.code, 2);
            assert!(failure.message.contains(needle), "{}", failure.message);
        }
    }
}
