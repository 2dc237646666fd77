//! ferrozmq: a pure-Rust messaging library in the ZeroMQ family.
//!
//! This facade re-exports what exists today: the message types ([`Msg`],
//! [`MsgMut`], [`Multipart`]) and the per-socket receive allocators
//! ([`RecvAllocator`] and its implementations). Sockets, transports and the
//! ZMTP wire protocol are not built yet, and nothing here pretends they are.
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
//! Each socket will choose where its received frames live. The receive path
//! asks the allocator for a frame's exact size and reads straight into it:
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

/// The README's examples, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
