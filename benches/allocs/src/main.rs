//! `ferrozmq-allocs`: heap allocations per message in steady state, for each
//! pattern, transport and size, for ferrozmq with each receive allocator and
//! for libzmq on the same path. Run it with `cargo xtask allocs [--quick]`.
//!
//! The whole process is counted: the C allocator is replaced by
//! `ferrozmq-test-support`'s counting one (feature `malloc-count`), which
//! Rust's global allocator and libzmq's `operator new` both reach, so both
//! sockets, the I/O threads and every other thread are in the figures (a
//! `realloc` counts as one allocation and one free). The receive allocator is
//! wrapped in a `CountingRecv` as well (`r` in the table), since mimalloc, a
//! pool's cache, a bump arena or a shared-memory slot never reach malloc;
//! `Heap`'s blocks are in both counts. The `default` column is the socket
//! default, `Cache`, as it comes.
//!
//! Each run (see `run.rs`): one context per run with one I/O thread; the
//! receiving socket (PULL, SUB, REP) binds and runs on a thread of its own,
//! the sending socket (PUSH, PUB, REQ) connects from the main thread. After
//! a join and a warm-up (ending with the most the window can have in
//! flight, so every cache on the path has met its peak) the counters are
//! read at two quiet edges around the counted window. What each row does:
//!
//! - sender, "fresh" bodies: a new message per send. ferrozmq:
//!   `Msg::copy_from_slice(&payload)` (one allocation: every measured size is
//!   above the 34-byte inline capacity); libzmq: `zmq_msg_init_size` and a
//!   copy (`zmq::Message::from(&[u8])`, one allocation above 33 bytes), as
//!   libzmq's `remote_thr` does per message. The libzmq column is fresh only.
//! - sender, "shared" bodies (ferrozmq only): a clone of one prebuilt `Msg`
//!   (an atomic increment), so what remains is the library's own cost.
//! - receiver: ferrozmq `Socket::recv`, the message dropped at once; libzmq
//!   `zmq_msg_recv` into one reused `zmq_msg_t`, as `local_thr` does.
//! - REQ/REP: REQ sends a message as above and waits for the reply; REP
//!   sends the received message straight back (moved, as libzmq's
//!   `local_lat`), so a round trip is two messages and one body built.
//! - both sockets of a ferrozmq pair receive into the allocator under test;
//!   its bounds are set so a run never exhausts it (see `ferro.rs`).
//! - options are the defaults but for PUB/SUB, whose high-water marks are
//!   raised on both libraries (see [`case::PUBSUB_HWM`]).
//!
//! ```text
//! ferrozmq-allocs [--quick] [--patterns push-pull,pub-sub,req-rep]
//!                 [--transports inproc,ipc,tcp] [--sizes 64,1024,...]
//!                 [--allocators default,heap,pool,bump,mimalloc,shm]
//!                 [--bodies fresh,shared] [--no-libzmq]
//! ```
//!
//! To see where the allocations of a window come from, run the binary under
//! `gdb -x trace.gdb` (beside `Cargo.toml`): it prints a stack trace for each
//! allocation made inside the counted windows.

mod case;
mod ferro;
mod libzmq;
mod run;
mod sync;
mod table;
mod watchdog;

use std::path::PathBuf;

use ferrozmq_test_support::malloc_count::{is_counting, malloc_counts};

use crate::case::{AllocKind, Body, Case, Pattern, SIZES, Subject, Transport};
use crate::table::Row;
use crate::watchdog::fail;

/// What the command line selects.
struct Options {
    quick: bool,
    patterns: Vec<Pattern>,
    transports: Vec<Transport>,
    sizes: Vec<usize>,
    allocators: Vec<AllocKind>,
    bodies: Vec<Body>,
    libzmq: bool,
}

const USAGE: &str = "usage: ferrozmq-allocs [--quick] [--patterns push-pull,pub-sub,req-rep] \
[--transports inproc,ipc,tcp] [--sizes 64,1024,65536,1048576] \
[--allocators default,heap,pool,bump,mimalloc,shm] [--bodies fresh,shared] [--no-libzmq]";

