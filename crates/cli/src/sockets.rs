//! The socket commands (`fzmq req|rep|pub|sub|push|pull`): their options and
//! the loops between stdin/stdout and the socket. Every socket type's name is
//! recognised; the types without a loop here are refused with a usage error. The line format is in
//! [`crate::escape`]; what each command does is in [`crate::USAGE`].

use std::io::{self, BufRead, Write};
use std::time::Duration;

use ferrozmq::{Context, CurveKey, Msg, Multipart, Socket, SocketOption, SocketType};

use crate::Failure;
use crate::escape;

/// The socket types that have a shell-level command, in the order of
/// [`crate::USAGE`]. The other types (DEALER, ROUTER, PAIR, XPUB, XSUB) are
/// known by name but have no stdin/stdout loop yet.
pub const COMMANDS: [SocketType; 6] = [
    SocketType::Req,
    SocketType::Rep,
    SocketType::Pub,
    SocketType::Sub,
    SocketType::Push,
    SocketType::Pull,
];

/// The socket type named `name` on the command line, if it names one of
/// [`SocketType::ALL`]: the wire name in lower case (`req`, `xpub`), which
/// is the only spelling the command line takes.
pub fn socket_type(name: &str) -> Option<SocketType> {
    SocketType::from_name(name.to_ascii_uppercase().as_bytes()).filter(|&t| type_name(t) == name)
}

/// The command-line name of `kind`: its wire name in lower case.
fn type_name(kind: SocketType) -> String {
    kind.name().to_ascii_lowercase()
}

/// The command names of [`COMMANDS`], for messages: `req, rep, ..., pull`.
pub fn command_names() -> String {
    COMMANDS.map(type_name).join(", ")
}

/// A parsed socket command line.
#[derive(Debug, Default)]
pub struct Options {
    /// `--bind` endpoints, in order.
    pub binds: Vec<String>,
    /// `--connect` endpoints, in order.
    pub connects: Vec<String>,
    /// `--subscribe` prefixes, decoded.
    pub subscribe: Vec<Vec<u8>>,
    /// `--count`.
    pub count: Option<u64>,
    /// `--echo`.
    pub echo: bool,
    /// `--linger`: `None` when not given.
    pub linger: Option<Option<Duration>>,
    /// The security options of `--curve-*` and `--plain-*`, in order.
    pub security: Vec<SocketOption>,
}

/// A CURVE key given on the command line, in Z85.
fn curve_key(flag: &str, z85: &str) -> Result<CurveKey, Failure> {
    CurveKey::from_z85(z85).map_err(|e| {
        Failure::usage(format!(
            "{flag}: not a CURVE key ({e}); keys are 40 Z85 characters, see `fzmq keygen`"
        ))
    })
}

