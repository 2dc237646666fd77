//! [`Decoder`]: bytes in, frames ([`Msg`]s with their MORE and COMMAND flags)
//! out, with every size checked before anything is allocated.
//!
//! A frame's body goes straight to its final memory: inline in the [`Msg`]
//! when it fits ([`ferrozmq_msg::INLINE_CAPACITY`]); a data frame that lies
//! whole in a connection's [`ReadBlock`] ([`Decoder::decode_block`]) is a
//! slice of that block, which came from the socket's [`RecvAllocator`]
//! (libzmq's zero-copy receive, `ZMQ_ZERO_COPY_RECV`); otherwise one block
//! of exactly the body's size from the allocator (`MsgMut::new_in`). Bytes
//! present in the caller's input are copied there once; for the rest of a
//! large body the caller can read straight into the destination
//! ([`Decoder::body_mut`]), so a large frame crosses memory once, like
//! libzmq's `v2_decoder` with its own allocation per large message (RFC 37
//! §Framing).
//!
//! Sizes are never trusted: a long size of 2^63 or more is an error, the
//! configured maximum is checked before the allocator is asked, and the
//! allocator is asked for exactly the announced size. An exhausted allocator
//! is not an error: [`Decoded::Blocked`] says "stop reading, try again later",
//! and nothing is lost.
//!
//! The decoder checks framing only (flags, sizes, a command never inside a
//! multi-part message). What commands mean, and the greeting before the
//! frames, are other modules' business.

use crate::sync::Arc;

use ferrozmq_alloc::{AllocError, RecvAllocator};
use ferrozmq_msg::{INLINE_CAPACITY, Msg, MsgMut, ReadBlock};

use crate::error::FrameError;
use crate::frame::{FLAG_COMMAND, FLAG_LONG, FLAG_MORE, MAX_FRAME_SIZE};

/// Limits applied by a [`Decoder`] before allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecoderConfig {
    /// The largest data frame accepted (libzmq `ZMQ_MAXMSGSIZE`, which its
    /// decoder checks per frame). `None`, libzmq's default, means only the
    /// protocol's own limit (2^63 - 1) and the allocator's answer apply.
    pub max_msg_size: Option<u64>,
    /// The largest command frame accepted, whatever `max_msg_size` says:
    /// commands are buffered whole before they are interpreted. READY with
    /// metadata and CURVE's 200-byte HELLO fit easily in the default.
    pub max_command_size: u64,
}

impl Default for DecoderConfig {
    /// No message limit (as libzmq), commands up to 64 KiB.
    fn default() -> Self {
        Self {
            max_msg_size: None,
            max_command_size: 64 * 1024,
        }
    }
}

