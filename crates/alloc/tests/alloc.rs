//! Integration tests for every receive allocator, through `Arc<dyn
//! RecvAllocator>` as the msg crate holds them: non-overlap and reuse, bounds
//! and back-pressure, wake-ups, releases from other threads after the
//! allocator's other handles are gone, the OOM path through the
//! allocator-api2 adapter, and the pool's zero heap allocations once warm
//! (with a counting global allocator, which is why this is one test binary).
//!
//! It does not test concurrency interleavings exhaustively; the loom models
//! in the crate do.

use std::alloc::Layout;
use std::ptr::NonNull;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::task::{Wake, Waker};
use std::thread;

use allocator_api2::alloc::{AllocError as ApiAllocError, Allocator, Global};
use ferrozmq_alloc::{
    AllocErrorKind, ApiAllocator, Bump, Heap, Mimalloc, Oversize, Pool, RecvAllocator,
};

#[global_allocator]
static GLOBAL: ferrozmq_test_support::CountingAlloc = ferrozmq_test_support::CountingAlloc;

/// Runs `f` and returns how many global allocator calls (allocations and
/// frees) this thread made.
fn heap_calls_during(f: impl FnOnce()) -> usize {
    let ((), counts) = ferrozmq_test_support::counted(f);
    counts.allocs + counts.frees
}

// ---------------------------------------------------------------------------
// Helpers.

/// xorshift64*: deterministic, dependency-free randomness.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// A live block with the byte pattern written into it.
struct Live {
    ptr: NonNull<u8>,
    layout: Layout,
    tag: u8,
}

// SAFETY: a `Live` is the only handle to its block; sending it moves the block.
unsafe impl Send for Live {}

fn alloc_tagged(alloc: &dyn RecvAllocator, layout: Layout, tag: u8) -> Live {
    let block = alloc
        .allocate(layout)
        .unwrap_or_else(|err| panic!("{}: {err}", alloc.name()));
    assert_eq!(block.len(), layout.size(), "{}", alloc.name());
    let ptr = block.cast::<u8>();
    assert!(
        ptr.as_ptr().addr().is_multiple_of(layout.align()),
        "{}",
        alloc.name()
    );
    for i in 0..layout.size() {
        // SAFETY: the block is valid for `layout.size()` bytes of writes.
        unsafe { ptr.add(i).write(tag ^ (i as u8)) };
    }
    Live { ptr, layout, tag }
}

fn check(live: &Live, name: &str) {
    for i in 0..live.layout.size() {
        // SAFETY: the block is live and was fully written by `alloc_tagged`.
        let byte = unsafe { live.ptr.add(i).read() };
        assert_eq!(byte, live.tag ^ (i as u8), "{name}: corrupted at byte {i}");
    }
}

fn free(alloc: &dyn RecvAllocator, live: Live) {
    check(&live, alloc.name());
    // SAFETY: `live` came from `alloc.allocate(live.layout)` and is dropped here.
    unsafe { alloc.deallocate(live.ptr, live.layout) };
}

fn assert_disjoint(live: &[Live], name: &str) {
    let mut ranges: Vec<(usize, usize)> = live
        .iter()
        .map(|l| {
            (
                l.ptr.as_ptr().addr(),
                l.ptr.as_ptr().addr() + l.layout.size(),
            )
        })
        .collect();
    ranges.sort_unstable();
    for pair in ranges.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "{name}: blocks overlap: {pair:?}");
    }
}

