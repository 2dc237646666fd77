//! Zero-copy conversions between [`Msg`] and `bytes::Bytes` (feature `bytes`).

use crate::msg::{INLINE_CAPACITY, Msg, Storage};

impl From<bytes::Bytes> for Msg {
    /// Keeps the `Bytes` as the frame's owner: no copy (small ones are inlined).
    fn from(b: bytes::Bytes) -> Self {
        if b.len() <= INLINE_CAPACITY {
            Msg::inline_copy(&b)
        } else {
            Msg::from_owner(b)
        }
    }
}

impl From<Msg> for bytes::Bytes {
    /// Keeps the frame as the `Bytes`' owner: no copy of a shared body (an
    /// inline frame's few bytes are copied; a static one is borrowed).
    fn from(m: Msg) -> Self {
        match m.storage() {
            Storage::Inline => bytes::Bytes::copy_from_slice(&m),
            _ => match m.as_static() {
                Some(s) => bytes::Bytes::from_static(s),
                None => bytes::Bytes::from_owner(m),
            },
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn round_trip_without_copy() {
        let b = bytes::Bytes::from(vec![4u8; 1000]);
        let p = b.as_ptr();
        let m = Msg::from(b);
        assert_eq!(m.as_ptr(), p);
        let back = bytes::Bytes::from(m);
        assert_eq!(back.as_ptr(), p);
        assert_eq!(&back[..], &[4u8; 1000][..]);
        let st = bytes::Bytes::from(Msg::from_static(b"static bytes"));
        assert_eq!(&st[..], b"static bytes");
        let small = bytes::Bytes::from(Msg::copy_from_slice(b"hi"));
        assert_eq!(&small[..], b"hi");
    }
}
