//! [`Command`]: the body of a command frame (RFC 37 §Formal Grammar,
//! §Commands), parsed without copying and encoded into a [`Msg`] with the
//! command flag set.
//!
//! A command body is a name length (1 byte), the name, then data up to the end
//! of the frame. This module knows the layouts of READY, ERROR, SUBSCRIBE,
//! CANCEL, PING and PONG; mechanism-specific commands (HELLO, WELCOME,
//! INITIATE, MESSAGE) and unknown ones come out as [`Command::Other`]. It does
//! not decide what a command means in a given phase; the mechanism and the
//! connection do.

use core::time::Duration;

use ferrozmq_msg::{Msg, MsgMut};

use crate::ZmtpVersion;
use crate::error::CommandError;
use crate::metadata::Metadata;

/// The longest PING context a PONG echoes (RFC 37 §Connection Heartbeating:
/// "MUST not exceed 16 octets"); longer ones are truncated, as libzmq does.
pub const MAX_PING_CONTEXT: usize = 16;

/// A parsed command body, borrowing the frame it came from.
///
/// # Examples
///
/// ```
/// use ferrozmq_wire::Command;
///
/// let cmd = Command::parse(b"\x09SUBSCRIBEA")?;
/// assert_eq!(cmd, Command::Subscribe { topic: b"A" });
/// let msg = cmd.to_msg();
/// assert!(msg.is_command());
/// assert_eq!(&msg[..], b"\x09SUBSCRIBEA");
/// # Ok::<(), ferrozmq_wire::CommandError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Command<'a> {
    /// `READY` + metadata (NULL's only command; PLAIN's and CURVE's last).
    /// The property list is kept raw; see [`Metadata::parse`].
    Ready {
        /// The property list.
        metadata: &'a [u8],
    },
    /// `ERROR` + reason length + reason.
    Error {
        /// The reason (0-255 bytes).
        reason: &'a [u8],
    },
    /// `SUBSCRIBE` + topic (RFC 37 §The Publish-Subscribe Pattern).
    Subscribe {
        /// The topic: all remaining bytes.
        topic: &'a [u8],
    },
    /// `CANCEL` + topic (RFC 37 §The Publish-Subscribe Pattern).
    Cancel {
        /// The topic: all remaining bytes.
        topic: &'a [u8],
    },
    /// `PING` + TTL + context (RFC 37 §Connection Heartbeating).
    Ping {
        /// Time to live, in tenths of a second; 0 means none.
        ttl_deciseconds: u16,
        /// Context to echo in the PONG (0-16 bytes; more is accepted and
        /// truncated when echoed).
        context: &'a [u8],
    },
    /// `PONG` + the PING's context.
    Pong {
        /// The echoed context.
        context: &'a [u8],
    },
    /// Any other command: a mechanism's (HELLO, WELCOME, INITIATE,
    /// MESSAGE), a RADIO/DISH one, or one we do not know.
    Other {
        /// The name.
        name: &'a [u8],
        /// Everything after the name.
        data: &'a [u8],
    },
}

impl<'a> Command<'a> {
    /// Parses a command frame's body.
    ///
    /// Only the layouts named above are checked; trailing bytes after an
    /// ERROR reason are tolerated as libzmq does.
    ///
    /// # Errors
    ///
    /// [`CommandError`] for an empty body, a name running past the end, a
    /// PING without TTL, or an ERROR reason running past the end.
    pub fn parse(body: &'a [u8]) -> Result<Self, CommandError> {
        let (&name_len, rest) = body.split_first().ok_or(CommandError::Empty)?;
        let name = rest
            .get(..usize::from(name_len))
            .ok_or(CommandError::NameTruncated {
                len: name_len,
                available: rest.len(),
            })?;
        let data = &rest[name.len()..];
        Ok(match name {
            b"READY" => Command::Ready { metadata: data },
            b"ERROR" => {
                let (&len, reason) = data
                    .split_first()
                    .ok_or(CommandError::ErrorTruncated { len: data.len() })?;
                let reason = reason
                    .get(..usize::from(len))
                    .ok_or(CommandError::ErrorTruncated { len: data.len() })?;
                Command::Error { reason }
            }
            b"SUBSCRIBE" => Command::Subscribe { topic: data },
            b"CANCEL" => Command::Cancel { topic: data },
            b"PING" => {
                let (ttl, context) = data
                    .split_first_chunk::<2>()
                    .ok_or(CommandError::PingTruncated { len: data.len() })?;
                Command::Ping {
                    ttl_deciseconds: u16::from_be_bytes(*ttl),
                    context,
                }
            }
            b"PONG" => Command::Pong { context: data },
            _ => Command::Other { name, data },
        })
    }

