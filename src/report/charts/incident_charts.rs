//! The charts of a run with failure processes, drawn from summary.json's
//! `incidents.availability_by_day` and [`super::INCIDENTS_CSV`]:
//!
//! - `availability-by-day`: request availability per day on a scale of
//!   nines (each step up is ten times fewer failed requests), the target
//!   [`AVAILABILITY_TARGET`] dashed, incidents marked on the day axis: a
//!   tick per PoP incident in its cause's lane, a shaded span per regional
//!   event or region-down.
//! - `incident-rto`: the empirical CDF of the measured RTOs per incident
//!   kind (steps, log time axis), the targets [`POP_RTO_TARGET_S`] and
//!   [`REGION_RTO_TARGET_S`] as vertical lines, the incidents not
//!   recovered within the window counted in the legend.
//! - `downtime-by-cause`: PoP downtime (PoP-minutes) by cause, stacked by
//!   kind ([`super::incidents::downtime_by_cause`] defines it).

use super::draw::{
    draw_header, draw_legend, font, font_colored, tick, Chart, Drawn, Swatch, FAULT_COLORS, GREY, GRID, HEADER_H,
    LEGEND_W, MARGIN, SERIES_COLORS, X_AREA,
};
use super::incidents::{day_marks, downtime_by_cause, measured_rtos, rto_ecdf, IncidentRow, CAUSES};
use super::input::RunInfo;
use super::{HEIGHT, WIDTH};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The availability a day should reach: 99.99% of requests succeeded
/// (the seed's target; four nines). Drawn dashed on `availability-by-day`.
pub const AVAILABILITY_TARGET: f64 = 0.9999;
/// The RTO target of a PoP incident (the seed's: 30 s), s.
pub const POP_RTO_TARGET_S: f64 = 30.0;
/// The RTO target of a region incident (the seed's: 5 min), s.
pub const REGION_RTO_TARGET_S: f64 = 300.0;

/// A cause's colour: random red, human-repaired orange, regional purple.
fn cause_color(cause: &str) -> RGBColor {
    match cause {
        "random" => FAULT_COLORS[0],
        "human" => SERIES_COLORS[1],
        "regional" => FAULT_COLORS[1],
        _ => GREY,
    }
}

/// A cause for people.
fn cause_label(cause: &str) -> &str {
    match cause {
        "human" => "human repair",
        "regional" => "regional event",
        other => other,
    }
}

// ----------------------------------------------------- availability by day

/// Nines of an availability: -log10(1 - a) (0.9999 -> 4); `None` for 1.
pub(super) fn nines(a: f64) -> Option<f64> {
    (a < 1.0).then(|| -(1.0 - a).max(0.0).log10())
}

/// A tick of the nines axis as an availability: 4 -> "99.99%".
pub(super) fn nines_label(n: f64) -> String {
    if (n - n.round()).abs() < 1e-9 && n >= 2.0 {
        format!("99.{}%", "9".repeat(n.round() as usize - 2)).replace(".%", "%")
    } else {
        format!("{}%", tick(100.0 * (1.0 - 10f64.powf(-n)), (n.ceil().max(0.0) as usize).saturating_sub(1)))
    }
}

/// Request availability per day with the incidents marked.
pub(super) struct AvailabilityChart<'a> {
    pub(super) run: &'a RunInfo,
    pub(super) days: &'a [Option<f64>],
    pub(super) rows: &'a [IncidentRow],
    /// The availability target drawn dashed ([`AVAILABILITY_TARGET`]).
    pub(super) target: f64,
}

/// Height of a lane of incident ticks at the bottom of the plot, px.
const TICK_LANE: i32 = 12;
/// The strip under the lowest nine that holds the tick lanes, in nines.
const TICK_STRIP: f64 = 0.6;

/// A label of the availability axis: a nine at or over `lo`, "no failed
/// request" at the top `hi`, nothing in the ticks' strip under `lo`.
fn y_label(v: f64, lo: f64, hi: f64) -> String {
    if v < lo - 1e-9 {
        String::new()
    } else if v > hi - 1e-9 {
        "no failure".to_string()
    } else {
        nines_label(v)
    }
}

