//! [`ReadBlock`]: a connection's read buffer whose frames are handed out as
//! slices of it, libzmq's zero-copy receive (`shared_message_memory_allocator`:
//! a message above the inline size points into the buffer the decoder read,
//! and the buffer lives until its last message is gone).
//!
//! The block is one body from the socket's [`RecvAllocator`] (the `received`
//! layout of the `storage` module), so every sliced frame still lives where
//! the socket said received messages live, and the block goes back to that
//! allocator when the last slice is dropped. A stream of small messages then
//! costs no allocation and no free per message: one reference each, dropped
//! by whichever thread holds it.
//!
//! Counting is biased so the reading thread never writes the count per
//! frame: a new block's count is set to [`BIAS`], the references it hands out
//! are only counted locally (`issued`), and each slice's drop takes one off
//! the shared count as usual. The block gives back its share (`BIAS -
//! issued`) when it is dropped; whichever side brings the count to zero
//! frees it, exactly once. The count reads `BIAS - issued` exactly when every
//! slice handed out is gone, which is when the block may be reused in place
//! ([`ReadBlock::try_reset`]).

use core::alloc::Layout;
use core::mem::MaybeUninit;
use core::slice;

use ferrozmq_alloc::{AllocError, RecvAllocator};

use crate::msg::Msg;
use crate::storage::{self, Body};
use crate::sync::StdArc;

/// The count a block starts with: far above any number of slices a block
/// can hold (one per byte at most), far below where `Msg::clone` aborts
/// (`isize::MAX`), so clones of slices cannot overflow it either.
const BIAS: usize = usize::MAX >> 4;

/// A read buffer: bytes are read into its spare tail
/// ([`spare_mut`](Self::spare_mut), [`commit`](Self::commit)), consumed from
/// its front ([`unread`](Self::unread), [`consume`](Self::consume)), and a
/// frame body found whole in the unread part is taken out as a [`Msg`]
/// sharing the block ([`take`](Self::take)), without a copy.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use ferrozmq_alloc::{Heap, RecvAllocator};
/// use ferrozmq_msg::ReadBlock;
///
/// let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap::new());
/// let mut block = ReadBlock::new_in(&alloc, 4096)?;
/// let n = block.fill_from(b"\x00\x05hello");
/// assert_eq!(n, 7);
/// block.consume(2); // a frame header, parsed elsewhere
/// let frame = block.take(5).expect("the block's allocator holds slices");
/// assert_eq!(&frame[..], b"hello");
/// assert!(!block.try_reset()); // `frame` still points into it
/// drop(frame);
/// assert!(block.try_reset());
/// # Ok::<(), ferrozmq_alloc::AllocError>(())
/// ```
pub struct ReadBlock {
    body: Body,
    cap: usize,
    /// Bytes `[0, filled)` hold data; `[start, filled)` is not consumed yet.
    start: usize,
    filled: usize,
    /// References handed out since the count was last set to `BIAS`.
    issued: usize,
    /// Whether [`take`](Self::take) may slice: only a block from the
    /// socket's own allocator, never the global-heap fallback.
    slices: bool,
}

// SAFETY: a `ReadBlock` holds a share of a body's count (like a `Msg`, which
// is Send) and is the only writer of the block's bytes after `filled`, which
// no slice covers; moving it to another thread moves that exclusive access.
unsafe impl Send for ReadBlock {}

impl ReadBlock {
    /// A block of `cap` bytes from `alloc`; frames taken from it are slices
    /// of it, released back to `alloc` with the last of them.
    ///
    /// # Errors
    ///
    /// Whatever `alloc` answers (or `TooLarge` when `cap` overflows a layout).
    pub fn new_in(alloc: &StdArc<dyn RecvAllocator>, cap: usize) -> Result<Self, AllocError> {
        Ok(Self::with_body(
            storage::new_received(alloc, cap)?,
            cap,
            true,
        ))
    }

