//! ZMTP frame encode and decode throughput (`ferrozmq-wire`) for 64 B, 1 KiB,
//! 64 KiB and 1 MiB frames, each beside a plain memcpy of the same bytes
//! measured in the same run.
//!
//! - `encode_iov`: frames queued, turned into an `IoSlice` gather list and
//!   marked written, without touching the bodies: what the encoder itself
//!   costs. Above the copy threshold the cost per frame does not depend on
//!   the body size (no copy), so its GB/s grows with the size.
//! - `encode_write`: the same plus gathering the slices into one buffer, as
//!   `writev` does in the kernel: compare with `memcpy`.
//! - `decode`: a read buffer of encoded frames back to `Msg`s, bodies in
//!   `Heap` memory (one allocation and one copy per frame above the inline
//!   size): compare with `memcpy`.
//! - `threshold`: `encode_write` around the copy threshold with bodies always
//!   copied into the batch vs always referenced.
//!
//! Throughput is in bytes of frame body; frames/s = bytes/s ÷ frame size.
//! This file measures only in memory: no sockets.

use std::hint::black_box;
use std::io::IoSlice;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ferrozmq_alloc::{Heap, RecvAllocator};
use ferrozmq_msg::Msg;
use ferrozmq_wire::{Decoded, Decoder, DecoderConfig, Encoder, EncoderConfig};

const SIZES: [(usize, &str); 4] = [
    (64, "64B"),
    (1024, "1KiB"),
    (64 * 1024, "64KiB"),
    (1024 * 1024, "1MiB"),
];

/// Enough frames per iteration to move at least 256 KiB.
fn frames_per_iter(size: usize) -> usize {
    (256 * 1024 / size).max(1)
}

fn frame(size: usize) -> Msg {
    Msg::from(vec![0xA5u8; size])
}

/// Pushes `n` clones of `msg`, drains the encoder; `sink` gets the bytes
/// when given. Returns the bytes offered.
fn encode(enc: &mut Encoder, msg: &Msg, n: usize, mut sink: Option<&mut Vec<u8>>) -> usize {
    for _ in 0..n {
        enc.push(msg.clone());
    }
    let mut total = 0;
    while enc.has_transmit() {
        let mut iov = [IoSlice::new(&[]); 64];
        let k = enc.poll_transmit(&mut iov);
        let mut written = 0;
        for s in &iov[..k] {
            if let Some(out) = sink.as_deref_mut() {
                out.extend_from_slice(s);
            }
            written += s.len();
        }
        black_box(&iov[..k]);
        enc.advance(written);
        total += written;
    }
    total
}

fn wire_bytes(size: usize, n: usize) -> Vec<u8> {
    let mut enc = Encoder::default();
    let mut out = Vec::new();
    encode(&mut enc, &frame(size), n, Some(&mut out));
    out
}

fn throughput(c: &mut Criterion) {
    for (size, label) in SIZES {
        let n = frames_per_iter(size);
        let mut g = c.benchmark_group(format!("wire/{label}"));
        g.throughput(Throughput::Bytes((size * n) as u64));
        g.sample_size(20);
        g.warm_up_time(std::time::Duration::from_millis(500));
        g.measurement_time(std::time::Duration::from_secs(2));

        let msg = frame(size);
        let src = vec![0xA5u8; size * n];
        let mut dst = vec![0u8; size * n];
        g.bench_function("memcpy", |b| {
            b.iter(|| {
                dst.copy_from_slice(black_box(&src));
                black_box(&dst);
            })
        });

        let mut enc = Encoder::default();
        g.bench_function("encode_iov", |b| {
            b.iter(|| black_box(encode(&mut enc, &msg, n, None)))
        });

        let mut enc = Encoder::default();
        let mut sink = Vec::with_capacity(size * n + 9 * n);
        g.bench_function("encode_write", |b| {
            b.iter(|| {
                sink.clear();
                black_box(encode(&mut enc, &msg, n, Some(&mut sink)))
            })
        });

        let wire = wire_bytes(size, n);
        let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap);
        let mut dec = Decoder::new(alloc, DecoderConfig::default());
        g.bench_function("decode", |b| {
            b.iter(|| {
                let mut input = black_box(&wire[..]);
                let mut frames = 0;
                while let Ok(Decoded::Frame(m)) = dec.decode(&mut input) {
                    black_box(&m);
                    frames += 1;
                }
                assert_eq!(frames, n);
            })
        });
        g.finish();
    }
}

fn threshold(c: &mut Criterion) {
    for size in [128usize, 512, 1024, 2048, 8192] {
        let n = frames_per_iter(size);
        let mut g = c.benchmark_group(format!("wire/threshold/{size}B"));
        g.throughput(Throughput::Bytes((size * n) as u64));
        g.sample_size(20);
        g.warm_up_time(std::time::Duration::from_millis(500));
        g.measurement_time(std::time::Duration::from_secs(1));
        let msg = frame(size);
        let mut sink = Vec::with_capacity(size * n + 9 * n);
        for (name, copy_threshold) in [("copied", usize::MAX), ("referenced", 0)] {
            let mut enc = Encoder::new(EncoderConfig {
                copy_threshold,
                ..EncoderConfig::default()
            });
            g.bench_function(name, |b| {
                b.iter(|| {
                    sink.clear();
                    black_box(encode(&mut enc, &msg, n, Some(&mut sink)))
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, throughput, threshold);
criterion_main!(benches);
