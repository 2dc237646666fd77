//! [`Multipart`]: the frames of one message, in order, as one unit.
//!
//! It holds frames and keeps their order and boundaries; it does not encode
//! anything. The MORE flags of its frames are set by [`Multipart::mark_more`]
//! when a sender needs them on the frames themselves.

use core::ops::{Index, IndexMut};

use smallvec::SmallVec;

use crate::Msg;

/// How many frames a [`Multipart`] holds without allocating: two, enough
/// for the common shapes (one frame; REQ/REP's delimiter and body; a PUB
/// topic and value) while keeping the value small (88 bytes), as every
/// message is moved by value through the pipes several times (four inline
/// frames, 168 bytes, cost a third of the 64 B throughput in those moves).
pub const INLINE_FRAMES: usize = 2;

// Moved by value through every pipe: its size is paid per message.
static_assertions::assert_eq_size!(Multipart, [u8; 88]);

/// The frames of one message, in order. Up to [`INLINE_FRAMES`] frames live
/// inside the value itself; more spill into one allocation.
///
/// # Examples
///
/// ```
/// use ferrozmq_msg::{Msg, Multipart};
///
/// let m = Multipart::from([Msg::from_static(b"topic"), Msg::copy_from_slice(b"value")]);
/// assert_eq!(m.len(), 2);
/// assert_eq!(m[0], b"topic");
/// let bytes: Vec<Vec<u8>> = m.into_iter().map(|f| f.to_vec()).collect();
/// assert_eq!(bytes, [b"topic".to_vec(), b"value".to_vec()]);
/// ```
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Multipart {
    frames: SmallVec<[Msg; INLINE_FRAMES]>,
}

impl Multipart {
    /// No frames.
    pub fn new() -> Self {
        Self::default()
    }

    /// No frames, with room for `n` without reallocating.
    pub fn with_capacity(n: usize) -> Self {
        Self {
            frames: SmallVec::with_capacity(n),
        }
    }

    /// How many frames.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// Whether there are no frames.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Appends a frame.
    pub fn push(&mut self, frame: impl Into<Msg>) {
        self.frames.push(frame.into());
    }

    /// Removes and returns the last frame.
    pub fn pop(&mut self) -> Option<Msg> {
        self.frames.pop()
    }

    /// Inserts a frame at `index` (for example an envelope in front).
    ///
    /// # Panics
    ///
    /// When `index > len`.
    pub fn insert(&mut self, index: usize, frame: impl Into<Msg>) {
        self.frames.insert(index, frame.into());
    }

    /// Removes and returns the frame at `index`.
    ///
    /// # Panics
    ///
    /// When `index >= len`.
    pub fn remove(&mut self, index: usize) -> Msg {
        self.frames.remove(index)
    }

    /// Removes the frames in `range` and yields them in order, as
    /// `Vec::drain` does; the frames after the range move up. Dropping the
    /// iterator early drops the frames it has not yielded.
    ///
    /// ```
    /// use ferrozmq_msg::Multipart;
    ///
    /// let mut msg = Multipart::from([&b"id"[..], b"", b"body"]);
    /// let envelope: Vec<_> = msg.drain(..2).collect();
    /// assert_eq!(envelope.len(), 2);
    /// assert_eq!(&msg[0][..], b"body");
    /// ```
    ///
    /// # Panics
    ///
    /// When the range is out of bounds or its start is after its end.
    pub fn drain<R: core::ops::RangeBounds<usize>>(
        &mut self,
        range: R,
    ) -> smallvec::Drain<'_, [Msg; INLINE_FRAMES]> {
        self.frames.drain(range)
    }

    /// Removes every frame.
    pub fn clear(&mut self) {
        self.frames.clear();
    }

    /// The first frame (the one subscriptions match), if any.
    pub fn first(&self) -> Option<&Msg> {
        self.frames.first()
    }

    /// The last frame, if any.
    pub fn last(&self) -> Option<&Msg> {
        self.frames.last()
    }

    /// The frames, in order.
    pub fn iter(&self) -> core::slice::Iter<'_, Msg> {
        self.frames.iter()
    }

    /// The frames, in order, writable.
    pub fn iter_mut(&mut self) -> core::slice::IterMut<'_, Msg> {
        self.frames.iter_mut()
    }

    /// The frames as a slice.
    pub fn as_slice(&self) -> &[Msg] {
        &self.frames
    }

    /// Sets MORE on every frame but the last and clears it on the last, as
    /// ZMTP sends a message.
    pub fn mark_more(&mut self) {
        let n = self.frames.len();
        for (i, f) in self.frames.iter_mut().enumerate() {
            f.set_more(i + 1 < n);
        }
    }

    /// The total number of bytes in all frames.
    pub fn byte_len(&self) -> usize {
        self.frames.iter().map(Msg::len).sum()
    }
}

