//! [`Pool`]: a bounded receive allocator with fixed, power-of-two size
//! classes and lock-free free lists (crossbeam's `ArrayQueue`, through the
//! crate's `queue` module), and its builder.
//!
//! Blocks come one at a time from the global allocator (the crate's audited
//! `raw` helper) and are kept for reuse. It does not grow classes at run time,
//! does not return cached memory to the system on its own (only to make room
//! for another class, or when dropped), and does not carve slabs. The
//! accounting and the oversize route are documented on [`Pool`].

use core::alloc::Layout;
use core::fmt;
use core::ptr::NonNull;
use core::task::Waker;

use crate::queue::BoundedQueue;
use crate::sync::{AtomicUsize, Ordering};
use crate::waiters::Waiters;
use crate::{AllocError, AllocErrorKind, RecvAllocator, raw};

/// The alignment of every class block, and the largest request alignment the
/// classes serve.
const BLOCK_ALIGN: usize = 16;

/// The default [`PoolBuilder::header_room`].
const DEFAULT_HEADER_ROOM: usize = 64;

/// What a [`Pool`] does with a request its classes cannot serve (larger than
/// the largest class, or aligned above [`Pool::MAX_ALIGN`]).
///
/// See [`Pool`'s docs](Pool#above-the-largest-class).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Oversize {
    /// Serve it from the global allocator, counted against the bound while it
    /// is live (the default).
    #[default]
    Heap,
    /// Answer [`AllocErrorKind::TooLarge`].
    Refuse,
}

/// Configures a [`Pool`]; from [`Pool::builder`].
///
/// # Examples
///
/// ```
/// use ferrozmq_alloc::{Oversize, Pool};
///
/// let pool = Pool::builder()
///     .smallest_class(128)
///     .largest_class(64 * 1024)
///     .max_bytes(8 << 20)
///     .cached_per_class(256)
///     .oversize(Oversize::Refuse)
///     .build();
/// assert_eq!(pool.class_sizes().count(), 10); // 128 B ..= 64 KiB
/// assert_eq!(pool.max_bytes(), 8 << 20);
/// ```
#[derive(Debug, Clone)]
pub struct PoolBuilder {
    smallest_class: usize,
    largest_class: usize,
    max_bytes: usize,
    cached_per_class: usize,
    oversize: Oversize,
    header_room: usize,
}

impl Default for PoolBuilder {
    fn default() -> Self {
        Self {
            smallest_class: 64,
            largest_class: 1 << 20,
            max_bytes: 64 << 20,
            cached_per_class: 1024,
            oversize: Oversize::Heap,
            header_room: DEFAULT_HEADER_ROOM,
        }
    }
}

impl PoolBuilder {
    /// The smallest class, in bytes (default 64). Rounded up to a power of two
    /// and to at least [`Pool::MAX_ALIGN`].
    pub fn smallest_class(mut self, bytes: usize) -> Self {
        self.smallest_class = bytes;
        self
    }

    /// The largest class, in bytes (default 1 MiB). Rounded up to a power of
    /// two. Larger requests take the [`Oversize`] route.
    pub fn largest_class(mut self, bytes: usize) -> Self {
        self.largest_class = bytes;
        self
    }

    /// The bound on the bytes the pool holds, live and cached (default
    /// 64 MiB).
    pub fn max_bytes(mut self, bytes: usize) -> Self {
        self.max_bytes = bytes;
        self
    }

    /// The most freed blocks each class keeps for reuse (default 1024, a
    /// little above libzmq's default RCVHWM of 1000 messages); also capped by
    /// what the bound allows for that class. The free lists are allocated up
    /// front (about 16 bytes per slot), so pushing never allocates; a block
    /// freed into a full list goes back to the global allocator. Pass
    /// `usize::MAX` to size every list to what the bound allows.
    pub fn cached_per_class(mut self, blocks: usize) -> Self {
        self.cached_per_class = blocks;
        self
    }

