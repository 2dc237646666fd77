//! The ZAP client of a session (RFC 27, libzmq's contract): how a server
//! handshake paused on an [`AuthRequest`] asks the handler bound at
//! `inproc://zeromq.zap.01` in the socket's own context, and how the reply
//! becomes the [`AuthDecision`] the connection resumes with.
//!
//! As libzmq's `session_base_t::zap_connect`, the session joins the
//! handler socket (REP or ROUTER) with a pipe pair of its own, unbounded
//! both ways; the handler sees it as a DEALER peer without a routing id.
//! The session side of both pipes is the session's own signal, so the
//! reply wakes the session on its I/O thread like any message: the I/O
//! thread never waits for the handler. A request is the empty delimiter
//! and then version `1.0`, request id, domain, peer address, routing id
//! (the socket's own `ZMQ_ROUTING_ID`, as libzmq sends it), mechanism and
//! the credentials (RFC 27 §Request Format). A reply must be the delimiter
//! and exactly six frames, version `1.0`, the request id, a status code of
//! `200`, `300`, `400` or `500`, status text, user id and metadata (RFC 27
//! §Reply Format; libzmq `zap_client_t::receive_and_process_zap_reply`);
//! anything else fails the handshake with a [`ZapError`].
//!
//! This file does not decide when ZAP is asked (the options' `Security`
//! does) nor touch the wire connection (the session does).

use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_wire::{AuthDecision, AuthRequest, Credentials, Metadata, MetadataError};

use crate::inproc::Registry;
use crate::pipe::{Item, PipeReader, PipeWriter, TryRecvError};
use crate::signal::Signal;
use crate::sync::StdArc;

/// Where ZAP handlers bind (RFC 27 §Overall Design).
pub const ZAP_ENDPOINT: &str = "inproc://zeromq.zap.01";

/// The inproc name of [`ZAP_ENDPOINT`].
pub(crate) const ZAP_NAME: &str = "zeromq.zap.01";

/// The ZAP version this client speaks.
const VERSION: &[u8] = b"1.0";

/// Why asking the ZAP handler failed the handshake (libzmq reports these as
/// `ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL` with a `ZMQ_PROTOCOL_ERROR_ZAP_*`
/// code, or `..._NO_DETAIL` for a missing handler).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ZapError {
    /// No handler is bound at `inproc://zeromq.zap.01` and the mechanism
    /// needs one (PLAIN always; CURVE and NULL with
    /// `ZMQ_ZAP_ENFORCE_DOMAIN`).
    #[error("no ZAP handler is bound at inproc://zeromq.zap.01")]
    NoHandler,
    /// The handler socket went away before replying.
    #[error("the ZAP handler went away before replying")]
    HandlerGone,
    /// The reply is not seven frames starting with an empty delimiter.
    #[error("malformed ZAP reply: {frames} frames or a non-empty delimiter")]
    MalformedReply {
        /// How many frames the reply had.
        frames: usize,
    },
    /// The reply's version is not `1.0`.
    #[error("ZAP reply with a bad version")]
    BadVersion,
    /// The reply's request id is not the request's.
    #[error("ZAP reply for another request")]
    BadRequestId,
    /// The status code is not `200`, `300`, `400` or `500`.
    #[error("ZAP reply with an invalid status code")]
    InvalidStatusCode,
    /// The metadata frame is not valid ZMTP metadata.
    #[error("ZAP reply with invalid metadata: {0:?}")]
    InvalidMetadata(MetadataError),
}

/// What a session needs to ask ZAP: set on sessions of sockets for which
/// the socket's security options'
/// `uses_zap` holds.
#[derive(Clone)]
pub(crate) struct ZapSettings {
    /// The socket's context's inproc names.
    pub(crate) registry: StdArc<Registry>,
    /// `ZMQ_ZAP_DOMAIN`.
    pub(crate) domain: Vec<u8>,
    /// The socket's own `ZMQ_ROUTING_ID`.
    pub(crate) routing_id: Vec<u8>,
    /// A missing handler fails the handshake (else the peer is accepted).
    pub(crate) handler_required: bool,
}

/// One session's pipes to the handler, with the request in flight.
pub(crate) struct ZapClient {
    tx: PipeWriter<Item>,
    rx: PipeReader<Item>,
    /// The id of the request awaiting its reply; `None` when none is.
    awaiting: Option<Vec<u8>>,
    next_id: u64,
}

/// What [`ZapClient::poll_reply`] found.
pub(crate) enum Reply {
    /// Nothing yet.
    Pending,
    /// The decision for the awaited request.
    Decision(AuthDecision),
}

impl ZapClient {
    /// Joins the handler bound in `settings.registry`, with `signal` as the
    /// session side of both pipes; `None` when no handler is bound.
    pub(crate) fn connect(settings: &ZapSettings, signal: StdArc<dyn Signal>) -> Option<Self> {
        let (tx, rx) = settings.registry.zap_connect(ZAP_NAME, signal)?;
        Some(Self {
            tx,
            rx,
            awaiting: None,
            next_id: 1,
        })
    }

