//! What part of the world a map shows and where it lands in pixels (an
//! equirectangular projection: a degree of longitude is as wide as a
//! degree of latitude is tall), and the marks every map draws with it:
//! the coastlines, circles, crosses, dashed lines and legend rows.

use super::coast::{GeoBox, LonLat};
use crate::report::charts::{font, font_colored, Drawn, GREY, HEADER_H, HEIGHT, LEGEND_W, MARGIN, WIDTH};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The world as the whole-run map shows it: Antarctica left out.
pub(super) const WORLD: GeoBox = GeoBox { west: -180.0, east: 180.0, south: -58.0, north: 84.0 };
/// Coastline colour.
const COAST: RGBColor = RGBColor(185, 185, 185);
/// Sea colour (the map's background).
const SEA: RGBColor = RGBColor(244, 248, 252);
/// The smallest box a cropped map shows, degrees (width, height).
const MIN_SPAN: (f64, f64) = (40.0, 18.0);

/// The pixel box the map is drawn in: below the header, left of the legend.
fn plot_box() -> (i32, i32, i32, i32) {
    let (x0, y0) = (MARGIN as i32, HEADER_H + 6);
    let (x1, y1) = ((WIDTH - LEGEND_W - MARGIN) as i32, HEIGHT as i32 - MARGIN as i32);
    (x0, y0, x1, y1)
}

/// A part of the world placed in the plot box.
pub(super) struct View {
    /// What it shows.
    pub(super) area: GeoBox,
    /// Pixels per degree.
    scale: f64,
    /// Pixel of (area.west, area.north).
    origin: (f64, f64),
}

impl View {
    /// Shows `area` as large as the plot box allows, centred in it.
    pub(super) fn new(area: GeoBox) -> View {
        let (x0, y0, x1, y1) = plot_box();
        let (w, h) = (f64::from(x1 - x0), f64::from(y1 - y0));
        let (span_x, span_y) = (area.east - area.west, area.north - area.south);
        let scale = (w / span_x).min(h / span_y);
        let origin = (f64::from(x0) + (w - span_x * scale) / 2.0, f64::from(y0) + (h - span_y * scale) / 2.0);
        View { area, scale, origin }
    }

    /// A view around `points`: their bounding box with a margin, at least
    /// [`MIN_SPAN`], widened to the plot box's shape, kept on [`WORLD`].
    pub(super) fn around(points: &[LonLat]) -> View {
        if points.is_empty() {
            return View::new(WORLD);
        }
        let fold = |f: fn(&LonLat) -> f64, init: f64, pick: fn(f64, f64) -> f64| points.iter().map(f).fold(init, pick);
        let (w, e) = (fold(|p| p.0, f64::INFINITY, f64::min), fold(|p| p.0, f64::NEG_INFINITY, f64::max));
        let (s, n) = (fold(|p| p.1, f64::INFINITY, f64::min), fold(|p| p.1, f64::NEG_INFINITY, f64::max));
        let (x0, y0, x1, y1) = plot_box();
        let shape = f64::from(x1 - x0) / f64::from(y1 - y0);
        let mut span_x = ((e - w) * 1.3 + 4.0).max(MIN_SPAN.0);
        let mut span_y = ((n - s) * 1.3 + 4.0).max(MIN_SPAN.1);
        if span_x / span_y < shape {
            span_x = span_y * shape;
        } else {
            span_y = span_x / shape;
        }
        let lon = fit((w + e) / 2.0, span_x, WORLD.west, WORLD.east);
        let lat = fit((s + n) / 2.0, span_y, WORLD.south, WORLD.north);
        View::new(GeoBox { west: lon.0, east: lon.1, south: lat.0, north: lat.1 })
    }

    /// The pixel of a point.
    pub(super) fn px(&self, p: LonLat) -> (i32, i32) {
        let x = self.origin.0 + (p.0 - self.area.west) * self.scale;
        let y = self.origin.1 + (self.area.north - p.1) * self.scale;
        (x.round() as i32, y.round() as i32)
    }

    /// The sea and the coastlines inside the view, under everything else.
    pub(super) fn draw_base<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, coast: &[Vec<LonLat>]) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let (a, b) = (self.px((self.area.west, self.area.north)), self.px((self.area.east, self.area.south)));
        root.draw(&Rectangle::new([a, b], SEA.filled()))?;
        for line in coast {
            for piece in self.area.clip_line(line) {
                let pts: Vec<(i32, i32)> = piece.iter().map(|&p| self.px(p)).collect();
                root.draw(&PathElement::new(pts, COAST.stroke_width(1)))?;
            }
        }
        root.draw(&Rectangle::new([a, b], GREY.mix(0.5).stroke_width(1)))?;
        Ok(())
    }
}

/// A span of `width` around `centre`, moved (or cut) to lie in lo..hi.
fn fit(centre: f64, width: f64, lo: f64, hi: f64) -> (f64, f64) {
    if width >= hi - lo {
        return (lo, hi);
    }
    let start = (centre - width / 2.0).clamp(lo, hi - width);
    (start, start + width)
}

// ------------------------------------------------------------------ marks

/// A filled circle with a darker rim.
pub(super) fn disc<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, at: (i32, i32), r: i32, c: RGBColor) -> Drawn
where
    DB::ErrorType: 'static,
{
    root.draw(&Circle::new(at, r, c.mix(0.45).filled()))?;
    root.draw(&Circle::new(at, r, c.stroke_width(1)))?;
    Ok(())
}