/// Parses the options after the socket type.
///
/// # Errors
///
/// Usage errors: an unknown option, a missing or bad value, an option the
/// socket type does not take, no endpoint.
pub fn parse(kind: SocketType, args: &[String]) -> Result<Options, Failure> {
    let name = type_name(kind);
    let mut opts = Options::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = |what: &str| -> Result<String, Failure> {
            inline
                .clone()
                .or_else(|| it.next().cloned())
                .ok_or_else(|| Failure::usage(format!("{flag} needs a value: {what}")))
        };
        let only = |types: &[SocketType]| -> Result<(), Failure> {
            if types.contains(&kind) {
                Ok(())
            } else {
                Err(Failure::usage(format!(
                    "{flag} does not apply to `fzmq {name}`"
                )))
            }
        };
        match flag {
            "--bind" => opts.binds.push(value("an endpoint")?),
            "--connect" => opts.connects.push(value("an endpoint")?),
            "--subscribe" => {
                only(&[SocketType::Sub])?;
                let v = value("a prefix")?;
                let prefix = escape::decode_frame(v.as_bytes())
                    .map_err(|e| Failure::usage(format!("--subscribe {v:?}: {e}")))?;
                opts.subscribe.push(prefix);
            }
            "--count" => {
                only(&[SocketType::Sub, SocketType::Pull, SocketType::Rep])?;
                let v = value("a number of messages")?;
                opts.count = Some(v.parse().map_err(|_| {
                    Failure::usage(format!("--count {v:?}: not a non-negative integer"))
                })?);
            }
            "--echo" => {
                only(&[SocketType::Rep])?;
                if inline.is_some() {
                    return Err(Failure::usage("--echo takes no value"));
                }
                opts.echo = true;
            }
            "--linger" => {
                let v = value("milliseconds, or -1 for no limit")?;
                opts.linger = Some(match v.parse::<i64>() {
                    Ok(-1) => None,
                    Ok(ms) if ms >= 0 => Some(Duration::from_millis(ms.unsigned_abs())),
                    _ => {
                        return Err(Failure::usage(format!(
                            "--linger {v:?}: expected milliseconds or -1"
                        )));
                    }
                });
            }
            "--curve-server" => {
                let secret = curve_key(flag, &value("our secret key (Z85)")?)?;
                opts.security.push(SocketOption::CurveServer(true));
                opts.security.push(SocketOption::CurveSecretKey(secret));
            }
            "--curve-serverkey" => {
                let key = curve_key(flag, &value("the server's public key (Z85)")?)?;
                opts.security.push(SocketOption::CurveServerKey(key));
            }
            "--curve-secret" => {
                let key = curve_key(flag, &value("our secret key (Z85)")?)?;
                opts.security.push(SocketOption::CurveSecretKey(key));
            }
            "--curve-public" => {
                let key = curve_key(flag, &value("our public key (Z85)")?)?;
                opts.security.push(SocketOption::CurvePublicKey(key));
            }
            "--plain-user" => {
                opts.security
                    .push(SocketOption::PlainUsername(value("a username")?));
            }
            "--plain-password" => {
                opts.security
                    .push(SocketOption::PlainPassword(value("a password")?));
            }
            _ if flag.starts_with('-') => {
                return Err(Failure::usage(format!(
                    "unknown option `{flag}` for `fzmq {name}` (try `fzmq --help`)"
                )));
            }
            _ => {
                return Err(Failure::usage(format!(
                    "unexpected argument `{arg}`: endpoints follow --bind or --connect"
                )));
            }
        }
    }
    // A CURVE client given its secret key alone gets the matching public
    // key (libzmq wants both set; one is derived from the other).
    let has = |f: fn(&SocketOption) -> bool| opts.security.iter().any(f);
    if !has(|o| matches!(o, SocketOption::CurveServer(_)))
        && !has(|o| matches!(o, SocketOption::CurvePublicKey(_)))
        && let Some(public) = opts.security.iter().rev().find_map(|o| match o {
            SocketOption::CurveSecretKey(k) => Some(k.public_key()),
            _ => None,
        })
    {
        opts.security.push(SocketOption::CurvePublicKey(public));
    }
    if opts.binds.is_empty() && opts.connects.is_empty() {
        return Err(Failure::usage(format!(
            "`fzmq {name}` needs --bind ENDPOINT or --connect ENDPOINT"
        )));
    }
    Ok(opts)
}

