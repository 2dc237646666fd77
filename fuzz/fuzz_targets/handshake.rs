//! Fuzzes a whole `ferrozmq_wire::Connection`: greeting, NULL handshake and
//! traffic from arbitrary bytes, delivered in arbitrary chunks, with time
//! passing and replies queued.
//!
//! The first input byte picks our socket type, version and chunk size, and
//! whether a valid libzmq greeting (and READY) is put in front of the rest,
//! so the fuzzer reaches the handshake and traffic phases quickly.
//!
//! Checks: no panic; errors are final (`Closed` afterwards); frames within
//! the maximum; the transmit queue always drains.
#![no_main]

use std::io::IoSlice;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrozmq_alloc::{Heap, RecvAllocator};
use ferrozmq_msg::Msg;
use ferrozmq_wire::{Config, Connection, ConnectionError, Event, SocketType, ZmtpVersion};
use libfuzzer_sys::fuzz_target;

const MAX: u64 = 256 * 1024;

fn drain(c: &mut Connection) {
    let mut guard = 0;
    while c.has_transmit() {
        let mut iov = [IoSlice::new(&[]); 8];
        let n = c.poll_transmit(&mut iov);
        let len: usize = iov[..n].iter().map(|s| s.len()).sum();
        c.advance(len);
        guard += 1;
        assert!(guard < 100_000);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, rest)) = data.split_first() else {
        return;
    };
    let socket_type = SocketType::ALL[usize::from(control & 0x0F) % SocketType::ALL.len()];
    let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap);
    let mut config = Config::new(socket_type, alloc);
    config.max_msg_size = Some(MAX);
    config.max_command_size = 4096;
    config.heartbeat_interval = Some(Duration::from_millis(100));
    config.identity = b"fuzz".to_vec();
    if control & 0x10 != 0 {
        config.version = ZmtpVersion::V3_0;
    }
    let t0 = Instant::now();
    let Ok(mut c) = Connection::new(config, t0) else {
        return;
    };
    let mut input = Vec::with_capacity(rest.len() + 128);
    if control & 0x20 != 0 {
        // A valid libzmq greeting, 3.1 or 3.0.
        input.extend([
            0xFF,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            1,
            0x7F,
            3,
            u8::from(control & 0x40 != 0),
        ]);
        input.extend(b"NULL");
        input.extend([0; 48]);
        if control & 0x80 != 0 {
            // And a READY from a compatible peer type, when there is one.
            let peer = SocketType::ALL
                .iter()
                .find(|p| socket_type.is_compatible(**p))
                .unwrap();
            let mut body = b"\x05READY\x0bSocket-Type".to_vec();
            body.extend((peer.name().len() as u32).to_be_bytes());
            body.extend(peer.name().as_bytes());
            input.extend([0x04, body.len() as u8]);
            input.extend(body);
        }
    }
    input.extend_from_slice(rest);
    let chunk = [1usize, 3, 64, usize::MAX][usize::from(control >> 6)];
    let mut now = t0;
    let mut at = 0;
    let mut sent = false;
    while at < input.len() {
        let end = at + chunk.min(input.len() - at);
        match c.handle_input(&input[at..end], now) {
            Ok(p) => {
                assert!(p.consumed <= end - at);
                assert!(p.blocked.is_none());
                at += p.consumed;
            }
            Err(e) => {
                assert_ne!(e, ConnectionError::Closed);
                assert!(!e.to_string().is_empty());
                drain(&mut c);
                assert_eq!(c.handle_input(b"x", now), Err(ConnectionError::Closed));
                return;
            }
        }
        while let Some(ev) = c.poll_event() {
            match ev {
                Event::Message(m) => assert!(m.len() as u64 <= MAX && !m.is_command()),
                Event::HandshakeComplete(peer) => {
                    assert!(socket_type.is_compatible(peer.socket_type))
                }
                _ => {}
            }
        }
        if c.is_established() && !sent {
            c.send(Msg::from_static(b"reply").with_more(true)).unwrap();
            let _ = c.send_subscription(true, b"topic");
            c.send(Msg::from(vec![1u8; 2000])).unwrap();
            sent = true;
        }
        drain(&mut c);
        now += Duration::from_millis(40);
        if c.handle_timeout(now).is_err() {
            return;
        }
    }
});
