//! Measures one cell of `fzmq bench`: one pattern over one transport at one
//! message size, in a context of its own. Formatting is `table.rs`'s job.

use std::thread;
use std::time::{Duration, Instant};

use ferrozmq::{Context, Msg, Socket, SocketOption, SocketType};

use super::{Pattern, Transport};
use crate::sync::{AtomicBool, AtomicU64, Ordering};

/// How long a socket waits before a cell fails.
const STALL: Duration = Duration::from_secs(5);
/// How long past its time budget a cell may run to reach its minimum count
/// before it fails.
const OVERTIME: Duration = Duration::from_secs(30);
/// About how many bytes each side may queue (sets the high-water marks).
const QUEUE_BYTES: usize = 16 << 20;

/// What one cell is asked to do.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// The least measured time.
    pub budget: Duration,
    /// The least number of messages received (round trips for REQ/REP).
    pub min_count: u64,
}

/// What one cell measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measure {
    /// Messages sent (round trips started for REQ/REP).
    pub sent: u64,
    /// Messages received (round trips completed for REQ/REP).
    pub received: u64,
    /// Seconds from the first timed send to the last receive.
    pub secs: f64,
}

impl Measure {
    /// Messages sent and not received: what PUB dropped.
    pub fn lost(&self) -> u64 {
        self.sent.saturating_sub(self.received)
    }

    /// Messages received per second.
    pub fn rate(&self) -> f64 {
        self.received as f64 / self.secs
    }

    /// The mean round trip in microseconds (REQ/REP).
    pub fn round_trip_us(&self) -> f64 {
        self.secs * 1e6 / self.received as f64
    }
}

/// The bind endpoint for cell `id` over `transport`, and the ipc file to
/// remove afterwards.
fn endpoint(transport: Transport, id: usize) -> (String, Option<std::path::PathBuf>) {
    match transport {
        Transport::Inproc => (format!("inproc://fzmq-bench-{id}"), None),
        Transport::Tcp => ("tcp://127.0.0.1:0".to_string(), None),
        Transport::Ipc => {
            let path =
                std::env::temp_dir().join(format!("fzmq-bench-{}-{id}.ipc", std::process::id()));
            let _ = std::fs::remove_file(&path);
            (format!("ipc://{}", path.display()), Some(path))
        }
    }
}

/// Makes a socket of `kind` in `ctx` with the bench's options.
fn socket(ctx: &Context, kind: SocketType, hwm: usize) -> Result<Socket, String> {
    let s = ctx.socket(kind).map_err(|e| e.to_string())?;
    for opt in [
        SocketOption::SndHwm(hwm),
        SocketOption::RcvHwm(hwm),
        SocketOption::Linger(Some(Duration::ZERO)),
        SocketOption::RcvTimeo(Some(STALL)),
        SocketOption::SndTimeo(Some(STALL)),
    ] {
        s.set_option(opt).map_err(|e| e.to_string())?;
    }
    Ok(s)
}

/// Measures one cell; `Err` with a short reason when it failed.
pub fn measure(
    pattern: Pattern,
    transport: Transport,
    size: usize,
    plan: Plan,
    id: usize,
) -> Result<Measure, String> {
    let ctx = Context::new().map_err(|e| e.to_string())?;
    let hwm = (QUEUE_BYTES / size).clamp(8, 1000);
    let (server_kind, client_kind) = match pattern {
        Pattern::PushPull => (SocketType::Pull, SocketType::Push),
        Pattern::PubSub => (SocketType::Sub, SocketType::Pub),
        Pattern::ReqRep => (SocketType::Rep, SocketType::Req),
    };
    let (bind, file) = endpoint(transport, id);
    let result = (|| {
        let server = socket(&ctx, server_kind, hwm)?;
        server.bind(&bind).map_err(|e| e.to_string())?;
        if pattern == Pattern::PubSub {
            server.subscribe(b"").map_err(|e| e.to_string())?;
        }
        let connect = server
            .last_endpoint()
            .ok_or("no endpoint after bind")?
            .to_string();
        let client = socket(&ctx, client_kind, hwm)?;
        client.connect(&connect).map_err(|e| e.to_string())?;
        match pattern {
            Pattern::ReqRep => latency(&server, &client, size, plan),
            _ => throughput(&server, &client, pattern, size, plan),
        }
    })();
    drop(ctx);
    if let Some(file) = file {
        let _ = std::fs::remove_file(file);
    }
    let m = result?;
    if m.received < plan.min_count {
        return Err(format!(
            "only {} of the {} messages needed in {:.1} s",
            m.received, plan.min_count, m.secs
        ));
    }
    Ok(m)
}

/// What the receiving thread of [`throughput`] shares with the sender.
struct Shared {
    /// A probe arrived: the connection (and for SUB, the subscription) is up.
    ready: AtomicBool,
    /// The receiver has stopped (end marker received, or failed).
    done: AtomicBool,
    /// Full messages received so far, updated every few messages.
    received: AtomicU64,
}

