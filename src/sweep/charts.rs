//! Charts of a sweep, each as SVG and PNG (same look and embedded font as a
//! run's charts):
//!
//! - `rto_ecdf_fault{i}`: the empirical CDF of fault `i`'s RTO across
//!   replications, one curve per grid point (the first
//!   [`SWEEP_SERIES`]); a run that never recovered keeps its curve below 1;
//! - `sweep_<measure>` (only with `--set` axes, and not for a measure that
//!   is 0 in every run): a headline measure against
//!   the first swept parameter: the mean with its 95% t interval as a band,
//!   and the bad tail (p99, or the worst run for availability) dashed; one
//!   colour per combination of the other axes;
//! - `pass_rate` (only with axes): each expectation's pass rate against the
//!   first swept parameter.
//!
//! Everything is read from the [`SweepReport`] and the run records, so the
//! same sweep gives the same bytes.

use super::stats::MeasureStats;
use super::{PointReport, RunRecord, SweepReport};
use crate::report::charts::{
    draw_header, draw_legend, font, font_colored, register_font, render, secs, tick, Chart, ChartError, Drawn, Swatch,
    GREY, GRID, HEADER_H, LEGEND_W, MARGIN, SERIES_COLORS, X_AREA,
};
use crate::scenario::units::parse_duration;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// At most this many grid points (or series) are drawn in one chart.
pub const SWEEP_SERIES: usize = 8;

/// The measures drawn against the swept parameter, when present: (measure
/// or prefix, axis title). `fault*` rows stand for every fault's measure.
pub const BY_PARAMETER: [(&str, &str); 7] = [
    ("availability", "availability (share of requests answered)"),
    ("latency_ms.p99", "latency p99 (ms)"),
    ("max_pop_utilisation", "busiest PoP's utilisation"),
    ("shed", "requests shed"),
    ("fault*.rto_s", "RTO (s)"),
    ("fault*.rpo_s", "RPO (s)"),
    ("fault*.object_rto_p99_s", "Durable Object RTO p99 (s)"),
];

/// Writes every sweep chart `report` and `records` allow into `dir`;
/// returns the files written (SVG then PNG of each), in the order of the
/// module's list.
pub fn render_sweep(dir: &Path, report: &SweepReport, records: &[RunRecord]) -> Result<Vec<PathBuf>, ChartError> {
    register_font()?;
    let mut written = Vec::new();
    for fault in faults_with(report, "rto_s") {
        let chart = EcdfChart::new(report, records, fault);
        if chart.series.iter().any(|s| !s.values.is_empty()) {
            render(dir, &format!("rto_ecdf_fault{fault}"), &chart, &mut written)?;
        }
    }
    if report.axes.is_empty() {
        return Ok(written);
    }
    for (measure, title) in by_parameter_measures(report) {
        let all_zero =
            report.points.iter().filter_map(|p| p.measures.get(&measure)).all(|m| m.min == 0.0 && m.max == 0.0);
        if all_zero {
            continue;
        }
        let chart = ParameterChart::new(report, &measure, &title);
        render(dir, &format!("sweep_{}", measure.replace('.', "_")), &chart, &mut written)?;
    }
    if report.points.iter().any(|p| !p.expectations.is_empty()) {
        render(dir, "pass_rate", &PassRateChart::new(report), &mut written)?;
    }
    Ok(written)
}

/// The fault numbers (from 1) for which some point has `fault{i}.<suffix>`.
fn faults_with(report: &SweepReport, suffix: &str) -> Vec<usize> {
    let mut faults: Vec<usize> = report
        .points
        .iter()
        .flat_map(|p| p.measures.keys())
        .filter_map(|name| name.strip_prefix("fault")?.strip_suffix(suffix)?.strip_suffix('.')?.parse().ok())
        .collect();
    faults.sort_unstable();
    faults.dedup();
    faults
}

