//! What the `scale` benchmark measures: the cost per message of one busy
//! peer among many idle ones, which the per-peer activation of the socket
//! engine should keep flat however many peers there are. The `scale`
//! binary runs the cases and prints the table; this module runs one case
//! and does the arithmetic, and does not print.
//!
//! Three cases, each over inproc and tcp (127.0.0.1, port 0):
//!
//! - [`Case::PushPull`]: a PULL socket bound, N PUSH peers connected, one
//!   of which sends a stream of 64-byte messages: nanoseconds per message
//!   received, timed on the PULL.
//! - [`Case::RouterDealer`]: a ROUTER bound (ROUTER_MANDATORY, so a full
//!   pipe blocks the send instead of dropping), N DEALER peers with
//!   routing ids, all messages sent to one of them: nanoseconds per
//!   message sent, timed on the ROUTER.
//! - [`Case::PubSub`]: a PUB bound (XPUB_NODROP, same reason), N SUB peers
//!   each subscribed to a topic of its own, one of them to the topic of
//!   every message sent: nanoseconds per message sent, timed on the PUB.
//!
//! The peers join in batches of [`BATCH`] (so a listener's backlog never
//! overflows) and each batch is known to be in before the next starts:
//! PUSH and DEALER peers send a hello that the bound socket receives, SUB
//! peers are sent their own topic until each has it (which proves the
//! subscription arrived). The busy peer sits in the middle of the join
//! order. Over tcp the peers live in a context of their own, as a remote
//! process's would (the bound socket's I/O thread holds N sessions, the
//! peers' another N), and each connection takes two descriptors of this
//! process: a case that needs more than the limit is skipped.
//!
//! Each case runs a warm-up, then [`Plan::runs`] timed windows of
//! [`Plan::messages`] messages on one set-up, with the other end of the
//! stream on its own thread; every message is checked for its size and
//! counted, so a window that lost or dropped messages is an error, not a
//! figure. Message bodies are clones of one 64-byte [`Msg`] (a reference
//! count, no allocation), so what is timed is the socket's own work.

use std::collections::HashSet;
use std::error::Error;
use std::thread;
use std::time::{Duration, Instant};

use ferrozmq::{Context, Msg, RoutingId, Socket, SocketOption, SocketType};

use crate::sync::{Arc, AtomicBool, Ordering};

mod report;

pub use report::{Outcome, Row, median, render, thousands};

/// Bytes per message of the stream.
pub const MESSAGE_SIZE: usize = 64;

/// Peers connected between two checks that they are all in.
pub const BATCH: usize = 250;

/// Descriptors a tcp case needs beyond two per peer (the I/O threads' epoll
/// and wakers, the listener, stdio, the runtime's own).
pub const FD_MARGIN: u64 = 256;

/// How long a blocking call of the benchmark may wait before the case
/// fails (a lost message must not hang the run).
const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// How long the peers of one batch may take to be in.
const JOIN_TIMEOUT: Duration = Duration::from_secs(60);

/// The topic every message of the PUB/SUB stream starts with.
const TOPIC: &[u8] = b"topic";

/// Any error of a case, with what failed.
pub type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// One measured pattern (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// PULL receiving from one of N PUSH peers.
    PushPull,
    /// ROUTER sending to one of N DEALER peers.
    RouterDealer,
    /// PUB sending to one of N SUB peers (each subscribed to its own topic).
    PubSub,
}

impl Case {
    /// Every case, in the table's order.
    pub const ALL: [Case; 3] = [Case::PushPull, Case::RouterDealer, Case::PubSub];

    /// What the table calls it.
    pub fn name(self) -> &'static str {
        match self {
            Case::PushPull => "PULL <- N PUSH, 1 busy",
            Case::RouterDealer => "ROUTER -> N DEALER, 1 routed to",
            Case::PubSub => "PUB -> N SUB, 1 subscribed",
        }
    }

    /// Its name on the command line.
    pub fn flag(self) -> &'static str {
        match self {
            Case::PushPull => "push-pull",
            Case::RouterDealer => "router-dealer",
            Case::PubSub => "pub-sub",
        }
    }

    /// Which side is timed, per message.
    pub fn timed(self) -> &'static str {
        match self {
            Case::PushPull => "received",
            Case::RouterDealer | Case::PubSub => "sent",
        }
    }
}

