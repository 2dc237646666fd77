//! [`Metadata`]: the property lists of READY and INITIATE (RFC 37 §Connection
//! Metadata), parsed and encoded.
//!
//! Names are compared case-insensitively when looked up and sent exactly as
//! given (libzmq compares `Socket-Type` and `Identity` case-sensitively, so we
//! always send that spelling). Unknown properties are kept, as libzmq keeps
//! them as connection metadata. This module does not interpret any property;
//! the mechanism does.

use core::fmt;

use crate::error::{ConfigError, MetadataError};

/// The `Socket-Type` property name, spelled as libzmq expects it.
pub const SOCKET_TYPE: &str = "Socket-Type";
/// The `Identity` property name, spelled as libzmq expects it.
pub const IDENTITY: &str = "Identity";

/// The largest property value the RFC allows: 2^31 - 1 bytes.
const MAX_VALUE_LEN: usize = i32::MAX as usize;

/// One property: a name and an opaque value.
#[derive(Clone, PartialEq, Eq)]
pub struct Property {
    name: Box<[u8]>,
    value: Box<[u8]>,
}

impl Property {
    /// The name as received or given (1-255 bytes when we made it; a peer's
    /// may be anything libzmq would accept).
    pub fn name(&self) -> &[u8] {
        &self.name
    }

    /// The value.
    pub fn value(&self) -> &[u8] {
        &self.value
    }
}

impl fmt::Debug for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={:?}",
            String::from_utf8_lossy(&self.name),
            String::from_utf8_lossy(&self.value)
        )
    }
}

/// An ordered list of properties, duplicates allowed (the first wins on
/// lookup).
///
/// # Examples
///
/// ```
/// use ferrozmq_wire::Metadata;
///
/// let mut m = Metadata::new();
/// m.push("Socket-Type", b"DEALER".to_vec())?;
/// m.push("Identity", Vec::new())?;
/// let mut wire = Vec::new();
/// m.encode(&mut wire);
/// assert_eq!(&wire[..12], b"\x0bSocket-Type");
/// let back = Metadata::parse(&wire)?;
/// assert_eq!(back.get("socket-type"), Some(&b"DEALER"[..]));
/// assert_eq!(back.get("IDENTITY"), Some(&b""[..]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Metadata {
    props: Vec<Property>,
}

impl Metadata {
    /// No properties.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a property.
    ///
    /// # Errors
    ///
    /// [`ConfigError::InvalidPropertyName`] when the name is empty, longer
    /// than 255 bytes or uses a character outside letters, digits, `-`, `_`,
    /// `.` and `+`; [`ConfigError::PropertyValueTooLong`] above 2^31 - 1 bytes.
    pub fn push(&mut self, name: &str, value: impl Into<Vec<u8>>) -> Result<(), ConfigError> {
        let valid_char =
            |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'+');
        if name.is_empty() || name.len() > 255 || !name.bytes().all(valid_char) {
            return Err(ConfigError::InvalidPropertyName { name: name.into() });
        }
        let value = value.into();
        if value.len() > MAX_VALUE_LEN {
            return Err(ConfigError::PropertyValueTooLong { len: value.len() });
        }
        self.props.push(Property {
            name: name.as_bytes().into(),
            value: value.into_boxed_slice(),
        });
        Ok(())
    }

    /// The value of the first property called `name`, compared
    /// case-insensitively (RFC 23/37).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.props
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name.as_bytes()))
            .map(|p| &*p.value)
    }

    /// The properties, in order.
    pub fn iter(&self) -> core::slice::Iter<'_, Property> {
        self.props.iter()
    }

    /// How many properties.
    pub fn len(&self) -> usize {
        self.props.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.props.is_empty()
    }

    /// Parses a property list: each property is a name length (1 byte), the
    /// name, a value length (u32 big-endian) and the value (RFC 37 §The NULL
    /// Security Mechanism grammar).
    ///
    /// Like libzmq's `mechanism_t::parse_metadata`, a zero-length name is
    /// accepted and any bytes that do not form a whole property are an error.
    /// Every length is checked against what is left before it is used, so
    /// the allocations are bounded by `bytes.len()`.
    ///
    /// # Errors
    ///
    /// [`MetadataError`] saying which length runs past the end, and where.
    pub fn parse(bytes: &[u8]) -> Result<Self, MetadataError> {
        let mut props = Vec::new();
        let mut at = 0;
        while let Some(rest) = bytes.get(at..).filter(|r| !r.is_empty()) {
            let name_len = rest[0];
            let after = &rest[1..];
            let Some(name) = after.get(..usize::from(name_len)) else {
                return Err(MetadataError::NameTruncated {
                    offset: at,
                    len: name_len,
                    available: after.len(),
                });
            };
            let after = &after[name.len()..];
            let len_at = at + 1 + name.len();
            let Some(len_bytes) = after.first_chunk::<4>() else {
                return Err(MetadataError::ValueLengthTruncated {
                    offset: len_at,
                    available: after.len(),
                });
            };
            let value_len = u32::from_be_bytes(*len_bytes);
            let after = &after[4..];
            let value = usize::try_from(value_len)
                .ok()
                .and_then(|n| after.get(..n))
                .ok_or(MetadataError::ValueTruncated {
                    offset: len_at,
                    len: value_len,
                    available: after.len(),
                })?;
            props.push(Property {
                name: name.into(),
                value: value.into(),
            });
            at = len_at + 4 + value.len();
        }
        Ok(Self { props })
    }

    /// How many bytes [`encode`](Self::encode) writes.
    pub fn encoded_len(&self) -> usize {
        self.props
            .iter()
            .map(|p| 1 + p.name.len() + 4 + p.value.len())
            .sum()
    }

    /// Appends the wire form to `out`.
    ///
    /// Properties from [`push`](Self::push) always fit the format. A parsed
    /// property whose name is longer than 255 bytes cannot exist (the length
    /// is one byte), so re-encoding a parsed list gives the same bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.reserve(self.encoded_len());
        for p in &self.props {
            // Both lengths were bounded when the property was made.
            out.push(u8::try_from(p.name.len()).unwrap_or(u8::MAX));
            out.extend_from_slice(&p.name);
            out.extend_from_slice(
                &u32::try_from(p.value.len())
                    .unwrap_or(u32::MAX)
                    .to_be_bytes(),
            );
            out.extend_from_slice(&p.value);
        }
    }
}

