//! [`Authenticator`]: a ready ZAP handler (RFC 27), like pyzmq's
//! `ThreadAuthenticator`: a thread with a REP socket bound at
//! [`ZAP_ENDPOINT`] in a context, deciding by address allow/deny lists,
//! PLAIN passwords and CURVE keys, per ZAP domain.
//!
//! The rules are pyzmq's (`zmq/auth/base.py`, `Authenticator`): an address
//! on the allow list is admitted to the mechanism check and every other
//! address refused; without an allow list, an address on the deny list is
//! refused. Then NULL is admitted; PLAIN needs the username and password
//! configured for the request's domain (or for `*`); CURVE needs the
//! client's key among the keys configured for the domain (or `*`), or any
//! key where [`CurveKeys::Any`] is. A refusal is status 400 with the
//! reason in the status text; an admission is 200 with the user id: the
//! PLAIN username, the CURVE key in Z85, or `anonymous` for NULL.
//!
//! This file does not change how sockets ask (see `zap.rs`).

use std::collections::{HashMap, HashSet};
use std::thread;
use std::time::Duration;

use ferrozmq_msg::{Msg, Multipart};
use ferrozmq_wire::{CURVE_KEY_LEN, CurveKey, SocketType};

use crate::context::{Context, SocketError};
use crate::error::BindError;
use crate::options::SocketOption;
use crate::sync::{AtomicBool, Mutex, Ordering, StdArc, lock};
use crate::zap::ZAP_ENDPOINT;

/// How often the handler thread looks at its stop flag.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// The CURVE clients a domain admits.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CurveKeys {
    /// Every client that proves its key (pyzmq's `CURVE_ALLOW_ANY`).
    Any,
    /// These client public keys only.
    Allowed(Vec<CurveKey>),
}

