//! XPUB and PUB (RFC 29 §The PUB Socket Type, §The XPUB Socket Type): each message goes to every peer
//! subscribed to a prefix of its first frame, as clones of the same
//! handles (no copy of a body); a peer at its high-water mark misses it
//! (XPUB_NODROP: the send is refused with `WouldBlock` instead). PUB is
//! XPUB without receive.
//!
//! XPUB hands the subscriptions to the application as one-frame messages,
//! `0x01` or `0x00` followed by the topic, as libzmq `xpub_t` does: by
//! default only a topic's first subscription and its last cancellation
//! (a peer leaving cancels what it alone held); XPUB_VERBOSE passes every
//! subscription, XPUB_VERBOSER every cancellation too. Messages a peer
//! (an XSUB) sends upstream are received as they are. With XPUB_MANUAL the
//! peers' subscriptions do not filter anything: each is passed on, and
//! the application decides with `subscribe`/`unsubscribe`, which apply to
//! the peer whose subscription it received last. XPUB_WELCOME_MSG is sent
//! to each new peer first.
//!
//! Subscriptions are read whenever a peer's pipe wakes the socket, not
//! only in `recv`, so a PUB that never receives still learns them.

use std::collections::VecDeque;

use ferrozmq_msg::{Msg, Multipart};

use super::{Pattern, SendResult};
use crate::error::{RecvError, SendError};
use crate::options::{Options, SocketOption};
use crate::pipe::Item;
use crate::socket::{PeerKey, Peers};
use crate::strategy::{Distribute, Mtrie, Removed};

/// See the module docs.
#[derive(Debug)]
pub(crate) struct XPub {
    /// XPUB (true) or PUB.
    receives: bool,
    dist: Distribute,
    subs: Mtrie,
    /// XPUB_MANUAL: what each peer itself subscribed to, to cancel when
    /// it leaves.
    manual_subs: Mtrie,
    /// Messages for the application, with the peer a manual-mode
    /// subscription came from, and the peer each came from (its
    /// properties).
    pending: VecDeque<(Multipart, Option<PeerKey>, PeerKey)>,
    verbose_subs: bool,
    verbose_unsubs: bool,
    manual: bool,
    nodrop: bool,
    welcome: Option<Msg>,
    /// XPUB_MANUAL: the peer whose subscription was received last.
    last_peer: Option<PeerKey>,
}

/// `0x01|0x00 ++ topic`, as XPUB hands subscriptions over.
fn notice(subscribe: bool, topic: &[u8]) -> Multipart {
    let mut body = Vec::with_capacity(topic.len() + 1);
    body.push(u8::from(subscribe));
    body.extend_from_slice(topic);
    Multipart::from([Msg::from(body)])
}

impl XPub {
    pub(crate) fn new(options: &Options, receives: bool) -> Self {
        Self {
            receives,
            dist: Distribute::default(),
            subs: Mtrie::default(),
            manual_subs: Mtrie::default(),
            pending: VecDeque::new(),
            verbose_subs: options.xpub_verbose() || options.xpub_verboser(),
            verbose_unsubs: options.xpub_verboser(),
            manual: options.xpub_manual(),
            nodrop: options.xpub_nodrop(),
            welcome: options.xpub_welcome_msg().map(Msg::copy_from_slice),
            last_peer: None,
        }
    }

    /// Reads what the peer sent: subscriptions, cancels, upstream messages.
    fn read(&mut self, key: PeerKey, peers: &mut Peers) {
        peers.drain_control(key, |item| self.on_item(key, item));
    }

    fn on_item(&mut self, key: PeerKey, item: Item) {
        match item {
            Item::Subscribe(topic) => self.on_subscription(key, true, &topic),
            Item::Cancel(topic) => self.on_subscription(key, false, &topic),
            // The peer subscribes again when it reconnects.
            Item::Lost => self.forget(key),
            Item::Msg(msg) if self.receives => self.pending.push_back((msg, None, key)),
            Item::Msg(_) | Item::Attached(_) => {}
        }
    }

