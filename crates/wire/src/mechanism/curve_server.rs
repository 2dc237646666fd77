//! The CURVE server handshake (RFC 26 CurveZMQ, RFC 25 ZMTP-CURVE), with
//! libzmq `curve_server_t`'s layouts and checks:
//!
//! - HELLO: exactly 200 bytes, version 1.0, and its signature box must open
//!   with our secret key and the client's transient key C' (it does not
//!   when the client has the wrong server key).
//! - WELCOME: a fresh transient pair S'/s' and a fresh cookie key K; the
//!   cookie is SecretBox\[C' + s'\](K) and goes to the client inside
//!   Box\[S' + cookie\](S→C'). Then S', s' and C' are forgotten: until a
//!   valid INITIATE the server keeps only K (and HELLO's nonce), as RFC 26
//!   §The WELCOME Command intends, so a flood of HELLOs costs no state
//!   beyond the connection. K is new for every WELCOME and dropped
//!   (zeroed) at INITIATE, so a cookie is good for one INITIATE of one
//!   handshake.
//! - INITIATE: the cookie must open with K (a stale or foreign cookie does
//!   not); it gives back C' and s'. The box must open with them, the vouch
//!   inside with the client's long-term key C, and the vouch must hold
//!   exactly C' and our public key S (libzmq checks C' only). The metadata
//!   is checked as for every mechanism.
//! - Then, when asked to, the handshake pauses for an authentication
//!   decision on C; otherwise every client key is accepted (libzmq without
//!   a ZAP handler: the "Stonehouse" pattern). READY carries our metadata in
//!   Box\[metadata\](S'→C') under short nonce 1.
//!
//! A server never answers a bad HELLO or INITIATE with ERROR (libzmq just
//! closes); ERROR is only for a refused authentication or socket type.

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::SocketType;
use crate::auth::{AuthDecision, AuthRequest, Credentials};
use crate::command::Command;
use crate::encoder::Encoder;
use crate::error::HandshakeError;
use crate::greeting::MechanismName;
use crate::key::CurveKey;
use crate::mechanism::curve::{
    HELLO_LEN, INITIATE_MIN_LEN, Session, WELCOME_LEN, long_nonce, open, open_cookie, precompute,
    public_key, random_secret, random16, seal, seal_cookie, short_nonce,
};
use crate::mechanism::{
    CurveRx, CurveTx, Handshake, Peer, Step, check_peer, error_msg, parse_metadata, refuse,
};
use crate::metadata::Metadata;

enum State {
    ExpectHello,
    ExpectInitiate { cookie_key: Zeroizing<[u8; 32]> },
    AwaitAuth { session: Session, peer: Box<Peer> },
    Done { session: Session },
    Taken,
}

/// CURVE server.
pub(crate) struct CurveServer {
    socket_type: SocketType,
    local: Metadata,
    secret: CurveKey,
    public: CurveKey,
    authenticate: bool,
    /// Our next short nonce (READY is 1).
    nonce: u64,
    /// The client's last short nonce (HELLO's, then INITIATE's).
    peer_nonce: u64,
    state: State,
}

impl core::fmt::Debug for CurveServer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CurveServer")
            .field("socket_type", &self.socket_type)
            .field("public", &self.public.to_z85())
            .field("authenticate", &self.authenticate)
            .finish_non_exhaustive()
    }
}

fn malformed(command: &'static str, len: usize) -> HandshakeError {
    HandshakeError::MalformedCommand { command, len }
}

fn crypto(command: &'static str, part: &'static str) -> HandshakeError {
    HandshakeError::Cryptographic { command, part }
}

impl CurveServer {
    pub(crate) fn new(
        socket_type: SocketType,
        local: Metadata,
        secret: CurveKey,
        authenticate: bool,
    ) -> Self {
        Self {
            socket_type,
            local,
            public: secret.public_key(),
            secret,
            authenticate,
            nonce: 1,
            peer_nonce: 0,
            state: State::ExpectHello,
        }
    }

