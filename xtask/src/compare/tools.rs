//! Runs one pair of perf tools (or one inproc tool) with a deadline: picks a
//! free port or a fresh ipc path, starts the binding side first, waits until
//! it listens, kills everything on failure, and reads the figure from the
//! measuring side's output.

use std::collections::BTreeMap;
use std::fs;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use super::plan::{Impl, Metric, Pattern, Setup, Transport};

/// One process to start.
#[derive(Debug)]
pub(crate) struct Proc {
    /// The executable.
    pub(crate) exe: PathBuf,
    /// Its arguments.
    pub(crate) args: Vec<String>,
}

/// The counters `perf stat` reads for `cargo xtask compare --cpu`: CPU time
/// of every thread of the process, context switches, system calls.
pub(super) const PERF_EVENTS: &str = "task-clock,context-switches,raw_syscalls:sys_enter";

/// Where `perf stat` writes the counters of the process at `index` in a
/// pair (0: the binding side, 1: the connecting side) under `dir`.
pub(super) fn perf_file(dir: &Path, index: usize) -> PathBuf {
    dir.join(format!("side{index}.perf"))
}

/// Where the first process of a pair will be listening.
#[derive(Debug, Clone)]
pub(crate) enum Listen {
    /// A loopback tcp port.
    Tcp(u16),
    /// An ipc socket file.
    Ipc(PathBuf),
}

/// Runs `setup` once; its figure, or why it failed.
pub(super) fn run_once(
    setup: &Setup,
    bins: &BTreeMap<String, PathBuf>,
    quick: bool,
    deadline: Duration,
    serial: usize,
    perf: Option<&Path>,
) -> std::result::Result<f64, String> {
    let exe = |who: Impl, tool: &str| {
        let name = format!("{}{tool}", who.prefix());
        bins.get(&name)
            .cloned()
            .ok_or_else(|| format!("no binary `{name}` was built"))
    };
    let count = setup.count(quick).to_string();
    let size = setup.size.to_string();
    let kind = match setup.pattern.metric() {
        Metric::Throughput => "thr",
        Metric::Latency => "lat",
    };
    let (procs, listen, measured) = if setup.transport == Transport::Inproc {
        let mut args = vec![size, count];
        if let Some(parts) = setup.parts {
            args.push(parts.to_string());
        }
        let proc = Proc {
            exe: exe(setup.local, &format!("inproc_{kind}"))?,
            args,
        };
        (vec![proc], None, 0)
    } else {
        let (endpoint, listen) = match setup.transport {
            Transport::Tcp => {
                let port = free_port().map_err(|e| format!("no free port: {e}"))?;
                (format!("tcp://127.0.0.1:{port}"), Listen::Tcp(port))
            }
            _ => {
                let path = std::env::temp_dir().join(format!(
                    "ferrozmq-compare-{}-{serial}.ipc",
                    std::process::id()
                ));
                let _ = fs::remove_file(&path);
                (format!("ipc://{}", path.display()), Listen::Ipc(path))
            }
        };
        let mut args = vec![endpoint, size, count];
        if setup.pattern == Pattern::PubSub {
            args.push("pubsub".into());
        }
        match setup.local {
            Impl::Bounded => args.extend(["--hwm".into(), "default".into()]),
            Impl::OmqWorker => args.extend(["--runtime".into(), "worker".into()]),
            _ => {}
        }
        let local = Proc {
            exe: exe(setup.local, &format!("local_{kind}"))?,
            args: args.clone(),
        };
        let mut remote_args = args;
        if setup.remote == Impl::SharedBody {
            remote_args.extend(["--body".into(), "shared".into()]);
        }
        let remote = Proc {
            exe: exe(setup.remote, &format!("remote_{kind}"))?,
            args: remote_args,
        };
        // The receiver prints throughput; the requester prints latency.
        let measured = match setup.pattern.metric() {
            Metric::Throughput => 0,
            Metric::Latency => 1,
        };
        (vec![local, remote], Some(listen), measured)
    };
    let outcome = run_procs(&procs, listen.as_ref(), measured, deadline, perf);
    if let Some(Listen::Ipc(path)) = &listen {
        let _ = fs::remove_file(path);
    }
    figure(&outcome?, setup.pattern.metric(), setup.size)
}

