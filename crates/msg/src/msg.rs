//! [`Msg`]: one frame of a message, in a fixed-size, non-generic handle.
//!
//! This module holds the handle and its representations; the shared storage
//! behind refcounted bodies is in `storage.rs`, the writable builder in
//! `msg_mut.rs`.

use core::fmt;
use core::hash::{Hash, Hasher};
use core::ops::Deref;
use core::ptr::{self, NonNull};
use core::slice;

use crate::storage::{self, Header};

/// Bytes a [`Msg`] holds inline, without any allocation.
///
/// libzmq's `zmq_msg_t` holds 33 bytes inline in a 64-byte handle; `Msg` holds
/// 34 in 40.
pub const INLINE_CAPACITY: usize = 34;

const KIND_MASK: u8 = 0b0000_0011;
const KIND_INLINE: u8 = 0;
const KIND_STATIC: u8 = 1;
const KIND_SHARED: u8 = 2;
const FLAG_MORE: u8 = 0b0000_0100;
const FLAG_COMMAND: u8 = 0b0000_1000;
/// A shared body in memory this library allocated writable (a chunk or a
/// receive allocator's block, both made by `MsgMut`), so a unique handle may
/// write it ([`Msg::get_mut`]). An owner's body (`from_owner`) never is.
const FLAG_WRITABLE: u8 = 0b0001_0000;

/// Where a [`Msg`]'s bytes live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Storage {
    /// Inside the handle itself; no allocation.
    Inline,
    /// A `&'static [u8]`; no allocation, nothing to release.
    Static,
    /// Behind a reference-counted header: a chunk, a zero-copy owner, or a
    /// block from a receive allocator. Clones share it.
    Shared,
}

/// One frame of a message.
///
/// A `Msg` is 40 bytes and never generic: its bytes are inline (up to
/// [`INLINE_CAPACITY`]), `'static`, or behind a reference-counted header that
/// also says how to release them (see [`Storage`]). Cloning never copies a
/// body above the inline size: it is one atomic increment. The last drop frees
/// a shared body once, on whichever thread it happens.
///
/// Besides its bytes, a frame carries the ZMTP flags the wire needs (`more`,
/// `command`) and a 32-bit routing id for the socket layer.
///
/// # Memory layout
///
/// ```text
/// offset   0                 8                16                24        34  35  36      40
/// inline   [ bytes 0..34 ....................................................][len][ctl][routing id]
/// static   [ data ptr       ][ len           ][ null            ][ unused ]  [ - ][ctl][routing id]
/// shared   [ data ptr       ][ len           ][ header ptr      ][ unused ]  [ - ][ctl][routing id]
/// ```
///
/// `ctl` holds the representation (2 bits) and the flags. The header of a
/// shared body is `[ refcount | release fn | ... ]`, in the same allocation as
/// the data for chunks and received blocks.
///
/// # Examples
///
/// ```
/// use ferrozmq_msg::{Msg, Storage};
///
/// let small = Msg::copy_from_slice(b"hello");
/// assert_eq!(small.storage(), Storage::Inline);
///
/// let big = Msg::from(vec![7u8; 4096]); // zero-copy: the Vec is kept, not copied
/// let shared = big.clone();             // one atomic increment
/// assert_eq!(shared.as_ptr(), big.as_ptr());
/// assert_eq!(&shared[..2], &[7, 7]);
/// ```
///
/// `Msg` is `Send` and `Sync`:
///
/// ```
/// fn check<T: Send + Sync>() {}
/// check::<ferrozmq_msg::Msg>();
/// ```
///
/// and a `Msg` borrowed as bytes cannot outlive it:
///
/// ```compile_fail
/// let bytes: &[u8] = {
///     let m = ferrozmq_msg::Msg::copy_from_slice(&[1u8; 100]);
///     &m[..]
/// };
/// ```
#[repr(C)]
pub struct Msg {
    head: Head,
    tail: [u8; INLINE_CAPACITY - HEAD_BYTES],
    inline_len: u8,
    control: u8,
    routing_id: u32,
}

const HEAD_BYTES: usize = 24;

