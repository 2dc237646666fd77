//! [`pipe`]: the bounded single-producer single-consumer queue of whole
//! messages between a socket (user thread) and one of its sessions (I/O
//! thread), with libzmq's ypipe wake-up rule.
//!
//! One item is one complete [`Multipart`] (a socket's pipes carry an
//! `Item`: a whole message or a typed control item, see `item.rs`), so a
//! multi-part message becomes visible to the reader only once all its
//! parts are in, and the capacity (the high-water mark) counts whole
//! messages. Capacity 0 means unbounded,
//! as libzmq's HWM 0 does. Moving a message through a pipe moves its handle:
//! no frame is copied. A bounded pipe's storage grows in chunks as messages
//! queue and is given back as they drain (an idle pipe holds about 1 KiB);
//! a steady stream, even one held at the HWM, allocates nothing.
//!
//! This module does not know sockets, patterns or I/O threads. It does not
//! decide what to do on a full pipe (PUB drops, PUSH blocks; that is the
//! socket's choice), and it does not know what a [`Signal`] does.
//!
//! # Wake-ups
//!
//! libzmq's rule (`ypipe_t`): a side is woken only when it went to sleep, so a
//! steady stream costs no system call per message. A side "goes to sleep" by
//! getting [`TryRecvError::Empty`] (reader) or [`TrySendError::Full`]
//! (writer); each of those answers is a promise that its signal will be
//! notified once the other side makes progress or goes. Between such answers a
//! side may poll as it likes; it must not wait on its signal without one.
//!
//! Each direction is a Dekker handshake (store my flag, `SeqCst` fence, load
//! the other's state), as in `ferrozmq-alloc`'s `waiters.rs`:
//!
//! | | sleeper | waker |
//! | --- | --- | --- |
//! | reader, on empty | store `reader_asleep = true`; fence **F1r**; load `writer_gone`; pop again | push; fence **F1w**; load `reader_asleep`, and if set, swap it to `false` and notify the reader |
//! | writer, on full | store `writer_asleep = true`; fence **F2w**; load `reader_gone`; push again | pop; fence **F2r**; load `writer_asleep`, and if set and the pipe is down to its low-water mark, swap it to `false` and notify the writer |
//!
//! F1r pairs with F1w, F2w with F2r. `SeqCst` fences are totally ordered: if
//! F1w comes first, the reader's second pop (after F1r) sees the push (a push
//! ends with a release store of the slot that a pop loads, see `queue.rs`);
//! if F1r comes first, the writer's load (after F1w) sees `reader_asleep`.
//! Either the sleeper finds the message (or the free slot) on its second look,
//! or the waker sees the flag; never neither. The swap hands the flag to
//! exactly one notification per sleep. A sleeper whose second look succeeded
//! clears its own flag, so a running side is not notified needlessly (a race
//! there costs one spurious notification, never a lost one).
//!
//! A full pipe wakes its writer only once the reader has drained it to the
//! low-water mark: half the capacity, as libzmq's `compute_lwm` sets it
//! (`(hwm + 1) / 2` messages of room). Without that hysteresis a writer faster than its
//! reader is woken for every slot freed, and both sides pay a context switch
//! per message (measured: 5x the context switches of libzmq on inproc). A
//! writer that found the pipe full therefore waits for that much room, as
//! libzmq's does; the reader notices the flag on each pop until then, and an
//! empty pipe is always at or below the mark, so the wake-up still comes.
//!
//! A side that moves messages in batches (a session on an I/O thread) may
//! skip the waker's half per message (`try_send_unflushed`,
//! `try_recv_unflushed_with`) and do it once for the batch (`flush`: the fence,
//! then the flag), as libzmq's ypipe writes and then flushes. The handshake
//! is the same with the fence later: the flag of a sleeper that fenced
//! before the flush is seen by the flush, and a sleeper that fenced after
//! it sees every move made before it. Until the flush the other side may
//! sleep through those moves, so a batching side flushes before it waits
//! for anything.
//!
//! Dropping an end sets its `*_gone` flag (release) and notifies the other
//! side unconditionally, once: a socket must learn that a session went even
//! if it never sleeps on the pipe. A reader sees `Disconnected` only once
//! drained: it loads `writer_gone` (acquire) *before* its last pop, and the
//! writer set it after its last push. A dropped reader drops the messages
//! left in the pipe at once, so their memory goes back to its allocator.
//!
//! # Many pipes, one signal
//!
//! The signals are supplied by the caller, so a socket reading from N peers
//! passes the same [`Parker`] (or I/O-thread waker) as the reader signal of
//! all N pipes, polls them in turn, and sleeps once all of them answered
//! `Empty`; any writer's next send wakes it. A notification does not say
//! which pipe changed: the sleeper polls again (a socket that wants to know
//! can give each pipe a small [`Signal`] that records its index and forwards
//! to the shared one).
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use ferrozmq_msg::{Msg, Multipart};
//! use ferrozmq_socket::{Parker, TryRecvError, pipe};
//!
//! let (mut tx, mut rx) = pipe(1000, Arc::new(Parker::new()), Arc::new(Parker::new()));
//! let sender = std::thread::spawn(move || {
//!     let m = Multipart::from([Msg::from_static(b"topic"), Msg::from(vec![7u8; 1 << 20])]);
//!     tx.send_timeout(m, None).unwrap();
//! });
//! let m = rx.recv_timeout(None).unwrap(); // both parts, or nothing
//! assert_eq!((m.len(), m[0].as_slice(), m[1].len()), (2, &b"topic"[..], 1 << 20));
//! sender.join().unwrap();
//! assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected)); // the writer is gone
//! ```

// A failed send hands the message back by value (crossbeam's `TrySendError`,
// the house rule for errors). A `Multipart` is large (two frames inline) so that a
// message needs no allocation; boxing it in the error would put one on every
// refused send, the very path a PUB socket at its HWM takes per message.
#![allow(clippy::result_large_err)]

mod error;
mod item;
mod queue;

use core::fmt;
use std::time::{Duration, Instant};

use ferrozmq_msg::Multipart;