    /// The command's name.
    pub fn name(&self) -> &'a [u8] {
        match self {
            Command::Ready { .. } => b"READY",
            Command::Error { .. } => b"ERROR",
            Command::Subscribe { .. } => b"SUBSCRIBE",
            Command::Cancel { .. } => b"CANCEL",
            Command::Ping { .. } => b"PING",
            Command::Pong { .. } => b"PONG",
            Command::Other { name, .. } => name,
        }
    }

    /// A PING's TTL as a duration (`None` for other commands or a TTL of 0).
    pub fn ping_ttl(&self) -> Option<Duration> {
        match *self {
            Command::Ping {
                ttl_deciseconds, ..
            } if ttl_deciseconds > 0 => {
                Some(Duration::from_millis(u64::from(ttl_deciseconds) * 100))
            }
            _ => None,
        }
    }

    /// The body's length once encoded.
    pub fn encoded_len(&self) -> usize {
        1 + self.name().len()
            + match self {
                Command::Ready { metadata } => metadata.len(),
                Command::Error { reason } => 1 + reason.len().min(255),
                Command::Subscribe { topic } | Command::Cancel { topic } => topic.len(),
                Command::Ping { context, .. } => 2 + context.len(),
                Command::Pong { context } => context.len(),
                Command::Other { data, .. } => data.len(),
            }
    }

    /// The encoded body as a command frame: a [`Msg`] with the command flag
    /// set (inline when it fits, otherwise one heap allocation).
    ///
    /// An ERROR reason is cut at 255 bytes; a name longer than 255 bytes
    /// (only possible for [`Command::Other`] made by hand) is cut too.
    pub fn to_msg(&self) -> Msg {
        let name = &self.name()[..self.name().len().min(255)];
        let mut m = MsgMut::with_capacity(1 + name.len() + self.data_len());
        m.put_slice(&[name.len() as u8]);
        m.put_slice(name);
        match *self {
            Command::Ready { metadata } => m.put_slice(metadata),
            Command::Error { reason } => {
                let reason = &reason[..reason.len().min(255)];
                m.put_slice(&[reason.len() as u8]);
                m.put_slice(reason);
            }
            Command::Subscribe { topic } | Command::Cancel { topic } => m.put_slice(topic),
            Command::Ping {
                ttl_deciseconds,
                context,
            } => {
                m.put_slice(&ttl_deciseconds.to_be_bytes());
                m.put_slice(context);
            }
            Command::Pong { context } => m.put_slice(context),
            Command::Other { data, .. } => m.put_slice(data),
        }
        let mut msg = m.freeze();
        msg.set_command(true);
        msg
    }

    fn data_len(&self) -> usize {
        self.encoded_len() - 1 - self.name().len()
    }
}

/// A READY command carrying `metadata`, as a command frame.
pub fn ready_msg(metadata: &Metadata) -> Msg {
    let mut props = Vec::with_capacity(metadata.encoded_len());
    metadata.encode(&mut props);
    Command::Ready { metadata: &props }.to_msg()
}

