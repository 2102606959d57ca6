//! The library's layers, kept by a test: each top-level module of src/ may
//! use only modules of its own layer or lower ones, and no two modules use
//! each other, directly or around a cycle. The engine is its own crate
//! (crates/engine), so the compiler already keeps it from seeing the rest;
//! the command line lives in the binary (src/main.rs, src/cli/), which the
//! library cannot name. This test keeps the layers in between.
//!
//! It reads the sources: every `crate::<module>` path outside comments,
//! including those inside `use crate::{a::x, b}` groups. A path to an item
//! of the crate root (`crate::Prepared`) counts as a use of `lib`. A file's
//! unit tests (from its `#[cfg(test)]` line on, where they sit by
//! convention) may use the whole crate, e.g. to run a shipped scenario.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The layers, lowest first, as lib.rs's front page lists them.
const LAYERS: &[(&str, u8)] = &[
    ("engine", 1),
    ("scenario", 2),
    ("metrics", 2),
    ("world", 3),
    ("workload", 3),
    ("edge", 3),
    ("state", 3),
    ("resilience", 3),
    ("failures", 3),
    ("sim", 4),
    ("check", 5),
    ("report", 6),
    ("lib", 7),
    ("budget", 7),
    ("sweep", 8),
];

fn layer(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// The library's source files, each with its top-level module.
fn library_files() -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for entry in fs::read_dir(&src).expect("src/ is readable") {
        let path = entry.expect("src/ entry").path();
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        if name == "main" || name == "cli" {
            continue; // the binary
        }
        if path.is_dir() {
            collect_rs(&path, &name, &mut files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push((name, path));
        }
    }
    files.sort();
    files
}

fn collect_rs(dir: &Path, module: &str, files: &mut Vec<(String, PathBuf)>) {
    for entry in fs::read_dir(dir).expect("a module folder is readable") {
        let path = entry.expect("module entry").path();
        if path.is_dir() {
            collect_rs(&path, module, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push((module.to_string(), path));
        }
    }
}

/// The top-level modules a source text names through `crate::`.
fn uses(text: &str, root_items: &[String]) -> Vec<String> {
    let code: String = text
        .lines()
        .take_while(|l| l.trim() != "#[cfg(test)]")
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut found = Vec::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            found.extend(group_heads(group));
        } else {
            found.push(ident(rest).to_string());
        }
    }
    found
        .into_iter()
        .filter(|m| !m.is_empty())
        .map(|m| if root_items.contains(&m) { "lib".to_string() } else { m })
        .collect()
}

fn ident(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// The first segment of each path in a `{a::x, b, c::{d, e}}` group.
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let (mut depth, mut at_start) = (0, true);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => break,
            '}' => depth -= 1,
            ',' if depth == 0 => at_start = true,
            c if at_start && depth == 0 && (c.is_alphanumeric() || c == '_') => {
                heads.push(ident(&group[i..]).to_string());
                at_start = false;
            }
            _ => {}
        }
    }
    heads
}

/// Names defined at the crate root (lib.rs): `pub struct X`, `pub fn x`...
fn root_items() -> Vec<String> {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).expect("lib.rs");
    let mut items = Vec::new();
    for line in lib.lines() {
        for kw in ["pub fn ", "pub struct ", "pub enum ", "pub type ", "pub const "] {
            if let Some(rest) = line.trim_start().strip_prefix(kw) {
                items.push(ident(rest).to_string());
            }
        }
    }
    items
}

/// Module -> the modules it uses, with one file that shows each use.
fn graph() -> Graph {
    let root = root_items();
    let mut g = Graph::new();
    for (module, path) in library_files() {
        let text = fs::read_to_string(&path).expect("source is readable");
        let entry = g.entry(module.clone()).or_default();
        for used in uses(&text, &root) {
            if used != module && used != "self" {
                entry.entry(used).or_insert_with(|| path.clone());
            }
        }
    }
    g
}

#[test]
fn every_library_module_has_a_layer_and_lib_rs_lists_it() {
    let lib = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).expect("lib.rs");
    for module in graph().keys() {
        assert!(layer(module).is_some(), "src/{module} has no layer: add it to LAYERS here and to lib.rs's list");
        if module != "lib" {
            assert!(lib.contains(&format!("[`{module}`]")), "lib.rs's front page does not list [`{module}`]");
        }
    }
}

#[test]
fn no_module_uses_a_higher_layer() {
    let mut wrong = Vec::new();
    for (module, used) in graph() {
        let own = layer(&module).unwrap_or(0);
        for (other, file) in used {
            let theirs = layer(&other).unwrap_or(u8::MAX);
            if theirs > own {
                wrong.push(format!("{} (layer {own}) uses {other} (layer {theirs})", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "upward uses:\n{}", wrong.join("\n"));
}

type Graph = BTreeMap<String, BTreeMap<String, PathBuf>>;

/// A cycle of uses, as `a -> b -> a`, if there is one (depth-first, modules
/// in name order so that the message is stable).
fn find_cycle(g: &Graph) -> Option<String> {
    fn visit<'a>(g: &'a Graph, m: &'a str, path: &mut Vec<&'a str>, done: &mut Vec<&'a str>) -> Option<String> {
        if let Some(i) = path.iter().position(|p| *p == m) {
            return Some(format!("{} -> {m}", path[i..].join(" -> ")));
        }
        if done.contains(&m) {
            return None;
        }
        path.push(m);
        for next in g.get(m).into_iter().flat_map(|u| u.keys()) {
            if let Some(cycle) = visit(g, next, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.push(m);
        None
    }
    let mut done = Vec::new();
    g.keys().find_map(|m| visit(g, m, &mut Vec::new(), &mut done))
}

#[test]
fn no_two_modules_use_each_other() {
    let cycle = find_cycle(&graph());
    assert!(cycle.is_none(), "modules use each other: {}", cycle.unwrap_or_default());
}

#[test]
fn the_cycle_finder_finds_a_cycle_around_three_modules() {
    let edge = |a: &str, b: &[&str]| (a.to_string(), b.iter().map(|m| (m.to_string(), PathBuf::new())).collect());
    let mut g: Graph = [edge("edge", &["state", "world"]), edge("state", &["world"]), edge("world", &[])].into();
    assert_eq!(find_cycle(&g), None);
    g.insert("world".into(), [("edge".to_string(), PathBuf::new())].into());
    assert_eq!(find_cycle(&g).as_deref(), Some("edge -> state -> world -> edge"));
}

#[test]
fn the_reader_finds_grouped_and_plain_paths() {
    let text = "use crate::{check::Verdict, sim::{a, b}};\n// crate::sweep in a comment\nlet x = crate::report::f();\nuse crate::Prepared;\n#[cfg(test)]\nmod tests { use crate::sweep; }";
    let found = uses(text, &["Prepared".to_string()]);
    assert_eq!(found, ["check", "sim", "report", "lib"]);
}
