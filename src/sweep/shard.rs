//! Shards of a sweep and their merge.
//!
//! `--shard K/N` runs the jobs with `job % N == K - 1` and writes
//! `part-K-of-N.json`: the sweep's spec (with the scenario text), the shard,
//! and its raw records. [`merge`] reads the N parts, checks that they come
//! from one sweep (same scenario text, seeds, grid, `--max-events`, edgesim
//! version and N, every K exactly once, each with exactly its jobs), and
//! reassembles the records by job index, so that the same aggregation gives
//! a sweep.json byte-identical to the unsharded sweep's.
//!
//! Measures are stored as the bits of their `f64` (`measure_bits`), since a
//! decimal round trip through JSON is not guaranteed exact.

use super::{RunRecord, SweepError, SweepSpec, SWEEP_SCHEMA_VERSION};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// Shard `k` of `n` (1 <= k <= n).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// This shard, from 1.
    pub k: u32,
    /// Shards in all.
    pub n: u32,
}

impl Shard {
    /// Whether job `job` belongs to this shard (`job % n == k - 1`).
    pub fn owns(&self, job: usize) -> bool {
        job % self.n as usize == (self.k - 1) as usize
    }

    /// The part file's name: `part-K-of-N.json`.
    pub fn file_name(&self) -> String {
        format!("part-{}-of-{}.json", self.k, self.n)
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.k, self.n)
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `K/N`.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("got \"{s}\"; expected K/N with 1 <= K <= N, such as 2/8 (the 2nd of 8 shards)");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (u32, u32) = (k.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        if k == 0 || n == 0 || k > n {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

/// What a shard's run cost (not compared on merge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartRun {
    /// Wall time, s.
    pub wall_s: f64,
    /// Threads in the pool.
    pub threads: usize,
}

/// One record as a part file stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartRecord {
    /// Job index in the whole sweep.
    pub job: usize,
    /// Grid point.
    pub point: usize,
    /// Replication.
    pub replication: u32,
    /// Seed.
    pub seed: u64,
    /// Error, if the run gave no summary.
    pub error: Option<String>,
    /// Expectations: [text, status].
    pub expectations: Vec<(String, String)>,
    /// Measures as `f64::to_bits`, exact.
    pub measure_bits: BTreeMap<String, u64>,
}

/// A part file: `part-K-of-N.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Part {
    /// Always `edgesim-sweep-part`.
    pub kind: String,
    /// Layout version.
    pub schema_version: u32,
    /// The edgesim version that ran it.
    pub edgesim_version: String,
    /// Which shard.
    pub shard: Shard,
    /// The sweep it belongs to.
    pub spec: SweepSpec,
    /// The scenario file's text (its hash is `spec.scenario_hash`).
    pub scenario_text: String,
    /// Jobs in the whole sweep.
    pub jobs: usize,
    /// What the shard's run cost.
    pub run: PartRun,
    /// The shard's records, in job order.
    pub records: Vec<PartRecord>,
}

/// The `kind` of a part file.
pub const PART_KIND: &str = "edgesim-sweep-part";

impl Part {
    /// A part from a shard's run.
    pub fn new(spec: &SweepSpec, scenario_text: &str, shard: Shard, records: &[RunRecord], run: PartRun) -> Part {
        let seeds = spec.seeds as usize;
        Part {
            kind: PART_KIND.to_string(),
            schema_version: SWEEP_SCHEMA_VERSION,
            edgesim_version: env!("CARGO_PKG_VERSION").to_string(),
            shard,
            spec: spec.clone(),
            scenario_text: scenario_text.to_string(),
            jobs: spec.jobs(),
            run,
            records: records
                .iter()
                .map(|r| PartRecord {
                    job: r.point * seeds + r.replication as usize,
                    point: r.point,
                    replication: r.replication,
                    seed: r.seed,
                    error: r.error.clone(),
                    expectations: r.expectations.clone(),
                    measure_bits: r.measures.iter().map(|(k, v)| (k.clone(), v.to_bits())).collect(),
                })
                .collect(),
        }
    }

    /// The part as JSON text.
    pub fn to_json(&self) -> Result<String, SweepError> {
        serde_json::to_string_pretty(self)
            .map(|s| s + "\n")
            .map_err(|e| SweepError::Input(format!("cannot encode the part file: {e}")))
    }
}

/// Every part file the arguments name: files as given, folders as their
/// `part-*-of-*.json` files (sorted by name).
pub fn expand_parts(args: &[PathBuf]) -> Result<Vec<PathBuf>, SweepError> {
    let mut files = Vec::new();
    for a in args {
        if a.is_dir() {
            let entries = std::fs::read_dir(a)
                .map_err(|e| SweepError::Input(format!("{}: cannot read the folder: {e}", a.display())))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("part-") && n.ends_with(".json") && n.contains("-of-"))
                })
                .collect();
            if found.is_empty() {
                return Err(SweepError::Input(format!(
                    "{}: no part-K-of-N.json file in this folder (written by `edgesim sweep --shard K/N`)",
                    a.display()
                )));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(a.clone());
        }
    }
    if files.is_empty() {
        return Err(SweepError::Input("no part file given; expected DIR/part-K-of-N.json files".into()));
    }
    Ok(files)
}

