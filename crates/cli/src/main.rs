//! The `fzmq` command.
//!
//! Not built yet: `fzmq bench` and the shell-level sockets come with the socket
//! layer. Today it only says so and exits with an error.

fn main() {
    eprintln!("fzmq: no commands yet; sockets and benchmarks are not built");
    std::process::exit(2);
}
