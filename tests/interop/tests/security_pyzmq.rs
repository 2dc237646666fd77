//! ferrozmq's PLAIN (RFC 24) and CURVE (RFC 26) sockets against libzmq with
//! CURVE: the libzmq 4.3 that pyzmq's wheels bundle (built with libsodium),
//! driven by `pyzmq_peer.py` beside this file. The `zmq` crate's vendored
//! libzmq has no CURVE, hence Python.
//!
//! Each case runs one Python peer process (a server, with its ZAP handler,
//! or a client) against ferrozmq sockets, both directions, REQ/REP and
//! PUSH/PULL, over tcp and ipc, with a 1 MiB message, and a refused
//! credential seen on both sides. Beyond those: every ZAP refusal status
//! (300, 400, 500) both ways, a CURVE client with the wrong server key both
//! ways, and our [`Authenticator`] serving libzmq clients. The interpreter is `FERROZMQ_PYTHON`
//! (which `cargo xtask interop` sets to the virtual environment it installs
//! pyzmq into), else that environment's path under `target/`. Without
//! `python3` on the machine at all, the tests say so loudly and pass; with
//! `python3` but no pyzmq, they fail, naming the command that installs it.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_socket::{
    Authenticator, Context, CurveKey, CurveKeyPair, CurveKeys, SessionError, Socket,
    SocketEventKind, SocketMonitor, SocketOption, SocketType, ZAP_ENDPOINT,
};
use ferrozmq_test_support::TempDir;
use ferrozmq_wire::{ConnectionError, HandshakeError};

/// How long any one wait may take (the Python peer's own is 10 s).
const WAIT: Duration = Duration::from_secs(20);

/// The interpreter with pyzmq, or `None` (after saying so) when the
/// machine has no `python3`.
fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FERROZMQ_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/pyzmq-venv/bin/python");
    if venv.exists() {
        return Some(venv);
    }
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!(
            "\n!!!!! SKIPPED: python3 is missing, so the CURVE/PLAIN interop with libzmq \
             (pyzmq) did not run !!!!!\n"
        );
        return None;
    }
    panic!(
        "pyzmq is not installed: run `cargo xtask interop`, which installs it into \
         target/pyzmq-venv, or set FERROZMQ_PYTHON to a python with pyzmq"
    );
}

/// A running Python peer and the lines it prints.
struct Peer {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Peer {
    fn start(python: &PathBuf, args: &[String]) -> Peer {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/pyzmq_peer.py");
        let mut child = Command::new(python)
            .arg(script)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the Python peer");
        let out: ChildStdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Peer {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits for a line starting with `prefix`; returns the rest of it.
    #[track_caller]
    fn expect(&mut self, prefix: &str) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if let Some(rest) = line.strip_prefix(prefix) {
                        return rest.trim().to_owned();
                    }
                    assert!(
                        !line.starts_with("ERROR"),
                        "the peer failed: {:?}",
                        self.seen
                    );
                }
                Err(_) => panic!("no `{prefix}` from the peer; it printed {:?}", self.seen),
            }
        }
    }

    /// Waits for the peer to exit with success.
    #[track_caller]
    fn finish(mut self) -> Vec<String> {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                self.seen.extend(self.lines.try_iter());
                assert!(
                    status.success(),
                    "the peer exited with {status}: {:?}",
                    self.seen
                );
                return std::mem::take(&mut self.seen);
            }
            assert!(
                Instant::now() < deadline,
                "the peer did not exit: {:?}",
                self.seen
            );
            thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The transport of a case: the endpoint a server binds.
#[derive(Clone, Copy, Debug)]
enum Tr {
    Tcp,
    Ipc,
}

fn bind_endpoint(tr: Tr, dir: &TempDir, name: &str) -> String {
    match tr {
        Tr::Tcp => "tcp://127.0.0.1:0".to_owned(),
        Tr::Ipc => format!("ipc://{}", dir.path().join(name).display()),
    }
}

/// What each exchange carries, as `pyzmq_peer.py`'s `messages()`.
fn messages() -> Vec<Vec<u8>> {
    vec![
        b"hello".to_vec(),
        (0..1u32 << 20).map(|i| (i % 251) as u8).collect(),
    ]
}

