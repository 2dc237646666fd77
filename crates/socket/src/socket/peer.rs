//! A socket's peers: [`Peers`], a slab of [`Peer`]s under stable
//! [`PeerKey`]s (O(1) add and remove, so a peer leaving never shifts the
//! others' places in a round robin), and the per-peer activation that
//! tells the socket *which* peer's pipes changed.
//!
//! Activation: both socket-side pipe ends of a peer signal the peer's own
//! [`PeerWake`]. A notification (the pipe's: the socket had found that pipe
//! empty or full, and it changed, or the other end went) appends the
//! peer's key to the socket's ready list in its [`Hub`] and moves the
//! socket's [`Readiness`]. The socket takes the list before each operation
//! and re-activates just those peers in its strategies (libzmq's
//! `activate_read`/`activate_write` commands), so a fair queue over 10 000
//! peers looks at the ready ones only. The list is a `Vec` swapped with the
//! socket's own, so a wake-up allocates nothing once both have grown.
//!
//! A pipe made before the socket has placed its peer (an accepted
//! connection's, made on the I/O thread) notifies a wake without a key:
//! the new peer starts active everywhere, so only the [`Readiness`] needs
//! moving then. The key is stored before the socket first looks at the
//! pipes, and read by a notifier only after the pipe handshake's `SeqCst`
//! fences, which order the two (see `loom_key_published_before_a_look`).

use crossbeam_queue::SegQueue;
use ferrozmq_msg::Msg;
use ferrozmq_wire::SocketType;

use crate::pipe::{Item, PipeReader, PipeWriter};
use crate::properties::PeerProperties;
use crate::readiness::Readiness;
use crate::signal::Signal;
use crate::sync::{AtomicBool, AtomicUsize, Mutex, Ordering, StdArc, lock};

/// A peer's place in [`Peers`]: slot index and that slot's generation, so
/// a stale key never names the slot's next tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct PeerKey {
    index: u32,
    generation: u32,
}

impl PeerKey {
    /// The slot index, for tables indexed by slot.
    pub(crate) fn index(self) -> usize {
        self.index as usize
    }

    fn pack(self) -> usize {
        ((self.generation as usize) << 32) | self.index as usize
    }

    fn unpack(packed: usize) -> Self {
        Self {
            index: packed as u32,
            generation: (packed >> 32) as u32,
        }
    }
}

/// What the socket shares with everything that wakes it.
#[derive(Debug, Default)]
pub(crate) struct Hub {
    /// Moved by every wake-up; the socket's one wait is on it.
    pub(crate) readiness: Readiness,
    /// Keys of peers whose pipes notified since the socket last looked.
    ready: Mutex<Vec<usize>>,
    /// Set after a key is queued in `ready`, so the socket skips the lock
    /// when nothing was (the common case on a busy socket).
    queued: AtomicBool,
    /// Peers made elsewhere (accepted by an I/O thread, joined over
    /// inproc), waiting for the socket to place them.
    incoming: SegQueue<NewPeer>,
}

impl Hub {
    /// A hub with nothing pending.
    pub(crate) fn new() -> StdArc<Self> {
        StdArc::new(Self::default())
    }

    /// Hands a new peer to the socket and wakes it.
    pub(crate) fn offer(&self, peer: NewPeer) {
        self.incoming.push(peer);
        self.readiness.notify();
    }

    /// The next peer offered, if any.
    pub(crate) fn take_offered(&self) -> Option<NewPeer> {
        // Two loads first: a busy socket asks on every operation, and
        // `pop` on an empty `SegQueue` pays a `SeqCst` fence to say so. A
        // peer offered after this look moves the readiness after its push,
        // so the next look (which any waiter makes) finds it.
        if self.incoming.is_empty() {
            return None;
        }
        self.incoming.pop()
    }

    /// Swaps the ready list with `into` (which must be empty): the keys
    /// notified since the last call.
    pub(crate) fn take_ready(&self, into: &mut Vec<PeerKey>, scratch: &mut Vec<usize>) {
        debug_assert!(scratch.is_empty());
        // A key queued after this swap sets the flag again after it is in
        // the list, and moves the readiness after that: it is taken by the
        // next call, which any waiter makes before it waits again.
        // A plain load first: a busy socket finds nothing queued on almost
        // every operation, and pays no read-modify-write for it.
        if !self.queued.load(Ordering::Relaxed) || !self.queued.swap(false, Ordering::Acquire) {
            return;
        }
        core::mem::swap(&mut *lock(&self.ready), scratch);
        into.extend(scratch.drain(..).map(PeerKey::unpack));
    }

    fn activate(&self, key: usize) {
        if key != NO_KEY {
            lock(&self.ready).push(key);
            self.queued.store(true, Ordering::Release);
        }
        self.readiness.notify();
    }
}