/// Allocate many blocks of mixed sizes and alignments, write distinct
/// patterns, check them, free half in random order, allocate again, check
/// again, free the rest. Returns the addresses of the second round.
fn non_overlap_and_reuse(alloc: &dyn RecvAllocator, max_size: usize) {
    let name = alloc.name();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let random_layout = |rng: &mut Rng| {
        let size = 1 + rng.below(max_size);
        let align = 1 << rng.below(5); // 1 ..= 16
        Layout::from_size_align(size, align).unwrap()
    };
    let mut live: Vec<Live> = (0..300)
        .map(|i| alloc_tagged(alloc, random_layout(&mut rng), i as u8))
        .collect();
    assert_disjoint(&live, name);
    for round in 0..3u8 {
        live.iter().for_each(|l| check(l, name));
        // Free half, in random order.
        for _ in 0..live.len() / 2 {
            let victim = live.swap_remove(rng.below(live.len()));
            free(alloc, victim);
        }
        // Reallocate as many; freed memory must be reused without clobbering.
        for i in 0..150 {
            live.push(alloc_tagged(
                alloc,
                random_layout(&mut rng),
                i as u8 ^ round.wrapping_mul(0x5B),
            ));
        }
        assert_disjoint(&live, name);
    }
    while !live.is_empty() {
        let victim = live.swap_remove(rng.below(live.len()));
        free(alloc, victim);
    }
}

struct CountingWaker(AtomicUsize);

impl Wake for CountingWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn counting_waker() -> (Arc<CountingWaker>, Waker) {
    let counter = Arc::new(CountingWaker(AtomicUsize::new(0)));
    (Arc::clone(&counter), Waker::from(counter))
}

fn every_allocator() -> Vec<Arc<dyn RecvAllocator>> {
    vec![
        Arc::new(Heap::new()),
        Arc::new(
            Pool::builder()
                .header_room(0)
                .largest_class(4096)
                .max_bytes(8 << 20)
                .build(),
        ),
        Arc::new(Bump::new(64 * 1024, 64)),
        Arc::new(Mimalloc::new()),
        Arc::new(ApiAllocator::new(Global)),
    ]
}

// ---------------------------------------------------------------------------
// Properties of every allocator.

#[test]
fn every_allocator_non_overlap_and_reuse() {
    for alloc in every_allocator() {
        non_overlap_and_reuse(&*alloc, 3000);
    }
}

#[test]
fn pool_oversize_route_non_overlap() {
    let pool = Pool::builder()
        .header_room(0)
        .largest_class(256)
        .max_bytes(64 << 20)
        .build();
    non_overlap_and_reuse(&pool, 5000); // most requests above the largest class
    assert_eq!(pool.held_bytes() % 16, 0);
}

#[test]
fn every_allocator_frees_from_another_thread_after_arc_dropped() {
    for alloc in every_allocator() {
        let name = alloc.name();
        let layout = Layout::from_size_align(1000, 8).unwrap();
        let blocks: Vec<Live> = (0..32).map(|i| alloc_tagged(&*alloc, layout, i)).collect();
        let weak = Arc::downgrade(&alloc);
        let (tx, rx) = mpsc::channel::<(Arc<dyn RecvAllocator>, Vec<Live>)>();
        let freer = thread::spawn(move || {
            let (alloc, blocks) = rx.recv().unwrap();
            // The sender's handle is gone: ours is the last.
            assert_eq!(Arc::strong_count(&alloc), 1);
            for live in blocks {
                free(&*alloc, live);
            }
        });
        let handle = Arc::clone(&alloc);
        drop(alloc);
        tx.send((handle, blocks)).unwrap();
        freer.join().unwrap();
        assert!(weak.upgrade().is_none(), "{name}: allocator not dropped");
    }
}

#[test]
fn allocate_on_one_thread_free_on_many() {
    for alloc in every_allocator() {
        let (txs, handles): (Vec<_>, Vec<_>) = (0..2)
            .map(|_| {
                let (tx, rx) = mpsc::channel::<Live>();
                let alloc = Arc::clone(&alloc);
                (
                    tx,
                    thread::spawn(move || rx.iter().for_each(|live| free(&*alloc, live))),
                )
            })
            .unzip();
        let mut rng = Rng(7);
        for i in 0..2000usize {
            let layout = Layout::from_size_align(1 + rng.below(2000), 8).unwrap();
            let live = alloc_tagged(&*alloc, layout, i as u8);
            txs[i % 2].send(live).unwrap();
        }
        drop(txs);
        handles.into_iter().for_each(|h| h.join().unwrap());
    }
}

