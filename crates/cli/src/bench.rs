//! `fzmq bench`: throughput of PUSH/PULL and PUB/SUB and round-trip latency
//! of REQ/REP over inproc, ipc and tcp at 64 B, 1 KiB, 64 KiB and 1 MiB, with
//! no set-up, printed as one table.
//!
//! Method, per cell:
//! - One fresh [`Context`] (one I/O thread) holds both sockets, so inproc
//!   works and the cells do not share state; the two sides run on two threads
//!   of this process (the receiver or REP on a scoped thread). With the I/O
//!   thread that makes three busy threads; on a 2-core machine they compete,
//!   as libzmq's `local_thr`/`remote_thr` pair with one I/O thread each would.
//! - The sender sends clones of one message body (zero-copy: a clone is one
//!   reference-count increment), until the cell's time budget (300 ms by
//!   default, `--time MS`) or its message cap, whichever comes first; then
//!   an empty message that ends the cell. High-water marks are lowered for
//!   large messages so that at most about 16 MiB is queued on each side.
//! - Throughput is measured at the receiver, from the first message to the
//!   end marker, as libzmq's `local_thr` does: msg/s and MB/s (10^6 bytes).
//!   PUB drops what a slow subscriber cannot take, so PUB/SUB shows the rate
//!   the SUB received. Before timing PUB/SUB, the PUB sends one-byte probes
//!   until the SUB receives one, so the subscription has arrived.
//! - Latency is the mean round trip of REQ/REP (send a request, receive the
//!   echoed reply), after one warm-up round trip. libzmq's `*_lat` tools
//!   print half of it.
//!
//! Every socket has a 5 s receive and send timeout, so a cell that stalls
//! shows an error instead of hanging the run.

use std::io::{IsTerminal, Write};
use std::thread;
use std::time::{Duration, Instant};

use ferrozmq::{Context, Msg, Socket, SocketOption, SocketType};

use crate::Failure;
use crate::sync::{AtomicBool, Ordering};

/// The sizes of the full run.
const SIZES: [usize; 4] = [64, 1024, 64 * 1024, 1024 * 1024];
/// The sizes of `--quick`.
const QUICK_SIZES: [usize; 2] = [64, 64 * 1024];
/// The default time budget per cell.
const DEFAULT_BUDGET: Duration = Duration::from_millis(300);
/// The budget per cell with `--quick`.
const QUICK_BUDGET: Duration = Duration::from_millis(50);
/// How long a socket waits before a cell fails.
const STALL: Duration = Duration::from_secs(5);
/// About how many bytes each side may queue (sets the high-water marks).
const QUEUE_BYTES: usize = 16 << 20;

/// A messaging pattern measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    /// PUSH/PULL throughput.
    PushPull,
    /// PUB/SUB throughput.
    PubSub,
    /// REQ/REP round-trip latency.
    ReqRep,
}

impl Pattern {
    /// The table's name for it.
    fn name(self) -> &'static str {
        match self {
            Self::PushPull => "PUSH/PULL",
            Self::PubSub => "PUB/SUB",
            Self::ReqRep => "REQ/REP",
        }
    }
}

/// A transport measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// `inproc://`.
    Inproc,
    /// `ipc://` in the temporary directory.
    Ipc,
    /// `tcp://127.0.0.1`.
    Tcp,
}

impl Transport {
    /// The table's name for it.
    fn name(self) -> &'static str {
        match self {
            Self::Inproc => "inproc",
            Self::Ipc => "ipc",
            Self::Tcp => "tcp",
        }
    }
}

/// What one cell measured.
#[derive(Debug, Clone, Copy)]
struct Measure {
    /// Messages received (throughput) or round trips (latency).
    count: u64,
    /// Over this many seconds.
    secs: f64,
}