    fn on_hello(&mut self, data: &[u8], out: &mut Encoder) -> Result<Step, HandshakeError> {
        if 6 + data.len() != HELLO_LEN {
            return Err(malformed("HELLO", 6 + data.len()));
        }
        if data[..2] != [1, 0] {
            return Err(HandshakeError::UnsupportedVersion {
                major: data[0],
                minor: data[1],
            });
        }
        // Offsets in `data` are the body's minus 6 (the name).
        let mut client_transient = [0u8; 32];
        client_transient.copy_from_slice(&data[74..106]);
        let mut n = [0u8; 8];
        n.copy_from_slice(&data[106..114]);
        let hello_nonce = u64::from_be_bytes(n);
        let from_client = precompute(&client_transient, &self.secret.secret());
        open(
            &from_client,
            &short_nonce(b"CurveZMQHELLO---", hello_nonce),
            &data[114..194],
        )
        .ok_or(crypto("HELLO", "signature"))?;
        self.peer_nonce = hello_nonce;

        let transient = random_secret();
        let cookie_key = Zeroizing::new({
            let mut k = [0u8; 32];
            k[..16].copy_from_slice(&random16());
            k[16..].copy_from_slice(&random16());
            k
        });
        let mut cookie_plain = Zeroizing::new([0u8; 64]);
        cookie_plain[..32].copy_from_slice(&client_transient);
        cookie_plain[32..].copy_from_slice(&transient.to_bytes());
        let cookie_random = random16();
        let cookie = seal_cookie(
            &cookie_key,
            &long_nonce(b"COOKIE--", &cookie_random),
            &*cookie_plain,
        );
        let mut welcome_plain = Zeroizing::new(Vec::with_capacity(128));
        welcome_plain.extend_from_slice(public_key(&transient).as_bytes());
        welcome_plain.extend_from_slice(&cookie_random);
        welcome_plain.extend_from_slice(&cookie);
        let welcome_random = random16();
        let boxed = seal(
            &from_client,
            &long_nonce(b"WELCOME-", &welcome_random),
            &welcome_plain,
        );
        let mut data = Vec::with_capacity(WELCOME_LEN - 8);
        data.extend_from_slice(&welcome_random);
        data.extend_from_slice(&boxed);
        debug_assert_eq!(8 + data.len(), WELCOME_LEN);
        out.push_control(
            Command::Other {
                name: b"WELCOME",
                data: &data,
            }
            .to_msg(),
        );
        self.state = State::ExpectInitiate { cookie_key };
        Ok(Step::Continue)
    }

    fn on_initiate(
        &mut self,
        cookie_key: &[u8; 32],
        data: &[u8],
        out: &mut Encoder,
    ) -> Result<Step, HandshakeError> {
        if 9 + data.len() < INITIATE_MIN_LEN {
            return Err(malformed("INITIATE", 9 + data.len()));
        }
        let mut cookie_random = [0u8; 16];
        cookie_random.copy_from_slice(&data[..16]);
        let cookie = open_cookie(
            cookie_key,
            &long_nonce(b"COOKIE--", &cookie_random),
            &data[16..96],
        )
        .ok_or(crypto("INITIATE", "cookie"))?;
        let mut client_transient = [0u8; 32];
        client_transient.copy_from_slice(&cookie[..32]);
        let mut transient_bytes = Zeroizing::new([0u8; 32]);
        transient_bytes.copy_from_slice(&cookie[32..64]);
        let transient = crypto_box::SecretKey::from(*transient_bytes);

        let mut n = [0u8; 8];
        n.copy_from_slice(&data[96..104]);
        let nonce = u64::from_be_bytes(n);
        let session = Session {
            peer: client_transient,
            ours: transient,
        };
        let plain = open(
            &session.cipher(),
            &short_nonce(b"CurveZMQINITIATE", nonce),
            &data[104..],
        )
        .ok_or(crypto("INITIATE", "box"))?;
        self.peer_nonce = nonce;
        let mut client_key = [0u8; 32];
        client_key.copy_from_slice(&plain[..32]);
        let mut vouch_random = [0u8; 16];
        vouch_random.copy_from_slice(&plain[32..48]);
        let vouch_box = precompute(&client_key, &session.ours);
        let vouch = open(
            &vouch_box,
            &long_nonce(b"VOUCH---", &vouch_random),
            &plain[48..128],
        )
        .ok_or(crypto("INITIATE", "vouch"))?;
        let expected = [&client_transient[..], &self.public.as_bytes()[..]].concat();
        if !bool::from(vouch[..].ct_eq(&expected[..])) {
            return Err(HandshakeError::VouchMismatch);
        }
        let metadata = parse_metadata("INITIATE", &plain[128..])?;
        let peer = check_peer(self.socket_type, metadata, error_msg, out)?;
        if self.authenticate {
            self.state = State::AwaitAuth {
                session,
                peer: Box::new(peer),
            };
            return Ok(Step::Auth(AuthRequest {
                mechanism: MechanismName::CURVE,
                credentials: Credentials::Curve {
                    client_key: CurveKey::from_bytes(client_key),
                },
            }));
        }
        Ok(self.ready(session, peer, out))
    }

