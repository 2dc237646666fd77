//! Support for ferrozmq's benchmarks, its soak driver and the many-peers
//! benchmark (`scale`). The benches themselves are in `benches/`.
//!
//! Every benchmark here runs its reference (`Vec<u8>`, `bytes::Bytes`, memcpy,
//! libzmq) in the same run, so a figure is only ever read as a ratio.

pub mod perf;
pub mod scale;
pub mod soak;
pub mod sync;

/// The runtime the `async_*` tools run their one task on: tokio's
/// current-thread runtime (the socket needs no runtime; this is the
/// executor a tokio user would have).
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| perf::fail("runtime", &e))
}

/// The ZAP handler a server of `mechanism` needs in `ctx`: PLAIN asks one
/// always (libzmq's rule, see the socket crate's `zap.rs`), so an
/// [`Authenticator`](ferrozmq::Authenticator) admitting
/// [`perf::PLAIN_USERNAME`] runs while the guard lives; NULL and CURVE
/// need none (without a handler every CURVE client that proves its key
/// gets in, as with libzmq). Keep it until the socket closes.
pub fn zap_handler(
    ctx: &ferrozmq::Context,
    mechanism: perf::Mechanism,
) -> Option<ferrozmq::Authenticator> {
    (mechanism == perf::Mechanism::Plain).then(|| {
        let auth =
            ferrozmq::Authenticator::start(ctx).unwrap_or_else(|e| perf::fail("zap_handler", &e));
        auth.configure_plain(
            "*",
            std::collections::HashMap::from([(
                perf::PLAIN_USERNAME.to_owned(),
                perf::PLAIN_PASSWORD.to_owned(),
            )]),
        );
        auth
    })
}

/// Sets `mechanism` on `socket`, as the server (the binding tool) or the
/// client (the connecting one): PLAIN's server flag or credentials, or
/// CURVE's keys from [`perf::curve_secrets`]. The client's `server_key`
/// replaces the server's public key derived from the seed (a server not
/// of ours made its own). Exits as libzmq's tools do when a call fails.
pub fn secure(
    socket: &ferrozmq::Socket,
    mechanism: perf::Mechanism,
    server: bool,
    server_key: Option<ferrozmq::CurveKey>,
) {
    use ferrozmq::{CurveKey, CurveKeyPair, SocketOption};
    let options = match mechanism {
        perf::Mechanism::Null => vec![],
        perf::Mechanism::Plain if server => vec![SocketOption::PlainServer(true)],
        perf::Mechanism::Plain => vec![
            SocketOption::PlainUsername(perf::PLAIN_USERNAME.into()),
            SocketOption::PlainPassword(perf::PLAIN_PASSWORD.into()),
        ],
        perf::Mechanism::Curve { seed } => {
            let (server_secret, client_secret) = perf::curve_secrets(seed);
            let ours = CurveKeyPair::from_secret(CurveKey::from_bytes(server_secret));
            if server {
                vec![
                    SocketOption::CurveServer(true),
                    SocketOption::CurveSecretKey(ours.secret),
                ]
            } else {
                let client = CurveKeyPair::from_secret(CurveKey::from_bytes(client_secret));
                vec![
                    SocketOption::CurveServerKey(server_key.unwrap_or(ours.public)),
                    SocketOption::CurvePublicKey(client.public),
                    SocketOption::CurveSecretKey(client.secret),
                ]
            }
        }
    };
    for option in options {
        socket
            .set_option(option)
            .unwrap_or_else(|e| perf::fail("zmq_setsockopt", &e));
    }
}

/// The throughput tools' receiving socket (`local_thr`): a PULL, or with
/// `pubsub` a SUB subscribed to everything with no RCVHWM (with
/// [`perf::PubSubHwm::Default`], libzmq's default), the server of
/// `mechanism` (see [`zap_handler`] for PLAIN), bound to `endpoint`.
/// Exits as libzmq's tools do when a call fails.
pub fn thr_receiver(
    ctx: &ferrozmq::Context,
    pubsub: bool,
    hwm: perf::PubSubHwm,
    mechanism: perf::Mechanism,
    endpoint: &str,
) -> ferrozmq::Socket {
    use ferrozmq::{SocketOption, SocketType};
    let kind = if pubsub {
        SocketType::Sub
    } else {
        SocketType::Pull
    };
    let s = ctx
        .socket(kind)
        .unwrap_or_else(|e| perf::fail("zmq_socket", &e));
    if pubsub {
        if hwm == perf::PubSubHwm::None {
            s.set_option(SocketOption::RcvHwm(0))
                .unwrap_or_else(|e| perf::fail("zmq_setsockopt", &e));
        }
        s.subscribe(b"")
            .unwrap_or_else(|e| perf::fail("zmq_setsockopt", &e));
    }
    secure(&s, mechanism, true, None);
    s.bind(endpoint)
        .unwrap_or_else(|e| perf::fail("zmq_bind", &e));
    s
}

/// The throughput tools' sending socket (`remote_thr`): a PUSH, or with
/// `pubsub` a PUB with no SNDHWM (with [`perf::PubSubHwm::Default`],
/// libzmq's default and `XPUB_NODROP`), the client of `mechanism`, connected to
/// `endpoint`; with `pubsub` it waits a second for the subscription (the
/// slow joiner). Exits as libzmq's tools do when a call fails.
pub fn thr_sender(
    ctx: &ferrozmq::Context,
    pubsub: bool,
    hwm: perf::PubSubHwm,
    mechanism: perf::Mechanism,
    endpoint: &str,
) -> ferrozmq::Socket {
    use ferrozmq::{SocketOption, SocketType};
    let kind = if pubsub {
        SocketType::Pub
    } else {
        SocketType::Push
    };
    let s = ctx
        .socket(kind)
        .unwrap_or_else(|e| perf::fail("zmq_socket", &e));
    if pubsub {
        let option = match hwm {
            perf::PubSubHwm::None => SocketOption::SndHwm(0),
            perf::PubSubHwm::Default => SocketOption::XpubNodrop(true),
        };
        s.set_option(option)
            .unwrap_or_else(|e| perf::fail("zmq_setsockopt", &e));
    }
    secure(&s, mechanism, false, None);
    s.connect(endpoint)
        .unwrap_or_else(|e| perf::fail("zmq_connect", &e));
    if pubsub {
        std::thread::sleep(std::time::Duration::from_secs(1));
    }
    s
}
