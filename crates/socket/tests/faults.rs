//! Faults and load: the linger rule (a peer gone for good cannot hang a
//! dropped context unless LINGER -1 was asked for), peers SIGKILLed
//! mid-stream and restarted (reconnect with backoff, REQ recovery, SUB
//! re-subscription, never a partial multi-part message), slow consumers
//! (memory bounded by the HWMs for every pattern) and connection churn (no
//! leaked file descriptors, threads or memory).
//!
//! Killed peers are real processes: this test binary re-executed with
//! [`ROLE`] naming what the child plays (the `child` test is its entry
//! point, a no-op in a normal run). Measurements of the whole process
//! (RSS, descriptors, threads) also run in a child, so the other tests of
//! this binary, running in parallel, cannot disturb them. Every wait is
//! bounded, and every child ends by itself after [`CHILD_LIFETIME`].

#![cfg(not(loom))]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_socket::{Context, RecvError, SendError, Socket, SocketOption, SocketType};

/// Every blocking call of the parent gives up by then.
const WAIT: Duration = Duration::from_secs(20);
/// A child process exits by itself after this, whatever happens.
const CHILD_LIFETIME: Duration = Duration::from_secs(90);
/// The environment variable that makes this binary a child peer.
const ROLE: &str = "FERROZMQ_FAULTS_ROLE";
/// The child's argument (an endpoint, usually).
const ARG: &str = "FERROZMQ_FAULTS_ARG";
/// Which incarnation of a restarted child this is.
const GENERATION: &str = "FERROZMQ_FAULTS_GENERATION";
/// Lines a child prints for the parent start with this.
const MARK: &str = "@@ ";
/// Slack on top of every wait that is expected to end by itself: a loaded
/// machine is slow, never early.
const SLACK: Duration = Duration::from_secs(10);

fn socket(ctx: &Context, kind: SocketType) -> Socket {
    let s = ctx.socket(kind).unwrap();
    s.set_option(SocketOption::RcvTimeo(Some(WAIT))).unwrap();
    s.set_option(SocketOption::SndTimeo(Some(WAIT))).unwrap();
    s
}

/// A fresh ipc endpoint in a per-process directory.
fn ipc(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("ferrozmq-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}.sock"));
    let _ = std::fs::remove_file(&path);
    format!("ipc://{}", path.display())
}

/// A loopback tcp endpoint on a port that was free a moment ago (for peers
/// that must come back on the same address).
fn free_tcp() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("tcp://{}", l.local_addr().unwrap())
}

/// The body of part `part` of message `seq` from child generation `generation`.
fn body(generation: u8, seq: u64, part: u8) -> Vec<u8> {
    let len = 1000 + (seq as usize * 7919 + part as usize * 104_729) % 120_000;
    let fill = (seq as u8) ^ part.wrapping_mul(37) ^ generation.wrapping_mul(101);
    vec![fill; len]
}

/// Message `seq`: its number, the generation, then two large bodies (so a
/// kill is likely to land in the middle of one).
fn numbered(generation: u8, seq: u64) -> Multipart {
    Multipart::from([
        Msg::copy_from_slice(&seq.to_le_bytes()),
        Msg::copy_from_slice(&[generation]),
        Msg::from(body(generation, seq, 0)),
        Msg::from(body(generation, seq, 1)),
    ])
}

/// The `(generation, seq)` of a whole, exact [`numbered`] message; an error
/// naming what is wrong otherwise.
fn check_numbered(m: &Multipart) -> Result<(u8, u64), String> {
    if m.len() != 4 {
        return Err(format!("{} parts", m.len()));
    }
    let seq = u64::from_le_bytes(
        m[0].as_slice()
            .try_into()
            .map_err(|_| format!("sequence part of {} bytes", m[0].len()))?,
    );
    let &[generation] = m[1].as_slice() else {
        return Err(format!("generation part of {} bytes", m[1].len()));
    };
    for part in 0..2u8 {
        if m[2 + part as usize].as_slice() != body(generation, seq, part).as_slice() {
            return Err(format!("message {seq}: body {part} differs"));
        }
    }
    Ok((generation, seq))
}

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn threads() -> usize {
    std::fs::read_dir("/proc/self/task").unwrap().count()
}