    fn ready(&mut self, session: Session, peer: Peer, out: &mut Encoder) -> Step {
        let n = self.nonce;
        self.nonce += 1;
        let mut props = Vec::with_capacity(self.local.encoded_len());
        self.local.encode(&mut props);
        let boxed = seal(
            &session.cipher(),
            &short_nonce(b"CurveZMQREADY---", n),
            &props,
        );
        let mut data = Vec::with_capacity(8 + boxed.len());
        data.extend_from_slice(&n.to_be_bytes());
        data.extend_from_slice(&boxed);
        out.push_control(Command::Ready { metadata: &data }.to_msg());
        self.state = State::Done { session };
        Step::Done(peer)
    }
}

impl Handshake for CurveServer {
    fn start(&mut self, _out: &mut Encoder) {}

    fn handle_command(
        &mut self,
        cmd: Command<'_>,
        out: &mut Encoder,
    ) -> Result<Step, HandshakeError> {
        match (&self.state, cmd) {
            (
                State::ExpectHello,
                Command::Other {
                    name: b"HELLO",
                    data,
                },
            ) => self.on_hello(data, out),
            (
                State::ExpectInitiate { .. },
                Command::Other {
                    name: b"INITIATE",
                    data,
                },
            ) => {
                // The cookie key is used once, then dropped (and zeroed)
                // whatever the outcome.
                let State::ExpectInitiate { cookie_key } =
                    core::mem::replace(&mut self.state, State::Taken)
                else {
                    return Err(malformed("INITIATE", 9 + data.len()));
                };
                self.on_initiate(&cookie_key, data, out)
            }
            (_, Command::Error { reason }) => Err(HandshakeError::PeerError {
                reason: reason.to_vec(),
            }),
            (_, other) => Err(HandshakeError::UnexpectedCommand {
                name: other.name().to_vec(),
            }),
        }
    }

    fn handle_auth(
        &mut self,
        decision: AuthDecision,
        out: &mut Encoder,
    ) -> Result<Step, HandshakeError> {
        let State::AwaitAuth { session, peer } = core::mem::replace(&mut self.state, State::Taken)
        else {
            return Ok(Step::Continue);
        };
        match decision {
            AuthDecision::Accept {
                user_id,
                properties,
            } => {
                let mut peer = *peer;
                peer.user_id = user_id;
                peer.auth_properties = properties;
                Ok(self.ready(session, peer, out))
            }
            AuthDecision::Refuse {
                status_code,
                reason,
            } => Err(refuse(status_code, reason, error_msg, out)),
        }
    }

    fn take_cipher(&mut self) -> Option<(CurveTx, CurveRx)> {
        let State::Done { session } = core::mem::replace(&mut self.state, State::Taken) else {
            return None;
        };
        Some(session.split(
            b"CurveZMQMESSAGES",
            self.nonce,
            b"CurveZMQMESSAGEC",
            self.peer_nonce,
        ))
    }
}
