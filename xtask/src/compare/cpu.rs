//! `cargo xtask compare --cpu`: what each side of a pair spends per message.
//!
//! The small-message cases (tcp and ipc PUSH/PULL at 64 B and 1 KiB, REQ/REP
//! at 64 B, inproc PUSH/PULL at 64 B) run with ferrozmq's, libzmq's and
//! OMQ.rs's tools (the streams also with OMQ.rs's socket drivers on a
//! worker thread, as in the main comparison), alternating round by round,
//! each process under `perf stat` ([`PERF_EVENTS`](super::tools::PERF_EVENTS)): CPU time of all its
//! threads (its I/O threads included), context switches and system calls,
//! divided by the messages (round trips for REQ/REP) the run moved. Figures
//! are medians of the rounds. Throughput is printed beside them, since a
//! process that spends less per message may also be moving fewer.
//!
//! Every figure covers the whole process, start-up and connection included:
//! with a million messages per run that is well under one percent.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use super::plan::{ASYNC_CASES, Impl, Metric, Pattern, Setup, Transport, WORKER_CASES, size_label};
use super::report::{median, ratio};
use super::tools::{perf_file, run_once};

/// The setups measured, each run by every implementation of [`impls`]:
/// the small-message cases of the async rows, and inproc at 64 B.
fn cases() -> impl Iterator<Item = (Transport, Pattern, usize)> {
    ASYNC_CASES
        .into_iter()
        .chain([(Transport::Inproc, Pattern::PushPull, 64)])
}

/// Whose tools run in a case: ferrozmq's, libzmq's and OMQ.rs's, and
/// OMQ.rs's with its drivers on a worker thread where the main comparison
/// runs that ([`WORKER_CASES`]).
fn impls(case: (Transport, Pattern, usize)) -> Vec<Impl> {
    let mut impls = vec![Impl::Ferrozmq, Impl::Libzmq, Impl::Omq];
    if WORKER_CASES.contains(&case) {
        impls.push(Impl::OmqWorker);
    }
    impls
}

/// Between [`BEGIN`] and [`END`] in the README: the CPU table.
pub const BEGIN: &str = "<!-- compare-cpu:begin -->";
/// See [`BEGIN`].
pub const END: &str = "<!-- compare-cpu:end -->";

/// One process's counters over one run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counters {
    /// CPU time of all its threads, in nanoseconds.
    pub cpu_ns: f64,
    /// Context switches.
    pub switches: f64,
    /// System calls entered.
    pub syscalls: f64,
}

/// Reads `perf stat -x,` output.
///
/// # Errors
///
/// When a counter is missing or was not counted (`<not supported>`, no
/// permission for the syscall tracepoint).
pub fn parse_perf(text: &str) -> std::result::Result<Counters, String> {
    let value = |event: &str| {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .find_map(|l| {
                let fields: Vec<&str> = l.split(',').collect();
                (fields.get(2) == Some(&event)).then(|| fields[0].parse::<f64>().ok())
            })
            .flatten()
            .ok_or_else(|| format!("perf stat counted no `{event}` ({text:?})"))
    };
    Ok(Counters {
        // task-clock is in milliseconds.
        cpu_ns: value("task-clock")? * 1e6,
        switches: value("context-switches")?,
        syscalls: value("raw_syscalls:sys_enter")?,
    })
}

/// The rounds of one setup: throughput or latency, and each side's counters
/// per message.
#[derive(Debug, Default)]
struct Rounds {
    figures: Vec<f64>,
    sides: [Vec<Counters>; 2],
    failures: Vec<String>,
}

/// Runs every case `runs` times under `perf stat` and returns the README
/// section.
pub(super) fn measure(
    bins: &BTreeMap<String, PathBuf>,
    runs: usize,
    quick: bool,
    deadline: std::time::Duration,
    header: &str,
) -> String {
    let dir = std::env::temp_dir().join(format!("ferrozmq-cpu-{}", std::process::id()));
    let _ = fs::create_dir_all(&dir);
    let mut results: BTreeMap<Setup, Rounds> = BTreeMap::new();
    let mut serial = 0;
    for (transport, pattern, size) in cases() {
        let impls = impls((transport, pattern, size));
        for round in 0..runs {
            let mut order = impls.clone();
            order.rotate_left(round % impls.len());
            for who in order {
                let setup = Setup::same(transport, pattern, size, who);
                serial += 1;
                let rounds = results.entry(setup).or_default();
                match run_counted(&setup, bins, quick, deadline, serial, &dir) {
                    Ok((figure, sides)) => {
                        println!(
                            "{:<24} {:<18} round {}/{runs}: {}",
                            setup.case(),
                            who.name(),
                            round + 1,
                            show_sides(&sides)
                        );
                        rounds.figures.push(figure);
                        for (all, side) in rounds.sides.iter_mut().zip(sides) {
                            all.extend(side);
                        }
                    }
                    Err(e) => {
                        println!("{:<24} {:<18} FAILED: {e}", setup.case(), who.name());
                        rounds.failures.push(e);
                    }
                }
            }
        }
    }
    let _ = fs::remove_dir_all(&dir);
    render(&results, header)
}

