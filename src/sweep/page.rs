//! A sweep's `report.html`: one self-contained page (inline CSS and SVG, no
//! external reference) with the sweep's spec, each grid point's measures
//! with their intervals and expectation pass rates (with the seeds to
//! replay), and the sweep's charts.
//!
//! Built from sweep.json's [`SweepReport`] and the chart SVGs only (no
//! wall-clock figure), so the same sweep gives the same bytes.

use super::charts::by_parameter_measures;
use super::stats::MeasureStats;
use super::{PointReport, SweepReport};
use crate::report::files::write_atomic;
use crate::report::html::{badge, escape, inline_svg, page_end, page_start, table};
use crate::report::short_number;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// How the page explains its intervals.
const METHOD: &str = "Means carry a 95% Student's t interval (mean ± t(0.975, n−1) · s/√n). \
Percentiles are nearest-rank; their 95% intervals are distribution-free: the pair of order statistics \
whose binomial coverage is at least 95% (none when there are too few runs for that). \
A replication's measures come from its summary.json; a run that never reached a value \
(an RTO never reached) counts as missing, not as zero.";

/// Writes `report.html` in `dir` for `report`, inlining the chart SVGs
/// listed in `charts` (paths in `dir`; PNGs are skipped) and showing
/// `scenario_toml`. Returns the path.
pub fn write_sweep_report(
    dir: &Path,
    report: &SweepReport,
    charts: &[PathBuf],
    scenario_toml: &str,
) -> io::Result<PathBuf> {
    let mut page = String::new();
    page_start(&mut page, &format!("edgesim sweep: {}", report.scenario.name));
    header(&mut page, report);
    spec_section(&mut page, report);
    charts_section(&mut page, report, charts)?;
    for p in &report.points {
        point_section(&mut page, report, p);
    }
    let _ = writeln!(page, "<section><h2>Scenario</h2><pre id=\"scenario\">{}</pre></section>", escape(scenario_toml));
    page_end(&mut page);
    let path = dir.join("report.html");
    write_atomic(&path, page.as_bytes())?;
    Ok(path)
}

/// Whether every expectation passed in every replication of every point.
fn all_passed(report: &SweepReport) -> bool {
    report.errors == 0 && report.points.iter().flat_map(|p| &p.expectations).all(|e| e.not_passed.count == 0)
}

fn header(page: &mut String, r: &SweepReport) {
    let _ = writeln!(page, "<header><h1>Sweep: {}</h1>", escape(&r.scenario.name));
    let _ = writeln!(
        page,
        "<p class=\"lead\">{} grid points × {} replications = {} runs ({} gave no result).</p>",
        r.points.len(),
        r.seeds_per_point,
        r.runs,
        r.errors
    );
    let verdict = if all_passed(r) {
        format!("{} every expectation passed in every replication.", badge("pass"))
    } else {
        format!("{} some replications did not pass; their seeds are listed per point.", badge("fail"))
    };
    let _ = writeln!(page, "<p class=\"verdict\">{verdict}</p></header>");
}

fn spec_section(page: &mut String, r: &SweepReport) {
    let axes: Vec<String> = r.axes.iter().map(|a| format!("{} = {}", a.path, a.values.join(", "))).collect();
    let items = [
        ("scenario file", r.scenario.file.clone()),
        ("scenario text hash (FNV-1a 64)", r.scenario.text_hash.clone()),
        ("master seed", r.master_seed.to_string()),
        ("replication seed", r.seed_rule.to_string()),
        ("swept", if axes.is_empty() { "nothing (seeds only)".to_string() } else { axes.join("; ") }),
        ("event limit per run", r.max_events.map_or("none".to_string(), |m| m.to_string())),
        ("confidence", format!("{}", r.confidence)),
        ("edgesim version", r.edgesim_version.to_string()),
    ];
    let _ = writeln!(page, "<section><h2>Sweep</h2><dl class=\"meta\">");
    for (k, v) in items {
        let _ = writeln!(page, "<div><dt>{}</dt><dd>{}</dd></div>", escape(k), escape(&v));
    }
    let _ = writeln!(page, "</dl><p class=\"facts\">{}</p></section>", escape(METHOD));
}

/// A caption for a chart file's stem.
fn caption(report: &SweepReport, stem: &str) -> String {
    if let Some(f) = stem.strip_prefix("rto_ecdf_fault") {
        return format!("RTO of fault {f} across replications (empirical CDF)");
    }
    if stem == "pass_rate" {
        return "Expectation pass rate against the first swept parameter".to_string();
    }
    by_parameter_measures(report)
        .into_iter()
        .find(|(m, _)| format!("sweep_{}", m.replace('.', "_")) == stem)
        .map_or(stem.to_string(), |(_, title)| format!("{title} against the first swept parameter"))
}

