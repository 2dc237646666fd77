//! The soak test's message format and end-to-end checks (the `soak` binary
//! drives the traffic; this module decides what counts as a violation, and
//! is unit-tested on its own).
//!
//! A soak message is one header frame, then 1 to 4 payload frames:
//!
//! ```text
//! header: lane u8 | generation u32 | seq u64 | payload parts u8 | checksum u64   (22 bytes, LE)
//! ```
//!
//! The checksum covers the header fields and every payload frame (length
//! and bytes), so a truncated, merged, reordered or missing part, or a part
//! of another message, is caught; the part count is checked apart.
//!
//! The checks, per lane (one pattern over one transport) and per
//! generation (one incarnation of the sending peer):
//!
//! - nothing duplicated or reordered: sequence numbers only grow;
//! - nothing lost where the pattern promises delivery: a gap in a
//!   generation's sequence (or, for [`Promise::Contiguous`], a first
//!   message other than 0) is a violation unless a fault was injected on
//!   the lane since the previous message of that stream, or within
//!   [`FAULT_GRACE`] before the gap was seen (a fault's effects, such as
//!   a dead peer's pipe still being written to, take a moment to settle);
//! - a REQ's reply that never comes is a loss under the same rule;
//! - a DEALER's pipelined requests to a ROUTER echo ([`Pipeline`]): the
//!   replies are a stream of their own (in order, whole, exact), and one
//!   owed past a time limit is a loss under the same rule; a reply to a
//!   request never sent is a violation. A reply to a request of the
//!   DEALER's previous incarnation may come to the new one within
//!   [`FAULT_GRACE`] of a fault: the ROUTER connects, and its connection
//!   keeps its pipe across reconnects (as libzmq's session does), so what
//!   it answers to requests read from the old connection goes out on the
//!   new one, to the DEALER that now holds the routing id.
//!
//! - a lane that checks nothing for longer than faults explain
//!   ([`Checker::stalled`]) has lost its traffic, whatever the gaps say.
//!
//! What is a fault is the driver's to say ([`Checker::fault`]): a peer
//! process SIGKILLed, a socket torn down and bound again.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{DefaultHasher, Hasher};
use std::time::{Duration, Instant};

use ferrozmq::{Msg, Multipart};

/// The header frame's size.
pub const HEADER: usize = 22;

/// How long after a fault a loss is still blamed on it.
pub const FAULT_GRACE: Duration = Duration::from_secs(3);

/// When the driver injects its first fault.
pub const FIRST_FAULT: Duration = Duration::from_secs(2);
/// How long before the end of a run faults stop, so that every lane
/// settles before the final checks.
pub const QUIET_END: Duration = Duration::from_secs(5);

/// The time between two faults in a run of `run` over `lanes` lanes: the
/// faults go round the lanes in turn, alternating kill and reset per
/// round, so the window (from [`FIRST_FAULT`] to [`QUIET_END`] before the
/// end) holds at least two rounds, giving every lane both kinds, while no
/// fault comes more often than every 250 ms nor less often than every
/// second.
pub fn fault_interval(run: Duration, lanes: usize) -> Duration {
    let window = run.saturating_sub(QUIET_END).saturating_sub(FIRST_FAULT);
    // One spare slot: the driver's clock ticks in steps.
    let slots = u32::try_from(2 * lanes + 1).unwrap_or(u32::MAX);
    (window / slots).clamp(Duration::from_millis(250), Duration::from_secs(1))
}

/// What a soak message says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Header {
    /// Which lane (pattern and transport) it belongs to.
    pub lane: u8,
    /// Which incarnation of the sending peer sent it.
    pub generation: u32,
    /// Its number within the generation, from 0.
    pub seq: u64,
}

/// The payload of part `part` of message `h`: sizes vary from empty to
/// 64 KiB, with a 1 MiB part now and then.
pub fn payload(h: Header, part: u8) -> Vec<u8> {
    const SIZES: [usize; 8] = [0, 1, 33, 100, 1000, 8192, 300, 65536];
    let len = if h.seq % 997 == 13 && part == 0 {
        1 << 20
    } else {
        SIZES[((h.seq ^ (u64::from(part) * 3)) % SIZES.len() as u64) as usize]
    };
    vec![(h.seq as u8) ^ part.wrapping_mul(29) ^ h.lane; len]
}

