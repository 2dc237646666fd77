//! [`RoutingTable`]: routing id to peer (libzmq's router out-pipe map, RFC
//! 28 §2.4: ROUTER "SHALL use the first frame ... as the identity of the
//! peer"), and the generated ids of peers that announced none: 5 bytes,
//! `0x00` then a 32-bit counter (libzmq `router_t::identify_peer`), which
//! starts at a random value as libzmq's does, so ids from a restarted
//! process do not repeat the old ones.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use ferrozmq_msg::Msg;

use crate::socket::PeerKey;

/// See the module docs.
#[derive(Debug)]
pub(crate) struct RoutingTable {
    by_id: HashMap<Box<[u8]>, PeerKey>,
    next_generated: u32,
}

impl Default for RoutingTable {
    fn default() -> Self {
        Self {
            by_id: HashMap::new(),
            // A random start, without a dependency: std's hasher keys are
            // seeded from the OS per process.
            next_generated: RandomState::new().hash_one(0u8) as u32,
        }
    }
}

impl RoutingTable {
    /// The peer routed to by `id`.
    pub(crate) fn get(&self, id: &[u8]) -> Option<PeerKey> {
        self.by_id.get(id).copied()
    }

    /// Routes `id` to `key`; returns the peer it routed to before.
    pub(crate) fn insert(&mut self, id: &[u8], key: PeerKey) -> Option<PeerKey> {
        self.by_id.insert(id.into(), key)
    }

    /// Forgets `id` if it routes to `key`.
    pub(crate) fn remove(&mut self, id: &[u8], key: PeerKey) {
        if self.by_id.get(id) == Some(&key) {
            self.by_id.remove(id);
        }
    }

    /// A fresh generated id (`0x00` + counter), unused by any peer.
    pub(crate) fn generate(&mut self) -> Msg {
        loop {
            let mut id = [0u8; 5];
            id[1..].copy_from_slice(&self.next_generated.to_be_bytes());
            self.next_generated = self.next_generated.wrapping_add(1);
            if !self.by_id.contains_key(&id[..]) {
                return Msg::copy_from_slice(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::test_keys;

    #[test]
    fn generated_ids_are_five_bytes_with_a_zero_first_and_count_up() {
        let mut t = RoutingTable::default();
        let a = t.generate();
        let b = t.generate();
        assert_eq!((a.len(), a[0], b[0]), (5, 0, 0));
        let n = |m: &Msg| u32::from_be_bytes(m[1..].try_into().unwrap());
        assert_eq!(n(&b), n(&a).wrapping_add(1));
    }

    #[test]
    fn remove_only_forgets_the_current_owner() {
        let k = test_keys(2);
        let mut t = RoutingTable::default();
        assert_eq!(t.insert(b"id", k[0]), None);
        assert_eq!(t.insert(b"id", k[1]), Some(k[0]));
        t.remove(b"id", k[0]);
        assert_eq!(t.get(b"id"), Some(k[1]));
        t.remove(b"id", k[1]);
        assert_eq!(t.get(b"id"), None);
    }
}
