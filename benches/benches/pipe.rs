//! Messages through a `pipe` (the socket-to-session queue), beside the same
//! moves through a bare crossbeam `ArrayQueue` measured in the same run.
//!
//! Read the figures as ratios: `pipe/*` against `array_queue/*` of the same
//! shape. One thread: `one` moves one message in and out (a pipe that never
//! holds more than one), `burst_600` fills 600 then drains them (a backlog
//! that spans several storage chunks). Two threads: `stream` is a writer
//! thread sending to a reader through a pipe of the default HWM (1000), both
//! sides parking when full or empty.

use std::hint::black_box;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use crossbeam_queue::ArrayQueue;
use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_socket::{Parker, pipe};

/// libzmq's default SNDHWM/RCVHWM, which a session's pipes get.
const HWM: usize = 1000;
const BURST: usize = 600;

fn message() -> Multipart {
    Multipart::from([Msg::copy_from_slice(b"ping")])
}

fn one_thread(c: &mut Criterion) {
    let mut g = c.benchmark_group("one_thread");

    let (mut tx, mut rx) = pipe(HWM, Arc::new(Parker::new()), Arc::new(Parker::new()));
    let mut m = Some(message());
    g.bench_function("pipe/one", |b| {
        b.iter(|| {
            tx.try_send(m.take().unwrap()).unwrap();
            m = Some(black_box(rx.try_recv().unwrap()));
        })
    });
    let q = ArrayQueue::new(HWM);
    g.bench_function("array_queue/one", |b| {
        b.iter(|| {
            q.push(m.take().unwrap()).unwrap();
            m = Some(black_box(q.pop().unwrap()));
        })
    });

    let mut held: Vec<Multipart> = (0..BURST).map(|_| message()).collect();
    g.bench_function("pipe/burst_600", |b| {
        b.iter(|| {
            for m in held.drain(..) {
                tx.try_send(m).unwrap();
            }
            held.extend(std::iter::from_fn(|| rx.try_recv().ok()));
            assert_eq!(held.len(), BURST);
        })
    });
    g.bench_function("array_queue/burst_600", |b| {
        b.iter(|| {
            for m in held.drain(..) {
                q.push(m).unwrap();
            }
            held.extend(std::iter::from_fn(|| q.pop()));
            assert_eq!(held.len(), BURST);
        })
    });
    g.finish();
}

/// `iters` messages from a writer thread to this one; the time from the
/// first send to the last receive.
fn stream_through_pipe(iters: u64) -> Duration {
    let (mut tx, mut rx) = pipe(HWM, Arc::new(Parker::new()), Arc::new(Parker::new()));
    let start = Instant::now();
    let writer = thread::spawn(move || {
        for _ in 0..iters {
            tx.send_timeout(message(), None).unwrap();
        }
    });
    for _ in 0..iters {
        black_box(rx.recv_timeout(None).unwrap());
    }
    let elapsed = start.elapsed();
    writer.join().unwrap();
    elapsed
}

/// The same through a bare `ArrayQueue`, both sides spinning (no parking).
fn stream_through_array_queue(iters: u64) -> Duration {
    let q = Arc::new(ArrayQueue::new(HWM));
    let start = Instant::now();
    let writer = {
        let q = Arc::clone(&q);
        thread::spawn(move || {
            for _ in 0..iters {
                let mut m = message();
                while let Err(back) = q.push(m) {
                    m = back;
                    std::hint::spin_loop();
                }
            }
        })
    };
    for _ in 0..iters {
        loop {
            if let Some(m) = q.pop() {
                black_box(m);
                break;
            }
            std::hint::spin_loop();
        }
    }
    let elapsed = start.elapsed();
    writer.join().unwrap();
    elapsed
}

fn two_threads(c: &mut Criterion) {
    let mut g = c.benchmark_group("two_threads");
    g.bench_function("pipe/stream", |b| b.iter_custom(stream_through_pipe));
    g.bench_function("array_queue/stream", |b| {
        b.iter_custom(stream_through_array_queue)
    });
    g.finish();
}

criterion_group!(benches, one_thread, two_threads);
criterion_main!(benches);
