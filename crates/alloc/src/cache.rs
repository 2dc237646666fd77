//! [`Cache`]: the default receive allocator. Power-of-two size classes whose
//! freed blocks are kept for reuse in lock-free free lists (the same bounded
//! queues and class arithmetic as [`Pool`](crate::Pool)), capped per class,
//! and given back to the global allocator once they stay unused.
//!
//! It needs no tuning and never refuses: a request it cannot serve from a
//! class goes to the global allocator, like [`Heap`](crate::Heap). It does not
//! bound live memory (the socket's high-water marks do that), only what it
//! keeps cached, and it knows no clock: "unused for a while" is counted in
//! allocations (see [`Cache`]'s docs).

use core::alloc::Layout;
use core::fmt;
use core::ptr::NonNull;

use crate::pool::{Block, class_index};
use crate::queue::BoundedQueue;
use crate::sync::{AtomicUsize, OnceLock, Ordering};
use crate::{AllocError, AllocErrorKind, RecvAllocator, raw};

/// The alignment of every class block, and the largest request alignment the
/// classes serve.
const BLOCK_ALIGN: usize = 16;

/// log2 of the smallest class's power of two (64 B).
const SMALLEST_SHIFT: u32 = 6;

/// log2 of the largest class's power of two (1 MiB).
const LARGEST_SHIFT: u32 = 20;

/// Bytes every class has beyond its power of two: the message layer puts a
/// 48-byte header before each received frame, so a power-of-two payload (the
/// most common sizes) stays in its own class instead of wasting half of the
/// next one.
const HEADER_ROOM: usize = 64;

/// The most blocks a class keeps cached: a little above libzmq's default
/// RCVHWM of 1000 messages, so a full receive queue drains into the cache
/// and refills from it without touching the heap.
const MAX_BLOCKS_PER_CLASS: usize = 1024;

/// The most bytes a class keeps cached; it caps the large classes (127
/// blocks of the 1 MiB class).
const MAX_BYTES_PER_CLASS: usize = 128 << 20;

/// The default epoch: allocations between two trims.
const DEFAULT_EPOCH: usize = 1 << 16;

/// How many size classes there are.
const CLASSES: usize = (LARGEST_SHIFT - SMALLEST_SHIFT + 1) as usize;

/// One size class.
struct Class {
    /// The size and alignment of every block of this class.
    layout: Layout,
    /// The most blocks the free list keeps.
    cap: usize,
    /// The free list, created on the class's first release so that a socket
    /// pays only for the classes its messages use (a list of 1024 slots is
    /// 16 KiB). Boxed: crossbeam pads the queue's indices to cache lines,
    /// which would make every class entry, used or not, over 600 bytes.
    free: OnceLock<Box<BoundedQueue<Block>>>,
}

/// What allocating writes, on cache lines of its own: a releasing thread
/// reads the class table on every release, and a counter written beside it
/// on every allocation made each release a cache miss (a fifth of a
/// release's samples at 64 B over tcp).
#[repr(align(128))]
struct Counts {
    /// Allocations since the last trim. Loaded and stored, not incremented
    /// atomically: a lost count between two allocating threads only makes an
    /// epoch a little longer.
    ticks: AtomicUsize,
    classes: [ClassCounts; CLASSES],
}

/// One class's counts for the current epoch.
struct ClassCounts {
    /// Blocks in the free list when the epoch began.
    kept: AtomicUsize,
    /// Blocks taken from the free list since (loaded and stored, as
    /// `ticks`).
    taken: AtomicUsize,
}

impl Class {
    fn new(shift: u32) -> Self {
        let size = (1usize << shift) + HEADER_ROOM;
        Self {
            layout: Layout::from_size_align(size, BLOCK_ALIGN)
                .expect("power-of-two class sizes are valid layouts"),
            cap: (MAX_BYTES_PER_CLASS / size).clamp(1, MAX_BLOCKS_PER_CLASS),
            free: OnceLock::new(),
        }
    }

