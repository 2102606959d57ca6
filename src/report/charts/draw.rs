//! Rendering a chart to SVG and PNG, the shared layout (fonts, colours,
//! header, legend) and the fault bands and step marks of time charts.

use super::input::RunInfo;
use super::{ChartError, FONT, HEIGHT, WIDTH};
use crate::report::files::write_atomic;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

// ------------------------------------------------------------- rendering

/// The result of drawing: any backend error, boxed.
pub(crate) type Drawn = Result<(), Box<dyn std::error::Error>>;

/// Something that draws itself on a drawing area of `WIDTH` x `HEIGHT`.
pub(crate) trait Chart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static;
}

/// Writes `stem.svg` and `stem.png` in `dir` and records their paths.
pub(crate) fn render<C: Chart>(
    dir: &Path,
    stem: &str,
    chart: &C,
    written: &mut Vec<PathBuf>,
) -> Result<(), ChartError> {
    let svg_path = dir.join(format!("{stem}.svg"));
    let svg = render_svg(chart).map_err(|e| ChartError::new(&svg_path, format!("cannot draw: {e}")))?;
    save(&svg_path, svg.as_bytes())?;
    written.push(svg_path);
    let png_path = dir.join(format!("{stem}.png"));
    let png = render_png(dir, stem, chart).map_err(|e| ChartError::new(&png_path, format!("cannot draw: {e}")))?;
    save(&png_path, &png)?;
    written.push(png_path);
    Ok(())
}

fn save(path: &Path, bytes: &[u8]) -> Result<(), ChartError> {
    write_atomic(path, bytes).map_err(|e| ChartError::new(path, format!("cannot write: {e}")))
}

fn render_svg<C: Chart>(chart: &C) -> Result<String, Box<dyn std::error::Error>> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&WHITE)?;
        chart.draw(&root)?;
        root.present()?;
    }
    Ok(svg)
}

/// Draws into a bitmap and encodes it as PNG with plotters' own encoder,
/// which writes only to a file: a hidden scratch file beside the result,
/// read back and removed.
fn render_png<C: Chart>(dir: &Path, stem: &str, chart: &C) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    static SCRATCH: AtomicU64 = AtomicU64::new(0);
    let n = SCRATCH.fetch_add(1, Ordering::Relaxed);
    let scratch = dir.join(format!(".{stem}.render-{}-{n}.png", std::process::id()));
    let drawn = (|| -> Result<Vec<u8>, Box<dyn std::error::Error>> {
        {
            let root = BitMapBackend::new(&scratch, (WIDTH, HEIGHT)).into_drawing_area();
            root.fill(&WHITE)?;
            chart.draw(&root)?;
            root.present()?;
        }
        Ok(fs::read(&scratch)?)
    })();
    let _ = fs::remove_file(&scratch);
    drawn
}

// ------------------------------------------------------- layout and text

pub(crate) const MARGIN: u32 = 16;
pub(crate) const HEADER_H: i32 = 60;
const LANE_H: i32 = 18;
const MAX_LANES: usize = 8;
pub(crate) const LEGEND_W: u32 = 215;
pub(crate) const X_AREA: u32 = 50;
pub(crate) const GREY: RGBColor = RGBColor(96, 96, 96);
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 225);
pub(crate) const FAULT_COLORS: [RGBColor; 4] =
    [RGBColor(214, 39, 40), RGBColor(148, 103, 189), RGBColor(140, 86, 75), RGBColor(227, 119, 194)];
pub(crate) const SERIES_COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
pub(super) const OTHER_COLOR: RGBColor = RGBColor(150, 150, 150);

pub(crate) fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&BLACK)
}

pub(crate) fn font_colored(size: u32, color: RGBColor) -> TextStyle<'static> {
    let mut style = TextStyle::from((FONT, size).into_font());
    style.color = color.to_backend_color();
    style
}

/// Title (large) and subtitle (small, grey) at the top left.
pub(crate) fn draw_header<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, subtitle: &str) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.draw(&Text::new(title.to_string(), (MARGIN as i32, 10), font(22)))?;
    root.draw(&Text::new(subtitle.to_string(), (MARGIN as i32, 38), font_colored(14, GREY)))?;
    Ok(())
}

