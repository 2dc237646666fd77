//! ferrozmq: a pure-Rust messaging library in the ZeroMQ family.
//!
//! ferrozmq speaks ZMTP 3.1 (and 3.0) with the NULL mechanism, so its sockets
//! talk to libzmq, pyzmq and cppzmq peers. This facade re-exports the public
//! API: [`Context`] and [`Socket`] (PUSH/PULL, PUB/SUB, REQ/REP over `tcp://`,
//! `ipc://` and `inproc://`), the message types ([`Msg`], [`MsgMut`],
//! [`Multipart`]) and the per-socket receive allocators ([`RecvAllocator`]
//! and its implementations). DEALER, ROUTER, PAIR, XPUB and XSUB, and the
//! PLAIN and CURVE mechanisms, are not built yet.
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
//! The examples in `examples/` (run by CI) show topic/value PUB/SUB, two large
//! matrices sent zero-copy as one two-part message, a feed socket with a
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
//! # Receive allocators
//!
//! Each socket chooses where its received frames live
//! ([`Socket::set_recv_allocator`]). The receive path asks the allocator for a
//! frame's exact size and reads straight into it, as here by hand:
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
    AllocError, AllocErrorKind, ApiAllocator, Bump, BumpBuilder, Heap, Mimalloc, Oversize, Pool,
    PoolBuilder, RecvAllocator,
};
pub use ferrozmq_msg::{INLINE_CAPACITY, INLINE_FRAMES, Msg, MsgMut, Multipart, Storage};
pub use ferrozmq_socket::{
    BindError, ConnectError, Context, Endpoint, EndpointError, Error, OptionError, Options,
    RecvError, RoutingId, SendError, SendFlags, Socket, SocketError, SocketOption, SocketType,
};

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
