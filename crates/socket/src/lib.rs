//! Contexts, I/O threads, transports and socket patterns.
//!
//! Not built yet. This crate will hold `Context`, the mio I/O threads, the tcp,
//! ipc and inproc transports, the pipes between sockets and sessions, and the
//! socket patterns. Today it exports nothing.