pub use self::error::{RecvTimeoutError, SendTimeoutError, TryRecvError, TrySendError};
pub(crate) use self::item::{Item, PeerMeta};
use self::queue::{Head, Queue, Tail};
use crate::signal::{Parker, Signal};
use crate::sync::{Arc, AtomicBool, Ordering, StdArc, fence};

/// Creates a pipe holding at most `capacity` messages (0: unbounded), and
/// returns its two ends, writer first.
///
/// One item is one whole [`Multipart`]: a multi-part message is received
/// all at once or not at all, and `capacity` (the high-water mark) counts
/// messages, not frames or bytes.
///
/// `reader_signal` is notified when the reader may have something to
/// receive: it answered [`TryRecvError::Empty`] and the writer then sent, or
/// the writer went. `writer_signal` is notified when the writer may have room:
/// it answered [`TrySendError::Full`] and the reader then received, or the
/// reader went. No other send or receive notifies anyone, so a busy pipe
/// makes no system call per message (libzmq's ypipe rule). Either signal may
/// be shared by many pipes: a socket reading N peers passes one [`Parker`] to
/// all N, polls them in turn, and parks once all of them answered `Empty`.
/// A notification does not say which pipe changed.
///
/// A bounded pipe allocates no slot here: storage grows in chunks with the
/// backlog, up to `capacity`, and is given back as it drains; a steady
/// stream allocates nothing. An unbounded one allocates as it grows.
pub fn pipe<T>(
    capacity: usize,
    reader_signal: StdArc<dyn Signal>,
    writer_signal: StdArc<dyn Signal>,
) -> (PipeWriter<T>, PipeReader<T>) {
    pipe_with(Queue::new(capacity), capacity, reader_signal, writer_signal)
}

/// A pipe that keeps only the last message written (libzmq's
/// `ZMQ_CONFLATE`, its `dbuffer_t`): a send never finds it full and
/// replaces a message the reader has not taken yet.
pub(crate) fn conflating_pipe<T>(
    reader_signal: StdArc<dyn Signal>,
    writer_signal: StdArc<dyn Signal>,
) -> (PipeWriter<T>, PipeReader<T>) {
    pipe_with(Queue::conflating(), 0, reader_signal, writer_signal)
}

fn pipe_with<T>(
    queue: Queue<T>,
    capacity: usize,
    reader_signal: StdArc<dyn Signal>,
    writer_signal: StdArc<dyn Signal>,
) -> (PipeWriter<T>, PipeReader<T>) {
    let shared = Arc::new(Shared {
        queue,
        low_water: low_water(capacity),
        reader_asleep: AtomicBool::new(false),
        writer_asleep: AtomicBool::new(false),
        reader_gone: AtomicBool::new(false),
        writer_gone: AtomicBool::new(false),
        reader_signal,
        writer_signal,
    });
    let writer = PipeWriter {
        shared: Arc::clone(&shared),
        tail: Tail::default(),
        unflushed: false,
    };
    let reader = PipeReader {
        shared,
        head: Head::default(),
        unflushed: false,
    };
    (writer, reader)
}

/// The sending end of a [`pipe`]. Dropping it disconnects the pipe: the
/// reader receives what was sent, then [`TryRecvError::Disconnected`].
pub struct PipeWriter<T = Multipart> {
    shared: Arc<Shared<T>>,
    /// The queue's producer state: only this end pushes.
    tail: Tail<T>,
    /// A push since the last wake-up check (see [`flush`](Self::flush)).
    unflushed: bool,
}

/// The receiving end of a [`pipe`]. Dropping it disconnects the pipe and drops
/// the messages still in it; the writer gets [`TrySendError::Disconnected`].
pub struct PipeReader<T = Multipart> {
    shared: Arc<Shared<T>>,
    /// The queue's consumer state: only this end pops.
    head: Head<T>,
    /// A pop since the last wake-up check (see [`flush`](Self::flush)).
    unflushed: bool,
}

/// What both ends share.
struct Shared<T> {
    queue: Queue<T>,
    /// A full pipe's writer is woken once the pipe holds this many messages
    /// or fewer (see the module docs).
    low_water: usize,
    /// The reader answered `Empty` and has not been notified since.
    reader_asleep: AtomicBool,
    /// The writer answered `Full` and has not been notified since.
    writer_asleep: AtomicBool,
    reader_gone: AtomicBool,
    writer_gone: AtomicBool,
    reader_signal: StdArc<dyn Signal>,
    writer_signal: StdArc<dyn Signal>,
}

impl<T> PipeWriter<T> {
    /// Queues `msg` if there is room and the reader is still there; otherwise
    /// hands it back. Never blocks.
    ///
    /// Notifies the reader's signal only when the reader had answered
    /// [`TryRecvError::Empty`] since its last notification.
    ///
    /// # Errors
    ///
    /// [`TrySendError::Full`] when the pipe holds its capacity; the writer's
    /// signal will be notified once the reader takes a message or goes.
    /// [`TrySendError::Disconnected`] when the reader is gone.
    #[inline]
    pub fn try_send(&mut self, msg: T) -> Result<(), TrySendError<T>> {
        self.shared.try_send(&mut self.tail, msg)
    }

    /// As [`try_send`](Self::try_send), with the message made by `make`
    /// only once there is room for it: a sender whose message lies in its
    /// own place (the socket's send) moves it once, into the pipe's slot,
    /// and keeps it when the pipe is full or gone, instead of moving it in
    /// and getting it back through every layer in between.
    ///
    /// # Errors
    ///
    /// As [`try_send`](Self::try_send), with `make` back, not called.
    #[inline]
    pub(crate) fn try_send_with<F: FnOnce() -> T>(
        &mut self,
        make: F,
    ) -> Result<(), TrySendError<F>> {
        self.shared.push_with(&mut self.tail, make)?;
        self.shared.wake_reader();
        Ok(())
    }

