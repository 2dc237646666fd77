//! [`AsyncSocket`]: a [`Socket`] for async code on any runtime. Its
//! futures make the socket's non-blocking tries and, when there is nothing
//! to do, leave the task's `std::task::Waker` in the socket's readiness
//! (see the `readiness` module), which a peer's pipe wakes. No runtime is
//! named: no thread per socket, no timer polling; a pending `recv` on an
//! idle socket costs nothing until a message comes.
//!
//! It does not time out: RCVTIMEO and SNDTIMEO do not apply; wrap a future
//! in the runtime's own timeout (`tokio::time::timeout`, `smol::Timer`).

// A failed send hands the message back by value (see `pipe.rs`).
#![allow(clippy::result_large_err)]

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use ferrozmq_msg::{Msg, Multipart};

use crate::Socket;
use crate::error::{RecvError, SendError};
use crate::readiness::TaskSlot;
use crate::socket::{Base, Hub};
use crate::sync::StdArc;

/// A [`Socket`] with async `send` and `recv`, a
/// [`Stream`](futures_core::Stream) of received messages and a
/// [`Sink`](futures_sink::Sink) of messages to send. Works on any executor
/// (tokio, smol, async-std, `futures::executor`).
///
/// The methods take `&self`: one task may send while another receives on
/// the same socket (a DEALER used full duplex), and any number of tasks
/// may wait on it at once.
///
/// # Cancel safety
///
/// Every future is cancel safe: a dropped [`recv`](Self::recv) or
/// [`recv_multipart`](Self::recv_multipart) future took nothing (the next
/// receive gets the message); a dropped [`send`](Self::send) or
/// [`send_multipart`](Self::send_multipart) future has either queued the
/// whole message (it completed) or queued nothing (the message is dropped
/// with the future). So they can be raced in `select!`.
///
/// ```
/// use ferrozmq_msg::Msg;
/// use ferrozmq_socket::{AsyncSocket, Context, SocketType};
///
/// # futures_executor_block_on(async {
/// let ctx = Context::new()?;
/// let server = AsyncSocket::new(ctx.socket(SocketType::Rep)?);
/// server.get_ref().bind("inproc://async-doc")?;
/// let client = AsyncSocket::new(ctx.socket(SocketType::Req)?);
/// client.get_ref().connect("inproc://async-doc")?;
///
/// client.send(Msg::from_static(b"ping")).await?;
/// let request = server.recv().await?;
/// server.send(Msg::copy_from_slice(&request)).await?;
/// assert_eq!(&client.recv().await?[..], b"ping");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// # fn futures_executor_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     // A minimal executor for the example: park the thread until woken.
/// #     use std::sync::Arc;
/// #     use std::task::{Context, Poll, Wake, Waker};
/// #     struct Unpark(std::thread::Thread);
/// #     impl Wake for Unpark { fn wake(self: Arc<Self>) { self.0.unpark() } }
/// #     let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
/// #     let mut cx = Context::from_waker(&waker);
/// #     let mut f = std::pin::pin!(f);
/// #     loop {
/// #         if let Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; }
/// #         std::thread::park();
/// #     }
/// # }
/// ```
pub struct AsyncSocket {
    socket: Socket,
    slots: Slots,
    /// The message the sink accepted and has not queued yet.
    sink_item: Option<Multipart>,
}

/// The waker slots of the [`Stream`](futures_core::Stream) and the
/// [`Sink`](futures_sink::Sink), given back when the socket goes.
struct Slots {
    hub: StdArc<Hub>,
    stream: TaskSlot,
    sink: TaskSlot,
}

impl Drop for Slots {
    fn drop(&mut self) {
        self.hub.readiness.release(&mut self.stream);
        self.hub.readiness.release(&mut self.sink);
    }
}

impl AsyncSocket {
    /// Wraps `socket`.
    pub fn new(socket: Socket) -> Self {
        Self {
            slots: Slots {
                hub: StdArc::clone(socket.hub()),
                stream: TaskSlot::new(),
                sink: TaskSlot::new(),
            },
            socket,
            sink_item: None,
        }
    }

    /// The socket, to bind, connect, set options or subscribe.
    pub fn get_ref(&self) -> &Socket {
        &self.socket
    }

    /// The socket back. A message the [`Sink`](futures_sink::Sink)
    /// accepted and could not queue yet is dropped: flush first.
    pub fn into_inner(self) -> Socket {
        self.socket
    }

