//! Resilience patterns of clients and PoPs: circuit breakers and retry
//! policies (with jitter and budgets).

pub mod breaker;
pub mod retry;
