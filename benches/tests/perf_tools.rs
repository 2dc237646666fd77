//! Smoke tests of the libzmq-style perf tools (`src/bin/`): each pair runs to
//! completion across two processes (or one, for inproc), exits 0 and prints
//! libzmq's lines in libzmq's format. The figures themselves are never
//! asserted: these are benchmarks, not tests.

use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long any one tool may run before the test kills it and fails.
const DEADLINE: Duration = Duration::from_secs(120);

/// Starts the binary at `exe` with `args`, its output captured.
fn spawn(exe: &str, args: &[&str]) -> Child {
    Command::new(exe)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {exe}: {e}"))
}

/// Waits for `child` at most [`DEADLINE`]; kills it and panics past that.
fn finish(child: Child, what: &str) -> Output {
    ferrozmq_test_support::process::finish(child, DEADLINE, what)
}

/// `output`'s stdout as lines, after checking that the tool exited 0.
fn lines(output: &Output, what: &str) -> Vec<String> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{what} exited {:?}; stdout {stdout:?}, stderr {:?}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

/// The number between `prefix` and `suffix` in `line`, which must have both.
fn field<T: std::str::FromStr>(line: &str, prefix: &str, suffix: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    let rest = line
        .strip_prefix(prefix)
        .unwrap_or_else(|| panic!("{line:?} does not start with {prefix:?}"));
    let number = rest
        .strip_suffix(suffix)
        .unwrap_or_else(|| panic!("{line:?} does not end with {suffix:?}"));
    number
        .parse()
        .unwrap_or_else(|e| panic!("{number:?} in {line:?} is not a number: {e:?}"))
}

/// Checks libzmq's four throughput lines for `size` and `count`.
fn check_thr(lines: &[String], size: u64, count: u64) {
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!(field::<u64>(&lines[0], "message size: ", " [B]"), size);
    assert_eq!(field::<u64>(&lines[1], "message count: ", ""), count);
    let msgs: u64 = field(&lines[2], "mean throughput: ", " [msg/s]");
    assert!(msgs > 0, "{lines:?}");
    let mbits: f64 = field(&lines[3], "mean throughput: ", " [Mb/s]");
    assert!(mbits > 0.0, "{lines:?}");
    assert_eq!(lines[3].split('.').nth(1).map(|d| d.len()), Some(3 + 7)); // "ddd [Mb/s]"
}

/// Checks libzmq's three latency lines for `size` and `count`.
fn check_lat(lines: &[String], size: u64, count: u64) {
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(field::<u64>(&lines[0], "message size: ", " [B]"), size);
    assert_eq!(field::<u64>(&lines[1], "roundtrip count: ", ""), count);
    let us: f64 = field(&lines[2], "average latency: ", " [us]");
    assert!(us > 0.0, "{lines:?}");
    assert_eq!(lines[2].split('.').nth(1).map(|d| d.len()), Some(3 + 5)); // "ddd [us]"
}