/// A subscription (`subscribe` true) or its cancellation for `topic`, in the
/// form a peer of `version` understands (RFC 37 and RFC 23 §The
/// Publish-Subscribe Pattern, libzmq `v3_1_encoder.cpp` vs `v2_encoder.cpp`):
///
/// - ZMTP 3.1: a `SUBSCRIBE`/`CANCEL` command frame;
/// - ZMTP 3.0: a one-frame data message `0x01` + topic or `0x00` + topic.
///
/// # Examples
///
/// ```
/// use ferrozmq_wire::{subscription_msg, ZmtpVersion};
///
/// let new = subscription_msg(ZmtpVersion::V3_1, true, b"A");
/// assert!(new.is_command());
/// assert_eq!(&new[..], b"\x09SUBSCRIBEA");
/// let legacy = subscription_msg(ZmtpVersion::V3_0, true, b"A");
/// assert!(!legacy.is_command() && !legacy.more());
/// assert_eq!(&legacy[..], b"\x01A");
/// ```
pub fn subscription_msg(version: ZmtpVersion, subscribe: bool, topic: &[u8]) -> Msg {
    match version {
        ZmtpVersion::V3_1 => {
            if subscribe {
                Command::Subscribe { topic }.to_msg()
            } else {
                Command::Cancel { topic }.to_msg()
            }
        }
        ZmtpVersion::V3_0 => {
            let mut m = MsgMut::with_capacity(1 + topic.len());
            m.put_slice(&[u8::from(subscribe)]);
            m.put_slice(topic);
            m.freeze()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_from_zmtp_md_section_11() {
        // Bodies of `04 0B 09 'SUBSCRIBE' 41`, `04 08 06 'CANCEL' 41`,
        // `04 0A 09 'SUBSCRIBE'`, `04 07 04 'PING' 00 00`, `04 05 04 'PONG'`.
        let cases: [(&[u8], Command<'_>); 5] = [
            (b"\x09SUBSCRIBE\x41", Command::Subscribe { topic: b"A" }),
            (b"\x06CANCEL\x41", Command::Cancel { topic: b"A" }),
            (b"\x09SUBSCRIBE", Command::Subscribe { topic: b"" }),
            (
                b"\x04PING\x00\x00",
                Command::Ping {
                    ttl_deciseconds: 0,
                    context: b"",
                },
            ),
            (b"\x04PONG", Command::Pong { context: b"" }),
        ];
        for (wire, cmd) in cases {
            assert_eq!(Command::parse(wire).unwrap(), cmd);
            let msg = cmd.to_msg();
            assert!(msg.is_command() && !msg.more());
            assert_eq!(&msg[..], wire);
            assert_eq!(cmd.encoded_len(), wire.len());
        }
    }

    #[test]
    fn ping_ttl_and_context() {
        let cmd = Command::parse(b"\x04PING\x00\x64ctx").unwrap();
        assert_eq!(
            cmd,
            Command::Ping {
                ttl_deciseconds: 100,
                context: b"ctx"
            }
        );
        assert_eq!(cmd.ping_ttl(), Some(Duration::from_secs(10)));
        assert_eq!(
            Command::parse(b"\x04PING\x00\x00").unwrap().ping_ttl(),
            None
        );
    }

    #[test]
    fn error_command() {
        let wire = b"\x05ERROR\x0cbad identity";
        assert_eq!(
            Command::parse(wire).unwrap(),
            Command::Error {
                reason: b"bad identity"
            }
        );
        assert_eq!(
            &Command::Error {
                reason: b"bad identity"
            }
            .to_msg()[..],
            wire
        );
        // libzmq tolerates bytes after the reason.
        assert_eq!(
            Command::parse(b"\x05ERROR\x01xy").unwrap(),
            Command::Error { reason: b"x" }
        );
        let long = [b'r'; 300];
        let m = Command::Error { reason: &long }.to_msg();
        assert_eq!((m.len(), m[6]), (6 + 1 + 255, 255));
    }

    #[test]
    fn unknown_commands_parse_as_other() {
        assert_eq!(
            Command::parse(b"\x05HELLOabc").unwrap(),
            Command::Other {
                name: b"HELLO",
                data: b"abc"
            }
        );
        assert_eq!(
            Command::parse(b"\x00").unwrap(),
            Command::Other {
                name: b"",
                data: b""
            }
        );
    }

    #[test]
    fn malformed_commands() {
        assert_eq!(Command::parse(b""), Err(CommandError::Empty));
        assert_eq!(
            Command::parse(b"\x09SUBSCRIB"),
            Err(CommandError::NameTruncated {
                len: 9,
                available: 8
            })
        );
        assert_eq!(
            Command::parse(b"\x04PING\x00"),
            Err(CommandError::PingTruncated { len: 1 })
        );
        assert_eq!(
            Command::parse(b"\x05ERROR"),
            Err(CommandError::ErrorTruncated { len: 0 })
        );
        assert_eq!(
            Command::parse(b"\x05ERROR\x05abc"),
            Err(CommandError::ErrorTruncated { len: 4 })
        );
    }

    #[test]
    fn legacy_subscription_vectors() {
        // RFC 23 §The Publish-Subscribe Pattern: subscribe "A" is
        // `00 02 01 41`; everything `00 01 01`.
        assert_eq!(
            &subscription_msg(ZmtpVersion::V3_0, true, b"A")[..],
            b"\x01A"
        );
        assert_eq!(&subscription_msg(ZmtpVersion::V3_0, true, b"")[..], b"\x01");
        assert_eq!(
            &subscription_msg(ZmtpVersion::V3_0, false, b"A")[..],
            b"\x00A"
        );
        let c = subscription_msg(ZmtpVersion::V3_1, false, b"A");
        assert!(c.is_command());
        assert_eq!(&c[..], b"\x06CANCELA");
    }
}
