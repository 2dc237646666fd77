//! [`Bump`]: a bounded receive allocator that carves arena blocks with
//! bumpalo and recycles a block when its last buffer is released, and its
//! builder.
//!
//! Allocation takes a mutex around the arenas (one I/O thread allocates, so
//! it is uncontended); release never locks. It does not serve requests larger
//! than a block, does not grow blocks, and does not return blocks to the
//! system before it is dropped. The mechanism and limits are documented on
//! [`Bump`].

use core::alloc::Layout;
use core::fmt;
use core::ptr::NonNull;
use core::task::Waker;

use crate::queue::BoundedQueue;
use crate::sync::{AtomicUsize, Mutex, Ordering, fence, lock};
use crate::waiters::Waiters;
use crate::{AllocError, AllocErrorKind, RecvAllocator};

/// The arenas' minimum alignment, and the size of a buffer's prefix.
const GRAIN: usize = 16;

/// One arena block: bumpalo with every allocation rounded to [`GRAIN`].
type Arena = bumpalo::Bump<GRAIN>;

/// Configures a [`Bump`]; from [`Bump::builder`].
///
/// # Examples
///
/// ```
/// use ferrozmq_alloc::Bump;
///
/// let bump = Bump::builder().block_size(256 * 1024).max_blocks(16).build();
/// assert_eq!(bump.block_size(), 256 * 1024);
/// assert_eq!(bump.max_blocks(), 16);
/// assert_eq!(bump.max_request(), 256 * 1024 - 16);
/// ```
#[derive(Debug, Clone)]
pub struct BumpBuilder {
    block_size: usize,
    max_blocks: usize,
}

impl Default for BumpBuilder {
    fn default() -> Self {
        Self {
            block_size: 1 << 20,
            max_blocks: 64,
        }
    }
}

impl BumpBuilder {
    /// The capacity of each block in bytes (default 1 MiB). Rounded up to a
    /// multiple of 16 and to at least 64.
    pub fn block_size(mut self, bytes: usize) -> Self {
        self.block_size = bytes;
        self
    }

    /// The most blocks the allocator creates (default 64; at least 1).
    pub fn max_blocks(mut self, blocks: usize) -> Self {
        self.max_blocks = blocks;
        self
    }

    /// Builds the allocator. Blocks are created lazily, on first need.
    ///
    /// # Panics
    ///
    /// When the block size rounds up past `usize::MAX`.
    pub fn build(self) -> Bump {
        let block_size = self
            .block_size
            .max(4 * GRAIN)
            .checked_next_multiple_of(GRAIN)
            .expect("block size too large");
        let max_blocks = self.max_blocks.max(1);
        Bump {
            block_size,
            max_blocks,
            live: (0..max_blocks).map(|_| AtomicUsize::new(0)).collect(),
            carver: Mutex::new(Carver {
                blocks: Vec::new(),
                current: None,
            }),
            free: BoundedQueue::new(max_blocks),
            waiters: Waiters::new(),
        }
    }
}

/// The allocating side's state, behind a mutex.
struct Carver {
    /// Block `i` is `blocks[i]`, created lazily up to `max_blocks`.
    blocks: Vec<Block>,
    /// The block being carved; the carver holds one count on it.
    current: Option<usize>,
}

/// One block: an arena and how much of its chunk lies beyond the block size.
struct Block {
    arena: Arena,
    /// bumpalo may round a chunk up; the lowest `slack` bytes of the chunk
    /// are never carved, so every block holds exactly `block_size` bytes and
    /// the documented limits do not depend on bumpalo's rounding.
    slack: usize,
}

impl Block {
    /// The room left for carving.
    fn room(&self) -> usize {
        self.arena.chunk_capacity().saturating_sub(self.slack)
    }
}

