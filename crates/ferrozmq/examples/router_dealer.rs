//! A load-balancing broker: a ROUTER facing the clients, a ROUTER facing
//! the workers, one thread between them. Clients and workers are DEALERs;
//! some name themselves (an explicit routing id), the others are given a
//! generated one by the ROUTER they connect to (5 bytes, `0x00` first).
//!
//! A worker says `READY` once and then answers jobs. The broker keeps the
//! ready workers in a queue and takes a client's job only when one is free,
//! sending it to the worker that has waited longest (libzmq's "LRU queue"
//! broker). The job travels as `[client id, job]` to the worker, which
//! answers `[client id, reply]`; the broker routes the reply back by that
//! first frame. Each client checks that every reply it got answers one of
//! its own jobs, and that it got one reply per job. Since every worker is
//! ready before the first job, and there are more jobs than workers, each
//! worker handles at least one.
//!
//! The broker waits on both sides at once with [`ferrozmq::poll`], and
//! asks for the clients' side only while a worker is free (the zguide's
//! LRU queue): a job waits in the frontend, not in the broker.

use std::collections::{HashMap, VecDeque};
use std::thread;
use std::time::Duration;

use ferrozmq::{
    Context, Msg, Multipart, PollEvents, RoutingId, Socket, SocketOption, SocketType, poll,
};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// Clients by routing id; `None`: let the frontend ROUTER generate one.
const CLIENTS: [Option<&str>; 3] = [Some("client-a"), Some("client-b"), None];
/// Workers by routing id; `None`: let the backend ROUTER generate one.
const WORKERS: [Option<&str>; 4] = [Some("worker-1"), None, Some("worker-2"), None];
/// Jobs each client sends.
const JOBS: usize = 6;
/// How long any one wait may take before the example fails.
const TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> Result<()> {
    let ctx = Context::new()?;
    let frontend = ctx.socket(SocketType::Router)?;
    frontend.bind("tcp://127.0.0.1:0")?;
    let backend = ctx.socket(SocketType::Router)?;
    backend.set_option(SocketOption::RouterMandatory(true))?; // a bad id is an error
    backend.bind("tcp://127.0.0.1:0")?;
    let front_ep = frontend.last_endpoint().expect("bound").to_string();
    let back_ep = backend.last_endpoint().expect("bound").to_string();

    let workers: Vec<_> = WORKERS
        .iter()
        .enumerate()
        .map(|(n, &id)| {
            let dealer = dealer(&ctx, id, &back_ep)?;
            Ok(thread::spawn(move || worker(&dealer, n)))
        })
        .collect::<Result<_>>()?;
    // Every worker is ready before any job is taken, so each gets one.
    let mut ready = VecDeque::new();
    while ready.len() < WORKERS.len() {
        let msg = backend.recv_multipart()?;
        assert_eq!(&msg[1][..], b"READY");
        ready.push_back(msg[0].clone());
    }
    for id in &ready {
        match WORKERS.iter().flatten().find(|w| w.as_bytes() == &id[..]) {
            Some(name) => println!("worker {name} is ready"),
            None => {
                assert!(
                    id.len() == 5 && id[0] == 0,
                    "a generated id: 0x00 + 4 bytes"
                );
                println!("worker {} is ready (generated id)", hex(id));
            }
        }
    }

    let clients: Vec<_> = CLIENTS
        .iter()
        .enumerate()
        .map(|(n, &id)| {
            let dealer = dealer(&ctx, id, &front_ep)?;
            Ok(thread::spawn(move || client(&dealer, n)))
        })
        .collect::<Result<_>>()?;

    let handled = broker(&frontend, &backend, ready, CLIENTS.len() * JOBS)?;
    for client in clients {
        client.join().expect("client thread")?;
    }
    // Each worker gets its end (routed by the id it was known by).
    for id in handled.keys() {
        backend.send_multipart([
            Msg::copy_from_slice(id),
            Msg::new(),
            Msg::from_static(b"END"),
        ])?;
    }
    for w in workers {
        w.join().expect("worker thread")?;
    }
    assert_eq!(handled.len(), WORKERS.len(), "every worker handled a job");
    assert_eq!(handled.values().sum::<usize>(), CLIENTS.len() * JOBS);
    for (id, jobs) in &handled {
        println!("{:>16}: {jobs} jobs", printable(id));
    }
    Ok(())
}

