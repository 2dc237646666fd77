//! The OS-specific corner of the crate, behind a small contract (mio's `sys`
//! module rule): the one place `unsafe` may appear in
//! `ferrozmq-socket`.
//!
//! It holds four operations:
//!
//! - reading from a stream socket straight into the uninitialised tail of a
//!   message body ([`read_into_body`]), so a large frame lands in its
//!   receive-allocator block with no intermediate copy and no zero-filling,
//!   or of a connection's read block ([`read_into_block`]), whose small
//!   frames are then slices of it.
//!   It does not own sockets, register them with mio or decide when to
//!   read; the session does. Contract: it behaves like
//!   [`std::io::Read::read`] on the descriptor (returns the bytes read,
//!   `Ok(0)` at end of stream, `ErrorKind::WouldBlock` on a non-blocking
//!   socket with nothing to read, retries `EINTR` itself) and extends the
//!   body by exactly the bytes the kernel wrote;
//! - the credentials of a Unix-socket peer ([`peer_credentials`]), which
//!   a ZAP request carries as the peer's address (libzmq reads
//!   `SO_PEERCRED` for ipc peers). Contract: `Some((uid, gid, pid))` where
//!   the OS reports them, `None` otherwise;
//! - a stream socket's receive low-water mark ([`set_recv_low_water`],
//!   `SO_RCVLOWAT`), which the session raises while a large body is on its
//!   way. Contract: `setsockopt(2)`'s result;
//! - `poll(2)` over caller-given descriptors ([`poll_fds`]), for `poll` and
//!   `Poller` items that are raw file descriptors. Contract: the revents
//!   the kernel reports, in place; an interrupted wait (`EINTR`) returns
//!   `Ok(0)` so the caller re-checks its deadline.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::Duration;

use core::mem::MaybeUninit;

use ferrozmq_msg::{MsgMut, ReadBlock};

/// Reads at most `body.remaining()` bytes from `fd` into the uninitialised
/// spare capacity of `body`, then extends `body` by what was read.
///
/// # Errors
///
/// The OS error of `recv(2)`, `EINTR` excepted (retried).
pub(crate) fn read_into_body(fd: &impl AsRawFd, body: &mut MsgMut) -> io::Result<usize> {
    let n = recv_into(fd, body.spare_capacity_mut())?;
    let len = body.len() + n;
    // SAFETY: the kernel initialised the first `n` bytes of the spare
    // capacity (`recv_into`), which directly follow the `body.len()`
    // initialised bytes; `n <= spare.len()` keeps `len` within capacity.
    unsafe { body.set_len(len) };
    Ok(n)
}

/// Reads at most `limit` bytes from `fd` into the uninitialised spare part
/// of a read block, then marks what was read as unread input.
///
/// # Errors
///
/// The OS error of `recv(2)`, `EINTR` excepted (retried).
pub(crate) fn read_into_block(
    fd: &impl AsRawFd,
    block: &mut ReadBlock,
    limit: usize,
) -> io::Result<usize> {
    let spare = block.spare_mut();
    let len = spare.len().min(limit);
    let n = recv_into(fd, &mut spare[..len])?;
    // SAFETY: the kernel initialised the first `n` spare bytes
    // (`recv_into`), and `n` is at most the spare length.
    unsafe { block.commit(n) };
    Ok(n)
}