/// The first 24 bytes: inline data, or the pointers of a non-inline body.
#[repr(C)]
#[derive(Clone, Copy)]
union Head {
    bytes: [u8; HEAD_BYTES],
    ext: Ext,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct Ext {
    data: NonNull<u8>,
    len: usize,
    /// Null for static bodies.
    header: *const Header,
}

static_assertions::assert_eq_size!(Msg, [u8; 40]);
static_assertions::const_assert!(core::mem::size_of::<Msg>() <= 64);
static_assertions::assert_eq_size!(Head, [u8; HEAD_BYTES]);
static_assertions::const_assert_eq!(core::mem::offset_of!(Msg, tail), HEAD_BYTES);
static_assertions::const_assert_eq!(core::mem::offset_of!(Msg, inline_len), INLINE_CAPACITY);
static_assertions::assert_impl_all!(Msg: Send, Sync, Clone, Unpin);
static_assertions::const_assert!(INLINE_CAPACITY >= 29);
static_assertions::const_assert!(INLINE_CAPACITY < 1 << 8);

// SAFETY: a `Msg` is an immutable view of bytes. Inline bytes are owned by the
// handle. Static bytes are `'static`. A shared body is never written after it
// is frozen, its refcount is atomic, its release route may run on any thread:
// owners are `Send + Sync` by `from_owner`'s bounds, and receive allocators are
// `Send + Sync` by the `RecvAllocator` trait's supertraits.
unsafe impl Send for Msg {}
// SAFETY: `&Msg` only reads the bytes and may clone (an atomic increment); see
// the `Send` impl for why the bodies themselves can be shared.
unsafe impl Sync for Msg {}

impl Msg {
    /// An empty frame. No allocation.
    pub const fn new() -> Self {
        Self::with_control(KIND_INLINE)
    }

    const fn with_control(control: u8) -> Self {
        Self {
            head: Head {
                bytes: [0; HEAD_BYTES],
            },
            tail: [0; INLINE_CAPACITY - HEAD_BYTES],
            inline_len: 0,
            control,
            routing_id: 0,
        }
    }

    /// A frame whose bytes are `'static`: no allocation, no copy.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = ferrozmq_msg::Msg::from_static(b"hello");
    /// assert_eq!(&m[..], b"hello");
    /// ```
    pub const fn from_static(bytes: &'static [u8]) -> Self {
        let mut msg = Self::with_control(KIND_STATIC);
        msg.head = Head {
            ext: Ext {
                // A slice's pointer is never null.
                data: NonNull::from_ref(bytes).cast::<u8>(),
                len: bytes.len(),
                header: ptr::null(),
            },
        };
        msg
    }

    /// A frame holding a copy of `bytes`: inline up to [`INLINE_CAPACITY`],
    /// otherwise one allocation holding header and data together.
    ///
    /// # Panics
    ///
    /// Aborts like `Vec` when the heap fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let m = ferrozmq_msg::Msg::copy_from_slice(&[1, 2, 3]);
    /// assert_eq!(m.len(), 3);
    /// ```
    pub fn copy_from_slice(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE_CAPACITY {
            return Self::inline_copy(bytes);
        }
        let mut builder = crate::MsgMut::with_capacity(bytes.len());
        builder.put_slice(bytes);
        builder.freeze()
    }

    /// A frame whose bytes are `owner.as_ref()`, without copying them. `owner`
    /// is kept in one allocation beside the refcount and dropped, on whatever
    /// thread, when the last clone of the frame goes.
    ///
    /// `owner.as_ref()` is called once, here; `owner` must keep returning the
    /// same bytes for as long as it lives (every ordinary buffer does: `Vec`,
    /// `Box<[u8]>`, `String`, `bytes::Bytes`, an mmap).
    ///
    /// # Examples
    ///
    /// ```
    /// let matrix = vec![0.5f32; 1024].into_iter().flat_map(f32::to_le_bytes).collect::<Vec<u8>>();
    /// let ptr = matrix.as_ptr();
    /// let m = ferrozmq_msg::Msg::from_owner(matrix);
    /// assert_eq!(m.as_ptr(), ptr); // the same memory, not a copy
    /// ```
    pub fn from_owner<T>(owner: T) -> Self
    where
        T: AsRef<[u8]> + Send + Sync + 'static,
    {
        let (body, len) = storage::new_owner(owner);
        Self::shared(body, len)
    }

    /// A handle on a shared body of which this is the first reference.
    pub(crate) fn shared(body: storage::Body, len: usize) -> Self {
        Self::shared_with(KIND_SHARED, body, len)
    }

    /// Like [`shared`](Self::shared), for a body allocated writable by the
    /// builder.
    pub(crate) fn shared_writable(body: storage::Body, len: usize) -> Self {
        Self::shared_with(KIND_SHARED | FLAG_WRITABLE, body, len)
    }