    /// Queues `msg`, waiting while the pipe is full, until `timeout` passes
    /// (`None`: no limit).
    ///
    /// # Errors
    ///
    /// [`SendTimeoutError::Timeout`] with the message when the pipe stayed
    /// full; [`SendTimeoutError::Disconnected`] when the reader is gone.
    ///
    /// # Panics
    ///
    /// When the pipe's writer signal is not a [`Parker`] (see
    /// [`Signal::as_parker`]): an event loop waits on its own signal, not
    /// here.
    pub fn send_timeout(
        &mut self,
        msg: T,
        timeout: Option<Duration>,
    ) -> Result<(), SendTimeoutError<T>> {
        let shared = &*self.shared;
        let parker = parker_of(&*shared.writer_signal, "send_timeout", "writer");
        let deadline = deadline_after(timeout);
        let mut msg = msg;
        loop {
            match shared.try_send(&mut self.tail, msg) {
                Err(TrySendError::Full(back)) => msg = back,
                done => return done.map_err(SendTimeoutError::from),
            }
            // `Full` armed the handshake: the reader notifies the parker
            // after its next receive, or when it goes.
            if !parker.park(deadline) {
                return shared
                    .try_send(&mut self.tail, msg)
                    .map_err(SendTimeoutError::from);
            }
        }
    }

    /// As [`try_send`](Self::try_send), without the wake-up check: the
    /// reader that answered `Empty` is not notified until
    /// [`flush`](Self::flush). A writer moving a batch (an I/O thread
    /// delivering a read's worth of messages) pays one `SeqCst` fence for
    /// the batch instead of one per message, as libzmq's ypipe writes
    /// without flushing and flushes once (`ypipe_t::write`, `flush`).
    ///
    /// The writer must call [`flush`](Self::flush) before it waits for
    /// anything, or the reader may sleep through what was sent.
    ///
    /// # Errors
    ///
    /// As [`try_send`](Self::try_send).
    #[inline]
    pub(crate) fn try_send_unflushed(&mut self, msg: T) -> Result<(), TrySendError<T>> {
        self.try_send_unflushed_with(|| msg)
            .map_err(|e| e.map(|make| make()))
    }

    /// As [`try_send_unflushed`](Self::try_send_unflushed), with the
    /// message made by `make` only once there is room for it (see
    /// [`try_send_with`](Self::try_send_with)).
    ///
    /// # Errors
    ///
    /// As [`try_send`](Self::try_send), with `make` back, not called.
    #[inline]
    pub(crate) fn try_send_unflushed_with<F: FnOnce() -> T>(
        &mut self,
        make: F,
    ) -> Result<(), TrySendError<F>> {
        self.shared.push_with(&mut self.tail, make)?;
        self.unflushed = true;
        Ok(())
    }

    /// Notifies the reader if it answered `Empty` and a
    /// [`try_send_unflushed`](Self::try_send_unflushed) has queued a
    /// message since the last check; nothing when there was none.
    #[inline]
    pub(crate) fn flush(&mut self) {
        if core::mem::take(&mut self.unflushed) {
            self.shared.wake_reader();
        }
    }

    /// Whether a [`try_send`](Self::try_send) now would not answer
    /// [`TrySendError::Full`]. When it would, the writer is declared asleep
    /// exactly as by a `Full` answer: the writer's signal is notified once
    /// the reader has made room or gone. This is the readiness question a
    /// poller asks without a message in hand (libzmq's `check_write`).
    pub(crate) fn poll_ready(&mut self) -> bool {
        let shared = &*self.shared;
        if shared.reader_gone.load(Ordering::Relaxed) || !shared.queue.is_full() {
            return true;
        }
        shared.writer_asleep.store(true, Ordering::Relaxed);
        // F2w, as in `try_send`.
        fence(Ordering::SeqCst);
        if shared.reader_gone.load(Ordering::Relaxed) || !shared.queue.is_full() {
            shared.writer_asleep.store(false, Ordering::Relaxed);
            return true;
        }
        false
    }

    /// How many messages are in the pipe (a snapshot).
    pub fn len(&self) -> usize {
        self.shared.queue.len()
    }

    /// Whether the pipe is empty (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether a send would find the pipe full now (a snapshot); never for an
    /// unbounded pipe.
    pub fn is_full(&self) -> bool {
        self.shared.queue.is_full()
    }

    /// How many messages the pipe holds at most; `None` when unbounded.
    pub fn capacity(&self) -> Option<usize> {
        self.shared.queue.capacity()
    }

    /// Whether the reader is gone.
    pub fn is_disconnected(&self) -> bool {
        self.shared.reader_gone.load(Ordering::Relaxed)
    }
}

