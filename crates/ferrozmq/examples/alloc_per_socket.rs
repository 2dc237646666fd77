//! Two sockets in one context, each choosing where its received messages
//! live: a feed of 256 KiB frames lands in a bounded `Pool`, while a control
//! socket keeps the default heap. The feed's memory is capped by the pool's
//! bound and reused message after message; the control socket never touches
//! the pool.

use std::sync::Arc;

use ferrozmq::{Context, Msg, Pool, RecvAllocator, SocketType};

const FRAME: usize = 256 * 1024;
const FRAMES: usize = 200;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ctx = Context::new()?;

    let pool = Arc::new(
        Pool::builder()
            .largest_class(FRAME)
            .max_bytes(64 << 20)
            .build(),
    );
    let feed = ctx.socket(SocketType::Pull)?;
    feed.set_recv_allocator(pool.clone() as Arc<dyn RecvAllocator>);
    feed.bind("tcp://127.0.0.1:0")?;
    let control = ctx.socket(SocketType::Pull)?; // default heap allocator
    control.bind("tcp://127.0.0.1:0")?;

    let feed_tx = ctx.socket(SocketType::Push)?;
    feed_tx.connect(&feed.last_endpoint().expect("bound").to_string())?;
    let control_tx = ctx.socket(SocketType::Push)?;
    control_tx.connect(&control.last_endpoint().expect("bound").to_string())?;

    let frame = Msg::from(vec![0x5A; FRAME]);
    for i in 0..FRAMES {
        feed_tx.send(frame.clone())?; // clones share one body: no copy
        if i % 50 == 0 {
            control_tx.send(Msg::copy_from_slice(format!("tick {i}").as_bytes()))?;
        }
    }

    let mut peak = 0;
    for _ in 0..FRAMES {
        let m = feed.recv()?;
        assert_eq!(m.len(), FRAME);
        assert!(m.iter().all(|&b| b == 0x5A));
        peak = peak.max(pool.held_bytes());
        drop(m); // the block goes back to the pool for the next frame
    }
    for i in (0..FRAMES).step_by(50) {
        assert_eq!(control.recv()?, format!("tick {i}").as_bytes());
    }
    assert!(peak > 0, "the feed's frames came from the pool");
    assert!(peak <= pool.max_bytes());
    println!(
        "{FRAMES} feed frames of {} KiB through the pool (peak {} KiB held, bound {} MiB); \
         control messages on the heap",
        FRAME >> 10,
        peak >> 10,
        pool.max_bytes() >> 20
    );
    Ok(())
}
