//! `report.html`: one self-contained page per run (inline CSS, charts
//! inlined as SVG markup, no external reference of any kind), and
//! `index.html` linking several runs' reports.
//!
//! Every text taken from a file is HTML-escaped. The page holds nothing
//! from `run.json` (wall-clock figures), so the same results give the same
//! bytes.

use crate::check::{Status, Verdict};
use crate::report::charts::{
    fault_map_number, fault_map_stem, ordered_steps, secs, step_label, DO_STEPS, FAULT_STEPS, LEVEL_NAMES,
};
use crate::report::files::write_atomic;
use crate::report::summary::{self, FaultSummary, PopSummary, Summary, SummaryError};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The charts a report shows, in order: (file stem, caption).
pub const CHARTS: [(&str, &str); 7] = [
    ("latency", "Latency p50 and p99 over time, faults shaded, failover steps marked"),
    ("success", "Success ratio over time"),
    ("traffic", "Arrivals per second per PoP"),
    ("load-by-region", "Offered (dashed) and served (solid) load per client region"),
    ("levels", "Degradation / shed level over time"),
    ("object_rto", "Durable Object migration steps"),
    ("map", "World map: PoPs sized by requests, coloured by the worst state they were in"),
];

/// The charts of a run with failure processes, shown in the report's
/// "Failures over the run" section: (file stem, caption).
pub const INCIDENT_CHARTS: [(&str, &str); 3] = [
    ("availability-by-day", "Availability per day (nines), the 99.99% target dashed, incidents marked by cause"),
    ("incident-rto", "Empirical CDF of the incidents' measured RTO, the 30 s PoP and 5 min region targets marked"),
    ("downtime-by-cause", "PoP downtime by cause (random, human repair, regional event), stacked by kind"),
];

/// The caption of a fault's map (`map-fault-N`, after `map` in a report).
pub const FAULT_MAP_CAPTION: &str =
    "The sites a fault moved: their PoP just before it struck (dashed) and while it lasted (solid)";

/// The charts of `dir` a report shows: [`CHARTS`], each fault's map after
/// `map` (fault order).
fn chart_list(dir: &Path) -> Vec<(String, String)> {
    let mut faults: Vec<u32> = fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).filter_map(|e| fault_map_number(&e.file_name().to_string_lossy())).collect())
        .unwrap_or_default();
    faults.sort_unstable();
    let mut list = Vec::new();
    for (stem, caption) in CHARTS {
        list.push((stem.to_string(), caption.to_string()));
        if stem == "map" {
            list.extend(faults.iter().map(|&n| (fault_map_stem(n), format!("Fault {n}. {FAULT_MAP_CAPTION}"))));
        }
    }
    list
}

/// How many PoPs the report's table lists (the busiest first).
pub const REPORT_POPS: usize = 10;

/// One run for `index.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// Scenario name.
    pub scenario: String,
    /// Its results folder, relative to the index's folder (the link).
    pub results_dir: PathBuf,
    /// Expectations that hold.
    pub passed: usize,
    /// Expectations that failed.
    pub failed: usize,
    /// Expectations with nothing to judge them on.
    pub inconclusive: usize,
}

/// Writes `report.html` in `results_dir` from its `summary.json` and the
/// chart SVGs there (those missing are left out); `scenario_toml` is shown
/// as the scenario (empty: a note that it was not given). Returns the path.
pub fn write_report(results_dir: &Path, scenario_toml: &str) -> io::Result<PathBuf> {
    let s = summary::read(&results_dir.join("summary.json")).map_err(|e| {
        let kind = match &e {
            SummaryError::Unreadable { error, .. } => error.kind(),
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, e.to_string())
    })?;
    let mut page = String::new();
    page_start(&mut page, &format!("edgesim: {}", s.scenario));
    header_section(&mut page, &s);
    meta_section(&mut page, &s);
    verdicts_section(&mut page, &s);
    faults_section(&mut page, &s);
    bgp_section(&mut page, &s);
    durable_section(&mut page, &s);
    levels_section(&mut page, &s);
    pops_section(&mut page, &s);
    failures_section(&mut page, results_dir)?;
    charts_section(&mut page, results_dir)?;
    scenario_section(&mut page, scenario_toml);
    page_end(&mut page);
    let path = results_dir.join("report.html");
    write_atomic(&path, page.as_bytes())?;
    Ok(path)
}

