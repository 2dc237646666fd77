//! Two large matrices sent as one two-part message without copying them into
//! the library, and received with their boundaries intact.
//!
//! `Msg::from_owner` takes the matrices' buffers as they are; the library
//! owns them from the first `send_with(.., MORE)` on, so the second matrix
//! need not exist while the first is queued. Over `inproc://` the message
//! moves as a pointer: the receiver sees the very same memory. Over `tcp://`
//! the bodies are written from that memory by one gather write and read by
//! the receiver straight into one block each.

use ferrozmq::{Context, Msg, SendFlags, SocketType};

const N: usize = 1024; // 1024 x 1024 f32 = 4 MiB per matrix

fn matrix(seed: f32) -> Vec<u8> {
    (0..N * N)
        .flat_map(|i| (seed + i as f32).to_le_bytes())
        .collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = Context::new()?;
    for endpoint in ["inproc://matrices", "tcp://127.0.0.1:0"] {
        let pull = ctx.socket(SocketType::Pull)?;
        pull.bind(endpoint)?;
        let bound = pull.last_endpoint().expect("bound").to_string();
        let push = ctx.socket(SocketType::Push)?;
        push.connect(&bound)?;

        // Part by part: the first matrix is queued (and owned by the
        // library) before the second is even built.
        let a = matrix(1.0);
        let a_ptr = a.as_ptr();
        push.send_with(Msg::from_owner(a), SendFlags::MORE)?;
        let b = matrix(2.0);
        let b_ptr = b.as_ptr();
        push.send(Msg::from_owner(b))?;

        let parts = pull.recv_multipart()?;
        assert_eq!(parts.len(), 2);
        assert_eq!((parts[0].len(), parts[1].len()), (4 * N * N, 4 * N * N));
        assert_eq!(parts[0][..], matrix(1.0)[..]);
        assert_eq!(parts[1][..], matrix(2.0)[..]);
        let same_memory = parts[0].as_ptr() == a_ptr && parts[1].as_ptr() == b_ptr;
        if endpoint.starts_with("inproc") {
            assert!(same_memory, "inproc moves the message as a pointer");
        }
        println!(
            "{bound}: two {} MiB matrices as one two-part message{}",
            (4 * N * N) >> 20,
            if same_memory {
                ", same memory on both sides"
            } else {
                ""
            }
        );
    }
    Ok(())
}
