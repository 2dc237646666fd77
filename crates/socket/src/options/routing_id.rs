//! [`RoutingId`]: the identity a socket announces for itself, checked
//! against the length and first-byte rules when it is made.

use core::fmt;

use super::OptionError;

/// A routing id a socket announces for itself (`ZMQ_ROUTING_ID`): 1 to 255
/// bytes, not starting with a zero byte, which libzmq reserves for the ids a
/// ROUTER generates (RFC 37 §The Identity Property; `zmq_setsockopt(3)`).
///
/// # Examples
///
/// ```
/// use ferrozmq_socket::RoutingId;
///
/// let id = RoutingId::new(*b"worker-1")?;
/// assert_eq!(id.as_bytes(), b"worker-1");
/// assert!(RoutingId::new(Vec::new()).is_err());       // empty
/// assert!(RoutingId::new(vec![0, 1, 2]).is_err());    // reserved
/// assert!(RoutingId::new(vec![b'x'; 256]).is_err());  // too long
/// # Ok::<(), ferrozmq_socket::OptionError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RoutingId(Box<[u8]>);

impl RoutingId {
    /// The longest routing id, in bytes (its length travels in one byte).
    pub const MAX_LEN: usize = 255;

    /// Checks and wraps `bytes`.
    ///
    /// # Errors
    ///
    /// [`OptionError::RoutingIdLength`] if `bytes` is empty or longer than
    /// [`MAX_LEN`](Self::MAX_LEN); [`OptionError::RoutingIdReserved`] if it
    /// starts with a zero byte.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Result<Self, OptionError> {
        let bytes = bytes.into();
        if bytes.is_empty() || bytes.len() > Self::MAX_LEN {
            return Err(OptionError::RoutingIdLength { len: bytes.len() });
        }
        if bytes[0] == 0 {
            return Err(OptionError::RoutingIdReserved);
        }
        Ok(Self(bytes.into_boxed_slice()))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for RoutingId {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl TryFrom<&[u8]> for RoutingId {
    type Error = OptionError;

    fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
        Self::new(bytes)
    }
}

impl<const N: usize> TryFrom<&[u8; N]> for RoutingId {
    type Error = OptionError;

    fn try_from(bytes: &[u8; N]) -> Result<Self, Self::Error> {
        Self::new(&bytes[..])
    }
}

impl TryFrom<Vec<u8>> for RoutingId {
    type Error = OptionError;

    fn try_from(bytes: Vec<u8>) -> Result<Self, Self::Error> {
        Self::new(bytes)
    }
}

impl TryFrom<&str> for RoutingId {
    type Error = OptionError;

    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl fmt::Debug for RoutingId {
    /// The bytes, escaped as in a byte string literal: `RoutingId(b"id")`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RoutingId(b\"")?;
        for &b in self.0.iter() {
            write!(f, "{}", core::ascii::escape_default(b))?;
        }
        f.write_str("\")")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_id_rules() {
        assert_eq!(RoutingId::new(*b"a").unwrap().as_bytes(), b"a");
        let longest = vec![0xffu8; 255];
        assert_eq!(
            RoutingId::new(longest.clone()).unwrap().as_ref(),
            &longest[..]
        );
        assert_eq!(
            RoutingId::new(Vec::new()).unwrap_err(),
            OptionError::RoutingIdLength { len: 0 }
        );
        assert_eq!(
            RoutingId::new(vec![1u8; 256]).unwrap_err(),
            OptionError::RoutingIdLength { len: 256 }
        );
        let e = RoutingId::new(*b"\0abc").unwrap_err();
        assert_eq!(e, OptionError::RoutingIdReserved);
        assert_eq!((e.option(), e.errno_name()), ("ZMQ_ROUTING_ID", "EINVAL"));
        // A zero byte later on is fine.
        assert!(RoutingId::new(*b"a\0").is_ok());
        // The conversions agree.
        let a = RoutingId::try_from("id").unwrap();
        assert_eq!(RoutingId::try_from(&b"id"[..]).unwrap(), a);
        assert_eq!(RoutingId::try_from(b"id").unwrap(), a);
        assert_eq!(RoutingId::try_from(b"id".to_vec()).unwrap(), a);
        assert_eq!(format!("{a:?}"), r#"RoutingId(b"id")"#);
        assert_eq!(
            format!("{:?}", RoutingId::new(*b"a\0\n").unwrap()),
            r#"RoutingId(b"a\x00\n")"#
        );
    }
}
