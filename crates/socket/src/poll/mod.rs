//! Waiting on many sockets and file descriptors at once: [`poll`] over a
//! slice of [`PollItem`]s (libzmq's `zmq_poll`) and the persistent
//! [`Poller`] (libzmq's `zmq_poller`).
//!
//! Both are faces of the one readiness mechanism (see the `readiness`
//! module): a waiter adds a watch to each socket's readiness *before* it
//! looks at the socket, then asks each socket what it is ready for
//! ([`Socket::events`]), and sleeps only when nothing is: on a
//! [`Parker`](crate::Parker) when only sockets are polled (no system call
//! per wait beyond the futex), in `poll(2)` with a wake-up descriptor among
//! the raw ones otherwise. A socket notifies its watches when a peer's pipe
//! changed, so the answer is exact (a readable socket has a whole message)
//! and a wait with nothing ready burns no CPU.
//!
//! It does not read or write messages, nor decide what is ready: the
//! patterns' `has_in`/`has_out` do.

mod poller;
mod wake;

use core::fmt;
use std::io;
use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use smallvec::SmallVec;

pub use self::poller::{Poller, PollerEvent};
pub(crate) use self::wake::FdWake;
use crate::Socket;
use crate::pipe::deadline_after;
use crate::readiness::WatchId;
use crate::signal::{Parker, Signal};
use crate::sync::StdArc;
use crate::sys::{self, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, PollFd};

/// What a socket or descriptor is ready for, or what to wait for (libzmq's
/// `ZMQ_POLLIN`, `ZMQ_POLLOUT`, `ZMQ_POLLERR`), from [`Socket::events`],
/// [`poll`] and [`Poller::wait`].
#[derive(Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct PollEvents(u8);

impl PollEvents {
    /// Nothing.
    pub const NONE: Self = Self(0);
    /// A whole message can be received without waiting; a descriptor is
    /// readable (`ZMQ_POLLIN`).
    pub const IN: Self = Self(1);
    /// A message can be sent without waiting; a descriptor is writable
    /// (`ZMQ_POLLOUT`).
    pub const OUT: Self = Self(2);
    /// A descriptor has an error condition, hung up, or is not open
    /// (`ZMQ_POLLERR`; reported whether asked for or not, as by
    /// `poll(2)`). Sockets never report it.
    pub const ERR: Self = Self(4);

    /// Whether every flag of `other` is set in `self`.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether `self` and `other` share a flag.
    pub fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// Whether no flag is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The flags as libzmq's `short` bit set (`ZMQ_POLLIN` = 1,
    /// `ZMQ_POLLOUT` = 2, `ZMQ_POLLERR` = 4).
    pub fn bits(self) -> i16 {
        i16::from(self.0)
    }

    /// The flags of libzmq's bit set `bits`; unknown bits are dropped.
    pub fn from_bits_truncate(bits: i16) -> Self {
        Self((bits & 7) as u8)
    }

    fn to_poll(self) -> i16 {
        let mut events = 0;
        if self.contains(Self::IN) {
            events |= POLLIN;
        }
        if self.contains(Self::OUT) {
            events |= POLLOUT;
        }
        events
    }

    fn from_poll(revents: i16) -> Self {
        let mut events = Self::NONE;
        if revents & POLLIN != 0 {
            events |= Self::IN;
        }
        if revents & POLLOUT != 0 {
            events |= Self::OUT;
        }
        if revents & (POLLERR | POLLHUP | POLLNVAL) != 0 {
            events |= Self::ERR;
        }
        events
    }
}

impl core::ops::BitOr for PollEvents {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl core::ops::BitOrAssign for PollEvents {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl core::ops::BitAnd for PollEvents {
    type Output = Self;
    fn bitand(self, rhs: Self) -> Self {
        Self(self.0 & rhs.0)
    }
}

impl fmt::Debug for PollEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("NONE");
        }
        let names = [(Self::IN, "IN"), (Self::OUT, "OUT"), (Self::ERR, "ERR")];
        let mut first = true;
        for (flag, name) in names {
            if self.contains(flag) {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        Ok(())
    }
}

/// Why a [`poll`] or a [`Poller`] call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PollError {
    /// `poll(2)` failed on the raw descriptors (`EINVAL` when too many,
    /// `ENOMEM`), or the wake-up descriptor could not be made (`EMFILE`).
    #[error("poll failed")]
    Io(#[from] io::Error),
    /// [`poll`] with no items and no timeout would wait forever (`EINVAL`).
    #[error("nothing to poll and no timeout")]
    NothingToPoll,
    /// [`Poller::add`] of a socket or descriptor already in the poller
    /// (`EINVAL`).
    #[error("already in the poller")]
    AlreadyAdded,
    /// [`Poller::modify`] or [`Poller::remove`] of a socket or descriptor
    /// not in the poller (`EINVAL`).
    #[error("not in the poller")]
    NotAdded,
    /// [`Poller::wait`] with no room for an event (`EINVAL`).
    #[error("no room for an event")]
    NoRoom,
}

impl PollError {
    /// The libzmq errno name.
    pub fn errno_name(&self) -> &'static str {
        match self {
            Self::Io(e) if e.raw_os_error() == Some(libc::ENOMEM) => "ENOMEM",
            Self::Io(e) if e.raw_os_error() == Some(libc::EMFILE) => "EMFILE",
            Self::Io(_)
            | Self::NothingToPoll
            | Self::AlreadyAdded
            | Self::NotAdded
            | Self::NoRoom => "EINVAL",
        }
    }
}

