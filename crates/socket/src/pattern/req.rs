//! REQ (RFC 28 §The REQ Socket Type): DEALER plus the envelope and strict alternation.
//!
//! A request gets the empty delimiter frame in front (and, with
//! REQ_CORRELATE, a 4-byte request id before it, as libzmq `req_t` does),
//! goes to the next peer by load balance, and the reply is accepted only
//! from that peer, with that envelope; anything else is dropped. Sending
//! twice without a reply in between is `State` (EFSM), and so is receiving
//! without a request.
//!
//! Recovery, where libzmq's plain REQ would wait forever: when the asked
//! peer's connection is lost (or the peer goes), the request is forgotten:
//! a waiting `recv` fails with `State` and a new request may be sent.
//! Anything a new request finds in the pipes answers an older one and is
//! dropped. REQ_RELAXED lets a new request go while one is awaited (which
//! is forgotten); REQ_CORRELATE makes sure a late reply to a forgotten
//! request is never taken for the new one's.

use ferrozmq_msg::{Msg, Multipart};

use super::dealer::Dealer;
use super::{Pattern, SendResult};
use crate::error::{RecvError, SendError};
use crate::options::{Options, SocketOption};
use crate::pipe::Item;
use crate::socket::{PeerKey, Peers};

/// See the module docs.
#[derive(Debug)]
pub(crate) struct Req {
    dealer: Dealer,
    /// Waiting for the reply from this peer.
    awaiting: Option<PeerKey>,
    relaxed: bool,
    correlate: bool,
    /// REQ_CORRELATE: the id of the last request sent.
    request_id: u32,
}

impl Req {
    pub(crate) fn new(options: &Options) -> Self {
        Self {
            dealer: Dealer::new(options),
            awaiting: None,
            relaxed: options.req_relaxed(),
            correlate: options.req_correlate(),
            request_id: 0,
        }
    }

    /// Drops what every peer's pipe holds now: replies to earlier requests
    /// and notices of connections lost before this request.
    fn drop_stale(&mut self, peers: &mut Peers) {
        while let Some((key, item)) = self.dealer.fq.recv(peers) {
            peers.note(key, &item);
        }
    }

    /// The reply in `msg`, if it answers the request awaited.
    fn reply(&self, mut msg: Multipart) -> Option<Multipart> {
        if self.correlate {
            if msg.first()?.as_slice() != self.request_id.to_be_bytes() {
                return None;
            }
            msg.remove(0);
        }
        if !msg.first()?.is_empty() {
            return None;
        }
        msg.remove(0);
        (!msg.is_empty()).then_some(msg)
    }
}

impl Pattern for Req {
    fn attach(&mut self, key: PeerKey, peers: &mut Peers) -> bool {
        self.dealer.attach(key, peers)
    }

    fn detach(&mut self, key: PeerKey, peers: &mut Peers) {
        // The request is forgotten: a waiting `recv` fails with `State`.
        if self.awaiting == Some(key) {
            self.awaiting = None;
        }
        self.dealer.detach(key, peers);
    }

    fn activate(&mut self, key: PeerKey, peers: &mut Peers) {
        self.dealer.activate(key, peers);
    }

    fn try_send(&mut self, msg: &mut Multipart, peers: &mut Peers) -> SendResult {
        if self.awaiting.is_some() && !self.relaxed {
            return Err(SendError::State(()));
        }
        self.drop_stale(peers);
        let mut whole = Multipart::new();
        if self.correlate {
            self.request_id = self.request_id.wrapping_add(1);
            whole.push(Msg::copy_from_slice(&self.request_id.to_be_bytes()));
        }
        whole.push(Msg::new());
        let envelope = whole.len();
        whole.extend(msg.drain(..));
        match self.dealer.send_to_next(&mut whole, peers) {
            Ok(key) => {
                self.awaiting = Some(key);
                Ok(())
            }
            Err(e) => {
                // The caller's parts go back to its place, without the envelope.
                msg.extend(whole.drain(envelope..));
                Err(e)
            }
        }
    }

    fn try_recv_with<R>(
        &mut self,
        peers: &mut Peers,
        mut f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError> {
        let Some(key) = self.awaiting else {
            return Err(RecvError::State);
        };
        // Only the peer asked can answer (libzmq `req_t::recv_reply_pipe`);
        // what others send is stale and dropped at the next request.
        while let Some(item) = self.dealer.fq.recv_from(key, peers) {
            match item {
                Item::Msg(msg) => {
                    if let Some(mut reply) = self.reply(msg) {
                        self.awaiting = None;
                        return Ok(f(&mut reply));
                    }
                }
                Item::Lost => {
                    peers.note(key, &Item::Lost);
                    self.awaiting = None;
                    return Err(RecvError::State);
                }
                other => {
                    peers.note(key, &other);
                }
            }
        }
        Err(RecvError::WouldBlock)
    }

    fn has_out(&mut self, peers: &mut Peers) -> bool {
        (self.awaiting.is_none() || self.relaxed) && self.dealer.has_out(peers)
    }

    fn set_option(&mut self, option: &SocketOption) {
        match option {
            SocketOption::ReqRelaxed(on) => self.relaxed = *on,
            SocketOption::ReqCorrelate(on) => self.correlate = *on,
            other => self.dealer.set_option(other),
        }
    }
}
