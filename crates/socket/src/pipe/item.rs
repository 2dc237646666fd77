//! [`Item`]: what crosses the pipes between a socket and its peers: whole
//! messages and typed control items (a peer attached with its identity, a
//! connection lost, a subscription or its cancellation).
//!
//! Control items are a variant of their own, so nothing a peer sends can be
//! taken for one: a data message starting with `0x01` is data, and only a
//! session (which decodes SUBSCRIBE/CANCEL commands and the legacy 3.0
//! subscription messages for the socket types that receive them, RFC 29
//! §2.4 / RFC 37 §The Publish-Subscribe Pattern) turns subscriptions into [`Item::Subscribe`] and
//! [`Item::Cancel`]. A control item travels in order with the messages
//! around it, so a socket learns of a lost connection after the messages
//! that came before the loss.

use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_wire::SocketType;

use crate::properties::PeerProperties;

/// One item of a socket's pipes (see the module docs).
#[derive(Debug)]
pub(crate) enum Item {
    /// A whole message, every frame of it.
    Msg(Multipart),
    /// Peer to socket: a connection completed its handshake (or an inproc
    /// peer joined): who the peer is. The first item of every connection.
    Attached(Box<PeerMeta>),
    /// Peer to socket: the established connection of a connecting session
    /// was lost; the session reconnects and a new [`Item::Attached`] comes
    /// with the next connection.
    Lost,
    /// Peer to socket: the peer subscribed to this prefix (PUB, XPUB).
    /// Socket to peer: send SUBSCRIBE for it, now and on every new
    /// connection (SUB, XSUB).
    Subscribe(Msg),
    /// As [`Item::Subscribe`], for a cancellation.
    Cancel(Msg),
}

/// Who a peer is, from its READY command (RFC 37 §Connection Metadata) or, over inproc,
/// from its socket.
#[derive(Debug, Clone)]
pub(crate) struct PeerMeta {
    /// The peer's socket type.
    pub(crate) socket_type: SocketType,
    /// Its `Identity` property (ZMQ_ROUTING_ID); empty when it has none.
    pub(crate) routing_id: Vec<u8>,
    /// What a receiver may ask about the peer (libzmq's message
    /// properties): every property it sent, its ZAP user id, its address.
    pub(crate) properties: PeerProperties,
}
