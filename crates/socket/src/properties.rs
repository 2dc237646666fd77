//! [`PeerProperties`]: what a socket knows about the peer a received
//! message came from, libzmq's message properties (`zmq_msg_gets`, pyzmq
//! `Frame.get`): the ZAP handler's `User-Id` and metadata, the
//! `Peer-Address`, and every property of the peer's READY (or INITIATE)
//! command (RFC 37 §Connection Metadata): `Socket-Type`, `Identity`, the
//! application's own (`X-...`, libzmq's ZMQ_METADATA).
//!
//! A [`Msg`](ferrozmq_msg::Msg) has no room for them (it is a fixed-size
//! handle), so they stay with the peer: the session builds them once per
//! handshake, the socket keeps them with the peer it came through, and
//! each receive notes which peer the message was read from (one store of
//! a slab key). [`Socket::peer_properties`](crate::Socket::peer_properties)
//! and [`Socket::recv_multipart_with_properties`](crate::Socket::recv_multipart_with_properties)
//! look them up; handing them out is one reference count. Not here: where
//! they are built (`session.rs`, `inproc.rs`) and kept (`socket/peer.rs`).

use core::fmt;

use ferrozmq_wire::{Metadata, SocketType};

use crate::sync::StdArc;

/// The properties of one connection to a peer (see the module docs): a
/// cheap handle (one `Arc`), the same for every message of that
/// connection. A reconnection brings new properties.
///
/// [`get`](Self::get) compares names case-insensitively (RFC 37 names are);
/// the socket's own properties come first, so a peer cannot announce a
/// `User-Id` or `Peer-Address` of its choosing, as in libzmq
/// (`stream_engine_base_t::mechanism_ready` puts the ZAP properties before
/// the peer's).
///
/// # Examples
///
/// ```
/// use ferrozmq_socket::{Context, SocketOption, SocketType};
/// use ferrozmq_msg::Msg;
///
/// let ctx = Context::new()?;
/// let pull = ctx.socket(SocketType::Pull)?;
/// pull.bind("tcp://127.0.0.1:0")?;
/// let push = ctx.socket(SocketType::Push)?;
/// push.connect(&pull.last_endpoint().unwrap().to_string())?;
/// push.send(Msg::from_static(b"hi"))?;
/// let (msg, props) = pull.recv_multipart_with_properties()?;
/// assert_eq!(msg[0], b"hi"[..]);
/// let props = props.expect("a tcp peer has properties");
/// assert_eq!(props.get("socket-type"), Some(&b"PUSH"[..]));
/// assert_eq!(props.get("Peer-Address"), Some(&b"127.0.0.1"[..]));
/// assert_eq!(props.user_id(), None); // no ZAP handler was asked
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct PeerProperties(StdArc<Inner>);

struct Inner {
    socket_type: SocketType,
    routing_id: Vec<u8>,
    user_id: Vec<u8>,
    peer_address: Option<String>,
    auth: Metadata,
    metadata: Option<Metadata>,
}

impl PeerProperties {
    /// The property name of the ZAP handler's user id (libzmq
    /// `ZMQ_MSG_PROPERTY_USER_ID`).
    pub const USER_ID: &'static str = "User-Id";
    /// The property name of the peer's address (libzmq
    /// `ZMQ_MSG_PROPERTY_PEER_ADDRESS`): the IP address (no port) over
    /// tcp, `:uid:gid:pid` over ipc: the address the ZAP handler is given.
    pub const PEER_ADDRESS: &'static str = "Peer-Address";
    /// The property name of the peer's socket type (RFC 37; libzmq
    /// `ZMQ_MSG_PROPERTY_SOCKET_TYPE`).
    pub const SOCKET_TYPE: &'static str = "Socket-Type";
    /// The property name of the peer's routing id (libzmq
    /// `ZMQ_MSG_PROPERTY_ROUTING_ID`); `Identity`, its name in READY, is
    /// the same property.
    pub const ROUTING_ID: &'static str = "Routing-Id";

    /// The properties of a connection whose handshake completed.
    pub(crate) fn from_handshake(
        peer: &ferrozmq_wire::PeerInfo,
        peer_address: String,
    ) -> PeerProperties {
        PeerProperties(StdArc::new(Inner {
            socket_type: peer.socket_type,
            routing_id: peer.identity.clone(),
            user_id: peer.user_id.clone(),
            peer_address: (!peer_address.is_empty()).then_some(peer_address),
            auth: peer.auth_properties.clone(),
            metadata: Some(peer.metadata.clone()),
        }))
    }

    /// The properties of an inproc peer: its socket type and routing id
    /// only (libzmq gives inproc messages none).
    pub(crate) fn inproc(socket_type: SocketType, routing_id: Vec<u8>) -> PeerProperties {
        PeerProperties(StdArc::new(Inner {
            socket_type,
            routing_id,
            user_id: Vec::new(),
            peer_address: None,
            auth: Metadata::new(),
            metadata: None,
        }))
    }

