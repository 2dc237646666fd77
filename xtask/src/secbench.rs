//! `cargo xtask secbench`: what PLAIN and CURVE cost, measured in one run
//! on one machine beside NULL and beside OMQ.rs, and the handshake rate of
//! a CURVE server beside libzmq's and OMQ.rs's; the README's security
//! performance section is written from the result.
//!
//! Throughput: ferrozmq's `local_thr`/`remote_thr` and OMQ.rs's
//! `omq_local_thr`/`omq_remote_thr` (`omq-tokio` with its `curve` and
//! `plain` features) over tcp, PUSH/PULL, at 64 B, 1 KiB, 64 KiB and 1 MiB,
//! each with `--mechanism null`, `plain` and `curve` (the same tool
//! contract as `cargo xtask compare`'s, the binding side the server). A
//! CURVE pair derives its key pairs from `--key-seed`, a new seed per run,
//! so no key is written to a file. libzmq has no throughput column: the
//! `zmq` crate's libzmq is built without CURVE, and pyzmq's (which has it)
//! would time a Python loop.
//!
//! Handshakes: ferrozmq's `handshake_client` opens a socket, connects,
//! waits for its monitor's `HandshakeSucceeded` and closes, up to 2 000
//! times or for 3 s, against a server that only binds: ferrozmq's
//! `handshake_server`, libzmq 4.3.5 from pyzmq (a Python script that binds
//! a PULL and sleeps; its handshakes run in libzmq's C I/O thread; pyzmq
//! is installed into `target/pyzmq-venv` as for `cargo xtask interop`) and
//! OMQ.rs's `omq_handshake_server`, each with NULL, PLAIN and CURVE.
//!
//! As in `compare` (whose runner, medians, formats, machine description
//! and README rewrite this task reuses): each round runs every member of a
//! group once, in an order rotated from round to round; each figure is
//! the median of the rounds (`--runs N`, default 3; `--quick` divides the
//! counts by four and runs one round); every run has a deadline; unless
//! `--no-readme`, the README is rewritten between [`BEGIN`] and [`END`].
//! It is not part of `cargo xtask ci`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::Result;
use crate::command::Cmd;
use crate::compare::{
    self, Listen, Machine, Metric, Proc, Report, Sample, cell, figure, format_figure, free_port,
    parse_options, ratio, ratio_cell, run_procs, size_label, wait_listening,
};
use crate::pyzmq;

/// The packages holding the tools.
const PACKAGES: [&str; 2] = ["ferrozmq-benches", "ferrozmq-omq-perf"];

/// The line after which the README's generated section starts.
pub const BEGIN: &str = "<!-- secbench:begin -->";

/// The line before which the README's generated section ends.
pub const END: &str = "<!-- secbench:end -->";

/// The message sizes.
const SIZES: [usize; 4] = [64, 1 << 10, 64 << 10, 1 << 20];

/// How long one run may take before its processes are killed.
const DEADLINE: Duration = Duration::from_secs(60);

/// How long one run may take with `--quick`.
const QUICK_DEADLINE: Duration = Duration::from_secs(30);

/// The handshakes one client run makes at most, and for how long (in
/// seconds), in full and `--quick` runs.
const HANDSHAKES: (u64, u64) = (2_000, 3);
const QUICK_HANDSHAKES: (u64, u64) = (500, 1);

/// How long a handshake server lives if nobody kills it, in seconds.
const SERVER_LIFETIME: u64 = 60;

/// The PLAIN credentials of the tools (`perf::PLAIN_USERNAME` and
/// `perf::PLAIN_PASSWORD` in the benches package), for the Python server.
const PLAIN_USERNAME: &str = "perf";
const PLAIN_PASSWORD: &str = "perf";

/// libzmq's handshake server: a PULL bound with the mechanism, its public
/// CURVE key (or `-`) printed once it is bound, then asleep while libzmq's
/// I/O thread does the handshakes. PLAIN has pyzmq's `ThreadAuthenticator`
/// as its ZAP handler (libzmq asks one for PLAIN); CURVE has none, so
/// libzmq admits every client that proves its key, as ferrozmq does.
const PYZMQ_SERVER: &str = r#"
import sys, time, zmq
endpoint, mechanism, lifetime, user, password = sys.argv[1:6]
ctx = zmq.Context()
s = ctx.socket(zmq.PULL)
line = "-"
if mechanism == "plain":
    from zmq.auth.thread import ThreadAuthenticator
    auth = ThreadAuthenticator(ctx)
    auth.start()
    auth.configure_plain(domain="*", passwords={user: password})
    s.plain_server = True
