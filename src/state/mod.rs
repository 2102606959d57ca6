//! State: Durable Objects (WAL, snapshots, migration), the replicated KV
//! with its edge caches, and the rate limiters built on them.

pub mod durable;
pub mod kv;
pub mod ratelimit;

/// The state regions: where Durable Objects live, the KV primaries and the
/// control plane (the seed's US, EU and APAC).
pub const STATE_REGIONS: [&str; 3] = ["NA", "EU", "APAC"];

/// The index of a state region by name (case-insensitive).
pub fn state_region(name: &str) -> Option<usize> {
    STATE_REGIONS.iter().position(|r| r.eq_ignore_ascii_case(name))
}
