//! Time charts: the shared time axis, and the latency and success-ratio
//! charts.

use super::draw::{
    draw_header, draw_legend, font, secs, tick, Chart, Drawn, Frame, Marks, Swatch, FAULT_COLORS, GREY, GRID, HEADER_H,
    LEGEND_W, MARGIN, SERIES_COLORS, X_AREA,
};
use super::input::{Bucket, RunInfo};
use super::{HEIGHT, WIDTH};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

/// The y axis of a time chart.
pub(super) struct YAxis<'f> {
    pub(super) range: Range<f64>,
    pub(super) desc: String,
    pub(super) labels: usize,
    pub(super) format: &'f dyn Fn(&f64) -> String,
    /// Width of the tick labels on the left, px.
    pub(super) area: u32,
    /// Width kept on the right for a secondary axis, px (0: none).
    pub(super) right: u32,
}

/// Time (s) across and an f64 value up.
pub(super) type TimeCoord = Cartesian2d<RangedCoordf64, RangedCoordf64>;
/// A chart context with time (s) across and an f64 value up.
pub(super) type TimeContext<'a, DB> = ChartContext<'a, DB, TimeCoord>;

/// Header, marks and fault bands of a time chart; returns the context to
/// draw the mesh and series on, the plot frame, and the marks (to draw
/// their labels last).
pub(super) fn time_chart<'a, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    run: &RunInfo,
    header: (&str, &str),
    steps: bool,
    y: &YAxis,
) -> Result<(TimeContext<'a, DB>, Frame, Marks), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    draw_header(root, header.0, header.1)?;
    let t = 0.0..run.duration_s;
    let guess = Frame {
        x: (MARGIN + y.area) as i32..(WIDTH - LEGEND_W - y.right) as i32,
        y: 0..HEIGHT as i32,
        t: t.clone(),
        legend_x: 0,
    };
    let mut marks = Marks::new(run, steps);
    marks.place(root, &guess)?;
    let chart = ChartBuilder::on(root)
        .margin_top((HEADER_H + marks.height()) as u32)
        .margin_left(MARGIN)
        .margin_right(LEGEND_W)
        .margin_bottom(8)
        .x_label_area_size(X_AREA)
        .y_label_area_size(y.area)
        .right_y_label_area_size(y.right)
        .build_cartesian_2d(t.clone(), y.range.clone())?;
    let (x, yr) = chart.plotting_area().get_pixel_range();
    let legend_x = x.end + y.right as i32 + 16;
    let frame = Frame { x, y: yr, t, legend_x };
    marks.draw_bands(root, &frame)?;
    Ok((chart, frame, marks))
}

/// The axes and grid of a time chart (on the left only: a secondary axis
/// set before this call keeps the right).
pub(super) fn draw_mesh<DB: DrawingBackend>(chart: &mut TimeContext<DB>, y: &YAxis) -> Drawn
where
    DB::ErrorType: 'static,
{
    chart
        .configure_mesh()
        .x_desc("time since start (s)")
        .y_desc(y.desc.as_str())
        .x_labels(12)
        .y_labels(y.labels)
        .y_label_formatter(y.format)
        .x_label_formatter(&|v| tick(*v, 1))
        .label_style(font(13))
        .axis_desc_style(font(14))
        .max_light_lines(0)
        .bold_line_style(GRID)
        .draw()?;
    Ok(())
}