/// The measures of [`BY_PARAMETER`] that some point has, with axis titles
/// (a fault's with its number when there are several faults).
pub fn by_parameter_measures(report: &SweepReport) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, title) in BY_PARAMETER {
        if let Some(suffix) = name.strip_prefix("fault*.") {
            let faults = faults_with(report, suffix);
            for f in &faults {
                let title = if faults.len() > 1 { format!("fault {f}: {title}") } else { title.to_string() };
                out.push((format!("fault{f}.{suffix}"), title));
            }
        } else if report.points.iter().any(|p| p.measures.contains_key(name)) {
            out.push((name.to_string(), title.to_string()));
        }
    }
    out
}

/// A label cut to fit the legend column.
fn legend_label(s: &str) -> String {
    const MAX: usize = 26;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let cut: String = s.chars().take(MAX - 1).collect();
        format!("{cut}…")
    }
}

/// A point's settings for a legend: `name=value` with each path's last
/// segment (`interval=5s,servers=16`), the whole path where last segments
/// repeat; "as written" for the point of a sweep without axes.
fn point_name(report: &SweepReport, p: &PointReport) -> String {
    if p.set.is_empty() {
        return "as written".to_string();
    }
    let last = |path: &str| path.rsplit('.').next().unwrap_or(path).to_string();
    let mut names: Vec<String> = report.axes.iter().map(|a| last(&a.path)).collect();
    names.sort();
    let unique = names.windows(2).all(|w| w[0] != w[1]);
    let parts: Vec<String> =
        p.set.iter().map(|s| format!("{}={}", if unique { last(&s.path) } else { s.path.clone() }, s.value)).collect();
    parts.join(",")
}

// ------------------------------------------------------------- RTO ECDF

/// One grid point's sorted values and how many of its runs gave none.
struct EcdfSeries {
    label: String,
    values: Vec<f64>,
    missing: usize,
}

/// The empirical CDF of a fault's RTO across replications.
struct EcdfChart<'a> {
    report: &'a SweepReport,
    fault: usize,
    series: Vec<EcdfSeries>,
}

impl<'a> EcdfChart<'a> {
    fn new(report: &'a SweepReport, records: &[RunRecord], fault: usize) -> Self {
        let measure = format!("fault{fault}.rto_s");
        let mut series: Vec<EcdfSeries> = report
            .points
            .iter()
            .take(SWEEP_SERIES)
            .map(|p| EcdfSeries { label: point_name(report, p), values: Vec::new(), missing: 0 })
            .collect();
        for r in records.iter().filter(|r| r.error.is_none()) {
            let Some(s) = series.get_mut(r.point) else { continue };
            match r.measures.get(&measure) {
                Some(v) => s.values.push(*v),
                None => s.missing += 1,
            }
        }
        for s in &mut series {
            s.values.sort_by(f64::total_cmp);
        }
        EcdfChart { report, fault, series }
    }

    fn stats(&self) -> Option<&'a MeasureStats> {
        self.report.points.first()?.measures.get(&format!("fault{}.rto_s", self.fault))
    }

    fn subtitle(&self) -> String {
        let runs = self.report.seeds_per_point;
        let shown = if self.report.points.len() > SWEEP_SERIES {
            format!("; the first {SWEEP_SERIES} of {} grid points", self.report.points.len())
        } else {
            String::new()
        };
        let never: usize = self.series.iter().map(|s| s.missing).sum();
        let never =
            if never > 0 { format!("; {never} runs never recovered (the curve stays below 1)") } else { String::new() };
        match (self.report.points.len(), self.stats()) {
            (1, Some(s)) => format!(
                "{runs} replications: p50 {} [95% CI {}, {}], p99 {} [{}, {}], max {}{never}",
                secs(s.p50),
                opt_secs(s.p50_ci[0]),
                opt_secs(s.p50_ci[1]),
                secs(s.p99),
                opt_secs(s.p99_ci[0]),
                opt_secs(s.p99_ci[1]),
                secs(s.max)
            ),
            _ => format!("{runs} replications per grid point{shown}{never}"),
        }
    }

    fn x_range(&self) -> Range<f64> {
        let all = || self.series.iter().flat_map(|s| s.values.iter().copied());
        let lo = all().fold(f64::INFINITY, f64::min);
        let hi = all().fold(f64::NEG_INFINITY, f64::max);
        let pad = ((hi - lo) * 0.05).max(0.5);
        (lo - pad).max(0.0)..hi + pad
    }
}