/// Runs `fzmq bench ARGS...`.
///
/// # Errors
///
/// A usage error for an unknown option or a bad `--time`; a runtime error
/// when stdout cannot be written.
pub fn run(args: &[String]) -> Result<(), Failure> {
    let mut sizes = &SIZES[..];
    let mut budget = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--quick" => sizes = &QUICK_SIZES[..],
            "--time" => {
                let v = it
                    .next()
                    .ok_or_else(|| Failure::usage("--time needs a value: milliseconds per cell"))?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| Failure::usage(format!("--time {v:?}: expected milliseconds")))?;
                budget = Some(Duration::from_millis(ms));
            }
            other => {
                return Err(Failure::usage(format!(
                    "unknown option `{other}` for `fzmq bench` (try `fzmq --help`)"
                )));
            }
        }
    }
    let quick = sizes.len() == QUICK_SIZES.len();
    let budget = budget.unwrap_or(if quick { QUICK_BUDGET } else { DEFAULT_BUDGET });

    let mut cells = Vec::new();
    for pattern in [Pattern::PushPull, Pattern::PubSub, Pattern::ReqRep] {
        for transport in [Transport::Inproc, Transport::Ipc, Transport::Tcp] {
            for &size in sizes {
                cells.push((pattern, transport, size));
            }
        }
    }
    let started = Instant::now();
    let tty = std::io::stderr().is_terminal();
    let mut rows = Vec::new();
    for (i, &(pattern, transport, size)) in cells.iter().enumerate() {
        let label = format!(
            "[{:>2}/{}] {} {} {}",
            i + 1,
            cells.len(),
            pattern.name(),
            transport.name(),
            size_name(size)
        );
        if tty {
            eprint!("\r\x1b[K{label} ...");
        } else {
            eprintln!("{label}");
        }
        let _ = std::io::stderr().flush();
        let result = measure(pattern, transport, size, budget, i);
        rows.push((pattern, transport, size, result));
    }
    if tty {
        eprint!("\r\x1b[K");
    }
    let table = render(&rows);
    let mut out = std::io::stdout().lock();
    out.write_all(table.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure::runtime(format!("cannot write stdout: {e}")))?;
    eprintln!(
        "fzmq bench: {} cells in {:.1} s",
        cells.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `64 B`, `1 KiB`, `64 KiB`, `1 MiB`.
fn size_name(size: usize) -> String {
    if size >= 1 << 20 && size.is_multiple_of(1 << 20) {
        format!("{} MiB", size >> 20)
    } else if size >= 1 << 10 && size.is_multiple_of(1 << 10) {
        format!("{} KiB", size >> 10)
    } else {
        format!("{size} B")
    }
}

/// The most messages a throughput cell sends.
fn throughput_cap(size: usize) -> u64 {
    match size {
        0..=1024 => 2_000_000,
        1025..=65536 => 200_000,
        _ => 5_000,
    }
}

/// The most round trips a latency cell makes.
fn latency_cap(size: usize) -> u64 {
    match size {
        0..=1024 => 100_000,
        1025..=65536 => 5_000,
        _ => 300,
    }
}

/// The bind endpoint for cell `id` over `transport`, and the ipc file to
/// remove afterwards.
fn endpoint(transport: Transport, id: usize) -> (String, Option<std::path::PathBuf>) {
    match transport {
        Transport::Inproc => (format!("inproc://fzmq-bench-{id}"), None),
        Transport::Tcp => ("tcp://127.0.0.1:0".to_string(), None),
        Transport::Ipc => {
            let path =
                std::env::temp_dir().join(format!("fzmq-bench-{}-{id}.ipc", std::process::id()));
            let _ = std::fs::remove_file(&path);
            (format!("ipc://{}", path.display()), Some(path))
        }
    }
}

/// Makes a socket of `kind` in `ctx` with the bench's options.
fn socket(ctx: &Context, kind: SocketType, hwm: usize) -> Result<Socket, String> {
    let s = ctx.socket(kind).map_err(|e| e.to_string())?;
    for opt in [
        SocketOption::SndHwm(hwm),
        SocketOption::RcvHwm(hwm),
        SocketOption::Linger(Some(Duration::ZERO)),
        SocketOption::RcvTimeo(Some(STALL)),
        SocketOption::SndTimeo(Some(STALL)),
    ] {
        s.set_option(opt).map_err(|e| e.to_string())?;
    }
    Ok(s)
}

/// Measures one cell; `Err` with a short reason when it failed.
fn measure(
    pattern: Pattern,
    transport: Transport,
    size: usize,
    budget: Duration,
    id: usize,
) -> Result<Measure, String> {
    let ctx = Context::new().map_err(|e| e.to_string())?;
    let hwm = (QUEUE_BYTES / size).clamp(8, 1000);
    let (server_kind, client_kind) = match pattern {
        Pattern::PushPull => (SocketType::Pull, SocketType::Push),
        Pattern::PubSub => (SocketType::Sub, SocketType::Pub),
        Pattern::ReqRep => (SocketType::Rep, SocketType::Req),
    };
    let (bind, file) = endpoint(transport, id);
    let result = (|| {
        let server = socket(&ctx, server_kind, hwm)?;
        server.bind(&bind).map_err(|e| e.to_string())?;
        if pattern == Pattern::PubSub {
            server.subscribe(b"").map_err(|e| e.to_string())?;
        }
        let connect = server
            .last_endpoint()
            .ok_or("no endpoint after bind")?
            .to_string();
        let client = socket(&ctx, client_kind, hwm)?;
        client.connect(&connect).map_err(|e| e.to_string())?;
        match pattern {
            Pattern::ReqRep => latency(&server, &client, size, budget),
            _ => throughput(&server, &client, pattern, size, budget),
        }
    })();
    drop(ctx);
    if let Some(file) = file {
        let _ = std::fs::remove_file(file);
    }
    result
}

/// PUSH/PULL or PUB/SUB throughput from `tx` to `rx`.
fn throughput(
    rx: &Socket,
    tx: &Socket,
    pattern: Pattern,
    size: usize,
    budget: Duration,
) -> Result<Measure, String> {
    let ready = AtomicBool::new(false);
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        let receiver = s.spawn(|| receive(rx, &ready, &done));
        let sent = (|| -> Result<(), String> {
            if pattern == Pattern::PubSub {
                let t = Instant::now();
                while !ready.load(Ordering::Acquire) {
                    if t.elapsed() > STALL {
                        return Err("the subscription never arrived".to_string());
                    }
                    tx.send(Msg::from_static(b"P")).map_err(|e| e.to_string())?;
                    thread::sleep(Duration::from_millis(1));
                }
            }
            let body = Msg::from(vec![0x5a; size]);
            let cap = throughput_cap(size);
            let start = Instant::now();
            let mut sent = 0u64;
            while sent < cap && (!sent.is_multiple_of(16) || start.elapsed() < budget) {
                tx.send(body.clone()).map_err(|e| e.to_string())?;
                sent += 1;
            }
            // The end marker; PUB may drop it, so repeat until it arrives.
            let t = Instant::now();
            loop {
                tx.send(Msg::new()).map_err(|e| e.to_string())?;
                if pattern == Pattern::PushPull || done.load(Ordering::Acquire) {
                    return Ok(());
                }
                if t.elapsed() > STALL {
                    return Err("the end marker never arrived".to_string());
                }
                thread::sleep(Duration::from_millis(1));
            }
        })();
        if sent.is_err() {
            done.store(true, Ordering::Release);
        }
        let received = receiver
            .join()
            .unwrap_or_else(|_| Err("the receiver panicked".to_string()));
        sent.and(received)
    })
}

