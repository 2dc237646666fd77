//! `handshake_server`: the server half of the handshake rate (`cargo xtask
//! secbench`), ours; `handshake_client` measures.
//!
//! ```text
//! handshake_server <bind-to> <seconds> [--mechanism null|plain|curve] [--key-seed N]
//! ```
//!
//! A PULL socket, the server of the mechanism (CURVE with the server key
//! pair of `perf::curve_secrets`, PLAIN with a ZAP handler admitting the
//! tools' credentials), binds to `<bind-to>` and does nothing else: every
//! handshake is done by the context's I/O thread. It exits after
//! `<seconds>` (the runner kills it sooner, once the client is done), and
//! prints nothing.
//!
//! Exit status: 1 with the usage line on a wrong argument count or a bad
//! flag; 255 when a socket call fails.

use std::time::Duration;

use ferrozmq::{Context, SocketType};
use ferrozmq_benches::perf::{SECURITY_USAGE, fail, parse, split_security};
use ferrozmq_benches::{secure, zap_handler};

fn main() {
    let tool = "handshake_server";
    let (args, mechanism, _) = split_security(tool, std::env::args().collect(), &[]);
    if args.len() != 3 {
        println!("usage: {tool} <bind-to> <seconds> {SECURITY_USAGE}");
        std::process::exit(1);
    }
    let seconds: u64 = parse(tool, &args[2], "seconds", 1);

    let ctx = Context::new().unwrap_or_else(|e| fail("zmq_ctx_new", &e));
    let _zap = zap_handler(&ctx, mechanism);
    let s = ctx
        .socket(SocketType::Pull)
        .unwrap_or_else(|e| fail("zmq_socket", &e));
    secure(&s, mechanism, true, None);
    s.bind(&args[1]).unwrap_or_else(|e| fail("zmq_bind", &e));
    std::thread::sleep(Duration::from_secs(seconds));
}