    fn shared_with(control: u8, body: storage::Body, len: usize) -> Self {
        let mut msg = Self::with_control(control);
        msg.head = Head {
            ext: Ext {
                data: body.data,
                len,
                header: body.header.as_ptr(),
            },
        };
        msg
    }

    /// An inline frame holding a copy of `bytes`.
    ///
    /// `bytes` must be at most [`INLINE_CAPACITY`] long.
    pub(crate) fn inline_copy(bytes: &[u8]) -> Self {
        assert!(bytes.len() <= INLINE_CAPACITY);
        let mut msg = Self::new();
        msg.inline_bytes_mut()[..bytes.len()].copy_from_slice(bytes);
        msg.inline_len = bytes.len() as u8;
        msg
    }

    /// All [`INLINE_CAPACITY`] inline bytes, writable. Only meaningful for an
    /// inline frame.
    pub(crate) fn inline_bytes_mut(&mut self) -> &mut [u8; INLINE_CAPACITY] {
        debug_assert_eq!(self.control & KIND_MASK, KIND_INLINE);
        // SAFETY: `Msg` is `repr(C)` with `head` (24 bytes, all of them
        // initialised in every representation) at offset 0 followed directly by
        // `tail` (asserted above), so its first INLINE_CAPACITY bytes are
        // initialised `u8`s inside `*self`, and the pointer is derived from
        // `&mut self`, which covers them all.
        unsafe { &mut *ptr::from_mut(self).cast::<[u8; INLINE_CAPACITY]>() }
    }

    /// Sets the length of an inline frame.
    pub(crate) fn set_inline_len(&mut self, len: usize) {
        debug_assert!(len <= INLINE_CAPACITY);
        self.inline_len = len as u8;
    }

    /// Sets the length of a non-inline frame (the builder's filled part).
    pub(crate) fn set_ext_len(&mut self, len: usize) {
        debug_assert_ne!(self.control & KIND_MASK, KIND_INLINE);
        // Writing a union field is safe; non-inline frames always hold `ext`,
        // so this updates the live variant.
        self.head.ext.len = len;
    }

    /// The data pointer of a non-inline frame, with the provenance it was made
    /// with (writable for a body the builder owns alone).
    pub(crate) fn ext_data(&self) -> NonNull<u8> {
        debug_assert_ne!(self.control & KIND_MASK, KIND_INLINE);
        // SAFETY: non-inline frames always hold `ext`.
        unsafe { self.head.ext.data }
    }

    /// Where this frame's bytes live.
    pub fn storage(&self) -> Storage {
        match self.control & KIND_MASK {
            KIND_INLINE => Storage::Inline,
            KIND_STATIC => Storage::Static,
            _ => Storage::Shared,
        }
    }

    /// The bytes of a static frame, with their `'static` lifetime.
    pub fn as_static(&self) -> Option<&'static [u8]> {
        if self.control & KIND_MASK == KIND_STATIC {
            // SAFETY: static frames hold `ext` made from a `&'static [u8]` in
            // `from_static`, so the slice it describes lives forever.
            Some(unsafe {
                let ext = self.head.ext;
                slice::from_raw_parts(ext.data.as_ptr(), ext.len)
            })
        } else {
            None
        }
    }

    /// The frame's bytes.
    #[inline]
    pub fn as_slice(&self) -> &[u8] {
        if self.control & KIND_MASK == KIND_INLINE {
            // SAFETY: see `inline_bytes_mut`: the first INLINE_CAPACITY bytes
            // of an inline `Msg` are initialised, and `inline_len` never
            // exceeds INLINE_CAPACITY.
            unsafe {
                slice::from_raw_parts(ptr::from_ref(self).cast::<u8>(), self.inline_len.into())
            }
        } else {
            // SAFETY: non-inline frames hold `ext`, whose `data` is valid for
            // `len` bytes for as long as this handle (a reference, or 'static)
            // lives, and is not written while shared.
            unsafe {
                let ext = self.head.ext;
                slice::from_raw_parts(ext.data.as_ptr(), ext.len)
            }
        }
    }

