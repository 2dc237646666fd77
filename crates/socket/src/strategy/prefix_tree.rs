//! [`PrefixTree`]: the byte trie under both subscription tries ([`Trie`]
//! counts subscriptions, [`Mtrie`] keeps the set of peers per prefix),
//! with every operation a loop, never a recursion.
//!
//! Its depth is the length of the longest subscribed prefix, which a peer
//! chooses: a 65 000-byte SUBSCRIBE makes a chain of 65 000 nodes. So
//! walking, pruning and even dropping the tree use an explicit stack or a
//! single pass down, and a peer's topic can never overflow the thread's
//! stack (libzmq made its own `generic_mtrie_t` iterative for the same
//! reason).
//!
//! [`Trie`]: super::Trie
//! [`Mtrie`]: super::Mtrie

/// What a node holds; empty values with no children below are pruned.
pub(crate) trait Value: Default {
    /// Whether the value holds nothing (the node may go).
    fn is_empty(&self) -> bool;
}

struct Node<V: Value> {
    value: V,
    /// Sorted by byte.
    children: Vec<(u8, Node<V>)>,
}

impl<V: Value> Default for Node<V> {
    fn default() -> Self {
        Self {
            value: V::default(),
            children: Vec::new(),
        }
    }
}

impl<V: Value> Node<V> {
    fn child_index(&self, byte: u8) -> Result<usize, usize> {
        self.children.binary_search_by_key(&byte, |(b, _)| *b)
    }

    fn is_prunable(&self) -> bool {
        self.value.is_empty() && self.children.is_empty()
    }
}

impl<V: Value> Drop for Node<V> {
    /// Iterative: each node popped here has had its children moved out, so
    /// its own drop does not recurse.
    fn drop(&mut self) {
        let mut stack = core::mem::take(&mut self.children);
        while let Some((_, mut node)) = stack.pop() {
            stack.append(&mut node.children);
        }
    }
}

/// See the module docs.
pub(crate) struct PrefixTree<V: Value> {
    root: Node<V>,
}

impl<V: Value> Default for PrefixTree<V> {
    fn default() -> Self {
        Self {
            root: Node::default(),
        }
    }
}

impl<V: Value> core::fmt::Debug for PrefixTree<V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PrefixTree").finish_non_exhaustive()
    }
}

impl<V: Value> PrefixTree<V> {
    /// The value at `prefix`, made (with the nodes above it) if missing.
    pub(crate) fn entry(&mut self, prefix: &[u8]) -> &mut V {
        let mut node = &mut self.root;
        for &byte in prefix {
            let i = match node.child_index(byte) {
                Ok(i) => i,
                Err(i) => {
                    node.children.insert(i, (byte, Node::default()));
                    i
                }
            };
            node = &mut node.children[i].1;
        }
        &mut node.value
    }

    /// Applies `change` to the value at `prefix`, if there is such a node,
    /// then prunes the nodes left empty on the path; returns what `change`
    /// returned.
    pub(crate) fn update<R>(
        &mut self,
        prefix: &[u8],
        change: impl FnOnce(&mut V) -> R,
    ) -> Option<R> {
        // One pass down: the deepest node that must stay whatever happens
        // below it (it holds a value or another branch), and the edge from
        // it that a prune would cut.
        let mut keep_depth = 0;
        let mut node = &self.root;
        for (depth, &byte) in prefix.iter().enumerate() {
            if !node.value.is_empty() || node.children.len() > 1 {
                keep_depth = depth;
            }
            node = &node.children[node.child_index(byte).ok()?].1;
        }
        let mut node = &mut self.root;
        for &byte in prefix {
            let i = node.child_index(byte).ok()?;
            node = &mut node.children[i].1;
        }
        let result = change(&mut node.value);
        if node.is_prunable() && !prefix.is_empty() {
            // Cut the chain below the deepest node that stays; the cut-off
            // part drops iteratively.
            let mut keep = &mut self.root;
            for &byte in &prefix[..keep_depth] {
                let i = keep.child_index(byte).ok()?;
                keep = &mut keep.children[i].1;
            }
            if let Ok(i) = keep.child_index(prefix[keep_depth]) {
                keep.children.remove(i);
            }
        }
        Some(result)
    }

    /// Calls `each` with the value of every node on the path of `data`
    /// (the root's first): the prefixes of `data` that are in the tree,
    /// until `each` returns false.
    pub(crate) fn along(&self, data: &[u8], mut each: impl FnMut(&V) -> bool) {
        let mut node = &self.root;
        if !each(&node.value) {
            return;
        }
        for &byte in data {
            match node.child_index(byte) {
                Ok(i) => node = &node.children[i].1,
                Err(_) => return,
            }
            if !each(&node.value) {
                return;
            }
        }
    }

    /// Calls `each` with every prefix whose value is not empty, and that
    /// value, depth first (an explicit stack).
    pub(crate) fn for_each(&self, mut each: impl FnMut(&[u8], &V)) {
        let mut prefix = Vec::new();
        // (node, index of the next child to visit)
        let mut stack: Vec<(&Node<V>, usize)> = vec![(&self.root, 0)];
        if !self.root.value.is_empty() {
            each(&prefix, &self.root.value);
        }
        while let Some((node, next)) = stack.last_mut() {
            let node: &Node<V> = node;
            if let Some((byte, child)) = node.children.get(*next) {
                *next += 1;
                prefix.push(*byte);
                if !child.value.is_empty() {
                    each(&prefix, &child.value);
                }
                stack.push((child, 0));
            } else {
                stack.pop();
                prefix.pop();
            }
        }
    }

    /// Whether the tree holds nothing.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.root.is_prunable()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_prunes_only_what_nothing_else_needs() {
        let mut t = PrefixTree::<usize>::default();
        *t.entry(b"abc") += 1;
        *t.entry(b"abd") += 1;
        *t.entry(b"a") += 1;
        assert_eq!(t.update(b"abc", core::mem::take), Some(1));
        assert_eq!(t.update(b"zzz", |v| *v), None);
        let mut all = Vec::new();
        t.for_each(|p, v| all.push((p.to_vec(), *v)));
        assert_eq!(all, [(b"a".to_vec(), 1), (b"abd".to_vec(), 1)]);
        t.update(b"abd", |v| *v = 0);
        t.update(b"a", |v| *v = 0);
        assert!(t.is_empty());
    }

    /// A peer-chosen depth of 200 000 bytes: made, walked, pruned and
    /// dropped without recursion.
    #[test]
    fn a_very_deep_prefix_never_recurses() {
        let deep = vec![7u8; 200_000];
        let mut t = PrefixTree::<usize>::default();
        *t.entry(&deep) += 1;
        *t.entry(&deep[..100]) += 1;
        let mut seen = Vec::new();
        t.for_each(|p, _| seen.push(p.len()));
        assert_eq!(seen, [100, 200_000]);
        let mut hits = 0;
        t.along(&deep, |v| {
            hits += *v;
            true
        });
        assert_eq!(hits, 2);
        t.update(&deep, |v| *v = 0);
        let mut seen = Vec::new();
        t.for_each(|p, _| seen.push(p.len()));
        assert_eq!(seen, [100]);
        *t.entry(&deep) += 1;
        drop(t);
    }
}
