//! One lane of the soak: a pattern over a transport, the driver's bound
//! socket (and, for XPUB/XSUB, its forwarder), its peer, and its checks;
//! driven one step at a time by its thread, with faults from its mailbox.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ferrozmq::{
    Context, Msg, Multipart, RecvError, RoutingId, SendError, Socket, SocketOption, SocketType,
};
use ferrozmq_benches::soak::{Checker, Header, Pipeline, Promise, Violation, encode};
use ferrozmq_benches::sync::{Arc, AtomicBool};

use crate::peer::{Pattern, Peer, run_peer};
use crate::{PUBSUB_HWM, REPLY_TIMEOUT, RESET};

/// A DEALER lane keeps at most this many requests in flight.
const WINDOW: usize = 16;
/// A forwarder moves at most this many messages a step before the
/// subscriber behind it is read, so nothing piles up in between.
const FORWARD_BURST: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    Tcp,
    Ipc,
    Inproc,
}

/// The driver's side of an XPUB/XSUB lane, beside the lane's bound socket
/// (the forwarder's XSUB, where the publisher connects): the forwarder's
/// XPUB, bound over inproc, and the XSUB subscriber connected to it, whose
/// messages are checked. As libzmq's `zmq_proxy` does, messages go down
/// and subscriptions up; the topics are remembered so that a new upstream
/// socket (after a reset) is subscribed again.
struct Forwarder {
    xpub: Socket,
    subscriber: Socket,
    topics: Vec<Vec<u8>>,
}

impl Forwarder {
    fn new(ctx: &Context, id: u8) -> Self {
        let endpoint = format!("inproc://soak-forwarder-{id}");
        let xpub = ctx.socket(SocketType::XPub).expect("socket");
        xpub.set_option(SocketOption::SndHwm(PUBSUB_HWM))
            .expect("hwm");
        xpub.bind(&endpoint).expect("bind the forwarder");
        let subscriber = ctx.socket(SocketType::XSub).expect("socket");
        subscriber
            .set_option(SocketOption::RcvHwm(PUBSUB_HWM))
            .expect("hwm");
        subscriber.connect(&endpoint).expect("connect");
        // XSUB subscribes by sending 0x01 + topic: everything.
        subscriber
            .send(Msg::from_static(b"\x01"))
            .expect("subscribe");
        Self {
            xpub,
            subscriber,
            topics: Vec::new(),
        }
    }

    /// Remembers a subscription (`0x01` + topic) or its cancellation
    /// (`0x00` + topic) as the forwarder's XPUB hands it over.
    fn note(&mut self, notice: &Multipart) {
        let Some((&kind, topic)) = notice.first().and_then(|f| f.split_first()) else {
            return;
        };
        match kind {
            1 if !self.topics.iter().any(|t| t == topic) => self.topics.push(topic.to_vec()),
            0 => self.topics.retain(|t| t != topic),
            _ => {}
        }
    }
}

/// One pattern over one transport (see the module docs).
pub(crate) struct Lane {
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
    pub(crate) checker: Checker,
    kills: u64,
    resets: u64,
    /// REQ and DEALER: the next request's number (REQ: over the lane's
    /// life; DEALER: in the current generation).
    request: u64,
    /// REQ and DEALER: requests are paced from then on at `rate` a second.
    started: Instant,
    /// DEALER: the requests in flight.
    pipeline: Option<Pipeline>,
    /// XPUB/XSUB: the forwarder and subscriber.
    forwarder: Option<Forwarder>,
}

