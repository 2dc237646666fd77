//! `conns`: resident memory per idle connection of a REP server, ferrozmq's
//! beside libzmq's, measured in the same run. A benchmark, not a test: it
//! reports and never asserts.
//!
//! ```text
//! conns [--n N]...        (default: --n 1000 --n 10000)
//! conns server ferrozmq|libzmq
//! ```
//!
//! For each N and each implementation, the driver starts a server process
//! (this binary, `server` role): a REP socket bound to `tcp://127.0.0.1:0`
//! on a context with one I/O thread, echoing on a thread of its own, and
//! answering `rss` on its stdin with its `VmRSS` from `/proc/self/status`.
//! The driver reads the server's RSS, then opens N raw TCP connections that
//! each complete the ZMTP 3.1 NULL handshake as a REQ peer (greeting and
//! READY, RFC 37 §3.2 and §3.3), waits for the server to settle, and reads
//! its RSS again: the growth divided by N is the memory of one idle
//! connection. It then sends one request on every connection, reads every
//! reply, and reads the RSS a third time: connections that have carried a
//! message once may keep pipe storage that fresh ones do not have yet.
//!
//! Server and clients are separate processes, so each needs about N file
//! descriptors, not 2N. The soft `RLIMIT_NOFILE` is raised to the hard one
//! (through the `rlimit` crate, so this package has no `unsafe`); if that
//! is too low, it says so and stops.
//!
//! RSS counts what the allocator has touched and not returned, so a figure
//! includes allocator slack (glibc's per-thread arenas); both
//! implementations run on the same glibc `malloc`, and each server is a fresh
//! process.

use std::env;
use std::fs;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{self, Child, ChildStdin, ChildStdout, Command, Stdio};
use std::thread;
use std::time::Duration;

/// The connection counts measured without `--n`.
const DEFAULT_COUNTS: [usize; 2] = [1000, 10_000];

/// Descriptors a process needs beyond one per connection (std streams,
/// listener, the I/O threads' pollers and mailboxes).
const SPARE_FDS: usize = 64;

/// How long the server is given to take in a wave of connections or
/// messages before its RSS is read.
const SETTLE: Duration = Duration::from_millis(1000);

/// How long a client waits for the server before the run is failed.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(20);

const USAGE: &str = "usage: conns [--n N]...  |  conns server ferrozmq|libzmq";

/// The two servers, in the order each N runs them.
const IMPLS: [&str; 2] = ["ferrozmq", "libzmq"];

fn main() {
    let args: Vec<String> = env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("server") {
        match args.get(1).map(String::as_str) {
            Some("ferrozmq") => ferrozmq_server(),
            Some("libzmq") => libzmq_server(),
            _ => die(USAGE),
        }
    }
    let counts = parse_counts(&args).unwrap_or_else(|e| die(&format!("{e}\n{USAGE}")));
    let largest = counts.iter().copied().max().unwrap_or(0);
    ensure_fd_limit(largest + SPARE_FDS);
    drive(&counts);
}

/// The `--n` values, or the defaults.
fn parse_counts(args: &[String]) -> Result<Vec<usize>, String> {
    let mut counts = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--n" => {
                let value = it.next().ok_or("--n needs a value")?;
                match value.parse::<usize>() {
                    Ok(n) if n > 0 => counts.push(n),
                    _ => return Err(format!("--n {value}: not a positive count")),
                }
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    if counts.is_empty() {
        counts.extend(DEFAULT_COUNTS);
    }
    Ok(counts)
}

fn die(msg: &str) -> ! {
    eprintln!("conns: {msg}");
    process::exit(2);
}

// ---------------------------------------------------------------------------
// Descriptor limit.

/// Raises this process's soft open-file limit to the hard one (the servers
/// it starts inherit it) and checks that `needed` descriptors fit.
fn ensure_fd_limit(needed: usize) {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) if usize::try_from(limit).is_ok_and(|l| l >= needed) => {}
        Ok(limit) => die(&format!(
            "{needed} open files needed, the hard limit is {limit} (`ulimit -Hn`): \
             measure fewer connections with --n"
        )),
        Err(e) => die(&format!("cannot read or raise the open-file limit: {e}")),
    }
}

// ---------------------------------------------------------------------------
// Servers.

/// This process's resident set in KiB, from `/proc/self/status`.
fn rss_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| die("no VmRSS in /proc/self/status"))
}

