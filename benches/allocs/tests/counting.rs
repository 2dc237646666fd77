//! The benchmark's premise, checked: with `malloc-count` on, Rust's
//! allocations, ferrozmq's and libzmq's (C++ `new`, C `malloc`) all reach
//! the counting `malloc`, and their frees reach the counting `free`.

use std::hint::black_box;

use ferrozmq::Msg;
use ferrozmq_test_support::malloc_count::{MallocCounts, is_counting, malloc_counts};

/// What `f` allocated and freed, process-wide (other threads of the test
/// harness may add to it, never take away).
fn delta(f: impl FnOnce()) -> MallocCounts {
    let before = malloc_counts();
    f();
    malloc_counts().since(before)
}

#[test]
fn a_vec_is_counted() {
    assert!(is_counting());
    let d = delta(|| drop(black_box(vec![1u8; 1000])));
    assert!(d.allocs >= 1 && d.frees >= 1 && d.bytes >= 1000, "{d:?}");
}

#[test]
fn a_libzmq_message_is_counted() {
    let d = delta(|| drop(black_box(zmq::Message::with_size(1024))));
    assert!(d.allocs >= 1 && d.frees >= 1 && d.bytes >= 1024, "{d:?}");
}

#[test]
fn a_ferrozmq_chunk_is_counted() {
    let d = delta(|| drop(black_box(Msg::copy_from_slice(&[7; 1024]))));
    assert!(d.allocs >= 1 && d.frees >= 1 && d.bytes >= 1024, "{d:?}");
}
