//! Smoke tests of OMQ.rs's perf tools: each pair runs to completion over
//! tcp and ipc (across two processes) and each inproc tool in one, exits 0
//! and prints libzmq's lines. The figures are never asserted.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
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

/// Waits for `child` at most [`DEADLINE`] and returns its stdout lines,
/// after checking that it exited 0.
fn lines(child: Child, what: &str) -> Vec<String> {
    let out = ferrozmq_test_support::process::finish(child, DEADLINE, what);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{what} exited {:?}; stdout {stdout:?}, stderr {:?}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout.lines().map(str::to_owned).collect()
}

/// Checks the result lines: the size and count lines exactly, then a
/// positive figure on each remaining line ending in `units`, in order.
fn check(lines: &[String], size: u64, count_line: &str, units: &[&str]) {
    assert_eq!(lines.len(), 2 + units.len(), "{lines:?}");
    assert_eq!(lines[0], format!("message size: {size} [B]"));
    assert_eq!(lines[1], count_line);
    for (line, unit) in lines[2..].iter().zip(units) {
        let number = line
            .strip_suffix(unit)
            .and_then(|l| l.rsplit(' ').next())
            .unwrap_or_else(|| panic!("{line:?} does not end with {unit:?}"));
        let value: f64 = number.parse().unwrap_or_else(|e| panic!("{line:?}: {e}"));
        assert!(value > 0.0, "{line:?}");
    }
}

/// A unique `ipc://` endpoint in the temporary directory, and its path.
fn ipc(name: &str) -> (String, PathBuf) {
    let path = std::env::temp_dir().join(format!("ferrozmq-omq-{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    (format!("ipc://{}", path.display()), path)
}

/// A `tcp://` endpoint on a loopback port that was free a moment ago.
fn tcp() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    format!("tcp://{}", listener.local_addr().expect("local_addr"))
}

/// Waits until the binding tool has created its ipc socket file.
fn wait_for(path: &std::path::Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(start.elapsed() < DEADLINE, "{} never bound", path.display());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `local` then `remote` on `endpoint` with `args` after it; returns
/// the lines of whichever half `measured` names (`"local"` or `"remote"`),
/// checking that the other printed nothing.
fn pair(local: &str, remote: &str, endpoint: &str, args: &[&str], measured: &str) -> Vec<String> {
    let mut all = vec![endpoint];
    all.extend_from_slice(args);
    let l = spawn(local, &all);
    if let Some(path) = endpoint.strip_prefix("ipc://") {
        wait_for(path.as_ref());
    }
    let r = spawn(remote, &all);
    let remote_lines = lines(r, remote);
    let local_lines = lines(l, local);
    let (quiet, loud) = if measured == "local" {
        (remote_lines, local_lines)
    } else {
        (local_lines, remote_lines)
    };
    assert!(quiet.is_empty(), "{quiet:?}");
    loud
}

#[test]
fn throughput_pairs_push_pull_and_pubsub_over_tcp_and_ipc() {
    for extra in [&[][..], &["pubsub"]] {
        let (ipc_endpoint, _path) = ipc(&format!("thr{}", extra.len()));
        for endpoint in [tcp(), ipc_endpoint] {
            // 100 000 bytes is past OMQ.rs's 4 KiB arena: bodies are written
            // from their own buffers.
            for size in ["64", "100000"] {
                let mut args = vec![size, "1000"];
                args.extend_from_slice(extra);
                let out = pair(
                    env!("CARGO_BIN_EXE_omq_local_thr"),
                    env!("CARGO_BIN_EXE_omq_remote_thr"),
                    &endpoint,
                    &args,
                    "local",
                );
                let size = size.parse().unwrap();
                check(&out, size, "message count: 1000", &[" [msg/s]", " [Mb/s]"]);
            }
        }
    }
}

#[test]
fn latency_pairs_over_tcp_and_ipc() {
    let (ipc_endpoint, _path) = ipc("lat");
    for endpoint in [tcp(), ipc_endpoint] {
        let out = pair(
            env!("CARGO_BIN_EXE_omq_local_lat"),
            env!("CARGO_BIN_EXE_omq_remote_lat"),
            &endpoint,
            &["1000", "100"],
            "remote",
        );
        check(&out, 1000, "roundtrip count: 100", &[" [us]"]);
    }
}

#[test]
fn inproc_tools() {
    let thr = spawn(env!("CARGO_BIN_EXE_omq_inproc_thr"), &["100000", "20"]);
    check(
        &lines(thr, "omq_inproc_thr"),
        100_000,
        "message count: 20",
        &[" [msg/s]", " [Mb/s]"],
    );
    for args in [&["64", "100"][..], &["1000001", "10", "2"]] {
        let lat = spawn(env!("CARGO_BIN_EXE_omq_inproc_lat"), args);
        let size = args[0].parse().unwrap();
        let count = format!("roundtrip count: {}", args[1]);
        check(&lines(lat, "omq_inproc_lat"), size, &count, &[" [us]"]);
    }
}

#[test]
fn wrong_argument_counts_print_usage_and_exit_1() {
    for exe in [
        env!("CARGO_BIN_EXE_omq_local_thr"),
        env!("CARGO_BIN_EXE_omq_remote_thr"),
        env!("CARGO_BIN_EXE_omq_local_lat"),
        env!("CARGO_BIN_EXE_omq_remote_lat"),
        env!("CARGO_BIN_EXE_omq_inproc_thr"),
        env!("CARGO_BIN_EXE_omq_inproc_lat"),
    ] {
        let out = ferrozmq_test_support::process::finish(spawn(exe, &["1"]), DEADLINE, exe);
        assert_eq!(out.status.code(), Some(1), "{exe}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("usage: "), "{exe}: {stdout:?}");
    }
}
