//! Smoke tests of the reference tools: each libzmq pair and each raw pair
//! runs to completion (across two processes, or in one for inproc), exits 0
//! and prints libzmq's lines. The figures are never asserted.

use ferrozmq_test_support::perf_tools::{DEADLINE, check, ipc, lines, pair, spawn, tcp};

#[test]
fn libzmq_throughput_pairs_push_pull_and_pubsub() {
    for extra in [&[][..], &["pubsub"]] {
        let (endpoint, _path) = ipc(&format!("thr{}", extra.len()));
        let mut args = vec!["64", "1000"];
        args.extend_from_slice(extra);
        let out = pair(
            env!("CARGO_BIN_EXE_libzmq_local_thr"),
            env!("CARGO_BIN_EXE_libzmq_remote_thr"),
            &endpoint,
            &args,
            "local",
        );
        check(&out, 64, "message count: 1000", &[" [msg/s]", " [Mb/s]"]);
    }
}

#[test]
fn libzmq_latency_pair() {
    let out = pair(
        env!("CARGO_BIN_EXE_libzmq_local_lat"),
        env!("CARGO_BIN_EXE_libzmq_remote_lat"),
        &tcp(),
        &["1000", "100"],
        "remote",
    );
    check(&out, 1000, "roundtrip count: 100", &[" [us]"]);
}

#[test]
fn libzmq_inproc_tools() {
    let thr = spawn(env!("CARGO_BIN_EXE_libzmq_inproc_thr"), &["100000", "20"]);
    check(
        &lines(thr, "libzmq_inproc_thr"),
        100_000,
        "message count: 20",
        &[" [msg/s]", " [Mb/s]"],
    );
    for args in [&["64", "100"][..], &["1000001", "10", "2"]] {
        let lat = spawn(env!("CARGO_BIN_EXE_libzmq_inproc_lat"), args);
        let size = args[0].parse().unwrap();
        let count = format!("roundtrip count: {}", args[1]);
        check(&lines(lat, "libzmq_inproc_lat"), size, &count, &[" [us]"]);
    }
}

#[test]
fn raw_pairs_over_tcp_and_unix_sockets() {
    let (ipc_endpoint, _path) = ipc("raw");
    for endpoint in [tcp(), ipc_endpoint] {
        // 100 000 bytes is past the 64 KiB batch: bodies bypass the buffers.
        for size in ["64", "100000"] {
            let thr = pair(
                env!("CARGO_BIN_EXE_raw_local_thr"),
                env!("CARGO_BIN_EXE_raw_remote_thr"),
                &endpoint,
                &[size, "200"],
                "local",
            );
            let size = size.parse().unwrap();
            check(&thr, size, "message count: 200", &[" [msg/s]", " [Mb/s]"]);
        }
        let lat = pair(
            env!("CARGO_BIN_EXE_raw_local_lat"),
            env!("CARGO_BIN_EXE_raw_remote_lat"),
            &endpoint,
            &["1000", "100"],
            "remote",
        );
        check(&lat, 1000, "roundtrip count: 100", &[" [us]"]);
    }
}

#[test]
fn wrong_argument_counts_print_usage_and_exit_1() {
    for exe in [
        env!("CARGO_BIN_EXE_libzmq_local_thr"),
        env!("CARGO_BIN_EXE_libzmq_remote_thr"),
        env!("CARGO_BIN_EXE_libzmq_local_lat"),
        env!("CARGO_BIN_EXE_libzmq_remote_lat"),
        env!("CARGO_BIN_EXE_libzmq_inproc_thr"),
        env!("CARGO_BIN_EXE_libzmq_inproc_lat"),
        env!("CARGO_BIN_EXE_raw_local_thr"),
        env!("CARGO_BIN_EXE_raw_remote_thr"),
        env!("CARGO_BIN_EXE_raw_local_lat"),
        env!("CARGO_BIN_EXE_raw_remote_lat"),
    ] {
        let out = ferrozmq_test_support::process::finish(spawn(exe, &["1"]), DEADLINE, exe);
        assert_eq!(out.status.code(), Some(1), "{exe}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.starts_with("usage: "), "{exe}: {stdout:?}");
    }
}
