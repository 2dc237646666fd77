//! [`SocketType`]: the ZMTP socket types, their wire names and which pairs may
//! talk to each other (RFC 37 §The Socket-Type Property).
//!
//! This module only names and compares types; what each type does with
//! messages (routing, filtering, queueing) belongs to the socket layer.

use core::fmt;

/// A ZMTP socket type, as carried in the `Socket-Type` property of READY
/// and checked against the peer's (RFC 37 §The Socket-Type Property).
///
/// The draft 3.1 types (CLIENT, SERVER, RADIO, DISH, ...) are not supported
/// yet; a peer announcing one is refused as incompatible.
///
/// # Examples
///
/// ```
/// use ferrozmq_wire::SocketType;
///
/// assert_eq!(SocketType::Dealer.name(), "DEALER");
/// assert_eq!(SocketType::from_name(b"ROUTER"), Some(SocketType::Router));
/// assert!(SocketType::Req.is_compatible(SocketType::Router));
/// assert!(!SocketType::Req.is_compatible(SocketType::Req));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SocketType {
    /// `REQ`: strict request-reply client (RFC 28).
    Req,
    /// `REP`: strict request-reply server (RFC 28).
    Rep,
    /// `DEALER`: asynchronous request-reply client (RFC 28).
    Dealer,
    /// `ROUTER`: asynchronous request-reply server, routes by identity (RFC 28).
    Router,
    /// `PUB`: publisher (RFC 29).
    Pub,
    /// `SUB`: subscriber (RFC 29).
    Sub,
    /// `XPUB`: publisher that also receives subscriptions (RFC 29).
    XPub,
    /// `XSUB`: subscriber whose application sends subscriptions (RFC 29).
    XSub,
    /// `PUSH`: pipeline sender (RFC 30).
    Push,
    /// `PULL`: pipeline receiver (RFC 30).
    Pull,
    /// `PAIR`: exclusive pair (RFC 31).
    Pair,
}

impl SocketType {
    /// Every supported type, in the order of the RFC 37 §The Socket-Type
    /// Property list.
    pub const ALL: [SocketType; 11] = [
        SocketType::Req,
        SocketType::Rep,
        SocketType::Dealer,
        SocketType::Router,
        SocketType::Pub,
        SocketType::XPub,
        SocketType::Sub,
        SocketType::XSub,
        SocketType::Push,
        SocketType::Pull,
        SocketType::Pair,
    ];

    /// The name sent in the `Socket-Type` property, upper case as libzmq
    /// spells and compares it (RFC 37 §The Socket-Type Property).
    pub const fn name(self) -> &'static str {
        match self {
            SocketType::Req => "REQ",
            SocketType::Rep => "REP",
            SocketType::Dealer => "DEALER",
            SocketType::Router => "ROUTER",
            SocketType::Pub => "PUB",
            SocketType::Sub => "SUB",
            SocketType::XPub => "XPUB",
            SocketType::XSub => "XSUB",
            SocketType::Push => "PUSH",
            SocketType::Pull => "PULL",
            SocketType::Pair => "PAIR",
        }
    }

    /// The type whose [`name`](Self::name) is exactly `name`.
    ///
    /// The comparison is case-sensitive, as libzmq's
    /// `mechanism_t::check_socket_type` is: `b"dealer"` is not a type.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name().as_bytes() == name)
    }

    /// Whether a socket of this type may talk to a peer of type `peer`
    /// (RFC 37 §The Socket-Type Property, libzmq
    /// `mechanism_t::check_socket_type`). The relation is symmetric.
    pub const fn is_compatible(self, peer: SocketType) -> bool {
        use SocketType::*;
        matches!(
            (self, peer),
            (Req, Rep | Router)
                | (Rep, Req | Dealer)
                | (Dealer, Rep | Dealer | Router)
                | (Router, Req | Dealer | Router)
                | (Pub | XPub, Sub | XSub)
                | (Sub | XSub, Pub | XPub)
                | (Push, Pull)
                | (Pull, Push)
                | (Pair, Pair)
        )
    }

    /// Whether libzmq sends an `Identity` property (possibly empty) from
    /// this type: REQ, DEALER and ROUTER (RFC 37 §The Identity Property).
    pub const fn sends_identity(self) -> bool {
        matches!(
            self,
            SocketType::Req | SocketType::Dealer | SocketType::Router
        )
    }

    /// Whether this type receives subscriptions from its peers (PUB, XPUB),
    /// so that SUBSCRIBE/CANCEL commands and legacy `0x01`/`0x00` messages
    /// become [`Event::Subscribe`](crate::Event::Subscribe) and
    /// [`Event::Cancel`](crate::Event::Cancel) (RFC 23 and RFC 37 §The
    /// Publish-Subscribe Pattern).
    pub const fn receives_subscriptions(self) -> bool {
        matches!(self, SocketType::Pub | SocketType::XPub)
    }
}

impl fmt::Display for SocketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 37 §The Socket-Type Property list, typed in as a table row by
    /// row (columns in the same order as [`SocketType::ALL`]: REQ REP DEALER
    /// ROUTER PUB XPUB SUB XSUB PUSH PULL PAIR).
    const TABLE: [&str; 11] = [
        ".x.x.......", // REQ
        "x.x........", // REP
        ".xxx.......", // DEALER
        "x.xx.......", // ROUTER
        "......xx...", // PUB
        "......xx...", // XPUB
        "....xx.....", // SUB
        "....xx.....", // XSUB
        ".........x.", // PUSH
        "........x..", // PULL
        "..........x", // PAIR
    ];

    #[test]
    fn compatibility_matches_the_table() {
        let mut pairs = 0;
        for (i, row) in TABLE.iter().enumerate() {
            for (j, cell) in row.bytes().enumerate() {
                let (a, b) = (SocketType::ALL[i], SocketType::ALL[j]);
                assert_eq!(a.is_compatible(b), cell == b'x', "{a} with {b}");
                pairs += usize::from(cell == b'x');
            }
        }
        assert_eq!(pairs, 21);
    }

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        let names: Vec<&str> = SocketType::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(
            names,
            [
                "REQ", "REP", "DEALER", "ROUTER", "PUB", "XPUB", "SUB", "XSUB", "PUSH", "PULL",
                "PAIR"
            ]
        );
        for t in SocketType::ALL {
            assert_eq!(SocketType::from_name(t.name().as_bytes()), Some(t));
            assert_eq!(
                SocketType::from_name(t.name().to_lowercase().as_bytes()),
                None
            );
        }
        assert_eq!(SocketType::from_name(b"CLIENT"), None);
        assert_eq!(SocketType::from_name(b""), None);
    }
}
