//! The load-by-region chart: per client region, the offered load (dashed)
//! and the served load (solid) over time, in the region's colour, read
//! from `regions.csv`; faults shaded like the other time charts.

use super::draw::{draw_legend, tick, Chart, Drawn, Swatch, SERIES_COLORS};
use super::input::{Csv, RunInfo};
use super::time::{draw_mesh, fault_legend, time_chart, YAxis};
use super::ChartError;
use crate::world::catalog::Region;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// One row of regions.csv.
pub(super) struct RegionRow {
    t: f64,
    region: String,
    offered: f64,
    served: f64,
}

/// Reads regions.csv (columns `t_s`, `region`, `offered_rps`, `served_rps`).
pub(super) fn read_regions(path: &Path) -> Result<Vec<RegionRow>, ChartError> {
    let columns = |csv: &Csv| -> Result<[usize; 4], ChartError> {
        Ok([csv.column("t_s")?, csv.column("region")?, csv.column("offered_rps")?, csv.column("served_rps")?])
    };
    Csv::read(path, columns, |r, &[t, region, offered, served]| {
        Ok(RegionRow {
            t: r.required(t)?,
            region: r.text(region),
            offered: r.required(offered)?,
            served: r.required(served)?,
        })
    })
}

/// One region's lines: its name, colour, and (time, offered, served) at
/// every time of the file (0 where the region has no row).
struct RegionLines {
    name: String,
    color: RGBColor,
    points: Vec<(f64, f64, f64)>,
}

/// The catalog's regions first, in catalog order, then any other name in
/// order of first appearance; each a fixed colour.
fn region_lines(rows: &[RegionRow]) -> Vec<RegionLines> {
    let mut names: Vec<String> = Region::ALL.iter().map(|r| r.as_str().to_string()).collect();
    for r in rows {
        if !names.contains(&r.region) {
            names.push(r.region.clone());
        }
    }
    let mut times: Vec<f64> = rows.iter().map(|r| r.t).collect();
    times.sort_by(f64::total_cmp);
    times.dedup();
    let mut lines: Vec<RegionLines> = names
        .iter()
        .enumerate()
        .map(|(i, n)| RegionLines {
            name: n.clone(),
            color: SERIES_COLORS[i % SERIES_COLORS.len()],
            points: times.iter().map(|t| (*t, 0.0, 0.0)).collect(),
        })
        .collect();
    for r in rows {
        let (Some(line), Ok(k)) =
            (lines.iter_mut().find(|l| l.name == r.region), times.binary_search_by(|t| t.total_cmp(&r.t)))
        else {
            continue;
        };
        line.points[k].1 += r.offered;
        line.points[k].2 += r.served;
    }
    lines.retain(|l| l.points.iter().any(|p| p.1 > 0.0));
    lines
}

/// Offered and served load per client region over time.
pub(super) struct RegionsChart<'a> {
    pub(super) run: &'a RunInfo,
    pub(super) rows: &'a [RegionRow],
}

impl Chart for RegionsChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let lines = region_lines(self.rows);
        let hi = lines.iter().flat_map(|l| l.points.iter().map(|p| p.1.max(p.2))).fold(0.0, f64::max);
        let fmt = |v: &f64| tick(*v, 0);
        let y = YAxis {
            range: 0.0..(hi * 1.08).max(1.0),
            desc: "requests per second".into(),
            labels: 8,
            format: &fmt,
            area: 80,
            right: 0,
        };
        let subtitle = format!(
            "{}; by send time per {} bucket, a retried request once: offered (dashed) and served (solid)",
            self.run.context(),
            super::secs(self.run.bucket_s)
        );
        let header = ("Load by client region: offered and served", subtitle.as_str());
        let (mut chart, frame, marks) = time_chart(root, self.run, header, false, &y)?;
        draw_mesh(&mut chart, &y)?;
        let mut legend = Vec::new();
        for l in &lines {
            let offered = l.points.iter().map(|p| (p.0, p.1));
            chart.draw_series(DashedLineSeries::new(offered, 7, 4, l.color.stroke_width(2)))?;
            chart.draw_series(LineSeries::new(l.points.iter().map(|p| (p.0, p.2)), l.color.stroke_width(2)))?;
            legend.push((format!("{} offered", l.name), Swatch::Dashed(l.color)));
            legend.push((format!("{} served", l.name), Swatch::Line(l.color)));
        }
        marks.draw_labels(root, &frame)?;
        legend.extend(fault_legend(self.run));
        draw_legend(root, frame.legend_x, frame.y.start, &legend)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: f64, region: &str, offered: f64, served: f64) -> RegionRow {
        RegionRow { t, region: region.to_string(), offered, served }
    }

    #[test]
    fn lines_keep_catalog_order_and_fill_missing_times_with_zero() {
        let rows = [
            row(10.0, "EU", 5.0, 4.0),
            row(10.0, "NA", 3.0, 3.0),
            row(20.0, "EU", 6.0, 6.0),
            row(20.0, "MARS", 1.0, 0.0),
        ];
        let lines = region_lines(&rows);
        let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["NA", "EU", "MARS"]);
        assert_eq!(lines[0].points, vec![(10.0, 3.0, 3.0), (20.0, 0.0, 0.0)]);
        assert_eq!(lines[1].points, vec![(10.0, 5.0, 4.0), (20.0, 6.0, 6.0)]);
        // Each region keeps its colour whatever else has traffic.
        assert_eq!(lines[1].color, SERIES_COLORS[1]);
        assert_eq!(lines[2].color, SERIES_COLORS[4]);
    }
}