/// What one [`Decoder::decode`] call produced.
#[derive(Debug)]
pub enum Decoded {
    /// One complete frame; [`Msg::more`] and [`Msg::is_command`] carry its
    /// flags.
    Frame(Msg),
    /// Every input byte was used and no frame is complete yet. When a body
    /// is being filled, [`Decoder::body_mut`] is where the next bytes belong.
    NeedInput,
    /// The receive allocator is exhausted (back-pressure): the frame header
    /// has been consumed but no body byte. Stop reading, and call `decode`
    /// again (with the same remaining input) once memory may be back, for
    /// example when [`RecvAllocator::notify_on_release`] fires.
    Blocked(AllocError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Flags,
    Size,
    Alloc,
    Body,
}

/// The frame decoder (see the module docs).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use ferrozmq_alloc::{Heap, RecvAllocator};
/// use ferrozmq_wire::{Decoded, Decoder, DecoderConfig};
///
/// let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap);
/// let mut dec = Decoder::new(alloc, DecoderConfig::default());
/// let mut input: &[u8] = b"\x01\x00\x00\x02Hi";
/// let Decoded::Frame(delimiter) = dec.decode(&mut input)? else { panic!() };
/// assert!(delimiter.more() && delimiter.is_empty());
/// let Decoded::Frame(body) = dec.decode(&mut input)? else { panic!() };
/// assert_eq!((&body[..], body.more()), (&b"Hi"[..], false));
/// assert!(matches!(dec.decode(&mut input)?, Decoded::NeedInput));
/// # Ok::<(), ferrozmq_wire::FrameError>(())
/// ```
pub struct Decoder {
    alloc: Arc<dyn RecvAllocator>,
    config: DecoderConfig,
    state: State,
    flags: u8,
    size_bytes: [u8; 8],
    size_have: usize,
    size_need: usize,
    size: usize,
    body: Option<MsgMut>,
    /// Bytes of `body` that came through `decode`'s input (the rest were
    /// written through `body_mut`).
    body_via_input: usize,
    /// The last complete data frame had MORE set.
    in_message: bool,
    /// Bytes consumed since the decoder was made.
    consumed: u64,
    /// Where the current frame's flags byte was.
    frame_start: u64,
    failed: Option<FrameError>,
    /// Whether a data frame found whole in a [`ReadBlock`] is taken as a
    /// slice of it (see [`set_slicing`](Self::set_slicing)).
    slicing: bool,
}

/// Where [`Decoder`] reads from: bytes, or a [`ReadBlock`] whose whole
/// frame bodies can be taken without a copy.
pub(crate) trait Input {
    fn bytes(&self) -> &[u8];
    fn advance(&mut self, n: usize);
    /// The next `len` bytes as a frame sharing the input, consumed; `None`
    /// when the input cannot share.
    fn take(&mut self, len: usize) -> Option<Msg>;
}

impl Input for &[u8] {
    fn bytes(&self) -> &[u8] {
        self
    }
    fn advance(&mut self, n: usize) {
        *self = &self[n..];
    }
    fn take(&mut self, _len: usize) -> Option<Msg> {
        None
    }
}

impl Input for ReadBlock {
    fn bytes(&self) -> &[u8] {
        self.unread()
    }
    fn advance(&mut self, n: usize) {
        self.consume(n);
    }
    fn take(&mut self, len: usize) -> Option<Msg> {
        ReadBlock::take(self, len)
    }
}

impl Decoder {
    /// A decoder allocating bodies from `alloc`, within `config`'s limits.
    pub fn new(alloc: Arc<dyn RecvAllocator>, config: DecoderConfig) -> Self {
        Self {
            alloc,
            config,
            state: State::Flags,
            flags: 0,
            size_bytes: [0; 8],
            size_have: 0,
            size_need: 0,
            size: 0,
            body: None,
            body_via_input: 0,
            in_message: false,
            consumed: 0,
            frame_start: 0,
            failed: None,
            slicing: true,
        }
    }

    /// Whether [`decode_block`](Self::decode_block) hands a data frame
    /// above the inline size that lies whole in the block out as a slice of
    /// it (the default) or copies it into its own block from the allocator.
    /// Off for a CURVE connection, whose frames are opened in place: a
    /// slice may not be written while its block is shared.
    pub fn set_slicing(&mut self, on: bool) {
        self.slicing = on;
    }

    /// The limits in force.
    pub fn config(&self) -> DecoderConfig {
        self.config
    }

    /// Consumes bytes from the front of `input` (advancing it) until one
    /// frame is complete, the input is used up, or the allocator says no.
    ///
    /// # Errors
    ///
    /// [`FrameError`] for an invalid or too large size, a command with MORE
    /// or inside a multi-part message, or a final allocator refusal. The
    /// stream is unusable afterwards: every later call returns the same
    /// error.
    pub fn decode(&mut self, input: &mut &[u8]) -> Result<Decoded, FrameError> {
        self.decode_from(input)
    }

    /// [`decode`](Self::decode) from the unread bytes of `block`, consuming
    /// them; a data frame whose body lies whole in the block, above the
    /// inline size, is a slice of the block (libzmq's zero-copy receive),
    /// unless [`set_slicing`](Self::set_slicing) turned that off.
    ///
    /// # Errors
    ///
    /// As [`decode`](Self::decode).
    pub fn decode_block(&mut self, block: &mut ReadBlock) -> Result<Decoded, FrameError> {
        self.decode_from(block)
    }

