//! `cargo xtask pollcost`: what waiting on many sockets costs, ferrozmq's
//! `poll` and `Poller` beside libzmq's `zmq_poll`, in one run.
//!
//! It builds `poll_cost` (`ferrozmq-benches`) and `libzmq_poll_cost`
//! (`ferrozmq-libzmq-perf`, outside default-members: it builds libzmq) in
//! release, then for 1, 10 and 1 000 sockets runs both, alternating, for
//! `--runs N` rounds (default 3), and prints the medians: the cost of a
//! wait with one socket ready, and the CPU an idle 500 ms wait used. Not
//! part of `ci`: it reports, never asserts.

use std::fmt::Write as _;
use std::path::Path;

use crate::Result;
use crate::command::{Cmd, release_bin};
use crate::compare::median;

/// Socket counts measured.
const SOCKETS: [usize; 3] = [1, 10, 1000];

/// The figures one tool run prints.
#[derive(Debug, Default, Clone, PartialEq)]
struct Figures {
    poll_ns: Option<f64>,
    poller_ns: Option<f64>,
    idle_cpu: Option<f64>,
}

/// Reads `poll_cost`'s lines (`poll, one ready: X [ns]`, ...); a `-`
/// figure stays `None`.
fn parse(output: &str) -> Figures {
    let value = |label: &str| {
        output
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse::<f64>().ok())
    };
    Figures {
        poll_ns: value("poll, one ready:"),
        poller_ns: value("poller, one ready:"),
        idle_cpu: value("idle cpu:"),
    }
}

/// Runs the task.
///
/// # Errors
///
/// A bad argument, a failed build or a failed run.
pub fn run(root: &Path, args: &[String]) -> Result {
    let runs = match args {
        [] => 3,
        [flag, n] if flag == "--runs" => n.parse::<usize>().map_err(|e| format!("--runs: {e}"))?,
        _ => return Err("usage: cargo xtask pollcost [--runs N]".into()),
    };
    let ours = release_bin(root, "ferrozmq-benches", "poll_cost")?;
    let theirs = release_bin(root, "ferrozmq-libzmq-perf", "libzmq_poll_cost")?;
    let mut table = String::from(
        "| sockets | ferrozmq poll | libzmq zmq_poll | ferrozmq/libzmq | ferrozmq Poller | idle CPU ferrozmq | idle CPU libzmq |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for n in SOCKETS {
        let waits = if n >= 1000 { "2000" } else { "100000" };
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for round in 0..runs {
            // Alternate which runs first.
            let order = if round % 2 == 0 {
                [true, false]
            } else {
                [false, true]
            };
            for ours_now in order {
                let tool = if ours_now { &ours } else { &theirs };
                let out = Cmd::new(tool.program(), root)
                    .args([n.to_string().as_str(), waits])
                    .output()?;
                let figures = parse(&out);
                println!(
                    "{} sockets, {}: {figures:?}",
                    n,
                    if ours_now { "ferrozmq" } else { "libzmq" }
                );
                if ours_now {
                    a.push(figures)
                } else {
                    b.push(figures)
                }
            }
        }
        let med = |v: &[Figures], f: fn(&Figures) -> Option<f64>| {
            median(&v.iter().filter_map(f).collect::<Vec<_>>())
        };
        let ns = |x: Option<f64>| x.map_or_else(|| "-".to_owned(), |v| format!("{v:.0} ns"));
        let pct = |x: Option<f64>| x.map_or_else(|| "-".to_owned(), |v| format!("{v:.1} %"));
        let (ours_poll, their_poll) = (med(&a, |f| f.poll_ns), med(&b, |f| f.poll_ns));
        let ratio = match (ours_poll, their_poll) {
            (Some(x), Some(y)) if y > 0.0 => format!("{:.2}", x / y),
            _ => "-".to_owned(),
        };
        let _ = writeln!(
            table,
            "| {n} | {} | {} | {ratio} | {} | {} | {} |",
            ns(ours_poll),
            ns(their_poll),
            ns(med(&a, |f| f.poller_ns)),
            pct(med(&a, |f| f.idle_cpu)),
            pct(med(&b, |f| f.idle_cpu)),
        );
    }
    println!(
        "\nmedians of {runs} run(s); a wait with one of N sockets ready (lower is better), and the CPU an idle 500 ms wait used:\n\n{table}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_tool_lines_and_a_missing_figure() {
        let out = "sockets: 10\npoll, one ready: 395.6 [ns]\npoller, one ready: - [ns]\nidle cpu: 0.0 [%]\n";
        assert_eq!(
            parse(out),
            Figures {
                poll_ns: Some(395.6),
                poller_ns: None,
                idle_cpu: Some(0.0),
            }
        );
    }
}
