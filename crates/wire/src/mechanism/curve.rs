//! What the CURVE client and server share (RFC 25 ZMTP-CURVE, RFC 26
//! CurveZMQ): command sizes, nonces, NaCl boxes in libsodium's "easy" wire
//! layout (16-byte Poly1305 tag, then the ciphertext), and the MESSAGE phase:
//! [`CurveTx`] seals each outgoing frame into a MESSAGE as the encoder writes
//! it, [`CurveRx`] checks and opens each incoming one.
//!
//! Byte layouts follow libzmq `curve_client_tools.hpp`, `curve_server.cpp`
//! and `curve_mechanism_base.cpp` (`curve_encoding_t`): MESSAGE goes out in
//! a data frame (flags `0x00`/`0x02`), its first plaintext byte carrying
//! MORE (`0x01`) and COMMAND (`0x02`); each side's short nonce counts from 1
//! across the handshake and the messages, and a received nonce must be
//! larger than the last one.

use core::fmt;

use crypto_box::aead::AeadInPlace;
use crypto_box::aead::generic_array::GenericArray;
use crypto_box::{PublicKey, SalsaBox, SecretKey};
use crypto_secretbox::{KeyInit, XSalsa20Poly1305};
use ferrozmq_msg::{INLINE_CAPACITY, Msg};
#[cfg(not(fuzzing))]
use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

use crate::error::MessageError;
use crate::frame::{MAX_HEADER_LEN, encode_frame_header};

/// A box's overhead: the Poly1305 tag.
pub(crate) const TAG_LEN: usize = 16;
/// HELLO's body, name included (RFC 26 §The HELLO Command).
pub(crate) const HELLO_LEN: usize = 200;
/// WELCOME's body.
pub(crate) const WELCOME_LEN: usize = 168;
/// INITIATE's smallest body (no metadata).
pub(crate) const INITIATE_MIN_LEN: usize = 257;
/// READY's smallest body (no metadata).
pub(crate) const READY_MIN_LEN: usize = 30;
/// `\x07MESSAGE`.
const MESSAGE_NAME: &[u8; 8] = b"\x07MESSAGE";
/// Name, short nonce, tag: what precedes the encrypted flags byte.
const MESSAGE_HEADER_LEN: usize = 8 + 8 + TAG_LEN;

/// A 24-byte nonce from a 16-byte prefix and a short (counter) nonce.
pub(crate) fn short_nonce(prefix: &[u8; 16], n: u64) -> [u8; 24] {
    let mut nonce = [0u8; 24];
    nonce[..16].copy_from_slice(prefix);
    nonce[16..].copy_from_slice(&n.to_be_bytes());
    nonce
}

/// A 24-byte nonce from an 8-byte prefix and 16 random bytes.
pub(crate) fn long_nonce(prefix: &[u8; 8], random: &[u8; 16]) -> [u8; 24] {
    let mut nonce = [0u8; 24];
    nonce[..8].copy_from_slice(prefix);
    nonce[8..].copy_from_slice(random);
    nonce
}

/// 16 bytes from the operating system's generator.
#[cfg(not(fuzzing))]
pub(crate) fn random16() -> [u8; 16] {
    let mut r = [0u8; 16];
    OsRng.fill_bytes(&mut r);
    r
}

/// A fresh secret key from the operating system's generator.
#[cfg(not(fuzzing))]
pub(crate) fn random_secret() -> SecretKey {
    let mut bytes = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(&mut *bytes);
    SecretKey::from(*bytes)
}

/// The box of `plaintext` from `ours` to `theirs`: tag, then ciphertext.
pub(crate) fn seal(cipher: &Cipher, nonce: &[u8; 24], plaintext: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; TAG_LEN + plaintext.len()];
    out[TAG_LEN..].copy_from_slice(plaintext);
    seal_in_place(cipher, nonce, &mut out);
    out
}