/// How many payload parts message `h` has (1 to 4).
pub fn parts(h: Header) -> u8 {
    (h.seq % 4) as u8 + 1
}

fn checksum(h: Header, parts: &[&[u8]]) -> u64 {
    let mut s = DefaultHasher::new();
    s.write_u8(h.lane);
    s.write_u32(h.generation);
    s.write_u64(h.seq);
    s.write_usize(parts.len());
    for p in parts {
        s.write_usize(p.len());
        s.write(p);
    }
    s.finish()
}

/// Message `h`, whole: its header frame and payload parts.
pub fn encode(h: Header) -> Multipart {
    let bodies: Vec<Vec<u8>> = (0..parts(h)).map(|p| payload(h, p)).collect();
    let refs: Vec<&[u8]> = bodies.iter().map(Vec::as_slice).collect();
    let mut head = Vec::with_capacity(HEADER);
    head.push(h.lane);
    head.extend_from_slice(&h.generation.to_le_bytes());
    head.extend_from_slice(&h.seq.to_le_bytes());
    head.push(parts(h));
    head.extend_from_slice(&checksum(h, &refs).to_le_bytes());
    let mut m = Multipart::new();
    m.push(Msg::from(head));
    for b in bodies {
        m.push(Msg::from(b));
    }
    m
}

/// A broken promise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Violation {
    /// A message that is not whole or not exact.
    Corrupt {
        /// What is wrong with it.
        what: String,
    },
    /// A message seen twice, or after a later one.
    Duplicate {
        /// Its lane, generation and number.
        header: Header,
        /// The last number seen before it.
        last: u64,
    },
    /// Messages missing with no fault to explain it.
    Lost {
        /// The lane and generation.
        lane: u8,
        /// The generation.
        generation: u32,
        /// The first number missing.
        from: u64,
        /// The number seen instead (all before it are missing).
        to: u64,
    },
    /// A reply that did not match its request, or never came.
    Reply {
        /// What went wrong.
        what: String,
    },
    /// Nothing checked on the lane for longer than the limit.
    Stalled {
        /// The lane.
        lane: u8,
        /// How long nothing had been checked when it was seen.
        quiet: Duration,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Violation::Corrupt { what } => write!(f, "corrupt message: {what}"),
            Violation::Duplicate { header, last } => write!(
                f,
                "lane {} generation {}: message {} after {last} (duplicate or reordered)",
                header.lane, header.generation, header.seq
            ),
            Violation::Lost {
                lane,
                generation,
                from,
                to,
            } => write!(
                f,
                "lane {lane} generation {generation}: messages {from}..{to} lost with no fault"
            ),
            Violation::Reply { what } => write!(f, "reply: {what}"),
            Violation::Stalled { lane, quiet } => {
                write!(f, "lane {lane}: nothing checked for {quiet:.1?}")
            }
        }
    }
}

/// The header of `m` if it is a whole, exact soak message.
///
/// # Errors
///
/// [`Violation::Corrupt`] naming what is wrong.
pub fn decode(m: &Multipart) -> Result<Header, Violation> {
    let corrupt = |what: String| Violation::Corrupt { what };
    let head = m.first().ok_or_else(|| corrupt("no frames".into()))?;
    let head = head.as_slice();
    if head.len() != HEADER {
        return Err(corrupt(format!("header of {} bytes", head.len())));
    }
    let u64_at = |i: usize| u64::from_le_bytes(head[i..i + 8].try_into().expect("8 bytes"));
    let h = Header {
        lane: head[0],
        generation: u32::from_le_bytes(head[1..5].try_into().expect("4 bytes")),
        seq: u64_at(5),
    };
    let declared = usize::from(head[13]);
    if m.len() != declared + 1 {
        return Err(corrupt(format!(
            "{h:?}: {} payload parts, {declared} declared",
            m.len() - 1
        )));
    }
    let refs: Vec<&[u8]> = m.iter().skip(1).map(Msg::as_slice).collect();
    if checksum(h, &refs) != u64_at(14) {
        return Err(corrupt(format!("{h:?}: checksum differs")));
    }
    Ok(h)
}

