//! The security settings of a socket ([`Security`]): which mechanism its
//! next binds and connects use, in which role, with which credentials, and
//! its ZAP domain (RFC 27). They follow libzmq's `options_t::setsockopt`
//! rules, where the last option set decides the mechanism:
//!
//! - `ZMQ_PLAIN_SERVER` sets the role and switches to PLAIN (`true`) or
//!   NULL (`false`); `ZMQ_PLAIN_USERNAME`/`ZMQ_PLAIN_PASSWORD` store the
//!   credential, make the socket a PLAIN client, and an empty value switches
//!   back to NULL (libzmq's NULL-pointer reset).
//! - `ZMQ_CURVE_SERVER` sets the role and switches to CURVE (`true`) or
//!   NULL (`false`); each `ZMQ_CURVE_*KEY` switches to CURVE, and
//!   `ZMQ_CURVE_SERVERKEY` also makes the socket a client.
//!
//! [`Security::wire_mechanism`] turns them into the wire layer's
//! [`Mechanism`], refusing a CURVE configuration without its keys. This file
//! knows nothing of ZAP requests themselves (see `zap.rs`).

use ferrozmq_wire::{CurveKey, Mechanism, Password};

use super::OptionError;

/// The longest PLAIN username, password or ZAP domain libzmq accepts: RFC
/// 24 §The HELLO Command and RFC 27 carry them behind one length byte.
pub(crate) const MAX_CREDENTIAL_LEN: usize = 255;

/// The security mechanism a socket's new connections use (libzmq's
/// `ZMQ_MECHANISM`), as [`Options::mechanism`](super::Options::mechanism)
/// reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SecurityMechanism {
    /// NULL (RFC 37 §The NULL Security Mechanism): no security.
    Null,
    /// PLAIN (RFC 24): a clear-text username and password.
    Plain,
    /// CURVE (RFC 25, RFC 26): CurveZMQ encryption and authentication.
    Curve,
}

/// Why a socket's security settings cannot make a connection: a bind or a
/// connect refuses them with this, before any connection is tried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecurityError {
    /// CURVE is on but a key it needs was never set: a server needs
    /// `ZMQ_CURVE_SECRETKEY`; a client needs `ZMQ_CURVE_PUBLICKEY`,
    /// `ZMQ_CURVE_SECRETKEY` and `ZMQ_CURVE_SERVERKEY`.
    #[error("CURVE needs {option}, which is not set")]
    MissingCurveKey {
        /// The libzmq name of the missing key option.
        option: &'static str,
    },
    /// The CURVE client's `ZMQ_CURVE_PUBLICKEY` is not the public key of
    /// its `ZMQ_CURVE_SECRETKEY`: every server would refuse its vouch.
    #[error("ZMQ_CURVE_PUBLICKEY is not the public key of ZMQ_CURVE_SECRETKEY")]
    CurveKeyMismatch,
}

impl SecurityError {
    /// The libzmq errno name: `EINVAL`.
    pub fn errno_name(&self) -> &'static str {
        "EINVAL"
    }
}

/// A socket's security settings (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Security {
    pub(crate) mechanism: SecurityMechanism,
    pub(crate) as_server: bool,
    pub(crate) plain_username: String,
    /// Zeroed on drop, never printed.
    pub(crate) plain_password: Password,
    pub(crate) curve_public_key: Option<CurveKey>,
    pub(crate) curve_secret_key: Option<CurveKey>,
    pub(crate) curve_server_key: Option<CurveKey>,
    pub(crate) zap_domain: String,
    pub(crate) zap_enforce_domain: bool,
}

impl Default for Security {
    /// libzmq's defaults: NULL, client role, nothing set.
    fn default() -> Self {
        Self {
            mechanism: SecurityMechanism::Null,
            as_server: false,
            plain_username: String::new(),
            plain_password: Password::new(Vec::new()),
            curve_public_key: None,
            curve_secret_key: None,
            curve_server_key: None,
            zap_domain: String::new(),
            zap_enforce_domain: false,
        }
    }
}

/// Refuses a string over 255 bytes.
pub(crate) fn check_len(option: &'static str, value: &str) -> Result<(), OptionError> {
    if value.len() > MAX_CREDENTIAL_LEN {
        return Err(OptionError::ValueOutOfRange {
            option,
            value: value.len() as u64,
            max: MAX_CREDENTIAL_LEN as u64,
        });
    }
    Ok(())
}

#[cfg_attr(loom, allow(dead_code, reason = "the socket is not built under loom"))]
impl Security {
    /// `ZMQ_PLAIN_SERVER` / `ZMQ_CURVE_SERVER`.
    pub(crate) fn set_server(&mut self, mechanism: SecurityMechanism, on: bool) {
        self.as_server = on;
        self.mechanism = if on {
            mechanism
        } else {
            SecurityMechanism::Null
        };
    }

    /// `ZMQ_PLAIN_USERNAME` / `ZMQ_PLAIN_PASSWORD`, already length-checked:
    /// a value makes the socket a PLAIN client, an empty one resets to NULL.
    pub(crate) fn set_plain(&mut self, username: Option<String>, password: Option<String>) {
        let empty = username.as_deref().or(password.as_deref()) == Some("");
        if empty {
            self.mechanism = SecurityMechanism::Null;
            return;
        }
        if let Some(u) = username {
            self.plain_username = u;
        }
        if let Some(p) = password {
            self.plain_password = Password::new(p.into_bytes());
        }
        self.as_server = false;
        self.mechanism = SecurityMechanism::Plain;
    }

    /// Whether this socket is the server of a PLAIN or CURVE handshake.
    pub(crate) fn is_server(&self) -> bool {
        self.as_server && self.mechanism != SecurityMechanism::Null
    }

