//! libzmq's result lines, printed as its perf tools print them (and as
//! ferrozmq's do), so that one parser reads every tool's output.

/// libzmq's four throughput lines: `count` messages of `size` bytes in
/// `elapsed_us` microseconds (at least 1), the message rate truncated as
/// libzmq's `%d`, the megabits with `%.3f`.
pub fn throughput(size: usize, count: u64, elapsed_us: u64) {
    let throughput = count as f64 / elapsed_us.max(1) as f64 * 1_000_000.0;
    let megabits = throughput * size as f64 * 8.0 / 1_000_000.0;
    println!("message size: {size} [B]");
    println!("message count: {count}");
    println!("mean throughput: {} [msg/s]", throughput as i64);
    println!("mean throughput: {megabits:.3} [Mb/s]");
}

/// libzmq's three latency lines: `roundtrips` round trips of `size` bytes in
/// `elapsed_us` microseconds, reported as libzmq's one-way figure
/// `elapsed_us / (roundtrips * 2)` with `%.3f`.
pub fn latency(size: usize, roundtrips: u64, elapsed_us: u64) {
    let latency = elapsed_us as f64 / (roundtrips as f64 * 2.0);
    println!("message size: {size} [B]");
    println!("roundtrip count: {roundtrips}");
    println!("average latency: {latency:.3} [us]");
}