/// What a lane promises about gaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Promise {
    /// Every message of a generation from 0 on (PUSH/PULL).
    Contiguous,
    /// From whichever message the subscription caught first (PUB/SUB: the
    /// first messages go before the subscription arrives).
    FromFirstSeen,
}

/// One stream's progress.
#[derive(Debug, Clone, Copy)]
struct Stream {
    last: Option<u64>,
    /// The lane's fault count when `last` was seen (or the stream began).
    faults: u64,
}

/// The checks of one lane (see the module docs). Sans-IO: the time is an
/// argument.
#[derive(Debug)]
pub struct Checker {
    lane: u8,
    promise: Promise,
    faults: u64,
    last_fault: Option<Instant>,
    streams: HashMap<u32, Stream>,
    /// When a message or reply was last checked (or the watch began), and
    /// whether the quiet since has been reported.
    progress: Option<(Instant, bool)>,
    /// Messages received whole and in order.
    pub received: u64,
    /// Messages missing across faults (allowed).
    pub lost_across_faults: u64,
    /// What went wrong.
    pub violations: Vec<Violation>,
}

impl Checker {
    /// A checker for `lane`.
    pub fn new(lane: u8, promise: Promise) -> Self {
        Self {
            lane,
            promise,
            faults: 0,
            last_fault: None,
            streams: HashMap::new(),
            progress: None,
            received: 0,
            lost_across_faults: 0,
            violations: Vec::new(),
        }
    }

    /// A fault is injected on the lane now.
    pub fn fault(&mut self, now: Instant) {
        self.faults += 1;
        self.last_fault = Some(now);
    }

    /// How many faults were injected.
    pub fn faults(&self) -> u64 {
        self.faults
    }

    /// Whether a fault was injected less than [`FAULT_GRACE`] before `now`.
    pub fn recent_fault(&self, now: Instant) -> bool {
        self.last_fault.is_some_and(|t| now - t < FAULT_GRACE)
    }

    /// Whether a loss seen `now`, of messages after one seen when the
    /// lane's fault count was `since`, is explained by a fault.
    fn excused(&self, since: u64, now: Instant) -> bool {
        self.faults != since || self.recent_fault(now)
    }

    /// Generation `generation` of the lane's sending peer starts now.
    pub fn start(&mut self, generation: u32) {
        self.streams.insert(
            generation,
            Stream {
                last: None,
                faults: self.faults,
            },
        );
    }

    /// Checks a received message.
    pub fn receive(&mut self, m: &Multipart, now: Instant) {
        let h = match decode(m) {
            Ok(h) => h,
            Err(v) => return self.violations.push(v),
        };
        if h.lane != self.lane {
            return self.violations.push(Violation::Corrupt {
                what: format!("{h:?} on lane {}", self.lane),
            });
        }
        let faults = self.faults;
        let stream = *self
            .streams
            .entry(h.generation)
            .or_insert(Stream { last: None, faults });
        let expected = match (stream.last, self.promise) {
            (Some(last), _) if h.seq <= last => {
                return self
                    .violations
                    .push(Violation::Duplicate { header: h, last });
            }
            (Some(last), _) => last + 1,
            (None, Promise::Contiguous) => 0,
            (None, Promise::FromFirstSeen) => h.seq,
        };
        if h.seq > expected {
            if self.excused(stream.faults, now) {
                self.lost_across_faults += h.seq - expected;
            } else {
                self.violations.push(Violation::Lost {
                    lane: h.lane,
                    generation: h.generation,
                    from: expected,
                    to: h.seq,
                });
            }
        }
        self.streams.insert(
            h.generation,
            Stream {
                last: Some(h.seq),
                faults,
            },
        );
        self.received += 1;
        self.progress = Some((now, false));
    }

    /// The lane's fault count now, to pass back to
    /// [`reply`](Self::reply) for a request sent now.
    pub fn mark(&self) -> u64 {
        self.faults
    }

