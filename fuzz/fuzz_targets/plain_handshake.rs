//! Fuzzes the PLAIN handshake (RFC 24), client and server, through a man in
//! the middle that passes, flips, truncates, replaces, drops or duplicates
//! each frame as the input says (`common/mitm.rs`); the first input byte
//! also decides whether the server asks for an authentication decision and
//! what credentials the client presents.
#![no_main]

#[path = "common/mitm.rs"]
mod mitm;

use ferrozmq_wire::Mechanism;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(first >> 4);
    let client = Mechanism::PlainClient {
        username: rest.iter().take(n).copied().collect(),
        password: rest
            .iter()
            .skip(n)
            .take(usize::from(first & 0x0F))
            .copied()
            .collect::<Vec<u8>>()
            .into(),
    };
    mitm::run(client, Mechanism::PlainServer, rest);
});
