//! Grid axes (`--set path=v1,v2,...`), their cartesian product, and the
//! scenario text of each grid point.
//!
//! A path is dotted keys into the scenario's TOML document
//! (`pops.LAX.servers`, `anycast.health_check.interval`); a key made of
//! digits indexes an array of tables from 1, as expectations number faults
//! (`fault.1.at` is the first `[[fault]]`'s `at`). Missing tables on the way
//! are created. A value that parses as a TOML integer, float or boolean is
//! that, anything else is a string (`5s`, `lognormal`, `LAX`); when the path
//! already holds a float an integer becomes a float, and when it holds a
//! string the value stays the text given.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One `--set`: a path and the values it takes, in the order given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Axis {
    /// Dotted path into the scenario document.
    pub path: String,
    /// Its values, canonical (see [`canonical_value`]), in the order given.
    pub values: Vec<String>,
}

impl Axis {
    /// The `--set` flag as a user would write it.
    pub fn flag(&self) -> String {
        format!("--set {}={}", self.path, self.values.join(","))
    }
}

/// An error in a `--set` flag: the flag as given and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetError {
    /// The flag, as `--set path=values`.
    pub flag: String,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for SetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.flag, self.message)
    }
}

impl std::error::Error for SetError {}

/// One grid point: a value for every axis, in axis order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    /// Position in the grid (the cartesian product, first axis slowest).
    pub index: usize,
    /// `(path, value)` for every axis, in axis order.
    pub settings: Vec<(String, String)>,
}

impl Point {
    /// The canonical label `path=value,path=value` (empty without axes):
    /// with the replication index it derives the replication seeds.
    pub fn label(&self) -> String {
        self.settings.iter().map(|(p, v)| format!("{p}={v}")).collect::<Vec<_>>().join(",")
    }
}

fn set_error(raw: &str, message: impl Into<String>) -> SetError {
    SetError { flag: format!("--set {raw}"), message: message.into() }
}