    /// Checks the reply to `request` (sent when the fault count was
    /// `mark`): `None` when none came (a timeout or a lost connection).
    pub fn reply(
        &mut self,
        request: &Multipart,
        reply: Option<&Multipart>,
        mark: u64,
        now: Instant,
    ) {
        match reply {
            Some(r) => {
                let same = r.len() == request.len()
                    && r.iter()
                        .zip(request.iter())
                        .all(|(a, b)| a.as_slice() == b.as_slice());
                if same && decode(r).is_ok() {
                    self.received += 1;
                    self.progress = Some((now, false));
                } else {
                    let what = r.first().map_or_else(
                        || "empty".to_owned(),
                        |f| String::from_utf8_lossy(&f[..f.len().min(80)]).into_owned(),
                    );
                    self.violations.push(Violation::Reply {
                        what: format!("{} parts, not the request's echo: {what}", r.len()),
                    });
                }
            }
            None => self.no_reply(mark, now),
        }
    }

    /// Checks `now` that something was checked within the last `limit`
    /// (the first call starts the watch): a longer quiet is one
    /// [`Violation::Stalled`], however many faults came meanwhile; faults
    /// explain gaps, not a lane that stays dead. Reported once per quiet
    /// spell.
    pub fn stalled(&mut self, now: Instant, limit: Duration) {
        let (since, reported) = *self.progress.get_or_insert((now, false));
        let quiet = now.saturating_duration_since(since);
        if quiet > limit && !reported {
            self.violations.push(Violation::Stalled {
                lane: self.lane,
                quiet,
            });
            self.progress = Some((since, true));
        }
    }

    /// A reply to a request sent when the fault count was `mark` never
    /// came (seen `now`): a loss a fault must explain.
    pub fn no_reply(&mut self, mark: u64, now: Instant) {
        if self.excused(mark, now) {
            self.lost_across_faults += 1;
        } else {
            self.violations.push(Violation::Reply {
                what: "no reply from a live peer, with no fault".to_owned(),
            });
        }
    }
}

/// The requests a DEALER has in flight to a ROUTER that echoes them,
/// several at once, checked as the replies come (see the module docs).
/// Each incarnation (generation) of the DEALER numbers its requests from
/// 0. Sans-IO, like [`Checker`], whose counts and violations it adds to.
#[derive(Debug)]
pub struct Pipeline {
    generation: u32,
    /// The next request's number.
    next: u64,
    /// Requests owed a reply, oldest first: number, when sent, the lane's
    /// fault count then.
    owed: VecDeque<(u64, Instant, u64)>,
    /// How many requests each earlier generation sent.
    earlier: HashMap<u32, u64>,
    /// Replies to an earlier generation's requests that came after a fault
    /// (allowed; see the module docs).
    pub stale_across_faults: u64,
}

impl Pipeline {
    /// Generation `generation` of the DEALER starts: its replies are a new
    /// stream of `checker`, which must have [`Promise::Contiguous`].
    pub fn new(generation: u32, checker: &mut Checker) -> Self {
        checker.start(generation);
        Self {
            generation,
            next: 0,
            owed: VecDeque::new(),
            earlier: HashMap::new(),
            stale_across_faults: 0,
        }
    }

    /// A new incarnation of the DEALER, generation `generation`, starts
    /// after a fault (`now`): what the last one still owed is given up on,
    /// and its late replies are allowed for a while.
    pub fn restart(&mut self, generation: u32, checker: &mut Checker, now: Instant) {
        self.give_up(checker, now);
        checker.start(generation);
        self.earlier.insert(self.generation, self.next);
        self.generation = generation;
        self.next = 0;
    }

    /// Gives up `now` on every request owed (the ROUTER that had them was
    /// killed): each is a [`Checker::no_reply`]. A reply that still comes
    /// is checked as any other.
    pub fn give_up(&mut self, checker: &mut Checker, now: Instant) {
        for (_, _, mark) in self.owed.drain(..) {
            checker.no_reply(mark, now);
        }
    }

    /// The next request to send.
    pub fn request(&self, lane: u8) -> Multipart {
        encode(Header {
            lane,
            generation: self.generation,
            seq: self.next,
        })
    }

    /// How many requests are owed a reply.
    pub fn owed(&self) -> usize {
        self.owed.len()
    }

