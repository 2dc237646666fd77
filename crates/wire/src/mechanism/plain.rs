//! The PLAIN mechanism (RFC 24 ZMTP-PLAIN): the client sends HELLO with a
//! username and password in clear, the server answers WELCOME (or ERROR),
//! the client sends INITIATE with its metadata, the server answers READY
//! with its own (or ERROR). Layouts and checks follow libzmq
//! `plain_client.cpp` and `plain_server.cpp`: HELLO must parse exactly (the
//! password length must match the bytes left), WELCOME has no data.
//!
//! The server pauses after HELLO for an authentication decision when asked
//! to ([`Step::Auth`]); otherwise it accepts any credentials. That second
//! case differs from libzmq, whose PLAIN server fails every handshake when
//! no ZAP handler is bound. PLAIN gives no confidentiality: traffic after
//! the handshake is plain ZMTP framing.
//!
//! libzmq's PLAIN server sends its ERROR as `^RROR` + reason (frame `04 09
//! 5E 'RROR' 03 '400'`): `plain_common.hpp` spells the prefix
//! `"\x05ERROR"`, and C's hex escape swallows the `E` (`\x05E` is `0x5E`).
//! Its PLAIN client recognises only those bytes, so libzmq agrees with
//! itself and with no one else. Our server sends the same form, every
//! ERROR of it (a refused authentication, a refused socket type): every
//! libzmq-based client (pyzmq, CZMQ, the bindings) then reports a refusal
//! as libzmq's own server would make it report it, with
//! `ZMQ_EVENT_HANDSHAKE_FAILED_AUTH` and the status code, where RFC 24's
//! `\x05ERROR` would be an unexpected command to it. A client following
//! the RFC fails the handshake either way: the RFC's ERROR or a command it
//! cannot parse both end it. Our client reads both forms (`parse_quirk`),
//! so the status code of a refusal surfaces as
//! [`HandshakeError::PeerError`] from either kind of server.

use ferrozmq_msg::{Msg, MsgMut};

use crate::SocketType;
use crate::auth::{AuthDecision, AuthRequest, Credentials, Password};
use crate::command::{Command, ready_msg};
use crate::encoder::Encoder;
use crate::error::HandshakeError;
use crate::greeting::MechanismName;
use crate::mechanism::{Handshake, Step, check_peer, error_msg, parse_metadata, refuse};
use crate::metadata::Metadata;

fn unexpected(cmd: &Command<'_>) -> HandshakeError {
    HandshakeError::UnexpectedCommand {
        name: cmd.name().to_vec(),
    }
}