/// A loopback port that was free a moment ago.
pub(crate) fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts `procs` in order (the second once the first listens at `listen`),
/// waits for all within `deadline`, and returns the stdout of
/// `procs[measured]`. Any failure kills the rest. With `perf`, each runs
/// under `perf stat`, its counters written to [`perf_file`].
pub(crate) fn run_procs(
    procs: &[Proc],
    listen: Option<&Listen>,
    measured: usize,
    deadline: Duration,
    perf: Option<&Path>,
) -> std::result::Result<String, String> {
    let start = Instant::now();
    let mut children: Vec<(String, Child)> = Vec::new();
    let result = (|| {
        for (i, proc) in procs.iter().enumerate() {
            if i > 0
                && let Some(listen) = listen
            {
                wait_listening(listen, &mut children, start, deadline)?;
            }
            let name = proc
                .exe
                .file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
            let mut command = match perf {
                Some(dir) => {
                    let mut c = Command::new("perf");
                    c.args(["stat", "-x,", "-e", PERF_EVENTS, "-o"])
                        .arg(perf_file(dir, i))
                        .arg("--")
                        .arg(&proc.exe);
                    c
                }
                None => Command::new(&proc.exe),
            };
            // A group of its own: on failure the whole group is killed, so
            // a tool under `perf stat` does not outlive its parent and hold
            // the output pipe open.
            let child = command
                .process_group(0)
                .args(&proc.args)
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| format!("could not start {name}: {e}"))?;
            children.push((name, child));
        }
        loop {
            let mut running = false;
            for (name, child) in &mut children {
                match child.try_wait() {
                    Ok(Some(status)) if !status.success() => {
                        return Err(format!("{name} exited with {status}"));
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => running = true,
                    Err(e) => return Err(format!("waiting for {name}: {e}")),
                }
            }
            if !running {
                return Ok(());
            }
            if start.elapsed() > deadline {
                return Err(format!("timed out after {} s", deadline.as_secs()));
            }
            thread::sleep(Duration::from_millis(5));
        }
    })();
    let mut outputs = Vec::new();
    for (name, mut child) in children {
        if result.is_err() {
            // Errors only mean it has already exited.
            let _ = Command::new("kill")
                .args(["-KILL", &format!("-{}", child.id())])
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
        }
        match child.wait_with_output() {
            Ok(out) => outputs.push((name, out)),
            Err(e) => return Err(format!("collecting {name}'s output: {e}")),
        }
    }
    match result {
        Ok(()) => outputs
            .get(measured)
            .map(|(_, out)| String::from_utf8_lossy(&out.stdout).into_owned())
            .ok_or_else(|| "nothing was started".into()),
        Err(e) => {
            // The first line either process printed says why (`error in zmq_bind: …`).
            let why = outputs
                .iter()
                .flat_map(|(name, out)| {
                    [&out.stdout, &out.stderr].into_iter().filter_map(move |o| {
                        let text = String::from_utf8_lossy(o);
                        let line = text.lines().find(|l| !l.trim().is_empty())?.to_owned();
                        Some(format!("{name}: {line}"))
                    })
                })
                .next();
            Err(match why {
                Some(why) if !e.starts_with("timed out") => format!("{e} ({why})"),
                _ => e,
            })
        }
    }
}

/// Waits until the first process listens at `listen`, failing if it exits
/// first or the deadline passes.
pub(crate) fn wait_listening(
    listen: &Listen,
    children: &mut [(String, Child)],
    start: Instant,
    deadline: Duration,
) -> std::result::Result<(), String> {
    let waited = Instant::now();
    loop {
        let ready = match listen {
            Listen::Ipc(path) => path.exists(),
            Listen::Tcp(port) => match fs::read_to_string("/proc/net/tcp") {
                Ok(table) => tcp_listening(&table, *port),
                // No /proc: give it a moment, as the connecting side retries anyway.
                Err(_) => waited.elapsed() > Duration::from_millis(200),
            },
        };
        if ready {
            return Ok(());
        }
        for (name, child) in children.iter_mut() {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!("{name} exited with {status} before listening"));
            }
        }
        if start.elapsed() > deadline {
            return Err(format!(
                "timed out after {} s waiting for the listener",
                deadline.as_secs()
            ));
        }
        thread::sleep(Duration::from_millis(2));
    }
}

/// Whether `/proc/net/tcp` text `table` has a socket listening on `port`.
pub fn tcp_listening(table: &str, port: u16) -> bool {
    table.lines().skip(1).any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.len() > 3
            && fields[3] == "0A"
            && fields[1]
                .rsplit(':')
                .next()
                .and_then(|p| u16::from_str_radix(p, 16).ok())
                == Some(port)
    })
}

/// The figure `metric` in a tool's output, after checking that its
/// `message size` line says `size`.
///
/// # Errors
///
/// When the figure or the size line is missing or malformed, or the size
/// differs.
pub fn figure(output: &str, metric: Metric, size: usize) -> std::result::Result<f64, String> {
    let field = |prefix: &str, suffix: &str| {
        output.lines().find_map(|line| {
            line.trim()
                .strip_prefix(prefix)?
                .strip_suffix(suffix)
                .map(|n| n.trim().parse::<f64>())
        })
    };
    match field("message size: ", " [B]") {
        Some(Ok(s)) if s == size as f64 => {}
        Some(Ok(s)) => return Err(format!("the tool reports size {s}, not {size}")),
        _ => return Err(format!("no `message size` line in {output:?}")),
    }
    let (prefix, suffix) = match metric {
        Metric::Throughput => ("mean throughput: ", " [msg/s]"),
        Metric::Latency => ("average latency: ", " [us]"),
    };
    match field(prefix, suffix) {
        Some(Ok(v)) if v.is_finite() && v > 0.0 => Ok(v),
        _ => Err(format!("no `{prefix}…{suffix}` figure in {output:?}")),
    }
}