/// Runs `fzmq TYPE ARGS...`.
///
/// # Errors
///
/// Usage errors (exit 2) from [`parse`], a failed bind or connect and an
/// invalid escape in stdin; runtime errors (exit 1) from the socket and I/O.
pub fn run(kind: SocketType, args: &[String]) -> Result<(), Failure> {
    if !COMMANDS.contains(&kind) {
        return Err(Failure::usage(format!(
            "unknown command `{}`: fzmq has no shell mode for {kind} sockets yet; \
             expected {} or bench (try `fzmq --help`)",
            type_name(kind),
            command_names(),
        )));
    }
    let opts = parse(kind, args)?;
    let ctx = Context::new().map_err(|e| Failure::runtime(format!("cannot start: {e}")))?;
    let socket = ctx
        .socket(kind)
        .map_err(|e| Failure::runtime(format!("cannot make the socket: {e}")))?;
    for option in opts.security.iter().cloned() {
        let name = option.name();
        socket
            .set_option(option)
            .map_err(|e| Failure::usage(format!("{name}: {e}")))?;
    }
    if let Some(linger) = opts.linger {
        socket
            .set_option(SocketOption::Linger(linger))
            .map_err(|e| Failure::usage(format!("--linger: {e}")))?;
    }
    for ep in &opts.binds {
        socket
            .bind(ep)
            .map_err(|e| Failure::usage(format!("cannot bind `{ep}`: {e}")))?;
    }
    for ep in &opts.connects {
        socket
            .connect(ep)
            .map_err(|e| Failure::usage(format!("cannot connect to `{ep}`: {e}")))?;
    }
    if kind == SocketType::Sub {
        let all = [Vec::new()];
        let prefixes = if opts.subscribe.is_empty() {
            &all[..]
        } else {
            &opts.subscribe[..]
        };
        for p in prefixes {
            socket
                .subscribe(p)
                .map_err(|e| Failure::runtime(format!("cannot subscribe: {e}")))?;
        }
    }
    let mut io = Lines::new();
    let result = match kind {
        SocketType::Req => req(&socket, &mut io),
        SocketType::Rep => rep(&socket, &mut io, &opts),
        SocketType::Pub | SocketType::Push => send_all(&socket, &mut io),
        _ => recv_all(&socket, &mut io, opts.count),
    };
    // The socket first, then the context, which lingers until what was
    // queued is delivered (or LINGER passes).
    drop(socket);
    drop(ctx);
    match result {
        Err(f) if f.code == BROKEN_PIPE => Ok(()),
        r => r,
    }
}

/// A private code for "stdout was closed": the command ends quietly.
const BROKEN_PIPE: u8 = 255;

/// Stdin as lines of messages and stdout as their printer.
struct Lines {
    /// Stdin.
    input: io::StdinLock<'static>,
    /// Stdout.
    output: io::StdoutLock<'static>,
    /// The 1-based number of the last line read.
    line_no: u64,
    /// The last line read.
    buf: Vec<u8>,
}

impl Lines {
    /// Locks stdin and stdout.
    fn new() -> Self {
        Self {
            input: io::stdin().lock(),
            output: io::stdout().lock(),
            line_no: 0,
            buf: Vec::new(),
        }
    }