fn charts_section(page: &mut String, report: &SweepReport, charts: &[PathBuf]) -> io::Result<()> {
    let mut figures = String::new();
    for path in charts.iter().filter(|p| p.extension().is_some_and(|e| e == "svg")) {
        let stem = path.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
        let svg = fs::read_to_string(path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: cannot read: {e}", path.display())))?;
        let caption = caption(report, &stem);
        let inline = inline_svg(&svg, &caption).ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidData, format!("{}: not an SVG image", path.display()))
        })?;
        let _ = writeln!(
            figures,
            "<figure id=\"chart-{}\">{inline}<figcaption>{} ({}.svg and .png in this folder)</figcaption></figure>",
            escape(&stem),
            escape(&caption),
            escape(&stem)
        );
    }
    if !figures.is_empty() {
        let _ = writeln!(page, "<section><h2>Charts</h2>\n{figures}</section>");
    }
    Ok(())
}

/// A number in at most 6 significant digits; "-" for none.
fn num(x: Option<f64>) -> String {
    x.filter(|x| x.is_finite()).map_or("-".to_string(), short_number)
}

fn interval(lo: Option<f64>, hi: Option<f64>) -> String {
    if lo.is_none() && hi.is_none() {
        "-".to_string()
    } else {
        format!("[{}, {}]", num(lo), num(hi))
    }
}

fn measure_row(name: &str, s: &MeasureStats) -> Vec<String> {
    vec![
        escape(name),
        s.n.to_string(),
        s.missing.to_string(),
        num(Some(s.mean)),
        interval(s.ci_low, s.ci_high),
        num(Some(s.p50)),
        interval(s.p50_ci[0], s.p50_ci[1]),
        num(Some(s.p99)),
        interval(s.p99_ci[0], s.p99_ci[1]),
        num(Some(s.max)),
    ]
    .into_iter()
    .map(|c| if c.starts_with('[') || c == "-" { escape(&c) } else { c })
    .collect()
}

fn point_section(page: &mut String, report: &SweepReport, p: &PointReport) {
    let label = if p.label.is_empty() { "the scenario as written".to_string() } else { p.label.clone() };
    let _ = writeln!(
        page,
        "<section id=\"point-{}\"><h2>Point {} of {}: {}</h2>",
        p.index + 1,
        p.index + 1,
        report.points.len(),
        escape(&label)
    );
    let _ = writeln!(page, "<p class=\"facts\">{} runs, {} without a result.</p>", p.runs, p.errors.seeds.count);
    expectations_table(page, p);
    let rows: Vec<Vec<String>> = p.measures.iter().map(|(n, s)| measure_row(n, s)).collect();
    let _ = writeln!(page, "<h3>Measures</h3>");
    table(
        page,
        &["measure", "#n", "#missing", "#mean", "#95% CI", "#p50", "#p50 95% CI", "#p99", "#p99 95% CI", "#max"],
        &rows,
    );
    if p.errors.seeds.count > 0 {
        let why: Vec<String> = p.errors.messages.iter().map(|(m, n)| format!("{m} ({n})")).collect();
        let seeds: Vec<String> = p.errors.seeds.seeds.iter().map(u64::to_string).collect();
        let _ = writeln!(
            page,
            "<p class=\"facts\">No result: {}; seeds {}.</p>",
            escape(&why.join("; ")),
            escape(&seeds.join(", "))
        );
    }
    let _ = writeln!(page, "<p class=\"facts\">Replay a seed: <code>{}</code></p></section>", escape(&p.replay));
}

fn expectations_table(page: &mut String, p: &PointReport) {
    if p.expectations.is_empty() {
        return;
    }
    let rows: Vec<Vec<String>> = p
        .expectations
        .iter()
        .map(|e| {
            let status = match (e.failed, e.inconclusive) {
                (0, 0) if e.runs > 0 => "pass",
                (0, _) => "inconclusive",
                _ => "fail",
            };
            let listed: Vec<String> = e.not_passed.seeds.iter().map(u64::to_string).collect();
            let more = if e.not_passed.count > listed.len() { ", …" } else { "" };
            vec![
                badge(status),
                escape(&e.text),
                e.pass_rate.map_or("-".to_string(), |r| format!("{:.1}%", r * 100.0)),
                e.passed.to_string(),
                e.failed.to_string(),
                e.inconclusive.to_string(),
                escape(&format!("{}{more}", listed.join(", "))),
            ]
        })
        .collect();
    let _ = writeln!(page, "<h3>Expectations</h3>");
    table(page, &["", "expectation", "#pass rate", "#passed", "#failed", "#inconclusive", "seeds not passed"], &rows);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_six_significant_digits() {
        assert_eq!(num(Some(0.998_592_123)), "0.998592");
        assert_eq!(num(Some(18.0)), "18");
        assert_eq!(num(None), "-");
        assert_eq!(interval(Some(1.0), None), "[1, -]");
    }
}
