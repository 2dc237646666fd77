//! `soak`: minutes of traffic over every pattern (PUSH/PULL, PUB/SUB,
//! REQ/REP, DEALER/ROUTER, XPUB/XSUB) and transport (tcp, ipc, inproc)
//! with faults injected, checked end to end. `cargo xtask soak [--secs N]`
//! builds it in release and runs it.
//!
//! ```text
//! soak [--secs N] [--rate MSGS_PER_SEC]      the driver (defaults: 180 s, 1000/s a lane)
//! soak peer PATTERN ENDPOINT LANE GENERATION RATE   one peer (started by the driver)
//! ```
//!
//! Fifteen lanes, one per pattern and transport. In each the driver holds
//! the bound, checking side and a peer holds the other (`peer.rs`):
//!
//! - PUSH/PULL, PUB/SUB: the peer sends, the driver's PULL or SUB checks;
//! - REQ/REP: the driver's REQ asks, one request at a time, and checks
//!   that the peer's REP echoes each;
//! - DEALER/ROUTER: the driver's DEALER (named, so that every reconnect
//!   announces the id the last connection held) keeps up to 16 requests in
//!   flight; the peer's ROUTER echoes each to the routing id it came from;
//! - XPUB/XSUB: the peer's XPUB publishes to the driver's forwarder, an
//!   XSUB (the lane's bound socket) whose messages go down through an XPUB
//!   to an XSUB subscriber, which checks, and whose subscriptions go up the
//!   other way (as libzmq's `zmq_proxy` forwards them).
//!
//! Over tcp and ipc the peer is a child process (this binary, `soak
//! peer`), over inproc a thread. Messages carry lane, generation, sequence
//! number and checksum ([`ferrozmq_benches::soak`], which holds the checks
//! and their unit tests). Faults hit the lanes in turn, from 2 s on, at
//! most one a second and often enough that every lane gets both kinds
//! ([`fault_interval`]), alternating between: the peer killed (SIGKILL for
//! a process; for a thread its socket dropped mid-stream) and restarted as
//! the next generation, and the driver's socket dropped with its
//! connections and bound again (a reset of every connection of the lane).
//! Faults stop 5 s before the end.
//!
//! Every lane is paced at `--rate` messages (or requests) a second.
//! Checked: every message whole and exact; nothing duplicated or reordered;
//! nothing lost where the pattern promises delivery (PUSH/PULL messages,
//! REQ/REP and DEALER/ROUTER replies) unless a fault explains it; PUB/SUB
//! and XPUB/XSUB gaps only across faults; no lane without traffic for more
//! than 10 s, faults or not; the driver's RSS never above
//! 1 GiB (a rise of 128 MiB within a second is reported with what each
//! lane did meanwhile); its RSS and open descriptors at the end no more
//! than after the warm-up (a fifth of the run) plus slack. Prints a
//! summary; exits with status 1 on any violation.
//!
//! Why a binary in the benches package: it is long-running load, built in
//! release like the perf tools beside it, and needs to re-execute itself
//! as peer processes it can SIGKILL; the `fzmq` command is a user tool and
//! should not carry a test driver.

mod lane;
mod peer;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use ferrozmq::Context;
use ferrozmq_benches::soak::{FIRST_FAULT, QUIET_END, fault_interval};
use ferrozmq_benches::sync::{Arc, AtomicBool, AtomicU8, AtomicU64, Ordering};

use lane::{Lane, LaneReport, Transport};
use peer::{Pattern, peer_main};

