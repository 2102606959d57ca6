//! The state-region names: the vocabulary the file uses for where Durable
//! Objects live, the KV primaries and the control plane (the seed's US, EU
//! and APAC, written `NA`, `EU`, `APAC`). The scenario validates names
//! against this table; the models index their per-region tables by it. The
//! catalog's PoP regions (`ROW` included) are the world's, not these.

/// The state regions: where Durable Objects live, the KV primaries and the
/// control plane (the seed's US, EU and APAC).
pub const STATE_REGIONS: [&str; 3] = ["NA", "EU", "APAC"];

/// The index of a state region by name (case-insensitive).
pub fn state_region(name: &str) -> Option<usize> {
    STATE_REGIONS.iter().position(|r| r.eq_ignore_ascii_case(name))
}
