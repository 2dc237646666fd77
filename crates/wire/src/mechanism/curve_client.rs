//! The CURVE client handshake (RFC 26 CurveZMQ, RFC 25 ZMTP-CURVE), byte for
//! byte as libzmq `curve_client_tools_t` builds it:
//!
//! 1. HELLO (200 bytes): `\x05HELLO`, version 1.0, 72 zero bytes of
//!    anti-amplification padding, our transient key C', short nonce 1,
//!    Box\[64 zeros\](C'→S).
//! 2. WELCOME (168 bytes) from the server: a long nonce and
//!    Box\[S' + cookie\](S→C'). It opens only with the real server key S,
//!    which is how the client authenticates the server.
//! 3. INITIATE: the cookie, short nonce 2, Box\[C + vouch + metadata\](C'→S'),
//!    the vouch being Box\[C' + S\](C→S') under a `VOUCH---` long nonce.
//! 4. READY from the server: short nonce, Box\[metadata\](S'→C').
//!
//! ERROR from the server at steps 2 or 4 is fatal. Then MESSAGE frames with
//! the `CurveZMQMESSAGEC` prefix go out from short nonce 3 on, and come in
//! with `CurveZMQMESSAGES` after the READY's nonce.

use crypto_box::SecretKey;

use crate::SocketType;
use crate::command::Command;
use crate::encoder::Encoder;
use crate::error::HandshakeError;
use crate::key::CurveKey;
use crate::mechanism::curve::{
    HELLO_LEN, READY_MIN_LEN, Session, WELCOME_LEN, long_nonce, open, precompute, public_key,
    random_secret, random16, seal, short_nonce,
};
use crate::mechanism::{CurveRx, CurveTx, Handshake, Step, check_peer, error_msg, parse_metadata};
use crate::metadata::Metadata;

enum State {
    ExpectWelcome,
    ExpectReady {
        /// S' and c'.
        session: Session,
    },
    Done {
        session: Session,
        /// The READY's short nonce: the server's messages come after it.
        peer_nonce: u64,
    },
    Taken,
}

/// CURVE client.
pub(crate) struct CurveClient {
    socket_type: SocketType,
    local: Metadata,
    public: CurveKey,
    secret: CurveKey,
    server_key: CurveKey,
    /// Our transient secret key c'.
    transient: SecretKey,
    /// Our next short nonce (libzmq starts at 1).
    nonce: u64,
    state: State,
}

impl core::fmt::Debug for CurveClient {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CurveClient")
            .field("socket_type", &self.socket_type)
            .field("server_key", &self.server_key.to_z85())
            .field("nonce", &self.nonce)
            .finish_non_exhaustive()
    }
}

impl CurveClient {
    pub(crate) fn new(
        socket_type: SocketType,
        local: Metadata,
        public: CurveKey,
        secret: CurveKey,
        server_key: CurveKey,
    ) -> Self {
        Self {
            socket_type,
            local,
            public,
            secret,
            server_key,
            transient: random_secret(),
            nonce: 1,
            state: State::ExpectWelcome,
        }
    }

    fn next_nonce(&mut self) -> u64 {
        let n = self.nonce;
        self.nonce += 1;
        n
    }

