//! Mutations of the shipped scenario files: [`shorten`] turns one into a
//! 10 s run with its faults, windows and times inside it, and
//! [`mutate_text`] edits it line by line (values replaced by hostile
//! ones, lines dropped or repeated), without parsing it first.

use super::{Gen, MustReject, HOSTILE, HOSTILE_CORE};

/// Shortens a shipped scenario so it runs quickly: a 10 s run without
/// warm-up, faults inside it, windows and times within it.
pub fn shorten(g: &mut Gen, text: &str) -> String {
    let mut out = String::new();
    let mut table = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with('[') {
            table = t.to_string();
        }
        let key = t.split('=').next().unwrap_or("").trim();
        let new = match (table.as_str(), key) {
            ("[scenario]", "duration") => "duration = \"10s\"".to_string(),
            ("[scenario]", "warmup") => "warmup = \"0s\"".to_string(),
            ("[[fault]]", "at") => format!("at = \"{}s\"", g.int(1, 8)),
            ("[[fault]]", "for") => format!("for = \"{}s\"", g.int(1, 4)),
            ("[[expect]]", _) => within_ten_seconds(line),
            _ => line.to_string(),
        };
        out.push_str(&new);
        out.push('\n');
    }
    out
}

/// An `[[expect]]` line with its `window` and `at` moved inside a 10 s run.
fn within_ten_seconds(line: &str) -> String {
    let mut out = line.to_string();
    if let Some(start) = out.find("window = [") {
        if let Some(len) = out[start..].find(']') {
            out.replace_range(start..start + len + 1, "window = [\"1s\", \"9s\"]");
        }
    }
    if let Some(start) = out.find(" at = \"") {
        let value = start + " at = \"".len();
        if let Some(len) = out[value..].find('"') {
            out.replace_range(value..value + len, "5s");
        }
    }
    out
}

/// Byte ranges of the value tokens (numbers and strings) of one line, after its `=`.
fn value_tokens(line: &str) -> Vec<(usize, usize)> {
    let Some(eq) = line.find('=') else { return Vec::new() };
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = eq + 1;
    while i < b.len() {
        let c = b[i];
        if c == b'#' {
            break;
        }
        if c == b'"' {
            let start = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += 1;
            }
            out.push((start, (i + 1).min(b.len())));
        } else if c.is_ascii_digit() || (c == b'-' && i + 1 < b.len() && b[i + 1].is_ascii_digit()) {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'.' | b'_' | b'-' | b'+')) {
                i += 1;
            }
            out.push((start, i));
            continue;
        }
        i += 1;
    }
    out
}

/// Applies 1 to 3 line-level mutations to a shipped file; returns the text,
/// what was done and what the edits put in that must be rejected.
pub fn mutate_text(g: &mut Gen, text: &str) -> (String, Vec<String>, MustReject) {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut log = Vec::new();
    let mut reject = MustReject::new();
    let edits = if g.chance(0.7) { 1 } else { g.int(2, 3) };
    for _ in 0..edits {
        if lines.is_empty() {
            break;
        }
        match g.int(0, 9) {
            0..=4 => {
                let with: Vec<usize> = (0..lines.len()).filter(|&i| !value_tokens(&lines[i]).is_empty()).collect();
                if with.is_empty() {
                    continue;
                }
                let i = g.pick(&with);
                let toks = value_tokens(&lines[i]);
                let (s, e) = g.pick(&toks);
                let new = if g.chance(0.6) { g.pick(HOSTILE_CORE) } else { g.pick(HOSTILE) };
                log.push(format!("line {}: {} -> {new}", i + 1, &lines[i][s..e]));
                lines[i].replace_range(s..e, new);
            }
            5 => {
                let i = g.index(lines.len());
                log.push(format!("deleted line {}: {}", i + 1, lines[i]));
                lines.remove(i);
            }
            6 => {
                let heads: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].trim_start().starts_with('[')).collect();
                if heads.is_empty() {
                    continue;
                }
                let h = g.pick(&heads);
                let end = (h + 1..lines.len()).find(|&i| lines[i].trim_start().starts_with('[')).unwrap_or(lines.len());
                log.push(format!("duplicated table {}", lines[h]));
                let block: Vec<String> = lines[h..end].to_vec();
                lines.extend(block);
            }
            7 => {
                let keys: Vec<usize> = (0..lines.len())
                    .filter(|&i| {
                        let t = lines[i].trim_start();
                        !t.starts_with('#') && !t.starts_with('[') && t.contains('=')
                    })
                    .collect();
                if keys.is_empty() {
                    continue;
                }
                let i = g.pick(&keys);
                let eq = lines[i].find('=').expect("has =");
                let key = lines[i][..eq].trim().to_string();
                let new_key = match g.int(0, 2) {
                    0 => format!("{key}x"),
                    1 => key.chars().skip(1).collect(),
                    _ => key.to_uppercase(),
                };
                log.push(format!("line {}: renamed {key} -> {new_key}", i + 1));
                let rest = lines[i][eq..].to_string();
                lines[i] = format!("{new_key} {rest}");
            }
            8 => {
                let heads: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].trim_start().starts_with('[')).collect();
                if heads.is_empty() {
                    continue;
                }
                let h = g.pick(&heads);
                let key = g.pick(&["bogus = 1", "retry = { policy = \"none\", extra = 1 }", "for = \"1s\""]);
                log.push(format!("inserted `{key}` after {}", lines[h]));
                if !key.starts_with("for") {
                    reject.push((format!("an unknown key in {}", lines[h].trim()), key.to_string()));
                }
                lines.insert(h + 1, key.to_string());
            }
            _ => {
                let i = g.index(lines.len());
                let j = g.index(lines.len());
                log.push(format!("swapped lines {} and {}", i + 1, j + 1));
                lines.swap(i, j);
            }
        }
    }
    let mut out = lines.join("\n");
    out.push('\n');
    (out, log, reject)
}