    /// A block of `cap` bytes from the heap (see `raw.rs`), for when the
    /// socket's allocator refused one: nothing is sliced from it (every
    /// frame is copied into the socket's allocator, as without blocks).
    ///
    /// # Errors
    ///
    /// `Failed` when the heap says no, `TooLarge` when `cap`
    /// overflows a layout.
    pub fn unsliced(cap: usize) -> Result<Self, AllocError> {
        Ok(Self::with_body(storage::new_chunk(cap)?, cap, false))
    }

    fn with_body(body: Body, cap: usize, slices: bool) -> Self {
        // SAFETY: a fresh body: we hold its only reference.
        unsafe { storage::set_refs(body.header, BIAS) };
        Self {
            body,
            cap,
            start: 0,
            filled: 0,
            issued: 0,
            slices,
        }
    }

    /// The block's size in bytes.
    pub fn capacity(&self) -> usize {
        self.cap
    }

    /// Whether [`take`](Self::take) hands out slices (a block from the
    /// socket's allocator) or not (the global-heap fallback).
    pub fn slices(&self) -> bool {
        self.slices
    }

    /// What a block of `cap` bytes asks its allocator for (the body's small
    /// header included), for allocators and tests that tell read blocks
    /// from other requests.
    pub fn layout(cap: usize) -> Option<Layout> {
        storage::received_layout(cap).map(|(layout, _)| layout)
    }

    /// The bytes read and not consumed yet.
    pub fn unread(&self) -> &[u8] {
        // SAFETY: `[start, filled)` lies in the block and was initialised by
        // `commit`'s caller; nothing writes below `filled`.
        unsafe {
            slice::from_raw_parts(
                self.body.data.as_ptr().add(self.start),
                self.filled - self.start,
            )
        }
    }

    /// How many bytes are not read into yet.
    pub fn spare(&self) -> usize {
        self.cap - self.filled
    }

    /// The part not read into yet: read into it in place, then
    /// [`commit`](Self::commit).
    pub fn spare_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        // SAFETY: `[filled, cap)` lies in the block, no slice covers it (slices
        // are taken below `filled`), and `&mut self` keeps it ours while the
        // borrow lives. `MaybeUninit<u8>` has the layout of `u8`.
        unsafe {
            slice::from_raw_parts_mut(
                self.body
                    .data
                    .as_ptr()
                    .add(self.filled)
                    .cast::<MaybeUninit<u8>>(),
                self.spare(),
            )
        }
    }

    /// Marks the first `n` spare bytes as read.
    ///
    /// # Safety
    ///
    /// The first `n` bytes of [`spare_mut`](Self::spare_mut) must have been
    /// initialised, and `n` must be at most its length.
    pub unsafe fn commit(&mut self, n: usize) {
        debug_assert!(n <= self.cap - self.filled);
        self.filled += n;
    }

    /// Copies as much of `src` as fits into the spare part; returns how much.
    pub fn fill_from(&mut self, src: &[u8]) -> usize {
        let spare = self.spare_mut();
        let n = src.len().min(spare.len());
        // SAFETY: `spare` is valid for `n` writes and exclusively ours; `src`
        // is a shared borrow, so they cannot overlap.
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), spare.as_mut_ptr().cast(), n) };
        // SAFETY: the `n` bytes were just written.
        unsafe { self.commit(n) };
        n
    }

    /// Consumes the first `n` unread bytes (parsed elsewhere, or copied).
    ///
    /// # Panics
    ///
    /// When fewer than `n` bytes are unread.
    pub fn consume(&mut self, n: usize) {
        assert!(
            n <= self.filled - self.start,
            "consume past the unread bytes"
        );
        self.start += n;
    }

    /// The next `len` unread bytes as a frame sharing the block, consumed;
    /// `None` (nothing consumed) for a block that does not slice.
    ///
    /// # Panics
    ///
    /// When fewer than `len` bytes are unread.
    pub fn take(&mut self, len: usize) -> Option<Msg> {
        if !self.slices {
            return None;
        }
        assert!(
            len <= self.filled - self.start,
            "take past the unread bytes"
        );
        let body = Body {
            header: self.body.header,
            // SAFETY: `start <= filled <= cap`: inside the block.
            data: unsafe { self.body.data.add(self.start) },
        };
        self.start += len;
        // One of the block's `BIAS` references goes to the frame.
        self.issued += 1;
        // Writable: once it is the last reference to the block (every other
        // slice gone and the block dropped), its own bytes are its alone.
        Some(Msg::shared_writable(body, len))
    }

    /// Makes the whole block spare again when every frame taken from it is
    /// gone and nothing is unread; `false` (unchanged) otherwise.
    pub fn try_reset(&mut self) -> bool {
        if self.start != self.filled {
            return false;
        }
        // SAFETY: we hold `BIAS - issued` references; the acquire load orders
        // every dropped slice's reads of the block before our next writes.
        if unsafe { storage::refs(self.body.header) } != BIAS - self.issued {
            return false;
        }
        // SAFETY: every reference but ours is gone (see above).
        unsafe { storage::set_refs(self.body.header, BIAS) };
        self.issued = 0;
        self.start = 0;
        self.filled = 0;
        true
    }
}