impl<T> PipeReader<T> {
    /// Takes the oldest message, if any. Never blocks.
    ///
    /// Notifies the writer's signal only when the writer had answered
    /// [`TrySendError::Full`] since its last notification.
    ///
    /// # Errors
    ///
    /// [`TryRecvError::Empty`] when there is no message; the reader's signal
    /// will be notified after the writer's next send, or when it goes.
    /// [`TryRecvError::Disconnected`] when the writer is gone and every
    /// message it sent has been received.
    #[inline]
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.shared.try_recv(&mut self.head)
    }

    /// As [`try_recv`](Self::try_recv), handing the message to `f` where
    /// it lies in the pipe, then dropping what `f` left of it there (see
    /// [`try_recv_unflushed_with`](Self::try_recv_unflushed_with)).
    ///
    /// # Errors
    ///
    /// As [`try_recv`](Self::try_recv); `f` is not called.
    #[inline]
    pub(crate) fn try_recv_with<R>(
        &mut self,
        f: impl FnMut(&mut T) -> R,
    ) -> Result<R, TryRecvError> {
        let out = self.pop_with(f)?;
        self.shared.wake_writer();
        Ok(out)
    }

    /// As [`try_recv`](Self::try_recv), without the wake-up check, and
    /// handing the message to `f` where it lies in the pipe, then dropping
    /// what `f` left of it there.
    ///
    /// Without the check, a writer that answered `Full` is not notified
    /// until [`flush`](Self::flush): one `SeqCst` fence per batch instead of
    /// one per message. The reader must call [`flush`](Self::flush) before
    /// it waits for anything, or the writer may sleep on a pipe it could
    /// fill.
    ///
    /// In place, a reader that takes the message apart (a session encoding
    /// its frames) reads them from the pipe's slot instead of from a copy
    /// of the whole item moved out through every layer in between: those
    /// moves, byte-tagged enums wrapped in one another, made the CPU wait
    /// on stores it could not forward to the differently shaped loads
    /// after them (perf annotate of a tcp 64 B sender: ~15 % of the
    /// sending process).
    ///
    /// # Errors
    ///
    /// As [`try_recv`](Self::try_recv); `f` is not called.
    #[inline]
    pub(crate) fn try_recv_unflushed_with<R>(
        &mut self,
        f: impl FnMut(&mut T) -> R,
    ) -> Result<R, TryRecvError> {
        let out = self.pop_with(f)?;
        self.unflushed = true;
        Ok(out)
    }

    /// The in-place pop of both forms above, without the wake-up check.
    #[inline]
    fn pop_with<R>(&mut self, mut f: impl FnMut(&mut T) -> R) -> Result<R, TryRecvError> {
        self.shared
            .pop_by(&mut self.head, |queue, head| queue.pop_with(head, &mut f))
    }

    /// Notifies the writer if it answered `Full`, a
    /// [`try_recv_unflushed_with`](Self::try_recv_unflushed_with) has taken a message
    /// since the last check and the pipe is down to its low-water mark;
    /// nothing when none was taken.
    #[inline]
    pub(crate) fn flush(&mut self) {
        if core::mem::take(&mut self.unflushed) {
            self.shared.wake_writer();
        }
    }

    /// Takes the oldest message, waiting while the pipe is empty, until
    /// `timeout` passes (`None`: no limit).
    ///
    /// # Errors
    ///
    /// [`RecvTimeoutError::Timeout`] when nothing arrived in time;
    /// [`RecvTimeoutError::Disconnected`] when the writer is gone and every
    /// message it sent has been received.
    ///
    /// # Panics
    ///
    /// When the pipe's reader signal is not a [`Parker`] (see
    /// [`Signal::as_parker`]): an event loop waits on its own signal, not
    /// here.
    pub fn recv_timeout(&mut self, timeout: Option<Duration>) -> Result<T, RecvTimeoutError> {
        let shared = &*self.shared;
        let parker = parker_of(&*shared.reader_signal, "recv_timeout", "reader");
        let deadline = deadline_after(timeout);
        loop {
            match shared.try_recv(&mut self.head) {
                Err(TryRecvError::Empty) => {}
                done => return done.map_err(RecvTimeoutError::from),
            }
            // `Empty` armed the handshake: the writer notifies the parker
            // after its next send, or when it goes.
            if !parker.park(deadline) {
                return shared
                    .try_recv(&mut self.head)
                    .map_err(RecvTimeoutError::from);
            }
        }
    }

    /// How many messages are in the pipe (a snapshot).
    pub fn len(&self) -> usize {
        self.shared.queue.len()
    }

    /// Whether the pipe is empty (a snapshot).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many messages the pipe holds at most; `None` when unbounded.
    pub fn capacity(&self) -> Option<usize> {
        self.shared.queue.capacity()
    }

    /// Whether the writer is gone. Messages it sent may still be waiting;
    /// [`try_recv`](Self::try_recv) says `Disconnected` once they are taken.
    pub fn is_disconnected(&self) -> bool {
        self.shared.writer_gone.load(Ordering::Relaxed)
    }
}

impl<T> Shared<T> {
    /// A push, then the wake-up check.
    #[inline]
    fn try_send(&self, tail: &mut Tail<T>, msg: T) -> Result<(), TrySendError<T>> {
        self.push(tail, msg)?;
        self.wake_reader();
        Ok(())
    }

    /// Queues `msg` unless the reader is gone; on a full pipe declares the
    /// writer asleep and looks again. No wake-up check: the caller makes it
    /// (`wake_reader`), now or once per batch.
    #[inline]
    fn push(&self, tail: &mut Tail<T>, msg: T) -> Result<(), TrySendError<T>> {
        self.push_with(tail, || msg)
            .map_err(|e| e.map(|make| make()))
    }

    /// As [`push`](Self::push), with the message made by `make` once there
    /// is room for it, or `make` handed back.
    #[inline]
    fn push_with<F: FnOnce() -> T>(
        &self,
        tail: &mut Tail<T>,
        make: F,
    ) -> Result<(), TrySendError<F>> {
        if self.reader_gone.load(Ordering::Relaxed) {
            return Err(TrySendError::Disconnected(make));
        }
        let make = match self.queue.push_with(tail, make) {
            Ok(()) => return Ok(()),
            Err(make) => make,
        };
        // Full: declare the writer asleep, then look again.
        self.writer_asleep.store(true, Ordering::Relaxed);
        // F2w, pairs with F2r in `wake_writer`: either the push below sees
        // the slot a concurrent pop freed, or that pop's reader sees
        // `writer_asleep`.
        fence(Ordering::SeqCst);
        if self.reader_gone.load(Ordering::Relaxed) {
            return Err(TrySendError::Disconnected(make));
        }
        match self.queue.push_with(tail, make) {
            Ok(()) => {
                self.writer_asleep.store(false, Ordering::Relaxed);
                Ok(())
            }
            Err(make) => Err(TrySendError::Full(make)),
        }
    }

    /// After a push: notifies the reader if it declared itself asleep.
    #[inline]
    fn wake_reader(&self) {
        // F1w, pairs with F1r in `try_recv`.
        fence(Ordering::SeqCst);
        // The plain load keeps the common case (reader awake) free of a
        // read-modify-write; the swap lets one notification consume the flag.
        if self.reader_asleep.load(Ordering::Relaxed)
            && self.reader_asleep.swap(false, Ordering::Relaxed)
        {
            self.reader_signal.notify();
        }
    }

    /// A pop, then the wake-up check.
    #[inline]
    fn try_recv(&self, head: &mut Head<T>) -> Result<T, TryRecvError> {
        let msg = self.pop(head)?;
        self.wake_writer();
        Ok(msg)
    }

    /// Takes the oldest message; on an empty pipe declares the reader
    /// asleep and looks again. No wake-up check: the caller makes it
    /// (`wake_writer`), now or once per batch.
    #[inline]
    fn pop(&self, head: &mut Head<T>) -> Result<T, TryRecvError> {
        self.pop_by(head, Queue::pop)
    }