    pub(crate) fn decode_from(&mut self, input: &mut impl Input) -> Result<Decoded, FrameError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let result = self.step(input);
        if let Err(e) = &result {
            self.failed = Some(e.clone());
        }
        result
    }

    /// The body being filled, when a frame's header has been read and its
    /// body is incomplete: read the next bytes of the stream straight into
    /// its spare capacity (`MsgMut::spare_capacity_mut`, then `set_len`; or
    /// `fill_from`), then call [`decode`](Self::decode) (with empty input if
    /// nothing else has arrived) to collect the frame.
    ///
    /// At most [`body_remaining`](Self::body_remaining) bytes belong to this
    /// body; the `MsgMut` cannot take more.
    pub fn body_mut(&mut self) -> Option<&mut MsgMut> {
        match self.state {
            State::Body => self.body.as_mut().filter(|b| b.remaining() > 0),
            _ => None,
        }
    }

    /// How many body bytes the current frame still needs (0 between frames
    /// and while its header is incomplete).
    pub fn body_remaining(&self) -> usize {
        match (self.state, &self.body) {
            (State::Body, Some(b)) => b.remaining(),
            _ => 0,
        }
    }

    /// Whether the frames decoded so far end inside a multi-part message.
    pub fn is_mid_message(&self) -> bool {
        self.in_message
    }

    /// Bytes consumed so far (the stream offset of the next byte), counting
    /// bytes the caller wrote through [`body_mut`](Self::body_mut).
    pub fn stream_offset(&self) -> u64 {
        let direct = match (self.state, &self.body) {
            (State::Body, Some(b)) => b.len().saturating_sub(self.body_via_input) as u64,
            _ => 0,
        };
        self.consumed + direct
    }

    fn step(&mut self, input: &mut impl Input) -> Result<Decoded, FrameError> {
        loop {
            match self.state {
                State::Flags => {
                    let Some(&flags) = input.bytes().first() else {
                        return Ok(Decoded::NeedInput);
                    };
                    input.advance(1);
                    self.frame_start = self.consumed;
                    self.consumed += 1;
                    // Reserved bits 3-7 are ignored on receipt, as libzmq does.
                    self.flags = flags;
                    if flags & FLAG_COMMAND != 0 {
                        if flags & FLAG_MORE != 0 {
                            return Err(FrameError::CommandWithMore {
                                offset: self.frame_start,
                                flags,
                            });
                        }
                        if self.in_message {
                            return Err(FrameError::CommandInsideMessage {
                                offset: self.frame_start,
                            });
                        }
                    }
                    self.size_need = if flags & FLAG_LONG != 0 { 8 } else { 1 };
                    self.size_have = 0;
                    self.state = State::Size;
                }
                State::Size => {
                    let bytes = input.bytes();
                    let take = (self.size_need - self.size_have).min(bytes.len());
                    self.size_bytes[self.size_have..self.size_have + take]
                        .copy_from_slice(&bytes[..take]);
                    input.advance(take);
                    self.size_have += take;
                    self.consumed += take as u64;
                    if self.size_have < self.size_need {
                        return Ok(Decoded::NeedInput);
                    }
                    let size = if self.size_need == 1 {
                        u64::from(self.size_bytes[0])
                    } else {
                        u64::from_be_bytes(self.size_bytes)
                    };
                    self.size = self.check_size(size)?;
                    self.state = State::Alloc;
                }
                State::Alloc => {
                    // A data body found whole in a block: a slice of it.
                    if self.slicing
                        && self.flags & FLAG_COMMAND == 0
                        && self.size > INLINE_CAPACITY
                        && input.bytes().len() >= self.size
                        && let Some(frame) = input.take(self.size)
                    {
                        self.consumed += self.size as u64;
                        return Ok(self.finish(frame));
                    }
                    match MsgMut::new_in(&self.alloc, self.size) {
                        Ok(body) => {
                            self.body = Some(body);
                            self.state = State::Body;
                        }
                        Err(e) if e.is_transient() => return Ok(Decoded::Blocked(e)),
                        Err(error) => {
                            return Err(FrameError::Alloc {
                                offset: self.frame_start,
                                error,
                            });
                        }
                    }
                }
                State::Body => {
                    let Some(body) = self.body.as_mut() else {
                        // Unreachable: Body is entered with a body. Recover
                        // by allocating again rather than panicking.
                        self.state = State::Alloc;
                        continue;
                    };
                    let n = body.fill_from(input.bytes());
                    input.advance(n);
                    self.consumed += n as u64;
                    self.body_via_input += n;
                    if body.remaining() > 0 {
                        return Ok(Decoded::NeedInput);
                    }
                    let Some(body) = self.body.take() else {
                        continue;
                    };
                    // Count the bytes the caller wrote through `body_mut` too.
                    self.consumed += body.len().saturating_sub(self.body_via_input) as u64;
                    self.body_via_input = 0;
                    return Ok(self.finish(body.freeze()));
                }
            }
        }
    }

