//! `soak`: minutes of traffic over every pattern (PUSH/PULL, PUB/SUB,
//! REQ/REP) and transport (tcp, ipc, inproc) with faults injected, checked
//! end to end. `cargo xtask soak [--secs N]` builds it in release and runs
//! it.
//!
//! ```text
//! soak [--secs N] [--rate MSGS_PER_SEC]      the driver (defaults: 180 s, 1000/s a lane)
//! soak peer PATTERN ENDPOINT LANE GENERATION RATE   one peer (started by the driver)
//! ```
//!
//! Nine lanes, one per pattern and transport. In each the driver holds the
//! bound, checking side (PULL, SUB, and REQ sending requests) and a peer
//! holds the other (PUSH, PUB, REP echoing). Over tcp and ipc the peer is a
//! child process (this binary, `soak peer`), over inproc a thread. Messages
//! carry lane, generation, sequence number and checksum
//! ([`ferrozmq_benches::soak`], which holds the checks and their unit
//! tests). Every second a fault hits the next lane in turn, alternating
//! between: the peer killed (SIGKILL for a process; for a thread its socket
//! dropped mid-stream) and restarted as the next generation, and the
//! driver's socket dropped with its connections and bound again (a reset
//! of every connection of the lane). Faults stop 5 s before the end.
//!
//! Every lane is paced at `--rate` messages (or requests) a second.
//! Checked: every message whole and exact; nothing duplicated or reordered;
//! nothing lost where the pattern promises delivery (PUSH/PULL messages,
//! REQ/REP replies) unless a fault explains it; PUB/SUB gaps only across
//! faults; the driver's RSS never above 1 GiB (a rise of 128 MiB within a
//! second is reported with what each lane did meanwhile); its RSS and open
//! descriptors at the end no more than after the warm-up (a fifth of the
//! run) plus slack. Prints a summary; exits with status 1 on any violation.
//!
//! Why a binary in the benches package: it is long-running load, built in
//! release like the perf tools beside it, and needs to re-execute itself
//! as peer processes it can SIGKILL; the `fzmq` command is a user tool and
//! should not carry a test driver.

use std::process::{Child, Command, ExitCode, Stdio};

use ferrozmq_benches::sync::{Arc, AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ferrozmq::{Context, Multipart, RecvError, SendError, Socket, SocketOption, SocketType};
use ferrozmq_benches::soak::{Checker, Header, Promise, Violation, decode, encode};

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
/// The highest RSS accepted at any time: the HWMs below bound what the
/// queues can hold (3 PUB/SUB lanes x 10 000 messages of ~24 KiB on
/// average) well under it.
const RSS_PEAK_KIB: u64 = 1024 * 1024;
/// PUB/SUB's HWMs: high enough that a healthy reader never makes the PUB
/// drop, low enough to bound memory.
const PUBSUB_HWM: usize = 10_000;
/// How long a REQ waits for a reply from a live peer.
const REPLY_TIMEOUT: Duration = Duration::from_secs(5);
/// Fault kinds in a lane's mailbox.
const KILL: u8 = 1;
const RESET: u8 = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    PushPull,
    PubSub,
    ReqRep,
}

impl Pattern {
    const ALL: [Pattern; 3] = [Pattern::PushPull, Pattern::PubSub, Pattern::ReqRep];

    fn name(self) -> &'static str {
        match self {
            Pattern::PushPull => "push-pull",
            Pattern::PubSub => "pub-sub",
            Pattern::ReqRep => "req-rep",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == s)
    }

    /// The driver's socket type and the peer's.
    fn types(self) -> (SocketType, SocketType) {
        match self {
            Pattern::PushPull => (SocketType::Pull, SocketType::Push),
            Pattern::PubSub => (SocketType::Sub, SocketType::Pub),
            Pattern::ReqRep => (SocketType::Req, SocketType::Rep),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    Tcp,
    Ipc,
    Inproc,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("peer") => peer_main(&args[1..]),
        _ => driver_main(&args),
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: soak [--secs N] [--rate MSGS_PER_SEC]\n       soak peer PATTERN ENDPOINT LANE GENERATION RATE"
    );
    ExitCode::from(2)
}

// ---------------------------------------------------------------------------
// Peers.