fn opt_secs(x: Option<f64>) -> String {
    x.map_or("-".to_string(), secs)
}

/// The staircase of an ECDF over `n` runs: each value lifts the curve by 1/n.
fn ecdf_steps(values: &[f64], n: usize, from: f64) -> Vec<(f64, f64)> {
    let n = n.max(1) as f64;
    let mut pts = vec![(from, 0.0)];
    for (k, v) in values.iter().enumerate() {
        pts.push((*v, k as f64 / n));
        pts.push((*v, (k + 1) as f64 / n));
    }
    pts
}

impl Chart for EcdfChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let title = format!("RTO of fault {} across replications (empirical CDF)", self.fault);
        draw_header(root, &title, &self.subtitle())?;
        let x = self.x_range();
        let axes = PlotAxes {
            x_desc: "RTO (s after the fault)",
            y_desc: "share of replications with RTO <= x",
            x_labels: 12,
            y_labels: 6,
            digits: (2, 2),
            y_area: 60,
        };
        let mut chart = plot(root, x.clone(), 0.0..1.02, &axes)?;
        let mut legend = Vec::new();
        for (i, s) in self.series.iter().enumerate() {
            let color = SERIES_COLORS[i % SERIES_COLORS.len()];
            let steps = ecdf_steps(&s.values, s.values.len() + s.missing, x.start);
            let mut line = steps.clone();
            if let Some(&(_, top)) = steps.last() {
                line.push((x.end, top));
            }
            chart.draw_series(LineSeries::new(line, color.stroke_width(2)))?;
            legend.push((legend_label(&s.label), Swatch::Line(color)));
        }
        if let (1, Some(s)) = (self.series.len(), self.stats()) {
            for (q, v) in [("p50", s.p50), ("p99", s.p99)] {
                let (px, top) = chart.backend_coord(&(v, 1.02));
                let (_, bottom) = chart.backend_coord(&(v, 0.0));
                root.draw(&PathElement::new(vec![(px, top), (px, bottom)], GREY.mix(0.7).stroke_width(1)))?;
                let label = format!("{q} {}", secs(v));
                let style = font_colored(13, GREY).pos(Pos::new(HPos::Right, VPos::Top));
                root.draw(&Text::new(label, (px - 4, top + if q == "p50" { 4 } else { 22 }), style))?;
            }
        }
        let (px, _) = chart.plotting_area().get_pixel_range();
        draw_legend(root, px.end + 16, HEADER_H + 10, &legend)?;
        Ok(())
    }
}

// ----------------------------------------------- measure against parameter

/// Where the first axis's values go across: numbers, durations (in s), or
/// evenly spaced categories.
#[derive(Debug, Clone, PartialEq)]
enum XScale {
    Numeric { positions: Vec<f64>, unit: &'static str },
    Categories,
}

impl XScale {
    fn of(values: &[String]) -> XScale {
        if let Some(positions) = values.iter().map(|v| v.parse::<f64>().ok().filter(|x| x.is_finite())).collect() {
            return XScale::Numeric { positions, unit: "" };
        }
        let secs: Option<Vec<f64>> = values.iter().map(|v| parse_duration(v).ok().map(|d| d.as_secs_f64())).collect();
        match secs {
            Some(positions) => XScale::Numeric { positions, unit: "s" },
            None => XScale::Categories,
        }
    }

    fn position(&self, i: usize) -> f64 {
        match self {
            XScale::Numeric { positions, .. } => positions.get(i).copied().unwrap_or(i as f64),
            XScale::Categories => i as f64,
        }
    }