    /// The request from [`request`](Self::request) went out at `now`, when
    /// the lane's fault count was `mark`.
    pub fn sent(&mut self, now: Instant, mark: u64) {
        self.owed.push_back((self.next, now, mark));
        self.next += 1;
    }

    /// Checks a reply received `now`, and settles the requests it answers
    /// (those before it that were skipped are the checker's gap).
    pub fn reply(&mut self, checker: &mut Checker, reply: &Multipart, now: Instant) {
        let h = match decode(reply) {
            Ok(h) => h,
            Err(v) => return checker.violations.push(v),
        };
        let current = h.generation == self.generation && h.seq < self.next;
        let earlier = self.earlier.get(&h.generation).is_some_and(|&n| h.seq < n);
        let allowed = current || (earlier && checker.recent_fault(now));
        if !allowed {
            let what = if earlier {
                "a reply to an earlier generation, long after any fault".to_owned()
            } else {
                format!(
                    "not a request sent (generation {}: requests 0..{})",
                    self.generation, self.next
                )
            };
            return checker.violations.push(Violation::Reply {
                what: format!("{h:?}: {what}"),
            });
        }
        // In order within its own generation, whichever that is.
        let received = checker.received;
        checker.receive(reply, now);
        if earlier {
            self.stale_across_faults += checker.received - received;
            return;
        }
        while self.owed.front().is_some_and(|&(seq, ..)| seq <= h.seq) {
            self.owed.pop_front();
        }
    }

