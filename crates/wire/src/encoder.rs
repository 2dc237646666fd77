//! [`Encoder`]: queued frames in, a gather list of [`IoSlice`]s for one
//! `writev` out.
//!
//! Headers, and bodies up to [`EncoderConfig::copy_threshold`], are packed into
//! one reusable batch buffer (libzmq's `out_batch_size` idea);
//! larger bodies are referenced where they are, in the [`Msg`]'s own memory,
//! never copied. Frames are encoded lazily, when [`Encoder::poll_transmit`]
//! asks, and only while the batch is below [`EncoderConfig::batch_size`], so
//! memory stays bounded however much is queued. [`Encoder::advance`] after a
//! partial write resumes at the exact byte. After warm-up the queues and the
//! batch reuse their capacity: no heap allocation per message.
//!
//! Control frames (commands, legacy subscriptions) queued while a multi-part
//! message is half-queued wait until its last frame, because nothing may sit
//! between the frames of one message (RFC 37 §Formal Grammar, §Framing).
//!
//! This module does no I/O and knows nothing about handshakes.

use std::collections::VecDeque;
use std::io::IoSlice;

use ferrozmq_msg::Msg;

use crate::frame::{MAX_HEADER_LEN, encode_frame_header};
use crate::mechanism::CurveTx;

/// Tuning of an [`Encoder`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncoderConfig {
    /// Bodies up to this many bytes are copied into the batch buffer; larger
    /// ones are written from their own memory. Copying a small body is
    /// cheaper than an extra gather entry (see the `wire` bench).
    pub copy_threshold: usize,
    /// The batch buffer's soft size: encoding pauses once it holds this many
    /// bytes not yet written (libzmq's `out_batch_size` is 8 KiB).
    pub batch_size: usize,
}

impl Default for EncoderConfig {
    /// `copy_threshold` 2 KiB, `batch_size` 64 KiB.
    ///
    /// The `wire/threshold` bench, gathering into one buffer on one thread,
    /// has copying a body into the batch first win at 128 B, break even
    /// around 512 B and lose 35% at 1 KiB and 2.5x at 8 KiB. Between
    /// processes it wins up to 2 KiB: the body was written on the
    /// application's core and is read once either way, and a batch of
    /// copied bodies is one gather entry where each referenced body takes
    /// its own (a write of 1 KiB messages carried at most 32 of them in 64
    /// entries, 256 copied). Measured in alternating rounds of the perf
    /// tools (medians of 5-6): 1 KiB messages over ipc 1.87-2.07 -> 2.41-2.61
    /// M msg/s and over tcp 2.23 -> 2.41 M, 2 KiB over ipc 1.33 -> 1.55 M and
    /// over tcp 1.45 -> 1.59 M; 4 KiB lost over tcp (0.88 -> 0.72 M) and
    /// held over ipc (0.62 both); a 1 KiB round trip unchanged (14.4 /
    /// 14.0 us).
    fn default() -> Self {
        Self {
            copy_threshold: 2048,
            batch_size: 64 * 1024,
        }
    }
}

/// An encoded piece not yet fully written.
#[derive(Debug)]
enum Segment {
    /// `batch[start..end]`.
    Batch { start: usize, end: usize },
    /// A body written from its own memory.
    Body(Msg),
}

/// Frames to bytes, as a gather list (see the module docs).
///
/// # Examples
///
/// ```
/// use std::io::{IoSlice, Write};
/// use ferrozmq_msg::Msg;
/// use ferrozmq_wire::Encoder;
///
/// let mut enc = Encoder::default();
/// enc.push(Msg::from_static(b"").with_more(true));   // REQ delimiter
/// enc.push(Msg::from_static(b"Hi"));
/// let big = Msg::from(vec![7u8; 100_000]);
/// let big_ptr = big.as_ptr();
/// enc.push(big);
///
/// let mut out = Vec::new();
/// while !enc.is_empty() {
///     let mut iov = [IoSlice::new(&[]); 16];
///     let n = enc.poll_transmit(&mut iov);
///     if n == 2 {
///         assert_eq!(iov[1].as_ptr(), big_ptr); // the body is not copied
///     }
///     let written = out.write_vectored(&iov[..n])?;
///     enc.advance(written);
/// }
/// assert_eq!(&out[..6], b"\x01\x00\x00\x02Hi");
/// assert_eq!(out.len(), 6 + 9 + 100_000);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Encoder {
    config: EncoderConfig,
    /// Frames not encoded yet, in wire order.
    queue: VecDeque<Msg>,
    /// Control frames waiting for the end of the message being queued.
    deferred: VecDeque<Msg>,
    /// The last data frame queued had MORE set.
    mid_message: bool,
    batch: Vec<u8>,
    segments: VecDeque<Segment>,
    /// Bytes of `segments[0]` already written.
    head_written: usize,
    /// How many `Segment::Batch` are in `segments`; the batch is emptied
    /// (keeping its capacity) when none is.
    live_batches: usize,
    /// CURVE's MESSAGE phase: every frame encoded from now on is sealed
    /// into the batch (RFC 26 §The MESSAGE Command). `None` on NULL and
    /// PLAIN connections, whose path is the plain one above.
    seal: Option<Box<CurveTx>>,
}