/// Prints `port P`, then answers `rss` lines until stdin closes or says
/// `quit`, and exits without tearing the server down (its sockets are the
/// OS's to close; a linger wait would only slow the run).
fn serve_commands(endpoint: &str) -> ! {
    let port = endpoint
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or_else(|| die(&format!("no port in endpoint {endpoint}")));
    let mut out = io::stdout().lock();
    writeln!(out, "port {port}").and_then(|()| out.flush()).ok();
    for line in io::stdin().lock().lines() {
        match line.as_deref() {
            Ok("rss") => {
                writeln!(out, "rss {}", rss_kib())
                    .and_then(|()| out.flush())
                    .ok();
            }
            _ => break,
        }
    }
    process::exit(0);
}

fn ferrozmq_server() -> ! {
    use ferrozmq::{Context, SocketType};
    fn fail(what: &str, e: &dyn std::fmt::Display) -> ! {
        die(&format!("{what}: {e}"))
    }
    let ctx = Context::new().unwrap_or_else(|e| fail("context", &e));
    let socket = ctx
        .socket(SocketType::Rep)
        .unwrap_or_else(|e| fail("socket", &e));
    socket
        .bind("tcp://127.0.0.1:0")
        .unwrap_or_else(|e| fail("bind", &e));
    let endpoint = socket
        .last_endpoint()
        .unwrap_or_else(|| die("no last endpoint"))
        .to_string();
    thread::spawn(move || {
        let _ctx = ctx;
        loop {
            let request = socket.recv_multipart().unwrap_or_else(|e| fail("recv", &e));
            if let Err(e) = socket.send_multipart(request) {
                fail("send", &e);
            }
        }
    });
    serve_commands(&endpoint)
}

fn libzmq_server() -> ! {
    fn fail(what: &str, e: zmq::Error) -> ! {
        die(&format!("libzmq {what}: {e}"))
    }
    let ctx = zmq::Context::new();
    let socket = ctx.socket(zmq::REP).unwrap_or_else(|e| fail("socket", e));
    socket
        .bind("tcp://127.0.0.1:0")
        .unwrap_or_else(|e| fail("bind", e));
    let endpoint = socket
        .get_last_endpoint()
        .unwrap_or_else(|e| fail("last endpoint", e))
        .unwrap_or_else(|_| die("last endpoint is not UTF-8"));
    thread::spawn(move || {
        let _ctx = ctx;
        loop {
            let request = socket.recv_multipart(0).unwrap_or_else(|e| fail("recv", e));
            socket
                .send_multipart(request, 0)
                .unwrap_or_else(|e| fail("send", e));
        }
    });
    serve_commands(&endpoint)
}

// ---------------------------------------------------------------------------
// Driver.

/// A running server process and its command channel.
struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    port: u16,
}

impl Server {
    fn start(which: &str) -> io::Result<Server> {
        let exe = env::current_exe()?;
        let mut child = Command::new(exe)
            .args(["server", which])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut server = Server {
            child,
            stdin,
            stdout,
            port: 0,
        };
        let line = server.line()?;
        server.port = line
            .strip_prefix("port ")
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| io::Error::other(format!("{which} server said {line:?}")))?;
        Ok(server)
    }

    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            return Err(io::Error::other("the server exited"));
        }
        Ok(line.trim_end().to_owned())
    }

    /// The server's RSS in KiB, read after [`SETTLE`].
    fn rss_kib(&mut self) -> io::Result<u64> {
        thread::sleep(SETTLE);
        writeln!(self.stdin, "rss")?;
        self.stdin.flush()?;
        let line = self.line()?;
        line.strip_prefix("rss ")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| io::Error::other(format!("server said {line:?}")))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = writeln!(self.stdin, "quit");
        let _ = self.stdin.flush();
        if self.child.wait().is_err() {
            let _ = self.child.kill();
        }
    }
}

/// What one server measured: RSS in KiB before any connection, with N
/// idle connections, and after one request on each.
#[derive(Debug, Clone, Copy)]
struct Sample {
    base: u64,
    connected: u64,
    used: u64,
}

impl Sample {
    /// Bytes per connection grown from `base` to `to`.
    fn per_conn(&self, to: u64, n: usize) -> f64 {
        (to as f64 - self.base as f64) * 1024.0 / n as f64
    }
}