/// The receiving side of [`throughput`]: counts full messages from the
/// first to the empty end marker; a one-byte probe sets `ready`.
fn receive(rx: &Socket, ready: &AtomicBool, done: &AtomicBool) -> Result<Measure, String> {
    let mut count = 0u64;
    let mut start = None;
    loop {
        let msg = match rx.recv() {
            Ok(m) => m,
            Err(e) if done.load(Ordering::Acquire) => return Err(format!("stopped: {e}")),
            Err(e) => return Err(e.to_string()),
        };
        match msg.len() {
            0 => break,
            1 => ready.store(true, Ordering::Release),
            _ => {
                start.get_or_insert_with(Instant::now);
                count += 1;
            }
        }
    }
    done.store(true, Ordering::Release);
    let secs = start.map_or(0.0, |s| s.elapsed().as_secs_f64());
    if count == 0 {
        return Err("no message arrived".to_string());
    }
    Ok(Measure { count, secs })
}

/// REQ/REP round trips from `req` to `rep`, which echoes.
fn latency(rep: &Socket, req: &Socket, size: usize, budget: Duration) -> Result<Measure, String> {
    thread::scope(|s| {
        let server = s.spawn(|| -> Result<(), String> {
            loop {
                let msg = rep.recv_multipart().map_err(|e| e.to_string())?;
                let stop = msg.first().is_none_or(|m| m.is_empty());
                rep.send_multipart(msg).map_err(|e| e.to_string())?;
                if stop {
                    return Ok(());
                }
            }
        });
        let measured = (|| -> Result<Measure, String> {
            let body = Msg::from(vec![0x5a; size]);
            let round_trip = |m: Msg| -> Result<(), String> {
                req.send(m).map_err(|e| e.to_string())?;
                req.recv().map(drop).map_err(|e| e.to_string())
            };
            round_trip(body.clone())?;
            let cap = latency_cap(size);
            let start = Instant::now();
            let mut count = 0u64;
            while count < cap && start.elapsed() < budget {
                round_trip(body.clone())?;
                count += 1;
            }
            let secs = start.elapsed().as_secs_f64();
            round_trip(Msg::new())?;
            Ok(Measure { count, secs })
        })();
        let served = server
            .join()
            .unwrap_or_else(|_| Err("the REP side panicked".to_string()));
        // When the REQ side failed, its error is the cause.
        let measured = measured?;
        served.map(|()| measured)
    })
}

