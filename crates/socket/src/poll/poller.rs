//! [`Poller`]: a persistent set of sockets and descriptors to wait on
//! (libzmq's `zmq_poller`). Each socket entry keeps a watch on its socket's
//! readiness for as long as it is in the poller; the watch queues the
//! entry's index when the socket may have changed. A wait looks only at the
//! queued entries and at those it found ready last time (readiness is
//! level-triggered: a socket still readable is reported again), so its cost
//! is O(ready), not O(registered). Descriptor entries are asked with
//! `poll(2)` on every wait (O(descriptors)).

use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use super::{FdWake, PollError, PollEvents, Source};
use crate::Socket;
use crate::pipe::deadline_after;
use crate::readiness::WatchId;
use crate::signal::{Armed, Parker, Signal};
use crate::sync::{Mutex, OnceLock, StdArc, lock};
use crate::sys::{self, POLLIN, PollFd};

/// One ready entry from [`Poller::wait`]: the token given at
/// [`add`](Poller::add) (libzmq's `user_data`) and what it is ready for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PollerEvent {
    /// The entry's token.
    pub token: usize,
    /// The events that happened, among those asked for (and
    /// [`PollEvents::ERR`] for a descriptor).
    pub events: PollEvents,
}

/// A persistent set of sockets and file descriptors to wait on, each with
/// the events wanted and a token to tell them apart (libzmq's
/// `zmq_poller`). Sockets are borrowed for the poller's life.
///
/// ```
/// use std::time::Duration;
/// use ferrozmq_msg::Msg;
/// use ferrozmq_socket::{Context, PollEvents, Poller, PollerEvent, SocketType};
///
/// let ctx = Context::new()?;
/// let pull = ctx.socket(SocketType::Pull)?;
/// pull.bind("inproc://poller-doc")?;
/// let push = ctx.socket(SocketType::Push)?;
/// push.connect("inproc://poller-doc")?;
///
/// let mut poller = Poller::new();
/// poller.add(&pull, 7, PollEvents::IN)?;
/// push.send(Msg::from_static(b"job"))?;
/// let mut events = [PollerEvent::default(); 4];
/// let n = poller.wait(&mut events, Some(Duration::from_secs(5)))?;
/// assert_eq!(&events[..n], [PollerEvent { token: 7, events: PollEvents::IN }]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Poller<'a> {
    shared: StdArc<Shared>,
    entries: Vec<Option<Entry<'a>>>,
    free: Vec<usize>,
    /// Socket entries to look at in the next wait: newly added, notified,
    /// or ready at the last look.
    listed: Vec<usize>,
    /// Scratch: the indices taken from the queue, then those reported.
    taken: Vec<usize>,
    /// Descriptor entries, with their `poll(2)` structs in the same order.
    fd_entries: Vec<usize>,
    fds: Vec<PollFd>,
}

struct Entry<'a> {
    source: Source<'a>,
    token: usize,
    events: PollEvents,
    /// Socket entries: their watch and its queued flag.
    watch: Option<(WatchId, StdArc<EntryWatch>)>,
    /// In `listed`.
    listed: bool,
}

/// What the watches share with the waiting poller.
struct Shared {
    /// Entry indices notified since the poller last looked.
    queue: Mutex<Vec<usize>>,
    parker: Parker,
    /// Set once the poller has descriptor entries: it then waits in
    /// `poll(2)` and is woken through this.
    fd_wake: OnceLock<FdWake>,
}

impl Shared {
    fn wake(&self) {
        match self.fd_wake.get() {
            Some(fd) => fd.notify(),
            None => self.parker.unpark(),
        }
    }
}

/// A socket entry's watch: queues the entry (once until the poller takes
/// it) and wakes the poller.
struct EntryWatch {
    shared: StdArc<Shared>,
    index: usize,
    /// The index is in the queue (the poller takes it before it looks).
    queued: Armed,
}

impl Signal for EntryWatch {
    fn notify(&self) {
        if self.queued.arm() {
            lock(&self.shared.queue).push(self.index);
        }
        self.shared.wake();
    }
}

impl<'a> Poller<'a> {
    /// An empty poller.
    pub fn new() -> Self {
        Self {
            shared: StdArc::new(Shared {
                queue: Mutex::new(Vec::new()),
                parker: Parker::new(),
                fd_wake: OnceLock::new(),
            }),
            entries: Vec::new(),
            free: Vec::new(),
            listed: Vec::new(),
            taken: Vec::new(),
            fd_entries: Vec::new(),
            fds: Vec::new(),
        }
    }

    /// How many sockets and descriptors are in the poller.
    pub fn len(&self) -> usize {
        self.entries.iter().flatten().count()
    }