/// Why an [`Authenticator`] could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthenticatorError {
    /// The context could not make its REP socket.
    #[error(transparent)]
    Socket(#[from] SocketError),
    /// Binding [`ZAP_ENDPOINT`] failed: another handler holds it
    /// (`EADDRINUSE`).
    #[error(transparent)]
    Bind(#[from] BindError),
    /// The handler thread could not be spawned.
    #[error("cannot start the authenticator thread")]
    Thread(#[source] std::io::Error),
}

/// The decisions an [`Authenticator`] makes (see the module docs).
#[derive(Debug, Default)]
struct Policy {
    allow: HashSet<String>,
    deny: HashSet<String>,
    passwords: HashMap<String, HashMap<String, String>>,
    curve: HashMap<String, CurveKeys>,
}

/// A ZAP handler thread serving one context (see the module docs). It
/// stops when dropped (or [`stop`](Self::stop)ped); its settings may change
/// while it runs and apply to the next handshakes.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use ferrozmq_msg::Msg;
/// use ferrozmq_socket::{Authenticator, Context, SocketOption, SocketType};
///
/// let ctx = Context::new()?;
/// let auth = Authenticator::start(&ctx)?;
/// auth.configure_plain("*", HashMap::from([("admin".to_owned(), "secret".to_owned())]));
///
/// let server = ctx.socket(SocketType::Pull)?;
/// server.set_option(SocketOption::PlainServer(true))?;
/// server.bind("tcp://127.0.0.1:0")?;
/// let client = ctx.socket(SocketType::Push)?;
/// client.set_option(SocketOption::PlainUsername("admin".into()))?;
/// client.set_option(SocketOption::PlainPassword("secret".into()))?;
/// client.connect(&server.last_endpoint().unwrap().to_string())?;
/// client.send(Msg::from_static(b"let me in"))?;
/// assert_eq!(server.recv()?, b"let me in");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Authenticator {
    policy: StdArc<Mutex<Policy>>,
    stop: StdArc<AtomicBool>,
    thread: Option<thread::JoinHandle<()>>,
}

impl core::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Authenticator").finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Binds [`ZAP_ENDPOINT`] in `ctx` and starts answering. With nothing
    /// configured it admits NULL from every address and refuses every PLAIN
    /// and CURVE client.
    ///
    /// # Errors
    ///
    /// [`AuthenticatorError`] when the socket, the bind (another handler is
    /// bound) or the thread fails.
    pub fn start(ctx: &Context) -> Result<Self, AuthenticatorError> {
        let rep = ctx.socket(SocketType::Rep)?;
        // In range: these cannot fail.
        let _ = rep.set_option(SocketOption::RcvTimeo(Some(STOP_CHECK)));
        let _ = rep.set_option(SocketOption::Linger(Some(Duration::ZERO)));
        rep.bind(ZAP_ENDPOINT)?;
        let policy = StdArc::new(Mutex::new(Policy::default()));
        let stop = StdArc::new(AtomicBool::new(false));
        let (p, s) = (StdArc::clone(&policy), StdArc::clone(&stop));
        let thread = thread::Builder::new()
            .name("ferrozmq-zap".into())
            .spawn(move || {
                while !s.load(Ordering::Acquire) {
                    let request = match rep.recv_multipart() {
                        Ok(m) => m,
                        Err(e) if e.is_again() => continue,
                        Err(_) => break,
                    };
                    let reply = answer(&lock(&p), &request);
                    if rep.send_multipart(reply).is_err() {
                        break;
                    }
                }
            })
            .map_err(AuthenticatorError::Thread)?;
        Ok(Self {
            policy,
            stop,
            thread: Some(thread),
        })
    }

    /// Admits only these addresses (IPs, as ZAP requests carry them),
    /// adding to the allow list. An allow list makes the deny list unused.
    pub fn allow<I: IntoIterator<Item = S>, S: Into<String>>(&self, addresses: I) {
        lock(&self.policy)
            .allow
            .extend(addresses.into_iter().map(Into::into));
    }

    /// Refuses these addresses (unless an allow list is set), adding to the
    /// deny list.
    pub fn deny<I: IntoIterator<Item = S>, S: Into<String>>(&self, addresses: I) {
        lock(&self.policy)
            .deny
            .extend(addresses.into_iter().map(Into::into));
    }

    /// The PLAIN users of `domain` (`*`: every domain without its own),
    /// username to password, replacing the domain's previous ones.
    pub fn configure_plain(&self, domain: &str, passwords: HashMap<String, String>) {
        lock(&self.policy)
            .passwords
            .insert(domain.to_owned(), passwords);
    }

    /// The CURVE clients of `domain` (`*`: every domain without its own),
    /// replacing the domain's previous setting.
    pub fn configure_curve(&self, domain: &str, keys: CurveKeys) {
        lock(&self.policy).curve.insert(domain.to_owned(), keys);
    }

    /// Stops the thread and unbinds [`ZAP_ENDPOINT`] (also done on drop).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Authenticator {
    fn drop(&mut self) {
        self.halt();
    }
}

/// The reply to one request (RFC 27 §Reply Format).
fn answer(policy: &Policy, request: &Multipart) -> Multipart {
    let frames: Vec<&[u8]> = request.iter().map(|m| &m[..]).collect();
    let (status, text, user): (&[u8], String, Vec<u8>) = match decide(policy, &frames) {
        Ok(user) => (b"200", "OK".into(), user),
        Err(why) => (b"400", why, Vec::new()),
    };
    let version = frames.first().copied().unwrap_or(b"1.0");
    let id = frames.get(1).copied().unwrap_or_default();
    [version, id, status, text.as_bytes(), &user, b""]
        .into_iter()
        .map(Msg::copy_from_slice)
        .collect()
}

