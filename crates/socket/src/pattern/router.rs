//! ROUTER (RFC 28 §The ROUTER Socket Type): every message received starts with the routing
//! id of the peer it came from; a message sent is routed by its first
//! frame, which is removed.
//!
//! Identities, as libzmq `router_t::identify_peer` assigns them: the id a
//! peer announced in its READY (ZMQ_ROUTING_ID), or the one named by
//! ZMQ_CONNECT_ROUTING_ID for our own connect, or else a generated 5-byte
//! id (`0x00` + a 32-bit counter). A peer announcing an id another peer
//! holds is ignored (never read, never routed to), unless ROUTER_HANDOVER
//! is set: then it takes the id over and the old peer is closed. Where
//! libzmq would ignore a restarted peer until the old connection times out
//! (libzmq's known pain with peers restarted under the same id), a holder
//! whose connection is already gone is never in the way: the new peer
//! takes the id.
//!
//! Unroutable messages (no such id, or that peer at its high-water mark)
//! are dropped silently, or, with ROUTER_MANDATORY, refused: `HostUnreachable`
//! (EHOSTUNREACH) for an unknown id, `WouldBlock` (EAGAIN, so a blocking
//! send waits up to SNDTIMEO) at the high-water mark.

use ferrozmq_msg::{Msg, Multipart};

use super::dealer::probe;
use super::{Pattern, SendResult};
use crate::error::{RecvError, SendError};
use crate::options::{Options, SocketOption};
use crate::pipe::Item;
use crate::socket::{PeerKey, Peers};
use crate::strategy::{FairQueue, RoutingTable};

/// See the module docs.
#[derive(Debug)]
pub(crate) struct Router {
    fq: FairQueue,
    table: RoutingTable,
    mandatory: bool,
    handover: bool,
    probe: bool,
}

impl Router {
    pub(crate) fn new(options: &Options) -> Self {
        Self {
            fq: FairQueue::default(),
            table: RoutingTable::default(),
            mandatory: options.router_mandatory(),
            handover: options.router_handover(),
            probe: options.probe_router(),
        }
    }

    /// Gives `key` the id it `announced` (empty: a generated one), or
    /// leaves it anonymous when another live peer holds that id and
    /// handover is off.
    fn identify(&mut self, key: PeerKey, announced: &[u8], peers: &mut Peers) {
        if let Some(id) = peers.get(key).and_then(|p| p.routing_id.clone()) {
            self.table.remove(&id, key);
        }
        let id = if announced.is_empty() {
            self.table.generate()
        } else {
            if let Some(holder) = self.table.get(announced).filter(|&h| h != key) {
                let gone = peers.get(holder).is_none_or(|p| p.tx.is_disconnected());
                if !gone && !self.handover {
                    // libzmq ignores the newcomer: never read, never routed.
                    self.fq.detach(key);
                    if let Some(peer) = peers.get_mut(key) {
                        peer.routing_id = None;
                    }
                    return;
                }
                // The holder loses the id and is closed.
                self.table.remove(announced, holder);
                if let Some(old) = peers.get_mut(holder) {
                    old.routing_id = None;
                }
                peers.mark_gone(holder);
            }
            Msg::copy_from_slice(announced)
        };
        self.table.insert(&id, key);
        if let Some(peer) = peers.get_mut(key) {
            peer.routing_id = Some(id);
        }
    }

    /// A control item from `key`.
    fn control(&mut self, key: PeerKey, item: Item, peers: &mut Peers) {
        peers.note(key, &item);
        let Item::Attached(meta) = item else { return };
        let Some(peer) = peers.get(key) else { return };
        let keep = peer.fixed_id
            || peer.routing_id.as_ref().is_some_and(|id| {
                // A reconnection announcing the same id, or none again.
                meta.routing_id.is_empty() || id.as_slice() == meta.routing_id.as_slice()
            });
        if !keep {
            self.identify(key, &meta.routing_id, peers);
        }
    }

