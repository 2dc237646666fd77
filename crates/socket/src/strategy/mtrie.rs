//! [`Mtrie`]: subscriptions by peer (libzmq `mtrie_t`): a prefix trie whose
//! nodes hold the set of peers subscribed to that exact prefix. A message
//! goes to every peer found on the path of its first frame (RFC 29 §The PUB Socket Type:
//! prefix matching). Knowing the set per topic is what lets XPUB report
//! the first subscription and the last cancellation of a topic (RFC 29
//! §2.5), and forget a departed peer's subscriptions in one walk.
//!
//! Sets are sets: a peer subscribing twice to a topic is in its set once,
//! and one cancel removes it, as libzmq's `mtrie_t` does (libzmq's SUB
//! sends one SUBSCRIBE per topic).

use super::prefix_tree::{PrefixTree, Value};
use crate::socket::PeerKey;

/// What [`Mtrie::remove`] found (libzmq's `rm_result`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removed {
    /// The peer had not subscribed to that prefix.
    NotFound,
    /// It had, and was the last one.
    LastValue,
    /// It had, and others still have.
    ValuesRemain,
}

impl Value for Vec<PeerKey> {
    fn is_empty(&self) -> bool {
        Vec::is_empty(self)
    }
}

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Mtrie {
    tree: PrefixTree<Vec<PeerKey>>,
}

impl Mtrie {
    /// Subscribes `key` to `prefix`; true when nobody was subscribed to
    /// that exact prefix before (libzmq: the subscription is new).
    pub(crate) fn add(&mut self, prefix: &[u8], key: PeerKey) -> bool {
        let peers = self.tree.entry(prefix);
        let first = peers.is_empty();
        if !peers.contains(&key) {
            peers.push(key);
        }
        first
    }

    /// Cancels `key`'s subscription to `prefix`.
    pub(crate) fn remove(&mut self, prefix: &[u8], key: PeerKey) -> Removed {
        self.tree
            .update(prefix, |peers| match peers.iter().position(|&k| k == key) {
                None => Removed::NotFound,
                Some(i) => {
                    peers.swap_remove(i);
                    if peers.is_empty() {
                        Removed::LastValue
                    } else {
                        Removed::ValuesRemain
                    }
                }
            })
            .unwrap_or(Removed::NotFound)
    }

    /// Removes every subscription of `key`, calling `on_removed` with each
    /// prefix it held: all of them with `every`, otherwise only those it
    /// was the last subscriber of.
    pub(crate) fn remove_peer(
        &mut self,
        key: PeerKey,
        every: bool,
        on_removed: &mut dyn FnMut(&[u8]),
    ) {
        let mut held = Vec::new();
        self.tree.for_each(|prefix, peers| {
            if peers.contains(&key) {
                held.push(prefix.to_vec());
            }
        });
        for prefix in held {
            if self.remove(&prefix, key) == Removed::LastValue || every {
                on_removed(&prefix);
            }
        }
    }

    /// Calls `each` for every peer subscribed to a prefix of `data` (a
    /// peer subscribed to several such prefixes, once per prefix).
    pub(crate) fn matches(&self, data: &[u8], mut each: impl FnMut(PeerKey)) {
        self.tree.along(data, |peers| {
            peers.iter().for_each(|&k| each(k));
            true
        });
    }

    /// Whether nobody subscribed to anything.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::test_keys;

    fn matched(t: &Mtrie, data: &[u8]) -> Vec<PeerKey> {
        let mut v = Vec::new();
        t.matches(data, |k| v.push(k));
        v.sort_by_key(|k| k.index());
        v
    }

    #[test]
    fn first_subscribe_and_last_cancel_are_reported() {
        let k = test_keys(3);
        let mut t = Mtrie::default();
        assert!(t.add(b"AB", k[0]));
        assert!(!t.add(b"AB", k[1]));
        assert!(!t.add(b"AB", k[1])); // a set: still one entry
        assert!(t.add(b"", k[2]));
        assert_eq!(matched(&t, b"ABC"), [k[0], k[1], k[2]]);
        assert_eq!(matched(&t, b"A"), [k[2]]);
        assert_eq!(t.remove(b"AB", k[1]), Removed::ValuesRemain);
        assert_eq!(t.remove(b"AB", k[1]), Removed::NotFound);
        assert_eq!(t.remove(b"AB", k[0]), Removed::LastValue);
        assert_eq!(t.remove(b"XYZ", k[0]), Removed::NotFound);
        assert_eq!(matched(&t, b"ABC"), [k[2]]);
    }

    #[test]
    fn removing_a_peer_reports_its_topics() {
        let k = test_keys(2);
        let mut t = Mtrie::default();
        t.add(b"a", k[0]);
        t.add(b"ab", k[0]);
        t.add(b"ab", k[1]);
        let mut last = Vec::new();
        t.remove_peer(k[0], false, &mut |p| last.push(p.to_vec()));
        assert_eq!(last, [b"a".to_vec()]);
        let mut every = Vec::new();
        t.remove_peer(k[1], true, &mut |p| every.push(p.to_vec()));
        assert_eq!(every, [b"ab".to_vec()]);
        assert!(t.is_empty());
    }
}
