//! The document model the generators write: a scenario file as tables
//! of `key = value` entries (values are TOML text or inline tables), and
//! its rendering to TOML text, with inline tables sometimes written out
//! as `[table.key]` sub-tables.

/// A value: TOML text as written, or an inline table of further values.
#[derive(Debug, Clone)]
pub enum Value {
    /// TOML text of a scalar or an array.
    Raw(String),
    /// An inline table `{ k = v, ... }`.
    Inline(Vec<(String, Value)>),
}

/// A table of the file: `[name]` or `[[name]]`, and its entries.
#[derive(Debug, Clone)]
pub struct Table {
    /// The dotted name, e.g. `traffic` or `pops.default`.
    pub name: String,
    /// True for an array-of-tables entry (`[[fault]]`).
    pub array: bool,
    /// Key = value lines, in order.
    pub entries: Vec<(String, Value)>,
    /// Write inline-table values as `[name.key]` sub-tables instead.
    pub explode: bool,
}

/// A scenario file being built.
#[derive(Debug, Clone, Default)]
pub struct Doc {
    /// Tables in file order.
    pub tables: Vec<Table>,
}

impl Doc {
    pub(super) fn table(&mut self, name: &str, array: bool) -> &mut Table {
        self.tables.push(Table { name: name.to_string(), array, entries: Vec::new(), explode: false });
        self.tables.last_mut().expect("just pushed")
    }

    /// The TOML text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for t in &self.tables {
            let head = if t.array { format!("[[{}]]\n", t.name) } else { format!("[{}]\n", t.name) };
            out.push_str(&head);
            let mut subs = Vec::new();
            for (k, v) in &t.entries {
                match v {
                    Value::Inline(items) if t.explode && !t.array => subs.push((k, items)),
                    _ => out.push_str(&format!("{k} = {}\n", render_value(v))),
                }
            }
            for (k, items) in subs {
                out.push_str(&format!("\n[{}.{k}]\n", t.name));
                for (ik, iv) in items {
                    out.push_str(&format!("{ik} = {}\n", render_value(iv)));
                }
            }
            out.push('\n');
        }
        out
    }
}

fn render_value(v: &Value) -> String {
    match v {
        Value::Raw(s) => s.clone(),
        Value::Inline(items) => {
            let parts: Vec<String> = items.iter().map(|(k, v)| format!("{k} = {}", render_value(v))).collect();
            format!("{{ {} }}", parts.join(", "))
        }
    }
}

pub(super) fn raw(s: impl Into<String>) -> Value {
    Value::Raw(s.into())
}
pub(super) fn q(s: &str) -> Value {
    Value::Raw(format!("\"{s}\""))
}
pub(super) fn inline(items: Vec<(&str, Value)>) -> Value {
    Value::Inline(items.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}
pub(super) fn strs(items: &[String]) -> Value {
    let parts: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    Value::Raw(format!("[{}]", parts.join(", ")))
}