    /// Sends `msg` as the last (or only) part of a message: completes
    /// once the message is queued for a peer.
    ///
    /// Cancel safe: dropped before completing, it queued nothing.
    ///
    /// # Errors
    ///
    /// [`SendError`] with `msg` back: `State`, `NotSupported`,
    /// `HostUnreachable` (ROUTER_MANDATORY). Never `WouldBlock` or
    /// `Timeout`: it waits.
    pub fn send(&self, msg: Msg) -> SendFuture<'_> {
        SendFuture(Sending::new(&self.socket, Multipart::from(msg)))
    }

    /// Sends a whole message: completes once every part is queued for a
    /// peer, as one.
    ///
    /// Cancel safe: dropped before completing, it queued nothing.
    ///
    /// # Errors
    ///
    /// As [`send`](Self::send), with the parts back.
    pub fn send_multipart(&self, msg: impl Into<Multipart>) -> SendMultipartFuture<'_> {
        SendMultipartFuture(Sending::new(&self.socket, msg.into()))
    }

    /// Receives the next frame ([`Msg::more`] says whether more of the
    /// same message follow; they are already here).
    ///
    /// Cancel safe: dropped before completing, it took nothing.
    ///
    /// # Errors
    ///
    /// [`RecvError`]: `State`, `NotSupported`. Never `WouldBlock` or
    /// `Timeout`: it waits.
    pub fn recv(&self) -> RecvFuture<'_> {
        RecvFuture(Waiting::new(&self.socket))
    }

    /// Receives a whole message (or the rest of one partly taken with
    /// [`recv`](Self::recv)).
    ///
    /// Cancel safe: dropped before completing, it took nothing.
    ///
    /// # Errors
    ///
    /// As [`recv`](Self::recv).
    pub fn recv_multipart(&self) -> RecvMultipartFuture<'_> {
        RecvMultipartFuture(Waiting::new(&self.socket))
    }

    /// One try of receiving a whole message; `None`: would block.
    fn try_recv_whole(base: &mut Base) -> Option<Result<Multipart, RecvError>> {
        match base.try_recv_whole() {
            Ok(msg) => Some(Ok(msg)),
            Err(RecvError::WouldBlock) => None,
            Err(e) => Some(Err(e)),
        }
    }

    /// One try of sending `pending` (taken; put back on would block).
    fn try_send_whole(
        base: &mut Base,
        pending: &mut Option<Multipart>,
    ) -> Option<Result<(), SendError<Multipart>>> {
        let msg = pending.take()?;
        match base.try_send_whole(msg) {
            Ok(()) => Some(Ok(())),
            Err(SendError::WouldBlock(back) | SendError::Timeout(back)) => {
                *pending = Some(back);
                None
            }
            Err(e) => Some(Err(e)),
        }
    }

    /// Queues the sink's accepted message, if any.
    fn poll_sink_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<Multipart>>> {
        if self.sink_item.is_none() {
            return Poll::Ready(Ok(()));
        }
        let Self {
            socket,
            slots,
            sink_item,
        } = self;
        socket.poll_op(cx, &mut slots.sink, |base| {
            Self::try_send_whole(base, sink_item)
        })
    }
}

impl core::fmt::Debug for AsyncSocket {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AsyncSocket")
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}

/// A pending operation's socket and waker slot, given back on drop.
struct Waiting<'a> {
    socket: &'a Socket,
    slot: TaskSlot,
}

impl<'a> Waiting<'a> {
    fn new(socket: &'a Socket) -> Self {
        Self {
            socket,
            slot: TaskSlot::new(),
        }
    }

    fn poll<T>(&mut self, cx: &mut Context<'_>, op: impl FnMut(&mut Base) -> Option<T>) -> Poll<T> {
        self.socket.poll_op(cx, &mut self.slot, op)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.socket.release(&mut self.slot);
    }
}

/// A pending send: the message is in the future until it is queued.
struct Sending<'a> {
    waiting: Waiting<'a>,
    msg: Option<Multipart>,
}

impl<'a> Sending<'a> {
    fn new(socket: &'a Socket, msg: Multipart) -> Self {
        Self {
            waiting: Waiting::new(socket),
            msg: Some(msg),
        }
    }

    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SendError<Multipart>>> {
        if self.msg.is_none() {
            // Polled again after it completed.
            return Poll::Ready(Ok(()));
        }
        let msg = &mut self.msg;
        self.waiting
            .poll(cx, |base| AsyncSocket::try_send_whole(base, msg))
    }
}

/// The future of [`AsyncSocket::recv`]: cancel safe.
#[must_use = "futures do nothing unless polled"]
pub struct RecvFuture<'a>(Waiting<'a>);

impl Future for RecvFuture<'_> {
    type Output = Result<Msg, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut()
            .0
            .poll(cx, |base| match base.try_recv_frame() {
                Ok(frame) => Some(Ok(frame)),
                Err(RecvError::WouldBlock) => None,
                Err(e) => Some(Err(e)),
            })
    }
}

/// The future of [`AsyncSocket::recv_multipart`]: cancel safe.
#[must_use = "futures do nothing unless polled"]
pub struct RecvMultipartFuture<'a>(Waiting<'a>);

impl Future for RecvMultipartFuture<'_> {
    type Output = Result<Multipart, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().0.poll(cx, AsyncSocket::try_recv_whole)
    }
}

/// The future of [`AsyncSocket::send`]: cancel safe.
#[must_use = "futures do nothing unless polled"]
pub struct SendFuture<'a>(Sending<'a>);

impl Future for SendFuture<'_> {
    type Output = Result<(), SendError<Msg>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut()
            .0
            .poll(cx)
            .map(|done| done.map_err(|e| e.map(|mut parts| parts.pop().unwrap_or_default())))
    }
}

/// The future of [`AsyncSocket::send_multipart`]: cancel safe.
#[must_use = "futures do nothing unless polled"]
pub struct SendMultipartFuture<'a>(Sending<'a>);

impl Future for SendMultipartFuture<'_> {
    type Output = Result<(), SendError<Multipart>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().0.poll(cx)
    }
}

/// The messages received, whole. It never ends; an error (a REQ that has
/// not sent, a socket type that does not receive) is yielded as an item.
impl futures_core::Stream for AsyncSocket {
    type Item = Result<Multipart, RecvError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        this.socket
            .poll_op(cx, &mut this.slots.stream, Self::try_recv_whole)
            .map(Some)
    }
}

/// Whole messages to send. The sink holds at most one message it could
/// not queue yet: `poll_ready` and `poll_flush` queue it, waiting for a
/// peer with room; an error hands it back.
impl futures_sink::Sink<Multipart> for AsyncSocket {
    type Error = SendError<Multipart>;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_sink_flush(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Multipart) -> Result<(), Self::Error> {
        let this = self.get_mut();
        if this.sink_item.is_some() {
            // `poll_ready` was not called (or not ready): refuse, with the
            // message back.
            return Err(SendError::WouldBlock(item));
        }
        this.sink_item = Some(item);
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_sink_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.get_mut().poll_sink_flush(cx)
    }
}