/// Arena blocks carved with bumpalo, each recycled when its last buffer is
/// released.
///
/// Buffers are carved one after another from the *current* block, a
/// `bumpalo::Bump` arena of fixed capacity. It never grows: a request that
/// does not fit the rest of the block *retires* the block and moves to
/// another. Each block counts its live buffers in an atomic, plus one for the
/// carver while the block is current. A release decrements that count without
/// a lock; the release that takes a retired block's count to zero puts the
/// block on a lock-free free list, and the carver resets and reuses it. The
/// number of blocks is bounded; when all are retired with live buffers, the
/// answer is [`Exhausted`](AllocErrorKind::Exhausted), and the release that
/// frees a block wakes the wakers registered through
/// [`notify_on_release`](RecvAllocator::notify_on_release). A single
/// long-lived buffer pins its whole block; that is the price of bump
/// allocation.
///
/// Each buffer has a 16-byte prefix (or `align` bytes, when larger) holding
/// its block's index, so a release finds its block in O(1) from any thread.
/// Any alignment is served as long as the buffer fits a block.
///
/// # Requests larger than a block
///
/// A request whose buffer and prefix cannot fit an empty block (above
/// [`max_request`](Self::max_request)) is
/// [`TooLarge`](AllocErrorKind::TooLarge): a bump arena exists to pack many
/// small and medium messages; a huge message belongs in a
/// [`Pool`](crate::Pool) (which routes it to the heap) or the
/// [`Heap`](crate::Heap). Pick a block size above the largest message the
/// socket accepts (its MAXMSGSIZE).
///
/// # Examples
///
/// ```
/// use std::alloc::Layout;
/// use ferrozmq_alloc::{AllocErrorKind, Bump, RecvAllocator};
///
/// let bump = Bump::builder().block_size(1024).max_blocks(1).build();
/// let layout = Layout::from_size_align(400, 8).unwrap();
/// let a = bump.allocate(layout).unwrap();
/// let b = bump.allocate(layout).unwrap(); // 2 x (400 + 16) fit in 1024
/// assert_eq!(bump.allocate(layout).unwrap_err().kind(), AllocErrorKind::Exhausted);
/// // SAFETY: both came from `bump.allocate(layout)` and are not used again.
/// unsafe {
///     bump.deallocate(a.cast(), layout);
///     bump.deallocate(b.cast(), layout);
/// }
/// let c = bump.allocate(layout).unwrap(); // the block was recycled
/// // SAFETY: from `bump.allocate(layout)`, not used again.
/// unsafe { bump.deallocate(c.cast(), layout) };
///
/// let huge = Layout::from_size_align(2000, 8).unwrap();
/// assert_eq!(bump.allocate(huge).unwrap_err().kind(), AllocErrorKind::TooLarge);
/// ```
pub struct Bump {
    block_size: usize,
    max_blocks: usize,
    /// Live buffers per block, plus one while the block is current.
    live: Box<[AtomicUsize]>,
    carver: Mutex<Carver>,
    /// Retired blocks whose count reached zero, waiting to be reset.
    free: BoundedQueue<usize>,
    waiters: Waiters,
}

/// A request as the arena sees it: prefix, then the buffer.
#[derive(Clone, Copy)]
struct Carving {
    /// The prefix plus the buffer, aligned to the prefix size.
    layout: Layout,
    /// Bytes before the buffer: `max(16, align)`.
    prefix: usize,
    /// Room it needs at the end of a block: the layout's size rounded to the
    /// grain, plus the worst alignment padding.
    need: usize,
}

impl Bump {
    /// An allocator of `max_blocks` blocks of `block_size` bytes (rounded as
    /// [`BumpBuilder`] documents).
    pub fn new(block_size: usize, max_blocks: usize) -> Self {
        Self::builder()
            .block_size(block_size)
            .max_blocks(max_blocks)
            .build()
    }

    /// A builder with the defaults: 64 blocks of 1 MiB.
    pub fn builder() -> BumpBuilder {
        BumpBuilder::default()
    }

    /// The capacity of each block.
    pub fn block_size(&self) -> usize {
        self.block_size
    }

    /// The most blocks this allocator creates.
    pub fn max_blocks(&self) -> usize {
        self.max_blocks
    }

    /// The largest request served at alignment 16 or less: the block size less
    /// the 16-byte prefix. Larger alignments need `align - 16` more room on
    /// top of an `align`-byte prefix.
    pub fn max_request(&self) -> usize {
        self.block_size - GRAIN
    }

    /// How many blocks have been created so far (never above
    /// [`max_blocks`](Self::max_blocks)).
    pub fn blocks_created(&self) -> usize {
        lock(&self.carver).blocks.len()
    }