fn peer_error(reason: &[u8]) -> HandshakeError {
    HandshakeError::PeerError {
        reason: reason.to_vec(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientState {
    ExpectWelcome,
    ExpectReady,
}

/// PLAIN client.
#[derive(Debug)]
pub(crate) struct PlainClient {
    socket_type: SocketType,
    local: Metadata,
    username: Vec<u8>,
    password: Password,
    state: ClientState,
}

impl PlainClient {
    pub(crate) fn new(
        socket_type: SocketType,
        local: Metadata,
        username: Vec<u8>,
        password: Password,
    ) -> Self {
        Self {
            socket_type,
            local,
            username,
            password,
            state: ClientState::ExpectWelcome,
        }
    }
}

/// The bytes libzmq's PLAIN ERROR starts with (see the module docs):
/// `"\x05ERROR"` as a C compiler reads it.
const LIBZMQ_ERROR_PREFIX: &[u8] = b"^RROR";

/// libzmq's PLAIN ERROR (see the module docs): `^RROR`, reason length,
/// reason, as libzmq `plain_server_t::produce_error` writes it (a reason
/// over 255 bytes is cut, as for [`Command::to_msg`]).
fn libzmq_error_msg(reason: &[u8]) -> Msg {
    let reason = &reason[..reason.len().min(255)];
    let mut m = MsgMut::with_capacity(LIBZMQ_ERROR_PREFIX.len() + 1 + reason.len());
    m.put_slice(LIBZMQ_ERROR_PREFIX);
    m.put_slice(&[reason.len() as u8]);
    m.put_slice(reason);
    let mut msg = m.freeze();
    msg.set_command(true);
    msg
}

/// Reads libzmq's PLAIN ERROR (see the module docs) as libzmq
/// `plain_client_t::process_error` does.
fn libzmq_error(body: &[u8]) -> Option<Command<'_>> {
    let rest = body.strip_prefix(LIBZMQ_ERROR_PREFIX)?;
    let (&len, reason) = rest.split_first()?;
    let reason = reason.get(..usize::from(len))?;
    Some(Command::Error { reason })
}

impl Handshake for PlainClient {
    fn start(&mut self, out: &mut Encoder) {
        // RFC 24 §The HELLO Command: lengths were checked by
        // `Mechanism::validate` (at most 255 each).
        let mut data = Vec::with_capacity(2 + self.username.len() + self.password.as_bytes().len());
        data.push(self.username.len() as u8);
        data.extend_from_slice(&self.username);
        data.push(self.password.as_bytes().len() as u8);
        data.extend_from_slice(self.password.as_bytes());
        out.push_control(
            Command::Other {
                name: b"HELLO",
                data: &data,
            }
            .to_msg(),
        );
        zeroize::Zeroize::zeroize(&mut data);
    }

    fn parse_quirk<'a>(&self, body: &'a [u8]) -> Option<Command<'a>> {
        libzmq_error(body)
    }

    fn handle_command(
        &mut self,
        cmd: Command<'_>,
        out: &mut Encoder,
    ) -> Result<Step, HandshakeError> {
        match (self.state, cmd) {
            (_, Command::Error { reason }) => Err(peer_error(reason)),
            (
                ClientState::ExpectWelcome,
                Command::Other {
                    name: b"WELCOME",
                    data,
                },
            ) => {
                if !data.is_empty() {
                    return Err(HandshakeError::MalformedCommand {
                        command: "WELCOME",
                        len: 8 + data.len(),
                    });
                }
                let mut props = Vec::with_capacity(self.local.encoded_len());
                self.local.encode(&mut props);
                out.push_control(
                    Command::Other {
                        name: b"INITIATE",
                        data: &props,
                    }
                    .to_msg(),
                );
                self.state = ClientState::ExpectReady;
                Ok(Step::Continue)
            }
            (ClientState::ExpectReady, Command::Ready { metadata }) => {
                let metadata = parse_metadata("READY", metadata)?;
                check_peer(self.socket_type, metadata, error_msg, out).map(Step::Done)
            }
            (_, other) => Err(unexpected(&other)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ServerState {
    ExpectHello,
    AwaitAuth,
    ExpectInitiate,
}

/// PLAIN server.
#[derive(Debug)]
pub(crate) struct PlainServer {
    socket_type: SocketType,
    local: Metadata,
    authenticate: bool,
    state: ServerState,
    user_id: Vec<u8>,
    auth_properties: Metadata,
}

impl PlainServer {
    pub(crate) fn new(socket_type: SocketType, local: Metadata, authenticate: bool) -> Self {
        Self {
            socket_type,
            local,
            authenticate,
            state: ServerState::ExpectHello,
            user_id: Vec::new(),
            auth_properties: Metadata::new(),
        }
    }

    fn welcome(&mut self, out: &mut Encoder) -> Step {
        out.push_control(
            Command::Other {
                name: b"WELCOME",
                data: b"",
            }
            .to_msg(),
        );
        self.state = ServerState::ExpectInitiate;
        Step::Continue
    }
}

/// Username and password from HELLO's data, exactly as libzmq
/// `plain_server_t::process_hello` reads them.
fn parse_hello(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&ulen, rest) = data.split_first()?;
    let (username, rest) = rest.split_at_checked(usize::from(ulen))?;
    let (&plen, password) = rest.split_first()?;
    (password.len() == usize::from(plen)).then_some((username, password))
}

impl Handshake for PlainServer {
    fn start(&mut self, _out: &mut Encoder) {}

    fn handle_command(
        &mut self,
        cmd: Command<'_>,
        out: &mut Encoder,
    ) -> Result<Step, HandshakeError> {
        match (self.state, cmd) {
            (
                ServerState::ExpectHello,
                Command::Other {
                    name: b"HELLO",
                    data,
                },
            ) => {
                let (username, password) =
                    parse_hello(data).ok_or(HandshakeError::MalformedCommand {
                        command: "HELLO",
                        len: 6 + data.len(),
                    })?;
                if !self.authenticate {
                    return Ok(self.welcome(out));
                }
                self.state = ServerState::AwaitAuth;
                Ok(Step::Auth(AuthRequest {
                    mechanism: MechanismName::PLAIN,
                    credentials: Credentials::Plain {
                        username: username.to_vec(),
                        password: Password::from(password),
                    },
                }))
            }
            (
                ServerState::ExpectInitiate,
                Command::Other {
                    name: b"INITIATE",
                    data,
                },
            ) => {
                let metadata = parse_metadata("INITIATE", data)?;
                let mut peer = check_peer(self.socket_type, metadata, libzmq_error_msg, out)?;
                out.push_control(ready_msg(&self.local));
                peer.user_id = core::mem::take(&mut self.user_id);
                peer.auth_properties = core::mem::take(&mut self.auth_properties);
                Ok(Step::Done(peer))
            }
            (_, Command::Error { reason }) => Err(peer_error(reason)),
            (_, other) => Err(unexpected(&other)),
        }
    }

    fn handle_auth(
        &mut self,
        decision: AuthDecision,
        out: &mut Encoder,
    ) -> Result<Step, HandshakeError> {
        match decision {
            AuthDecision::Accept {
                user_id,
                properties,
            } => {
                self.user_id = user_id;
                self.auth_properties = properties;
                Ok(self.welcome(out))
            }
            AuthDecision::Refuse {
                status_code,
                reason,
            } => Err(refuse(status_code, reason, libzmq_error_msg, out)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_parses_exactly() {
        assert_eq!(
            parse_hello(b"\x05admin\x06secret"),
            Some((&b"admin"[..], &b"secret"[..]))
        );
        assert_eq!(parse_hello(b"\x00\x00"), Some((&b""[..], &b""[..])));
        assert_eq!(parse_hello(b"\x05admin\x06secretX"), None);
        assert_eq!(parse_hello(b"\x05admin\x06secre"), None);
        assert_eq!(parse_hello(b"\x05adm"), None);
        assert_eq!(parse_hello(b""), None);
    }

    #[test]
    fn libzmq_mangled_error_is_read() {
        // Captured from libzmq 4.3.5 refusing a PLAIN client (ZAP 400).
        let body = b"\x5eRROR\x03400";
        assert_eq!(libzmq_error(body), Some(Command::Error { reason: b"400" }));
        assert_eq!(libzmq_error(b"\x5eRROR\x05400"), None);
        assert_eq!(libzmq_error(b"\x05ERROR\x03400"), None);
    }

    #[test]
    fn our_server_error_is_libzmqs() {
        let m = libzmq_error_msg(b"400");
        assert!(m.is_command());
        assert_eq!(&m[..], b"\x5eRROR\x03400");
        assert_eq!(libzmq_error(&m), Some(Command::Error { reason: b"400" }));
        let long = [b'x'; 300];
        let m = libzmq_error_msg(&long);
        assert_eq!((m.len(), m[5]), (5 + 1 + 255, 255));
    }
}
