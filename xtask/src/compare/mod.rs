//! `cargo xtask compare`: ferrozmq's perf tools side by side with libzmq's,
//! OMQ.rs's and the raw socket limits, all measured in one run on one
//! machine, and the README's performance table written from the result.
//!
//! It builds, in release with two jobs, ferrozmq's tools (`ferrozmq-benches`)
//! and the references (`ferrozmq-libzmq-perf`, which builds libzmq 4.3.4 from
//! C++ through the `zmq` crate, and `ferrozmq-omq-perf`, OMQ.rs's async
//! sockets on tokio; both outside default-members). Then, for every
//! transport (tcp, ipc, inproc), pattern (PUSH/PULL and PUB/SUB throughput,
//! REQ/REP latency) and size (64 B, 1 KiB, 64 KiB, 1 MiB), it runs ferrozmq's
//! pair, libzmq's pair, OMQ.rs's pair and, over tcp and ipc, the raw socket
//! pair (streaming, or ping-pong for latency), alternating: each round runs
//! every implementation once, in an order rotated from round to round, so a
//! drift in the machine's load falls on all of them. Each figure is the
//! median of the rounds (`--runs N`, default 3). It adds the cross runs (our
//! `local_*` with libzmq's or OMQ.rs's `remote_*` and the reverse, over tcp
//! at 64 B and 1 MiB) and the inproc check that a 256 MiB two-part round
//! trip costs about what a 1-byte one does.
//!
//! Message counts scale with the size so that each run takes well under a
//! second on two cores (`--quick` divides them by four and runs one round).
//! Every run has a deadline: past it, its processes are killed and the table
//! says `failed` instead of the run hanging; a pair that timed out is not run
//! again in later rounds. tcp ports are picked free (a std listener on port 0,
//! released) and ipc paths are unique in the temporary directory; a pair's
//! second process starts once the first is listening (read from
//! `/proc/net/tcp`, or the ipc socket file).
//!
//! It prints the tables with medians, ratios ferrozmq / libzmq,
//! ferrozmq / OMQ.rs and ferrozmq / raw, which of the performance targets are
//! met and how ferrozmq stands against OMQ.rs on the same rows (reported,
//! never asserted); unless `--no-readme` it rewrites the README between
//! [`BEGIN`](report::BEGIN) and [`END`](report::END) with the date, the
//! machine and the command.
//!
//! It is not part of `cargo xtask ci`: a full run takes several minutes.
//!
//! One file per job: this one parses the arguments, builds the tools and
//! drives the rounds; `plan.rs` says what is measured, `tools.rs` runs one
//! pair of tool processes and reads its figure, `report.rs` turns the
//! results into the README section and `machine.rs` describes the machine.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::Result;
use crate::command::Cmd;

mod cpu;
mod machine;
mod plan;
mod report;
#[cfg(test)]
mod tests;
mod tools;

/// What `cargo xtask secbench` shares with this task: the machine's
/// description, the figures' formats and ratios, the README rewrite and
/// the runner of tool processes.
pub(crate) use machine::Machine;
use plan::plan;
pub(crate) use plan::{Metric, Sample, size_label};
/// The median of the figures, for the other measuring tasks.
pub(crate) use report::median;
use report::render;
pub(crate) use report::{
    Report, cell, cell_with, format_figure, ratio, ratio_cell, rewrite_between,
};
use tools::run_once;
pub(crate) use tools::{Listen, Proc, figure, free_port, run_procs, wait_listening};

/// The packages holding the tools.
const PACKAGES: [&str; 3] = [
    "ferrozmq-benches",
    "ferrozmq-libzmq-perf",
    "ferrozmq-omq-perf",
];

/// How long one run may take before its processes are killed.
const DEADLINE: Duration = Duration::from_secs(60);

/// How long one run may take with `--quick`.
const QUICK_DEADLINE: Duration = Duration::from_secs(30);

/// The command-line options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Counts divided by four, one round unless `--runs` says otherwise.
    pub quick: bool,
    /// Rounds per setup.
    pub runs: usize,
    /// Whether to rewrite the README's section.
    pub readme: bool,
    /// Only the CPU-per-message table (`cpu.rs`), under `perf stat`.
    pub cpu: bool,
}