    /// Reads a peer's items until it is identified (its first item, an
    /// `Attached`, normally is all there is to read).
    fn identify_waiting(&mut self, key: PeerKey, peers: &mut Peers) {
        while self.fq.contains(key) && peers.get(key).is_some_and(|p| p.routing_id.is_none()) {
            match self.fq.recv_from(key, peers) {
                Some(Item::Msg(_)) => {} // cannot come before `Attached`
                Some(item) => self.control(key, item, peers),
                None => return,
            }
        }
    }
}

impl Pattern for Router {
    fn attach(&mut self, key: PeerKey, peers: &mut Peers) -> bool {
        if self.probe {
            probe(key, peers);
        }
        self.fq.attach(key);
        if let Some(peer) = peers.get_mut(key)
            && let Some(id) = peer.announced_id.take()
        {
            // ZMQ_CONNECT_ROUTING_ID.
            peer.fixed_id = true;
            self.identify(key, &id, peers);
        }
        self.identify_waiting(key, peers);
        true
    }

    fn detach(&mut self, key: PeerKey, peers: &mut Peers) {
        if let Some(id) = peers.get(key).and_then(|p| p.routing_id.as_ref()) {
            self.table.remove(id, key);
        }
        self.fq.detach(key);
    }

    fn activate(&mut self, key: PeerKey, peers: &mut Peers) {
        if !self.fq.contains(key) {
            // An ignored duplicate is never read; its going is seen here.
            if peers.get(key).is_some_and(|p| p.rx.is_disconnected()) {
                peers.mark_gone(key);
            }
            return;
        }
        self.fq.activate(key);
        self.identify_waiting(key, peers);
    }

    fn try_send(&mut self, msg: &mut Multipart, peers: &mut Peers) -> SendResult {
        let Some(first) = msg.first() else {
            return Ok(());
        };
        let Some(key) = self.table.get(first) else {
            return if self.mandatory {
                Err(SendError::HostUnreachable(()))
            } else {
                Ok(())
            };
        };
        if msg.len() == 1 {
            // Nothing after the routing id: nothing to send.
            return Ok(());
        }
        let Some(peer) = peers.get_mut(key) else {
            return Ok(());
        };
        let id = msg.remove(0);
        match peer.tx.try_send_with(|| Item::Msg(core::mem::take(msg))) {
            Ok(()) => Ok(()),
            Err(e) => {
                let full = e.is_full();
                if !full {
                    peers.mark_gone(key);
                }
                if !self.mandatory {
                    return Ok(());
                }
                msg.insert(0, id);
                Err(if full {
                    SendError::WouldBlock(())
                } else {
                    SendError::HostUnreachable(())
                })
            }
        }
    }

    fn try_recv_with<R>(
        &mut self,
        peers: &mut Peers,
        mut f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError> {
        while let Some((key, item)) = self.fq.recv(peers) {
            let Item::Msg(mut msg) = item else {
                self.control(key, item, peers);
                continue;
            };
            let Some(id) = peers.get(key).and_then(|p| p.routing_id.clone()) else {
                continue;
            };
            msg.insert(0, id);
            return Ok(f(&mut msg));
        }
        Err(RecvError::WouldBlock)
    }

    fn has_out(&mut self, peers: &mut Peers) -> bool {
        if !self.mandatory {
            // libzmq `router_t::xhas_out`: always, without MANDATORY.
            return true;
        }
        self.fq.iter().any(|key| {
            peers
                .get_mut(key)
                .is_some_and(|p| p.routing_id.is_some() && p.tx.poll_ready())
        })
    }

    fn check_first_part(&mut self, part: &Msg) -> Result<(), SendError<()>> {
        if self.mandatory && self.table.get(part).is_none() {
            return Err(SendError::HostUnreachable(()));
        }
        Ok(())
    }

    fn set_option(&mut self, option: &SocketOption) {
        match option {
            SocketOption::RouterMandatory(on) => self.mandatory = *on,
            SocketOption::RouterHandover(on) => self.handover = *on,
            SocketOption::ProbeRouter(on) => self.probe = *on,
            _ => {}
        }
    }
}