impl AvailabilityChart<'_> {
    /// The nines axis: from a nine under the worst day (at most the
    /// target's minus one) to two over the best day that had a failure
    /// (at least the target's plus two); days without one are drawn at
    /// the top; under the lowest nine, a strip for the incident ticks.
    fn range(&self) -> (f64, f64) {
        let target = nines(self.target).unwrap_or(4.0);
        let finite: Vec<f64> = self.days.iter().flatten().filter_map(|a| nines(*a)).collect();
        let lo = finite.iter().copied().fold(target - 1.0, f64::min).floor().max(0.0);
        let hi = finite.iter().copied().fold(target + 1.0, f64::max).ceil() + 1.0;
        (lo, hi)
    }
}

impl Chart for AvailabilityChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let subtitle = format!(
            "{}; requests succeeded / issued per day by send time; a tick per incident in its cause's lane, regional events and region-downs shaded",
            self.run.context()
        );
        draw_header(root, "Availability per day, incidents marked", &subtitle)?;
        let (lo, hi) = self.range();
        let strip = lo - TICK_STRIP;
        let x_end = (self.days.len() as f64).max(1.0);
        let mut chart = framed(root, LEGEND_W, 90).build_cartesian_2d(0.0..x_end, strip..hi)?;
        let marks = day_marks(self.rows);
        for m in marks.iter().filter(|m| m.span) {
            let (a, b) = (chart.backend_coord(&(m.from, hi)), chart.backend_coord(&(m.to, strip)));
            let rect = [a, (b.0.max(a.0 + 2), b.1)];
            root.draw(&Rectangle::new(rect, cause_color(&m.cause).mix(0.3).filled()))?;
        }
        chart
            .configure_mesh()
            .x_desc("day of the run")
            .y_desc("availability per day (each step: one more nine)")
            .x_labels(12)
            .y_labels((hi - strip).ceil() as usize + 1)
            .x_label_formatter(&|v| tick(*v, 1))
            .y_label_formatter(&|v| y_label(*v, lo, hi))
            .label_style(font(13))
            .axis_desc_style(font(14))
            .max_light_lines(0)
            .bold_line_style(GRID)
            .draw()?;
        let target = nines(self.target).unwrap_or(4.0);
        chart.draw_series(DashedLineSeries::new([(0.0, target), (x_end, target)], 6, 4, GREY.stroke_width(2)))?;
        for m in marks.iter().filter(|m| !m.span) {
            let lane = CAUSES.iter().position(|c| *c == m.cause).unwrap_or(0) as i32;
            let (a, b) = (chart.backend_coord(&(m.from, strip)), chart.backend_coord(&(m.to, strip)));
            let bottom = a.1 - 2 - lane * TICK_LANE;
            let rect = [(a.0, bottom - TICK_LANE + 3), (b.0.max(a.0 + 1), bottom)];
            root.draw(&Rectangle::new(rect, cause_color(&m.cause).filled()))?;
        }
        let points: Vec<(f64, f64)> = (self.days.iter().enumerate())
            .filter_map(|(d, a)| a.map(|a| (d as f64 + 0.5, nines(a).map_or(hi, |n| n.min(hi)))))
            .collect();
        let line = SERIES_COLORS[0];
        chart.draw_series(DashedLineSeries::new([(0.0, lo), (x_end, lo)], 2, 3, GREY.stroke_width(1)))?;
        chart.draw_series(LineSeries::new(points.iter().copied(), line.stroke_width(2)))?;
        if points.len() <= 120 {
            let dot = |p: &(f64, f64)| {
                let style = if p.1 >= hi { line.stroke_width(2) } else { line.filled() };
                Circle::new(*p, 3, style)
            };
            chart.draw_series(points.iter().map(dot))?;
        }
        let legend = availability_legend(&marks, self.target);
        let (x, y) = chart.plotting_area().get_pixel_range();
        draw_legend(root, x.end + 16, y.start, &legend)
    }
}

