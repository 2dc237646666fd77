//! `omq_inproc_thr`: libzmq's `perf/inproc_thr.cpp` on OMQ.rs, beside
//! ferrozmq's `inproc_thr` (same arguments, same lines).
//!
//! ```text
//! omq_inproc_thr <message-size> <message-count>
//! ```
//!
//! A PULL socket binds to `inproc://thr_test`; a second thread, with a
//! `current_thread` runtime of its own, connects a PUSH socket there and
//! sends `<message-count>` fresh messages of `<message-size>` bytes. The
//! clock starts when the first message arrives and stops after the last.
//!
//! The second thread is libzmq's (inproc is for moving messages between
//! threads). OMQ.rs's own inproc benchmark runs both sockets as tasks of
//! one runtime on one thread, which measures no handoff between threads
//! and so is not what the other tools measure.

use std::process;
use std::time::Instant;

use ferrozmq_omq_perf::perf::{check_size, elapsed_us, fail, parse};
use ferrozmq_omq_perf::{Receiver, lingering, options, report, runtime, send};
use omq_tokio::{Message, Socket, SocketType};

/// libzmq's usage line, printed on a wrong argument count.
const USAGE: &str = "usage: omq_inproc_thr <message-size> <message-count>";

/// libzmq's endpoint for this test.
const ENDPOINT: &str = "inproc://thr_test";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        println!("{USAGE}");
        process::exit(1);
    }
    let message_size: usize = parse("omq_inproc_thr", &args[1], "message-size", 0);
    let message_count: u64 = parse("omq_inproc_thr", &args[2], "message-count", 1);

    let (elapsed, worker) = runtime().block_on(async {
        let s = Socket::new(SocketType::Pull, options(message_size));
        s.bind(ENDPOINT).await.unwrap_or_else(|e| fail("bind", &e));

        let worker = std::thread::spawn(move || {
            runtime().block_on(worker(message_size, message_count));
        });

        let mut receiver = Receiver::new(message_size);
        let msg = receiver.recv(&s).await;
        check_size(msg.byte_len(), message_size);
        let watch = Instant::now();
        for _ in 1..message_count {
            let msg = receiver.recv(&s).await;
            check_size(msg.byte_len(), message_size);
        }
        let elapsed = elapsed_us(watch);
        s.close().await.unwrap_or_else(|e| fail("close", &e));
        (elapsed, worker)
    });
    if worker.join().is_err() {
        println!("error in zmq_threadclose");
        process::exit(-1);
    }
    report::throughput(message_size, message_count, elapsed);
}

/// The sending thread's task: PUSH, `count` fresh messages of `size` bytes.
async fn worker(size: usize, count: u64) {
    let s = Socket::new(SocketType::Push, lingering(options(size)));
    s.connect(ENDPOINT)
        .await
        .unwrap_or_else(|e| fail("connect", &e));
    let template = vec![0u8; size];
    for _ in 0..count {
        send(&s, Message::from_slice(&template)).await;
    }
    s.close().await.unwrap_or_else(|e| fail("close", &e));
}