/// The items of a comma list named in `all` by `name`.
fn pick<T: Copy>(list: &str, all: &[T], name: fn(T) -> String) -> Result<Vec<T>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            all.iter()
                .copied()
                .find(|&t| name(t).eq_ignore_ascii_case(s))
                .ok_or_else(|| format!("unknown `{s}`"))
        })
        .collect()
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut opts = Options {
        quick: false,
        patterns: Pattern::ALL.to_vec(),
        transports: Transport::ALL.to_vec(),
        sizes: SIZES.to_vec(),
        allocators: AllocKind::ALL.to_vec(),
        bodies: vec![Body::Fresh, Body::Shared],
        libzmq: true,
    };
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = || {
            iter.next()
                .map(String::as_str)
                .ok_or_else(|| format!("`{arg}` needs a value"))
        };
        match arg.as_str() {
            "--quick" => opts.quick = true,
            "--no-libzmq" => opts.libzmq = false,
            "--patterns" => {
                opts.patterns = pick(value()?, &Pattern::ALL, |p| {
                    p.name().replace('/', "-").to_lowercase()
                })?;
            }
            "--transports" => {
                opts.transports = pick(value()?, &Transport::ALL, |t| t.name().to_owned())?;
            }
            "--sizes" => {
                opts.sizes = value()?
                    .split(',')
                    .map(|s| s.trim().parse::<usize>().ok().filter(|&n| n > 1))
                    .collect::<Option<_>>()
                    .ok_or("sizes are byte counts above 1")?;
            }
            "--allocators" => {
                opts.allocators = pick(value()?, &AllocKind::ALL, |a| a.name().to_owned())?;
            }
            "--bodies" => {
                opts.bodies = pick(value()?, &[Body::Fresh, Body::Shared], |b| {
                    b.name().to_owned()
                })?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(opts)
}

/// Fails unless both libraries' allocations reach the counting `malloc`.
fn check_counting() {
    if !is_counting() {
        fail("malloc is not the counting one: the interposition did not take");
    }
    let before = malloc_counts();
    drop(std::hint::black_box(zmq::Message::with_size(1024)));
    let delta = malloc_counts().since(before);
    if delta.allocs == 0 || delta.frees == 0 {
        fail("libzmq's zmq_msg_init_size(1024) was not counted");
    }
}

/// Where run `index` binds for `transport`, for the two libraries (their
/// wildcard tcp ports are spelt differently).
fn endpoint(transport: Transport, index: usize, subject: Subject) -> (String, Option<PathBuf>) {
    match transport {
        Transport::Inproc => (format!("inproc://allocs-{index}"), None),
        Transport::Ipc => {
            let path = std::env::temp_dir().join(format!(
                "ferrozmq-allocs-{}-{index}.ipc",
                std::process::id()
            ));
            (format!("ipc://{}", path.display()), Some(path))
        }
        Transport::Tcp => match subject {
            Subject::Libzmq => ("tcp://127.0.0.1:*".to_owned(), None),
            Subject::Ferrozmq(..) => ("tcp://127.0.0.1:0".to_owned(), None),
        },
    }
}

/// One run of `case` with `subject`.
fn measure(case: &Case, subject: Subject, index: usize) -> Row {
    let (ep, path) = endpoint(case.transport, index, subject);
    let window = match subject {
        Subject::Libzmq => {
            let libzmq::Pair { mut tx, rx, ctx } = libzmq::pair(case, &ep);
            let window = run::run(case, &mut tx, Box::new(rx), &|| None);
            drop(tx);
            drop(ctx);
            window
        }
        Subject::Ferrozmq(alloc, body) => {
            let ferro::Pair {
                mut tx,
                rx,
                alloc,
                ctx,
            } = ferro::pair(case, alloc, body, &ep);
            let window = run::run(case, &mut tx, Box::new(rx), &|| Some(alloc.counts()));
            drop(tx);
            drop(ctx);
            window
        }
    };
    if let Some(path) = path {
        // Either library may have removed it already.
        let _ = std::fs::remove_file(path);
    }
    Row {
        case: *case,
        subject,
        window,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let opts = parse(&args).unwrap_or_else(|e| {
        eprintln!("ferrozmq-allocs: {e}\n{USAGE}");
        std::process::exit(1);
    });
    check_counting();
    watchdog::start();

    let mut subjects = Vec::new();
    if opts.libzmq && opts.bodies.contains(&Body::Fresh) {
        subjects.push(Subject::Libzmq);
    }
    for &body in &opts.bodies {
        for &alloc in &opts.allocators {
            subjects.push(Subject::Ferrozmq(alloc, body));
        }
    }
    let mut rows = Vec::new();
    for &pattern in &opts.patterns {
        for &transport in &opts.transports {
            for &size in &opts.sizes {
                let case = Case::new(pattern, transport, size, opts.quick);
                for &subject in &subjects {
                    watchdog::beat();
                    let row = measure(&case, subject, rows.len());
                    eprintln!("{}", table::line(&row));
                    rows.push(row);
                }
            }
        }
    }
    println!(
        "\nferrozmq-allocs: {} runs, the whole process counted (every thread: both sockets, \
         the I/O threads); REQ/REP counts request and reply as two messages",
        rows.len()
    );
    for &size in &opts.sizes {
        let one = Case::new(Pattern::PushPull, Transport::Tcp, size, opts.quick);
        let rr = Case::new(Pattern::ReqRep, Transport::Tcp, size, opts.quick);
        println!(
            "  {:>7}: {} messages counted after {} warm-up (REQ/REP: {} round trips after {}), \
             sender at most {} ahead",
            case::size_name(size),
            one.steps,
            one.warmup,
            rr.steps,
            rr.warmup,
            one.credit
        );
    }
    table::print(&rows, &opts.allocators, &opts.bodies, opts.libzmq);
}
