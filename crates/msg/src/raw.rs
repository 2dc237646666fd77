//! The one audited place where this crate allocates and frees raw memory:
//! the heap blocks of message bodies (header and data together) and of the
//! read blocks a receive allocator refused. Everything else goes through
//! these two functions.
//!
//! Blocks up to 128 KiB come from mimalloc, not from the process's
//! `#[global_allocator]`: a body is typically allocated by the sending
//! thread and freed by the I/O thread that wrote it (or the other way
//! round on receive), and glibc's allocator serves that pattern badly (the
//! freeing thread's cache fills, the allocating thread's stays empty, and
//! every allocation takes the arena's slow path: about a quarter of an
//! inproc stream's time). mimalloc frees a block from another thread onto
//! its page's own list, which the owning thread takes back in bulk. Larger
//! blocks, and with the `global-alloc` feature every block, come from the
//! global allocator (the feature is for programs that count or profile
//! every allocation through it).
//!
//! With the `count` feature, each thread counts the blocks it took from
//! and gave back to mimalloc ([`body_counts`]), for tests: the blocks its
//! global allocator does not see (that one counts the rest itself).

use core::alloc::Layout;
use core::ptr::NonNull;

/// Allocates `layout`; `None` when it fails.
///
/// `layout` must have a non-zero size (every caller puts a header in front of
/// the data, so it always has).
pub(crate) fn alloc(layout: Layout) -> Option<NonNull<u8>> {
    debug_assert!(layout.size() > 0);
    let ptr = if from_mimalloc(layout) {
        #[cfg(feature = "count")]
        count::bump(&count::ALLOCS);
        // SAFETY: `mi_malloc_aligned` accepts any size and any power-of-two
        // alignment (a `Layout`'s is) and returns null on failure.
        unsafe { libmimalloc_sys::mi_malloc_aligned(layout.size(), layout.align()) }.cast()
    } else {
        // SAFETY: every layout this crate allocates starts with a non-empty
        // header, so its size is non-zero, which is `alloc`'s only
        // precondition.
        unsafe { std::alloc::alloc(layout) }
    };
    NonNull::new(ptr)
}

/// Frees a block that [`alloc`] returned, from any thread.
///
/// # Safety
///
/// `ptr` must come from [`alloc`] with this same `layout` and must not be used
/// afterwards.
pub(crate) unsafe fn dealloc(ptr: NonNull<u8>, layout: Layout) {
    debug_assert!(layout.size() > 0);
    if from_mimalloc(layout) {
        #[cfg(feature = "count")]
        count::bump(&count::FREES);
        // SAFETY: the caller guarantees `ptr` came from `alloc` with this
        // layout, so from `mi_malloc_aligned`, and is not used again;
        // `mi_free` takes a block from any thread.
        unsafe { libmimalloc_sys::mi_free(ptr.as_ptr().cast()) }
    } else {
        // SAFETY: the caller guarantees `ptr` came from `alloc` with this
        // layout, so from the global allocator, and is not used again.
        unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) }
    }
}

/// The most a block from mimalloc holds: its medium objects' limit. A larger
/// block is an allocation of its own in either allocator, and mimalloc
/// gives each back to the OS when it is freed, so the next one is faulted
/// in and zeroed again (1 MiB bodies: 40 % of the sender's time in
/// `clear_page`, against glibc's reused mapping).
const MIMALLOC_MAX: usize = 128 * 1024;

/// Whether blocks of `layout` come from mimalloc (else from the global
/// allocator): the same answer for a block's `alloc` and its `dealloc`.
fn from_mimalloc(layout: Layout) -> bool {
    !cfg!(feature = "global-alloc") && layout.size() <= MIMALLOC_MAX
}

/// Blocks the calling thread took from and gave back to mimalloc for
/// message bodies (and unsliced read blocks) since it started; blocks from
/// the global allocator are not counted here (see the module docs).
#[cfg(feature = "count")]
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BodyCounts {
    /// Blocks allocated.
    pub allocs: usize,
    /// Blocks freed.
    pub frees: usize,
}

/// The calling thread's [`BodyCounts`] (feature `count`).
#[cfg(feature = "count")]
pub fn body_counts() -> BodyCounts {
    BodyCounts {
        allocs: count::ALLOCS.with(core::cell::Cell::get),
        frees: count::FREES.with(core::cell::Cell::get),
    }
}

#[cfg(feature = "count")]
mod count {
    use core::cell::Cell;

    std::thread_local! {
        pub(super) static ALLOCS: Cell<usize> = const { Cell::new(0) };
        pub(super) static FREES: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn bump(counter: &'static std::thread::LocalKey<Cell<usize>>) {
        // During thread teardown the counters may be gone: not counting
        // there is fine.
        let _ = counter.try_with(|c| c.set(c.get() + 1));
    }
}
