//! The socket monitor (libzmq's `zmq_socket_monitor`, as a Rust receiver):
//! [`Socket::monitor`](crate::Socket::monitor) returns a [`SocketMonitor`]
//! that receives a [`SocketEvent`] for each thing that happens to the
//! socket's listeners and connections, each naming the endpoint it concerns;
//! a dropped connection says why, with a typed [`SessionError`].
//!
//! Cost and bounds: every listener and session of a socket holds its
//! socket's [`MonitorHub`]; with no monitor attached, emitting an event is
//! one relaxed atomic load and nothing is built or queued. With one
//! attached, events go into a bounded lock-free queue
//! ([`crossbeam_queue::ArrayQueue`]); when it is full (the user does not
//! read) the event is dropped and counted ([`SocketMonitor::dropped`]): the
//! I/O thread never blocks on a monitor and the queue never grows. Not
//! here: libzmq's monitor-over-a-PAIR-socket wire format.

use core::fmt;
use std::io;
use std::time::{Duration, Instant};

use crossbeam_queue::ArrayQueue;
use ferrozmq_wire::{ConnectionError, SocketType};

use crate::endpoint::Endpoint;
use crate::signal::Parker;
use crate::sync::{AtomicBool, AtomicUsize, Mutex, Ordering, StdArc, lock};

/// How many events a [`SocketMonitor`] holds unread, by default, before it
/// drops new ones.
pub const MONITOR_CAPACITY: usize = 1024;

