//! The socket types, one file each, over the shared [strategies]
//! (crate::strategy), as libzmq composes them (RFC 28 for REQ, REP,
//! DEALER and ROUTER; RFC 29 for PUB, SUB, XPUB and XSUB; RFC 30 for PUSH
//! and PULL; RFC 31 for PAIR):
//!
//! | type | out | in |
//! | --- | --- | --- |
//! | PUSH | load-balance | — |
//! | PULL | — | fair-queue |
//! | DEALER | load-balance | fair-queue |
//! | REQ | DEALER + the envelope, strict alternation | from the peer asked |
//! | ROUTER | routing table | fair-queue, routing id prepended |
//! | REP | to the peer asked, envelope restored | fair-queue, envelope saved |
//! | XPUB | distribute over the subscriptions | subscriptions, upstream messages |
//! | PUB | XPUB without receive | — |
//! | XSUB | subscriptions and upstream messages to all | fair-queue, unfiltered |
//! | SUB | subscriptions (methods) | XSUB + its filter |
//! | PAIR | its one peer | its one peer |
//!
//! Every type implements [`Pattern`]: non-blocking operations only. The
//! socket owns the wait (try, wait for a change, try again) and calls in
//! with its state lock held, so nothing here ever blocks or parks. The
//! set of types is closed: [`AnyPattern`] dispatches statically.
//!
//! REP keeps the key of the peer it answers rather than looking its routing
//! id up again (what libzmq's `rep_t`, a `router_t`, does through the id):
//! the same peer, one lookup fewer.

use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_wire::SocketType;

use crate::error::{RecvError, SendError};
use crate::options::{Options, SocketOption};
use crate::socket::{PeerKey, Peers};

mod dealer;
mod pair;
mod pull;
mod push;
mod rep;
mod req;
mod router;
mod sub;
mod xpub;
mod xsub;

#[cfg(test)]
mod harness;

use self::dealer::Dealer;
use self::pair::Pair;
use self::pull::Pull;
use self::push::Push;
use self::rep::Rep;
use self::req::Req;
use self::router::Router;
use self::sub::Sub;
use self::xpub::XPub;
use self::xsub::XSub;

/// A send's outcome: on failure the message is still in the caller's
/// place (see [`Pattern::try_send`]).
pub(crate) type SendResult = Result<(), SendError<()>>;

/// What every socket type does, without blocking (see the module docs).
pub(crate) trait Pattern {
    /// A new peer: its pipes are in `peers` under `key`. Returns false to
    /// refuse it (PAIR's second peer); the socket then drops its pipes.
    fn attach(&mut self, key: PeerKey, peers: &mut Peers) -> bool;

    /// A peer is leaving; its pipes are still in `peers` until this
    /// returns.
    fn detach(&mut self, key: PeerKey, peers: &mut Peers);

    /// The peer's pipes notified: it may have something to read or room
    /// to write. Types that read control items outside `try_recv` (PUSH,
    /// PUB and XPUB, ROUTER for a peer not identified yet) read them here.
    fn activate(&mut self, key: PeerKey, peers: &mut Peers);

    /// Sends the whole message in `msg`, taking it from there (what is left
    /// there is dropped), or leaves it there on failure. The caller's place
    /// rather than a value moved in and handed back: the message is moved
    /// once, into its pipe's slot (see `PipeWriter::try_send_with`).
    fn try_send(&mut self, msg: &mut Multipart, peers: &mut Peers) -> SendResult;

