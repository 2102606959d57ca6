//! Resilience patterns of clients and PoPs: retry policies.

pub mod retry;
