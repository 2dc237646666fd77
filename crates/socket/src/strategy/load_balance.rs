//! [`LoadBalance`]: each whole message to the next active peer with room,
//! round robin (libzmq `lb_t`; RFC 28 §The DEALER Socket Type for DEALER and REQ, RFC 30 §The PUSH Socket Type
//! for PUSH).
//!
//! A peer whose pipe answers `Full` is deactivated; its pipe promised a
//! wake-up once drained to its low-water mark, which re-activates it. A
//! peer whose pipe answers `Disconnected` is marked gone. So a send looks
//! at active peers only, and a socket whose peers are all full answers
//! `WouldBlock` after one look at each.

use ferrozmq_msg::Multipart;

use super::ActiveSet;
use crate::pipe::{Item, TrySendError};
use crate::socket::{PeerKey, Peers};

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct LoadBalance {
    set: ActiveSet,
    current: usize,
    /// ZMQ_IMMEDIATE: only peers whose connection is up take messages.
    immediate: bool,
}

impl LoadBalance {
    /// A balancer; with `immediate`, peers count only while connected.
    pub(crate) fn new(immediate: bool) -> Self {
        Self {
            immediate,
            ..Self::default()
        }
    }

    /// Turns ZMQ_IMMEDIATE on or off; off, every peer is worth a try again.
    pub(crate) fn set_immediate(&mut self, on: bool) {
        self.immediate = on;
        if !on {
            let keys: Vec<_> = self.set.iter().collect();
            keys.into_iter().for_each(|k| self.set.activate(k));
        }
    }

    /// Adds a peer (active).
    pub(crate) fn attach(&mut self, key: PeerKey) {
        self.set.insert(key);
    }

    /// Removes a peer.
    pub(crate) fn detach(&mut self, key: PeerKey) {
        self.set.remove(key);
    }

    /// The peer's pipe may have room again.
    pub(crate) fn activate(&mut self, key: PeerKey) {
        self.set.activate(key);
    }

    /// Sends the message in `msg` to the next peer that takes it, taking it
    /// from there; leaves it there when none can now.
    pub(crate) fn send(&mut self, msg: &mut Multipart, peers: &mut Peers) -> Option<PeerKey> {
        while self.set.active() > 0 {
            if self.current >= self.set.active() {
                self.current = 0;
            }
            let key = self.set.key(self.current);
            let Some(peer) = peers.get_mut(key) else {
                self.set.deactivate_at(self.current);
                continue;
            };
            if self.immediate && !peer.is_connected() {
                // Its session wakes us when the connection is up.
                self.set.deactivate_at(self.current);
                continue;
            }
            match peer.tx.try_send_with(|| Item::Msg(core::mem::take(msg))) {
                Ok(()) => {
                    self.current += 1;
                    return Some(key);
                }
                Err(TrySendError::Full(_)) => self.set.deactivate_at(self.current),
                Err(TrySendError::Disconnected(_)) => {
                    self.set.deactivate_at(self.current);
                    peers.mark_gone(key);
                }
            }
        }
        None
    }

    /// Whether some peer can take a message now; when none can, each
    /// active peer's pipe is armed to wake the socket once it has room.
    pub(crate) fn has_out(&mut self, peers: &mut Peers) -> bool {
        while self.set.active() > 0 {
            if self.current >= self.set.active() {
                self.current = 0;
            }
            let key = self.set.key(self.current);
            let usable = peers.get_mut(key).is_some_and(|peer| {
                (!self.immediate || peer.is_connected()) && peer.tx.poll_ready()
            });
            if usable {
                return true;
            }
            self.set.deactivate_at(self.current);
        }
        false
    }
}
