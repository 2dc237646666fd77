//! The inproc transport: sockets of one context joined by a pair of
//! [pipes](crate::pipe) directly, with no session, no I/O thread and no
//! encoding: a message moves through as its handle (a pointer), whatever its
//! size.
//!
//! The context keeps a [`Registry`] of bound names. A connect to a bound
//! name makes the pipes at once and offers the bound socket its ends. A
//! connect to a name not bound yet makes the pipes too, so messages can
//! wait in them up to the HWM, with a [`Relay`] as the future binder's
//! signal; the bind offers the waiting ends and points the relay at the
//! binder's wake for that peer. Capacities, as libzmq's
//! `socket_base_t::connect_internal` sets them: towards the binder, the
//! connecting socket's SNDHWM plus the binder's RCVHWM; back, its RCVHWM
//! plus the binder's SNDHWM (0, unbounded, if either is). A connect made
//! before the bind has only its own HWMs to go by (libzmq resizes such
//! pipes at the bind; ours keep them). With CONFLATE on either side (on
//! the connecting side only, for a connect made before the bind), one slot
//! each way that a send replaces. Each side's
//! first item to the other is an [`Item::Attached`] with its socket type
//! and routing id, as a session's handshake would give (libzmq sends the
//! routing id over inproc pipes the same way). The socket types are checked
//! as RFC 37 §The Socket-Type Property (and libzmq `mechanism_t::check_socket_type`) says: at
//! connect when the name is bound, else at bind, where an incompatible
//! waiting peer is dropped, so its pipes disconnect.
//!
//! A bound name is released when its socket unbinds it or goes; peers
//! already joined stay joined until either side drops its ends.

use std::collections::HashMap;

use crate::endpoint::{Endpoint, InprocEndpoint};
use crate::error::{BindError, ConnectError};
use crate::pipe::{Item, PeerMeta, PipeReader, PipeWriter};
use crate::properties::PeerProperties;
use crate::signal::Signal;
use crate::socket::{Hub, NewPeer, Origin, PeerWake, PipeSettings};
use crate::sync::{Mutex, StdArc, lock};
use ferrozmq_wire::SocketType;

/// A bound socket, as the registry keeps it.
pub(crate) struct Binder {
    pub(crate) hub: StdArc<Hub>,
    pub(crate) meta: PeerMeta,
    pub(crate) pipes: PipeSettings,
    pub(crate) origin: Origin,
}

/// A connecting socket.
pub(crate) struct Joiner<'a> {
    pub(crate) hub: &'a StdArc<Hub>,
    pub(crate) meta: PeerMeta,
    pub(crate) pipes: PipeSettings,
    pub(crate) origin: Origin,
    /// ZMQ_CONNECT_ROUTING_ID: what a connecting ROUTER calls this peer.
    pub(crate) routing_id: Option<Vec<u8>>,
}

/// A connect waiting for its name to be bound: the binder's future ends.
struct Waiting {
    meta: PeerMeta,
    ends: NewPeer,
    relay: StdArc<Relay>,
}

enum Slot {
    Bound(Binder),
    Waiting(Vec<Waiting>),
}

/// The context's inproc names (see the module docs).
#[derive(Default)]
pub(crate) struct Registry {
    names: Mutex<HashMap<String, Slot>>,
}

impl Registry {
    /// Binds `endpoint`, offering the binder every compatible peer waiting
    /// for it.
    pub(crate) fn bind(&self, endpoint: &InprocEndpoint, binder: Binder) -> Result<(), BindError> {
        let mut names = lock(&self.names);
        let waiting = match names.remove(endpoint.name()) {
            Some(Slot::Bound(other)) => {
                names.insert(endpoint.name().to_owned(), Slot::Bound(other));
                return Err(BindError::AddrInUse {
                    endpoint: Endpoint::Inproc(endpoint.clone()),
                    source: None,
                });
            }
            Some(Slot::Waiting(waiting)) => waiting,
            None => Vec::new(),
        };
        for mut w in waiting {
            if !binder.meta.socket_type.is_compatible(w.meta.socket_type) {
                continue;
            }
            let wake = PeerWake::new(&binder.hub);
            wake.set_connected(true);
            // The binder's side of the handshake, first in its pipe.
            let _ = w
                .ends
                .tx
                .try_send(Item::Attached(Box::new(binder.meta.clone())));
            w.ends.wake = StdArc::clone(&wake);
            w.ends.origin = binder.origin;
            w.relay.set(wake.signal());
            binder.hub.offer(w.ends);
        }
        names.insert(endpoint.name().to_owned(), Slot::Bound(binder));
        Ok(())
    }

    /// Releases `name` if `hub`'s socket holds it.
    pub(crate) fn unbind(&self, name: &str, hub: &StdArc<Hub>) {
        let mut names = lock(&self.names);
        if let Some(Slot::Bound(b)) = names.get(name)
            && StdArc::ptr_eq(&b.hub, hub)
        {
            names.remove(name);
        }
    }