    /// Bytes added to every class beyond its power of two (default 64,
    /// rounded up to a multiple of [`Pool::MAX_ALIGN`]).
    ///
    /// A caller that puts a small header in front of each payload (the
    /// message layer puts 48 bytes before a received frame) would otherwise
    /// push every power-of-two payload, the most common sizes, into the next
    /// class and waste half of each block. With the room, a 1 KiB payload and
    /// its header take a 1 KiB + 64 B block. Pass 0 for plain powers of two.
    pub fn header_room(mut self, bytes: usize) -> Self {
        self.header_room = bytes;
        self
    }

    /// What to do with requests above the largest class (default
    /// [`Oversize::Heap`]).
    pub fn oversize(mut self, oversize: Oversize) -> Self {
        self.oversize = oversize;
        self
    }

    /// Builds the pool, allocating its free lists.
    ///
    /// # Panics
    ///
    /// When the smallest class is larger than the largest, or a class size
    /// rounds up past `usize::MAX`.
    pub fn build(self) -> Pool {
        let smallest = self
            .smallest_class
            .max(BLOCK_ALIGN)
            .checked_next_power_of_two()
            .expect("smallest class too large");
        let largest = self
            .largest_class
            .checked_next_power_of_two()
            .expect("largest class too large");
        assert!(
            smallest <= largest,
            "smallest class ({smallest}) above largest ({largest})"
        );
        let room = self
            .header_room
            .checked_next_multiple_of(BLOCK_ALIGN)
            .expect("header room too large");
        let classes = (smallest.trailing_zeros()..=largest.trailing_zeros())
            .map(|shift| {
                let size = (1usize << shift)
                    .checked_add(room)
                    .expect("class size too large");
                let fits = (self.max_bytes / size).min(self.cached_per_class);
                Class {
                    layout: Layout::from_size_align(size, BLOCK_ALIGN)
                        .expect("power-of-two class sizes are valid layouts"),
                    free: BoundedQueue::new(fits),
                }
            })
            .collect();
        Pool {
            classes,
            smallest_shift: smallest.trailing_zeros(),
            header_room: room,
            max_bytes: self.max_bytes,
            oversize: self.oversize,
            held: AtomicUsize::new(0),
            waiters: Waiters::new(),
        }
    }
}

/// The power-of-two class (0 for the smallest, `1 << smallest_shift` bytes)
/// that holds `size` bytes once `header_room` of them are counted as room:
/// the index of the smallest class whose power of two plus the room is at
/// least `size`. The caller checks it against its number of classes.
pub(crate) fn class_index(size: usize, header_room: usize, smallest_shift: u32) -> usize {
    let size = size.saturating_sub(header_room);
    if size <= 1 << smallest_shift {
        0
    } else {
        // ceil(log2(size)) - log2(smallest); `size >= 2` here.
        (usize::BITS - (size - 1).leading_zeros() - smallest_shift) as usize
    }
}

/// A free block: the only handle to memory that no one else uses.
pub(crate) struct Block(pub(crate) NonNull<u8>);

// SAFETY: a `Block` in a free list is the sole handle to a free heap block
// (like a `Box<[u8]>`), so moving it to another thread is fine.
unsafe impl Send for Block {}

struct Class {
    /// The size and alignment of every block of this class.
    layout: Layout,
    free: BoundedQueue<Block>,
}

/// Where a request is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Class(usize),
    Oversize,
}