/// Encrypts `buf[16..]` in place and writes the tag into `buf[..16]`.
fn seal_in_place(cipher: &impl AeadInPlace, nonce: &[u8; 24], buf: &mut [u8]) {
    let (tag, body) = buf.split_at_mut(TAG_LEN);
    // Encryption fails only with associated data, which is never given.
    if let Ok(t) = cipher.encrypt_in_place_detached(GenericArray::from_slice(nonce), b"", body) {
        tag.copy_from_slice(&t);
    }
}

/// Opens a box (tag, then ciphertext); `None` when it does not open.
pub(crate) fn open(
    cipher: &impl AeadInPlace,
    nonce: &[u8; 24],
    boxed: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let (tag, body) = boxed.split_at_checked(TAG_LEN)?;
    let mut plain = Zeroizing::new(body.to_vec());
    cipher
        .decrypt_in_place_detached(
            GenericArray::from_slice(nonce),
            b"",
            &mut plain,
            GenericArray::from_slice(tag),
        )
        .ok()?;
    Some(plain)
}

/// The box of `plaintext` under the symmetric cookie key.
pub(crate) fn seal_cookie(key: &[u8; 32], nonce: &[u8; 24], plaintext: &[u8]) -> Vec<u8> {
    let cipher = XSalsa20Poly1305::new(GenericArray::from_slice(key));
    let mut out = vec![0u8; TAG_LEN + plaintext.len()];
    out[TAG_LEN..].copy_from_slice(plaintext);
    seal_in_place(&cipher, nonce, &mut out);
    out
}

/// Opens a cookie box.
pub(crate) fn open_cookie(
    key: &[u8; 32],
    nonce: &[u8; 24],
    boxed: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    open(
        &XSalsa20Poly1305::new(GenericArray::from_slice(key)),
        nonce,
        boxed,
    )
}

/// A precomputed box (a fuzzing build shares one between its users).
#[cfg(not(fuzzing))]
pub(crate) type Cipher = SalsaBox;

/// The precomputed box between our secret key and the peer's public key
/// (libzmq `crypto_box_beforenm`): one X25519 multiplication.
#[cfg(not(fuzzing))]
pub(crate) fn precompute(theirs: &[u8; 32], ours: &SecretKey) -> Cipher {
    SalsaBox::new(&PublicKey::from(*theirs), ours)
}

/// The public key of `secret` (libzmq `crypto_scalarmult_base`): one X25519
/// multiplication.
#[cfg(not(fuzzing))]
pub(crate) fn public_key(secret: &SecretKey) -> PublicKey {
    secret.public_key()
}

#[cfg(fuzzing)]
pub use fuzzing::reset_rng;
#[cfg(fuzzing)]
pub(crate) use fuzzing::{Cipher, precompute, public_key, random_secret, random16};

/// Fuzzing builds only: `--cfg fuzzing`, which cargo-fuzz passes and no
/// ordinary build does. UNSAFE FOR PRODUCTION, as BoringSSL's
/// `FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION` is; it replaces the four
/// functions above and nothing else.
///
/// - Randomness is deterministic: transient keys, cookie keys and the random
///   halves of long nonces come from a SplitMix64 stream that [`reset_rng`]
///   rewinds. The CURVE fuzz targets rewind it at the start of every input,
///   so an input replays byte for byte and a crash reproduces.
/// - The X25519 results, [`precompute`] and [`public_key`], are memoised per
///   thread in a small table (the most recently used [`MEMO_ENTRIES`])
///   keyed by the input key bytes. Every value in it is the real result of
///   the production computation for exactly those bytes, made the first
///   time they are seen and then reused; with the randomness fixed, the
///   same few keys recur in every input, so the scalar multiplications
///   (about twenty a handshake, most of a fuzz iteration) run once per
///   process. A tampered key is simply another entry, computed for real.
///
/// Sealing and opening are untouched: every box is still encrypted and its
/// Poly1305 tag checked on every call, so a tampered box is refused exactly
/// as in production.
#[cfg(fuzzing)]
mod fuzzing {
    use std::cell::{Cell, RefCell};

    use crypto_box::aead::{AeadCore, AeadInPlace, Error, Nonce, Tag};