/// The longest run accepted.
const MAX_SECS: u64 = 24 * 3600;
/// The warm-up before RSS and descriptors are measured, as a fraction of
/// the run.
const WARM_UP_FRACTION: u32 = 5;
/// Slack on the end-of-run comparison.
const FD_SLACK: usize = 16;
const RSS_SLACK_KIB: u64 = 64 * 1024;
/// A rise of RSS within a second worth reporting.
const RSS_JUMP_KIB: u64 = 128 * 1024;
/// The highest RSS accepted at any time. The HWMs below bound what the
/// queues can hold (3 SUBs and 3 forwarders' XSUBs x 10 000 messages of
/// ~24 KiB on average: ~1.4 GiB at worst), but a reader that keeps up
/// keeps its queue near empty: a peak above this means one fell behind.
const RSS_PEAK_KIB: u64 = 1024 * 1024;
/// PUB/SUB's and XPUB/XSUB's HWMs: high enough that a healthy reader never makes the PUB
/// drop, low enough to bound memory.
pub(crate) const PUBSUB_HWM: usize = 10_000;
/// How long a REQ or DEALER waits for a reply from a live peer.
pub(crate) const REPLY_TIMEOUT: Duration = Duration::from_secs(5);
/// The longest a lane may check nothing, faults or not: a kill or reset
/// costs well under a second, a REQ waits [`REPLY_TIMEOUT`] at most.
const STALL_LIMIT: Duration = Duration::from_secs(10);
/// Fault kinds in a lane's mailbox.
const KILL: u8 = 1;
pub(crate) const RESET: u8 = 2;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("peer") => peer_main(&args[1..]),
        _ => driver_main(&args),
    }
}

pub(crate) fn usage() -> ExitCode {
    eprintln!(
        "usage: soak [--secs N] [--rate MSGS_PER_SEC]\n       soak peer PATTERN ENDPOINT LANE GENERATION RATE"
    );
    ExitCode::from(2)
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// What each lane has checked so far.
fn counts(progress: &[Arc<AtomicU64>]) -> Vec<u64> {
    progress.iter().map(|p| p.load(Ordering::Relaxed)).collect()
}

fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, Iterator::count)
}