    /// Gives the first `n` cached blocks (the oldest: the lists are FIFO)
    /// back to the global allocator, then starts a new epoch's count.
    fn trim(&self, free: &BoundedQueue<Block>, counts: &ClassCounts, n: usize) {
        for _ in 0..n {
            let Some(Block(ptr)) = free.pop() else { break };
            // SAFETY: blocks in a class's free list came from
            // `raw::alloc(self.layout)` and nobody else holds them: popping
            // took this one out of the list.
            unsafe { raw::dealloc(ptr, self.layout) };
        }
        counts.kept.store(free.len(), Ordering::Relaxed);
        counts.taken.store(0, Ordering::Relaxed);
    }
}

/// Where a request is served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Route {
    Class(usize),
    Heap,
}

/// The default receive allocator: a per-socket cache of size-classed blocks
/// that makes the steady state allocation-free and needs no tuning.
///
/// Requests are rounded up to the next class: powers of two from 64 B to
/// 1 MiB, each plus 64 bytes of room for the message layer's header, so a
/// 1 KiB frame takes a 1 KiB + 64 B block. A released block goes into its
/// class's lock-free free list (from any thread), and the next request of
/// that class pops it: once warm, an allocation is one pop and a release one
/// push, no heap call and no lock. Requests above the largest class, or
/// aligned above [`Cache::MAX_ALIGN`], go straight to the global allocator
/// and back, as with [`Heap`](crate::Heap).
///
/// # Bounded, and idle memory goes back
///
/// The cache bounds what it *keeps*, not what is live (a socket's high-water
/// marks bound that):
///
/// - each class keeps at most 1024 blocks and at most 128 MiB (127 blocks of
///   the 1 MiB class); a block released into a full list is freed at once;
/// - a class never keeps more than the most blocks of it that were live at
///   once, since only released blocks are kept;
/// - every 65 536 allocations (an *epoch*, counted over all classes) each
///   class gives back the blocks that sat in its list through the whole
///   epoch: the list is FIFO, so of the blocks it held when the epoch
///   began, those beyond the number taken since. A burst of large
///   messages followed by small ones leaves no large blocks behind after two
///   epochs, and a steady feed keeps exactly the blocks it cycles through.
///
/// The cache has no clock and no thread of its own: a socket that receives
/// nothing at all keeps its cached blocks until [`trim`](Cache::trim) is
/// called or the cache is dropped (when the socket and its last received
/// message are gone).
///
/// It never answers [`Exhausted`](AllocErrorKind::Exhausted), so
/// [`notify_on_release`](RecvAllocator::notify_on_release) returns `false`.
///
/// # Examples
///
/// ```
/// use std::alloc::Layout;
/// use ferrozmq_alloc::{Cache, RecvAllocator};
///
/// let cache = Cache::new();
/// let layout = Layout::from_size_align(1000, 8).unwrap(); // the 1 KiB class
/// let block = cache.allocate(layout).unwrap();
/// assert_eq!(block.len(), 1000);
/// // SAFETY: the block came from `cache.allocate(layout)`, used no more.
/// unsafe { cache.deallocate(block.cast(), layout) };
/// assert_eq!(cache.cached_bytes(), 1024 + 64); // kept for the next frame
/// let again = cache.allocate(layout).unwrap();
/// assert_eq!(again.cast::<u8>(), block.cast::<u8>());
/// // SAFETY: from `cache.allocate(layout)`, used no more.
/// unsafe { cache.deallocate(again.cast(), layout) };
/// cache.trim();
/// assert_eq!(cache.cached_bytes(), 0);
/// ```
pub struct Cache {
    classes: Box<[Class]>,
    counts: Box<Counts>,
    /// Allocations per epoch.
    epoch: usize,
}

impl Cache {
    /// The largest request alignment the size classes serve; requests aligned
    /// above it go to the global allocator.
    pub const MAX_ALIGN: usize = BLOCK_ALIGN;

    /// An empty cache. It allocates only its class table (15 entries of
    /// at most 48 bytes) and its counters (256 bytes); each class's free
    /// list comes with the class's first release.
    pub fn new() -> Self {
        Self::with_epoch(DEFAULT_EPOCH)
    }

    /// A cache that trims every `epoch` allocations.
    fn with_epoch(epoch: usize) -> Self {
        Self {
            classes: (SMALLEST_SHIFT..=LARGEST_SHIFT).map(Class::new).collect(),
            counts: Box::new(Counts {
                ticks: AtomicUsize::new(0),
                classes: core::array::from_fn(|_| ClassCounts {
                    kept: AtomicUsize::new(0),
                    taken: AtomicUsize::new(0),
                }),
            }),
            epoch: epoch.max(1),
        }
    }

