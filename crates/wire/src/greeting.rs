//! The 64-byte greeting (RFC 37 §Formal Grammar, §Version Negotiation): its
//! layout ([`Greeting`]), the mechanism field ([`MechanismName`]), version
//! negotiation ([`ZmtpVersion`]) and the staged exchange libzmq performs.
//!
//! The exchange follows libzmq's
//! `receive_greeting`/`receive_greeting_versioned` (RFC 37 §Detecting ZMTP 2.0
//! Peers allows it): we send the 10-byte signature at once, byte 10 (the major
//! version) once the peer's 10-byte signature has arrived and says "versioned",
//! and bytes 11-63 once the peer's major version is known to be 3 or more. So
//! we never wait for more than 10 bytes before having sent 11, and neither side
//! can deadlock. ZMTP 1.0 and 2.0 peers are refused, never downgraded to. This
//! module does not run the mechanism handshake that follows.

use core::fmt;

use crate::error::GreetingError;

/// Length of a ZMTP 3.x greeting.
pub const GREETING_LEN: usize = 64;
/// Length of the signature (bytes 0-9), sent first.
pub const SIGNATURE_LEN: usize = 10;
/// Length of the mechanism field (bytes 12-31).
pub const MECHANISM_LEN: usize = 20;

const MAJOR: u8 = 3;

/// The negotiated protocol version: the lower of ours and the peer's
/// (RFC 37 §Version Negotiation). Framing is identical; what differs is how
/// subscriptions travel (RFC 23 and RFC 37 §The Publish-Subscribe Pattern).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ZmtpVersion {
    /// ZMTP 3.0 (RFC 23; libzmq 4.0 to 4.3.2): subscriptions are data
    /// messages `0x01`/`0x00` + topic.
    V3_0,
    /// ZMTP 3.1 (RFC 37; libzmq 4.3.3 and later): SUBSCRIBE/CANCEL commands.
    V3_1,
}

impl ZmtpVersion {
    /// The version a peer announcing `major.minor` (3 or more) speaks: minor
    /// 0 is 3.0, anything higher, or a major above 3, is 3.1 as libzmq treats
    /// it.
    pub fn from_wire(major: u8, minor: u8) -> Self {
        if major > MAJOR || minor >= 1 {
            ZmtpVersion::V3_1
        } else {
            ZmtpVersion::V3_0
        }
    }

    /// The minor version byte we send for this version.
    pub fn minor(self) -> u8 {
        match self {
            ZmtpVersion::V3_0 => 0,
            ZmtpVersion::V3_1 => 1,
        }
    }
}

impl fmt::Display for ZmtpVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ZmtpVersion::V3_0 => "ZMTP 3.0",
            ZmtpVersion::V3_1 => "ZMTP 3.1",
        })
    }
}

/// The 20-byte, NUL-padded mechanism field of a greeting. Two greetings agree
/// on the mechanism when these 20 bytes are equal (RFC 37 §Authentication and
/// Confidentiality).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MechanismName([u8; MECHANISM_LEN]);

impl MechanismName {
    /// `NULL`.
    pub const NULL: Self = Self::pad(b"NULL");
    /// `PLAIN` (RFC 24).
    pub const PLAIN: Self = Self::pad(b"PLAIN");
    /// `CURVE` (RFC 25).
    pub const CURVE: Self = Self::pad(b"CURVE");

    const fn pad(name: &[u8]) -> Self {
        let mut field = [0u8; MECHANISM_LEN];
        let mut i = 0;
        while i < name.len() {
            field[i] = name[i];
            i += 1;
        }
        Self(field)
    }

    /// A mechanism name of 1-20 characters from upper-case letters, digits,
    /// `-`, `_`, `.` and `+` (the 3.x grammar); `None` otherwise.
    pub fn new(name: &str) -> Option<Self> {
        let ok = |b: u8| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.' | b'+')
        };
        (!name.is_empty() && name.len() <= MECHANISM_LEN && name.bytes().all(ok))
            .then(|| Self::pad(name.as_bytes()))
    }

    /// The field exactly as it goes on the wire.
    pub fn from_field(field: [u8; MECHANISM_LEN]) -> Self {
        Self(field)
    }

    /// The 20 bytes of the field.
    pub fn as_field(&self) -> &[u8; MECHANISM_LEN] {
        &self.0
    }

    /// The name without its NUL padding.
    pub fn trimmed(&self) -> &[u8] {
        let end = self.0.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        &self.0[..end]
    }
}

impl fmt::Display for MechanismName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &b in self.trimmed() {
            for c in core::ascii::escape_default(b) {
                fmt::Write::write_char(f, char::from(c))?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for MechanismName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MechanismName({self})")
    }
}