    /// As [`pop`](Self::pop), through `take` from the queue.
    #[inline]
    fn pop_by<R>(
        &self,
        head: &mut Head<T>,
        mut take: impl FnMut(&Queue<T>, &mut Head<T>) -> Option<R>,
    ) -> Result<R, TryRecvError> {
        if let Some(msg) = take(&self.queue, head) {
            return Ok(msg);
        }
        // Empty: declare the reader asleep, then look again.
        self.reader_asleep.store(true, Ordering::Relaxed);
        // F1r, pairs with F1w in `wake_reader`: either the pop below sees a
        // concurrent push, or that push's writer sees `reader_asleep`.
        fence(Ordering::SeqCst);
        // Before the pop: the writer set `writer_gone` (release) after its
        // last push, so if we see it, the pop sees every message.
        let writer_gone = self.writer_gone.load(Ordering::Acquire);
        match take(&self.queue, head) {
            Some(msg) => {
                self.reader_asleep.store(false, Ordering::Relaxed);
                Ok(msg)
            }
            None if writer_gone => Err(TryRecvError::Disconnected),
            None => Err(TryRecvError::Empty),
        }
    }

    /// After a pop: notifies the writer if it declared itself asleep and
    /// the pipe is down to its low-water mark.
    #[inline]
    fn wake_writer(&self) {
        // F2r, pairs with F2w in `try_send`.
        fence(Ordering::SeqCst);
        if self.writer_asleep.load(Ordering::Relaxed)
            && self.queue.len() <= self.low_water
            && self.writer_asleep.swap(false, Ordering::Relaxed)
        {
            self.writer_signal.notify();
        }
    }
}

impl<T> Drop for PipeWriter<T> {
    fn drop(&mut self) {
        // After every push of ours; `try_recv` acquires it before its last pop.
        self.shared.writer_gone.store(true, Ordering::Release);
        // Unconditionally: a reader that polls without sleeping learns it at
        // its next `try_recv`, and one that sleeps must be woken to learn it.
        self.shared.reader_signal.notify();
    }
}

impl<T> Drop for PipeReader<T> {
    fn drop(&mut self) {
        self.shared.reader_gone.store(true, Ordering::Release);
        // Unread messages go now, not when the writer goes: their memory may
        // belong to a receive allocator that is waiting for it. A send racing
        // with this drop may still land after it; the pipe's last owner drops
        // that one.
        while self.shared.queue.pop(&mut self.head).is_some() {}
        self.shared.writer_signal.notify();
    }
}

impl<T> fmt::Debug for PipeWriter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeWriter")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("disconnected", &self.is_disconnected())
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Debug for PipeReader<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PipeReader")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("disconnected", &self.is_disconnected())
            .finish_non_exhaustive()
    }
}

/// The parker behind `signal`, for the blocking helper `op` of the `end` side.
fn parker_of<'a>(signal: &'a dyn Signal, op: &str, end: &str) -> &'a Parker {
    match signal.as_parker() {
        Some(parker) => parker,
        None => panic!("PipeReader/PipeWriter::{op} needs a Parker as the pipe's {end} signal"),
    }
}

/// The low-water mark of a pipe of `capacity` (see the module docs): at
/// least `(capacity + 1) / 2` free, libzmq's `compute_lwm`. 0 for an
/// unbounded pipe, whose writer never sleeps.
fn low_water(capacity: usize) -> usize {
    capacity / 2
}

/// The instant `timeout` from now; `None` for no timeout or one too far away
/// to represent.
pub(crate) fn deadline_after(timeout: Option<Duration>) -> Option<Instant> {
    timeout.and_then(|t| Instant::now().checked_add(t))
}

/// Helpers shared by the unit tests and the loom models.
#[cfg(test)]
mod test_support {
    use ferrozmq_msg::{Msg, Multipart};

    use super::{PipeReader, PipeWriter, pipe};
    use crate::signal::Parker;
    use crate::sync::StdArc;

    /// A pipe whose two ends block on their own parkers.
    pub(super) fn parked_pipe(capacity: usize) -> (PipeWriter, PipeReader) {
        pipe(
            capacity,
            StdArc::new(Parker::new()),
            StdArc::new(Parker::new()),
        )
    }

    /// Message `i`: two frames, `[i]` and `[i, i]`.
    pub(super) fn item(i: u8) -> Multipart {
        Multipart::from([Msg::copy_from_slice(&[i]), Msg::copy_from_slice(&[i, i])])
    }

