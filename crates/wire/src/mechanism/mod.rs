//! The mechanism seam (RFC 37 §Authentication and Confidentiality, RFC 24,
//! RFC 25/26): [`Mechanism`] picks one, and the crate-private `Handshake`
//! trait is what the connection drives, so NULL, PLAIN and CURVE sit beside
//! each other without touching framing or the connection's phases.
//!
//! A mechanism sees only the command frames that arrive between the greeting
//! and the end of its handshake, and queues its own commands on the encoder.
//! A server handshake may pause for an authentication decision
//! ([`Step::Auth`], resumed by `handle_auth`); CURVE hands the connection a
//! cipher for its MESSAGE phase once done (`take_cipher`). Shared here: the
//! local READY metadata, the check of the peer's metadata (socket type
//! compatibility, identity) and the answer to a refused authentication.

pub(crate) mod curve;
mod curve_client;
mod curve_server;
mod null;
mod plain;

pub(crate) use curve::{CurveRx, CurveTx};
pub(crate) use null::NullHandshake;

use core::fmt;

use ferrozmq_msg::Msg;

use crate::SocketType;
use crate::auth::{AuthDecision, AuthRequest, Password};
use crate::command::Command;
use crate::encoder::Encoder;
use crate::error::{CommandError, ConfigError, HandshakeError};
use crate::greeting::MechanismName;
use crate::key::CurveKey;
use crate::metadata::{self, Metadata};

/// The security mechanism a connection uses, with its role and
/// credentials. Both sides must use the same mechanism; the greeting
/// carries its name. The role comes from here, not from the greeting's
/// as-server byte (libzmq always sends 0 there and never reads it).
///
/// # Examples
///
/// ```
/// use ferrozmq_wire::{CurveKeyPair, Mechanism};
///
/// let server = CurveKeyPair::generate();
/// let client = CurveKeyPair::generate();
/// let on_server = Mechanism::CurveServer { secret: server.secret.clone() };
/// let on_client = Mechanism::CurveClient {
///     public: client.public,
///     secret: client.secret,
///     server_key: server.public,
/// };
/// assert_eq!(on_server.name(), on_client.name());
/// assert!(on_server.is_server() && !on_client.is_server());
/// let plain = Mechanism::PlainClient { username: b"admin".to_vec(), password: "secret".into() };
/// assert!(!format!("{plain:?}").contains("secret"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mechanism {
    /// No security: each side sends READY with its metadata (RFC 23/37).
    Null,
    /// PLAIN client (RFC 24): sends the username and password in clear.
    PlainClient {
        /// The username (at most 255 bytes).
        username: Vec<u8>,
        /// The password (at most 255 bytes).
        password: Password,
    },
    /// PLAIN server (RFC 24): checks the client's username and password
    /// through the authentication hook, or accepts any (see
    /// [`Config::authenticate`](crate::Config::authenticate)).
    PlainServer,
    /// CURVE client (RFC 25, RFC 26): authenticates the server by its key
    /// and encrypts all traffic.
    CurveClient {
        /// Our long-term public key C.
        public: CurveKey,
        /// Our long-term secret key c; `public` must be its public key.
        secret: CurveKey,
        /// The server's long-term public key S, known in advance.
        server_key: CurveKey,
    },
    /// CURVE server (RFC 25, RFC 26). Its public key, which clients must
    /// know, is derived from the secret key.
    CurveServer {
        /// Our long-term secret key s.
        secret: CurveKey,
    },
}

impl Mechanism {
    /// The name in the greeting's mechanism field.
    pub fn name(&self) -> MechanismName {
        match self {
            Mechanism::Null => MechanismName::NULL,
            Mechanism::PlainClient { .. } | Mechanism::PlainServer => MechanismName::PLAIN,
            Mechanism::CurveClient { .. } | Mechanism::CurveServer { .. } => MechanismName::CURVE,
        }
    }

    /// Whether this is a server role (PLAIN or CURVE server).
    pub fn is_server(&self) -> bool {
        matches!(self, Mechanism::PlainServer | Mechanism::CurveServer { .. })
    }

