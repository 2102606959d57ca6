//! The migration chart: Durable Object migration steps of each fault that
//! moved objects.

use super::draw::{
    draw_header, font, secs, step_label, tick, Chart, Drawn, FAULT_COLORS, GRID, HEADER_H, MARGIN, SERIES_COLORS,
    X_AREA,
};
use super::input::{FaultInfo, RunInfo};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

// -------------------------------------------------------- object migration

/// The Durable Object migration steps of each fault that moved objects,
/// as bars from the fault to each step.
pub(super) struct MigrationChart<'a> {
    pub(super) run: &'a RunInfo,
}

/// The colour of a migration step's bar, by phase.
fn phase_color(step: &str) -> RGBColor {
    match step {
        s if s.contains("snapshot") => SERIES_COLORS[0],
        s if s.contains("wal") => SERIES_COLORS[1],
        s if s.contains("routing") => SERIES_COLORS[2],
        "migration_started" => SERIES_COLORS[3],
        _ => FAULT_COLORS[0],
    }
}

impl MigrationChart<'_> {
    /// (label, seconds after the fault, step key) per bar, top first.
    fn bars(&self) -> Vec<(String, f64, &str)> {
        let with_do: Vec<(usize, &FaultInfo)> =
            self.run.faults.iter().enumerate().filter(|(_, f)| f.durable.is_some()).collect();
        let many = with_do.len() > 1;
        let mut bars = Vec::new();
        for (i, f) in with_do {
            for (name, s) in f.durable.iter().flat_map(|d| d.steps.iter()) {
                let prefix = if many { format!("F{} ", i + 1) } else { String::new() };
                bars.push((format!("{prefix}{}", step_label(name)), *s, name.as_str()));
            }
        }
        bars
    }

    pub(super) fn subtitle(&self) -> String {
        let parts: Vec<String> = self
            .run
            .faults
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.durable.as_ref().map(|d| (i, f, d)))
            .map(|(i, f, d)| {
                format!(
                    "F{} {} at {}: {} objects, RPO {}, {} writes lost, object RTO p50 {} p99 {} max {}",
                    i + 1,
                    f.name(),
                    secs(f.at_s),
                    d.objects,
                    secs(d.rpo_s),
                    d.writes_lost,
                    secs(d.rto_s[0]),
                    secs(d.rto_s[1]),
                    secs(d.rto_s[2])
                )
            })
            .collect();
        parts.join("; ")
    }
}

impl Chart for MigrationChart<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        draw_header(root, "Durable Object migration: seconds from the fault to each step", &self.subtitle())?;
        let bars = self.bars();
        let n = bars.len().max(1) as f64;
        let hi = bars.iter().map(|b| b.1).fold(1.0, f64::max) * 1.15;
        let mut chart = ChartBuilder::on(root)
            .margin_top(HEADER_H as u32)
            .margin_left(MARGIN)
            .margin_right(MARGIN * 3)
            .margin_bottom(8)
            .x_label_area_size(X_AREA)
            .y_label_area_size(230)
            .build_cartesian_2d(0.0..hi, 0.0..n)?;
        chart
            .configure_mesh()
            .x_desc("seconds after the fault (s)")
            .y_desc("migration step")
            .y_labels(0)
            .x_label_formatter(&|v| tick(*v, 1))
            .label_style(font(13))
            .axis_desc_style(font(14))
            .max_light_lines(0)
            .bold_line_style(GRID)
            .disable_y_mesh()
            .draw()?;
        let right = Pos::new(HPos::Right, VPos::Center);
        for (i, (label, s, key)) in bars.iter().enumerate() {
            let row = n - 1.0 - i as f64;
            let rect = [(0.0, row + 0.14), (*s, row + 0.86)];
            chart.draw_series(std::iter::once(Rectangle::new(rect, phase_color(key).mix(0.85).filled())))?;
            let (x, y) = chart.backend_coord(&(*s, row + 0.5));
            root.draw(&Text::new(
                format!("+{}", secs(*s)),
                (x + 6, y),
                font(13).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            let (x0, _) = chart.backend_coord(&(0.0, row + 0.5));
            root.draw(&Text::new(label.clone(), (x0 - 10, y), font(14).pos(right)))?;
        }
        Ok(())
    }
}