/// The availability chart's legend: the series, the target, and each
/// cause of incident with its count.
fn availability_legend(marks: &[super::incidents::DayMark], target: f64) -> Vec<(String, Swatch)> {
    let mut legend = vec![
        ("availability per day".to_string(), Swatch::Line(SERIES_COLORS[0])),
        (format!("target {}", nines_label(nines(target).unwrap_or(4.0))), Swatch::Dashed(GREY)),
    ];
    for cause in CAUSES {
        let of = |span: bool| marks.iter().filter(move |m| m.cause == cause && m.span == span);
        let (ticks, spans) = (of(false).map(|m| m.incidents).sum::<usize>(), of(true).count());
        if ticks > 0 {
            legend.push((format!("{}: {ticks}", cause_label(cause)), Swatch::Line(cause_color(cause))));
        }
        if spans > 0 {
            let what = if cause == "regional" {
                "regional events".to_string()
            } else {
                format!("region-down, {}", cause_label(cause))
            };
            legend.push((format!("{what}: {spans}"), Swatch::Band(cause_color(cause))));
        }
    }
    legend
}

// ---------------------------------------------------------------- RTO ECDF

/// The empirical CDF of the incidents' measured RTOs.
pub(super) struct RtoChart<'a> {
    pub(super) run: &'a RunInfo,
    pub(super) rows: &'a [IncidentRow],
}

/// A duration for a label: whole minutes as "30 min", else seconds.
fn duration_label(s: f64) -> String {
    if s >= 60.0 && s % 60.0 == 0.0 {
        format!("{} min", s / 60.0)
    } else {
        super::secs(s)
    }
}

/// The window an incident's RTO is measured within, s.
fn window_s() -> f64 {
    crate::metrics::faults::INCIDENT_RTO_WINDOW.as_secs_f64()
}

impl Chart for RtoChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let mut kinds: Vec<&str> = self.rows.iter().filter(|r| r.rto_measured).map(|r| r.kind.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        let curves: Vec<(&str, _)> = kinds.iter().map(|k| (*k, rto_ecdf(&measured_rtos(self.rows, k)))).collect();
        let window = window_s();
        let subtitle = format!(
            "{}; share of the measured incidents recovered within t (99% success for 10 s), window {}",
            self.run.context(),
            duration_label(window)
        );
        draw_header(root, "Incident RTO: empirical CDF", &subtitle)?;
        if curves.is_empty() {
            let text =
                format!("None of the {} incidents has a measured RTO in this run: nothing to draw.", self.rows.len());
            let style = font_colored(18, GREY).pos(Pos::new(HPos::Center, VPos::Center));
            root.draw(&Text::new(text, (WIDTH as i32 / 2, HEIGHT as i32 / 2), style))?;
            return Ok(());
        }
        let all = || curves.iter().flat_map(|c| c.1.points.iter().map(|p| p.0)).filter(|v| *v > 0.0);
        let lo = all().fold(POP_RTO_TARGET_S, f64::min).log10().floor();
        let hi = all().fold(window, f64::max).log10().ceil();
        let mut chart = framed(root, LEGEND_W + 40, 70).build_cartesian_2d(lo..hi, 0.0..1.05)?;
        chart
            .configure_mesh()
            .x_desc("RTO (s, log scale)")
            .y_desc("share of measured incidents")
            .x_labels((hi - lo) as usize + 1)
            .y_labels(11)
            .x_label_formatter(&|v| tick(10f64.powf(*v), 3))
            .y_label_formatter(&|v| tick(*v, 1))
            .label_style(font(13))
            .axis_desc_style(font(14))
            .max_light_lines(0)
            .bold_line_style(GRID)
            .draw()?;
        let targets = [
            (POP_RTO_TARGET_S, "PoP target 30s", FAULT_COLORS[0]),
            (REGION_RTO_TARGET_S, "region target 5 min", FAULT_COLORS[1]),
            (window, "window", GREY),
        ];
        for (t, _, c) in targets {
            chart.draw_series(DashedLineSeries::new([(t.log10(), 0.0), (t.log10(), 1.05)], 6, 4, c.stroke_width(2)))?;
        }
        let mut legend = Vec::new();
        for (i, (kind, ecdf)) in curves.iter().enumerate() {
            let color = SERIES_COLORS[i % SERIES_COLORS.len()];
            let mut path = vec![(lo, 0.0)];
            for &(v, share) in &ecdf.points {
                let x = v.max(10f64.powf(lo)).log10();
                let prev = path.last().map_or(0.0, |p| p.1);
                path.extend([(x, prev), (x, share)]);
            }
            path.push((hi, path.last().map_or(0.0, |p| p.1)));
            chart.draw_series(LineSeries::new(path, color.stroke_width(2)))?;
            legend.push((format!("{kind}: {} measured", ecdf.measured), Swatch::Line(color)));
            legend.push((format!("  {} not recovered", ecdf.unrecovered), Swatch::Line(WHITE)));
        }
        legend.extend(targets.iter().map(|(t, l, c)| {
            let l = if *l == "window" { format!("window {}", duration_label(*t)) } else { l.to_string() };
            (l, Swatch::Dashed(*c))
        }));
        let (x, y) = chart.plotting_area().get_pixel_range();
        draw_legend(root, x.end + 16, y.start, &legend)
    }
}