/// Writes `index.html` in `dir`: one row per run with its counts and a
/// link to its `report.html`. Returns the path.
pub fn write_index(dir: &Path, runs: &[IndexEntry]) -> io::Result<PathBuf> {
    let mut page = String::new();
    page_start(&mut page, "edgesim runs");
    let failing = runs.iter().filter(|r| r.failed > 0).count();
    let _ = writeln!(page, "<header><h1>edgesim runs</h1>");
    let _ =
        writeln!(page, "<p class=\"lead\">{} runs, {} with a failed expectation.</p></header>", runs.len(), failing);
    let _ = writeln!(page, "<section><table><thead><tr><th>scenario</th><th>status</th>");
    let _ = writeln!(page, "<th class=\"num\">passed</th><th class=\"num\">failed</th><th class=\"num\">inconclusive</th></tr></thead><tbody>");
    for r in runs {
        index_row(&mut page, r);
    }
    let _ = writeln!(page, "</tbody></table></section>");
    page_end(&mut page);
    let path = dir.join("index.html");
    write_atomic(&path, page.as_bytes())?;
    Ok(path)
}

fn index_row(page: &mut String, r: &IndexEntry) {
    let status = badge(overall(r.failed, r.inconclusive));
    let href = link_to(&r.results_dir.join("report.html"));
    let _ = writeln!(
        page,
        "<tr><td><a href=\"{}\">{}</a></td><td>{status}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
        escape(&href),
        escape(&r.scenario),
        r.passed,
        r.failed,
        r.inconclusive
    );
}

/// A relative link to a file: each path part percent-encoded, joined by '/'.
fn link_to(path: &Path) -> String {
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(percent_encode(&s.to_string_lossy())),
            Component::ParentDir => Some("..".to_string()),
            Component::CurDir => Some(".".to_string()),
            Component::RootDir => Some(String::new()),
            Component::Prefix(_) => None,
        })
        .collect();
    parts.join("/")
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

// ---------------------------------------------------------------- values

/// A number with `digits` decimals, or "n/a".
fn fixed(x: Option<f64>, digits: usize) -> String {
    x.map_or("n/a".to_string(), |x| format!("{x:.digits$}"))
}

/// A count with thousands separators: 6,301,918.
fn count(x: Option<f64>) -> String {
    let Some(x) = x else { return "n/a".to_string() };
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 {
        format!("-{out}")
    } else {
        out
    }
}

fn seconds(x: Option<f64>) -> String {
    x.map_or("n/a".to_string(), secs)
}

/// A verdict's status: "pass", "fail" or "inconclusive".
fn status_of(v: &Verdict) -> &'static str {
    match v.status {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::Inconclusive => "inconclusive",
    }
}

/// A count as a number for [`count`].
fn n(x: u64) -> Option<f64> {
    Some(x as f64)
}

/// The overall status of counts: any failure fails, else any
/// inconclusive verdict is inconclusive.
fn overall(failed: usize, inconclusive: usize) -> &'static str {
    if failed > 0 {
        "fail"
    } else if inconclusive > 0 {
        "inconclusive"
    } else {
        "pass"
    }
}

/// A coloured PASS / FAIL / INCONCLUSIVE mark for a status.
pub fn badge(status: &str) -> String {
    let (class, text) = match status {
        "pass" => ("pass", "PASS"),
        "inconclusive" => ("unknown", "INCONCLUSIVE"),
        _ => ("fail", "FAIL"),
    };
    format!("<span class=\"badge {class}\">{text}</span>")
}