    /// Checks that `m` is a whole message made by [`item`] and returns its
    /// index.
    pub(super) fn index_of(m: &Multipart) -> u8 {
        assert_eq!(m.len(), 2, "a message arrived without all its frames");
        let i = m[0][0];
        assert_eq!((m[0].len(), m[1].as_slice()), (1, &[i, i][..]));
        i
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use std::task::{Wake, Waker};
    use std::thread;

    use ferrozmq_msg::Msg;

    use super::test_support::{index_of, item, parked_pipe};
    use super::*;
    use crate::sync::{AtomicUsize, StdArc};

    /// Counts notifications.
    #[derive(Default)]
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: StdArc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    impl Counter {
        fn get(&self) -> usize {
            self.0.load(Ordering::SeqCst)
        }
    }

    /// A pipe whose two ends signal counting wakers.
    fn counted_pipe(capacity: usize) -> (PipeWriter, PipeReader, StdArc<Counter>, StdArc<Counter>) {
        let (r, w) = (
            StdArc::new(Counter::default()),
            StdArc::new(Counter::default()),
        );
        let (tx, rx) = pipe(
            capacity,
            StdArc::new(Waker::from(StdArc::clone(&r))),
            StdArc::new(Waker::from(StdArc::clone(&w))),
        );
        (tx, rx, r, w)
    }

    /// Message `seq`: its number, then `seq % 100` bytes derived from it
    /// (inline and chunk frames both).
    fn numbered(seq: u64) -> Multipart {
        let body: Vec<u8> = (0..seq % 100).map(|k| (seq ^ k) as u8).collect();
        Multipart::from([
            Msg::copy_from_slice(&seq.to_le_bytes()),
            Msg::copy_from_slice(&body),
        ])
    }

    fn check_numbered(m: &Multipart, seq: u64) {
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].as_slice(), seq.to_le_bytes());
        assert_eq!(m[1].len() as u64, seq % 100);
        assert!(m[1].iter().zip(0..).all(|(&b, k)| b == (seq ^ k) as u8));
    }

    #[test]
    fn many_messages_through_a_small_pipe_in_order() {
        const N: u64 = 100_000;
        let (mut tx, mut rx) = parked_pipe(8);
        let sender = thread::spawn(move || {
            for seq in 0..N {
                tx.send_timeout(numbered(seq), None).unwrap();
            }
        });
        for seq in 0..N {
            check_numbered(&rx.recv_timeout(None).unwrap(), seq);
        }
        sender.join().unwrap();
        assert_eq!(rx.recv_timeout(None), Err(RecvTimeoutError::Disconnected));
    }

    #[test]
    fn full_hands_the_message_back() {
        let (mut tx, mut rx, _, _) = counted_pipe(2);
        assert_eq!(tx.capacity(), Some(2));
        tx.try_send(item(0)).unwrap();
        tx.try_send(item(1)).unwrap();
        assert!(tx.is_full());
        assert_eq!((tx.len(), rx.len()), (2, 2));
        let back = tx.try_send(item(2)).unwrap_err();
        assert!(back.is_full());
        assert_eq!(index_of(&back.into_inner()), 2);
        assert_eq!(index_of(&rx.try_recv().unwrap()), 0);
        assert_eq!(index_of(&rx.try_recv().unwrap()), 1);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        assert!(rx.is_empty());
    }

    /// The ypipe rule: a notification only after the other side said
    /// `Empty`/`Full`, and one per such answer, not one per message.
    #[test]
    fn notifies_only_a_side_that_went_to_sleep() {
        let (mut tx, mut rx, reader_wakes, writer_wakes) = counted_pipe(2);
        tx.try_send(item(0)).unwrap();
        tx.try_send(item(1)).unwrap();
        assert_eq!(reader_wakes.get(), 0); // the reader never said Empty
        assert!(tx.try_send(item(2)).unwrap_err().is_full()); // the writer sleeps
        assert_eq!(index_of(&rx.try_recv().unwrap()), 0);
        assert_eq!(writer_wakes.get(), 1);
        assert_eq!(index_of(&rx.try_recv().unwrap()), 1);
        assert_eq!(writer_wakes.get(), 1); // one per sleep
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty)); // the reader sleeps
        assert_eq!(rx.try_recv(), Err(TryRecvError::Empty));
        tx.try_send(item(3)).unwrap();
        assert_eq!(reader_wakes.get(), 1);
        tx.try_send(item(4)).unwrap();
        assert_eq!(reader_wakes.get(), 1); // one per sleep
        assert_eq!((writer_wakes.get(), reader_wakes.get()), (1, 1));
        drop(tx);
        assert_eq!(reader_wakes.get(), 2); // a drop always notifies
        assert_eq!(index_of(&rx.try_recv().unwrap()), 3);
        assert_eq!(index_of(&rx.try_recv().unwrap()), 4);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        assert_eq!(writer_wakes.get(), 1);
    }

    /// A full pipe's writer is woken once half the capacity is free
    /// (libzmq's low-water mark), not for every slot freed.
    #[test]
    fn a_full_writer_is_woken_at_the_low_water_mark() {
        let (mut tx, mut rx, _, writer_wakes) = counted_pipe(1000);
        for seq in 0..1000 {
            tx.try_send(numbered(seq)).unwrap();
        }
        assert!(tx.try_send(numbered(1000)).unwrap_err().is_full());
        for seq in 0..499 {
            check_numbered(&rx.try_recv().unwrap(), seq);
        }
        assert_eq!((writer_wakes.get(), rx.len()), (0, 501));
        check_numbered(&rx.try_recv().unwrap(), 499);
        assert_eq!((writer_wakes.get(), rx.len()), (1, 500));
        check_numbered(&rx.try_recv().unwrap(), 500);
        assert_eq!(writer_wakes.get(), 1); // one per sleep
        assert_eq!((low_water(1), low_water(2), low_water(1001)), (0, 1, 500));
    }

    #[test]
    fn blocked_recv_is_woken_by_a_send() {
        let (mut tx, mut rx) = parked_pipe(4);
        let receiver = thread::spawn(move || rx.recv_timeout(None).map(|m| index_of(&m)));
        // Give the receiver a chance to park first; the test holds either way.
        thread::sleep(Duration::from_millis(20));
        tx.try_send(item(9)).unwrap();
        assert_eq!(receiver.join().unwrap(), Ok(9));
    }

    #[test]
    fn blocked_send_is_woken_by_a_recv() {
        let (mut tx, mut rx) = parked_pipe(1);
        tx.try_send(item(0)).unwrap();
        let sender = thread::spawn(move || tx.send_timeout(item(1), None).map(|()| tx));
        thread::sleep(Duration::from_millis(20));
        assert_eq!(index_of(&rx.recv_timeout(None).unwrap()), 0);
        let tx = sender.join().unwrap().unwrap();
        assert_eq!(index_of(&rx.recv_timeout(None).unwrap()), 1);
        drop(tx);
        assert_eq!(rx.recv_timeout(None), Err(RecvTimeoutError::Disconnected));
    }

    #[test]
    fn timeouts_hand_the_message_back() {
        let (mut tx, mut rx) = parked_pipe(1);
        let short = Some(Duration::from_millis(10));
        assert_eq!(rx.recv_timeout(short), Err(RecvTimeoutError::Timeout));
        assert_eq!(
            rx.recv_timeout(Some(Duration::ZERO)),
            Err(RecvTimeoutError::Timeout)
        );
        tx.send_timeout(item(0), short).unwrap();
        let back = tx.send_timeout(item(1), short).unwrap_err();
        assert!(back.is_timeout());
        assert_eq!(index_of(&back.into_inner()), 1);
        // A huge timeout is no timeout, not an overflow.
        assert_eq!(index_of(&rx.recv_timeout(Some(Duration::MAX)).unwrap()), 0);
    }

    #[test]
    fn writer_drop_disconnects_after_drain() {
        let (mut tx, mut rx) = parked_pipe(4);
        tx.try_send(item(0)).unwrap();
        tx.try_send(item(1)).unwrap();
        drop(tx);
        assert!(rx.is_disconnected());
        assert_eq!(index_of(&rx.try_recv().unwrap()), 0);
        assert_eq!(index_of(&rx.recv_timeout(None).unwrap()), 1);
        assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        assert_eq!(rx.recv_timeout(None), Err(RecvTimeoutError::Disconnected));
    }

    #[test]
    fn writer_drop_wakes_a_blocked_reader() {
        let (tx, mut rx) = parked_pipe(4);
        let receiver = thread::spawn(move || rx.recv_timeout(None));
        thread::sleep(Duration::from_millis(20));
        drop(tx);
        assert_eq!(
            receiver.join().unwrap(),
            Err(RecvTimeoutError::Disconnected)
        );
    }

    #[test]
    fn reader_drop_disconnects_and_drops_unread_messages() {
        /// A frame body that records its release.
        struct Tracked(StdArc<AtomicUsize>);
        impl AsRef<[u8]> for Tracked {
            fn as_ref(&self) -> &[u8] {
                b"tracked"
            }
        }
        impl Drop for Tracked {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let released = StdArc::new(AtomicUsize::new(0));
        let (mut tx, rx) = parked_pipe(4);
        let frame = Msg::from_owner(Tracked(StdArc::clone(&released)));
        tx.try_send(Multipart::from([frame])).unwrap();
        drop(rx);
        // The unread message went with the reader, though the writer lives.
        assert_eq!(released.load(Ordering::SeqCst), 1);
        assert!(tx.is_disconnected());
        let back = tx.try_send(item(1)).unwrap_err();
        assert!(back.is_disconnected());
        assert_eq!(index_of(&back.into_inner()), 1);
        let back = tx.send_timeout(item(2), None).unwrap_err();
        assert!(back.is_disconnected());
        assert_eq!(index_of(&back.into_inner()), 2);
    }

    #[test]
    fn reader_drop_wakes_a_blocked_writer() {
        let (mut tx, rx) = parked_pipe(1);
        tx.try_send(item(0)).unwrap();
        let sender = thread::spawn(move || tx.send_timeout(item(1), None));
        thread::sleep(Duration::from_millis(20));
        drop(rx);
        let back = sender.join().unwrap().unwrap_err();
        assert!(back.is_disconnected());
        assert_eq!(index_of(&back.into_inner()), 1);
    }

    #[test]
    fn zero_capacity_is_unbounded() {
        let (mut tx, mut rx) = parked_pipe(0);
        assert_eq!(tx.capacity(), None);
        for i in 0..=200 {
            tx.try_send(item(i)).unwrap();
        }
        assert!(!tx.is_full());
        assert_eq!(rx.len(), 201);
        for i in 0..=200 {
            assert_eq!(index_of(&rx.try_recv().unwrap()), i);
        }
    }

    /// A socket reading N peers sleeps on one parker shared by N pipes.
    #[test]
    fn one_parker_serves_many_pipes() {
        const PEERS: u8 = 3;
        const EACH: u32 = 2_000;
        let parker = StdArc::new(Parker::new());
        let mut readers = Vec::new();
        let mut senders = Vec::new();
        for peer in 0..PEERS {
            let (mut tx, rx) = pipe(4, parker.clone(), StdArc::new(Parker::new()));
            readers.push(rx);
            senders.push(thread::spawn(move || {
                for _ in 0..EACH {
                    tx.send_timeout(item(peer), None).unwrap();
                }
            }));
        }
        let mut counts = [0u32; PEERS as usize];
        let mut open = readers.len();
        while open > 0 {
            let mut progressed = false;
            open = 0;
            for rx in &mut readers {
                match rx.try_recv() {
                    Ok(m) => {
                        counts[usize::from(index_of(&m))] += 1;
                        progressed = true;
                        open += 1;
                    }
                    Err(TryRecvError::Empty) => open += 1,
                    Err(TryRecvError::Disconnected) => {}
                }
            }
            // Every open pipe answered Empty: each will notify the parker.
            if !progressed && open > 0 {
                parker.park(None);
            }
        }
        senders.into_iter().for_each(|s| s.join().unwrap());
        assert_eq!(counts, [EACH; PEERS as usize]);
    }

    #[test]
    #[should_panic(expected = "needs a Parker")]
    fn blocking_on_a_waker_signal_panics() {
        let (_tx, mut rx, _, _) = counted_pipe(1);
        let _ = rx.recv_timeout(Some(Duration::ZERO));
    }

    #[test]
    fn errors_display_and_debug_without_the_message() {
        let e = TrySendError::Full(item(0));
        assert_eq!(format!("{e:?}: {e}"), "Full(..): sending on a full pipe");
        let e = SendTimeoutError::from(TrySendError::Disconnected(item(0)));
        assert_eq!(format!("{e:?}"), "Disconnected(..)");
        assert_eq!(
            RecvTimeoutError::from(TryRecvError::Empty),
            RecvTimeoutError::Timeout
        );
        let (tx, rx) = parked_pipe(3);
        assert_eq!(
            format!("{tx:?}"),
            "PipeWriter { len: 0, capacity: Some(3), disconnected: false, .. }"
        );
        drop(tx);
        assert!(format!("{rx:?}").contains("disconnected: true"));
    }
}

