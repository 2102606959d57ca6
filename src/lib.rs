//! edgesim: a deterministic discrete-event simulator of a global edge network.
pub mod engine;