    /// Whether the poller is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds `socket`, waiting for `events`, reported with `token`
    /// (libzmq's `zmq_poller_add`).
    ///
    /// # Errors
    ///
    /// [`PollError::AlreadyAdded`] when the socket is in the poller.
    pub fn add(
        &mut self,
        socket: &'a Socket,
        token: usize,
        events: PollEvents,
    ) -> Result<(), PollError> {
        self.insert(Source::Socket(socket), token, events)
    }

    /// Adds a raw file descriptor, waiting for `events`, reported with
    /// `token` (libzmq's `zmq_poller_add_fd`).
    ///
    /// # Errors
    ///
    /// [`PollError::AlreadyAdded`] when the descriptor is in the poller;
    /// [`PollError::Io`] when the poller's wake-up descriptor (made with
    /// the first descriptor entry) could not be made.
    pub fn add_fd(&mut self, fd: RawFd, token: usize, events: PollEvents) -> Result<(), PollError> {
        if self.shared.fd_wake.get().is_none() {
            let wake = FdWake::new()?;
            let _ = self.shared.fd_wake.set(wake);
        }
        self.insert(Source::Fd(fd), token, events)
    }

    /// Changes the events waited for on `socket` (libzmq's
    /// `zmq_poller_modify`).
    ///
    /// # Errors
    ///
    /// [`PollError::NotAdded`] when the socket is not in the poller.
    pub fn modify(&mut self, socket: &Socket, events: PollEvents) -> Result<(), PollError> {
        self.change(Source::Socket(socket), events)
    }

    /// Changes the events waited for on a descriptor.
    ///
    /// # Errors
    ///
    /// [`PollError::NotAdded`] when the descriptor is not in the poller.
    pub fn modify_fd(&mut self, fd: RawFd, events: PollEvents) -> Result<(), PollError> {
        self.change(Source::Fd(fd), events)
    }

    /// Removes `socket` (libzmq's `zmq_poller_remove`).
    ///
    /// # Errors
    ///
    /// [`PollError::NotAdded`] when the socket is not in the poller.
    pub fn remove(&mut self, socket: &Socket) -> Result<(), PollError> {
        self.take_out(Source::Socket(socket))
    }

    /// Removes a descriptor.
    ///
    /// # Errors
    ///
    /// [`PollError::NotAdded`] when the descriptor is not in the poller.
    pub fn remove_fd(&mut self, fd: RawFd) -> Result<(), PollError> {
        self.take_out(Source::Fd(fd))
    }

    fn find(&self, source: &Source<'_>) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.as_ref().is_some_and(|e| e.source.is(source)))
    }

    fn insert(
        &mut self,
        source: Source<'a>,
        token: usize,
        events: PollEvents,
    ) -> Result<(), PollError> {
        if self.find(&source).is_some() {
            return Err(PollError::AlreadyAdded);
        }
        let index = match self.free.pop() {
            Some(index) => index,
            None => {
                self.entries.push(None);
                self.entries.len() - 1
            }
        };
        let watch = match source {
            Source::Socket(socket) => {
                let watch = StdArc::new(EntryWatch {
                    shared: StdArc::clone(&self.shared),
                    index,
                    queued: Armed::new(),
                });
                let id = socket
                    .readiness()
                    .watch(StdArc::clone(&watch) as StdArc<dyn Signal>);
                self.listed.push(index);
                Some((id, watch))
            }
            Source::Fd(fd) => {
                self.fd_entries.push(index);
                self.fds.push(sys::poll_fd(fd, events.to_poll()));
                None
            }
        };
        self.entries[index] = Some(Entry {
            source,
            token,
            events,
            watch,
            listed: matches!(source, Source::Socket(_)),
        });
        Ok(())
    }

    fn change(&mut self, source: Source<'_>, events: PollEvents) -> Result<(), PollError> {
        let index = self.find(&source).ok_or(PollError::NotAdded)?;
        let Some(entry) = self.entries[index].as_mut() else {
            return Err(PollError::NotAdded);
        };
        entry.events = events;
        match entry.source {
            Source::Socket(_) => {
                if !entry.listed {
                    entry.listed = true;
                    self.listed.push(index);
                }
            }
            Source::Fd(_) => {
                if let Some(at) = self.fd_entries.iter().position(|&i| i == index) {
                    self.fds[at].events = events.to_poll();
                }
            }
        }
        Ok(())
    }

    fn take_out(&mut self, source: Source<'_>) -> Result<(), PollError> {
        let index = self.find(&source).ok_or(PollError::NotAdded)?;
        let Some(entry) = self.entries[index].take() else {
            return Err(PollError::NotAdded);
        };
        if let (Source::Socket(socket), Some((id, _))) = (entry.source, entry.watch) {
            socket.readiness().unwatch(id);
        }
        self.listed.retain(|&i| i != index);
        if let Some(at) = self.fd_entries.iter().position(|&i| i == index) {
            self.fd_entries.remove(at);
            self.fds.remove(at);
        }
        self.free.push(index);
        Ok(())
    }

