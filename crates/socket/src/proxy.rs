//! [`proxy`] and [`proxy_steerable`]: libzmq's built-in device, moving
//! whole messages between a frontend and a backend socket in both
//! directions, optionally copying each part to a capture socket, and (the
//! steerable one) obeying PAUSE, RESUME, TERMINATE and STATISTICS on a
//! control socket.
//!
//! A burst of messages is read from one side only when the other side can
//! take a message (its `has_out`), as libzmq's proxy (4.3.2 and later)
//! polls for ZMQ_POLLOUT; within a burst, a send that finds no room holds
//! its message (one per direction) and ends the burst. So a slow side never
//! makes the proxy buffer without bound: its high-water mark pushes back to
//! the senders on the other side. Messages
//! move as handles (no body is copied; a capture gets refcounted copies of
//! each part's handle). At most [`BURST`] messages move in one direction
//! before the other gets its turn, as libzmq's `proxy_burst_size`.
//!
//! The proxy sleeps on a parker watched by all its sockets' readiness (see
//! the `poll` module): an idle proxy burns no CPU.

use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_wire::SocketType;

use crate::Socket;
use crate::error::{RecvError, SendError};
use crate::readiness::WatchId;
use crate::signal::{Parker, Signal};
use crate::sync::StdArc;

/// Messages moved in one direction before the other direction's turn
/// (libzmq's `proxy_burst_size`).
pub const BURST: usize = 1000;

/// Why a proxy stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// Receiving from the frontend, the backend or the control socket
    /// failed (a type that cannot receive, `ENOTSUP`).
    #[error("a proxy socket could not receive: {0}")]
    Recv(#[from] RecvError),
    /// Sending to the frontend, the backend, the capture or the control
    /// socket failed: a type that cannot send, a ROUTER_MANDATORY socket
    /// without the addressed peer (`EHOSTUNREACH`), a capture past its
    /// SNDTIMEO. The message was dropped, as in libzmq.
    #[error("a proxy socket could not send: {0}")]
    Send(SendError<()>),
}

/// Counts of one side of a proxy (what STATISTICS reports): parts and
/// bytes received from the socket, parts and bytes sent to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ProxySideStats {
    /// Parts received from this socket.
    pub recv_parts: u64,
    /// Bytes of the parts received.
    pub recv_bytes: u64,
    /// Parts sent to this socket.
    pub sent_parts: u64,
    /// Bytes of the parts sent.
    pub sent_bytes: u64,
}

/// Starts the proxy between `frontend` and `backend` (libzmq's
/// `zmq_proxy`): every message received on one is sent whole to the
/// other, and each part also to `capture` when given. It runs until a
/// socket fails; libzmq's runs until its context is terminated, which a
/// ferrozmq context is not, so the steerable one's TERMINATE is the way to
/// end a proxy in place.
///
/// The three classic devices: a queue (ROUTER frontend, DEALER backend),
/// a forwarder (XSUB frontend, XPUB backend: subscriptions flow upstream)
/// and a streamer (PULL frontend, PUSH backend).
///
/// # Errors
///
/// [`ProxyError`] for the first operation that failed.
pub fn proxy(
    frontend: &Socket,
    backend: &Socket,
    capture: Option<&Socket>,
) -> Result<(), ProxyError> {
    Proxy::new(frontend, backend, capture, None).run()
}

/// [`proxy`] obeying commands received on `control` (libzmq's
/// `zmq_proxy_steerable`), each a single-frame message:
///
/// - `PAUSE`: stop moving messages (they wait in the sockets, up to their
///   high-water marks);
/// - `RESUME`: move them again;
/// - `TERMINATE`: return `Ok(())`;
/// - `STATISTICS`: reply with 8 parts of 8 bytes (native byte order, as
///   libzmq): the frontend's parts and bytes received and sent, then the
///   backend's (see [`ProxySideStats`]).
///
/// A REP control socket gets an empty reply to every other command, as
/// libzmq's; unknown commands are ignored.
///
/// # Errors
///
/// [`ProxyError`] for the first operation that failed.
pub fn proxy_steerable(
    frontend: &Socket,
    backend: &Socket,
    capture: Option<&Socket>,
    control: &Socket,
) -> Result<(), ProxyError> {
    Proxy::new(frontend, backend, capture, Some(control)).run()
}

/// A running proxy.
struct Proxy<'a> {
    frontend: &'a Socket,
    backend: &'a Socket,
    capture: Option<&'a Socket>,
    control: Option<&'a Socket>,
    /// Frontend, then backend.
    stats: [ProxySideStats; 2],
    /// A message read and not yet taken by the other side (frontend to
    /// backend, backend to frontend), with its counts: a send found no
    /// room for it.
    held: [Option<(Multipart, Counts)>; 2],
    parker: StdArc<Parker>,
}

enum State {
    Active,
    Paused,
    Terminated,
}

impl<'a> Proxy<'a> {
    fn new(
        frontend: &'a Socket,
        backend: &'a Socket,
        capture: Option<&'a Socket>,
        control: Option<&'a Socket>,
    ) -> Self {
        Self {
            frontend,
            backend,
            capture,
            control,
            stats: [ProxySideStats::default(); 2],
            held: [None, None],
            parker: StdArc::new(Parker::new()),
        }
    }

