//! inproc endpoints: a name within one context ([`InprocEndpoint`], as
//! libzmq's `zmq_inproc(7)` takes it). Which names are bound is the
//! context's business, not this module's.

use core::fmt;

/// An inproc endpoint: a non-empty name, unique among the binds of one
/// context. Any other string is a valid name.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct InprocEndpoint {
    name: String,
}

impl InprocEndpoint {
    /// Wraps the part after `inproc://` (non-empty: the caller checked).
    pub(super) fn new(name: &str) -> Self {
        debug_assert!(!name.is_empty());
        Self {
            name: name.to_owned(),
        }
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl fmt::Display for InprocEndpoint {
    /// The name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}