/// Reads one part file.
pub fn read_part(path: &Path) -> Result<Part, SweepError> {
    let name = path.display();
    let text = std::fs::read_to_string(path)
        .map_err(|e| SweepError::Input(format!("{name}: cannot read the part file: {e}")))?;
    let kind: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| SweepError::Input(format!("{name}: not a sweep part file (not JSON: {e})")))?;
    if kind.get("kind").and_then(|k| k.as_str()) != Some(PART_KIND) {
        return Err(SweepError::Input(format!(
            "{name}: not a sweep part file (expected \"kind\": \"{PART_KIND}\", written by `edgesim sweep --shard K/N`)"
        )));
    }
    let version = kind.get("schema_version").and_then(|v| v.as_u64());
    if version != Some(u64::from(SWEEP_SCHEMA_VERSION)) {
        return Err(SweepError::Input(format!(
            "{name}: part file layout version {} but this edgesim reads version {SWEEP_SCHEMA_VERSION}",
            version.map_or("unknown".to_string(), |v| v.to_string())
        )));
    }
    let part: Part =
        serde_json::from_value(kind).map_err(|e| SweepError::Input(format!("{name}: malformed part file: {e}")))?;
    if super::text_hash(part.scenario_text.as_bytes()) != part.spec.scenario_hash {
        return Err(SweepError::Input(format!(
            "{name}: its scenario text does not match its hash (the file was edited)"
        )));
    }
    check_counts(path, &part).map_err(|e| SweepError::Input(format!("{name}: {e}")))?;
    Ok(part)
}

/// The `K` and `N` a part file's name states, if it is named `part-K-of-N.json`.
fn named_shard(path: &Path) -> Option<(u32, u32)> {
    let name = path.file_name()?.to_str()?;
    let (k, n) = name.strip_prefix("part-")?.strip_suffix(".json")?.split_once("-of-")?;
    Some((k.parse().ok()?, n.parse().ok()?))
}

/// A part's numbers agree: 1 <= K <= N (and its name says the same), at
/// least one seed, as many jobs as the spec makes, and each record's
/// job, point, replication and seed are those of the sweep.
fn check_counts(path: &Path, part: &Part) -> Result<(), String> {
    let Shard { k, n } = part.shard;
    if k == 0 || n == 0 || k > n {
        return Err(format!("holds shard {k}/{n}; expected K/N with 1 <= K <= N"));
    }
    if let Some((nk, nn)) = named_shard(path) {
        if (nk, nn) != (k, n) {
            return Err(format!("its name says part {nk} of {nn} but it holds part {k}/{n} (the file was renamed)"));
        }
    }
    let spec = &part.spec;
    if spec.seeds == 0 {
        return Err("states 0 seeds per point; expected at least 1".into());
    }
    if part.jobs != spec.jobs() {
        return Err(format!("states {} jobs but its grid and seeds make {}", part.jobs, spec.jobs()));
    }
    let points = spec.points();
    for r in &part.records {
        let (point, replication) = spec.job(r.job);
        let label = points.get(point).map(super::Point::label);
        let expected = label.as_deref().map(|l| spec.seed(l, replication));
        if r.job >= part.jobs || (point, replication) != (r.point, r.replication) || expected != Some(r.seed) {
            return Err(format!(
                "the record of job {} (point {}, replication {}, seed {}) is not one of this sweep's runs \
                 (expected seed {}): the file was edited or is corrupt",
                r.job,
                r.point,
                r.replication,
                r.seed,
                expected.map_or("none: no such job".to_string(), |s| s.to_string())
            ));
        }
    }
    Ok(())
}

/// The first field in which two specs differ, for a message.
fn spec_difference(a: &SweepSpec, b: &SweepSpec) -> Option<String> {
    if a.scenario_hash != b.scenario_hash {
        return Some(format!(
            "the scenario text differs ({} hash {} vs {} hash {})",
            a.scenario_file, a.scenario_hash, b.scenario_file, b.scenario_hash
        ));
    }
    if a.master_seed != b.master_seed {
        return Some(format!("the master seed differs ({} vs {})", a.master_seed, b.master_seed));
    }
    if a.seeds != b.seeds {
        return Some(format!("--seeds differs ({} vs {})", a.seeds, b.seeds));
    }
    if a.axes != b.axes {
        let flags = |s: &SweepSpec| s.axes.iter().map(super::Axis::flag).collect::<Vec<_>>().join(" ");
        return Some(format!("the grid differs ([{}] vs [{}])", flags(a), flags(b)));
    }
    if a.max_events != b.max_events {
        return Some(format!("--max-events differs ({:?} vs {:?})", a.max_events, b.max_events));
    }
    (a != b).then(|| format!("the scenario differs ({} vs {})", a.scenario_name, b.scenario_name))
}