    /// The frame's length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        if self.control & KIND_MASK == KIND_INLINE {
            self.inline_len.into()
        } else {
            // SAFETY: non-inline frames always hold `ext`.
            unsafe { self.head.ext.len }
        }
    }

    /// Whether the frame has no bytes.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether more frames of the same message follow this one (ZMTP's MORE).
    #[inline]
    pub fn more(&self) -> bool {
        self.control & FLAG_MORE != 0
    }

    /// Sets or clears the MORE flag.
    #[inline]
    pub fn set_more(&mut self, more: bool) {
        self.set_flag(FLAG_MORE, more);
    }

    /// This frame with the MORE flag set as given.
    #[must_use]
    pub fn with_more(mut self, more: bool) -> Self {
        self.set_more(more);
        self
    }

    /// Whether this frame is a ZMTP command rather than message data.
    #[inline]
    pub fn is_command(&self) -> bool {
        self.control & FLAG_COMMAND != 0
    }

    /// Sets or clears the COMMAND flag.
    #[inline]
    pub fn set_command(&mut self, command: bool) {
        self.set_flag(FLAG_COMMAND, command);
    }

    /// The routing id the socket layer attached to this frame (0 when none).
    #[inline]
    pub fn routing_id(&self) -> u32 {
        self.routing_id
    }

    /// Attaches a routing id (0 means none).
    #[inline]
    pub fn set_routing_id(&mut self, id: u32) {
        self.routing_id = id;
    }

    fn set_flag(&mut self, flag: u8, on: bool) {
        if on {
            self.control |= flag;
        } else {
            self.control &= !flag;
        }
    }

    fn header(&self) -> Option<NonNull<Header>> {
        if self.control & KIND_MASK == KIND_SHARED {
            // SAFETY: shared frames hold `ext` with a non-null header.
            NonNull::new(unsafe { self.head.ext.header }.cast_mut())
        } else {
            None
        }
    }

    /// The frame's bytes, writable, when nothing else can see them: an inline
    /// frame, or a body this library allocated (a copy, a chunk, a receive
    /// allocator's block) of which this handle is the only reference, like
    /// [`Arc::get_mut`](std::sync::Arc::get_mut). `None` for static bytes, an
    /// owner's bytes ([`from_owner`](Self::from_owner): only lent for
    /// reading) and a body other handles share.
    ///
    /// This is how a received frame is transformed where it landed (CURVE
    /// decrypts each MESSAGE in its receive allocator's block, no second
    /// copy).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut m = ferrozmq_msg::Msg::copy_from_slice(&[0u8; 100]);
    /// m.get_mut().unwrap()[0] = 7;
    /// assert_eq!(m[0], 7);
    /// let other = m.clone();
    /// assert!(m.get_mut().is_none()); // shared: no writer
    /// drop(other);
    /// assert!(m.get_mut().is_some());
    /// assert!(ferrozmq_msg::Msg::from_static(b"hi").get_mut().is_none());
    /// ```
    pub fn get_mut(&mut self) -> Option<&mut [u8]> {
        match self.control & KIND_MASK {
            KIND_INLINE => {
                let len = usize::from(self.inline_len);
                Some(&mut self.inline_bytes_mut()[..len])
            }
            KIND_SHARED if self.control & FLAG_WRITABLE != 0 && self.is_unique() => {
                // SAFETY: shared frames hold `ext`, whose `data` is valid for
                // `len` bytes. FLAG_WRITABLE is set only by the builder, whose
                // bodies are allocated writable and keep that provenance
                // (`ext_data`). The count is 1 (an acquire load, so every other
                // holder's accesses happened before their release), and `&mut
                // self` is that one reference, so no other handle can read the
                // bytes while the slice lives or be made from this one.
                Some(unsafe {
                    let ext = self.head.ext;
                    slice::from_raw_parts_mut(ext.data.as_ptr(), ext.len)
                })
            }
            _ => None,
        }
    }

    /// Drops the first `n` bytes of the frame without copying the rest (an
    /// inline frame moves at most [`INLINE_CAPACITY`] bytes), like
    /// `bytes::Buf::advance`: a received frame's header is stripped where it
    /// landed.
    ///
    /// # Panics
    ///
    /// When `n` is more than [`len`](Self::len).
    ///
    /// # Examples
    ///
    /// ```
    /// let body = vec![1u8, 2, 3, 4, 5, 6, 7, 8, 9, 10].repeat(10);
    /// let mut m = ferrozmq_msg::Msg::from(body);
    /// let start = m.as_ptr();
    /// m.advance(3);
    /// assert_eq!(&m[..3], &[4, 5, 6]);
    /// assert_eq!(m.len(), 97);
    /// assert_eq!(m.as_ptr(), start.wrapping_add(3)); // the same bytes
    /// ```
    pub fn advance(&mut self, n: usize) {
        let len = self.len();
        assert!(n <= len, "advance({n}) past the end of a {len}-byte frame");
        if self.control & KIND_MASK == KIND_INLINE {
            self.inline_bytes_mut().copy_within(n..len, 0);
            self.set_inline_len(len - n);
        } else {
            // SAFETY: non-inline frames hold `ext`; `n <= len`, so the new
            // start is inside (or one past the end of) the same body, which
            // stays alive through the unchanged header.
            unsafe {
                self.head.ext.data = self.head.ext.data.add(n);
            }
            self.head.ext.len = len - n;
        }
    }

    /// Whether this handle is the only reference to its body (always true for
    /// inline and static frames). Used by the builder and by tests.
    pub fn is_unique(&self) -> bool {
        match self.header() {
            // SAFETY: we hold a reference to this header.
            Some(header) => unsafe { storage::is_unique(header) },
            None => true,
        }
    }
}