/// A bounded pool of fixed size classes with lock-free free lists.
///
/// Requests are rounded up to the next class (powers of two, 64 B to 1 MiB by
/// default, each plus [`PoolBuilder::header_room`]). Each class keeps its freed blocks in a bounded free list, so once
/// warm (every class in use has cached blocks) an allocation is one pop and a
/// release one push: no heap call, no lock. Class blocks are aligned to
/// [`Pool::MAX_ALIGN`].
///
/// # Accounting
///
/// The bound ([`PoolBuilder::max_bytes`]) counts every byte the pool holds:
/// blocks handed out *and* blocks cached in free lists, each at its class
/// size. When a request would cross it, cached blocks of *other* classes are
/// given back to the global allocator to make room, so a pool warmed with one
/// message size never starves another; only when the live blocks alone leave
/// no room is the answer [`Exhausted`](AllocErrorKind::Exhausted), and a later
/// release wakes the wakers registered through
/// [`notify_on_release`](RecvAllocator::notify_on_release).
///
/// # Above the largest class
///
/// A request larger than the largest class, or aligned above
/// [`Pool::MAX_ALIGN`], takes the *oversize* route, chosen with
/// [`PoolBuilder::oversize`]:
///
/// - [`Oversize::Heap`] (the default): served straight from the global
///   allocator and counted against the same bound while live, never cached.
///   A ZeroMQ user expects a large message to arrive, not to kill the
///   connection, and the bound still caps the total.
/// - [`Oversize::Refuse`]: answered [`TooLarge`](AllocErrorKind::TooLarge),
///   for feeds where anything that big is an error.
///
/// A request that could never fit the bound at all is `TooLarge` either way.
///
/// # Examples
///
/// ```
/// use std::alloc::Layout;
/// use ferrozmq_alloc::{AllocErrorKind, Pool, RecvAllocator};
///
/// let pool = Pool::new(4 * 1088); // room for four blocks of the 1 KiB class
/// let layout = Layout::from_size_align(1000, 8).unwrap(); // 1 KiB (+ 64 B room) class
/// let blocks: Vec<_> = (0..4).map(|_| pool.allocate(layout).unwrap()).collect();
/// assert_eq!(pool.held_bytes(), 4 * 1088);
/// let err = pool.allocate(layout).unwrap_err();
/// assert_eq!(err.kind(), AllocErrorKind::Exhausted);
/// for block in blocks {
///     // SAFETY: each block came from `pool.allocate(layout)`, used no more.
///     unsafe { pool.deallocate(block.cast(), layout) };
/// }
/// assert_eq!(pool.held_bytes(), 4 * 1088); // cached for reuse, still counted
/// let again = pool.allocate(layout).unwrap();
/// // SAFETY: from `pool.allocate(layout)`, used no more.
/// unsafe { pool.deallocate(again.cast(), layout) };
/// ```
pub struct Pool {
    classes: Box<[Class]>,
    smallest_shift: u32,
    /// Bytes every class has beyond its power of two.
    header_room: usize,
    max_bytes: usize,
    oversize: Oversize,
    /// Bytes held: blocks handed out plus blocks cached, at class size (and
    /// oversize blocks at their size).
    held: AtomicUsize,
    waiters: Waiters,
}

impl Pool {
    /// The largest request alignment the size classes serve; requests aligned
    /// above it take the [`Oversize`] route.
    pub const MAX_ALIGN: usize = BLOCK_ALIGN;

    /// A pool bounded to `max_bytes`, with the default classes (64 B to
    /// 1 MiB) and the default [`Oversize::Heap`] route.
    pub fn new(max_bytes: usize) -> Self {
        Self::builder().max_bytes(max_bytes).build()
    }

    /// A builder with the defaults: classes 64 B to 1 MiB, a 64 MiB bound,
    /// 1024 cached blocks per class, [`Oversize::Heap`].
    pub fn builder() -> PoolBuilder {
        PoolBuilder::default()
    }

    /// The bound on held bytes.
    pub fn max_bytes(&self) -> usize {
        self.max_bytes
    }

    /// The bytes held right now: live blocks plus cached ones.
    pub fn held_bytes(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }

    /// The class sizes, smallest first.
    pub fn class_sizes(&self) -> impl Iterator<Item = usize> + '_ {
        self.classes.iter().map(|class| class.layout.size())
    }

    /// What the pool does above its largest class.
    pub fn oversize(&self) -> Oversize {
        self.oversize
    }

    fn route(&self, layout: Layout) -> Route {
        if layout.align() > BLOCK_ALIGN {
            return Route::Oversize;
        }
        let index = class_index(layout.size(), self.header_room, self.smallest_shift);
        if index < self.classes.len() {
            Route::Class(index)
        } else {
            Route::Oversize
        }
    }

    /// Adds `bytes` to the held count if the bound allows, giving cached
    /// blocks back to the global allocator to make room if needed.
    fn reserve(&self, bytes: usize) -> bool {
        let mut held = self.held.load(Ordering::Relaxed);
        loop {
            match held.checked_add(bytes) {
                Some(total) if total <= self.max_bytes => {
                    match self.held.compare_exchange_weak(
                        held,
                        total,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    ) {
                        Ok(_) => return true,
                        Err(now) => held = now,
                    }
                }
                _ => {
                    if !self.evict_one() {
                        return false;
                    }
                    held = self.held.load(Ordering::Relaxed);
                }
            }
        }
    }

    /// Gives one cached block (largest class first) back to the global
    /// allocator; `false` when nothing is cached.
    fn evict_one(&self) -> bool {
        for class in self.classes.iter().rev() {
            if let Some(Block(ptr)) = class.free.pop() {
                // SAFETY: blocks in a class's free list came from
                // `raw::alloc(class.layout)` and nobody else holds them.
                unsafe { raw::dealloc(ptr, class.layout) };
                self.held.fetch_sub(class.layout.size(), Ordering::Relaxed);
                return true;
            }
        }
        false
    }

    /// One attempt at a block of `layout` (the class's or an oversize one):
    /// the free list first (class only), then a fresh block within the bound.
    fn try_block(
        &self,
        class: Option<&Class>,
        layout: Layout,
    ) -> Result<Option<NonNull<u8>>, AllocErrorKind> {
        if let Some(Block(ptr)) = class.and_then(|class| class.free.pop()) {
            return Ok(Some(ptr));
        }
        if !self.reserve(layout.size()) {
            return Ok(None);
        }
        match raw::alloc(layout) {
            Some(ptr) => Ok(Some(ptr)),
            None => {
                self.held.fetch_sub(layout.size(), Ordering::Relaxed);
                Err(AllocErrorKind::Failed)
            }
        }
    }

    fn block(&self, class: Option<&Class>, layout: Layout) -> Result<NonNull<u8>, AllocErrorKind> {
        if layout.size() > self.max_bytes {
            return Err(AllocErrorKind::TooLarge);
        }
        if let Some(ptr) = self.try_block(class, layout)? {
            return Ok(ptr);
        }
        // About to refuse: arm the waiters, then look once more, so a release
        // racing with this refusal is either seen here or wakes the caller.
        self.waiters.arm();
        match self.try_block(class, layout)? {
            Some(ptr) => Ok(ptr),
            None => Err(AllocErrorKind::Exhausted),
        }
    }
}

impl Default for Pool {
    /// [`Pool::builder`]'s defaults.
    fn default() -> Self {
        Self::builder().build()
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("smallest_class", &(1usize << self.smallest_shift))
            .field("classes", &self.classes.len())
            .field("max_bytes", &self.max_bytes)
            .field("held_bytes", &self.held_bytes())
            .field("oversize", &self.oversize)
            .finish()
    }
}

