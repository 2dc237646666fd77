//! The queue of a pipe: a single-producer single-consumer FIFO of at most
//! `capacity` items, or of any number (HWM 0), whose storage grows in
//! chunks as items are queued and is given back as they are taken, as
//! libzmq's ypipe does (libzmq `yqueue.hpp`).
//!
//! It keeps the contract of `queue.rs`'s module docs and holds no `unsafe`:
//! items live in rtrb rings (single-producer single-consumer: a push or a
//! pop is a plain load and a release store, no read-modify-write; the
//! producer keeps each ring's producer half, the consumer its consumer
//! half); this module decides which ring each side uses and when rings are
//! made, kept and freed. It says nothing about wake-ups or disconnection,
//! which are the pipe's.
//!
//! # Layout
//!
//! ```text
//!   consumer                                              producer
//!   head ──▶ [ring: chunk_len slots] ─ ─ ▶ [ring] ─ ─ ▶ [ring] ◀── tail
//!                                    └─ links on `chunks` ─┘
//!   spares: empty rings (both halves) the consumer retired, for the
//!   producer to reuse
//! ```
//!
//! A chunk is a ring of `chunk_len` slots (about 4 KiB of them; more for a
//! capacity over [`MAX_CHUNKS`] chunks' worth, so the bookkeeping stays
//! small). The producer pushes into its *tail* chunk; when that ring is
//! full it takes a spare chunk or allocates one, pushes the item into it,
//! and publishes on `chunks` a link: the new ring's consumer half and the
//! producer half of the ring it left. The consumer pops from its *head*
//! chunk; once that is empty and a successor has been published, it
//! retires the head, whole again with the producer half that came with the
//! successor, and moves on. Because a chunk is a ring,
//! a backlog that fits in one chunk keeps both sides in it: nothing but the
//! items moves, and nothing is allocated.
//!
//! A new queue holds no chunk: an idle pipe costs its bookkeeping only. The
//! first push allocates a small first chunk ([`FIRST_CHUNK_LEN`] slots),
//! which a pipe that holds a message or two at a time (REQ/REP, a peer's
//! first control item) never outgrows; the producer's current chunk always
//! stays, so such a pipe keeps about 1 KiB once idle (libzmq's keeps one
//! chunk of 256 messages).
//!
//! # Spare chunks
//!
//! libzmq keeps one spare chunk, so a steady stream allocates nothing. That
//! is not enough when the backlog comes in bursts: a tcp reader decodes a
//! whole read (up to a thousand small messages) into the pipe at once, and
//! a writer held at the high-water mark refills what the reader drained to
//! the low-water mark. Each burst needs several chunks, and freeing them
//! when the backlog falls would allocate them again on the next burst. So a
//! retired chunk is kept as a spare while the backlog is longer than one
//! chunk, and once it fits in one chunk (the trough between bursts) the
//! consumer keeps as many spares as recent bursts had chunks in flight at
//! their peak and frees the rest: the largest peak seen, halved every 64
//! troughs (never below the last one). Following each burst down at once
//! churned: a reader that keeps pace with its writer meets a trough at
//! almost every chunk, with a peak of one or two chunks, while the writer
//! runs a chunk or two ahead now and then (one allocation per ~300 small
//! messages over tcp). Bursts of a steady or varying size thus allocate
//! nothing; memory follows the recent peak down within a few hundred
//! troughs, never exceeds what a full queue holds, and an idle pipe keeps
//! what its last bursts used.
//!
//! # Why a pop sees every push it must (the handoffs)
//!
//! 1. Items: a push into a ring is a release of the item, the pop that
//!    returns it acquires it (rtrb's release store of its write index and
//!    acquire load of it; each side reloads the other's index only when
//!    its cached copy says empty or full).
//! 2. Successors: the producer leaves a chunk only when its ring is full,
//!    never pushes into it again, and publishes the successor on `chunks`
//!    after its last push there. A consumer that pops the link has
//!    acquired that publication, so one more pop of its head finds whatever
//!    is left in it; only if that is empty is the head retired. Every chunk
//!    between the consumer's head and the producer's tail was full when the
//!    producer left it and is untouched since, which bounds how many links
//!    can wait ([`Chunked::with_chunk_len`]).
//! 3. Fences (the pipe's wake-up handshake): a push is complete once the
//!    item's ring slot, and for a new chunk its link, are stored; both
//!    stores come before the producer's fence, and a consumer's pop after a
//!    later fence loads both. A push on a full queue reloads `popped` after
//!    the caller's fence, so it sees a pop made before the other fence.
//! 4. Count: `pushed` is raised before the item is pushed and `popped`
//!    after it is popped, so `popped` loaded before `pushed` never exceeds
//!    it and `len` cannot underflow. The producer decides "full" from
//!    `pushed` and a cached `popped`, reloaded only when the cache says
//!    full.
//! 5. Each side's state (its chunk, which safe Rust cannot keep in an
//!    atomic) is owned by that side, a [`Tail`] kept by the pipe's writer
//!    and a [`Head`] kept by its reader, and passed in by `&mut`: a push or
//!    a pop takes no lock (a lock per operation was a third of the pipe's
//!    cost, each of its two read-modify-writes a full barrier). Spares sit
//!    behind a mutex both sides take, once per chunk each; it orders
//!    nothing the contract relies on.
//!
//! The loom models at the end check 2 to 4 with a loom-visible ring (the
//! stand-in of `queue.rs`) in place of rtrb's and of the links' crossbeam
//! `ArrayQueue`.