/// A peer process: sends (or echoes) until its stdin closes (the driver
/// went) or it is killed.
fn peer_main(args: &[String]) -> ExitCode {
    let [pattern, endpoint, lane, generation, rate] = args else {
        return usage();
    };
    let (Some(pattern), Ok(lane), Ok(generation), Ok(rate)) = (
        Pattern::parse(pattern),
        lane.parse::<u8>(),
        generation.parse::<u32>(),
        rate.parse::<u32>(),
    ) else {
        return usage();
    };
    std::thread::spawn(|| {
        // EOF or an error: the driver is gone; so are we.
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    let ctx = Context::new().expect("context");
    let stop = AtomicBool::new(false);
    run_peer(&ctx, pattern, endpoint, lane, generation, rate, &stop);
    ExitCode::SUCCESS
}

/// The peer's side of `pattern`, connected to `endpoint`, until `stop`.
fn run_peer(
    ctx: &Context,
    pattern: Pattern,
    endpoint: &str,
    lane: u8,
    generation: u32,
    rate: u32,
    stop: &AtomicBool,
) {
    let s = ctx.socket(pattern.types().1).expect("socket");
    let tick = Some(Duration::from_millis(100));
    s.set_option(SocketOption::Linger(Some(Duration::ZERO)))
        .expect("linger");
    s.set_option(SocketOption::SndTimeo(tick))
        .expect("sndtimeo");
    s.set_option(SocketOption::RcvTimeo(tick))
        .expect("rcvtimeo");
    s.set_option(SocketOption::ReconnectIvl(Some(Duration::from_millis(20))))
        .expect("reconnect");
    if pattern == Pattern::PubSub {
        s.set_option(SocketOption::SndHwm(PUBSUB_HWM)).expect("hwm");
    }
    s.connect(endpoint).expect("connect");
    let start = Instant::now();
    let mut seq = 0u64;
    while !stop.load(Ordering::Relaxed) {
        match pattern {
            Pattern::PushPull | Pattern::PubSub => {
                let h = Header {
                    lane,
                    generation,
                    seq,
                };
                match s.send_multipart(encode(h)) {
                    Ok(()) => seq += 1,
                    // No peer with room: the same message again.
                    Err(SendError::Timeout(_)) => continue,
                    Err(e) => panic!("peer send: {e}"),
                }
                // Pace: at most `rate` messages a second.
                let due = start + Duration::from_secs_f64(seq as f64 / f64::from(rate.max(1)));
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
            }
            Pattern::ReqRep => match s.recv_multipart() {
                Ok(m) => {
                    let reply = match decode(&m) {
                        Ok(_) => m,
                        Err(v) => Multipart::from([format!("BAD {v}").into_bytes()]),
                    };
                    // A reply that cannot go (the driver reset) is dropped
                    // by REP; nothing to do.
                    let _ = s.send_multipart(reply);
                }
                Err(RecvError::Timeout) => {}
                Err(e) => panic!("peer recv: {e}"),
            },
        }
    }
}

/// A lane's peer: a process, or a thread for inproc.
enum Peer {
    Process(Child),
    Thread(Arc<AtomicBool>, JoinHandle<()>),
}

impl Peer {
    fn kill(self) {
        match self {
            Peer::Process(mut child) => {
                // SIGKILL; an error only means it already exited.
                let _ = child.kill();
                let _ = child.wait();
            }
            Peer::Thread(stop, handle) => {
                stop.store(true, Ordering::Relaxed);
                let _ = handle.join();
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The driver.

/// One pattern over one transport (see the module docs).
struct Lane {
    id: u8,
    pattern: Pattern,
    transport: Transport,
    ctx: Context,
    rate: u32,
    /// Where the driver binds (fixed after the first bind).
    endpoint: String,
    socket: Option<Socket>,
    peer: Option<Peer>,
    generation: u32,
    checker: Checker,
    kills: u64,
    resets: u64,
    /// REQ: the next request's number.
    request: u64,
    /// REQ: requests are paced from then on at `rate` a second.
    started: Instant,
}

impl Lane {
    fn new(id: u8, pattern: Pattern, transport: Transport, ctx: Context, rate: u32) -> Self {
        let endpoint = match transport {
            Transport::Tcp => "tcp://127.0.0.1:0".to_owned(),
            Transport::Ipc => {
                let dir =
                    std::env::temp_dir().join(format!("ferrozmq-soak-{}", std::process::id()));
                std::fs::create_dir_all(&dir).expect("temp dir");
                format!("ipc://{}", dir.join(format!("lane-{id}.sock")).display())
            }
            Transport::Inproc => format!("inproc://soak-lane-{id}"),
        };
        let promise = match pattern {
            Pattern::PubSub => Promise::FromFirstSeen,
            _ => Promise::Contiguous,
        };
        let mut lane = Self {
            id,
            pattern,
            transport,
            ctx,
            rate,
            endpoint,
            socket: None,
            peer: None,
            generation: 0,
            checker: Checker::new(id, promise),
            kills: 0,
            resets: 0,
            request: 0,
            started: Instant::now(),
        };
        lane.bind();
        lane.start_peer();
        lane
    }

    fn name(&self) -> String {
        format!("{} over {:?}", self.pattern.name(), self.transport).to_lowercase()
    }

    /// (Re)creates and binds the driver's socket; a rebind retries while
    /// the old listener is being closed.
    fn bind(&mut self) {
        let s = self.ctx.socket(self.pattern.types().0).expect("socket");
        let tick = Some(Duration::from_millis(100));
        s.set_option(SocketOption::Linger(Some(Duration::ZERO)))
            .expect("linger");
        s.set_option(SocketOption::RcvTimeo(tick))
            .expect("rcvtimeo");
        s.set_option(SocketOption::SndTimeo(Some(Duration::from_millis(500))))
            .expect("sndtimeo");
        match self.pattern {
            Pattern::PubSub => {
                s.set_option(SocketOption::RcvHwm(PUBSUB_HWM)).expect("hwm");
                s.subscribe(b"").expect("subscribe");
            }
            Pattern::ReqRep => {
                s.set_option(SocketOption::ReqRelaxed(true))
                    .expect("relaxed");
                s.set_option(SocketOption::ReqCorrelate(true))
                    .expect("correlate");
                s.set_option(SocketOption::RcvTimeo(Some(REPLY_TIMEOUT)))
                    .expect("rcvtimeo");
            }
            Pattern::PushPull => {}
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match s.bind(&self.endpoint) {
                Ok(()) => break,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(10));
                }
                Err(e) => panic!("{}: bind {}: {e}", self.name(), self.endpoint),
            }
        }
        self.endpoint = s.last_endpoint().expect("bound").to_string();
        self.socket = Some(s);
    }

    fn start_peer(&mut self) {
        self.checker.start(self.generation);
        let (pattern, endpoint, lane, generation, rate) = (
            self.pattern,
            self.endpoint.clone(),
            self.id,
            self.generation,
            self.rate,
        );
        self.peer = Some(match self.transport {
            Transport::Inproc => {
                let stop = Arc::new(AtomicBool::new(false));
                let ctx = self.ctx.clone();
                let flag = Arc::clone(&stop);
                let handle = std::thread::spawn(move || {
                    run_peer(&ctx, pattern, &endpoint, lane, generation, rate, &flag);
                });
                Peer::Thread(stop, handle)
            }
            _ => Peer::Process(
                Command::new(std::env::current_exe().expect("current exe"))
                    .args([
                        "peer",
                        pattern.name(),
                        &endpoint,
                        &lane.to_string(),
                        &generation.to_string(),
                        &rate.to_string(),
                    ])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .stderr(Stdio::inherit())
                    .spawn()
                    .expect("spawn a peer"),
            ),
        });
    }

    fn fault(&mut self, kind: u8) {
        self.checker.fault(Instant::now());
        // inproc does not reconnect: a reset there restarts the peer too.
        if kind == RESET {
            self.resets += 1;
            drop(self.socket.take());
            self.bind();
            if self.transport != Transport::Inproc {
                return;
            }
        } else {
            self.kills += 1;
        }
        if let Some(peer) = self.peer.take() {
            peer.kill();
        }
        self.generation += 1;
        self.start_peer();
    }

    /// One step of traffic: a receive, or a request and its reply.
    fn step(&mut self) {
        let s = self.socket.as_ref().expect("bound");
        match self.pattern {
            Pattern::PushPull | Pattern::PubSub => match s.recv_multipart() {
                Ok(m) => self.checker.receive(&m, Instant::now()),
                Err(RecvError::Timeout) => {}
                Err(e) => panic!("{}: recv: {e}", self.name()),
            },
            Pattern::ReqRep => {
                let request = encode(Header {
                    lane: self.id,
                    generation: self.resets as u32,
                    seq: self.request,
                });
                let mark = self.checker.mark();
                match s.send_multipart(request.clone()) {
                    Ok(()) => self.request += 1,
                    // No peer connected yet: nothing was sent.
                    Err(SendError::Timeout(_)) => return,
                    Err(e) => panic!("{}: send: {e}", self.name()),
                }
                let reply = match s.recv_multipart() {
                    Ok(m) => Some(m),
                    // Timeout, or the connection went (State): no reply.
                    Err(RecvError::Timeout | RecvError::State) => None,
                    Err(e) => panic!("{}: recv: {e}", self.name()),
                };
                self.checker
                    .reply(&request, reply.as_ref(), mark, Instant::now());
                let due = self.started
                    + Duration::from_secs_f64(self.request as f64 / f64::from(self.rate.max(1)));
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
            }
        }
    }

    fn finish(mut self) -> LaneReport {
        if let Some(peer) = self.peer.take() {
            peer.kill();
        }
        drop(self.socket.take());
        LaneReport {
            name: self.name(),
            received: self.checker.received,
            lost_across_faults: self.checker.lost_across_faults,
            kills: self.kills,
            resets: self.resets,
            violations: self.checker.violations,
        }
    }
}

struct LaneReport {
    name: String,
    received: u64,
    lost_across_faults: u64,
    kills: u64,
    resets: u64,
    violations: Vec<Violation>,
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
                    checked.store(lane.checker.received, Ordering::Relaxed);
                }
                lane.finish()
            }));
            id += 1;
        }
    }
    println!(
        "soak: {} lanes (push-pull, pub-sub, req-rep over tcp, ipc, inproc), {secs} s, \
         {rate} msg/s a sending lane",
        threads.len()
    );
    let start = Instant::now();
    let warm_at = run / WARM_UP_FRACTION;
    let faults_until = run.saturating_sub(Duration::from_secs(5));
    let mut next_fault = Duration::from_secs(2);
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
            next_fault += Duration::from_secs(1);
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
        "{:<24} {:>10} {:>8} {:>6} {:>6} {:>10}",
        "lane", "checked", "lost@f", "kills", "resets", "violations"
    );
    for r in &reports {
        println!(
            "{:<24} {:>10} {:>8} {:>6} {:>6} {:>10}",
            r.name,
            r.received,
            r.lost_across_faults,
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
