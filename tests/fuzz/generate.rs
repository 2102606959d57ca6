//! Scenario-file generators for the fuzzer: random complete scenarios, hostile
//! mutations of them, and mutations of the shipped scenario files.
//!
//! Every generator draws from one [`TestRng`], so a case is reproduced by its
//! seed alone.

use proptest::prelude::RngExt;
use proptest::test_runner::TestRng;

/// Catalog PoPs the generator picks from, with their region.
const CATALOG: &[(&str, &str)] = &[
    ("SJC", "NA"),
    ("LAX", "NA"),
    ("SEA", "NA"),
    ("IAD", "NA"),
    ("ORD", "NA"),
    ("FRA", "EU"),
    ("LHR", "EU"),
    ("AMS", "EU"),
    ("SIN", "APAC"),
    ("NRT", "APAC"),
];

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

/// Fault kinds as scenario files write them.
const FAULT_KINDS: &[&str] = &[
    "pop-down",
    "pop-degraded",
    "health-check-flap",
    "region-down",
    "do-region-down",
    "kv-primary-down",
    "kv-replication-lag",
    "origin-down",
    "origin-slow",
    "origin-errors",
    "control-plane-down",
];

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
    fn table(&mut self, name: &str, array: bool) -> &mut Table {
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

fn raw(s: impl Into<String>) -> Value {
    Value::Raw(s.into())
}
fn q(s: &str) -> Value {
    Value::Raw(format!("\"{s}\""))
}
fn inline(items: Vec<(&str, Value)>) -> Value {
    Value::Inline(items.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
}
fn strs(items: &[String]) -> Value {
    let parts: Vec<String> = items.iter().map(|s| format!("\"{s}\"")).collect();
    Value::Raw(format!("[{}]", parts.join(", ")))
}

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

/// What the structural generator knows while it fills a scenario.
struct Ctx {
    pops: Vec<String>,
    duration_s: u64,
    faults: usize,
    has_origin: bool,
    has_kv: bool,
    has_do: bool,
    has_cp: bool,
    rich: bool,
}

/// A random, small but complete scenario, mostly valid; `rich` puts most
/// optional sections in (so hostile edits reach them).
pub fn structural(g: &mut Gen, case: u64, rich: bool) -> Doc {
    let mut d = Doc::default();
    let duration_s = g.int(1, 30);
    let meta = d.table("scenario", false);
    meta.entries.push(("name".into(), q(&format!("fuzz-{case}"))));
    meta.entries.push(("description".into(), q("generated by tests/fuzz.rs")));
    if g.chance(0.8) {
        meta.entries.push(("seed".into(), raw(g.int(0, 1000).to_string())));
    }
    meta.entries.push(("duration".into(), q(&format!("{duration_s}s"))));
    if g.chance(0.5) {
        let w = g.int(0, duration_s.saturating_sub(1) * 1000);
        meta.entries.push(("warmup".into(), q(&format!("{w}ms"))));
    }
    let pops = topology(g, &mut d);
    if g.chance(0.3) {
        network(g, &mut d);
    }
    traffic(g, &mut d, &pops);
    let mut cx =
        Ctx { pops, duration_s, faults: 0, has_origin: false, has_kv: false, has_do: false, has_cp: false, rich };
    optional_sections(g, &mut d, &mut cx);
    cx.faults = g.int(0, 3) as usize;
    for i in 0..cx.faults {
        fault(g, &mut d, &cx, i);
    }
    for _ in 0..g.int(0, 4) {
        expect(g, &mut d, &cx);
    }
    for t in &mut d.tables {
        t.explode = !t.array && g.chance(0.15);
    }
    d
}

fn topology(g: &mut Gen, d: &mut Doc) -> Vec<String> {
    let mut pops: Vec<String> = Vec::new();
    let t = d.table("topology", false);
    match g.int(0, 4) {
        0 | 1 => {
            let n = g.int(1, 4) as usize;
            for _ in 0..n {
                let p = g.pick(CATALOG).0.to_string();
                if !pops.contains(&p) {
                    pops.push(p);
                }
            }
            t.entries.push(("pops".into(), strs(&pops)));
        }
        2 => {
            let region = g.pick(&["NA", "EU", "APAC"]);
            t.entries.push(("regions".into(), strs(&[region.to_string()])));
            pops = CATALOG.iter().filter(|c| c.1 == region).map(|c| c.0.to_string()).collect();
        }
        3 => {
            t.entries.push(("catalog".into(), q("none")));
        }
        _ => {
            let p = g.pick(CATALOG).0.to_string();
            t.entries.push(("pops".into(), strs(std::slice::from_ref(&p))));
            pops.push(p);
        }
    }
    let customs = if pops.is_empty() { g.int(1, 3) } else { g.int(0, 1) };
    for i in 0..customs {
        let code = format!("QQ{}", (b'A' + i as u8) as char);
        let region = g.pick(&["NA", "EU", "APAC", "ROW"]);
        let mut e = vec![
            ("code".to_string(), q(&code)),
            ("city".to_string(), q("Fuzzville")),
            ("region".to_string(), q(region)),
            ("lat".to_string(), raw(format!("{:.3}", g.int(0, 120) as f64 - 60.0 + 0.5))),
            ("lon".to_string(), raw(format!("{:.3}", g.int(0, 360) as f64 - 180.0))),
        ];
        if g.chance(0.5) {
            e.push(("weight".to_string(), g.frac(0.1, 3.0)));
        }
        d.tables.push(Table { name: "topology.pop".into(), array: true, entries: e, explode: false });
        pops.push(code);
    }
    pops
}

fn dist(g: &mut Gen, scale_ms: u64) -> Value {
    let s = scale_ms.max(1);
    match g.int(0, 3) {
        0 => inline(vec![("dist", q("exponential")), ("mean", g.dur_ms(1, s))]),
        1 => {
            let p50 = g.int(1, s);
            let p99 = p50 + g.int(1, 4 * s);
            inline(vec![("dist", q("lognormal")), ("p50", q(&format!("{p50}ms"))), ("p99", q(&format!("{p99}ms")))])
        }
        2 => inline(vec![("dist", q("constant")), ("value", g.dur_ms(1, s))]),
        _ => {
            let lo = g.int(0, s);
            let hi = lo + g.int(1, s);
            inline(vec![("dist", q("uniform")), ("min", q(&format!("{lo}ms"))), ("max", q(&format!("{hi}ms")))])
        }
    }
}

fn retry(g: &mut Gen) -> Value {
    match g.int(0, 2) {
        0 => inline(vec![("policy", q("none"))]),
        1 => {
            let mut v = vec![("policy", q("immediate")), ("retries", raw(g.int(0, 3).to_string()))];
            if g.chance(0.5) {
                v.push(("budget", g.frac(0.0, 0.5)));
            }
            inline(v)
        }
        _ => {
            let n = g.int(1, 3);
            let waits: Vec<String> = (0..n).map(|i| format!("{}ms", 100 * (i + 1) * (i + 1))).collect();
            let mut v = vec![("policy", q("exponential")), ("backoff", strs(&waits))];
            if g.chance(0.6) {
                v.push(("jitter", q(g.pick(&["none", "full", "equal", "decorrelated"]))));
            }
            if g.chance(0.4) {
                v.push(("budget", g.frac(0.0, 0.5)));
            }
            inline(v)
        }
    }
}

fn network(g: &mut Gen, d: &mut Doc) {
    let km = raw(g.int(100, 300).to_string());
    let infl = g.frac(1.0, 2.5);
    let lm = g.dur_ms(0, 5);
    let jitter = if g.chance(0.5) { Some(dist(g, 2)) } else { None };
    let t = d.table("network", false);
    t.entries.push(("km_per_ms".into(), km));
    t.entries.push(("route_inflation".into(), infl));
    t.entries.push(("last_mile".into(), lm));
    if let Some(j) = jitter {
        t.entries.push(("jitter".into(), j));
    }
}

fn traffic(g: &mut Gen, d: &mut Doc, pops: &[String]) {
    let classes = g.pick(&[
        "{ p0 = 0.02, p1 = 0.5, p2 = 0.4, p3 = 0.08 }",
        "{ p1 = 1.0 }",
        "{ p0 = 0.25, p1 = 0.25, p2 = 0.25, p3 = 0.25 }",
        "{ p0 = 0.1, p1 = 0.4, p2 = 0.4, p3 = 0.1 }",
        "{ p2 = 0.5, p3 = 0.5 }",
    ]);
    let rps = if g.chance(0.5) { raw(g.int(1, 3000).to_string()) } else { g.frac(0.5, 500.0) };
    let arrivals = g.chance(0.4).then(|| q(g.pick(&["poisson", "constant"])));
    let t = d.table("traffic", false);
    t.entries.push(("rps".into(), rps));
    if let Some(a) = arrivals {
        t.entries.push(("arrivals".into(), a));
    }
    t.entries.push(("classes".into(), raw(classes)));
    if g.chance(0.3) {
        for i in 0..g.int(1, 3) {
            let mut e = vec![("name".to_string(), q(&format!("site-{i}")))];
            if !pops.is_empty() && g.chance(0.6) {
                e.push(("near".to_string(), q(&g.pick(pops))));
            } else {
                e.push(("lat".to_string(), raw(format!("{}.5", g.int(0, 100) as i64 - 50))));
                e.push(("lon".to_string(), raw(format!("{}.25", g.int(0, 300) as i64 - 150))));
            }
            if g.chance(0.5) {
                e.push(("weight".to_string(), g.frac(0.1, 5.0)));
            }
            d.tables.push(Table { name: "traffic.site".into(), array: true, entries: e, explode: false });
        }
    }
}

fn pool(g: &mut Gen, d: &mut Doc, name: &str) {
    let servers = raw(g.int(1, 32).to_string());
    let service = dist(g, 5);
    let ql = raw(g.int(0, 2000).to_string());
    let t = d.table(name, false);
    t.entries.push(("servers".into(), servers));
    t.entries.push(("service".into(), service));
    if g.chance(0.5) {
        t.entries.push(("queue_limit".into(), ql));
    }
}

fn optional_sections(g: &mut Gen, d: &mut Doc, cx: &mut Ctx) {
    let rich = cx.rich;
    if g.chance(if rich { 0.6 } else { 0.7 }) {
        pool(g, d, "pops.default");
    }
    if !cx.pops.is_empty() && g.chance(if rich { 0.6 } else { 0.2 }) {
        let p = g.pick(&cx.pops);
        pool(g, d, &format!("pops.{p}"));
    }
    if g.chance(if rich { 0.6 } else { 0.3 }) {
        anycast(g, d);
    }
    if g.chance(if rich { 0.6 } else { 0.3 }) {
        let e = vec![("timeout".to_string(), g.dur_ms(200, 5000)), ("retry".to_string(), retry(g))];
        d.tables.push(Table { name: "client".into(), array: false, entries: e, explode: false });
    }
    if g.chance(if rich { 0.6 } else { 0.25 }) {
        let e = vec![
            ("spillover_threshold".to_string(), g.frac(0.3, 1.0)),
            ("shed_cpu".to_string(), g.frac(0.5, 1.0)),
            ("shed_hysteresis".to_string(), g.frac(0.0, 0.3)),
            ("shed_hold".to_string(), g.dur_ms(0, 5000)),
            ("tick".to_string(), g.dur_ms(100, 2000)),
        ];
        d.tables.push(Table { name: "overload".into(), array: false, entries: e, explode: false });
    }
    if g.chance(if rich { 0.6 } else { 0.2 }) {
        autoscaling(g, d);
    }
    if g.chance(if rich { 0.6 } else { 0.3 }) {
        origin(g, d, cx);
    }
    if g.chance(if rich { 0.6 } else { 0.15 }) {
        let e = vec![
            ("accounts".to_string(), raw(g.int(1, 100).to_string())),
            ("deployments_per_account".to_string(), raw(g.int(1, 10).to_string())),
            ("zipf".to_string(), g.frac(0.0, 2.0)),
            ("per_deployment_rps".to_string(), raw(g.int(1, 10000).to_string())),
            ("per_deployment_per_min".to_string(), raw(g.int(1, 100000).to_string())),
            ("per_account_rps".to_string(), raw(g.int(1, 100000).to_string())),
            ("per_pop_qps".to_string(), raw(g.int(1, 100000).to_string())),
        ];
        d.tables.push(Table { name: "rate_limits".into(), array: false, entries: e, explode: false });
    }
    if g.chance(if rich { 0.6 } else { 0.2 }) {
        let e = vec![
            ("multi_pop_failures".to_string(), raw(g.int(1, 3).to_string())),
            ("hold".to_string(), g.dur_ms(0, 10000)),
        ];
        d.tables.push(Table { name: "degradation".into(), array: false, entries: e, explode: false });
    }
    if g.chance(if rich { 0.6 } else { 0.2 }) {
        let e = vec![
            ("deployments_per_min".to_string(), g.frac(0.5, 60.0)),
            ("retry_after".to_string(), g.dur_ms(1000, 30000)),
        ];
        d.tables.push(Table { name: "control_plane".into(), array: false, entries: e, explode: false });
        cx.has_cp = true;
    }
    if g.chance(if rich { 0.6 } else { 0.15 }) {
        let e = vec![
            ("na".to_string(), q(g.pick(&["IAD", "ORD", "SJC"]))),
            ("eu".to_string(), q(g.pick(&["FRA", "LHR", "AMS"]))),
            ("apac".to_string(), q(g.pick(&["SIN", "NRT"]))),
        ];
        d.tables.push(Table { name: "state".into(), array: false, entries: e, explode: false });
    }
    if g.chance(if rich { 0.6 } else { 0.2 }) {
        durable_objects(g, d);
        cx.has_do = true;
    }
    if g.chance(if rich { 0.6 } else { 0.2 }) {
        kv(g, d);
        cx.has_kv = true;
    }
    if g.chance(if rich { 0.6 } else { 0.15 }) {
        rate_limiter(g, d, cx);
    }
    if g.chance(if rich { 0.6 } else { 0.2 }) {
        let e = vec![("bucket".to_string(), g.dur_ms(100, 10000))];
        d.tables.push(Table { name: "metrics".into(), array: false, entries: e, explode: false });
    }
}

fn anycast(g: &mut Gen, d: &mut Doc) {
    let interval = g.int(1, 10);
    let hc = inline(vec![
        ("interval", q(&format!("{interval}s"))),
        ("timeout", g.dur_ms(100, interval * 1000)),
        ("failures", raw(g.int(1, 3).to_string())),
        ("successes", raw(g.int(1, 3).to_string())),
        ("phase", g.dur_ms(0, 4000)),
    ]);
    let conv = if g.chance(0.3) {
        inline(vec![("model", q("measured"))])
    } else {
        let first = g.int(0, 5);
        inline(vec![
            ("model", q("fixed")),
            ("first", q(&format!("{first}s"))),
            ("last", q(&format!("{}s", first + g.int(0, 20)))),
            ("shape", q(g.pick(&["uniform", "lognormal"]))),
        ])
    };
    let e = vec![
        ("networks_per_site".to_string(), raw(g.int(1, 20).to_string())),
        ("off_nearest_share".to_string(), g.frac(0.0, 0.5)),
        ("unstable_share".to_string(), g.frac(0.0, 0.05)),
        ("health_check".to_string(), hc),
        ("withdrawal_delay".to_string(), g.dur_ms(0, 10000)),
        ("convergence".to_string(), conv),
    ];
    d.tables.push(Table { name: "anycast".into(), array: false, entries: e, explode: false });
}

fn autoscaling(g: &mut Gen, d: &mut Doc) {
    let min = g.int(1, 4);
    let e = vec![
        ("enabled".to_string(), raw(if g.chance(0.8) { "true" } else { "false" })),
        ("cpu_up".to_string(), g.frac(0.5, 0.9)),
        ("cpu_up_period".to_string(), g.dur_ms(1000, 10000)),
        ("queue_up".to_string(), raw(g.int(1, 1000).to_string())),
        ("queue_up_period".to_string(), g.dur_ms(1000, 10000)),
        ("cpu_down".to_string(), g.frac(0.0, 0.4)),
        ("cpu_down_period".to_string(), g.dur_ms(1000, 10000)),
        ("cooldown".to_string(), g.dur_ms(0, 10000)),
        ("provisioning".to_string(), g.dur_ms(0, 10000)),
        ("min_servers".to_string(), raw(min.to_string())),
        ("max_servers".to_string(), raw((min + g.int(0, 16)).to_string())),
    ];
    d.tables.push(Table { name: "autoscaling".into(), array: false, entries: e, explode: false });
}

fn origin(g: &mut Gen, d: &mut Doc, cx: &mut Ctx) {
    cx.has_origin = true;
    let mut e = vec![
        ("share".to_string(), g.frac(0.0, 0.5)),
        ("location".to_string(), q(g.pick(CATALOG).0)),
        ("servers".to_string(), raw(g.int(1, 50).to_string())),
        ("service".to_string(), dist(g, 20)),
        ("queue_limit".to_string(), raw(g.int(0, 10000).to_string())),
        ("timeout".to_string(), g.dur_ms(100, 2000)),
    ];
    if g.chance(0.6) {
        e.push(("retry".to_string(), retry(g)));
    }
    if g.chance(0.6) {
        e.push((
            "breaker".to_string(),
            inline(vec![
                ("trip", q(g.pick(&["consecutive", "rate"]))),
                ("failures", raw(g.int(1, 10).to_string())),
                ("rate", g.frac(0.1, 0.9)),
                ("window", g.dur_ms(1000, 60000)),
                ("min_calls", raw(g.int(1, 100).to_string())),
                ("successes", raw(g.int(1, 5).to_string())),
                ("open_for", g.dur_ms(100, 30000)),
                ("half_open_probes", raw(g.int(1, 3).to_string())),
            ]),
        ));
    }
    d.tables.push(Table { name: "origin".into(), array: false, entries: e, explode: false });
}

fn durable_objects(g: &mut Gen, d: &mut Doc) {
    let mut regions: Vec<String> = Vec::new();
    for _ in 0..g.int(1, 3) {
        let r = g.pick(&["NA", "EU", "APAC"]).to_string();
        if !regions.contains(&r) {
            regions.push(r);
        }
    }
    let mut e = vec![
        ("objects".to_string(), raw(g.int(1, 2000).to_string())),
        ("regions".to_string(), strs(&regions)),
        ("requests_per_s".to_string(), raw(g.int(1, 500).to_string())),
        ("write_share".to_string(), g.frac(0.0, 1.0)),
        ("ack".to_string(), q(g.pick(&["local", "replicated"]))),
        ("commit".to_string(), g.dur_ms(0, 5)),
        ("wal_lag".to_string(), dist(g, 100)),
        ("snapshot_interval".to_string(), g.dur_ms(1000, 3_600_000)),
    ];
    if g.chance(0.5) {
        e.push(("snapshot_phase".to_string(), g.dur_ms(0, 5000)));
    }
    e.extend([
        ("state_mb".to_string(), g.frac(0.1, 50.0)),
        ("write_kb".to_string(), g.frac(0.1, 4.0)),
        ("restore_mb_per_s".to_string(), g.frac(1.0, 100.0)),
        ("restore_overhead".to_string(), g.dur_ms(0, 2000)),
        ("replay_per_s".to_string(), raw(g.int(1, 5000).to_string())),
        ("parallel_restores".to_string(), raw(g.int(1, 100).to_string())),
        ("detection".to_string(), g.dur_ms(0, 10000)),
        ("migration_delay".to_string(), g.dur_ms(0, 5000)),
        ("routing_update".to_string(), g.dur_ms(0, 5000)),
        ("timeout".to_string(), g.dur_ms(100, 3000)),
    ]);
    if g.chance(0.5) {
        e.push(("retry".to_string(), retry(g)));
    }
    d.tables.push(Table { name: "durable_objects".into(), array: false, entries: e, explode: false });
}

fn kv(g: &mut Gen, d: &mut Doc) {
    let mut e = vec![
        ("keys".to_string(), raw(g.int(1, 1000).to_string())),
        ("writes_per_s".to_string(), raw(g.int(0, 100).to_string())),
        ("reads_per_s".to_string(), raw(g.int(0, 500).to_string())),
        ("replication_lag".to_string(), dist(g, 1000)),
        ("cache_ttl".to_string(), g.dur_ms(0, 60000)),
        ("lag_bound".to_string(), g.dur_ms(1000, 300_000)),
    ];
    if g.chance(0.5) {
        e.push(("retry".to_string(), retry(g)));
    }
    d.tables.push(Table { name: "kv".into(), array: false, entries: e, explode: false });
}

fn rate_limiter(g: &mut Gen, d: &mut Doc, cx: &Ctx) {
    let mut e = vec![
        ("kind".to_string(), q(g.pick(&["kv", "do", "both"]))),
        ("customers".to_string(), raw(g.int(1, 10).to_string())),
        ("limit".to_string(), raw(g.int(1, 1000).to_string())),
        ("window".to_string(), g.dur_ms(1000, 10000)),
        ("rps_per_customer".to_string(), raw(g.int(1, 50).to_string())),
        ("do_region".to_string(), q(g.pick(&["NA", "EU", "APAC"]))),
    ];
    if !cx.pops.is_empty() && g.chance(0.5) {
        let p = g.pick(&cx.pops);
        e.push(("pops".to_string(), strs(&[p])));
    }
    d.tables.push(Table { name: "rate_limiter".into(), array: false, entries: e, explode: false });
}

fn fault(g: &mut Gen, d: &mut Doc, cx: &Ctx, i: usize) {
    // Mostly a kind the scenario supports; sometimes any kind (a fault on a
    // plane that does not exist).
    let supported: Vec<&str> = FAULT_KINDS
        .iter()
        .copied()
        .filter(|k| match *k {
            "origin-down" | "origin-slow" | "origin-errors" => cx.has_origin,
            "kv-primary-down" | "kv-replication-lag" => cx.has_kv,
            "do-region-down" => cx.has_do,
            "control-plane-down" => cx.has_cp,
            _ => true,
        })
        .collect();
    let kind = if g.chance(0.9) { g.pick(&supported) } else { g.pick(FAULT_KINDS) };
    // Spread the faults over the run so they rarely overlap.
    let slot = (cx.duration_s * 1000) / (cx.faults as u64 + 1);
    let offset = g.int(0, slot.saturating_sub(1));
    let at_ms = slot * i as u64 + offset;
    let mut e = vec![("at".to_string(), q(&format!("{at_ms}ms"))), ("kind".to_string(), q(kind))];
    if g.chance(0.8) || i + 1 < cx.faults {
        e.push(("for".to_string(), g.dur_ms(1, (slot - offset).max(1))));
    }
    match kind {
        "pop-down" | "pop-degraded" | "health-check-flap" => {
            let pop = if cx.pops.is_empty() || g.chance(0.05) { "ZZZ".to_string() } else { g.pick(&cx.pops) };
            e.push(("pop".to_string(), q(&pop)));
        }
        "region-down" | "do-region-down" | "kv-primary-down" => {
            e.push(("region".to_string(), q(g.pick(&["NA", "EU", "APAC"]))));
        }
        _ => {}
    }
    match kind {
        "pop-degraded" => e.push(("capacity".to_string(), g.frac(0.0, 1.0))),
        "kv-replication-lag" => e.push(("lag".to_string(), g.dur_ms(0, 600_000))),
        "origin-slow" => e.push(("latency".to_string(), g.dur_ms(0, 5000))),
        "origin-errors" => e.push(("error_rate".to_string(), g.frac(0.0, 1.0))),
        _ => {}
    }
    d.tables.push(Table { name: "fault".into(), array: true, entries: e, explode: false });
}

fn window(g: &mut Gen, cx: &Ctx) -> Value {
    let end = g.int(1, cx.duration_s);
    let start = g.int(0, end - 1);
    raw(format!("[\"{start}s\", \"{end}s\"]"))
}

fn scope(g: &mut Gen, cx: &Ctx, v: &mut Vec<(&str, Value)>, with_window: bool) {
    if !cx.pops.is_empty() && g.chance(0.3) {
        v.push(("pop", q(&g.pick(&cx.pops))));
    }
    if with_window && g.chance(0.3) {
        v.push(("class", q(g.pick(&["p0", "p1", "p2", "p3"]))));
    }
    if with_window && g.chance(0.3) {
        v.push(("window", window(g, cx)));
    }
}

fn bound(g: &mut Gen, v: &mut Vec<(&str, Value)>, value: Value) {
    let key = g.pick(&["lt", "le", "gt", "ge"]);
    v.push((key, value));
}

fn expect(g: &mut Gen, d: &mut Doc, cx: &Ctx) {
    let fault_no = || (cx.faults.max(1)) as u64;
    let metric = g.pick(&[
        "availability",
        "latency",
        "utilisation",
        "mean_wait",
        "p_wait",
        "rto",
        "detection",
        "withdrawal",
        "converged",
        "requests_lost",
        "shed",
        "spilled",
        "attempts_per_request",
        "rpo",
        "writes_lost",
        "object_rto",
        "kv_staleness",
        "kv_writes_dropped",
        "limiter_overadmission",
        "do_write_latency",
        "max_level",
        "level_at",
        "time_in_level",
        "back_to_level0",
        "retry_amplification",
        "breaker_opened",
        "deployments_failed",
    ]);
    let needs_fault = matches!(
        metric,
        "rto"
            | "detection"
            | "withdrawal"
            | "converged"
            | "rpo"
            | "back_to_level0"
            | "object_rto"
            | "requests_lost"
            | "writes_lost"
    );
    let metric = if needs_fault && cx.faults == 0 && g.chance(0.9) { "availability" } else { metric };
    let mut v: Vec<(&str, Value)> = Vec::new();
    match metric {
        "availability" | "utilisation" | "p_wait" => {
            scope(g, cx, &mut v, metric == "availability");
            let f = g.frac(0.0, 1.0);
            bound(g, &mut v, f);
        }
        "latency" => {
            v.push(("percentile", raw(g.pick(&["50", "90", "99", "99.9", "100"]))));
            scope(g, cx, &mut v, true);
            let b = g.dur_ms(1, 500);
            bound(g, &mut v, b);
        }
        "mean_wait" => {
            scope(g, cx, &mut v, false);
            let b = g.dur_ms(0, 50);
            bound(g, &mut v, b);
        }
        "rto" | "detection" | "withdrawal" | "converged" | "rpo" | "back_to_level0" => {
            v.push(("fault", raw(g.int(1, fault_no()).to_string())));
            if metric == "converged" && g.chance(0.5) {
                v.push(("share", g.frac(0.0, 1.0)));
            }
            let b = g.dur_ms(0, 30000);
            bound(g, &mut v, b);
        }
        "object_rto" | "kv_staleness" | "do_write_latency" => {
            if metric == "object_rto" {
                v.push(("fault", raw(g.int(1, fault_no()).to_string())));
            }
            if g.chance(0.6) {
                v.push(("percentile", raw(g.pick(&["50", "99", "100"]))));
            }
            let b = g.dur_ms(0, 5000);
            bound(g, &mut v, b);
        }
        "limiter_overadmission" => {
            v.push(("limiter", q(g.pick(&["kv", "do"]))));
            let b = g.frac(0.5, 3.0);
            bound(g, &mut v, b);
        }
        "max_level" | "level_at" => {
            if metric == "level_at" {
                v.push(("at", g.dur_ms(0, cx.duration_s * 1000 - 1)));
            } else if !cx.pops.is_empty() && g.chance(0.3) {
                v.push(("pop", q(&g.pick(&cx.pops))));
            }
            if g.chance(0.6) {
                v.push(("eq", raw(g.int(0, 4).to_string())));
            } else {
                let level = raw(g.int(0, 4).to_string());
                bound(g, &mut v, level);
            }
        }
        "time_in_level" => {
            v.push(("level", raw(g.int(0, 4).to_string())));
            let b = g.dur_ms(0, cx.duration_s * 1000);
            bound(g, &mut v, b);
        }
        _ => {
            if matches!(metric, "requests_lost" | "writes_lost") {
                v.push(("fault", raw(g.int(1, fault_no()).to_string())));
            }
            if g.chance(0.3) {
                scope(g, cx, &mut v, false);
            }
            let b = raw(g.int(0, 1000).to_string());
            bound(g, &mut v, b);
        }
    }
    let e = vec![(metric.to_string(), inline(v))];
    d.tables.push(Table { name: "expect".into(), array: true, entries: e, explode: false });
}

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

/// What an edit put in that every reader must reject: (what, text it wrote).
pub type MustReject = Vec<(String, String)>;

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
