//! Charts of a results folder, each as SVG and PNG: latency and success
//! ratio over time with every fault and its failover steps marked, arrivals
//! per PoP, the degradation (or shed) level, and Durable Object migration
//! steps.
//!
//! Every text uses the DejaVu Sans font embedded in the binary, so a PNG
//! looks the same on any machine and needs no system font. Same inputs give
//! the same bytes.

use crate::report::files::write_atomic;
use plotters::chart::DualCoordChartContext;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// Width of every chart, px.
pub const WIDTH: u32 = 1200;
/// Height of every chart, px.
pub const HEIGHT: u32 = 500;
/// The font family of every text, registered from the embedded TTF.
pub const FONT: &str = "sans-serif";
/// Where the embedded font comes from (for error messages).
const FONT_PATH: &str = "assets/fonts/DejaVuSans.ttf";
/// DejaVu Sans (Bitstream Vera licence, see assets/fonts/).
const FONT_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Failover steps of a fault, in the order they normally happen.
pub const FAULT_STEPS: [&str; 10] = crate::metrics::faults::TIMELINE_STEPS;
/// Durable Object migration steps, in the order they normally happen.
pub const DO_STEPS: [&str; 8] = [
    "detected",
    "migration_started",
    "first_snapshot_restored",
    "all_snapshots_restored",
    "first_wal_replayed",
    "all_wal_replayed",
    "first_routing_updated",
    "all_routing_updated",
];

/// A chart that could not be made: the file at fault and what is wrong.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartError {
    /// The input or output file.
    pub file: PathBuf,
    /// What is wrong with it.
    pub message: String,
}

impl ChartError {
    fn new(file: &Path, message: impl Into<String>) -> Self {
        ChartError { file: file.to_path_buf(), message: message.into() }
    }
}

impl fmt::Display for ChartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.message)
    }
}

impl std::error::Error for ChartError {}

/// Reads the results folder and writes every chart it can draw, each as
/// `NAME.svg` and `NAME.png`: `latency`, `success`, `traffic` (when
/// `pops_timeseries.csv` exists), `levels` (from `levels.csv`, else from the
/// PoPs' shed levels) and `object_rto` (when a fault moved Durable Objects).
/// Returns the files written, in that order.
pub fn render_all(results_dir: &Path) -> Result<Vec<PathBuf>, ChartError> {
    register_font()?;
    let run = RunInfo::read(&results_dir.join("summary.json"))?;
    let buckets = read_buckets(&results_dir.join("timeseries.csv"))?;
    let pops_path = results_dir.join("pops_timeseries.csv");
    let pops = if pops_path.exists() { Some(read_pop_ticks(&pops_path)?) } else { None };
    let levels_path = results_dir.join("levels.csv");
    let levels = if levels_path.exists() { Some(read_levels(&levels_path)?) } else { None };
    let mut written = Vec::new();
    render(results_dir, "latency", &LatencyChart { run: &run, buckets: &buckets }, &mut written)?;
    render(results_dir, "success", &SuccessChart { run: &run, buckets: &buckets }, &mut written)?;
    if let Some(ticks) = &pops {
        render(results_dir, "traffic", &TrafficChart { run: &run, ticks }, &mut written)?;
    }
    if let Some(chart) = LevelsChart::new(&run, levels.as_deref(), pops.as_deref()) {
        render(results_dir, "levels", &chart, &mut written)?;
    }
    if run.faults.iter().any(|f| f.durable.is_some()) {
        render(results_dir, "object_rto", &MigrationChart { run: &run }, &mut written)?;
    }
    Ok(written)
}

/// Registers the embedded font with plotters (once per process); every
/// chart's text uses it.
pub fn register_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, FONT_TTF).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ChartError::new(Path::new(FONT_PATH), "the embedded font does not parse"))
    }
}

// ---------------------------------------------------------------- inputs

/// What the charts need from summary.json.
struct RunInfo {
    scenario: String,
    seed: String,
    duration_s: f64,
    warmup_s: f64,
    bucket_s: f64,
    faults: Vec<FaultInfo>,
}