elif mechanism == "curve":
    public, secret = zmq.curve_keypair()
    s.curve_secretkey = secret
    s.curve_publickey = public
    s.curve_server = True
    line = public.decode()
s.bind(endpoint)
print(line, flush=True)
time.sleep(float(lifetime))
"#;

/// A security mechanism, as the tools' `--mechanism` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Mechanism {
    Null,
    Plain,
    Curve,
}

/// Every mechanism, in the tables' order.
const MECHANISMS: [Mechanism; 3] = [Mechanism::Null, Mechanism::Plain, Mechanism::Curve];

impl Mechanism {
    fn flag(self) -> &'static str {
        match self {
            Mechanism::Null => "null",
            Mechanism::Plain => "plain",
            Mechanism::Curve => "curve",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mechanism::Null => "NULL",
            Mechanism::Plain => "PLAIN",
            Mechanism::Curve => "CURVE",
        }
    }

    /// The tools' security flags, CURVE's with `seed`.
    fn args(self, seed: u64) -> Vec<String> {
        let mut args = vec!["--mechanism".to_owned(), self.flag().to_owned()];
        if self == Mechanism::Curve {
            args.extend(["--key-seed".to_owned(), seed.to_string()]);
        }
        args
    }
}

/// An implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Ferrozmq,
    /// libzmq from pyzmq: handshake servers only.
    Libzmq,
    Omq,
}

impl Who {
    fn name(self) -> &'static str {
        match self {
            Who::Ferrozmq => "ferrozmq",
            Who::Libzmq => "libzmq",
            Who::Omq => "OMQ.rs",
        }
    }

    /// The prefix of its tools' binary names.
    fn prefix(self) -> &'static str {
        match self {
            Who::Omq => "omq_",
            Who::Ferrozmq | Who::Libzmq => "",
        }
    }
}

/// One measured configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Setup {
    /// tcp PUSH/PULL throughput of `size`-byte messages, both tools `who`'s.
    Thr {
        size: usize,
        who: Who,
        mechanism: Mechanism,
    },
    /// ferrozmq's handshake client against `server`'s server.
    Handshake { mechanism: Mechanism, server: Who },
}

impl Setup {
    fn describe(self) -> String {
        match self {
            Setup::Thr {
                size,
                who,
                mechanism,
            } => format!(
                "tcp PUSH/PULL {:<7} {} {}",
                size_label(size),
                who.name(),
                mechanism.name()
            ),
            Setup::Handshake { mechanism, server } => {
                format!("handshakes {} {} server", mechanism.name(), server.name())
            }
        }
    }
}

/// The setups, in groups whose members alternate round by round.
fn plan() -> Vec<Vec<Setup>> {
    let mut groups: Vec<Vec<Setup>> = SIZES
        .iter()
        .map(|&size| {
            [Who::Ferrozmq, Who::Omq]
                .into_iter()
                .flat_map(|who| {
                    MECHANISMS.map(|mechanism| Setup::Thr {
                        size,
                        who,
                        mechanism,
                    })
                })
                .collect()
        })
        .collect();
    for mechanism in MECHANISMS {
        groups.push(
            [Who::Ferrozmq, Who::Libzmq, Who::Omq]
                .map(|server| Setup::Handshake { mechanism, server })
                .to_vec(),
        );
    }
    groups
}

/// Messages per throughput run: a few seconds at most for the slowest
/// (CURVE) on two cores, the same count for every mechanism of a size.
fn count(size: usize, quick: bool) -> u64 {
    let full: u64 = match size {
        s if s <= 64 => 200_000,
        s if s <= 1 << 10 => 100_000,
        s if s <= 64 << 10 => 5_000,
        _ => 300,
    };
    if quick { (full / 4).max(10) } else { full }
}

/// A fresh `--key-seed` for run `serial`.
fn seed(serial: usize) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ (u64::from(std::process::id()) << 32) ^ (serial as u64).wrapping_mul(0x9E37_79B9)
}

/// What the runs need: the binaries, pyzmq's interpreter, the mode.
struct Env {
    bins: BTreeMap<String, PathBuf>,
    python: Option<PathBuf>,
    quick: bool,
    deadline: Duration,
}

impl Env {
    fn exe(&self, name: &str) -> std::result::Result<PathBuf, String> {
        self.bins
            .get(name)
            .cloned()
            .ok_or_else(|| format!("no binary `{name}` was built"))
    }
}

