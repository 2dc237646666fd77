//! The README section of `cargo xtask compare`: medians and ratios, the
//! tables, the targets judged (reported, never asserted) and ferrozmq's
//! standing against OMQ.rs on the same rows, and the rewrite of the README
//! between [`BEGIN`] and [`END`].

use std::fmt::Write as _;

use super::plan::{
    ASYNC_CASES, BIG, BOUNDED_CASES, CROSS_PEERS, CROSS_SIZES, Impl, Metric, Pattern, Results,
    SHARED_CASES, Sample, Setup, Transport, WORKER_CASES, plan,
};

/// The line after which the README's generated section starts.
pub const BEGIN: &str = "<!-- compare:begin -->";

/// The line before which the README's generated section ends.
pub const END: &str = "<!-- compare:end -->";

/// The median of `values`: the middle one, or the mean of the middle two.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some(f64::midpoint(sorted[n / 2 - 1], sorted[n / 2])),
    }
}

/// `ours / reference`, when both are known and the reference is not zero.
pub fn ratio(ours: Option<f64>, reference: Option<f64>) -> Option<f64> {
    match (ours, reference) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    }
}

/// Three significant digits, as `2.10`, `30.2`, `793`.
fn sig3(x: f64) -> String {
    if x >= 100.0 {
        format!("{x:.0}")
    } else if x >= 10.0 {
        format!("{x:.1}")
    } else {
        format!("{x:.2}")
    }
}

/// A figure for a table cell: `2.10 M msg/s`, `30.2 k msg/s (1.98 GB/s)`
/// from 64 KiB up, `42.4 us`.
pub fn format_figure(metric: Metric, size: usize, value: f64) -> String {
    match metric {
        Metric::Latency => format!("{} us", sig3(value)),
        Metric::Throughput => {
            let rate = if value >= 1e6 {
                format!("{} M msg/s", sig3(value / 1e6))
            } else if value >= 1e3 {
                format!("{} k msg/s", sig3(value / 1e3))
            } else {
                format!("{} msg/s", sig3(value))
            };
            if size >= 64 << 10 {
                format!("{rate} ({} GB/s)", sig3(value * size as f64 / 1e9))
            } else {
                rate
            }
        }
    }
}

/// A sample as a table cell: the median, with how many runs failed, or why
/// all of them did.
pub(crate) fn cell(metric: Metric, size: usize, sample: Option<&Sample>) -> String {
    cell_with(sample, |m| format_figure(metric, size, m))
}

/// As [`cell`], with the median written by `figure`.
pub(crate) fn cell_with(sample: Option<&Sample>, figure: impl Fn(f64) -> String) -> String {
    let Some(sample) = sample else {
        return "-".into();
    };
    let failed = sample.failures.len();
    match sample.median() {
        Some(m) if failed == 0 => figure(m),
        Some(m) => format!(
            "{} ({failed} of {} runs failed)",
            figure(m),
            failed + sample.values.len()
        ),
        None => format!(
            "failed: {}",
            sample
                .failures
                .first()
                .map_or("no run", String::as_str)
                .replace('|', "/")
        ),
    }
}

/// A ratio for a table cell, two decimals, or `-`.
pub(crate) fn ratio_cell(r: Option<f64>) -> String {
    r.map_or_else(|| "-".into(), |r| format!("{r:.2}"))
}

/// Whether a target is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Met.
    Met,
    /// Not met.
    Missed,
    /// A figure it needs is missing (a failed run).
    Unknown,
}

impl Verdict {
    fn word(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Missed => "**not met**",
            Verdict::Unknown => "unknown (a run failed)",
        }
    }
}

/// `ratio` judged against `bound`: at least it (`at_least`) or at most it.
pub fn judge(ratio: Option<f64>, bound: f64, at_least: bool) -> Verdict {
    match ratio {
        None => Verdict::Unknown,
        Some(r) if (at_least && r >= bound) || (!at_least && r <= bound) => Verdict::Met,
        Some(_) => Verdict::Missed,
    }
}

/// One of the performance targets, judged.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// What it asks, for the list.
    pub what: String,
    /// The figure judged (a ratio).
    pub ratio: Option<f64>,
    /// The verdict.
    pub verdict: Verdict,
}