/// `recv(2)` into `spare`: the bytes read, at most `spare.len()`, each of
/// them initialised by the kernel.
fn recv_into(fd: &impl AsRawFd, spare: &mut [MaybeUninit<u8>]) -> io::Result<usize> {
    let fd: RawFd = fd.as_raw_fd();
    if spare.is_empty() {
        return Ok(0);
    }
    let n = loop {
        // SAFETY: `spare` is a valid, exclusively borrowed region of
        // `spare.len()` bytes; `recv` writes at most that many bytes into it
        // and never reads it, so its being uninitialised is fine. `fd` is
        // open for as long as the borrow of its owner lasts.
        let r = unsafe { libc::recv(fd, spare.as_mut_ptr().cast(), spare.len(), 0) };
        if r >= 0 {
            // `r` is non-negative and at most `spare.len()`.
            break r.cast_unsigned();
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    };
    debug_assert!(n <= spare.len());
    Ok(n)
}

/// Sets `SO_RCVLOWAT` on `fd`: the socket reports readable once `bytes`
/// are queued (Linux caps it; see `tcp_set_rcvlowat`).
///
/// # Errors
///
/// The OS error of `setsockopt(2)`.
pub(crate) fn set_recv_low_water(fd: &impl AsRawFd, bytes: usize) -> io::Result<()> {
    let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX);
    // SAFETY: `value` is a live `c_int` for the whole call and the length
    // passed is its size; `setsockopt` only reads it.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVLOWAT,
            (&raw const value).cast(),
            core::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A descriptor and what to wait for on it, as `poll(2)` takes them.
pub(crate) type PollFd = libc::pollfd;

/// `poll(2)` readiness flags, for the callers' translations.
pub(crate) use libc::{POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT};

/// A [`PollFd`] for `fd` waiting for `events` (`POLLIN`, `POLLOUT`, ...).
pub(crate) fn poll_fd(fd: RawFd, events: i16) -> PollFd {
    PollFd {
        fd,
        events,
        revents: 0,
    }
}

/// Waits until one of `fds` is ready or `timeout` passes (`None`: no
/// limit), filling each `revents`; returns how many have revents.
///
/// # Errors
///
/// The OS error of `poll(2)` other than `EINTR` (which returns `Ok(0)`).
pub(crate) fn poll_fds(fds: &mut [PollFd], timeout: Option<Duration>) -> io::Result<usize> {
    // Rounded up to the next millisecond: a wait never returns early.
    let ms = timeout.map_or(-1, |t| {
        let ms = t.as_nanos().div_ceil(1_000_000);
        i32::try_from(ms).unwrap_or(i32::MAX)
    });
    let n = fds.len() as libc::nfds_t;
    // SAFETY: `fds` is a valid, exclusively borrowed array of `n` pollfd
    // structs; poll(2) reads them and writes only their `revents` fields,
    // and keeps no pointer past the call. A descriptor that is not open
    // is reported as POLLNVAL, never dereferenced.
    let r = unsafe { libc::poll(fds.as_mut_ptr(), n, ms) };
    if r >= 0 {
        return Ok(r.cast_unsigned() as usize);
    }
    let err = io::Error::last_os_error();
    if err.kind() == io::ErrorKind::Interrupted {
        return Ok(0);
    }
    Err(err)
}

/// The uid, gid and pid of the process at the other end of the Unix
/// socket `fd` (`SO_PEERCRED`); `None` where the OS has no such option or
/// refuses it.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) fn peer_credentials(fd: &impl AsRawFd) -> Option<(u32, u32, i32)> {
    let mut cred = libc::ucred {
        pid: 0,
        uid: 0,
        gid: 0,
    };
    let mut len = core::mem::size_of::<libc::ucred>() as libc::socklen_t;
    // SAFETY: `cred` and `len` are valid, exclusively borrowed locals that
    // outlive the call; `len` holds the size of `cred`, so getsockopt(2)
    // writes at most that many bytes into it. A descriptor that is not a
    // Unix socket makes the call fail, which is handled.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_PEERCRED,
            (&raw mut cred).cast(),
            &raw mut len,
        )
    };
    (r == 0).then_some((cred.uid, cred.gid, cred.pid))
}

/// No `SO_PEERCRED` here: an ipc peer's address is empty.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) fn peer_credentials(_fd: &impl AsRawFd) -> Option<(u32, u32, i32)> {
    None
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::os::unix::net::UnixStream;

    use super::*;

    #[test]
    fn reads_into_spare_capacity_and_extends() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let mut body = MsgMut::with_capacity(8);
        body.put_slice(b"ab");
        a.write_all(b"cdefghij").unwrap();
        let n = read_into_body(&b, &mut body).unwrap();
        assert_eq!(n, 6);
        assert_eq!(&body.freeze()[..], b"abcdefgh");
    }

    #[test]
    fn poll_reports_a_readable_descriptor_and_times_out_on_a_quiet_one() {
        let (mut a, b) = UnixStream::pair().unwrap();
        let mut fds = [poll_fd(b.as_raw_fd(), POLLIN)];
        assert_eq!(
            poll_fds(&mut fds, Some(Duration::from_millis(1))).unwrap(),
            0
        );
        a.write_all(b"x").unwrap();
        assert_eq!(poll_fds(&mut fds, None).unwrap(), 1);
        assert_ne!(fds[0].revents & POLLIN, 0);
        let mut closed = [poll_fd(-1, POLLIN), poll_fd(1 << 30, POLLIN)];
        // A negative descriptor is skipped; one not open is POLLNVAL.
        assert_eq!(poll_fds(&mut closed, Some(Duration::ZERO)).unwrap(), 1);
        assert_ne!(closed[1].revents & POLLNVAL, 0);
    }

    #[test]
    fn end_of_stream_is_zero() {
        let (a, b) = UnixStream::pair().unwrap();
        drop(a);
        let mut body = MsgMut::with_capacity(4);
        assert_eq!(read_into_body(&b, &mut body).unwrap(), 0);
        assert_eq!(body.len(), 0);
    }
}
