//! [`Trie`]: a counted prefix trie of subscriptions, as PUB filters with it
//! (libzmq's `trie_t`): a message matches when some subscribed prefix is a
//! prefix of its first frame. Subscribing twice needs two cancels.

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

    /// Removes one reference of `prefix` below this node; returns whether it
    /// was there. Prunes nodes left empty.
    fn remove(&mut self, prefix: &[u8]) -> bool {
        let Some((&byte, rest)) = prefix.split_first() else {
            if self.refs == 0 {
                return false;
            }
            self.refs -= 1;
            return true;
        };
        let Ok(i) = self.children.binary_search_by_key(&byte, |(b, _)| *b) else {
            return false;
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
    /// An empty trie: nothing matches.
    pub(crate) fn new() -> Self {
        Self::default()
    }

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

    /// Removes one subscription to `prefix`; returns whether there was one.
    pub(crate) fn remove(&mut self, prefix: &[u8]) -> bool {
        self.root.remove(prefix)
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

    /// Forgets every subscription.
    pub(crate) fn clear(&mut self) {
        self.root = Node::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_match_and_count() {
        let mut t = Trie::new();
        assert!(!t.matches(b"abc"));
        t.add(b"ab");
        t.add(b"ab");
        t.add(b"xyz");
        assert!(t.matches(b"abc") && t.matches(b"ab") && t.matches(b"xyz!"));
        assert!(!t.matches(b"a") && !t.matches(b"xy") && !t.matches(b""));
        assert!(t.remove(b"ab"));
        assert!(t.matches(b"abc"));
        assert!(t.remove(b"ab"));
        assert!(!t.matches(b"abc"));
        assert!(!t.remove(b"ab"));
        assert!(!t.remove(b"nope"));
        t.add(b"");
        assert!(t.matches(b"") && t.matches(b"anything"));
        t.clear();
        assert!(!t.matches(b"xyz"));
        assert!(t.root.is_empty());
    }

    #[test]
    fn removal_prunes() {
        let mut t = Trie::new();
        t.add(b"abc");
        t.add(b"abd");
        assert!(t.remove(b"abc"));
        assert!(t.remove(b"abd"));
        assert!(t.root.is_empty());
    }
}