/// Prints a line for the parent.
fn tell(line: impl AsRef<str>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{MARK}{}", line.as_ref());
    let _ = out.flush();
}

// ---------------------------------------------------------------------------
// Child processes.

/// A running child peer; killed (SIGKILL) and reaped when dropped.
struct Peer {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Peer {
    fn spawn(role: &str, arg: &str, generation: u8) -> Self {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["child", "--exact", "--nocapture", "--test-threads=1", "-q"])
            .env(ROLE, role)
            .env(ARG, arg)
            .env(GENERATION, generation.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(l) = line.strip_prefix(MARK)
                    && tx.send(l.to_owned()).is_err()
                {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// Waits for a line starting with `prefix`; returns it. Lines before it
    /// are passed to `seen`.
    fn expect(&self, prefix: &str, mut seen: impl FnMut(&str)) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.starts_with(prefix) => return line,
                Ok(line) => seen(&line),
                Err(e) => panic!("waiting for {prefix:?} from the child: {e}"),
            }
        }
    }

    /// SIGKILL, and reap; returns every line it printed that was not read.
    fn kill(mut self) -> Vec<String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // The reader thread ends at EOF; take what it forwarded.
        let mut rest = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(2)) {
            rest.push(line);
        }
        rest
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `role` in a child process to the end; panics with its output when
/// it fails.
fn run_isolated(role: &str) {
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["child", "--exact", "--nocapture", "--test-threads=1", "-q"])
        .env(ROLE, role)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = ferrozmq_test_support::process::finish(child, CHILD_LIFETIME, role);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in stdout.lines().filter_map(|l| l.strip_prefix(MARK)) {
        println!("{role}: {line}");
    }
    assert!(
        out.status.success(),
        "{role} failed: {}\n{stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The entry point of child processes (see the module docs); does nothing
/// in a normal test run.
#[test]
fn child() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let arg = std::env::var(ARG).unwrap_or_default();
    let generation: u8 = std::env::var(GENERATION)
        .ok()
        .and_then(|g| g.parse().ok())
        .unwrap_or(0);
    let end = Instant::now() + CHILD_LIFETIME;
    match role.as_str() {
        "pull" => child_pull(&arg, end),
        "push" => child_push(&arg, generation, end),
        "rep" => child_rep(&arg, end),
        "pub" => child_pub(&arg, generation, end),
        "slow-push" => slow_consumer(SocketType::Push, SocketType::Pull),
        "slow-pub" => slow_consumer(SocketType::Pub, SocketType::Sub),
        "slow-req" => slow_consumer(SocketType::Req, SocketType::Rep),
        "churn" => churn(),
        other => panic!("unknown role {other}"),
    }
}

/// PULL bound at `at`: checks every message and reports its sequence.
fn child_pull(at: &str, end: Instant) {
    let ctx = Context::new().unwrap();
    let pull = ctx.socket(SocketType::Pull).unwrap();
    pull.set_option(SocketOption::RcvTimeo(Some(Duration::from_millis(100))))
        .unwrap();
    pull.bind(at).unwrap();
    tell("ready");
    while Instant::now() < end {
        match pull.recv_multipart() {
            Ok(m) => match check_numbered(&m) {
                Ok((g, seq)) => tell(format!("got {g} {seq}")),
                Err(e) => tell(format!("bad {e}")),
            },
            Err(RecvError::Timeout) => {}
            Err(e) => panic!("{e}"),
        }
    }
}