/// What a [`PollItem`] or a [`Poller`] entry watches.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    Socket(&'a Socket),
    Fd(RawFd),
}

impl Source<'_> {
    /// Same socket (by address) or same descriptor.
    fn is(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Socket(a), Self::Socket(b)) => core::ptr::eq(*a, *b),
            (Self::Fd(a), Self::Fd(b)) => a == b,
            _ => false,
        }
    }
}

/// One entry of a [`poll`]: a socket or a raw file descriptor, the events
/// to wait for, and (after the call) the events that happened. Made by
/// [`Socket::as_poll_item`] or [`PollItem::from_fd`].
pub struct PollItem<'a> {
    source: Source<'a>,
    events: PollEvents,
    revents: PollEvents,
}

impl<'a> PollItem<'a> {
    /// An item for `socket` (same as [`Socket::as_poll_item`]).
    pub fn from_socket(socket: &'a Socket, events: PollEvents) -> Self {
        Self {
            source: Source::Socket(socket),
            events,
            revents: PollEvents::NONE,
        }
    }

    /// An item for a raw file descriptor (a pipe, a tcp socket of another
    /// library, a timerfd...), polled with `poll(2)` beside the sockets. A
    /// descriptor that is not open is reported with [`PollEvents::ERR`].
    pub fn from_fd(fd: RawFd, events: PollEvents) -> Self {
        Self {
            source: Source::Fd(fd),
            events,
            revents: PollEvents::NONE,
        }
    }

    /// The events waited for.
    pub fn events(&self) -> PollEvents {
        self.events
    }

    /// Changes the events waited for.
    pub fn set_events(&mut self, events: PollEvents) {
        self.events = events;
    }

    /// The events that happened in the last [`poll`] (libzmq's `revents`).
    pub fn revents(&self) -> PollEvents {
        self.revents
    }

    /// [`PollEvents::IN`] happened: a whole message can be received (or
    /// the descriptor read) without waiting.
    pub fn is_readable(&self) -> bool {
        self.revents.contains(PollEvents::IN)
    }

    /// [`PollEvents::OUT`] happened: a message can be sent (or the
    /// descriptor written) without waiting.
    pub fn is_writable(&self) -> bool {
        self.revents.contains(PollEvents::OUT)
    }

    /// [`PollEvents::ERR`] happened (descriptors only).
    pub fn is_error(&self) -> bool {
        self.revents.contains(PollEvents::ERR)
    }

    /// The socket polled, if the item is one.
    pub fn socket(&self) -> Option<&'a Socket> {
        match self.source {
            Source::Socket(s) => Some(s),
            Source::Fd(_) => None,
        }
    }

    /// The descriptor polled, if the item is one.
    pub fn fd(&self) -> Option<RawFd> {
        match self.source {
            Source::Fd(fd) => Some(fd),
            Source::Socket(_) => None,
        }
    }
}

impl fmt::Debug for PollItem<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("PollItem");
        match self.source {
            Source::Socket(s) => d.field("socket", &s.socket_type()),
            Source::Fd(fd) => d.field("fd", &fd),
        };
        d.field("events", &self.events)
            .field("revents", &self.revents)
            .finish()
    }
}