/// A peer's wake-up: the socket-side signal of both its pipes (see the
/// module docs).
#[derive(Debug)]
pub(crate) struct PeerWake {
    hub: StdArc<Hub>,
    key: AtomicUsize,
    /// A connection to the peer is up (its handshake done; over inproc,
    /// always). Set by the session, read by ZMQ_IMMEDIATE's load balancer
    /// without touching the pipe.
    connected: AtomicBool,
}

const NO_KEY: usize = usize::MAX;

impl PeerWake {
    /// A wake for a peer not placed yet.
    pub(crate) fn new(hub: &StdArc<Hub>) -> StdArc<Self> {
        StdArc::new(Self {
            hub: StdArc::clone(hub),
            key: AtomicUsize::new(NO_KEY),
            connected: AtomicBool::new(false),
        })
    }

    /// The session's connection came up (true) or went (false); wakes the
    /// socket, whose load balancer may now use the peer or not.
    pub(crate) fn set_connected(&self, up: bool) {
        self.connected.store(up, Ordering::Release);
        self.notify();
    }

    /// As a pipe signal.
    pub(crate) fn signal(self: &StdArc<Self>) -> StdArc<dyn Signal> {
        StdArc::clone(self) as StdArc<dyn Signal>
    }

    fn place(&self, key: PeerKey) {
        self.key.store(key.pack(), Ordering::Release);
    }
}

impl Signal for PeerWake {
    fn notify(&self) {
        self.hub.activate(self.key.load(Ordering::Acquire));
    }
}

/// Where a peer came from, for `unbind` and `disconnect`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// Accepted on the bind with this id.
    Bound(u64),
    /// Made by the connect with this id.
    Connected(u64),
}

/// A peer as it arrives: the socket ends of its pipes and its wake.
pub(crate) struct NewPeer {
    pub(crate) tx: PipeWriter<Item>,
    pub(crate) rx: PipeReader<Item>,
    pub(crate) wake: StdArc<PeerWake>,
    pub(crate) origin: Origin,
    /// Set for a connect with ZMQ_CONNECT_ROUTING_ID: the routing id the
    /// ROUTER knows this peer by from the start.
    pub(crate) routing_id: Option<Vec<u8>>,
}

/// One peer of a socket.
pub(crate) struct Peer {
    pub(crate) tx: PipeWriter<Item>,
    pub(crate) rx: PipeReader<Item>,
    wake: StdArc<PeerWake>,
    pub(crate) origin: Origin,
    /// The peer's socket type, once its handshake is done.
    pub(crate) socket_type: Option<SocketType>,
    /// ROUTER: the id this peer is routed by (a frame, so handing it to
    /// the application is one refcount increment, never a copy).
    pub(crate) routing_id: Option<Msg>,
    /// The routing id the peer announced (ZMQ_CONNECT_ROUTING_ID or its
    /// READY), before the ROUTER decided.
    pub(crate) announced_id: Option<Vec<u8>>,
    /// ROUTER: the id was named by ZMQ_CONNECT_ROUTING_ID and stays.
    pub(crate) fixed_id: bool,
    /// What the last `Attached` said about the peer, for the messages
    /// read after it (see `properties.rs`).
    properties: Option<PeerProperties>,
}

impl Peer {
    /// Whether a connection to the peer is up: ZMQ_IMMEDIATE queues only
    /// to such peers.
    pub(crate) fn is_connected(&self) -> bool {
        self.wake.connected.load(Ordering::Acquire)
    }
}

/// The slab of a socket's peers (see the module docs).
#[derive(Default)]
pub(crate) struct Peers {
    slots: Vec<Slot>,
    free: Vec<u32>,
    len: usize,
    /// Peers found gone by a strategy during an operation; the socket
    /// detaches and removes them once the operation is over.
    gone: Vec<PeerKey>,
    /// The peer the last message read from a pipe came from: set by the
    /// strategies with each message (one store), for the message
    /// properties.
    pub(crate) last_from: Option<PeerKey>,
    /// The peer of the message the socket last handed to the application
    /// (it differs from `last_from` while a message read ahead waits).
    pub(crate) delivered: Option<PeerKey>,
    /// The properties of removed peers that `last_from` or `delivered`
    /// still names (at most two): a peer that sent one message and left
    /// is still known for that message.
    departed: Vec<(PeerKey, PeerProperties)>,
}

struct Slot {
    generation: u32,
    peer: Option<Peer>,
}

