//! The soak's patterns, and the peer side of each: the process (or, over
//! inproc, the thread) the driver kills and restarts. A peer connects to
//! the driver's bound socket and sends (PUSH, PUB, XPUB), or echoes
//! (REP, ROUTER), until it is stopped; it checks nothing itself.

use std::process::{Child, ExitCode};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use ferrozmq::{Context, Multipart, RecvError, SendError, SocketOption, SocketType};
use ferrozmq_benches::soak::{Header, decode, encode};
use ferrozmq_benches::sync::{Arc, AtomicBool, Ordering};

use crate::{PUBSUB_HWM, usage};

/// A pattern as the soak runs it: the driver's side and the peer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// The peer PUSHes, the driver PULLs.
    PushPull,
    /// The peer PUBlishes, the driver SUBscribes.
    PubSub,
    /// The driver's REQ asks, the peer's REP echoes.
    ReqRep,
    /// The driver's DEALER pipelines requests, the peer's ROUTER echoes
    /// each to the routing id it came from.
    DealerRouter,
    /// The peer's XPUB publishes to the driver's forwarder (XSUB upstream,
    /// XPUB downstream), whose XSUB subscriber checks.
    XpubXsub,
}

impl Pattern {
    pub(crate) const ALL: [Pattern; 5] = [
        Pattern::PushPull,
        Pattern::PubSub,
        Pattern::ReqRep,
        Pattern::DealerRouter,
        Pattern::XpubXsub,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Pattern::PushPull => "push-pull",
            Pattern::PubSub => "pub-sub",
            Pattern::ReqRep => "req-rep",
            Pattern::DealerRouter => "dealer-router",
            Pattern::XpubXsub => "xpub-xsub",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == s)
    }

    /// The driver's socket type (the one it binds) and the peer's.
    pub(crate) fn types(self) -> (SocketType, SocketType) {
        match self {
            Pattern::PushPull => (SocketType::Pull, SocketType::Push),
            Pattern::PubSub => (SocketType::Sub, SocketType::Pub),
            Pattern::ReqRep => (SocketType::Req, SocketType::Rep),
            Pattern::DealerRouter => (SocketType::Dealer, SocketType::Router),
            Pattern::XpubXsub => (SocketType::XSub, SocketType::XPub),
        }
    }

    /// Whether the peer is the sender of the lane's message streams (so a
    /// new peer starts a new stream), rather than an echo.
    pub(crate) fn peer_sends(self) -> bool {
        matches!(
            self,
            Pattern::PushPull | Pattern::PubSub | Pattern::XpubXsub
        )
    }
}

/// A peer process: sends (or echoes) until its stdin closes (the driver
/// went) or it is killed.
pub(crate) fn peer_main(args: &[String]) -> ExitCode {
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
pub(crate) fn run_peer(
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
    if matches!(pattern, Pattern::PubSub | Pattern::XpubXsub) {
        s.set_option(SocketOption::SndHwm(PUBSUB_HWM)).expect("hwm");
    }
    s.connect(endpoint).expect("connect");
    let start = Instant::now();
    let mut seq = 0u64;
    while !stop.load(Ordering::Relaxed) {
        match pattern {
            Pattern::PushPull | Pattern::PubSub | Pattern::XpubXsub => {
                if pattern == Pattern::XpubXsub {
                    // The forwarder's subscriptions, passed on as XPUB
                    // receives them: read, so that they do not pile up.
                    while s.try_recv_multipart().is_ok() {}
                }
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
            Pattern::ReqRep | Pattern::DealerRouter => match s.recv_multipart() {
                Ok(m) => {
                    // A ROUTER's request starts with the routing id, which
                    // addresses the echo.
                    let body = usize::from(pattern == Pattern::DealerRouter);
                    let reply = match decode(&m.iter().skip(body).cloned().collect()) {
                        Ok(_) => m,
                        Err(v) => {
                            let mut bad: Multipart = m.iter().take(body).cloned().collect();
                            bad.push(format!("BAD {v}").into_bytes());
                            bad
                        }
                    };
                    // A reply that cannot go (the driver reset) is dropped
                    // by REP and ROUTER; nothing to do.
                    let _ = s.send_multipart(reply);
                }
                Err(RecvError::Timeout) => {}
                Err(e) => panic!("peer recv: {e}"),
            },
        }
    }
}

/// A lane's peer: a process, or a thread for inproc.
pub(crate) enum Peer {
    Process(Child),
    Thread(Arc<AtomicBool>, JoinHandle<()>),
}

impl Peer {
    pub(crate) fn kill(self) {
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
