//! OMQ.rs (the `omq-tokio` crate) in `cargo xtask compare`: its six perf
//! tools (`omq_local_thr`, `omq_remote_thr`, `omq_local_lat`,
//! `omq_remote_lat`, `omq_inproc_thr`, `omq_inproc_lat`), libzmq's loops of
//! `perf/*.cpp` written against OMQ.rs's async sockets, with the arguments,
//! the output lines and the `pubsub` mode of ferrozmq's and libzmq's tools,
//! so that `cargo xtask compare` runs them the same way and reads them with
//! the same parser.
//!
//! OMQ.rs is used as its own benchmark peer (`omq_bench_peer_tokio` in the
//! `omq-tokio` crate) uses it by default, which is what its published
//! figures measure:
//!
//! - one `current_thread` tokio runtime per process (per thread in the
//!   inproc tools), with the sockets' drivers on it
//!   ([`Socket::new`](omq_tokio::Socket::new), the caller's runtime; no
//!   OMQ-owned I/O thread), see [`runtime`]; the throughput tools can put
//!   the drivers on a worker thread instead (`--runtime worker`, see
//!   [`Drivers`]), the threads of libzmq's and ferrozmq's tools;
//! - default [`Options`] (its batching "throughput" profile for PUSH, PULL,
//!   PUB and SUB, the "latency" profile for REQ and REP), kernel buffers
//!   raised only for messages of 2 MiB and more (see [`options`]);
//! - sends that try first and wait only when the pipe is full ([`send`]),
//!   and receives that drain what is queued in batches before waiting
//!   ([`Receiver`]);
//! - a PUB with `xpub_nodrop`, so that it waits for a full subscriber
//!   instead of dropping (the other tools' PUB has SNDHWM 0 for the same
//!   reason; an OMQ.rs HWM of 0 means a queue of one, not no limit).
//!
//! Where the tools' contract and OMQ.rs's benchmark differ, the contract
//! wins, so that every implementation does the same work per message: each
//! message sent is built afresh from a zeroed template
//! ([`Message::from_slice`](omq_tokio::Message::from_slice): inline up to
//! 55 bytes, otherwise one allocation and a copy), where OMQ.rs's own
//! benchmark clones one shared body for messages past its inline size. And
//! sockets that must deliver everything before they exit (the throughput
//! sender, the REP echoer) close with an infinite linger, libzmq's default
//! (OMQ.rs's is zero: drop what is queued). And the inproc tools run their
//! second socket on a second thread, as libzmq's do, where OMQ.rs's inproc
//! benchmark runs both on one thread and so times no handoff between
//! threads.
//!
//! With `--mechanism plain` or `--mechanism curve --key-seed N` (the
//! flags of ferrozmq's tools, `cargo xtask secbench`) the pair runs
//! OMQ.rs's PLAIN or CURVE (its `plain` and `curve` features) instead of
//! NULL, the binding side the server, with the credentials and the
//! seed-derived key pairs of ferrozmq's tools (see [`secured`]); a seventh
//! tool, `omq_handshake_server`, is a server for the handshake rate.
//!
//! The tools share argument parsing and failure reports with ferrozmq's
//! ([`perf`]) and libzmq's result lines with the libzmq tools ([`report`]),
//! the same source files included by path: this package may depend on
//! neither package.

use std::time::Duration;

use omq_tokio::{
    CurveKeypair, CurvePublicKey, CurveSecretKey, Error, Message, Options, Socket, TrySendError,
};

#[path = "../../src/perf.rs"]
pub mod perf;
#[path = "../../libzmq/src/report.rs"]
pub mod report;

use perf::{Mechanism, fail};

/// The runtime every tool runs on: one `current_thread` tokio runtime, as
/// OMQ.rs's benchmark peer builds by default.
pub fn runtime() -> tokio::runtime::Runtime {
    runtime_of(Drivers::Caller)
}

/// Where a tool's socket drivers (OMQ.rs's per-connection tasks, which do
/// the reads, writes and ZMTP) run: the throughput tools'
/// `--runtime current|worker`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drivers {
    /// On the tool's own thread, beside its loop: one `current_thread`
    /// runtime (`current`, the default; OMQ.rs's benchmark peer).
    Caller,
    /// On one worker thread of a multi-thread runtime, the tool's loop on
    /// the main thread (`worker`): the shape of libzmq's and ferrozmq's
    /// tools, an application thread and one I/O thread per process, so
    /// that every message crosses between two threads.
    Worker,
}

/// The runtime for `drivers` (see [`Drivers`]).
pub fn runtime_of(drivers: Drivers) -> tokio::runtime::Runtime {
    let mut builder = match drivers {
        Drivers::Caller => tokio::runtime::Builder::new_current_thread(),
        Drivers::Worker => {
            let mut builder = tokio::runtime::Builder::new_multi_thread();
            builder.worker_threads(1);
            builder
        }
    };
    builder
        .enable_all()
        .build()
        .unwrap_or_else(|e| fail("tokio runtime", &e))
}