    use super::{PublicKey, SalsaBox, SecretKey, Zeroizing};
    use crate::sync::Arc;

    /// How many results each memo table keeps.
    pub(super) const MEMO_ENTRIES: usize = 32;

    /// The most recently used `(key, value)` pairs, newest first.
    struct Memo<K, V>(Vec<(K, V)>);

    impl<K: PartialEq, V: Clone> Memo<K, V> {
        fn get_or(&mut self, key: K, compute: impl FnOnce() -> V) -> V {
            match self.0.iter().position(|(k, _)| *k == key) {
                Some(i) => {
                    let hit = self.0.remove(i);
                    self.0.insert(0, hit);
                }
                None => {
                    self.0.insert(0, (key, compute()));
                    self.0.truncate(MEMO_ENTRIES);
                }
            }
            self.0[0].1.clone()
        }
    }

    /// A memoised box, shared (`SalsaBox` is not `Clone`); it seals and
    /// opens exactly as the box it holds.
    #[derive(Clone)]
    pub(crate) struct Cipher(Arc<SalsaBox>);

    impl AeadCore for Cipher {
        type NonceSize = <SalsaBox as AeadCore>::NonceSize;
        type TagSize = <SalsaBox as AeadCore>::TagSize;
        type CiphertextOverhead = <SalsaBox as AeadCore>::CiphertextOverhead;
    }

    impl AeadInPlace for Cipher {
        fn encrypt_in_place_detached(
            &self,
            nonce: &Nonce<Self>,
            associated_data: &[u8],
            buffer: &mut [u8],
        ) -> Result<Tag<Self>, Error> {
            self.0
                .encrypt_in_place_detached(nonce, associated_data, buffer)
        }

        fn decrypt_in_place_detached(
            &self,
            nonce: &Nonce<Self>,
            associated_data: &[u8],
            buffer: &mut [u8],
            tag: &Tag<Self>,
        ) -> Result<(), Error> {
            self.0
                .decrypt_in_place_detached(nonce, associated_data, buffer, tag)
        }
    }

    std::thread_local! {
        static STREAM: Cell<u64> = const { Cell::new(0) };
        static BOXES: RefCell<Memo<[u8; 64], Cipher>> = const { RefCell::new(Memo(Vec::new())) };
        static PUBLICS: RefCell<Memo<[u8; 32], PublicKey>> = const { RefCell::new(Memo(Vec::new())) };
    }

    /// Rewinds this thread's random stream to its fixed seed.
    pub fn reset_rng() {
        STREAM.with(|s| s.set(0));
    }

    /// The next bytes of the stream (SplitMix64: a counter, then a mixer).
    fn fill(buf: &mut [u8]) {
        STREAM.with(|s| {
            for chunk in buf.chunks_mut(8) {
                let state = s.get().wrapping_add(0x9E37_79B9_7F4A_7C15);
                s.set(state);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                chunk.copy_from_slice(&z.to_le_bytes()[..chunk.len()]);
            }
        });
    }

    pub(crate) fn random16() -> [u8; 16] {
        let mut r = [0u8; 16];
        fill(&mut r);
        r
    }

    pub(crate) fn random_secret() -> SecretKey {
        let mut bytes = Zeroizing::new([0u8; 32]);
        fill(&mut *bytes);
        SecretKey::from(*bytes)
    }

    pub(crate) fn precompute(theirs: &[u8; 32], ours: &SecretKey) -> Cipher {
        let mut key = [0u8; 64];
        key[..32].copy_from_slice(theirs);
        key[32..].copy_from_slice(&ours.to_bytes());
        BOXES.with(|m| {
            m.borrow_mut().get_or(key, || {
                Cipher(Arc::new(SalsaBox::new(&PublicKey::from(*theirs), ours)))
            })
        })
    }

    pub(crate) fn public_key(secret: &SecretKey) -> PublicKey {
        PUBLICS.with(|m| {
            m.borrow_mut()
                .get_or(secret.to_bytes(), || secret.public_key())
        })
    }
}

