//! The shared storage behind a refcounted message body, and its release routes.
//!
//! Every body that is not inline and not `'static` sits behind one [`Header`]:
//! an atomic reference count and the function that frees the storage when the
//! count reaches zero. Three layouts carry that header first:
//!
//! ```text
//! chunk     [ Header | cap ][ data: cap bytes ]           one global allocation
//! owner     [ Header | T ]   data: T::as_ref()            one Box; T is dropped last
//! received  [ Header | Arc<dyn RecvAllocator> | layout ][ data ]
//!                                                         one block from that allocator
//! ```
//!
//! This module does not know about `Msg` flags or inline storage; it only
//! creates, shares and releases header-backed bodies.

use core::alloc::Layout;
use core::ptr::NonNull;

use ferrozmq_alloc::{AllocError, AllocErrorKind, RecvAllocator};

use crate::raw;
use crate::sync::{AtomicUsize, Ordering, StdArc, fence};

/// The first field of every shared body: its reference count and release route.
#[repr(C)]
pub(crate) struct Header {
    refs: AtomicUsize,
    /// Frees the whole storage; called once, by the last reference's drop.
    release: unsafe fn(NonNull<Header>),
}

impl Header {
    fn new(release: unsafe fn(NonNull<Header>)) -> Self {
        Self {
            refs: AtomicUsize::new(1),
            release,
        }
    }
}

/// A new body: its header and the start of its data.
pub(crate) struct Body {
    pub(crate) header: NonNull<Header>,
    pub(crate) data: NonNull<u8>,
}

/// Adds one reference to a shared body.
///
/// # Safety
///
/// `header` must point to a live header to which the caller holds a reference.
pub(crate) unsafe fn acquire(header: NonNull<Header>) {
    // SAFETY: the caller holds a reference, so the header is live.
    let hdr = unsafe { header.as_ref() };
    // Relaxed is enough: a new reference can only be made from an existing one,
    // which already keeps the storage alive (the same argument as `Arc::clone`).
    let old = hdr.refs.fetch_add(1, Ordering::Relaxed);
    if old > isize::MAX as usize {
        // Billions of clones leaked with `mem::forget`: continuing would let the
        // count wrap and free live memory. `Arc` aborts here too.
        std::process::abort();
    }
}

/// Drops one reference to a shared body, freeing it when it was the last.
///
/// # Safety
///
/// `header` must point to a live header, and the caller gives up the reference
/// it held: it must not use the body afterwards.
pub(crate) unsafe fn release(header: NonNull<Header>) {
    // SAFETY: the caller still holds its reference, so the header is live.
    let hdr = unsafe { header.as_ref() };
    // An unshared body need not write its atomic: when the count is 1, we hold
    // the only reference and nobody can make another one. The acquire load
    // orders every earlier release decrement (by other holders) before the free.
    if hdr.refs.load(Ordering::Acquire) != 1 {
        // SAFETY: as ours; we hold one reference and give it up.
        unsafe { release_many(header, 1) };
        return;
    }
    let free = hdr.release;
    // SAFETY: the count reached zero (or we were the only holder), so this is
    // the one and only call of the release route for this storage.
    unsafe { free(header) }
}

/// Whether the caller holds the only reference.
///
/// # Safety
///
/// `header` must point to a live header to which the caller holds a reference.
pub(crate) unsafe fn is_unique(header: NonNull<Header>) -> bool {
    // SAFETY: the caller holds a reference, so the header is live.
    unsafe { header.as_ref() }.refs.load(Ordering::Acquire) == 1
}

/// Sets the count of a body nobody else references yet (a fresh
/// [`new_received`] block becoming a `ReadBlock`, or one whose every other
/// reference is gone): its holder then hands references out by the number
/// without touching the count, and gives back the unused rest with
/// [`release_many`].
///
/// # Safety
///
/// `header` must point to a live header whose only reference the caller
/// holds, with every earlier holder's accesses ordered before this call.
pub(crate) unsafe fn set_refs(header: NonNull<Header>, refs: usize) {
    // SAFETY: the caller holds the only reference, so the header is live.
    unsafe { header.as_ref() }
        .refs
        .store(refs, Ordering::Relaxed);
}

/// The current count, with acquire: a count that shows a holder's release
/// also shows every access that holder made before it.
///
/// # Safety
///
/// `header` must point to a live header to which the caller holds a reference.
pub(crate) unsafe fn refs(header: NonNull<Header>) -> usize {
    // SAFETY: the caller holds a reference, so the header is live.
    unsafe { header.as_ref() }.refs.load(Ordering::Acquire)
}

/// Drops `n` references at once (a `ReadBlock` giving back its share),
/// freeing the body when they were the last.
///
/// # Safety
///
/// `header` must point to a live header, and the caller must hold `n`
/// references, all given up here.
pub(crate) unsafe fn release_many(header: NonNull<Header>, n: usize) {
    // SAFETY: the caller still holds its references, so the header is live.
    let hdr = unsafe { header.as_ref() };
    if hdr.refs.fetch_sub(n, Ordering::Release) != n {
        return;
    }
    // Every other holder's release happened before (see `release`).
    fence(Ordering::Acquire);
    let free = hdr.release;
    // SAFETY: the count reached zero: this is the one call of the route.
    unsafe { free(header) }
}

// ---------------------------------------------------------------------------
// chunk: one heap allocation (see `raw.rs`), header then data.

#[repr(C)]
struct ChunkHeader {
    header: Header,
    cap: usize,
}

fn chunk_layout(cap: usize) -> Option<(Layout, usize)> {
    let data = Layout::array::<u8>(cap).ok()?;
    Layout::new::<ChunkHeader>().extend(data).ok()
}