    /// Whether a new connection asks the ZAP handler, as libzmq's
    /// mechanisms decide: PLAIN servers always; CURVE servers unless
    /// `ZMQ_ZAP_ENFORCE_DOMAIN` is set without a domain (libzmq
    /// `curve_server_t::process_initiate`); NULL only with a domain
    /// (`mechanism_base_t::zap_required`).
    pub(crate) fn uses_zap(&self) -> bool {
        match self.mechanism {
            SecurityMechanism::Plain => self.as_server,
            SecurityMechanism::Curve => {
                self.as_server && (!self.zap_domain.is_empty() || !self.zap_enforce_domain)
            }
            SecurityMechanism::Null => !self.zap_domain.is_empty(),
        }
    }

    /// Whether a handshake that would ask ZAP fails when no handler is
    /// bound: always for PLAIN (libzmq `plain_server_t::process_hello`),
    /// and for CURVE and NULL only with `ZMQ_ZAP_ENFORCE_DOMAIN`.
    pub(crate) fn zap_handler_required(&self) -> bool {
        match self.mechanism {
            SecurityMechanism::Plain => true,
            SecurityMechanism::Curve | SecurityMechanism::Null => self.zap_enforce_domain,
        }
    }

    /// The wire layer's mechanism for a new connection.
    ///
    /// # Errors
    ///
    /// [`SecurityError`] when CURVE lacks a key or the client's keys do not
    /// match.
    pub(crate) fn wire_mechanism(&self) -> Result<Mechanism, SecurityError> {
        let key = |k: &Option<CurveKey>, option| {
            k.clone().ok_or(SecurityError::MissingCurveKey { option })
        };
        Ok(match (self.mechanism, self.as_server) {
            (SecurityMechanism::Null, _) => Mechanism::Null,
            (SecurityMechanism::Plain, true) => Mechanism::PlainServer,
            (SecurityMechanism::Plain, false) => Mechanism::PlainClient {
                username: self.plain_username.clone().into_bytes(),
                password: self.plain_password.clone(),
            },
            (SecurityMechanism::Curve, true) => Mechanism::CurveServer {
                secret: key(&self.curve_secret_key, "ZMQ_CURVE_SECRETKEY")?,
            },
            (SecurityMechanism::Curve, false) => {
                let public = key(&self.curve_public_key, "ZMQ_CURVE_PUBLICKEY")?;
                let secret = key(&self.curve_secret_key, "ZMQ_CURVE_SECRETKEY")?;
                let server_key = key(&self.curve_server_key, "ZMQ_CURVE_SERVERKEY")?;
                if secret.public_key() != public {
                    return Err(SecurityError::CurveKeyMismatch);
                }
                Mechanism::CurveClient {
                    public,
                    secret,
                    server_key,
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrozmq_wire::CurveKeyPair;

    #[test]
    fn the_last_option_set_picks_the_mechanism() {
        let mut s = Security::default();
        s.set_plain(Some("admin".into()), None);
        assert_eq!(
            (s.mechanism, s.as_server),
            (SecurityMechanism::Plain, false)
        );
        s.set_server(SecurityMechanism::Curve, true);
        assert_eq!((s.mechanism, s.as_server), (SecurityMechanism::Curve, true));
        s.set_server(SecurityMechanism::Curve, false);
        assert_eq!((s.mechanism, s.as_server), (SecurityMechanism::Null, false));
        s.set_server(SecurityMechanism::Plain, true);
        assert!(s.is_server());
        s.set_plain(None, Some(String::new()));
        assert_eq!(s.mechanism, SecurityMechanism::Null);
        assert_eq!(s.plain_username, "admin");
    }

    #[test]
    fn zap_follows_libzmq() {
        let mut s = Security::default();
        assert!(!s.uses_zap());
        s.zap_domain = "global".into();
        assert!(s.uses_zap() && !s.zap_handler_required());
        s.set_server(SecurityMechanism::Plain, true);
        assert!(s.uses_zap() && s.zap_handler_required());
        s.set_server(SecurityMechanism::Curve, true);
        assert!(s.uses_zap() && !s.zap_handler_required());
        s.zap_enforce_domain = true;
        assert!(s.uses_zap() && s.zap_handler_required());
        s.zap_domain.clear();
        // CURVE, enforce, no domain: the Stonehouse pattern, no ZAP at all.
        assert!(!s.uses_zap());
    }

    #[test]
    fn curve_clients_need_three_matching_keys() {
        let pair = CurveKeyPair::generate();
        let server = CurveKeyPair::generate();
        let mut s = Security {
            mechanism: SecurityMechanism::Curve,
            curve_public_key: Some(pair.public.clone()),
            ..Security::default()
        };
        assert_eq!(
            s.wire_mechanism(),
            Err(SecurityError::MissingCurveKey {
                option: "ZMQ_CURVE_SECRETKEY"
            })
        );
        s.curve_secret_key = Some(pair.secret.clone());
        assert_eq!(
            s.wire_mechanism(),
            Err(SecurityError::MissingCurveKey {
                option: "ZMQ_CURVE_SERVERKEY"
            })
        );
        s.curve_server_key = Some(server.public.clone());
        assert!(matches!(
            s.wire_mechanism(),
            Ok(Mechanism::CurveClient { .. })
        ));
        s.curve_public_key = Some(server.public);
        assert_eq!(s.wire_mechanism(), Err(SecurityError::CurveKeyMismatch));
        s.set_server(SecurityMechanism::Curve, true);
        assert!(matches!(
            s.wire_mechanism(),
            Ok(Mechanism::CurveServer { .. })
        ));
    }
}