/// The usage of the throughput tools' flags, after their own arguments.
pub const THR_USAGE: &str =
    "[--mechanism null|plain|curve] [--key-seed N] [--runtime current|worker]";

/// The throughput tools' arguments: [`perf::secure_thr_args`]' and
/// `--runtime current|worker` (see [`Drivers`]). Exits with 1 and a
/// message on a wrong value.
pub fn thr_args(tool: &str, endpoint: &str) -> (perf::ThrArgs, Mechanism, Drivers) {
    let (args, mechanism, found) = perf::thr_args_with(tool, endpoint, &["--runtime"], THR_USAGE);
    let choices = [("current", Drivers::Caller), ("worker", Drivers::Worker)];
    let drivers = perf::choose(tool, "--runtime", found[0].as_deref(), &choices);
    (args, mechanism, drivers)
}

/// The options of OMQ.rs's benchmark peer for messages of `size` bytes:
/// the defaults, with kernel socket buffers of twice the message from
/// 2 MiB up.
pub fn options(size: usize) -> Options {
    let options = Options::default();
    if size >= 2 << 20 {
        options
            .recv_buffer_size(size * 2)
            .send_buffer_size(size * 2)
    } else {
        options
    }
}

/// `options` for a socket that must deliver everything queued before it
/// closes: an infinite linger, as libzmq's default.
pub fn lingering(options: Options) -> Options {
    options.linger_forever()
}

/// `options` with `mechanism`, as the server (the binding tool) or the
/// client: PLAIN admitting exactly [`perf::PLAIN_USERNAME`] with its
/// password (OMQ.rs decides in the socket, where ferrozmq's and libzmq's
/// servers ask a ZAP handler), or CURVE with the key pairs of
/// [`perf::curve_secrets`], as ferrozmq's tools derive them.
pub fn secured(options: Options, mechanism: Mechanism, server: bool) -> Options {
    let pair = |secret: [u8; 32]| {
        let secret = CurveSecretKey::from_bytes(secret);
        CurveKeypair {
            public: secret.derive_public(),
            secret,
        }
    };
    match mechanism {
        Mechanism::Null => options,
        Mechanism::Plain if server => {
            options.plain_server_credentials([(perf::PLAIN_USERNAME, perf::PLAIN_PASSWORD)])
        }
        Mechanism::Plain => options.plain_client(perf::PLAIN_USERNAME, perf::PLAIN_PASSWORD),
        Mechanism::Curve { seed } => {
            let (server_secret, client_secret) = perf::curve_secrets(seed);
            let server_pair = pair(server_secret);
            if server {
                options.curve_server(server_pair)
            } else {
                let public: CurvePublicKey = server_pair.public;
                options.curve_client(pair(client_secret), public)
            }
        }
    }
}

/// How long a PUB waits for its subscriber before it gives up.
pub const SUBSCRIBER_WAIT: Duration = Duration::from_secs(10);

/// Sends `msg`: an immediate attempt, and a wait only when the pipe is full
/// (OMQ.rs's benchmark sender).
pub async fn send(socket: &Socket, msg: Message) {
    match socket.try_send(msg) {
        Ok(()) => {}
        Err(TrySendError::Full(msg)) => socket.send(msg).await.unwrap_or_else(|e| fail("send", &e)),
        Err(e) => fail("send", &e),
    }
}

/// The messages a throughput receiver takes per turn before it lets the
/// socket's driver run: at most 128 messages or 64 KiB (OMQ.rs's
/// benchmark receiver).
pub fn receive_batch(size: usize) -> usize {
    (64 * 1024 / size.max(1)).clamp(1, 128)
}

/// A throughput receiver: waits for one message, then drains what is
/// queued in batches of [`receive_batch`], yielding to the socket's driver
/// between batches, as OMQ.rs's benchmark receiver does.
#[derive(Debug)]
pub struct Receiver {
    batch: usize,
    in_batch: usize,
}

impl Receiver {
    /// A receiver of `size`-byte messages.
    pub fn new(size: usize) -> Receiver {
        let batch = receive_batch(size);
        Receiver {
            batch,
            in_batch: batch,
        }
    }

    /// The next message of `socket`.
    pub async fn recv(&mut self, socket: &Socket) -> Message {
        if self.in_batch < self.batch {
            match socket.try_recv() {
                Ok(msg) => {
                    self.in_batch += 1;
                    return msg;
                }
                Err(Error::WouldBlock) => {}
                Err(e) => fail("recv", &e),
            }
        } else {
            tokio::task::coop::consume_budget().await;
        }
        self.in_batch = 1;
        socket.recv().await.unwrap_or_else(|e| fail("recv", &e))
    }
}