/// An X of half-size `r` (a struck PoP).
pub(super) fn cross<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, at: (i32, i32), r: i32, c: RGBColor) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (x, y) = at;
    root.draw(&PathElement::new(vec![(x - r, y - r), (x + r, y + r)], c.stroke_width(3)))?;
    root.draw(&PathElement::new(vec![(x - r, y + r), (x + r, y - r)], c.stroke_width(3)))?;
    Ok(())
}

/// A dashed straight line (8 px dashes, 5 px gaps).
pub(super) fn dashed<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    a: (i32, i32),
    b: (i32, i32),
    style: ShapeStyle,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (dx, dy) = (f64::from(b.0 - a.0), f64::from(b.1 - a.1));
    let len = dx.hypot(dy);
    let at = |d: f64| {
        let t = (d / len).min(1.0);
        ((f64::from(a.0) + t * dx).round() as i32, (f64::from(a.1) + t * dy).round() as i32)
    };
    let mut d = 0.0;
    while d < len {
        root.draw(&PathElement::new(vec![at(d), at(d + 8.0)], style))?;
        d += 13.0;
    }
    Ok(())
}

/// A label left-aligned at `at`, on a faint white box so it reads over
/// lines and coast.
pub(super) fn label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    text: &str,
    at: (i32, i32),
    color: RGBColor,
) -> Drawn
where
    DB::ErrorType: 'static,
{
    let (w, h) = root.estimate_text_size(text, &font(12))?;
    let (w, h) = (w as i32, h as i32);
    root.draw(&Rectangle::new(
        [(at.0 - 1, at.1 - h / 2 - 1), (at.0 + w + 1, at.1 + h / 2 + 1)],
        WHITE.mix(0.85).filled(),
    ))?;
    root.draw(&Text::new(text.to_string(), at, font_colored(12, color).pos(Pos::new(HPos::Left, VPos::Center))))?;
    Ok(())
}

/// How a legend row's swatch is drawn.
pub(super) enum Key {
    /// A disc of this radius and colour.
    Disc(i32, RGBColor),
    /// A ring of this radius and colour.
    Ring(i32, RGBColor),
    /// A struck PoP's X.
    Cross(RGBColor),
    /// A solid line this wide.
    Line(u32, RGBColor),
    /// A dashed line this wide.
    Dashed(u32, RGBColor),
    /// No swatch: a note in grey.
    Note,
}

/// The legend column right of the map; rows are as tall as their swatch.
pub(super) fn legend<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, rows: &[(String, Key)]) -> Drawn
where
    DB::ErrorType: 'static,
{
    let x = (WIDTH - LEGEND_W) as i32 + 4;
    let mut y = HEADER_H + 10;
    for (text, key) in rows {
        let half = match key {
            Key::Disc(r, _) | Key::Ring(r, _) => (*r).max(8),
            _ => 8,
        };
        let cy = y + half;
        let sx = x + 16;
        match *key {
            Key::Disc(r, c) => disc(root, (sx, cy), r, c)?,
            Key::Ring(r, c) => root.draw(&Circle::new((sx, cy), r, c.stroke_width(2)))?,
            Key::Cross(c) => cross(root, (sx, cy), 6, c)?,
            Key::Line(w, c) => root.draw(&PathElement::new(vec![(x, cy), (x + 32, cy)], c.stroke_width(w)))?,
            Key::Dashed(w, c) => dashed(root, (x, cy), (x + 32, cy), c.stroke_width(w))?,
            Key::Note => {}
        }
        let (tx, style) = match key {
            Key::Note => (x, font_colored(12, GREY)),
            _ => (x + 42, font(13)),
        };
        root.draw(&Text::new(text.clone(), (tx, cy), style.pos(Pos::new(HPos::Left, VPos::Center))))?;
        y += 2 * half + 6;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_world_fits_the_plot_box_with_square_degrees() {
        let v = View::new(WORLD);
        let (x0, y0, x1, y1) = plot_box();
        let (a, b) = (v.px((-180.0, 84.0)), v.px((180.0, -58.0)));
        assert!(a.0 >= x0 && a.1 >= y0 && b.0 <= x1 && b.1 <= y1, "{a:?} {b:?}");
        let (w, h) = (f64::from(b.0 - a.0) / 360.0, f64::from(b.1 - a.1) / 142.0);
        assert!((w - h).abs() < 0.02, "px per degree {w} across, {h} down");
    }

    #[test]
    fn a_crop_holds_its_points_and_stays_on_the_world() {
        let pts = [(-122.0, 37.4), (-118.4, 33.9), (-112.0, 33.4)];
        let v = View::around(&pts);
        assert!(pts.iter().all(|&p| v.area.contains(p)), "{:?}", v.area);
        assert!(v.area.east - v.area.west < 90.0, "{:?}", v.area);
        let v = View::around(&[(179.0, 80.0)]);
        assert!(v.area.east <= 180.0 && v.area.north <= 84.0 && v.area.contains((179.0, 80.0)), "{:?}", v.area);
        assert_eq!(View::around(&[(-170.0, -50.0), (170.0, 70.0)]).area, WORLD);
    }
}
