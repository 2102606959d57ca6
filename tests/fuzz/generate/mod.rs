//! Scenario-file generators for the fuzzer: random complete scenarios
//! ([`structural`]), hostile edits of them ([`hostile`]), and line-level
//! mutations of the shipped scenario files ([`shipped`]), all written
//! through the small document model of [`doc`].
//!
//! Every generator draws from one [`TestRng`] through [`Gen`], so a case is
//! reproduced by its seed alone; this file also holds the hostile values
//! the edits write and the list of what they put in that must be rejected.

mod doc;
mod hostile;
mod shipped;
mod structural;

pub use hostile::hostile;
pub use shipped::{mutate_text, shorten};
pub use structural::structural;

use doc::{q, raw, Value};
use proptest::prelude::RngExt;
use proptest::test_runner::TestRng;

/// Values that replace a number, a duration or a string in hostile cases.
pub const HOSTILE: &[&str] = &[
    "0",
    "-1",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "1e9",
    "4294967295",
    "1.5",
    "\"0s\"",
    "\"1ns\"",
    "\"277777h\"",
    "\"\"",
    "[]",
    "[1, 2, 3]",
    "-9223372036854775808",
    "9223372036854775807",
    "0.0",
    "-0.0",
    "1e-300",
    "\"1e18ns\"",
    "\"0.5ns\"",
    "\"1e308s\"",
    "\"nan s\"",
    "\"-0s\"",
    "\"100000h\"",
    "\"XXX\"",
    "true",
    "{ }",
    "[\"1s\", \"2s\", \"3s\"]",
    "4294967296",
    "65536",
    "1000000",
];

/// The hostile values that most often reach a bug: zeros, empties,
/// non-finite and huge numbers, zero and huge durations.
pub const HOSTILE_CORE: &[&str] =
    &["0", "-1", "nan", "inf", "1e308", "4294967295", "1e9", "\"0s\"", "\"1ns\"", "\"277777h\"", "[]", "\"\""];

/// What an edit put in that every reader must reject: (what, text it wrote).
pub type MustReject = Vec<(String, String)>;

/// Random choices over a [`TestRng`].
pub struct Gen<'a> {
    rng: &'a mut TestRng,
}

impl<'a> Gen<'a> {
    /// Choices drawn from `rng`.
    pub fn new(rng: &'a mut TestRng) -> Self {
        Gen { rng }
    }
    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p)
    }
    /// An integer in `lo..=hi`.
    pub fn int(&mut self, lo: u64, hi: u64) -> u64 {
        self.rng.random_range(lo..=hi)
    }
    /// An index below `n` (n > 0).
    pub fn index(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n)
    }
    /// One of `items`.
    pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())].clone()
    }
    /// A fraction in [lo, hi], two decimals.
    fn frac(&mut self, lo: f64, hi: f64) -> Value {
        let v = lo + (hi - lo) * self.rng.random::<f64>();
        raw(format!("{:.2}", v))
    }
    /// A duration string between `lo_ms` and `hi_ms` milliseconds.
    fn dur_ms(&mut self, lo_ms: u64, hi_ms: u64) -> Value {
        let ms = self.int(lo_ms, hi_ms);
        if ms % 1000 == 0 && self.chance(0.7) {
            q(&format!("{}s", ms / 1000))
        } else {
            q(&format!("{ms}ms"))
        }
    }
}