impl Encoder {
    /// An encoder with `config`.
    pub fn new(config: EncoderConfig) -> Self {
        Self {
            config,
            ..Self::default()
        }
    }

    /// The configuration.
    pub fn config(&self) -> EncoderConfig {
        self.config
    }

    /// Queues one frame. Its [`Msg::more`] flag becomes the MORE bit, its
    /// [`Msg::is_command`] flag the COMMAND bit. A command queued while a
    /// multi-part message is incomplete waits for its last frame (as
    /// [`push_control`](Self::push_control)).
    pub fn push(&mut self, frame: Msg) {
        if frame.is_command() {
            self.push_control(frame);
            return;
        }
        self.mid_message = frame.more();
        self.queue.push_back(frame);
        if !self.mid_message && !self.deferred.is_empty() {
            self.queue.extend(self.deferred.drain(..));
        }
    }

    /// Queues a control frame (a command, or a legacy subscription message):
    /// at once between messages, or after the last frame of the message
    /// being queued. It must be a single frame; its MORE flag is cleared.
    pub fn push_control(&mut self, mut frame: Msg) {
        frame.set_more(false);
        if self.mid_message {
            self.deferred.push_back(frame);
        } else {
            self.queue.push_back(frame);
        }
    }

    /// Queues raw bytes (the greeting) ahead of everything not yet encoded.
    pub(crate) fn push_raw(&mut self, bytes: &[u8]) {
        debug_assert!(self.queue.is_empty(), "raw bytes after frames");
        self.append_batch(bytes);
    }

    /// Seals every frame queued from now on into CURVE MESSAGE commands.
    /// Frames already queued (the handshake's last command) are encoded in
    /// clear first.
    pub(crate) fn set_seal(&mut self, tx: CurveTx) {
        while let Some(frame) = self.queue.pop_front() {
            self.encode_frame(frame);
        }
        self.seal = Some(Box::new(tx));
    }

    /// Whether a multi-part message is half-queued (its last frame not yet
    /// pushed).
    pub fn is_mid_message(&self) -> bool {
        self.mid_message
    }

