//! A thread-free harness for the pattern tests, in the spirit of
//! quinn-proto's in-memory connection pairs: an [`Engine`] whose peers are
//! pipes in memory, their far ends held by the test. No I/O thread, no
//! sleeping: a test sends and receives on both sides step by step and
//! asserts bytes, counts and orders.

use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_wire::SocketType;

use crate::error::{RecvError, SendError};
use crate::options::{Options, SocketOption};
use crate::pattern::AnyPattern;
use crate::pipe::{Item, PeerMeta, PipeReader, PipeWriter, TryRecvError, pipe};
use crate::properties::PeerProperties;
use crate::readiness::Readiness;
use crate::signal::Signal;
use crate::socket::{Engine, Hub, NewPeer, Origin, PeerWake};
use crate::sync::StdArc;

/// The far end of one in-memory peer.
pub(crate) struct Far {
    tx: PipeWriter<Item>,
    rx: PipeReader<Item>,
    wake: StdArc<PeerWake>,
}

/// A socket's engine with in-memory peers (see the module docs).
pub(crate) struct Harness {
    pub(crate) engine: Engine,
    pub(crate) far: Vec<Option<Far>>,
    hwm: usize,
}

/// A message of these frames.
pub(crate) fn msg(frames: &[&[u8]]) -> Multipart {
    frames.iter().map(|f| Msg::copy_from_slice(f)).collect()
}

/// The frames of `m`, as vectors.
pub(crate) fn frames(m: &Multipart) -> Vec<Vec<u8>> {
    m.iter().map(|f| f.to_vec()).collect()
}

impl Harness {
    /// A socket of `socket_type` with `options`, no peers, pipes of `hwm`.
    pub(crate) fn new(socket_type: SocketType, options: &[SocketOption], hwm: usize) -> Self {
        let mut opts = Options::new();
        for o in options {
            opts.set(o.clone()).unwrap();
        }
        let pattern = AnyPattern::new(socket_type, &opts).unwrap();
        Self {
            engine: Engine::new(Hub::new(), pattern),
            far: Vec::new(),
            hwm,
        }
    }

    /// A peer of `peer_type` announcing `routing_id` (empty: none), as a
    /// session delivers it: placed first, its `Attached` after. Returns its
    /// index.
    pub(crate) fn connect(&mut self, peer_type: SocketType, routing_id: &[u8]) -> usize {
        let i = self.add(None);
        self.attached(i, peer_type, routing_id);
        i
    }

    /// A peer placed without an `Attached` yet (a connection not up);
    /// `connect_id`: ZMQ_CONNECT_ROUTING_ID.
    pub(crate) fn add(&mut self, connect_id: Option<&[u8]>) -> usize {
        let hub = StdArc::clone(&self.engine.hub);
        let wake = PeerWake::new(&hub);
        let far_signal: StdArc<dyn Signal> = StdArc::new(Readiness::new());
        let (far_tx, rx) = pipe(self.hwm, wake.signal(), StdArc::clone(&far_signal));
        let (tx, far_rx) = pipe(self.hwm, far_signal, wake.signal());
        self.engine.adopt(NewPeer {
            tx,
            rx,
            wake: StdArc::clone(&wake),
            origin: Origin::Connected(0),
            routing_id: connect_id.map(<[u8]>::to_vec),
        });
        self.far.push(Some(Far {
            tx: far_tx,
            rx: far_rx,
            wake,
        }));
        self.far.len() - 1
    }

    fn far(&mut self, i: usize) -> &mut Far {
        self.far[i].as_mut().expect("peer dropped")
    }

    /// Peer `i` completes a handshake.
    pub(crate) fn attached(&mut self, i: usize, peer_type: SocketType, routing_id: &[u8]) {
        let meta = PeerMeta {
            socket_type: peer_type,
            routing_id: routing_id.to_vec(),
            properties: PeerProperties::inproc(peer_type, routing_id.to_vec()),
        };
        let far = self.far(i);
        // A refused peer's pipe is gone: nobody to tell.
        let _ = far.tx.try_send(Item::Attached(Box::new(meta)));
        far.wake.set_connected(true);
    }

    /// Peer `i` loses its connection (a connecting session).
    pub(crate) fn lost(&mut self, i: usize) {
        let far = self.far(i);
        far.tx.try_send(Item::Lost).unwrap();
        far.wake.set_connected(false);
    }

    /// Peer `i` sends a message; false when its pipe is full.
    pub(crate) fn peer_send(&mut self, i: usize, frames: &[&[u8]]) -> bool {
        self.far(i).tx.try_send(Item::Msg(msg(frames))).is_ok()
    }

    /// Peer `i` sends a control item.
    pub(crate) fn peer_item(&mut self, i: usize, item: Item) {
        self.far(i).tx.try_send(item).unwrap();
    }

    /// Every item peer `i` has received so far, messages as frames,
    /// subscriptions as `[b"+", topic]` / `[b"-", topic]`.
    pub(crate) fn peer_recv(&mut self, i: usize) -> Vec<Vec<Vec<u8>>> {
        let mut got = Vec::new();
        loop {
            match self.far(i).rx.try_recv() {
                Ok(Item::Msg(m)) => got.push(frames(&m)),
                Ok(Item::Subscribe(t)) => got.push(vec![b"+".to_vec(), t.to_vec()]),
                Ok(Item::Cancel(t)) => got.push(vec![b"-".to_vec(), t.to_vec()]),
                Ok(_) => {}
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return got,
            }
        }
    }

    /// Whether peer `i`'s pipes were dropped by the socket.
    pub(crate) fn peer_closed(&mut self, i: usize) -> bool {
        self.far(i).tx.is_disconnected()
    }

    /// Peer `i` goes away (its session ended).
    pub(crate) fn drop_peer(&mut self, i: usize) {
        self.far[i] = None;
    }

    /// The socket sends.
    pub(crate) fn send(&mut self, frames: &[&[u8]]) -> Result<(), SendError<Multipart>> {
        let mut msg = msg(frames);
        self.engine.try_send(&mut msg).map_err(|e| e.map(|()| msg))
    }

    /// The socket receives.
    pub(crate) fn recv(&mut self) -> Result<Vec<Vec<u8>>, RecvError> {
        self.engine.try_recv().map(|m| frames(&m))
    }
}
