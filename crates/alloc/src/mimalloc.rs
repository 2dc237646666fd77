//! [`Mimalloc`]: receive buffers from a dedicated mimalloc heap
//! (`libmimalloc-sys`).
//!
//! It is unbounded and never notifies. It does not replace the global
//! allocator and does not touch other mimalloc heaps. mimalloc's thread rules
//! (which differ between mimalloc v2 and v3) and how it follows them are
//! documented on [`Mimalloc`].

use core::alloc::Layout;
use core::ffi::c_void;
use core::fmt;
use core::ptr::NonNull;
use std::thread::{self, ThreadId};

use libmimalloc_sys as ffi;

use crate::sync::OnceLock;
use crate::{AllocError, AllocErrorKind, RecvAllocator};

/// The first mimalloc version whose heaps are first-class (usable from any
/// thread): 3.0.0, as `mi_version()` encodes it.
const FIRST_CLASS_HEAPS: i32 = 30000;

/// The dedicated heap and the thread that may allocate from it.
struct OwnedHeap {
    owner: ThreadId,
    /// `None` when `mi_heap_new` failed; then everyone uses their default
    /// heap.
    heap: Option<NonNull<ffi::mi_heap_t>>,
    /// mimalloc v3 or later: any thread may use the heap.
    first_class: bool,
}

impl OwnedHeap {
    /// Whether the calling thread may call into the heap.
    fn usable_here(&self) -> bool {
        self.first_class || self.owner == thread::current().id()
    }
}

// SAFETY: the heap pointer is passed to mimalloc only where `usable_here`
// allows it (mimalloc v3, or on `owner` under v2); other threads only read
// the fields.
unsafe impl Send for OwnedHeap {}
// SAFETY: as for `Send`: shared access calls into the heap only where
// `usable_here` allows it.
unsafe impl Sync for OwnedHeap {}

/// A [`RecvAllocator`] backed by a dedicated mimalloc heap.
///
/// Any power-of-two alignment mimalloc accepts is served; mimalloc has no
/// bound to report, so a failure (null, also for an alignment it cannot
/// serve) is [`AllocErrorKind::Failed`], and
/// [`notify_on_release`](RecvAllocator::notify_on_release) returns `false`.
/// Blocks may be released from any thread, also after the allocator is
/// dropped on another thread.
///
/// # mimalloc's thread rules, and how this type follows them
///
/// The rules below are mimalloc v2's. `libmimalloc-sys` builds mimalloc v3
/// unless its `v2` feature is on (the `mimalloc` crate's `v2` feature turns it
/// on for the whole build). In v3, heaps are first-class: any thread may
/// allocate from a heap and delete it. The version is read once at run time
/// (`mi_version()`); under v3 every thread allocates from the dedicated heap
/// and the drop deletes it from any thread.
///
/// - A `mi_heap_t` may only *allocate* on the thread that created it.
///   The dedicated heap is therefore created lazily by the first thread that
///   allocates (in practice the socket's I/O thread), and every allocation
///   checks `std::thread::current().id()`: the owning thread allocates from
///   the dedicated heap (`mi_heap_malloc_aligned`), any other thread from its
///   own default mimalloc heap (`mi_malloc_aligned`).
/// - `mi_free` works on any block from any thread, so every release, on any
///   thread, is one `mi_free`.
/// - On drop, the heap is deleted (`mi_heap_delete`, which migrates any block
///   still live to the default heap) only when dropped on the owning thread.
///   Dropped elsewhere, it is left alone: calling into a heap from a foreign
///   thread is undefined behaviour in mimalloc, and mimalloc itself deletes a
///   thread's remaining heaps when that thread exits. Thread ids are never
///   reused, so no later thread can mistake itself for the owner.
///
/// # Examples
///
/// ```
/// use std::alloc::Layout;
/// use ferrozmq_alloc::{Mimalloc, RecvAllocator};
///
/// let mi = Mimalloc::new();
/// assert_eq!(mi.owner(), None); // no heap until the first allocation
/// let layout = Layout::from_size_align(64 * 1024, 16).unwrap();
/// let block = mi.allocate(layout).unwrap();
/// assert_eq!(mi.owner(), Some(std::thread::current().id()));
/// assert_eq!(block.len(), 64 * 1024);
/// // Any thread may release it.
/// let addr = block.cast::<u8>();
/// # struct Sent(std::ptr::NonNull<u8>);
/// # // SAFETY: the spawned thread is the block's only user.
/// # unsafe impl Send for Sent {}
/// # let sent = Sent(addr);
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         let ptr = { sent }.0;
///         // SAFETY: from `mi.allocate(layout)`, not used again.
///         unsafe { mi.deallocate(ptr, layout) };
///     });
/// });
/// ```
pub struct Mimalloc {
    heap: OnceLock<OwnedHeap>,
}

impl Mimalloc {
    /// A new allocator; its heap is created by the first thread that
    /// allocates.
    pub const fn new() -> Self {
        Self {
            heap: OnceLock::new(),
        }
    }