/// The target a main-table row carries, if any: (what, ratio, bound,
/// at least), where the ratio is ferrozmq over libzmq or, for 1 MiB, with
/// the sender's body shared over raw (`vs_raw_shared`).
fn row_target(
    setup: &Setup,
    vs_libzmq: Option<f64>,
    vs_raw_shared: Option<f64>,
) -> Option<(&'static str, Option<f64>, f64, bool)> {
    let socket = setup.transport != Transport::Inproc;
    match (setup.pattern, setup.size) {
        (Pattern::PushPull | Pattern::PubSub, 64) if socket => {
            Some(("msg/s ≥ libzmq", vs_libzmq, 1.0, true))
        }
        (Pattern::PushPull | Pattern::PubSub, s) if socket && s == 1 << 20 => {
            Some(("body shared ≥ 0.9× raw socket", vs_raw_shared, 0.9, true))
        }
        (Pattern::ReqRep, 64) => Some(("latency ≤ libzmq", vs_libzmq, 1.0, false)),
        _ => None,
    }
}

/// The comparison with OMQ.rs a main-table row carries, if any: the bound
/// of its target against libzmq, applied to ferrozmq / OMQ.rs (what, bound,
/// at least). Reported beside the targets, not counted among them: OMQ.rs
/// is a second reference, not a goal of its own.
fn row_vs_omq(setup: &Setup) -> Option<(&'static str, f64, bool)> {
    let socket = setup.transport != Transport::Inproc;
    match (setup.pattern, setup.size) {
        (Pattern::PushPull | Pattern::PubSub, 64) if socket => Some(("msg/s ≥ OMQ.rs", 1.0, true)),
        (Pattern::ReqRep, 64) => Some(("latency ≤ OMQ.rs", 1.0, false)),
        _ => None,
    }
}

/// What the section says about the run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// `date -u +%F`.
    pub date: String,
    /// CPU, cores, kernel, load.
    pub machine: String,
    /// libzmq's version (from `Cargo.lock`, or pyzmq's for secbench).
    pub libzmq: String,
    /// OMQ.rs's version (the `omq-tokio` crate's), from `Cargo.lock`.
    pub omq: String,
    /// The exact command.
    pub command: String,
    /// Rounds per setup.
    pub runs: usize,
    /// Whether counts were divided by four.
    pub quick: bool,
}

impl Report {
    /// `medians of 3 runs`, and what `--quick` changed.
    pub fn medians(&self) -> String {
        format!(
            "medians of {} run{}{}",
            self.runs,
            if self.runs == 1 { "" } else { "s" },
            if self.quick {
                " with a quarter of the messages (`--quick`)"
            } else {
                ""
            },
        )
    }
}