// ---------------------------------------------------------------------------
// Bounds, back-pressure and wake-ups.

#[test]
fn pool_exhausted_then_success_after_release_with_wake() {
    let pool: Arc<dyn RecvAllocator> = Arc::new(
        Pool::builder()
            .header_room(0)
            .largest_class(1024)
            .max_bytes(4096)
            .build(),
    );
    let layout = Layout::from_size_align(1024, 8).unwrap();
    let live: Vec<Live> = (0..4).map(|i| alloc_tagged(&*pool, layout, i)).collect();
    let err = pool.allocate(layout).unwrap_err();
    assert_eq!(err.kind(), AllocErrorKind::Exhausted);
    assert!(err.is_transient());
    assert_eq!(err.layout(), layout);
    let (counter, waker) = counting_waker();
    assert!(pool.notify_on_release(&waker));
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);

    // Released on another thread.
    let mut live = live.into_iter();
    let first = live.next().unwrap();
    let releaser = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || free(&*pool, first))
    };
    releaser.join().unwrap();
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    let again = alloc_tagged(&*pool, layout, 9);
    // A registered waker is woken once, not on every later release.
    for l in live.chain([again]) {
        free(&*pool, l);
    }
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);
}

#[test]
fn pool_release_before_registration_wakes_at_once() {
    let pool = Pool::builder()
        .header_room(0)
        .largest_class(1024)
        .max_bytes(1024)
        .build();
    let layout = Layout::from_size_align(1024, 8).unwrap();
    let live = alloc_tagged(&pool, layout, 1);
    assert_eq!(
        pool.allocate(layout).unwrap_err().kind(),
        AllocErrorKind::Exhausted
    );
    free(&pool, live); // the release falls between the answer and registering
    let (counter, waker) = counting_waker();
    assert!(pool.notify_on_release(&waker));
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);
}

#[test]
fn pool_bound_is_never_exceeded_and_other_classes_are_not_starved() {
    let pool = Pool::builder()
        .header_room(0)
        .smallest_class(64)
        .largest_class(4096)
        .max_bytes(16 * 1024)
        .build();
    let small = Layout::from_size_align(64, 8).unwrap();
    let big = Layout::from_size_align(4096, 8).unwrap();
    // Fill the bound with small blocks, then cache them all.
    let mut live = Vec::new();
    while let Ok(block) = pool.allocate(small) {
        live.push(block);
        assert!(pool.held_bytes() <= pool.max_bytes());
    }
    assert_eq!(live.len(), 16 * 1024 / 64);
    for block in live {
        // SAFETY: from `pool.allocate(small)`.
        unsafe { pool.deallocate(block.cast(), small) };
    }
    assert_eq!(pool.held_bytes(), 16 * 1024);
    // Every byte is cached as small blocks, yet the big class is served.
    let bigs: Vec<Live> = (0..4).map(|i| alloc_tagged(&pool, big, i)).collect();
    assert_eq!(pool.held_bytes(), 16 * 1024);
    assert_eq!(
        pool.allocate(small).unwrap_err().kind(),
        AllocErrorKind::Exhausted
    );
    bigs.into_iter().for_each(|l| free(&pool, l));
}

#[test]
fn pool_oversize_policies() {
    let heap_route = Pool::builder()
        .header_room(0)
        .largest_class(1024)
        .max_bytes(1 << 20)
        .build();
    assert_eq!(heap_route.oversize(), Oversize::Heap);
    let layout = Layout::from_size_align(100_000, 8).unwrap();
    let live = alloc_tagged(&heap_route, layout, 3);
    assert_eq!(heap_route.held_bytes(), 100_000);
    free(&heap_route, live);
    assert_eq!(heap_route.held_bytes(), 0);

    let refusing = Pool::builder()
        .header_room(0)
        .largest_class(1024)
        .oversize(Oversize::Refuse)
        .build();
    assert_eq!(
        refusing.allocate(layout).unwrap_err().kind(),
        AllocErrorKind::TooLarge
    );
}

