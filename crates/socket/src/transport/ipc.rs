//! `ipc://`: Unix domain stream sockets at a file system path, with libzmq's
//! stale-file rule: a socket file nobody listens on is removed before
//! binding, one somebody listens on is `EADDRINUSE`. The listener removes
//! its file when it goes.
//!
//! Not done yet: `ipc://*` (a fresh temporary path) and abstract names
//! (`ipc://@name`) answer `Unsupported`.

use std::io;
use std::path::{Path, PathBuf};

use super::Listener;
use crate::endpoint::{Endpoint, IpcEndpoint};
use crate::error::BindError;

/// Removes a listener's socket file when dropped, if it is still the one
/// the listener made.
#[derive(Debug)]
pub(crate) struct PathGuard {
    path: PathBuf,
    /// The file's device and inode at bind.
    file: Option<(u64, u64)>,
}

/// The device and inode of the file at `path`.
fn file_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

impl Drop for PathGuard {
    fn drop(&mut self) {
        // Runs before the listener's socket is closed (see `Listener`), so
        // the file is still ours unless something outside replaced it:
        // then it is not ours to remove (it would cut another listener off
        // from every future connect). Best effort otherwise: the file may
        // already be gone.
        if self.file.is_some() && file_id(&self.path) == self.file {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn path_of(ipc: &IpcEndpoint) -> io::Result<&Path> {
    ipc.path().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::Unsupported,
            "ipc wild cards and abstract names are not supported yet",
        )
    })
}

/// Binds `ipc`'s path, removing a stale socket file first.
pub(super) fn bind(
    endpoint: &Endpoint,
    ipc: &IpcEndpoint,
) -> Result<(Listener, Endpoint), BindError> {
    let io_err = |e| BindError::io(endpoint.clone(), e);
    let path = path_of(ipc).map_err(io_err)?;
    let listener = match mio::net::UnixListener::bind(path) {
        Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
            // Someone listening answers a connect; a stale file refuses it.
            match std::os::unix::net::UnixStream::connect(path) {
                Ok(_) => return Err(io_err(e)),
                Err(c) if c.kind() == io::ErrorKind::ConnectionRefused => {
                    std::fs::remove_file(path).map_err(io_err)?;
                    mio::net::UnixListener::bind(path).map_err(io_err)?
                }
                Err(_) => return Err(io_err(e)),
            }
        }
        other => other.map_err(io_err)?,
    };
    let guard = PathGuard {
        path: path.to_owned(),
        file: file_id(path),
    };
    Ok((Listener::Ipc(guard, listener), endpoint.clone()))
}

/// Starts a connect to `ipc`'s path.
pub(super) fn connect(ipc: &IpcEndpoint) -> io::Result<mio::net::UnixStream> {
    mio::net::UnixStream::connect(path_of(ipc)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("ferrozmq-{}-{name}.sock", std::process::id()))
    }

    #[test]
    fn stale_file_is_replaced_but_live_listener_is_not() {
        let path = temp_path("stale");
        let _ = std::fs::remove_file(&path);
        // A stale file: bound, then the listener closed without unlinking.
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        assert!(path.exists());
        let endpoint = Endpoint::parse_bind(&format!("ipc://{}", path.display())).unwrap();
        let (live, _) = Listener::bind(&endpoint).unwrap();
        let again = Listener::bind(&endpoint).unwrap_err();
        assert_eq!(again.errno_name(), "EADDRINUSE");
        drop(live);
        assert!(!path.exists(), "the listener removes its file");
    }

    #[test]
    fn a_closed_listener_leaves_a_newer_file_alone() {
        let path = temp_path("newer");
        let _ = std::fs::remove_file(&path);
        let endpoint = Endpoint::parse_bind(&format!("ipc://{}", path.display())).unwrap();
        let (old, _) = Listener::bind(&endpoint).unwrap();
        // As when a rebind finds the old socket closed but its file not yet
        // removed: the path is taken over by a new listener.
        std::fs::remove_file(&path).unwrap();
        let (new, _) = Listener::bind(&endpoint).unwrap();
        drop(old);
        assert!(path.exists(), "the old listener removed the new one's file");
        std::os::unix::net::UnixStream::connect(&path).unwrap();
        drop(new);
        assert!(!path.exists());
    }
}
