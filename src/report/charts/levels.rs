//! The levels chart: the degradation (or shed) level over time.

use super::draw::{draw_legend, Chart, Drawn, Swatch, SERIES_COLORS};
use super::input::{LevelRow, PopTick, RunInfo};
use super::time::{draw_mesh, fault_legend, time_chart, YAxis};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// A step series of levels over time.
pub(super) struct LevelsChart<'a> {
    pub(super) run: &'a RunInfo,
    pub(super) title: &'static str,
    pub(super) subtitle: String,
    pub(super) names: &'static [&'static str],
    pub(super) series: Vec<(String, Vec<(f64, f64)>)>,
}

/// What each degradation level means (0-4).
pub const LEVEL_NAMES: [&str; 5] = ["normal", "KV lag", "PoP CPU > 90%", "PoPs failed", "control plane down"];
/// What each shed level means.
const SHED_NAMES: [&str; 4] = ["none", "P3 shed", "P2-P3 shed", "P1-P3 shed"];

/// The highest level over scopes at each time: each scope keeps its last
/// level until its next row.
pub(super) fn highest_level<'r>(rows: impl Iterator<Item = (f64, &'r str, f64)>) -> Vec<(f64, f64)> {
    let mut rows: Vec<(f64, &str, f64)> = rows.collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut current: BTreeMap<&str, f64> = BTreeMap::new();
    let mut out: Vec<(f64, f64)> = Vec::new();
    for (i, (t, scope, level)) in rows.iter().enumerate() {
        current.insert(scope, *level);
        if rows.get(i + 1).is_some_and(|next| next.0 == *t) {
            continue;
        }
        let top = current.values().copied().fold(0.0, f64::max);
        if out.last().is_none_or(|last| last.1 != top) {
            out.push((*t, top));
        }
    }
    out
}

/// Step points: each level held until the next change, then to `end`.
pub(super) fn steps(changes: &[(f64, f64)], end: f64) -> Vec<(f64, f64)> {
    let mut pts = vec![(0.0, 0.0)];
    for &(t, level) in changes {
        let held = pts.last().map_or(0.0, |p| p.1);
        pts.push((t, held));
        pts.push((t, level));
    }
    let held = pts.last().map_or(0.0, |p| p.1);
    pts.push((end.max(pts.last().map_or(0.0, |p| p.0)), held));
    pts
}

impl<'a> LevelsChart<'a> {
    /// From levels.csv when there is one, else from the PoPs' shed levels.
    pub(super) fn new(
        run: &'a RunInfo,
        levels: Option<&[LevelRow]>,
        pops: Option<&[PopTick]>,
    ) -> Option<LevelsChart<'a>> {
        if let Some(rows) = levels {
            let global = highest_level(rows.iter().filter(|r| r.scope == "global").map(|r| (r.t, "global", r.level)));
            let local = rows.iter().filter(|r| r.scope != "global").map(|r| (r.t, r.scope.as_str(), r.level));
            let mut series = vec![("global level".to_string(), steps(&global, run.duration_s))];
            if rows.iter().any(|r| r.scope != "global") {
                series.push(("highest PoP level".to_string(), steps(&highest_level(local), run.duration_s)));
            }
            let subtitle = format!("{}; from levels.csv", run.context());
            return Some(LevelsChart {
                run,
                title: "Degradation level over time",
                subtitle,
                names: &LEVEL_NAMES,
                series,
            });
        }
        let ticks = pops?;
        let highest = highest_level(ticks.iter().map(|k| (k.t, k.pop.as_str(), k.shed_level)));
        let series = vec![("highest shed level".to_string(), steps(&highest, run.duration_s))];
        let subtitle = format!("{}; no levels.csv: the highest shed level of any PoP per control tick", run.context());
        Some(LevelsChart {
            run,
            title: "Highest shed level across PoPs over time",
            subtitle,
            names: &SHED_NAMES,
            series,
        })
    }
}

impl Chart for LevelsChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let names = self.names;
        let top = self.series.iter().flat_map(|(_, s)| s.iter().map(|p| p.1)).fold(names.len() as f64 - 1.0, f64::max);
        let fmt = move |v: &f64| {
            let i = v.round();
            let name = names.get(i as usize).copied().unwrap_or("");
            if (v - i).abs() < 1e-6 && i >= 0.0 {
                format!("{i} {name}")
            } else {
                String::new()
            }
        };
        let y = YAxis {
            range: -0.3..top + 0.5,
            desc: "level".into(),
            labels: top as usize + 2,
            format: &fmt,
            area: 140,
            right: 0,
        };
        let header = (self.title, self.subtitle.as_str());
        let (mut chart, frame, marks) = time_chart(root, self.run, header, false, &y)?;
        draw_mesh(&mut chart, &y)?;
        let mut legend = Vec::new();
        for (i, (name, points)) in self.series.iter().enumerate() {
            let color = SERIES_COLORS[(i * 3) % SERIES_COLORS.len()];
            chart.draw_series(LineSeries::new(points.iter().copied(), color.stroke_width(3 - i.min(1) as u32)))?;
            legend.push((name.clone(), Swatch::Line(color)));
        }
        marks.draw_labels(root, &frame)?;
        legend.extend(fault_legend(self.run));
        draw_legend(root, frame.legend_x, frame.y.start, &legend)
    }
}