fn socket(ctx: &Context, kind: SocketType) -> Socket {
    let s = ctx.socket(kind).unwrap();
    s.set_option(SocketOption::RcvTimeo(Some(WAIT))).unwrap();
    s.set_option(SocketOption::SndTimeo(Some(WAIT))).unwrap();
    s.set_option(SocketOption::Linger(Some(Duration::from_secs(1))))
        .unwrap();
    s
}

fn recv(s: &Socket) -> Vec<Vec<u8>> {
    let m = s.recv_multipart().unwrap_or_else(|e| panic!("recv: {e}"));
    m.iter().map(|f| f.to_vec()).collect()
}

fn send(s: &Socket, body: &[u8]) {
    let m: Multipart = [Msg::copy_from_slice(body)].into_iter().collect();
    s.send_multipart(m).unwrap_or_else(|e| panic!("send: {e}"));
}

/// Our side of an exchange (see `messages`).
fn exchange(s: &Socket, kind: SocketType) {
    for body in messages() {
        match kind {
            SocketType::Req => {
                send(s, &body);
                assert_eq!(recv(s), [body]);
            }
            SocketType::Rep => {
                assert_eq!(recv(s), std::slice::from_ref(&body));
                send(s, &body);
            }
            SocketType::Push => send(s, &body),
            SocketType::Pull => assert_eq!(recv(s), [body]),
            other => panic!("{other:?}"),
        }
    }
}

/// The peer type of `kind` in these tests.
fn partner(kind: SocketType) -> &'static str {
    match kind {
        SocketType::Req => "REP",
        SocketType::Rep => "REQ",
        SocketType::Push => "PULL",
        SocketType::Pull => "PUSH",
        other => panic!("{other:?}"),
    }
}

/// The first `HandshakeFailedAuth` status on `monitor`.
fn auth_failed(monitor: &mut SocketMonitor) -> u16 {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = monitor
            .recv_timeout(left)
            .expect("a refusal before the deadline");
        if let SocketEventKind::HandshakeFailedAuth { status_code } = event.kind {
            return status_code;
        }
    }
}

/// The first handshake failure on `monitor`: a `HandshakeFailedAuth` or a
/// `HandshakeFailed`.
fn handshake_failure(monitor: &mut SocketMonitor) -> SocketEventKind {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = monitor
            .recv_timeout(left)
            .expect("a failed handshake before the deadline");
        if let SocketEventKind::HandshakeFailedAuth { .. } | SocketEventKind::HandshakeFailed(_) =
            event.kind
        {
            return event.kind;
        }
    }
}

/// Whether `kind` is what a client reports when the server closed during
/// the handshake without a word (libzmq
/// `ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL`): a CURVE HELLO it could not
/// open.
fn closed_without_a_word(kind: &SocketEventKind) -> bool {
    matches!(
        kind,
        SocketEventKind::HandshakeFailed(SessionError::PeerClosed | SessionError::Io(_))
    ) && kind.libzmq_name() == "ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL"
}

/// What our client sees of a refusal with ZAP status 400 or 500: the
/// server's ERROR with the code (libzmq
/// `zap_client_common_handshake_t::handle_zap_status_code`).
#[track_caller]
fn assert_client_refused(kind: &SocketEventKind, status: u16) {
    assert!(
        matches!(kind, SocketEventKind::HandshakeFailedAuth { status_code } if *status_code == status),
        "{kind:?}"
    );
}

/// The line libzmq's refused client prints for ZAP `status` from our
/// server, which sends ERROR with the code for 400 and 500 and closes
/// without a word for 300.
#[track_caller]
fn assert_libzmq_client_refused(line: &str, status: u16) {
    if status == 300 {
        assert!(line.starts_with("NO_DETAIL "), "{line}");
    } else {
        assert_eq!(line, format!("AUTH_FAILED {status}"));
    }
}