impl Default for Msg {
    fn default() -> Self {
        Self::new()
    }
}

impl Clone for Msg {
    /// Copies the handle; a shared body gets one more reference, never copied.
    fn clone(&self) -> Self {
        if let Some(header) = self.header() {
            // SAFETY: we hold a reference to this header.
            unsafe { storage::acquire(header) };
        }
        // The handle is plain data once the body has its extra reference.
        Self {
            head: self.head,
            tail: self.tail,
            inline_len: self.inline_len,
            control: self.control,
            routing_id: self.routing_id,
        }
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        if let Some(header) = self.header() {
            // SAFETY: this handle owns one reference, given up here.
            unsafe { storage::release(header) };
        }
    }
}

impl Deref for Msg {
    type Target = [u8];

    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl AsRef<[u8]> for Msg {
    fn as_ref(&self) -> &[u8] {
        self.as_slice()
    }
}

impl core::borrow::Borrow<[u8]> for Msg {
    fn borrow(&self) -> &[u8] {
        self.as_slice()
    }
}

/// Frames compare by their bytes only; flags and routing ids are not compared.
impl PartialEq for Msg {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Msg {}

impl PartialEq<[u8]> for Msg {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_slice() == other
    }
}

impl PartialEq<&[u8]> for Msg {
    fn eq(&self, other: &&[u8]) -> bool {
        self.as_slice() == *other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for Msg {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.as_slice() == other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Msg {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.as_slice() == *other
    }
}

impl Hash for Msg {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

/// Shows the length, the flags and at most the first 32 bytes.
impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 32;
        let bytes = self.as_slice();
        let shown = &bytes[..bytes.len().min(SHOWN)];
        let mut d = f.debug_struct("Msg");
        d.field("len", &bytes.len())
            .field("storage", &self.storage())
            .field("more", &self.more());
        if self.is_command() {
            d.field("command", &true);
        }
        if self.routing_id != 0 {
            d.field("routing_id", &self.routing_id);
        }
        d.field("data", &EscapedBytes(shown, bytes.len() > SHOWN))
            .finish()
    }
}

struct EscapedBytes<'a>(&'a [u8], bool);

impl fmt::Debug for EscapedBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("b\"")?;
        for &b in self.0 {
            for c in core::ascii::escape_default(b) {
                fmt::Write::write_char(f, char::from(c))?;
            }
        }
        f.write_str("\"")?;
        if self.1 {
            f.write_str("...")?;
        }
        Ok(())
    }
}

impl From<&'static [u8]> for Msg {
    /// Zero-copy; see [`Msg::from_static`].
    fn from(bytes: &'static [u8]) -> Self {
        Self::from_static(bytes)
    }
}

impl<const N: usize> From<&'static [u8; N]> for Msg {
    /// Zero-copy; see [`Msg::from_static`].
    fn from(bytes: &'static [u8; N]) -> Self {
        Self::from_static(bytes)
    }
}

impl From<&'static str> for Msg {
    /// Zero-copy; see [`Msg::from_static`].
    fn from(s: &'static str) -> Self {
        Self::from_static(s.as_bytes())
    }
}

/// Plain buffers up to [`INLINE_CAPACITY`] are copied inline (cheaper than
/// keeping their allocation); larger ones are kept as they are, zero-copy.
fn from_buffer<T>(buf: T) -> Msg
where
    T: AsRef<[u8]> + Send + Sync + 'static,
{
    let bytes = buf.as_ref();
    if bytes.len() <= INLINE_CAPACITY {
        Msg::inline_copy(bytes)
    } else {
        Msg::from_owner(buf)
    }
}

