//! The traffic chart: arrivals per second per PoP.

use super::draw::{draw_legend, font, tick, Chart, Drawn, Swatch, OTHER_COLOR, SERIES_COLORS};
use super::input::{PopTick, RunInfo};
use super::time::{draw_mesh, fault_legend, time_chart, TimeContext, TimeCoord, YAxis};
use plotters::chart::DualCoordChartContext;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// Arrivals per second per PoP: the busiest 8 and the rest summed.
pub(super) struct TrafficChart<'a> {
    pub(super) run: &'a RunInfo,
    pub(super) ticks: &'a [PopTick],
}

/// How many PoPs the traffic chart draws on their own.
pub const TRAFFIC_TOP: usize = 8;

/// Per-second series: the PoPs in `first` (those a fault struck), then
/// the busiest by total arrivals, `TRAFFIC_TOP` in all, busiest first;
/// then "other", the rest summed.
pub(super) fn traffic_series(ticks: &[PopTick], first: &[&str]) -> Vec<(String, Vec<(f64, f64)>)> {
    let mut totals: BTreeMap<&str, f64> = BTreeMap::new();
    let mut times: Vec<f64> = Vec::new();
    for k in ticks {
        *totals.entry(&k.pop).or_default() += k.arrivals;
        times.push(k.t);
    }
    times.sort_by(f64::total_cmp);
    times.dedup();
    let tick_s = times.windows(2).map(|w| w[1] - w[0]).fold(f64::INFINITY, f64::min);
    let tick_s = if tick_s.is_finite() && tick_s > 0.0 { tick_s } else { 1.0 };
    let mut ranked: Vec<(&str, f64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
    let chosen =
        ranked.iter().filter(|(p, _)| first.contains(p)).chain(ranked.iter().filter(|(p, _)| !first.contains(p)));
    let mut top: Vec<&str> = chosen.take(TRAFFIC_TOP).map(|(p, _)| *p).collect();
    top.sort_by_key(|p| ranked.iter().position(|(q, _)| q == p));
    let others = ranked.len().saturating_sub(TRAFFIC_TOP);
    let index = |t: f64| times.partition_point(|x| *x < t);
    let mut rates = vec![vec![0.0; times.len()]; top.len() + usize::from(others > 0)];
    for k in ticks {
        let series = top.iter().position(|p| *p == k.pop).unwrap_or(top.len());
        rates[series][index(k.t)] += k.arrivals / tick_s;
    }
    let mut names: Vec<String> = top.iter().map(|p| p.to_string()).collect();
    if others > 0 {
        names.push(format!("other ({others} PoPs)"));
    }
    names.into_iter().zip(rates).map(|(n, r)| (n, times.iter().copied().zip(r).collect())).collect()
}

/// "Other" gets its own axis on the right when it is this many times the
/// busiest single PoP.
const OTHER_AXIS_RATIO: f64 = 2.0;

fn series_max(points: &[(f64, f64)]) -> f64 {
    points.iter().map(|p| p.1).fold(0.0, f64::max)
}

/// The "other" series' line.
fn dashed_other(points: Vec<(f64, f64)>) -> DashedLineSeries<std::vec::IntoIter<(f64, f64)>, i32> {
    DashedLineSeries::new(points, 7, 4, OTHER_COLOR.stroke_width(2))
}

/// One line per PoP; returns their legend entries.
fn draw_pop_lines<DB: DrawingBackend>(
    chart: &mut TimeContext<DB>,
    series: &[(String, Vec<(f64, f64)>)],
) -> Result<Vec<(String, Swatch)>, Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let mut legend = Vec::new();
    for (i, (name, points)) in series.iter().enumerate() {
        let color = SERIES_COLORS[i % SERIES_COLORS.len()];
        chart.draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(2)))?;
        legend.push((name.clone(), Swatch::Line(color)));
    }
    Ok(legend)
}

/// The right-hand axis of the "other" series.
fn draw_other_axis<DB: DrawingBackend>(
    dual: &mut DualCoordChartContext<'_, DB, TimeCoord, TimeCoord>,
    fmt: &dyn Fn(&f64) -> String,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    dual.configure_secondary_axes()
        .y_desc("other PoPs, summed (arrivals/s)")
        .y_labels(8)
        .y_label_formatter(fmt)
        .label_style(font(13))
        .axis_desc_style(font(14))
        .draw()?;
    Ok(())
}

impl Chart for TrafficChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let struck: Vec<&str> = self.run.faults.iter().map(|f| f.target.as_str()).collect();
        let mut series = traffic_series(self.ticks, &struck);
        let other = match series.last() {
            Some((name, _)) if name.starts_with("other") => series.pop(),
            _ => None,
        };
        let hi = series.iter().map(|(_, s)| series_max(s)).fold(0.0, f64::max);
        let other_hi = other.as_ref().map_or(0.0, |(_, s)| series_max(s));
        let own_axis = other_hi > hi * OTHER_AXIS_RATIO;
        // With its own axis, "other" sits near the top and the PoPs below it.
        let hi = if own_axis { hi * 1.5 } else { hi.max(other_hi) };
        let fmt = |v: &f64| tick(*v, 0);
        let y = YAxis {
            range: 0.0..(hi * 1.08).max(1.0),
            desc: "arrivals per second at the PoP".into(),
            labels: 8,
            format: &fmt,
            area: 80,
            right: if own_axis { 80 } else { 0 },
        };
        let subtitle = format!(
            "{}; per control tick: the PoPs a fault struck and the busiest, {TRAFFIC_TOP} in all; the rest summed as other",
            self.run.context()
        );
        let header = ("Traffic per PoP", subtitle.as_str());
        let (mut chart, frame, marks) = time_chart(root, self.run, header, false, &y)?;
        let mut legend = Vec::new();
        match other {
            Some((name, points)) if own_axis => {
                let mut dual = chart.set_secondary_coord(frame.t.clone(), 0.0..(other_hi * 1.08).max(1.0));
                draw_mesh(&mut dual, &y)?;
                draw_other_axis(&mut dual, &fmt)?;
                legend.extend(draw_pop_lines(&mut dual, &series)?);
                dual.draw_secondary_series(dashed_other(points))?;
                legend.push((format!("{}, right)", name.trim_end_matches(')')), Swatch::Dashed(OTHER_COLOR)));
            }
            other => {
                draw_mesh(&mut chart, &y)?;
                legend.extend(draw_pop_lines(&mut chart, &series)?);
                if let Some((name, points)) = other {
                    chart.draw_series(dashed_other(points))?;
                    legend.push((name, Swatch::Dashed(OTHER_COLOR)));
                }
            }
        }
        marks.draw_labels(root, &frame)?;
        legend.extend(fault_legend(self.run));
        draw_legend(root, frame.legend_x, frame.y.start, &legend)
    }
}