/// A DEALER with RCVTIMEO, named `id` (or not), connected to `endpoint`.
fn dealer(ctx: &Context, id: Option<&str>, endpoint: &str) -> Result<Socket> {
    let s = ctx.socket(SocketType::Dealer)?;
    s.set_option(SocketOption::RcvTimeo(Some(TIMEOUT)))?;
    if let Some(id) = id {
        s.set_option(SocketOption::RoutingId(Some(RoutingId::new(id)?)))?;
    }
    s.connect(endpoint)?;
    Ok(s)
}

/// The broker's loop: jobs to the longest-waiting worker, replies back to
/// their client, until `replies` have gone back. Returns the jobs each
/// worker (by routing id) handled.
fn broker(
    frontend: &Socket,
    backend: &Socket,
    mut ready: VecDeque<Msg>,
    replies: usize,
) -> Result<HashMap<Vec<u8>, usize>> {
    let mut handled = HashMap::new();
    let mut routed = 0;
    while routed < replies {
        let jobs = if ready.is_empty() {
            PollEvents::NONE
        } else {
            PollEvents::IN
        };
        let mut items = [
            backend.as_poll_item(PollEvents::IN),
            frontend.as_poll_item(jobs),
        ];
        if poll(&mut items, Some(TIMEOUT))? == 0 {
            return Err("the broker stalled".into());
        }
        // A worker's reply: [worker id, client id, reply].
        if items[0].is_readable() {
            let msg = backend.recv_multipart()?;
            let [worker, client, reply] = <[Msg; 3]>::try_from(msg.into_iter().collect::<Vec<_>>())
                .map_err(|_| "a reply is three frames")?;
            frontend.send_multipart([client, reply])?;
            *handled.entry(worker.to_vec()).or_insert(0) += 1;
            ready.push_back(worker);
            routed += 1;
        }
        // A job, to the worker that waited longest: [client id, job].
        if items[1].is_readable()
            && let Some(worker) = ready.pop_front()
        {
            let job = frontend.recv_multipart()?;
            let routed_job: Multipart = std::iter::once(worker).chain(job).collect();
            backend.send_multipart(routed_job)?;
        }
    }
    Ok(handled)
}

/// A worker: `READY`, then each job `[client id, job]` answered with
/// `[client id, job + who did it]`, until `[empty, END]`.
fn worker(s: &Socket, n: usize) -> Result<()> {
    s.send(Msg::from_static(b"READY"))?;
    loop {
        let msg = s.recv_multipart()?;
        if msg.len() == 2 && msg[0].is_empty() && &msg[1][..] == b"END" {
            return Ok(());
        }
        let (client, job) = (msg[0].clone(), &msg[1]);
        thread::sleep(Duration::from_millis(3)); // the work
        let reply = format!("{} done by worker #{n}", String::from_utf8_lossy(job));
        s.send_multipart([client, Msg::from(reply.into_bytes())])?;
    }
}

/// A client: sends its jobs, then checks that exactly its own come back.
fn client(s: &Socket, n: usize) -> Result<()> {
    let jobs: Vec<String> = (0..JOBS)
        .map(|k| format!("job {k} of client #{n}"))
        .collect();
    for job in &jobs {
        s.send(Msg::copy_from_slice(job.as_bytes()))?;
    }
    let mut answered = [false; JOBS];
    for _ in 0..JOBS {
        let reply = String::from_utf8(s.recv()?.to_vec())?;
        let k = jobs
            .iter()
            .position(|job| reply.starts_with(&format!("{job} done")))
            .unwrap_or_else(|| panic!("client #{n} got a reply to someone else's job: {reply}"));
        assert!(!answered[k], "client #{n}: job {k} answered twice");
        answered[k] = true;
    }
    println!("client #{n}: all {JOBS} replies, each to one of its jobs");
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A routing id as text if it is, else in hex.
fn printable(id: &[u8]) -> String {
    match std::str::from_utf8(id) {
        Ok(s) if id.first() != Some(&0) => s.to_owned(),
        _ => format!("0x{}", hex(id)),
    }
}