/// A table: escaped header cells, then rows of ready HTML cells; columns
/// whose header starts with '#' are numeric (right-aligned).
pub fn table(page: &mut String, headers: &[&str], rows: &[Vec<String>]) {
    let numeric: Vec<bool> = headers.iter().map(|h| h.starts_with('#')).collect();
    let _ = write!(page, "<table><thead><tr>");
    for (h, num) in headers.iter().zip(&numeric) {
        let _ =
            write!(page, "<th{}>{}</th>", if *num { " class=\"num\"" } else { "" }, escape(h.trim_start_matches('#')));
    }
    let _ = writeln!(page, "</tr></thead><tbody>");
    for row in rows {
        let _ = write!(page, "<tr>");
        for (cell, num) in row.iter().zip(numeric.iter().chain(std::iter::repeat(&false))) {
            let _ = write!(page, "<td{}>{cell}</td>", if *num { " class=\"num\"" } else { "" });
        }
        let _ = writeln!(page, "</tr>");
    }
    let _ = writeln!(page, "</tbody></table>");
}

// --------------------------------------------------------------- sections

const CSS: &str = r#"
:root { --fg: #1d2330; --muted: #5b6472; --line: #e3e6eb; --bg: #f6f7f9; --pass: #1a7f37; --fail: #c62828; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; }
header { margin-bottom: 12px; }
h1 { font-size: 28px; margin: 0 0 6px; }
h2 { font-size: 20px; margin: 0 0 12px; }
h3 { font-size: 16px; margin: 18px 0 8px; }
.lead { color: var(--muted); margin: 0; font-size: 16px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 18px 20px; margin: 16px 0; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #fafbfc; font-weight: 600; color: var(--muted); }
tbody tr:nth-child(even) { background: #fbfcfd; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-weight: 700; font-size: 12px; color: #fff; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.unknown { background: #8a6d00; }
.verdict { font-size: 16px; margin-top: 10px; }
dl.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 10px 24px; margin: 0; }
dl.meta div { border-left: 3px solid var(--line); padding-left: 10px; }
dl.meta dt { color: var(--muted); font-size: 13px; } dl.meta dd { margin: 0; font-weight: 600; word-break: break-all; }
.facts { color: var(--muted); margin: 0 0 8px; }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
figure { margin: 0 0 22px; } figure svg { width: 100%; height: auto; display: block; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
pre { background: #1f2430; color: #e6e6e6; padding: 14px 16px; border-radius: 6px; overflow-x: auto; font: 13px/1.45 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
a { color: #0b57d0; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
"#;

/// Opens a self-contained page titled `title` (escaped), with the reports'
/// shared inline CSS; close it with [`page_end`].
pub fn page_start(page: &mut String, title: &str) {
    let _ = writeln!(page, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">");
    let _ = writeln!(page, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = writeln!(page, "<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>", escape(title));
}

/// Closes a page opened by [`page_start`].
pub fn page_end(page: &mut String) {
    let _ = writeln!(page, "</main>\n</body>\n</html>");
}

fn header_section(page: &mut String, s: &Summary) {
    let verdicts = &s.expectations;
    let count_of = |status: &str| verdicts.iter().filter(|v| status_of(v) == status).count();
    let (passed, failed, inconclusive) = (count_of("pass"), count_of("fail"), count_of("inconclusive"));
    let _ = writeln!(page, "<header><h1>{}</h1>", escape(&s.scenario));
    if !s.description.is_empty() {
        let _ = writeln!(page, "<p class=\"lead\">{}</p>", escape(&s.description));
    }
    let unsure = if inconclusive > 0 { format!(", {inconclusive} inconclusive") } else { String::new() };
    let _ = writeln!(
        page,
        "<p class=\"verdict\">{} {passed} of {} expectations hold{unsure}.</p></header>",
        badge(overall(failed, inconclusive)),
        verdicts.len()
    );
}

fn meta_section(page: &mut String, s: &Summary) {
    let req = &s.requests;
    let lat = &s.latency_ms.all;
    let items = [
        ("seed", s.seed.to_string()),
        ("simulated duration", secs(s.sim_duration_s)),
        ("warm-up (not measured)", secs(s.warmup_s)),
        ("time-series bucket", secs(s.bucket_s)),
        ("events handled", count(n(s.events_handled))),
        ("trace hash", s.trace_hash.clone()),
        ("edgesim version", s.edgesim_version.clone()),
        ("summary schema", s.schema_version.to_string()),
        ("requests issued", count(n(req.issued))),
        ("succeeded / failed", format!("{} / {}", count(n(req.succeeded)), count(n(req.failed)))),
        ("drain after the end", secs(req.drain_s)),
        (
            "finished in the drain / given up at its end",
            format!("{} / {}", count(n(req.finished_in_drain)), count(n(req.given_up_at_end))),
        ),
        ("availability", fixed(s.availability, 6)),
        ("latency p50 / p99", format!("{} / {} ms", fixed(Some(lat.p50), 3), fixed(Some(lat.p99), 3))),
        ("latency p99.9 / max", format!("{} / {} ms", fixed(Some(lat.p999), 3), fixed(Some(lat.max), 3))),
        ("attempts per request", fixed(s.attempts_per_request, 4)),
        ("client networks", count(n(s.client_networks as u64))),
    ];
    let _ = writeln!(page, "<section><h2>Run</h2><dl class=\"meta\">");
    for (k, v) in items {
        let _ = writeln!(page, "<div><dt>{}</dt><dd>{}</dd></div>", escape(k), escape(&v));
    }
    let _ = writeln!(page, "</dl></section>");
}

fn verdicts_section(page: &mut String, s: &Summary) {
    let verdicts = &s.expectations;
    let _ = writeln!(page, "<section><h2>Expectations</h2>");
    if verdicts.is_empty() {
        let _ = writeln!(page, "<p class=\"facts\">The scenario states no expectation.</p></section>");
        return;
    }
    let rows: Vec<Vec<String>> =
        verdicts.iter().map(|v| vec![badge(status_of(v)), escape(&v.text), escape(&v.observed_text)]).collect();
    table(page, &["verdict", "expectation", "observed"], &rows);
    let _ = writeln!(page, "</section>");
}

fn faults_section(page: &mut String, s: &Summary) {
    if s.faults.is_empty() {
        return;
    }
    let _ = writeln!(page, "<section><h2>Failover timeline</h2>");
    for (i, f) in s.faults.iter().enumerate() {
        fault_block(page, i, f);
    }
    let _ = writeln!(page, "</section>");
}

fn fault_title(i: usize, f: &FaultSummary) -> String {
    format!("Fault {}: {} {} at {}", i + 1, f.kind, f.target, secs(f.at_s))
}

/// A timeline as (step, seconds) in time order.
fn timeline(steps: &BTreeMap<String, f64>, order: &[&str]) -> Vec<(String, f64)> {
    ordered_steps(steps.iter().map(|(k, x)| (k.clone(), *x)).collect(), order)
}

fn fault_block(page: &mut String, i: usize, f: &FaultSummary) {
    let _ = writeln!(page, "<h3>{}</h3>", escape(&fault_title(i, f)));
    let _ = writeln!(
        page,
        "<p class=\"facts\">RTO {}; requests lost {} of {} affected; {} client networks affected; {} attempts per affected request.</p>",
        escape(&seconds(f.rto_s)),
        count(n(f.requests_lost)),
        count(n(f.requests_affected)),
        count(n(u64::from(f.affected_networks))),
        fixed(f.attempts_per_request, 3)
    );
    let rows: Vec<Vec<String>> = timeline(&f.timeline, &FAULT_STEPS)
        .into_iter()
        .map(|(k, x)| vec![escape(&step_label(&k)), format!("+{}", escape(&secs(x))), escape(&secs(f.at_s + x))])
        .collect();
    let _ = writeln!(page, "<div class=\"grid2\"><div>");
    table(page, &["step", "#after the fault", "#since the start"], &rows);
    let _ = writeln!(page, "</div><div>");
    fault_latency(page, f);
    let _ = writeln!(page, "</div></div>");
}

/// Latency of the affected successes before, during and after the fault.
fn fault_latency(page: &mut String, f: &FaultSummary) {
    if f.latency_ms.is_empty() {
        let _ = writeln!(page, "<p class=\"facts\">No affected request succeeded.</p>");
        return;
    }
    let rows: Vec<Vec<String>> = ["before", "during", "after"]
        .iter()
        .filter_map(|w| f.latency_ms.get(*w).map(|p| (w, p)))
        .map(|(w, p)| {
            let mut row = vec![escape(w)];
            row.extend([p.p50, p.p99, p.p999, p.max].iter().map(|x| fixed(Some(*x), 3)));
            row
        })
        .collect();
    table(page, &["affected latency (ms)", "#p50", "#p99", "#p99.9", "#max"], &rows);
}

/// BGP under path-vector convergence: the generated Internet, the updates,
/// and each fault's per-network convergence.
fn bgp_section(page: &mut String, s: &Summary) {
    let Some(b) = &s.bgp else { return };
    let _ = writeln!(page, "<section><h2>BGP</h2>");
    let _ = writeln!(
        page,
        "<p class=\"facts\">{} ASes, {} routers, {} sessions; {} of client networks served by their \
         geographically nearest PoP in steady state; {} announcements and {} withdrawals over the run, \
         {} routes suppressed by damping.</p>",
        count(n(b.ases as u64)),
        count(n(b.routers as u64)),
        count(n(b.sessions as u64)),
        escape(&format!("{:.1}%", b.nearest_pop_share * 100.0)),
        count(n(b.announcements)),
        count(n(b.withdrawals)),
        count(n(b.suppressions))
    );
    let rows: Vec<Vec<String>> = s
        .faults
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let c = f.convergence_s.as_ref();
            vec![
                escape(&fault_title(i, f)),
                count(f.route_changes.map(f64::from)),
                c.map_or("-".to_string(), |c| escape(&format!("{:.0}%", c.within_10s * 100.0))),
                c.map_or("-".to_string(), |c| escape(&secs(c.p50))),
                c.map_or("-".to_string(), |c| escape(&secs(c.p80))),
                c.map_or("-".to_string(), |c| escape(&secs(c.max))),
            ]
        })
        .collect();
    let headers = ["fault", "#route changes", "#moved within 10 s", "#p50", "#p80", "#last"];
    table(page, &headers, &rows);
    let _ = writeln!(page, "</section>");
}

fn durable_section(page: &mut String, s: &Summary) {
    let with_do: Vec<(usize, &FaultSummary)> =
        s.faults.iter().enumerate().filter(|(_, f)| f.durable_objects.is_some()).collect();
    if with_do.is_empty() {
        return;
    }
    let _ = writeln!(page, "<section><h2>Durable Object migration</h2>");
    for (i, f) in with_do {
        let Some(d) = &f.durable_objects else { continue };
        let q = &d.object_rto_s;
        let _ = writeln!(page, "<h3>{}</h3>", escape(&fault_title(i, f)));
        let _ = writeln!(
            page,
            "<p class=\"facts\">{} objects migrated; RPO {}; {} acknowledged writes lost; object RTO p50 {}, p99 {}, max {}.</p>",
            count(n(d.objects as u64)),
            escape(&secs(d.rpo_s)),
            count(n(d.writes_lost)),
            escape(&secs(q.p50)),
            escape(&secs(q.p99)),
            escape(&secs(q.max))
        );
        let rows: Vec<Vec<String>> = timeline(&d.timeline, &DO_STEPS)
            .into_iter()
            .map(|(k, x)| vec![escape(&step_label(&k)), format!("+{}", escape(&secs(x)))])
            .collect();
        table(page, &["migration step", "#after the fault"], &rows);
    }
    let _ = writeln!(page, "</section>");
}

/// "3 (PoPs failed)" for a level number.
fn level_name(level: usize) -> String {
    let name = LEVEL_NAMES.get(level).map_or(String::new(), |n| format!(" ({n})"));
    format!("{level}{name}")
}

fn levels_section(page: &mut String, s: &Summary) {
    let levels = &s.levels;
    let by_pop: Vec<String> = levels.max_level_by_pop.iter().map(|(pop, l)| format!("{pop} {l}")).collect();
    let pops = if by_pop.is_empty() { "none".to_string() } else { by_pop.join(", ") };
    let _ = writeln!(page, "<section><h2>Degradation levels</h2>");
    let _ = writeln!(
        page,
        "<p class=\"facts\">Highest global level {}; at the end {}. Highest level by PoP: {}.</p>",
        escape(&level_name(levels.max_level.into())),
        escape(&level_name(levels.final_level.into())),
        escape(&pops)
    );
    let time: Vec<Vec<String>> = levels
        .time_in_level_s
        .iter()
        .enumerate()
        .map(|(i, t)| vec![escape(&level_name(i)), escape(&secs(*t))])
        .collect();
    let changes: Vec<Vec<String>> =
        levels.transitions.iter().map(|c| vec![escape(&secs(c.t_s)), escape(&level_name(c.level.into()))]).collect();
    let _ = writeln!(page, "<div class=\"grid2\"><div>");
    table(page, &["global level", "#time in it"], &time);
    let _ = writeln!(page, "</div><div>");
    if changes.is_empty() {
        let _ = writeln!(page, "<p class=\"facts\">The global level never changed.</p>");
    } else {
        table(page, &["since the start", "global level became"], &changes);
    }
    let _ = writeln!(page, "</div></div></section>");
}

fn pops_section(page: &mut String, s: &Summary) {
    let mut pops: Vec<&PopSummary> = s.pops.iter().collect();
    if pops.is_empty() {
        return;
    }
    pops.sort_by_key(|p| std::cmp::Reverse(p.requests));
    let shown = pops.len().min(REPORT_POPS);
    let _ = writeln!(page, "<section><h2>PoPs</h2><p class=\"facts\">The {shown} busiest of {} PoPs by requests; every PoP is in summary.json.</p>", pops.len());
    let rows: Vec<Vec<String>> = pops.iter().take(REPORT_POPS).map(|p| pop_row(p)).collect();
    let headers = [
        "PoP",
        "city",
        "#servers",
        "#requests",
        "#utilisation",
        "#mean wait (ms)",
        "#p_wait",
        "#rejected",
        "#shed",
        "#spilled out / in",
        "#p50 (ms)",
        "#p99 (ms)",
    ];
    table(page, &headers, &rows);
    let _ = writeln!(page, "</section>");
}

fn pop_row(p: &PopSummary) -> Vec<String> {
    let shed: f64 = p.shed_by_class.values().map(|x| *x as f64).sum();
    let spilled = format!("{} / {}", count(n(p.spilled_out)), count(n(p.spilled_in)));
    [
        p.code.clone(),
        p.city.clone(),
        count(n(u64::from(p.servers))),
        count(n(p.requests)),
        fixed(Some(p.utilisation), 4),
        fixed(Some(p.mean_wait_ms), 3),
        fixed(Some(p.p_wait), 4),
        count(n(p.rejected)),
        count(Some(shed)),
        spilled,
        fixed(Some(p.latency_p50_ms), 3),
        fixed(Some(p.latency_p99_ms), 3),
    ]
    .iter()
    .map(|c| escape(c))
    .collect()
}

fn charts_section(page: &mut String, dir: &Path) -> io::Result<()> {
    let figures = figures(dir, chart_list(dir))?;
    if !figures.is_empty() {
        let _ = writeln!(page, "<section><h2>Charts</h2>\n{figures}</section>");
    }
    Ok(())
}

/// The incident charts ([`INCIDENT_CHARTS`]), when the run drew them (a
/// run with `[[failure]]`).
fn failures_section(page: &mut String, dir: &Path) -> io::Result<()> {
    let list = INCIDENT_CHARTS.iter().map(|(s, c)| (s.to_string(), c.to_string())).collect();
    let figures = figures(dir, list)?;
    if !figures.is_empty() {
        let _ = writeln!(page, "<section><h2>Failures over the run</h2>\n{figures}</section>");
    }
    Ok(())
}

/// A figure per chart of `list` whose SVG is in `dir` (those missing left
/// out).
fn figures(dir: &Path, list: Vec<(String, String)>) -> io::Result<String> {
    let mut figures = String::new();
    for (stem, caption) in list {
        let path = dir.join(format!("{stem}.svg"));
        let svg = match fs::read_to_string(&path) {
            Ok(svg) => svg,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io::Error::new(e.kind(), format!("{}: cannot read: {e}", path.display()))),
        };
        let Some(inline) = inline_svg(&svg, &caption) else {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{}: not an SVG image", path.display())));
        };
        let _ = writeln!(
            figures,
            "<figure id=\"chart-{stem}\">{inline}<figcaption>{} ({stem}.svg and {stem}.png in this folder)</figcaption></figure>",
            escape(&caption)
        );
    }
    Ok(figures)
}

/// An SVG file as markup to put inside HTML: anything before `<svg`
/// dropped and its opening tag replaced by one with only a `viewBox` (so
/// it scales) and an accessible name; no namespace URL is needed inline.
pub fn inline_svg(svg: &str, label: &str) -> Option<String> {
    let start = svg.find("<svg")?;
    let open_end = start + svg[start..].find('>')?;
    let open = &svg[start..open_end];
    let attr = |name: &str| {
        let key = format!(" {name}=\"");
        let from = open.find(&key)? + key.len();
        Some(open[from..from + open[from..].find('"')?].to_string())
    };
    let view_box = attr("viewBox")
        .or_else(|| Some(format!("0 0 {} {}", attr("width")?, attr("height")?)))
        .unwrap_or_else(|| "0 0 1200 500".to_string());
    let body = svg[open_end + 1..].trim_end();
    Some(format!("<svg viewBox=\"{}\" role=\"img\" aria-label=\"{}\">{body}", escape(&view_box), escape(label)))
}

fn scenario_section(page: &mut String, scenario_toml: &str) {
    let _ = writeln!(page, "<section><h2>Scenario</h2>");
    if scenario_toml.trim().is_empty() {
        let _ = writeln!(page, "<p class=\"facts\">The scenario file was not given.</p></section>");
        return;
    }
    let _ = writeln!(page, "<pre id=\"scenario\">{}</pre></section>", escape(scenario_toml));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(escape("a<b & \"c\" 'd'>"), "a&lt;b &amp; &quot;c&quot; &#39;d&#39;&gt;");
    }

    #[test]
    fn links_are_percent_encoded_and_relative() {
        assert_eq!(link_to(Path::new("runs/pop failure#1/report.html")), "runs/pop%20failure%231/report.html");
        assert_eq!(link_to(Path::new("../x/report.html")), "../x/report.html");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(Some(6301918.0)), "6,301,918");
        assert_eq!(count(Some(918.0)), "918");
        assert_eq!(count(None), "n/a");
    }

    #[test]
    fn inline_svg_drops_the_namespace_and_keeps_the_view_box() {
        let svg = "<?xml version=\"1.0\"?>\n<svg width=\"10\" height=\"5\" xmlns=\"http://www.w3.org/2000/svg\">\n<rect/></svg>\n";
        let out = inline_svg(svg, "a <chart>").expect("an svg");
        assert_eq!(out, "<svg viewBox=\"0 0 10 5\" role=\"img\" aria-label=\"a &lt;chart&gt;\">\n<rect/></svg>");
    }
}