    /// A complete frame: its flags set, the message state updated, ready
    /// for the next frame's flags.
    fn finish(&mut self, mut frame: Msg) -> Decoded {
        let more = self.flags & FLAG_MORE != 0;
        let command = self.flags & FLAG_COMMAND != 0;
        frame.set_more(more);
        frame.set_command(command);
        if !command {
            self.in_message = more;
        }
        self.state = State::Flags;
        Decoded::Frame(frame)
    }

    /// Checks an announced size against the protocol and the configured
    /// limits, before anything is allocated.
    fn check_size(&self, size: u64) -> Result<usize, FrameError> {
        let offset = self.frame_start;
        let invalid = FrameError::InvalidSize { offset, size };
        if size > MAX_FRAME_SIZE {
            return Err(invalid);
        }
        let command = self.flags & FLAG_COMMAND != 0;
        let max = if command {
            Some(self.config.max_command_size)
        } else {
            self.config.max_msg_size
        };
        if let Some(max) = max.filter(|&max| size > max) {
            return Err(FrameError::TooLarge {
                offset,
                size,
                max,
                command,
            });
        }
        usize::try_from(size).map_err(|_| invalid)
    }
}

impl core::fmt::Debug for Decoder {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Decoder")
            .field("allocator", &self.alloc.name())
            .field("config", &self.config)
            .field("state", &self.state)
            .field("stream_offset", &self.stream_offset())
            .field("body_remaining", &self.body_remaining())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrozmq_alloc::Heap;
    use ferrozmq_msg::Storage;

    fn decoder(max_msg_size: Option<u64>) -> Decoder {
        Decoder::new(
            Arc::new(Heap),
            DecoderConfig {
                max_msg_size,
                max_command_size: 1024,
            },
        )
    }

    /// Decodes all of `input`, returning (body, more, command) per frame.
    fn frames(
        dec: &mut Decoder,
        mut input: &[u8],
    ) -> Result<Vec<(Vec<u8>, bool, bool)>, FrameError> {
        let mut out = Vec::new();
        loop {
            match dec.decode(&mut input)? {
                Decoded::Frame(m) => out.push((m.to_vec(), m.more(), m.is_command())),
                Decoded::NeedInput => return Ok(out),
                Decoded::Blocked(e) => panic!("blocked: {e}"),
            }
        }
    }

    /// Decodes every frame in `block`'s unread bytes.
    fn block_frames(dec: &mut Decoder, block: &mut ReadBlock) -> Vec<Msg> {
        let mut out = Vec::new();
        loop {
            match dec.decode_block(block).unwrap() {
                Decoded::Frame(m) => out.push(m),
                Decoded::NeedInput => return out,
                Decoded::Blocked(e) => panic!("blocked: {e}"),
            }
        }
    }