/// Steps the charts leave unlabelled (the HTML report lists them).
const UNLABELLED_STEPS: [&str; 3] = ["fault", "first_moved", "half_moved"];

/// A step's name for people: "withdrawal_started" -> "withdrawal started",
/// "all_wal_replayed" -> "all WAL replayed".
pub(crate) fn step_label(name: &str) -> String {
    name.split('_').map(|w| if w == "wal" { "WAL" } else { w }).collect::<Vec<_>>().join(" ")
}

/// Seconds for a label: "6s", "24.97s".
pub(crate) fn secs(s: f64) -> String {
    if (s - s.round()).abs() < 0.0005 {
        format!("{s:.0}s")
    } else if s.abs() < 10.0 {
        format!("{s:.3}s")
    } else {
        format!("{s:.2}s")
    }
}

/// A number for an axis tick: no trailing zeros, at most `digits` decimals.
pub(crate) fn tick(v: f64, digits: usize) -> String {
    let s = format!("{v:.digits$}");
    let s = if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s };
    if s == "-0" {
        "0".to_string()
    } else {
        s
    }
}

/// How a legend entry is drawn.
#[derive(Clone, Copy)]
pub(crate) enum Swatch {
    Line(RGBColor),
    Dashed(RGBColor),
    Band(RGBColor),
}

/// The legend: a column to the right of the plot.
pub(crate) fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    x: i32,
    y: i32,
    items: &[(String, Swatch)],
) -> Drawn
where
    DB::ErrorType: 'static,
{
    for (i, (label, swatch)) in items.iter().enumerate() {
        let cy = y + 10 + 22 * i as i32;
        match *swatch {
            Swatch::Line(c) => root.draw(&PathElement::new(vec![(x, cy), (x + 26, cy)], c.stroke_width(3)))?,
            Swatch::Dashed(c) => {
                for k in 0..3 {
                    root.draw(&PathElement::new(vec![(x + k * 10, cy), (x + k * 10 + 6, cy)], c.stroke_width(2)))?;
                }
            }
            Swatch::Band(c) => root.draw(&Rectangle::new([(x, cy - 7), (x + 26, cy + 7)], c.mix(0.25).filled()))?,
        }
        root.draw(&Text::new(label.clone(), (x + 34, cy), font(14).pos(Pos::new(HPos::Left, VPos::Center))))?;
    }
    Ok(())
}

/// A plot's pixel box and its time axis, for drawing in pixels.
pub(super) struct Frame {
    pub(super) x: Range<i32>,
    pub(super) y: Range<i32>,
    pub(super) t: Range<f64>,
    /// Where the legend column starts.
    pub(super) legend_x: i32,
}

impl Frame {
    fn px(&self, t: f64) -> i32 {
        let share = ((t - self.t.start) / (self.t.end - self.t.start)).clamp(0.0, 1.0);
        self.x.start + (share * f64::from(self.x.end - self.x.start)).round() as i32
    }
}

// ------------------------------------------------------------ fault marks

/// A shaded span of time (a fault, the warm-up).
pub(super) struct Band {
    pub(super) from: f64,
    to: f64,
    pub(super) color: RGBColor,
    opacity: f64,
}

/// A label above the plot tied to a time: a band's start or a step.
pub(super) struct Mark {
    pub(super) t: f64,
    pub(super) text: String,
    pub(super) color: RGBColor,
    /// A thin line across the plot (a step) rather than a band edge.
    pub(super) line: bool,
    lane: usize,
    pub(super) left: i32,
}

/// The fault bands, step lines and their labels of a time chart.
pub(super) struct Marks {
    bands: Vec<Band>,
    marks: Vec<Mark>,
    lanes: usize,
}

