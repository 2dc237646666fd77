//! The `fzmq` command: shell-level ferrozmq sockets and a benchmark.
//!
//! ```text
//! fzmq req|rep|pub|sub|push|pull (--bind|--connect) ENDPOINT... [OPTIONS]
//! fzmq bench [--time MS] [--count N] [--quick]
//! fzmq keygen
//! ```
//!
//! The socket commands move messages between stdin/stdout and a socket, one
//! message per line, frames separated by TAB, bytes escaped as `\xNN` (see
//! [`escape`]); [`USAGE`] says what each socket type does. `fzmq bench`
//! measures throughput and latency over every transport (see [`mod@bench`]).
//! `fzmq keygen` prints a new CURVE key pair in Z85, for `--curve-*`.
//!
//! Exit codes: 0 on success, 1 when a socket or stdin/stdout fails while
//! running, 2 for usage errors (unknown option, missing or bad value, bad
//! endpoint, an invalid escape in the input). Every error is one line on
//! stderr starting with `fzmq: `.

mod bench;
mod escape;
mod sockets;
mod sync;

use std::process::ExitCode;

/// The help text (`fzmq --help`).
pub const USAGE: &str = "\
usage: fzmq TYPE (--bind|--connect) ENDPOINT [OPTIONS]
       fzmq bench [--time MS] [--count N] [--quick]
       fzmq keygen

TYPE is one of req, rep, pub, sub, push, pull (dealer, router, pair, xpub and
xsub have no shell mode yet). Messages are read from stdin and written to stdout
one per line; the frames of a message are separated by TAB; bytes that are not
printable UTF-8, and TAB, newline and backslash, are written (and may be given)
as \\xNN, a backslash as \\x5c. ENDPOINT is tcp://HOST:PORT, ipc://PATH or
inproc://NAME (inproc only reaches sockets of the same process).

  req   sends each stdin line as a request and prints its reply
  rep   prints each request and replies with the next stdin line (or the
        request itself with --echo); stops at stdin EOF
  pub   publishes each stdin line (subscribers that are not connected yet
        miss it, as with every PUB socket)
  sub   prints every message received that matches a --subscribe prefix
  push  sends each stdin line to the next puller
  pull  prints every message received

At stdin EOF the sending commands close the socket and wait until what they
queued is delivered (see --linger), also when the connection was not up yet.

options:
  --bind ENDPOINT      bind to ENDPOINT (repeatable)
  --connect ENDPOINT   connect to ENDPOINT (repeatable)
  --subscribe PREFIX   sub: receive messages whose first frame starts with
                       PREFIX (escaped as above; repeatable; default: all)
  --count N            sub, pull, rep: stop after N messages
  --echo               rep: reply with the request instead of a stdin line
  --linger MS          how long to wait at exit to deliver queued messages;
                       -1 (the default) waits until they are delivered

security options (keys are 40 Z85 characters, as `fzmq keygen` prints them):
  --curve-server SECRET    be a CURVE server with this secret key (every
                           client that proves its key is accepted)
  --curve-serverkey PUBLIC be a CURVE client of the server with this key
  --curve-secret SECRET    the CURVE client's secret key
  --curve-public PUBLIC    the CURVE client's public key (default: derived
                           from --curve-secret)
  --plain-user USER        be a PLAIN client with this username
  --plain-password PASS    and this password

keygen prints a new CURVE key pair: `public: KEY` and `secret: KEY`.

`fzmq bench` measures PUSH/PULL and PUB/SUB throughput and REQ/REP round trips
over inproc, ipc and tcp at 64 B, 1 KiB, 64 KiB and 1 MiB (36 cells, about
20 s). It prints a line per cell as it completes (stderr), then the table
(stdout): messages received, messages lost (what PUB dropped), the time
measured, msg/s, MB/s and the round trip. A cell runs until both limits below
are reached.

bench options:
  --time MS            measure each cell for at least MS milliseconds
                       (default 500, at least 20)
  --count N            and until at least N messages (round trips) arrived;
                       N >= 1000 (default 10000 at 64 B and 1 KiB, 2000 at
                       64 KiB, 1000 at 1 MiB and for REQ/REP)
  --quick              64 B and 64 KiB only, 50 ms and 1000 messages per
                       cell unless given (a few seconds; for tests)

  -h, --help           show this help
";

/// A failure that ends the command: its exit code and one-line message.
#[derive(Debug)]
pub struct Failure {
    /// The process exit code.
    pub code: u8,
    /// The message, without the `fzmq: ` prefix.
    pub message: String,
}

impl Failure {
    /// A usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            code: 2,
            message: message.into(),
        }
    }

    /// A failure while running (exit code 1).
    pub fn runtime(message: impl Into<String>) -> Self {
        Self {
            code: 1,
            message: message.into(),
        }
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("fzmq: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

/// `fzmq keygen`: a new CURVE key pair, public then secret, in Z85
/// (libzmq's `curve_keygen` tool prints the same keys).
fn keygen(args: &[String]) -> Result<(), Failure> {
    if let Some(extra) = args.first() {
        return Err(Failure::usage(format!(
            "unexpected argument `{extra}`: `fzmq keygen` takes none"
        )));
    }
    let pair = ferrozmq::CurveKeyPair::generate();
    println!("public: {}", pair.public.to_z85());
    println!("secret: {}", pair.secret.to_z85());
    Ok(())
}

/// Parses the command line and runs the command.
fn run() -> Result<(), Failure> {
    let args = std::env::args_os()
        .skip(1)
        .map(|a| {
            a.into_string()
                .map_err(|a| Failure::usage(format!("argument {a:?} is not valid UTF-8")))
        })
        .collect::<Result<Vec<String>, Failure>>()?;
    let Some((command, rest)) = args.split_first() else {
        return Err(Failure::usage(
            "missing command: give a socket type or `bench` (try `fzmq --help`)",
        ));
    };
    match command.as_str() {
        "-h" | "--help" | "help" => {
            print!("{USAGE}");
            Ok(())
        }
        "bench" => bench::run(rest),
        "keygen" => keygen(rest),
        other => match sockets::socket_type(other) {
            Some(kind) => sockets::run(kind, rest),
            None => Err(Failure::usage(format!(
                "unknown command `{other}`: expected {} or bench (try `fzmq --help`)",
                sockets::command_names()
            ))),
        },
    }
}
