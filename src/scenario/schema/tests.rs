//! Tests of the schema: no field reads an unchecked number, and the tagged
//! tables (`dist`, `policy`, `model`) take only their own keys.

use super::*;
use std::path::Path;

/// Field lines of the schema's files whose type is a bare number, with why each
/// is allowed. Anything else must use a checked type of `units`.
const ALLOWED_BARE_NUMBERS: &[&str] = &[
    // Every u64 is a valid seed.
    "pub seed: u64,",
    // Built only from `RawRetry`, whose `retries` is a `Count<0, MAX_RETRIES>`.
    "retries: u32,",
];

/// True if `line` declares a field (`name: Type`) whose type holds a
/// primitive number, or an expectation whose bound is one.
fn declares_bare_number(line: &str) -> bool {
    const PRIMITIVES: [&str; 12] =
        ["f32", "f64", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64"];
    let t = line.trim();
    let t = t.strip_prefix("pub ").unwrap_or(t);
    let type_text = match t.split_once(':') {
        Some((name, ty)) if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') => ty,
        // `Name, bound Read => Out {`: what is read from the file is `Read`.
        _ => match t.split_once("bound ") {
            Some((_, ty)) => ty.split("=>").next().unwrap_or(ty),
            None => return false,
        },
    };
    type_text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).any(|word| PRIMITIVES.contains(&word))
}

/// The text of every file of the schema but this one, with its name.
fn schema_sources() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/scenario/schema");
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("the schema folder")
        .map(|e| e.expect("a schema file").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs") && !p.ends_with("tests.rs"))
        .map(|p| {
            let name = p.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned());
            (name, std::fs::read_to_string(&p).expect("a readable schema file"))
        })
        .collect();
    files.sort();
    files
}

#[test]
fn no_schema_field_is_a_bare_number() {
    let sources = schema_sources();
    // Every part of the file is read: the whole file's table and the parts' tables.
    let all: String = sources.iter().map(|(_, s)| s.as_str()).collect();
    for table in ["pub struct ScenarioSpec", "pub struct TrafficSpec", "pub struct KvSpec", "pub enum ExpectSpec"] {
        assert!(all.contains(table), "{table} not found in {:?}", sources.iter().map(|f| &f.0).collect::<Vec<_>>());
    }
    let bare: Vec<String> = sources
        .iter()
        .flat_map(|(name, source)| {
            let tests_start = source.find("#[cfg(test)]").unwrap_or(source.len());
            source[..tests_start]
                .lines()
                .filter(|l| declares_bare_number(l))
                .filter(|l| !ALLOWED_BARE_NUMBERS.contains(&l.trim()))
                .map(|l| format!("{name}: {}", l.trim()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(bare.is_empty(), "schema fields with unchecked numbers (use a type of scenario::units): {bare:#?}");
}

#[test]
fn the_guard_sees_bare_numbers() {
    for line in
        ["    pub rate: f64,", "pub keys: Spanned<u32>,", "    lag: Option<Vec<f64>>,", "    Foo, bound f64 => Rate {"]
    {
        assert!(declares_bare_number(line), "{line}");
    }
    for line in [
        "    pub rate: Rate,",
        "    Foo, bound Rate => f64 {",
        "fn one() -> f64 {",
        "pub const MAX_RETRIES: u32 = 10;",
        "/// keys: u32",
    ] {
        assert!(!declares_bare_number(line), "{line}");
    }
}

fn dist(text: &str) -> Result<DistSpec, String> {
    #[derive(Deserialize)]
    struct T {
        d: DistSpec,
    }
    toml::from_str::<T>(&format!("d = {text}")).map(|t| t.d).map_err(|e| e.message().to_string())
}

#[test]
fn a_dist_table_takes_only_its_own_keys() {
    assert_eq!(
        dist(r#"{ dist = "uniform", min = "1ms", max = "2ms" }"#),
        Ok(DistSpec::Uniform {
            min: Duration(crate::engine::SimDuration::from_millis(1)),
            max: Duration(crate::engine::SimDuration::from_millis(2))
        })
    );
    let err = dist(r#"{ dist = "exponential", mean = "1ms", max = "2ms" }"#).unwrap_err();
    assert!(err.contains("unknown field `max`"), "{err}");
    let err = dist(r#"{ dist = "exponential", mean = "1ms", mena = "2ms" }"#).unwrap_err();
    assert!(err.contains("unknown field `mena`"), "{err}");
    let err = dist(r#"{ dist = "lognormal", p50 = "1ms" }"#).unwrap_err();
    assert!(err.contains("missing field `p99`"), "{err}");
    let err = dist(r#"{ dist = "uniform", min = "3ms", max = "2ms" }"#).unwrap_err();
    assert!(err.contains("min (3ms) is greater than max (2ms)"), "{err}");
    let err = dist(r#"{ dist = "lognormal", p50 = "3ms", p99 = "3ms" }"#).unwrap_err();
    assert!(err.contains("0 < p50 < p99"), "{err}");
}

fn retry(text: &str) -> Result<RetrySpec, String> {
    #[derive(Deserialize)]
    struct T {
        r: RetrySpec,
    }
    toml::from_str::<T>(&format!("r = {text}")).map(|t| t.r).map_err(|e| e.message().to_string())
}

#[test]
fn a_retry_table_takes_only_its_policys_keys() {
    assert_eq!(retry(r#"{ policy = "none" }"#), Ok(RetrySpec::None));
    assert_eq!(
        retry(r#"{ policy = "immediate", retries = 3 }"#),
        Ok(RetrySpec::Immediate { retries: 3, budget: None })
    );
    for (bad, why) in [
        (r#"{ policy = "none", retries = 2 }"#, "unknown field `retries`"),
        (r#"{ policy = "immediate", retries = 2, jitter = "full" }"#, "unknown field `jitter`"),
        (r#"{ policy = "exponential", backof = ["1s"] }"#, "unknown field `backof`"),
        (r#"{ policy = "exponential", backoff = [] }"#, "0 waits; expected 1 to 10"),
        (r#"{ policy = "immediate", retries = 11 }"#, "got 11; expected a whole number from 0 to 10"),
        (r#"{ policy = "immediate" }"#, "missing field `retries`"),
    ] {
        let err = retry(bad).unwrap_err();
        assert!(err.contains(why), "{bad}: {err}");
    }
}

#[test]
fn a_convergence_table_takes_only_its_models_keys() {
    #[derive(Deserialize)]
    struct T {
        c: ConvergenceSpec,
    }
    let parse = |text: &str| toml::from_str::<T>(&format!("c = {text}")).map(|t| t.c).map_err(|e| e.to_string());
    assert_eq!(parse(r#"{ model = "measured" }"#), Ok(ConvergenceSpec::Measured));
    for (bad, why) in [
        (r#"{ model = "measured", last = "20s" }"#, "unknown field `last`"),
        (r#"{ model = "fixed", last = "20s", frist = "1s" }"#, "unknown field `frist`"),
        (r#"{ model = "fixed", first = "30s", last = "20s" }"#, "first (30s) is after last (20s)"),
        (r#"{ model = "fixed", first = "1s" }"#, "missing field `last`"),
    ] {
        let err = parse(bad).unwrap_err();
        assert!(err.contains(why), "{bad}: {err}");
    }
}
