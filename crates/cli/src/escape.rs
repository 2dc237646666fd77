//! The line format of `fzmq`'s socket commands: one message per line, its
//! frames separated by TAB, each frame's bytes written as text.
//!
//! Encoding: a frame's bytes that form valid UTF-8 characters which are not
//! control characters are written as they are; every other byte (invalid
//! UTF-8, control characters including TAB, CR and newline, and the backslash
//! itself) is written as `\xNN` with two lower-case hex digits, so the
//! backslash is `\x5c`. Decoding takes any byte other than `\` literally and
//! `\xNN` (either case) as the byte `NN`; any other use of `\` is an error.
//! Decoding what [`encode_message`] wrote gives back the same frames.

use core::fmt;

/// Why a line could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscapeError {
    /// The byte offset of the offending `\` in the line.
    pub offset: usize,
}

impl fmt::Display for EscapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid escape at byte {}: a backslash must start `\\xNN` with two hex digits (write a backslash as `\\x5c`)",
            self.offset
        )
    }
}

impl std::error::Error for EscapeError {}

/// Appends `frame` to `out`, escaped as the module docs say.
pub fn encode_frame(frame: &[u8], out: &mut Vec<u8>) {
    let mut rest = frame;
    while !rest.is_empty() {
        let (valid, bad) = match core::str::from_utf8(rest) {
            Ok(s) => (s, 0),
            Err(e) => {
                // The first `valid_up_to` bytes are valid UTF-8 by definition.
                let s = core::str::from_utf8(&rest[..e.valid_up_to()]).unwrap_or_default();
                (s, e.error_len().unwrap_or(rest.len() - e.valid_up_to()))
            }
        };
        for c in valid.chars() {
            if c.is_control() || c == '\\' {
                let mut buf = [0; 4];
                for &b in c.encode_utf8(&mut buf).as_bytes() {
                    push_escape(b, out);
                }
            } else {
                let mut buf = [0; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
        let start = valid.len();
        for &b in &rest[start..start + bad] {
            push_escape(b, out);
        }
        rest = &rest[start + bad..];
    }
}

/// Appends `\xNN` for `b` to `out`.
fn push_escape(b: u8, out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(&[
        b'\\',
        b'x',
        HEX[usize::from(b >> 4)],
        HEX[usize::from(b & 15)],
    ]);
}

/// The line (without its newline) for a message of `frames`.
pub fn encode_message<'a>(frames: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, frame) in frames.into_iter().enumerate() {
        if i > 0 {
            out.push(b'\t');
        }
        encode_frame(frame, &mut out);
    }
    out
}

/// Decodes one frame (no TAB splitting).
///
/// # Errors
///
/// A `\` not followed by `x` and two hex digits.
pub fn decode_frame(text: &[u8]) -> Result<Vec<u8>, EscapeError> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'\\' {
            let byte = match text.get(i + 1..i + 4) {
                Some([b'x', hi, lo]) => hex(*hi).zip(hex(*lo)).map(|(h, l)| h << 4 | l),
                _ => None,
            };
            out.push(byte.ok_or(EscapeError { offset: i })?);
            i += 4;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    Ok(out)
}

/// Decodes a line (without its newline) into its TAB-separated frames; an
/// empty line is one empty frame.
///
/// # Errors
///
/// As [`decode_frame`], with the offset in the whole line.
pub fn decode_message(line: &[u8]) -> Result<Vec<Vec<u8>>, EscapeError> {
    let mut frames = Vec::new();
    let mut start = 0;
    for part in line.split(|&b| b == b'\t') {
        frames.push(decode_frame(part).map_err(|e| EscapeError {
            offset: start + e.offset,
        })?);
        start += part.len() + 1;
    }
    Ok(frames)
}

/// The value of the hex digit `d`.
fn hex(d: u8) -> Option<u8> {
    match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_byte_round_trips_alone_and_together() {
        let all: Vec<u8> = (0..=255).collect();
        for b in 0..=255u8 {
            let line = encode_message([&[b][..]]);
            assert!(!line.contains(&b'\t') && !line.contains(&b'\n'));
            assert_eq!(decode_message(&line).unwrap(), vec![vec![b]], "byte {b}");
        }
        let line = encode_message([&all[..]]);
        assert_eq!(decode_message(&line).unwrap(), vec![all.clone()]);
        let rev: Vec<u8> = all.iter().rev().copied().collect();
        let line = encode_message([&rev[..]]);
        assert_eq!(decode_message(&line).unwrap(), vec![rev]);
    }

    #[test]
    fn printable_text_stays_as_is_and_the_rest_is_escaped() {
        assert_eq!(encode_message([&b"hello, world"[..]]), b"hello, world");
        assert_eq!(encode_message(["héllo ✓".as_bytes()]), "héllo ✓".as_bytes());
        assert_eq!(
            encode_message([&b"a\tb\nc\\d\r"[..]]),
            b"a\\x09b\\x0ac\\x5cd\\x0d"
        );
        assert_eq!(encode_message([&[0xff, b'a', 0xc3][..]]), b"\\xffa\\xc3");
        assert_eq!(encode_message([&b"\x00\x7f"[..]]), b"\\x00\\x7f");
    }

    #[test]
    fn frames_are_separated_by_tab() {
        let frames: [&[u8]; 4] = [b"topic", b"", b"a\tb", &[0, 1, 2]];
        let line = encode_message(frames);
        assert_eq!(line, b"topic\t\ta\\x09b\t\\x00\\x01\\x02");
        let back = decode_message(&line).unwrap();
        assert_eq!(back, frames.map(<[u8]>::to_vec));
        assert_eq!(decode_message(b"").unwrap(), vec![Vec::<u8>::new()]);
        assert_eq!(decode_message(b"\t").unwrap(), vec![vec![], vec![]]);
    }

    #[test]
    fn upper_case_hex_and_raw_bytes_are_accepted() {
        assert_eq!(decode_frame(b"\\xFF\\x5C").unwrap(), vec![0xff, b'\\']);
        assert_eq!(decode_frame(&[0xff, 0x01]).unwrap(), vec![0xff, 0x01]);
    }

    #[test]
    fn invalid_escapes_are_rejected() {
        for bad in [
            &b"\\"[..],
            b"\\x",
            b"\\x4",
            b"\\xg0",
            b"\\x0g",
            b"\\n",
            b"\\\\",
            b"ab\\u0041",
        ] {
            assert!(
                decode_frame(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(decode_message(b"ok\tab\\q").unwrap_err().offset, 5);
        let msg = decode_frame(b"\\z").unwrap_err().to_string();
        assert!(msg.contains("invalid escape at byte 0"), "{msg}");
    }
}
