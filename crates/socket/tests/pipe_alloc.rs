//! Heap allocations per message through a pipe in the steady state: none,
//! on either side, including when both sides park and wake each other.
//!
//! An integration test because it needs its own `#[global_allocator]`, which
//! counts allocations per thread, so the writer's and the reader's counts are
//! taken separately and the test harness's own threads do not disturb them.
//! It does not measure speed.

use std::sync::Arc;
use std::thread;

use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_socket::{Parker, RecvTimeoutError, pipe};
use ferrozmq_test_support::{CountingAlloc, counted};

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Allocations made by the calling thread while `f` runs.
fn allocs_during<R>(f: impl FnOnce() -> R) -> (R, usize) {
    let (r, counts) = counted(f);
    (r, counts.allocs)
}

const WARM_UP: u64 = 1_000;
const MEASURED: u64 = 20_000;

/// Message `seq`: an inline frame with its number, and a shared 64 KiB body
/// (a clone is one atomic increment, not an allocation).
fn message(seq: u64, body: &Msg) -> Multipart {
    Multipart::from([Msg::copy_from_slice(&seq.to_le_bytes()), body.clone()])
}

#[test]
fn steady_state_send_and_recv_allocate_nothing() {
    let body = Msg::from(vec![0xA5u8; 64 * 1024]);
    // A small pipe, so both sides keep filling, draining, parking and waking.
    let (mut tx, mut rx) = pipe(8, Arc::new(Parker::new()), Arc::new(Parker::new()));

    let writer_body = body.clone();
    let writer = thread::spawn(move || {
        for seq in 0..WARM_UP {
            tx.send_timeout(message(seq, &writer_body), None).unwrap();
        }
        let ((), allocs) = allocs_during(|| {
            for seq in WARM_UP..WARM_UP + MEASURED {
                tx.send_timeout(message(seq, &writer_body), None).unwrap();
            }
        });
        allocs
    });

    let check = |m: Multipart, seq: u64| {
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].as_slice(), seq.to_le_bytes());
        // The same memory as the writer's body: moved as a pointer, not copied.
        assert_eq!(m[1].as_ptr(), body.as_ptr());
    };
    for seq in 0..WARM_UP {
        check(rx.recv_timeout(None).unwrap(), seq);
    }
    let ((), reader_allocs) = allocs_during(|| {
        for seq in WARM_UP..WARM_UP + MEASURED {
            check(rx.recv_timeout(None).unwrap(), seq);
        }
    });
    let writer_allocs = writer.join().unwrap();
    assert_eq!(rx.recv_timeout(None), Err(RecvTimeoutError::Disconnected));

    assert_eq!(
        (writer_allocs, reader_allocs),
        (0, 0),
        "allocations in {MEASURED} messages (writer, reader)"
    );
}

/// The counter works: an unbounded pipe does allocate as it grows, so a zero
/// above is a measurement, not a counter that never moves.
#[test]
fn the_counter_sees_an_unbounded_pipe_grow() {
    let (mut tx, _rx) = pipe(0, Arc::new(Parker::new()), Arc::new(Parker::new()));
    let ((), allocs) = allocs_during(|| {
        for seq in 0..100 {
            tx.try_send(Multipart::from([Msg::copy_from_slice(&[seq])]))
                .unwrap();
        }
    });
    assert!(allocs > 0);
}

/// A writer held at the default HWM (1000) by a slower reader: the pipe
/// fills, the reader drains it to the low-water mark (500), the writer
/// refills it, and so on. The pipe's storage grows in the first cycles, and
/// after that the cycles allocate nothing (the chunks the reader frees wait
/// as spares for the refill); drained to empty and refilled in small bursts
/// for long enough, it gives its storage back, so the next fill allocates
/// again. One thread plays both sides, so every
/// allocation is counted.
#[test]
fn cycling_at_the_hwm_allocates_only_while_growing() {
    const HWM: usize = 1000;
    let (mut tx, mut rx) = pipe(HWM, Arc::new(Parker::new()), Arc::new(Parker::new()));
    let (mut sent, mut received) = (0u64, 0u64);
    // Sends until the pipe is full or `most` more went in.
    let mut fill = |tx: &mut ferrozmq_socket::PipeWriter, most: usize| {
        for _ in 0..most {
            if tx
                .try_send(Multipart::from([Msg::copy_from_slice(&sent.to_le_bytes())]))
                .is_err()
            {
                break;
            }
            sent += 1;
        }
    };
    let mut drain_to = |rx: &mut ferrozmq_socket::PipeReader, level: usize| {
        while rx.len() > level {
            let m = rx.try_recv().unwrap();
            assert_eq!(m[0].as_slice(), received.to_le_bytes());
            received += 1;
        }
    };

    // Two cycles to grow: the second refill starts from a fuller pipe than
    // the first fill did, and may need one more chunk.
    let ((), first) = counted(|| {
        for _ in 0..2 {
            fill(&mut tx, usize::MAX);
            drain_to(&mut rx, HWM / 2);
        }
    });
    let ((), cycles) = counted(|| {
        for _ in 0..20 {
            fill(&mut tx, usize::MAX);
            drain_to(&mut rx, HWM / 2);
        }
    });
    let ((), emptied) = counted(|| drain_to(&mut rx, 0));
    // Bursts of two or three chunks: the spares stay for a while (a reader
    // that keeps pace with its writer meets a trough at almost every
    // chunk)...
    let ((), small) = counted(|| {
        for _ in 0..5 {
            fill(&mut tx, 100);
            drain_to(&mut rx, 0);
        }
    });
    // ...and follow them down, halving every 64 troughs.
    let ((), many_small) = counted(|| {
        for _ in 0..400 {
            fill(&mut tx, 100);
            drain_to(&mut rx, 0);
        }
    });
    let ((), refilled) = counted(|| fill(&mut tx, usize::MAX));

    // 1000 + 21 x 500 + 405 x 100 + 1000 in, 500 + 21 x 500 + 500 +
    // 405 x 100 out.
    assert_eq!(
        (sent, received),
        (
            23 * HWM as u64 / 2 + 40_500 + HWM as u64,
            23 * HWM as u64 / 2 + 40_500
        )
    );
    assert!(
        first.allocs > 2,
        "the first fill grew the storage: {first:?}"
    );
    assert_eq!(
        cycles.allocs, 0,
        "20 cycles between the high and low water marks"
    );
    // Drained, the storage waits for the next burst like the last; the
    // list of spares may grow once (one Vec reallocation: one of each).
    assert!(
        emptied.allocs <= 1 && emptied.frees <= 1,
        "no chunk freed: {emptied:?}"
    );
    assert_eq!(
        (small.allocs, small.frees),
        (0, 0),
        "small bursts reuse the spares the large ones left"
    );
    assert!(
        many_small.frees > 10 && many_small.allocs <= 2,
        "hundreds of small bursts gave the storage back: {many_small:?}"
    );
    assert!(
        refilled.allocs > 2,
        "and the next fill grew it again: {refilled:?}"
    );
}
