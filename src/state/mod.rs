//! State: Durable Objects (WAL, snapshots, migration), the replicated KV
//! with its edge caches, and the rate limiters built on them.

pub mod durable;
pub mod kv;
pub mod ratelimit;