    fn run(mut self) -> Result<(), ProxyError> {
        let signal = StdArc::clone(&self.parker) as StdArc<dyn Signal>;
        let watched: Vec<(&Socket, WatchId)> =
            [Some(self.frontend), Some(self.backend), self.control]
                .into_iter()
                .flatten()
                .map(|s| (s, s.readiness().watch(StdArc::clone(&signal))))
                .collect();
        let result = self.drive();
        for (socket, id) in watched {
            socket.readiness().unwatch(id);
        }
        result
    }

    fn drive(&mut self) -> Result<(), ProxyError> {
        let mut state = State::Active;
        loop {
            let mut moved = 0;
            if let State::Active = state {
                moved += self.forward(0)?;
                if !core::ptr::eq(self.frontend, self.backend) {
                    moved += self.forward(1)?;
                }
            }
            if let Some(control) = self.control {
                while let Some(command) = receive(control)? {
                    moved += 1;
                    state = match self.handle(control, command)? {
                        Some(next) => next,
                        None => state,
                    };
                    if let State::Terminated = state {
                        return Ok(());
                    }
                }
            }
            if moved == 0 {
                // Every socket is watched: a change since the looks above
                // left the token, so this returns at once then.
                self.parker.park(None);
            }
        }
    }

    /// Moves up to [`BURST`] messages from side `from` (0: frontend) to the
    /// other; returns how many moved.
    fn forward(&mut self, from: usize) -> Result<usize, ProxyError> {
        let (source, sink) = if from == 0 {
            (self.frontend, self.backend)
        } else {
            (self.backend, self.frontend)
        };
        let to = 1 - from;
        // A side is read only when the other can take a message (libzmq's
        // POLLOUT rule), asked once per burst: within it, a send that
        // finds no room holds its message and ends the burst.
        if self.held[from].is_none() && !sink.has_out() {
            return Ok(0);
        }
        let mut moved = 0;
        while moved < BURST {
            let (msg, counts) = match self.held[from].take() {
                Some(held) => held,
                None => {
                    let Some(msg) = receive(source)? else {
                        break;
                    };
                    let counts = Counts::of(&msg);
                    counts.add(&mut self.stats[from], false);
                    if let Some(capture) = self.capture {
                        capture
                            .send_multipart(msg.iter().cloned().collect::<Multipart>())
                            .map_err(|e| ProxyError::Send(e.map(drop)))?;
                    }
                    (msg, counts)
                }
            };
            match sink.try_send_multipart(msg) {
                Ok(()) => {
                    counts.add(&mut self.stats[to], true);
                    moved += 1;
                }
                Err(SendError::WouldBlock(back)) => {
                    self.held[from] = Some((back, counts));
                    break;
                }
                Err(e) => return Err(ProxyError::Send(e.map(drop))),
            }
        }
        Ok(moved)
    }

    /// Acts on a control command; the new state, if it changes.
    fn handle(&self, control: &Socket, command: Multipart) -> Result<Option<State>, ProxyError> {
        let word = command.first().map_or(&[][..], |m| &m[..]);
        let next = match word {
            b"STATISTICS" => {
                let [f, b] = self.stats;
                let values = [
                    f.recv_parts,
                    f.recv_bytes,
                    f.sent_parts,
                    f.sent_bytes,
                    b.recv_parts,
                    b.recv_bytes,
                    b.sent_parts,
                    b.sent_bytes,
                ];
                let reply: Multipart = values
                    .iter()
                    .map(|v| Msg::copy_from_slice(&v.to_ne_bytes()))
                    .collect();
                control
                    .send_multipart(reply)
                    .map_err(|e| ProxyError::Send(e.map(drop)))?;
                return Ok(None);
            }
            b"PAUSE" => Some(State::Paused),
            b"RESUME" => Some(State::Active),
            b"TERMINATE" => Some(State::Terminated),
            _ => None,
        };
        if control.socket_type() == SocketType::Rep {
            // A REP must answer before it can receive again.
            control
                .send(Msg::new())
                .map_err(|e| ProxyError::Send(e.map(drop)))?;
        }
        Ok(next)
    }
}

/// A whole message from `socket` without waiting; `None` when there is
/// none.
fn receive(socket: &Socket) -> Result<Option<Multipart>, ProxyError> {
    match socket.try_recv_multipart() {
        Ok(msg) => Ok(Some(msg)),
        Err(RecvError::WouldBlock | RecvError::Timeout) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A message's parts and bytes, taken before the message moves on.
#[derive(Clone, Copy)]
struct Counts {
    parts: u64,
    bytes: u64,
}

impl Counts {
    fn of(msg: &Multipart) -> Self {
        Self {
            parts: msg.len() as u64,
            bytes: msg.iter().map(|m| m.len() as u64).sum(),
        }
    }

    fn add(self, stats: &mut ProxySideStats, sent: bool) {
        if sent {
            stats.sent_parts += self.parts;
            stats.sent_bytes += self.bytes;
        } else {
            stats.recv_parts += self.parts;
            stats.recv_bytes += self.bytes;
        }
    }
}