    /// The value of property `name` (case-insensitive): `User-Id`,
    /// `Peer-Address`, the ZAP handler's metadata, then the peer's READY
    /// properties (`Socket-Type`, `Identity`, `X-...`). `Routing-Id` and
    /// `Identity` name the same property, absent when the peer's type does
    /// not send it (or, over inproc, when it has none); `Socket-Type` is
    /// known over inproc too.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        let is = |known: &str| name.eq_ignore_ascii_case(known);
        let me = &*self.0;
        if is(Self::USER_ID) {
            return self.user_id();
        }
        if is(Self::PEER_ADDRESS) {
            return me.peer_address.as_deref().map(str::as_bytes);
        }
        if let Some(v) = me.auth.get(name) {
            return Some(v);
        }
        if is(Self::SOCKET_TYPE) {
            return Some(me.socket_type.name().as_bytes());
        }
        if is(Self::ROUTING_ID) || is("Identity") {
            // As sent: a REQ or DEALER sends it even empty, a PUSH never
            // (RFC 37 §The Identity Property; libzmq does the same).
            return match &me.metadata {
                Some(m) => m.get("Identity"),
                None => (!me.routing_id.is_empty()).then_some(&me.routing_id[..]),
            };
        }
        me.metadata.as_ref()?.get(name)
    }

    /// The user id the ZAP handler gave the peer when it accepted it
    /// (RFC 27 §Reply Format); `None` when no handler was asked, it gave
    /// none, on a client, and over inproc.
    pub fn user_id(&self) -> Option<&[u8]> {
        let id = &self.0.user_id;
        (!id.is_empty()).then_some(&id[..])
    }

    /// The peer's socket type.
    pub fn socket_type(&self) -> SocketType {
        self.0.socket_type
    }

    /// The peer's routing id (its `Identity` property); empty when it has
    /// none.
    pub fn routing_id(&self) -> &[u8] {
        &self.0.routing_id
    }

    /// The peer's address, as [`PEER_ADDRESS`](Self::PEER_ADDRESS) says;
    /// `None` over inproc.
    pub fn peer_address(&self) -> Option<&str> {
        self.0.peer_address.as_deref()
    }

    /// The metadata the ZAP handler attached to its reply (empty without
    /// one).
    pub fn auth_metadata(&self) -> &Metadata {
        &self.0.auth
    }

    /// The peer's READY (or INITIATE) properties, as received; `None` over
    /// inproc.
    pub fn metadata(&self) -> Option<&Metadata> {
        self.0.metadata.as_ref()
    }
}

impl fmt::Debug for PeerProperties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let me = &*self.0;
        f.debug_struct("PeerProperties")
            .field("socket_type", &me.socket_type)
            .field("routing_id", &me.routing_id)
            .field("user_id", &me.user_id)
            .field("peer_address", &me.peer_address)
            .field("auth", &me.auth)
            .field("metadata", &me.metadata)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(user_id: &[u8], auth: &[(&str, &[u8])], ready: &[(&str, &[u8])]) -> PeerProperties {
        let meta = |pairs: &[(&str, &[u8])]| {
            let mut m = Metadata::new();
            for (k, v) in pairs {
                m.push(k, v.to_vec()).unwrap();
            }
            m
        };
        PeerProperties(StdArc::new(Inner {
            socket_type: SocketType::Dealer,
            routing_id: b"rid".to_vec(),
            user_id: user_id.to_vec(),
            peer_address: Some("10.0.0.1".into()),
            auth: meta(auth),
            metadata: Some(meta(ready)),
        }))
    }

    #[test]
    fn names_are_case_insensitive_and_ours_come_first() {
        let p = props(
            b"alice",
            &[("X-Role", b"admin")],
            &[
                ("Socket-Type", b"DEALER"),
                ("Identity", b"rid"),
                ("User-Id", b"mallory"),
                ("Peer-Address", b"1.2.3.4"),
                ("X-Role", b"root"),
                ("X-Hello", b"World"),
            ],
        );
        assert_eq!(p.get("user-id"), Some(&b"alice"[..]));
        assert_eq!(p.get("PEER-ADDRESS"), Some(&b"10.0.0.1"[..]));
        assert_eq!(p.get("x-role"), Some(&b"admin"[..]));
        assert_eq!(p.get("X-HELLO"), Some(&b"World"[..]));
        assert_eq!(p.get("socket-type"), Some(&b"DEALER"[..]));
        assert_eq!(p.get("Routing-Id"), Some(&b"rid"[..]));
        assert_eq!(p.get("identity"), Some(&b"rid"[..]));
        assert_eq!(p.get("X-Missing"), None);
        assert_eq!(p.user_id(), Some(&b"alice"[..]));
        for (name, want) in [
            (PeerProperties::USER_ID, &b"alice"[..]),
            (PeerProperties::PEER_ADDRESS, b"10.0.0.1"),
            (PeerProperties::SOCKET_TYPE, b"DEALER"),
            (PeerProperties::ROUTING_ID, b"rid"),
        ] {
            assert_eq!(p.get(name), Some(want), "{name}");
        }
    }

    #[test]
    fn a_peer_without_user_id_cannot_announce_one() {
        let p = props(b"", &[], &[("User-Id", b"mallory")]);
        assert_eq!(p.get("User-Id"), None);
        assert_eq!(p.user_id(), None);
        // No Identity in its READY: none (a PUSH sends none).
        assert_eq!(p.get("Identity"), None);
        assert_eq!(
            PeerProperties::inproc(SocketType::Push, Vec::new()).get("Routing-Id"),
            None
        );
    }

    #[test]
    fn inproc_has_type_and_routing_id_only() {
        let p = PeerProperties::inproc(SocketType::Push, b"x".to_vec());
        assert_eq!(p.get("Socket-Type"), Some(&b"PUSH"[..]));
        assert_eq!(p.get("Routing-Id"), Some(&b"x"[..]));
        assert_eq!((p.get("Peer-Address"), p.metadata()), (None, None));
    }
}