/// A ZAP handler as applications write one: a REP socket at
/// [`ZAP_ENDPOINT`] on its own thread, answering each request (version,
/// request id, domain, address, routing id, mechanism, credentials) with
/// the status and user id `decide` gives.
struct ZapRep {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ZapRep {
    fn start(
        ctx: &Context,
        decide: impl Fn(&[Vec<u8>]) -> (u16, Vec<u8>) + Send + 'static,
    ) -> ZapRep {
        let zap = socket(ctx, SocketType::Rep);
        zap.bind(ZAP_ENDPOINT).unwrap();
        zap.set_option(SocketOption::RcvTimeo(Some(Duration::from_millis(50))))
            .unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = thread::spawn(move || {
            // A refused libzmq client may retry: answer until told to stop.
            while !stopped.load(Ordering::Relaxed) {
                let req = match zap.recv_multipart() {
                    Ok(m) => m.iter().map(|f| f.to_vec()).collect::<Vec<_>>(),
                    Err(e) if e.is_again() => continue,
                    Err(e) => panic!("ZAP handler: {e}"),
                };
                let (status, user) = decide(&req);
                let status = status.to_string();
                let reply: Multipart = [&req[0][..], &req[1], status.as_bytes(), b"", &user, b""]
                    .iter()
                    .map(|f| Msg::copy_from_slice(f))
                    .collect();
                zap.send_multipart(reply).unwrap();
            }
        });
        ZapRep {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the thread, failing the test if it panicked.
    fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap();
    }
}

impl Drop for ZapRep {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// The user id of the first `HandshakeSucceeded` on `monitor`.
fn user_id(monitor: &mut SocketMonitor) -> Vec<u8> {
    let deadline = Instant::now() + WAIT;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = monitor
            .recv_timeout(left)
            .expect("a handshake before the deadline");
        if let SocketEventKind::HandshakeSucceeded { .. } = event.kind {
            return event.user_id;
        }
    }
}

fn arg(k: &str, v: impl AsRef<str>) -> String {
    format!("{k}={}", v.as_ref())
}

/// The security of one case, from either side's point of view.
enum Sec {
    Curve {
        server: CurveKeyPair,
        client: CurveKeyPair,
    },
    Plain,
}

const USER: &str = "admin";
const PASSWORD: &str = "password";

impl Sec {
    fn curve() -> Sec {
        Sec::Curve {
            server: CurveKeyPair::generate(),
            client: CurveKeyPair::generate(),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Sec::Curve { .. } => "curve",
            Sec::Plain => "plain",
        }
    }

    /// Makes `s` our server.
    fn serve(&self, s: &Socket) {
        match self {
            Sec::Curve { server, .. } => {
                s.set_option(SocketOption::CurveServer(true)).unwrap();
                s.set_option(SocketOption::CurveSecretKey(server.secret.clone()))
                    .unwrap();
            }
            Sec::Plain => s.set_option(SocketOption::PlainServer(true)).unwrap(),
        }
    }

    /// Makes `s` our client; `bad` gives it the wrong key or password.
    fn client(&self, s: &Socket, bad: bool) {
        match self {
            Sec::Curve { server, client } => {
                let me = if bad {
                    CurveKeyPair::generate()
                } else {
                    client.clone()
                };
                s.set_option(SocketOption::CurveServerKey(server.public.clone()))
                    .unwrap();
                s.set_option(SocketOption::CurvePublicKey(me.public))
                    .unwrap();
                s.set_option(SocketOption::CurveSecretKey(me.secret))
                    .unwrap();
            }
            Sec::Plain => {
                s.set_option(SocketOption::PlainUsername(USER.into()))
                    .unwrap();
                let pw = if bad { "wrong" } else { PASSWORD };
                s.set_option(SocketOption::PlainPassword(pw.into()))
                    .unwrap();
            }
        }
    }

    /// The Python server's arguments.
    fn py_server(&self) -> Vec<String> {
        match self {
            Sec::Curve { server, client } => vec![
                arg("secret", server.secret.to_z85()),
                arg("allow", client.public.to_z85()),
            ],
            Sec::Plain => vec![arg("user", USER), arg("password", PASSWORD)],
        }
    }