/// A ZMTP 3.x greeting (RFC 37 §Formal Grammar).
///
/// # Examples
///
/// The NULL greeting for 3.1 as libzmq sends it (padding 1, as-server 0):
///
/// ```
/// use ferrozmq_wire::{Greeting, MechanismName};
///
/// let g = Greeting { padding: 1, minor: 1, mechanism: MechanismName::NULL, as_server: false };
/// let bytes = g.encode();
/// assert_eq!(bytes[..16], [0xFF, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x7F, 3, 1, b'N', b'U', b'L', b'L']);
/// assert!(bytes[16..].iter().all(|&b| b == 0));
/// assert_eq!(Greeting::parse(&bytes)?, g);
/// # Ok::<(), ferrozmq_wire::GreetingError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Greeting {
    /// Bytes 1-8 as a big-endian number. Receivers never look at it; libzmq
    /// sends "identity length + 1" there (RFC 23 §Detecting ZMTP 1.0 and 2.0
    /// Peers; libzmq `zmtp_engine_t`) and so do we.
    pub padding: u64,
    /// The minor version (byte 11): 0 for 3.0, 1 for 3.1. The major version
    /// is always 3 when we send.
    pub minor: u8,
    /// The security mechanism.
    pub mechanism: MechanismName,
    /// The as-server byte (32). Always 0 with NULL; libzmq sends 0 even as a
    /// PLAIN or CURVE server and never reads it (libzmq takes its role from
    /// `ZMQ_PLAIN_SERVER`/`ZMQ_CURVE_SERVER`; RFC 37 §Topology).
    pub as_server: bool,
}

impl Greeting {
    /// The 64 bytes on the wire.
    pub fn encode(&self) -> [u8; GREETING_LEN] {
        let mut g = [0u8; GREETING_LEN];
        g[0] = 0xFF;
        g[1..9].copy_from_slice(&self.padding.to_be_bytes());
        g[9] = 0x7F;
        g[10] = MAJOR;
        g[11] = self.minor;
        g[12..32].copy_from_slice(self.mechanism.as_field());
        g[32] = u8::from(self.as_server);
        g
    }

    /// Reads a complete greeting, checking what a receiver may check: the
    /// signature's bytes 0 and 9 and the major version (never the padding).
    /// A major version above 3 is accepted (RFC 37 §Version Negotiation: "a
    /// peer MUST accept higher protocol versions as valid"; libzmq treats it
    /// as 3.1); only the minor byte is kept.
    ///
    /// # Errors
    ///
    /// [`GreetingError::Zmtp10`] or [`GreetingError::UnsupportedVersion`].
    pub fn parse(bytes: &[u8; GREETING_LEN]) -> Result<Self, GreetingError> {
        check_signature(&bytes[..SIGNATURE_LEN])?;
        check_major(bytes[10])?;
        let mut field = [0u8; MECHANISM_LEN];
        field.copy_from_slice(&bytes[12..32]);
        Ok(Self {
            padding: u64::from_be_bytes([
                bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8],
            ]),
            minor: bytes[11],
            mechanism: MechanismName::from_field(field),
            as_server: bytes[32] != 0,
        })
    }
}

/// Checks the signature bytes received so far (any prefix of bytes 0-9): byte 0
/// must be `0xFF` and byte 9 must have its low bit set, otherwise the peer is a
/// ZMTP 1.0 peer (RFC 37 §Detecting ZMTP 1.0 and 2.0 Peers). libzmq tests byte
/// 0 as soon as it arrives, so a 1.0 peer sending a short identity frame is
/// refused at once instead of waiting for bytes that never come.
fn check_signature(received: &[u8]) -> Result<(), GreetingError> {
    if let Some(&b) = received.first().filter(|&&b| b != 0xFF) {
        return Err(GreetingError::Zmtp10 { offset: 0, byte: b });
    }
    if let Some(&b) = received.get(9).filter(|&&b| b & 1 == 0) {
        return Err(GreetingError::Zmtp10 { offset: 9, byte: b });
    }
    Ok(())
}

fn check_major(major: u8) -> Result<(), GreetingError> {
    if major < MAJOR {
        Err(GreetingError::UnsupportedVersion { major })
    } else {
        Ok(())
    }
}

/// What the staged exchange wants sent next, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// Nothing yet.
    Nothing,
    /// Bytes 0-9.
    Signature,
    /// Bytes 0-10.
    Major,
    /// All 64.
    All,
}

/// The staged greeting exchange of one connection (see the module docs).
#[derive(Debug)]
pub(crate) struct Exchange {
    ours: [u8; GREETING_LEN],
    mechanism: MechanismName,
    sent: Sent,
    received: [u8; GREETING_LEN],
    received_len: usize,
}