/// Runs `setup` once; its figure (msg/s or handshakes/s), or why it failed.
fn run_once(setup: Setup, env: &Env, serial: usize) -> std::result::Result<f64, String> {
    let port = free_port().map_err(|e| format!("no free port: {e}"))?;
    let endpoint = format!("tcp://127.0.0.1:{port}");
    match setup {
        Setup::Thr {
            size,
            who,
            mechanism,
        } => {
            let mut args = vec![
                endpoint,
                size.to_string(),
                count(size, env.quick).to_string(),
            ];
            args.extend(mechanism.args(seed(serial)));
            let procs = [
                Proc {
                    exe: env.exe(&format!("{}local_thr", who.prefix()))?,
                    args: args.clone(),
                },
                Proc {
                    exe: env.exe(&format!("{}remote_thr", who.prefix()))?,
                    args,
                },
            ];
            let out = run_procs(&procs, Some(&Listen::Tcp(port)), 0, env.deadline, None)?;
            figure(&out, Metric::Throughput, size)
        }
        Setup::Handshake { mechanism, server } => {
            handshakes(mechanism, server, env, &endpoint, port, seed(serial))
        }
    }
}

/// One handshake-rate run: the server started and listening, the client
/// run to its end, the server killed.
fn handshakes(
    mechanism: Mechanism,
    server: Who,
    env: &Env,
    endpoint: &str,
    port: u16,
    seed: u64,
) -> std::result::Result<f64, String> {
    let start = Instant::now();
    let lifetime = SERVER_LIFETIME.to_string();
    let mut command = match server {
        Who::Libzmq => {
            let python = env
                .python
                .as_ref()
                .ok_or("no python3: pyzmq could not be installed")?;
            let mut c = Command::new(python);
            c.args(["-c", PYZMQ_SERVER, endpoint, mechanism.flag(), &lifetime])
                .args([PLAIN_USERNAME, PLAIN_PASSWORD]);
            c
        }
        Who::Ferrozmq | Who::Omq => {
            let mut c = Command::new(env.exe(&format!("{}handshake_server", server.prefix()))?);
            c.args([endpoint, &lifetime]).args(mechanism.args(seed));
            c
        }
    };
    let child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start the {} server: {e}", server.name()))?;
    let mut children = vec![(format!("{} server", server.name()), child)];
    let result = (|| {
        // pyzmq's server says its public key (or `-`) once it is bound.
        let mut server_key = None;
        if server == Who::Libzmq {
            let stdout = children[0].1.stdout.take().ok_or("no server stdout")?;
            let mut line = String::new();
            BufReader::new(stdout)
                .read_line(&mut line)
                .map_err(|e| format!("reading the libzmq server: {e}"))?;
            match line.trim() {
                "" => return Err("the libzmq server exited before binding".to_owned()),
                "-" => {}
                key => server_key = Some(key.to_owned()),
            }
        }
        wait_listening(&Listen::Tcp(port), &mut children, start, env.deadline)?;
        let (max, secs) = if env.quick {
            QUICK_HANDSHAKES
        } else {
            HANDSHAKES
        };
        let mut args = vec![endpoint.to_owned(), max.to_string(), secs.to_string()];
        args.extend(mechanism.args(seed));
        if let Some(key) = server_key {
            args.extend(["--server-key".to_owned(), key]);
        }
        let client = Proc {
            exe: env.exe("handshake_client")?,
            args,
        };
        run_procs(&[client], None, 0, env.deadline, None)
    })();
    let (_, mut child) = children.remove(0);
    // An error only means it has already exited.
    let _ = child.kill();
    let _ = child.wait();
    let out = result.map_err(|e| {
        let mut why = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut why);
        }
        match why.lines().rfind(|l| !l.trim().is_empty()) {
            Some(last) => format!("{e} (server: {last})"),
            None => e,
        }
    })?;
    handshake_rate(&out)
}

/// The rate in `handshake_client`'s output.
///
/// # Errors
///
/// When the line is missing or malformed, or no handshake completed.
fn handshake_rate(output: &str) -> std::result::Result<f64, String> {
    output
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("mean rate: ")?
                .strip_suffix(" [handshakes/s]")?
                .parse::<f64>()
                .ok()
        })
        .filter(|r| r.is_finite() && *r > 0.0)
        .ok_or_else(|| format!("no `mean rate: … [handshakes/s]` line in {output:?}"))
}

