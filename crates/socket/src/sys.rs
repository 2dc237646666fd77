//! The OS-specific corner of the crate, behind a small contract (mio's `sys`
//! module rule): the one place `unsafe` may appear in
//! `ferrozmq-socket`.
//!
//! Today it holds one operation: reading from a stream socket straight into
//! the uninitialised tail of a message body ([`read_into_body`]), so a large
//! frame lands in its receive-allocator block with no intermediate copy and
//! no zero-filling. It does not own sockets, register them with mio or decide
//! when to read; the session does.
//!
//! Contract: [`read_into_body`] behaves like [`std::io::Read::read`] on the
//! descriptor (returns the bytes read, `Ok(0)` at end of stream,
//! `ErrorKind::WouldBlock` on a non-blocking socket with nothing to read,
//! retries `EINTR` itself) and extends the body by exactly the bytes the
//! kernel wrote.

use std::io;
use std::os::fd::{AsRawFd, RawFd};

use ferrozmq_msg::MsgMut;

/// Reads at most `body.remaining()` bytes from `fd` into the uninitialised
/// spare capacity of `body`, then extends `body` by what was read.
///
/// # Errors
///
/// The OS error of `recv(2)`, `EINTR` excepted (retried).
pub(crate) fn read_into_body(fd: &impl AsRawFd, body: &mut MsgMut) -> io::Result<usize> {
    let fd: RawFd = fd.as_raw_fd();
    let spare = body.spare_capacity_mut();
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
    let len = body.len() + n;
    // SAFETY: the kernel initialised the first `n` bytes of the spare
    // capacity (recv's return value), which directly follow the `body.len()`
    // initialised bytes; `n <= spare.len()` keeps `len` within capacity.
    unsafe { body.set_len(len) };
    Ok(n)
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
    fn end_of_stream_is_zero() {
        let (a, b) = UnixStream::pair().unwrap();
        drop(a);
        let mut body = MsgMut::with_capacity(4);
        assert_eq!(read_into_body(&b, &mut body).unwrap(), 0);
        assert_eq!(body.len(), 0);
    }
}
