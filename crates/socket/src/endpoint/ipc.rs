//! ipc endpoints: a Unix socket path, a Linux abstract name (`@name`) or
//! `*`, as libzmq's `zmq_ipc(7)` writes them ([`IpcEndpoint`]), and the
//! `sun_path` limit they must fit ([`IPC_PATH_MAX`]).
//!
//! Nothing here touches the file system.

use core::fmt;
use std::path::Path;

use super::error::{EndpointError, bad_address};

/// The longest ipc path, in bytes, that fits in a Unix socket address with
/// its terminating NUL (`sizeof sun_path - 1`): 108 bytes on Linux, 104 on
/// the BSDs and macOS. An abstract name counts its leading `@`, which becomes
/// the leading NUL byte of `sun_path` (libzmq `ipc_address.cpp`).
pub const IPC_PATH_MAX: usize = if cfg!(any(target_os = "linux", target_os = "android")) {
    107
} else {
    103
};

/// An ipc endpoint: a file system path, an abstract name (Linux), or `*`.
///
/// Made by parsing an [`Endpoint`](super::Endpoint); every value is well-formed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IpcEndpoint {
    repr: IpcRepr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum IpcRepr {
    /// `ipc://*`.
    Any,
    /// `ipc://path`, as written.
    Path(String),
    /// `ipc://@name`: the name without its `@`.
    Abstract(String),
}

impl IpcEndpoint {
    /// The file system path of the Unix socket, absolute or relative to the
    /// working directory; `None` for an abstract name or `*`.
    pub fn path(&self) -> Option<&Path> {
        match &self.repr {
            IpcRepr::Path(path) => Some(Path::new(path)),
            IpcRepr::Any | IpcRepr::Abstract(_) => None,
        }
    }

    /// The name in Linux's abstract socket namespace (`ipc://@name`), without
    /// its `@`; `None` otherwise. Elsewhere `ipc://@name` is a relative path
    /// beginning with `@`, as in libzmq.
    pub fn abstract_name(&self) -> Option<&str> {
        match &self.repr {
            IpcRepr::Abstract(name) => Some(name),
            IpcRepr::Any | IpcRepr::Path(_) => None,
        }
    }

    /// Whether this is `ipc://*`: bind picks a fresh temporary path.
    pub fn is_wildcard(&self) -> bool {
        self.repr == IpcRepr::Any
    }

    /// Parses the part after `ipc://` (non-empty).
    pub(super) fn parse(s: &str) -> Result<Self, EndpointError> {
        if s == "*" {
            return Ok(Self { repr: IpcRepr::Any });
        }
        if s.contains('\0') {
            return Err(bad_address(s, "a path cannot hold a NUL byte"));
        }
        if s.len() > IPC_PATH_MAX {
            return Err(EndpointError::PathTooLong {
                len: s.len(),
                max: IPC_PATH_MAX,
            });
        }
        if cfg!(any(target_os = "linux", target_os = "android"))
            && let Some(name) = s.strip_prefix('@')
        {
            if name.is_empty() {
                return Err(bad_address(s, "an abstract name after `@` cannot be empty"));
            }
            return Ok(Self {
                repr: IpcRepr::Abstract(name.to_owned()),
            });
        }
        Ok(Self {
            repr: IpcRepr::Path(s.to_owned()),
        })
    }
}

impl fmt::Display for IpcEndpoint {
    /// The part after `ipc://`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.repr {
            IpcRepr::Any => f.write_str("*"),
            IpcRepr::Path(path) => f.write_str(path),
            IpcRepr::Abstract(name) => write!(f, "@{name}"),
        }
    }
}