    /// The Python client's arguments; `bad` as in [`client`](Self::client).
    fn py_client(&self, bad: bool) -> Vec<String> {
        match self {
            Sec::Curve { server, client } => {
                let me = if bad {
                    CurveKeyPair::generate()
                } else {
                    client.clone()
                };
                vec![
                    arg("secret", me.secret.to_z85()),
                    arg("serverkey", server.public.to_z85()),
                ]
            }
            Sec::Plain => vec![
                arg("user", USER),
                arg("password", if bad { "wrong" } else { PASSWORD }),
            ],
        }
    }
}

/// Our client against libzmq's server: a refused one first (400 on our
/// side and theirs), then a good one with a full exchange.
fn ours_to_libzmq(sec: Sec, kind: SocketType, tr: Tr) {
    ours_to_libzmq_refused(sec, kind, tr, 400);
}

/// [`ours_to_libzmq`] with libzmq's ZAP handler refusing with `status`.
fn ours_to_libzmq_refused(sec: Sec, kind: SocketType, tr: Tr, status: u16) {
    let Some(python) = python() else { return };
    let dir = TempDir::new("ferrozmq-pyzmq");
    let mut args = vec![
        arg("role", "server"),
        arg("type", partner(kind)),
        arg("endpoint", bind_endpoint(tr, &dir, "server.sock")),
        arg("mechanism", sec.name()),
        arg("status", status.to_string()),
    ];
    args.extend(sec.py_server());
    let mut peer = Peer::start(&python, &args);
    let at = peer.expect("BOUND ");

    let ctx = Context::new().unwrap();
    let bad = socket(&ctx, kind);
    bad.set_option(SocketOption::ReconnectIvl(None)).unwrap();
    if status == 300 {
        // libzmq 4.3.5 never sends ERROR after a 300 (the "silently
        // disconnected" of `zap_client_common_handshake_t::
        // handle_zap_status_code`), and whether it closes depends on when
        // its ZAP reply came. Read while the HELLO is processed (the
        // handler answered before the mechanism looked: rare, but seen on
        // a loaded machine), `stream_engine_base_t::process_handshake_command`
        // finds the mechanism in error and closes the connection. Read
        // later (`zap_msg_available`), nothing closes it: `out_event` takes
        // the failed `next_handshake_command` for "nothing to send", and
        // the connection stays open, silent, until a handshake timer
        // (HANDSHAKE_IVL, 30 s by default) ends it. Ours gives up sooner.
        bad.set_option(SocketOption::HandshakeIvl(Some(Duration::from_millis(500))))
            .unwrap();
    }
    sec.client(&bad, true);
    let mut bad_events = bad.monitor();
    bad.connect(&at).unwrap();
    // libzmq's server reports every refusal, 300 included.
    assert_eq!(peer.expect("AUTH_FAILED "), status.to_string());
    let failure = handshake_failure(&mut bad_events);
    if status == 300 {
        // Either way no status reached us: a timeout or a close, never a
        // refusal.
        assert!(
            matches!(
                &failure,
                SocketEventKind::HandshakeFailed(
                    SessionError::Protocol(ConnectionError::HandshakeTimeout)
                        | SessionError::PeerClosed
                )
            ),
            "{failure:?}"
        );
        assert_eq!(
            failure.libzmq_name(),
            "ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL"
        );
    } else {
        assert_client_refused(&failure, status);
    }

    let good = socket(&ctx, kind);
    sec.client(&good, false);
    good.connect(&at).unwrap();
    exchange(&good, kind);
    peer.expect("OK");
    peer.finish();
}

/// libzmq's client against our server with a ZAP handler written as a REP
/// socket: a refused one first (400 on both sides), then a good one with a
/// full exchange, whose user id reaches us.
fn libzmq_to_ours(sec: Sec, kind: SocketType, tr: Tr) {
    libzmq_to_ours_refused(sec, kind, tr, 400);
}

/// [`libzmq_to_ours`] with our ZAP handler refusing with `status`.
fn libzmq_to_ours_refused(sec: Sec, kind: SocketType, tr: Tr, status: u16) {
    let Some(python) = python() else { return };
    let dir = TempDir::new("ferrozmq-pyzmq");
    let ctx = Context::new().unwrap();
    let allowed = match &sec {
        Sec::Curve { client, .. } => client.public.as_bytes().to_vec(),
        Sec::Plain => [USER, PASSWORD].concat().into_bytes(),
    };
    let handler = ZapRep::start(&ctx, move |req| {
        if req[6..].concat() == allowed {
            (200, b"rust-user".to_vec())
        } else {
            (status, Vec::new())
        }
    });
    let server = socket(&ctx, kind);
    sec.serve(&server);
    let mut events = server.monitor();
    server.bind(&bind_endpoint(tr, &dir, "ours.sock")).unwrap();
    let at = server.last_endpoint().unwrap().to_string();

    let mut args = vec![
        arg("role", "client"),
        arg("type", partner(kind)),
        arg("endpoint", &at),
        arg("mechanism", sec.name()),
    ];
    let mut refused = args.clone();
    refused.push(arg("expect", "refused"));
    refused.extend(sec.py_client(true));
    let mut bad = Peer::start(&python, &refused);
    // PLAIN too: our PLAIN server's ERROR is libzmq's own `^RROR` form,
    // which libzmq's PLAIN client reads as a refusal with its status code.
    assert_libzmq_client_refused(&bad.expect(""), status);
    assert_eq!(auth_failed(&mut events), status);
    bad.finish();

    args.extend(sec.py_client(false));
    let good = Peer::start(&python, &args);
    exchange(&server, kind);
    assert_eq!(user_id(&mut events), b"rust-user");
    good.finish();
    handler.finish();
}

/// Every ZAP refusal status against libzmq, both ways (400 is also in
/// every case of `cases!`): PLAIN over tcp and CURVE over ipc, a refused
/// client then a good one each time.
mod zap_statuses {
    use super::*;