/// The user id of an admitted request, or why it is refused.
fn decide(policy: &Policy, frames: &[&[u8]]) -> Result<Vec<u8>, String> {
    let [
        version,
        _id,
        domain,
        address,
        _identity,
        mechanism,
        credentials @ ..,
    ] = frames
    else {
        return Err("malformed request".into());
    };
    if *version != b"1.0" {
        return Err("unknown ZAP version".into());
    }
    let domain = String::from_utf8_lossy(domain);
    let address = String::from_utf8_lossy(address).into_owned();
    if !policy.allow.is_empty() {
        if !policy.allow.contains(&address) {
            return Err("address not in the allow list".into());
        }
    } else if policy.deny.contains(&address) {
        return Err("address in the deny list".into());
    }
    match (*mechanism, credentials) {
        (b"NULL", []) => Ok(b"anonymous".to_vec()),
        (b"PLAIN", [user, password]) => {
            let users = policy
                .passwords
                .get(domain.as_ref())
                .or_else(|| policy.passwords.get("*"))
                .ok_or("no passwords for this domain")?;
            let user = String::from_utf8_lossy(user);
            match users.get(user.as_ref()) {
                Some(p) if p.as_bytes() == *password => Ok(user.into_owned().into_bytes()),
                _ => Err("invalid username or password".into()),
            }
        }
        (b"CURVE", [key]) if key.len() == CURVE_KEY_LEN => {
            let mut bytes = [0; CURVE_KEY_LEN];
            bytes.copy_from_slice(key);
            let key = CurveKey::from_bytes(bytes);
            let keys = policy
                .curve
                .get(domain.as_ref())
                .or_else(|| policy.curve.get("*"))
                .ok_or("no CURVE keys for this domain")?;
            match keys {
                CurveKeys::Any => Ok(key.to_z85().into_bytes()),
                CurveKeys::Allowed(allowed) if allowed.contains(&key) => {
                    Ok(key.to_z85().into_bytes())
                }
                CurveKeys::Allowed(_) => Err("unknown CURVE key".into()),
            }
        }
        _ => Err("unsupported mechanism or credentials".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(domain: &str, address: &str, mechanism: &str, creds: &[&[u8]]) -> Vec<Vec<u8>> {
        let mut f = vec![
            b"1.0".to_vec(),
            b"1".to_vec(),
            domain.as_bytes().to_vec(),
            address.as_bytes().to_vec(),
            Vec::new(),
            mechanism.as_bytes().to_vec(),
        ];
        f.extend(creds.iter().map(|c| c.to_vec()));
        f
    }

    fn run(policy: &Policy, req: &[Vec<u8>]) -> Result<Vec<u8>, String> {
        let frames: Vec<&[u8]> = req.iter().map(Vec::as_slice).collect();
        decide(policy, &frames)
    }

    #[test]
    fn pyzmqs_rules() {
        let key = CurveKey::from_bytes([9; 32]);
        let mut p = Policy::default();
        assert_eq!(
            run(&p, &request("", "1.2.3.4", "NULL", &[])),
            Ok(b"anonymous".to_vec())
        );
        assert!(run(&p, &request("", "1.2.3.4", "PLAIN", &[b"u", b"p"])).is_err());
        p.passwords
            .insert("*".into(), HashMap::from([("u".into(), "p".into())]));
        assert_eq!(
            run(&p, &request("d", "1.2.3.4", "PLAIN", &[b"u", b"p"])),
            Ok(b"u".to_vec())
        );
        assert!(run(&p, &request("d", "1.2.3.4", "PLAIN", &[b"u", b"x"])).is_err());
        p.passwords.insert("d".into(), HashMap::new());
        assert!(
            run(&p, &request("d", "1.2.3.4", "PLAIN", &[b"u", b"p"])).is_err(),
            "the domain's own list wins"
        );
        p.curve
            .insert("*".into(), CurveKeys::Allowed(vec![key.clone()]));
        assert_eq!(
            run(&p, &request("", "1.2.3.4", "CURVE", &[key.as_bytes()])),
            Ok(key.to_z85().into_bytes())
        );
        assert!(run(&p, &request("", "1.2.3.4", "CURVE", &[&[1; 32]])).is_err());
        p.curve.insert("any".into(), CurveKeys::Any);
        assert!(run(&p, &request("any", "1.2.3.4", "CURVE", &[&[1; 32]])).is_ok());
        p.deny.insert("1.2.3.4".into());
        assert!(run(&p, &request("", "1.2.3.4", "NULL", &[])).is_err());
        assert!(run(&p, &request("", "5.6.7.8", "NULL", &[])).is_ok());
        p.allow.insert("1.2.3.4".into());
        assert!(
            run(&p, &request("", "1.2.3.4", "NULL", &[])).is_ok(),
            "allow overrides deny"
        );
        assert!(run(&p, &request("", "5.6.7.8", "NULL", &[])).is_err());
    }
}
