//! CURVE keys (RFC 26 §Key Pairs): [`CurveKey`], 32 bytes of an X25519
//! public or secret key, written as 40 Z85 characters (RFC 32) the way
//! libzmq's key options and `zmq_curve_keypair` print them, and
//! [`CurveKeyPair`].
//!
//! One type holds both public and secret keys, as libzmq's options do, so
//! every key is treated as secret: `Debug` prints no key material, the bytes
//! are zeroed on drop (`zeroize`) and equality is constant-time (`subtle`).
//! Only [`CurveKeyPair`]'s `Debug` shows its public half.

use core::fmt;

use crypto_box::SecretKey;
use rand_core::{OsRng, RngCore};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::z85::{Z85Error, z85_decode, z85_encode};

/// The length of a CURVE key in bytes.
pub const CURVE_KEY_LEN: usize = 32;

/// The length of a CURVE key in Z85 characters.
pub const CURVE_KEY_Z85_LEN: usize = 40;

/// A 32-byte CURVE key, public or secret (see the module docs for how it is
/// kept).
///
/// # Examples
///
/// The example server key pair of libzmq's `zmq_curve` manual:
///
/// ```
/// use ferrozmq_wire::CurveKey;
///
/// let secret = CurveKey::from_z85("JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6")?;
/// let public = secret.public_key();
/// assert_eq!(public.to_z85(), "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
/// assert_eq!(format!("{secret:?}"), "CurveKey(..)");
/// # Ok::<(), ferrozmq_wire::KeyError>(())
/// ```
#[derive(Clone)]
pub struct CurveKey([u8; CURVE_KEY_LEN]);

impl CurveKey {
    /// The key whose bytes are `bytes`.
    pub fn from_bytes(bytes: [u8; CURVE_KEY_LEN]) -> Self {
        Self(bytes)
    }

    /// Parses the 40-character Z85 form (libzmq's `ZMQ_CURVE_*KEY` options
    /// accept it too).
    ///
    /// # Errors
    ///
    /// [`KeyError::Length`] when `text` is not 40 characters long,
    /// [`KeyError::Z85`] when it is not valid Z85.
    pub fn from_z85(text: &str) -> Result<Self, KeyError> {
        if text.len() != CURVE_KEY_Z85_LEN {
            return Err(KeyError::Length { len: text.len() });
        }
        let mut bytes = z85_decode(text).map_err(KeyError::Z85)?;
        let mut key = [0u8; CURVE_KEY_LEN];
        key.copy_from_slice(&bytes);
        bytes.zeroize();
        Ok(Self(key))
    }

    /// The 40-character Z85 form.
    pub fn to_z85(&self) -> String {
        // 32 is a multiple of 4: encoding cannot fail.
        z85_encode(&self.0).unwrap_or_default()
    }

    /// The key's bytes.
    pub fn as_bytes(&self) -> &[u8; CURVE_KEY_LEN] {
        &self.0
    }

    /// Treating `self` as a secret key, its public key (libzmq
    /// `zmq_curve_public`): the X25519 base-point multiplication.
    pub fn public_key(&self) -> CurveKey {
        CurveKey(*crate::mechanism::curve::public_key(&self.secret()).as_bytes())
    }

    pub(crate) fn secret(&self) -> SecretKey {
        SecretKey::from(self.0)
    }
}

impl Drop for CurveKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl PartialEq for CurveKey {
    /// Constant-time: the time taken does not depend on where the keys differ.
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for CurveKey {}

impl fmt::Debug for CurveKey {
    /// Prints no key material: the key may be secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CurveKey(..)")
    }
}

/// A CURVE key pair (libzmq `zmq_curve_keypair`).
///
/// # Examples
///
/// ```
/// use ferrozmq_wire::CurveKeyPair;
///
/// let pair = CurveKeyPair::generate();
/// assert_eq!(pair.secret.public_key(), pair.public);
/// assert!(format!("{pair:?}").contains(&pair.public.to_z85()));
/// assert!(!format!("{pair:?}").contains(&pair.secret.to_z85()));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CurveKeyPair {
    /// The public key, given to peers.
    pub public: CurveKey,
    /// The secret key, never sent.
    pub secret: CurveKey,
}

impl CurveKeyPair {
    /// A new key pair from the operating system's random generator.
    pub fn generate() -> Self {
        let mut bytes = [0u8; CURVE_KEY_LEN];
        OsRng.fill_bytes(&mut bytes);
        let secret = SecretKey::from(bytes);
        bytes.zeroize();
        let pair = Self {
            public: CurveKey(*secret.public_key().as_bytes()),
            secret: CurveKey(secret.to_bytes()),
        };
        drop(secret);
        pair
    }

    /// The pair whose secret key is `secret`, its public key derived.
    pub fn from_secret(secret: CurveKey) -> Self {
        Self {
            public: secret.public_key(),
            secret,
        }
    }
}

impl fmt::Debug for CurveKeyPair {
    /// Prints the public key in Z85, never the secret one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CurveKeyPair")
            .field("public", &self.public.to_z85())
            .field("secret", &format_args!(".."))
            .finish()
    }
}

/// A CURVE key that cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The text is not 40 characters long.
    Length {
        /// Its length in bytes.
        len: usize,
    },
    /// The text is not valid Z85.
    Z85(Z85Error),
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Length { len } => write!(
                f,
                "CURVE key of {len} characters, Z85 keys have {CURVE_KEY_Z85_LEN}"
            ),
            KeyError::Z85(e) => write!(f, "CURVE key: {e}"),
        }
    }
}

impl std::error::Error for KeyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            KeyError::Z85(e) => Some(e),
            KeyError::Length { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libzmq_manual_pairs_derive_their_public_keys() {
        for (public, secret) in [
            (
                "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID",
                "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs",
            ),
            (
                "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7",
                "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6",
            ),
        ] {
            let secret = CurveKey::from_z85(secret).unwrap();
            let public = CurveKey::from_z85(public).unwrap();
            assert_eq!(secret.public_key(), public);
            assert_eq!(CurveKeyPair::from_secret(secret.clone()).public, public);
            assert_eq!(CurveKey::from_bytes(*public.as_bytes()), public);
        }
    }

    #[test]
    fn generated_pairs_differ_and_are_consistent() {
        let a = CurveKeyPair::generate();
        let b = CurveKeyPair::generate();
        assert_ne!(a.secret, b.secret);
        assert_eq!(a.secret.public_key(), a.public);
        assert_eq!(CurveKey::from_z85(&a.public.to_z85()).unwrap(), a.public);
    }

    #[test]
    fn debug_shows_no_secret() {
        let pair = CurveKeyPair::generate();
        let text = format!("{:?} {:?}", pair, pair.secret);
        assert!(!text.contains(&pair.secret.to_z85()));
        assert!(text.contains(&pair.public.to_z85()));
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            CurveKey::from_z85("HelloWorld"),
            Err(KeyError::Length { len: 10 })
        );
        let bad = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hI\"";
        assert!(matches!(
            CurveKey::from_z85(bad),
            Err(KeyError::Z85(Z85Error::InvalidChar { offset: 39, .. }))
        ));
    }
}
