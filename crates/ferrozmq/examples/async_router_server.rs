//! An async ROUTER server on tokio serving many DEALER clients at once.
//!
//! One `AsyncSocket` ROUTER receives every request (`[client id, request]`)
//! in one task and hands each to a task of its own, which "works" (a
//! runtime sleep, no thread blocked) and sends the reply on the same
//! socket: `send` takes `&self`, so any number of tasks reply through one
//! socket concurrently. Each client is a task with its own DEALER that
//! sends its requests and awaits the replies. Every client checks it got
//! exactly one reply per request, each answering one of its own; the run
//! takes about one work time per request round, not one per request, since
//! the requests are served concurrently.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrozmq::{AsyncSocket, Context, Msg, SocketType};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const CLIENTS: usize = 50;
const REQUESTS: usize = 10;
const WORK: Duration = Duration::from_millis(20);
/// How long the whole run may take before the example fails.
const TIMEOUT: Duration = Duration::from_secs(20);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let ctx = Context::new()?;
    let server = Arc::new(AsyncSocket::new(ctx.socket(SocketType::Router)?));
    server.get_ref().bind("tcp://127.0.0.1:0")?;
    let endpoint = server.get_ref().last_endpoint().expect("bound").to_string();

    let serving = tokio::spawn(serve(Arc::clone(&server)));
    let started = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|n| {
            let dealer = ctx.socket(SocketType::Dealer);
            let endpoint = endpoint.clone();
            tokio::spawn(async move {
                let dealer = AsyncSocket::new(dealer?);
                dealer.get_ref().connect(&endpoint)?;
                client(&dealer, n).await
            })
        })
        .collect();
    for c in clients {
        tokio::time::timeout(TIMEOUT, c).await???;
    }
    let took = started.elapsed();
    serving.abort();
    println!(
        "{CLIENTS} clients x {REQUESTS} requests of {WORK:?} work each: {took:?} \
         (served one after the other: {:?})",
        WORK * (CLIENTS * REQUESTS) as u32
    );
    Ok(())
}

/// The server: each request to a task of its own, replying through the
/// shared socket.
async fn serve(server: Arc<AsyncSocket>) -> Result<()> {
    loop {
        let request = server.recv_multipart().await?;
        let server = Arc::clone(&server);
        tokio::spawn(async move {
            tokio::time::sleep(WORK).await;
            // [client id, request] back as [client id, request + "!"].
            let mut reply = request[1].to_vec();
            reply.push(b'!');
            let _ = server
                .send_multipart([request[0].clone(), Msg::from(reply)])
                .await;
        });
    }
}

/// A client: all its requests at once, then one reply for each.
async fn client(dealer: &AsyncSocket, n: usize) -> Result<()> {
    for r in 0..REQUESTS {
        dealer
            .send(Msg::from(format!("{n}.{r}").into_bytes()))
            .await?;
    }
    let mut answered = [false; REQUESTS];
    for _ in 0..REQUESTS {
        let reply = dealer.recv().await?;
        let text = std::str::from_utf8(&reply)?;
        let (who, rest) = text.split_once('.').ok_or("a reply is n.r!")?;
        assert_eq!(who.parse::<usize>()?, n, "a reply to this client");
        let r: usize = rest
            .strip_suffix('!')
            .ok_or("a reply ends with !")?
            .parse()?;
        assert!(!answered[r], "one reply per request");
        answered[r] = true;
    }
    assert!(answered.iter().all(|&a| a));
    Ok(())
}
