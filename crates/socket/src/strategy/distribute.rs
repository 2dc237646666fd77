//! [`Distribute`]: each message to every matching peer that has room
//! (libzmq `dist_t`; RFC 29 §The PUB Socket Type: "SHALL silently drop the message"
//! for a subscriber at its high-water mark).
//!
//! Every peer gets a clone of the message's handles: one body, shared, no
//! copy. A peer whose pipe answered `Full` is inactive (skipped without a
//! look, so it misses messages) until its pipe wakes the socket at the
//! low-water mark; a peer found `Disconnected` is marked gone. XPUB_NODROP
//! asks first whether every matching peer has room, and refuses the
//! message (EAGAIN) otherwise.

use ferrozmq_msg::Multipart;

use super::ActiveSet;
use crate::pipe::{Item, TrySendError};
use crate::socket::{PeerKey, Peers};

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Distribute {
    set: ActiveSet,
    /// Scratch: the peers the current message matched, each once.
    matching: Vec<PeerKey>,
    /// Numbers the messages being matched, so that `marks` (by slab
    /// index: the last message each peer was put in `matching` for) keeps a
    /// peer subscribed to two prefixes of a topic from being listed twice,
    /// in O(1) and without sorting (libzmq `dist_t::match` swaps a pipe
    /// into the matching part once in the same way).
    round: u64,
    marks: Vec<u64>,
}

impl Distribute {
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

    /// Whether `key` is one of ours.
    pub(crate) fn contains(&self, key: PeerKey) -> bool {
        self.set.contains(key)
    }

    /// Starts matching a new message: no peer matches yet.
    pub(crate) fn start_matching(&mut self) {
        self.matching.clear();
        self.round += 1;
    }

    /// The message matches `key`'s subscriptions (once is enough).
    pub(crate) fn mark_matching(&mut self, key: PeerKey) {
        let i = key.index();
        if self.marks.len() <= i {
            self.marks.resize(i + 1, 0);
        }
        if self.marks[i] != self.round {
            self.marks[i] = self.round;
            self.matching.push(key);
        }
    }

    /// Whether every matching peer has room now (XPUB_NODROP); a peer
    /// without room is armed to wake the socket.
    pub(crate) fn matching_have_room(&mut self, peers: &mut Peers) -> bool {
        self.matching
            .iter()
            .all(|&key| peers.get_mut(key).is_none_or(|peer| peer.tx.poll_ready()))
    }

    /// Sends `msg` to every matching peer that is active, in one pass.
    pub(crate) fn send_to_matching(&mut self, msg: Multipart, peers: &mut Peers) {
        let matching = core::mem::take(&mut self.matching);
        let mut msg = Some(msg);
        let last = matching.len().wrapping_sub(1);
        for (n, &key) in matching.iter().enumerate() {
            self.send_one(key, &mut msg, n == last, peers);
        }
        self.matching = matching;
    }

    /// Sends `msg` to every active peer (XSUB's subscriptions and upstream
    /// messages).
    pub(crate) fn send_to_all(&mut self, item: impl Fn() -> Item, peers: &mut Peers) {
        let mut i = 0;
        while i < self.set.active() {
            let key = self.set.key(i);
            match peers.get_mut(key).map(|p| p.tx.try_send(item())) {
                Some(Ok(())) => i += 1,
                Some(Err(TrySendError::Full(_))) => self.set.deactivate_at(i),
                _ => {
                    self.set.deactivate_at(i);
                    peers.mark_gone(key);
                }
            }
        }
    }

    fn send_one(
        &mut self,
        key: PeerKey,
        msg: &mut Option<Multipart>,
        last: bool,
        peers: &mut Peers,
    ) {
        let Some(peer) = peers.get_mut(key) else {
            return;
        };
        // Skipped without a look: it said `Full` and has not woken us.
        if !self.set.is_active(key) {
            return;
        }
        // The last one takes the handles themselves: one clone fewer.
        let copy = if last {
            msg.take()
        } else {
            msg.as_ref().cloned()
        };
        let Some(copy) = copy else { return };
        match peer.tx.try_send(Item::Msg(copy)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => self.set.deactivate(key),
            Err(_) => {
                self.set.deactivate(key);
                peers.mark_gone(key);
            }
        }
    }
}
