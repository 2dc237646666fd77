//! [`MsgMut`]: a frame being written, then frozen into a [`Msg`] without a copy.
//!
//! The receive path uses it to read a frame body straight into its final
//! memory (a chunk, or a block from the socket's receive allocator); users use
//! it to build a message in place.

use core::mem::MaybeUninit;
use core::ops::{Deref, DerefMut};
use core::slice;

use ferrozmq_alloc::{AllocError, RecvAllocator};

use crate::msg::{INLINE_CAPACITY, Msg, Storage};
use crate::storage;
use crate::sync::StdArc;

/// A writable frame of fixed capacity: bytes are appended (or read in place)
/// up to the capacity, then [`freeze`](Self::freeze) turns it into a [`Msg`]
/// without copying.
///
/// Capacities up to [`INLINE_CAPACITY`] are inline and allocate nothing; larger
/// ones take one block (header and data together) from the heap (mimalloc
/// up to 128 KiB, else the global allocator; see the crate docs)
/// ([`with_capacity`](Self::with_capacity)) or from a receive allocator
/// ([`new_in`](Self::new_in)).
///
/// # Examples
///
/// ```
/// use ferrozmq_msg::MsgMut;
///
/// let mut m = MsgMut::with_capacity(1000);
/// m.put_slice(b"header:");
/// m.put_slice(&[0u8; 993]);
/// assert_eq!(m.remaining(), 0);
/// let frozen = m.freeze();
/// assert_eq!(&frozen[..7], b"header:");
/// ```
///
/// Received straight into a receive allocator's memory:
///
/// ```
/// use std::sync::Arc;
/// use ferrozmq_alloc::{Heap, RecvAllocator};
/// use ferrozmq_msg::MsgMut;
///
/// let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap::new());
/// let mut m = MsgMut::new_in(&alloc, 4096)?;
/// let n = m.fill_from(&[1u8; 10_000]); // e.g. from a read buffer
/// assert_eq!(n, 4096);
/// let msg = m.freeze(); // released back to `alloc` on its last drop
/// assert_eq!(msg.len(), 4096);
/// # Ok::<(), ferrozmq_alloc::AllocError>(())
/// ```
pub struct MsgMut {
    /// The frame being built; its length is the filled part. A non-inline
    /// body is referenced by this handle alone until `freeze`.
    msg: Msg,
    capacity: usize,
}

impl MsgMut {
    /// A writable frame of `capacity` bytes on the heap (inline when small).
    ///
    /// # Panics
    ///
    /// Aborts like `Vec` when the heap fails.
    pub fn with_capacity(capacity: usize) -> Self {
        match Self::try_with_capacity(capacity) {
            Ok(m) => m,
            Err(e) => std::alloc::handle_alloc_error(e.layout()),
        }
    }

    /// Like [`with_capacity`](Self::with_capacity), but reports a failed
    /// allocation instead of aborting.
    ///
    /// # Errors
    ///
    /// [`AllocError`] when the capacity overflows a layout or the global
    /// allocator fails.
    pub fn try_with_capacity(capacity: usize) -> Result<Self, AllocError> {
        if capacity <= INLINE_CAPACITY {
            return Ok(Self::inline(capacity));
        }
        let body = storage::new_chunk(capacity)?;
        Ok(Self {
            msg: Msg::shared_writable(body, 0),
            capacity,
        })
    }

    /// A writable frame of `capacity` bytes in memory from `alloc` (inline
    /// when at most [`INLINE_CAPACITY`]). The block goes back to `alloc` when
    /// the last clone of the frozen frame is dropped, on whatever thread and
    /// however long after the socket that asked for it is gone: the frame
    /// keeps `alloc` alive.
    ///
    /// # Errors
    ///
    /// Whatever `alloc` answers: an exhausted allocator is back-pressure (see
    /// [`AllocError::is_transient`]), nothing is lost.
    pub fn new_in(alloc: &StdArc<dyn RecvAllocator>, capacity: usize) -> Result<Self, AllocError> {
        if capacity <= INLINE_CAPACITY {
            return Ok(Self::inline(capacity));
        }
        let body = storage::new_received(alloc, capacity)?;
        Ok(Self {
            msg: Msg::shared_writable(body, 0),
            capacity,
        })
    }

    fn inline(capacity: usize) -> Self {
        Self {
            msg: Msg::new(),
            capacity,
        }
    }

    /// How many bytes the frame will hold once full.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// How many bytes are written so far.
    pub fn len(&self) -> usize {
        self.msg.len()
    }

    /// Whether nothing is written yet.
    pub fn is_empty(&self) -> bool {
        self.msg.is_empty()
    }

    /// How many bytes can still be written.
    pub fn remaining(&self) -> usize {
        self.capacity - self.len()
    }

    /// Appends `bytes`.
    ///
    /// # Panics
    ///
    /// When `bytes` is longer than [`remaining`](Self::remaining).
    pub fn put_slice(&mut self, bytes: &[u8]) {
        assert!(
            bytes.len() <= self.remaining(),
            "MsgMut::put_slice: {} bytes into {} remaining",
            bytes.len(),
            self.remaining()
        );
        self.fill_from(bytes);
    }

