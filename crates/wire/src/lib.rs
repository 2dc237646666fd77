//! ZMTP 3.x as a sans-IO state machine: greeting, mechanisms, framing.
//!
//! Not built yet. This crate will hold the greeting and version negotiation,
//! the NULL, PLAIN and CURVE mechanisms, and the frame and command codec, all
//! as pure state machines (bytes in, events out) with no sockets, threads or
//! clocks. Today it exports nothing.

#![forbid(unsafe_code)]
