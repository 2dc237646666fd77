//! ferrozmq: a pure-Rust messaging library in the ZeroMQ family.
//!
//! ferrozmq speaks ZMTP 3.1 (and 3.0) with the NULL, PLAIN and CURVE
//! mechanisms, so its sockets talk to libzmq, pyzmq and cppzmq peers. This
//! facade re-exports the public API: [`Context`] and [`Socket`] (all eleven
//! ZeroMQ socket types: REQ, REP, DEALER, ROUTER, PUB, SUB, XPUB, XSUB,
//! PUSH, PULL and PAIR, over `tcp://`, `ipc://` and `inproc://`), the
//! message types ([`Msg`], [`MsgMut`], [`Multipart`]), the per-socket
//! receive allocators ([`RecvAllocator`] and its implementations), waiting
//! on many sockets ([`poll`], [`Poller`], [`Socket::fd`], [`proxy`]), the
//! async API ([`AsyncSocket`], on any executor) and the security options
//! ([`CurveKey`], [`CurveKeyPair`], ZAP).
//!
//! # Hello, REQ/REP
//!
//! ```
//! use ferrozmq::{Context, Msg, SocketType};
//!
//! let ctx = Context::new()?;
//! let rep = ctx.socket(SocketType::Rep)?;
//! rep.bind("tcp://127.0.0.1:0")?; // port 0: the system picks one
//! let endpoint = rep.last_endpoint().unwrap().to_string();
//!
//! let req = ctx.socket(SocketType::Req)?;
//! req.connect(&endpoint)?;
//! req.send(Msg::from_static(b"hello"))?;
//! assert_eq!(rep.recv()?, b"hello");
//! rep.send(Msg::from_static(b"world"))?;
//! assert_eq!(req.recv()?, b"world");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # ROUTER and DEALER
//!
//! A ROUTER receives each message behind the routing id of the peer that
//! sent it, and routes what it sends by that first frame:
//!
//! ```
//! use ferrozmq::{Context, Msg, Multipart, RoutingId, SocketOption, SocketType};
//!
//! let ctx = Context::new()?;
//! let router = ctx.socket(SocketType::Router)?;
//! router.bind("inproc://broker")?;
//! let dealer = ctx.socket(SocketType::Dealer)?;
//! dealer.set_option(SocketOption::RoutingId(Some(RoutingId::new(*b"worker-1")?)))?;
//! dealer.connect("inproc://broker")?;
//! dealer.send(Msg::from_static(b"ready"))?;
//! let got = router.recv_multipart()?;
//! assert_eq!((&got[0][..], &got[1][..]), (&b"worker-1"[..], &b"ready"[..]));
//! router.send_multipart([Msg::from_static(b"worker-1"), Msg::from_static(b"job")])?;
//! assert_eq!(dealer.recv()?, b"job");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Blocking, `poll` and async, side by side
//!
//! One engine, three ways to wait. Blocking calls wait on one socket:
//!
//! ```
//! use ferrozmq::{Context, Msg, SocketType};
//!
//! let ctx = Context::new()?;
//! let (jobs, control) = (ctx.socket(SocketType::Pull)?, ctx.socket(SocketType::Pull)?);
//! jobs.bind("inproc://jobs")?;
//! control.bind("inproc://control")?;
//! let feeder = ctx.socket(SocketType::Push)?;
//! feeder.connect("inproc://jobs")?;
//! feeder.send(Msg::from_static(b"job 1"))?;
//! assert_eq!(jobs.recv()?, b"job 1"); // waits (up to RCVTIMEO) for this socket only
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`poll`] waits on several at once, and on raw file descriptors too
//! (libzmq's `zmq_poll`); [`Poller`] is the persistent set whose wait
//! costs what is ready, not what is registered (libzmq's `zmq_poller`).
//! A readable socket has a whole message; an idle wait burns no CPU:
//!
//! ```
//! use std::time::Duration;
//! use ferrozmq::{Context, Msg, PollEvents, Poller, PollerEvent, SocketType, poll};
//!
//! let ctx = Context::new()?;
//! let (jobs, control) = (ctx.socket(SocketType::Pull)?, ctx.socket(SocketType::Pull)?);
//! jobs.bind("inproc://jobs")?;
//! control.bind("inproc://control")?;
//! let boss = ctx.socket(SocketType::Push)?;
//! boss.connect("inproc://control")?;
//! boss.send(Msg::from_static(b"stop"))?;
//!
//! let mut items = [jobs.as_poll_item(PollEvents::IN), control.as_poll_item(PollEvents::IN)];
//! let ready = poll(&mut items, Some(Duration::from_secs(5)))?; // None waits forever
//! assert_eq!(ready, 1);
//! assert!(items[1].is_readable() && !items[0].is_readable());
//!
//! let mut poller = Poller::new();
//! poller.add(&jobs, 0, PollEvents::IN)?;
//! poller.add(&control, 1, PollEvents::IN)?;
//! let mut events = [PollerEvent::default(); 8];
//! let n = poller.wait(&mut events, Some(Duration::from_secs(5)))?;
//! assert_eq!(&events[..n], [PollerEvent { token: 1, events: PollEvents::IN }]);
//! assert_eq!(control.recv()?, b"stop");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Another event loop (mio, epoll, GLib, asyncio) waits on [`Socket::fd`]
//! (libzmq's `ZMQ_FD`, edge-triggered: after each wake-up, ask
//! [`Socket::events`] and work until it says no). [`proxy`] and
//! [`proxy_steerable`] are libzmq's device loop, built on the same wait.
//!
//! [`AsyncSocket`] is the async face: `&self` futures that are cancel
//! safe (a dropped `recv` took nothing; a dropped `send` queued all or
//! nothing), a `Stream` of received messages and a `Sink` of messages to
//! send. It wakes the task's `Waker` from the socket's own signal: no
//! runtime named, no thread per socket, no timer polling. The same on
//! tokio, smol, async-std or `futures::executor`:
//!
//! ```
//! use ferrozmq::{AsyncSocket, Context, Msg, SocketType};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build()?.block_on(async {
//! let ctx = Context::new()?;
//! let jobs = AsyncSocket::new(ctx.socket(SocketType::Pull)?);
//! jobs.get_ref().bind("inproc://jobs")?;
//! let control = AsyncSocket::new(ctx.socket(SocketType::Pull)?);
//! control.get_ref().bind("inproc://control")?;
//! let feeder = AsyncSocket::new(ctx.socket(SocketType::Push)?);
//! feeder.get_ref().connect("inproc://jobs")?;
//! feeder.send(Msg::from_static(b"job 1")).await?;
//!
//! tokio::select! {
//!     job = jobs.recv() => assert_eq!(job?, b"job 1"),
//!     _ = control.recv() => unreachable!("nothing was sent there"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The examples in `examples/` (run by CI) show topic/value PUB/SUB, a
//! load-balancing ROUTER broker between DEALER clients and workers (named
//! and generated routing ids, replies routed back to their client), an
//! XSUB/XPUB forwarder moving messages down and subscriptions up, two large
//! matrices sent zero-copy as one two-part message, a CURVE server behind
//! an [`Authenticator`] admitting one client key, an async ROUTER
//! server on tokio serving many DEALER clients at once, `select!` over two
//! sockets and a timer, a feed socket with a
//! [`Pool`] allocator beside a control socket on the heap, and a feed received
//! straight into shared memory.
//!
//! # Messages
//!
//! ```
//! use ferrozmq::{Msg, Multipart, Storage};
//!
//! let hello = Msg::from_static(b"hello");                 // no allocation
//! let small = Msg::copy_from_slice(b"inline up to 34 B");  // no allocation
//! assert_eq!(small.storage(), Storage::Inline);
//! let matrix = Msg::from(vec![0u8; 1 << 20]);              // zero-copy: the Vec is the body
//! let parts = Multipart::from([hello, matrix.clone()]);   // clone: one atomic increment
//! assert_eq!(parts[1].as_ptr(), matrix.as_ptr());
//! ```
//!
//! # Security: PLAIN, CURVE and ZAP
//!
//! The security options are libzmq's, with its rules: the last one set
//! picks the mechanism ([`SocketOption::PlainServer`],
//! [`SocketOption::CurveServer`], the `Curve*Key` and `Plain*` options) and
//! applies to the binds and connects made after it. inproc connections have
//! no mechanism. A CURVE client needs its key pair and the server's public
//! key; without them `connect` fails at once with a [`SecurityError`].
//!
//! A PLAIN or CURVE server asks the ZAP handler (RFC 27) bound at
//! [`ZAP_ENDPOINT`] (`inproc://zeromq.zap.01`) in its own context about
//! each client, as libzmq does, so a handler written for libzmq (a REP
//! socket answering status `200`, `300`, `400` or `500`) works unchanged; a
//! NULL socket asks it too once [`SocketOption::ZapDomain`] is set. With no
//! handler bound, a PLAIN server refuses every client, a CURVE server
//! accepts every client that proves its key (unless
//! [`SocketOption::ZapEnforceDomain`] is set), and a NULL socket accepts.
//! The I/O thread never waits for the handler. [`Authenticator`] is a
//! ready handler (pyzmq's `ThreadAuthenticator` rules: address allow and
//! deny lists, PLAIN passwords and CURVE keys per domain). A refusal is a
//! [`SocketEventKind::HandshakeFailedAuth`] with the status code on both
//! sides; the user id a handler gives an accepted client comes with
//! [`SocketEventKind::HandshakeSucceeded`], and with every message that
//! client sends, as libzmq's `User-Id` message property: the
//! [`PeerProperties`] of [`Socket::recv_multipart_with_properties`] and
//! [`Socket::peer_properties`] (also `Peer-Address`, `Socket-Type`,
//! `Identity` and the peer's application metadata, names compared
//! case-insensitively).
//!
//! ```
//! use std::time::Duration;
//! use ferrozmq::{Context, CurveKeyPair, Msg, Multipart, SocketEventKind, SocketOption, SocketType, ZAP_ENDPOINT};
//!
//! let ctx = Context::new()?;
//! let server_keys = CurveKeyPair::generate();
//! let client_keys = CurveKeyPair::generate();
//!
//! // A ZAP handler admitting one client key, under the user id "alice".
//! let zap = ctx.socket(SocketType::Rep)?;
//! zap.bind(ZAP_ENDPOINT)?;
//! let alice = client_keys.public.clone();
//! let handler = std::thread::spawn(move || -> Result<(), ferrozmq::Error> {
//!     // Version, request id, domain, address, routing id, mechanism, key.
//!     let req = zap.recv_multipart()?;
//!     let ok = &req[5][..] == b"CURVE" && &req[6][..] == alice.as_bytes();
//!     let (status, user): (&[u8], &[u8]) = if ok { (b"200", b"alice") } else { (b"400", b"") };
//!     let reply: Multipart = [&req[0][..], &req[1], status, b"", user, b""]
//!         .into_iter()
//!         .map(Msg::copy_from_slice)
//!         .collect();
//!     zap.send_multipart(reply)?;
//!     Ok(())
//! });
//!
//! let rep = ctx.socket(SocketType::Rep)?;
//! rep.set_option(SocketOption::CurveServer(true))?;
//! rep.set_option(SocketOption::CurveSecretKey(server_keys.secret.clone()))?;
//! let mut events = rep.monitor();
//! rep.bind("tcp://127.0.0.1:0")?;
//!
//! let req = ctx.socket(SocketType::Req)?;
//! req.set_option(SocketOption::CurveServerKey(server_keys.public.clone()))?;
//! req.set_option(SocketOption::CurvePublicKey(client_keys.public.clone()))?;
//! req.set_option(SocketOption::CurveSecretKey(client_keys.secret.clone()))?;
//! req.connect(&rep.last_endpoint().unwrap().to_string())?;
//! req.send(Msg::from_static(b"hello"))?; // encrypted on the wire
//! assert_eq!(rep.recv()?, b"hello");
//! let from = rep.peer_properties().expect("the sender's properties");
//! assert_eq!(from.get("user-id"), Some(&b"alice"[..]));
//! assert_eq!(from.get("Socket-Type"), Some(&b"REQ"[..]));
//! let user_id = loop {
//!     let event = events.recv_timeout(Duration::from_secs(10)).expect("an event");
//!     if let SocketEventKind::HandshakeSucceeded { .. } = event.kind {
//!         break event.user_id; // who the handler said the client is
//!     }
//! };
//! assert_eq!(user_id, b"alice");
//! handler.join().unwrap()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Monitoring a socket
//!
//! [`Socket::monitor`] returns a [`SocketMonitor`] of the socket's
//! connection events (libzmq's `zmq_socket_monitor`); a dropped connection
//! says why, with a typed [`SessionError`]:
//!
//! ```
//! use std::time::Duration;
//! use ferrozmq::{Context, SocketEventKind, SocketOption, SocketType};
//!
//! let ctx = Context::new()?;
//! let pull = ctx.socket(SocketType::Pull)?;
//! pull.set_option(SocketOption::HeartbeatIvl(Some(Duration::from_millis(100))))?;
//! let mut monitor = pull.monitor();
//! pull.bind("tcp://127.0.0.1:0")?;
//! let push = ctx.socket(SocketType::Push)?;
//! push.connect(&pull.last_endpoint().unwrap().to_string())?;
//! let peer = loop {
//!     let event = monitor.recv_timeout(Duration::from_secs(10)).expect("an event");
//!     if let SocketEventKind::HandshakeSucceeded { peer, .. } = event.kind {
//!         break peer;
//!     }
//! };
//! assert_eq!(peer, SocketType::Push);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Receive allocators
//!
//! Each socket chooses where its received frames live
//! ([`Socket::set_recv_allocator`]). By default each socket has its own
//! [`Cache`]: size classes from 64 B to 1 MiB whose released blocks are kept
//! for reuse (bounded per class, idle ones given back), so a steady feed
//! receives without touching the heap; [`Heap`] is the plain global
//! allocator. The receive path asks the allocator for a frame's exact size
//! and reads straight into it, as here by hand:
//!
//! ```
//! use std::sync::Arc;
//! use ferrozmq::{MsgMut, Pool, RecvAllocator};
//!
//! let feed: Arc<dyn RecvAllocator> = Arc::new(Pool::new(16 << 20));
//! let mut frame = MsgMut::new_in(&feed, 100_000)?;
//! frame.fill_from(&[42u8; 100_000]);
//! let msg = frame.freeze(); // back to `feed` on its last drop, from any thread
//! assert_eq!(msg[99_999], 42);
//! # Ok::<(), ferrozmq::AllocError>(())
//! ```