    /// The class sizes, smallest first.
    pub fn class_sizes(&self) -> impl Iterator<Item = usize> + '_ {
        self.classes.iter().map(|class| class.layout.size())
    }

    /// The bytes kept for reuse right now (a snapshot when other threads
    /// allocate or release), at class size.
    pub fn cached_bytes(&self) -> usize {
        self.classes
            .iter()
            .filter_map(|class| Some(class.free.get()?.len() * class.layout.size()))
            .sum()
    }

    /// Gives every cached block back to the global allocator now. Blocks
    /// handed out are not affected; they are kept again when released.
    pub fn trim(&self) {
        for (class, counts) in self.classes.iter().zip(&self.counts.classes) {
            if let Some(free) = class.free.get() {
                class.trim(free, counts, usize::MAX);
            }
        }
    }

    /// Gives back, in every class, the blocks that stayed cached through the
    /// epoch that just ended.
    fn trim_idle(&self) {
        for (class, counts) in self.classes.iter().zip(&self.counts.classes) {
            if let Some(free) = class.free.get() {
                let idle = counts
                    .kept
                    .load(Ordering::Relaxed)
                    .saturating_sub(counts.taken.load(Ordering::Relaxed));
                class.trim(free, counts, idle);
            }
        }
    }

    /// Counts one allocation; trims when it ends an epoch.
    fn tick(&self) {
        let counter = &self.counts.ticks;
        let ticks = counter.load(Ordering::Relaxed) + 1;
        if ticks >= self.epoch {
            counter.store(0, Ordering::Relaxed);
            self.trim_idle();
        } else {
            counter.store(ticks, Ordering::Relaxed);
        }
    }

    fn route(&self, layout: Layout) -> Route {
        if layout.align() > BLOCK_ALIGN {
            return Route::Heap;
        }
        let index = class_index(layout.size(), HEADER_ROOM, SMALLEST_SHIFT);
        if index < self.classes.len() {
            Route::Class(index)
        } else {
            Route::Heap
        }
    }

    /// A block of class `index`: a cached one if any, else a fresh one.
    /// It does not ask the free list its length: that reads the index the
    /// releasing thread writes, a cache miss per allocation.
    fn class_block(&self, index: usize) -> Option<NonNull<u8>> {
        let class = &self.classes[index];
        self.tick();
        if let Some(Block(ptr)) = class.free.get().and_then(|free| free.pop()) {
            let taken = &self.counts.classes[index].taken;
            taken.store(taken.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
            return Some(ptr);
        }
        raw::alloc(class.layout)
    }
}

impl Default for Cache {
    /// [`Cache::new`].
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("classes", &self.classes.len())
            .field("cached_bytes", &self.cached_bytes())
            .finish()
    }
}