impl fmt::Debug for Metadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(&self.props).finish()
    }
}

impl<'a> IntoIterator for &'a Metadata {
    type Item = &'a Property;
    type IntoIter = core::slice::Iter<'a, Property>;

    fn into_iter(self) -> Self::IntoIter {
        self.props.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 23/37 §Worked Example: a DEALER with an empty identity, as the
    /// property list inside READY.
    const DEALER_PROPS: &[u8] =
        b"\x0bSocket-Type\x00\x00\x00\x06DEALER\x08Identity\x00\x00\x00\x00";

    #[test]
    fn parses_and_encodes_the_rfc_example() {
        let m = Metadata::parse(DEALER_PROPS).unwrap();
        assert_eq!(m.len(), 2);
        assert_eq!(m.get("Socket-Type"), Some(&b"DEALER"[..]));
        assert_eq!(m.get("SOCKET-TYPE"), Some(&b"DEALER"[..]));
        assert_eq!(m.get("identity"), Some(&b""[..]));
        assert_eq!(m.get("Resource"), None);
        let mut out = Vec::new();
        m.encode(&mut out);
        assert_eq!(out, DEALER_PROPS);
        assert_eq!(m.encoded_len(), DEALER_PROPS.len());
    }

    #[test]
    fn unknown_and_empty_names_are_kept() {
        let bytes = b"\x05X-App\x00\x00\x00\x03abc\x00\x00\x00\x00\x01Z";
        let m = Metadata::parse(bytes).unwrap();
        let names: Vec<&[u8]> = m.iter().map(Property::name).collect();
        assert_eq!(names, [&b"X-App"[..], b""]);
        assert_eq!(m.get("x-app"), Some(&b"abc"[..]));
        assert_eq!(m.iter().nth(1).unwrap().value(), b"Z");
    }

    #[test]
    fn every_truncation_is_a_typed_error() {
        assert_eq!(Metadata::parse(b"").unwrap().len(), 0);
        assert_eq!(
            Metadata::parse(b"\x05Sock"),
            Err(MetadataError::NameTruncated {
                offset: 0,
                len: 5,
                available: 4
            })
        );
        assert_eq!(
            Metadata::parse(b"\x01A\x00\x00\x00"),
            Err(MetadataError::ValueLengthTruncated {
                offset: 2,
                available: 3
            })
        );
        assert_eq!(
            Metadata::parse(b"\x01A\x00\x00\x00\x01B\x01A\xff\xff\xff\xffxy"),
            Err(MetadataError::ValueTruncated {
                offset: 9,
                len: u32::MAX,
                available: 2
            })
        );
        // A single trailing byte (libzmq: "bytes_left > 0" is EPROTO).
        assert_eq!(
            Metadata::parse(b"\x01A\x00\x00\x00\x00\x00"),
            Err(MetadataError::ValueLengthTruncated {
                offset: 7,
                available: 0
            })
        );
    }

    #[test]
    fn push_validates() {
        let mut m = Metadata::new();
        assert!(m.push("X-Ok_1.2+3", b"v".to_vec()).is_ok());
        for bad in ["", "a b", "naïve", &"x".repeat(256)] {
            assert!(matches!(
                m.push(bad, Vec::new()),
                Err(ConfigError::InvalidPropertyName { .. })
            ));
        }
        assert!(m.push(&"x".repeat(255), Vec::new()).is_ok());
        assert_eq!(m.len(), 2);
    }
}