    /// The thread that owns the dedicated heap, once one allocated.
    pub fn owner(&self) -> Option<ThreadId> {
        self.heap.get().map(|heap| heap.owner)
    }
}

impl Default for Mimalloc {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Mimalloc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Mimalloc")
            .field("owner", &self.owner())
            .finish()
    }
}

// SAFETY: 1. mimalloc hands out distinct live blocks of at least `size` bytes
// aligned to `align` (or null, which we report). 2. A block stays valid until
// `mi_free`, which is legal from any thread, and mimalloc keeps blocks valid
// even after their heap is deleted (they migrate to the default heap) or its
// thread exits, so `self`'s lifetime does not matter to them.
unsafe impl RecvAllocator for Mimalloc {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let owned = self.heap.get_or_init(|| OwnedHeap {
            owner: thread::current().id(),
            // SAFETY: `mi_heap_new` has no preconditions; under v2 the heap
            // belongs to this thread, which is recorded as `owner`.
            heap: NonNull::new(unsafe { ffi::mi_heap_new() }),
            // SAFETY: `mi_version` has no preconditions.
            first_class: unsafe { ffi::mi_version() } >= FIRST_CLASS_HEAPS,
        });
        let ptr = match owned.heap {
            Some(heap) if owned.usable_here() => {
                // SAFETY: this thread may allocate from the heap (mimalloc v3,
                // or its owning thread), and `layout.align()` is a power of
                // two.
                unsafe { ffi::mi_heap_malloc_aligned(heap.as_ptr(), layout.size(), layout.align()) }
            }
            // SAFETY: `mi_malloc_aligned` uses this thread's default heap;
            // `layout.align()` is a power of two.
            _ => unsafe { ffi::mi_malloc_aligned(layout.size(), layout.align()) },
        };
        match NonNull::new(ptr.cast::<u8>()) {
            Some(ptr) => Ok(NonNull::slice_from_raw_parts(ptr, layout.size())),
            None => Err(AllocError::new(AllocErrorKind::Failed, layout)),
        }
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        debug_assert!(ptr.as_ptr().addr().is_multiple_of(layout.align()));
        // SAFETY: the caller promises `ptr` came from `allocate`, i.e. from
        // mimalloc, and is not used again; `mi_free` accepts any mimalloc
        // block from any thread.
        unsafe { ffi::mi_free(ptr.as_ptr().cast::<c_void>()) }
    }

    fn name(&self) -> &'static str {
        "mimalloc"
    }
}

impl Drop for Mimalloc {
    fn drop(&mut self) {
        if let Some(owned) = self.heap.get()
            && let Some(heap) = owned.heap
            && owned.usable_here()
        {
            // SAFETY: this thread may call into the heap (mimalloc v3, or its
            // owning thread), and nothing allocates from it again (`self` is
            // going away); blocks still live migrate to the default (v2) or
            // main (v3) heap and stay valid for `mi_free`.
            unsafe { ffi::mi_heap_delete(heap.as_ptr()) }
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn owner_is_first_allocating_thread() {
        let mi = Mimalloc::new();
        let layout = Layout::from_size_align(100, 8).unwrap();
        let other = thread::scope(|s| {
            s.spawn(|| {
                let block = mi.allocate(layout).unwrap();
                // SAFETY: from `allocate(layout)`.
                unsafe { mi.deallocate(block.cast(), layout) };
                thread::current().id()
            })
            .join()
            .unwrap()
        });
        assert_eq!(mi.owner(), Some(other));
        // The owner exited; this thread uses its default heap.
        let block = mi.allocate(layout).unwrap();
        // SAFETY: from `allocate(layout)`.
        unsafe { mi.deallocate(block.cast(), layout) };
        assert_eq!(mi.name(), "mimalloc");
    }

    #[test]
    fn dropped_off_the_owning_thread_blocks_stay_valid() {
        let mi = Mimalloc::new();
        let layout = Layout::from_size_align(4000, 16).unwrap();
        let block = mi.allocate(layout).unwrap().cast::<u8>();
        // SAFETY: valid for 4000 bytes of writes.
        unsafe { block.write_bytes(0x3C, 4000) };
        let first_class = mi.heap.get().unwrap().first_class;
        // SAFETY: `mi_version` has no preconditions.
        assert_eq!(first_class, unsafe { ffi::mi_version() } >= 30000);
        thread::scope(|s| s.spawn(move || drop(mi)).join().unwrap());
        // SAFETY: still allocated: deleting or leaving the heap keeps it.
        assert_eq!(unsafe { block.add(3999).read() }, 0x3C);
        // SAFETY: a mimalloc block, freed once.
        unsafe { ffi::mi_free(block.as_ptr().cast()) };
    }

    #[test]
    fn impossible_size_fails() {
        let mi = Mimalloc::new();
        let layout = Layout::from_size_align(isize::MAX as usize - 64, 1).unwrap();
        assert_eq!(
            mi.allocate(layout).unwrap_err().kind(),
            AllocErrorKind::Failed
        );
    }
}