/// The README section (without the markers) for `results`.
pub fn render(results: &Results, report: &Report) -> String {
    let mut out = String::new();
    let get = |s: Setup| results.get(&s);
    let med = |s: Setup| results.get(&s).and_then(Sample::median);
    let _ = writeln!(
        out,
        "Measured with `{}` on {}: {}. ferrozmq's perf tools against libzmq {}'s \
         (the `zmq` crate's source build, the loops of libzmq's `perf/*.cpp`), \
         OMQ.rs's (`omq-tokio` {}, the same loops on its async sockets, run as its \
         own benchmarks run it: one `current_thread` tokio runtime per process or, \
         for inproc, per thread; default options, batched receives) and the raw \
         socket limits (std `TcpStream`/`UnixStream` with a 4-byte length prefix, \
         64 KiB batches), all in one run, alternating; {}. \
         Ratios are ferrozmq ÷ reference: above 1 is better for throughput, below 1 \
         is better for latency (one way, libzmq's figure). PUB/SUB is read against \
         the same stream limit as PUSH/PULL; its runs have no HWM, as libzmq's must, \
         and its OMQ.rs ratios marked bounded are read on ferrozmq bounded as \
         OMQ.rs's tool is (see below).",
        report.command,
        report.date,
        report.machine,
        report.libzmq,
        report.omq,
        report.medians(),
    );
    out.push('\n');
    out.push_str(
        "| case | ferrozmq | libzmq | ferrozmq/libzmq | OMQ.rs | ferrozmq/OMQ.rs | raw socket | ferrozmq/raw | target |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    let mut targets = Vec::new();
    let mut vs_omq_rows = Vec::new();
    for group in plan() {
        let ours = group[0];
        if ours.local != Impl::Ferrozmq || ours.remote != Impl::Ferrozmq || ours.parts.is_some() {
            continue;
        }
        let metric = ours.pattern.metric();
        let theirs = Setup {
            local: Impl::Libzmq,
            remote: Impl::Libzmq,
            ..ours
        };
        let raw = (ours.transport != Transport::Inproc).then_some(Setup {
            pattern: if ours.pattern == Pattern::PubSub {
                Pattern::PushPull
            } else {
                ours.pattern
            },
            local: Impl::Raw,
            remote: Impl::Raw,
            ..ours
        });
        let omq = Setup {
            local: Impl::Omq,
            remote: Impl::Omq,
            ..ours
        };
        let vs_libzmq = ratio(med(ours), med(theirs));
        let (against_omq, omq_mark) = against_omq(results, ours);
        let vs_omq = ratio(med(against_omq), med(omq));
        if let Some((what, bound, at_least)) = row_vs_omq(&ours) {
            vs_omq_rows.push(Target {
                what: format!("{}: {what}", ours.case()),
                ratio: vs_omq,
                verdict: judge(vs_omq, bound, at_least),
            });
        }
        let vs_raw = raw.and_then(|raw| ratio(med(ours), med(raw)));
        let vs_raw_shared = raw.and_then(|raw| {
            let shared = Setup {
                local: Impl::SharedBody,
                remote: Impl::SharedBody,
                ..ours
            };
            ratio(med(shared), med(raw))
        });
        let target =
            row_target(&ours, vs_libzmq, vs_raw_shared).map(|(what, r, bound, at_least)| {
                let verdict = judge(r, bound, at_least);
                targets.push(Target {
                    what: format!("{}: {what}", ours.case()),
                    ratio: r,
                    verdict,
                });
                format!("{what}: {}", verdict.word())
            });
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {}{} | {} | {} | {} |",
            ours.case(),
            cell(metric, ours.size, get(ours)),
            cell(metric, ours.size, get(theirs)),
            ratio_cell(vs_libzmq),
            cell(metric, ours.size, get(omq)),
            ratio_cell(vs_omq),
            omq_mark,
            raw.map_or_else(|| "-".into(), |raw| cell(metric, ours.size, get(raw))),
            ratio_cell(vs_raw),
            target.unwrap_or_default(),
        );
    }

    out.push_str(
        "\nCross runs over tcp: each implementation's `local_*` (the binding side: \
         PULL receiver, REP echoer) with the other's `remote_*` (PUSH sender, REQ \
         measurer):\n\n| case | ferrozmq both |",
    );
    for peer in CROSS_PEERS {
        let _ = write!(out, " {} both |", peer.name());
    }
    for peer in CROSS_PEERS {
        let _ = write!(
            out,
            " ferrozmq local + {0} remote | {0} local + ferrozmq remote |",
            peer.name()
        );
    }
    out.push_str("\n| --- | --- |");
    out.push_str(&" --- | --- | --- |".repeat(CROSS_PEERS.len()));
    out.push('\n');
    for pattern in [Pattern::PushPull, Pattern::ReqRep] {
        for size in CROSS_SIZES {
            let at = |local, remote| Setup {
                local,
                remote,
                ..Setup::same(Transport::Tcp, pattern, size, local)
            };
            let metric = pattern.metric();
            let mut cells = vec![cell(metric, size, get(at(Impl::Ferrozmq, Impl::Ferrozmq)))];
            cells.extend(CROSS_PEERS.map(|peer| cell(metric, size, get(at(peer, peer)))));
            for peer in CROSS_PEERS {
                cells.push(cell(metric, size, get(at(Impl::Ferrozmq, peer))));
                cells.push(cell(metric, size, get(at(peer, Impl::Ferrozmq))));
            }
            let _ = writeln!(
                out,
                "| {} | {} |",
                at(Impl::Ferrozmq, Impl::Ferrozmq).case(),
                cells.join(" | ")
            );
        }
    }

    out.push_str(
        "\nThe async API (`AsyncSocket`, the same loops in one task on a tokio \
         `current_thread` runtime: `async_*` tools) beside the blocking one and \
         OMQ.rs, in the same groups (target: async within 10 % of blocking):\n\n\
         | case | blocking | async | async/blocking | OMQ.rs | async/OMQ.rs |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for (transport, pattern, size) in ASYNC_CASES {
        let at = |who| Setup::same(transport, pattern, size, who);
        let (blocking, asynchronous, omq) = (at(Impl::Ferrozmq), at(Impl::Async), at(Impl::Omq));
        side_row(
            &mut out,
            results,
            &[
                Col::Cell(blocking, ""),
                Col::Cell(asynchronous, ""),
                Col::Ratio(asynchronous, blocking),
                Col::Cell(omq, ""),
                Col::Ratio(asynchronous, omq),
            ],
        );
    }

    out.push_str(
        "\nThe 1 MiB streams with the sender's body shared (`remote_thr --body \
         shared`: one `Msg` cloned per send, a reference-count increment) beside \
         a body built per message (libzmq's contract, the main table), both \
         received into the default allocator, which reuses its blocks; the 1 MiB \
         targets are read on the shared body (target: ≥ 0.9× raw socket):\n\n\
         | case | fresh body | shared body | raw socket | fresh/raw | shared/raw |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for (transport, pattern, size) in SHARED_CASES {
        let at = |who| Setup::same(transport, pattern, size, who);
        let raw = Setup::same(transport, Pattern::PushPull, size, Impl::Raw);
        let (fresh, shared) = (at(Impl::Ferrozmq), at(Impl::SharedBody));
        side_row(
            &mut out,
            results,
            &[
                Col::Cell(fresh, ""),
                Col::Cell(shared, ""),
                Col::Cell(raw, ""),
                Col::Ratio(fresh, raw),
                Col::Ratio(shared, raw),
            ],
        );
    }

    out.push_str(
        "\nPUB/SUB with both queues bounded as OMQ.rs's tool bounds them (`*_thr … \
         pubsub --hwm default`: libzmq's default HWMs, the PUB waiting for a full \
         subscriber with `ZMQ_XPUB_NODROP`, OMQ.rs's `xpub_nodrop`) beside the \
         main table's runs without HWMs, the one way libzmq's tool can keep its PUB \
         from dropping (the `zmq` crate has no `ZMQ_XPUB_NODROP` setter; OMQ.rs \
         cannot run unbounded). Each reference is read against ferrozmq under its \
         own contract: these rows' OMQ.rs ratios and bounds in the main table are \
         the bounded ones (marked):\n\n\
         | case | no HWM | bounded | libzmq, no HWM | OMQ.rs, bounded | no HWM/libzmq | bounded/OMQ.rs |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for (transport, pattern, size) in BOUNDED_CASES {
        let at = |who| Setup::same(transport, pattern, size, who);
        let (unbounded, bounded) = (at(Impl::Ferrozmq), at(Impl::Bounded));
        let (libzmq, omq) = (at(Impl::Libzmq), at(Impl::Omq));
        side_row(
            &mut out,
            results,
            &[
                Col::Cell(unbounded, ""),
                Col::Cell(bounded, ""),
                Col::Cell(libzmq, ""),
                Col::Cell(omq, ""),
                Col::Ratio(unbounded, libzmq),
                Col::Ratio(bounded, omq),
            ],
        );
    }

    out.push_str(
        "\nOMQ.rs with its socket drivers on a worker thread (`omq_*_thr … --runtime \
         worker`: a tokio runtime with one worker, the tool's loop on the main \
         thread) beside its own benchmark's shape, the main table's (the drivers on \
         the loop's thread: one thread per process, no message crosses between \
         threads). ferrozmq's and libzmq's tools have an application thread and an \
         I/O thread per process, and these runs give OMQ.rs the same two; the \
         targets stay read on the main table's. PUB/SUB rows read ferrozmq \
         bounded, as OMQ.rs is:\n\n\
         | case | ferrozmq | OMQ.rs, one thread | OMQ.rs, I/O thread | ferrozmq/one thread | ferrozmq/I/O thread |\n\
         | --- | --- | --- | --- | --- | --- |\n",
    );
    for (transport, pattern, size) in WORKER_CASES {
        let at = |who| Setup::same(transport, pattern, size, who);
        let (ours, mark) = against_omq(results, at(Impl::Ferrozmq));
        let (one, worker) = (at(Impl::Omq), at(Impl::OmqWorker));
        side_row(
            &mut out,
            results,
            &[
                Col::Cell(ours, mark),
                Col::Cell(one, ""),
                Col::Cell(worker, ""),
                Col::Ratio(ours, one),
                Col::Ratio(ours, worker),
            ],
        );
    }

    out.push_str(
        "\ninproc REQ/REP round trip of a 256 MiB message in two parts of 128 MiB \
         against a 1-byte one, both in the tools' multi-part mode (`inproc_lat SIZE \
         COUNT PARTS`: the whole message moved at once, one untimed round trip \
         first); inproc moves pointers, so the size should not matter (target: \
         within 2×):\n\n\
         | message | ferrozmq | libzmq | OMQ.rs |\n\
         | --- | --- | --- | --- |\n",
    );
    let inproc = |size, parts, who| Setup {
        parts: Some(parts),
        ..Setup::same(Transport::Inproc, Pattern::ReqRep, size, who)
    };
    for (label, size, parts) in [("1 B, one part", 1, 1), ("256 MiB, two parts", BIG, 2)] {
        let cells = [Impl::Ferrozmq, Impl::Libzmq, Impl::Omq]
            .map(|who| cell(Metric::Latency, size, get(inproc(size, parts, who))));
        let _ = writeln!(out, "| {label} | {} |", cells.join(" | "));
    }
    let big_ratio = |who| ratio(med(inproc(BIG, 2, who)), med(inproc(1, 1, who)));
    let ours_big = big_ratio(Impl::Ferrozmq);
    let verdict = judge(ours_big, 2.0, false);
    let _ = writeln!(
        out,
        "| ratio 256 MiB ÷ 1 B | {} ({}) | {} | {} |",
        ratio_cell(ours_big),
        verdict.word(),
        ratio_cell(big_ratio(Impl::Libzmq)),
        ratio_cell(big_ratio(Impl::Omq)),
    );
    targets.push(Target {
        what: "inproc 256 MiB two-part round trip ≤ 2× a 1-byte one".into(),
        ratio: ours_big,
        verdict,
    });

    let met = targets.iter().filter(|t| t.verdict == Verdict::Met).count();
    let _ = writeln!(
        out,
        "\nTargets (reported, never asserted): {met} of {} met.",
        targets.len()
    );
    list_unmet(&mut out, &targets);
    let met = vs_omq_rows
        .iter()
        .filter(|t| t.verdict == Verdict::Met)
        .count();
    let _ = writeln!(
        out,
        "\nAgainst OMQ.rs, the same bounds as the targets against libzmq (reported, \
         not counted as targets): {met} of {} met.",
        vs_omq_rows.len()
    );
    list_unmet(&mut out, &vs_omq_rows);
    out
}

