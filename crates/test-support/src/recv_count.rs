//! [`CountingRecv`]: a receive allocator that forwards to another one and
//! counts the calls, for benchmarks that report how often the receive path
//! asks its allocator for memory (allocators such as mimalloc, a pool's
//! cache, a bump arena or a shared-memory region never reach `malloc`, so a
//! heap counter alone would not see them).

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Waker;

use ferrozmq_alloc::{AllocError, RecvAllocator};

/// A [`RecvAllocator`] that forwards every call to `inner` and counts the
/// blocks handed out and returned (relaxed atomics; nothing else changes).
///
/// ```
/// use std::alloc::Layout;
/// use std::sync::Arc;
/// use ferrozmq_alloc::{Heap, RecvAllocator};
/// use ferrozmq_test_support::CountingRecv;
///
/// let counted = CountingRecv::new(Arc::new(Heap));
/// let layout = Layout::from_size_align(100, 8).unwrap();
/// let block = counted.allocate(layout).unwrap();
/// // SAFETY: the block came from `counted.allocate(layout)` and is not used again.
/// unsafe { counted.deallocate(block.cast(), layout) };
/// assert_eq!(counted.counts(), (1, 1));
/// assert_eq!(counted.name(), "heap");
/// ```
pub struct CountingRecv {
    inner: Arc<dyn RecvAllocator>,
    allocs: AtomicU64,
    frees: AtomicU64,
}

impl CountingRecv {
    /// Counts the calls made to `inner`.
    pub fn new(inner: Arc<dyn RecvAllocator>) -> Self {
        Self {
            inner,
            allocs: AtomicU64::new(0),
            frees: AtomicU64::new(0),
        }
    }

    /// `(allocations, deallocations)` so far; failed allocations are not
    /// counted.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.allocs.load(Ordering::Relaxed),
            self.frees.load(Ordering::Relaxed),
        )
    }
}

impl std::fmt::Debug for CountingRecv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CountingRecv")
            .field("inner", &self.inner.name())
            .field("counts", &self.counts())
            .finish()
    }
}

// SAFETY: every block comes from `inner` and goes back to it unchanged with
// the same layout; the counters never touch the blocks, so `inner`'s
// guarantees carry over as they are.
unsafe impl RecvAllocator for CountingRecv {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let block = self.inner.allocate(layout)?;
        self.allocs.fetch_add(1, Ordering::Relaxed);
        Ok(block)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        self.frees.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded from our caller, who got `ptr` from `allocate`
        // with this layout, which got it from `inner`.
        unsafe { self.inner.deallocate(ptr, layout) }
    }

    fn notify_on_release(&self, waker: &Waker) -> bool {
        self.inner.notify_on_release(waker)
    }

    fn name(&self) -> &'static str {
        self.inner.name()
    }
}
