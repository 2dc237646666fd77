//! [`ApiAllocator`]: any `allocator_api2` allocator as a [`RecvAllocator`].
//!
//! It forwards `allocate` and `deallocate` and maps the inner allocator's
//! error to [`AllocErrorKind::Failed`]. It adds no bound, no cache and no
//! notification: an allocator that can run out and come back should be
//! wrapped in a type of its own that implements [`RecvAllocator`] directly.

use core::alloc::Layout;
use core::fmt;
use core::ptr::NonNull;

use allocator_api2::alloc::Allocator;

use crate::{AllocError, AllocErrorKind, RecvAllocator};

/// Adapts any [`allocator_api2::alloc::Allocator`] that is `Send + Sync +
/// 'static` into a [`RecvAllocator`], so a shared-memory arena, a
/// `bumpalo`-style allocator or a custom slab can back a socket.
///
/// Any error of the inner allocator is [`AllocErrorKind::Failed`]; it never
/// answers `Exhausted` and does not notify. The returned slice is trimmed to
/// exactly `layout.size()` bytes (the `Allocator` contract lets a block be
/// freed with its requested layout). Alignment and zero-size support are the
/// inner allocator's.
///
/// # Examples
///
/// ```
/// use std::alloc::Layout;
/// use allocator_api2::alloc::Global;
/// use ferrozmq_alloc::{ApiAllocator, RecvAllocator};
///
/// let alloc = ApiAllocator::with_name(Global, "global-api");
/// assert_eq!(alloc.name(), "global-api");
/// let layout = Layout::from_size_align(256, 8).unwrap();
/// let block = alloc.allocate(layout).unwrap();
/// assert_eq!(block.len(), 256);
/// // SAFETY: the block came from `alloc.allocate(layout)` and is not used again.
/// unsafe { alloc.deallocate(block.cast(), layout) };
/// ```
pub struct ApiAllocator<A> {
    inner: A,
    name: &'static str,
}

impl<A> ApiAllocator<A> {
    /// Wraps `inner`; its [`name`](RecvAllocator::name) is `"allocator-api2"`.
    pub const fn new(inner: A) -> Self {
        Self::with_name(inner, "allocator-api2")
    }

    /// Wraps `inner` under the name `name` (for logs and benchmarks).
    pub const fn with_name(inner: A, name: &'static str) -> Self {
        Self { inner, name }
    }

    /// The wrapped allocator.
    pub const fn inner(&self) -> &A {
        &self.inner
    }

    /// Unwraps the allocator.
    pub fn into_inner(self) -> A {
        self.inner
    }
}

impl<A> fmt::Debug for ApiAllocator<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiAllocator")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

// SAFETY: `Allocator`'s own contract gives us rule 1 (blocks valid for
// `layout`, not overlapping live blocks) and, with `A: Send + Sync`, that a
// block may be freed through any thread's `&A`; rule 2 holds because the
// caller keeps `self` (and so `inner`) alive until every block is freed.
unsafe impl<A> RecvAllocator for ApiAllocator<A>
where
    A: Allocator + Send + Sync + 'static,
{
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        match self.inner.allocate(layout) {
            Ok(block) => {
                debug_assert!(block.len() >= layout.size());
                Ok(NonNull::slice_from_raw_parts(block.cast(), layout.size()))
            }
            Err(_) => Err(AllocError::new(AllocErrorKind::Failed, layout)),
        }
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        debug_assert!(ptr.as_ptr().addr().is_multiple_of(layout.align()));
        // SAFETY: the caller promises `ptr` came from `allocate(layout)`, so
        // it is currently allocated by `inner` with `layout` (fitting: the
        // requested layout of the block), and is not used again.
        unsafe { self.inner.deallocate(ptr, layout) }
    }

    fn name(&self) -> &'static str {
        self.name
    }
}