    /// Sends the request for `req` from a peer at `address`.
    ///
    /// # Errors
    ///
    /// [`ZapError::HandlerGone`] when the handler socket is gone.
    pub(crate) fn send_request(
        &mut self,
        settings: &ZapSettings,
        address: &str,
        req: &AuthRequest,
    ) -> Result<(), ZapError> {
        let id = self.next_id.to_string().into_bytes();
        self.next_id += 1;
        let mut msg = Multipart::new();
        let mut push = |bytes: &[u8]| msg.push(Msg::copy_from_slice(bytes));
        push(b"");
        push(VERSION);
        push(&id);
        push(&settings.domain);
        push(address.as_bytes());
        push(&settings.routing_id);
        push(req.mechanism.trimmed());
        match &req.credentials {
            Credentials::Plain { username, password } => {
                push(username);
                push(password.as_bytes());
            }
            Credentials::Curve { client_key } => push(client_key.as_bytes()),
            // A mechanism without credentials (NULL) sends none.
            _ => {}
        }
        msg.mark_more();
        // Unbounded: a send fails only when the handler is gone.
        self.tx
            .try_send(Item::Msg(msg))
            .map_err(|_| ZapError::HandlerGone)?;
        self.awaiting = Some(id);
        Ok(())
    }

    /// Takes the reply to the awaited request, if it arrived.
    ///
    /// # Errors
    ///
    /// A [`ZapError`] for a malformed reply or a handler gone.
    pub(crate) fn poll_reply(&mut self) -> Result<Reply, ZapError> {
        let Some(id) = &self.awaiting else {
            return Ok(Reply::Pending);
        };
        loop {
            match self.rx.try_recv() {
                Ok(Item::Msg(reply)) => {
                    let decision = parse_reply(&reply, id)?;
                    self.awaiting = None;
                    return Ok(Reply::Decision(decision));
                }
                // The handler's `Attached` and anything else not a reply.
                Ok(_) => {}
                Err(TryRecvError::Empty) => return Ok(Reply::Pending),
                Err(TryRecvError::Disconnected) => return Err(ZapError::HandlerGone),
            }
        }
    }
}

/// Checks a reply as libzmq's `zap_client_t::receive_and_process_zap_reply`
/// does and turns it into a decision.
fn parse_reply(reply: &Multipart, id: &[u8]) -> Result<AuthDecision, ZapError> {
    let frames: Vec<&[u8]> = reply.iter().map(|m| &m[..]).collect();
    let [
        delimiter,
        version,
        reply_id,
        status,
        text,
        user_id,
        metadata,
    ] = frames[..]
    else {
        return Err(ZapError::MalformedReply {
            frames: frames.len(),
        });
    };
    if !delimiter.is_empty() {
        return Err(ZapError::MalformedReply {
            frames: frames.len(),
        });
    }
    if version != VERSION {
        return Err(ZapError::BadVersion);
    }
    if reply_id != id {
        return Err(ZapError::BadRequestId);
    }
    let status_code = match status {
        [d @ b'2'..=b'5', b'0', b'0'] => u16::from(d - b'0') * 100,
        _ => return Err(ZapError::InvalidStatusCode),
    };
    let properties = Metadata::parse(metadata).map_err(ZapError::InvalidMetadata)?;
    Ok(if status_code == 200 {
        AuthDecision::Accept {
            user_id: user_id.to_vec(),
            properties,
        }
    } else {
        AuthDecision::Refuse {
            status_code,
            reason: String::from_utf8_lossy(text).into_owned(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(frames: &[&[u8]]) -> Multipart {
        let mut m = Multipart::new();
        for f in frames {
            m.push(Msg::copy_from_slice(f));
        }
        m
    }

    #[test]
    fn replies_become_decisions() {
        let ok = reply(&[b"", b"1.0", b"7", b"200", b"OK", b"alice", b""]);
        assert_eq!(parse_reply(&ok, b"7"), Ok(AuthDecision::accept("alice")));
        for (code, n) in [(&b"300"[..], 300), (b"400", 400), (b"500", 500)] {
            let r = reply(&[b"", b"1.0", b"7", code, b"no", b"", b""]);
            assert_eq!(
                parse_reply(&r, b"7"),
                Ok(AuthDecision::Refuse {
                    status_code: n,
                    reason: "no".into()
                })
            );
        }
    }

    #[test]
    fn malformed_replies_are_refused() {
        let cases: [(&[&[u8]], ZapError); 6] = [
            (
                &[b"", b"1.0", b"7", b"200", b"", b""],
                ZapError::MalformedReply { frames: 6 },
            ),
            (
                &[b"x", b"1.0", b"7", b"200", b"", b"", b""],
                ZapError::MalformedReply { frames: 7 },
            ),
            (
                &[b"", b"2.0", b"7", b"200", b"", b"", b""],
                ZapError::BadVersion,
            ),
            (
                &[b"", b"1.0", b"8", b"200", b"", b"", b""],
                ZapError::BadRequestId,
            ),
            (
                &[b"", b"1.0", b"7", b"201", b"", b"", b""],
                ZapError::InvalidStatusCode,
            ),
            (
                &[b"", b"1.0", b"7", b"600", b"", b"", b""],
                ZapError::InvalidStatusCode,
            ),
        ];
        for (frames, err) in cases {
            assert_eq!(parse_reply(&reply(frames), b"7"), Err(err));
        }
        let bad_meta = reply(&[b"", b"1.0", b"7", b"200", b"", b"", b"\x05ab"]);
        assert!(matches!(
            parse_reply(&bad_meta, b"7"),
            Err(ZapError::InvalidMetadata(_))
        ));
    }
}
