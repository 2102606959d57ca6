//! State: Durable Objects (WAL, snapshots, migration), the replicated KV
//! with its edge caches, and the rate limiters built on them, as in the
//! seeds. Each is plain data with methods the loop (`sim`) calls; region
//! names come from [`crate::scenario::regions`]. Storage engines, consensus
//! and the network between regions beyond a lag are not modelled.

pub mod durable;
pub mod kv;
pub mod ratelimit;
pub mod replicas;