    fn on_welcome(&mut self, data: &[u8], out: &mut Encoder) -> Result<Step, HandshakeError> {
        if 8 + data.len() != WELCOME_LEN {
            return Err(HandshakeError::MalformedCommand {
                command: "WELCOME",
                len: 8 + data.len(),
            });
        }
        let mut random = [0u8; 16];
        random.copy_from_slice(&data[..16]);
        let to_server = precompute(self.server_key.as_bytes(), &self.transient);
        let plain = open(&to_server, &long_nonce(b"WELCOME-", &random), &data[16..]).ok_or(
            HandshakeError::Cryptographic {
                command: "WELCOME",
                part: "box",
            },
        )?;
        let mut server_transient = [0u8; 32];
        server_transient.copy_from_slice(&plain[..32]);
        let cookie = &plain[32..128];
        let session = Session {
            peer: server_transient,
            ours: self.transient.clone(),
        };
        let precom = session.cipher();

        // The vouch: Box[C' + S](C->S').
        let mut vouch_plain = [0u8; 64];
        vouch_plain[..32].copy_from_slice(public_key(&self.transient).as_bytes());
        vouch_plain[32..].copy_from_slice(self.server_key.as_bytes());
        let vouch_random = random16();
        let long_term = precompute(&server_transient, &self.secret.secret());
        let vouch = seal(
            &long_term,
            &long_nonce(b"VOUCH---", &vouch_random),
            &vouch_plain,
        );

        let mut props = Vec::with_capacity(self.local.encoded_len());
        self.local.encode(&mut props);
        let mut plain = zeroize::Zeroizing::new(Vec::with_capacity(128 + props.len()));
        plain.extend_from_slice(self.public.as_bytes());
        plain.extend_from_slice(&vouch_random);
        plain.extend_from_slice(&vouch);
        plain.extend_from_slice(&props);
        let n = self.next_nonce();
        let boxed = seal(&precom, &short_nonce(b"CurveZMQINITIATE", n), &plain);

        let mut data = Vec::with_capacity(96 + 8 + boxed.len());
        data.extend_from_slice(cookie);
        data.extend_from_slice(&n.to_be_bytes());
        data.extend_from_slice(&boxed);
        out.push_control(
            Command::Other {
                name: b"INITIATE",
                data: &data,
            }
            .to_msg(),
        );
        self.state = State::ExpectReady { session };
        Ok(Step::Continue)
    }
}

impl Handshake for CurveClient {
    fn start(&mut self, out: &mut Encoder) {
        let n = self.next_nonce();
        let to_server = precompute(self.server_key.as_bytes(), &self.transient);
        let signature = seal(&to_server, &short_nonce(b"CurveZMQHELLO---", n), &[0u8; 64]);
        let mut data = Vec::with_capacity(HELLO_LEN - 6);
        data.extend_from_slice(&[1, 0]);
        data.extend_from_slice(&[0u8; 72]);
        data.extend_from_slice(public_key(&self.transient).as_bytes());
        data.extend_from_slice(&n.to_be_bytes());
        data.extend_from_slice(&signature);
        debug_assert_eq!(6 + data.len(), HELLO_LEN);
        out.push_control(
            Command::Other {
                name: b"HELLO",
                data: &data,
            }
            .to_msg(),
        );
    }

    fn handle_command(
        &mut self,
        cmd: Command<'_>,
        out: &mut Encoder,
    ) -> Result<Step, HandshakeError> {
        match (&self.state, cmd) {
            (State::ExpectWelcome | State::ExpectReady { .. }, Command::Error { reason }) => {
                Err(HandshakeError::PeerError {
                    reason: reason.to_vec(),
                })
            }
            (
                State::ExpectWelcome,
                Command::Other {
                    name: b"WELCOME",
                    data,
                },
            ) => self.on_welcome(data, out),
            (State::ExpectReady { session }, Command::Ready { metadata: data }) => {
                if 6 + data.len() < READY_MIN_LEN {
                    return Err(HandshakeError::MalformedCommand {
                        command: "READY",
                        len: 6 + data.len(),
                    });
                }
                let mut n = [0u8; 8];
                n.copy_from_slice(&data[..8]);
                let peer_nonce = u64::from_be_bytes(n);
                let plain = open(
                    &session.cipher(),
                    &short_nonce(b"CurveZMQREADY---", peer_nonce),
                    &data[8..],
                )
                .ok_or(HandshakeError::Cryptographic {
                    command: "READY",
                    part: "box",
                })?;
                let metadata = parse_metadata("READY", &plain)?;
                let peer = check_peer(self.socket_type, metadata, error_msg, out)?;
                let session = session.clone();
                self.state = State::Done {
                    session,
                    peer_nonce,
                };
                Ok(Step::Done(peer))
            }
            (_, other) => Err(HandshakeError::UnexpectedCommand {
                name: other.name().to_vec(),
            }),
        }
    }

    fn take_cipher(&mut self) -> Option<(CurveTx, CurveRx)> {
        let State::Done {
            session,
            peer_nonce,
        } = core::mem::replace(&mut self.state, State::Taken)
        else {
            return None;
        };
        Some(session.split(
            b"CurveZMQMESSAGEC",
            self.nonce,
            b"CurveZMQMESSAGES",
            peer_nonce,
        ))
    }
}