/// PUSH connected to `at`: sends numbered messages as fast as they go.
fn child_push(at: &str, generation: u8, end: Instant) {
    let ctx = Context::new().unwrap();
    let push = ctx.socket(SocketType::Push).unwrap();
    push.set_option(SocketOption::SndTimeo(Some(Duration::from_millis(100))))
        .unwrap();
    push.connect(at).unwrap();
    let mut seq = 0;
    while Instant::now() < end {
        match push.send_multipart(numbered(generation, seq)) {
            Ok(()) => seq += 1,
            Err(SendError::Timeout(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
}

/// REP bound at `at`: echoes; never answers a request starting with
/// `hang`, answers one starting with `slow` after 300 ms.
fn child_rep(at: &str, end: Instant) {
    let ctx = Context::new().unwrap();
    let rep = ctx.socket(SocketType::Rep).unwrap();
    rep.set_option(SocketOption::RcvTimeo(Some(Duration::from_millis(100))))
        .unwrap();
    rep.bind(at).unwrap();
    tell("ready");
    while Instant::now() < end {
        match rep.recv_multipart() {
            Ok(m) => {
                let text = String::from_utf8_lossy(&m[0]).into_owned();
                tell(format!("got {text}"));
                if text.starts_with("hang") {
                    while Instant::now() < end {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    return;
                }
                if text.starts_with("slow") {
                    std::thread::sleep(Duration::from_millis(300));
                }
                rep.send_multipart(m).unwrap();
            }
            Err(RecvError::Timeout) => {}
            Err(e) => panic!("{e}"),
        }
    }
}

/// PUB bound at `at`: publishes `[b"t", generation, seq]` every millisecond.
fn child_pub(at: &str, generation: u8, end: Instant) {
    let ctx = Context::new().unwrap();
    let publisher = ctx.socket(SocketType::Pub).unwrap();
    publisher.bind(at).unwrap();
    tell("ready");
    let mut seq = 0u64;
    while Instant::now() < end {
        publisher
            .send_multipart([
                Msg::from_static(b"t"),
                Msg::copy_from_slice(&[generation]),
                Msg::copy_from_slice(&seq.to_le_bytes()),
            ])
            .unwrap();
        seq += 1;
        std::thread::sleep(Duration::from_millis(1));
    }
}

// ---------------------------------------------------------------------------
// The linger rule.

/// A PUSH in its own context, connected to `at`, with one message queued;
/// `linger` is set only when given.
fn pending_push(at: &str, linger: Option<Option<Duration>>, stall: Duration) -> (Context, Socket) {
    let ctx = Context::new().unwrap();
    ctx.set_linger_stall_limit(stall);
    let push = socket(&ctx, SocketType::Push);
    if let Some(linger) = linger {
        push.set_option(SocketOption::Linger(linger)).unwrap();
    }
    push.connect(at).unwrap();
    push.send(Msg::from_static(b"nobody will read this"))
        .unwrap();
    (ctx, push)
}

/// Drops `push`, then `ctx`, on another thread; returns how long that took,
/// or panics once it took longer than `bound` (a hang fails the test).
fn time_drop(ctx: Context, push: Socket, bound: Duration) -> Duration {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let t = Instant::now();
        drop(push);
        drop(ctx);
        let _ = tx.send(t.elapsed());
    });
    rx.recv_timeout(bound)
        .unwrap_or_else(|_| panic!("the context's drop still waits after {bound:?}"))
}

#[test]
fn default_linger_gives_up_on_a_peer_that_never_appears() {
    let stall = Duration::from_millis(300);
    for at in [ipc("never-there"), free_tcp()] {
        let (ctx, push) = pending_push(&at, None, stall);
        assert_eq!(push.options().linger(), None, "reads back as -1");
        let took = time_drop(ctx, push, stall + SLACK);
        assert!(
            took >= stall,
            "{at}: gave up after {took:?}, before the stall limit"
        );
        assert!(took < stall + SLACK, "{at}: took {took:?}");
    }
}

#[test]
fn explicit_linger_bounds_the_wait() {
    let linger = Duration::from_millis(500);
    let (ctx, push) = pending_push(
        &ipc("explicit-linger"),
        Some(Some(linger)),
        Context::DEFAULT_LINGER_STALL_LIMIT,
    );
    let took = time_drop(ctx, push, linger + SLACK);
    assert!(took >= linger, "{took:?}");
    assert!(took < linger + SLACK, "{took:?}");
}

#[test]
fn linger_zero_returns_at_once_even_with_the_default_stall_limit() {
    let (ctx, push) = pending_push(
        &ipc("linger-zero"),
        Some(Some(Duration::ZERO)),
        Context::DEFAULT_LINGER_STALL_LIMIT,
    );
    let took = time_drop(ctx, push, SLACK);
    assert!(took < SLACK, "{took:?}");
}

/// LINGER -1 asked for explicitly outlasts the stall limit: a peer that
/// appears only later still gets the message.
#[test]
fn explicit_infinite_linger_waits_past_the_stall_limit() {
    let at = ipc("late-peer");
    let stall = Duration::from_millis(100);
    let (ctx, push) = pending_push(&at, Some(None), stall);
    let receiver = Context::new().unwrap();
    let pull = socket(&receiver, SocketType::Pull);
    std::thread::scope(|s| {
        let late = s.spawn(|| {
            std::thread::sleep(stall * 5);
            pull.bind(&at).unwrap();
            pull.recv().unwrap()
        });
        let took = time_drop(ctx, push, WAIT);
        assert!(took >= stall * 5, "{took:?}");
        assert_eq!(&late.join().unwrap()[..], b"nobody will read this");
    });
}

/// A default LINGER waits through a slow but steady drain far longer than
/// the stall limit: every message arrives.
#[test]
fn default_linger_delivers_to_a_slow_steady_reader() {
    const COUNT: u64 = 120;
    let at = ipc("slow-reader");
    let receiver = Context::new().unwrap();
    let pull = socket(&receiver, SocketType::Pull);
    pull.set_option(SocketOption::RcvHwm(1)).unwrap();
    pull.bind(&at).unwrap();
    let ctx = Context::new().unwrap();
    let stall = Duration::from_millis(400);
    ctx.set_linger_stall_limit(stall);
    let push = socket(&ctx, SocketType::Push);
    push.connect(&at).unwrap();
    for seq in 0..COUNT {
        push.send_multipart(numbered(0, seq)).unwrap();
    }
    std::thread::scope(|s| {
        let dropped = s.spawn(|| time_drop(ctx, push, WAIT));
        // About 15 ms a message: the whole drain takes several stall limits
        // (the kernel buffers far less than the ~7 MiB queued), but each
        // read makes room, so the writer progresses well within one.
        for seq in 0..COUNT {
            let m = pull.recv_multipart().unwrap();
            assert_eq!(check_numbered(&m), Ok((0, seq)));
            std::thread::sleep(Duration::from_millis(15));
        }
        dropped.join().unwrap();
    });
}

#[test]
fn everything_queued_before_close_is_delivered_within_linger() {
    for at in [ipc("linger-delivers"), "tcp://127.0.0.1:0".to_owned()] {
        let receiver = Context::new().unwrap();
        let pull = socket(&receiver, SocketType::Pull);
        pull.bind(&at).unwrap();
        let at = pull.last_endpoint().unwrap().to_string();
        let ctx = Context::new().unwrap();
        let push = socket(&ctx, SocketType::Push);
        push.set_option(SocketOption::Linger(Some(WAIT))).unwrap();
        push.connect(&at).unwrap();
        for seq in 0..200 {
            push.send_multipart(numbered(1, seq)).unwrap();
        }
        std::thread::scope(|s| {
            let dropped = s.spawn(|| time_drop(ctx, push, WAIT));
            for seq in 0..200 {
                let m = pull.recv_multipart().unwrap();
                assert_eq!(check_numbered(&m), Ok((1, seq)), "{at}");
            }
            dropped.join().unwrap();
        });
    }
}

/// Rebinding an ipc path in a tight loop right after its socket closed:
/// each failed attempt probes the old listener with a connect, a flood
/// that once kept its I/O thread accepting forever (so the old listener
/// was never closed), and the old listener's file removal once deleted
/// the new listener's file (so peers could never reconnect). Both are
/// regressions here: the bind must succeed, and a connected PUSH must
/// reach the new PULL.
#[test]
fn rebinding_in_a_tight_loop_works_and_peers_reach_the_new_listener() {
    let at = ipc("tight-rebind");
    let ctx = Context::new().unwrap();
    let push = socket(&ctx, SocketType::Push);
    push.set_option(SocketOption::ReconnectIvl(Some(Duration::from_millis(5))))
        .unwrap();
    push.set_option(SocketOption::Linger(Some(Duration::ZERO)))
        .unwrap();
    push.connect(&at).unwrap();
    for round in 0..4u8 {
        let pull = socket(&ctx, SocketType::Pull);
        pull.set_option(SocketOption::RcvTimeo(Some(Duration::from_millis(500))))
            .unwrap();
        let deadline = Instant::now() + WAIT;
        while pull.bind(&at).is_err() {
            assert!(
                Instant::now() < deadline,
                "round {round}: the path never came free"
            );
        }
        // A message written to the old connection before the PUSH saw it
        // close is lost (as in libzmq): send until one arrives.
        loop {
            push.send(Msg::copy_from_slice(&[round])).unwrap();
            match pull.recv() {
                Ok(m) if m[..] == [round] => break,
                Ok(_) => {}
                Err(RecvError::Timeout) => {
                    assert!(
                        Instant::now() < deadline,
                        "round {round}: no message arrived"
                    );
                }
                Err(e) => panic!("{e}"),
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Peers killed and restarted.

/// RECONNECT_IVL 100 ms doubling up to RECONNECT_IVL_MAX 800 ms, seen from a
/// listener that accepts each attempt and closes it at once (no handshake,
/// so the backoff never resets).
#[test]
fn reconnect_backs_off_from_ivl_to_ivl_max() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let at = format!("tcp://{}", listener.local_addr().unwrap());
    let ctx = Context::new().unwrap();
    let push = socket(&ctx, SocketType::Push);
    push.set_option(SocketOption::Linger(Some(Duration::ZERO)))
        .unwrap();
    push.set_option(SocketOption::ReconnectIvl(Some(Duration::from_millis(100))))
        .unwrap();
    push.set_option(SocketOption::ReconnectIvlMax(Some(Duration::from_millis(
        800,
    ))))
    .unwrap();
    push.connect(&at).unwrap();
    let mut attempts = Vec::new();
    for _ in 0..7 {
        let (stream, _) = listener.accept().unwrap();
        attempts.push(Instant::now());
        drop(stream);
    }
    let gaps: Vec<Duration> = attempts.windows(2).map(|w| w[1] - w[0]).collect();
    let ms = Duration::from_millis;
    let expected = [ms(100), ms(200), ms(400), ms(800), ms(800), ms(800)];
    println!("reconnect gaps {gaps:?}, expected {expected:?}");
    for (gap, want) in gaps.iter().zip(expected) {
        // A timer never fires early; a busy machine may be late.
        assert!(*gap >= want.mul_f64(0.9), "{gaps:?}");
        assert!(*gap < want + SLACK, "{gaps:?}");
    }
}

/// PUSH to a PULL process that is SIGKILLed mid-stream and restarted: the
/// PUSH reconnects (backoff capped at 200 ms) and the new process gets the
/// rest; both processes only ever see whole, exact messages, in order.
#[test]
fn push_reconnects_to_a_killed_and_restarted_pull() {
    let at = ipc("killed-pull");
    let ctx = Context::new().unwrap();
    let push = socket(&ctx, SocketType::Push);
    push.set_option(SocketOption::Linger(Some(Duration::ZERO)))
        .unwrap();
    push.set_option(SocketOption::ReconnectIvl(Some(Duration::from_millis(20))))
        .unwrap();
    push.set_option(SocketOption::ReconnectIvlMax(Some(Duration::from_millis(
        200,
    ))))
    .unwrap();
    push.set_option(SocketOption::SndHwm(10)).unwrap();
    push.set_option(SocketOption::SndTimeo(Some(Duration::from_millis(200))))
        .unwrap();
    let first = Peer::spawn("pull", &at, 0);
    first.expect("ready", |_| {});
    push.connect(&at).unwrap();
    let stop = AtomicBool::new(false);
    std::thread::scope(|s| {
        let sender = s.spawn(|| {
            let mut seq = 0;
            while !stop.load(Ordering::Relaxed) {
                match push.send_multipart(numbered(0, seq)) {
                    Ok(()) => seq += 1,
                    // No peer with room (the PULL is dead): try again.
                    Err(SendError::Timeout(_)) => {}
                    Err(e) => panic!("message {seq}: {e}"),
                }
            }
            seq
        });
        let mut last = None;
        let check = |line: &str, last: &mut Option<u64>| {
            let seq = parse_got(line);
            assert!(last.is_none_or(|l| seq > l), "{line} after {last:?}");
            *last = Some(seq);
        };
        first.expect("got 0 100", |l| check(l, &mut last));
        for line in first.kill() {
            check(&line, &mut last);
        }
        let before_kill = last.unwrap_or(100);
        let second = Peer::spawn("pull", &at, 1);
        second.expect("ready", |_| {});
        let mut after = None;
        let line = second.expect("got", |l| panic!("{l}"));
        check(&line, &mut after);
        let mut n = 0;
        while n < 100 {
            let line = second.expect("", |_| {});
            check(&line, &mut after);
            n += 1;
        }
        assert!(after.unwrap() > before_kill, "{after:?} {before_kill}");
        stop.store(true, Ordering::Relaxed);
        drop(second);
        sender.join().unwrap();
    });
}

/// `got G SEQ` from a child's PULL; panics on `bad ...`.
fn parse_got(line: &str) -> u64 {
    let mut words = line.split(' ');
    assert_eq!(words.next(), Some("got"), "the child saw {line}");
    words.next();
    words.next().unwrap().parse().unwrap()
}

/// A PUSH process SIGKILLed while writing large multi-part messages, then
/// restarted: the PULL only ever receives whole, exact messages, and each
/// generation's in order.
#[test]
fn a_push_killed_mid_message_never_yields_a_partial_one() {
    let ctx = Context::new().unwrap();
    let pull = socket(&ctx, SocketType::Pull);
    pull.set_option(SocketOption::RcvHwm(4)).unwrap();
    let at = ipc("killed-push");
    pull.bind(&at).unwrap();
    for generation in 0..3u8 {
        let peer = Peer::spawn("push", &at, generation);
        let mut next = 0;
        while next < 30 {
            let m = pull.recv_multipart().unwrap();
            let (g, seq) = check_numbered(&m).unwrap();
            if g != generation {
                // Whole messages of the killed one may still be queued.
                assert!(g < generation, "generation {g} during {generation}");
                continue;
            }
            assert_eq!(seq, next, "generation {g}");
            next += 1;
        }
        // The next message is mid-flight: its parts are large.
        drop(peer);
    }
    // What was in flight at the last kill: whole messages or nothing.
    while let Ok(m) = pull.try_recv_multipart() {
        check_numbered(&m).unwrap();
    }
    std::thread::sleep(Duration::from_millis(100));
    while let Ok(m) = pull.try_recv_multipart() {
        check_numbered(&m).unwrap();
    }
}

/// REQ to a REP process that is killed while it holds the request.
/// Default (libzmq would wait for the reply forever): when the request's
/// connection is lost, `recv` fails with `State` (EFSM) and the socket may
/// send again, to the restarted peer. With REQ_RELAXED + REQ_CORRELATE
/// (libzmq's way out): a new request may be sent without waiting, and only
/// its own reply is accepted.
#[test]
fn req_recovers_from_a_killed_rep() {
    let at = ipc("killed-rep");
    let ctx = Context::new().unwrap();
    let req = socket(&ctx, SocketType::Req);
    req.set_option(SocketOption::Linger(Some(Duration::ZERO)))
        .unwrap();
    req.set_option(SocketOption::ReconnectIvl(Some(Duration::from_millis(20))))
        .unwrap();
    let first = Peer::spawn("rep", &at, 0);
    first.expect("ready", |_| {});
    req.connect(&at).unwrap();
    req.send(Msg::from_static(b"ping")).unwrap();
    assert_eq!(&req.recv().unwrap()[..], b"ping");
    req.send(Msg::from_static(b"hang")).unwrap();
    first.expect("got hang", |_| {});
    first.kill();
    assert_eq!(req.recv().unwrap_err(), RecvError::State);
    let second = Peer::spawn("rep", &at, 1);
    second.expect("ready", |_| {});
    req.send(Msg::from_static(b"again")).unwrap();
    assert_eq!(&req.recv().unwrap()[..], b"again");

    // Relaxed and correlated: give up on a slow reply and ask again.
    req.set_option(SocketOption::ReqRelaxed(true)).unwrap();
    req.set_option(SocketOption::ReqCorrelate(true)).unwrap();
    req.send(Msg::from_static(b"slow one")).unwrap();
    second.expect("got slow one", |_| {});
    req.send(Msg::from_static(b"fast two")).unwrap();
    // "slow one"'s reply comes first and must be dropped.
    assert_eq!(&req.recv().unwrap()[..], b"fast two");
    // Relaxed also recovers from a peer that dies holding the request.
    req.send(Msg::from_static(b"hang again")).unwrap();
    second.expect("got hang again", |_| {});
    second.kill();
    let third = Peer::spawn("rep", &at, 2);
    third.expect("ready", |_| {});
    req.send(Msg::from_static(b"third")).unwrap();
    assert_eq!(&req.recv().unwrap()[..], b"third");
}

/// SUB to a PUB process that is killed and restarted: it re-subscribes and
/// receives again; within one publisher, sequence numbers only grow.
#[test]
fn sub_resubscribes_to_a_killed_and_restarted_pub() {
    let at = ipc("killed-pub");
    let ctx = Context::new().unwrap();
    let sub = socket(&ctx, SocketType::Sub);
    sub.set_option(SocketOption::Linger(Some(Duration::ZERO)))
        .unwrap();
    sub.set_option(SocketOption::ReconnectIvl(Some(Duration::from_millis(20))))
        .unwrap();
    sub.subscribe(b"t").unwrap();
    sub.connect(&at).unwrap();
    let mut last: Option<(u8, u64)> = None;
    for generation in 0..3u8 {
        let peer = Peer::spawn("pub", &at, generation);
        let mut got = 0;
        while got < 50 {
            let m = sub.recv_multipart().unwrap();
            assert_eq!(m.len(), 3);
            assert_eq!(&m[0][..], b"t");
            let g = m[1][0];
            let seq = u64::from_le_bytes(m[2].as_slice().try_into().unwrap());
            if let Some((lg, ls)) = last
                && lg == g
            {
                assert!(seq > ls, "generation {g}: {seq} after {ls}");
            }
            last = Some((g, seq));
            got += u32::from(g == generation);
        }
        drop(peer);
    }
}

// ---------------------------------------------------------------------------
// Slow consumers and churn (run isolated, see the module docs).

#[test]
fn a_slow_push_consumer_keeps_memory_bounded() {
    run_isolated("slow-push");
}

#[test]
fn a_slow_pub_consumer_keeps_memory_bounded() {
    run_isolated("slow-pub");
}

#[test]
fn a_slow_rep_consumer_keeps_memory_bounded() {
    run_isolated("slow-req");
}

#[test]
fn subscriber_churn_leaks_nothing() {
    run_isolated("churn");
}

/// A consumer that never reads: up to 1 GiB of fresh 64 KiB messages is
/// offered (PUSH blocks, PUB drops, REQ refuses a second request) and RSS
/// may grow by no more than the HWMs' worth, twice, plus 64 MiB.
fn slow_consumer(sender: SocketType, receiver: SocketType) {
    const SIZE: usize = 64 << 10;
    const HWM: usize = 100;
    const TOTAL: usize = 1 << 30;
    let ctx = Context::new().unwrap();
    let rx = ctx.socket(receiver).unwrap();
    let tx = ctx.socket(sender).unwrap();
    for s in [&rx, &tx] {
        s.set_option(SocketOption::SndHwm(HWM)).unwrap();
        s.set_option(SocketOption::RcvHwm(HWM)).unwrap();
        s.set_option(SocketOption::Linger(Some(Duration::ZERO)))
            .unwrap();
        s.set_option(SocketOption::SndTimeo(Some(Duration::from_millis(500))))
            .unwrap();
    }
    rx.bind("tcp://127.0.0.1:0").unwrap();
    if receiver == SocketType::Sub {
        rx.subscribe(b"").unwrap();
    }
    tx.connect(&rx.last_endpoint().unwrap().to_string())
        .unwrap();
    // Warm up until a message goes through: the connection is up and, for
    // PUB, the subscription is in (a bound SUB sends it to a new peer on
    // its next call, as libzmq's does when it processes its commands).
    if sender != SocketType::Req {
        rx.set_option(SocketOption::RcvTimeo(Some(Duration::from_millis(50))))
            .unwrap();
        let deadline = Instant::now() + WAIT;
        loop {
            tx.send(Msg::from_static(b"warm-up")).unwrap();
            if rx.recv().is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "no message went through");
        }
        while rx.try_recv().is_ok() {}
    }
    let before = rss_kib();
    let mut sent = 0usize;
    let mut refused = 0usize;
    for i in 0..TOTAL / SIZE {
        match tx.send(Msg::from(vec![i as u8; SIZE])) {
            Ok(()) => sent += 1,
            Err(SendError::Timeout(_) | SendError::State(_)) => {
                refused += 1;
                if refused >= 3 {
                    break;
                }
            }
            Err(e) => panic!("{e}"),
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    let grown = rss_kib().saturating_sub(before) * 1024;
    // The consumer's side is full: the traffic did flow up to the HWM.
    let mut queued = 0;
    while rx.try_recv_multipart().is_ok() {
        queued += 1;
    }
    let bound = (HWM * SIZE * 2 + (64 << 20)) as u64;
    tell(format!(
        "{sender:?}: {sent} sent, {refused} refused, {queued} queued at the consumer, \
         RSS grew {} KiB (bound {} KiB)",
        grown >> 10,
        bound >> 10
    ));
    assert!(grown <= bound, "RSS grew {grown} > {bound}");
    if sender != SocketType::Req {
        assert!(
            queued >= HWM / 2,
            "{queued} queued: the traffic did not flow"
        );
    }
    match sender {
        SocketType::Push => assert!(refused > 0 && sent < TOTAL / SIZE, "PUSH never blocked"),
        SocketType::Pub => assert_eq!(sent, TOTAL / SIZE, "PUB never blocks"),
        _ => assert_eq!(sent, 1, "REQ sends one request"),
    }
}

/// 1000 subscribers connect to one PUB over tcp, receive one message and
/// are dropped (LINGER 0): descriptors, threads and RSS end where they
/// were after a warm-up.
fn churn() {
    const ROUNDS: usize = 1000;
    const WARM_UP: usize = 50;
    let server = Context::new().unwrap();
    let publisher = server.socket(SocketType::Pub).unwrap();
    publisher.bind("tcp://127.0.0.1:0").unwrap();
    let at = publisher.last_endpoint().unwrap().to_string();
    let clients = Context::new().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut seq = 0u64;
            while !stop.load(Ordering::Relaxed) {
                publisher
                    .send_multipart([
                        Msg::from_static(b"t"),
                        Msg::copy_from_slice(&seq.to_le_bytes()),
                    ])
                    .unwrap();
                seq += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        let one = |round: usize| {
            let sub = clients.socket(SocketType::Sub).unwrap();
            sub.set_option(SocketOption::Linger(Some(Duration::ZERO)))
                .unwrap();
            sub.set_option(SocketOption::RcvTimeo(Some(WAIT))).unwrap();
            sub.subscribe(b"t").unwrap();
            sub.connect(&at).unwrap();
            let m = sub
                .recv_multipart()
                .unwrap_or_else(|e| panic!("round {round}: {e}"));
            assert_eq!(&m[0][..], b"t");
        };
        for round in 0..WARM_UP {
            one(round);
        }
        std::thread::sleep(Duration::from_millis(300));
        let (fds0, threads0, rss0) = (fds(), threads(), rss_kib());
        for round in WARM_UP..WARM_UP + ROUNDS {
            one(round);
        }
        // Closed connections are reaped by the I/O threads and the PUB's
        // next send: give them a moment.
        let settle = Instant::now() + Duration::from_secs(5);
        while fds() > fds0 + 4 && Instant::now() < settle {
            std::thread::sleep(Duration::from_millis(20));
        }
        let (fds1, threads1, rss1) = (fds(), threads(), rss_kib());
        tell(format!(
            "fds {fds0} -> {fds1}, threads {threads0} -> {threads1}, RSS {rss0} -> {rss1} KiB"
        ));
        stop.store(true, Ordering::Relaxed);
        assert!(fds1 <= fds0 + 4, "descriptors leaked: {fds0} -> {fds1}");
        assert!(
            threads1 <= threads0,
            "threads leaked: {threads0} -> {threads1}"
        );
        assert!(rss1 <= rss0 + 32 * 1024, "RSS grew: {rss0} -> {rss1} KiB");
    });
}
