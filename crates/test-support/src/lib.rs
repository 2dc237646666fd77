//! Shared test helpers for ferrozmq's crates (h2's `publish = false`
//! test-support pattern): a counting global allocator whose counts are per
//! thread, so tests that run in parallel in one binary do not see each
//! other's allocations, and [`Metered`], a receive allocator that meters its
//! traffic and can be made to refuse; [`CountingRecv`], a receive allocator
//! that counts the calls it forwards; [`process::finish`], a bounded wait on
//! a child process; [`perf_tools`], pairs of perf-tool processes run and
//! their libzmq-format lines checked; and, with the `malloc-count` feature (Linux with glibc),
//! `malloc_count`, a process-wide count of the C allocator for
//! benchmarks.
//!
//! The counting allocator only counts; it never changes what the system
//! allocator does. Each test
//! binary that wants counts installs it itself:
//!
//! ```
//! use ferrozmq_test_support::{CountingAlloc, counted};
//!
//! #[global_allocator]
//! static GLOBAL: CountingAlloc = CountingAlloc;
//!
//! let (v, counts) = counted(|| vec![1u8; 100]);
//! assert_eq!(counts.allocs, 1);
//! let ((), counts) = counted(|| drop(v));
//! assert_eq!(counts.frees, 1);
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ferrozmq_alloc::{AllocError, AllocErrorKind, Heap, RecvAllocator};
use ferrozmq_msg::ReadBlock;

#[cfg(all(feature = "malloc-count", target_os = "linux", target_env = "gnu"))]
pub mod malloc_count;
pub mod perf_tools;
pub mod process;
mod recv_count;
mod temp_dir;

pub use recv_count::CountingRecv;
pub use temp_dir::TempDir;

/// A global allocator that forwards to [`System`] and counts, per thread, the
/// allocations and frees the calling thread makes. A `realloc` counts as one
/// of each.
#[derive(Debug, Default, Clone, Copy)]
pub struct CountingAlloc;

thread_local! {
    static ALLOCS: Cell<usize> = const { Cell::new(0) };
    static FREES: Cell<usize> = const { Cell::new(0) };
}

fn bump(counter: &'static std::thread::LocalKey<Cell<usize>>) {
    // `try_with`: during thread teardown the counters may be gone; not
    // counting there is fine, panicking inside the allocator is not.
    let _ = counter.try_with(|c| c.set(c.get() + 1));
}

// SAFETY: every call is forwarded unchanged to `System`, which implements the
// contract; the counters are const-initialised thread-locals without
// destructors, so touching them never allocates or re-enters the allocator.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCS);
        // SAFETY: our caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        bump(&ALLOCS);
        // SAFETY: our caller upholds `GlobalAlloc::alloc_zeroed`'s contract.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        bump(&FREES);
        // SAFETY: our caller upholds `GlobalAlloc::dealloc`'s contract.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        bump(&ALLOCS);
        bump(&FREES);
        // SAFETY: our caller upholds `GlobalAlloc::realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// What the calling thread allocated and freed during one [`counted`] call.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Allocations (including reallocations).
    pub allocs: usize,
    /// Frees (including reallocations).
    pub frees: usize,
}

/// The calling thread's running totals since it started: the global
/// allocator's calls and the message bodies' blocks from mimalloc, which it
/// does not see (`ferrozmq-msg`'s `body_counts`; none with `malloc-count`,
/// where every body comes from the global allocator).
pub fn totals() -> Counts {
    let bodies = ferrozmq_msg::body_counts();
    Counts {
        allocs: ALLOCS.with(Cell::get) + bodies.allocs,
        frees: FREES.with(Cell::get) + bodies.frees,
    }
}

/// Runs `f` and returns its result with what the calling thread allocated and
/// freed meanwhile. Meaningful only in a binary whose `#[global_allocator]` is
/// [`CountingAlloc`] (otherwise only message bodies are counted).
pub fn counted<R>(f: impl FnOnce() -> R) -> (R, Counts) {
    let before = totals();
    let r = f();
    let after = totals();
    (
        r,
        Counts {
            allocs: after.allocs - before.allocs,
            frees: after.frees - before.frees,
        },
    )
}

