//! [`Trie`]: a counted prefix trie of subscriptions, as SUB filters with it
//! and XSUB remembers its own (libzmq's `trie_t`): a message matches when
//! some subscribed prefix is a prefix of its first frame (RFC 29 §2.3).
//! Subscribing twice needs two cancels; only the last one is reported as
//! [`Removed::LastValue`], so a cancel goes upstream only then (libzmq
//! `xsub_t::xsend`).

use super::mtrie::Removed;

/// One node: how many times the path to it was subscribed, and its children
/// sorted by byte.
#[derive(Debug, Default)]
struct Node {
    refs: usize,
    children: Vec<(u8, Node)>,
}

impl Node {
    fn child(&self, byte: u8) -> Option<&Node> {
        self.children
            .binary_search_by_key(&byte, |(b, _)| *b)
            .ok()
            .map(|i| &self.children[i].1)
    }

    fn is_empty(&self) -> bool {
        self.refs == 0 && self.children.is_empty()
    }

    /// Removes one reference of `prefix` below this node. Prunes nodes
    /// left empty.
    fn remove(&mut self, prefix: &[u8]) -> Removed {
        let Some((&byte, rest)) = prefix.split_first() else {
            if self.refs == 0 {
                return Removed::NotFound;
            }
            self.refs -= 1;
            return if self.refs == 0 {
                Removed::LastValue
            } else {
                Removed::ValuesRemain
            };
        };
        let Ok(i) = self.children.binary_search_by_key(&byte, |(b, _)| *b) else {
            return Removed::NotFound;
        };
        let removed = self.children[i].1.remove(rest);
        if self.children[i].1.is_empty() {
            self.children.remove(i);
        }
        removed
    }
}

/// A counted set of subscribed prefixes (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Trie {
    root: Node,
}

impl Trie {
    /// Adds one subscription to `prefix`.
    pub(crate) fn add(&mut self, prefix: &[u8]) {
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
        node.refs += 1;
    }

    /// Removes one subscription to `prefix`.
    pub(crate) fn remove(&mut self, prefix: &[u8]) -> Removed {
        self.root.remove(prefix)
    }

    /// Calls `each` once for every subscribed prefix (libzmq
    /// `trie_t::apply`: what a new peer is told).
    pub(crate) fn for_each(&self, mut each: impl FnMut(&[u8])) {
        fn walk(node: &Node, prefix: &mut Vec<u8>, each: &mut dyn FnMut(&[u8])) {
            if node.refs > 0 {
                each(prefix);
            }
            for (byte, child) in &node.children {
                prefix.push(*byte);
                walk(child, prefix, each);
                prefix.pop();
            }
        }
        walk(&self.root, &mut Vec::new(), &mut each);
    }

    /// Whether some subscribed prefix starts `data`.
    pub(crate) fn matches(&self, data: &[u8]) -> bool {
        let mut node = &self.root;
        if node.refs > 0 {
            return true;
        }
        for &byte in data {
            match node.child(byte) {
                Some(next) if next.refs > 0 => return true,
                Some(next) => node = next,
                None => return false,
            }
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_and_count() {
        let mut t = Trie::default();
        assert!(!t.matches(b"abc"));
        t.add(b"ab");
        t.add(b"ab");
        t.add(b"xyz");
        assert!(t.matches(b"abc") && t.matches(b"ab") && t.matches(b"xyz!"));
        assert!(!t.matches(b"a") && !t.matches(b"xy") && !t.matches(b""));
        let mut all = Vec::new();
        t.for_each(|p| all.push(p.to_vec()));
        assert_eq!(all, [b"ab".to_vec(), b"xyz".to_vec()]);
        assert_eq!(t.remove(b"ab"), Removed::ValuesRemain);
        assert!(t.matches(b"abc"));
        assert_eq!(t.remove(b"ab"), Removed::LastValue);
        assert!(!t.matches(b"abc"));
        assert_eq!(t.remove(b"ab"), Removed::NotFound);
        assert_eq!(t.remove(b"nope"), Removed::NotFound);
        t.add(b"");
        assert!(t.matches(b"") && t.matches(b"anything"));
        assert_eq!(t.remove(b""), Removed::LastValue);
        assert_eq!(t.remove(b"xyz"), Removed::LastValue);
        assert!(t.root.is_empty());
    }

    #[test]
    fn removal_prunes() {
        let mut t = Trie::default();
        t.add(b"abc");
        t.add(b"abd");
        assert_eq!(t.remove(b"abc"), Removed::LastValue);
        assert_eq!(t.remove(b"abd"), Removed::LastValue);
        assert!(t.root.is_empty());
    }
}