/// Parses the task's arguments.
///
/// # Errors
///
/// An unknown argument, or `--runs` without a whole number of at least 1.
pub fn parse_args(args: &[String]) -> std::result::Result<Options, String> {
    parse_options("compare", args)
}

/// Parses the arguments of measuring task `task`, which takes
/// `[--quick] [--runs N] [--no-readme]` as this one does.
///
/// # Errors
///
/// An unknown argument, or `--runs` without a whole number of at least 1.
pub(crate) fn parse_options(task: &str, args: &[String]) -> std::result::Result<Options, String> {
    // `--cpu` is compare's own.
    let cpu_flag = task == "compare";
    let usage = format!(
        "usage: cargo xtask {task} [--quick] [--runs N] [--no-readme]{}",
        if cpu_flag { " [--cpu]" } else { "" }
    );
    let mut quick = false;
    let mut runs = None;
    let mut readme = true;
    let mut cpu = false;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let value = match arg.as_str() {
            "--quick" => {
                quick = true;
                continue;
            }
            "--no-readme" => {
                readme = false;
                continue;
            }
            "--cpu" if cpu_flag => {
                cpu = true;
                continue;
            }
            "--runs" => iter.next().map(String::as_str),
            other => match other.strip_prefix("--runs=") {
                Some(v) => Some(v),
                None => return Err(format!("{task}: unknown argument `{other}`\n{usage}")),
            },
        };
        match value.and_then(|v| v.parse::<usize>().ok()) {
            Some(n) if n >= 1 => runs = Some(n),
            _ => {
                return Err(format!(
                    "{task}: `--runs` needs a whole number of at least 1\n{usage}"
                ));
            }
        }
    }
    Ok(Options {
        quick,
        runs: runs.unwrap_or(if quick { 1 } else { 3 }),
        readme,
        cpu,
    })
}

/// Runs the comparison from the workspace root `root`.
///
/// # Errors
///
/// When the tools fail to build, or the README cannot be read or written.
/// A failed or timed-out run is not an error: the table says so.
pub fn run(root: &Path, args: &[String]) -> Result {
    let options = parse_args(args)?;
    let command = std::iter::once("cargo xtask compare".to_owned())
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let bins = build(root, &PACKAGES, 2)?;
    let machine = Machine::probe(root);
    let deadline = if options.quick {
        QUICK_DEADLINE
    } else {
        DEADLINE
    };
    let started = Instant::now();
    if options.cpu {
        let header = format!(
            "CPU per message, measured {} on {} with `{command}`, medians of {} rounds{}.",
            machine.date,
            machine.describe(),
            options.runs,
            if options.quick { " (quick)" } else { "" }
        );
        let section = cpu::measure(&bins, options.runs, options.quick, deadline, &header);
        return publish(
            root,
            "compare",
            &section,
            options.readme,
            (cpu::BEGIN, cpu::END),
            "CPU",
        );
    }
    let (results, serial) = alternate(
        plan(),
        options.runs,
        |setup, serial| run_once(&setup, &bins, options.quick, deadline, serial, None),
        |setup, round, outcome| {
            let shown = match outcome {
                Ok(v) => format_figure(setup.pattern.metric(), setup.size, *v),
                Err(e) => format!("FAILED: {e}"),
            };
            println!(
                "{:<24} {:<32} round {}/{}: {shown}",
                setup.case(),
                setup.who(),
                round + 1,
                options.runs
            );
        },
    );
    let lock = fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    let report = Report {
        date: machine.date.clone(),
        machine: machine.describe(),
        libzmq: libzmq_version(&lock).unwrap_or_else(|| "4.3".into()),
        omq: lock_version(&lock, "omq-tokio").unwrap_or_else(|| "?".into()),
        command,
        runs: options.runs,
        quick: options.quick,
    };
    println!(
        "compare: {serial} runs in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    publish(
        root,
        "compare",
        &render(&results, &report),
        options.readme,
        (report::BEGIN, report::END),
        "performance",
    )
}