/// One fault: what, when, and its steps (s after the fault) in order.
struct FaultInfo {
    kind: String,
    target: String,
    at_s: f64,
    steps: Vec<(String, f64)>,
    durable: Option<DurableInfo>,
}

/// A fault's Durable Object migration.
struct DurableInfo {
    objects: u64,
    rpo_s: f64,
    writes_lost: u64,
    rto_s: [f64; 3],
    steps: Vec<(String, f64)>,
}

/// Reads JSON fields with errors that name the file and the field.
struct JsonReader<'a> {
    file: &'a Path,
}

impl JsonReader<'_> {
    fn field<'v>(&self, v: &'v Value, at: &str, key: &str) -> Result<&'v Value, ChartError> {
        v.get(key).ok_or_else(|| ChartError::new(self.file, format!("{at}{key}: missing")))
    }

    fn num(&self, v: &Value, at: &str, key: &str) -> Result<f64, ChartError> {
        let x = self.field(v, at, key)?;
        x.as_f64()
            .filter(|n| n.is_finite())
            .ok_or_else(|| ChartError::new(self.file, format!("{at}{key}: not a number: {x}")))
    }

    fn text(&self, v: &Value, at: &str, key: &str) -> Result<String, ChartError> {
        let x = self.field(v, at, key)?;
        x.as_str()
            .map(str::to_string)
            .ok_or_else(|| ChartError::new(self.file, format!("{at}{key}: not a string: {x}")))
    }

    fn steps(&self, v: &Value, at: &str, order: &[&str]) -> Result<Vec<(String, f64)>, ChartError> {
        let map = self
            .field(v, at, "timeline")?
            .as_object()
            .ok_or_else(|| ChartError::new(self.file, format!("{at}timeline: not an object")))?;
        let mut steps = Vec::with_capacity(map.len());
        for (name, s) in map {
            let s = s.as_f64().filter(|n| n.is_finite());
            let s = s.ok_or_else(|| ChartError::new(self.file, format!("{at}timeline.{name}: not a number")))?;
            steps.push((name.clone(), s));
        }
        Ok(ordered_steps(steps, order))
    }
}

/// Sorts steps by time, ties in the `order` given (unknown names last).
pub(crate) fn ordered_steps(mut steps: Vec<(String, f64)>, order: &[&str]) -> Vec<(String, f64)> {
    let rank = |n: &str| order.iter().position(|o| *o == n).unwrap_or(order.len());
    steps.sort_by(|a, b| a.1.total_cmp(&b.1).then(rank(&a.0).cmp(&rank(&b.0))).then(a.0.cmp(&b.0)));
    steps
}

impl RunInfo {
    fn read(path: &Path) -> Result<RunInfo, ChartError> {
        let text = fs::read_to_string(path).map_err(|e| ChartError::new(path, format!("cannot read: {e}")))?;
        let v: Value =
            serde_json::from_str(&text).map_err(|e| ChartError::new(path, format!("not valid JSON: {e}")))?;
        let j = JsonReader { file: path };
        let faults =
            j.field(&v, "", "faults")?.as_array().ok_or_else(|| ChartError::new(path, "faults: not a list"))?;
        let faults = faults.iter().enumerate().map(|(i, f)| FaultInfo::read(&j, f, i)).collect::<Result<_, _>>()?;
        let duration_s = j.num(&v, "", "sim_duration_s")?;
        if duration_s <= 0.0 {
            return Err(ChartError::new(path, "sim_duration_s: must be positive"));
        }
        Ok(RunInfo {
            scenario: j.text(&v, "", "scenario")?,
            seed: j.field(&v, "", "seed")?.to_string(),
            duration_s,
            warmup_s: j.num(&v, "", "warmup_s").unwrap_or(0.0),
            bucket_s: j.num(&v, "", "bucket_s").unwrap_or(1.0),
            faults,
        })
    }

    /// "pop-failure, seed 42": what every subtitle starts with.
    fn context(&self) -> String {
        format!("scenario {}, seed {}", self.scenario, self.seed)
    }
}

