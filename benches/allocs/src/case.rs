//! What one run measures: the pattern, transport and message size of a
//! [`Case`], the implementation under test ([`Subject`]), and how many
//! messages its warm-up and counted window hold. It does not run anything.

use std::fmt;

/// A socket pair: the first type sends, the second receives (and, for
/// REQ/REP, replies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// PUSH connects to a bound PULL.
    PushPull,
    /// PUB binds, SUB connects and subscribes to everything.
    PubSub,
    /// REQ connects to a bound REP, which echoes every request.
    ReqRep,
}

impl Pattern {
    /// Every pattern, in table order.
    pub const ALL: [Pattern; 3] = [Pattern::PushPull, Pattern::PubSub, Pattern::ReqRep];

    /// The name on the command line and in the table.
    pub fn name(self) -> &'static str {
        match self {
            Pattern::PushPull => "PUSH/PULL",
            Pattern::PubSub => "PUB/SUB",
            Pattern::ReqRep => "REQ/REP",
        }
    }

    /// Messages on the wire per step: a REQ/REP round trip is two.
    pub fn messages_per_step(self) -> u64 {
        match self {
            Pattern::ReqRep => 2,
            Pattern::PushPull | Pattern::PubSub => 1,
        }
    }
}

/// Where the two sockets meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// `inproc://`, in the same context.
    Inproc,
    /// `ipc://` in the temporary folder.
    Ipc,
    /// `tcp://` on 127.0.0.1, port chosen by the system.
    Tcp,
}

impl Transport {
    /// Every transport, in table order.
    pub const ALL: [Transport; 3] = [Transport::Inproc, Transport::Ipc, Transport::Tcp];

    /// The name on the command line and in the table.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Inproc => "inproc",
            Transport::Ipc => "ipc",
            Transport::Tcp => "tcp",
        }
    }
}

/// SNDHWM and RCVHWM for PUB/SUB on both libraries (the other patterns keep
/// the default 1000): libzmq's PUB learns how far its reader got only every
/// ~1000 messages, when it processes commands, so it drops at the default
/// high-water mark even with a few hundred messages really in flight.
pub const PUBSUB_HWM: usize = 100_000;

/// The message sizes measured, in bytes.
pub const SIZES: [usize; 4] = [64, 1 << 10, 64 << 10, 1 << 20];

/// A size as the table shows it (`64 B`, `1 KiB`, `1 MiB`).
pub fn size_name(size: usize) -> String {
    if size >= 1 << 20 && size.is_multiple_of(1 << 20) {
        format!("{} MiB", size >> 20)
    } else if size >= 1 << 10 && size.is_multiple_of(1 << 10) {
        format!("{} KiB", size >> 10)
    } else {
        format!("{size} B")
    }
}

/// One path: pattern, transport and message size, with the message counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    /// The socket pair.
    pub pattern: Pattern,
    /// Where they meet.
    pub transport: Transport,
    /// Bytes per message (every message of the run, replies included).
    pub size: usize,
    /// Steps before the counted window (messages, or round trips for REQ/REP).
    pub warmup: u64,
    /// Steps in the counted window.
    pub steps: u64,
    /// The most messages the sender may be ahead of the receiver: below every
    /// high-water mark, so PUB never drops and PUSH never blocks on a full
    /// pipe; at most 64 MiB of bodies in flight.
    pub credit: u64,
}

impl Case {
    /// The case for this path, with counts scaled by size (`quick`: about a
    /// tenth).
    pub fn new(pattern: Pattern, transport: Transport, size: usize, quick: bool) -> Case {
        let full: u64 = match size {
            0..=4096 => 50_000,
            4097..=262_144 => 5_000,
            _ => 500,
        };
        let mut steps = if quick { (full / 10).max(100) } else { full };
        if pattern == Pattern::ReqRep {
            // A round trip costs a wake-up on each side; fewer suffice.
            steps = (steps / 5).max(200);
        }
        let credit = ((64 << 20) / size.max(1)).clamp(4, 256) as u64;
        let warmup = (steps / 5).max(4 * credit);
        Case {
            pattern,
            transport,
            size,
            warmup,
            steps,
            credit,
        }
    }

    /// Messages in the counted window.
    pub fn messages(&self) -> u64 {
        self.steps * self.pattern.messages_per_step()
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.pattern.name(),
            self.transport.name(),
            size_name(self.size)
        )
    }
}

/// How the sender builds each message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// A new body per message, filled from the payload: ferrozmq's
    /// `Msg::copy_from_slice` (one allocation above 34 bytes), libzmq's
    /// `zmq_msg_init_size` and a copy (one allocation above 33 bytes), as
    /// libzmq's perf tools build theirs.
    Fresh,
    /// ferrozmq only: a clone of one prebuilt message (one atomic increment,
    /// no allocation), so what is left is the library's own cost.
    Shared,
}

impl Body {
    /// The name on the command line and in the table.
    pub fn name(self) -> &'static str {
        match self {
            Body::Fresh => "fresh",
            Body::Shared => "shared",
        }
    }
}

/// ferrozmq's receive allocators under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllocKind {
    /// `Cache`, the socket default: size classes, released blocks kept per
    /// socket and trimmed when idle.
    Default,
    /// `Heap`: the global allocator.
    Heap,
    /// `Pool`: size classes, blocks cached for reuse.
    Pool,
    /// `Bump`: arena blocks, recycled when their last message drops.
    Bump,
    /// `Mimalloc`: a dedicated mimalloc heap.
    Mimalloc,
    /// `SharedMemory`: slots of one memfd mapping.
    Shm,
}

impl AllocKind {
    /// Every allocator, in table order.
    pub const ALL: [AllocKind; 6] = [
        AllocKind::Default,
        AllocKind::Heap,
        AllocKind::Pool,
        AllocKind::Bump,
        AllocKind::Mimalloc,
        AllocKind::Shm,
    ];

    /// The name on the command line and in the table.
    pub fn name(self) -> &'static str {
        match self {
            AllocKind::Default => "default",
            AllocKind::Heap => "heap",
            AllocKind::Pool => "pool",
            AllocKind::Bump => "bump",
            AllocKind::Mimalloc => "mimalloc",
            AllocKind::Shm => "shm",
        }
    }
}

/// The implementation under test in one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// libzmq 4.3.4 through the `zmq` crate, fresh bodies.
    Libzmq,
    /// ferrozmq with this receive allocator on both sockets and this sender.
    Ferrozmq(AllocKind, Body),
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Libzmq => f.write_str("libzmq"),
            Subject::Ferrozmq(alloc, body) => {
                write!(f, "ferrozmq {} {}", alloc.name(), body.name())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_scale_with_size_and_pattern() {
        let small = Case::new(Pattern::PushPull, Transport::Tcp, 64, false);
        assert_eq!(
            (small.steps, small.credit, small.warmup),
            (50_000, 256, 10_000)
        );
        let huge = Case::new(Pattern::PubSub, Transport::Ipc, 1 << 20, false);
        assert_eq!((huge.steps, huge.credit, huge.warmup), (500, 64, 256));
        let rr = Case::new(Pattern::ReqRep, Transport::Inproc, 1 << 10, true);
        assert_eq!((rr.steps, rr.messages()), (1000, 2000));
        assert_eq!(huge.to_string(), "PUB/SUB ipc 1 MiB");
        assert_eq!(size_name(64 << 10), "64 KiB");
    }
}