/// Allocates a chunk with room for `cap` bytes of data.
///
/// # Errors
///
/// `TooLarge` when `cap` overflows a layout, `Failed` when the heap says no.
pub(crate) fn new_chunk(cap: usize) -> Result<Body, AllocError> {
    let too_large = || AllocError::new(AllocErrorKind::TooLarge, Layout::new::<ChunkHeader>());
    let (layout, offset) = chunk_layout(cap).ok_or_else(too_large)?;
    let base = raw::alloc(layout).ok_or(AllocError::new(AllocErrorKind::Failed, layout))?;
    let header = base.cast::<ChunkHeader>();
    // SAFETY: 1. `base` is a fresh allocation of `layout`, which starts with a
    // `ChunkHeader` at offset 0 and is aligned for it; 2. `offset` is within the
    // same allocation (it is where `extend` placed the data).
    let data = unsafe {
        header.write(ChunkHeader {
            header: Header::new(release_chunk),
            cap,
        });
        base.add(offset)
    };
    Ok(Body {
        header: header.cast(),
        data,
    })
}

/// # Safety
///
/// `header` must be the header of a chunk made by [`new_chunk`] whose last
/// reference is gone.
unsafe fn release_chunk(header: NonNull<Header>) {
    let chunk = header.cast::<ChunkHeader>();
    // SAFETY: the caller guarantees this is a live chunk header.
    let cap = unsafe { chunk.as_ref() }.cap;
    let (layout, _) = chunk_layout(cap).expect("a chunk's layout was valid when it was made");
    // SAFETY: the chunk was allocated by `raw::alloc` with this same layout
    // (recomputed from the same `cap`), and nobody references it any more.
    unsafe { raw::dealloc(chunk.cast(), layout) }
}

// ---------------------------------------------------------------------------
// owner: a user's value in a Box behind the header; its bytes are the data.

#[repr(C)]
struct OwnerBox<T> {
    header: Header,
    owner: T,
}

/// Boxes `owner` behind a header; the data is `owner.as_ref()`, read once now.
pub(crate) fn new_owner<T>(owner: T) -> (Body, usize)
where
    T: AsRef<[u8]> + Send + Sync + 'static,
{
    let boxed = Box::new(OwnerBox {
        header: Header::new(release_owner::<T>),
        owner,
    });
    let raw = NonNull::from(Box::leak(boxed));
    // SAFETY: `raw` comes from a live Box we just leaked; the owner stays at
    // this address until `release_owner` rebuilds the Box, so the slice it
    // hands out stays valid for as long as the body lives.
    let bytes: &[u8] = unsafe { raw.as_ref() }.owner.as_ref();
    let data = NonNull::from(bytes).cast::<u8>();
    (
        Body {
            header: raw.cast(),
            data,
        },
        bytes.len(),
    )
}

/// # Safety
///
/// `header` must be the header of an `OwnerBox<T>` made by [`new_owner`] whose
/// last reference is gone.
unsafe fn release_owner<T>(header: NonNull<Header>) {
    // SAFETY: the caller guarantees this header heads an `OwnerBox<T>` that was
    // leaked from a Box in `new_owner` and is no longer referenced.
    drop(unsafe { Box::from_raw(header.cast::<OwnerBox<T>>().as_ptr()) });
}

// ---------------------------------------------------------------------------
// received: one block from a RecvAllocator, header then data.

#[repr(C)]
struct RecvHeader {
    header: Header,
    alloc: StdArc<dyn RecvAllocator>,
    layout: Layout,
}

// The pool's default header room (64 bytes beyond each power-of-two class) is
// sized for this header, so a power-of-two payload keeps its own class.
static_assertions::const_assert!(core::mem::size_of::<RecvHeader>() <= 64);

/// The layout a received body of `cap` bytes asks its allocator for, and
/// where its data starts in it.
pub(crate) fn received_layout(cap: usize) -> Option<(Layout, usize)> {
    let data = Layout::array::<u8>(cap).ok()?;
    Layout::new::<RecvHeader>().extend(data).ok()
}

/// Allocates a body for `cap` bytes from `alloc`.
///
/// # Errors
///
/// Whatever `alloc` answers, or `TooLarge` when `cap` overflows a layout.
pub(crate) fn new_received(
    alloc: &StdArc<dyn RecvAllocator>,
    cap: usize,
) -> Result<Body, AllocError> {
    let too_large = || AllocError::new(AllocErrorKind::TooLarge, Layout::new::<RecvHeader>());
    let (layout, offset) = received_layout(cap).ok_or_else(too_large)?;
    let block = alloc.allocate(layout)?;
    debug_assert!(block.len() >= layout.size());
    let base = block.cast::<u8>();
    let header = base.cast::<RecvHeader>();
    // SAFETY: 1. the allocator's contract gives a block valid for `layout` and
    // aligned to it, so the header fits at offset 0; 2. `offset` lies within
    // the block, where `extend` placed the data.
    let data = unsafe {
        header.write(RecvHeader {
            header: Header::new(release_received),
            alloc: StdArc::clone(alloc),
            layout,
        });
        base.add(offset)
    };
    Ok(Body {
        header: header.cast(),
        data,
    })
}

/// # Safety
///
/// `header` must be the header of a body made by [`new_received`] whose last
/// reference is gone.
unsafe fn release_received(header: NonNull<Header>) {
    let recv = header.cast::<RecvHeader>();
    // SAFETY: the caller guarantees this is a live `RecvHeader` nobody else
    // references; we move its fields out and never read them there again.
    let RecvHeader { alloc, layout, .. } = unsafe { recv.read() };
    // SAFETY: the block came from `alloc.allocate(layout)` in `new_received`,
    // and the allocator is kept alive by `alloc` until after this call.
    unsafe { alloc.deallocate(recv.cast(), layout) };
}
