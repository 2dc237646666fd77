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

/// A tool: its binary and its name.
type Tool = (&'static str, &'static str);

const LOCAL_THR: Tool = (env!("CARGO_BIN_EXE_local_thr"), "local_thr");
const REMOTE_THR: Tool = (env!("CARGO_BIN_EXE_remote_thr"), "remote_thr");
const LOCAL_LAT: Tool = (env!("CARGO_BIN_EXE_local_lat"), "local_lat");
const REMOTE_LAT: Tool = (env!("CARGO_BIN_EXE_remote_lat"), "remote_lat");

/// Runs `local` bound over ipc, then `remote` connected to it, both with
/// the endpoint followed by `args`, `remote` also with `remote_only`;
/// returns their output lines, local first.
fn run_pair(
    name: &str,
    [local, remote]: [Tool; 2],
    args: &[&str],
    remote_only: &[&str],
) -> (Vec<String>, Vec<String>) {
    let (endpoint, path) = ipc_endpoint(name);
    let mut all = vec![endpoint.as_str()];
    all.extend_from_slice(args);
    let local_child = spawn(local.0, &all);
    wait_for_bind(&path);
    all.extend_from_slice(remote_only);
    let remote_out = finish(spawn(remote.0, &all), remote.1);
    let local_out = finish(local_child, local.1);
    let _ = std::fs::remove_file(path);
    (lines(&local_out, local.1), lines(&remote_out, remote.1))
}

/// Runs `local_thr` and `remote_thr` over ipc, with `extra` arguments.
fn thr_pair(name: &str, extra: &[&str]) {
    let mut args = vec!["64", "1000"];
    args.extend_from_slice(extra);
    let (local, remote) = run_pair(name, [LOCAL_THR, REMOTE_THR], &args, &[]);
    assert!(remote.is_empty());
    check_thr(&local, 64, 1000);
}

/// Runs `local_lat` and `remote_lat` over ipc, with `extra` arguments.
fn lat_pair(name: &str, extra: &[&str]) {
    let mut args = vec!["64", "100"];
    args.extend_from_slice(extra);
    let (local, remote) = run_pair(name, [LOCAL_LAT, REMOTE_LAT], &args, &[]);
    assert!(local.is_empty());
    check_lat(&remote, 64, 100);
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
fn local_thr_and_remote_thr_plain_and_curve() {
    thr_pair("thr-plain", &["--mechanism", "plain"]);
    thr_pair("thr-curve", &["--mechanism", "curve", "--key-seed", "7"]);
}

/// `--body shared` sends one body cloned per message; `local_thr` sees
/// the same count and size. A wrong value is refused before anything is
/// sent.
#[test]
fn remote_thr_with_a_shared_body() {
    let (local, remote) = run_pair(
        "thr-shared",
        [LOCAL_THR, REMOTE_THR],
        &["100000", "300"],
        &["--body", "shared"],
    );
    assert!(remote.is_empty());
    check_thr(&local, 100_000, 300);

    let out = finish(
        spawn(
            env!("CARGO_BIN_EXE_remote_thr"),
            &["ipc:///nowhere", "64", "10", "--body", "copied"],
        ),
        "remote_thr",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("remote_thr: --body must be fresh or shared, not \"copied\""),
        "{:?}",
        out.stderr
    );
}

#[test]
fn curve_pairs_with_different_seeds_never_handshake() {
    // The client derives another server key than the server has: the
    // handshake fails and nothing arrives, so the receiver is still
    // waiting when the sender has given up (LINGER would keep it forever,
    // so the test only checks that nothing is printed within a second).
    let (endpoint, path) = ipc_endpoint("thr-seeds");
    let local = spawn(
        env!("CARGO_BIN_EXE_local_thr"),
        &[
            &endpoint,
            "64",
            "10",
            "--mechanism",
            "curve",
            "--key-seed",
            "1",
        ],
    );
    wait_for_bind(&path);
    let mut remote = spawn(
        env!("CARGO_BIN_EXE_remote_thr"),
        &[
            &endpoint,
            "64",
            "10",
            "--mechanism",
            "curve",
            "--key-seed",
            "2",
        ],
    );
    std::thread::sleep(Duration::from_secs(1));
    let mut local = local;
    for child in [&mut local, &mut remote] {
        assert!(child.try_wait().unwrap().is_none(), "a tool exited");
        child.kill().unwrap();
    }
    let out = local.wait_with_output().unwrap();
    let _ = remote.wait();
    let _ = std::fs::remove_file(path);
    assert!(
        out.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn security_flags_are_checked() {
    for (args, why) in [
        (
            &["--mechanism", "curve"][..],
            "--mechanism curve needs --key-seed N",
        ),
        (
            &["--mechanism", "gssapi"],
            "--mechanism must be null, plain or curve, not \"gssapi\"",
        ),
        (
            &["--mechanism", "curve", "--key-seed", "x"],
            "--key-seed must be a whole number",
        ),
        (&["--key-seed"], "--key-seed needs a value"),
    ] {
        let mut all = vec!["ipc:///nowhere", "64", "10"];
        all.extend_from_slice(args);
        let out = finish(spawn(env!("CARGO_BIN_EXE_local_thr"), &all), "local_thr");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(&format!("local_thr: {why}")),
            "{args:?}: {stderr:?}"
        );
    }
}

#[test]
fn local_lat_and_remote_lat_curve() {
    lat_pair("lat-curve", &["--mechanism", "curve", "--key-seed", "3"]);
}

#[test]
fn handshake_client_counts_curve_and_plain_handshakes() {
    for (name, flags) in [
        (
            "hs-curve",
            &["--mechanism", "curve", "--key-seed", "11"][..],
        ),
        ("hs-plain", &["--mechanism", "plain"]),
    ] {
        let (endpoint, path) = ipc_endpoint(name);
        let mut server_args = vec![endpoint.as_str(), "60"];
        server_args.extend_from_slice(flags);
        let mut server = spawn(env!("CARGO_BIN_EXE_handshake_server"), &server_args);
        wait_for_bind(&path);
        let mut client_args = vec![endpoint.as_str(), "20", "60"];
        client_args.extend_from_slice(flags);
        let out = finish(
            spawn(env!("CARGO_BIN_EXE_handshake_client"), &client_args),
            "handshake_client",
        );
        server.kill().unwrap();
        let _ = server.wait();
        let _ = std::fs::remove_file(path);
        let lines = lines(&out, "handshake_client");
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines[0], "handshake count: 20");
        let us: u64 = field(&lines[1], "elapsed: ", " [us]");
        assert!(us > 0);
        let rate: f64 = field(&lines[2], "mean rate: ", " [handshakes/s]");
        assert!((rate - 20.0 / us as f64 * 1e6).abs() < 0.01, "{lines:?}");
    }
}

#[test]
fn local_lat_and_remote_lat() {
    lat_pair("lat", &[]);
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
        (
            env!("CARGO_BIN_EXE_handshake_server"),
            "usage: handshake_server <bind-to> <seconds> [--mechanism null|plain|curve] \
             [--key-seed N]",
        ),
        (
            env!("CARGO_BIN_EXE_handshake_client"),
            "usage: handshake_client <connect-to> <max-handshakes> <max-seconds> \
             [--mechanism null|plain|curve] [--key-seed N] [--server-key Z85]",
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
