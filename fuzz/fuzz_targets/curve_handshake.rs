//! Fuzzes the CURVE handshake (RFC 25/26), client and server, through a man
//! in the middle that passes, flips, truncates, replaces, drops or
//! duplicates each frame as the input says (`common/mitm.rs`): every box
//! the fuzzer did not touch opens, so HELLO, WELCOME, INITIATE (cookie,
//! vouch, metadata) and READY are all reached and then tampered with. The
//! first input byte picks wrong keys now and then.
#![no_main]

#[path = "common/mitm.rs"]
mod mitm;

use ferrozmq_wire::{CurveKeyPair, Mechanism};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let server = CurveKeyPair::generate();
    let client = CurveKeyPair::generate();
    let server_key = if first % 8 == 7 {
        CurveKeyPair::generate().public
    } else {
        server.public.clone()
    };
    mitm::run(
        Mechanism::CurveClient {
            public: client.public,
            secret: client.secret,
            server_key,
        },
        Mechanism::CurveServer {
            secret: server.secret,
        },
        rest,
    );
});