impl core::fmt::Debug for Multipart {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.frames.iter()).finish()
    }
}

impl Index<usize> for Multipart {
    type Output = Msg;

    fn index(&self, i: usize) -> &Msg {
        &self.frames[i]
    }
}

impl IndexMut<usize> for Multipart {
    fn index_mut(&mut self, i: usize) -> &mut Msg {
        &mut self.frames[i]
    }
}

impl<T: Into<Msg>, const N: usize> From<[T; N]> for Multipart {
    fn from(frames: [T; N]) -> Self {
        frames.into_iter().collect()
    }
}

impl From<Msg> for Multipart {
    /// One frame, inline: no iterator (a send of one frame makes one).
    #[inline]
    fn from(frame: Msg) -> Self {
        let mut frames = SmallVec::new();
        frames.push(frame);
        Self { frames }
    }
}

impl From<Vec<Msg>> for Multipart {
    fn from(frames: Vec<Msg>) -> Self {
        Self {
            frames: SmallVec::from_vec(frames),
        }
    }
}

impl<T: Into<Msg>> FromIterator<T> for Multipart {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        Self {
            frames: iter.into_iter().map(Into::into).collect(),
        }
    }
}

impl<T: Into<Msg>> Extend<T> for Multipart {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.frames.extend(iter.into_iter().map(Into::into));
    }
}

impl IntoIterator for Multipart {
    type Item = Msg;
    type IntoIter = smallvec::IntoIter<[Msg; INLINE_FRAMES]>;

    fn into_iter(self) -> Self::IntoIter {
        self.frames.into_iter()
    }
}

impl<'a> IntoIterator for &'a Multipart {
    type Item = &'a Msg;
    type IntoIter = core::slice::Iter<'a, Msg>;

    fn into_iter(self) -> Self::IntoIter {
        self.frames.iter()
    }
}

impl<'a> IntoIterator for &'a mut Multipart {
    type Item = &'a mut Msg;
    type IntoIter = core::slice::IterMut<'a, Msg>;

    fn into_iter(self) -> Self::IntoIter {
        self.frames.iter_mut()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn order_boundaries_and_more_flags() {
        let mut m: Multipart = [&b"a"[..], &b"bb"[..], &b""[..]].into_iter().collect();
        m.push(vec![7u8; 100]);
        m.push(Msg::from_static(b"e"));
        assert_eq!(m.len(), 5);
        assert_eq!(m.byte_len(), 1 + 2 + 100 + 1);
        m.mark_more();
        let flags: Vec<bool> = m.iter().map(Msg::more).collect();
        assert_eq!(flags, [true, true, true, true, false]);
        let lens: Vec<usize> = m.iter().map(Msg::len).collect();
        assert_eq!(lens, [1, 2, 0, 100, 1]);
        m.insert(0, Msg::new());
        assert_eq!(m.remove(0).len(), 0);
        assert_eq!(m.pop().unwrap(), b"e");
        assert_eq!(m.first().unwrap(), b"a");
        assert_eq!(m.last().unwrap().len(), 100);
    }

    #[test]
    fn clone_shares_frames() {
        let m = Multipart::from([Msg::copy_from_slice(&[1; 500])]);
        let c = m.clone();
        assert_eq!(m[0].as_ptr(), c[0].as_ptr());
        assert_eq!(m, c);
    }
}