/// Why a connection ended, or its handshake failed: the error a
/// [`SocketEventKind::Disconnected`] or [`SocketEventKind::HandshakeFailed`]
/// carries. A peer's protocol violation keeps the wire layer's typed
/// [`ConnectionError`], whose `Display` says what was wrong and where.
///
/// It is `Clone` (an I/O error is shared behind an `Arc`) because a failed
/// handshake is reported twice, as libzmq does: `HandshakeFailed` then
/// `Disconnected`.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// Reading or writing the stream failed (a reset by the peer included).
    #[error("connection i/o failed")]
    Io(#[source] StdArc<io::Error>),
    /// The connect failed (refused, unreachable, resolution). Reported only
    /// as the reason of a retry, never as a disconnection.
    #[error("connect failed")]
    Connect(#[source] StdArc<io::Error>),
    /// The peer broke ZMTP, or a timer expired (handshake, heartbeat, TTL).
    #[error(transparent)]
    Protocol(#[from] ConnectionError),
    /// The connection config is invalid.
    #[error(transparent)]
    Config(#[from] ferrozmq_wire::ConfigError),
    /// Asking the ZAP handler failed: none bound where one is required,
    /// the handler went away, or its reply was malformed.
    #[error(transparent)]
    Zap(#[from] crate::zap::ZapError),
    /// The peer closed the stream.
    #[error("the peer closed the connection")]
    PeerClosed,
    /// The socket was dropped: its connection ends after sending what was
    /// queued (linger).
    #[error("the socket went away")]
    SocketClosed,
}

impl SessionError {
    /// An I/O error on an established stream.
    pub(crate) fn io(e: io::Error) -> Self {
        Self::Io(StdArc::new(e))
    }

    /// A failed connect.
    pub(crate) fn connect(e: io::Error) -> Self {
        Self::Connect(StdArc::new(e))
    }

    /// The wire error, when the peer broke the protocol or a timer expired.
    pub fn protocol(&self) -> Option<&ConnectionError> {
        match self {
            Self::Protocol(e) => Some(e),
            _ => None,
        }
    }
}

/// What happened (see [`SocketEvent`]). Each kind maps to one of libzmq's
/// `ZMQ_EVENT_*` names ([`libzmq_name`](Self::libzmq_name)):
///
/// | kind | libzmq event |
/// | --- | --- |
/// | `Listening` | `ZMQ_EVENT_LISTENING` |
/// | `Accepted` | `ZMQ_EVENT_ACCEPTED` |
/// | `AcceptFailed` | `ZMQ_EVENT_ACCEPT_FAILED` |
/// | `Connected` | `ZMQ_EVENT_CONNECTED` |
/// | `ConnectDelayed` | `ZMQ_EVENT_CONNECT_DELAYED` |
/// | `ConnectRetried` | `ZMQ_EVENT_CONNECT_RETRIED` |
/// | `HandshakeSucceeded` | `ZMQ_EVENT_HANDSHAKE_SUCCEEDED` |
/// | `HandshakeFailed` with a protocol error | `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL` |
/// | `HandshakeFailedAuth` | `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` |
/// | `HandshakeFailed` with the peer's ERROR | `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` |
/// | `HandshakeFailed` otherwise (timeout, closed, I/O) | `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL` |
/// | `Disconnected` | `ZMQ_EVENT_DISCONNECTED` |
/// | `Closed` | `ZMQ_EVENT_CLOSED` |
///
/// As in libzmq, a connection whose handshake fails reports
/// `HandshakeFailed` and then `Disconnected` (with the same error); every
/// connection that was up at the transport level and is dropped reports
/// exactly one `Disconnected`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SocketEventKind {
    /// A bind succeeded; the endpoint is the bound one (tcp port 0
    /// resolved).
    Listening,
    /// A connection was accepted on this bound endpoint.
    Accepted,
    /// Accepting failed (for example out of file descriptors); the listener
    /// carries on.
    AcceptFailed(StdArc<io::Error>),
    /// A connect completed at the transport level (the ZMTP handshake
    /// starts).
    Connected,
    /// A non-blocking connect is in progress.
    ConnectDelayed,
    /// The connect failed or the connection was lost; the next attempt is
    /// after this delay (RECONNECT_IVL, with RECONNECT_IVL_MAX backoff).
    ConnectRetried(Duration),
    /// The ZMTP handshake completed.
    HandshakeSucceeded {
        /// The peer's socket type, from its READY (the event's
        /// [`user_id`](SocketEvent::user_id) says who the ZAP handler
        /// accepted).
        peer: SocketType,
    },
    /// Authentication failed, with its ZAP status code (RFC 27 §Reply
    /// Format: 300 temporary failure, 400 authentication failure, 500
    /// internal error). On a server: the ZAP handler refused the peer,
    /// which was sent ERROR with the code (not for 300: the connection
    /// closes without a word; libzmq 4.3 sends nothing either but leaves it
    /// open until a handshake timer ends it). On a client: the server's
    /// ERROR carried the code. A `Disconnected` with the full error
    /// follows; other peers are not affected.
    HandshakeFailedAuth {
        /// The ZAP status code: 300, 400 or 500.
        status_code: u16,
    },
    /// The ZMTP handshake failed (bad greeting, wrong version or mechanism,
    /// malformed or incompatible READY, HANDSHAKE_IVL expired, the peer
    /// closed). A `Disconnected` follows.
    HandshakeFailed(SessionError),
    /// A connection ended, with why.
    Disconnected(SessionError),
    /// A listener was closed, or a session ended for good (no reconnect).
    Closed,
}

impl SocketEventKind {
    /// libzmq's name for this event (see the table above).
    pub fn libzmq_name(&self) -> &'static str {
        match self {
            Self::Listening => "ZMQ_EVENT_LISTENING",
            Self::Accepted => "ZMQ_EVENT_ACCEPTED",
            Self::AcceptFailed(_) => "ZMQ_EVENT_ACCEPT_FAILED",
            Self::Connected => "ZMQ_EVENT_CONNECTED",
            Self::ConnectDelayed => "ZMQ_EVENT_CONNECT_DELAYED",
            Self::ConnectRetried(_) => "ZMQ_EVENT_CONNECT_RETRIED",
            Self::HandshakeSucceeded { .. } => "ZMQ_EVENT_HANDSHAKE_SUCCEEDED",
            Self::HandshakeFailedAuth { .. } => "ZMQ_EVENT_HANDSHAKE_FAILED_AUTH",
            Self::HandshakeFailed(SessionError::Protocol(ConnectionError::Handshake(
                ferrozmq_wire::HandshakeError::PeerError { .. },
            ))) => "ZMQ_EVENT_HANDSHAKE_FAILED_AUTH",
            Self::HandshakeFailed(SessionError::Protocol(
                ConnectionError::Greeting(_)
                | ConnectionError::Handshake(_)
                | ConnectionError::Frame(_)
                | ConnectionError::Command(_),
            )) => "ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL",
            Self::HandshakeFailed(_) => "ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL",
            Self::Disconnected(_) => "ZMQ_EVENT_DISCONNECTED",
            Self::Closed => "ZMQ_EVENT_CLOSED",
        }
    }

    /// The error of a `HandshakeFailed` or `Disconnected` event.
    pub fn error(&self) -> Option<&SessionError> {
        match self {
            Self::HandshakeFailed(e) | Self::Disconnected(e) => Some(e),
            _ => None,
        }
    }
}

/// One event of a socket (see [`SocketMonitor`]).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SocketEvent {
    /// The endpoint it concerns: the bound endpoint for a listener and the
    /// connections it accepted, the connect endpoint for a connecting peer.
    pub endpoint: Endpoint,
    /// What happened.
    pub kind: SocketEventKind,
    /// With [`SocketEventKind::HandshakeSucceeded`]: the user id the ZAP
    /// handler gave this peer when it accepted it (RFC 27 §Reply Format).
    /// Empty when no handler was asked or it gave none, on the client
    /// side, and with every other event. Per message, as libzmq's
    /// `User-Id` message property: [`PeerProperties::user_id`](crate::PeerProperties::user_id),
    /// from [`Socket::recv_multipart_with_properties`](crate::Socket::recv_multipart_with_properties)
    /// or [`Socket::peer_properties`](crate::Socket::peer_properties).
    pub user_id: Vec<u8>,
}

impl fmt::Display for SocketEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.libzmq_name(), self.endpoint)?;
        match &self.kind {
            SocketEventKind::AcceptFailed(e) => write!(f, ": {e}"),
            SocketEventKind::ConnectRetried(d) => write!(f, ": in {d:?}"),
            SocketEventKind::HandshakeSucceeded { peer, .. } => write!(f, ": peer {peer}"),
            SocketEventKind::HandshakeFailedAuth { status_code } => {
                write!(f, ": status {status_code}")
            }
            SocketEventKind::HandshakeFailed(e) | SocketEventKind::Disconnected(e) => {
                // The event is what a user logs: the OS error too (the wire
                // errors already say everything in their own text).
                write!(f, ": {e}")?;
                match e {
                    SessionError::Io(io) | SessionError::Connect(io) => write!(f, ": {io}"),
                    _ => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }
}

/// A monitor's queue, shared by its receiver and the hub that feeds it.
struct Sink {
    queue: ArrayQueue<SocketEvent>,
    dropped: AtomicUsize,
    parker: Parker,
}

/// Where a socket's listeners and sessions send their events; at most one
/// [`SocketMonitor`] is attached at a time.
pub(crate) struct MonitorHub {
    /// A monitor is attached: the only thing read when none is.
    attached: AtomicBool,
    sink: Mutex<Option<StdArc<Sink>>>,
}

impl MonitorHub {
    /// A hub with no monitor attached.
    pub(crate) fn new() -> StdArc<Self> {
        StdArc::new(Self {
            attached: AtomicBool::new(false),
            sink: Mutex::new(None),
        })
    }

    /// Attaches a fresh monitor holding up to `capacity` events, replacing
    /// (and detaching) the previous one, as `zmq_socket_monitor` does.
    pub(crate) fn attach(self: &StdArc<Self>, capacity: usize) -> SocketMonitor {
        let sink = StdArc::new(Sink {
            queue: ArrayQueue::new(capacity.max(1)),
            dropped: AtomicUsize::new(0),
            parker: Parker::new(),
        });
        *lock(&self.sink) = Some(StdArc::clone(&sink));
        self.attached.store(true, Ordering::Release);
        SocketMonitor {
            hub: StdArc::clone(self),
            sink,
        }
    }

    /// Sends an event about `endpoint`, if a monitor is attached. Never
    /// blocks for long: the lock is held for a clone of an `Arc`.
    pub(crate) fn emit(&self, endpoint: &Endpoint, kind: SocketEventKind) {
        self.emit_for(endpoint, kind, Vec::new());
    }

    /// [`emit`](Self::emit) with the peer's ZAP user id.
    pub(crate) fn emit_for(&self, endpoint: &Endpoint, kind: SocketEventKind, user_id: Vec<u8>) {
        if !self.attached.load(Ordering::Relaxed) {
            return;
        }
        let Some(sink) = lock(&self.sink).clone() else {
            return;
        };
        let event = SocketEvent {
            endpoint: endpoint.clone(),
            kind,
            user_id,
        };
        if sink.queue.push(event).is_err() {
            sink.dropped.fetch_add(1, Ordering::Relaxed);
        } else {
            sink.parker.unpark();
        }
    }
}

/// What a listener or session holds to report its events: its socket's hub
/// and the endpoint they concern.
#[derive(Clone)]
pub(crate) struct Monitor {
    hub: StdArc<MonitorHub>,
    endpoint: Endpoint,
}

impl Monitor {
    /// Events about `endpoint`, to `hub`.
    pub(crate) fn new(hub: StdArc<MonitorHub>, endpoint: Endpoint) -> Self {
        Self { hub, endpoint }
    }

    /// Reports `kind` (nothing happens without an attached monitor).
    pub(crate) fn emit(&self, kind: SocketEventKind) {
        self.hub.emit(&self.endpoint, kind);
    }

    /// [`emit`](Self::emit) with the peer's ZAP user id.
    pub(crate) fn emit_for(&self, kind: SocketEventKind, user_id: Vec<u8>) {
        self.hub.emit_for(&self.endpoint, kind, user_id);
    }
}

/// The receiving end of a socket monitor, from
/// [`Socket::monitor`](crate::Socket::monitor): the events of the socket's
/// listeners and connections, in the order each happened (events of
/// different connections may interleave).
///
/// Bounded: it holds at most [`MONITOR_CAPACITY`] unread events (or the
/// capacity given to
/// [`Socket::monitor_with_capacity`](crate::Socket::monitor_with_capacity));
/// past that, new events are dropped and counted in
/// [`dropped`](Self::dropped), so a monitor nobody reads costs bounded
/// memory and never slows the I/O threads. Dropping it detaches it.
///
/// # Examples
///
/// A peer that is not ZMTP is dropped with a typed error, and the good peer
/// is unaffected:
///
/// ```
/// use std::io::Write;
/// use std::time::Duration;
/// use ferrozmq_socket::{Context, SessionError, SocketEventKind, SocketType};
/// use ferrozmq_wire::{ConnectionError, GreetingError};
///
/// let ctx = Context::new()?;
/// let pull = ctx.socket(SocketType::Pull)?;
/// let mut monitor = pull.monitor();
/// pull.bind("tcp://127.0.0.1:0")?;
/// let at = pull.last_endpoint().unwrap().to_string();
///
/// let mut raw = std::net::TcpStream::connect(at.trim_start_matches("tcp://"))?;
/// raw.write_all(b"GET / HTTP/1.1\r\n\r\n")?;
///
/// let wait = Duration::from_secs(10);
/// let error = loop {
///     let event = monitor.recv_timeout(wait).expect("an event within 10 s");
///     if let SocketEventKind::Disconnected(error) = event.kind {
///         break error;
///     }
/// };
/// assert!(matches!(
///     error,
///     SessionError::Protocol(ConnectionError::Greeting(GreetingError::Zmtp10 { offset: 0, byte: b'G' }))
/// ));
/// assert!(error.to_string().starts_with("greeting: byte 0 is 0x47"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SocketMonitor {
    hub: StdArc<MonitorHub>,
    sink: StdArc<Sink>,
}

