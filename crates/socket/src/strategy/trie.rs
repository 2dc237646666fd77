//! [`Trie`]: a counted prefix trie of subscriptions, as SUB filters with it
//! and XSUB remembers its own (libzmq's `trie_t`): a message matches when
//! some subscribed prefix is a prefix of its first frame (RFC 29
//! §The SUB Socket Type). Subscribing twice needs two cancels; only the last one is
//! reported as [`Removed::LastValue`], so a cancel goes upstream only then
//! (libzmq `xsub_t::xsend`). Built on the iterative [`PrefixTree`].

use super::mtrie::Removed;
use super::prefix_tree::{PrefixTree, Value};

impl Value for usize {
    fn is_empty(&self) -> bool {
        *self == 0
    }
}

/// A counted set of subscribed prefixes (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct Trie {
    tree: PrefixTree<usize>,
}

impl Trie {
    /// Adds one subscription to `prefix`.
    pub(crate) fn add(&mut self, prefix: &[u8]) {
        *self.tree.entry(prefix) += 1;
    }

    /// Removes one subscription to `prefix`.
    pub(crate) fn remove(&mut self, prefix: &[u8]) -> Removed {
        self.tree
            .update(prefix, |count| match *count {
                0 => Removed::NotFound,
                1 => {
                    *count = 0;
                    Removed::LastValue
                }
                _ => {
                    *count -= 1;
                    Removed::ValuesRemain
                }
            })
            .unwrap_or(Removed::NotFound)
    }

    /// Calls `each` once for every subscribed prefix (libzmq
    /// `trie_t::apply`: what a new peer is told).
    pub(crate) fn for_each(&self, mut each: impl FnMut(&[u8])) {
        self.tree.for_each(|prefix, _| each(prefix));
    }

    /// Whether some subscribed prefix starts `data`.
    pub(crate) fn matches(&self, data: &[u8]) -> bool {
        let mut found = false;
        self.tree.along(data, |&count| {
            found = count > 0;
            !found
        });
        found
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
        assert!(t.tree.is_empty());
    }

    #[test]
    fn removal_prunes() {
        let mut t = Trie::default();
        t.add(b"abc");
        t.add(b"abd");
        assert_eq!(t.remove(b"abc"), Removed::LastValue);
        assert_eq!(t.remove(b"abd"), Removed::LastValue);
        assert!(t.tree.is_empty());
    }
}
