//! What `cargo xtask compare` measures: the implementations, transports,
//! patterns and sizes ([`Setup`]), how many messages a run sends, and the
//! [`plan`] that groups setups to alternate round by round. Running and
//! reporting are elsewhere.

use std::collections::BTreeMap;

use super::report::median;

/// The message sizes of the main table.
const SIZES: [usize; 4] = [64, 1 << 10, 64 << 10, 1 << 20];

/// The sizes of the cross runs.
pub(super) const CROSS_SIZES: [usize; 2] = [64, 1 << 20];

/// The implementations whose tools run against ferrozmq's in the cross
/// runs.
pub(super) const CROSS_PEERS: [Impl; 2] = [Impl::Libzmq, Impl::Omq];

/// Where the async tools run beside the blocking ones and OMQ.rs's (in the
/// same groups, so they alternate with them): small-message throughput and
/// latency over the two stream transports.
pub(super) const ASYNC_CASES: [(Transport, Pattern, usize); 6] = [
    (Transport::Tcp, Pattern::PushPull, 64),
    (Transport::Tcp, Pattern::PushPull, 1 << 10),
    (Transport::Tcp, Pattern::ReqRep, 64),
    (Transport::Ipc, Pattern::PushPull, 64),
    (Transport::Ipc, Pattern::PushPull, 1 << 10),
    (Transport::Ipc, Pattern::ReqRep, 64),
];

/// Where ferrozmq's sender also runs with one body shared by every message
/// (`remote_thr --body shared`), in the same groups: the 1 MiB streams,
/// whose target is read against the raw socket with the body shared and
/// a receive allocator that reuses its blocks (the default), the fresh
/// body reported beside it.
pub(super) const SHARED_CASES: [(Transport, Pattern, usize); 4] = [
    (Transport::Tcp, Pattern::PushPull, 1 << 20),
    (Transport::Tcp, Pattern::PubSub, 1 << 20),
    (Transport::Ipc, Pattern::PushPull, 1 << 20),
    (Transport::Ipc, Pattern::PubSub, 1 << 20),
];

/// Where ferrozmq's PUB/SUB pair also runs bounded as OMQ.rs's is
/// (`*_thr … pubsub --hwm default`: libzmq's default HWMs, the PUB waiting
/// for a full subscriber with `ZMQ_XPUB_NODROP`), in the same groups: the
/// sizes of the OMQ.rs targets. The main table's PUB/SUB runs have no
/// HWM, the one way libzmq's tool can keep its PUB from dropping (the
/// `zmq` crate has no `ZMQ_XPUB_NODROP` setter), and OMQ.rs cannot run
/// unbounded (an HWM of 0 is a queue of one); so each reference is read
/// against ferrozmq under its own contract.
pub(super) const BOUNDED_CASES: [(Transport, Pattern, usize); 4] = [
    (Transport::Tcp, Pattern::PubSub, 64),
    (Transport::Tcp, Pattern::PubSub, 1 << 10),
    (Transport::Ipc, Pattern::PubSub, 64),
    (Transport::Ipc, Pattern::PubSub, 1 << 10),
];

/// Where OMQ.rs's pair also runs with its socket drivers on a worker
/// thread (`omq_*_thr --runtime worker`), in the same groups: the streams
/// of the OMQ.rs targets. OMQ.rs's own benchmark (the main table) runs
/// each process's drivers on the thread of its loop, so no message crosses
/// between threads; ferrozmq's and libzmq's tools have an application
/// thread and an I/O thread per process, and these runs give OMQ.rs the
/// same two, so that the hand-off between them is priced on both sides.
pub(super) const WORKER_CASES: [(Transport, Pattern, usize); 8] = [
    (Transport::Tcp, Pattern::PushPull, 64),
    (Transport::Tcp, Pattern::PushPull, 1 << 10),
    (Transport::Tcp, Pattern::PubSub, 64),
    (Transport::Tcp, Pattern::PubSub, 1 << 10),
    (Transport::Ipc, Pattern::PushPull, 64),
    (Transport::Ipc, Pattern::PushPull, 1 << 10),
    (Transport::Ipc, Pattern::PubSub, 64),
    (Transport::Ipc, Pattern::PubSub, 1 << 10),
];

/// A case of the plan: transport, pattern, message size.
type Case = (Transport, Pattern, usize);

/// The runs beside ferrozmq's, libzmq's and OMQ.rs's in some cases only,
/// in the order they join a case's group.
const EXTRA_RUNS: [(Impl, &[Case]); 4] = [
    (Impl::Async, &ASYNC_CASES),
    (Impl::SharedBody, &SHARED_CASES),
    (Impl::Bounded, &BOUNDED_CASES),
    (Impl::OmqWorker, &WORKER_CASES),
];

