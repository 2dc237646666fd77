//! Running the libzmq-contract perf tools in tests: a pair of tool
//! processes (binding side first, an ipc socket file waited for), each
//! bounded by [`DEADLINE`], their lines checked against libzmq's format.
//! The reference packages' smoke tests (libzmq's and OMQ.rs's tools) share
//! it; no figure is ever asserted.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any one tool may run before the test kills it and fails.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// Starts the binary at `exe` with `args`, its output captured.
pub fn spawn(exe: &str, args: &[&str]) -> Child {
    Command::new(exe)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {exe}: {e}"))
}

/// Waits for `child` at most [`DEADLINE`] and returns its stdout lines,
/// after checking that it exited 0.
pub fn lines(child: Child, what: &str) -> Vec<String> {
    let out = crate::process::finish(child, DEADLINE, what);
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
pub fn check(lines: &[String], size: u64, count_line: &str, units: &[&str]) {
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
pub fn ipc(name: &str) -> (String, PathBuf) {
    let path = std::env::temp_dir().join(format!("ferrozmq-tool-{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    (format!("ipc://{}", path.display()), path)
}

/// A `tcp://` endpoint on a loopback port that was free a moment ago.
pub fn tcp() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind port 0");
    format!("tcp://{}", listener.local_addr().expect("local_addr"))
}

/// Waits until the binding tool has created its ipc socket file.
pub fn wait_for(path: &std::path::Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(start.elapsed() < DEADLINE, "{} never bound", path.display());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Runs `local` then `remote` on `endpoint` with `args` after it; returns
/// the lines of whichever half `measured` names (`"local"` or `"remote"`),
/// checking that the other printed nothing.
pub fn pair(
    local: &str,
    remote: &str,
    endpoint: &str,
    args: &[&str],
    measured: &str,
) -> Vec<String> {
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
