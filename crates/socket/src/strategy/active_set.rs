//! [`ActiveSet`]: a set of peers split into an active part and an inactive
//! part, with O(1) insert, remove, activate and deactivate (libzmq's
//! `array_t` with the `active` boundary that `lb_t` and `fq_t` keep).
//!
//! The keys live in one `Vec`: `[active ..., inactive ...]`. Each peer's
//! position is kept in a table indexed by its slab slot, so moving a peer
//! across the boundary is one swap, and removing one is two.

use crate::socket::PeerKey;

const ABSENT: u32 = u32::MAX;

/// See the module docs.
#[derive(Debug, Default)]
pub(crate) struct ActiveSet {
    keys: Vec<PeerKey>,
    /// Position in `keys` by slab index; `ABSENT` when not in the set.
    pos: Vec<u32>,
    active: usize,
}

impl ActiveSet {
    /// Adds `key`, active.
    pub(crate) fn insert(&mut self, key: PeerKey) {
        if self.contains(key) {
            return;
        }
        let i = key.index();
        if self.pos.len() <= i {
            self.pos.resize(i + 1, ABSENT);
        }
        self.pos[i] = self.keys.len() as u32;
        self.keys.push(key);
        self.activate(key);
    }

    /// Whether `key` is in the set, active or not.
    pub(crate) fn contains(&self, key: PeerKey) -> bool {
        self.position(key).is_some()
    }

    /// Whether `key` is in the active part.
    pub(crate) fn is_active(&self, key: PeerKey) -> bool {
        self.position(key).is_some_and(|p| p < self.active)
    }

    fn position(&self, key: PeerKey) -> Option<usize> {
        let p = *self.pos.get(key.index())?;
        (p != ABSENT && self.keys[p as usize] == key).then_some(p as usize)
    }

    fn swap(&mut self, a: usize, b: usize) {
        if a == b {
            return;
        }
        self.keys.swap(a, b);
        self.pos[self.keys[a].index()] = a as u32;
        self.pos[self.keys[b].index()] = b as u32;
    }

    /// Removes `key`; returns whether it was there.
    pub(crate) fn remove(&mut self, key: PeerKey) -> bool {
        let Some(mut p) = self.position(key) else {
            return false;
        };
        if p < self.active {
            self.swap(p, self.active - 1);
            self.active -= 1;
            p = self.active;
        }
        let last = self.keys.len() - 1;
        self.swap(p, last);
        self.keys.pop();
        self.pos[key.index()] = ABSENT;
        true
    }

    /// Moves `key` into the active part (if it is in the set).
    pub(crate) fn activate(&mut self, key: PeerKey) {
        if let Some(p) = self.position(key)
            && p >= self.active
        {
            self.swap(p, self.active);
            self.active += 1;
        }
    }

    /// Moves `key` into the inactive part (if it is in the set).
    pub(crate) fn deactivate(&mut self, key: PeerKey) {
        if let Some(p) = self.position(key)
            && p < self.active
        {
            self.swap(p, self.active - 1);
            self.active -= 1;
        }
    }

    /// Moves the active peer at position `i` into the inactive part.
    pub(crate) fn deactivate_at(&mut self, i: usize) {
        debug_assert!(i < self.active);
        self.swap(i, self.active - 1);
        self.active -= 1;
    }

    /// How many peers are active.
    pub(crate) fn active(&self) -> usize {
        self.active
    }

    /// How many peers are in the set.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The peer at position `i` (the active ones come first).
    pub(crate) fn key(&self, i: usize) -> PeerKey {
        self.keys[i]
    }

    /// Every peer, active ones first.
    pub(crate) fn iter(&self) -> impl Iterator<Item = PeerKey> + '_ {
        self.keys.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::test_keys;

    #[test]
    fn activate_deactivate_remove_keep_positions_consistent() {
        let k = test_keys(5);
        let mut set = ActiveSet::default();
        for &key in &k {
            set.insert(key);
        }
        assert_eq!((set.len(), set.active()), (5, 5));
        set.deactivate(k[1]);
        set.deactivate(k[3]);
        assert_eq!(set.active(), 3);
        let active: Vec<_> = (0..set.active()).map(|i| set.key(i)).collect();
        assert!(active.contains(&k[0]) && active.contains(&k[2]) && active.contains(&k[4]));
        assert!(set.remove(k[2]));
        assert!(!set.remove(k[2]));
        assert_eq!((set.len(), set.active()), (4, 2));
        set.activate(k[3]);
        assert_eq!(set.active(), 3);
        assert!(set.remove(k[1]));
        assert_eq!((set.len(), set.active()), (3, 3));
        for &key in &[k[0], k[3], k[4]] {
            assert!(set.contains(key));
        }
        for i in 0..set.len() {
            assert_eq!(set.position(set.key(i)), Some(i));
        }
    }
}