/// PUSH/PULL or PUB/SUB throughput from `tx` to `rx`.
///
/// The clock starts on the sender after a probe has gone through, so the
/// receiver is connected (and subscribed) and waiting; it stops when the
/// receiver takes the end marker. What PUB dropped is never counted as
/// received, and the interval always covers the whole send, so a receiver
/// that wakes late cannot shrink it. libzmq's `local_thr` times from the
/// first message received instead; with a PUB that drops, that interval can
/// miss most of the run.
fn throughput(
    rx: &Socket,
    tx: &Socket,
    pattern: Pattern,
    size: usize,
    plan: Plan,
) -> Result<Measure, String> {
    let shared = Shared {
        ready: AtomicBool::new(false),
        done: AtomicBool::new(false),
        received: AtomicU64::new(0),
    };
    thread::scope(|s| {
        let receiver = s.spawn(|| receive(rx, &shared));
        let sent = (|| -> Result<(u64, Instant), String> {
            let t = Instant::now();
            while !shared.ready.load(Ordering::Acquire) {
                if t.elapsed() > STALL {
                    return Err("the peer never connected or subscribed".to_string());
                }
                tx.send(Msg::from_static(b"P")).map_err(|e| e.to_string())?;
                thread::sleep(Duration::from_millis(1));
            }
            let body = Msg::from(vec![0x5a; size]);
            let start = Instant::now();
            let mut sent = 0u64;
            loop {
                tx.send(body.clone()).map_err(|e| e.to_string())?;
                sent += 1;
                if sent.is_multiple_of(16) {
                    let elapsed = start.elapsed();
                    if elapsed >= plan.budget
                        && shared.received.load(Ordering::Relaxed) >= plan.min_count
                        || elapsed >= plan.budget + OVERTIME
                        || shared.done.load(Ordering::Relaxed)
                    {
                        break;
                    }
                }
            }
            // The end marker; PUB may drop it while the subscriber's queue
            // is full, so repeat it until it arrives.
            let t = Instant::now();
            loop {
                tx.send(Msg::new()).map_err(|e| e.to_string())?;
                if pattern == Pattern::PushPull || shared.done.load(Ordering::Acquire) {
                    return Ok((sent, start));
                }
                if t.elapsed() > STALL {
                    return Err("the end marker never arrived".to_string());
                }
                thread::sleep(Duration::from_micros(100));
            }
        })();
        if sent.is_err() {
            shared.done.store(true, Ordering::Release);
        }
        let received = receiver
            .join()
            .unwrap_or_else(|_| Err("the receiver panicked".to_string()));
        let (sent, start) = sent?;
        let (received, end) = received?;
        Ok(Measure {
            sent,
            received,
            secs: end.saturating_duration_since(start).as_secs_f64(),
        })
    })
}

/// The receiving side of [`throughput`]: counts full messages up to the
/// empty end marker and returns the count and when the marker arrived; a
/// one-byte probe sets `ready`.
fn receive(rx: &Socket, shared: &Shared) -> Result<(u64, Instant), String> {
    let mut count = 0u64;
    let result = loop {
        let msg = match rx.recv() {
            Ok(m) => m,
            Err(e) if shared.done.load(Ordering::Acquire) => break Err(format!("stopped: {e}")),
            Err(e) => break Err(e.to_string()),
        };
        match msg.len() {
            0 => break Ok((count, Instant::now())),
            1 => shared.ready.store(true, Ordering::Release),
            _ => {
                count += 1;
                if count.is_multiple_of(16) {
                    shared.received.store(count, Ordering::Relaxed);
                }
            }
        }
    };
    shared.done.store(true, Ordering::Release);
    result
}

/// REQ/REP round trips from `req` to `rep`, which echoes.
fn latency(rep: &Socket, req: &Socket, size: usize, plan: Plan) -> Result<Measure, String> {
    thread::scope(|s| {
        let server = s.spawn(|| -> Result<(), String> {
            loop {
                let msg = rep.recv_multipart().map_err(|e| e.to_string())?;
                let stop = msg.first().is_none_or(|m| m.is_empty());
                rep.send_multipart(msg).map_err(|e| e.to_string())?;
                if stop {
                    return Ok(());
                }
            }
        });
        let measured = (|| -> Result<Measure, String> {
            let body = Msg::from(vec![0x5a; size]);
            let round_trip = |m: Msg| -> Result<(), String> {
                req.send(m).map_err(|e| e.to_string())?;
                req.recv().map(drop).map_err(|e| e.to_string())
            };
            // One untimed round trip: the connection is up after it.
            round_trip(body.clone())?;
            let start = Instant::now();
            let mut count = 0u64;
            let secs = loop {
                round_trip(body.clone())?;
                count += 1;
                let elapsed = start.elapsed();
                if elapsed >= plan.budget && count >= plan.min_count
                    || elapsed >= plan.budget + OVERTIME
                {
                    break elapsed.as_secs_f64();
                }
            };
            round_trip(Msg::new())?;
            Ok(Measure {
                sent: count,
                received: count,
                secs,
            })
        })();
        let served = server
            .join()
            .unwrap_or_else(|_| Err("the REP side panicked".to_string()));
        // When the REQ side failed, its error is the cause.
        let measured = measured?;
        served.map(|()| measured)
    })
}