/// The large inproc message: 256 MiB in two parts.
pub(super) const BIG: usize = 256 << 20;

/// An implementation of the perf tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impl {
    /// ferrozmq's tools (`ferrozmq-benches`).
    Ferrozmq,
    /// libzmq's (`ferrozmq-libzmq-perf`, `libzmq_*`).
    Libzmq,
    /// OMQ.rs's (`ferrozmq-omq-perf`, `omq_*`).
    Omq,
    /// ferrozmq's async API (`ferrozmq-benches`, `async_*`: `AsyncSocket`
    /// on a tokio current-thread runtime), in the [`ASYNC_CASES`] only.
    Async,
    /// The raw socket limits (`ferrozmq-libzmq-perf`, `raw_*`).
    Raw,
    /// ferrozmq's tools with the sender's body shared (`remote_thr --body
    /// shared`), in the [`SHARED_CASES`] only.
    SharedBody,
    /// ferrozmq's PUB/SUB tools bounded as OMQ.rs's (`--hwm default`), in
    /// the [`BOUNDED_CASES`] only.
    Bounded,
    /// OMQ.rs's tools with their socket drivers on a worker thread
    /// (`--runtime worker`), in the [`WORKER_CASES`] only.
    OmqWorker,
}

impl Impl {
    /// The prefix of its tools' binary names.
    pub(super) fn prefix(self) -> &'static str {
        match self {
            Impl::Ferrozmq => "",
            Impl::Libzmq => "libzmq_",
            Impl::Omq | Impl::OmqWorker => "omq_",
            Impl::Async => "async_",
            Impl::Raw => "raw_",
            Impl::SharedBody | Impl::Bounded => "",
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Impl::Ferrozmq => "ferrozmq",
            Impl::Libzmq => "libzmq",
            Impl::Omq => "OMQ.rs",
            Impl::Async => "ferrozmq async",
            Impl::Raw => "raw",
            Impl::SharedBody => "ferrozmq, shared body",
            Impl::Bounded => "ferrozmq, bounded",
            Impl::OmqWorker => "OMQ.rs, I/O thread",
        }
    }
}

/// A transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Transport {
    /// Loopback TCP.
    Tcp,
    /// Unix-domain sockets.
    Ipc,
    /// In one process.
    Inproc,
}

impl Transport {
    pub(super) fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Ipc => "ipc",
            Transport::Inproc => "inproc",
        }
    }
}

/// A messaging pattern, and so what is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pattern {
    /// PUSH/PULL throughput (`*_thr`).
    PushPull,
    /// PUB/SUB throughput (`*_thr … pubsub`).
    PubSub,
    /// REQ/REP latency (`*_lat`).
    ReqRep,
}

impl Pattern {
    pub(super) fn name(self) -> &'static str {
        match self {
            Pattern::PushPull => "PUSH/PULL",
            Pattern::PubSub => "PUB/SUB",
            Pattern::ReqRep => "REQ/REP",
        }
    }

    /// What the tools print for this pattern.
    pub fn metric(self) -> Metric {
        match self {
            Pattern::PushPull | Pattern::PubSub => Metric::Throughput,
            Pattern::ReqRep => Metric::Latency,
        }
    }
}

/// A figure the tools print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// `mean throughput: N [msg/s]`, higher is better.
    Throughput,
    /// `average latency: X [us]` (one way), lower is better.
    Latency,
}

/// One measured configuration: which tools, where, how big.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Setup {
    /// The transport.
    pub transport: Transport,
    /// The pattern.
    pub pattern: Pattern,
    /// Bytes per message (all parts together).
    pub size: usize,
    /// `None`: libzmq's loop, one part. `Some(n)`: the inproc tools'
    /// multi-part mode, `n` parts, one untimed round trip first (the large
    /// inproc check).
    pub parts: Option<usize>,
    /// Whose `local_*` (the binding side: receiver or echoer) runs; for
    /// inproc, whose single tool.
    pub local: Impl,
    /// Whose `remote_*` (the connecting side: sender or measurer) runs.
    pub remote: Impl,
}

impl Setup {
    /// Both sides from `who`, one part.
    pub(super) fn same(transport: Transport, pattern: Pattern, size: usize, who: Impl) -> Setup {
        Setup {
            transport,
            pattern,
            size,
            parts: None,
            local: who,
            remote: who,
        }
    }

    /// `tcp PUSH/PULL 64 B`.
    pub(super) fn case(&self) -> String {
        format!(
            "{} {} {}",
            self.transport.name(),
            self.pattern.name(),
            size_label(self.size)
        )
    }

    /// Who runs it, for progress lines.
    pub(super) fn who(&self) -> String {
        if self.local == self.remote {
            self.local.name().to_owned()
        } else {
            format!(
                "{} local + {} remote",
                self.local.name(),
                self.remote.name()
            )
        }
    }

