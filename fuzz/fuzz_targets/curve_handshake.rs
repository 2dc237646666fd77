//! Fuzzes the CURVE handshake (RFC 25/26), client and server, through a man
//! in the middle that passes, flips, truncates, replaces, drops or
//! duplicates each frame as the input says (`common/mitm.rs`): every box
//! the fuzzer did not touch opens, so HELLO, WELCOME, INITIATE (cookie,
//! vouch, metadata) and READY are all reached and then tampered with. The
//! first input byte picks wrong keys now and then.
//!
//! Built with `--cfg fuzzing`, the wire crate draws the CURVE randomness
//! from a fixed stream (rewound for every input) and memoises X25519
//! results (`crates/wire/src/mechanism/curve.rs`, module `fuzzing`), so
//! an input replays exactly and a handshake costs no scalar multiplication
//! after the first; every box is still sealed and its tag checked.
#![no_main]

#[path = "common/mitm.rs"]
mod mitm;

use std::sync::OnceLock;

use ferrozmq_wire::{CurveKey, CurveKeyPair, Mechanism};
use libfuzzer_sys::fuzz_target;

/// The long-term keys: the server's, the client's, and a server key the
/// client wrongly expects. Fixed, so an input replays exactly, and derived
/// once per process rather than per input.
fn keys() -> &'static [CurveKeyPair; 3] {
    static KEYS: OnceLock<[CurveKeyPair; 3]> = OnceLock::new();
    KEYS.get_or_init(|| [1, 2, 3].map(|b| CurveKeyPair::from_secret(CurveKey::from_bytes([b; 32]))))
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    // Transient keys, cookie keys and long nonces from the start of the
    // fuzzing build's fixed stream.
    ferrozmq_wire::reset_fuzzing_rng();
    let [server, client, wrong] = keys();
    let server_key = if first % 8 == 7 {
        wrong.public.clone()
    } else {
        server.public.clone()
    };
    mitm::run(
        Mechanism::CurveClient {
            public: client.public.clone(),
            secret: client.secret.clone(),
            server_key,
        },
        Mechanism::CurveServer {
            secret: server.secret.clone(),
        },
        rest,
    );
});