    /// Gives up on requests owed longer than `limit` at `now`: each is a
    /// [`Checker::no_reply`]. A reply that still comes later is checked as
    /// any other.
    pub fn expire(&mut self, checker: &mut Checker, now: Instant, limit: Duration) {
        while let Some(&(_, sent, mark)) = self.owed.front() {
            if now.saturating_duration_since(sent) < limit {
                return;
            }
            checker.no_reply(mark, now);
            self.owed.pop_front();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(generation: u32, seq: u64) -> Header {
        Header {
            lane: 3,
            generation,
            seq,
        }
    }

    #[test]
    fn messages_round_trip_and_every_damage_is_seen() {
        for seq in [0, 1, 2, 3, 13, 1010] {
            let m = encode(h(7, seq));
            assert_eq!(decode(&m), Ok(h(7, seq)));
            assert_eq!(m.len(), usize::from(parts(h(7, seq))) + 1);
        }
        let whole = encode(h(1, 3)); // 4 payload parts
        // A part missing.
        let mut short = whole.clone();
        short.pop();
        assert!(matches!(decode(&short), Err(Violation::Corrupt { .. })));
        // Two parts merged into one.
        let mut merged = Multipart::new();
        merged.push(whole[0].clone());
        merged.push(Msg::from([&whole[1][..], &whole[2][..]].concat()));
        merged.push(whole[3].clone());
        merged.push(whole[4].clone());
        merged.push(Msg::new());
        assert!(matches!(decode(&merged), Err(Violation::Corrupt { .. })));
        // Parts swapped.
        let mut swapped = whole.clone();
        let first = swapped[1].clone();
        swapped[1] = swapped[2].clone();
        swapped[2] = first;
        assert!(matches!(decode(&swapped), Err(Violation::Corrupt { .. })));
        // A byte flipped.
        let mut flipped = whole.clone();
        let mut b = flipped[4].to_vec();
        b[0] ^= 1;
        flipped[4] = Msg::from(b);
        assert!(matches!(decode(&flipped), Err(Violation::Corrupt { .. })));
        assert!(matches!(
            decode(&Multipart::new()),
            Err(Violation::Corrupt { .. })
        ));
    }

    #[test]
    fn contiguous_streams_allow_gaps_only_across_faults() {
        let t0 = Instant::now();
        let late = t0 + FAULT_GRACE * 2;
        let mut c = Checker::new(3, Promise::Contiguous);
        c.start(0);
        for seq in 0..5 {
            c.receive(&encode(h(0, seq)), t0);
        }
        assert!(c.violations.is_empty());
        // A gap with no fault: lost.
        c.receive(&encode(h(0, 7)), late);
        assert_eq!(
            c.violations,
            [Violation::Lost {
                lane: 3,
                generation: 0,
                from: 5,
                to: 7
            }]
        );
        // A gap across a fault: allowed, counted, even long after it.
        c.fault(t0);
        c.receive(&encode(h(0, 10)), late);
        assert_eq!((c.violations.len(), c.lost_across_faults), (1, 2));
        // Duplicates and reordering are always violations.
        c.receive(&encode(h(0, 10)), late);
        c.receive(&encode(h(0, 9)), late);
        assert!(matches!(
            c.violations[1],
            Violation::Duplicate { last: 10, .. }
        ));
        assert!(matches!(
            c.violations[2],
            Violation::Duplicate { last: 10, .. }
        ));
        // A new generation must start at 0 unless a fault intervened.
        c.start(1);
        c.receive(&encode(h(1, 2)), late);
        assert!(matches!(
            c.violations[3],
            Violation::Lost { from: 0, to: 2, .. }
        ));
        c.start(2);
        c.fault(late);
        c.receive(&encode(h(2, 2)), late + FAULT_GRACE * 2);
        assert_eq!(c.violations.len(), 4);
        // Another lane's message is corrupt here.
        let mut other = Checker::new(4, Promise::Contiguous);
        other.receive(&encode(h(0, 0)), t0);
        assert!(matches!(other.violations[0], Violation::Corrupt { .. }));
        assert_eq!(c.received, 5 + 1 + 1 + 1 + 1);
    }

    #[test]
    fn a_fault_excuses_losses_seen_shortly_after_it() {
        let t0 = Instant::now();
        let mut c = Checker::new(3, Promise::Contiguous);
        c.receive(&encode(h(0, 0)), t0);
        c.fault(t0);
        // The stream was last seen after the fault (same count) but the
        // loss is seen within the grace: a dead pipe still written to.
        c.receive(&encode(h(0, 1)), t0);
        c.receive(&encode(h(0, 3)), t0 + FAULT_GRACE / 2);
        assert!(c.violations.is_empty());
        c.receive(&encode(h(0, 5)), t0 + FAULT_GRACE * 2);
        assert_eq!(c.violations.len(), 1);
    }

    #[test]
    fn subscribers_may_join_late() {
        let t0 = Instant::now();
        let mut c = Checker::new(3, Promise::FromFirstSeen);
        c.start(0);
        c.receive(&encode(h(0, 40)), t0);
        c.receive(&encode(h(0, 41)), t0);
        assert!(c.violations.is_empty());
        c.receive(&encode(h(0, 43)), t0 + FAULT_GRACE * 2);
        assert_eq!(c.violations.len(), 1);
    }

    #[test]
    fn a_lane_quiet_past_the_limit_is_stalled_once_per_spell() {
        let t0 = Instant::now();
        let limit = Duration::from_secs(10);
        let mut c = Checker::new(3, Promise::FromFirstSeen);
        // The watch starts at the first look: a lane gets `limit` to begin.
        c.stalled(t0, limit);
        c.stalled(t0 + limit, limit);
        assert!(c.violations.is_empty());
        c.receive(&encode(h(0, 0)), t0 + limit);
        // Faults do not excuse a lane that stays quiet.
        c.fault(t0 + limit * 2);
        c.stalled(t0 + limit * 2, limit);
        assert!(c.violations.is_empty());
        c.stalled(t0 + limit * 2 + Duration::from_millis(1), limit);
        c.stalled(t0 + limit * 3, limit);
        assert!(matches!(
            c.violations[..],
            [Violation::Stalled { lane: 3, quiet }] if quiet > limit
        ));
        // Traffic again, then another quiet spell: another violation.
        c.receive(&encode(h(1, 0)), t0 + limit * 4);
        c.stalled(t0 + limit * 4, limit);
        assert_eq!(c.violations.len(), 1);
        c.stalled(t0 + limit * 6, limit);
        assert_eq!(c.violations.len(), 2);
        // Replies count as progress too.
        let mut r = Checker::new(3, Promise::Contiguous);
        r.stalled(t0, limit);
        let req = encode(h(0, 0));
        r.reply(&req, Some(&req), r.mark(), t0 + limit);
        r.stalled(t0 + limit * 2, limit);
        assert!(r.violations.is_empty());
    }

    #[test]
    fn every_lane_sees_a_kill_and_a_reset_in_a_smoke_run() {
        for (secs, lanes) in [(20, 15), (20, 9), (60, 15), (180, 15)] {
            let run = Duration::from_secs(secs);
            let every = fault_interval(run, lanes);
            assert!(every >= Duration::from_millis(250) && every <= Duration::from_secs(1));
            // The faults the driver injects: at FIRST_FAULT, then every
            // `every`, while before the quiet end.
            let until = run - QUIET_END;
            let mut at = FIRST_FAULT;
            let mut faults = 0;
            while at < until {
                faults += 1;
                at += every;
            }
            assert!(
                faults >= 2 * lanes,
                "{secs} s, {lanes} lanes: {faults} faults"
            );
        }
        assert_eq!(
            fault_interval(Duration::from_secs(180), 15),
            Duration::from_secs(1)
        );
    }

    /// A pipeline of generation 0 on lane 3 that has sent `n` requests at
    /// `t0`, and the requests.
    fn pipeline(c: &mut Checker, n: u64, t0: Instant) -> (Pipeline, Vec<Multipart>) {
        let mut p = Pipeline::new(0, c);
        let mut sent = Vec::new();
        for _ in 0..n {
            sent.push(p.request(3));
            p.sent(t0, c.mark());
        }
        (p, sent)
    }

    #[test]
    fn pipelined_replies_come_in_order_whole_and_once() {
        let t0 = Instant::now();
        let late = t0 + FAULT_GRACE * 2;
        let mut c = Checker::new(3, Promise::Contiguous);
        let (mut p, sent) = pipeline(&mut c, 8, t0);
        assert_eq!(decode(&sent[5]), Ok(h(0, 5)));
        for r in &sent[..3] {
            p.reply(&mut c, r, t0);
        }
        assert_eq!((c.received, p.owed(), c.violations.len()), (3, 5, 0));
        // A reply skipped with no fault: lost; the skipped one is settled.
        p.reply(&mut c, &sent[4], late);
        assert_eq!(p.owed(), 3);
        assert!(matches!(
            c.violations[..],
            [Violation::Lost { from: 3, to: 4, .. }]
        ));
        // The same reply again, or an older one: duplicate.
        p.reply(&mut c, &sent[4], late);
        p.reply(&mut c, &sent[2], late);
        assert!(matches!(
            c.violations[1],
            Violation::Duplicate { last: 4, .. }
        ));
        assert!(matches!(
            c.violations[2],
            Violation::Duplicate { last: 4, .. }
        ));
        // A reply to a request never sent, or of another generation.
        p.reply(&mut c, &encode(h(0, 8)), late);
        p.reply(&mut c, &encode(h(1, 5)), late);
        assert!(matches!(c.violations[3], Violation::Reply { .. }));
        assert!(matches!(c.violations[4], Violation::Reply { .. }));
        // A damaged echo.
        let mut cut = sent[5].clone();
        cut.pop();
        p.reply(&mut c, &cut, late);
        assert!(matches!(c.violations[5], Violation::Corrupt { .. }));
        assert_eq!(c.violations.len(), 6);
        // A gap across a fault is allowed.
        c.fault(late);
        p.reply(&mut c, &sent[7], late + FAULT_GRACE * 2);
        assert_eq!((c.violations.len(), c.lost_across_faults), (6, 2));
        assert_eq!((c.received, p.owed()), (5, 0));
    }

    #[test]
    fn pipelined_requests_owed_too_long_are_lost_unless_a_fault_intervened() {
        let t0 = Instant::now();
        let limit = Duration::from_secs(5);
        let mut c = Checker::new(3, Promise::Contiguous);
        let (mut p, sent) = pipeline(&mut c, 3, t0);
        // Not yet due.
        p.expire(&mut c, t0 + limit / 2, limit);
        assert_eq!((p.owed(), c.violations.len()), (3, 0));
        // Due, no fault: each owed request is a violation.
        p.expire(&mut c, t0 + limit + FAULT_GRACE, limit);
        assert_eq!((p.owed(), c.violations.len()), (0, 3));
        assert!(
            c.violations
                .iter()
                .all(|v| matches!(v, Violation::Reply { .. }))
        );
        // A late reply is still checked as any other (in order: fine).
        p.reply(&mut c, &sent[0], t0 + limit * 2);
        assert_eq!((c.received, c.violations.len()), (1, 3));
        // Requests sent before a fault: their loss is excused.
        let t1 = t0 + limit * 3;
        let mark = c.mark();
        let more = p.request(3);
        p.sent(t1, mark);
        c.fault(t1);
        p.expire(&mut c, t1 + limit + FAULT_GRACE, limit);
        assert_eq!((c.violations.len(), c.lost_across_faults), (3, 1));
        assert_eq!(decode(&more), Ok(h(0, 3)));
        // Given up at once (the ROUTER was killed): excused the same way,
        // or not, by the fault count when each was sent.
        let mark = c.mark();
        p.sent(t1, mark);
        p.sent(t1, mark);
        p.give_up(&mut c, t1 + limit * 10);
        assert_eq!((p.owed(), c.violations.len()), (0, 5));
        p.sent(t1, mark);
        c.fault(t1 + limit * 10);
        p.give_up(&mut c, t1 + limit * 10);
        assert_eq!((c.violations.len(), c.lost_across_faults), (5, 2));
    }

    #[test]
    fn an_earlier_generations_replies_are_allowed_only_just_after_a_fault() {
        let t0 = Instant::now();
        let mut c = Checker::new(3, Promise::Contiguous);
        let (mut p, old) = pipeline(&mut c, 6, t0);
        p.reply(&mut c, &old[0], t0);
        // The DEALER is reset: generation 1 starts, what was owed is not.
        c.fault(t0);
        p.restart(1, &mut c, t0);
        // The 5 owed are lost, excused by the fault.
        assert_eq!((p.owed(), c.lost_across_faults), (0, 5));
        assert_eq!(decode(&p.request(3)), Ok(h(1, 0)));
        p.sent(t0, c.mark());
        // Generation 0's replies come to it just after the fault: allowed,
        // and still checked in order within generation 0.
        p.reply(&mut c, &old[1], t0 + FAULT_GRACE / 3);
        p.reply(&mut c, &old[3], t0 + FAULT_GRACE / 2);
        p.reply(&mut c, &old[3], t0 + FAULT_GRACE / 2);
        assert!(matches!(
            c.violations[..],
            [Violation::Duplicate { last: 3, .. }]
        ));
        assert_eq!((p.stale_across_faults, p.owed()), (2, 1));
        // Generation 1's own reply.
        p.reply(&mut c, &encode(h(1, 0)), t0 + FAULT_GRACE / 2);
        assert_eq!(p.owed(), 0);
        // Long after the fault, an earlier generation's reply is not
        // allowed; nor ever one to a request never sent.
        p.reply(&mut c, &old[4], t0 + FAULT_GRACE * 2);
        p.reply(&mut c, &encode(h(0, 6)), t0 + FAULT_GRACE / 2);
        p.reply(&mut c, &encode(h(2, 0)), t0 + FAULT_GRACE / 2);
        assert_eq!(c.violations.len(), 4);
        assert!(
            c.violations[1..]
                .iter()
                .all(|v| matches!(v, Violation::Reply { .. }))
        );
        assert_eq!(c.received, 1 + 2 + 1);
    }

    #[test]
    fn replies_must_echo_the_request_and_come_unless_a_fault_intervened() {
        let t0 = Instant::now();
        let late = t0 + FAULT_GRACE * 2;
        let mut c = Checker::new(3, Promise::Contiguous);
        let req = encode(h(0, 1));
        c.reply(&req, Some(&req.clone()), c.mark(), t0);
        assert_eq!((c.received, c.violations.len()), (1, 0));
        // Another request's reply.
        c.reply(&req, Some(&encode(h(0, 2))), c.mark(), t0);
        assert_eq!(c.violations.len(), 1);
        // No reply: a violation unless a fault came since the send.
        let mark = c.mark();
        c.reply(&req, None, mark, late);
        assert_eq!(c.violations.len(), 2);
        c.fault(t0);
        c.reply(&req, None, mark, late);
        assert_eq!((c.violations.len(), c.lost_across_faults), (2, 1));
    }
}