// SAFETY: 1. every block comes from `raw::alloc` (the global allocator) with a
// layout at least as large and as aligned as the request (its class's, or the
// request's own on the heap route), and is with one owner at a time: live with
// one caller, or in one free-list slot (a pop hands it to exactly one caller,
// be it `allocate` or a trim, which frees it). 2. A block stays allocated until
// `deallocate` caches or frees it; cached blocks are freed only after being
// popped (trims) or by `Drop`, which runs only once every caller is done, as
// callers hold the cache in an `Arc`. The free lists are thread-safe; the
// counters are heuristics that no safety argument relies on.
unsafe impl RecvAllocator for Cache {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        let ptr = match self.route(layout) {
            Route::Class(index) => self.class_block(index),
            Route::Heap => raw::alloc(layout),
        };
        match ptr {
            Some(ptr) => Ok(NonNull::slice_from_raw_parts(ptr, layout.size())),
            None => Err(AllocError::new(AllocErrorKind::Failed, layout)),
        }
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        debug_assert!(ptr.as_ptr().addr().is_multiple_of(layout.align()));
        match self.route(layout) {
            Route::Class(index) => {
                let class = &self.classes[index];
                let free = class
                    .free
                    .get_or_init(|| Box::new(BoundedQueue::new(class.cap)));
                if let Err(Block(ptr)) = free.push(Block(ptr)) {
                    // SAFETY: `layout` routes to this class, so `ptr` came
                    // from `raw::alloc(class.layout)` (fresh or cached), and
                    // the caller gives it up.
                    unsafe { raw::dealloc(ptr, class.layout) };
                }
            }
            Route::Heap => {
                // SAFETY: heap-route blocks come from `raw::alloc(layout)`
                // with the request's own layout, and the caller gives it up.
                unsafe { raw::dealloc(ptr, layout) };
            }
        }
    }

    fn name(&self) -> &'static str {
        "cache"
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        self.trim();
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::sync::StdArc;

    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size, 8).unwrap()
    }

    /// Allocates `n` blocks of `size` bytes, each filled with its index.
    fn burst(cache: &Cache, size: usize, n: usize) -> Vec<NonNull<u8>> {
        (0..n)
            .map(|i| {
                let block = cache.allocate(layout(size)).unwrap();
                assert_eq!(block.len(), size);
                let ptr = block.cast::<u8>();
                // SAFETY: the block is valid for `size` bytes of writes.
                unsafe { ptr.write_bytes(i as u8, size) };
                ptr
            })
            .collect()
    }

    /// Checks each block still holds its index (no two overlap), then
    /// releases them all.
    fn release(cache: &Cache, size: usize, blocks: Vec<NonNull<u8>>) {
        for (i, ptr) in blocks.into_iter().enumerate() {
            // SAFETY: each block is live and was filled by `burst`.
            let bytes = unsafe { core::slice::from_raw_parts(ptr.as_ptr(), size) };
            assert!(bytes.iter().all(|&b| b == i as u8), "block {i} overwritten");
            // SAFETY: from `allocate(layout(size))`, used no more.
            unsafe { cache.deallocate(ptr, layout(size)) };
        }
    }

    #[test]
    fn classes_are_powers_of_two_plus_room() {
        let cache = Cache::new();
        let sizes: Vec<usize> = cache.class_sizes().collect();
        assert_eq!(sizes.len(), 15);
        assert_eq!(sizes[0], 128);
        assert_eq!(sizes[4], 1024 + 64);
        assert_eq!(sizes[14], (1 << 20) + 64);
        assert_eq!(cache.route(layout(1)), Route::Class(0));
        assert_eq!(cache.route(layout(128)), Route::Class(0));
        assert_eq!(cache.route(layout(129)), Route::Class(1));
        // A 1 KiB frame behind the message layer's 48-byte header.
        assert_eq!(cache.route(layout(1024 + 48)), Route::Class(4));
        assert_eq!(cache.route(layout(1024 + 65)), Route::Class(5));
        assert_eq!(cache.route(layout((1 << 20) + 64)), Route::Class(14));
        assert_eq!(cache.route(layout((1 << 20) + 65)), Route::Heap);
        let aligned = Layout::from_size_align(64, 32).unwrap();
        assert_eq!(cache.route(aligned), Route::Heap);
        assert_eq!(cache.classes[0].cap, 1024);
        assert_eq!(cache.classes[14].cap, 127);
        assert_eq!(cache.name(), "cache");
        assert!(!cache.notify_on_release(core::task::Waker::noop()));
    }

    #[test]
    fn an_unused_class_is_small() {
        assert!(core::mem::size_of::<Class>() <= 48);
    }

    #[test]
    fn reuses_released_blocks_of_every_class() {
        let cache = Cache::new();
        for shift in 0..15 {
            let size = (64 << shift) + 48;
            let blocks = burst(&cache, size, 3);
            let first: Vec<_> = blocks.clone();
            release(&cache, size, blocks);
            assert_eq!(cache.classes[shift].free.get().unwrap().len(), 3);
            // FIFO: the same three blocks come back, nothing new.
            let again = burst(&cache, size, 3);
            assert_eq!(again, first);
            release(&cache, size, again);
        }
        let total: usize = cache.class_sizes().map(|s| 3 * s).sum();
        assert_eq!(cache.cached_bytes(), total);
    }

    #[test]
    fn above_the_largest_class_falls_through_to_the_heap() {
        let cache = Cache::new();
        let big = layout((1 << 20) + 65);
        let block = cache.allocate(big).unwrap();
        assert_eq!(block.len(), (1 << 20) + 65);
        // SAFETY: the block is valid for its length.
        unsafe { block.cast::<u8>().write_bytes(1, block.len()) };
        // SAFETY: from `allocate(big)`, used no more.
        unsafe { cache.deallocate(block.cast(), big) };
        assert_eq!(cache.cached_bytes(), 0);
        let aligned = Layout::from_size_align(100, 4096).unwrap();
        let block = cache.allocate(aligned).unwrap();
        assert!(block.cast::<u8>().as_ptr().addr().is_multiple_of(4096));
        // SAFETY: from `allocate(aligned)`, used no more.
        unsafe { cache.deallocate(block.cast(), aligned) };
        assert_eq!(cache.cached_bytes(), 0);
        let impossible = Layout::from_size_align(isize::MAX as usize - 64, 1).unwrap();
        let err = cache.allocate(impossible).unwrap_err();
        assert_eq!(err.kind(), AllocErrorKind::Failed);
    }

    #[test]
    fn a_class_keeps_at_most_its_cap() {
        let cache = Cache::new();
        let size = 1 << 20;
        let blocks = burst(&cache, size, 130);
        release(&cache, size, blocks);
        assert_eq!(cache.classes[14].free.get().unwrap().len(), 127);
        assert_eq!(cache.cached_bytes(), 127 * ((1 << 20) + 64));
        let small = burst(&cache, 100, 1100);
        release(&cache, 100, small);
        assert_eq!(cache.classes[0].free.get().unwrap().len(), 1024);
        assert_eq!(cache.cached_bytes(), 127 * ((1 << 20) + 64) + 1024 * 128);
    }

    #[test]
    fn a_burst_then_other_traffic_gives_the_burst_back() {
        let cache = Cache::with_epoch(100);
        let big = 64 << 10;
        let blocks = burst(&cache, big, 50);
        release(&cache, big, blocks);
        let big_class = ((64 << 10) + 64) * 50;
        assert_eq!(cache.cached_bytes(), big_class);
        // Small frames one at a time: the one small block cycles, the big
        // ones sit idle through a whole epoch and go back.
        for _ in 0..250 {
            let one = burst(&cache, 100, 1);
            release(&cache, 100, one);
        }
        assert_eq!(cache.classes[10].free.get().unwrap().len(), 0);
        assert_eq!(cache.cached_bytes(), 128);
    }

    #[test]
    fn a_steady_feed_keeps_what_it_cycles_through() {
        let cache = Cache::with_epoch(64);
        // Between 8 and 16 frames in flight, for many epochs: the same 16
        // blocks cycle, none is trimmed, none is allocated afresh.
        let mut in_flight = burst(&cache, 1000, 16);
        let mut first: Vec<usize> = in_flight.iter().map(|p| p.as_ptr().addr()).collect();
        first.sort_unstable();
        for _ in 0..500 {
            for done in in_flight.drain(..8) {
                // SAFETY: from `allocate(layout(1000))`, used no more.
                unsafe { cache.deallocate(done, layout(1000)) };
            }
            for _ in 0..8 {
                in_flight.push(cache.allocate(layout(1000)).unwrap().cast());
            }
            let mut now: Vec<usize> = in_flight.iter().map(|p| p.as_ptr().addr()).collect();
            now.sort_unstable();
            assert_eq!(now, first);
        }
        assert_eq!(cache.classes[4].free.get().unwrap().len(), 0);
        for done in in_flight {
            // SAFETY: from `allocate(layout(1000))`, used no more.
            unsafe { cache.deallocate(done, layout(1000)) };
        }
        assert_eq!(cache.cached_bytes(), 16 * (1024 + 64));
    }

    #[test]
    fn trim_gives_everything_back() {
        let cache = Cache::new();
        for size in [100, 5000, 300_000] {
            let blocks = burst(&cache, size, 4);
            release(&cache, size, blocks);
        }
        assert!(cache.cached_bytes() > 0);
        cache.trim();
        assert_eq!(cache.cached_bytes(), 0);
    }

    /// A block sent to another thread for release.
    struct Sent(NonNull<u8>);
    // SAFETY: the receiving thread is the block's only user.
    unsafe impl Send for Sent {}

    #[test]
    fn blocks_come_back_from_other_threads() {
        let cache = StdArc::new(Cache::new());
        let size = 4000;
        let blocks = burst(&cache, size, 64);
        let mut want: Vec<usize> = blocks.iter().map(|p| p.as_ptr().addr()).collect();
        let mut sent: Vec<Sent> = blocks.into_iter().map(Sent).collect();
        std::thread::scope(|scope| {
            while !sent.is_empty() {
                let chunk: Vec<Sent> = sent.drain(..16).collect();
                let cache = &cache;
                scope.spawn(move || {
                    for Sent(ptr) in chunk {
                        // SAFETY: from `allocate(layout(size))`, handed to
                        // this thread alone, used no more.
                        unsafe { cache.deallocate(ptr, layout(size)) };
                    }
                });
            }
        });
        assert_eq!(cache.classes[6].free.get().unwrap().len(), 64);
        let again = burst(&cache, size, 64);
        let mut got: Vec<usize> = again.iter().map(|p| p.as_ptr().addr()).collect();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want);
        release(&cache, size, again);
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use super::*;
    use crate::sync::Arc;

    /// A block sent to another thread for release.
    struct Sent(NonNull<u8>);
    // SAFETY: the receiving thread is the block's only user.
    unsafe impl Send for Sent {}

    fn small() -> Layout {
        Layout::from_size_align(64, 8).unwrap()
    }

    /// Warms the small class so its free list exists before the threads
    /// start (it is created once, outside the modelled handoff).
    fn warm(cache: &Cache) {
        let block = cache.allocate(small()).unwrap();
        // SAFETY: from `allocate(small())`, used no more.
        unsafe { cache.deallocate(block.cast(), small()) };
        cache.trim();
    }

    /// A release from another thread races an allocation that ends an epoch
    /// (every allocation trims): the allocating thread gets a block nobody
    /// else holds, the released block is either reused or freed exactly once
    /// (the queue hands each block to one popper), and nothing is left
    /// cached beyond the one block.
    #[test]
    fn loom_cache_release_races_allocate_and_trim() {
        loom::model(|| {
            let cache = Arc::new(Cache::with_epoch(1));
            warm(&cache);
            let block = cache.allocate(small()).unwrap().cast::<u8>();
            // SAFETY: the block is valid for 64 bytes of writes.
            unsafe { block.write_bytes(0xAA, 64) };
            let block = Sent(block);
            let releaser = {
                let cache = Arc::clone(&cache);
                loom::thread::spawn(move || {
                    let Sent(ptr) = block;
                    // SAFETY: the block is live and was written above.
                    assert_eq!(unsafe { ptr.add(63).read() }, 0xAA);
                    // SAFETY: from `allocate(small())`, handed over whole.
                    unsafe { cache.deallocate(ptr, small()) };
                })
            };
            let got = cache.allocate(small()).unwrap().cast::<u8>();
            // SAFETY: the block is valid for 64 bytes of writes.
            unsafe { got.write_bytes(0xBB, 64) };
            releaser.join().unwrap();
            assert!(cache.cached_bytes() <= 128);
            // SAFETY: from `allocate(small())`, used no more.
            unsafe { cache.deallocate(got, small()) };
            assert!(cache.cached_bytes() <= 2 * 128);
        });
    }

    /// Two threads release into a class while a third trims it: every block
    /// ends up cached or freed, never both, and the count adds up.
    #[test]
    fn loom_cache_two_releases_and_a_trim() {
        loom::model(|| {
            let cache = Arc::new(Cache::with_epoch(usize::MAX));
            warm(&cache);
            let a = Sent(cache.allocate(small()).unwrap().cast());
            let b = Sent(cache.allocate(small()).unwrap().cast());
            let spawn = |sent: Sent| {
                let cache = Arc::clone(&cache);
                loom::thread::spawn(move || {
                    let Sent(ptr) = sent;
                    // SAFETY: from `allocate(small())`, handed over whole.
                    unsafe { cache.deallocate(ptr, small()) };
                })
            };
            let (ta, tb) = (spawn(a), spawn(b));
            cache.trim();
            ta.join().unwrap();
            tb.join().unwrap();
            let cached = cache.classes[0].free.get().unwrap().len();
            assert!(cached <= 2);
            assert_eq!(cache.cached_bytes(), cached * 128);
            cache.trim();
            assert_eq!(cache.cached_bytes(), 0);
        });
    }
}