impl FaultInfo {
    fn read(j: &JsonReader, f: &Value, i: usize) -> Result<FaultInfo, ChartError> {
        let at = format!("faults[{i}].");
        let durable = match f.get("durable_objects") {
            Some(d) if !d.is_null() => Some(DurableInfo::read(j, d, &format!("{at}durable_objects."))?),
            _ => None,
        };
        Ok(FaultInfo {
            kind: j.text(f, &at, "kind")?,
            target: j.text(f, &at, "target")?,
            at_s: j.num(f, &at, "at_s")?,
            steps: j.steps(f, &at, &FAULT_STEPS)?,
            durable,
        })
    }

    /// When the fault ended, s since the start (None: it lasted to the end).
    fn end_s(&self) -> Option<f64> {
        self.steps.iter().find(|(n, _)| n == "pop_restored").map(|(_, s)| self.at_s + s)
    }

    fn name(&self) -> String {
        format!("{} {}", self.kind, self.target)
    }
}

impl DurableInfo {
    fn read(j: &JsonReader, d: &Value, at: &str) -> Result<DurableInfo, ChartError> {
        let q = j.field(d, at, "object_rto_s")?;
        let qa = format!("{at}object_rto_s.");
        Ok(DurableInfo {
            objects: j.num(d, at, "objects")? as u64,
            rpo_s: j.num(d, at, "rpo_s")?,
            writes_lost: j.num(d, at, "writes_lost")? as u64,
            rto_s: [j.num(q, &qa, "p50")?, j.num(q, &qa, "p99")?, j.num(q, &qa, "max")?],
            steps: j.steps(d, at, &DO_STEPS)?,
        })
    }
}

/// A CSV file read whole: header and rows of text fields.
struct Csv {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn read(path: &Path) -> Result<Csv, ChartError> {
        let text = fs::read_to_string(path).map_err(|e| ChartError::new(path, format!("cannot read: {e}")))?;
        let mut lines = text.lines();
        let header: Vec<String> = match lines.next() {
            Some(h) => h.split(',').map(|c| c.trim().to_string()).collect(),
            None => return Err(ChartError::new(path, "empty file: no header")),
        };
        let mut rows = Vec::new();
        for (i, line) in lines.enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let row: Vec<String> = line.split(',').map(|c| c.trim().to_string()).collect();
            if row.len() != header.len() {
                let msg = format!("line {}: {} fields, the header has {}", i + 2, row.len(), header.len());
                return Err(ChartError::new(path, msg));
            }
            rows.push(row);
        }
        Ok(Csv { path: path.to_path_buf(), header, rows })
    }

    fn column(&self, name: &str) -> Result<usize, ChartError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ChartError::new(&self.path, format!("no column \"{name}\" in the header")))
    }

    /// The number in row `r`, column `c`; `None` for an empty cell.
    fn number(&self, r: usize, c: usize) -> Result<Option<f64>, ChartError> {
        let cell = &self.rows[r][c];
        if cell.is_empty() {
            return Ok(None);
        }
        match cell.parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(Some(x)),
            _ => Err(ChartError::new(
                &self.path,
                format!("line {}, column {}: not a number: \"{cell}\"", r + 2, self.header[c]),
            )),
        }
    }

    /// Like `number`, but an empty cell is an error.
    fn required(&self, r: usize, c: usize) -> Result<f64, ChartError> {
        self.number(r, c)?
            .ok_or_else(|| ChartError::new(&self.path, format!("line {}, column {}: empty", r + 2, self.header[c])))
    }
}

/// One row of timeseries.csv.
struct Bucket {
    t: f64,
    availability: Option<f64>,
    p50: Option<f64>,
    p99: Option<f64>,
}

fn read_buckets(path: &Path) -> Result<Vec<Bucket>, ChartError> {
    let csv = Csv::read(path)?;
    let cols = ["t_s", "availability", "latency_p50_ms", "latency_p99_ms"].map(|n| csv.column(n));
    let [t, a, p50, p99] = [cols[0].clone()?, cols[1].clone()?, cols[2].clone()?, cols[3].clone()?];
    (0..csv.rows.len())
        .map(|r| {
            Ok(Bucket {
                t: csv.required(r, t)?,
                availability: csv.number(r, a)?,
                p50: csv.number(r, p50)?,
                p99: csv.number(r, p99)?,
            })
        })
        .collect()
}