fn drive(counts: &[usize]) {
    println!(
        "REP server RSS growth per connection (raw ZMTP 3.1 REQ clients over 127.0.0.1; \
         KiB = 1024 B)"
    );
    println!(
        "{:>6}  {:<9} {:>10}  {:>16}  {:>16}",
        "N", "server", "base KiB", "idle KiB/conn", "used KiB/conn"
    );
    for &n in counts {
        let mut samples = Vec::new();
        for which in IMPLS {
            match measure(which, n) {
                Ok(s) => {
                    println!(
                        "{n:>6}  {which:<9} {:>10}  {:>16.1}  {:>16.1}",
                        s.base,
                        s.per_conn(s.connected, n) / 1024.0,
                        s.per_conn(s.used, n) / 1024.0,
                    );
                    samples.push(s);
                }
                Err(e) => println!("{n:>6}  {which:<9} failed: {e}"),
            }
        }
        if let [ours, theirs] = samples[..] {
            println!(
                "{n:>6}  {:<9} {:>10}  {:>15.2}x  {:>15.2}x",
                "ratio",
                "",
                ours.per_conn(ours.connected, n) / theirs.per_conn(theirs.connected, n),
                ours.per_conn(ours.used, n) / theirs.per_conn(theirs.used, n),
            );
        }
    }
}

fn measure(which: &str, n: usize) -> io::Result<Sample> {
    let mut server = Server::start(which)?;
    let base = server.rss_kib()?;
    let mut clients = Vec::with_capacity(n);
    for i in 0..n {
        let client =
            handshake(server.port).map_err(|e| io::Error::other(format!("connection {i}: {e}")))?;
        clients.push(client);
    }
    let connected = server.rss_kib()?;
    for (i, client) in clients.iter_mut().enumerate() {
        round_trip(client).map_err(|e| io::Error::other(format!("request {i}: {e}")))?;
    }
    let used = server.rss_kib()?;
    drop(server);
    drop(clients);
    Ok(Sample {
        base,
        connected,
        used,
    })
}

/// ZMTP 3.1's greeting for the NULL mechanism as a client (RFC 37 §3.2):
/// signature, version 3.1, mechanism, as-server 0, filler.
fn greeting() -> [u8; 64] {
    let mut g = [0u8; 64];
    g[0] = 0xFF;
    g[9] = 0x7F;
    g[10] = 3;
    g[11] = 1;
    g[12..16].copy_from_slice(b"NULL");
    g
}

/// A READY command with `Socket-Type: REQ` (RFC 37 §3.3, RFC 23's
/// metadata encoding).
fn ready() -> Vec<u8> {
    let mut body = Vec::new();
    body.push(5);
    body.extend_from_slice(b"READY");
    body.push(11);
    body.extend_from_slice(b"Socket-Type");
    body.extend_from_slice(&3u32.to_be_bytes());
    body.extend_from_slice(b"REQ");
    let mut frame = vec![0x04, body.len() as u8];
    frame.extend_from_slice(&body);
    frame
}

/// Reads one frame; returns its flags and body.
fn read_frame(stream: &mut TcpStream) -> io::Result<(u8, Vec<u8>)> {
    let mut flags = [0u8; 1];
    stream.read_exact(&mut flags)?;
    let size = if flags[0] & 0x02 != 0 {
        let mut size = [0u8; 8];
        stream.read_exact(&mut size)?;
        usize::try_from(u64::from_be_bytes(size)).map_err(io::Error::other)?
    } else {
        let mut size = [0u8; 1];
        stream.read_exact(&mut size)?;
        usize::from(size[0])
    };
    if size > 1 << 16 {
        return Err(io::Error::other(format!("a {size}-byte frame")));
    }
    let mut body = vec![0u8; size];
    stream.read_exact(&mut body)?;
    Ok((flags[0], body))
}

/// A connection that has completed the handshake: the server's greeting and
/// READY have been read.
fn handshake(port: u16) -> io::Result<TcpStream> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(CLIENT_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let mut hello = greeting().to_vec();
    hello.extend_from_slice(&ready());
    stream.write_all(&hello)?;
    let mut theirs = [0u8; 64];
    stream.read_exact(&mut theirs)?;
    if theirs[0] != 0xFF || theirs[9] != 0x7F || theirs[10] != 3 {
        return Err(io::Error::other("not a ZMTP 3 greeting"));
    }
    let (flags, body) = read_frame(&mut stream)?;
    if flags & 0x04 == 0 || !body.starts_with(b"\x05READY") {
        return Err(io::Error::other("no READY from the server"));
    }
    Ok(stream)
}

/// One REQ request (empty delimiter, one-byte body) and its whole reply.
fn round_trip(stream: &mut TcpStream) -> io::Result<()> {
    stream.write_all(&[0x01, 0x00, 0x00, 0x01, b'x'])?;
    let mut parts = Vec::new();
    loop {
        let (flags, body) = read_frame(stream)?;
        if flags & 0x04 != 0 {
            continue; // a command (none is expected)
        }
        parts.push(body);
        if flags & 0x01 == 0 {
            break;
        }
    }
    if parts != [b"".to_vec(), b"x".to_vec()] {
        return Err(io::Error::other(format!("reply {parts:?}")));
    }
    Ok(())
}