/// Runs the task from the workspace root `root`.
///
/// # Errors
///
/// When the tools fail to build, pyzmq fails to install (a missing
/// `python3` only empties the libzmq column), or the README cannot be read
/// or written. A failed or timed-out run is not an error: the table says
/// so.
pub fn run(root: &Path, args: &[String]) -> Result {
    let options = parse_options("secbench", args)?;
    let command = std::iter::once("cargo xtask secbench".to_owned())
        .chain(args.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let bins = compare::build(root, &PACKAGES, 1)?;
    let python = pyzmq::ensure(root)?;
    let libzmq = python.as_ref().and_then(|p| {
        Cmd::new(p, root)
            .args(["-c", "import zmq; print(zmq.zmq_version())"])
            .quiet()
            .output()
            .ok()
            .map(|v| v.trim().to_owned())
    });
    let machine = Machine::probe(root);
    let env = Env {
        bins,
        python,
        quick: options.quick,
        deadline: if options.quick {
            QUICK_DEADLINE
        } else {
            DEADLINE
        },
    };
    let started = Instant::now();
    let (results, serial) = compare::alternate(
        plan(),
        options.runs,
        |setup, serial| run_once(setup, &env, serial),
        |setup, round, outcome| {
            let shown = match (outcome, setup) {
                (Ok(v), Setup::Thr { size, .. }) => format_figure(Metric::Throughput, size, *v),
                (Ok(v), Setup::Handshake { .. }) => format!("{v:.0} handshakes/s"),
                (Err(e), _) => format!("FAILED: {e}"),
            };
            println!(
                "{:<44} round {}/{}: {shown}",
                setup.describe(),
                round + 1,
                options.runs
            );
        },
    );
    let lock = fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    let report = Report {
        date: machine.date.clone(),
        machine: machine.describe(),
        omq: compare::lock_version(&lock, "omq-tokio").unwrap_or_else(|| "?".into()),
        libzmq: libzmq.unwrap_or_else(|| "(not installed)".into()),
        command,
        runs: options.runs,
        quick: options.quick,
    };
    println!(
        "secbench: {serial} runs in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    compare::publish(
        root,
        "secbench",
        &render(&results, &report),
        options.readme,
        (BEGIN, END),
        "security performance",
    )
}

/// A handshake sample as a table cell.
fn rate_cell(sample: Option<&Sample>) -> String {
    compare::cell_with(sample, |m| format!("{m:.0}/s"))
}

/// The README section (without the markers) for `results`.
fn render(results: &BTreeMap<Setup, Sample>, report: &Report) -> String {
    let med = |s: Setup| results.get(&s).and_then(Sample::median);
    let mut out = String::new();
    let (handshakes, secs) = if report.quick {
        QUICK_HANDSHAKES
    } else {
        HANDSHAKES
    };
    let _ = writeln!(
        out,
        "Measured with `{}` on {}: {}. ferrozmq's perf tools and OMQ.rs's \
         (`omq-tokio` {} with its `curve` and `plain` features, run as in the table \
         above), each with NULL, PLAIN and CURVE, over tcp, PUSH/PULL, all in one \
         run, alternating; {}. The binding side is the server; \
         CURVE's key pairs are derived from a new seed each run; ferrozmq's PLAIN \
         server asks a ZAP handler (`Authenticator`), OMQ.rs's decides in the socket. \
         libzmq has no throughput column: the `zmq` crate's libzmq is built without \
         CURVE.",
        report.command,
        report.date,
        report.machine,
        report.omq,
        report.medians(),
    );
    out.push_str(
        "\n| tcp PUSH/PULL | ferrozmq NULL | ferrozmq PLAIN | ferrozmq CURVE | \
         CURVE/NULL | OMQ.rs NULL | OMQ.rs PLAIN | OMQ.rs CURVE | OMQ.rs CURVE/NULL | \
         ferrozmq CURVE/OMQ.rs CURVE |\n\
         | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for size in SIZES {
        let at = |who, mechanism| Setup::Thr {
            size,
            who,
            mechanism,
        };
        let thr = |who, mechanism| cell(Metric::Throughput, size, results.get(&at(who, mechanism)));
        let curve_vs_null = |who| {
            ratio(
                med(at(who, Mechanism::Curve)),
                med(at(who, Mechanism::Null)),
            )
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            size_label(size),
            thr(Who::Ferrozmq, Mechanism::Null),
            thr(Who::Ferrozmq, Mechanism::Plain),
            thr(Who::Ferrozmq, Mechanism::Curve),
            ratio_cell(curve_vs_null(Who::Ferrozmq)),
            thr(Who::Omq, Mechanism::Null),
            thr(Who::Omq, Mechanism::Plain),
            thr(Who::Omq, Mechanism::Curve),
            ratio_cell(curve_vs_null(Who::Omq)),
            ratio_cell(ratio(
                med(at(Who::Ferrozmq, Mechanism::Curve)),
                med(at(Who::Omq, Mechanism::Curve))
            )),
        );
    }
    let _ = writeln!(
        out,
        "\nHandshakes per second over tcp: ferrozmq's `handshake_client` makes a socket, \
         connects, waits for its monitor's `HandshakeSucceeded` and closes it (LINGER 0), \
         up to {handshakes} times or for {secs} s, against a server that only binds a \
         PULL: ferrozmq's, libzmq {}'s (pyzmq {}: a Python script that binds and sleeps; \
         the handshakes run in libzmq's C I/O thread; PLAIN with pyzmq's \
         `ThreadAuthenticator`) and OMQ.rs's. The client's own cost is in every column.\n",
        report.libzmq,
        pyzmq::VERSION,
    );
    out.push_str(
        "| mechanism | ferrozmq server | libzmq server | OMQ.rs server | ferrozmq/libzmq | \
         ferrozmq/OMQ.rs |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for mechanism in MECHANISMS {
        let at = |server| Setup::Handshake { mechanism, server };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            mechanism.name(),
            rate_cell(results.get(&at(Who::Ferrozmq))),
            rate_cell(results.get(&at(Who::Libzmq))),
            rate_cell(results.get(&at(Who::Omq))),
            ratio_cell(ratio(med(at(Who::Ferrozmq)), med(at(Who::Libzmq)))),
            ratio_cell(ratio(med(at(Who::Ferrozmq)), med(at(Who::Omq)))),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_alternates_every_mechanism_and_implementation() {
        let groups = plan();
        assert_eq!(groups.len(), SIZES.len() + MECHANISMS.len());
        for (group, size) in groups.iter().zip(SIZES) {
            assert_eq!(group.len(), 6);
            assert!(
                group
                    .iter()
                    .all(|s| matches!(s, Setup::Thr { size: s, .. } if *s == size))
            );
        }
        for group in &groups[SIZES.len()..] {
            assert_eq!(group.len(), 3);
        }
    }

    #[test]
    fn curve_flags_carry_the_seed() {
        assert_eq!(Mechanism::Null.args(9), ["--mechanism", "null"]);
        assert_eq!(Mechanism::Plain.args(9), ["--mechanism", "plain"]);
        assert_eq!(
            Mechanism::Curve.args(9),
            ["--mechanism", "curve", "--key-seed", "9"]
        );
    }

    #[test]
    fn handshake_rates_are_read_from_the_client() {
        let out =
            "handshake count: 2000\nelapsed: 1500000 [us]\nmean rate: 1333.333 [handshakes/s]\n";
        assert_eq!(handshake_rate(out), Ok(1333.333));
        assert!(handshake_rate("handshake count: 0\nmean rate: 0.000 [handshakes/s]\n").is_err());
        assert!(handshake_rate("").is_err());
    }

    #[test]
    fn the_section_has_every_row_and_ratios() {
        let mut results = BTreeMap::new();
        for group in plan() {
            for setup in group {
                let v = match setup {
                    Setup::Thr { mechanism, who, .. } => {
                        let base = if who == Who::Omq { 200.0 } else { 100.0 };
                        if mechanism == Mechanism::Curve {
                            base / 4.0
                        } else {
                            base
                        }
                    }
                    Setup::Handshake { .. } => 1000.0,
                };
                results.insert(
                    setup,
                    Sample {
                        values: vec![v],
                        failures: vec![],
                    },
                );
            }
        }
        let report = Report {
            date: "2026-01-01".into(),
            machine: "m".into(),
            omq: "0.33.0".into(),
            libzmq: "4.3.5".into(),
            command: "cargo xtask secbench".into(),
            runs: 1,
            quick: false,
        };
        let section = render(&results, &report);
        let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| ")).collect();
        // Two header rows and four sizes; two header rows and three mechanisms.
        assert_eq!(rows.len(), 2 + 4 + 2 + 3, "{section}");
        // ferrozmq CURVE/NULL 0.25, OMQ.rs the same, ferrozmq CURVE/OMQ.rs CURVE 0.50.
        assert!(rows[2].starts_with("| 64 B |"), "{}", rows[2]);
        assert!(rows[2].ends_with("| 0.25 | 0.50 |"), "{}", rows[2]);
        assert_eq!(rows[8], "| NULL | 1000/s | 1000/s | 1000/s | 1.00 | 1.00 |");
    }
}
