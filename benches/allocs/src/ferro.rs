//! The ferrozmq side: a connected socket pair for a [`Case`], both sockets
//! receiving into one [`CountingRecv`] over the allocator under test, and the
//! [`Sender`] and [`Receiver`] over them.

use crate::sync::Arc;

use ferrozmq::{
    Bump, Cache, Context, Heap, Mimalloc, Msg, Pool, RecvAllocator, SharedMemory, Socket,
    SocketOption, SocketType,
};
use ferrozmq_test_support::CountingRecv;

use crate::case::{AllocKind, Body, Case, PUBSUB_HWM, Pattern, Transport};
use crate::run::{END_LEN, Receiver, Sender};
use crate::watchdog::fail;

/// A connected pair and what it needs to stay up.
pub struct Pair {
    /// The sending socket (PUSH, PUB, REQ).
    pub tx: FerroTx,
    /// The receiving socket (PULL, SUB, REP).
    pub rx: FerroRx,
    /// What both sockets receive into.
    pub alloc: Arc<CountingRecv>,
    /// Dropped last, after the sockets.
    pub ctx: Context,
}

/// The receive allocator `kind`, sized so a run of `case` never exhausts it:
/// credit messages in flight, each with the message layer's header.
pub fn allocator(kind: AllocKind, case: &Case) -> Arc<dyn RecvAllocator> {
    let in_flight = usize::try_from(case.credit).unwrap_or(usize::MAX) + 16;
    let block = case.size + 256;
    match kind {
        // What every socket gets unless told otherwise, as it comes.
        AllocKind::Default => Arc::new(Cache::new()),
        AllocKind::Heap => Arc::new(Heap),
        AllocKind::Pool => Arc::new(
            Pool::builder()
                .max_bytes((block * in_flight * 2).max(64 << 20))
                .build(),
        ),
        AllocKind::Bump => Arc::new(Bump::new((4 * block).max(1 << 20), 64)),
        AllocKind::Mimalloc => Arc::new(Mimalloc::new()),
        AllocKind::Shm => Arc::new(
            SharedMemory::new("ferrozmq-allocs", block, 2 * in_flight)
                .unwrap_or_else(|e| fail(&format!("SharedMemory::new: {e}"))),
        ),
    }
}

/// Socket types for `pattern`: (sender, receiver).
fn types(pattern: Pattern) -> (SocketType, SocketType) {
    match pattern {
        Pattern::PushPull => (SocketType::Push, SocketType::Pull),
        Pattern::PubSub => (SocketType::Pub, SocketType::Sub),
        Pattern::ReqRep => (SocketType::Req, SocketType::Rep),
    }
}

/// A pair for `case`, receiving into `kind`, sending `body`; `endpoint` is
/// where the receiver binds (for tcp, port 0).
pub fn pair(case: &Case, kind: AllocKind, body: Body, endpoint: &str) -> Pair {
    let alloc = Arc::new(CountingRecv::new(allocator(kind, case)));
    let ctx = Context::new().unwrap_or_else(|e| fail(&format!("Context::new: {e}")));
    let (tx_type, rx_type) = types(case.pattern);
    let socket = |kind| {
        let s = ctx
            .socket(kind)
            .unwrap_or_else(|e| fail(&format!("socket: {e}")));
        s.set_recv_allocator(Arc::clone(&alloc) as Arc<dyn RecvAllocator>);
        s
    };
    let (tx, rx) = (socket(tx_type), socket(rx_type));
    if case.pattern == Pattern::PubSub {
        let set = |s: &Socket, option| {
            s.set_option(option)
                .unwrap_or_else(|e| fail(&format!("set_option: {e}")));
        };
        set(&tx, SocketOption::SndHwm(PUBSUB_HWM));
        set(&rx, SocketOption::RcvHwm(PUBSUB_HWM));
        rx.subscribe(b"")
            .unwrap_or_else(|e| fail(&format!("subscribe: {e}")));
    }
    rx.bind(endpoint)
        .unwrap_or_else(|e| fail(&format!("bind {endpoint}: {e}")));
    let bound = match case.transport {
        Transport::Tcp => rx
            .last_endpoint()
            .unwrap_or_else(|| fail("no last endpoint after a tcp bind"))
            .to_string(),
        Transport::Inproc | Transport::Ipc => endpoint.to_owned(),
    };
    tx.connect(&bound)
        .unwrap_or_else(|e| fail(&format!("connect {bound}: {e}")));
    let payload = vec![0xA5; case.size];
    let template = Msg::copy_from_slice(&payload);
    Pair {
        ctx,
        tx: FerroTx {
            sock: tx,
            body,
            payload,
            template,
        },
        rx: FerroRx { sock: rx },
        alloc,
    }
}

/// The sending socket and how it builds messages.
pub struct FerroTx {
    sock: Socket,
    body: Body,
    payload: Vec<u8>,
    /// What [`Body::Shared`] clones.
    template: Msg,
}

impl Sender for FerroTx {
    fn send(&mut self) {
        let msg = match self.body {
            Body::Fresh => Msg::copy_from_slice(&self.payload),
            Body::Shared => self.template.clone(),
        };
        if let Err(e) = self.sock.send(msg) {
            fail(&format!("send: {e}"));
        }
    }

    fn send_end(&mut self) {
        if let Err(e) = self.sock.send(Msg::copy_from_slice(&[0; END_LEN])) {
            fail(&format!("send: {e}"));
        }
    }

    fn recv_reply(&mut self) -> usize {
        match self.sock.recv() {
            Ok(msg) => msg.len(),
            Err(e) => fail(&format!("recv: {e}")),
        }
    }
}

/// The receiving socket.
pub struct FerroRx {
    sock: Socket,
}

impl Receiver for FerroRx {
    fn recv(&mut self, echo: bool) -> usize {
        let msg = self
            .sock
            .recv()
            .unwrap_or_else(|e| fail(&format!("recv: {e}")));
        let len = msg.len();
        if echo && let Err(e) = self.sock.send(msg) {
            fail(&format!("send: {e}"));
        }
        len
    }
}