impl Drop for ReadBlock {
    fn drop(&mut self) {
        // SAFETY: we hold `BIAS - issued` references, given up here; the
        // body is freed now if no slice is left, else by the last slice.
        unsafe { storage::release_many(self.body.header, BIAS - self.issued) };
    }
}

impl core::fmt::Debug for ReadBlock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ReadBlock")
            .field("capacity", &self.cap)
            .field("unread", &(self.filled - self.start))
            .field("spare", &(self.cap - self.filled))
            .field("slices", &self.slices)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use ferrozmq_alloc::Heap;

    fn heap() -> StdArc<dyn RecvAllocator> {
        StdArc::new(Heap::new())
    }

    #[test]
    fn slices_share_the_block_and_outlive_it() {
        let alloc = heap();
        let mut block = ReadBlock::new_in(&alloc, 256).unwrap();
        block.fill_from(&[1u8; 100]);
        block.fill_from(&[2u8; 100]);
        let a = block.take(100).unwrap();
        let b = block.take(60).unwrap();
        assert_eq!(block.unread(), &[2u8; 40]);
        assert_eq!(b.as_ptr(), a.as_ptr().wrapping_add(100));
        assert!(!block.try_reset(), "bytes are unread");
        block.consume(40);
        assert!(!block.try_reset(), "slices are alive");
        let a2 = a.clone();
        drop(block);
        assert_eq!(&a2[..], &[1u8; 100]);
        drop(a);
        drop(a2);
        let mut b = b;
        assert_eq!(
            b.get_mut().map(|s| s.len()),
            Some(60),
            "the last reference may write its bytes"
        );
        assert_eq!(&b[..], &[2u8; 60]);
    }

    #[test]
    fn reset_after_every_slice_is_gone_reuses_the_memory() {
        let alloc = heap();
        let mut block = ReadBlock::new_in(&alloc, 64).unwrap();
        block.fill_from(&[9u8; 64]);
        assert_eq!(block.spare(), 0);
        let first = block.take(64).unwrap();
        let at = first.as_ptr();
        drop(first);
        assert!(block.try_reset());
        assert_eq!(block.spare(), 64);
        block.fill_from(&[3u8; 10]);
        let again = block.take(10).unwrap();
        assert_eq!(again.as_ptr(), at);
        assert_eq!(&again[..], &[3u8; 10]);
    }

    #[test]
    fn an_unsliced_block_copies_nothing_out() {
        let mut block = ReadBlock::unsliced(32).unwrap();
        assert!(!block.slices());
        block.fill_from(b"abc");
        assert!(block.take(3).is_none());
        assert_eq!(block.unread(), b"abc");
        block.consume(3);
        assert!(block.try_reset());
    }

    #[test]
    #[should_panic(expected = "take past the unread bytes")]
    fn taking_more_than_is_unread_panics() {
        let mut block = ReadBlock::new_in(&heap(), 16).unwrap();
        block.fill_from(b"ab");
        let _ = block.take(3);
    }
}