    fn on_subscription(&mut self, key: PeerKey, subscribe: bool, topic: &[u8]) {
        if self.manual {
            if subscribe {
                self.manual_subs.add(topic, key);
            } else {
                self.manual_subs.remove(topic, key);
            }
            if self.receives {
                self.pending
                    .push_back((notice(subscribe, topic), Some(key), key));
            }
            return;
        }
        let notify = if subscribe {
            self.subs.add(topic, key) || self.verbose_subs
        } else {
            self.subs.remove(topic, key) != Removed::ValuesRemain || self.verbose_unsubs
        };
        if self.receives && notify {
            self.pending
                .push_back((notice(subscribe, topic), None, key));
        }
    }

    /// Removes every subscription of `key`, passing on the cancels as
    /// libzmq `xpub_t::xpipe_terminated` does.
    fn forget(&mut self, key: PeerKey) {
        let receives = self.receives;
        let pending = &mut self.pending;
        let mut cancel = |topic: &[u8]| {
            if receives {
                pending.push_back((notice(false, topic), None, key));
            }
        };
        if self.manual {
            self.manual_subs.remove_peer(key, true, &mut cancel);
            self.subs.remove_peer(key, true, &mut |_| {});
            if self.last_peer == Some(key) {
                self.last_peer = None;
            }
        } else {
            self.subs.remove_peer(key, self.verbose_unsubs, &mut cancel);
        }
    }
}

impl Pattern for XPub {
    fn attach(&mut self, key: PeerKey, peers: &mut Peers) -> bool {
        self.dist.attach(key);
        if let (Some(welcome), Some(peer)) = (&self.welcome, peers.get_mut(key)) {
            let _ = peer
                .tx
                .try_send(Item::Msg(Multipart::from([welcome.clone()])));
        }
        self.read(key, peers);
        true
    }

    fn detach(&mut self, key: PeerKey, _peers: &mut Peers) {
        self.forget(key);
        self.dist.detach(key);
    }

    fn activate(&mut self, key: PeerKey, peers: &mut Peers) {
        self.dist.activate(key);
        self.read(key, peers);
    }

    fn try_send(&mut self, msg: &mut Multipart, peers: &mut Peers) -> SendResult {
        let topic = msg.first().map_or(&[][..], |m| m.as_slice());
        self.dist.start_matching();
        let dist = &mut self.dist;
        self.subs.matches(topic, |key| dist.mark_matching(key));
        if self.nodrop && !self.dist.matching_have_room(peers) {
            return Err(SendError::WouldBlock(()));
        }
        self.dist.send_to_matching(core::mem::take(msg), peers);
        Ok(())
    }

    fn try_recv_with<R>(
        &mut self,
        peers: &mut Peers,
        mut f: impl FnMut(&mut Multipart) -> R,
    ) -> Result<R, RecvError> {
        if !self.receives {
            return Err(RecvError::NotSupported);
        }
        let (mut msg, from, origin) = self.pending.pop_front().ok_or(RecvError::WouldBlock)?;
        peers.last_from = Some(origin);
        if self.manual {
            self.last_peer = from.filter(|&key| self.dist.contains(key));
        }
        Ok(f(&mut msg))
    }

    fn has_out(&mut self, _peers: &mut Peers) -> bool {
        // libzmq `dist_t::has_out`: a PUB can always send (it drops).
        true
    }

    fn set_option(&mut self, option: &SocketOption) {
        match option {
            SocketOption::XpubVerbose(on) => {
                self.verbose_subs = *on;
                self.verbose_unsubs = false;
            }
            SocketOption::XpubVerboser(on) => {
                self.verbose_subs = *on;
                self.verbose_unsubs = *on;
            }
            SocketOption::XpubManual(on) => self.manual = *on,
            SocketOption::XpubNodrop(on) => self.nodrop = *on,
            SocketOption::XpubWelcomeMsg(body) => {
                self.welcome = (!body.is_empty()).then(|| Msg::copy_from_slice(body));
            }
            _ => {}
        }
    }

    fn subscription(&mut self, subscribe: bool, topic: &[u8], _peers: &mut Peers) -> Option<()> {
        if !self.manual {
            return None;
        }
        if let Some(key) = self.last_peer {
            if subscribe {
                self.subs.add(topic, key);
            } else {
                self.subs.remove(topic, key);
            }
        }
        Some(())
    }
}