    fn range(&self, n: usize) -> Range<f64> {
        let (lo, hi) = match self {
            XScale::Numeric { positions, .. } => (
                positions.iter().copied().fold(f64::INFINITY, f64::min),
                positions.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            ),
            XScale::Categories => (0.0, n.saturating_sub(1) as f64),
        };
        let pad = if hi > lo { (hi - lo) * 0.06 } else { 1.0 };
        match self {
            XScale::Categories => lo - 0.5..hi + 0.5,
            XScale::Numeric { .. } => lo - pad..hi + pad,
        }
    }
}

/// The grid as the charts need it: the first axis across, one series per
/// combination of the others (the point at value `i` of series `j` is
/// point `i * series + j`, the first axis varying slowest).
struct Across<'a> {
    report: &'a SweepReport,
    scale: XScale,
    values: &'a [String],
    series: usize,
}

impl<'a> Across<'a> {
    fn new(report: &'a SweepReport) -> Self {
        let values: &[String] = report.axes.first().map_or(&[], |a| a.values.as_slice());
        let series = report.axes.iter().skip(1).map(|a| a.values.len()).product::<usize>().max(1);
        Across { report, scale: XScale::of(values), values, series }
    }

    fn x_desc(&self) -> String {
        let path = self.report.axes.first().map_or("", |a| a.path.as_str());
        match &self.scale {
            XScale::Numeric { unit: "s", .. } => format!("{path} (s)"),
            _ => path.to_string(),
        }
    }

    /// The label of series `j`: the other axes' settings ("mean" without).
    fn series_label(&self, j: usize) -> String {
        let Some(p) = self.report.points.get(j) else { return String::new() };
        if p.set.len() < 2 {
            return "mean".to_string();
        }
        let name = point_name(self.report, p);
        name.split_once(',').map_or(name.clone(), |(_, rest)| rest.to_string())
    }

    /// `(x, point index)` along series `j`.
    fn along(&self, j: usize) -> impl Iterator<Item = (f64, usize)> + '_ {
        (0..self.values.len()).map(move |i| (self.scale.position(i), i * self.series + j))
    }

    fn drawn_series(&self) -> usize {
        self.series.min(SWEEP_SERIES)
    }

    fn shown_note(&self) -> String {
        if self.series > SWEEP_SERIES {
            format!("; the first {SWEEP_SERIES} of {} combinations of the other axes", self.series)
        } else {
            String::new()
        }
    }

    /// Builds the plot with the x axis and a y range, draws the mesh;
    /// category names are written under their positions.
    fn plot_across<'r, DB: DrawingBackend>(
        &self,
        root: &'r DrawingArea<DB, Shift>,
        y: Range<f64>,
        y_desc: &str,
    ) -> Result<Plot<'r, DB>, Box<dyn std::error::Error>>
    where
        DB::ErrorType: 'static,
    {
        let categories = self.scale == XScale::Categories;
        let x_desc = self.x_desc();
        let axes = PlotAxes {
            x_desc: &x_desc,
            y_desc,
            x_labels: if categories { 0 } else { 10 },
            y_labels: 8,
            digits: (3, 4),
            y_area: 70,
        };
        let chart = plot(root, self.scale.range(self.values.len()), y, &axes)?;
        if categories {
            let (_, ys) = chart.plotting_area().get_pixel_range();
            for (i, v) in self.values.iter().enumerate() {
                let (px, _) = chart.backend_coord(&(i as f64, 0.0));
                let style = font(13).pos(Pos::new(HPos::Center, VPos::Top));
                root.draw(&Text::new(v.clone(), (px, ys.end + 8), style))?;
            }
        }
        Ok(chart)
    }
}

/// A chart with numbers across and up.
type Plot<'r, DB> = ChartContext<'r, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// Both axes of a sweep chart, as drawn.
struct PlotAxes<'a> {
    x_desc: &'a str,
    y_desc: &'a str,
    /// Tick labels wanted on each axis (0: none).
    x_labels: usize,
    y_labels: usize,
    /// Decimals at most in the x and y tick labels.
    digits: (usize, usize),
    /// Width of the y tick labels, px.
    y_area: u32,
}