/// Splits a series at its missing values: each run of present points is
/// one segment.
pub(super) fn segments(points: impl Iterator<Item = (f64, Option<f64>)>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (t, v) in points {
        match v {
            Some(v) => out.last_mut().map(|s| s.push((t, v))).unwrap_or(()),
            None if out.last().is_some_and(|s| !s.is_empty()) => out.push(Vec::new()),
            None => {}
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Draws a gappy series: lines for runs, dots for lone points.
fn draw_segments<DB: DrawingBackend>(chart: &mut TimeContext<DB>, segs: &[Vec<(f64, f64)>], color: RGBColor) -> Drawn
where
    DB::ErrorType: 'static,
{
    for s in segs {
        if s.len() == 1 {
            chart.draw_series(std::iter::once(Circle::new(s[0], 2, color.filled())))?;
        } else {
            chart.draw_series(LineSeries::new(s.iter().copied(), color.stroke_width(2)))?;
        }
    }
    Ok(())
}

/// Latency p50 and p99 over time.
pub(super) struct LatencyChart<'a> {
    pub(super) run: &'a RunInfo,
    pub(super) buckets: &'a [Bucket],
}

/// Latencies at or above this many times the smallest get a log axis.
const LOG_RATIO: f64 = 30.0;

impl Chart for LatencyChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let values = || self.buckets.iter().flat_map(|b| [b.p50, b.p99]).flatten().filter(|v| *v > 0.0);
        let lo = values().fold(f64::INFINITY, f64::min);
        let hi = values().fold(0.0, f64::max);
        let log = lo.is_finite() && hi / lo >= LOG_RATIO;
        let (range, labels) = if log {
            let (a, b) = (lo.log10().floor(), hi.log10().ceil());
            (a..b, (b - a) as usize + 1)
        } else {
            (0.0..if hi > 0.0 { hi * 1.1 } else { 1.0 }, 8)
        };
        let fmt_log = |v: &f64| tick(10f64.powf(*v), 3);
        let fmt_lin = |v: &f64| tick(*v, 2);
        let y = YAxis {
            range,
            desc: format!("latency (ms{})", if log { ", log scale" } else { "" }),
            labels,
            format: if log { &fmt_log } else { &fmt_lin },
            area: 80,
            right: 0,
        };
        let subtitle = format!(
            "{}; client-observed latency of successes per {} bucket of send time",
            self.run.context(),
            secs(self.run.bucket_s)
        );
        let header = ("Latency over time: p50 and p99", subtitle.as_str());
        let (mut chart, frame, marks) = time_chart(root, self.run, header, true, &y)?;
        draw_mesh(&mut chart, &y)?;
        let scale = |v: Option<f64>| v.filter(|v| *v > 0.0).map(|v| if log { v.log10() } else { v });
        let p50 = segments(self.buckets.iter().map(|b| (b.t, scale(b.p50))));
        let p99 = segments(self.buckets.iter().map(|b| (b.t, scale(b.p99))));
        draw_segments(&mut chart, &p99, SERIES_COLORS[1])?;
        draw_segments(&mut chart, &p50, SERIES_COLORS[0])?;
        marks.draw_labels(root, &frame)?;
        let mut legend = vec![
            ("p99 latency".to_string(), Swatch::Line(SERIES_COLORS[1])),
            ("p50 latency".to_string(), Swatch::Line(SERIES_COLORS[0])),
        ];
        legend.extend(fault_legend(self.run));
        draw_legend(root, frame.legend_x, frame.y.start, &legend)
    }
}

/// Legend entries for the shaded spans.
pub(super) fn fault_legend(run: &RunInfo) -> Vec<(String, Swatch)> {
    let mut items = Vec::new();
    if run.warmup_s > 0.0 {
        items.push(("warm-up".to_string(), Swatch::Band(GREY)));
    }
    let many = run.faults.len() > 1;
    for (i, f) in run.faults.iter().enumerate() {
        let name = if many { format!("F{} {}", i + 1, f.name()) } else { f.name() };
        items.push((name, Swatch::Band(FAULT_COLORS[i % FAULT_COLORS.len()])));
    }
    items
}

/// Success ratio (availability) over time.
pub(super) struct SuccessChart<'a> {
    pub(super) run: &'a RunInfo,
    pub(super) buckets: &'a [Bucket],
}

/// The success ratio the RTO waits for.
const RTO_THRESHOLD: f64 = 0.99;

/// A y range from just under the lowest ratio to just over 1, on a round
/// step; and the decimals its ticks need.
pub(super) fn ratio_range(lowest: f64) -> (Range<f64>, usize) {
    let span = (1.0 - lowest).max(0.001);
    let step = 10f64.powf(span.log10().floor());
    let lo = (((lowest - span * 0.1) / step).floor() * step).max(0.0);
    let digits = (-step.log10()).ceil().max(0.0) as usize + 1;
    (lo..1.0 + (1.0 - lo) * 0.04, digits)
}

impl Chart for SuccessChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let lowest = self.buckets.iter().filter_map(|b| b.availability).fold(1.0, f64::min).min(RTO_THRESHOLD);
        let (range, digits) = ratio_range(lowest);
        let fmt = move |v: &f64| tick(*v, digits);
        let y = YAxis {
            range: range.clone(),
            desc: "success ratio (succeeded / issued)".into(),
            labels: 10,
            format: &fmt,
            area: 80,
            right: 0,
        };
        let subtitle = format!(
            "{}; requests by send time, {} buckets, a retried request counted once by its outcome",
            self.run.context(),
            secs(self.run.bucket_s)
        );
        let header = ("Success ratio over time", subtitle.as_str());
        let (mut chart, frame, marks) = time_chart(root, self.run, header, true, &y)?;
        draw_mesh(&mut chart, &y)?;
        let threshold = [(0.0, RTO_THRESHOLD), (self.run.duration_s, RTO_THRESHOLD)];
        chart.draw_series(DashedLineSeries::new(threshold, 6, 4, GREY.stroke_width(1)))?;
        let segs = segments(self.buckets.iter().map(|b| (b.t, b.availability)));
        draw_segments(&mut chart, &segs, SERIES_COLORS[2])?;
        marks.draw_labels(root, &frame)?;
        let mut legend = vec![
            ("success ratio".to_string(), Swatch::Line(SERIES_COLORS[2])),
            ("99% (RTO target)".to_string(), Swatch::Dashed(GREY)),
        ];
        legend.extend(fault_legend(self.run));
        draw_legend(root, frame.legend_x, frame.y.start, &legend)
    }
}