/// One row of pops_timeseries.csv.
struct PopTick {
    t: f64,
    pop: String,
    arrivals: f64,
    shed_level: f64,
}

fn read_pop_ticks(path: &Path) -> Result<Vec<PopTick>, ChartError> {
    let csv = Csv::read(path)?;
    let (t, pop, arr, lvl) =
        (csv.column("t_s")?, csv.column("pop")?, csv.column("arrivals")?, csv.column("shed_level")?);
    (0..csv.rows.len())
        .map(|r| {
            Ok(PopTick {
                t: csv.required(r, t)?,
                pop: csv.rows[r][pop].clone(),
                arrivals: csv.required(r, arr)?,
                shed_level: csv.required(r, lvl)?,
            })
        })
        .collect()
}

/// One row of levels.csv.
struct LevelRow {
    t: f64,
    scope: String,
    level: f64,
}

fn read_levels(path: &Path) -> Result<Vec<LevelRow>, ChartError> {
    let csv = Csv::read(path)?;
    let (t, scope, level) = (csv.column("t_s")?, csv.column("scope")?, csv.column("level")?);
    (0..csv.rows.len())
        .map(|r| {
            Ok(LevelRow { t: csv.required(r, t)?, scope: csv.rows[r][scope].clone(), level: csv.required(r, level)? })
        })
        .collect()
}

// ------------------------------------------------------------- rendering

/// The result of drawing: any backend error, boxed.
pub type Drawn = Result<(), Box<dyn std::error::Error>>;

/// Something that draws itself on a drawing area of `WIDTH` x `HEIGHT`.
pub trait Chart {
    /// Draws the chart on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static;
}

/// Writes `stem.svg` and `stem.png` in `dir` and records their paths.
pub fn render<C: Chart>(dir: &Path, stem: &str, chart: &C, written: &mut Vec<PathBuf>) -> Result<(), ChartError> {
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

/// Blank border around a chart, px.
pub const MARGIN: u32 = 16;
/// Height of the title and subtitle at the top, px.
pub const HEADER_H: i32 = 60;
const LANE_H: i32 = 18;
const MAX_LANES: usize = 8;
/// Width of the legend column on the right, px.
pub const LEGEND_W: u32 = 215;
/// Height of the x tick labels and axis title, px.
pub const X_AREA: u32 = 50;
/// Colour of subtitles and secondary text.
pub const GREY: RGBColor = RGBColor(96, 96, 96);
/// Colour of the grid lines.
pub const GRID: RGBColor = RGBColor(225, 225, 225);
pub(super) const FAULT_COLORS: [RGBColor; 4] =
    [RGBColor(214, 39, 40), RGBColor(148, 103, 189), RGBColor(140, 86, 75), RGBColor(227, 119, 194)];
/// Colours of a chart's series, in order (the "tab10" palette without its
/// red and grey, which mark faults and "other").
pub const SERIES_COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const OTHER_COLOR: RGBColor = RGBColor(150, 150, 150);

/// The charts' text style: the embedded font at `size` px, black.
pub fn font(size: u32) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&BLACK)
}

/// The charts' text style: the embedded font at `size` px in `color`.
pub fn font_colored(size: u32, color: RGBColor) -> TextStyle<'static> {
    let mut style = TextStyle::from((FONT, size).into_font());
    style.color = color.to_backend_color();
    style
}

/// Title (large) and subtitle (small, grey) at the top left.
pub fn draw_header<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, title: &str, subtitle: &str) -> Drawn
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
pub fn secs(s: f64) -> String {
    if (s - s.round()).abs() < 0.0005 {
        format!("{s:.0}s")
    } else if s.abs() < 10.0 {
        format!("{s:.3}s")
    } else {
        format!("{s:.2}s")
    }
}

/// A number for an axis tick: no trailing zeros, at most `digits` decimals.
pub fn tick(v: f64, digits: usize) -> String {
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
pub enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled band (an interval).
    Band(RGBColor),
}