/// The transient keys of an established handshake: the peer's public key
/// and our secret key, from which each direction's box is made.
#[derive(Clone)]
pub(crate) struct Session {
    pub(crate) peer: [u8; 32],
    pub(crate) ours: SecretKey,
}

impl Session {
    /// The precomputed box of this session.
    pub(crate) fn cipher(&self) -> Cipher {
        precompute(&self.peer, &self.ours)
    }

    /// The MESSAGE-phase halves: sending with `tx_prefix` from short nonce
    /// `next`, receiving with `rx_prefix` after the peer's nonce `last`.
    pub(crate) fn split(
        &self,
        tx_prefix: &'static [u8; 16],
        next: u64,
        rx_prefix: &'static [u8; 16],
        last: u64,
    ) -> (CurveTx, CurveRx) {
        (
            CurveTx::new(self.cipher(), tx_prefix, next),
            CurveRx::new(self.cipher(), rx_prefix, last),
        )
    }
}

/// The sending half of a CURVE connection's MESSAGE phase.
pub(crate) struct CurveTx {
    cipher: Cipher,
    prefix: &'static [u8; 16],
    next: u64,
}

impl CurveTx {
    pub(crate) fn new(cipher: Cipher, prefix: &'static [u8; 16], next: u64) -> Self {
        Self {
            cipher,
            prefix,
            next,
        }
    }

    /// Appends `frame` to `out` as one MESSAGE in a data frame: the frame
    /// header, `\x07MESSAGE`, the short nonce, the tag, then flags and body
    /// encrypted in place (one copy of the body, one pass of the cipher).
    ///
    /// # Panics
    ///
    /// After 2^64 - 1 messages, rather than reuse a nonce (at a billion
    /// messages a second that is 580 years).
    pub(crate) fn seal_into(&mut self, frame: &Msg, out: &mut Vec<u8>) {
        let n = self.next;
        self.next = n.checked_add(1).expect("CURVE short nonces exhausted");
        let len = MESSAGE_HEADER_LEN + 1 + frame.len();
        let mut header = [0u8; MAX_HEADER_LEN];
        // libzmq sends MESSAGE in a data frame without MORE; the inner flags
        // carry MORE and COMMAND.
        let h = encode_frame_header(false, false, len as u64, &mut header);
        out.reserve(h + len);
        out.extend_from_slice(&header[..h]);
        out.extend_from_slice(MESSAGE_NAME);
        out.extend_from_slice(&n.to_be_bytes());
        let tag_at = out.len();
        out.extend_from_slice(&[0u8; TAG_LEN]);
        out.push(u8::from(frame.more()) | (u8::from(frame.is_command()) << 1));
        out.extend_from_slice(frame);
        seal_in_place(
            &self.cipher,
            &short_nonce(self.prefix, n),
            &mut out[tag_at..],
        );
    }
}

impl fmt::Debug for CurveTx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurveTx")
            .field("next_nonce", &self.next)
            .finish_non_exhaustive()
    }
}

/// The receiving half of a CURVE connection's MESSAGE phase.
pub(crate) struct CurveRx {
    cipher: Cipher,
    prefix: &'static [u8; 16],
    last: u64,
}

impl CurveRx {
    pub(crate) fn new(cipher: Cipher, prefix: &'static [u8; 16], last: u64) -> Self {
        Self {
            cipher,
            prefix,
            last,
        }
    }

