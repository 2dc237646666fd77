//! A CURVE server behind an `Authenticator`: encrypted REQ/REP over tcp,
//! where only known client keys get in.
//!
//! The server has a long-term key pair; each client has its own and knows
//! the server's public key (as `fzmq keygen` would print them). The
//! `Authenticator` (a ZAP handler in the server's context, pyzmq's
//! `ThreadAuthenticator` rules) admits one client key and refuses the
//! rest. The admitted client's requests are answered; the stranger's
//! handshake is refused with ZAP status 400, which both sides' monitors
//! report, and the server keeps serving. Each step is checked.

use std::time::Duration;

use ferrozmq::{
    Authenticator, Context, CurveKeyPair, CurveKeys, Msg, Socket, SocketEventKind, SocketMonitor,
    SocketOption, SocketType,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> Result<()> {
    let ctx = Context::new()?;
    let server_keys = CurveKeyPair::generate();
    let friend = CurveKeyPair::generate();
    let stranger = CurveKeyPair::generate();

    // Only `friend`'s key, in every domain.
    let auth = Authenticator::start(&ctx)?;
    auth.configure_curve("*", CurveKeys::Allowed(vec![friend.public.clone()]));

    let server = ctx.socket(SocketType::Rep)?;
    server.set_option(SocketOption::CurveServer(true))?;
    server.set_option(SocketOption::CurveSecretKey(server_keys.secret.clone()))?;
    let mut server_events = server.monitor();
    server.bind("tcp://127.0.0.1:0")?;
    let endpoint = server.last_endpoint().expect("bound").to_string();
    println!("server {} at {endpoint}", server_keys.public.to_z85());

    // The stranger first: refused, on both sides.
    let intruder = client(&ctx, &stranger, &server_keys)?;
    let mut intruder_events = intruder.monitor();
    intruder.connect(&endpoint)?;
    expect_refused(&mut intruder_events, "client")?;
    expect_refused(&mut server_events, "server")?;
    println!("client {}: refused (400)", stranger.public.to_z85());

    // The friend: admitted, answered, encrypted on the wire.
    let req = client(&ctx, &friend, &server_keys)?;
    req.connect(&endpoint)?;
    for n in 0..3 {
        req.send(Msg::from(format!("request {n}").into_bytes()))?;
        let got = server.recv()?;
        let mut reply = got.to_vec();
        reply.extend_from_slice(b": done");
        server.send(Msg::from(reply))?;
        let answer = req.recv()?;
        assert_eq!(&answer[..], format!("request {n}: done").as_bytes());
        println!(
            "client {}: {}",
            friend.public.to_z85(),
            String::from_utf8_lossy(&answer)
        );
    }
    auth.stop();
    Ok(())
}

/// A REQ socket with `keys`, for the server with `server`'s public key.
fn client(ctx: &Context, keys: &CurveKeyPair, server: &CurveKeyPair) -> Result<Socket> {
    let s = ctx.socket(SocketType::Req)?;
    s.set_option(SocketOption::RcvTimeo(Some(TIMEOUT)))?;
    s.set_option(SocketOption::CurveServerKey(server.public.clone()))?;
    s.set_option(SocketOption::CurvePublicKey(keys.public.clone()))?;
    s.set_option(SocketOption::CurveSecretKey(keys.secret.clone()))?;
    Ok(s)
}

/// Waits for a ZAP refusal with status 400 on `monitor`.
fn expect_refused(monitor: &mut SocketMonitor, side: &str) -> Result<()> {
    loop {
        let event = monitor
            .recv_timeout(TIMEOUT)
            .ok_or_else(|| format!("{side}: no refusal reported"))?;
        match event.kind {
            SocketEventKind::HandshakeFailedAuth { status_code } => {
                assert_eq!(status_code, 400, "{side}: refused with 400");
                return Ok(());
            }
            SocketEventKind::HandshakeSucceeded { .. } => {
                return Err(format!("{side}: the stranger got in").into());
            }
            _ => {}
        }
    }
}