/// loom models of the handoff. Each is tiny (2 or 3 threads, at most 3
/// messages); a lost wake-up shows as loom's "deadlock" (every thread
/// parked), a lost, repeated, reordered or torn message as a failed assert.
#[cfg(all(test, loom))]
mod loom_tests {
    use loom::thread;

    use super::test_support::{index_of, item, parked_pipe};
    use super::*;

    /// A reader that finds the pipe empty and parks is woken by a concurrent
    /// send (F1r/F1w and the second look), then sees the disconnect.
    #[test]
    fn loom_reader_woken_by_send() {
        loom::model(|| {
            let (mut tx, mut rx) = parked_pipe(1);
            // The writer is handed back, not dropped: its drop notifies
            // unconditionally and would hide a lost wake-up.
            let writer = thread::spawn(move || {
                tx.try_send(item(7)).unwrap();
                tx
            });
            assert_eq!(index_of(&rx.recv_timeout(None).unwrap()), 7);
            drop(writer.join().unwrap());
            assert_eq!(rx.recv_timeout(None), Err(RecvTimeoutError::Disconnected));
        });
    }

    /// A writer that finds the pipe full and parks is woken by a concurrent
    /// receive (F2w/F2r and the second look).
    #[test]
    fn loom_writer_woken_by_recv() {
        loom::model(|| {
            let (mut tx, mut rx) = parked_pipe(1);
            tx.try_send(item(0)).unwrap();
            let writer = thread::spawn(move || {
                tx.send_timeout(item(1), None).unwrap();
            });
            assert_eq!(index_of(&rx.try_recv().unwrap()), 0);
            writer.join().unwrap();
            assert_eq!(index_of(&rx.try_recv().unwrap()), 1);
            assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        });
    }