/// The legend: a column to the right of the plot.
pub fn draw_legend<DB: DrawingBackend>(
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
struct Frame {
    x: Range<i32>,
    y: Range<i32>,
    t: Range<f64>,
    /// Where the legend column starts.
    legend_x: i32,
}

impl Frame {
    fn px(&self, t: f64) -> i32 {
        let share = ((t - self.t.start) / (self.t.end - self.t.start)).clamp(0.0, 1.0);
        self.x.start + (share * f64::from(self.x.end - self.x.start)).round() as i32
    }
}

// ------------------------------------------------------------ fault marks

/// A shaded span of time (a fault, the warm-up).
struct Band {
    from: f64,
    to: f64,
    color: RGBColor,
    opacity: f64,
}

/// A label above the plot tied to a time: a band's start or a step.
struct Mark {
    t: f64,
    text: String,
    color: RGBColor,
    /// A thin line across the plot (a step) rather than a band edge.
    line: bool,
    lane: usize,
    left: i32,
}

/// The fault bands, step lines and their labels of a time chart.
struct Marks {
    bands: Vec<Band>,
    marks: Vec<Mark>,
    lanes: usize,
}

impl Marks {
    /// The warm-up and each fault; with `steps`, each fault's timeline too.
    fn new(run: &RunInfo, steps: bool) -> Marks {
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
    fn place<DB: DrawingBackend>(&mut self, root: &DrawingArea<DB, Shift>, frame: &Frame) -> Drawn
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
    fn height(&self) -> i32 {
        self.lanes as i32 * LANE_H + 6
    }

    fn lane_y(lane: usize) -> i32 {
        HEADER_H + lane as i32 * LANE_H
    }

    /// The bands, under the series.
    fn draw_bands<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, frame: &Frame) -> Drawn
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
    fn draw_labels<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, frame: &Frame) -> Drawn
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

/// The y axis of a time chart.
struct YAxis<'f> {
    range: Range<f64>,
    desc: String,
    labels: usize,
    format: &'f dyn Fn(&f64) -> String,
    /// Width of the tick labels on the left, px.
    area: u32,
    /// Width kept on the right for a secondary axis, px (0: none).
    right: u32,
}

/// Time (s) across and an f64 value up.
type TimeCoord = Cartesian2d<RangedCoordf64, RangedCoordf64>;
/// A chart context with time (s) across and an f64 value up.
type TimeContext<'a, DB> = ChartContext<'a, DB, TimeCoord>;

/// Header, marks and fault bands of a time chart; returns the context to
/// draw the mesh and series on, the plot frame, and the marks (to draw
/// their labels last).
fn time_chart<'a, DB: DrawingBackend>(
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
fn draw_mesh<DB: DrawingBackend>(chart: &mut TimeContext<DB>, y: &YAxis) -> Drawn
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
fn segments(points: impl Iterator<Item = (f64, Option<f64>)>) -> Vec<Vec<(f64, f64)>> {
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
struct LatencyChart<'a> {
    run: &'a RunInfo,
    buckets: &'a [Bucket],
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
fn fault_legend(run: &RunInfo) -> Vec<(String, Swatch)> {
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
struct SuccessChart<'a> {
    run: &'a RunInfo,
    buckets: &'a [Bucket],
}

/// The success ratio the RTO waits for.
const RTO_THRESHOLD: f64 = 0.99;

/// A y range from just under the lowest ratio to just over 1, on a round
/// step; and the decimals its ticks need.
fn ratio_range(lowest: f64) -> (Range<f64>, usize) {
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

/// Arrivals per second per PoP: the busiest 8 and the rest summed.
struct TrafficChart<'a> {
    run: &'a RunInfo,
    ticks: &'a [PopTick],
}

/// How many PoPs the traffic chart draws on their own.
pub const TRAFFIC_TOP: usize = 8;

/// Per-second series: the PoPs in `first` (those a fault struck), then
/// the busiest by total arrivals, `TRAFFIC_TOP` in all, busiest first;
/// then "other", the rest summed.
fn traffic_series(ticks: &[PopTick], first: &[&str]) -> Vec<(String, Vec<(f64, f64)>)> {
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

/// A step series of levels over time.
struct LevelsChart<'a> {
    run: &'a RunInfo,
    title: &'static str,
    subtitle: String,
    names: &'static [&'static str],
    series: Vec<(String, Vec<(f64, f64)>)>,
}

