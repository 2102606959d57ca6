//! The whole run's map: every PoP as a disc whose area is proportional to
//! the requests it handled, coloured by the worst state it was in, over
//! the part of the world the PoPs cover.

use super::coast::LonLat;
use super::view::{disc, label, legend, Key, View};
use super::{state_color, MapPop};
use crate::report::charts::draw::{draw_header, Chart, Drawn};
use crate::report::charts::input::RunInfo;
use crate::report::map_csv::PopState;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Radius of the busiest PoP's disc, px.
const R_MAX: f64 = 16.0;
/// Radius of a PoP that handled any request, at least, px.
const R_MIN: f64 = 2.0;
/// PoPs labelled by their code among those struck (down or withdrawn),
/// and among the others.
const LABELLED: usize = 10;

/// The whole run's map.
pub(super) struct WorldMap<'a> {
    pub(super) run: &'a RunInfo,
    pub(super) pops: &'a [MapPop],
    pub(super) coast: &'a [Vec<LonLat>],
}

/// A disc's radius for `requests` when the busiest PoP handled `max`:
/// area proportional to requests.
pub(super) fn radius(requests: f64, max: f64) -> i32 {
    if requests <= 0.0 || max <= 0.0 {
        return R_MIN as i32;
    }
    (R_MAX * (requests / max).sqrt()).max(R_MIN).round() as i32
}

/// Requests for a legend, rounded down to 1, 2 or 5 times a power of ten.
fn round_down(x: f64) -> f64 {
    if x < 1.0 {
        return x;
    }
    let p = 10f64.powf(x.log10().floor());
    [5.0, 2.0, 1.0].into_iter().map(|m| m * p).find(|v| *v <= x).unwrap_or(p)
}

/// A whole number with thousands separators: 1234567 -> "1,234,567".
fn grouped(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl WorldMap<'_> {
    fn max_requests(&self) -> f64 {
        self.pops.iter().map(|p| p.requests).fold(0.0, f64::max)
    }

    /// The PoPs whose code is written: the [`LABELLED`] busiest of those
    /// struck down or withdrawn, and as many of the others.
    fn labelled(&self) -> Vec<&MapPop> {
        let mut order: Vec<&MapPop> = self.pops.iter().collect();
        order.sort_by(|a, b| b.requests.total_cmp(&a.requests).then(a.code.cmp(&b.code)));
        let struck = order.iter().filter(|p| p.state > PopState::Degraded).take(LABELLED);
        let rest = order.iter().filter(|p| p.state <= PopState::Degraded).take(LABELLED);
        struck.chain(rest).copied().collect()
    }

    fn subtitle(&self) -> String {
        let count = |s: PopState| self.pops.iter().filter(|p| p.state == s).count();
        let mut parts = vec![self.run.context(), format!("{} PoPs", self.pops.len())];
        for s in [PopState::Down, PopState::Withdrawn, PopState::Degraded] {
            if count(s) > 0 {
                parts.push(format!("{} {}", count(s), s.as_str()));
            }
        }
        parts.join(", ")
    }

    fn legend_rows(&self) -> Vec<(String, Key)> {
        let mut rows: Vec<(String, Key)> = vec![
            ("serving".into(), Key::Disc(7, state_color(PopState::Serving))),
            ("degraded (shed)".into(), Key::Disc(7, state_color(PopState::Degraded))),
            ("withdrawn".into(), Key::Disc(7, state_color(PopState::Withdrawn))),
            ("struck down".into(), Key::Disc(7, state_color(PopState::Down))),
        ];
        let max = self.max_requests();
        let big = round_down(max);
        if big > 0.0 {
            for v in [big, round_down(big / 4.0)] {
                rows.push((format!("{} requests", grouped(v)), Key::Disc(radius(v, max), RGBColor(150, 150, 150))));
            }
        }
        rows.push(("worst state over the run;".into(), Key::Note));
        rows.push(("disc area ~ requests".into(), Key::Note));
        rows.push(("coast: Natural Earth".into(), Key::Note));
        rows
    }
}

impl Chart for WorldMap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        draw_header(root, "PoPs on the map: disc area by requests, colour by state", &self.subtitle())?;
        let places: Vec<LonLat> = self.pops.iter().map(|p| p.at).collect();
        let view = View::around(&places);
        view.draw_base(root, self.coast)?;
        let max = self.max_requests();
        let mut order: Vec<&MapPop> = self.pops.iter().filter(|p| view.area.contains(p.at)).collect();
        // Big discs first so that small ones stay visible; struck ones last.
        order.sort_by(|a, b| a.state.cmp(&b.state).then(b.requests.total_cmp(&a.requests)).then(a.code.cmp(&b.code)));
        for p in &order {
            disc(root, view.px(p.at), radius(p.requests, max), state_color(p.state))?;
        }
        for p in self.labelled().into_iter().filter(|p| view.area.contains(p.at)) {
            let (x, y) = view.px(p.at);
            label(root, &p.code, (x + radius(p.requests, max) + 3, y), state_color(p.state))?;
        }
        legend(root, &self.legend_rows())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disc_area_follows_requests() {
        assert_eq!(radius(400.0, 400.0), R_MAX as i32);
        // A quarter of the requests: a quarter of the area, half the radius.
        assert_eq!(radius(100.0, 400.0), (R_MAX / 2.0) as i32);
        assert_eq!(radius(0.0, 400.0), R_MIN as i32);
        assert_eq!(radius(1.0, 1e9), R_MIN as i32);
    }

    #[test]
    fn legend_sizes_are_round() {
        assert_eq!(round_down(1_234_567.0), 1_000_000.0);
        assert_eq!(round_down(2_600.0), 2_000.0);
        assert_eq!(round_down(74.0), 50.0);
        assert_eq!(grouped(1_000_000.0), "1,000,000");
        assert_eq!(grouped(50_000.0), "50,000");
        assert_eq!(grouped(999.0), "999");
    }
}
