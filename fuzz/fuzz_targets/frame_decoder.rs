//! Fuzzes the ZMTP frame decoder (`ferrozmq_wire::Decoder`) with arbitrary
//! bytes, split into arbitrary read chunks and sometimes written straight
//! into a large body, as the I/O layer would; or read into `ReadBlock`s as
//! a session does, whose whole frames are slices of the block, each frame
//! checked against a second decoder fed the same bytes as plain input.
//!
//! Checks: no panic; every frame within the configured maximum; a refused
//! size is a typed error, never an allocation (libFuzzer's `-malloc_limit_mb`
//! catches any single oversized allocation); the stream offset equals the
//! bytes consumed; sliced frames hold the same bytes and flags as copied
//! ones, and outlive the blocks they point into.
#![no_main]

use std::sync::Arc;

use ferrozmq_alloc::{Heap, RecvAllocator};
use ferrozmq_msg::{Msg, ReadBlock};
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
    // Low bits pick the read size: 1 byte at a time up to everything at once.
    let chunk = [1, 2, 3, 7, 64, 1000, 8192, usize::MAX][usize::from(control & 7)];
    if control & 0x40 != 0 {
        blocks(&alloc, config, chunk, data);
        return;
    }
    let mut dec = Decoder::new(alloc, config);
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

/// Decodes `data` read into 1 KiB blocks `chunk` bytes at a time, as a
/// session does, and checks every frame against a decoder fed the same
/// bytes as plain input. Frames are kept until the end, so blocks are
/// replaced while slices of them live.
fn blocks(alloc: &Arc<dyn RecvAllocator>, config: DecoderConfig, chunk: usize, data: &[u8]) {
    const BLOCK: usize = 1024;
    let mut dec = Decoder::new(Arc::clone(alloc), config);
    let mut reference = Decoder::new(Arc::clone(alloc), config);
    let mut block = ReadBlock::new_in(alloc, BLOCK).unwrap();
    let mut kept: Vec<(Msg, Vec<u8>)> = Vec::new();
    let mut at = 0;
    while at < data.len() {
        if block.spare() < BLOCK / 4 && !block.try_reset() {
            block = ReadBlock::new_in(alloc, BLOCK).unwrap();
        }
        let n = block.fill_from(&data[at..(at + chunk.min(data.len() - at))]);
        let mut plain = &data[at..at + n];
        at += n;
        loop {
            let got = dec.decode_block(&mut block);
            let want = reference.decode(&mut plain);
            match (got, want) {
                (Ok(Decoded::Frame(m)), Ok(Decoded::Frame(r))) => {
                    assert_eq!(m[..], r[..]);
                    assert_eq!((m.more(), m.is_command()), (r.more(), r.is_command()));
                    kept.push((m, r.to_vec()));
                }
                (Ok(Decoded::NeedInput), Ok(Decoded::NeedInput)) => break,
                (Err(e), Err(r)) => {
                    assert_eq!(e, r);
                    return;
                }
                (got, want) => panic!("block: {got:?}, bytes: {want:?}"),
            }
        }
        assert!(block.unread().is_empty() && plain.is_empty());
    }
    drop(block);
    for (m, bytes) in &kept {
        assert_eq!(m[..], bytes[..]);
    }
    assert_eq!(dec.stream_offset(), data.len() as u64);
}