    /// Whether nothing is waiting to be written (control frames deferred
    /// behind an incomplete message count as waiting).
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty() && self.queue.is_empty() && self.deferred.is_empty()
    }

    /// Whether [`poll_transmit`](Self::poll_transmit) has bytes to offer now.
    pub fn has_transmit(&self) -> bool {
        !self.segments.is_empty() || !self.queue.is_empty()
    }

    /// Frames queued but not yet encoded (deferred ones included).
    pub fn queued_frames(&self) -> usize {
        self.queue.len() + self.deferred.len()
    }

    /// Fills `iov` with the next bytes to write, in order, and returns how
    /// many entries it used (0 when there is nothing to write). Write them
    /// with one `write_vectored`, then call [`advance`](Self::advance) with
    /// the count written, even when it is only part of them.
    ///
    /// Encodes queued frames as needed, while the batch is below its size
    /// and entries remain. Bodies above the copy threshold appear as their
    /// own entry, pointing into the frame's memory.
    pub fn poll_transmit<'a>(&'a mut self, iov: &mut [IoSlice<'a>]) -> usize {
        self.encode_pending(iov.len());
        let this: &'a Self = self;
        let mut n = 0;
        for (seg, slot) in this.segments.iter().zip(iov.iter_mut()) {
            let bytes = this.segment_bytes(seg);
            let bytes = if n == 0 {
                &bytes[this.head_written..]
            } else {
                bytes
            };
            *slot = IoSlice::new(bytes);
            n += 1;
        }
        n
    }

    /// Bytes offered by the next [`poll_transmit`](Self::poll_transmit)
    /// without encoding more: the already encoded, unwritten bytes.
    pub fn encoded_len(&self) -> usize {
        self.segments
            .iter()
            .map(|s| self.segment_bytes(s).len())
            .sum::<usize>()
            - self.head_written
    }

    /// Marks `written` bytes, from the start of what
    /// [`poll_transmit`](Self::poll_transmit) offered, as written.
    ///
    /// # Panics
    ///
    /// When `written` is more than was offered (a broken `Write` impl).
    pub fn advance(&mut self, mut written: usize) {
        while written > 0 {
            let Some(seg) = self.segments.front() else {
                panic!("Encoder::advance: {written} bytes more than were offered");
            };
            let left = self.segment_bytes(seg).len() - self.head_written;
            if written < left {
                self.head_written += written;
                break;
            }
            written -= left;
            self.head_written = 0;
            if let Some(Segment::Batch { .. }) = self.segments.pop_front() {
                self.live_batches -= 1;
            }
        }
        if self.live_batches == 0 {
            // Nothing refers to the batch any more: reuse it from the start.
            self.batch.clear();
            // A sealed (CURVE) frame is written whole into the batch, so
            // one large message can grow it far past its size; give that
            // back rather than keep it per connection. Plain frames never
            // get here: their large bodies are referenced, not copied.
            if self.batch.capacity() > 2 * self.config.batch_size {
                self.batch = Vec::new();
            }
        }
    }

    fn segment_bytes<'a>(&'a self, seg: &'a Segment) -> &'a [u8] {
        match seg {
            Segment::Batch { start, end } => &self.batch[*start..*end],
            Segment::Body(m) => m,
        }
    }

    fn encode_pending(&mut self, max_segments: usize) {
        while self.batch.len() < self.config.batch_size && self.segments.len() < max_segments {
            let Some(frame) = self.queue.pop_front() else {
                break;
            };
            self.encode_frame(frame);
        }
    }

    fn encode_frame(&mut self, frame: Msg) {
        if let Some(seal) = self.seal.as_deref_mut() {
            let start = self.batch.len();
            seal.seal_into(&frame, &mut self.batch);
            self.mark_batch(start);
            return;
        }
        let mut header = [0u8; MAX_HEADER_LEN];
        // usize always fits u64 on supported targets.
        let n = encode_frame_header(
            frame.more(),
            frame.is_command(),
            frame.len() as u64,
            &mut header,
        );
        self.append_batch(&header[..n]);
        if frame.len() <= self.config.copy_threshold {
            self.append_batch(&frame);
        } else {
            self.segments.push_back(Segment::Body(frame));
        }
    }

    fn append_batch(&mut self, bytes: &[u8]) {
        let start = self.batch.len();
        self.batch.extend_from_slice(bytes);
        self.mark_batch(start);
    }

    /// Makes `batch[start..]`, just appended, part of the output.
    fn mark_batch(&mut self, start: usize) {
        let end = self.batch.len();
        if end == start {
            return;
        }
        match self.segments.back_mut() {
            Some(Segment::Batch { end: last, .. }) if *last == start => *last = end,
            _ => {
                self.segments.push_back(Segment::Batch { start, end });
                self.live_batches += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes everything with writes of at most `chunk` bytes through `iov`
    /// arrays of `slots` entries.
    fn drain(enc: &mut Encoder, chunk: usize, slots: usize) -> Vec<u8> {
        let mut out = Vec::new();
        let mut spins = 0;
        while enc.has_transmit() {
            let mut iov = vec![IoSlice::new(&[]); slots];
            let n = enc.poll_transmit(&mut iov);
            let mut budget = chunk;
            let mut written = 0;
            for s in &iov[..n] {
                let take = s.len().min(budget);
                out.extend_from_slice(&s[..take]);
                budget -= take;
                written += take;
            }
            enc.advance(written);
            spins += 1;
            assert!(spins < 1_000_000);
        }
        out
    }

    #[test]
    fn frames_and_boundaries() {
        let mut enc = Encoder::default();
        enc.push(Msg::from_static(b"Hello"));
        enc.push(Msg::new().with_more(true));
        enc.push(Msg::from_static(b"Hi"));
        enc.push(Msg::from(vec![0xAB; 300]));
        let out = drain(&mut enc, usize::MAX, 8);
        let mut want = b"\x00\x05Hello\x01\x00\x00\x02Hi".to_vec();
        want.extend_from_slice(&[0x02, 0, 0, 0, 0, 0, 0, 0x01, 0x2C]);
        want.extend_from_slice(&[0xAB; 300]);
        assert_eq!(out, want);
        assert!(enc.is_empty());
    }

    #[test]
    fn large_bodies_are_referenced_not_copied() {
        let mut enc = Encoder::new(EncoderConfig {
            copy_threshold: 100,
            batch_size: 8192,
        });
        let small = Msg::from(vec![1u8; 100]);
        let big = Msg::from(vec![2u8; 101]);
        let big_ptr = big.as_ptr();
        enc.push(small);
        enc.push(big);
        enc.push(Msg::from_static(b"x"));
        let mut iov = [IoSlice::new(&[]); 8];
        let n = enc.poll_transmit(&mut iov);
        let lens: Vec<usize> = iov[..n].iter().map(|s| s.len()).collect();
        assert_eq!(lens, [2 + 100 + 2, 101, 3]);
        assert_eq!(iov[1].as_ptr(), big_ptr);
        assert_eq!(enc.encoded_len(), 104 + 101 + 3);
    }

    #[test]
    fn partial_writes_resume_at_the_exact_byte() {
        for chunk in [1, 2, 3, 7, 64, 1000] {
            for slots in [1, 2, 3, 16] {
                let mut enc = Encoder::new(EncoderConfig {
                    copy_threshold: 4,
                    batch_size: 16,
                });
                let mut want = Vec::new();
                for i in 0..20u8 {
                    let body = vec![i; usize::from(i) * 3];
                    want.push(u8::from(i % 3 == 0));
                    want.push(body.len() as u8);
                    want.extend_from_slice(&body);
                    enc.push(Msg::from(body).with_more(i % 3 == 0));
                }
                assert_eq!(
                    drain(&mut enc, chunk, slots),
                    want,
                    "chunk {chunk} slots {slots}"
                );
            }
        }
    }

    #[test]
    fn controls_wait_for_the_end_of_a_message() {
        let mut enc = Encoder::default();
        enc.push(Msg::from_static(b"a").with_more(true));
        let mut ping = Msg::from_static(b"\x04PING\x00\x00");
        ping.set_command(true);
        enc.push(ping.clone());
        enc.push_control(Msg::from_static(b"\x01A"));
        assert!(enc.is_mid_message());
        let partial = drain(&mut enc, usize::MAX, 4);
        assert_eq!(partial, b"\x01\x01a");
        assert!(!enc.is_empty(), "the deferred controls are still waiting");
        enc.push(Msg::from_static(b"b"));
        let rest = drain(&mut enc, usize::MAX, 4);
        assert_eq!(rest, b"\x00\x01b\x04\x07\x04PING\x00\x00\x00\x02\x01A");
        // Between messages a control goes straight out.
        enc.push(ping);
        assert_eq!(drain(&mut enc, usize::MAX, 4), b"\x04\x07\x04PING\x00\x00");
    }

    #[test]
    fn batch_is_bounded_and_reused() {
        let mut enc = Encoder::new(EncoderConfig {
            copy_threshold: 1024,
            batch_size: 4096,
        });
        for _ in 0..1000 {
            enc.push(Msg::from(vec![9u8; 100]));
        }
        let mut iov = [IoSlice::new(&[]); 64];
        let n = enc.poll_transmit(&mut iov);
        let offered: usize = iov[..n].iter().map(|s| s.len()).sum();
        assert!((4096..4096 + 102).contains(&offered), "{offered}");
        enc.advance(offered);
        let cap = enc.batch.capacity();
        let out = drain(&mut enc, usize::MAX, 64);
        assert_eq!(out.len() + offered, 1000 * 102);
        assert_eq!(
            enc.batch.capacity(),
            cap,
            "the batch is reused, not regrown"
        );
        assert!(enc.batch.is_empty());
    }

    #[test]
    fn sealed_frames_go_through_the_batch_which_shrinks_after_a_large_one() {
        let secret = crate::mechanism::curve::random_secret();
        let peer = crate::mechanism::curve::random_secret();
        let session = crate::mechanism::curve::Session {
            peer: *peer.public_key().as_bytes(),
            ours: secret,
        };
        let (tx, _) = session.split(b"CurveZMQMESSAGEC", 3, b"CurveZMQMESSAGES", 1);
        let mut enc = Encoder::new(EncoderConfig {
            copy_threshold: 512,
            batch_size: 8192,
        });
        // Queued before the seal: goes out in clear.
        let mut ready = Msg::from_static(b"\x05READY");
        ready.set_command(true);
        enc.push_control(ready);
        enc.set_seal(tx);
        let big = Msg::from(vec![1u8; 100_000]);
        enc.push(big);
        let out = drain(&mut enc, usize::MAX, 8);
        assert_eq!(&out[..8], b"\x04\x06\x05READY");
        // A long data frame of 33 + 100 000 bytes holding a MESSAGE.
        assert_eq!(out[8], 0x02);
        assert_eq!(&out[9..17], &(33u64 + 100_000).to_be_bytes());
        assert_eq!(&out[17..25], b"\x07MESSAGE");
        assert_eq!(out.len(), 8 + 9 + 33 + 100_000);
        assert!(enc.batch.capacity() <= 2 * 8192, "{}", enc.batch.capacity());
    }

    #[test]
    #[should_panic(expected = "more than were offered")]
    fn advance_past_the_end_panics() {
        let mut enc = Encoder::default();
        enc.push(Msg::from_static(b"a"));
        enc.advance(4);
    }
}