impl SocketMonitor {
    /// The next event, if one is waiting.
    pub fn try_recv(&mut self) -> Option<SocketEvent> {
        self.sink.queue.pop()
    }

    /// The next event, waiting up to `timeout` for one; `None` when none
    /// came.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Option<SocketEvent> {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            if let Some(event) = self.sink.queue.pop() {
                return Some(event);
            }
            // `&mut self`: one thread parks on this parker at a time.
            if !self.sink.parker.park(deadline) {
                return self.sink.queue.pop();
            }
        }
    }

    /// How many events were dropped because the monitor was full.
    pub fn dropped(&self) -> usize {
        self.sink.dropped.load(Ordering::Relaxed)
    }

    /// How many events wait unread.
    pub fn len(&self) -> usize {
        self.sink.queue.len()
    }

    /// Whether no event waits.
    pub fn is_empty(&self) -> bool {
        self.sink.queue.is_empty()
    }
}

impl Drop for SocketMonitor {
    fn drop(&mut self) {
        let mut slot = lock(&self.hub.sink);
        if slot.as_ref().is_some_and(|s| StdArc::ptr_eq(s, &self.sink)) {
            *slot = None;
            self.hub.attached.store(false, Ordering::Release);
        }
    }
}

impl fmt::Debug for SocketMonitor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SocketMonitor")
            .field("unread", &self.len())
            .field("dropped", &self.dropped())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint() -> Endpoint {
        Endpoint::parse_connect("tcp://127.0.0.1:5555").unwrap()
    }

    #[test]
    fn nothing_is_queued_without_a_monitor() {
        let hub = MonitorHub::new();
        hub.emit(&endpoint(), SocketEventKind::Connected);
        let mut monitor = hub.attach(4);
        assert!(monitor.try_recv().is_none());
        hub.emit(&endpoint(), SocketEventKind::Connected);
        let event = monitor.try_recv().unwrap();
        assert_eq!(event.endpoint, endpoint());
        assert!(matches!(event.kind, SocketEventKind::Connected));
        drop(monitor);
        assert!(!hub.attached.load(Ordering::SeqCst));
    }

    #[test]
    fn a_full_monitor_drops_and_counts() {
        let hub = MonitorHub::new();
        let mut monitor = hub.attach(3);
        for _ in 0..10 {
            hub.emit(&endpoint(), SocketEventKind::Accepted);
        }
        assert_eq!((monitor.len(), monitor.dropped()), (3, 7));
        for _ in 0..3 {
            assert!(monitor.try_recv().is_some());
        }
        assert!(monitor.recv_timeout(Duration::from_millis(1)).is_none());
    }

    #[test]
    fn a_new_monitor_replaces_the_old_one() {
        let hub = MonitorHub::new();
        let mut old = hub.attach(4);
        let mut new = hub.attach(4);
        hub.emit(&endpoint(), SocketEventKind::Closed);
        assert!(old.try_recv().is_none());
        assert!(new.try_recv().is_some());
        // Dropping the replaced one leaves the new one attached.
        drop(old);
        hub.emit(&endpoint(), SocketEventKind::Closed);
        assert!(new.try_recv().is_some());
    }

    #[test]
    fn recv_timeout_wakes_on_an_event_from_another_thread() {
        let hub = MonitorHub::new();
        let mut monitor = hub.attach(4);
        let sender = StdArc::clone(&hub);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            sender.emit(&endpoint(), SocketEventKind::Listening);
        });
        let event = monitor.recv_timeout(Duration::from_secs(20)).unwrap();
        assert!(matches!(event.kind, SocketEventKind::Listening));
        t.join().unwrap();
    }

    #[test]
    fn an_event_displays_its_name_endpoint_and_error() {
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        let event = SocketEvent {
            endpoint: endpoint(),
            kind: SocketEventKind::Disconnected(SessionError::io(reset)),
            user_id: Vec::new(),
        };
        assert_eq!(
            event.to_string(),
            format!(
                "ZMQ_EVENT_DISCONNECTED tcp://127.0.0.1:5555: connection i/o failed: {}",
                io::Error::from(io::ErrorKind::ConnectionReset)
            )
        );
        let event = SocketEvent {
            endpoint: endpoint(),
            kind: SocketEventKind::Disconnected(SessionError::Protocol(
                ConnectionError::HeartbeatTimeout,
            )),
            user_id: Vec::new(),
        };
        assert_eq!(
            event.to_string(),
            "ZMQ_EVENT_DISCONNECTED tcp://127.0.0.1:5555: no traffic from the peer after our PING"
        );
    }

    #[test]
    fn events_map_to_libzmq_names() {
        use ferrozmq_wire::{GreetingError, HandshakeError};
        let protocol = SessionError::Protocol(ConnectionError::Greeting(
            GreetingError::UnsupportedVersion { major: 1 },
        ));
        let cases = [
            (
                SocketEventKind::HandshakeFailed(protocol.clone()),
                "ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL",
            ),
            (
                SocketEventKind::HandshakeFailed(SessionError::Protocol(
                    ConnectionError::Handshake(HandshakeError::PeerError {
                        reason: b"400".to_vec(),
                    }),
                )),
                "ZMQ_EVENT_HANDSHAKE_FAILED_AUTH",
            ),
            (
                SocketEventKind::HandshakeFailed(SessionError::Protocol(
                    ConnectionError::HandshakeTimeout,
                )),
                "ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL",
            ),
            (
                SocketEventKind::Disconnected(protocol),
                "ZMQ_EVENT_DISCONNECTED",
            ),
            (
                SocketEventKind::ConnectRetried(Duration::from_millis(100)),
                "ZMQ_EVENT_CONNECT_RETRIED",
            ),
        ];
        for (kind, name) in cases {
            assert_eq!(kind.libzmq_name(), name, "{kind:?}");
        }
    }
}