    #[test]
    fn whole_data_bodies_in_a_block_are_slices_of_it() {
        let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap);
        let mut dec = Decoder::new(Arc::clone(&alloc), DecoderConfig::default());
        let mut block = ReadBlock::new_in(&alloc, 1024).unwrap();
        let big = [7u8; 100];
        let small = [8u8; INLINE_CAPACITY];
        let mut wire = vec![0x01, 100];
        wire.extend(big);
        wire.extend([0x00, INLINE_CAPACITY as u8]);
        wire.extend(small);
        // A command is never a slice (it may be kept, e.g. a subscription).
        wire.extend([0x04, 40]);
        wire.extend([4u8; 40]);
        // A body cut by the end of what was read: copied into its own block.
        wire.extend([0x00, 200]);
        wire.extend([9u8; 50]);
        assert_eq!(block.fill_from(&wire), wire.len());
        let start = block.unread().as_ptr();
        let got = block_frames(&mut dec, &mut block);
        assert!(block.unread().is_empty());
        assert_eq!(got.len(), 3);
        assert_eq!((&got[0][..], got[0].more()), (&big[..], true));
        assert_eq!(
            got[0].as_ptr(),
            start.wrapping_add(2),
            "a slice, not a copy"
        );
        assert_eq!(got[1].storage(), Storage::Inline);
        assert_eq!((&got[1][..], got[1].more()), (&small[..], false));
        assert!(got[2].is_command());
        assert!(got[2].is_unique(), "a command has a block of its own");
        assert!(!got[0].is_unique(), "a slice shares the block");
        // The rest of the cut body, then the frame is whole.
        assert_eq!(block.fill_from(&[9u8; 150]), 150);
        let rest = block_frames(&mut dec, &mut block);
        assert_eq!(rest.len(), 1);
        assert_eq!(&rest[0][..], &[9u8; 200][..]);
        assert_eq!(dec.stream_offset(), (wire.len() + 150) as u64);
    }

    #[test]
    fn without_slicing_a_block_is_read_like_bytes() {
        let alloc: Arc<dyn RecvAllocator> = Arc::new(Heap);
        let mut dec = Decoder::new(Arc::clone(&alloc), DecoderConfig::default());
        dec.set_slicing(false);
        let mut block = ReadBlock::new_in(&alloc, 256).unwrap();
        let mut wire = vec![0x00, 100];
        wire.extend([3u8; 100]);
        block.fill_from(&wire);
        let got = block_frames(&mut dec, &mut block);
        assert_eq!(&got[0][..], &[3u8; 100][..]);
        assert!(got[0].is_unique(), "its own block");
        assert!(block.try_reset(), "nothing points into the block");
    }

    #[test]
    fn short_and_long_frames_around_255_256() {
        let mut wire = vec![0x00, 0xFF];
        wire.extend([0x11; 255]);
        wire.extend([0x03, 0, 0, 0, 0, 0, 0, 0x01, 0x00]);
        wire.extend([0x22; 256]);
        // A long header carrying a small size is legal (RFC 37 §Framing).
        wire.extend([0x02, 0, 0, 0, 0, 0, 0, 0, 0x02, b'o', b'k']);
        let got = frames(&mut decoder(None), &wire).unwrap();
        assert_eq!(
            got,
            [
                (vec![0x11; 255], false, false),
                (vec![0x22; 256], true, false),
                (b"ok".to_vec(), false, false)
            ]
        );
    }

    #[test]
    fn rfc_examples_and_reserved_bits() {
        let got = frames(
            &mut decoder(None),
            b"\x00\x05Hello\x01\x00\x00\x02Hi\x04\x06\x04PONGx\xf8\x00",
        )
        .unwrap();
        assert_eq!(
            got,
            [
                (b"Hello".to_vec(), false, false),
                (vec![], true, false),
                (b"Hi".to_vec(), false, false),
                (b"\x04PONGx".to_vec(), false, true),
                // Reserved bits are ignored on receipt, as libzmq does.
                (vec![], false, false),
            ]
        );
    }

    #[test]
    fn small_bodies_inline_large_in_the_allocator() {
        let mut wire = vec![0x00, INLINE_CAPACITY as u8];
        wire.extend(vec![1; INLINE_CAPACITY]);
        wire.extend([0x00, INLINE_CAPACITY as u8 + 1]);
        wire.extend(vec![2; INLINE_CAPACITY + 1]);
        let mut dec = decoder(None);
        let mut input = &wire[..];
        let Decoded::Frame(a) = dec.decode(&mut input).unwrap() else {
            panic!()
        };
        let Decoded::Frame(b) = dec.decode(&mut input).unwrap() else {
            panic!()
        };
        assert_eq!(
            (a.storage(), b.storage()),
            (Storage::Inline, Storage::Shared)
        );
        assert_eq!((a.len(), b.len()), (INLINE_CAPACITY, INLINE_CAPACITY + 1));
    }

    #[test]
    fn sizes_of_2_pow_63_and_more_are_refused_with_or_without_max() {
        for max in [None, Some(1 << 20)] {
            for size in [1u64 << 63, u64::MAX] {
                let mut wire = vec![0x02];
                wire.extend(size.to_be_bytes());
                assert_eq!(
                    frames(&mut decoder(max), &wire),
                    Err(FrameError::InvalidSize { offset: 0, size })
                );
            }
        }
    }

    #[test]
    fn maximum_is_checked_before_allocating() {
        let mut dec = decoder(Some(100));
        let mut wire = vec![0x00, 100];
        wire.extend([7; 100]);
        wire.extend([0x02, 0, 0, 0, 0, 0, 0, 0, 101]);
        assert_eq!(
            frames(&mut dec, &wire),
            Err(FrameError::TooLarge {
                offset: 102,
                size: 101,
                max: 100,
                command: false
            })
        );
        // The decoder stays failed.
        assert!(matches!(
            dec.decode(&mut &b"\x00\x00"[..]),
            Err(FrameError::TooLarge { .. })
        ));
        // Commands have their own limit, whatever the message limit.
        let mut wire = vec![0x06];
        wire.extend(1025u64.to_be_bytes());
        assert_eq!(
            frames(&mut decoder(None), &wire),
            Err(FrameError::TooLarge {
                offset: 0,
                size: 1025,
                max: 1024,
                command: true
            })
        );
    }

    #[test]
    fn command_flag_rules() {
        assert_eq!(
            frames(&mut decoder(None), b"\x05\x00"),
            Err(FrameError::CommandWithMore {
                offset: 0,
                flags: 0x05
            })
        );
        assert_eq!(
            frames(&mut decoder(None), b"\x01\x01a\x04\x05\x04PONG"),
            Err(FrameError::CommandInsideMessage { offset: 3 })
        );
        // After the last frame a command is fine.
        let got = frames(&mut decoder(None), b"\x01\x01a\x00\x01b\x04\x05\x04PONG").unwrap();
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn one_byte_at_a_time_and_direct_body_reads() {
        let mut wire = vec![0x02, 0, 0, 0, 0, 0, 0, 0x10, 0x00];
        let body: Vec<u8> = (0..4096u32).map(|i| i as u8).collect();
        wire.extend(&body);
        let mut dec = decoder(None);
        // Header and the first 100 body bytes one at a time.
        for b in &wire[..9 + 100] {
            assert!(matches!(
                dec.decode(&mut &[*b][..]).unwrap(),
                Decoded::NeedInput
            ));
        }
        assert_eq!(dec.body_remaining(), 4096 - 100);
        assert_eq!(dec.stream_offset(), 109);
        // The rest straight into the destination, as a read() would.
        let dest = dec.body_mut().unwrap();
        assert_eq!(dest.fill_from(&wire[109..]), 4096 - 100);
        assert_eq!(dec.stream_offset(), 9 + 4096);
        let Decoded::Frame(m) = dec.decode(&mut &[][..]).unwrap() else {
            panic!()
        };
        assert_eq!(&m[..], &body[..]);
        assert!(dec.body_mut().is_none());
        assert_eq!(dec.stream_offset(), 9 + 4096);
    }
}