    /// Checks what can be checked before connecting: PLAIN credentials of
    /// at most 255 bytes, a CURVE client's public key matching its secret.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        match self {
            Mechanism::PlainClient { username, password } => {
                for (field, len) in [
                    ("username", username.len()),
                    ("password", password.as_bytes().len()),
                ] {
                    if len > 255 {
                        return Err(ConfigError::CredentialTooLong { field, len });
                    }
                }
                Ok(())
            }
            Mechanism::CurveClient { public, secret, .. } if secret.public_key() != *public => {
                Err(ConfigError::CurveKeyMismatch)
            }
            _ => Ok(()),
        }
    }
}

/// What a completed handshake learned about the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Peer {
    pub(crate) socket_type: SocketType,
    pub(crate) identity: Vec<u8>,
    pub(crate) metadata: Metadata,
    /// From an accepting authentication decision (servers only).
    pub(crate) user_id: Vec<u8>,
    pub(crate) auth_properties: Metadata,
}

/// Where a handshake stands after an input.
#[derive(Debug)]
pub(crate) enum Step {
    /// Waiting for the peer's next command.
    Continue,
    /// Paused until `handle_auth` gives a decision.
    Auth(AuthRequest),
    /// Complete: both sides' last commands sent and received.
    Done(Peer),
}

/// One connection's handshake for one mechanism.
pub(crate) trait Handshake: Send + Sync + fmt::Debug {
    /// The greeting exchange is complete: queue the first commands.
    fn start(&mut self, out: &mut Encoder);

    /// Right after [`start`](Self::start): a request to authenticate the
    /// peer before anything else (NULL with ZAP, which asks before it sends
    /// READY, as libzmq's `null_mechanism_t` does).
    fn start_auth(&mut self) -> Option<AuthRequest> {
        None
    }

    /// Whether the peer's commands may arrive while the decision is awaited
    /// (NULL: the peer sends READY without waiting for ours). Otherwise a
    /// command then fails the handshake: the client has nothing to send.
    fn commands_while_authenticating(&self) -> bool {
        false
    }

    /// A command frame arrived during the handshake. Before returning an
    /// error the mechanism may queue an ERROR command for the peer.
    fn handle_command(
        &mut self,
        cmd: Command<'_>,
        out: &mut Encoder,
    ) -> Result<Step, HandshakeError>;

    /// The decision on the [`Step::Auth`] this handshake returned. Only
    /// called while paused there.
    fn handle_auth(
        &mut self,
        decision: AuthDecision,
        out: &mut Encoder,
    ) -> Result<Step, HandshakeError> {
        let _ = (decision, out);
        Ok(Step::Continue)
    }

    /// A command body that does not parse as ZMTP says, but that this
    /// mechanism knows a peer to send anyway (libzmq's PLAIN ERROR).
    fn parse_quirk<'a>(&self, body: &'a [u8]) -> Option<Command<'a>> {
        let _ = body;
        None
    }

    /// After [`Step::Done`]: the MESSAGE-phase cipher, for CURVE.
    fn take_cipher(&mut self) -> Option<(CurveTx, CurveRx)> {
        None
    }
}

/// The handshake for `mechanism`, announcing `local` metadata; servers ask
/// for an authentication decision when `authenticate` is set.
pub(crate) fn handshake(
    mechanism: &Mechanism,
    socket_type: SocketType,
    local: Metadata,
    authenticate: bool,
) -> Box<dyn Handshake> {
    match mechanism {
        Mechanism::Null => Box::new(NullHandshake::new(socket_type, local, authenticate)),
        Mechanism::PlainClient { username, password } => Box::new(plain::PlainClient::new(
            socket_type,
            local,
            username.clone(),
            password.clone(),
        )),
        Mechanism::PlainServer => {
            Box::new(plain::PlainServer::new(socket_type, local, authenticate))
        }
        Mechanism::CurveClient {
            public,
            secret,
            server_key,
        } => Box::new(curve_client::CurveClient::new(
            socket_type,
            local,
            public.clone(),
            secret.clone(),
            server_key.clone(),
        )),
        Mechanism::CurveServer { secret } => Box::new(curve_server::CurveServer::new(
            socket_type,
            local,
            secret.clone(),
            authenticate,
        )),
    }
}