/// Prints `section` and, with `readme`, puts it in README.md between the
/// `markers` lines, saying so as `{task}: README.md's {what} section
/// rewritten`.
///
/// # Errors
///
/// As [`write_readme_section`].
pub(crate) fn publish(
    root: &Path,
    task: &str,
    section: &str,
    readme: bool,
    (begin, end): (&str, &str),
    what: &str,
) -> Result {
    println!("\n{section}");
    if readme {
        write_readme_section(root, begin, end, section)?;
        println!("{task}: README.md's {what} section rewritten");
    }
    Ok(())
}

/// Replaces README.md's text between the lines `begin` and `end` (under
/// the workspace `root`) with `section`.
///
/// # Errors
///
/// When the README cannot be read or written, or lacks the markers.
pub(crate) fn write_readme_section(root: &Path, begin: &str, end: &str, section: &str) -> Result {
    let path = root.join("README.md");
    let readme = fs::read_to_string(&path)?;
    fs::write(&path, rewrite_between(&readme, begin, end, section)?)?;
    Ok(())
}

/// Runs each group's setups `runs` times, round by round, each round in an
/// order rotated from the last (so a drift in the machine's load falls on
/// all of them); `report` sees every outcome as it comes. A setup that
/// timed out is not run again. Returns every setup's sample and how many
/// runs were made.
pub(crate) fn alternate<S: Copy + Ord>(
    groups: Vec<Vec<S>>,
    runs: usize,
    mut run_once: impl FnMut(S, usize) -> std::result::Result<f64, String>,
    mut report: impl FnMut(S, usize, &std::result::Result<f64, String>),
) -> (BTreeMap<S, Sample>, usize) {
    let mut results: BTreeMap<S, Sample> = BTreeMap::new();
    let mut serial = 0;
    for group in groups.into_iter().filter(|g| !g.is_empty()) {
        let mut timed_out: Vec<S> = Vec::new();
        for round in 0..runs {
            let mut order = group.clone();
            order.rotate_left(round % group.len());
            for setup in order {
                let sample = results.entry(setup).or_default();
                if timed_out.contains(&setup) {
                    sample.failures.push("timed out in an earlier round".into());
                    continue;
                }
                serial += 1;
                let outcome = run_once(setup, serial);
                report(setup, round, &outcome);
                if sample.record(outcome) {
                    timed_out.push(setup);
                }
            }
        }
    }
    (results, serial)
}

/// Builds the binaries of `packages` in release with `jobs` jobs and
/// returns each binary's path by name.
pub(crate) fn build(
    root: &Path,
    packages: &[&str],
    jobs: usize,
) -> Result<BTreeMap<String, PathBuf>> {
    let mut cmd = Cmd::cargo(root).args(["build", "--release", &format!("-j{jobs}"), "--bins"]);
    for package in packages {
        cmd = cmd.args(["-p", package]);
    }
    let messages = cmd
        .arg("--message-format=json-render-diagnostics")
        .output()?;
    let bins = bin_executables(&messages);
    if bins.is_empty() {
        return Err("cargo built the perf tools but reported no executable".into());
    }
    Ok(bins)
}

/// Every binary's executable in `cargo build --message-format=json` output,
/// by target name.
pub fn bin_executables(messages: &str) -> BTreeMap<String, PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact")
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "bin"))
        })
        .filter_map(|m| {
            let name = m["target"]["name"].as_str()?.to_owned();
            let exe = m["executable"].as_str()?;
            Some((name, PathBuf::from(exe)))
        })
        .collect()
}

/// libzmq's version in `Cargo.lock` text: the build metadata of the
/// `zeromq-src` package (`0.2.6+4.3.4` gives `4.3.4`).
pub fn libzmq_version(lock: &str) -> Option<String> {
    Some(
        lock_version(lock, "zeromq-src")?
            .rsplit('+')
            .next()?
            .to_owned(),
    )
}

/// The version of package `name` in `Cargo.lock` text (the first one, if
/// the lock file holds several).
pub fn lock_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_owned());
        }
    }
    None
}