/// A merged sweep: the spec, the scenario text, every record in job order,
/// and each part's cost.
#[derive(Debug, Clone)]
pub struct Merged {
    /// The sweep's spec (as part 1 states it).
    pub spec: SweepSpec,
    /// The scenario text.
    pub scenario_text: String,
    /// Every job's record, in job order.
    pub records: Vec<RunRecord>,
    /// Each part's cost, by K.
    pub parts: Vec<(Shard, PartRun)>,
}

/// Reads and checks part files and reassembles their records by job index.
pub fn merge(paths: &[PathBuf]) -> Result<Merged, SweepError> {
    let files = expand_parts(paths)?;
    let mut parts: Vec<(PathBuf, Part)> = Vec::with_capacity(files.len());
    for f in &files {
        parts.push((f.clone(), read_part(f)?));
    }
    let (first_path, first) = &parts[0];
    let n = first.shard.n;
    let mut by_k: BTreeMap<u32, &Path> = BTreeMap::new();
    for (path, part) in &parts {
        let here = path.display();
        if part.edgesim_version != first.edgesim_version {
            return Err(SweepError::Input(format!(
                "{here} was written by edgesim {} but {} by edgesim {}; rerun the shards with one version",
                part.edgesim_version,
                first_path.display(),
                first.edgesim_version
            )));
        }
        if part.shard.n != n {
            return Err(SweepError::Input(format!(
                "{here} is part {} but {} is part {}: the parts come from different shardings",
                part.shard,
                first_path.display(),
                first.shard
            )));
        }
        if let Some(d) = spec_difference(&first.spec, &part.spec) {
            return Err(SweepError::Input(format!(
                "{here} and {} belong to different sweeps: {d}",
                first_path.display()
            )));
        }
        if let Some(other) = by_k.insert(part.shard.k, path) {
            return Err(SweepError::Input(format!(
                "part {} of {n} is given twice ({} and {here})",
                part.shard.k,
                other.display()
            )));
        }
    }
    let missing: Vec<String> = (1..=n).filter(|k| !by_k.contains_key(k)).map(|k| k.to_string()).collect();
    if !missing.is_empty() {
        return Err(SweepError::Input(format!(
            "parts {} of {n} are missing (given: {}); merge needs all {n}",
            missing.join(", "),
            by_k.keys().map(|k| k.to_string()).collect::<Vec<_>>().join(", ")
        )));
    }
    let spec = first.spec.clone();
    let scenario_text = first.scenario_text.clone();
    let jobs = spec.jobs();
    let mut slots: Vec<Option<RunRecord>> = vec![None; jobs];
    let mut costs = Vec::new();
    for (path, part) in parts {
        let here = path.display();
        let expected = (0..jobs).filter(|j| part.shard.owns(*j)).count();
        if part.jobs != jobs || part.records.len() != expected {
            return Err(SweepError::Input(format!(
                "{here} holds {} runs but part {} of a {jobs}-run sweep has {expected}: the file is incomplete",
                part.records.len(),
                part.shard
            )));
        }
        for r in part.records {
            let (point, replication) = spec.job(r.job);
            let ok = r.job < jobs && part.shard.owns(r.job) && (point, replication) == (r.point, r.replication);
            if !ok || slots[r.job].is_some() {
                return Err(SweepError::Input(format!(
                    "{here}: the record of job {} (point {}, replication {}) does not belong to part {}",
                    r.job, r.point, r.replication, part.shard
                )));
            }
            slots[r.job] = Some(RunRecord {
                point: r.point,
                replication: r.replication,
                seed: r.seed,
                measures: r.measure_bits.into_iter().map(|(k, b)| (k, f64::from_bits(b))).collect(),
                expectations: r.expectations,
                error: r.error,
            });
        }
        costs.push((part.shard, part.run));
    }
    costs.sort_by_key(|(s, _)| s.k);
    let records: Option<Vec<RunRecord>> = slots.into_iter().collect();
    let records = records.ok_or_else(|| SweepError::Input("the parts do not cover every job of the sweep".into()))?;
    Ok(Merged { spec, scenario_text, records, parts: costs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_parse_and_partition_jobs() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { k: 2, n: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
        let shards: Vec<Shard> = (1..=3).map(|k| Shard { k, n: 3 }).collect();
        for job in 0..20 {
            assert_eq!(shards.iter().filter(|s| s.owns(job)).count(), 1);
        }
        assert_eq!(Shard { k: 2, n: 3 }.file_name(), "part-2-of-3.json");
    }
}