impl Lane {
    pub(crate) fn new(
        id: u8,
        pattern: Pattern,
        transport: Transport,
        ctx: Context,
        rate: u32,
    ) -> Self {
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
            Pattern::PubSub | Pattern::XpubXsub => Promise::FromFirstSeen,
            _ => Promise::Contiguous,
        };
        let forwarder = (pattern == Pattern::XpubXsub).then(|| Forwarder::new(&ctx, id));
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
            pipeline: None,
            forwarder,
        };
        lane.bind();
        lane.start_peer();
        lane
    }

    pub(crate) fn name(&self) -> String {
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
            Pattern::DealerRouter => {
                // A named DEALER: each new incarnation, and each reconnect
                // of the ROUTER, announces the id the one before held.
                let id = RoutingId::new(format!("soak dealer {}", self.id)).expect("routing id");
                s.set_option(SocketOption::RoutingId(Some(id)))
                    .expect("routing id");
                let wait = Some(Duration::from_millis(5));
                s.set_option(SocketOption::RcvTimeo(wait))
                    .expect("rcvtimeo");
                s.set_option(SocketOption::SndTimeo(wait))
                    .expect("sndtimeo");
                self.request = 0;
                self.started = Instant::now();
                let generation = self.resets as u32;
                match &mut self.pipeline {
                    Some(p) => p.restart(generation, &mut self.checker, Instant::now()),
                    None => self.pipeline = Some(Pipeline::new(generation, &mut self.checker)),
                }
            }
            Pattern::XpubXsub => {
                s.set_option(SocketOption::RcvHwm(PUBSUB_HWM)).expect("hwm");
                s.set_option(SocketOption::RcvTimeo(Some(Duration::from_millis(20))))
                    .expect("rcvtimeo");
                // A new upstream socket: subscribe it to what the
                // subscribers downstream want.
                if let Some(f) = &self.forwarder {
                    for topic in &f.topics {
                        let msg = Msg::from([&[1u8][..], topic].concat());
                        s.send(msg).expect("subscribe upstream");
                    }
                }
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
        if self.pattern.peer_sends() {
            self.checker.start(self.generation);
        }
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

    pub(crate) fn fault(&mut self, kind: u8) {
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
            // The ROUTER is killed: what it owes will never come.
            if let Some(p) = &mut self.pipeline {
                p.give_up(&mut self.checker, Instant::now());
            }
        }
        if let Some(peer) = self.peer.take() {
            peer.kill();
        }
        self.generation += 1;
        self.start_peer();
    }

    /// One step of traffic: a receive, a request and its reply, requests
    /// and replies in flight, or a turn of the forwarder.
    pub(crate) fn step(&mut self) {
        match self.pattern {
            Pattern::PushPull | Pattern::PubSub => {
                let s = self.socket.as_ref().expect("bound");
                match s.recv_multipart() {
                    Ok(m) => self.checker.receive(&m, Instant::now()),
                    Err(RecvError::Timeout) => {}
                    Err(e) => panic!("{}: recv: {e}", self.name()),
                }
            }
            Pattern::ReqRep => self.step_req(),
            Pattern::DealerRouter => self.step_dealer(),
            Pattern::XpubXsub => self.step_forwarder(),
        }
    }

    fn step_req(&mut self) {
        let s = self.socket.as_ref().expect("bound");
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
        let due = due(self.started, self.request, self.rate);
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            std::thread::sleep(wait);
        }
    }

    /// Sends the requests due (up to [`WINDOW`] in flight), takes the
    /// replies that came, and gives up on those owed too long.
    fn step_dealer(&mut self) {
        let name = self.name();
        let s = self.socket.as_ref().expect("bound");
        let p = self.pipeline.as_mut().expect("a pipeline");
        while p.owed() < WINDOW && Instant::now() >= due(self.started, self.request, self.rate) {
            let mark = self.checker.mark();
            match s.send_multipart(p.request(self.id)) {
                Ok(()) => {
                    p.sent(Instant::now(), mark);
                    self.request += 1;
                }
                // No peer connected: nothing was sent.
                Err(SendError::Timeout(_)) => break,
                Err(e) => panic!("{name}: send: {e}"),
            }
        }
        // Waits up to the receive timeout for the first reply.
        let mut next = s.recv_multipart();
        loop {
            match next {
                Ok(m) => p.reply(&mut self.checker, &m, Instant::now()),
                Err(RecvError::Timeout | RecvError::WouldBlock) => break,
                Err(e) => panic!("{name}: recv: {e}"),
            }
            next = s.try_recv_multipart();
        }
        p.expire(&mut self.checker, Instant::now(), REPLY_TIMEOUT);
    }

    /// Subscriptions up, messages down (at most [`FORWARD_BURST`]), then
    /// what reached the subscriber checked.
    fn step_forwarder(&mut self) {
        let name = self.name();
        let upstream = self.socket.as_ref().expect("bound");
        let f = self.forwarder.as_mut().expect("a forwarder");
        loop {
            match f.xpub.try_recv_multipart() {
                Ok(notice) => {
                    f.note(&notice);
                    upstream
                        .try_send_multipart(notice)
                        .unwrap_or_else(|e| panic!("{name}: subscribe upstream: {e}"));
                }
                Err(RecvError::WouldBlock) => break,
                Err(e) => panic!("{name}: forwarder recv: {e}"),
            }
        }
        for i in 0..FORWARD_BURST {
            // The first waits up to the receive timeout.
            let next = if i == 0 {
                upstream.recv_multipart()
            } else {
                upstream.try_recv_multipart()
            };
            match next {
                // XPUB never blocks: at the HWM a subscriber misses it,
                // which the checks would see.
                Ok(m) => f
                    .xpub
                    .try_send_multipart(m)
                    .unwrap_or_else(|e| panic!("{name}: forward: {e}")),
                Err(RecvError::Timeout | RecvError::WouldBlock) => break,
                Err(e) => panic!("{name}: upstream recv: {e}"),
            }
        }
        loop {
            match f.subscriber.try_recv_multipart() {
                Ok(m) => self.checker.receive(&m, Instant::now()),
                Err(RecvError::WouldBlock) => break,
                Err(e) => panic!("{name}: subscriber recv: {e}"),
            }
        }
    }

    pub(crate) fn finish(mut self) -> LaneReport {
        if let Some(peer) = self.peer.take() {
            peer.kill();
        }
        drop(self.socket.take());
        drop(self.forwarder.take());
        LaneReport {
            name: self.name(),
            received: self.checker.received,
            lost_across_faults: self.checker.lost_across_faults,
            stale_across_faults: self.pipeline.as_ref().map_or(0, |p| p.stale_across_faults),
            kills: self.kills,
            resets: self.resets,
            violations: self.checker.violations,
        }
    }
}

/// When request number `request` is due, paced at `rate` a second from
/// `started`.
fn due(started: Instant, request: u64, rate: u32) -> Instant {
    started + Duration::from_secs_f64(request as f64 / f64::from(rate.max(1)))
}

pub(crate) struct LaneReport {
    pub(crate) name: String,
    pub(crate) received: u64,
    pub(crate) lost_across_faults: u64,
    /// DEALER: replies to an earlier incarnation's requests just after a
    /// fault.
    pub(crate) stale_across_faults: u64,
    pub(crate) kills: u64,
    pub(crate) resets: u64,
    pub(crate) violations: Vec<Violation>,
}