impl Marks {
    /// The warm-up and each fault; with `steps`, each fault's timeline too.
    pub(super) fn new(run: &RunInfo, steps: bool) -> Marks {
        let mut m = Marks { bands: Vec::new(), marks: Vec::new(), lanes: 0 };
        if run.warmup_s > 0.0 {
            m.bands.push(Band { from: 0.0, to: run.warmup_s, color: GREY, opacity: 0.12 });
            m.add(0.0, "warm-up".to_string(), GREY, false);
        }
        let many = run.faults.len() > 1;
        for (i, f) in run.faults.iter().enumerate() {
            let color = FAULT_COLORS[i % FAULT_COLORS.len()];
            let prefix = if many { format!("F{} ", i + 1) } else { String::new() };
            let end = f.end_s().unwrap_or(run.duration_s).max(f.at_s);
            m.bands.push(Band { from: f.at_s, to: end, color, opacity: 0.10 });
            m.add(f.at_s, format!("{prefix}{}", f.name()), color, false);
            for (name, s) in f.steps.iter().filter(|(n, _)| steps && !UNLABELLED_STEPS.contains(&n.as_str())) {
                m.add(f.at_s + s, format!("{prefix}{} +{}", step_label(name), secs(*s)), color, true);
            }
        }
        m
    }

    fn add(&mut self, t: f64, text: String, color: RGBColor, line: bool) {
        self.marks.push(Mark { t, text, color, line, lane: 0, left: 0 });
    }

    /// Places each label in the first lane where it overlaps no other,
    /// right of its time (left when it would leave the picture).
    pub(super) fn place<DB: DrawingBackend>(&mut self, root: &DrawingArea<DB, Shift>, frame: &Frame) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let mut order: Vec<usize> = (0..self.marks.len()).collect();
        order.sort_by(|&a, &b| self.marks[a].t.total_cmp(&self.marks[b].t).then(a.cmp(&b)));
        let mut lane_end: Vec<i32> = Vec::new();
        for i in order {
            let (w, _) = root.estimate_text_size(&self.marks[i].text, &font(13))?;
            let (w, x) = (w as i32 + 6, frame.px(self.marks[i].t));
            let left = if x + w + 2 > WIDTH as i32 - 4 { x - w - 2 } else { x + 2 };
            let free = lane_end.iter().position(|&end| end + 6 <= left);
            let lane = match free {
                Some(l) => l,
                None if lane_end.len() < MAX_LANES => {
                    lane_end.push(i32::MIN);
                    lane_end.len() - 1
                }
                None => (0..lane_end.len()).min_by_key(|&l| lane_end[l]).unwrap_or(0),
            };
            lane_end[lane] = lane_end[lane].max(left + w);
            self.marks[i].lane = lane;
            self.marks[i].left = left;
        }
        self.lanes = lane_end.len();
        Ok(())
    }

    /// Pixels above the plot that the labels need.
    pub(super) fn height(&self) -> i32 {
        self.lanes as i32 * LANE_H + 6
    }

    fn lane_y(lane: usize) -> i32 {
        HEADER_H + lane as i32 * LANE_H
    }

    /// The bands, under the series.
    pub(super) fn draw_bands<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, frame: &Frame) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        for b in &self.bands {
            let (x0, x1) = (frame.px(b.from), frame.px(b.to).max(frame.px(b.from) + 2));
            let rect = [(x0, frame.y.start), (x1, frame.y.end)];
            root.draw(&Rectangle::new(rect, b.color.mix(b.opacity).filled()))?;
        }
        Ok(())
    }

    /// The step lines and every label, over the series.
    pub(super) fn draw_labels<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, frame: &Frame) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        for m in &self.marks {
            let x = frame.px(m.t);
            let bottom = if m.line { frame.y.end } else { frame.y.start };
            let top = Self::lane_y(m.lane) + LANE_H / 2;
            let style = m.color.mix(if m.line { 0.55 } else { 0.8 }).stroke_width(1);
            root.draw(&PathElement::new(vec![(x, top), (x, bottom)], style))?;
        }
        for m in &self.marks {
            let (w, _) = root.estimate_text_size(&m.text, &font(13))?;
            let y = Self::lane_y(m.lane);
            let bg = [(m.left, y + 1), (m.left + w as i32 + 6, y + LANE_H - 1)];
            root.draw(&Rectangle::new(bg, WHITE.mix(0.9).filled()))?;
            let style = font_colored(13, m.color).pos(Pos::new(HPos::Left, VPos::Center));
            root.draw(&Text::new(m.text.clone(), (m.left + 3, y + LANE_H / 2), style))?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------ time charts
