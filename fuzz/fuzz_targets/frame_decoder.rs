//! Fuzzes the ZMTP frame decoder (`ferrozmq_wire::Decoder`) with arbitrary
//! bytes, split into arbitrary read chunks and sometimes written straight
//! into a large body, as the I/O layer would.
//!
//! Checks: no panic; every frame within the configured maximum; a refused
//! size is a typed error, never an allocation (libFuzzer's `-malloc_limit_mb`
//! catches any single oversized allocation); the stream offset equals the
//! bytes consumed.
#![no_main]

use std::sync::Arc;

use ferrozmq_alloc::{Heap, RecvAllocator};
use ferrozmq_wire::{Decoded, Decoder, DecoderConfig, FrameError};
use libfuzzer_sys::fuzz_target;

const MAX: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&control, data)) = data.split_first() else {
        return;
    };
    let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap);
    let max_msg_size = if control & 0x80 != 0 {
        Some(MAX)
    } else {
        Some(MAX / 16)
    };
    let config = DecoderConfig {
        max_msg_size,
        max_command_size: 4096,
    };
    let mut dec = Decoder::new(alloc, config);
    // Low bits pick the read size: 1 byte at a time up to everything at once.
    let chunk = [1, 2, 3, 7, 64, 1000, 8192, usize::MAX][usize::from(control & 7)];
    let direct = control & 0x08 != 0;
    let mut at = 0;
    let mut frames = 0u64;
    while at < data.len() {
        let end = at + chunk.min(data.len() - at);
        if direct && let Some(body) = dec.body_mut() {
            at += body.fill_from(&data[at..end]);
            continue;
        }
        let mut input = &data[at..end];
        loop {
            match dec.decode(&mut input) {
                Ok(Decoded::Frame(m)) => {
                    let limit = if m.is_command() {
                        4096
                    } else {
                        max_msg_size.unwrap_or(u64::MAX)
                    };
                    assert!(m.len() as u64 <= limit);
                    assert!(!(m.is_command() && m.more()));
                    frames += 1;
                }
                Ok(Decoded::NeedInput) => break,
                Ok(Decoded::Blocked(_)) => unreachable!("the heap never reports exhaustion"),
                Err(e) => {
                    if let FrameError::TooLarge { size, max, .. } = e {
                        assert!(size > max);
                    }
                    // Failed for good: the same error again.
                    assert_eq!(dec.decode(&mut &b"\x00\x00"[..]).err(), Some(e));
                    return;
                }
            }
        }
        at = end;
    }
    let _ = frames;
    assert_eq!(dec.stream_offset(), data.len() as u64);
});
