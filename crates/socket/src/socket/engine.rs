//! [`Engine`]: a socket's peers and the pattern of its type, driven
//! without blocking: what [`Base`](super::Base) runs under the socket's
//! lock, and what the pattern tests run with in-memory peers and no
//! threads at all.
//!
//! Before each operation the engine takes what the socket was woken for:
//! peers offered by an I/O thread or an inproc peer (placed in the slab
//! and attached to the pattern), and the keys of peers whose pipes
//! notified (activated in the pattern, libzmq's `activate_read` and
//! `activate_write`). After it, peers a strategy found gone are detached
//! and dropped; if that changed anything, a "would block" is tried once
//! more, since no further wake-up will come for it (a REQ whose peer went
//! must now fail with `State`).

use ferrozmq_msg::{Msg, Multipart};

use super::{Hub, NewPeer, PeerKey, Peers};
use crate::error::{RecvError, SendError};
use crate::options::SocketOption;
use crate::pattern::{AnyPattern, Pattern};
use crate::sync::StdArc;

/// See the module docs.
pub(crate) struct Engine {
    pub(crate) hub: StdArc<Hub>,
    pub(crate) peers: Peers,
    pattern: AnyPattern,
    /// Scratch for the ready list (swapped with the hub's).
    ready: Vec<PeerKey>,
    ready_raw: Vec<usize>,
}

impl Engine {
    pub(crate) fn new(hub: StdArc<Hub>, pattern: AnyPattern) -> Self {
        Self {
            hub,
            peers: Peers::default(),
            pattern,
            ready: Vec::new(),
            ready_raw: Vec::new(),
        }
    }

    /// Takes what the socket was woken for (see the module docs).
    pub(crate) fn prepare(&mut self) {
        while let Some(new) = self.hub.take_offered() {
            self.adopt(new);
        }
        self.hub.take_ready(&mut self.ready, &mut self.ready_raw);
        for key in self.ready.drain(..) {
            if self.peers.get(key).is_some() {
                self.pattern.activate(key, &mut self.peers);
            }
        }
        self.reap();
    }

    /// Places a new peer and attaches it to the pattern (which may refuse
    /// it: its pipes are then dropped). Returns its key if it stays.
    pub(crate) fn adopt(&mut self, new: NewPeer) -> Option<PeerKey> {
        let key = self.peers.insert(new);
        if self.pattern.attach(key, &mut self.peers) {
            Some(key)
        } else {
            self.peers.remove(key);
            None
        }
    }

    /// Detaches and drops the peers found gone; returns whether there were
    /// any.
    pub(crate) fn reap(&mut self) -> bool {
        let mut any = false;
        while let Some(key) = self.peers.take_gone() {
            self.pattern.detach(key, &mut self.peers);
            self.peers.remove(key);
            any = true;
        }
        any
    }

    /// One non-blocking try of the pattern's send (see
    /// `Pattern::try_send`: on failure the message is still in `msg`).
    pub(crate) fn try_send(&mut self, msg: &mut Multipart) -> Result<(), SendError<()>> {
        self.prepare();
        match self.pattern.try_send(msg, &mut self.peers) {
            Err(SendError::WouldBlock(())) if self.reap() => {
                let result = self.pattern.try_send(msg, &mut self.peers);
                self.reap();
                result
            }
            result => {
                self.reap();
                result
            }
        }
    }

    /// One non-blocking try of the pattern's receive: a whole message.
    pub(crate) fn try_recv(&mut self) -> Result<Multipart, RecvError> {
        let mut whole = Multipart::new();
        self.try_recv_with(|msg| core::mem::swap(&mut whole, msg))?;
        Ok(whole)
    }

    /// As [`try_recv`](Self::try_recv), handing the message to `f` where
    /// it lies (see `Pattern::try_recv_with`).
    #[inline]
    pub(crate) fn try_recv_with<R>(
        &mut self,
        mut f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError> {
        self.prepare();
        match self.pattern.try_recv_with(&mut self.peers, &mut f) {
            Err(RecvError::WouldBlock) if self.reap() => {
                let result = self.pattern.try_recv_with(&mut self.peers, &mut f);
                self.reap();
                result
            }
            result => {
                self.reap();
                result
            }
        }
    }

    /// Whether a message can be sent now.
    pub(crate) fn has_out(&mut self) -> bool {
        self.prepare();
        let out = self.pattern.has_out(&mut self.peers);
        self.reap();
        out
    }

    /// The first part of a message sent with MORE (see
    /// `Pattern::check_first_part`).
    pub(crate) fn check_first_part(&mut self, part: &Msg) -> Result<(), SendError<()>> {
        self.prepare();
        let result = self.pattern.check_first_part(part);
        self.reap();
        result
    }

    /// Whether the socket's type sends at all.
    pub(crate) fn sends(&self) -> bool {
        self.pattern.sends()
    }

    /// An option the pattern may read was set.
    pub(crate) fn set_option(&mut self, option: &SocketOption) {
        self.pattern.set_option(option);
    }

    /// `subscribe`/`unsubscribe`; `None` where the type has none.
    pub(crate) fn subscription(&mut self, subscribe: bool, topic: &[u8]) -> Option<()> {
        self.prepare();
        let done = self.pattern.subscription(subscribe, topic, &mut self.peers);
        self.reap();
        done
    }

    /// Detaches and drops the peers `which` selects.
    pub(crate) fn drop_peers(&mut self, which: impl Fn(&super::Peer) -> bool) {
        self.prepare();
        let keys: Vec<PeerKey> = self
            .peers
            .keys()
            .filter(|&k| self.peers.get(k).is_some_and(&which))
            .collect();
        for key in keys {
            self.peers.mark_gone(key);
        }
        self.reap();
    }
}
