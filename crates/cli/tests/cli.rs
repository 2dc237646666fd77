//! Runs the built `fzmq` binary: usage errors, a push→pull pipeline over ipc
//! with escaped binary frames, the same under CURVE with `fzmq keygen`'s
//! keys, and `fzmq bench --quick`.

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

#[test]
fn bench_quick_prints_a_table() {
    let out = fzmq(&["bench", "--quick"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stderr: {stderr}");
    let header = stdout.lines().next().unwrap_or_default();
    for column in ["pattern", "transport", "size", "msg/s", "MB/s", "latency"] {
        assert!(header.contains(column), "header: {header}");
    }
    for row in [
        "PUSH/PULL",
        "PUB/SUB",
        "REQ/REP",
        "inproc",
        "ipc",
        "tcp",
        "64 KiB",
    ] {
        assert!(stdout.contains(row), "{row} missing: {stdout}");
    }
    assert!(!stdout.contains("error"), "{stdout}");
    assert!(stderr.contains("[ 1/18]"), "no progress: {stderr}");
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