impl From<Vec<u8>> for Msg {
    /// Without copying (above [`INLINE_CAPACITY`]); at most one allocation.
    fn from(v: Vec<u8>) -> Self {
        from_buffer(v)
    }
}

impl From<Box<[u8]>> for Msg {
    /// Without copying (above [`INLINE_CAPACITY`]); at most one allocation.
    fn from(b: Box<[u8]>) -> Self {
        from_buffer(b)
    }
}

impl From<String> for Msg {
    /// Without copying (above [`INLINE_CAPACITY`]); at most one allocation.
    fn from(s: String) -> Self {
        from_buffer(s)
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn inline_round_trip_at_every_length() {
        let src: Vec<u8> = (0..=INLINE_CAPACITY as u8).collect();
        for n in 0..=INLINE_CAPACITY {
            let m = Msg::copy_from_slice(&src[..n]);
            assert_eq!(m.storage(), Storage::Inline);
            assert_eq!(m.len(), n);
            assert_eq!(&m[..], &src[..n]);
        }
        let m = Msg::copy_from_slice(&[9; INLINE_CAPACITY + 1]);
        assert_eq!(m.storage(), Storage::Shared);
        assert_eq!(&m[..], &[9; INLINE_CAPACITY + 1][..]);
    }

    #[test]
    fn flags_and_routing_id_survive_every_representation() {
        let all = [
            Msg::copy_from_slice(b"abc"),
            Msg::copy_from_slice(&[1; 100]),
            Msg::from_static(b"static"),
            Msg::from_owner(vec![2; 100]),
        ];
        for mut m in all {
            let bytes = m.to_vec();
            assert!(!m.more() && !m.is_command() && m.routing_id() == 0);
            m.set_more(true);
            m.set_command(true);
            m.set_routing_id(0xdead_beef);
            assert!(m.more() && m.is_command());
            assert_eq!(m.routing_id(), 0xdead_beef);
            assert_eq!(m.to_vec(), bytes, "flags must not touch the bytes");
            let c = m.clone();
            assert!(c.more() && c.is_command() && c.routing_id() == 0xdead_beef);
            m.set_more(false);
            assert!(!m.more() && m.is_command());
        }
    }

    #[test]
    fn clone_shares_the_body() {
        let a = Msg::copy_from_slice(&[5; 1000]);
        assert!(a.is_unique());
        let b = a.clone();
        assert_eq!(a.as_ptr(), b.as_ptr());
        assert!(!a.is_unique() && !b.is_unique());
        drop(a);
        assert!(b.is_unique());
        assert_eq!(&b[..], &[5; 1000][..]);
    }

    #[test]
    fn debug_is_bounded() {
        let m = Msg::copy_from_slice(&[b'x'; 1 << 20]);
        let s = format!("{m:?}");
        let expected = format!(
            "Msg {{ len: 1048576, storage: Shared, more: false, data: b\"{}\"... }}",
            "x".repeat(32)
        );
        assert_eq!(s, expected);
        let t = format!("{:?}", Msg::from_static(b"a\x00b").with_more(true));
        assert_eq!(
            t,
            "Msg { len: 3, storage: Static, more: true, data: b\"a\\x00b\" }"
        );
    }

    #[test]
    fn small_buffers_are_inlined_large_kept() {
        let v = vec![1u8; 10];
        assert_eq!(Msg::from(v).storage(), Storage::Inline);
        let v = vec![1u8; 100];
        let p = v.as_ptr();
        let m = Msg::from(v);
        assert_eq!((m.storage(), m.as_ptr()), (Storage::Shared, p));
        let s = String::from("x").repeat(50);
        let p = s.as_ptr();
        assert_eq!(Msg::from(s).as_ptr(), p);
        let b: Box<[u8]> = vec![3u8; 64].into_boxed_slice();
        let p = b.as_ptr();
        assert_eq!(Msg::from(b).as_ptr(), p);
        assert_eq!(Msg::from("hi").storage(), Storage::Static);
    }

    #[test]
    fn equality_is_by_bytes() {
        let a = Msg::copy_from_slice(b"same").with_more(true);
        let b = Msg::from_static(b"same");
        assert_eq!(a, b);
        assert_eq!(a, b"same");
        assert_ne!(a, Msg::from_static(b"other"));
    }
}
