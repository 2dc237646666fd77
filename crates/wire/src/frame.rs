//! Frame headers (RFC 37 §Framing): the flags byte and the 1- or 8-byte size.
//!
//! This module only encodes headers and names the flag bits; the decoder that
//! reads them (with its size checks) is in `decoder.rs`, the encoder that
//! writes whole frames in `encoder.rs`.

/// Flags bit 0: more frames of this message follow (RFC 37 §Framing).
pub const FLAG_MORE: u8 = 0x01;
/// Flags bit 1: the size is a 64-bit big-endian integer instead of one byte.
pub const FLAG_LONG: u8 = 0x02;
/// Flags bit 2: the frame is a command, not message data.
pub const FLAG_COMMAND: u8 = 0x04;

/// The longest frame header: flags byte plus an 8-byte size.
pub const MAX_HEADER_LEN: usize = 9;

/// The largest body a short frame (1-byte size) carries; senders use the
/// short form up to here and the long form above (RFC 37 §Framing).
pub const SHORT_MAX: usize = 255;

/// The largest size a long frame may announce: 2^63 - 1 (the RFC's grammar
/// makes the size a signed 63-bit quantity).
pub const MAX_FRAME_SIZE: u64 = i64::MAX as u64;

/// Writes the header of a frame with a body of `len` bytes into `out` and
/// returns how many bytes of `out` it used (2 or 9).
///
/// Bodies up to [`SHORT_MAX`] get the short form, larger ones the long form,
/// as the RFC asks of senders; reserved bits are always zero.
///
/// # Examples
///
/// ```
/// use ferrozmq_wire::encode_frame_header;
///
/// let mut h = [0u8; 9];
/// assert_eq!(encode_frame_header(false, false, 5, &mut h), 2);
/// assert_eq!(h[..2], [0x00, 0x05]);
/// assert_eq!(encode_frame_header(false, false, 300, &mut h), 9);
/// assert_eq!(h, [0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x2C]);
/// ```
pub fn encode_frame_header(
    more: bool,
    command: bool,
    len: u64,
    out: &mut [u8; MAX_HEADER_LEN],
) -> usize {
    let mut flags = 0;
    if more {
        flags |= FLAG_MORE;
    }
    if command {
        flags |= FLAG_COMMAND;
    }
    match u8::try_from(len) {
        Ok(short) => {
            out[0] = flags;
            out[1] = short;
            2
        }
        Err(_) => {
            out[0] = flags | FLAG_LONG;
            out[1..].copy_from_slice(&len.to_be_bytes());
            MAX_HEADER_LEN
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(more: bool, command: bool, len: u64) -> Vec<u8> {
        let mut h = [0u8; MAX_HEADER_LEN];
        let n = encode_frame_header(more, command, len, &mut h);
        h[..n].to_vec()
    }

    #[test]
    fn vectors_from_zmtp_md_section_3() {
        // "Hello": 00 05; REQ delimiter 01 00; 300-byte body 02 .. 01 2C.
        assert_eq!(header(false, false, 5), [0x00, 0x05]);
        assert_eq!(header(true, false, 0), [0x01, 0x00]);
        assert_eq!(
            header(false, false, 300),
            [0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x2C]
        );
        // Valid flag bytes: data 00 01 02 03, command 04 06.
        assert_eq!(header(true, false, 256)[0], 0x03);
        assert_eq!(header(false, true, 1)[0], 0x04);
        assert_eq!(header(false, true, 256)[0], 0x06);
    }

    #[test]
    fn boundary_between_short_and_long_is_255_256() {
        assert_eq!(header(false, false, 255), [0x00, 0xFF]);
        assert_eq!(
            header(false, false, 256),
            [0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x00]
        );
        assert_eq!(
            header(true, false, MAX_FRAME_SIZE),
            [0x03, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        );
    }
}