    /// The next message from stdin, `None` at EOF.
    fn read(&mut self) -> Result<Option<Multipart>, Failure> {
        self.buf.clear();
        let n = self
            .input
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| Failure::runtime(format!("cannot read stdin: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        }
        let frames = escape::decode_message(&self.buf)
            .map_err(|e| Failure::usage(format!("stdin line {}: {e}", self.line_no)))?;
        Ok(Some(frames.into_iter().map(Msg::from).collect()))
    }

    /// Prints `msg` as one line and flushes.
    fn write(&mut self, msg: &Multipart) -> Result<(), Failure> {
        let mut line = escape::encode_message(msg.iter().map(|m| m.as_slice()));
        line.push(b'\n');
        self.output
            .write_all(&line)
            .and_then(|()| self.output.flush())
            .map_err(|e| {
                if e.kind() == io::ErrorKind::BrokenPipe {
                    Failure {
                        code: BROKEN_PIPE,
                        message: String::new(),
                    }
                } else {
                    Failure::runtime(format!("cannot write stdout: {e}"))
                }
            })
    }
}

/// A socket error while running.
fn socket_failure(what: &str, e: impl core::fmt::Display) -> Failure {
    Failure::runtime(format!("cannot {what}: {e}"))
}

/// REQ: each stdin line is a request; print each reply.
fn req(socket: &Socket, io: &mut Lines) -> Result<(), Failure> {
    while let Some(msg) = io.read()? {
        socket
            .send_multipart(msg)
            .map_err(|e| socket_failure("send", e))?;
        let reply = socket
            .recv_multipart()
            .map_err(|e| socket_failure("receive", e))?;
        io.write(&reply)?;
    }
    Ok(())
}

/// REP: print each request; reply with the next stdin line, or echo.
fn rep(socket: &Socket, io: &mut Lines, opts: &Options) -> Result<(), Failure> {
    let mut served = 0;
    while opts.count.is_none_or(|n| served < n) {
        let request = socket
            .recv_multipart()
            .map_err(|e| socket_failure("receive", e))?;
        io.write(&request)?;
        let reply = if opts.echo {
            request
        } else {
            match io.read()? {
                Some(reply) => reply,
                None => break,
            }
        };
        socket
            .send_multipart(reply)
            .map_err(|e| socket_failure("send", e))?;
        served += 1;
    }
    Ok(())
}

/// PUB, PUSH: send each stdin line.
fn send_all(socket: &Socket, io: &mut Lines) -> Result<(), Failure> {
    while let Some(msg) = io.read()? {
        socket
            .send_multipart(msg)
            .map_err(|e| socket_failure("send", e))?;
    }
    Ok(())
}

/// SUB, PULL: print each message, until `count` if given.
fn recv_all(socket: &Socket, io: &mut Lines, count: Option<u64>) -> Result<(), Failure> {
    let mut received = 0;
    while count.is_none_or(|n| received < n) {
        let msg = socket
            .recv_multipart()
            .map_err(|e| socket_failure("receive", e))?;
        io.write(&msg)?;
        received += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn options_parse() {
        let o = parse(
            SocketType::Sub,
            &args("--connect tcp://a:1 --bind=ipc://x --subscribe a\\x09 --count 3 --linger 0"),
        )
        .unwrap();
        assert_eq!(o.connects, ["tcp://a:1"]);
        assert_eq!(o.binds, ["ipc://x"]);
        assert_eq!(o.subscribe, [b"a\t".to_vec()]);
        assert_eq!(o.count, Some(3));
        assert_eq!(o.linger, Some(Some(Duration::ZERO)));
        let o = parse(SocketType::Rep, &args("--bind x --echo --linger -1")).unwrap();
        assert!(o.echo);
        assert_eq!(o.linger, Some(None));
    }

    #[test]
    fn bad_options_are_usage_errors() {
        for (kind, line, needle) in [
            (
                SocketType::Push,
                "--bind x --frobnicate",
                "unknown option `--frobnicate`",
            ),
            (SocketType::Push, "--bind", "--bind needs a value"),
            (SocketType::Push, "", "needs --bind ENDPOINT or --connect"),
            (SocketType::Push, "--bind x --echo", "--echo does not apply"),
            (
                SocketType::Pub,
                "--bind x --subscribe a",
                "--subscribe does not apply",
            ),
            (
                SocketType::Sub,
                "--bind x --subscribe \\q",
                "invalid escape",
            ),
            (
                SocketType::Pull,
                "--bind x --count -1",
                "not a non-negative",
            ),
            (
                SocketType::Pull,
                "--bind x --linger soon",
                "expected milliseconds",
            ),
            (SocketType::Pull, "tcp://x:1", "unexpected argument"),
        ] {
            let e = parse(kind, &args(line)).unwrap_err();
            assert_eq!(e.code, 2, "{line}");
            assert!(e.message.contains(needle), "{line}: {}", e.message);
        }
    }

    #[test]
    fn every_type_has_a_name() {
        let names = [
            "req", "rep", "dealer", "router", "pub", "xpub", "sub", "xsub", "push", "pull", "pair",
        ];
        for (name, kind) in names.into_iter().zip(SocketType::ALL) {
            assert_eq!(socket_type(name), Some(kind), "{name}");
            assert_eq!(type_name(kind), name);
        }
        for name in ["REQ", "Req", "router ", "", "bench", "client"] {
            assert_eq!(socket_type(name), None, "{name:?}");
        }
        assert_eq!(command_names(), "req, rep, pub, sub, push, pull");
    }

    #[test]
    fn a_type_without_a_shell_mode_is_a_clear_usage_error() {
        for kind in SocketType::ALL {
            if COMMANDS.contains(&kind) {
                continue;
            }
            let e = run(kind, &args("--bind inproc://x")).unwrap_err();
            assert_eq!(e.code, 2);
            let name = type_name(kind);
            assert!(
                e.message.starts_with(&format!(
                    "unknown command `{name}`: fzmq has no shell mode for {kind} sockets yet"
                )),
                "{}",
                e.message
            );
            assert!(
                e.message
                    .contains("expected req, rep, pub, sub, push, pull or bench")
            );
        }
    }
}
