//! Hostile edits of a generated document: values replaced by hostile
//! ones, unknown keys in nested tables, lists emptied, distributions
//! inverted, tables removed or duplicated; and the edits no reader may
//! accept, which [`never_valid`] names.

use super::doc::{raw, Doc, Value};
use super::{Gen, MustReject, HOSTILE, HOSTILE_CORE};

/// Paths to every scalar value of a document: table index, then keys.
fn leaves(d: &Doc) -> Vec<(usize, Vec<usize>)> {
    fn walk(items: &[(String, Value)], path: &mut Vec<usize>, t: usize, out: &mut Vec<(usize, Vec<usize>)>) {
        for (i, (_, v)) in items.iter().enumerate() {
            path.push(i);
            match v {
                Value::Raw(_) => out.push((t, path.clone())),
                Value::Inline(inner) => walk(inner, path, t, out),
            }
            path.pop();
        }
    }
    let mut out = Vec::new();
    for (t, table) in d.tables.iter().enumerate() {
        walk(&table.entries, &mut Vec::new(), t, &mut out);
    }
    out
}

/// The entry list that holds the value at `path` (all but its last step).
fn entries_at<'d>(d: &'d mut Doc, t: usize, path: &[usize]) -> &'d mut Vec<(String, Value)> {
    let mut items = &mut d.tables[t].entries;
    for &i in &path[..path.len() - 1] {
        match &mut items[i].1 {
            Value::Inline(inner) => items = inner,
            Value::Raw(_) => unreachable!("paths only pass through inline tables"),
        }
    }
    items
}

/// The value at `path`.
fn value_at<'d>(d: &'d Doc, t: usize, path: &[usize]) -> &'d Value {
    let mut items = &d.tables[t].entries;
    for &i in &path[..path.len() - 1] {
        match &items[i].1 {
            Value::Inline(inner) => items = inner,
            Value::Raw(_) => unreachable!("paths only pass through inline tables"),
        }
    }
    &items[path[path.len() - 1]].1
}

/// Every inline table and table of the document, as (table, path to it).
fn containers(d: &Doc) -> Vec<(usize, Vec<usize>)> {
    let mut out = Vec::new();
    for (t, table) in d.tables.iter().enumerate() {
        out.push((t, Vec::new()));
        for (i, (_, v)) in table.entries.iter().enumerate() {
            if let Value::Inline(inner) = v {
                out.push((t, vec![i]));
                for (j, (_, w)) in inner.iter().enumerate() {
                    if matches!(w, Value::Inline(_)) {
                        out.push((t, vec![i, j]));
                    }
                }
            }
        }
    }
    out
}

fn container_mut<'d>(d: &'d mut Doc, t: usize, path: &[usize]) -> &'d mut Vec<(String, Value)> {
    let mut items = &mut d.tables[t].entries;
    for &i in path {
        match &mut items[i].1 {
            Value::Inline(inner) => items = inner,
            Value::Raw(_) => unreachable!("containers are inline tables"),
        }
    }
    items
}

/// Why `key = value` can never be valid, for values the hostile edits write.
fn never_valid(key: &str, value: &str) -> Option<&'static str> {
    let reason = match value {
        v if v.contains("min = \"10ms\", max = \"1ms\"") => "a uniform distribution with min > max",
        v if v.contains("p50 = \"10ms\", p99 = \"1ms\"") => "a lognormal distribution with p99 < p50",
        v if v.contains("p50 = \"0s\", p99 = \"0s\"") => "a lognormal distribution with p50 = p99 = 0",
        v if v.contains("first = \"20s\", last = \"1s\"") => "a convergence with first > last",
        v if v.contains("retries = 4294967295") => "4294967295 retries",
        "[\"1s\", \"2s\", \"3s\"]" if key == "window" => "a window of 3 times",
        "[\"5s\", \"1s\"]" if key == "window" => "a window that ends before it starts",
        _ => return None,
    };
    Some(reason)
}