/// Whether a path key is a TOML bare key (letters, digits, `_`, `-`).
fn bare_key(k: &str) -> bool {
    !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Parses one `--set path=v1,v2,...` flag (without the `--set`).
pub fn parse_set(raw: &str) -> Result<Axis, SetError> {
    let Some((path, values)) = raw.split_once('=') else {
        return Err(set_error(raw, "expected path=value[,value...], such as pops.LAX.servers=8,12,16"));
    };
    let path = path.trim();
    if path.is_empty() {
        return Err(set_error(raw, "the path before '=' is empty; expected a dotted path such as pops.LAX.servers"));
    }
    if let Some(bad) = path.split('.').find(|k| !bare_key(k)) {
        let what = if bad.is_empty() { "an empty key".to_string() } else { format!("the key \"{bad}\"") };
        return Err(set_error(
            raw,
            format!(
                "{what} in the path \"{path}\"; expected keys of letters, digits, '_' or '-' joined by '.', such as \
                 anycast.health_check.interval"
            ),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for v in values.split(',') {
        let v = v.trim();
        if v.is_empty() {
            return Err(set_error(raw, "an empty value; expected values separated by ',' such as 8,12,16"));
        }
        let canon = canonical_value(v);
        if out.contains(&canon) {
            return Err(set_error(raw, format!("the value {canon} is given twice; each grid point must be distinct")));
        }
        out.push(canon);
    }
    Ok(Axis { path: path.to_string(), values: out })
}

/// Checks a set of axes together: no path given twice, none inside another.
pub fn check_axes(axes: &[Axis]) -> Result<(), SetError> {
    for (i, a) in axes.iter().enumerate() {
        for b in &axes[..i] {
            let inside = |x: &str, y: &str| x.len() > y.len() && x.starts_with(y) && x.as_bytes()[y.len()] == b'.';
            if a.path == b.path || inside(&a.path, &b.path) || inside(&b.path, &a.path) {
                return Err(SetError {
                    flag: a.flag(),
                    message: format!(
                        "overlaps {} (one --set per path; give every value of an axis in one flag)",
                        b.flag()
                    ),
                });
            }
        }
    }
    Ok(())
}

/// The TOML value a `--set` value text stands for: an integer, float or
/// boolean when it parses as one, else a string.
pub fn parse_value(text: &str) -> toml::Value {
    if let Ok(t) = format!("v = {text}").parse::<toml::Table>() {
        if t.len() == 1 {
            if let Some(v @ (toml::Value::Integer(_) | toml::Value::Float(_) | toml::Value::Boolean(_))) = t.get("v") {
                return v.clone();
            }
        }
    }
    toml::Value::String(text.to_string())
}

/// The canonical text of a value: integers and floats as TOML writes them
/// (`1_000` is `1000`, `1.50` is `1.5`), booleans, and strings as given.
pub fn canonical_value(text: &str) -> String {
    match parse_value(text) {
        toml::Value::String(s) => s,
        v => v.to_string(),
    }
}

/// The grid: the cartesian product of the axes in the order given, the
/// first axis varying slowest. No axis gives one point with no settings.
pub fn points(axes: &[Axis]) -> Vec<Point> {
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for axis in axes {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                axis.values.iter().map(move |v| {
                    let mut next = c.clone();
                    next.push((axis.path.clone(), v.clone()));
                    next
                })
            })
            .collect();
    }
    combos.into_iter().enumerate().map(|(index, settings)| Point { index, settings }).collect()
}

/// What a path segment found where a table or array was needed.
fn type_name(v: &toml::Value) -> &'static str {
    match v {
        toml::Value::String(_) => "a string",
        toml::Value::Integer(_) => "an integer",
        toml::Value::Float(_) => "a float",
        toml::Value::Boolean(_) => "a boolean",
        toml::Value::Datetime(_) => "a date-time",
        toml::Value::Array(_) => "an array",
        toml::Value::Table(_) => "a table",
    }
}

/// The value to store, given what the path held before (see the module doc).
fn coerce(text: &str, old: Option<&toml::Value>) -> toml::Value {
    let new = parse_value(text);
    match (old, new) {
        (Some(toml::Value::Float(_)), toml::Value::Integer(i)) => toml::Value::Float(i as f64),
        (Some(toml::Value::String(_)), v) if !v.is_str() => toml::Value::String(text.to_string()),
        (_, v) => v,
    }
}

/// Sets `path` to `value` in `doc`, creating missing tables; the error says
/// which part of the path could not be followed.
pub fn set_path(doc: &mut toml::Table, path: &str, value: &str) -> Result<(), String> {
    let keys: Vec<&str> = path.split('.').collect();
    let Some((last, parents)) = keys.split_last() else {
        return Err("the path is empty".to_string());
    };
    let mut table = doc;
    for (depth, key) in parents.iter().enumerate() {
        let here = keys[..=depth].join(".");
        let next_is_index = keys[depth + 1].bytes().all(|b| b.is_ascii_digit());
        if next_is_index && !table.contains_key(*key) {
            return Err(format!(
                "{here} is not in the scenario; a number in a path indexes an array of tables the file already has \
                 (such as fault.1.at for the first [[fault]])"
            ));
        }
        let entry = table.entry(key.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        table = match entry {
            toml::Value::Table(t) => t,
            toml::Value::Array(items) => {
                let next = keys[depth + 1];
                if !next_is_index {
                    return Err(format!(
                        "{here} is an array of {} entries; index it from 1, such as {here}.1.{}",
                        items.len(),
                        keys[depth + 1..].join(".")
                    ));
                }
                return set_in_array(items, &here, next, &keys[depth + 2..], value);
            }
            other => {
                return Err(format!(
                    "{here} is {} ({other}), not a table; the path cannot go inside it",
                    type_name(other)
                ));
            }
        };
    }
    let stored = coerce(value, table.get(*last));
    table.insert(last.to_string(), stored);
    Ok(())
}

/// Continues [`set_path`] into element `index` (1-based) of an array.
fn set_in_array(items: &mut [toml::Value], here: &str, index: &str, rest: &[&str], value: &str) -> Result<(), String> {
    let len = items.len();
    let i: usize = index.parse().map_err(|_| format!("{here}.{index}: not an index"))?;
    if i == 0 || i > len {
        return Err(format!("{here} has {len} entries; the index {i} is outside 1..={len}"));
    }
    let item = &mut items[i - 1];
    if rest.is_empty() {
        *item = coerce(value, Some(item));
        return Ok(());
    }
    match item {
        toml::Value::Table(t) => set_path(t, &rest.join("."), value),
        other => Err(format!("{here}.{i} is {}, not a table; the path cannot go inside it", type_name(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_as_toml_scalars_or_strings() {
        assert_eq!(parse_value("8"), toml::Value::Integer(8));
        assert_eq!(parse_value("1_000"), toml::Value::Integer(1000));
        assert_eq!(parse_value("0.5"), toml::Value::Float(0.5));
        assert_eq!(parse_value("true"), toml::Value::Boolean(true));
        assert_eq!(parse_value("5s"), toml::Value::String("5s".into()));
        assert_eq!(parse_value("1\nx = 2"), toml::Value::String("1\nx = 2".into()));
        assert_eq!(canonical_value("1.50"), "1.5");
        assert_eq!(canonical_value("2m"), "2m");
    }

    #[test]
    fn sets_parse_and_reject_bad_flags() {
        let a = parse_set("pops.LAX.servers=8, 12,16").expect("valid");
        assert_eq!(a, Axis { path: "pops.LAX.servers".into(), values: vec!["8".into(), "12".into(), "16".into()] });
        for bad in ["pops.LAX.servers", "=8", "pops..servers=8", "pops.LAX.servers=8,,9", "a b=1", "x=1,1"] {
            let e = parse_set(bad).expect_err(bad);
            assert!(e.to_string().starts_with(&format!("--set {bad}: ")), "{e}");
        }
        let axes = [parse_set("a.b=1").expect("a.b"), parse_set("a.b.c=2").expect("a.b.c")];
        assert!(check_axes(&axes).is_err());
        assert!(check_axes(&[parse_set("a.b=1").expect("a"), parse_set("a.bc=1").expect("b")]).is_ok());
    }

    #[test]
    fn the_grid_is_the_product_in_flag_order() {
        let axes = [parse_set("a=1,2").expect("a"), parse_set("b=x,y,z").expect("b")];
        let labels: Vec<String> = points(&axes).iter().map(Point::label).collect();
        assert_eq!(labels, ["a=1,b=x", "a=1,b=y", "a=1,b=z", "a=2,b=x", "a=2,b=y", "a=2,b=z"]);
        assert_eq!(points(&[]).len(), 1);
        assert_eq!(points(&[]).first().map(Point::label), Some(String::new()));
    }

    #[test]
    fn paths_create_tables_index_arrays_and_keep_types() {
        let mut doc: toml::Table =
            "[traffic]\nrps = 10.0\n[scenario]\nname = \"x\"\n[[fault]]\nat = \"1m\"\n".parse().expect("toml");
        set_path(&mut doc, "pops.LAX.servers", "12").expect("creates tables");
        set_path(&mut doc, "traffic.rps", "30").expect("float");
        set_path(&mut doc, "scenario.name", "2024").expect("string");
        set_path(&mut doc, "fault.1.at", "2m").expect("array index");
        assert_eq!(doc["pops"]["LAX"]["servers"], toml::Value::Integer(12));
        assert_eq!(doc["traffic"]["rps"], toml::Value::Float(30.0));
        assert_eq!(doc["scenario"]["name"], toml::Value::String("2024".into()));
        assert_eq!(doc["fault"][0]["at"], toml::Value::String("2m".into()));
        assert!(set_path(&mut doc, "fault.2.at", "2m").expect_err("out of range").contains("1..=1"));
        assert!(set_path(&mut doc, "fault.at", "2m").expect_err("no index").contains("fault.1.at"));
        assert!(set_path(&mut doc, "scenario.name.x", "1").expect_err("scalar").contains("not a table"));
        assert!(set_path(&mut doc, "expect.1.rto", "1").expect_err("no array").contains("not in the scenario"));
    }
}
