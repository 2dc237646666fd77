//! Heap allocations made by each message operation, counted per thread by a
//! counting global allocator, and owners and receive blocks released exactly
//! once, also when the last drop happens on another thread.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ferrozmq_alloc::RecvAllocator;
use ferrozmq_msg::{Msg, MsgMut, Multipart, Storage};
use ferrozmq_test_support::{CountingAlloc, Metered};

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// (result, allocations, frees) made by this thread while running `f`.
fn counted<R>(f: impl FnOnce() -> R) -> (R, usize, usize) {
    let (r, c) = ferrozmq_test_support::counted(f);
    (r, c.allocs, c.frees)
}

#[test]
fn inline_makes_no_allocation() {
    let (m, allocs, _) = counted(|| Msg::copy_from_slice(&[1; ferrozmq_msg::INLINE_CAPACITY]));
    assert_eq!(m.storage(), Storage::Inline);
    assert_eq!(allocs, 0);
    let (c, allocs, _) = counted(|| m.clone());
    assert_eq!((allocs, &c[..]), (0, &m[..]));
    let ((), _, frees) = counted(|| drop((m, c)));
    assert_eq!(frees, 0);
}

#[test]
fn static_makes_no_allocation() {
    let (m, allocs, _) = counted(|| Msg::from_static(&[9; 4096]));
    assert_eq!(allocs, 0);
    let (_c, allocs, _) = counted(|| m.clone());
    assert_eq!(allocs, 0);
}

#[test]
fn copy_of_1kib_is_exactly_one_allocation_and_one_free() {
    copy_is_exactly_one_allocation_and_one_free(1024);
}

/// Above the size whose blocks come from mimalloc: counted once, by the
/// global allocator, not again with the bodies.
#[test]
fn copy_of_1mib_is_exactly_one_allocation_and_one_free() {
    copy_is_exactly_one_allocation_and_one_free(1 << 20);
}

fn copy_is_exactly_one_allocation_and_one_free(len: usize) {
    let src = vec![0x5A; len];
    let (m, allocs, frees) = counted(|| Msg::copy_from_slice(&src));
    assert_eq!((allocs, frees), (1, 0));
    assert_eq!(&m[..], &src[..]);
    let (clones, allocs, _) = counted(|| [m.clone(), m.clone(), m.clone()]);
    assert_eq!(allocs, 0, "cloning a chunk must not allocate");
    let ((), _, frees) = counted(|| drop(clones));
    assert_eq!(frees, 0, "only the last drop frees");
    let ((), _, frees) = counted(|| drop(m));
    assert_eq!(frees, 1);
}

#[test]
fn from_owner_vec_is_at_most_one_allocation_and_drops_owner_once() {
    let v = vec![3u8; 1 << 16];
    let ptr = v.as_ptr();
    let (m, allocs, _) = counted(|| Msg::from_owner(v));
    assert!(allocs <= 1, "{allocs} allocations");
    assert_eq!(m.as_ptr(), ptr, "zero-copy");
    let c = m.clone();
    let ((), _, frees) = counted(|| drop(m));
    assert_eq!(frees, 0);
    // The box and the Vec's buffer: two frees, once each.
    let ((), _, frees) = counted(|| drop(c));
    assert_eq!(frees, 2);

    let (m, allocs, _) = counted(|| Msg::from(String::from_utf8(vec![b'a'; 100]).unwrap()));
    assert_eq!((allocs, m.len()), (2, 100)); // the String itself, then the box
}

struct DropCounter(Arc<AtomicUsize>, Vec<u8>);

impl AsRef<[u8]> for DropCounter {
    fn as_ref(&self) -> &[u8] {
        &self.1
    }
}

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn last_drop_on_another_thread_frees_once_there() {
    let drops = Arc::new(AtomicUsize::new(0));
    let m = Msg::from_owner(DropCounter(drops.clone(), vec![1; 100]));
    let clones = [m.clone(), m.clone(), m.clone(), m.clone()];
    let ((), _, frees_here) = counted(|| drop(clones));
    assert_eq!(frees_here, 0);
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    let frees_there = std::thread::spawn(move || counted(|| drop(m)).2)
        .join()
        .unwrap();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "owner dropped exactly once"
    );
    assert_eq!(
        frees_there, 2,
        "the box and the owner's Vec, on the dropping thread"
    );

    let chunk = Msg::copy_from_slice(&[2; 5000]);
    let frees_there = std::thread::spawn(move || counted(|| drop(chunk)).2)
        .join()
        .unwrap();
    assert_eq!(frees_there, 1);
}

