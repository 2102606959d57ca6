//! Resilience patterns of clients and PoPs: circuit breakers (the seed's
//! consecutive-failure breaker and a failure-rate one) and retry policies
//! (the seed's table, with jitter and budgets). Each is a state machine
//! the loop (`sim`) consults; who retries what, and when, is the loop's.

pub mod bank;
pub mod breaker;
pub mod retry;