    /// A writer sending a batch unflushed and flushing once (the I/O
    /// thread's way) wakes a reader that parked at any point before the
    /// flush: the flush's fence pairs with the reader's, as a send's does.
    #[test]
    fn loom_unflushed_batch_then_flush_wakes_the_reader() {
        loom::model(|| {
            let (mut tx, mut rx) = parked_pipe(4);
            let writer = thread::spawn(move || {
                tx.try_send_unflushed(item(0)).unwrap();
                tx.try_send_unflushed(item(1)).unwrap();
                tx.flush();
                tx
            });
            for i in 0..2 {
                assert_eq!(index_of(&rx.recv_timeout(None).unwrap()), i);
            }
            drop(writer.join().unwrap());
        });
    }

    /// A reader taking a batch unflushed and flushing once wakes a writer
    /// that parked on the full pipe at any point before the flush, once the
    /// batch has brought the pipe down to its low-water mark.
    #[test]
    fn loom_unflushed_batch_then_flush_wakes_the_writer() {
        loom::model(|| {
            let (mut tx, mut rx) = parked_pipe(2);
            tx.try_send(item(0)).unwrap();
            tx.try_send(item(1)).unwrap();
            let writer = thread::spawn(move || {
                tx.send_timeout(item(2), None).unwrap();
                tx
            });
            assert_eq!(rx.try_recv_unflushed_with(|it| index_of(it)), Ok(0));
            assert_eq!(rx.try_recv_unflushed_with(|it| index_of(it)), Ok(1));
            rx.flush();
            let tx = writer.join().unwrap();
            assert_eq!(index_of(&rx.try_recv().unwrap()), 2);
            drop(tx);
        });
    }

    /// A writer blocked on a full pipe of 4 is woken once the reader has
    /// drained it to the low-water mark (2), not at the first pop, and is
    /// woken then even though the reader keeps going.
    #[test]
    fn loom_writer_woken_at_low_water() {
        loom::model(|| {
            let (mut tx, mut rx) = parked_pipe(4);
            for i in 0..4 {
                tx.try_send(item(i)).unwrap();
            }
            let writer = thread::spawn(move || {
                tx.send_timeout(item(4), None).unwrap();
            });
            for i in 0..5 {
                assert_eq!(index_of(&rx.recv_timeout(None).unwrap()), i);
            }
            writer.join().unwrap();
            assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
        });
    }

    /// Three two-frame messages through a pipe of two, both sides blocking:
    /// each arrives once, whole, in order, and the disconnect comes after
    /// the last one.
    #[test]
    fn loom_order_whole_messages_then_disconnect() {
        loom::model(|| {
            let (mut tx, mut rx) = parked_pipe(2);
            let writer = thread::spawn(move || {
                for i in 0..3 {
                    tx.send_timeout(item(i), None).unwrap();
                }
            });
            let mut got = Vec::new();
            loop {
                match rx.recv_timeout(None) {
                    Ok(m) => got.push(index_of(&m)),
                    Err(e) => {
                        assert_eq!(e, RecvTimeoutError::Disconnected);
                        break;
                    }
                }
            }
            assert_eq!(got, [0, 1, 2]);
            writer.join().unwrap();
        });
    }

    /// Dropping the reader wakes a writer parked on a full pipe, which gets
    /// its message back (or, racing the drop, had it accepted); and the
    /// unread message is dropped with the reader.
    #[test]
    fn loom_reader_drop_wakes_blocked_writer() {
        loom::model(|| {
            let (mut tx, rx) = parked_pipe(1);
            tx.try_send(item(0)).unwrap();
            let writer = thread::spawn(move || {
                match tx.send_timeout(item(1), None) {
                    Ok(()) => {}
                    Err(e) => {
                        assert!(e.is_disconnected());
                        assert_eq!(index_of(&e.into_inner()), 1);
                    }
                }
                assert!(tx.is_disconnected());
            });
            drop(rx);
            writer.join().unwrap();
        });
    }

    /// Two writers, two pipes, one reader parker: the reader polls both,
    /// parks when both said Empty, and receives both messages.
    #[test]
    fn loom_shared_reader_signal() {
        loom::model(|| {
            let parker = StdArc::new(Parker::new());
            let mut readers = Vec::new();
            let mut writers = Vec::new();
            for i in 0..2 {
                let (mut tx, rx) = pipe(1, parker.clone(), StdArc::new(Parker::new()));
                readers.push(rx);
                // Handed back, not dropped, as in `loom_reader_woken_by_send`.
                writers.push(thread::spawn(move || {
                    tx.try_send(item(i)).map(|()| tx).unwrap()
                }));
            }
            let mut got = [false; 2];
            while got != [true; 2] {
                let mut progressed = false;
                for rx in &mut readers {
                    if let Ok(m) = rx.try_recv() {
                        let i = usize::from(index_of(&m));
                        assert!(!got[i], "message {i} received twice");
                        got[i] = true;
                        progressed = true;
                    }
                }
                if !progressed {
                    parker.park(None);
                }
            }
            for w in writers {
                drop(w.join().unwrap());
            }
            for mut rx in readers {
                assert_eq!(rx.try_recv(), Err(TryRecvError::Disconnected));
            }
        });
    }
}
