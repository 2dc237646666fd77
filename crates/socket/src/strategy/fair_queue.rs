//! [`FairQueue`]: the next item from the active peers in turn (libzmq
//! `fq_t`; RFC 28 §The DEALER Socket Type and RFC 30 §The PULL Socket Type: "fair-queued").
//!
//! A peer whose pipe answers `Empty` is deactivated; the pipe promised a
//! wake-up after the next write, which re-activates the peer. So a receive
//! over 10 000 peers of which one has a message looks at the active ones
//! only: O(1) per message once the idle ones have said `Empty`. Control
//! items come out in order with the messages; the round robin moves on
//! after a message, not after a control item. Each message read notes its
//! peer in [`Peers::last_from`] (the message properties).

use crate::pipe::{Item, TryRecvError};
use crate::socket::{PeerKey, Peers};

use super::ActiveSet;

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct FairQueue {
    set: ActiveSet,
    current: usize,
}

impl FairQueue {
    /// Adds a peer (active: it has not said `Empty` yet).
    pub(crate) fn attach(&mut self, key: PeerKey) {
        self.set.insert(key);
    }

    /// Removes a peer.
    pub(crate) fn detach(&mut self, key: PeerKey) {
        self.set.remove(key);
    }

    /// The peer's pipe may have something.
    pub(crate) fn activate(&mut self, key: PeerKey) {
        self.set.activate(key);
    }

    /// Whether `key` is one of ours.
    pub(crate) fn contains(&self, key: PeerKey) -> bool {
        self.set.contains(key)
    }

    /// The next item of the next active peer, if any has one.
    #[inline]
    pub(crate) fn recv(&mut self, peers: &mut Peers) -> Option<(PeerKey, Item)> {
        self.recv_with(peers, |key, item| {
            (key, core::mem::replace(item, Item::Lost))
        })
    }

    /// As [`recv`](Self::recv), handing the item to `take` where it lies
    /// in the pipe (see `PipeReader::try_recv_with`); what `take` leaves
    /// of it is dropped there.
    #[inline]
    pub(crate) fn recv_with<R>(
        &mut self,
        peers: &mut Peers,
        mut take: impl FnMut(PeerKey, &mut Item) -> R,
    ) -> Option<R> {
        while self.set.active() > 0 {
            if self.current >= self.set.active() {
                self.current = 0;
            }
            let key = self.set.key(self.current);
            let Some(peer) = peers.get_mut(key) else {
                self.set.deactivate_at(self.current);
                continue;
            };
            match peer
                .rx
                .try_recv_with(|item| (matches!(item, Item::Msg(_)), take(key, item)))
            {
                Ok((is_msg, got)) => {
                    if is_msg {
                        self.current += 1;
                        peers.last_from = Some(key);
                    }
                    return Some(got);
                }
                Err(TryRecvError::Empty) => self.set.deactivate_at(self.current),
                Err(_) => {
                    self.set.deactivate_at(self.current);
                    peers.mark_gone(key);
                }
            }
        }
        None
    }

    /// The next item of peer `key` only (REQ waiting for its reply, ROUTER
    /// reading a new peer's first item); `None` when it has none now.
    pub(crate) fn recv_from(&mut self, key: PeerKey, peers: &mut Peers) -> Option<Item> {
        let peer = peers.get_mut(key)?;
        match peer.rx.try_recv() {
            Ok(item) => {
                if matches!(item, Item::Msg(_)) {
                    peers.last_from = Some(key);
                }
                Some(item)
            }
            Err(TryRecvError::Empty) => {
                self.set.deactivate(key);
                None
            }
            Err(_) => {
                self.set.deactivate(key);
                peers.mark_gone(key);
                None
            }
        }
    }

    /// Every peer in the queue.
    pub(crate) fn iter(&self) -> impl Iterator<Item = PeerKey> + '_ {
        self.set.iter()
    }
}
