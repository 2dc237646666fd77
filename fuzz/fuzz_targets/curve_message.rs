//! Fuzzes the CURVE MESSAGE decoder (RFC 26 §The MESSAGE Command): two
//! `Connection`s complete a real CURVE handshake, then the input is a
//! sequence of frames for the server, each either a genuine MESSAGE sealed
//! by the client (its body and MORE/command flags from the input), a
//! genuine one tampered with, an old one replayed, or raw input bytes.
//! Under `--cfg fuzzing` the handshake's randomness is a fixed stream and
//! its X25519 results are memoised (`curve_handshake.rs` says more), so the
//! input alone decides the bytes and the handshake is cheap; the MESSAGE
//! boxes are sealed and opened for real.
//!
//! Checks: no panic; genuine MESSAGEs in order are delivered intact with
//! their flags; anything else is either refused with an error (then
//! `Closed`) or, for a valid replay-free sequence, delivered; errors final.
#![no_main]

use std::io::IoSlice;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use ferrozmq_alloc::{Heap, RecvAllocator};
use ferrozmq_msg::Msg;
use ferrozmq_wire::{
    Config, Connection, ConnectionError, CurveKey, CurveKeyPair, Event, Mechanism, SocketType,
};
use libfuzzer_sys::fuzz_target;

fn output(c: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    while c.has_transmit() {
        let mut iov = [IoSlice::new(&[]); 16];
        let n = c.poll_transmit(&mut iov);
        let before = out.len();
        for s in &iov[..n] {
            out.extend_from_slice(s);
        }
        c.advance(out.len() - before);
    }
    out
}

fn feed(c: &mut Connection, bytes: &[u8], now: Instant) -> Result<Vec<Event>, ConnectionError> {
    let mut at = 0;
    let mut events = Vec::new();
    while at < bytes.len() {
        let p = c.handle_input(&bytes[at..], now)?;
        at += p.consumed;
        events.extend(std::iter::from_fn(|| c.poll_event()));
    }
    events.extend(std::iter::from_fn(|| c.poll_event()));
    Ok(events)
}

/// The server's and the client's long-term keys: fixed, so an input replays
/// exactly, and derived once per process rather than per input.
fn keys() -> &'static [CurveKeyPair; 2] {
    static KEYS: OnceLock<[CurveKeyPair; 2]> = OnceLock::new();
    KEYS.get_or_init(|| [1, 2].map(|b| CurveKeyPair::from_secret(CurveKey::from_bytes([b; 32]))))
}

fn pair(now: Instant) -> (Connection, Connection) {
    // Transient keys and nonces from the start of the fuzzing build's fixed
    // stream.
    ferrozmq_wire::reset_fuzzing_rng();
    let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap);
    let [server, client] = keys();
    let mut cc = Config::new(SocketType::Dealer, alloc.clone());
    cc.mechanism = Mechanism::CurveClient {
        public: client.public.clone(),
        secret: client.secret.clone(),
        server_key: server.public.clone(),
    };
    let mut sc = Config::new(SocketType::Dealer, alloc);
    sc.mechanism = Mechanism::CurveServer {
        secret: server.secret.clone(),
    };
    sc.max_msg_size = Some(1 << 20);
    let mut c = Connection::new(cc, now).unwrap();
    let mut s = Connection::new(sc, now).unwrap();
    for _ in 0..8 {
        let a = output(&mut c);
        feed(&mut s, &a, now).unwrap();
        let b = output(&mut s);
        feed(&mut c, &b, now).unwrap();
    }
    assert!(c.is_established() && s.is_established());
    (c, s)
}

fuzz_target!(|data: &[u8]| {
    let now = Instant::now();
    let (mut c, mut s) = pair(now);
    let mut input = data;
    let mut old: Vec<Vec<u8>> = Vec::new();
    // No tampered or raw bytes accepted so far: the stream is at a frame
    // boundary with the nonces in order, so a genuine MESSAGE must pass.
    let mut clean = true;
    while let Some((&op, rest)) = input.split_first() {
        let len = usize::from(*rest.first().unwrap_or(&0));
        let body = rest.get(1..1 + len).unwrap_or(&rest[rest.len().min(1)..]);
        input = &rest[(1 + len).min(rest.len())..];
        let (bytes, genuine, sent) = match op % 4 {
            // A genuine MESSAGE; op bit 2 is MORE, bit 3 a PING instead.
            0 | 1 => {
                let sent = if op & 8 != 0 {
                    let mut m = Msg::copy_from_slice(b"\x04PING\x00\x00");
                    m.set_command(true);
                    m
                } else {
                    Msg::copy_from_slice(body)
                };
                c.send(sent.clone().with_more(op & 4 != 0 && op & 8 == 0))
                    .unwrap();
                let bytes = output(&mut c);
                old.push(bytes.clone());
                (bytes, true, Some(sent))
            }
            // A genuine one with a byte flipped.
            2 => {
                c.send(Msg::copy_from_slice(body)).unwrap();
                let mut bytes = output(&mut c);
                let at = usize::from(op >> 2) % bytes.len();
                bytes[at] ^= 0x01 | op;
                (bytes, false, None)
            }
            // A replay, or raw bytes.
            _ => match old.first() {
                Some(first) if op & 4 != 0 => (first.clone(), false, None),
                _ => (body.to_vec(), false, None),
            },
        };
        match feed(&mut s, &bytes, now) {
            Ok(events) => {
                if !genuine {
                    clean = false;
                } else if clean {
                    let sent = sent.unwrap();
                    let got: Vec<&Event> = events
                        .iter()
                        .filter(|e| !matches!(e, Event::Ping { .. }))
                        .collect();
                    if !sent.is_command() {
                        assert!(
                            matches!(got[..], [Event::Message(m)]
                                if m[..] == sent[..] && m.more() == (op & 4 != 0)),
                            "{got:?}"
                        );
                    }
                }
            }
            Err(e) => {
                assert!(!(genuine && clean), "a genuine MESSAGE refused: {e}");
                assert_ne!(e, ConnectionError::Closed);
                assert_eq!(s.handle_input(b"x", now), Err(ConnectionError::Closed));
                return;
            }
        }
        output(&mut s);
    }
});