use core::mem::size_of;

#[cfg(loom)]
use crate::sync::Arc;
use crate::sync::{AtomicUsize, Mutex, Ordering, lock};

/// The producer's half of a chunk's ring: rtrb's single-producer
/// single-consumer ring (a push is a plain load and a release store; its
/// cached view of the other side is refreshed only when the ring looks
/// full or empty), or under `cfg(loom)` the loom-visible stand-in of
/// `queue.rs` (bounded, with the same release/acquire contract), so that
/// the models check this module's handoffs.
struct RingTx<T>(
    #[cfg(not(loom))] rtrb::Producer<T>,
    #[cfg(loom)] Arc<super::Queue<T>>,
);

/// The consumer's half of a chunk's ring.
struct RingRx<T>(
    #[cfg(not(loom))] rtrb::Consumer<T>,
    #[cfg(loom)] Arc<super::Queue<T>>,
);

/// Both halves of an empty chunk: a spare, or a new one.
struct Chunk<T> {
    tx: RingTx<T>,
    rx: RingRx<T>,
}

impl<T> Chunk<T> {
    /// A new chunk of `slots` slots.
    fn new(slots: usize) -> Self {
        #[cfg(not(loom))]
        let (tx, rx) = rtrb::RingBuffer::new(slots);
        #[cfg(loom)]
        let (tx, rx) = {
            let ring = Arc::new(super::Queue::new(slots));
            (Arc::clone(&ring), ring)
        };
        Self {
            tx: RingTx(tx),
            rx: RingRx(rx),
        }
    }
}

impl<T> RingTx<T> {
    fn push(&mut self, value: T) -> Result<(), T> {
        #[cfg(not(loom))]
        {
            self.0
                .push(value)
                .map_err(|rtrb::PushError::Full(value)| value)
        }
        #[cfg(loom)]
        {
            // The stand-in's side states are the pipe's; it leaves them unused.
            self.0.push(&mut Tail::default(), value)
        }
    }
}

impl<T> RingRx<T> {
    fn pop(&mut self) -> Option<T> {
        #[cfg(not(loom))]
        {
            self.0.pop().ok()
        }
        #[cfg(loom)]
        {
            self.0.pop(&mut Head::default())
        }
    }

    /// Hands the oldest item to `f` where it lies, then drops what `f` left
    /// of it in its slot; `None` when the ring is empty.
    fn pop_with<R>(&mut self, f: impl FnMut(&mut T) -> R) -> Option<R> {
        #[cfg(not(loom))]
        {
            let mut f = f;
            let mut chunk = self.0.read_chunk(1).ok()?;
            let (first, _) = chunk.as_mut_slices();
            let out = first.first_mut().map(&mut f);
            chunk.commit_all();
            out
        }
        #[cfg(loom)]
        {
            self.0.pop_with(&mut Head::default(), f)
        }
    }
}

/// What the producer publishes when it moves to a new chunk: the new
/// chunk's consumer half, and the producer half of the chunk it left (none
/// for the first), which the consumer pairs with that chunk's consumer half
/// once it has drained it, so a retired chunk is whole again.
struct Link<T> {
    rx: RingRx<T>,
    left: Option<RingTx<T>>,
}

/// The published links (one push and one pop per chunk, not per item):
/// crossbeam's `ArrayQueue` sized for the most chunks a bounded queue can
/// have in flight, its `SegQueue` for an unbounded one (a block per 31
/// links), or the stand-in under `cfg(loom)`.
#[cfg(not(loom))]
enum Links<T> {
    Bounded(crossbeam_queue::ArrayQueue<Link<T>>),
    Unbounded(crossbeam_queue::SegQueue<Link<T>>),
}

#[cfg(not(loom))]
impl<T> Links<T> {
    /// Room for `capacity` links; any number when 0.
    fn new(capacity: usize) -> Self {
        match capacity {
            0 => Self::Unbounded(crossbeam_queue::SegQueue::new()),
            n => Self::Bounded(crossbeam_queue::ArrayQueue::new(n)),
        }
    }

    fn push(&self, link: Link<T>) -> Result<(), Link<T>> {
        match self {
            Self::Bounded(q) => q.push(link),
            Self::Unbounded(q) => {
                q.push(link);
                Ok(())
            }
        }
    }

