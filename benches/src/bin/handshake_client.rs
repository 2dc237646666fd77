//! `handshake_client`: the measuring half of the handshake rate (`cargo
//! xtask secbench`): how many ZMTP handshakes per second one client
//! completes against a server, ours (`handshake_server`), libzmq's or
//! OMQ.rs's.
//!
//! ```text
//! handshake_client <connect-to> <max-handshakes> <max-seconds>
//!     [--mechanism null|plain|curve] [--key-seed N] [--server-key Z85]
//! ```
//!
//! Each handshake is a new PUSH socket in one context: the client of the
//! mechanism (CURVE with the client key pair of `perf::curve_secrets` and
//! the server's public key from the seed, or `--server-key` for a server
//! that made its own), LINGER 0, a monitor, a connect to `<connect-to>`,
//! a wait for the monitor's `HandshakeSucceeded`, and the socket closed.
//! It stops after `<max-handshakes>` or once `<max-seconds>` have passed,
//! whichever comes first, and prints:
//!
//! ```text
//! handshake count: 2000
//! elapsed: 1500000 [us]
//! mean rate: 1333.333 [handshakes/s]
//! ```
//!
//! The clock covers every cycle: the socket made and closed, the TCP
//! connect, the greeting and the mechanism's handshake on both sides.
//!
//! Exit status: 1 with the usage line on a wrong argument count or a bad
//! flag; 255 when a socket call fails, a handshake fails or none completes
//! within ten seconds.

use std::time::{Duration, Instant};

use ferrozmq::{Context, CurveKey, SocketEventKind, SocketOption, SocketType};
use ferrozmq_benches::perf::{SECURITY_USAGE, elapsed_us, fail, parse, split_security};
use ferrozmq_benches::secure;

/// How long one handshake may take before the tool gives up.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);

fn main() {
    let tool = "handshake_client";
    let (args, mechanism, found) =
        split_security(tool, std::env::args().collect(), &["--server-key"]);
    if args.len() != 4 {
        println!(
            "usage: {tool} <connect-to> <max-handshakes> <max-seconds> {SECURITY_USAGE} \
             [--server-key Z85]"
        );
        std::process::exit(1);
    }
    let connect_to = &args[1];
    let max_count: u64 = parse(tool, &args[2], "max-handshakes", 1);
    let max_seconds: u64 = parse(tool, &args[3], "max-seconds", 1);
    let server_key = found[0].as_deref().map(|z85| {
        CurveKey::from_z85(z85).unwrap_or_else(|e| {
            eprintln!("{tool}: --server-key: {e}");
            std::process::exit(1);
        })
    });

    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let limit = Duration::from_secs(max_seconds);
    let watch = Instant::now();
    let mut count = 0;
    while count < max_count && watch.elapsed() < limit {
        let s = ctx
            .socket(SocketType::Push)
            .unwrap_or_else(|e| fail("zmq_socket", &e));
        s.set_option(SocketOption::Linger(Some(Duration::ZERO)))
            .unwrap_or_else(|e| fail("zmq_setsockopt", &e));
        secure(&s, mechanism, false, server_key.clone());
        let mut monitor = s.monitor();
        s.connect(connect_to)
            .unwrap_or_else(|e| fail("zmq_connect", &e));
        loop {
            let event = monitor
                .recv_timeout(HANDSHAKE_LIMIT)
                .unwrap_or_else(|| fail("handshake", &"no handshake within 10 s"));
            match event.kind {
                SocketEventKind::HandshakeSucceeded { .. } => break,
                SocketEventKind::HandshakeFailed(e) => fail::<()>("handshake", &e),
                SocketEventKind::HandshakeFailedAuth { status_code } => {
                    let why = format!("refused with ZAP status {status_code}");
                    fail::<()>("handshake", &why);
                }
                _ => {}
            }
        }
        drop(s);
        count += 1;
    }
    let elapsed = elapsed_us(watch);
    println!("handshake count: {count}");
    println!("elapsed: {elapsed} [us]");
    println!(
        "mean rate: {:.3} [handshakes/s]",
        count as f64 / elapsed as f64 * 1e6
    );
}