fn driver_main(args: &[String]) -> ExitCode {
    let mut secs = 180u64;
    let mut rate = 1000u32;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match (a.as_str(), it.next().map(|v| v.parse::<u64>())) {
            ("--secs", Some(Ok(n))) if (1..=MAX_SECS).contains(&n) => secs = n,
            ("--rate", Some(Ok(n))) if (1..=1_000_000).contains(&n) => rate = n as u32,
            _ => return usage(),
        }
    }
    let run = Duration::from_secs(secs);
    let ctx = Context::with_io_threads(2).expect("context");
    let stop = Arc::new(AtomicBool::new(false));
    let mut mailboxes = Vec::new();
    let mut progress: Vec<Arc<AtomicU64>> = Vec::new();
    let mut threads = Vec::new();
    let mut id = 0u8;
    for transport in [Transport::Tcp, Transport::Ipc, Transport::Inproc] {
        for pattern in Pattern::ALL {
            let mailbox = Arc::new(AtomicU8::new(0));
            mailboxes.push(Arc::clone(&mailbox));
            let checked = Arc::new(AtomicU64::new(0));
            progress.push(Arc::clone(&checked));
            let (ctx, stop) = (ctx.clone(), Arc::clone(&stop));
            let lane_id = id;
            threads.push(std::thread::spawn(move || {
                let mut lane = Lane::new(lane_id, pattern, transport, ctx, rate);
                while !stop.load(Ordering::Relaxed) {
                    match mailbox.swap(0, Ordering::Relaxed) {
                        0 => lane.step(),
                        kind => lane.fault(kind),
                    }
                    lane.checker.stalled(Instant::now(), STALL_LIMIT);
                    checked.store(lane.checker.received, Ordering::Relaxed);
                }
                lane.finish()
            }));
            id += 1;
        }
    }
    let patterns: Vec<&str> = Pattern::ALL.iter().map(|p| p.name()).collect();
    let every = fault_interval(run, threads.len());
    println!(
        "soak: {} lanes ({} over tcp, ipc, inproc), {secs} s, {rate} msg/s a sending lane, \
         a fault every {every:?}",
        threads.len(),
        patterns.join(", ")
    );
    let start = Instant::now();
    let warm_at = run / WARM_UP_FRACTION;
    let faults_until = run.saturating_sub(QUIET_END);
    let mut next_fault = FIRST_FAULT;
    let mut faults = 0usize;
    let mut warm = None;
    let mut peak = 0;
    let mut samples = Vec::new();
    let mut second = (Duration::ZERO, rss_kib(), counts(&progress));
    let mut last_fault = None;
    while start.elapsed() < run {
        let now = start.elapsed();
        if now >= Duration::from_secs(10 * samples.len() as u64) {
            samples.push(rss_kib() >> 10);
        }
        if now >= second.0 + Duration::from_secs(1) {
            // A jump in RSS: say which lanes moved how much meanwhile.
            let (rss, seen) = (rss_kib(), counts(&progress));
            if rss > second.1 + RSS_JUMP_KIB {
                let moved: Vec<u64> = seen.iter().zip(&second.2).map(|(a, b)| a - b).collect();
                println!(
                    "RSS jump at {:.0?}: {} -> {} MiB; messages checked per lane meanwhile {moved:?}; \
                     last fault (lane, kind, at) {last_fault:?}",
                    now,
                    second.1 >> 10,
                    rss >> 10
                );
            }
            peak = peak.max(rss);
            second = (now, rss, seen);
        }
        if warm.is_none() && now >= warm_at {
            warm = Some((rss_kib(), fds()));
        }
        if now >= next_fault && now < faults_until {
            let lane = faults % mailboxes.len();
            let round = faults / mailboxes.len();
            let kind = if (round + lane).is_multiple_of(2) {
                KILL
            } else {
                RESET
            };
            mailboxes[lane].store(kind, Ordering::Relaxed);
            last_fault = Some((lane, kind, now));
            faults += 1;
            next_fault += every;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let end = (rss_kib(), fds());
    let warm = warm.unwrap_or(end);
    stop.store(true, Ordering::Relaxed);
    let reports: Vec<LaneReport> = threads
        .into_iter()
        .map(|t| t.join().expect("a lane panicked"))
        .collect();
    let mut violations = 0;
    println!(
        "{:<28} {:>10} {:>8} {:>8} {:>6} {:>6} {:>10}",
        "lane", "checked", "lost@f", "stale@f", "kills", "resets", "violations"
    );
    for r in &reports {
        println!(
            "{:<28} {:>10} {:>8} {:>8} {:>6} {:>6} {:>10}",
            r.name,
            r.received,
            r.lost_across_faults,
            r.stale_across_faults,
            r.kills,
            r.resets,
            r.violations.len()
        );
        for v in r.violations.iter().take(5) {
            println!("  {}: {v}", r.name);
        }
        violations += r.violations.len();
    }
    let total: u64 = reports.iter().map(|r| r.received).sum();
    println!(
        "total: {total} messages and replies checked, {faults} faults injected, {violations} violations"
    );
    println!(
        "driver RSS {} KiB after warm-up -> {} KiB at the end (slack {} KiB); \
         open fds {} -> {} (slack {FD_SLACK})",
        warm.0, end.0, RSS_SLACK_KIB, warm.1, end.1
    );
    let mut ok = violations == 0;
    println!(
        "driver RSS every 10 s (MiB): {samples:?}; peak {} MiB (limit {})",
        peak >> 10,
        RSS_PEAK_KIB >> 10
    );
    if peak > RSS_PEAK_KIB {
        println!("VIOLATION: RSS peaked above the limit");
        ok = false;
    }
    if end.0 > warm.0 + RSS_SLACK_KIB {
        println!("VIOLATION: RSS grew");
        ok = false;
    }
    if end.1 > warm.1 + FD_SLACK {
        println!("VIOLATION: file descriptors grew");
        ok = false;
    }
    if reports.iter().any(|r| r.received == 0) {
        println!("VIOLATION: a lane checked no traffic");
        ok = false;
    }
    println!("soak: {}", if ok { "ok" } else { "FAILED" });
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
