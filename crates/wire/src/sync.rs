//! The synchronisation types this crate names: only `Arc`, to hold the
//! socket's receive allocator (`Arc<dyn RecvAllocator>`). The wire layer has
//! no threads and no shared mutable state, so there is nothing for loom to
//! model here; this module exists so `std::sync` is named in one place.

pub(crate) use std::sync::Arc;