/// The peer's greeting, once the exchange is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PeerGreeting {
    pub(crate) version: ZmtpVersion,
}

impl Exchange {
    pub(crate) fn new(ours: Greeting) -> Self {
        Self {
            ours: ours.encode(),
            mechanism: ours.mechanism,
            sent: Sent::Nothing,
            received: [0; GREETING_LEN],
            received_len: 0,
        }
    }

    /// The bytes to send before anything has been received: the signature.
    pub(crate) fn start(&mut self) -> &[u8] {
        debug_assert_eq!(self.sent, Sent::Nothing);
        self.sent = Sent::Signature;
        &self.ours[..SIGNATURE_LEN]
    }

    /// Consumes greeting bytes from `input`, calling `send` with each further
    /// piece of our greeting as soon as libzmq's staging allows it. Returns
    /// how much of `input` was consumed (never past byte 63) and the peer's
    /// greeting once it is complete.
    pub(crate) fn handle_input(
        &mut self,
        input: &[u8],
        mut send: impl FnMut(&[u8]),
    ) -> Result<(usize, Option<PeerGreeting>), GreetingError> {
        let take = input.len().min(GREETING_LEN - self.received_len);
        self.received[self.received_len..self.received_len + take].copy_from_slice(&input[..take]);
        self.received_len += take;
        let got = &self.received[..self.received_len];
        check_signature(got)?;
        if got.len() >= SIGNATURE_LEN && self.sent == Sent::Signature {
            self.sent = Sent::Major;
            send(&self.ours[SIGNATURE_LEN..SIGNATURE_LEN + 1]);
        }
        if let Some(&major) = got.get(10) {
            check_major(major)?;
            if self.sent == Sent::Major {
                self.sent = Sent::All;
                send(&self.ours[SIGNATURE_LEN + 1..]);
            }
        }
        if got.len() < GREETING_LEN {
            return Ok((take, None));
        }
        let mut field = [0u8; MECHANISM_LEN];
        field.copy_from_slice(&got[12..32]);
        let peer = MechanismName::from_field(field);
        if peer != self.mechanism {
            return Err(GreetingError::MechanismMismatch {
                ours: self.mechanism,
                peer,
            });
        }
        let version = ZmtpVersion::from_wire(got[10], got[11])
            .min(ZmtpVersion::from_wire(MAJOR, self.ours[11]));
        Ok((take, Some(PeerGreeting { version })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    /// libzmq's NULL greeting for 3.1: `FF 00 00 00 00 00 00 00 01 7F 03 01 4E
    /// 55 4C 4C`, 16 zeros, `00`, 31 zeros.
    fn libzmq_null_31() -> Vec<u8> {
        let mut v = hex("FF 00 00 00 00 00 00 00 01 7F 03 01 4E 55 4C 4C");
        v.extend([0; 16 + 1 + 31]);
        v
    }

    #[test]
    fn vectors_null_plain_curve_30_31_as_server() {
        let g = |minor, mechanism, as_server| {
            Greeting {
                padding: 1,
                minor,
                mechanism,
                as_server,
            }
            .encode()
            .to_vec()
        };
        assert_eq!(g(1, MechanismName::NULL, false), libzmq_null_31());
        let mut v30 = libzmq_null_31();
        v30[11] = 0x00;
        assert_eq!(g(0, MechanismName::NULL, false), v30);
        let mut plain = libzmq_null_31();
        plain[12..17].copy_from_slice(&hex("50 4C 41 49 4E"));
        assert_eq!(g(1, MechanismName::PLAIN, false), plain);
        let mut curve = libzmq_null_31();
        curve[12..17].copy_from_slice(&hex("43 55 52 56 45"));
        curve[32] = 0x01;
        assert_eq!(g(1, MechanismName::CURVE, true), curve);
        assert_eq!(MechanismName::new("CURVE"), Some(MechanismName::CURVE));
        assert_eq!(MechanismName::new("curve"), None);
        assert_eq!(MechanismName::new("GSSAPI").unwrap().trimmed(), b"GSSAPI");
        assert_eq!(MechanismName::new(&"X".repeat(21)), None);
    }

    #[test]
    fn parse_checks_signature_and_major_only() {
        let mut g = libzmq_null_31();
        g[1..9].fill(0xAB); // padding is never validated
        let parsed = Greeting::parse(g.as_slice().try_into().unwrap()).unwrap();
        assert_eq!(
            (parsed.minor, parsed.mechanism, parsed.as_server),
            (1, MechanismName::NULL, false)
        );
        let mut bad = libzmq_null_31();
        bad[0] = 0x01;
        assert_eq!(
            Greeting::parse(bad.as_slice().try_into().unwrap()),
            Err(GreetingError::Zmtp10 { offset: 0, byte: 1 })
        );
        let mut bad = libzmq_null_31();
        bad[9] = 0x7E;
        assert_eq!(
            Greeting::parse(bad.as_slice().try_into().unwrap()),
            Err(GreetingError::Zmtp10 {
                offset: 9,
                byte: 0x7E
            })
        );
        let mut bad = libzmq_null_31();
        bad[10] = 0x01;
        assert_eq!(
            Greeting::parse(bad.as_slice().try_into().unwrap()),
            Err(GreetingError::UnsupportedVersion { major: 1 })
        );
    }

    #[test]
    fn version_negotiation_table() {
        assert_eq!(ZmtpVersion::from_wire(3, 0), ZmtpVersion::V3_0);
        assert_eq!(ZmtpVersion::from_wire(3, 1), ZmtpVersion::V3_1);
        assert_eq!(ZmtpVersion::from_wire(3, 7), ZmtpVersion::V3_1);
        assert_eq!(ZmtpVersion::from_wire(4, 0), ZmtpVersion::V3_1);
    }

    /// Drives an exchange with `peer` bytes delivered in `chunks` and
    /// returns what we sent after each chunk.
    fn staged(
        peer: &[u8],
        chunks: &[usize],
    ) -> (Vec<Vec<u8>>, Result<Option<PeerGreeting>, GreetingError>) {
        let ours = Greeting {
            padding: 1,
            minor: 1,
            mechanism: MechanismName::NULL,
            as_server: false,
        };
        let mut x = Exchange::new(ours);
        let mut sent = vec![x.start().to_vec()];
        let mut at = 0;
        let mut result = Ok(None);
        for &n in chunks {
            let mut out = Vec::new();
            let r = x.handle_input(&peer[at..at + n], |b| out.extend_from_slice(b));
            sent.push(out);
            match r {
                Ok((used, done)) => {
                    assert_eq!(used, n);
                    at += used;
                    result = Ok(done);
                }
                Err(e) => return (sent, Err(e)),
            }
        }
        (sent, result)
    }

    #[test]
    fn staged_like_libzmq() {
        let peer = libzmq_null_31();
        let (sent, result) = staged(&peer, &[9, 1, 1, 52, 1]);
        let ours = libzmq_null_31();
        assert_eq!(sent[0], &ours[..10], "the signature goes first");
        assert_eq!(sent[1], b"", "nothing more before the peer's 10 bytes");
        assert_eq!(
            sent[2],
            [0x03],
            "the major version once the signature is in"
        );
        assert_eq!(
            sent[3],
            &ours[11..],
            "the rest once the peer's major is known"
        );
        assert!(sent[4].is_empty() && sent[5].is_empty());
        assert_eq!(
            result,
            Ok(Some(PeerGreeting {
                version: ZmtpVersion::V3_1
            }))
        );
    }

    #[test]
    fn staged_refusals() {
        // A 1.0 peer's short identity frame is refused on its first byte.
        let (_, r) = staged(&[0x01, 0x00], &[1]);
        assert_eq!(r, Err(GreetingError::Zmtp10 { offset: 0, byte: 1 }));
        // ZMTP 2.0 (libzmq 3.x): revision byte 0x01 after the signature.
        let mut v2 = libzmq_null_31();
        v2[10] = 0x01;
        let (sent, r) = staged(&v2, &[11]);
        assert_eq!(r, Err(GreetingError::UnsupportedVersion { major: 1 }));
        assert_eq!(
            sent[1],
            [0x03],
            "byte 10 was due before the peer's major was known"
        );
        let mut v0 = libzmq_null_31();
        v0[10] = 0x00;
        assert_eq!(
            staged(&v0, &[64]).1,
            Err(GreetingError::UnsupportedVersion { major: 0 })
        );
        let mut plain = libzmq_null_31();
        plain[12..17].copy_from_slice(b"PLAIN");
        assert_eq!(
            staged(&plain, &[64]).1,
            Err(GreetingError::MechanismMismatch {
                ours: MechanismName::NULL,
                peer: MechanismName::PLAIN
            })
        );
        // An unknown mechanism name is a mismatch too.
        let mut odd = libzmq_null_31();
        odd[12..16].copy_from_slice(b"NULX");
        assert!(matches!(
            staged(&odd, &[64]).1,
            Err(GreetingError::MechanismMismatch { .. })
        ));
    }

    #[test]
    fn a_30_peer_negotiates_30() {
        let mut v30 = libzmq_null_31();
        v30[11] = 0;
        assert_eq!(
            staged(&v30, &[64]).1,
            Ok(Some(PeerGreeting {
                version: ZmtpVersion::V3_0
            }))
        );
    }
}