    /// Receives a whole message, handing it to `f` where it lies (in its
    /// pipe, for the types that fair-queue) rather than moving it out
    /// through every layer between the pipe and the caller; what `f` leaves
    /// of it is dropped. `f` is called once, for the message received.
    fn try_recv_with<R>(
        &mut self,
        peers: &mut Peers,
        f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError>;

    /// Whether [`try_send`](Self::try_send) could take a message now; when
    /// not, the socket will be woken when that may change.
    fn has_out(&mut self, peers: &mut Peers) -> bool;

    /// An option this type reads was set (already checked and stored).
    fn set_option(&mut self, option: &SocketOption);

    /// Whether the type sends at all (PULL and SUB do not): a part sent
    /// with MORE is refused at once rather than queued.
    fn sends(&self) -> bool {
        true
    }

    /// The first part of a message sent part by part (with MORE), before
    /// it is queued: ROUTER with ROUTER_MANDATORY refuses an unknown
    /// routing id there, as libzmq `router_t::xsend` does.
    fn check_first_part(&mut self, part: &Msg) -> Result<(), SendError<()>> {
        let _ = part;
        Ok(())
    }

    /// `subscribe`/`unsubscribe` on the socket: `None` where the type has
    /// no such thing.
    fn subscription(&mut self, subscribe: bool, topic: &[u8], peers: &mut Peers) -> Option<()> {
        let _ = (subscribe, topic, peers);
        None
    }
}

/// The closed set of socket types (see the module docs).
pub(crate) enum AnyPattern {
    Push(Push),
    Pull(Pull),
    Dealer(Dealer),
    Req(Req),
    Router(Router),
    Rep(Rep),
    XPub(XPub),
    XSub(XSub),
    Sub(Sub),
    Pair(Pair),
}

impl AnyPattern {
    /// The pattern of a new socket of `socket_type` with `options`;
    /// `None` for a type this version does not know.
    pub(crate) fn new(socket_type: SocketType, options: &Options) -> Option<Self> {
        Some(match socket_type {
            SocketType::Push => Self::Push(Push::new(options)),
            SocketType::Pull => Self::Pull(Pull::default()),
            SocketType::Dealer => Self::Dealer(Dealer::new(options)),
            SocketType::Req => Self::Req(Req::new(options)),
            SocketType::Router => Self::Router(Router::new(options)),
            SocketType::Rep => Self::Rep(Rep::default()),
            SocketType::XPub => Self::XPub(XPub::new(options, true)),
            SocketType::Pub => Self::XPub(XPub::new(options, false)),
            SocketType::XSub => Self::XSub(XSub::default()),
            SocketType::Sub => Self::Sub(Sub::default()),
            SocketType::Pair => Self::Pair(Pair::default()),
            _ => return None,
        })
    }
}

macro_rules! dispatch {
    ($self:ident, $p:ident => $e:expr) => {
        match $self {
            AnyPattern::Push($p) => $e,
            AnyPattern::Pull($p) => $e,
            AnyPattern::Dealer($p) => $e,
            AnyPattern::Req($p) => $e,
            AnyPattern::Router($p) => $e,
            AnyPattern::Rep($p) => $e,
            AnyPattern::XPub($p) => $e,
            AnyPattern::XSub($p) => $e,
            AnyPattern::Sub($p) => $e,
            AnyPattern::Pair($p) => $e,
        }
    };
}

impl Pattern for AnyPattern {
    fn attach(&mut self, key: PeerKey, peers: &mut Peers) -> bool {
        dispatch!(self, p => p.attach(key, peers))
    }
    fn detach(&mut self, key: PeerKey, peers: &mut Peers) {
        dispatch!(self, p => p.detach(key, peers))
    }
    fn activate(&mut self, key: PeerKey, peers: &mut Peers) {
        dispatch!(self, p => p.activate(key, peers))
    }
    #[inline]
    fn try_send(&mut self, msg: &mut Multipart, peers: &mut Peers) -> SendResult {
        dispatch!(self, p => p.try_send(msg, peers))
    }
    #[inline]
    fn try_recv_with<R>(
        &mut self,
        peers: &mut Peers,
        f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError> {
        dispatch!(self, p => p.try_recv_with(peers, f))
    }
    fn has_out(&mut self, peers: &mut Peers) -> bool {
        dispatch!(self, p => p.has_out(peers))
    }
    fn set_option(&mut self, option: &SocketOption) {
        dispatch!(self, p => p.set_option(option))
    }
    fn subscription(&mut self, subscribe: bool, topic: &[u8], peers: &mut Peers) -> Option<()> {
        dispatch!(self, p => p.subscription(subscribe, topic, peers))
    }
    fn check_first_part(&mut self, part: &Msg) -> Result<(), SendError<()>> {
        dispatch!(self, p => p.check_first_part(part))
    }
    fn sends(&self) -> bool {
        dispatch!(self, p => p.sends())
    }
}
#[cfg(test)]
mod tests;