/// Applies 1 to 3 hostile edits to a generated document; returns what was
/// done and what the edits put in that must be rejected.
pub fn hostile(g: &mut Gen, d: &mut Doc) -> (Vec<String>, MustReject) {
    let mut log = Vec::new();
    let mut reject = MustReject::new();
    let edits = if g.chance(0.7) { 1 } else { g.int(2, 3) };
    for _ in 0..edits {
        match g.int(0, 9) {
            0..=4 => {
                let l = leaves(d);
                if l.is_empty() {
                    continue;
                }
                let (t, path) = g.pick(&l);
                let last = *path.last().expect("non-empty");
                let key = entries_at(d, t, &path)[last].0.clone();
                let new = if g.chance(0.6) { g.pick(HOSTILE_CORE) } else { g.pick(HOSTILE) }.to_string();
                log.push(format!("{}.{key} = {new}", d.tables[t].name));
                entries_at(d, t, &path)[last].1 = Value::Raw(new);
            }
            5 => {
                // Empty a list.
                let l: Vec<_> = leaves(d)
                    .into_iter()
                    .filter(|(t, p)| matches!(value_at(d, *t, p), Value::Raw(s) if s.starts_with('[')))
                    .collect();
                if l.is_empty() {
                    continue;
                }
                let (t, path) = g.pick(&l);
                log.push(format!("emptied a list in {}", d.tables[t].name));
                entries_at(d, t, &path)[*path.last().expect("leaf")].1 = raw("[]");
            }
            6 => {
                let c = containers(d);
                let (t, path) = g.pick(&c);
                let key = g.pick(&["bogus", "nmae", "retries_max", "p95", "jitters", "for_", "Duration"]);
                log.push(format!("unknown key {key} in {} {:?}", d.tables[t].name, path));
                reject.push((format!("an unknown key in [{}]", d.tables[t].name), format!("{key} = 1")));
                container_mut(d, t, &path).push((key.to_string(), raw("1")));
            }
            7 => {
                let c = containers(d);
                let (t, path) = g.pick(&c);
                let items = container_mut(d, t, &path);
                if items.is_empty() {
                    continue;
                }
                let i = g.index(items.len());
                let key = items[i].0.clone();
                log.push(format!("removed {key} from {}", d.tables[t].name));
                container_mut(d, t, &path).remove(i);
            }
            8 => {
                // Distributions turned inside out, 3-element windows.
                let v = g.pick(&[
                    "{ dist = \"uniform\", min = \"10ms\", max = \"1ms\" }",
                    "{ dist = \"lognormal\", p50 = \"10ms\", p99 = \"1ms\" }",
                    "{ dist = \"lognormal\", p50 = \"0s\", p99 = \"0s\" }",
                    "{ dist = \"exponential\", mean = \"0s\" }",
                    "{ dist = \"constant\", value = \"0s\" }",
                    "{ dist = \"exponential\", mean = \"277777h\" }",
                    "{ dist = \"uniform\", min = \"0s\", max = \"277777h\" }",
                    "{ model = \"fixed\", first = \"20s\", last = \"1s\" }",
                    "{ model = \"fixed\", last = \"277777h\" }",
                    "{ policy = \"exponential\", backoff = [] }",
                    "{ policy = \"immediate\", retries = 4294967295 }",
                    "{ policy = \"exponential\", backoff = [\"0s\"], jitter = \"decorrelated\" }",
                    "[\"1s\", \"2s\", \"3s\"]",
                    "[\"5s\", \"1s\"]",
                ]);
                let l = leaves(d);
                let inl: Vec<(usize, usize)> = d
                    .tables
                    .iter()
                    .enumerate()
                    .flat_map(|(t, tb)| {
                        tb.entries
                            .iter()
                            .enumerate()
                            .filter(|(_, e)| matches!(e.1, Value::Inline(_)))
                            .map(move |(i, _)| (t, i))
                    })
                    .collect();
                if g.chance(0.5) && !inl.is_empty() {
                    let (t, i) = g.pick(&inl);
                    let key = d.tables[t].entries[i].0.clone();
                    log.push(format!("{}.{key} = {v}", d.tables[t].name));
                    if let Some(why) = never_valid(&key, v) {
                        reject.push((why.to_string(), format!("{key} = {v}")));
                    }
                    d.tables[t].entries[i].1 = raw(v);
                } else if !l.is_empty() {
                    let (t, path) = g.pick(&l);
                    let last = *path.last().expect("leaf");
                    let key = entries_at(d, t, &path)[last].0.clone();
                    log.push(format!("{}.{key} = {v}", d.tables[t].name));
                    if let Some(why) = never_valid(&key, v) {
                        reject.push((why.to_string(), format!("{key} = {v}")));
                    }
                    entries_at(d, t, &path)[last].1 = raw(v);
                }
            }
            _ => {
                // Drop or duplicate a whole table.
                let i = g.index(d.tables.len());
                if g.chance(0.5) {
                    log.push(format!("removed table {}", d.tables[i].name));
                    d.tables.remove(i);
                } else {
                    log.push(format!("duplicated table {}", d.tables[i].name));
                    let t = d.tables[i].clone();
                    d.tables.push(t);
                }
            }
        }
    }
    (log, reject)
}
