//! Receive allocators: where a socket's incoming message bodies live.
//!
//! A [`RecvAllocator`] hands out raw memory for one incoming frame and takes it
//! back when the last reference to that frame is dropped, from any thread and
//! possibly long after the socket that asked for it is closed (callers keep the
//! allocator alive through an `Arc<dyn RecvAllocator>`). It speaks
//! [`Layout`] and `NonNull<[u8]>` only: it knows nothing about messages, framing,
//! sockets or threads.
//!
//! Exhaustion is a value, [`AllocError`], never a panic or an abort. An
//! [`AllocErrorKind::Exhausted`] answer is back-pressure: the caller stops reading
//! and asks again once memory has come back, which it can learn about through
//! [`RecvAllocator::notify_on_release`]. An [`AllocErrorKind::TooLarge`] answer
//! is final for that request size.
//!
//! # The allocators
//!
//! | type | memory from | bounded | notifies | alignment |
//! | --- | --- | --- | --- | --- |
//! | [`Cache`] (the socket default) | global allocator, released blocks kept per size class, idle ones given back | live: no; cached: per class | no | any (above [`Cache::MAX_ALIGN`] straight from the global allocator) |
//! | [`Heap`] | the global allocator | no | no | any |
//! | [`Pool`] | global allocator, blocks kept per size class | yes, in bytes | yes | any (above [`Pool::MAX_ALIGN`] takes the oversize route) |
//! | [`Bump`] | fixed arena blocks carved with bumpalo | yes, in blocks | yes | any that fits a block |
//! | [`Mimalloc`] | a dedicated mimalloc heap | no | no | any mimalloc accepts |
//! | [`SharedMemory`] (Linux) | one memfd mapping, fixed slots | yes, in slots | yes | up to 64 |
//! | [`ApiAllocator`] | any `allocator_api2` allocator | as the inner one | no | as the inner one |
//!
//! Every allocator in this crate returns a slice of exactly `layout.size()`
//! bytes, so the caller can use the slice length as the buffer length.
//!
//! # Examples
//!
//! ```
//! use std::alloc::Layout;
//! use std::sync::Arc;
//! use ferrozmq_alloc::{Pool, RecvAllocator};
//!
//! let alloc: Arc<dyn RecvAllocator> = Arc::new(Pool::new(1 << 20));
//! let layout = Layout::from_size_align(1500, 8).unwrap();
//! let block = alloc.allocate(layout).unwrap();
//! assert_eq!(block.len(), 1500);
//! let ptr = block.cast::<u8>();
//! // SAFETY: the block is valid for writes of its 1500 bytes.
//! unsafe { ptr.write_bytes(0xAB, block.len()) };
//! // SAFETY: `ptr` came from `alloc.allocate(layout)` and is not used again.
//! unsafe { alloc.deallocate(ptr, layout) };
//! ```

mod adapter;
mod bump;
mod cache;
mod heap;
mod mimalloc;
mod pool;
mod queue;
mod raw;
#[cfg(target_os = "linux")]
mod shm;
mod sync;
mod waiters;

pub use adapter::ApiAllocator;
pub use bump::{Bump, BumpBuilder};
pub use cache::Cache;
pub use heap::Heap;
pub use mimalloc::Mimalloc;
pub use pool::{Oversize, Pool, PoolBuilder};
#[cfg(target_os = "linux")]
pub use shm::SharedMemory;

use core::alloc::Layout;
use core::fmt;
use core::ptr::NonNull;
use core::task::Waker;

/// Why a [`RecvAllocator`] could not serve a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AllocErrorKind {
    /// The allocator is at its bound right now; memory comes back when
    /// buffers it handed out are released. Treat it as back-pressure.
    Exhausted,
    /// The request can never be served by this allocator (larger than its
    /// largest block or size class, or an alignment it does not support).
    TooLarge,
    /// The memory source underneath failed (the system allocator, a mapping).
    Failed,
}

/// A [`RecvAllocator`] refused a request. Nothing was allocated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllocError {
    kind: AllocErrorKind,
    layout: Layout,
}

impl AllocError {
    /// An error of `kind` for a request of `layout`.
    pub const fn new(kind: AllocErrorKind, layout: Layout) -> Self {
        Self { kind, layout }
    }

    /// Why the request was refused.
    pub const fn kind(&self) -> AllocErrorKind {
        self.kind
    }

    /// What was asked for.
    pub const fn layout(&self) -> Layout {
        self.layout
    }

    /// Whether asking again later may succeed (back-pressure, not failure).
    pub const fn is_transient(&self) -> bool {
        matches!(self.kind, AllocErrorKind::Exhausted)
    }
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            AllocErrorKind::Exhausted => "receive allocator exhausted",
            AllocErrorKind::TooLarge => "request too large for receive allocator",
            AllocErrorKind::Failed => "receive allocator failed",
        };
        write!(
            f,
            "{what} ({} bytes, align {})",
            self.layout.size(),
            self.layout.align()
        )
    }
}

impl std::error::Error for AllocError {}

/// Where a socket's received message bodies are allocated.
///
/// The receive path asks for a block of exactly `layout` for each incoming frame
/// that does not fit inline, writes the frame into it once, then freezes it into
/// a message. The last drop of that message calls [`deallocate`](Self::deallocate)
/// with the same pointer and layout, on whatever thread it happens.
///
/// # Safety
///
/// Implementors promise that:
/// 1. a block returned by `allocate` is valid for reads and writes of at least
///    `layout.size()` bytes, aligned to `layout.align()`, and does not overlap any
///    other block that is live;
/// 2. it stays valid until it is passed to `deallocate`, whichever thread calls
///    either method, and whether or not the allocator's other handles are gone
///    (callers hold the allocator in an `Arc`, so `self` outlives every block).
pub unsafe trait RecvAllocator: Send + Sync + 'static {
    /// Allocates a block for `layout` (its size is never zero).
    ///
    /// # Errors
    ///
    /// [`AllocError`] when the block cannot be had; see [`AllocErrorKind`] for
    /// which answers are back-pressure and which are final.
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError>;

    /// Returns a block to the allocator.
    ///
    /// # Safety
    ///
    /// `ptr` must have been returned by [`allocate`](Self::allocate) on this same
    /// allocator with this same `layout`, and must not be used afterwards. Any thread may call it.
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout);

    /// Asks to have `waker` woken once memory has come back after an
    /// [`AllocErrorKind::Exhausted`] answer.
    ///
    /// Returns `false` when this allocator does not notify; the caller then
    /// retries on a timer of its own. Allocators that can be exhausted override
    /// it. A registered waker is woken at most once; register again after each
    /// new `Exhausted` answer. A wake may be spurious.
    ///
    /// The allocators in this crate that notify ([`Pool`], [`Bump`]) promise no
    /// lost wake-up when the caller registers right after its `Exhausted`
    /// answer, on the same thread, before asking the allocator for anything
    /// else from that thread: a release that happens between the answer and the
    /// registration wakes the waker at once.
    fn notify_on_release(&self, waker: &Waker) -> bool {
        let _ = waker;
        false
    }

    /// A short name for logs and benchmarks (`"heap"`, `"pool"`, ...).
    fn name(&self) -> &'static str;
}
