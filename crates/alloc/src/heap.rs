//! [`Heap`]: the plain receive allocator, straight from the global
//! allocator.
//!
//! It is unbounded and never notifies: each request is one call to the
//! process's `#[global_allocator]` (through the crate's audited `raw` helper)
//! and each release one free. It keeps no cache, no statistics and no state.

use core::alloc::Layout;
use core::ptr::NonNull;

use crate::{AllocError, AllocErrorKind, RecvAllocator, raw};

/// The global allocator as a [`RecvAllocator`]: one allocation and one free
/// per block. The socket default is [`Cache`](crate::Cache), which keeps
/// released blocks for reuse.
///
/// Any size and alignment the global allocator accepts is served. A failure
/// of the global allocator is [`AllocErrorKind::Failed`]; it never answers
/// `Exhausted`, so [`notify_on_release`](RecvAllocator::notify_on_release)
/// returns `false`. Zero-size layouts (which callers never ask for) get a
/// dangling, aligned pointer without touching the global allocator.
///
/// # Examples
///
/// ```
/// use std::alloc::Layout;
/// use ferrozmq_alloc::{Heap, RecvAllocator};
///
/// let heap = Heap::new();
/// let layout = Layout::from_size_align(4096, 16).unwrap();
/// let block = heap.allocate(layout).unwrap();
/// assert_eq!(block.len(), 4096);
/// assert_eq!(block.cast::<u8>().as_ptr().addr() % 16, 0);
/// // SAFETY: the block came from `heap.allocate(layout)` and is not used again.
/// unsafe { heap.deallocate(block.cast(), layout) };
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Heap;

impl Heap {
    /// The global allocator.
    pub const fn new() -> Self {
        Self
    }
}

// SAFETY: every block comes from `raw::alloc`, i.e. the global allocator,
// which hands out distinct blocks valid for `layout` until freed, from and to
// any thread; `Heap` has no state that could go away before its blocks.
unsafe impl RecvAllocator for Heap {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        match raw::alloc(layout) {
            Some(ptr) => Ok(NonNull::slice_from_raw_parts(ptr, layout.size())),
            None => Err(AllocError::new(AllocErrorKind::Failed, layout)),
        }
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        debug_assert!(ptr.as_ptr().addr().is_multiple_of(layout.align()));
        // SAFETY: the caller promises `ptr` came from `allocate(layout)`,
        // which is `raw::alloc(layout)`, and is not used again.
        unsafe { raw::dealloc(ptr, layout) }
    }

    fn name(&self) -> &'static str {
        "heap"
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn zero_size_never_touches_the_allocator() {
        let layout = Layout::from_size_align(0, 8).unwrap();
        let block = Heap.allocate(layout).unwrap();
        assert_eq!(block.len(), 0);
        assert_eq!(block.cast::<u8>().as_ptr().addr(), 8);
        // SAFETY: from `allocate(layout)`.
        unsafe { Heap.deallocate(block.cast(), layout) };
    }

    #[test]
    fn impossible_size_fails() {
        let layout = Layout::from_size_align(isize::MAX as usize - 64, 1).unwrap();
        let err = Heap.allocate(layout).unwrap_err();
        assert_eq!(err.kind(), AllocErrorKind::Failed);
        assert!(!err.is_transient());
        assert!(!Heap.notify_on_release(core::task::Waker::noop()));
        assert_eq!(Heap.name(), "heap");
    }
}