    /// Appends as much of `src` as fits and returns how many bytes that was.
    pub fn fill_from(&mut self, src: &[u8]) -> usize {
        let n = src.len().min(self.remaining());
        let dst = self.spare_capacity_mut().as_mut_ptr().cast::<u8>();
        // SAFETY: 1. `src` is valid for reads of `n` bytes; 2. `dst` is valid
        // for writes of `remaining() >= n` bytes (`MaybeUninit<u8>` has the
        // layout of `u8`); 3. they cannot overlap: `dst` is memory this builder
        // holds exclusively (`&mut self`) while `src` is a shared borrow. A
        // plain memcpy: the per-byte loop it replaces ran at half of `Vec`'s
        // copy speed.
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), dst, n) };
        let len = self.len() + n;
        // SAFETY: the `n` bytes after the old length were just written, and
        // `len` is at most the capacity.
        unsafe { self.set_len(len) };
        n
    }

    /// The part not written yet, to read into in place (for example with a
    /// `read` system call); then [`set_len`](Self::set_len).
    pub fn spare_capacity_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        let len = self.len();
        let spare = self.capacity - len;
        let base = self.data_ptr();
        // SAFETY: 1. `base` is valid for writes of `capacity` bytes: the inline
        // bytes of our own handle, or a body this builder references alone;
        // 2. `len <= capacity`, so the range stays inside it; 3. the slice
        // borrows `self` mutably, so nothing else touches it meanwhile.
        unsafe { slice::from_raw_parts_mut(base.add(len).cast::<MaybeUninit<u8>>(), spare) }
    }

    /// Sets how many bytes are written.
    ///
    /// # Safety
    ///
    /// `len` must be at most the capacity, and the first `len` bytes must have
    /// been initialised (through [`spare_capacity_mut`](Self::spare_capacity_mut)
    /// or the other writers).
    pub unsafe fn set_len(&mut self, len: usize) {
        debug_assert!(len <= self.capacity);
        match self.msg.storage() {
            Storage::Inline => self.msg.set_inline_len(len),
            _ => self.msg.set_ext_len(len),
        }
    }

    /// Turns the written part into a [`Msg`]; no copy.
    pub fn freeze(self) -> Msg {
        self.msg
    }

    fn data_ptr(&mut self) -> *mut u8 {
        match self.msg.storage() {
            Storage::Inline => self.msg.inline_bytes_mut().as_mut_ptr(),
            _ => self.msg.ext_data().as_ptr(),
        }
    }
}

impl Deref for MsgMut {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.msg.as_slice()
    }
}

impl DerefMut for MsgMut {
    fn deref_mut(&mut self) -> &mut [u8] {
        let len = self.len();
        let base = self.data_ptr();
        // SAFETY: the first `len` bytes are initialised (the `set_len`
        // contract), the memory is writable (see `spare_capacity_mut`), and
        // the slice borrows `self` mutably.
        unsafe { slice::from_raw_parts_mut(base, len) }
    }
}

impl core::fmt::Debug for MsgMut {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MsgMut")
            .field("len", &self.len())
            .field("capacity", &self.capacity)
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn inline_and_chunk_builders_fill_and_freeze() {
        for cap in [0, 1, INLINE_CAPACITY, INLINE_CAPACITY + 1, 4096] {
            let mut m = MsgMut::with_capacity(cap);
            assert_eq!((m.len(), m.capacity(), m.remaining()), (0, cap, cap));
            let src: Vec<u8> = (0..cap + 10).map(|i| i as u8).collect();
            let half = cap / 2;
            assert_eq!(m.fill_from(&src[..half]), half);
            assert_eq!(m.fill_from(&src[half..]), cap - half);
            assert_eq!(m.fill_from(b"more"), 0);
            m[0..cap.min(1)].fill(0xAA);
            let f = m.freeze();
            let mut want = src[..cap].to_vec();
            want[..cap.min(1)].fill(0xAA);
            assert_eq!(&f[..], &want[..]);
            let inline = cap <= INLINE_CAPACITY;
            assert_eq!(f.storage() == Storage::Inline, inline);
        }
    }

    #[test]
    fn partially_filled_freezes_to_filled_part() {
        let mut m = MsgMut::with_capacity(100);
        m.put_slice(b"abc");
        assert_eq!(&m.freeze()[..], b"abc");
    }

    #[test]
    #[should_panic(expected = "remaining")]
    fn put_slice_past_capacity_panics() {
        MsgMut::with_capacity(4).put_slice(b"12345");
    }

    #[test]
    fn spare_capacity_then_set_len() {
        let mut m = MsgMut::with_capacity(64);
        for (i, b) in m.spare_capacity_mut()[..40].iter_mut().enumerate() {
            b.write(i as u8);
        }
        // SAFETY: the first 40 bytes were just written.
        unsafe { m.set_len(40) };
        assert_eq!(m.freeze().to_vec(), (0..40).collect::<Vec<u8>>());
    }
}
