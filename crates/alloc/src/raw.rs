//! The one audited place where this crate calls the global allocator.
//!
//! [`Heap`](crate::Heap) and [`Pool`](crate::Pool) get and return memory only
//! through [`alloc`] and [`dealloc`]. Zero-size layouts are handled here, so
//! callers never pass one to `std::alloc`. It does not track, bound or cache
//! anything; that is the allocators' job.

use core::alloc::Layout;
use core::ptr::NonNull;

/// A dangling pointer aligned to `layout.align()`, for zero-size layouts.
///
/// It carries no provenance (strict provenance: it is never dereferenced).
pub(crate) fn dangling(layout: Layout) -> NonNull<u8> {
    NonNull::new(core::ptr::without_provenance_mut(layout.align())).unwrap_or(NonNull::dangling())
}

/// Allocates `layout` from the global allocator; `None` when it fails.
///
/// A zero-size layout gets [`dangling`] without touching the allocator.
pub(crate) fn alloc(layout: Layout) -> Option<NonNull<u8>> {
    if layout.size() == 0 {
        return Some(dangling(layout));
    }
    // SAFETY: the layout's size is not zero (checked above), the one
    // precondition of `GlobalAlloc::alloc`.
    let ptr = unsafe { std::alloc::alloc(layout) };
    NonNull::new(ptr)
}

/// Returns a block obtained from [`alloc`] to the global allocator.
///
/// # Safety
///
/// `ptr` must have been returned by [`alloc`] with this same `layout`, and must
/// not be used afterwards.
pub(crate) unsafe fn dealloc(ptr: NonNull<u8>, layout: Layout) {
    debug_assert!(
        ptr.as_ptr().addr().is_multiple_of(layout.align()),
        "pointer not aligned to its layout"
    );
    if layout.size() == 0 {
        return;
    }
    // SAFETY: the caller promises `ptr` came from `alloc(layout)`; with a
    // non-zero size that means from `std::alloc::alloc` with this same layout,
    // and the caller gives up the block.
    unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_size_is_dangling_and_aligned() {
        let layout = Layout::from_size_align(0, 64).unwrap();
        let ptr = alloc(layout).unwrap();
        assert_eq!(ptr.as_ptr().addr(), 64);
        // SAFETY: `ptr` came from `alloc(layout)`.
        unsafe { dealloc(ptr, layout) };
    }

    #[test]
    fn round_trip() {
        let layout = Layout::from_size_align(100, 16).unwrap();
        let ptr = alloc(layout).unwrap();
        assert!(ptr.as_ptr().addr().is_multiple_of(16));
        // SAFETY: the block is valid for 100 bytes of writes.
        unsafe { ptr.write_bytes(0x5A, 100) };
        // SAFETY: the block is valid for 100 bytes of reads, written above.
        assert_eq!(unsafe { ptr.add(99).read() }, 0x5A);
        // SAFETY: `ptr` came from `alloc(layout)` and is not used again.
        unsafe { dealloc(ptr, layout) };
    }
}