/// A column of a side table's row (see [`side_row`]).
enum Col {
    /// A setup's median, with a mark after it.
    Cell(Setup, &'static str),
    /// The first setup's median over the second's.
    Ratio(Setup, Setup),
}

/// A row of a side table: the case (the first cell's), then `cols`.
fn side_row(out: &mut String, results: &Results, cols: &[Col]) {
    let med = |s: &Setup| results.get(s).and_then(Sample::median);
    let case = cols.iter().find_map(|c| match c {
        Col::Cell(s, _) => Some(s.case()),
        Col::Ratio(..) => None,
    });
    let mut cells = vec![case.unwrap_or_default()];
    cells.extend(cols.iter().map(|c| match c {
        Col::Cell(s, mark) => format!("{}{mark}", cell(s.pattern.metric(), s.size, results.get(s))),
        Col::Ratio(a, b) => ratio_cell(ratio(med(a), med(b))),
    }));
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

/// ferrozmq's run that OMQ.rs is read against in `ours`'s case, with the
/// mark for its ratio: the bounded one where it ran (OMQ.rs's tool bounds
/// its PUB/SUB, see [`BOUNDED_CASES`]), else `ours`.
fn against_omq(results: &Results, ours: Setup) -> (Setup, &'static str) {
    let bounded = Setup {
        local: Impl::Bounded,
        remote: Impl::Bounded,
        ..ours
    };
    match results.get(&bounded).and_then(Sample::median) {
        Some(_) => (bounded, " (bounded)"),
        None => (ours, ""),
    }
}

/// One line per target in `targets` not met: what, verdict, ratio.
fn list_unmet(out: &mut String, targets: &[Target]) {
    for t in targets.iter().filter(|t| t.verdict != Verdict::Met) {
        let _ = writeln!(
            out,
            "- {} — {} (ratio {})",
            t.what,
            t.verdict.word(),
            ratio_cell(t.ratio)
        );
    }
}

/// `readme` with the text between the lines `begin` and `end` replaced by
/// `body`.
///
/// # Errors
///
/// When the markers are missing, repeated or out of order.
pub(crate) fn rewrite_between(
    readme: &str,
    begin_marker: &str,
    end_marker: &str,
    body: &str,
) -> std::result::Result<String, String> {
    let find_once = |marker: &str| match readme.match_indices(marker).collect::<Vec<_>>()[..] {
        [(i, _)] => Ok(i),
        [] => Err(format!(
            "README.md has no `{marker}` line: put `{begin_marker}` and `{end_marker}` where the section goes"
        )),
        _ => Err(format!("README.md has `{marker}` more than once")),
    };
    let begin = find_once(begin_marker)?;
    let end = find_once(end_marker)?;
    if end < begin {
        return Err(format!(
            "README.md has `{end_marker}` before `{begin_marker}`"
        ));
    }
    let head = &readme[..begin + begin_marker.len()];
    let tail = &readme[end..];
    Ok(format!("{head}\n{}\n{tail}", body.trim()))
}