/// A chart context below the header with the legend column on the right,
/// its mesh drawn.
fn plot<'r, DB: DrawingBackend>(
    root: &'r DrawingArea<DB, Shift>,
    x: Range<f64>,
    y: Range<f64>,
    axes: &PlotAxes,
) -> Result<Plot<'r, DB>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let mut chart = ChartBuilder::on(root)
        .margin_top(HEADER_H as u32 + 10)
        .margin_left(MARGIN)
        .margin_right(LEGEND_W)
        .margin_bottom(8)
        .x_label_area_size(X_AREA)
        .y_label_area_size(axes.y_area)
        .build_cartesian_2d(x, y)?;
    let (xd, yd) = axes.digits;
    chart
        .configure_mesh()
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .x_labels(axes.x_labels)
        .y_labels(axes.y_labels)
        .x_label_formatter(&|v| tick(*v, xd))
        .y_label_formatter(&|v| tick(*v, yd))
        .label_style(font(13))
        .axis_desc_style(font(14))
        .max_light_lines(0)
        .bold_line_style(GRID)
        .draw()?;
    Ok(chart)
}

/// A y range holding `lo..hi` with a margin (and some height when flat).
fn padded(lo: f64, hi: f64) -> Range<f64> {
    if !lo.is_finite() || !hi.is_finite() {
        return 0.0..1.0;
    }
    let pad = if hi > lo { (hi - lo) * 0.08 } else { lo.abs().max(1.0) * 0.05 };
    lo - pad..hi + pad
}

/// One measure against the first swept parameter.
struct ParameterChart<'a> {
    across: Across<'a>,
    measure: &'a str,
    title: &'a str,
}

impl<'a> ParameterChart<'a> {
    fn new(report: &'a SweepReport, measure: &'a str, title: &'a str) -> Self {
        ParameterChart { across: Across::new(report), measure, title }
    }

    /// Availability's bad tail is its worst run; every other measure's is its p99.
    fn tail(&self, s: &MeasureStats) -> f64 {
        if self.measure == "availability" {
            s.min
        } else {
            s.p99
        }
    }

    fn tail_name(&self) -> &'static str {
        if self.measure == "availability" {
            "worst run"
        } else {
            "p99 across seeds"
        }
    }

    fn stats(&self, point: usize) -> Option<&'a MeasureStats> {
        self.across.report.points.get(point)?.measures.get(self.measure)
    }

    fn y_range(&self) -> Range<f64> {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for j in 0..self.across.drawn_series() {
            for (_, p) in self.across.along(j) {
                if let Some(s) = self.stats(p) {
                    for v in [s.mean, s.ci_low.unwrap_or(s.mean), s.ci_high.unwrap_or(s.mean), self.tail(s)] {
                        lo = lo.min(v);
                        hi = hi.max(v);
                    }
                }
            }
        }
        padded(lo, hi)
    }
}

impl Chart for ParameterChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let r = self.across.report;
        let title = format!("{} against {}", self.title, self.across.x_desc());
        let subtitle = format!(
            "mean of {} replications per point with its 95% t interval (band); {} dashed{}",
            r.seeds_per_point,
            self.tail_name(),
            self.across.shown_note()
        );
        draw_header(root, &title, &subtitle)?;
        let mut chart = self.across.plot_across(root, self.y_range(), self.title)?;
        let mut legend = Vec::new();
        for j in 0..self.across.drawn_series() {
            let color = SERIES_COLORS[j % SERIES_COLORS.len()];
            let pts: Vec<(f64, &MeasureStats)> =
                self.across.along(j).filter_map(|(x, p)| self.stats(p).map(|s| (x, s))).collect();
            let band: Vec<(f64, f64, f64)> =
                pts.iter().filter_map(|(x, s)| Some((*x, s.ci_low?, s.ci_high?))).collect();
            if band.len() > 1 {
                let mut poly: Vec<(f64, f64)> = band.iter().map(|b| (b.0, b.2)).collect();
                poly.extend(band.iter().rev().map(|b| (b.0, b.1)));
                chart.draw_series(std::iter::once(Polygon::new(poly, color.mix(0.18).filled())))?;
            }
            for (x, lo, hi) in &band {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(*x, *lo), (*x, *hi)],
                    color.stroke_width(2),
                )))?;
            }
            chart.draw_series(LineSeries::new(pts.iter().map(|(x, s)| (*x, s.mean)), color.stroke_width(2)))?;
            chart.draw_series(pts.iter().map(|(x, s)| Circle::new((*x, s.mean), 4, color.filled())))?;
            let tail = pts.iter().map(|(x, s)| (*x, self.tail(s)));
            chart.draw_series(DashedLineSeries::new(tail, 6, 4, color.stroke_width(1)))?;
            legend.push((legend_label(&self.across.series_label(j)), Swatch::Line(color)));
        }
        legend.push(("95% CI of the mean".to_string(), Swatch::Band(GREY)));
        legend.push((self.tail_name().to_string(), Swatch::Dashed(GREY)));
        let (px, _) = chart.plotting_area().get_pixel_range();
        draw_legend(root, px.end + 16, HEADER_H + 10, &legend)?;
        Ok(())
    }
}

