//! Z85 (RFC 32/Z85), the printable encoding of binary data that ZeroMQ uses
//! for CURVE keys: 4 bytes become 5 characters of an 85-character alphabet,
//! most significant digit first. libzmq `zmq_z85_encode`/`zmq_z85_decode`
//! (`zmq_utils.cpp`) follow the same rules.
//!
//! Only whole blocks are encoded (the RFC leaves padding to the caller).
//! The decoder refuses characters outside the alphabet and blocks whose
//! value exceeds 2^32 - 1 (`%%%%%` would otherwise overflow), which libzmq
//! also checks.

use core::fmt;

/// The alphabet, RFC 32 §Formal Specification: the value of a digit is its
/// position here.
const ALPHABET: &[u8; 85] =
    b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

/// The digit value of each byte, 0xFF for bytes outside the alphabet.
const DECODE: [u8; 256] = {
    let mut table = [0xFF; 256];
    let mut i = 0;
    while i < 85 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// Z85 input that cannot be encoded or decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Z85Error {
    /// Binary input whose length is not a multiple of 4 (encoding) or text
    /// whose length is not a multiple of 5 (decoding).
    Length {
        /// The input's length.
        len: usize,
    },
    /// A character outside the Z85 alphabet.
    InvalidChar {
        /// Where it is, in bytes from the start of the text.
        offset: usize,
        /// The byte found.
        byte: u8,
    },
    /// A block of 5 characters whose value exceeds 2^32 - 1.
    Overflow {
        /// Where the block starts.
        offset: usize,
    },
}

impl fmt::Display for Z85Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Z85Error::Length { len } => write!(
                f,
                "Z85: {len} bytes of input, binary must be a multiple of 4 and text of 5"
            ),
            Z85Error::InvalidChar { offset, byte } => write!(
                f,
                "Z85: byte {byte:#04x} at offset {offset} is not in the alphabet"
            ),
            Z85Error::Overflow { offset } => {
                write!(f, "Z85: block at offset {offset} is larger than 2^32 - 1")
            }
        }
    }
}

impl std::error::Error for Z85Error {}

/// Encodes `data` (a multiple of 4 bytes long) as Z85 text.
///
/// # Errors
///
/// [`Z85Error::Length`] when `data.len()` is not a multiple of 4.
///
/// # Examples
///
/// The test vector of RFC 32 §Test Case:
///
/// ```
/// let text = ferrozmq_wire::z85_encode(&[0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B])?;
/// assert_eq!(text, "HelloWorld");
/// # Ok::<(), ferrozmq_wire::Z85Error>(())
/// ```
pub fn z85_encode(data: &[u8]) -> Result<String, Z85Error> {
    if !data.len().is_multiple_of(4) {
        return Err(Z85Error::Length { len: data.len() });
    }
    let mut out = String::with_capacity(data.len() / 4 * 5);
    for block in data.chunks_exact(4) {
        let mut value = u32::from_be_bytes([block[0], block[1], block[2], block[3]]);
        let mut digits = [0u8; 5];
        for d in digits.iter_mut().rev() {
            *d = ALPHABET[(value % 85) as usize];
            value /= 85;
        }
        out.extend(digits.iter().map(|&b| char::from(b)));
    }
    Ok(out)
}

/// Decodes Z85 `text` (a multiple of 5 characters long) into bytes.
///
/// # Errors
///
/// [`Z85Error`] for a length that is not a multiple of 5, a character
/// outside the alphabet, or a block above 2^32 - 1.
///
/// # Examples
///
/// ```
/// let bytes = ferrozmq_wire::z85_decode("HelloWorld")?;
/// assert_eq!(bytes, [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]);
/// # Ok::<(), ferrozmq_wire::Z85Error>(())
/// ```
pub fn z85_decode(text: &str) -> Result<Vec<u8>, Z85Error> {
    let text = text.as_bytes();
    if !text.len().is_multiple_of(5) {
        return Err(Z85Error::Length { len: text.len() });
    }
    let mut out = Vec::with_capacity(text.len() / 5 * 4);
    for (i, block) in text.chunks_exact(5).enumerate() {
        let mut value: u64 = 0;
        for (j, &b) in block.iter().enumerate() {
            let digit = DECODE[usize::from(b)];
            if digit == 0xFF {
                return Err(Z85Error::InvalidChar {
                    offset: i * 5 + j,
                    byte: b,
                });
            }
            value = value * 85 + u64::from(digit);
        }
        let value = u32::try_from(value).map_err(|_| Z85Error::Overflow { offset: i * 5 })?;
        out.extend_from_slice(&value.to_be_bytes());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_32_test_case() {
        let bytes = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        assert_eq!(z85_encode(&bytes).unwrap(), "HelloWorld");
        assert_eq!(z85_decode("HelloWorld").unwrap(), bytes);
    }

    #[test]
    fn libzmq_manual_keys_round_trip() {
        // The example key pairs of libzmq's `zmq_curve` manual page: Z85
        // text of 40 characters, 32 bytes.
        for key in [
            "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
            "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
            "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
            "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
        ] {
            let bytes = z85_decode(key).unwrap();
            assert_eq!(bytes.len(), 32);
            assert_eq!(z85_encode(&bytes).unwrap(), key);
        }
    }

    #[test]
    fn extremes() {
        assert_eq!(z85_encode(&[0; 4]).unwrap(), "00000");
        assert_eq!(z85_encode(&[0xFF; 4]).unwrap(), "%nSc0");
        assert_eq!(z85_decode("%nSc0").unwrap(), [0xFF; 4]);
        assert_eq!(z85_encode(&[]).unwrap(), "");
        assert_eq!(z85_decode("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn errors() {
        assert_eq!(z85_encode(&[1, 2, 3]), Err(Z85Error::Length { len: 3 }));
        assert_eq!(z85_decode("Hello!"), Err(Z85Error::Length { len: 6 }));
        assert_eq!(
            z85_decode("Hel\"oWorld"),
            Err(Z85Error::InvalidChar {
                offset: 3,
                byte: b'"'
            })
        );
        assert_eq!(
            z85_decode("00000%nSc1"),
            Err(Z85Error::Overflow { offset: 5 })
        );
        assert_eq!(z85_decode("#####"), Err(Z85Error::Overflow { offset: 0 }));
        assert!(!Z85Error::Overflow { offset: 0 }.to_string().is_empty());
    }

    #[test]
    fn every_block_value_class_round_trips() {
        for seed in 0u32..2000 {
            let v = seed.wrapping_mul(2_654_435_761);
            let b = v.to_be_bytes();
            assert_eq!(z85_decode(&z85_encode(&b).unwrap()).unwrap(), b);
        }
    }
}