    /// Waits until at least one entry is ready for one of its events or
    /// `timeout` passes (`None`: no limit; zero: just look), and fills
    /// `events` with up to `events.len()` ready entries (libzmq's
    /// `zmq_poller_wait_all`); returns how many it filled, 0 on timeout.
    /// Readiness is level-triggered: an entry still ready is reported by
    /// the next wait too. Entries that did not fit are reported next time.
    ///
    /// # Errors
    ///
    /// [`PollError::NoRoom`] for an empty `events`; [`PollError::Io`] when
    /// `poll(2)` fails on the descriptor entries.
    pub fn wait(
        &mut self,
        events: &mut [PollerEvent],
        timeout: Option<Duration>,
    ) -> Result<usize, PollError> {
        if events.is_empty() {
            return Err(PollError::NoRoom);
        }
        let just_look = timeout == Some(Duration::ZERO);
        // Read from the clock only once a wait is in sight.
        let mut deadline = None;
        loop {
            let mut n = self.look_at_sockets(events);
            let (wait, at) = if n > 0 || just_look {
                (Some(Duration::ZERO), None)
            } else {
                let at = *deadline.get_or_insert_with(|| deadline_after(timeout));
                let left = at.map(|at| at.saturating_duration_since(Instant::now()));
                if left == Some(Duration::ZERO) {
                    return Ok(0);
                }
                (left, at)
            };
            if self.shared.fd_wake.get().is_some() {
                n += self.look_at_fds(&mut events[n..], wait)?;
            } else if n == 0 && !just_look {
                self.shared.parker.park(at);
            }
            if n > 0 || just_look {
                return Ok(n);
            }
        }
    }

    /// Takes the queued entries into the list, looks at every listed
    /// socket, fills `out` with the ready ones (they stay listed) and
    /// drops the others from the list; returns how many it filled.
    fn look_at_sockets(&mut self, out: &mut [PollerEvent]) -> usize {
        core::mem::swap(&mut *lock(&self.shared.queue), &mut self.taken);
        for index in self.taken.drain(..) {
            let Some(entry) = self.entries.get_mut(index).and_then(Option::as_mut) else {
                continue;
            };
            let Some((_, watch)) = &entry.watch else {
                continue;
            };
            // Before the look: a change after it queues the entry again,
            // and one before it is visible to the look (see `Armed`).
            watch.queued.take();
            if !entry.listed {
                entry.listed = true;
                self.listed.push(index);
            }
        }
        // Looked-at entries still ready go to the back, so that with more
        // ready entries than room every one gets its turn.
        let mut n = 0;
        let entries = &mut self.entries;
        let reported = &mut self.taken;
        self.listed.retain(|&index| {
            let Some(entry) = entries[index].as_mut() else {
                return false;
            };
            if n == out.len() {
                // No room: first in line for the next wait.
                return true;
            }
            let ready = match entry.source {
                Source::Socket(socket) => socket.events() & entry.events,
                Source::Fd(_) => PollEvents::NONE,
            };
            if ready.is_empty() {
                entry.listed = false;
            } else {
                out[n] = PollerEvent {
                    token: entry.token,
                    events: ready,
                };
                n += 1;
                reported.push(index);
            }
            false
        });
        self.listed.append(&mut self.taken);
        n
    }

    /// `poll(2)` over the descriptor entries and the wake-up descriptor,
    /// up to `wait`; fills `out` with the ready descriptors.
    fn look_at_fds(
        &mut self,
        out: &mut [PollerEvent],
        wait: Option<Duration>,
    ) -> Result<usize, PollError> {
        let Self {
            shared,
            fds,
            fd_entries,
            entries,
            ..
        } = self;
        let Some(wake) = shared.fd_wake.get() else {
            return Ok(0);
        };
        fds.push(sys::poll_fd(wake.fd(), POLLIN));
        let polled = sys::poll_fds(fds, wait);
        fds.pop();
        wake.reset();
        polled?;
        let mut n = 0;
        for (fd, &index) in fds.iter().zip(fd_entries.iter()) {
            if n == out.len() {
                break;
            }
            let Some(entry) = entries[index].as_ref() else {
                continue;
            };
            let ready = PollEvents::from_poll(fd.revents) & (entry.events | PollEvents::ERR);
            if !ready.is_empty() {
                out[n] = PollerEvent {
                    token: entry.token,
                    events: ready,
                };
                n += 1;
            }
        }
        Ok(n)
    }
}

impl Default for Poller<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Poller<'_> {
    fn drop(&mut self) {
        for entry in self.entries.drain(..).flatten() {
            if let (Source::Socket(socket), Some((id, _))) = (entry.source, entry.watch) {
                socket.readiness().unwatch(id);
            }
        }
    }
}

impl core::fmt::Debug for Poller<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Poller")
            .field("entries", &self.len())
            .field("descriptors", &self.fd_entries.len())
            .finish_non_exhaustive()
    }
}