#[test]
fn received_block_returns_to_its_allocator_after_the_socket_is_gone() {
    let tally = Arc::new(Metered::default());
    let socket_side: Arc<dyn RecvAllocator> = tally.clone();
    let mut m = MsgMut::new_in(&socket_side, 10_000).unwrap();
    assert_eq!(tally.live(), 1);
    assert_eq!(m.fill_from(&[7; 20_000]), 10_000);
    let msg = m.freeze();
    let c = msg.clone();
    drop(socket_side); // the socket closes; the frames keep the allocator alive
    drop(msg);
    assert_eq!(tally.freed(), 0);
    std::thread::spawn(move || {
        assert_eq!(&c[..], &[7; 10_000][..]);
        drop(c);
    })
    .join()
    .unwrap();
    assert_eq!(tally.freed(), 1);
    assert_eq!(tally.live(), 0);
    assert_eq!(
        Arc::strong_count(&tally),
        1,
        "the frame released its allocator handle"
    );

    // Small frames stay inline and never ask the allocator.
    let socket_side: Arc<dyn RecvAllocator> = tally.clone();
    let (m, allocs, _) = counted(|| MsgMut::new_in(&socket_side, 20).unwrap());
    assert_eq!(allocs, 0);
    assert_eq!(m.freeze().storage(), Storage::Inline);
    assert_eq!(tally.freed(), 1);
}

#[test]
fn a_unique_received_block_is_written_and_trimmed_where_it_landed() {
    let tally = Arc::new(Metered::default());
    let socket_side: Arc<dyn RecvAllocator> = tally.clone();
    let mut m = MsgMut::new_in(&socket_side, 1_000).unwrap();
    m.put_slice(&[1; 1_000]);
    let mut msg = m.freeze();
    let start = msg.as_ptr();
    let (_, allocs, frees) = counted(|| {
        let body = msg.get_mut().expect("a unique block is writable");
        body[40] = 9;
        msg.advance(40);
    });
    assert_eq!((allocs, frees), (0, 0));
    assert_eq!(msg.len(), 960);
    assert_eq!((msg[0], msg[1]), (9, 1));
    assert_eq!(msg.as_ptr(), start.wrapping_add(40));
    // A second handle makes it read-only until that handle goes.
    let other = msg.clone();
    assert!(msg.get_mut().is_none());
    drop(other);
    assert!(msg.get_mut().is_some());
    drop(msg);
    assert_eq!((tally.freed(), tally.live()), (1, 0));

    // An owner's bytes are only lent: never writable, even when unique.
    let mut owned = Msg::from(vec![5u8; 100]);
    assert!(owned.get_mut().is_none());
    owned.advance(99);
    assert_eq!(&owned[..], &[5]);
    // Inline frames move their bytes; advancing to the end leaves none.
    let mut small = Msg::copy_from_slice(b"0123456789");
    small.get_mut().unwrap()[9] = b'x';
    small.advance(4);
    assert_eq!(&small[..], b"45678x");
    small.advance(6);
    assert!(small.is_empty());
}

#[test]
#[should_panic(expected = "past the end")]
fn advancing_past_the_end_panics() {
    Msg::from_static(b"abc").advance(4);
}

#[test]
fn multipart_of_inline_frames_makes_no_allocation_and_a_third_spills_once() {
    use ferrozmq_msg::INLINE_FRAMES;
    assert_eq!(INLINE_FRAMES, 2);
    let (m, allocs, _) =
        counted(|| Multipart::from([Msg::from_static(b"topic"), Msg::copy_from_slice(b"a")]));
    assert_eq!((allocs, m.len()), (0, 2));
    let (_c, allocs, _) = counted(|| m.clone());
    assert_eq!(allocs, 0);
    // A third frame moves the frames into one allocation.
    let (m, allocs, _) = counted(|| {
        Multipart::from([
            Msg::from_static(b"topic"),
            Msg::copy_from_slice(b"a"),
            Msg::new(),
        ])
    });
    assert_eq!((allocs, m.len()), (1, 3));
}