/// One run; the figure and each side's counters per message (one side for
/// inproc, where both sockets share a process).
fn run_counted(
    setup: &Setup,
    bins: &BTreeMap<String, PathBuf>,
    quick: bool,
    deadline: std::time::Duration,
    serial: usize,
    dir: &Path,
) -> std::result::Result<(f64, [Option<Counters>; 2]), String> {
    for i in 0..2 {
        let _ = fs::remove_file(perf_file(dir, i));
    }
    let figure = run_once(setup, bins, quick, deadline, serial, Some(dir))?;
    let per = setup.count(quick) as f64;
    let mut sides = [None, None];
    let processes = if setup.transport == Transport::Inproc {
        1
    } else {
        2
    };
    for (i, side) in sides.iter_mut().enumerate().take(processes) {
        let text = fs::read_to_string(perf_file(dir, i))
            .map_err(|e| format!("no perf stat output ({e}): is `perf` installed?"))?;
        let c = parse_perf(&text)?;
        *side = Some(Counters {
            cpu_ns: c.cpu_ns / per,
            switches: c.switches / per,
            syscalls: c.syscalls / per,
        });
    }
    Ok((figure, sides))
}

fn show_sides(sides: &[Option<Counters>; 2]) -> String {
    sides
        .iter()
        .flatten()
        .map(|c| {
            format!(
                "{:.0} ns, {:.3} switches, {:.3} syscalls",
                c.cpu_ns, c.switches, c.syscalls
            )
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

/// The medians of each counter.
fn medians(all: &[Counters]) -> Option<Counters> {
    let of = |f: fn(&Counters) -> f64| median(&all.iter().map(f).collect::<Vec<_>>());
    Some(Counters {
        cpu_ns: of(|c| c.cpu_ns)?,
        switches: of(|c| c.switches)?,
        syscalls: of(|c| c.syscalls)?,
    })
}

/// The README section: one row per case and side.
fn render(results: &BTreeMap<Setup, Rounds>, header: &str) -> String {
    let mut out = String::from(header);
    out.push_str(
        "\n\nPer message (per round trip for REQ/REP), medians: CPU time of the \
         whole process (all its threads) · context switches · system calls. \
         The receiving side binds (PULL, REP), the sending side connects; an \
         inproc row is one process with both. OMQ.rs, I/O thread: its \
         throughput tools with their socket drivers on a worker thread \
         (`--runtime worker`), the application thread and I/O thread of \
         libzmq's and ferrozmq's.\n\n",
    );
    out.push_str(
        "| case | side | ferrozmq | libzmq | OMQ.rs | OMQ.rs, I/O thread | CPU ferrozmq / libzmq | CPU ferrozmq / OMQ.rs | CPU ferrozmq / OMQ.rs, I/O thread |\n",
    );
    out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for (transport, pattern, size) in cases() {
        let get = |who: Impl| results.get(&Setup::same(transport, pattern, size, who));
        let ran = impls((transport, pattern, size));
        let sides: &[&str] = match (transport, pattern.metric()) {
            (Transport::Inproc, _) => &["both"],
            (_, Metric::Throughput) => &["receiver", "sender"],
            (_, Metric::Latency) => &["replier", "requester"],
        };
        for (i, side) in sides.iter().enumerate() {
            let cell = |who: Impl| get(who).and_then(|r| medians(&r.sides[i]));
            let shown = |who: Impl| match cell(who) {
                Some(c) => format!("{:.0} ns · {:.3} · {:.3}", c.cpu_ns, c.switches, c.syscalls),
                None if ran.contains(&who) => "failed".into(),
                None => "-".into(),
            };
            let cpu = |who: Impl| cell(who).map(|c| c.cpu_ns);
            let r = |x: Option<f64>| x.map_or_else(|| "-".into(), |x| format!("{x:.2}"));
            out.push_str(&format!(
                "| {} {} {} | {side} | {} | {} | {} | {} | {} | {} | {} |\n",
                transport.name(),
                pattern.name(),
                size_label(size),
                shown(Impl::Ferrozmq),
                shown(Impl::Libzmq),
                shown(Impl::Omq),
                shown(Impl::OmqWorker),
                r(ratio(cpu(Impl::Ferrozmq), cpu(Impl::Libzmq))),
                r(ratio(cpu(Impl::Ferrozmq), cpu(Impl::Omq))),
                r(ratio(cpu(Impl::Ferrozmq), cpu(Impl::OmqWorker))),
            ));
        }
    }
    out.push_str("\nThroughput (msg/s) or latency (us) in the same runs, medians:");
    for (transport, pattern, size) in cases() {
        let fig = |who: Impl| {
            results
                .get(&Setup::same(transport, pattern, size, who))
                .and_then(|r| median(&r.figures))
                .map_or_else(|| "failed".into(), |v| format!("{v:.0}"))
        };
        let figures: Vec<String> = impls((transport, pattern, size))
            .into_iter()
            .map(|who| format!("{} {}", who.name(), fig(who)))
            .collect();
        out.push_str(&format!(
            "\n{} {} {}: {};",
            transport.name(),
            pattern.name(),
            size_label(size),
            figures.join(", ")
        ));
    }
    let failures: usize = results.values().map(|r| r.failures.len()).sum();
    if failures > 0 {
        out.push_str(&format!("\n\n{failures} runs failed (see the log)."));
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perf_stat_csv_is_read() {
        let text = "# started on Thu Dec  3\n\n2.51,msec,task-clock,2508868,100.00,0.024,CPUs utilized\n\
                    1,,context-switches,2508868,100.00,398.586,/sec\n\
                    109,,raw_syscalls:sys_enter,2508868,100.00,43.446,K/sec\n";
        let c = parse_perf(text).unwrap();
        assert!((c.cpu_ns - 2_510_000.0).abs() < 1.0, "{c:?}");
        assert_eq!((c.switches, c.syscalls), (1.0, 109.0));
        let missing = "<not supported>,,raw_syscalls:sys_enter,0,100.00,,\n";
        assert!(parse_perf(missing).is_err());
    }

    #[test]
    fn every_case_gets_a_row_per_side() {
        let results = BTreeMap::new();
        let text = render(&results, "header");
        // tcp and ipc: 3 cases x 2 sides each; inproc: 1.
        assert_eq!(text.lines().filter(|l| l.starts_with("| tcp")).count(), 6);
        assert_eq!(text.lines().filter(|l| l.starts_with("| ipc")).count(), 6);
        assert_eq!(
            text.lines().filter(|l| l.starts_with("| inproc")).count(),
            1
        );
        assert!(text.contains("| tcp REQ/REP 64 B | requester | failed |"));
    }

    #[test]
    fn omq_with_an_io_thread_is_counted_where_the_comparison_runs_it() {
        let stream = (Transport::Ipc, Pattern::PushPull, 1 << 10);
        let round_trip = (Transport::Ipc, Pattern::ReqRep, 64);
        assert_eq!(impls(stream).last(), Some(&Impl::OmqWorker));
        assert!(!impls(round_trip).contains(&Impl::OmqWorker));

        let (transport, pattern, size) = stream;
        let counted = |cpu_ns, figure| Rounds {
            figures: vec![figure],
            sides: [
                vec![Counters {
                    cpu_ns,
                    switches: 0.5,
                    syscalls: 0.25,
                }],
                vec![Counters {
                    cpu_ns: cpu_ns / 2.0,
                    switches: 0.0,
                    syscalls: 0.0,
                }],
            ],
            failures: Vec::new(),
        };
        let mut results = BTreeMap::new();
        for (who, cpu_ns, figure) in [
            (Impl::Ferrozmq, 200.0, 3e6),
            (Impl::Omq, 250.0, 2e6),
            (Impl::OmqWorker, 400.0, 1e6),
        ] {
            results.insert(
                Setup::same(transport, pattern, size, who),
                counted(cpu_ns, figure),
            );
        }
        let text = render(&results, "header");
        assert!(
            text.contains(
                "| ipc PUSH/PULL 1 KiB | receiver | 200 ns · 0.500 · 0.250 | failed | 250 ns · 0.500 · 0.250 | 400 ns · 0.500 · 0.250 | - | 0.80 | 0.50 |"
            ),
            "{text}"
        );
        // Not run for a round trip: `-`, not `failed`.
        assert!(
            text.contains("| ipc REQ/REP 64 B | replier | failed | failed | failed | - |"),
            "{text}"
        );
        assert!(
            text.contains(
                "ipc PUSH/PULL 1 KiB: ferrozmq 3000000, libzmq failed, OMQ.rs 2000000, OMQ.rs, I/O thread 1000000;"
            ),
            "{text}"
        );
    }
}
