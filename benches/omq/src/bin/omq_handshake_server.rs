//! `omq_handshake_server`: ferrozmq's `handshake_server` on OMQ.rs, the
//! server half of the handshake rate (`cargo xtask secbench`); ferrozmq's
//! `handshake_client` measures.
//!
//! ```text
//! omq_handshake_server <bind-to> <seconds> [--mechanism null|plain|curve] [--key-seed N]
//! ```
//!
//! A PULL socket, the server of the mechanism (see [`secured`]), binds to
//! `<bind-to>` on the tools' `current_thread` runtime and does nothing
//! else, so its driver does every handshake. It exits after `<seconds>`
//! (the runner kills it sooner) and prints nothing.

use std::time::Duration;

use ferrozmq_omq_perf::perf::{SECURITY_USAGE, fail, parse, split_security};
use ferrozmq_omq_perf::{options, runtime, secured};
use omq_tokio::{Socket, SocketType};

fn main() {
    let tool = "omq_handshake_server";
    let (args, mechanism, _) = split_security(tool, std::env::args().collect(), &[]);
    if args.len() != 3 {
        println!("usage: {tool} <bind-to> <seconds> {SECURITY_USAGE}");
        std::process::exit(1);
    }
    let seconds: u64 = parse(tool, &args[2], "seconds", 1);

    runtime().block_on(async {
        let s = Socket::new(SocketType::Pull, secured(options(0), mechanism, true));
        s.bind(args[1].as_str())
            .await
            .unwrap_or_else(|e| fail("bind", &e));
        tokio::time::sleep(Duration::from_secs(seconds)).await;
    });
}