/// A fresh `ipc://` endpoint in the temporary directory, unique to `name`
/// and this process.
fn ipc_endpoint(name: &str) -> (String, PathBuf) {
    let path = std::env::temp_dir().join(format!("ferrozmq-perf-{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    (format!("ipc://{}", path.display()), path)
}

/// Waits until the `local_*` tool has bound its ipc endpoint at `path`.
///
/// Not needed for delivery (a `remote_thr` closed before its connection is
/// up keeps reconnecting until its messages are out, as libzmq's linger
/// does), but it keeps the sender's 100 ms reconnect interval out of the
/// test's time.
fn wait_for_bind(path: &std::path::Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(start.elapsed() < DEADLINE, "{} never bound", path.display());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `local_thr` and `remote_thr` over ipc, with `extra` arguments.
fn thr_pair(name: &str, extra: &[&str]) {
    let (endpoint, path) = ipc_endpoint(name);
    let mut args = vec![endpoint.as_str(), "64", "1000"];
    args.extend_from_slice(extra);
    let local = spawn(env!("CARGO_BIN_EXE_local_thr"), &args);
    wait_for_bind(&path);
    let remote = spawn(env!("CARGO_BIN_EXE_remote_thr"), &args);
    let remote_out = finish(remote, "remote_thr");
    let local_out = finish(local, "local_thr");
    let _ = std::fs::remove_file(path);
    assert!(lines(&remote_out, "remote_thr").is_empty());
    check_thr(&lines(&local_out, "local_thr"), 64, 1000);
}

#[test]
fn local_thr_and_remote_thr_push_pull() {
    thr_pair("thr", &[]);
}

#[test]
fn local_thr_and_remote_thr_pubsub() {
    thr_pair("thr-pubsub", &["pubsub"]);
}

#[test]
fn local_lat_and_remote_lat() {
    let (endpoint, path) = ipc_endpoint("lat");
    let args = [endpoint.as_str(), "64", "100"];
    let local = spawn(env!("CARGO_BIN_EXE_local_lat"), &args);
    wait_for_bind(&path);
    let remote = spawn(env!("CARGO_BIN_EXE_remote_lat"), &args);
    let remote_out = finish(remote, "remote_lat");
    let local_out = finish(local, "local_lat");
    let _ = std::fs::remove_file(path);
    assert!(lines(&local_out, "local_lat").is_empty());
    check_lat(&lines(&remote_out, "remote_lat"), 64, 100);
}

#[test]
fn inproc_thr_runs() {
    let out = finish(
        spawn(env!("CARGO_BIN_EXE_inproc_thr"), &["64", "1000"]),
        "inproc_thr",
    );
    check_thr(&lines(&out, "inproc_thr"), 64, 1000);
}

#[test]
fn inproc_lat_runs() {
    let out = finish(
        spawn(env!("CARGO_BIN_EXE_inproc_lat"), &["64", "100"]),
        "inproc_lat",
    );
    check_lat(&lines(&out, "inproc_lat"), 64, 100);
}

#[test]
fn inproc_lat_moves_multi_part_messages_whole() {
    // 1 000 001 bytes in two parts: 500 000 and 500 001.
    let out = finish(
        spawn(env!("CARGO_BIN_EXE_inproc_lat"), &["1000001", "20", "2"]),
        "inproc_lat",
    );
    check_lat(&lines(&out, "inproc_lat"), 1_000_001, 20);
}

#[test]
fn large_messages_cross_intact() {
    let out = finish(
        spawn(env!("CARGO_BIN_EXE_inproc_thr"), &["100000", "20"]),
        "inproc_thr",
    );
    check_thr(&lines(&out, "inproc_thr"), 100_000, 20);
}

#[test]
fn wrong_argument_count_prints_libzmq_usage_and_exits_1() {
    let cases = [
        (
            env!("CARGO_BIN_EXE_local_thr"),
            "usage: local_thr <bind-to> <message-size> <message-count>",
        ),
        (
            env!("CARGO_BIN_EXE_remote_thr"),
            "usage: remote_thr <connect-to> <message-size> <message-count>",
        ),
        (
            env!("CARGO_BIN_EXE_local_lat"),
            "usage: local_lat <bind-to> <message-size> <roundtrip-count>",
        ),
        (
            env!("CARGO_BIN_EXE_remote_lat"),
            "usage: remote_lat <connect-to> <message-size> <roundtrip-count>",
        ),
        (
            env!("CARGO_BIN_EXE_inproc_thr"),
            "usage: inproc_thr <message-size> <message-count>",
        ),
        (
            env!("CARGO_BIN_EXE_inproc_lat"),
            "usage: inproc_lat <message-size> <roundtrip-count>",
        ),
    ];
    for (exe, usage) in cases {
        let out = finish(spawn(exe, &["1"]), usage);
        assert_eq!(out.status.code(), Some(1), "{usage}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(stdout.lines().next(), Some(usage));
    }
}

#[test]
fn bad_numbers_are_refused() {
    for args in [["x", "10"], ["64", "0"], ["-1", "10"]] {
        let out = finish(spawn(env!("CARGO_BIN_EXE_inproc_thr"), &args), "inproc_thr");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
