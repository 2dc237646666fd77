//! The inproc transport: sockets of one context joined by a pair of
//! [pipes](crate::pipe) directly, with no session, no I/O thread and no
//! encoding: a message moves through as its handle (a pointer), whatever its
//! size.
//!
//! The context keeps a [`Registry`] of bound names. A connect to a bound
//! name makes the pipes at once and hands the bound socket its ends (through
//! its queue of new peers, plus an unpark). A connect to a name not bound
//! yet makes the pipes too, so messages can wait in them up to the HWM, with
//! a [`Relay`] as the future binder's signal; the bind hands the waiting ends
//! over and points the relay at the binder's parker. Capacities come from
//! the connecting socket: its SNDHWM towards the binder, its RCVHWM back.
//! The socket types are checked as ZMTP.md §12 says (at connect when the
//! name is bound, else at bind, where an incompatible waiting peer is
//! dropped, so its pipes disconnect).
//!
//! A bound name is released when its socket goes; peers already joined stay
//! joined until either side drops its ends.

use std::collections::HashMap;

use crossbeam_queue::SegQueue;
use ferrozmq_wire::SocketType;

use crate::endpoint::{Endpoint, InprocEndpoint};
use crate::error::{BindError, ConnectError};
use crate::pipe::pipe;
use crate::signal::{Parker, Signal};
use crate::socket::NewPeer;
use crate::sync::{Mutex, StdArc, lock};

/// A bound socket as the registry knows it.
pub(crate) struct Binder {
    /// Its type, to check connecting sockets against.
    pub(crate) kind: SocketType,
    /// Where its new peers go.
    pub(crate) incoming: StdArc<SegQueue<NewPeer>>,
    /// Its signal for all its pipes.
    pub(crate) parker: StdArc<Parker>,
}

/// A connection made before its name was bound.
struct Waiting {
    kind: SocketType,
    /// The binder's ends.
    ends: NewPeer,
    relay: StdArc<Relay>,
}

/// What a name stands for.
enum Slot {
    Bound(Binder),
    Waiting(Vec<Waiting>),
}

/// The inproc names of one context (see the module docs).
#[derive(Default)]
pub(crate) struct Registry {
    names: Mutex<HashMap<String, Slot>>,
}

impl Registry {
    /// Binds `endpoint` to `binder`, joining the connections waiting there.
    ///
    /// # Errors
    ///
    /// [`BindError::AddrInUse`] when the name is bound already.
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
        for w in waiting {
            if binder.kind.is_compatible(w.kind) {
                binder.incoming.push(w.ends);
                w.relay
                    .set(StdArc::clone(&binder.parker) as StdArc<dyn Signal>);
            }
        }
        binder.parker.unpark();
        names.insert(endpoint.name().to_owned(), Slot::Bound(binder));
        Ok(())
    }

    /// Releases `name` if `incoming` is the queue of the socket bound there.
    pub(crate) fn unbind(&self, name: &str, incoming: &StdArc<SegQueue<NewPeer>>) {
        let mut names = lock(&self.names);
        if let Some(Slot::Bound(b)) = names.get(name)
            && StdArc::ptr_eq(&b.incoming, incoming)
        {
            names.remove(name);
        }
    }

    /// Connects a socket of type `kind` (signalled through `parker`) to
    /// `endpoint`; returns its ends of the new pipes.
    ///
    /// # Errors
    ///
    /// [`ConnectError::IncompatibleSocketType`] when the bound socket's type
    /// does not go with `kind`.
    pub(crate) fn connect(
        &self,
        endpoint: &InprocEndpoint,
        kind: SocketType,
        parker: &StdArc<Parker>,
        sndhwm: usize,
        rcvhwm: usize,
    ) -> Result<NewPeer, ConnectError> {
        let mine = StdArc::clone(parker) as StdArc<dyn Signal>;
        let mut names = lock(&self.names);
        let slot = names
            .entry(endpoint.name().to_owned())
            .or_insert_with(|| Slot::Waiting(Vec::new()));
        match slot {
            Slot::Bound(b) => {
                if !kind.is_compatible(b.kind) {
                    return Err(ConnectError::IncompatibleSocketType {
                        endpoint: Endpoint::Inproc(endpoint.clone()),
                        local: kind,
                        peer: b.kind,
                    });
                }
                let theirs = StdArc::clone(&b.parker) as StdArc<dyn Signal>;
                let (ours, ends) = join(mine, theirs, sndhwm, rcvhwm);
                b.incoming.push(ends);
                b.parker.unpark();
                Ok(ours)
            }
            Slot::Waiting(waiting) => {
                let relay = StdArc::new(Relay::default());
                let theirs = StdArc::clone(&relay) as StdArc<dyn Signal>;
                let (ours, ends) = join(mine, theirs, sndhwm, rcvhwm);
                waiting.push(Waiting { kind, ends, relay });
                Ok(ours)
            }
        }
    }
}

/// Two pipes between a connecting socket (`mine`) and a bound one
/// (`theirs`): the connector's ends, then the binder's.
fn join(
    mine: StdArc<dyn Signal>,
    theirs: StdArc<dyn Signal>,
    sndhwm: usize,
    rcvhwm: usize,
) -> (NewPeer, NewPeer) {
    let (tx, their_rx) = pipe(sndhwm, StdArc::clone(&theirs), StdArc::clone(&mine));
    let (their_tx, rx) = pipe(rcvhwm, mine, theirs);
    (
        NewPeer { tx, rx },
        NewPeer {
            tx: their_tx,
            rx: their_rx,
        },
    )
}

/// A signal for a socket not bound yet: notifications before
/// [`set`](Relay::set) are remembered and passed on then.
#[derive(Default)]
pub(crate) struct Relay {
    /// The target, and whether a notification came before it.
    state: Mutex<(Option<StdArc<dyn Signal>>, bool)>,
}

impl Relay {
    /// Points the relay at `target`, passing on a missed notification.
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