/// How the peers reach the bound socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `inproc://`, in one context.
    Inproc,
    /// `tcp://127.0.0.1:0`, the peers in a context of their own.
    Tcp,
}

impl Transport {
    /// Both, in the table's order.
    pub const ALL: [Transport; 2] = [Transport::Inproc, Transport::Tcp];

    /// Its URL scheme.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Inproc => "inproc",
            Transport::Tcp => "tcp",
        }
    }

    /// Descriptors a case with `peers` peers needs.
    pub fn fds_needed(self, peers: usize) -> u64 {
        match self {
            Transport::Inproc => FD_MARGIN,
            Transport::Tcp => 2 * peers as u64 + FD_MARGIN,
        }
    }

    fn bind_endpoint(self, case: Case) -> String {
        match self {
            Transport::Inproc => format!("inproc://scale-{case:?}"),
            Transport::Tcp => "tcp://127.0.0.1:0".to_owned(),
        }
    }
}

/// How much to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// Messages per timed window.
    pub messages: u64,
    /// Untimed messages first (the idle peers' first looks, caches).
    pub warmup: u64,
    /// Timed windows per set-up; the table shows their median.
    pub runs: usize,
}

impl Plan {
    /// Every message the busy peer's stream carries.
    pub fn total(&self) -> u64 {
        self.warmup + self.runs as u64 * self.messages
    }
}

/// One timed window: nanoseconds per message.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Window {
    /// Wall-clock time.
    pub wall: f64,
    /// CPU time of every thread of the process (the socket's, the stream's
    /// other end, the I/O threads), when Linux tells it: what other
    /// processes on the machine cannot inflate.
    pub cpu: Option<f64>,
}

/// CPU time of every thread of this process so far, in nanoseconds, from
/// Linux's per-thread `schedstat` (its first field); `None` where that
/// cannot be read. A thread that ends takes its time with it, so the
/// stream's threads live until the timing is over.
pub fn process_cpu_ns() -> Option<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir("/proc/self/task").ok()? {
        let Ok(text) = std::fs::read_to_string(entry.ok()?.path().join("schedstat")) else {
            continue; // a thread that has just ended
        };
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// Runs `case` over `transport` with `peers` peers: one [`Window`] per
/// timed window.
///
/// # Errors
///
/// A socket call failed or timed out, a message was lost or of the wrong
/// size, or the peers did not all join in time.
pub fn measure(case: Case, transport: Transport, peers: usize, plan: &Plan) -> Result<Vec<Window>> {
    assert!(peers > 0, "a case needs at least one peer");
    let ctx = Context::new()?;
    let peer_ctx = match transport {
        Transport::Inproc => ctx.clone(),
        Transport::Tcp => Context::new()?,
    };
    let setup = Setup {
        ctx: &ctx,
        peer_ctx: &peer_ctx,
        endpoint: transport.bind_endpoint(case),
        peers,
        plan,
    };
    match case {
        Case::PushPull => push_pull(&setup),
        Case::RouterDealer => router_dealer(&setup),
        Case::PubSub => pub_sub(&setup),
    }
}

/// What every case starts from.
struct Setup<'a> {
    ctx: &'a Context,
    peer_ctx: &'a Context,
    endpoint: String,
    peers: usize,
    plan: &'a Plan,
}

impl Setup<'_> {
    /// The busy peer's place in the join order: the middle.
    fn busy(&self) -> usize {
        self.peers / 2
    }

    /// Binds a socket of `socket_type` in the bound side's context;
    /// returns it and the endpoint to connect to.
    fn bind(&self, socket_type: SocketType, options: &[SocketOption]) -> Result<(Socket, String)> {
        let s = socket(self.ctx, socket_type, options)?;
        s.bind(&self.endpoint)?;
        let endpoint = s
            .last_endpoint()
            .ok_or("bound, but no endpoint")?
            .to_string();
        Ok((s, endpoint))
    }

    /// Joins the peers in batches: `make(i)` makes and connects peer `i`,
    /// `check(batch)` returns once every peer of `batch` is in.
    fn join(
        &self,
        mut make: impl FnMut(usize) -> Result<Socket>,
        mut check: impl FnMut(std::ops::Range<usize>, &[Socket]) -> Result<()>,
    ) -> Result<Vec<Socket>> {
        let mut all = Vec::with_capacity(self.peers);
        for start in (0..self.peers).step_by(BATCH) {
            let batch = start..(start + BATCH).min(self.peers);
            for i in batch.clone() {
                all.push(make(i)?);
            }
            check(batch, &all)?;
        }
        Ok(all)
    }
}

