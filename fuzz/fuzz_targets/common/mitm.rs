//! Shared by the PLAIN and CURVE fuzz targets: a client and a server
//! `Connection` wired through a man in the middle that the fuzz input
//! drives. For every frame in flight the next input byte says what happens
//! to it (pass, flip a byte, truncate, replace by input bytes, drop,
//! duplicate), so the fuzzer reaches every handshake step with valid
//! cryptography and then tampers with it, which random bytes alone never
//! would (a box that opens cannot be guessed).
//!
//! Checks: no panic; an error is final (`Closed` afterwards); transmit
//! queues drain; when nothing was tampered with, both sides complete the
//! handshake and the messages sent arrive intact.

use std::io::IoSlice;
use std::sync::Arc;
use std::time::Instant;

use ferrozmq_alloc::{Heap, RecvAllocator};
use ferrozmq_msg::Msg;
use ferrozmq_wire::{
    AuthDecision, Config, Connection, ConnectionError, Event, Mechanism, SocketType,
};

/// A reader of fuzz input that yields zeros once exhausted.
pub struct Input<'a>(pub &'a [u8]);

impl Input<'_> {
    pub fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn bytes(&mut self, n: usize) -> Vec<u8> {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a.to_vec()
    }
}

fn config(t: SocketType, mechanism: Mechanism, authenticate: bool) -> Config {
    let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap);
    let mut c = Config::new(t, alloc);
    c.mechanism = mechanism;
    c.authenticate = authenticate;
    c.max_msg_size = Some(1 << 20);
    c.max_command_size = 4096;
    c
}

fn output(c: &mut Connection) -> Vec<u8> {
    let mut out = Vec::new();
    let mut guard = 0;
    while c.has_transmit() {
        let mut iov = [IoSlice::new(&[]); 16];
        let n = c.poll_transmit(&mut iov);
        let before = out.len();
        for s in &iov[..n] {
            out.extend_from_slice(s);
        }
        c.advance(out.len() - before);
        guard += 1;
        assert!(guard < 100_000, "transmit queue does not drain");
    }
    out
}

/// Splits complete frames off the front of `buf` (after the greeting).
fn pop_frame(buf: &mut Vec<u8>) -> Option<Vec<u8>> {
    let flags = *buf.first()?;
    let (len, h): (usize, usize) = if flags & 0x02 != 0 {
        let size: [u8; 8] = buf.get(1..9)?.try_into().ok()?;
        (usize::try_from(u64::from_be_bytes(size)).ok()?, 9)
    } else {
        (usize::from(*buf.get(1)?), 2)
    };
    let end = h.checked_add(len)?;
    if buf.len() < end {
        return None;
    }
    Some(buf.drain(..end).collect())
}

struct Side {
    conn: Connection,
    /// Bytes it sent, not yet through the middle.
    pending: Vec<u8>,
    /// Greeting bytes still to pass untouched.
    greeting_left: usize,
    failed: bool,
    established: bool,
    received: Vec<Vec<u8>>,
}

impl Side {
    fn new(config: Config, now: Instant) -> Option<Self> {
        Some(Side {
            conn: Connection::new(config, now).ok()?,
            pending: Vec::new(),
            greeting_left: 64,
            failed: false,
            established: false,
            received: Vec::new(),
        })
    }

    fn feed(&mut self, bytes: &[u8], now: Instant, input: &mut Input<'_>) {
        if self.failed {
            return;
        }
        let mut at = 0;
        while at < bytes.len() {
            match self.conn.handle_input(&bytes[at..], now) {
                Ok(p) => {
                    assert!(p.blocked.is_none());
                    at += p.consumed;
                    self.events(now, input);
                    if p.consumed == 0 {
                        break;
                    }
                }
                Err(e) => {
                    assert_ne!(e, ConnectionError::Closed);
                    assert!(!e.to_string().is_empty());
                    self.failed = true;
                    assert_eq!(
                        self.conn.handle_input(b"x", now),
                        Err(ConnectionError::Closed)
                    );
                    return;
                }
            }
        }
    }

    fn events(&mut self, now: Instant, input: &mut Input<'_>) {
        while let Some(ev) = self.conn.poll_event() {
            match ev {
                Event::HandshakeComplete(_) => self.established = true,
                Event::Message(m) => self.received.push(m.to_vec()),
                Event::AuthRequest(_) => {
                    let decision = match input.byte() % 4 {
                        0 => AuthDecision::refuse("fuzz"),
                        1 => AuthDecision::Refuse {
                            status_code: 300,
                            reason: String::new(),
                        },
                        _ => AuthDecision::accept("user"),
                    };
                    if self.conn.handle_auth(decision, now).is_err() {
                        self.failed = true;
                    }
                }
                _ => {}
            }
        }
    }
}

/// Moves one direction's frames through the middle.
fn relay(from: &mut Side, to: &mut Side, now: Instant, input: &mut Input<'_>) -> bool {
    from.pending.extend(output(&mut from.conn));
    let mut tampered = false;
    // The greeting passes untouched: the target is the mechanism.
    let g = from.greeting_left.min(from.pending.len());
    if g > 0 {
        let bytes: Vec<u8> = from.pending.drain(..g).collect();
        from.greeting_left -= g;
        to.feed(&bytes, now, input);
    }
    while from.greeting_left == 0 {
        let Some(mut frame) = pop_frame(&mut from.pending) else {
            break;
        };
        match input.byte() % 8 {
            0..=2 => {}
            3 => {
                let at = usize::from(input.byte()) << 8 | usize::from(input.byte());
                let len = frame.len();
                frame[at % len] ^= input.byte() | 1;
                tampered = true;
            }
            4 => {
                let keep = usize::from(input.byte()) << 4;
                frame.truncate(keep.max(1));
                tampered = true;
            }
            5 => {
                let n = usize::from(input.byte());
                frame = input.bytes(n);
                tampered = true;
            }
            6 => {
                tampered = true;
                continue;
            }
            _ => {
                to.feed(&frame.clone(), now, input);
                tampered = true;
            }
        }
        to.feed(&frame, now, input);
    }
    tampered
}

/// Runs one fuzz case for `client` and `server` mechanisms.
pub fn run(client: Mechanism, server: Mechanism, data: &[u8]) {
    let mut input = Input(data);
    let authenticate = input.byte() & 1 != 0;
    let now = Instant::now();
    let Some(mut c) = Side::new(config(SocketType::Dealer, client, false), now) else {
        return;
    };
    let Some(mut s) = Side::new(config(SocketType::Router, server, authenticate), now) else {
        return;
    };
    let mut tampered = false;
    let mut sent = false;
    for _ in 0..16 {
        tampered |= relay(&mut c, &mut s, now, &mut input);
        tampered |= relay(&mut s, &mut c, now, &mut input);
        if c.established && s.established && !sent && !c.failed && !s.failed {
            let n = usize::from(input.byte()) * 4;
            let body = input.bytes(n);
            c.conn
                .send(Msg::from_static(b"head").with_more(true))
                .unwrap();
            c.conn.send(Msg::from(body.clone())).unwrap();
            s.conn.send(Msg::from(body)).unwrap();
            sent = true;
        }
    }
    if !tampered && !c.failed && !s.failed {
        assert!(c.established || !s.established);
        if sent {
            assert_eq!(s.received.len(), 2);
            assert_eq!(c.received.len(), 1);
        }
    }
}
