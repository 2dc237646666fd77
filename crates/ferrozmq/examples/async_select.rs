//! `select!` over two sockets and a timer, on tokio: the async form of a
//! `poll` loop. A worker takes jobs from a PULL socket and commands from a
//! SUB socket, and reports progress on a timer tick, whichever comes first.
//! The futures are cancel safe: the branch that loses a `select!` drops its
//! `recv` future, which took nothing, so no job and no command is lost.
//! The worker checks it got every job exactly once, in order, then stops on
//! the `STOP` command.

use std::time::Duration;

use ferrozmq::{AsyncSocket, Context, Msg, SocketType};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

const JOBS: u32 = 2000;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let ctx = Context::new()?;
    let jobs = AsyncSocket::new(ctx.socket(SocketType::Pull)?);
    jobs.get_ref().bind("inproc://jobs")?;
    let control = AsyncSocket::new(ctx.socket(SocketType::Sub)?);
    control.get_ref().bind("inproc://control")?;
    control.get_ref().subscribe(b"")?;

    let producer = AsyncSocket::new(ctx.socket(SocketType::Push)?);
    producer.get_ref().connect("inproc://jobs")?;
    let commander = AsyncSocket::new(ctx.socket(SocketType::Pub)?);
    commander.get_ref().connect("inproc://control")?;

    let produce = async {
        for i in 0..JOBS {
            producer
                .send(Msg::copy_from_slice(&i.to_be_bytes()))
                .await?;
            if i % 500 == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        // The command goes once every job is out (PUB drops what is sent
        // before the SUB's subscription arrived, so repeat until heard).
        loop {
            commander.send(Msg::from_static(b"STOP")).await?;
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        #[allow(unreachable_code)]
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    };

    let work = async {
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        let (mut next, mut ticks) = (0u32, 0u32);
        loop {
            tokio::select! {
                job = jobs.recv() => {
                    let job = job?;
                    assert_eq!(&job[..], next.to_be_bytes(), "every job once, in order");
                    next += 1;
                }
                command = control.recv() => {
                    if &command?[..] == b"STOP" && next == JOBS {
                        break;
                    }
                }
                _ = tick.tick() => ticks += 1,
            }
        }
        println!("{next} jobs in order; {ticks} progress ticks on the way");
        Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
    };

    tokio::select! {
        done = work => done?,
        failed = produce => failed?,
        () = tokio::time::sleep(Duration::from_secs(20)) => return Err("timed out".into()),
    }
    Ok(())
}