    /// Checks and opens one MESSAGE; `mid_message` says whether the
    /// previous frame had MORE set. The frame comes back with the inner
    /// MORE and COMMAND flags.
    ///
    /// The body is decrypted where the decoder put it (the receiving
    /// socket's allocator block) and the MESSAGE header stripped without a
    /// copy: a CURVE feed lands in that block once, like a NULL one. A
    /// payload small enough to sit inline is moved into the handle so the
    /// block goes back at once.
    pub(crate) fn open(&mut self, mut frame: Msg, mid_message: bool) -> Result<Msg, MessageError> {
        let body: &[u8] = &frame;
        if !body.starts_with(MESSAGE_NAME) {
            return Err(MessageError::NotMessage);
        }
        if body.len() < MESSAGE_HEADER_LEN + 1 {
            return Err(MessageError::TooShort { len: body.len() });
        }
        let mut n = [0u8; 8];
        n.copy_from_slice(&body[8..16]);
        let nonce = u64::from_be_bytes(n);
        if nonce <= self.last {
            return Err(MessageError::NonceNotIncreasing {
                nonce,
                last: self.last,
            });
        }
        if frame.get_mut().is_none() {
            // Bytes we may not write (static, a caller's own buffer, or
            // shared): never a frame from the decoder. One copy.
            frame = Msg::copy_from_slice(&frame);
        }
        let Some(body) = frame.get_mut() else {
            return Err(MessageError::Forged { nonce });
        };
        let (header, sealed) = body.split_at_mut(MESSAGE_HEADER_LEN);
        let opened = self.cipher.decrypt_in_place_detached(
            GenericArray::from_slice(&short_nonce(self.prefix, nonce)),
            b"",
            sealed,
            GenericArray::from_slice(&header[16..]),
        );
        if opened.is_err() {
            return Err(MessageError::Forged { nonce });
        }
        self.last = nonce;
        let flags = sealed[0];
        let (more, command) = (flags & 0x01 != 0, flags & 0x02 != 0);
        if command && (more || mid_message) {
            return Err(MessageError::CommandInsideMessage);
        }
        frame.advance(MESSAGE_HEADER_LEN + 1);
        let mut msg = if frame.len() <= INLINE_CAPACITY {
            Msg::copy_from_slice(&frame)
        } else {
            frame
        };
        msg.set_more(more);
        msg.set_command(command);
        Ok(msg)
    }
}

impl fmt::Debug for CurveRx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurveRx")
            .field("last_nonce", &self.last)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (Cipher, Cipher) {
        let a = random_secret();
        let b = random_secret();
        (
            precompute(b.public_key().as_bytes(), &a),
            precompute(a.public_key().as_bytes(), &b),
        )
    }

    #[test]
    fn boxes_are_tag_then_ciphertext_and_open_on_the_other_side() {
        let (ab, ba) = pair();
        let nonce = short_nonce(b"CurveZMQHELLO---", 1);
        let boxed = seal(&ab, &nonce, &[0u8; 64]);
        assert_eq!(boxed.len(), 80);
        assert_eq!(&open(&ba, &nonce, &boxed).unwrap()[..], &[0u8; 64]);
        let mut bad = boxed.clone();
        bad[0] ^= 1;
        assert!(open(&ba, &nonce, &bad).is_none());
        assert!(open(&ba, &short_nonce(b"CurveZMQHELLO---", 2), &boxed).is_none());
        assert!(open(&ba, &nonce, &boxed[..10]).is_none());
    }

    #[test]
    fn messages_seal_and_open_with_flags_and_nonces() {
        let (ab, ba) = pair();
        let mut tx = CurveTx::new(ab, b"CurveZMQMESSAGEC", 3);
        let mut rx = CurveRx::new(ba, b"CurveZMQMESSAGEC", 2);
        let mut out = Vec::new();
        tx.seal_into(&Msg::from_static(b"hi").with_more(true), &mut out);
        // Short data frame of 8 + 8 + 16 + 1 + 2 bytes.
        assert_eq!(&out[..2], &[0x00, 35]);
        assert_eq!(&out[2..10], b"\x07MESSAGE");
        assert_eq!(&out[10..18], &3u64.to_be_bytes());
        let frame = Msg::copy_from_slice(&out[2..]);
        let m = rx.open(frame.clone(), false).unwrap();
        assert_eq!(
            (&m[..], m.more(), m.is_command()),
            (&b"hi"[..], true, false)
        );
        assert_eq!(
            rx.open(frame, false),
            Err(MessageError::NonceNotIncreasing { nonce: 3, last: 3 })
        );
    }
}