/// Parses a READY or INITIATE property list.
pub(crate) fn parse_metadata(
    command: &'static str,
    bytes: &[u8],
) -> Result<Metadata, HandshakeError> {
    Metadata::parse(bytes)
        .map_err(|error| HandshakeError::Malformed(CommandError::Metadata { command, error }))
}

/// How a side spells the ERROR commands it sends: [`error_msg`] (RFC 23
/// §Error Handling, every mechanism but one) or the PLAIN server's
/// libzmq form (see `plain.rs`).
pub(crate) type ErrorMsg = fn(&[u8]) -> Msg;

/// An ERROR command as RFC 23 and RFC 37 lay it out: `\x05ERROR`, reason
/// length, reason.
pub(crate) fn error_msg(reason: &[u8]) -> Msg {
    Command::Error { reason }.to_msg()
}

/// The failure for a refused authentication: as libzmq's
/// `zap_client_common_handshake_t`, a 3xx status sends nothing (and the
/// connection closes; libzmq 4.3 leaves it open and silent until a
/// handshake timer ends it), any other
/// sends ERROR (spelt by `error`) with the three-digit status code.
pub(crate) fn refuse(
    status_code: u16,
    reason: String,
    error: ErrorMsg,
    out: &mut Encoder,
) -> HandshakeError {
    let code = if (300..600).contains(&status_code) {
        status_code
    } else {
        500
    };
    if !(300..400).contains(&code) {
        out.push_control(error(code.to_string().as_bytes()));
    }
    HandshakeError::AuthRefused {
        status_code: code,
        reason,
    }
}

/// Our READY/INITIATE metadata: `Socket-Type`, then `Identity` from the
/// types libzmq sends it from (even when empty), then the application's
/// properties (RFC 37 §Connection Metadata).
pub(crate) fn local_metadata(
    socket_type: SocketType,
    identity: &[u8],
    extra: &Metadata,
) -> Metadata {
    let mut m = Metadata::new();
    // Both names are valid and the values short: these pushes cannot fail.
    let _ = m.push(
        metadata::SOCKET_TYPE,
        socket_type.name().as_bytes().to_vec(),
    );
    if socket_type.sends_identity() {
        let _ = m.push(metadata::IDENTITY, identity.to_vec());
    }
    for p in extra {
        if let Ok(name) = core::str::from_utf8(p.name()) {
            let _ = m.push(name, p.value().to_vec());
        }
    }
    m
}

/// Checks the peer's metadata against our socket type (RFC 37 §The
/// Socket-Type Property, libzmq `mechanism_t::check_socket_type`) and
/// extracts its identity. On refusal an ERROR (spelt by `error`) goes to
/// the peer first, as the same RFC clause asks ("SHOULD handle errors by
/// returning an ERROR command, and then disconnecting the peer").
pub(crate) fn check_peer(
    ours: SocketType,
    metadata: Metadata,
    error: ErrorMsg,
    out: &mut Encoder,
) -> Result<Peer, HandshakeError> {
    let refuse = |out: &mut Encoder, reason: &[u8], e: HandshakeError| {
        out.push_control(error(reason));
        Err(e)
    };
    let Some(name) = metadata.get(metadata::SOCKET_TYPE) else {
        return refuse(
            out,
            b"missing socket type",
            HandshakeError::MissingSocketType,
        );
    };
    let Some(peer) = SocketType::from_name(name) else {
        let name = name.to_vec();
        return refuse(
            out,
            b"invalid socket type",
            HandshakeError::UnknownSocketType { name },
        );
    };
    if !ours.is_compatible(peer) {
        return refuse(
            out,
            b"incompatible socket type",
            HandshakeError::IncompatibleSocketType { ours, peer },
        );
    }
    let identity = metadata.get(metadata::IDENTITY).unwrap_or_default();
    // RFC 37 §The Identity Property: 0 to 255 octets. A longer one would
    // become a ROUTER routing id no local socket could be given
    // (ZMQ_ROUTING_ID is at most 255 bytes).
    if identity.len() > 255 {
        let len = identity.len();
        return refuse(
            out,
            b"invalid identity",
            HandshakeError::IdentityTooLong { len },
        );
    }
    let identity = identity.to_vec();
    Ok(Peer {
        socket_type: peer,
        identity,
        metadata,
        user_id: Vec::new(),
        auth_properties: Metadata::new(),
    })
}