/// What each degradation level means (0-4).
pub const LEVEL_NAMES: [&str; 5] = ["normal", "KV lag", "PoP CPU > 90%", "PoPs failed", "control plane down"];
/// What each shed level means.
const SHED_NAMES: [&str; 4] = ["none", "P3 shed", "P2-P3 shed", "P1-P3 shed"];

/// The highest level over scopes at each time: each scope keeps its last
/// level until its next row.
fn highest_level<'r>(rows: impl Iterator<Item = (f64, &'r str, f64)>) -> Vec<(f64, f64)> {
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
fn steps(changes: &[(f64, f64)], end: f64) -> Vec<(f64, f64)> {
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
    fn new(run: &'a RunInfo, levels: Option<&[LevelRow]>, pops: Option<&[PopTick]>) -> Option<LevelsChart<'a>> {
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

// -------------------------------------------------------- object migration

/// The Durable Object migration steps of each fault that moved objects,
/// as bars from the fault to each step.
struct MigrationChart<'a> {
    run: &'a RunInfo,
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

    fn subtitle(&self) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_break_at_gaps_and_keep_lone_points() {
        let pts = [(0.0, None), (1.0, Some(1.0)), (2.0, Some(2.0)), (3.0, None), (4.0, Some(4.0))];
        let s = segments(pts.into_iter());
        assert_eq!(s, vec![vec![(1.0, 1.0), (2.0, 2.0)], vec![(4.0, 4.0)]]);
    }

    #[test]
    fn highest_level_holds_each_scope_until_it_changes() {
        let rows = [(1.0, "A", 0.0), (1.0, "B", 2.0), (2.0, "B", 0.0), (3.0, "A", 1.0), (4.0, "A", 1.0)];
        assert_eq!(highest_level(rows.into_iter()), vec![(1.0, 2.0), (2.0, 0.0), (3.0, 1.0)]);
    }

    #[test]
    fn traffic_keeps_the_busiest_and_sums_the_rest() {
        let tick = |t: f64, pop: &str, arrivals: f64| PopTick { t, pop: pop.into(), arrivals, shed_level: 0.0 };
        let mut ticks = Vec::new();
        for i in 0..10 {
            ticks.push(tick(1.0, &format!("P{i}"), f64::from(i)));
            ticks.push(tick(2.0, &format!("P{i}"), f64::from(i)));
        }
        let s = traffic_series(&ticks, &[]);
        assert_eq!(s.len(), TRAFFIC_TOP + 1);
        assert_eq!(s[0].0, "P9");
        assert_eq!(s[TRAFFIC_TOP].0, "other (2 PoPs)");
        assert_eq!(s[TRAFFIC_TOP].1, vec![(1.0, 1.0), (2.0, 1.0)]);
        let s = traffic_series(&ticks, &["P0"]);
        assert_eq!(s[TRAFFIC_TOP - 1].0, "P0", "a struck PoP is always drawn");
        assert_eq!(s[TRAFFIC_TOP].1, vec![(1.0, 3.0), (2.0, 3.0)]);
    }

    #[test]
    fn ratio_range_covers_the_lowest_and_one() {
        let (r, _) = ratio_range(0.93);
        assert!(r.start <= 0.93 && r.start >= 0.9 && r.end > 1.0, "{r:?}");
        let (r, _) = ratio_range(0.99);
        assert!(r.start < 0.99 && r.start >= 0.98, "{r:?}");
    }

    #[test]
    fn steps_sort_by_time_then_usual_order() {
        let s = vec![("recovered".into(), 6.0), ("withdrawal_started".into(), 6.0), ("detected".into(), 1.0)];
        let names: Vec<String> = ordered_steps(s, &FAULT_STEPS).into_iter().map(|p| p.0).collect();
        assert_eq!(names, ["detected", "withdrawal_started", "recovered"]);
    }

    #[test]
    fn ticks_and_seconds_read_well() {
        assert_eq!(tick(1000.0, 3), "1000");
        assert_eq!(tick(0.995, 3), "0.995");
        assert_eq!(secs(6.0), "6s");
        assert_eq!(secs(24.970057), "24.97s");
    }
}