#[test]
fn bump_exhausted_then_success_after_release_with_wake() {
    let bump: Arc<dyn RecvAllocator> = Arc::new(Bump::new(4096, 2));
    let layout = Layout::from_size_align(1000, 8).unwrap();
    // (1000 + 16 rounded to 1024) x 4 per block, 2 blocks.
    let mut live: Vec<Live> = (0..8).map(|i| alloc_tagged(&*bump, layout, i)).collect();
    assert_disjoint(&live, "bump");
    let err = bump.allocate(layout).unwrap_err();
    assert_eq!(err.kind(), AllocErrorKind::Exhausted);
    let (counter, waker) = counting_waker();
    assert!(bump.notify_on_release(&waker));
    // Releasing three of the first block's four buffers frees no block.
    let first_block: Vec<Live> = live.drain(..4).collect();
    let mut first_block = first_block.into_iter();
    for l in first_block.by_ref().take(3) {
        free(&*bump, l);
    }
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
    assert_eq!(
        bump.allocate(layout).unwrap_err().kind(),
        AllocErrorKind::Exhausted
    );
    assert!(bump.notify_on_release(&waker));
    // The last one, from another thread, recycles the block and wakes.
    let last = first_block.next().unwrap();
    let releaser = {
        let bump = Arc::clone(&bump);
        thread::spawn(move || free(&*bump, last))
    };
    releaser.join().unwrap();
    assert_eq!(counter.0.load(Ordering::SeqCst), 1);
    let again: Vec<Live> = (0..4)
        .map(|i| alloc_tagged(&*bump, layout, 40 + i))
        .collect();
    live.extend(again);
    assert_disjoint(&live, "bump");
    live.into_iter().for_each(|l| free(&*bump, l));
}

#[test]
fn bump_oversize_is_too_large() {
    let bump = Bump::new(4096, 4);
    let layout = Layout::from_size_align(bump.max_request() + 1, 8).unwrap();
    let err = bump.allocate(layout).unwrap_err();
    assert_eq!(err.kind(), AllocErrorKind::TooLarge);
    assert!(!err.is_transient());
    assert_eq!(bump.blocks_created(), 0);
}

#[test]
fn bump_recycles_blocks_without_creating_more() {
    let bump = Bump::new(8192, 3);
    let layout = Layout::from_size_align(500, 8).unwrap();
    for round in 0..50u8 {
        let live: Vec<Live> = (0..30)
            .map(|i| alloc_tagged(&bump, layout, round ^ i))
            .collect();
        assert_disjoint(&live, "bump");
        live.into_iter().for_each(|l| free(&bump, l));
    }
    assert!(bump.blocks_created() <= 3);
}

#[test]
fn unbounded_allocators_do_not_notify() {
    let (counter, waker) = counting_waker();
    assert!(!Heap::new().notify_on_release(&waker));
    assert!(!Mimalloc::new().notify_on_release(&waker));
    assert!(!ApiAllocator::new(Global).notify_on_release(&waker));
    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
}

// ---------------------------------------------------------------------------
// The OOM path through the allocator-api2 adapter.

/// An allocator that serves `budget` requests from the global allocator and
/// fails every one after.
struct FailingAfter {
    budget: AtomicUsize,
    freed: AtomicUsize,
}

// SAFETY: forwards to `Global`, which upholds the contract, or fails.
unsafe impl Allocator for FailingAfter {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, ApiAllocError> {
        self.budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .map_err(|_| ApiAllocError)?;
        Global.allocate(layout)
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        self.freed.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller upholds the contract for a block from `Global`.
        unsafe { Global.deallocate(ptr, layout) }
    }
}