    fn carving(&self, layout: Layout) -> Option<Carving> {
        let prefix = layout.align().max(GRAIN);
        let size = prefix.checked_add(layout.size())?;
        let need = size
            .checked_next_multiple_of(GRAIN)?
            .checked_add(prefix - GRAIN)?;
        if need > self.block_size {
            return None;
        }
        Some(Carving {
            layout: Layout::from_size_align(size, prefix).ok()?,
            prefix,
            need,
        })
    }

    fn carve(
        &self,
        carver: &mut Carver,
        carving: Carving,
    ) -> Result<(usize, NonNull<u8>), AllocErrorKind> {
        if let Some(index) = carver.current {
            if carver.blocks[index].room() >= carving.need {
                return self.carve_from(carver, index, carving);
            }
            // Full for this request: retire it (drop the carver's count).
            carver.current = None;
            self.release(index);
        }
        let index = match self.next_block(carver)? {
            Some(index) => index,
            None => {
                // About to refuse: arm the waiters, then look once more, so a
                // release racing with this refusal is either seen here or
                // wakes the caller.
                self.waiters.arm();
                self.next_block(carver)?.ok_or(AllocErrorKind::Exhausted)?
            }
        };
        self.carve_from(carver, index, carving)
    }

    fn carve_from(
        &self,
        carver: &mut Carver,
        index: usize,
        carving: Carving,
    ) -> Result<(usize, NonNull<u8>), AllocErrorKind> {
        // `need` fits the rest of the chunk, so bumpalo never asks for a new
        // chunk (its allocation limit forbids one anyway).
        let base = carver.blocks[index]
            .arena
            .try_alloc_layout(carving.layout)
            .map_err(|_| AllocErrorKind::Failed)?;
        // The carver holds a count on its current block, so it cannot reach
        // zero meanwhile; Relaxed as for an `Arc` clone.
        self.live[index].fetch_add(1, Ordering::Relaxed);
        Ok((index, base))
    }

    /// Makes a recycled or new block current; `None` when every block exists
    /// and none is free.
    fn next_block(&self, carver: &mut Carver) -> Result<Option<usize>, AllocErrorKind> {
        let index = if let Some(index) = self.free.pop() {
            // Every buffer of this block was released (the queue handoff
            // orders those releases before this reset).
            carver.blocks[index].arena.reset();
            index
        } else if carver.blocks.len() < self.max_blocks {
            let arena = Arena::try_with_min_align_and_capacity(self.block_size)
                .map_err(|_| AllocErrorKind::Failed)?;
            // The block never grows: `carve` checks the room left first, and
            // the limit makes bumpalo refuse a second chunk regardless.
            arena.set_allocation_limit(Some(arena.allocated_bytes()));
            let slack = arena.chunk_capacity().saturating_sub(self.block_size);
            carver.blocks.push(Block { arena, slack });
            carver.blocks.len() - 1
        } else {
            return Ok(None);
        };
        // The block is ours alone (count zero, off the free list); this is
        // the carver's count.
        self.live[index].store(1, Ordering::Relaxed);
        carver.current = Some(index);
        Ok(Some(index))
    }

    /// Drops one count on block `index`; the last one recycles the block.
    fn release(&self, index: usize) {
        debug_assert!(self.live[index].load(Ordering::Relaxed) > 0);
        if self.live[index].fetch_sub(1, Ordering::Release) == 1 {
            // Synchronise with every earlier release of this block's buffers
            // before handing it to the carver (as `Arc::drop` does).
            fence(Ordering::Acquire);
            let pushed = self.free.push(index);
            // Each block is on the list at most once, and the list holds
            // them all; a failure means a block was recycled twice.
            #[cfg(any(debug_assertions, loom))]
            assert!(pushed.is_ok(), "block {index} recycled twice");
            let _ = pushed;
            self.waiters.notify();
        }
    }
}

impl Default for Bump {
    /// [`Bump::builder`]'s defaults.
    fn default() -> Self {
        Self::builder().build()
    }
}

impl fmt::Debug for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bump")
            .field("block_size", &self.block_size)
            .field("max_blocks", &self.max_blocks)
            .finish_non_exhaustive()
    }
}