impl Peers {
    /// Places `new`, returning its key.
    pub(crate) fn insert(&mut self, new: NewPeer) -> PeerKey {
        let index = match self.free.pop() {
            Some(i) => i,
            None => {
                self.slots.push(Slot {
                    generation: 0,
                    peer: None,
                });
                u32::try_from(self.slots.len() - 1).expect("fewer than 2^32 peers")
            }
        };
        let slot = &mut self.slots[index as usize];
        let key = PeerKey {
            index,
            generation: slot.generation,
        };
        // Before the socket first looks at the pipes (see the module docs).
        new.wake.place(key);
        slot.peer = Some(Peer {
            tx: new.tx,
            rx: new.rx,
            wake: new.wake,
            origin: new.origin,
            socket_type: None,
            routing_id: None,
            announced_id: new.routing_id,
            fixed_id: false,
            properties: None,
        });
        self.len += 1;
        key
    }

    /// Removes the peer under `key`, dropping its pipe ends (its session
    /// then ends, after writing what it holds: linger).
    pub(crate) fn remove(&mut self, key: PeerKey) -> Option<Peer> {
        let slot = self.slots.get_mut(key.index())?;
        if slot.generation != key.generation {
            return None;
        }
        let peer = slot.peer.take()?;
        slot.generation = slot.generation.wrapping_add(1);
        if let Some(props) = &peer.properties
            && (self.last_from == Some(key) || self.delivered == Some(key))
        {
            let (last, delivered) = (self.last_from, self.delivered);
            self.departed
                .retain(|(k, _)| Some(*k) == last || Some(*k) == delivered);
            self.departed.push((key, props.clone()));
        }
        self.free.push(key.index);
        self.len -= 1;
        // A late notification of the old pipes must not name a new tenant.
        peer.wake.key.store(NO_KEY, Ordering::Release);
        Some(peer)
    }

    /// The peer under `key`, if it is still there.
    pub(crate) fn get(&self, key: PeerKey) -> Option<&Peer> {
        let slot = self.slots.get(key.index())?;
        (slot.generation == key.generation)
            .then_some(slot.peer.as_ref())
            .flatten()
    }

    /// The peer under `key`, if it is still there.
    pub(crate) fn get_mut(&mut self, key: PeerKey) -> Option<&mut Peer> {
        let slot = self.slots.get_mut(key.index())?;
        (slot.generation == key.generation)
            .then_some(slot.peer.as_mut())
            .flatten()
    }

    /// Every peer's key.
    pub(crate) fn keys(&self) -> impl Iterator<Item = PeerKey> + '_ {
        self.slots.iter().zip(0u32..).filter_map(|(slot, index)| {
            slot.peer.as_ref().map(|_| PeerKey {
                index,
                generation: slot.generation,
            })
        })
    }

    /// The properties of the peer under `key`, also shortly after it left
    /// (see `departed`).
    pub(crate) fn properties(&self, key: PeerKey) -> Option<PeerProperties> {
        match self.get(key) {
            Some(peer) => peer.properties.clone(),
            None => self
                .departed
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, p)| p.clone()),
        }
    }

    /// How many peers there are.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Notes what a control item says about the peer under `key` (its
    /// type and announced id); returns whether the item was a control
    /// item.
    pub(crate) fn note(&mut self, key: PeerKey, item: &Item) -> bool {
        let Some(peer) = self.get_mut(key) else {
            return !matches!(item, Item::Msg(_));
        };
        match item {
            Item::Msg(_) => return false,
            Item::Attached(meta) => {
                peer.socket_type = Some(meta.socket_type);
                peer.announced_id = Some(meta.routing_id.clone());
                peer.properties = Some(meta.properties.clone());
            }
            Item::Lost | Item::Subscribe(_) | Item::Cancel(_) => {}
        }
        true
    }

    /// Reads and notes the control items waiting in the peer's pipe (for
    /// types that receive nothing else from it); messages are dropped.
    /// Returns the subscriptions and cancellations met, in order, through
    /// `each`.
    pub(crate) fn drain_control(&mut self, key: PeerKey, mut each: impl FnMut(Item)) {
        loop {
            let Some(peer) = self.get_mut(key) else {
                return;
            };
            match peer.rx.try_recv() {
                Ok(item) => {
                    self.note(key, &item);
                    each(item);
                }
                Err(crate::pipe::TryRecvError::Empty) => return,
                Err(_) => {
                    self.mark_gone(key);
                    return;
                }
            }
        }
    }

    /// Notes that the peer under `key` is gone (its pipe said
    /// `Disconnected`); see [`take_gone`](Self::take_gone).
    pub(crate) fn mark_gone(&mut self, key: PeerKey) {
        if !self.gone.contains(&key) {
            self.gone.push(key);
        }
    }

    /// The peers marked gone since the last call.
    pub(crate) fn take_gone(&mut self) -> Option<PeerKey> {
        self.gone.pop()
    }
}

