//! Runs the built `fzmq` binary: usage errors, a push→pull pipeline over ipc
//! with escaped binary frames, the same under CURVE with `fzmq keygen`'s
//! keys, and `fzmq bench --quick`: its counts, losses, rates and the order
//! of its output.

#[path = "../src/escape.rs"]
#[allow(dead_code)]
mod escape;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// The binary under test.
const FZMQ: &str = env!("CARGO_BIN_EXE_fzmq");

/// How long any one `fzmq` may run before the test kills it and fails.
const DEADLINE: Duration = Duration::from_secs(120);

/// Waits for `child` at most [`DEADLINE`].
fn finish(child: Child, what: &str) -> Output {
    ferrozmq_test_support::process::finish(child, DEADLINE, what)
}

/// Runs `fzmq args...` with empty stdin and returns its output.
fn fzmq(args: &[&str]) -> Output {
    let child = Command::new(FZMQ)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fzmq");
    finish(child, &format!("fzmq {}", args.join(" ")))
}

/// Asserts `out` is a usage error (exit 2) whose one-line message contains
/// `needle`.
fn assert_usage_error(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "stderr: {stderr}");
    assert!(stderr.starts_with("fzmq: "), "stderr: {stderr}");
    assert!(stderr.contains(needle), "stderr: {stderr}");
}

#[test]
fn bad_endpoint_is_a_usage_error() {
    let out = fzmq(&["push", "--connect", "carrier-pigeon://nest"]);
    assert_usage_error(&out, "cannot connect to `carrier-pigeon://nest`");
    let out = fzmq(&["pull", "--bind", "tcp://127.0.0.1:notaport"]);
    assert_usage_error(&out, "cannot bind `tcp://127.0.0.1:notaport`");
}

#[test]
fn unknown_option_and_missing_value_are_usage_errors() {
    let out = fzmq(&["pull", "--bind", "inproc://x", "--frobnicate"]);
    assert_usage_error(&out, "unknown option `--frobnicate`");
    let out = fzmq(&["sub", "--connect"]);
    assert_usage_error(&out, "--connect needs a value");
    let out = fzmq(&["router", "--bind", "inproc://x"]);
    assert_usage_error(&out, "unknown command `router`");
    let out = fzmq(&["bench", "--slow"]);
    assert_usage_error(&out, "unknown option `--slow`");
}

