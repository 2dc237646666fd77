//! The libzmq side (4.3.4 through the `zmq` crate): a connected socket pair
//! for a [`Case`] with default options, and the [`Sender`] and [`Receiver`]
//! over them, building and receiving messages as libzmq's perf tools do.

use crate::case::{Case, PUBSUB_HWM, Pattern, Transport};
use crate::run::{END_LEN, Receiver, Sender};
use crate::watchdog::fail;

/// A connected pair and what it needs to stay up.
pub struct Pair {
    /// The sending socket (PUSH, PUB, REQ).
    pub tx: ZmqTx,
    /// The receiving socket (PULL, SUB, REP).
    pub rx: ZmqRx,
    /// Dropped last, after the sockets (libzmq's context waits for them).
    pub ctx: zmq::Context,
}

fn check<T>(what: &str, result: zmq::Result<T>) -> T {
    result.unwrap_or_else(|e| fail(&format!("libzmq {what}: {e}")))
}

/// A pair for `case`; `endpoint` is where the receiver binds (for tcp,
/// libzmq's wildcard port `*`).
pub fn pair(case: &Case, endpoint: &str) -> Pair {
    let ctx = zmq::Context::new();
    let (tx_type, rx_type) = match case.pattern {
        Pattern::PushPull => (zmq::PUSH, zmq::PULL),
        Pattern::PubSub => (zmq::PUB, zmq::SUB),
        Pattern::ReqRep => (zmq::REQ, zmq::REP),
    };
    let tx = check("socket", ctx.socket(tx_type));
    let rx = check("socket", ctx.socket(rx_type));
    if case.pattern == Pattern::PubSub {
        let hwm = i32::try_from(PUBSUB_HWM).unwrap_or(i32::MAX);
        check("sndhwm", tx.set_sndhwm(hwm));
        check("rcvhwm", rx.set_rcvhwm(hwm));
        check("subscribe", rx.set_subscribe(b""));
    }
    check("bind", rx.bind(endpoint));
    let bound = match case.transport {
        Transport::Tcp => check("last endpoint", rx.get_last_endpoint())
            .unwrap_or_else(|_| fail("libzmq: last endpoint is not UTF-8")),
        Transport::Inproc | Transport::Ipc => endpoint.to_owned(),
    };
    check("connect", tx.connect(&bound));
    Pair {
        ctx,
        tx: ZmqTx {
            sock: tx,
            payload: vec![0xA5; case.size],
            reply: zmq::Message::new(),
        },
        rx: ZmqRx {
            sock: rx,
            msg: zmq::Message::new(),
        },
    }
}

/// The sending socket.
pub struct ZmqTx {
    sock: zmq::Socket,
    payload: Vec<u8>,
    /// Where REQ receives replies, reused as `remote_lat` reuses its message.
    reply: zmq::Message,
}

impl Sender for ZmqTx {
    /// `zmq_msg_init_size` and a copy of the payload per message, as
    /// libzmq's `remote_thr` builds its messages (it leaves them unfilled).
    fn send(&mut self) {
        let msg = zmq::Message::from(&self.payload[..]);
        check("send", self.sock.send(msg, 0));
    }

    fn send_end(&mut self) {
        check("send", self.sock.send(&[0u8; END_LEN][..], 0));
    }

    fn recv_reply(&mut self) -> usize {
        check("recv", self.sock.recv(&mut self.reply, 0));
        self.reply.len()
    }
}

/// The receiving socket.
pub struct ZmqRx {
    sock: zmq::Socket,
    /// Reused for every message, as `local_thr` reuses its `zmq_msg_t`.
    msg: zmq::Message,
}

impl Receiver for ZmqRx {
    fn recv(&mut self, echo: bool) -> usize {
        check("recv", self.sock.recv(&mut self.msg, 0));
        let len = self.msg.len();
        if echo {
            // `local_lat`: the received message goes back as it is.
            let msg = std::mem::replace(&mut self.msg, zmq::Message::new());
            check("send", self.sock.send(msg, 0));
        }
        len
    }
}