/// A [`RecvAllocator`] over [`Heap`] that meters what passes through it and
/// can be switched to answer `Exhausted`, for tests of the receive path.
///
/// ```
/// use std::alloc::Layout;
/// use std::sync::atomic::Ordering;
/// use ferrozmq_alloc::RecvAllocator;
/// use ferrozmq_test_support::Metered;
///
/// let m = Metered::default();
/// let layout = Layout::from_size_align(100, 8).unwrap();
/// let block = m.allocate(layout).unwrap();
/// assert_eq!((m.live(), m.largest()), (1, 100));
/// m.exhausted.store(true, Ordering::Relaxed);
/// assert!(m.allocate(layout).unwrap_err().is_transient());
/// // SAFETY: the block came from `m.allocate(layout)` and is not used again.
/// unsafe { m.deallocate(block.cast(), layout) };
/// assert_eq!((m.live(), m.freed()), (0, 1));
/// ```
#[derive(Debug, Default)]
pub struct Metered {
    inner: Heap,
    largest: AtomicUsize,
    live: AtomicUsize,
    freed: AtomicUsize,
    largest_body: AtomicUsize,
    live_bodies: AtomicUsize,
    /// While true, every request is answered `Exhausted`.
    pub exhausted: AtomicBool,
}

impl Metered {
    /// The largest request seen, in bytes.
    pub fn largest(&self) -> usize {
        self.largest.load(Ordering::SeqCst)
    }

    /// Blocks handed out and not yet returned.
    pub fn live(&self) -> usize {
        self.live.load(Ordering::SeqCst)
    }

    /// Blocks returned so far.
    pub fn freed(&self) -> usize {
        self.freed.load(Ordering::SeqCst)
    }

    /// The largest request that was not a connection's read block: what a
    /// peer's size fields made the receiver allocate.
    pub fn largest_body(&self) -> usize {
        self.largest_body.load(Ordering::SeqCst)
    }

    /// Blocks handed out and not yet returned, read blocks left out: the
    /// bodies received (or being received) and still held.
    pub fn live_bodies(&self) -> usize {
        self.live_bodies.load(Ordering::SeqCst)
    }
}

/// The read blocks ferrozmq's sessions take from a socket's receive
/// allocator (`ReadBlock`): 8 KiB, doubling up to 64 KiB (`session.rs`).
/// A body of exactly one of these sizes would be counted as a read block;
/// tests use other sizes.
fn is_read_block(layout: Layout) -> bool {
    (0..4).any(|k| ReadBlock::layout(8192 << k) == Some(layout))
}

// SAFETY: every block comes from `Heap` and goes back to it unchanged; the
// counters never touch the blocks.
unsafe impl RecvAllocator for Metered {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        if self.exhausted.load(Ordering::SeqCst) {
            return Err(AllocError::new(AllocErrorKind::Exhausted, layout));
        }
        let block = self.inner.allocate(layout)?;
        self.largest.fetch_max(layout.size(), Ordering::SeqCst);
        if !is_read_block(layout) {
            self.largest_body.fetch_max(layout.size(), Ordering::SeqCst);
            self.live_bodies.fetch_add(1, Ordering::SeqCst);
        }
        self.live.fetch_add(1, Ordering::SeqCst);
        Ok(block)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        if !is_read_block(layout) {
            self.live_bodies.fetch_sub(1, Ordering::SeqCst);
        }
        self.live.fetch_sub(1, Ordering::SeqCst);
        self.freed.fetch_add(1, Ordering::SeqCst);
        // SAFETY: forwarded from our caller, who got `ptr` from `allocate`
        // with this layout, which got it from `inner`.
        unsafe { self.inner.deallocate(ptr, layout) }
    }

    fn name(&self) -> &'static str {
        "metered"
    }
}