/// A socket with LINGER 0 (tearing 10 000 peers down must not wait),
/// IO_TIMEOUT as RCVTIMEO and SNDTIMEO, and `options`.
fn socket(ctx: &Context, socket_type: SocketType, options: &[SocketOption]) -> Result<Socket> {
    let s = ctx.socket(socket_type)?;
    s.set_option(SocketOption::Linger(Some(Duration::ZERO)))?;
    s.set_option(SocketOption::RcvTimeo(Some(IO_TIMEOUT)))?;
    s.set_option(SocketOption::SndTimeo(Some(IO_TIMEOUT)))?;
    for option in options {
        s.set_option(option.clone())?;
    }
    Ok(s)
}

/// The stream's message: `TOPIC` then filler, [`MESSAGE_SIZE`] bytes.
fn body() -> Msg {
    let mut bytes = vec![b'.'; MESSAGE_SIZE];
    bytes[..TOPIC.len()].copy_from_slice(TOPIC);
    Msg::from(bytes)
}

/// Times `plan.runs` windows of `plan.messages` calls of `each`, after
/// `plan.warmup` untimed ones.
fn timed(plan: &Plan, mut each: impl FnMut() -> Result<()>) -> Result<Vec<Window>> {
    for _ in 0..plan.warmup {
        each()?;
    }
    let per_msg = |ns: f64| ns / plan.messages as f64;
    let mut windows = Vec::with_capacity(plan.runs);
    for _ in 0..plan.runs {
        let cpu = process_cpu_ns();
        let start = Instant::now();
        for _ in 0..plan.messages {
            each()?;
        }
        let wall = start.elapsed().as_nanos() as f64;
        let cpu = cpu
            .zip(process_cpu_ns())
            .map(|(before, after)| after.saturating_sub(before) as f64);
        windows.push(Window {
            wall: per_msg(wall),
            cpu: cpu.map(per_msg),
        });
    }
    Ok(windows)
}

/// The other end of the stream, on a thread of its own that lives until
/// the timing is over (see [`process_cpu_ns`]).
struct Stream {
    handle: thread::JoinHandle<Result<Socket>>,
    done: Arc<AtomicBool>,
}

impl Stream {
    /// Runs `work` on the stream's thread.
    fn spawn(work: impl FnOnce() -> Result<Socket> + Send + 'static) -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        let handle = thread::spawn(move || {
            let result = work();
            while !flag.load(Ordering::Acquire) {
                thread::park();
            }
            result
        });
        Self { handle, done }
    }

    /// Lets the thread end and hands its socket back, so that it is
    /// dropped (LINGER 0) only once the stream is over.
    fn finish(self) -> Result<Socket> {
        self.done.store(true, Ordering::Release);
        self.handle.thread().unpark();
        self.handle
            .join()
            .map_err(|_| "the stream's thread panicked")?
    }
}

/// Receives `count` stream messages on `s`, skipping any other (a SUB's
/// late join messages); returns the socket so it outlives the stream.
fn drain(s: Socket, count: u64) -> Result<Socket> {
    let mut got = 0;
    while got < count {
        let msg = s.recv()?;
        if msg.len() == MESSAGE_SIZE {
            got += 1;
        }
    }
    Ok(s)
}

fn push_pull(setup: &Setup<'_>) -> Result<Vec<Window>> {
    let (pull, endpoint) = setup.bind(SocketType::Pull, &[])?;
    let mut peers = setup.join(
        |_| {
            let push = socket(setup.peer_ctx, SocketType::Push, &[])?;
            push.connect(&endpoint)?;
            push.send(Msg::from_static(b"hello"))?;
            Ok(push)
        },
        |batch, _| {
            for _ in batch {
                if pull.recv()? != b"hello" {
                    return Err("a PUSH peer's first message was not its hello".into());
                }
            }
            Ok(())
        },
    )?;
    let busy = peers.swap_remove(setup.busy());
    let (body, total) = (body(), setup.plan.total());
    let sender = Stream::spawn(move || {
        for _ in 0..total {
            busy.send(body.clone())?;
        }
        Ok(busy)
    });
    let figures = timed(setup.plan, || {
        let len = pull.recv()?.len();
        if len != MESSAGE_SIZE {
            return Err(format!("received {len} bytes, sent {MESSAGE_SIZE}").into());
        }
        Ok(())
    });
    let busy = sender.finish();
    let figures = figures?;
    drop((busy?, peers));
    Ok(figures)
}