#[test]
fn invalid_escape_on_stdin_is_a_usage_error() {
    let mut child = Command::new(FZMQ)
        .args(["push", "--bind", "inproc://nobody", "--linger", "0"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fzmq");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"bad \\q escape\n")
        .unwrap();
    let out = finish(child, "fzmq push");
    assert_usage_error(&out, "stdin line 1: invalid escape at byte 4");
}

/// A path for an ipc socket in the temporary directory, unique to this test
/// run.
fn ipc_path(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("fzmq-cli-{}-{name}.ipc", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

#[test]
fn push_to_pull_over_ipc_round_trips_binary_frames() {
    let path = ipc_path("pipeline");
    let endpoint = format!("ipc://{}", path.display());
    let all: Vec<u8> = (0..=255).collect();
    let messages: Vec<Vec<Vec<u8>>> = vec![
        vec![b"hello".to_vec()],
        vec![all.clone()],
        vec![
            b"topic".to_vec(),
            vec![],
            b"tab\there\\ \n".to_vec(),
            vec![0, 0xff],
        ],
        vec![
            "héllo ✓".as_bytes().to_vec(),
            all.iter().rev().copied().collect(),
        ],
        vec![vec![]],
    ];
    let mut input = Vec::new();
    for m in &messages {
        input.extend(escape::encode_message(m.iter().map(Vec::as_slice)));
        input.push(b'\n');
    }

    // PULL connects (and retries until PUSH binds); PUSH binds, so its
    // blocking sends wait for the connected PULL, and its context lingers
    // until they are delivered before it exits.
    let count = messages.len().to_string();
    let pull = Command::new(FZMQ)
        .args(["pull", "--connect", &endpoint, "--count", &count])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fzmq pull");
    let mut push = Command::new(FZMQ)
        .args(["push", "--bind", &endpoint])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fzmq push");
    push.stdin.take().unwrap().write_all(&input).unwrap();
    let pushed = finish(push, "fzmq push");
    assert!(
        pushed.status.success(),
        "push: {}",
        String::from_utf8_lossy(&pushed.stderr)
    );
    let pulled = finish(pull, "fzmq pull");
    let _ = std::fs::remove_file(&path);
    assert!(
        pulled.status.success(),
        "pull: {}",
        String::from_utf8_lossy(&pulled.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&pulled.stdout),
        String::from_utf8_lossy(&input)
    );
    let decoded: Vec<Vec<Vec<u8>>> = pulled
        .stdout
        .split(|&b| b == b'\n')
        .take(messages.len())
        .map(|line| escape::decode_message(line).unwrap())
        .collect();
    assert_eq!(decoded, messages);
}

/// One row of `fzmq bench`'s table.
#[derive(Debug)]
struct Row {
    /// `PUSH/PULL tcp 64 B`.
    name: String,
    /// Messages received, or round trips.
    messages: u64,
    /// The lost column as printed: `0`, `1,234 (12%)` or `-`.
    lost: String,
    /// Seconds measured.
    secs: f64,
    /// msg/s, when the row has one.
    rate: Option<f64>,
    /// The round trip in µs, when the row has one.
    round_trip_us: Option<f64>,
}

/// A number printed with thousands separators (or a decimal point).
fn number(s: &str) -> f64 {
    let s = s.trim_start_matches('*').replace(',', "");
    s.parse().unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

/// Parses a table row: `pattern transport N unit messages lost... T s rate
/// MB/s latency...`, where lost is `0`, `-` or `N (P%)`.
fn parse_row(line: &str) -> Row {
    let words: Vec<&str> = line.split_whitespace().collect();
    let s = 5 + words[5..]
        .iter()
        .position(|w| *w == "s")
        .unwrap_or_else(|| panic!("no time in {line:?}"));
    let opt = |w: &str| (w != "-").then(|| number(w));
    Row {
        name: words[..4].join(" "),
        messages: number(words[4]) as u64,
        lost: words[5..s - 1].join(" "),
        secs: number(words[s - 1]),
        rate: opt(words[s + 1]),
        round_trip_us: opt(words[s + 3]),
    }
}

/// `a` and `b` agree within `tolerance` (relative).
fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance * a.abs().max(b.abs())
}

#[test]
fn bench_quick_counts_enough_reports_losses_and_prints_the_table_last() {
    // stdout and stderr into one pipe, so the order of progress lines and
    // table is what a terminal would show.
    let (mut reader, writer) = std::io::pipe().expect("pipe");
    let child = {
        let mut cmd = Command::new(FZMQ);
        cmd.args(["bench", "--quick"])
            .stdin(Stdio::null())
            .stdout(writer.try_clone().expect("dup pipe"))
            .stderr(writer);
        cmd.spawn().expect("run fzmq bench")
    };
    let drain = std::thread::spawn(move || {
        let mut all = String::new();
        std::io::Read::read_to_string(&mut reader, &mut all).map(|_| all)
    });
    let out = finish(child, "fzmq bench --quick");
    let all = drain.join().unwrap().expect("read fzmq's output");
    assert!(out.status.success(), "{all}");
    let lines: Vec<&str> = all.lines().collect();

    // One progress line per cell, in order, each as it completes, all
    // before the table.
    let header = lines
        .iter()
        .position(|l| l.starts_with("pattern"))
        .unwrap_or_else(|| panic!("no table: {all}"));
    let progress: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with('['))
        .collect();
    assert_eq!(progress.len(), 18, "{all}");
    for (i, line) in progress.iter().enumerate() {
        assert!(line.starts_with(&format!("[{:>2}/18] ", i + 1)), "{all}");
        if line.contains("PUB/SUB") {
            assert!(line.contains(" lost, in "), "{line}");
        }
    }
    let last_progress = lines.iter().rposition(|l| l.starts_with('[')).unwrap();
    assert!(last_progress < header, "progress after the table: {all}");
    for column in [
        "pattern",
        "transport",
        "size",
        "messages",
        "lost",
        "time",
        "msg/s",
        "MB/s",
        "latency",
    ] {
        assert!(lines[header].contains(column), "header: {}", lines[header]);
    }
    assert!(!all.contains("error"), "{all}");

    let rows: Vec<Row> = lines[header + 2..]
        .iter()
        .take_while(|l| !l.starts_with("messages:"))
        .filter(|l| !l.is_empty())
        .map(|l| parse_row(l))
        .collect();
    assert_eq!(rows.len(), 18, "{all}");
    for pattern in ["PUSH/PULL", "PUB/SUB", "REQ/REP"] {
        for transport in ["inproc", "ipc", "tcp"] {
            for size in ["64 B", "64 KiB"] {
                let name = format!("{pattern} {transport} {size}");
                assert!(rows.iter().any(|r| r.name == name), "{name}: {all}");
            }
        }
    }
    for row in &rows {
        // Every cell moved at least 1 000 messages over at least its 50 ms.
        assert!(row.messages >= 1_000, "{row:?}");
        assert!(row.secs >= 0.050, "{row:?}");
        if row.name.starts_with("REQ/REP") {
            assert_eq!(row.lost, "-", "{row:?}");
            assert_eq!(row.rate, None, "{row:?}");
            // The round trip is the time over the count.
            let us = row.round_trip_us.expect("a round trip");
            assert!(
                close(us, row.secs * 1e6 / row.messages as f64, 0.02),
                "{row:?}"
            );
        } else {
            assert_eq!(row.round_trip_us, None, "{row:?}");
            // The rate is what was received over the time measured.
            let rate = row.rate.expect("a rate");
            assert!(close(rate, row.messages as f64 / row.secs, 0.02), "{row:?}");
            if row.name.starts_with("PUSH/PULL") {
                assert_eq!(row.lost, "0", "PUSH/PULL never drops: {row:?}");
            } else {
                // PUB/SUB says how many it lost: a count, then its share.
                let count = row.lost.split(' ').next().unwrap();
                number(count);
                assert!(
                    count == "0" || row.lost.ends_with("%)"),
                    "lost {:?} in {row:?}",
                    row.lost
                );
            }
        }
    }
    assert!(all.trim_end().ends_with("rate."), "notes last: {all}");
}

/// `fzmq keygen`'s two keys, public then secret.
fn keygen() -> (String, String) {
    let out = fzmq(&["keygen"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines = text.lines();
    let public = lines.next().unwrap().strip_prefix("public: ").unwrap();
    let secret = lines.next().unwrap().strip_prefix("secret: ").unwrap();
    assert_eq!((public.len(), secret.len(), lines.next()), (40, 40, None));
    (public.to_owned(), secret.to_owned())
}

#[test]
fn keygen_prints_a_matching_z85_pair() {
    let (public, secret) = keygen();
    let secret = ferrozmq::CurveKey::from_z85(&secret).unwrap();
    assert_eq!(secret.public_key().to_z85(), public);
    assert_ne!(keygen().0, public, "a new pair each time");
    assert_usage_error(&fzmq(&["keygen", "extra"]), "takes none");
}

#[test]
fn curve_push_to_pull_with_generated_keys() {
    let (server_public, server_secret) = keygen();
    let (_, client_secret) = keygen();
    let path = ipc_path("curve");
    let endpoint = format!("ipc://{}", path.display());
    let pull = Command::new(FZMQ)
        .args(["pull", "--bind", &endpoint, "--count", "1"])
        .args(["--curve-server", &server_secret])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fzmq pull");
    let mut push = Command::new(FZMQ)
        .args(["push", "--connect", &endpoint])
        .args(["--curve-serverkey", &server_public])
        .args(["--curve-secret", &client_secret])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run fzmq push");
    push.stdin
        .take()
        .unwrap()
        .write_all(b"sealed\tsecret\n")
        .unwrap();
    let pushed = finish(push, "fzmq push");
    assert!(
        pushed.status.success(),
        "push: {}",
        String::from_utf8_lossy(&pushed.stderr)
    );
    let pulled = finish(pull, "fzmq pull");
    let _ = std::fs::remove_file(&path);
    assert!(
        pulled.status.success(),
        "pull: {}",
        String::from_utf8_lossy(&pulled.stderr)
    );
    assert_eq!(pulled.stdout, b"sealed\tsecret\n");
}

#[test]
fn bad_security_options_are_usage_errors() {
    let out = fzmq(&[
        "pull",
        "--bind",
        "tcp://127.0.0.1:0",
        "--curve-server",
        "short",
    ]);
    assert_usage_error(&out, "not a CURVE key");
    // A CURVE client without the server's key cannot connect.
    let (_, secret) = keygen();
    let out = fzmq(&[
        "push",
        "--connect",
        "tcp://127.0.0.1:1",
        "--curve-secret",
        &secret,
    ]);
    assert_usage_error(&out, "ZMQ_CURVE_SERVERKEY");
}
