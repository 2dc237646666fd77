//! Message create+drop and clone+drop for each representation, beside the same
//! operations on `Vec<u8>` and `bytes::Bytes` measured in the same run.
//!
//! Read the figures as ratios: `msg/*` against `vec/*` and `bytes/*` of the same
//! size.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ferrozmq_alloc::{Heap, Pool, RecvAllocator};
use ferrozmq_msg::{Msg, MsgMut};

const SMALL: usize = 32;
const LARGE: usize = 1024;

fn create_drop(c: &mut Criterion) {
    let mut g = c.benchmark_group("create_drop");
    let small = [0xAB_u8; SMALL];
    let large = vec![0xAB_u8; LARGE];
    static STATIC: [u8; LARGE] = [0xAB; LARGE];

    g.bench_function("msg/inline_32", |b| {
        b.iter(|| black_box(Msg::copy_from_slice(black_box(&small))))
    });
    g.bench_function("vec/copy_32", |b| {
        b.iter(|| black_box(black_box(&small[..]).to_vec()))
    });
    g.bench_function("bytes/copy_32", |b| {
        b.iter(|| black_box(bytes::Bytes::copy_from_slice(black_box(&small[..]))))
    });

    g.bench_function("msg/chunk_1k", |b| {
        b.iter(|| black_box(Msg::copy_from_slice(black_box(&large))))
    });
    g.bench_function("vec/copy_1k", |b| {
        b.iter(|| black_box(black_box(&large[..]).to_vec()))
    });
    g.bench_function("bytes/copy_1k", |b| {
        b.iter(|| black_box(bytes::Bytes::copy_from_slice(black_box(&large[..]))))
    });

    // Zero-copy wrap of a buffer the user already has (the buffer's own
    // allocation is made outside the timed part).
    g.bench_function("msg/owner_vec_1k", |b| {
        b.iter_batched(
            || large.clone(),
            |v| black_box(Msg::from_owner(v)),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("bytes/from_vec_1k", |b| {
        b.iter_batched(
            || large.clone(),
            |v| black_box(bytes::Bytes::from(v)),
            BatchSize::SmallInput,
        )
    });

    g.bench_function("msg/static_1k", |b| {
        b.iter(|| black_box(Msg::from_static(black_box(&STATIC))))
    });
    g.bench_function("bytes/static_1k", |b| {
        b.iter(|| black_box(bytes::Bytes::from_static(black_box(&STATIC))))
    });

    let heap: Arc<dyn RecvAllocator> = Arc::new(Heap::new());
    g.bench_function("msg/received_heap_1k", |b| {
        b.iter(|| {
            let mut m = MsgMut::new_in(&heap, LARGE).unwrap();
            m.fill_from(black_box(&large));
            black_box(m.freeze())
        })
    });
    let pool: Arc<dyn RecvAllocator> = Arc::new(Pool::builder().build());
    g.bench_function("msg/received_pool_1k", |b| {
        b.iter(|| {
            let mut m = MsgMut::new_in(&pool, LARGE).unwrap();
            m.fill_from(black_box(&large));
            black_box(m.freeze())
        })
    });
    g.finish();
}

fn clone_drop(c: &mut Criterion) {
    let mut g = c.benchmark_group("clone_drop");
    let inline = Msg::copy_from_slice(&[1; SMALL]);
    let chunk = Msg::copy_from_slice(&[1; LARGE]);
    let owner = Msg::from_owner(vec![1u8; LARGE]);
    let stat = Msg::from_static(&[1; LARGE]);
    let vec = vec![1u8; LARGE];
    let bytes = bytes::Bytes::from(vec![1u8; LARGE]);

    g.bench_function("msg/inline_32", |b| {
        b.iter(|| black_box(black_box(&inline).clone()))
    });
    g.bench_function("msg/chunk_1k", |b| {
        b.iter(|| black_box(black_box(&chunk).clone()))
    });
    g.bench_function("msg/owner_1k", |b| {
        b.iter(|| black_box(black_box(&owner).clone()))
    });
    g.bench_function("msg/static_1k", |b| {
        b.iter(|| black_box(black_box(&stat).clone()))
    });
    g.bench_function("vec/clone_1k", |b| {
        b.iter(|| black_box(black_box(&vec).clone()))
    });
    g.bench_function("bytes/clone_1k", |b| {
        b.iter(|| black_box(black_box(&bytes).clone()))
    });
    g.finish();
}

criterion_group!(benches, create_drop, clone_drop);
criterion_main!(benches);