    fn pop(&self) -> Option<Link<T>> {
        match self {
            Self::Bounded(q) => q.pop(),
            Self::Unbounded(q) => q.pop(),
        }
    }

    fn len(&self) -> usize {
        match self {
            Self::Bounded(q) => q.len(),
            Self::Unbounded(q) => q.len(),
        }
    }
}

#[cfg(loom)]
struct Links<T>(super::Queue<Link<T>>);

#[cfg(loom)]
impl<T> Links<T> {
    fn new(capacity: usize) -> Self {
        Self(super::Queue::new(capacity))
    }

    fn push(&self, link: Link<T>) -> Result<(), Link<T>> {
        self.0.push(&mut Tail::default(), link)
    }

    fn pop(&self) -> Option<Link<T>> {
        self.0.pop(&mut Head::default())
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// About how many bytes of slots a chunk holds: a page. An idle pipe that
/// has carried messages keeps one chunk (libzmq's keeps one of 256
/// messages, 16 KiB).
const CHUNK_BYTES: usize = 4096;

/// The most chunks a full queue needs: a larger capacity gets larger chunks,
/// so the handle ring (allocated up front) and the spares stay small.
const MAX_CHUNKS: usize = 64;

/// Slots of the first chunk a queue makes (see the module docs).
const FIRST_CHUNK_LEN: usize = 8;

/// A bounded SPSC FIFO whose storage follows its backlog; see the module docs.
///
/// The producer's and the consumer's own state (the chunk each is in) is
/// not here: each side keeps it in a [`Tail`] or a [`Head`] and passes it to
/// [`push`](Self::push) or [`pop`](Self::pop), so neither takes a lock.
pub(super) struct Chunked<T> {
    /// Items pushed so far; written by the producer only.
    pushed: Padded<AtomicUsize>,
    /// Items popped so far; written by the consumer only.
    popped: Padded<AtomicUsize>,
    /// Chunks the producer has moved into and the consumer has not yet
    /// reached, oldest first.
    chunks: Links<T>,
    /// Retired, empty chunks for the producer to reuse.
    spares: Mutex<Spares<T>>,
    capacity: usize,
    chunk_len: usize,
    /// Slots of the first chunk, at most `chunk_len`.
    first_len: usize,
}

/// Retired chunks and how many recent bursts have needed.
struct Spares<T> {
    chunks: Vec<Chunk<T>>,
    /// The most chunks in flight (published and not yet the consumer's
    /// head, plus the new tail) since the last trough.
    peak: usize,
    /// How many spares a trough keeps: the largest recent peak, halved
    /// (never below the last peak) every [`TROUGHS_PER_HALVING`] troughs.
    keep: usize,
    /// Troughs since `keep` was last halved.
    troughs: usize,
}

/// Troughs between two halvings of the spares a queue keeps (see
/// [`Spares::keep`]).
const TROUGHS_PER_HALVING: usize = 64;

/// Keeps the producer's and the consumer's counters on cache lines of their
/// own (crossbeam pads `ArrayQueue`'s head and tail the same way).
#[repr(align(128))]
struct Padded<T>(T);

/// The producer's side of a [`Chunked`] queue, owned by the producer (the
/// pipe's writer) and passed to every push.
pub(crate) struct Tail<T> {
    /// The chunk being filled; `None` until the first push.
    chunk: Option<RingTx<T>>,
    /// `popped` as last loaded: the queue is not full while
    /// `pushed - popped_seen < capacity`.
    popped_seen: usize,
}

/// The consumer's side of a [`Chunked`] queue, owned by the consumer (the
/// pipe's reader) and passed to every pop.
pub(crate) struct Head<T> {
    /// The chunk being drained; `None` until the first chunk is taken.
    chunk: Option<RingRx<T>>,
    /// The head's successor, taken from `chunks` while the head still held
    /// items.
    next: Option<Link<T>>,
}

impl<T> Default for Tail<T> {
    fn default() -> Self {
        Self {
            chunk: None,
            popped_seen: 0,
        }
    }
}

impl<T> Default for Head<T> {
    fn default() -> Self {
        Self {
            chunk: None,
            next: None,
        }
    }
}

impl<T> Chunked<T> {
    /// A queue of at most `capacity` items (at least 1), holding no chunk yet.
    pub(super) fn new(capacity: usize) -> Self {
        Self::with_chunk_len(capacity, chunk_len::<T>(capacity), FIRST_CHUNK_LEN)
    }

    /// A queue of any number of items (libzmq's HWM of 0), holding no chunk
    /// yet: chunks of about [`CHUNK_BYTES`] as for a bounded queue, the
    /// links between them in an unbounded list.
    pub(super) fn unbounded() -> Self {
        Self::with_chunk_len(UNBOUNDED, chunk_len::<T>(UNBOUNDED), FIRST_CHUNK_LEN)
    }

    /// Whether this queue has no capacity limit.
    pub(super) fn is_unbounded(&self) -> bool {
        self.capacity == UNBOUNDED
    }

    /// As [`new`](Self::new), with chunks of `chunk_len` slots and a first
    /// one of `first_len` (both at least 1).
    fn with_chunk_len(capacity: usize, chunk_len: usize, first_len: usize) -> Self {
        assert!(
            capacity > 0 && chunk_len > 0 && first_len > 0,
            "a queue of no slots"
        );
        let chunk_len = chunk_len.min(capacity);
        let first_len = first_len.min(chunk_len);
        // Handles wait for the chunks after the consumer's head. Those
        // before the producer's tail are full (`chunk_len` items, or
        // `first_len` for the first chunk, which is made once) and the tail
        // holds one item at least: with `m` chunks from head to tail,
        // `(m - 3) * chunk_len + 1 <= capacity`, so at most
        // `(capacity - 1) / chunk_len + 2` handles wait.
        // Unbounded: any number (`Links::new(0)`).
        let handles = if capacity == UNBOUNDED {
            0
        } else {
            (capacity - 1) / chunk_len + 2
        };
        Self {
            pushed: Padded(AtomicUsize::new(0)),
            popped: Padded(AtomicUsize::new(0)),
            chunks: Links::new(handles),
            spares: Mutex::new(Spares {
                chunks: Vec::new(),
                peak: 0,
                keep: 0,
                troughs: 0,
            }),
            capacity,
            chunk_len,
            first_len,
        }
    }

    /// Appends `value`, or hands it back when the queue holds `capacity`
    /// items. Producer only, with its own `tail`.
    #[cfg(test)]
    pub(super) fn push(&self, tail: &mut Tail<T>, value: T) -> Result<(), T> {
        self.push_with(tail, || value).map_err(|make| make())
    }

    /// As [`push`](Self::push), with the item made by `make` once there is
    /// room for it, or `make` handed back: a producer that builds the item
    /// from its parts builds it here rather than moving it in.
    #[inline]
    pub(super) fn push_with<F: FnOnce() -> T>(&self, tail: &mut Tail<T>, make: F) -> Result<(), F> {
        let pushed = self.pushed.0.load(Ordering::Relaxed);
        if pushed.wrapping_sub(tail.popped_seen) >= self.capacity {
            tail.popped_seen = self.popped.0.load(Ordering::Acquire);
            if pushed.wrapping_sub(tail.popped_seen) >= self.capacity {
                return Err(make);
            }
        }
        let value = make();
        // Counted before it can be popped (module docs, 4).
        self.pushed
            .0
            .store(pushed.wrapping_add(1), Ordering::Release);
        let value = match &mut tail.chunk {
            Some(chunk) => match chunk.push(value) {
                Ok(()) => return Ok(()),
                Err(value) => value,
            },
            None => value,
        };
        // The tail is full (or there is none yet): continue in a new chunk.
        let Chunk { mut tx, rx } = match tail.chunk {
            None => Chunk::new(self.first_len),
            Some(_) => self
                .take_spare()
                .unwrap_or_else(|| Chunk::new(self.chunk_len)),
        };
        if tx.push(value).is_err() {
            unreachable!("a new or spare chunk is empty");
        }
        let left = tail.chunk.replace(tx);
        // Published after the last push into the old tail (module docs, 2).
        if self.chunks.push(Link { rx, left }).is_err() {
            unreachable!("more chunks waiting than the capacity allows");
        }
        Ok(())
    }

    /// Removes the oldest item, if any. Consumer only, with its own `head`.
    pub(super) fn pop(&self, head: &mut Head<T>) -> Option<T> {
        self.pop_by(head, RingRx::pop)
    }

    /// Hands the oldest item, if any, to `f` in its slot, then drops what
    /// `f` left of it there: a consumer that takes its contents apart
    /// reads them from the slot instead of from a copy of the whole item.
    /// Consumer only, with its own `head`.
    pub(super) fn pop_with<R>(
        &self,
        head: &mut Head<T>,
        mut f: impl FnMut(&mut T) -> R,
    ) -> Option<R> {
        self.pop_by(head, |rx| rx.pop_with(&mut f))
    }

    /// The oldest item, through `take` from the head's ring.
    #[inline]
    fn pop_by<R>(
        &self,
        head: &mut Head<T>,
        mut take: impl FnMut(&mut RingRx<T>) -> Option<R>,
    ) -> Option<R> {
        loop {
            if let Some(value) = head.chunk.as_mut().and_then(&mut take) {
                return Some(self.count_pop(value));
            }
            let next = match head.next.take() {
                Some(next) => next,
                None => {
                    let next = self.chunks.pop()?;
                    // The producer published `next` after its last push
                    // into the head, and popping it acquired that: one more
                    // look finds whatever is left (module docs, 2).
                    if let Some(value) = head.chunk.as_mut().and_then(&mut take) {
                        head.next = Some(next);
                        return Some(self.count_pop(value));
                    }
                    next
                }
            };
            // `next.left` is the producer's half of the head just drained.
            if let (Some(rx), Some(tx)) = (head.chunk.replace(next.rx), next.left) {
                self.retire(Chunk { tx, rx });
            }
        }
    }

    /// How many items it holds (a snapshot, from either side).
    pub(super) fn len(&self) -> usize {
        // `popped` first: it never passes `pushed` (module docs, 4).
        let popped = self.popped.0.load(Ordering::Acquire);
        self.pushed.0.load(Ordering::Acquire).wrapping_sub(popped)
    }

    /// How many items it can hold.
    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Counts a pop and returns what it gave.
    fn count_pop<R>(&self, value: R) -> R {
        let popped = &self.popped.0;
        popped.store(
            popped.load(Ordering::Relaxed).wrapping_add(1),
            Ordering::Release,
        );
        value
    }

    /// A spare for the producer's next tail, if any; notes how many chunks
    /// this burst has in flight.
    fn take_spare(&self) -> Option<Chunk<T>> {
        let mut spares = lock(&self.spares);
        spares.peak = spares.peak.max(self.chunks.len() + 1);
        spares.chunks.pop()
    }

    /// Keeps `chunk`, which the producer has left and the consumer drained,
    /// as a spare or frees it (module docs, "Spare chunks").
    fn retire(&self, chunk: Chunk<T>) {
        let backlog = self.len();
        let mut spares = lock(&self.spares);
        if backlog <= self.chunk_len {
            // A trough: keep what recent bursts needed, at least one.
            let peak = core::mem::take(&mut spares.peak);
            spares.troughs += 1;
            if spares.troughs >= TROUGHS_PER_HALVING {
                spares.troughs = 0;
                spares.keep /= 2;
            }
            let keep = spares.keep.max(peak).max(1);
            spares.keep = keep;
            spares.chunks.truncate(keep);
            if spares.chunks.len() >= keep {
                return;
            }
        }
        spares.chunks.push(chunk);
    }
}

/// The capacity of an unbounded queue: `pushed - popped` never reaches it.
const UNBOUNDED: usize = usize::MAX;

/// Slots per chunk for items of type `T` in a queue of `capacity`: about
/// [`CHUNK_BYTES`] of them, more when that would take over [`MAX_CHUNKS`]
/// chunks (not for an unbounded queue), and never more than `capacity`.
fn chunk_len<T>(capacity: usize) -> usize {
    // rtrb's slot is the value alone.
    let slot = size_of::<T>().max(1);
    let chunks = if capacity == UNBOUNDED {
        1
    } else {
        capacity.div_ceil(MAX_CHUNKS)
    };
    (CHUNK_BYTES / slot).max(chunks).max(1).min(capacity)
}

#[cfg(all(test, not(loom)))]
mod tests {
    use ferrozmq_msg::Multipart;

    use super::*;
    use crate::sync::Arc;

    /// A queue with both sides' state, for tests on one thread.
    struct Fifo<T> {
        q: Chunked<T>,
        tail: Tail<T>,
        head: Head<T>,
    }

    impl<T> Fifo<T> {
        fn new(capacity: usize, chunk_len: usize, first_len: usize) -> Self {
            Self {
                q: Chunked::with_chunk_len(capacity, chunk_len, first_len),
                tail: Tail::default(),
                head: Head::default(),
            }
        }

        fn push(&mut self, value: T) -> Result<(), T> {
            self.q.push(&mut self.tail, value)
        }

        fn pop(&mut self) -> Option<T> {
            self.q.pop(&mut self.head)
        }

        fn len(&self) -> usize {
            self.q.len()
        }

        /// Chunks it holds: live ones (the producer's tail is the last of
        /// them, so it is not counted twice) and spares.
        fn chunks_held(&self) -> usize {
            usize::from(self.head.chunk.is_some())
                + usize::from(self.head.next.is_some())
                + self.q.chunks.len()
                + lock(&self.q.spares).chunks.len()
        }
    }

    #[test]
    fn unbounded_takes_any_backlog_in_order_and_gives_chunks_back() {
        let mut f = Fifo {
            q: Chunked::<u64>::unbounded(),
            tail: Tail::default(),
            head: Head::default(),
        };
        assert!(f.q.is_unbounded());
        let per_chunk = f.q.chunk_len;
        assert_eq!(per_chunk, CHUNK_BYTES / 8);
        // A backlog of 200 chunks' worth (a bounded queue tops out at 64).
        let n = 200 * per_chunk as u64;
        for i in 0..n {
            f.push(i).unwrap();
        }
        assert_eq!(f.len(), n as usize);
        assert!(f.chunks_held() >= 200);
        for i in 0..n {
            assert_eq!(f.pop(), Some(i));
        }
        assert_eq!(f.pop(), None);
        // Drained: the last burst's spares are kept for the next one, no more.
        let held = f.chunks_held();
        for round in 0..3 {
            for i in 0..n {
                f.push(i).unwrap();
            }
            for i in 0..n {
                assert_eq!(f.pop(), Some(i), "round {round}");
            }
            assert!(f.chunks_held() <= held + 1, "{} > {held}", f.chunks_held());
        }
    }

    #[test]
    fn fifo_across_chunks_and_full_at_capacity() {
        let mut q = Fifo::new(10, 3, 3);
        for round in 0..5 {
            for i in 0..10 {
                assert_eq!(q.push(round * 100 + i), Ok(()));
            }
            assert_eq!(q.push(-1), Err(-1));
            assert_eq!(q.len(), 10);
            // Half out, half in again: the backlog wraps around chunks.
            for i in 0..5 {
                assert_eq!(q.pop(), Some(round * 100 + i));
            }
            for i in 10..15 {
                assert_eq!(q.push(round * 100 + i), Ok(()));
            }
            assert_eq!(q.push(-1), Err(-1));
            for i in 5..15 {
                assert_eq!(q.pop(), Some(round * 100 + i));
            }
            assert_eq!((q.pop(), q.len()), (None, 0));
        }
    }

    #[test]
    fn a_new_queue_holds_no_chunk_and_a_small_backlog_one() {
        let mut q = Fifo::new(100, 10, 10);
        assert_eq!(q.chunks_held(), 0);
        for i in 0..1000 {
            q.push(i).unwrap();
            q.push(i + 1).unwrap();
            assert_eq!((q.pop(), q.pop()), (Some(i), Some(i + 1)));
        }
        // The ring is reused: one chunk, however many items went through.
        assert_eq!(q.chunks_held(), 1);
    }

    #[test]
    fn the_first_chunk_is_small() {
        let mut q = Fifo::new(100, 10, 2);
        for i in 0..100 {
            q.push(i).unwrap();
            assert_eq!(q.pop(), Some(i));
        }
        assert_eq!(q.chunks_held(), 1);
        // 13 items fill it (2), a full chunk (10) and one more.
        (0..13).for_each(|i| q.push(i).unwrap());
        assert_eq!(q.chunks_held(), 3);
        assert!((0..13).all(|i| q.pop() == Some(i)));
        let defaults = Chunked::<Multipart>::new(1000);
        assert_eq!(
            (defaults.first_len, defaults.chunk_len),
            (FIRST_CHUNK_LEN, chunk_len::<Multipart>(1000))
        );
    }

    #[test]
    fn storage_follows_the_recent_peak_down() {
        let mut q = Fifo::new(100, 10, 10);
        (0..100).for_each(|i| q.push(i).unwrap());
        assert_eq!(q.chunks_held(), 10);
        assert!((0..100).all(|i| q.pop() == Some(i)));
        // The tail chunk (now also the head) and the spares the next burst
        // of the same size needs.
        assert_eq!(q.chunks_held(), 10);
        // Smaller bursts: the spares follow them down, halving every
        // TROUGHS_PER_HALVING troughs, not at once.
        (0..25).for_each(|i| q.push(i).unwrap());
        assert!((0..25).all(|i| q.pop() == Some(i)));
        assert_eq!(q.chunks_held(), 10);
        for _ in 0..4 * TROUGHS_PER_HALVING {
            (0..25).for_each(|i| q.push(i).unwrap());
            assert!((0..25).all(|i| q.pop() == Some(i)));
        }
        assert_eq!(q.chunks_held(), 3);
        (0..5).for_each(|i| q.push(i).unwrap());
        assert!((0..5).all(|i| q.pop() == Some(i)));
        assert_eq!(q.chunks_held(), 3, "no chunk moved, none retired");
    }

    /// A reader that gets a burst of a thousand messages per read (a tcp
    /// decode) and drains it before the next: once the first burst has
    /// made its chunks, every later one reuses them.
    #[test]
    fn bursts_of_a_steady_size_reuse_their_chunks() {
        let mut q = Fifo::new(1000, 10, 10);
        let mut held = Vec::new();
        let mut next = 0;
        for _ in 0..20 {
            (0..95).for_each(|i| q.push(next + i).unwrap());
            assert!((0..95).all(|i| q.pop() == Some(next + i)));
            next += 95;
            held.push(q.chunks_held());
        }
        assert!(held.iter().all(|&n| n <= 11), "{held:?}");
        assert_eq!(held[1..].iter().min(), held[1..].iter().max(), "{held:?}");
    }

    /// A writer held at the high-water mark refills what the reader drained
    /// to the low-water mark: once the storage has grown (the second refill
    /// starts from a fuller queue and may take one more chunk), from spares
    /// only.
    #[test]
    fn cycling_between_high_and_low_water_keeps_its_chunks() {
        let mut q = Fifo::new(100, 10, 10);
        let (mut next_in, mut next_out) = (0, 0);
        let mut held = Vec::new();
        for _ in 0..20 {
            while q.push(next_in).is_ok() {
                next_in += 1;
            }
            while q.len() > 50 {
                assert_eq!(q.pop(), Some(next_out));
                next_out += 1;
            }
            held.push(q.chunks_held());
        }
        // 50 items span 5 or 6 chunks, and the drained ones wait as spares.
        assert!(held.iter().all(|&n| n <= 11), "{held:?}");
        assert_eq!(held[1..].iter().min(), held[1..].iter().max(), "{held:?}");
    }

    #[test]
    fn chunk_len_is_about_a_page_and_at_most_the_capacity() {
        assert_eq!(chunk_len::<u64>(1000), 512);
        assert_eq!(chunk_len::<u64>(100), 100);
        assert_eq!(chunk_len::<[u8; 8192]>(1000), 16);
        // Large capacities: at most MAX_CHUNKS chunks.
        assert_eq!(chunk_len::<u64>(1 << 20), (1 << 20) / MAX_CHUNKS);
        let m = chunk_len::<Multipart>(1000);
        assert!((30..=64).contains(&m), "{m} slots per chunk");
    }

    /// `pop_with` hands each item in order, across chunks, where it lies;
    /// what the caller leaves of it is dropped as the slot is freed, and
    /// an empty queue does not call it.
    #[test]
    fn pop_with_hands_items_in_place_and_drops_the_rest() {
        let item = Arc::new(());
        let mut q = Fifo::new(10, 3, 3);
        for i in 0..8 {
            q.push((i, Some(Arc::clone(&item)), Arc::clone(&item)))
                .unwrap();
        }
        let mut kept = Vec::new();
        for i in 0..8 {
            let seen = q.q.pop_with(&mut q.head, |(n, first, _)| {
                kept.push(first.take());
                *n
            });
            assert_eq!(seen, Some(i));
            // The one taken out lives on; the one left went with the slot.
            assert_eq!(Arc::strong_count(&item), 1 + kept.len() + 2 * (7 - i));
        }
        assert_eq!(q.q.pop_with(&mut q.head, |_| unreachable!()), None::<()>);
        assert_eq!(q.len(), 0);
        drop(kept);
        assert_eq!(Arc::strong_count(&item), 1);
    }

    #[test]
    fn dropping_a_queue_drops_its_items() {
        let item = Arc::new(());
        let mut q = Fifo::new(10, 3, 3);
        (0..8).for_each(|_| q.push(Arc::clone(&item)).unwrap());
        drop(q.pop());
        drop(q);
        assert_eq!(Arc::strong_count(&item), 1);
    }
}

/// loom models of the handoffs (module docs, 2 to 4), with chunks of one
/// slot so that every push past the first changes chunks. A message lost,
/// repeated or reordered fails an assert; a chunk leaked fails loom's leak
/// check.
#[cfg(all(test, loom))]
mod loom_tests {
    use loom::thread::{self, JoinHandle};

    use super::*;
    use crate::sync::{AtomicBool, fence};

    /// Runs `f` on a new loom thread that first races the caller on a
    /// shared counter.
    ///
    /// loom 0.7.3 explores no interleaving of a spawned thread whose first
    /// operation is an atomic load (tokio-rs/loom issue 392), and a push
    /// or a pop starts with loads: without the race the models ran one
    /// schedule of the new thread and missed a bug planted in `pop`. The
    /// two read-modify-writes conflict, so loom tries both orders from the
    /// start and the thread's later accesses are explored; they change
    /// nothing the models check.
    fn spawn<R: 'static>(f: impl FnOnce() -> R + 'static) -> JoinHandle<R> {
        let start = Arc::new(AtomicUsize::new(0));
        let theirs = Arc::clone(&start);
        let handle = thread::spawn(move || {
            theirs.fetch_add(1, Ordering::Relaxed);
            f()
        });
        start.fetch_add(1, Ordering::Relaxed);
        handle
    }

    /// Three items through a queue of two, both sides spinning: chunks are
    /// made, handed over, retired, kept and reused concurrently, and `len`
    /// stays within 0..=capacity from either side.
    #[test]
    fn loom_items_cross_chunks_in_order() {
        loom::model(|| {
            let q = Arc::new(Chunked::with_chunk_len(2, 1, 1));
            let mut head = Head::default();
            let producer = {
                let q = Arc::clone(&q);
                let mut tail = Tail::default();
                spawn(move || {
                    for i in 0..3 {
                        while q.push(&mut tail, i).is_err() {
                            thread::yield_now();
                        }
                        assert!(q.len() <= 2);
                    }
                })
            };
            let mut got = Vec::new();
            while got.len() < 3 {
                match q.pop(&mut head) {
                    Some(i) => got.push(i),
                    None => thread::yield_now(),
                }
                assert!(q.len() <= 2);
            }
            producer.join().unwrap();
            assert_eq!(got, [0, 1, 2]);
            assert_eq!((q.pop(&mut head), q.len()), (None, 0));
            assert!(lock(&q.spares).chunks.len() <= 2);
        });
    }

    /// The consumer finds its head empty; the producer, still in that
    /// chunk, fills it and moves on. The consumer that then takes the
    /// successor must look in the old head once more before retiring it
    /// (module docs, 2).
    #[test]
    fn loom_head_refilled_while_the_consumer_moves_on() {
        loom::model(|| {
            let q = Arc::new(Chunked::with_chunk_len(2, 1, 1));
            let (mut tail, mut head) = (Tail::default(), Head::default());
            q.push(&mut tail, 0).unwrap();
            assert_eq!(q.pop(&mut head), Some(0));
            let producer = {
                let q = Arc::clone(&q);
                spawn(move || {
                    q.push(&mut tail, 1).unwrap();
                    q.push(&mut tail, 2).unwrap();
                })
            };
            let mut got = Vec::new();
            while got.len() < 2 {
                match q.pop(&mut head) {
                    Some(i) => got.push(i),
                    None => thread::yield_now(),
                }
            }
            producer.join().unwrap();
            assert_eq!(got, [1, 2]);
        });
    }

    /// As above with a first chunk smaller than the others, which the
    /// producer leaves after one item and may later reuse as a spare.
    #[test]
    fn loom_small_first_chunk() {
        loom::model(|| {
            let q = Arc::new(Chunked::with_chunk_len(3, 2, 1));
            let mut head = Head::default();
            let producer = {
                let q = Arc::clone(&q);
                let mut tail = Tail::default();
                spawn(move || {
                    for i in 0..4 {
                        while q.push(&mut tail, i).is_err() {
                            thread::yield_now();
                        }
                    }
                })
            };
            let mut got = Vec::new();
            while got.len() < 4 {
                match q.pop(&mut head) {
                    Some(i) => got.push(i),
                    None => thread::yield_now(),
                }
            }
            producer.join().unwrap();
            assert_eq!(got, [0, 1, 2, 3]);
        });
    }

    /// The reader's half of the pipe's handshake (F1r/F1w) when the push
    /// goes into a new chunk: a consumer that fenced after the producer's
    /// fence finds the item behind the handle.
    #[test]
    fn loom_pop_after_fence_sees_a_push_into_a_new_chunk() {
        loom::model(|| {
            let q = Arc::new(Chunked::with_chunk_len(2, 1, 1));
            let asleep = Arc::new(AtomicBool::new(false));
            let (mut tail, mut head) = (Tail::default(), Head::default());
            q.push(&mut tail, 0).unwrap();
            let producer = {
                let (q, asleep) = (Arc::clone(&q), Arc::clone(&asleep));
                spawn(move || {
                    q.push(&mut tail, 1).unwrap();
                    fence(Ordering::SeqCst);
                    asleep.load(Ordering::Relaxed)
                })
            };
            asleep.store(true, Ordering::Relaxed);
            fence(Ordering::SeqCst);
            let first = q.pop(&mut head);
            let second = q.pop(&mut head);
            let saw_asleep = producer.join().unwrap();
            assert_eq!(first, Some(0));
            assert!(saw_asleep || second == Some(1), "a wake-up would be lost");
            if second.is_none() {
                assert_eq!(q.pop(&mut head), Some(1));
            }
        });
    }

    /// The writer's half (F2w/F2r): a push on a full queue made after the
    /// producer's fence sees a pop made before the consumer's, even when
    /// the freed slot is in a chunk the consumer has since retired.
    #[test]
    fn loom_push_after_fence_sees_a_pop() {
        loom::model(|| {
            let q = Arc::new(Chunked::with_chunk_len(2, 1, 1));
            let asleep = Arc::new(AtomicBool::new(false));
            let mut tail = Tail::default();
            q.push(&mut tail, 0).unwrap();
            q.push(&mut tail, 1).unwrap();
            let consumer = {
                let (q, asleep) = (Arc::clone(&q), Arc::clone(&asleep));
                spawn(move || {
                    let mut head = Head::default();
                    let got = q.pop(&mut head);
                    fence(Ordering::SeqCst);
                    (got, asleep.load(Ordering::Relaxed), head)
                })
            };
            asleep.store(true, Ordering::Relaxed);
            fence(Ordering::SeqCst);
            let pushed = q.push(&mut tail, 2).is_ok();
            let (got, saw_asleep, mut head) = consumer.join().unwrap();
            assert_eq!(got, Some(0));
            assert!(saw_asleep || pushed, "a wake-up would be lost");
            assert_eq!(q.pop(&mut head), Some(1));
            assert_eq!(q.pop(&mut head), pushed.then_some(2));
        });
    }
}
