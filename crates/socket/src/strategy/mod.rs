//! The routing strategies socket types are built from, as libzmq composes
//! its sockets (`lb_t`, `fq_t`, `dist_t`, the router's out-pipe map,
//! `mtrie_t`, `trie_t`):
//!
//! - [`LoadBalance`]: each message to the next peer with room (PUSH,
//!   DEALER, REQ).
//! - [`FairQueue`]: each message from the next peer that has one (PULL,
//!   DEALER, ROUTER, REP, SUB, XSUB, PAIR).
//! - [`Distribute`]: each message to every peer subscribed to its first
//!   frame, over a [`Mtrie`] keyed by peer (PUB, XPUB).
//! - [`RoutingTable`]: routing id to peer and back (ROUTER).
//! - [`Trie`]: a counted set of prefixes (SUB's filter, XSUB's own
//!   subscriptions).
//!
//! Strategies hold [`PeerKey`](crate::socket::PeerKey)s, never peers; the
//! pipes are reached through the socket's [`Peers`](crate::socket::Peers),
//! passed in. Each works over the peers marked ready (see
//! [`ActiveSet`]), so its cost per message does not grow with the number of
//! idle peers. None of them blocks: a full or empty answer goes back to the
//! pattern, and the one wait lives in the socket.

mod active_set;
mod distribute;
mod fair_queue;
mod load_balance;
mod mtrie;
mod prefix_tree;
mod routing_table;
mod trie;

pub(crate) use active_set::ActiveSet;
pub(crate) use distribute::Distribute;
pub(crate) use fair_queue::FairQueue;
pub(crate) use load_balance::LoadBalance;
pub(crate) use mtrie::{Mtrie, Removed};
pub(crate) use routing_table::RoutingTable;
pub(crate) use trie::Trie;
