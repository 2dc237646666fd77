//! The one audited place where this crate allocates and frees raw memory from
//! the global allocator. Everything else goes through these two functions.

use core::alloc::Layout;
use core::ptr::NonNull;

/// Allocates `layout` from the global allocator; `None` when it fails.
///
/// `layout` must have a non-zero size (every caller puts a header in front of
/// the data, so it always has).
pub(crate) fn alloc(layout: Layout) -> Option<NonNull<u8>> {
    debug_assert!(layout.size() > 0);
    // SAFETY: every layout this crate allocates starts with a non-empty header,
    // so its size is non-zero, which is `alloc`'s only precondition.
    NonNull::new(unsafe { std::alloc::alloc(layout) })
}

/// Frees a block that [`alloc`] returned.
///
/// # Safety
///
/// `ptr` must come from [`alloc`] with this same `layout` and must not be used
/// afterwards.
pub(crate) unsafe fn dealloc(ptr: NonNull<u8>, layout: Layout) {
    debug_assert!(layout.size() > 0);
    // SAFETY: the caller guarantees `ptr` was allocated by the global allocator
    // with `layout` and is not used again.
    unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) }
}
