//! The references `cargo xtask compare` measures ferrozmq's perf tools
//! against, measured in the same run on the same machine:
//!
//! - libzmq's six perf tools (`libzmq_local_thr`, `libzmq_remote_thr`,
//!   `libzmq_local_lat`, `libzmq_remote_lat`, `libzmq_inproc_thr`,
//!   `libzmq_inproc_lat`), the loops of libzmq's `perf/*.cpp` written against
//!   the `zmq` crate (libzmq 4.3.4 built from source), with the arguments, the
//!   output lines and the `pubsub` mode of ferrozmq's tools in
//!   `ferrozmq-benches`;
//! - the raw socket limits (`raw_local_thr`, `raw_remote_thr`,
//!   `raw_local_lat`, `raw_remote_lat`): the same streaming and ping-pong
//!   over a plain TCP or unix-domain socket with std only, printing the same
//!   lines (see [`raw`]).
//!
//! Every tool prints its results through [`report`], in libzmq's format.
//!
//! One more binary, `conns` (`cargo xtask conns`), measures the resident
//! memory per idle connection of a REP server, ferrozmq's and libzmq's in
//! the same run; it prints its own table.
//!
//! The tools share argument parsing and failure reports with ferrozmq's
//! ([`perf`], the same source file, included by path: this package may not
//! depend on the benches package, a leaf).

#[path = "../../src/perf.rs"]
pub mod perf;
pub mod raw;
pub mod report;