    /// Messages (throughput) or round trips (latency) per run: about half a
    /// second or less of work each on two cores, a quarter with `quick`.
    /// inproc moves pointers, so its large messages get the small ones'
    /// counts; the 256 MiB check gets fewer, so that a copy (a tenth of a
    /// second each) would show as a figure, not a timeout.
    pub(super) fn count(&self, quick: bool) -> u64 {
        let inproc = self.transport == Transport::Inproc;
        let full: u64 = match (self.pattern.metric(), self.size) {
            (Metric::Latency, s) if s >= BIG => 200,
            (Metric::Latency, _) if inproc => 10_000,
            (Metric::Latency, s) if s <= 1 << 10 => 10_000,
            (Metric::Latency, s) if s <= 64 << 10 => 2_000,
            (Metric::Latency, _) => 200,
            (Metric::Throughput, s) if s <= 64 => 1_000_000,
            (Metric::Throughput, s) if s <= 1 << 10 => 200_000 * if inproc { 2 } else { 1 },
            (Metric::Throughput, s) if s <= 64 << 10 => 10_000 * if inproc { 5 } else { 1 },
            (Metric::Throughput, _) => 1_000 * if inproc { 10 } else { 1 },
        };
        if quick { (full / 4).max(10) } else { full }
    }
}

/// The figures of one setup over the rounds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    /// Each successful run's figure.
    pub values: Vec<f64>,
    /// Why each failed run failed.
    pub failures: Vec<String>,
}

impl Sample {
    /// The median of the successful runs.
    pub fn median(&self) -> Option<f64> {
        median(&self.values)
    }

    /// Adds one run's figure or failure; true when it timed out, so the
    /// setup is not run again in later rounds.
    pub fn record(&mut self, outcome: std::result::Result<f64, String>) -> bool {
        match outcome {
            Ok(v) => {
                self.values.push(v);
                false
            }
            Err(e) => {
                let timed_out = e.starts_with("timed out");
                self.failures.push(e);
                timed_out
            }
        }
    }
}

/// Every setup's sample.
pub type Results = BTreeMap<Setup, Sample>;

/// The setups, in groups whose members alternate round by round.
pub fn plan() -> Vec<Vec<Setup>> {
    let mut groups = Vec::new();
    for transport in [Transport::Tcp, Transport::Ipc, Transport::Inproc] {
        for pattern in [Pattern::PushPull, Pattern::PubSub, Pattern::ReqRep] {
            // The inproc tools have no PUB/SUB mode (libzmq's neither).
            if transport == Transport::Inproc && pattern == Pattern::PubSub {
                continue;
            }
            for size in SIZES {
                let mut group = vec![
                    Setup::same(transport, pattern, size, Impl::Ferrozmq),
                    Setup::same(transport, pattern, size, Impl::Libzmq),
                    Setup::same(transport, pattern, size, Impl::Omq),
                ];
                // PUB/SUB is read against the same stream limit as PUSH/PULL.
                if transport != Transport::Inproc && pattern != Pattern::PubSub {
                    group.push(Setup::same(transport, pattern, size, Impl::Raw));
                }
                let case = (transport, pattern, size);
                group.extend(
                    EXTRA_RUNS
                        .iter()
                        .filter(|(_, cases)| cases.contains(&case))
                        .map(|&(who, _)| Setup::same(transport, pattern, size, who)),
                );
                groups.push(group);
            }
        }
    }
    for pattern in [Pattern::PushPull, Pattern::ReqRep] {
        for size in CROSS_SIZES {
            let mixed = |local, remote| Setup {
                local,
                remote,
                ..Setup::same(Transport::Tcp, pattern, size, local)
            };
            groups.push(
                CROSS_PEERS
                    .into_iter()
                    .flat_map(|peer| [mixed(Impl::Ferrozmq, peer), mixed(peer, Impl::Ferrozmq)])
                    .collect(),
            );
        }
    }
    for (size, parts) in [(1, 1), (BIG, 2)] {
        groups.push(
            [Impl::Ferrozmq, Impl::Libzmq, Impl::Omq]
                .map(|who| Setup {
                    parts: Some(parts),
                    ..Setup::same(Transport::Inproc, Pattern::ReqRep, size, who)
                })
                .to_vec(),
        );
    }
    groups
}

/// `64 B`, `1 KiB`, `64 KiB`, `1 MiB`, `256 MiB`.
pub(crate) fn size_label(size: usize) -> String {
    if size >= 1 << 20 && size.is_multiple_of(1 << 20) {
        format!("{} MiB", size >> 20)
    } else if size >= 1 << 10 && size.is_multiple_of(1 << 10) {
        format!("{} KiB", size >> 10)
    } else {
        format!("{size} B")
    }
}