/// Formats a count with thousands separators.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The table of `rows`, aligned, one line per cell.
fn render(rows: &[(Pattern, Transport, usize, Result<Measure, String>)]) -> String {
    let header = [
        "pattern",
        "transport",
        "size",
        "messages",
        "msg/s",
        "MB/s",
        "latency (RTT)",
    ];
    let mut lines: Vec<[String; 7]> = Vec::new();
    for (pattern, transport, size, result) in rows {
        let (count, rate, mbps, lat) = match result {
            Err(e) => (
                format!("error: {e}"),
                String::new(),
                String::new(),
                String::new(),
            ),
            Ok(m) if *pattern == Pattern::ReqRep => {
                let us = m.secs * 1e6 / m.count.max(1) as f64;
                (
                    grouped(m.count),
                    "-".into(),
                    "-".into(),
                    format!("{us:.1} µs"),
                )
            }
            Ok(m) => {
                let per_sec = m.count as f64 / m.secs.max(1e-9);
                (
                    grouped(m.count),
                    grouped(per_sec as u64),
                    format!("{:.1}", per_sec * *size as f64 / 1e6),
                    "-".into(),
                )
            }
        };
        lines.push([
            pattern.name().into(),
            transport.name().into(),
            size_name(*size),
            count,
            rate,
            mbps,
            lat,
        ]);
    }
    let mut widths = header.map(|h| h.chars().count());
    for line in &lines {
        for (w, cell) in widths.iter_mut().zip(line) {
            if !cell.starts_with("error") {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let fmt_line = |cells: &[String; 7]| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                s.push_str("  ");
            }
            // Text columns to the left, numbers to the right.
            if i < 3 || cell.starts_with("error") {
                s.push_str(&format!("{cell:<w$}"));
            } else {
                s.push_str(&format!("{cell:>w$}"));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = fmt_line(&header.map(String::from));
    out.push_str(&fmt_line(&widths.map(|w| "-".repeat(w))));
    let mut last = None;
    for (line, row) in lines.iter().zip(rows) {
        if last.is_some_and(|p| p != row.0) {
            out.push('\n');
        }
        last = Some(row.0);
        out.push_str(&fmt_line(line));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_counts_read_well() {
        assert_eq!(SIZES.map(size_name), ["64 B", "1 KiB", "64 KiB", "1 MiB"]);
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(12_345_678), "12,345,678");
    }

    #[test]
    fn table_is_aligned() {
        let rows = [
            (
                Pattern::PushPull,
                Transport::Tcp,
                64,
                Ok(Measure {
                    count: 1_000_000,
                    secs: 0.5,
                }),
            ),
            (
                Pattern::ReqRep,
                Transport::Inproc,
                1 << 20,
                Ok(Measure {
                    count: 100,
                    secs: 0.01,
                }),
            ),
            (Pattern::PubSub, Transport::Ipc, 1024, Err("boom".into())),
        ];
        let table = render(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("pattern"), "{table}");
        assert!(
            lines[2].contains("2,000,000") && lines[2].contains("128.0"),
            "{table}"
        );
        assert!(lines[4].contains("100.0 µs"), "{table}");
        assert!(lines[6].contains("error: boom"), "{table}");
        let col = |l: &str| l.find("tcp").or_else(|| l.find("inproc"));
        assert_eq!(col(lines[2]), col(lines[4]));
        assert_eq!(
            lines[2].find("128.0"),
            Some(lines[1].len() - "  -------------".len() - 5)
        );
    }
}
