//! The coastlines the maps are drawn over: Natural Earth's 1:110m
//! coastline (public domain), converted by `scripts/make_coastlines.py`
//! into `assets/world/coastlines-110m.txt` and embedded in the binary, so
//! a map needs no network and reads no file. Also the clipping of a
//! polyline to the part of the world a map shows.

use std::sync::OnceLock;

/// Where the embedded coastlines come from (for error messages).
pub(super) const COAST_PATH: &str = "assets/world/coastlines-110m.txt";
/// The coastline file: one polyline per line, points as `lon,lat`.
const COAST_TEXT: &str = include_str!("../../../../assets/world/coastlines-110m.txt");

/// A point as (longitude, latitude), degrees east and north.
pub(super) type LonLat = (f64, f64);

/// Parses the coastline format: `#` lines are comments, every other
/// non-empty line a polyline of at least two `lon,lat` points separated by
/// spaces, each on the globe. The error names the line (from 1).
pub(super) fn parse(text: &str) -> Result<Vec<Vec<LonLat>>, String> {
    let mut lines = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let points: Option<Vec<LonLat>> = line.split_whitespace().map(point).collect();
        match points {
            Some(p) if p.len() >= 2 => lines.push(p),
            _ => return Err(format!("line {}: expected two or more lon,lat points on the globe", i + 1)),
        }
    }
    Ok(lines)
}

/// One `lon,lat` point, if it is on the globe.
fn point(text: &str) -> Option<LonLat> {
    let (lon, lat) = text.split_once(',')?;
    let (lon, lat): (f64, f64) = (lon.parse().ok()?, lat.parse().ok()?);
    ((-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat)).then_some((lon, lat))
}

/// The embedded coastlines, parsed once.
pub(super) fn coastlines() -> Result<&'static [Vec<LonLat>], String> {
    static PARSED: OnceLock<Result<Vec<Vec<LonLat>>, String>> = OnceLock::new();
    PARSED.get_or_init(|| parse(COAST_TEXT)).as_ref().map(Vec::as_slice).map_err(Clone::clone)
}

/// A box of longitudes and latitudes, degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct GeoBox {
    pub(super) west: f64,
    pub(super) east: f64,
    pub(super) south: f64,
    pub(super) north: f64,
}

impl GeoBox {
    /// Whether `p` lies inside (edges included).
    pub(super) fn contains(&self, p: LonLat) -> bool {
        (self.west..=self.east).contains(&p.0) && (self.south..=self.north).contains(&p.1)
    }

    /// The part of the segment a-b inside the box (Liang-Barsky), if any.
    fn clip(&self, a: LonLat, b: LonLat) -> Option<(LonLat, LonLat)> {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        let edges = [(-dx, a.0 - self.west), (dx, self.east - a.0), (-dy, a.1 - self.south), (dy, self.north - a.1)];
        for (p, q) in edges {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
            } else if p < 0.0 {
                t0 = t0.max(q / p);
            } else {
                t1 = t1.min(q / p);
            }
        }
        (t0 <= t1).then_some(((a.0 + t0 * dx, a.1 + t0 * dy), (a.0 + t1 * dx, a.1 + t1 * dy)))
    }

    /// The pieces of `line` inside the box, each a polyline of two or
    /// more points.
    pub(super) fn clip_line(&self, line: &[LonLat]) -> Vec<Vec<LonLat>> {
        let mut pieces: Vec<Vec<LonLat>> = Vec::new();
        let mut open = false;
        for w in line.windows(2) {
            match self.clip(w[0], w[1]) {
                Some((a, b)) => {
                    if !open {
                        pieces.push(vec![a]);
                    }
                    if let Some(piece) = pieces.last_mut() {
                        piece.push(b);
                    }
                    // The next segment continues this piece only if b is w[1].
                    open = b == w[1];
                }
                None => open = false,
            }
        }
        pieces
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_coastlines_parse_and_span_the_world() {
        let lines = coastlines().expect("the shipped coastlines parse");
        let points: Vec<LonLat> = lines.iter().flatten().copied().collect();
        assert!(lines.len() > 100 && points.len() > 4000, "{} lines, {} points", lines.len(), points.len());
        let min = |f: fn(&LonLat) -> f64| points.iter().map(f).fold(f64::INFINITY, f64::min);
        let max = |f: fn(&LonLat) -> f64| points.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        // Natural Earth's coastline runs from the antimeridian to the
        // antimeridian, from Antarctica (-90 at its edge) to northern
        // Greenland (83.6 N).
        assert_eq!((min(|p| p.0), max(|p| p.0)), (-180.0, 180.0));
        assert!(min(|p| p.1) < -85.0 && (83.0..=84.0).contains(&max(|p| p.1)), "{} {}", min(|p| p.1), max(|p| p.1));
    }

    #[test]
    fn a_bad_line_is_named() {
        assert_eq!(parse("# c\n1,2 3,4\n"), Ok(vec![vec![(1.0, 2.0), (3.0, 4.0)]]));
        assert_eq!(
            parse("1,2 3,4\n5,x 1,1\n").unwrap_err(),
            "line 2: expected two or more lon,lat points on the globe"
        );
        assert!(parse("1,2\n").is_err(), "one point is no line");
        assert!(parse("1,2 200,0\n").is_err(), "off the globe");
    }

    #[test]
    fn lines_are_cut_at_the_box() {
        let b = GeoBox { west: 0.0, east: 10.0, south: 0.0, north: 10.0 };
        // In, out, back in: two pieces, cut at the edge x = 10.
        let line = [(5.0, 5.0), (15.0, 5.0), (5.0, 6.0)];
        let pieces = b.clip_line(&line);
        assert_eq!(pieces, vec![vec![(5.0, 5.0), (10.0, 5.0)], vec![(10.0, 5.5), (5.0, 6.0)]]);
        assert!(b.clip_line(&[(20.0, 20.0), (30.0, 30.0)]).is_empty());
        assert_eq!(b.clip_line(&[(1.0, 1.0), (2.0, 2.0), (3.0, 1.0)]).len(), 1, "a line inside stays whole");
    }
}