    #[test]
    fn from_libzmq_servers() {
        for status in [300, 400, 500] {
            ours_to_libzmq_refused(Sec::Plain, SocketType::Req, Tr::Tcp, status);
            ours_to_libzmq_refused(Sec::curve(), SocketType::Push, Tr::Ipc, status);
        }
    }

    #[test]
    fn for_libzmq_clients() {
        for status in [300, 400, 500] {
            libzmq_to_ours_refused(Sec::Plain, SocketType::Rep, Tr::Tcp, status);
            libzmq_to_ours_refused(Sec::curve(), SocketType::Pull, Tr::Ipc, status);
        }
    }
}

/// A CURVE client with the wrong server key, both ways, over tcp and ipc.
/// Its HELLO's box does not open: the server reports a protocol failure
/// (libzmq `curve_server_t::process_hello`:
/// `ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`) and closes without ERROR, so
/// the client sees the connection close during the handshake. The server
/// then serves a good client.
mod curve_wrong_server_key {
    use super::*;

    /// libzmq's `ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC`.
    const CRYPTOGRAPHIC: u32 = 0x1100_0001;

    #[test]
    fn ours_to_libzmq() {
        let Some(python) = python() else { return };
        for tr in [Tr::Tcp, Tr::Ipc] {
            let Sec::Curve { server, client } = Sec::curve() else {
                unreachable!()
            };
            let dir = TempDir::new("ferrozmq-pyzmq");
            let mut peer = Peer::start(
                &python,
                &[
                    arg("role", "server"),
                    arg("type", "REP"),
                    arg("endpoint", bind_endpoint(tr, &dir, "server.sock")),
                    arg("mechanism", "curve"),
                    arg("secret", server.secret.to_z85()),
                    arg("allow", client.public.to_z85()),
                ],
            );
            let at = peer.expect("BOUND ");
            let ctx = Context::new().unwrap();
            let with_key = |server_key| {
                let s = socket(&ctx, SocketType::Req);
                s.set_option(SocketOption::CurveServerKey(server_key))
                    .unwrap();
                s.set_option(SocketOption::CurvePublicKey(client.public.clone()))
                    .unwrap();
                s.set_option(SocketOption::CurveSecretKey(client.secret.clone()))
                    .unwrap();
                s
            };
            let bad = with_key(CurveKeyPair::generate().public);
            bad.set_option(SocketOption::ReconnectIvl(None)).unwrap();
            let mut bad_events = bad.monitor();
            bad.connect(&at).unwrap();
            let failure = handshake_failure(&mut bad_events);
            assert!(closed_without_a_word(&failure), "{tr:?}: {failure:?}");
            assert_eq!(peer.expect("PROTOCOL_FAILED "), CRYPTOGRAPHIC.to_string());

            let good = with_key(server.public.clone());
            good.connect(&at).unwrap();
            exchange(&good, SocketType::Req);
            peer.expect("OK");
            peer.finish();
        }
    }