// ------------------------------------------------------- downtime by cause

/// PoP downtime by cause, stacked by kind.
pub(super) struct DowntimeChart<'a> {
    pub(super) run: &'a RunInfo,
    pub(super) rows: &'a [IncidentRow],
}

impl Chart for DowntimeChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let down = downtime_by_cause(self.rows);
        let subtitle = format!(
            "{}; each incident's time (clipped to the run) on each PoP it took down; a PoP held down by several counted once, for the first",
            self.run.context()
        );
        draw_header(root, "PoP downtime by cause", &subtitle)?;
        let top = CAUSES.iter().map(|c| down.of_cause(c) / 60.0).fold(0.0, f64::max);
        let mut chart =
            framed(root, LEGEND_W, 90).build_cartesian_2d(0.0..CAUSES.len() as f64, 0.0..(top * 1.15).max(1.0))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(0)
            .y_desc("PoP downtime (PoP-minutes)")
            .y_labels(8)
            .y_label_formatter(&|v| tick(*v, 0))
            .label_style(font(13))
            .axis_desc_style(font(14))
            .max_light_lines(0)
            .bold_line_style(GRID)
            .draw()?;
        let kinds = down.kinds();
        let color = |k: &str| SERIES_COLORS[kinds.iter().position(|x| x == k).unwrap_or(0) % SERIES_COLORS.len()];
        let total: f64 = CAUSES.iter().map(|c| down.of_cause(c)).sum();
        for (i, cause) in CAUSES.iter().enumerate() {
            let x = i as f64;
            let mut base = 0.0;
            for (_, kind, s) in down.bars.iter().filter(|b| b.0 == *cause) {
                let rect = [(x + 0.25, base), (x + 0.75, base + s / 60.0)];
                chart.draw_series(std::iter::once(Rectangle::new(rect, color(kind).filled())))?;
                base += s / 60.0;
            }
            let share = if total > 0.0 { 100.0 * down.of_cause(cause) / total } else { 0.0 };
            let above = chart.backend_coord(&(x + 0.5, base));
            let text = format!("{} min ({}%)", tick(base, 1), tick(share, 1));
            root.draw(&Text::new(text, (above.0, above.1 - 4), font(14).pos(Pos::new(HPos::Center, VPos::Bottom))))?;
            let under = chart.backend_coord(&(x + 0.5, 0.0));
            let style = font(15).pos(Pos::new(HPos::Center, VPos::Top));
            root.draw(&Text::new(cause_label(cause).to_string(), (under.0, under.1 + 8), style))?;
        }
        let mut legend: Vec<(String, Swatch)> = kinds.iter().map(|k| (k.clone(), Swatch::Line(color(k)))).collect();
        legend.push((format!("total {} PoP-min", tick(total / 60.0, 1)), Swatch::Line(WHITE)));
        let (x, y) = chart.plotting_area().get_pixel_range();
        draw_legend(root, x.end + 16, y.start, &legend)
    }
}

/// The plot area of an incident chart: under the header, the legend's room
/// `right` on the right and `y_labels` for the y axis's labels, px.
fn framed<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    right: u32,
    y_labels: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(root);
    b.margin_top(HEADER_H as u32 + 8)
        .margin_left(MARGIN)
        .margin_right(right)
        .margin_bottom(8)
        .x_label_area_size(X_AREA)
        .y_label_area_size(y_labels);
    b
}
