//! `scale`: the cost per message of one busy peer among 10, 1 000 and
//! 10 000, for PUSH/PULL, ROUTER/DEALER and PUB/SUB over inproc and tcp
//! (what is measured and how: [`ferrozmq_benches::scale`]). `cargo xtask
//! scale` builds it in release and runs it.
//!
//! ```text
//! scale [--quick] [--runs N] [--messages N] [--peers N,N,...]
//!       [--case push-pull,router-dealer,pub-sub] [--transport inproc,tcp]
//! ```
//!
//! Defaults: 5 timed windows of 200 000 messages per row after a warm-up
//! of a quarter of that; `--quick`: 3 windows of 50 000. It raises the
//! soft limit on descriptors to the hard limit first; a tcp row that needs
//! more is skipped and says so. Progress goes to stderr, then the table
//! to stdout: per row the median of the windows, their spread, and the
//! ratio to the row of the same case and transport with the fewest peers
//! (the reference, measured in the same run; flat is 1). Exits 1 if a
//! row failed (a lost message, a timeout), 2 on bad arguments.

use std::process::ExitCode;
use std::time::Instant;

use ferrozmq_benches::scale::{Case, Outcome, Plan, Row, Transport, measure, render, thousands};

const USAGE: &str = "usage: scale [--quick] [--runs N] [--messages N] [--peers N,N,...]
             [--case push-pull,router-dealer,pub-sub] [--transport inproc,tcp]";

/// The peer counts of the brief: 10 is the reference.
const DEFAULT_PEERS: [usize; 3] = [10, 1_000, 10_000];

struct Args {
    plan: Plan,
    peers: Vec<usize>,
    cases: Vec<Case>,
    transports: Vec<Transport>,
}

/// The items of a comma-separated `list` named as `name` names them.
fn pick<T: Copy>(
    flag: &str,
    list: Option<String>,
    all: &[T],
    name: impl Fn(T) -> &'static str,
) -> Result<Vec<T>, String> {
    let list = list.ok_or_else(|| format!("{flag} needs a value"))?;
    list.split(',')
        .map(|want| {
            all.iter()
                .copied()
                .find(|&t| name(t) == want.trim())
                .ok_or_else(|| format!("{flag}: no {want:?}"))
        })
        .collect()
}

fn parse_args() -> Result<Args, String> {
    let mut messages = 200_000;
    let mut runs = 5;
    let mut peers = DEFAULT_PEERS.to_vec();
    let mut cases = Case::ALL.to_vec();
    let mut transports = Transport::ALL.to_vec();
    let mut args = std::env::args().skip(1);
    let number = |flag: &str, value: Option<String>| -> Result<u64, String> {
        let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
        value
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("{flag} takes a positive integer, not {value:?}"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => (messages, runs) = (50_000, 3),
            "--runs" => runs = number("--runs", args.next())? as usize,
            "--messages" => messages = number("--messages", args.next())?,
            "--peers" => {
                let list = args.next().ok_or("--peers needs a value")?;
                peers = list
                    .split(',')
                    .map(|n| n.trim().parse().ok().filter(|&n: &usize| n > 0))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("--peers takes positive integers, not {list:?}"))?;
            }
            "--case" => cases = pick("--case", args.next(), &Case::ALL, Case::flag)?,
            "--transport" => {
                transports = pick("--transport", args.next(), &Transport::ALL, Transport::name)?;
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Args {
        plan: Plan {
            messages,
            warmup: messages / 4,
            runs,
        },
        peers,
        cases,
        transports,
    })
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".into())
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("scale: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    // The soft limit up to the hard one (never the hard one: that takes
    // privilege; rows that need more are skipped).
    let limit = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) => Some(limit),
        Err(e) => {
            eprintln!("scale: cannot read or raise the descriptor limit ({e}); tcp rows may fail");
            None
        }
    };
    let load_before = load_average();
    let started = Instant::now();
    let mut rows = Vec::new();
    for &case in &args.cases {
        for &transport in &args.transports {
            for &peers in &args.peers {
                let need = transport.fds_needed(peers);
                let row_started = Instant::now();
                let outcome = match limit {
                    Some(limit) if need > limit => Outcome::Skipped(format!(
                        "needs {need} descriptors, the hard limit is {limit}"
                    )),
                    _ => match measure(case, transport, peers, &args.plan) {
                        Ok(figures) => Outcome::Measured(figures),
                        Err(e) => Outcome::Failed(e.to_string()),
                    },
                };
                let said = match &outcome {
                    Outcome::Measured(_) => match outcome.medians() {
                        Some((wall, Some(cpu))) => {
                            format!("{wall:.1} ns/msg wall, {cpu:.1} ns/msg CPU")
                        }
                        Some((wall, None)) => format!("{wall:.1} ns/msg wall"),
                        None => "no window".to_owned(),
                    },
                    Outcome::Skipped(why) => format!("skipped: {why}"),
                    Outcome::Failed(why) => format!("FAILED: {why}"),
                };
                eprintln!(
                    "scale: {} over {} with {} peers: {said} ({:.1} s with set-up)",
                    case.name(),
                    transport.name(),
                    thousands(peers),
                    row_started.elapsed().as_secs_f64(),
                );
                rows.push(Row {
                    case,
                    transport,
                    peers,
                    outcome,
                });
            }
        }
    }
    let plan = &args.plan;
    println!(
        "Messages of {} B; per row one set-up, a warm-up of {} messages, then {} timed windows \
         of {} messages (median shown); load average {load_before} at the start, {} at the end; \
         {:.0} s in all.\n",
        ferrozmq_benches::scale::MESSAGE_SIZE,
        plan.warmup,
        plan.runs,
        plan.messages,
        load_average(),
        started.elapsed().as_secs_f64(),
    );
    print!("{}", render(&rows));
    if rows.iter().any(|r| matches!(r.outcome, Outcome::Failed(_))) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
