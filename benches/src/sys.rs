//! The one OS call of this package that std has no safe form of: raising
//! the soft limit on open file descriptors (`RLIMIT_NOFILE`) to the hard
//! limit, so that `scale` can hold thousands of tcp peers, both ends of
//! each connection, in one process. It never raises the hard limit (that
//! takes privilege): a run that needs more is skipped by its caller, not
//! forced.
//!
//! The package's only `unsafe` (tidy allows it in this file alone, as in
//! `ferrozmq-socket`'s `sys`).

use std::io;

/// Raises the soft `RLIMIT_NOFILE` to the hard limit when it is lower, and
/// returns the soft limit in force afterwards.
///
/// # Errors
///
/// The OS's, from `getrlimit` or `setrlimit`.
pub fn raise_nofile_limit() -> io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable `rlimit` for the whole call,
    // which only writes it.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    if limit.rlim_cur < limit.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        // SAFETY: `raised` is a valid `rlimit`, only read by the call.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(io::Error::last_os_error());
        }
        limit.rlim_cur = limit.rlim_max;
    }
    Ok(limit.rlim_cur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raising_twice_gives_the_same_limit() {
        let first = raise_nofile_limit().unwrap();
        assert!(first > 0);
        assert_eq!(raise_nofile_limit().unwrap(), first);
    }
}