// ------------------------------------------------------------ pass rates

/// Each expectation's pass rate against the first swept parameter (first
/// series of the other axes only when there are several).
struct PassRateChart<'a> {
    across: Across<'a>,
    expectations: Vec<String>,
}

impl<'a> PassRateChart<'a> {
    fn new(report: &'a SweepReport) -> Self {
        let expectations =
            report.points.first().map_or(Vec::new(), |p| p.expectations.iter().map(|e| e.text.clone()).collect());
        PassRateChart { across: Across::new(report), expectations }
    }
}

impl Chart for PassRateChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let r = self.across.report;
        let only = if self.across.series > 1 { format!("; at {}", self.across.series_label(0)) } else { String::new() };
        let title = format!("Expectation pass rate against {}", self.across.x_desc());
        let subtitle = format!("share of {} replications per point that passed{only}", r.seeds_per_point);
        draw_header(root, &title, &subtitle)?;
        let mut chart = self.across.plot_across(root, -0.03..1.05, "pass rate")?;
        let mut legend = Vec::new();
        for (k, _) in self.expectations.iter().enumerate().take(SWEEP_SERIES) {
            let color = SERIES_COLORS[k % SERIES_COLORS.len()];
            let pts: Vec<(f64, f64)> = self
                .across
                .along(0)
                .filter_map(|(x, p)| Some((x, r.points.get(p)?.expectations.get(k)?.pass_rate?)))
                .collect();
            chart.draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))?;
            chart.draw_series(pts.iter().map(|p| Circle::new(*p, 4, color.filled())))?;
            legend.push((format!("expect{}", k + 1), Swatch::Line(color)));
        }
        let (px, _) = chart.plotting_area().get_pixel_range();
        draw_legend(root, px.end + 16, HEADER_H + 10, &legend)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_scale_reads_numbers_durations_and_names() {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(XScale::of(&v(&["8", "12", "16"])), XScale::Numeric { positions: vec![8.0, 12.0, 16.0], unit: "" });
        assert_eq!(XScale::of(&v(&["500ms", "5s"])), XScale::Numeric { positions: vec![0.5, 5.0], unit: "s" });
        assert_eq!(XScale::of(&v(&["fixed", "lognormal"])), XScale::Categories);
        assert_eq!(XScale::Categories.range(3), -0.5..2.5);
    }

    #[test]
    fn ecdf_rises_by_one_over_all_runs() {
        let steps = ecdf_steps(&[1.0, 2.0], 4, 0.0);
        assert_eq!(steps, vec![(0.0, 0.0), (1.0, 0.0), (1.0, 0.25), (2.0, 0.25), (2.0, 0.5)]);
    }

    #[test]
    fn long_labels_are_cut_for_the_legend() {
        assert_eq!(legend_label("pops.default.servers=16"), "pops.default.servers=16");
        let cut = legend_label("anycast.health_check.interval=15s,x=1");
        assert_eq!(cut.chars().count(), 26);
        assert!(cut.ends_with('…'));
    }
}
