//! Smoke tests of OMQ.rs's perf tools: each pair runs to completion over
//! tcp and ipc (across two processes) and each inproc tool in one, exits 0
//! and prints libzmq's lines. The figures are never asserted.

use ferrozmq_test_support::perf_tools::{DEADLINE, check, ipc, lines, pair, spawn, tcp};

/// Runs the throughput pair over `endpoint` (`args`: the message size,
/// a count of 1000, and any more) and checks libzmq's lines for messages
/// of `size` bytes.
fn thr_pair(endpoint: &str, size: u64, args: &[&str]) {
    let out = pair(
        env!("CARGO_BIN_EXE_omq_local_thr"),
        env!("CARGO_BIN_EXE_omq_remote_thr"),
        endpoint,
        args,
        "local",
    );
    check(&out, size, "message count: 1000", &[" [msg/s]", " [Mb/s]"]);
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
                thr_pair(&endpoint, size.parse().unwrap(), &args);
            }
        }
    }
}

#[test]
fn throughput_pairs_with_the_drivers_on_a_worker_thread() {
    for extra in [&[][..], &["pubsub"]] {
        let mut args = vec!["1000", "1000"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--runtime", "worker"]);
        thr_pair(&tcp(), 1000, &args);
    }
    for exe in [
        env!("CARGO_BIN_EXE_omq_local_thr"),
        env!("CARGO_BIN_EXE_omq_remote_thr"),
    ] {
        let args = ["tcp://127.0.0.1:1", "64", "10", "--runtime", "pool"];
        let out = ferrozmq_test_support::process::finish(spawn(exe, &args), DEADLINE, exe);
        assert_eq!(out.status.code(), Some(1), "{exe}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--runtime must be current or worker, not \"pool\""),
            "{exe}: {stderr:?}"
        );
    }
}

#[test]
fn throughput_and_latency_pairs_with_plain_and_curve() {
    let curve = ["--mechanism", "curve", "--key-seed", "5"];
    for flags in [&["--mechanism", "plain"][..], &curve] {
        let mut args = vec!["1000", "1000"];
        args.extend_from_slice(flags);
        thr_pair(&tcp(), 1000, &args);
    }
    let mut args = vec!["64", "100"];
    args.extend_from_slice(&curve);
    let out = pair(
        env!("CARGO_BIN_EXE_omq_local_lat"),
        env!("CARGO_BIN_EXE_omq_remote_lat"),
        &tcp(),
        &args,
        "remote",
    );
    check(&out, 64, "roundtrip count: 100", &[" [us]"]);
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
        env!("CARGO_BIN_EXE_omq_handshake_server"),
    ] {
        let out = ferrozmq_test_support::process::finish(spawn(exe, &["1"]), DEADLINE, exe);
        assert_eq!(out.status.code(), Some(1), "{exe}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("usage: "), "{exe}: {stdout:?}");
    }
}