// SAFETY: 1. every block comes from `raw::alloc` (the global allocator) with a
// layout at least as large and as aligned as the request (its class's, or the
// request's own on the oversize route) and is handed to one caller at a time:
// a block is either live with one caller or owned by one free-list slot. 2. A
// block stays allocated until `deallocate` caches it or frees it; cached
// blocks are freed only by eviction (after being popped, so no longer live)
// or by `Drop`, which runs only once every caller is done, as callers hold the
// pool in an `Arc`. The free lists and counters are thread-safe.
unsafe impl RecvAllocator for Pool {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let ptr = match self.route(layout) {
            Route::Class(index) => {
                let class = &self.classes[index];
                self.block(Some(class), class.layout)
            }
            Route::Oversize => match self.oversize {
                Oversize::Heap => self.block(None, layout),
                Oversize::Refuse => Err(AllocErrorKind::TooLarge),
            },
        }
        .map_err(|kind| AllocError::new(kind, layout))?;
        Ok(NonNull::slice_from_raw_parts(ptr, layout.size()))
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        debug_assert!(ptr.as_ptr().addr().is_multiple_of(layout.align()));
        match self.route(layout) {
            Route::Class(index) => {
                let class = &self.classes[index];
                if let Err(Block(ptr)) = class.free.push(Block(ptr)) {
                    // SAFETY: `layout` routes to this class, so `ptr` came from
                    // `raw::alloc(class.layout)` (fresh or cached), and the
                    // caller gives it up.
                    unsafe { raw::dealloc(ptr, class.layout) };
                    self.held.fetch_sub(class.layout.size(), Ordering::Relaxed);
                }
            }
            Route::Oversize => {
                debug_assert_eq!(self.oversize, Oversize::Heap);
                // SAFETY: oversize blocks come from `raw::alloc(layout)` with
                // the request's own layout, and the caller gives it up.
                unsafe { raw::dealloc(ptr, layout) };
                self.held.fetch_sub(layout.size(), Ordering::Relaxed);
            }
        }
        self.waiters.notify();
    }

    fn notify_on_release(&self, waker: &Waker) -> bool {
        self.waiters.register(waker);
        true
    }

    fn name(&self) -> &'static str {
        "pool"
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        for class in self.classes.iter() {
            while let Some(Block(ptr)) = class.free.pop() {
                // SAFETY: cached blocks came from `raw::alloc(class.layout)`
                // and nobody else holds them.
                unsafe { raw::dealloc(ptr, class.layout) };
            }
        }
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
    fn routes_round_up_to_classes() {
        let pool = Pool::builder()
            .header_room(0)
            .smallest_class(64)
            .largest_class(1024)
            .build();
        assert_eq!(
            pool.class_sizes().collect::<Vec<_>>(),
            [64, 128, 256, 512, 1024]
        );
        assert_eq!(pool.route(layout(1)), Route::Class(0));
        assert_eq!(pool.route(layout(64)), Route::Class(0));
        assert_eq!(pool.route(layout(65)), Route::Class(1));
        assert_eq!(pool.route(layout(1024)), Route::Class(4));
        assert_eq!(pool.route(layout(1025)), Route::Oversize);
        let aligned = Layout::from_size_align(64, 32).unwrap();
        assert_eq!(pool.route(aligned), Route::Oversize);
    }

    #[test]
    fn builder_rounds_to_powers_of_two() {
        let pool = Pool::builder()
            .header_room(0)
            .smallest_class(3)
            .largest_class(100)
            .build();
        assert_eq!(pool.class_sizes().collect::<Vec<_>>(), [16, 32, 64, 128]);
        assert_eq!(pool.classes[0].free.capacity(), 1024);
        let small = Pool::builder()
            .header_room(0)
            .max_bytes(256)
            .largest_class(128)
            .build();
        assert_eq!(small.classes[1].free.capacity(), 2); // 256 / 128
    }

    #[test]
    fn header_room_keeps_power_of_two_payloads_in_their_class() {
        let pool = Pool::builder().largest_class(4096).build();
        let sizes: Vec<usize> = pool.class_sizes().collect();
        assert_eq!(sizes, [128, 192, 320, 576, 1088, 2112, 4160]);
        // A 1 KiB payload behind a 48-byte header takes the 1 KiB class.
        assert_eq!(pool.route(layout(1024 + 48)), Route::Class(4));
        assert_eq!(pool.route(layout(1024 + 65)), Route::Class(5));
        assert_eq!(pool.route(layout(4096 + 64)), Route::Class(6));
        assert_eq!(pool.route(layout(4096 + 65)), Route::Oversize);
        let block = pool.allocate(layout(1024 + 48)).unwrap();
        assert_eq!(block.len(), 1024 + 48);
        // SAFETY: the block came from `pool` with this layout.
        unsafe { pool.deallocate(block.cast(), layout(1024 + 48)) };
    }

    #[test]
    #[should_panic(expected = "above largest")]
    fn builder_rejects_inverted_classes() {
        let _ = Pool::builder()
            .header_room(0)
            .smallest_class(4096)
            .largest_class(64)
            .build();
    }

    #[test]
    fn reuses_freed_blocks() {
        let pool = Pool::new(1 << 20);
        let a = pool.allocate(layout(100)).unwrap();
        // SAFETY: from `allocate(layout(100))`.
        unsafe { pool.deallocate(a.cast(), layout(100)) };
        let b = pool.allocate(layout(128)).unwrap();
        assert_eq!(a.cast::<u8>(), b.cast::<u8>());
        assert_eq!(pool.held_bytes(), 128);
        // SAFETY: from `allocate(layout(128))`.
        unsafe { pool.deallocate(b.cast(), layout(128)) };
    }

    #[test]
    fn evicts_other_classes_to_make_room() {
        let pool = Pool::builder()
            .header_room(0)
            .max_bytes(1024)
            .largest_class(1024)
            .build();
        let small: Vec<_> = (0..16)
            .map(|_| pool.allocate(layout(64)).unwrap())
            .collect();
        for block in small {
            // SAFETY: from `allocate(layout(64))`.
            unsafe { pool.deallocate(block.cast(), layout(64)) };
        }
        assert_eq!(pool.held_bytes(), 1024); // all cached
        let big = pool.allocate(layout(1024)).unwrap();
        assert_eq!(pool.held_bytes(), 1024);
        assert!(pool.classes[0].free.pop().is_none());
        // SAFETY: from `allocate(layout(1024))`.
        unsafe { pool.deallocate(big.cast(), layout(1024)) };
    }

    #[test]
    fn oversize_is_counted_or_refused() {
        let pool = Pool::builder()
            .header_room(0)
            .largest_class(1024)
            .max_bytes(8192)
            .build();
        let big = layout(4000);
        let block = pool.allocate(big).unwrap();
        assert_eq!(block.len(), 4000);
        assert_eq!(pool.held_bytes(), 4000);
        assert_eq!(
            pool.allocate(layout(5000)).unwrap_err().kind(),
            AllocErrorKind::Exhausted
        );
        assert_eq!(
            pool.allocate(layout(9000)).unwrap_err().kind(),
            AllocErrorKind::TooLarge
        );
        // SAFETY: from `allocate(big)`.
        unsafe { pool.deallocate(block.cast(), big) };
        assert_eq!(pool.held_bytes(), 0);

        let refusing = Pool::builder()
            .header_room(0)
            .largest_class(1024)
            .oversize(Oversize::Refuse)
            .build();
        let err = refusing.allocate(big).unwrap_err();
        assert_eq!(err.kind(), AllocErrorKind::TooLarge);
        assert!(!err.is_transient());
    }

    #[test]
    fn big_alignment_takes_the_oversize_route() {
        let pool = Pool::new(1 << 20);
        let aligned = Layout::from_size_align(100, 4096).unwrap();
        let block = pool.allocate(aligned).unwrap();
        assert!(block.cast::<u8>().as_ptr().addr().is_multiple_of(4096));
        assert_eq!(pool.held_bytes(), 100);
        // SAFETY: from `allocate(aligned)`.
        unsafe { pool.deallocate(block.cast(), aligned) };
        assert_eq!(pool.held_bytes(), 0);
    }

    #[test]
    fn full_free_list_returns_blocks_to_the_heap() {
        let pool = Pool::builder().header_room(0).cached_per_class(1).build();
        let a = pool.allocate(layout(64)).unwrap();
        let b = pool.allocate(layout(64)).unwrap();
        assert_eq!(pool.held_bytes(), 128);
        // SAFETY: both from `allocate(layout(64))`.
        unsafe {
            pool.deallocate(a.cast(), layout(64));
            pool.deallocate(b.cast(), layout(64));
        }
        assert_eq!(pool.held_bytes(), 64); // one cached, one freed
    }

    #[test]
    fn exhausted_then_notified() {
        let pool = Pool::builder().header_room(0).max_bytes(128).build();
        let a = pool.allocate(layout(128)).unwrap();
        let err = pool.allocate(layout(64)).unwrap_err();
        assert_eq!(err.kind(), AllocErrorKind::Exhausted);
        assert!(err.is_transient());
        let (count, waker) = counting();
        assert!(pool.notify_on_release(&waker));
        assert_eq!(count.wakes.load(Ordering::SeqCst), 0);
        // SAFETY: from `allocate(layout(128))`.
        unsafe { pool.deallocate(a.cast(), layout(128)) };
        assert_eq!(count.wakes.load(Ordering::SeqCst), 1);
        let b = pool.allocate(layout(64)).unwrap();
        // SAFETY: from `allocate(layout(64))`.
        unsafe { pool.deallocate(b.cast(), layout(64)) };
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::sync::Arc;
    use crate::waiters::test_waker::counting;

    /// A block sent to another thread for release.
    struct Sent(NonNull<u8>);
    // SAFETY: the receiving thread is the block's only user.
    unsafe impl Send for Sent {}

    fn small() -> Layout {
        Layout::from_size_align(64, 8).unwrap()
    }

    /// One block's worth of bound. The I/O thread is refused while another
    /// thread releases the only block: it must end up with a block, or be
    /// woken; and the accounting must never exceed the bound.
    #[test]
    fn loom_pool_release_wakes_refused_allocator() {
        loom::model(|| {
            let pool = Arc::new(
                Pool::builder()
                    .header_room(0)
                    .largest_class(64)
                    .max_bytes(64)
                    .build(),
            );
            let block = pool.allocate(small()).unwrap().cast::<u8>();
            // SAFETY: the block is valid for 64 bytes of writes.
            unsafe { block.write_bytes(0xAA, 64) };
            let block = Sent(block);
            let releaser = {
                let pool = Arc::clone(&pool);
                loom::thread::spawn(move || {
                    let Sent(ptr) = block;
                    // Nobody else may have been handed these bytes.
                    // SAFETY: the block is live and was written above.
                    assert_eq!(unsafe { ptr.add(63).read() }, 0xAA);
                    // SAFETY: from `allocate(small())`, handed over whole.
                    unsafe { pool.deallocate(ptr, small()) };
                })
            };
            let (count, waker) = counting();
            let got = match pool.allocate(small()) {
                Ok(block) => {
                    // SAFETY: the block is valid for 64 bytes of writes.
                    unsafe { block.cast::<u8>().write_bytes(0xBB, 64) };
                    Some(block)
                }
                Err(err) => {
                    assert_eq!(err.kind(), AllocErrorKind::Exhausted);
                    assert!(pool.notify_on_release(&waker));
                    None
                }
            };
            releaser.join().unwrap();
            assert!(pool.held_bytes() <= 64);
            match got {
                Some(block) => {
                    // SAFETY: from `allocate(small())`.
                    unsafe { pool.deallocate(block.cast(), small()) };
                }
                None => assert_eq!(count.wakes.load(Ordering::SeqCst), 1),
            }
        });
    }

    /// Two classes sharing a bound: a release into one class's free list
    /// races an allocation of the other class, which must evict the cached
    /// block rather than exceed the bound or be refused for good.
    #[test]
    fn loom_pool_eviction_handoff() {
        loom::model(|| {
            let big = Layout::from_size_align(128, 8).unwrap();
            let pool = Arc::new(
                Pool::builder()
                    .header_room(0)
                    .largest_class(128)
                    .max_bytes(128)
                    .build(),
            );
            let block = Sent(pool.allocate(big).unwrap().cast());
            let releaser = {
                let pool = Arc::clone(&pool);
                loom::thread::spawn(move || {
                    let Sent(ptr) = block;
                    // SAFETY: from `allocate(big)`, handed over whole.
                    unsafe { pool.deallocate(ptr, big) };
                })
            };
            let (count, waker) = counting();
            let got = pool.allocate(small());
            if got.is_err() {
                assert!(pool.notify_on_release(&waker));
            }
            releaser.join().unwrap();
            assert!(pool.held_bytes() <= 128);
            match got {
                Ok(block) => {
                    assert_eq!(pool.held_bytes(), 64);
                    // SAFETY: from `allocate(small())`.
                    unsafe { pool.deallocate(block.cast(), small()) };
                }
                Err(_) => assert_eq!(count.wakes.load(Ordering::SeqCst), 1),
            }
        });
    }
}