/// `n` keys of distinct slots, for the strategies' unit tests.
#[cfg(test)]
pub(crate) fn test_keys(n: u32) -> Vec<PeerKey> {
    (0..n)
        .map(|index| PeerKey {
            index,
            generation: 0,
        })
        .collect()
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::pipe::{PeerMeta, pipe};

    /// A peer whose socket-side pipes are in `peers`, and the session's
    /// end that feeds it.
    fn peer(peers: &mut Peers, hub: &StdArc<Hub>) -> (PeerKey, PipeWriter<Item>) {
        let wake = PeerWake::new(hub);
        let session = StdArc::new(Readiness::new()) as StdArc<dyn Signal>;
        let (to_socket, rx) = pipe::<Item>(4, wake.signal(), StdArc::clone(&session));
        let (tx, _from_socket) = pipe::<Item>(4, session, wake.signal());
        let key = peers.insert(NewPeer {
            tx,
            rx,
            wake,
            origin: Origin::Connected(0),
            routing_id: None,
        });
        (key, to_socket)
    }

    fn attached(peers: &mut Peers, key: PeerKey, id: &[u8]) {
        let meta = PeerMeta {
            socket_type: SocketType::Push,
            routing_id: id.to_vec(),
            properties: PeerProperties::inproc(SocketType::Push, id.to_vec()),
        };
        assert!(peers.note(key, &Item::Attached(Box::new(meta))));
    }

    fn routing_id(peers: &Peers, key: PeerKey) -> Option<Vec<u8>> {
        peers.properties(key).map(|p| p.routing_id().to_vec())
    }

    #[test]
    fn properties_follow_attached_and_outlive_a_peer_still_named() {
        let hub = Hub::new();
        let mut peers = Peers::default();
        let (a, _ta) = peer(&mut peers, &hub);
        let (b, _tb) = peer(&mut peers, &hub);
        let (c, _tc) = peer(&mut peers, &hub);
        assert_eq!(routing_id(&peers, a), None, "nothing attached yet");
        attached(&mut peers, a, b"a");
        attached(&mut peers, b, b"b");
        attached(&mut peers, c, b"c");
        // A reconnection's `Attached` replaces the properties.
        attached(&mut peers, a, b"a2");
        assert_eq!(routing_id(&peers, a).as_deref(), Some(&b"a2"[..]));

        peers.delivered = Some(a);
        peers.last_from = Some(b);
        peers.remove(a);
        peers.remove(b);
        peers.remove(c);
        assert_eq!(routing_id(&peers, a).as_deref(), Some(&b"a2"[..]));
        assert_eq!(routing_id(&peers, b).as_deref(), Some(&b"b"[..]));
        assert_eq!(routing_id(&peers, c), None, "no longer named: dropped");
        assert_eq!(peers.departed.len(), 2);

        // The slot's next tenant is a different key.
        let (d, _td) = peer(&mut peers, &hub);
        assert_ne!(d, a);
        assert_eq!(routing_id(&peers, d), None);
        // Removals keep only what is still named.
        peers.delivered = Some(d);
        peers.last_from = Some(d);
        attached(&mut peers, d, b"d");
        peers.remove(d);
        assert_eq!(peers.departed.len(), 1);
        assert_eq!(routing_id(&peers, d).as_deref(), Some(&b"d"[..]));
    }
}

#[cfg(all(test, loom))]
mod loom_tests {
    use loom::thread;

    use super::*;
    use crate::pipe::pipe;

    /// The socket places a peer accepted elsewhere and then looks at its
    /// pipe (finding it empty) while the session sends: the send's
    /// notification carries the key, so the peer is in the ready list (or
    /// the look found the message).
    #[test]
    fn loom_key_published_before_a_look() {
        loom::model(|| {
            let hub = Hub::new();
            let wake = PeerWake::new(&hub);
            let session_signal = StdArc::new(Readiness::new()) as StdArc<dyn Signal>;
            let (mut to_socket, rx) = pipe::<Item>(4, wake.signal(), session_signal.clone());
            let (tx, _from_socket) = pipe::<Item>(4, session_signal, wake.signal());
            let mut peers = Peers::default();
            let sender = thread::spawn(move || {
                to_socket.try_send(Item::Lost).unwrap();
                to_socket
            });
            let key = peers.insert(NewPeer {
                tx,
                rx,
                wake,
                origin: Origin::Connected(0),
                routing_id: None,
            });
            let found = peers.get_mut(key).unwrap().rx.try_recv().is_ok();
            let to_socket = sender.join().unwrap();
            let mut ready = Vec::new();
            hub.take_ready(&mut ready, &mut Vec::new());
            assert!(
                found || ready == [key],
                "the send was neither seen nor announced"
            );
            drop(to_socket);
        });
    }
}