    /// Joins the connecting socket to the one bound at `endpoint` (now, or
    /// when it binds); returns the connecting socket's ends.
    pub(crate) fn connect(
        &self,
        endpoint: &InprocEndpoint,
        joiner: Joiner<'_>,
    ) -> Result<NewPeer, ConnectError> {
        let mine = PeerWake::new(joiner.hub);
        mine.set_connected(true);
        let mut names = lock(&self.names);
        let slot = names
            .entry(endpoint.name().to_owned())
            .or_insert_with(|| Slot::Waiting(Vec::new()));
        match slot {
            Slot::Bound(b) => {
                let local = joiner.meta.socket_type;
                if !local.is_compatible(b.meta.socket_type) {
                    return Err(ConnectError::IncompatibleSocketType {
                        endpoint: Endpoint::Inproc(endpoint.clone()),
                        local,
                        peer: b.meta.socket_type,
                    });
                }
                let theirs = PeerWake::new(&b.hub);
                theirs.set_connected(true);
                let pipes = joiner.pipes.joined_with(b.pipes);
                let (ours, mut ends) = join(
                    &joiner,
                    pipes,
                    mine,
                    theirs.signal(),
                    StdArc::clone(&theirs),
                );
                let _ = ends.tx.try_send(Item::Attached(Box::new(b.meta.clone())));
                ends.origin = b.origin;
                b.hub.offer(ends);
                Ok(ours)
            }
            Slot::Waiting(waiting) => {
                let relay = StdArc::new(Relay::default());
                let placeholder = PeerWake::new(joiner.hub);
                let theirs = StdArc::clone(&relay) as StdArc<dyn Signal>;
                let (ours, ends) = join(&joiner, joiner.pipes, mine, theirs, placeholder);
                waiting.push(Waiting {
                    meta: joiner.meta,
                    ends,
                    relay,
                });
                Ok(ours)
            }
        }
    }
}

impl Registry {
    /// Joins a session to the ZAP handler bound at `name` (libzmq's
    /// `session_base_t::zap_connect`): `None` when nothing is bound there
    /// (a connect waiting for a bind does not count) or the socket there
    /// cannot take a DEALER peer (REP, ROUTER). The pipes are unbounded
    /// both ways, as libzmq's; `session` is the signal of the session's
    /// ends. The handler sees a DEALER without a routing id, so a ROUTER
    /// handler generates one and routes its reply back.
    pub(crate) fn zap_connect(
        &self,
        name: &str,
        session: StdArc<dyn Signal>,
    ) -> Option<(PipeWriter<Item>, PipeReader<Item>)> {
        let names = lock(&self.names);
        let Some(Slot::Bound(b)) = names.get(name) else {
            return None;
        };
        if !SocketType::Dealer.is_compatible(b.meta.socket_type) {
            return None;
        }
        let theirs = PeerWake::new(&b.hub);
        theirs.set_connected(true);
        let unbounded = PipeSettings {
            sndhwm: 0,
            rcvhwm: 0,
            conflate: false,
        };
        let (mut tx, their_rx) = unbounded.pipe(true, theirs.signal(), StdArc::clone(&session));
        let (their_tx, rx) = unbounded.pipe(false, session, theirs.signal());
        let _ = tx.try_send(Item::Attached(Box::new(PeerMeta {
            socket_type: SocketType::Dealer,
            routing_id: Vec::new(),
            properties: PeerProperties::inproc(SocketType::Dealer, Vec::new()),
        })));
        b.hub.offer(NewPeer {
            tx: their_tx,
            rx: their_rx,
            wake: theirs,
            origin: b.origin,
            routing_id: None,
        });
        Some((tx, rx))
    }
}

/// The two ends of a joined pair: the connecting socket's and the
/// binder's. `theirs` is the binder's signal (its wake, or a relay to it);
/// `their_wake` goes into its ends (replaced at bind for a waiting peer).
fn join(
    joiner: &Joiner<'_>,
    pipes: PipeSettings,
    mine: StdArc<PeerWake>,
    theirs: StdArc<dyn Signal>,
    their_wake: StdArc<PeerWake>,
) -> (NewPeer, NewPeer) {
    let (mut tx, their_rx) = pipes.pipe(false, StdArc::clone(&theirs), mine.signal());
    let (their_tx, rx) = pipes.pipe(true, mine.signal(), theirs);
    // Our side of the handshake, first in the binder's pipe.
    let _ = tx.try_send(Item::Attached(Box::new(joiner.meta.clone())));
    (
        NewPeer {
            tx,
            rx,
            wake: mine,
            origin: joiner.origin,
            routing_id: joiner.routing_id.clone(),
        },
        NewPeer {
            tx: their_tx,
            rx: their_rx,
            wake: their_wake,
            origin: joiner.origin,
            routing_id: None,
        },
    )
}

/// The binder-side signal of a connect made before the bind: notifications
/// before the bind are remembered and forwarded once it points somewhere.
#[derive(Default)]
pub(crate) struct Relay {
    state: Mutex<(Option<StdArc<dyn Signal>>, bool)>,
}

impl Relay {
    fn set(&self, target: StdArc<dyn Signal>) {
        let mut state = lock(&self.state);
        if core::mem::take(&mut state.1) {
            target.notify();
        }
        state.0 = Some(target);
    }
}

impl Signal for Relay {
    fn notify(&self) {
        let mut state = lock(&self.state);
        match &state.0 {
            Some(target) => target.notify(),
            None => state.1 = true,
        }
    }
}
