//! [`Mtrie`]: subscriptions by peer (libzmq `mtrie_t`): a prefix trie whose
//! nodes hold the set of peers subscribed to that exact prefix. A message
//! goes to every peer found on the path of its first frame (RFC 29 §2.3:
//! prefix matching). Knowing the set per topic is what lets XPUB report
//! the first subscription and the last cancellation of a topic (RFC 29
//! §2.5), and forget a departed peer's subscriptions in one walk.
//!
//! Sets are sets: a peer subscribing twice to a topic is in its set once,
//! and one cancel removes it, as libzmq's `mtrie_t` does (libzmq's SUB
//! sends one SUBSCRIBE per topic).

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

#[derive(Debug, Default)]
struct Node {
    peers: Vec<PeerKey>,
    children: Vec<(u8, Node)>,
}

impl Node {
    fn is_empty(&self) -> bool {
        self.peers.is_empty() && self.children.is_empty()
    }

    fn remove(&mut self, prefix: &[u8], key: PeerKey) -> Removed {
        let Some((&byte, rest)) = prefix.split_first() else {
            let Some(i) = self.peers.iter().position(|&k| k == key) else {
                return Removed::NotFound;
            };
            self.peers.swap_remove(i);
            return if self.peers.is_empty() {
                Removed::LastValue
            } else {
                Removed::ValuesRemain
            };
        };
        let Ok(i) = self.children.binary_search_by_key(&byte, |(b, _)| *b) else {
            return Removed::NotFound;
        };
        let removed = self.children[i].1.remove(rest, key);
        if self.children[i].1.is_empty() {
            self.children.remove(i);
        }
        removed
    }

    fn remove_peer(
        &mut self,
        key: PeerKey,
        prefix: &mut Vec<u8>,
        every: bool,
        on_removed: &mut dyn FnMut(&[u8]),
    ) {
        if let Some(i) = self.peers.iter().position(|&k| k == key) {
            self.peers.swap_remove(i);
            if every || self.peers.is_empty() {
                on_removed(prefix);
            }
        }
        let mut i = 0;
        while i < self.children.len() {
            prefix.push(self.children[i].0);
            self.children[i]
                .1
                .remove_peer(key, prefix, every, on_removed);
            prefix.pop();
            if self.children[i].1.is_empty() {
                self.children.remove(i);
            } else {
                i += 1;
            }
        }
    }
}

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct Mtrie {
    root: Node,
}

impl Mtrie {
    /// Subscribes `key` to `prefix`; true when nobody was subscribed to
    /// that exact prefix before (libzmq: the subscription is new).
    pub(crate) fn add(&mut self, prefix: &[u8], key: PeerKey) -> bool {
        let mut node = &mut self.root;
        for &byte in prefix {
            let i = match node.children.binary_search_by_key(&byte, |(b, _)| *b) {
                Ok(i) => i,
                Err(i) => {
                    node.children.insert(i, (byte, Node::default()));
                    i
                }
            };
            node = &mut node.children[i].1;
        }
        let first = node.peers.is_empty();
        if !node.peers.contains(&key) {
            node.peers.push(key);
        }
        first
    }

    /// Cancels `key`'s subscription to `prefix`.
    pub(crate) fn remove(&mut self, prefix: &[u8], key: PeerKey) -> Removed {
        self.root.remove(prefix, key)
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
        self.root
            .remove_peer(key, &mut Vec::new(), every, on_removed);
    }

    /// Calls `each` for every peer subscribed to a prefix of `data` (a
    /// peer subscribed to several such prefixes, once per prefix).
    pub(crate) fn matches(&self, data: &[u8], mut each: impl FnMut(PeerKey)) {
        let mut node = &self.root;
        let mut rest = data;
        loop {
            node.peers.iter().for_each(|&k| each(k));
            let Some((&byte, tail)) = rest.split_first() else {
                return;
            };
            match node.children.binary_search_by_key(&byte, |(b, _)| *b) {
                Ok(i) => node = &node.children[i].1,
                Err(_) => return,
            }
            rest = tail;
        }
    }

    /// Whether nobody subscribed to anything.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.root.is_empty()
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