    #[test]
    fn libzmq_to_ours() {
        let Some(python) = python() else { return };
        for tr in [Tr::Tcp, Tr::Ipc] {
            let sec = Sec::curve();
            let dir = TempDir::new("ferrozmq-pyzmq");
            let ctx = Context::new().unwrap();
            let server = socket(&ctx, SocketType::Rep);
            sec.serve(&server);
            let mut events = server.monitor();
            server.bind(&bind_endpoint(tr, &dir, "ours.sock")).unwrap();
            let at = server.last_endpoint().unwrap().to_string();
            let Sec::Curve { client, .. } = &sec else {
                unreachable!()
            };
            let mut bad = Peer::start(
                &python,
                &[
                    arg("role", "client"),
                    arg("type", "REQ"),
                    arg("endpoint", &at),
                    arg("mechanism", "curve"),
                    arg("expect", "refused"),
                    arg("secret", client.secret.to_z85()),
                    arg("serverkey", CurveKeyPair::generate().public.to_z85()),
                ],
            );
            assert!(bad.expect("").starts_with("NO_DETAIL "), "{tr:?}");
            let failure = handshake_failure(&mut events);
            assert!(
                matches!(
                    &failure,
                    SocketEventKind::HandshakeFailed(SessionError::Protocol(
                        ConnectionError::Handshake(HandshakeError::Cryptographic {
                            command: "HELLO",
                            part: "signature"
                        })
                    ))
                ),
                "{tr:?}: {failure:?}"
            );
            assert_eq!(failure.libzmq_name(), "ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL");
            bad.finish();

            let mut args = vec![
                arg("role", "client"),
                arg("type", "REQ"),
                arg("endpoint", &at),
                arg("mechanism", "curve"),
            ];
            args.extend(sec.py_client(false));
            let good = Peer::start(&python, &args);
            exchange(&server, SocketType::Rep);
            good.finish();
        }
    }
}

/// libzmq's message properties, read on our side per message
/// ([`Socket::recv_multipart_with_properties`]): a pyzmq CURVE client with
/// a routing id and application metadata (ZMQ_METADATA, libzmq 4.3),
/// whose user id our ZAP handler sets.
#[test]
fn libzmq_client_properties_per_message() {
    let Some(python) = python() else { return };
    let sec = Sec::curve();
    let ctx = Context::new().unwrap();
    let Sec::Curve { client, .. } = &sec else {
        unreachable!()
    };
    let key = client.public.to_z85();
    // The user id is the client's key in Z85, as the credentials frame says.
    let handler = ZapRep::start(&ctx, |req| {
        let key = CurveKey::from_bytes(req[6].clone().try_into().unwrap());
        (200, key.to_z85().into_bytes())
    });
    let server = socket(&ctx, SocketType::Rep);
    sec.serve(&server);
    server.bind("tcp://127.0.0.1:0").unwrap();
    let at = server.last_endpoint().unwrap().to_string();
    let mut args = vec![
        arg("role", "client"),
        arg("type", "REQ"),
        arg("endpoint", &at),
        arg("mechanism", "curve"),
        arg("routing_id", "py-client"),
        arg("metadata", "X-Hello:World"),
    ];
    args.extend(sec.py_client(false));
    let client = Peer::start(&python, &args);
    for body in messages() {
        let (msg, props) = server.recv_multipart_with_properties().unwrap();
        assert_eq!(
            msg.iter().map(|f| f.to_vec()).collect::<Vec<_>>(),
            std::slice::from_ref(&body)
        );
        let props = props.expect("a tcp peer has properties");
        assert_eq!(props.user_id(), Some(key.as_bytes()));
        assert_eq!(props.get("User-Id"), Some(key.as_bytes()));
        assert_eq!(props.get("x-hello"), Some(&b"World"[..]));
        assert_eq!(props.get("Socket-Type"), Some(&b"REQ"[..]));
        assert_eq!(props.get("Identity"), Some(&b"py-client"[..]));
        assert_eq!(props.get("Routing-Id"), Some(&b"py-client"[..]));
        assert_eq!(props.get("Peer-Address"), Some(&b"127.0.0.1"[..]));
        send(&server, &body);
    }
    client.finish();
    handler.finish();
}

/// Our [`Authenticator`] (allow/deny lists, PLAIN passwords, CURVE keys)
/// serving libzmq clients over tcp: an admitted one with its user id, a
/// refused credential, then a denied address, each refusal 400 on both
/// sides.
#[test]
fn authenticator_for_libzmq_clients() {
    let Some(python) = python() else { return };
    for sec in [Sec::Plain, Sec::curve()] {
        let ctx = Context::new().unwrap();
        let auth = Authenticator::start(&ctx).unwrap();
        let expected_user = match &sec {
            Sec::Plain => {
                auth.configure_plain("*", [(USER.to_owned(), PASSWORD.to_owned())].into());
                USER.as_bytes().to_vec()
            }
            Sec::Curve { client, .. } => {
                auth.configure_curve("*", CurveKeys::Allowed(vec![client.public.clone()]));
                client.public.to_z85().into_bytes()
            }
        };
        let server = socket(&ctx, SocketType::Rep);
        sec.serve(&server);
        let mut events = server.monitor();
        server.bind("tcp://127.0.0.1:0").unwrap();
        let at = server.last_endpoint().unwrap().to_string();
        let base = vec![
            arg("role", "client"),
            arg("type", "REQ"),
            arg("endpoint", &at),
            arg("mechanism", sec.name()),
        ];
        let client = |bad: bool, expect: &str| {
            let mut args = base.clone();
            args.push(arg("expect", expect));
            args.extend(sec.py_client(bad));
            Peer::start(&python, &args)
        };

        let good = client(false, "ok");
        exchange(&server, SocketType::Rep);
        assert_eq!(user_id(&mut events), expected_user);
        good.finish();

        let mut bad = client(true, "refused");
        assert_eq!(bad.expect(""), "AUTH_FAILED 400");
        assert_eq!(auth_failed(&mut events), 400);
        bad.finish();

        // Good credentials from a denied address.
        auth.deny(["127.0.0.1"]);
        let mut denied = client(false, "refused");
        assert_eq!(denied.expect(""), "AUTH_FAILED 400");
        assert_eq!(auth_failed(&mut events), 400);
        denied.finish();
        auth.stop();
    }
}

/// One `#[test]` per transport for each direction, mechanism and pattern.
macro_rules! cases {
    ($($name:ident: $run:ident($sec:expr, $kind:ident);)*) => {
        $(
            mod $name {
                use super::*;

                #[test]
                fn tcp() {
                    $run($sec, SocketType::$kind, Tr::Tcp);
                }

                #[test]
                fn ipc() {
                    $run($sec, SocketType::$kind, Tr::Ipc);
                }
            }
        )*
    };
}

cases! {
    curve_req_to_libzmq_rep: ours_to_libzmq(Sec::curve(), Req);
    curve_push_to_libzmq_pull: ours_to_libzmq(Sec::curve(), Push);
    curve_rep_for_libzmq_req: libzmq_to_ours(Sec::curve(), Rep);
    curve_pull_for_libzmq_push: libzmq_to_ours(Sec::curve(), Pull);
    plain_req_to_libzmq_rep: ours_to_libzmq(Sec::Plain, Req);
    plain_push_to_libzmq_pull: ours_to_libzmq(Sec::Plain, Push);
    plain_rep_for_libzmq_req: libzmq_to_ours(Sec::Plain, Rep);
    plain_pull_for_libzmq_push: libzmq_to_ours(Sec::Plain, Pull);
}