fn dealer_id(i: usize) -> String {
    format!("peer-{i:05}")
}

fn router_dealer(setup: &Setup<'_>) -> Result<Vec<Window>> {
    let (router, endpoint) =
        setup.bind(SocketType::Router, &[SocketOption::RouterMandatory(true)])?;
    let mut ids = HashSet::new();
    let mut peers = setup.join(
        |i| {
            let id = RoutingId::new(dealer_id(i))?;
            let dealer = socket(
                setup.peer_ctx,
                SocketType::Dealer,
                &[SocketOption::RoutingId(Some(id))],
            )?;
            dealer.connect(&endpoint)?;
            dealer.send(Msg::from_static(b"hello"))?;
            Ok(dealer)
        },
        |batch, _| {
            for i in batch {
                let msg = router.recv_multipart()?;
                if msg.len() != 2 || msg[1] != b"hello" || !ids.insert(msg[0].to_vec()) {
                    return Err(format!("peer {i}: not one hello from a new routing id").into());
                }
            }
            Ok(())
        },
    )?;
    let target = Msg::copy_from_slice(dealer_id(setup.busy()).as_bytes());
    let busy = peers.swap_remove(setup.busy());
    let total = setup.plan.total();
    let receiver = Stream::spawn(move || drain(busy, total));
    let body = body();
    let figures = timed(setup.plan, || {
        router.send_multipart([target.clone(), body.clone()])?;
        Ok(())
    });
    let busy = receiver.finish();
    let figures = figures?;
    drop((busy?, peers));
    Ok(figures)
}

fn sub_topic(i: usize, busy: usize) -> Vec<u8> {
    if i == busy {
        TOPIC.to_vec()
    } else {
        format!("other-{i:05}").into_bytes()
    }
}

fn pub_sub(setup: &Setup<'_>) -> Result<Vec<Window>> {
    let (publisher, endpoint) = setup.bind(SocketType::Pub, &[SocketOption::XpubNodrop(true)])?;
    let busy_index = setup.busy();
    let mut peers = setup.join(
        |i| {
            let sub = socket(setup.peer_ctx, SocketType::Sub, &[])?;
            sub.connect(&endpoint)?;
            sub.subscribe(&sub_topic(i, busy_index))?;
            Ok(sub)
        },
        |batch, all| {
            // A subscription takes a moment to reach the PUB: send each
            // peer its topic until it has it.
            let deadline = Instant::now() + JOIN_TIMEOUT;
            let mut waiting: Vec<usize> = batch.collect();
            while !waiting.is_empty() {
                if Instant::now() > deadline {
                    return Err(format!("{} SUB peers never got their topic", waiting.len()).into());
                }
                for &i in &waiting {
                    publisher.send(Msg::from(sub_topic(i, busy_index)))?;
                }
                thread::sleep(Duration::from_millis(2));
                waiting.retain(|&i| all[i].try_recv().is_err());
            }
            Ok(())
        },
    )?;
    let busy = peers.swap_remove(busy_index);
    let total = setup.plan.total();
    let receiver = Stream::spawn(move || drain(busy, total));
    let body = body();
    let figures = timed(setup.plan, || {
        publisher.send(body.clone())?;
        Ok(())
    });
    let busy = receiver.finish();
    let figures = figures?;
    drop((busy?, peers));
    Ok(figures)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcp_needs_two_descriptors_a_peer() {
        assert_eq!(Transport::Tcp.fds_needed(1000), 2000 + FD_MARGIN);
        assert_eq!(Transport::Inproc.fds_needed(1000), FD_MARGIN);
    }

    /// Every case runs to the end with a handful of peers and messages and
    /// gives one positive figure per window (never compared: no timings in
    /// tests).
    #[test]
    fn every_case_runs_small() {
        let plan = Plan {
            messages: 200,
            warmup: 50,
            runs: 2,
        };
        for case in Case::ALL {
            for transport in Transport::ALL {
                let windows = measure(case, transport, 3, &plan)
                    .unwrap_or_else(|e| panic!("{case:?} over {transport:?}: {e}"));
                assert_eq!(windows.len(), 2, "{case:?} over {transport:?}");
                assert!(windows.iter().all(|w| w.wall > 0.0));
            }
        }
    }
}