#![forbid(unsafe_code)]

#[cfg(target_os = "linux")]
pub use ferrozmq_alloc::SharedMemory;
pub use ferrozmq_alloc::{
    AllocError, AllocErrorKind, ApiAllocator, Bump, BumpBuilder, Cache, Heap, Mimalloc, Oversize,
    Pool, PoolBuilder, RecvAllocator,
};
pub use ferrozmq_msg::{INLINE_CAPACITY, INLINE_FRAMES, Msg, MsgMut, Multipart, Storage};
pub use ferrozmq_socket::{
    AsyncSocket, Authenticator, AuthenticatorError, BindError, CommandError, ConnectError,
    ConnectionError, Context, CurveKey, CurveKeyPair, CurveKeys, DisconnectError, Endpoint,
    EndpointError, Error, FrameError, GreetingError, HandshakeError, KeyError, MONITOR_CAPACITY,
    MetadataError, OptionError, Options, PROXY_BURST, PeerProperties, PollError, PollEvents,
    PollItem, Poller, PollerEvent, ProxyError, ProxySideStats, RecvError, RecvFuture,
    RecvMultipartFuture, RoutingId, SecurityError, SecurityMechanism, SendError, SendFlags,
    SendFuture, SendMultipartFuture, SessionError, Socket, SocketError, SocketEvent,
    SocketEventKind, SocketMonitor, SocketOption, SocketType, UnbindError, ZAP_ENDPOINT, ZapError,
    poll, proxy, proxy_steerable,
};

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