// SAFETY: 1. a buffer is a fresh bumpalo allocation of prefix + size bytes,
// aligned to max(16, align); bumpalo never hands out the same bytes twice
// until the arena is reset, and an arena is reset only after its count
// reached zero, i.e. every buffer carved from it was released. 2. Arenas live
// as long as `self`, which callers keep alive (in an `Arc`) until every
// buffer is released; releases only touch atomics and the lock-free queue.
unsafe impl RecvAllocator for Bump {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let carving = self
            .carving(layout)
            .ok_or(AllocError::new(AllocErrorKind::TooLarge, layout))?;
        let (index, base) = self
            .carve(&mut lock(&self.carver), carving)
            .map_err(|kind| AllocError::new(kind, layout))?;
        // SAFETY: `base` is valid for `carving.layout.size()` = prefix + size
        // bytes and aligned to the prefix size (>= 16 >= align_of::<usize>()),
        // so the prefix holds a `usize` and the buffer starts `prefix` bytes
        // in, inside the same allocation.
        let ptr = unsafe {
            base.cast::<usize>().write(index);
            base.add(carving.prefix)
        };
        Ok(NonNull::slice_from_raw_parts(ptr, layout.size()))
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        debug_assert!(ptr.as_ptr().addr().is_multiple_of(layout.align()));
        let prefix = layout.align().max(GRAIN);
        // SAFETY: the caller promises `ptr` came from `allocate(layout)`,
        // which put it `prefix` bytes after the start of its carving, whose
        // first word holds the block index, written before the buffer was
        // handed out and never touched by the caller.
        let index = unsafe { ptr.sub(prefix).cast::<usize>().read() };
        debug_assert!(index < self.live.len(), "not a buffer of this allocator");
        self.release(index);
    }

    fn notify_on_release(&self, waker: &Waker) -> bool {
        self.waiters.register(waker);
        true
    }

    fn name(&self) -> &'static str {
        "bump"
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::waiters::test_waker::counting;

    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size, 8).unwrap()
    }

    #[test]
    fn max_request_fits_an_empty_block() {
        let bump = Bump::new(1000, 2); // rounded to 1008
        assert_eq!(bump.block_size(), 1008);
        let max = layout(bump.max_request());
        let a = bump.allocate(max).unwrap();
        assert_eq!(a.len(), 992);
        // SAFETY: valid for `max.size()` bytes.
        unsafe { a.cast::<u8>().write_bytes(0xEE, max.size()) };
        let err = bump.allocate(layout(bump.max_request() + 1)).unwrap_err();
        assert_eq!(err.kind(), AllocErrorKind::TooLarge);
        // A second max request needs the second block.
        let b = bump.allocate(max).unwrap();
        assert_eq!(bump.blocks_created(), 2);
        // SAFETY: both from `allocate(max)`.
        unsafe {
            bump.deallocate(a.cast(), max);
            bump.deallocate(b.cast(), max);
        }
    }

    #[test]
    fn large_alignment_is_served() {
        let bump = Bump::new(4096, 1);
        let aligned = Layout::from_size_align(100, 256).unwrap();
        let a = bump.allocate(aligned).unwrap();
        assert!(a.cast::<u8>().as_ptr().addr().is_multiple_of(256));
        // SAFETY: from `allocate(aligned)`.
        unsafe { bump.deallocate(a.cast(), aligned) };
        let too_aligned = Layout::from_size_align(16, 4096).unwrap();
        assert_eq!(
            bump.allocate(too_aligned).unwrap_err().kind(),
            AllocErrorKind::TooLarge
        );
    }

    #[test]
    fn current_block_is_not_recycled_while_carving() {
        let bump = Bump::new(1024, 1);
        let a = bump.allocate(layout(100)).unwrap();
        // SAFETY: from `allocate(layout(100))`.
        unsafe { bump.deallocate(a.cast(), layout(100)) };
        // Still current: the count is the carver's alone, the block not free.
        assert_eq!(bump.live[0].load(Ordering::Relaxed), 1);
        assert!(bump.free.pop().is_none());
        let b = bump.allocate(layout(100)).unwrap();
        assert_ne!(a.cast::<u8>(), b.cast::<u8>()); // carved further on
        // SAFETY: from `allocate(layout(100))`.
        unsafe { bump.deallocate(b.cast(), layout(100)) };
    }

    #[test]
    fn exhausted_then_notified_and_recycled() {
        let bump = Bump::new(256, 2);
        let big = layout(200);
        let a = bump.allocate(big).unwrap();
        let b = bump.allocate(big).unwrap();
        let err = bump.allocate(big).unwrap_err();
        assert_eq!(err.kind(), AllocErrorKind::Exhausted);
        let (count, waker) = counting();
        assert!(bump.notify_on_release(&waker));
        // SAFETY: from `allocate(big)`.
        unsafe { bump.deallocate(a.cast(), big) };
        assert_eq!(count.wakes.load(Ordering::SeqCst), 1);
        let c = bump.allocate(big).unwrap();
        assert_eq!(a.cast::<u8>(), c.cast::<u8>()); // block 0, reset
        assert_eq!(bump.blocks_created(), 2);
        // SAFETY: from `allocate(big)`.
        unsafe {
            bump.deallocate(b.cast(), big);
            bump.deallocate(c.cast(), big);
        }
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::sync::Arc;
    use crate::waiters::test_waker::counting;

    /// A buffer sent to another thread for release.
    struct Sent(NonNull<u8>);
    // SAFETY: the receiving thread is the buffer's only user.
    unsafe impl Send for Sent {}

    fn small() -> Layout {
        Layout::from_size_align(32, 8).unwrap()
    }

    /// One block that holds one buffer. The carver retires it and is refused
    /// while another thread releases its buffer: the carver must end up with
    /// the recycled block, or be woken and then get it.
    #[test]
    fn loom_bump_recycle_or_wake() {
        loom::model(|| {
            let bump = Arc::new(Bump::new(64, 1));
            let first = bump.allocate(small()).unwrap().cast::<u8>();
            // SAFETY: the buffer is valid for 32 bytes of writes.
            unsafe { first.write_bytes(0xAA, 32) };
            let first = Sent(first);
            let releaser = {
                let bump = Arc::clone(&bump);
                loom::thread::spawn(move || {
                    let Sent(ptr) = first;
                    // Nobody else may have been handed these bytes.
                    // SAFETY: the buffer is live and was written above.
                    assert_eq!(unsafe { ptr.add(31).read() }, 0xAA);
                    // SAFETY: from `allocate(small())`, handed over whole.
                    unsafe { bump.deallocate(ptr, small()) };
                })
            };
            let (count, waker) = counting();
            let got = match bump.allocate(small()) {
                Ok(block) => {
                    // SAFETY: the buffer is valid for 32 bytes of writes.
                    unsafe { block.cast::<u8>().write_bytes(0xBB, 32) };
                    Some(block)
                }
                Err(err) => {
                    assert_eq!(err.kind(), AllocErrorKind::Exhausted);
                    assert!(bump.notify_on_release(&waker));
                    None
                }
            };
            releaser.join().unwrap();
            let block = match got {
                Some(block) => block,
                None => {
                    assert_eq!(count.wakes.load(Ordering::SeqCst), 1);
                    bump.allocate(small())
                        .expect("the released block is recycled")
                }
            };
            assert_eq!(bump.blocks_created(), 1);
            // SAFETY: from `allocate(small())`.
            unsafe { bump.deallocate(block.cast(), small()) };
        });
    }

    /// Two threads release the last two buffers of a retired block at once:
    /// exactly one of them recycles it.
    #[test]
    fn loom_bump_last_release_recycles_once() {
        loom::model(|| {
            let bump = Arc::new(Bump::new(128, 1));
            let a = Sent(bump.allocate(small()).unwrap().cast());
            let b = Sent(bump.allocate(small()).unwrap().cast());
            // A third does not fit: the block is retired, and refused.
            assert_eq!(
                bump.allocate(small()).unwrap_err().kind(),
                AllocErrorKind::Exhausted
            );
            let threads: Vec<_> = [a, b]
                .into_iter()
                .map(|sent| {
                    let bump = Arc::clone(&bump);
                    loom::thread::spawn(move || {
                        let Sent(ptr) = sent;
                        // SAFETY: from `allocate(small())`, handed over whole.
                        unsafe { bump.deallocate(ptr, small()) };
                    })
                })
                .collect();
            for thread in threads {
                thread.join().unwrap();
            }
            assert_eq!(bump.live[0].load(Ordering::Relaxed), 0);
            assert_eq!(bump.free.pop(), Some(0));
            assert_eq!(bump.free.pop(), None);
        });
    }
}