/// Waits until at least one item is ready for one of its events, or
/// `timeout` passes (`None`: no limit; zero: just look), as libzmq's
/// `zmq_poll`; returns how many items have events, each item's
/// [`revents`](PollItem::revents) saying which.
///
/// A socket item is readable when a whole message can be received without
/// waiting, writable when a message can be sent without waiting; a
/// descriptor item as `poll(2)` says. A wait with nothing ready burns no
/// CPU.
///
/// ```
/// use std::time::Duration;
/// use ferrozmq_msg::Msg;
/// use ferrozmq_socket::{Context, PollEvents, SocketType, poll};
///
/// let ctx = Context::new()?;
/// let a = ctx.socket(SocketType::Pair)?;
/// let b = ctx.socket(SocketType::Pair)?;
/// a.bind("inproc://poll-doc")?;
/// b.connect("inproc://poll-doc")?;
/// b.send(Msg::from_static(b"hi"))?;
/// let mut items = [a.as_poll_item(PollEvents::IN), b.as_poll_item(PollEvents::IN)];
/// assert_eq!(poll(&mut items, Some(Duration::from_secs(5)))?, 1);
/// assert!(items[0].is_readable() && !items[1].is_readable());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`PollError::Io`] when `poll(2)` fails on the descriptor items;
/// [`PollError::NothingToPoll`] for no items and no timeout.
pub fn poll(items: &mut [PollItem<'_>], timeout: Option<Duration>) -> Result<usize, PollError> {
    for item in items.iter_mut() {
        item.revents = PollEvents::NONE;
    }
    if items.is_empty() {
        // libzmq sleeps for the timeout.
        let timeout = timeout.ok_or(PollError::NothingToPoll)?;
        std::thread::sleep(timeout);
        return Ok(0);
    }
    let mut fds: SmallVec<[PollFd; 8]> = items
        .iter()
        .filter_map(|item| match item.source {
            Source::Fd(fd) => Some(sys::poll_fd(fd, item.events.to_poll())),
            Source::Socket(_) => None,
        })
        .collect();
    // The first look watches nothing: when something is ready already (a
    // busy loop), no watch is added or removed.
    let ready = look_at_sockets(items) + look_at_fds(items, &mut fds, None, Some(Duration::ZERO))?;
    if ready > 0 || timeout == Some(Duration::ZERO) {
        return Ok(ready);
    }
    let deadline = deadline_after(timeout);
    if fds.is_empty() {
        let parker = thread_parker();
        let _watches = Watches::add(items, &(StdArc::clone(&parker) as StdArc<dyn Signal>));
        loop {
            let ready = look_at_sockets(items);
            if ready > 0 {
                return Ok(ready);
            }
            if !parker.park(deadline) {
                // Timed out: one last look.
                return Ok(look_at_sockets(items));
            }
        }
    }
    let wake = thread_fd_wake()?;
    wake.reset();
    let _watches = Watches::add(items, &(StdArc::clone(&wake) as StdArc<dyn Signal>));
    loop {
        let sockets = look_at_sockets(items);
        let wait = if sockets > 0 {
            Some(Duration::ZERO)
        } else {
            deadline.map(|d| d.saturating_duration_since(Instant::now()))
        };
        let fds_ready = look_at_fds(items, &mut fds, Some(wake.fd()), wait)?;
        wake.reset();
        let ready = if sockets > 0 {
            sockets
        } else {
            look_at_sockets(items)
        };
        if ready + fds_ready > 0 || passed(deadline) {
            return Ok(ready + fds_ready);
        }
    }
}

fn passed(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|d| Instant::now() >= d)
}

/// Sets the socket items' revents; returns how many have some.
fn look_at_sockets(items: &mut [PollItem<'_>]) -> usize {
    let mut ready = 0;
    for item in items.iter_mut() {
        if let Source::Socket(socket) = item.source {
            item.revents = socket.events() & item.events;
            ready += usize::from(!item.revents.is_empty());
        }
    }
    ready
}

/// `poll(2)` over the descriptor items (`fds`, in item order) and `wake`,
/// for up to `wait`; sets the descriptor items' revents and returns how
/// many have some.
fn look_at_fds(
    items: &mut [PollItem<'_>],
    fds: &mut SmallVec<[PollFd; 8]>,
    wake: Option<RawFd>,
    wait: Option<Duration>,
) -> Result<usize, PollError> {
    if fds.is_empty() {
        return Ok(0);
    }
    if let Some(wake) = wake {
        fds.push(sys::poll_fd(wake, POLLIN));
    }
    let polled = sys::poll_fds(fds, wait);
    if wake.is_some() {
        fds.pop();
    }
    polled?;
    let mut ready = 0;
    let mut next = fds.iter();
    for item in items.iter_mut() {
        if let Source::Fd(_) = item.source {
            let revents = next.next().map_or(0, |fd| fd.revents);
            item.revents = PollEvents::from_poll(revents) & (item.events | PollEvents::ERR);
            ready += usize::from(!item.revents.is_empty());
        }
    }
    Ok(ready)
}

/// The watches a [`poll`] call added, removed when it returns.
struct Watches<'a>(SmallVec<[(&'a Socket, WatchId); 8]>);

impl<'a> Watches<'a> {
    fn add(items: &[PollItem<'a>], signal: &StdArc<dyn Signal>) -> Self {
        let watches = items
            .iter()
            .filter_map(|item| item.socket())
            .map(|socket| (socket, socket.readiness().watch(StdArc::clone(signal))))
            .collect();
        Self(watches)
    }
}

impl Drop for Watches<'_> {
    fn drop(&mut self) {
        for (socket, id) in self.0.drain(..) {
            socket.readiness().unwatch(id);
        }
    }
}

thread_local! {
    /// The parker a thread's `poll` calls sleep on, made once per thread.
    static PARKER: StdArc<Parker> = StdArc::new(Parker::new());
    /// The descriptor a thread's `poll` calls over raw descriptors add to
    /// their set, made on first use.
    static FD_WAKE: std::cell::OnceCell<StdArc<FdWake>> = const { std::cell::OnceCell::new() };
}

fn thread_parker() -> StdArc<Parker> {
    PARKER.with(StdArc::clone)
}

fn thread_fd_wake() -> io::Result<StdArc<FdWake>> {
    FD_WAKE.with(|cell| {
        if let Some(wake) = cell.get() {
            return Ok(StdArc::clone(wake));
        }
        let wake = StdArc::new(FdWake::new()?);
        Ok(StdArc::clone(cell.get_or_init(|| wake)))
    })
}
