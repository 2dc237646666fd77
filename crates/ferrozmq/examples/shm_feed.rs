//! A feed of large messages received straight into shared memory, read by
//! another process without a copy.
//!
//! The receiving side gives its frames a [`SharedMemory`] allocator: each
//! 1 MiB body is written once, into a slot of a memfd region. A second
//! process (this example re-run as a child) opens the same memfd through
//! `/proc/<pid>/fd/<n>` and checks every byte at the body's offset. The region
//! holds four slots, so the feed only moves on as the consumer drops frames:
//! exhaustion is back-pressure, and nothing is lost.
//!
//! Until the socket layer exists, the "receive path" here is what the wire
//! decoder does with a frame body: `MsgMut::new_in`, fill, freeze.

use std::io::Read;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::Arc;

use ferrozmq::{AllocErrorKind, Msg, MsgMut, RecvAllocator, SharedMemory};

const BODY: usize = 1 << 20;
const SLOTS: usize = 4;
const MESSAGES: u8 = 12;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("reader") {
        return reader(&args[2], args[3].parse()?, args[4].parse()?);
    }

    // A slot holds the frame header the message layer puts in front of the
    // body, so give it a little room beyond the body size.
    let shm = Arc::new(SharedMemory::new("ferrozmq-feed", BODY + 4096, SLOTS)?);
    let alloc: Arc<dyn RecvAllocator> = shm.clone();
    let path = format!("/proc/{}/fd/{}", std::process::id(), shm.fd().as_raw_fd());

    let mut window: Vec<Msg> = Vec::new();
    let mut refused = 0;
    for seq in 0..MESSAGES {
        let mut frame = loop {
            match MsgMut::new_in(&alloc, BODY) {
                Ok(frame) => break frame,
                Err(e) if e.kind() == AllocErrorKind::Exhausted => {
                    // Back-pressure: the consumer releases its oldest frame.
                    refused += 1;
                    check_in_other_process(&shm, &path, &window.remove(0))?;
                }
                Err(e) => return Err(e.into()),
            }
        };
        // The receive path writes the body once, in place.
        let body = vec![seq; BODY];
        assert_eq!(frame.fill_from(&body), BODY);
        let msg = frame.freeze();
        assert!(
            shm.offset_of(msg.as_ptr()).is_some(),
            "the body lives in shared memory"
        );
        window.push(msg);
    }
    for msg in window.drain(..) {
        check_in_other_process(&shm, &path, &msg)?;
    }
    println!(
        "{MESSAGES} messages of {BODY} bytes through {SLOTS} shared-memory slots; \
         {refused} back-pressure waits, every byte checked by another process"
    );
    assert_eq!(refused, usize::from(MESSAGES) - SLOTS);
    Ok(())
}

/// Has a child process read the frame's bytes from the shared region.
fn check_in_other_process(shm: &SharedMemory, path: &str, msg: &Msg) -> std::io::Result<()> {
    let offset = shm.offset_of(msg.as_ptr()).expect("in the region");
    let out = Command::new(std::env::current_exe()?)
        .args(["reader", path, &offset.to_string(), &msg.len().to_string()])
        .output()?;
    let seen = String::from_utf8_lossy(&out.stdout);
    let expected = format!("{} {}", msg.len(), msg[0]);
    assert!(
        out.status.success(),
        "reader failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        seen.trim(),
        expected,
        "the other process sees the same bytes"
    );
    Ok(())
}

/// The other process: maps nothing itself here, just reads the memfd at the
/// offset and checks that the body is one repeated byte.
fn reader(path: &str, offset: u64, len: usize) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut body = vec![0u8; len];
    file.read_exact(&mut body)?;
    let first = body[0];
    if body.iter().any(|&b| b != first) {
        return Err("body differs from what was received".into());
    }
    println!("{len} {first}");
    Ok(())
}