#[test]
fn adapter_maps_inner_failure_to_failed() {
    let alloc = ApiAllocator::with_name(
        FailingAfter {
            budget: AtomicUsize::new(2),
            freed: AtomicUsize::new(0),
        },
        "failing",
    );
    assert_eq!(alloc.name(), "failing");
    let layout = Layout::from_size_align(300, 16).unwrap();
    let a = alloc_tagged(&alloc, layout, 1);
    let b = alloc_tagged(&alloc, layout, 2);
    let err = alloc.allocate(layout).unwrap_err();
    assert_eq!(err.kind(), AllocErrorKind::Failed);
    assert!(!err.is_transient());
    assert_eq!(err.layout(), layout);
    free(&alloc, a);
    free(&alloc, b);
    assert_eq!(alloc.inner().freed.load(Ordering::Relaxed), 2);
    assert_eq!(alloc.into_inner().budget.load(Ordering::Relaxed), 0);
}

// ---------------------------------------------------------------------------
// Zero heap allocations once warm.

#[test]
fn pool_makes_no_heap_calls_once_warm() {
    let pool = Pool::builder()
        .header_room(0)
        .smallest_class(64)
        .largest_class(64 * 1024)
        .max_bytes(16 << 20)
        .build();
    let sizes = [10, 64, 100, 1000, 1500, 4096, 9000, 65536];
    let layouts: Vec<Layout> = sizes
        .iter()
        .map(|&s| Layout::from_size_align(s, 8).unwrap())
        .collect();
    let mut slots: Vec<Option<NonNull<[u8]>>> = vec![None; 256];
    let cycle = |pool: &Pool, slots: &mut Vec<Option<NonNull<[u8]>>>| {
        for (i, slot) in slots.iter_mut().enumerate() {
            let layout = layouts[i % layouts.len()];
            if let Some(block) = slot.take() {
                // SAFETY: from `pool.allocate(layout)` (same slot, same layout).
                unsafe { pool.deallocate(block.cast(), layout) };
            }
            let block = pool.allocate(layout).unwrap();
            // SAFETY: valid for `layout.size()` bytes.
            unsafe { block.cast::<u8>().write_bytes(i as u8, layout.size()) };
            *slot = Some(block);
        }
    };
    cycle(&pool, &mut slots); // warm-up: fills the free lists' working set
    cycle(&pool, &mut slots);
    let warm_held = pool.held_bytes();
    let calls = heap_calls_during(|| {
        for _ in 0..20 {
            cycle(&pool, &mut slots);
        }
    });
    assert_eq!(calls, 0, "the warm pool called the global allocator");
    assert_eq!(pool.held_bytes(), warm_held);
    // And the counter does count: a cold allocation is seen.
    let cold = heap_calls_during(|| {
        let block = Heap.allocate(layouts[0]).unwrap();
        // SAFETY: from `Heap.allocate(layouts[0])`.
        unsafe { Heap.deallocate(block.cast(), layouts[0]) };
    });
    assert_eq!(cold, 2);
    for (i, slot) in slots.iter_mut().enumerate() {
        if let Some(block) = slot.take() {
            // SAFETY: from `pool.allocate(layouts[i % ..])`.
            unsafe { pool.deallocate(block.cast(), layouts[i % layouts.len()]) };
        }
    }
}

// ---------------------------------------------------------------------------
// Zero-size layouts never occur, but are handled.

#[test]
fn every_allocator_handles_zero_size_defensively() {
    for alloc in every_allocator() {
        for align in [1, 8, 16] {
            let layout = Layout::from_size_align(0, align).unwrap();
            let block = alloc
                .allocate(layout)
                .unwrap_or_else(|err| panic!("{}: {err}", alloc.name()));
            assert_eq!(block.len(), 0, "{}", alloc.name());
            assert!(block.cast::<u8>().as_ptr().addr().is_multiple_of(align));
            // SAFETY: from `alloc.allocate(layout)`, not used again.
            unsafe { alloc.deallocate(block.cast(), layout) };
        }
    }
}
