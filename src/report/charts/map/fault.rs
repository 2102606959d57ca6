//! One fault's map: the client sites whose networks it moved, a dashed
//! line from each to the PoP its networks used just before the fault
//! struck and a solid one to each PoP they used while it lasted (line
//! width by networks, colour by the new PoP), the struck PoPs crossed out.
//! Cropped to the sites and PoPs involved.

use super::coast::LonLat;
use super::view::{cross, dashed, disc, label, legend, Key, View};
use super::{state_color, CatchRow, MapPop};
use crate::report::charts::draw::{draw_header, secs, Chart, Drawn, GREY, OTHER_COLOR, SERIES_COLORS};
use crate::report::charts::input::RunInfo;
use crate::report::map_csv::PopState;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// Sites whose name is written, the most networks first.
const SITE_LABELS: usize = 10;
/// PoPs of each kind (struck, new) whose code is written, the most
/// networks first.
const POP_LABELS: usize = 12;
/// Widest line (the most networks), px; half that when there are more
/// than [`MANY_LINKS`] lines.
const W_MAX: f64 = 6.0;
/// Lines past which they are drawn thinner.
const MANY_LINKS: usize = 24;

/// A site-to-PoP line: networks of a site sending to a PoP.
struct Link {
    from: LonLat,
    to: LonLat,
    networks: f64,
    color: RGBColor,
    /// To a PoP that is down or withdrawn while the fault lasts.
    stranded: bool,
}

/// A PoP on the fault map.
struct Marked {
    code: String,
    at: LonLat,
    color: RGBColor,
}

/// One fault's map, ready to draw.
pub(super) struct FaultMap<'a> {
    title: String,
    subtitle: String,
    view: View,
    coast: &'a [Vec<LonLat>],
    /// Every other PoP in view, as a grey dot.
    others: Vec<LonLat>,
    sites: Vec<Site>,
    before: Vec<Link>,
    during: Vec<Link>,
    struck: Vec<Marked>,
    /// PoPs the sites left that kept serving.
    left: Vec<Marked>,
    new_pops: Vec<Marked>,
    max_networks: f64,
}

/// The PoPs of `rows` with their networks summed, the most first.
fn pops_by_networks<'r>(rows: impl Iterator<Item = &'r CatchRow>) -> Vec<(String, LonLat, f64)> {
    let mut sum: BTreeMap<&str, (LonLat, f64)> = BTreeMap::new();
    for r in rows {
        if let Some((code, at)) = &r.pop {
            sum.entry(code.as_str()).or_insert((*at, 0.0)).1 += r.networks;
        }
    }
    let mut out: Vec<(String, LonLat, f64)> = sum.into_iter().map(|(c, (at, n))| (c.to_string(), at, n)).collect();
    out.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    out
}

/// A site on the fault map: name, place, networks, and whether some of
/// them reach no PoP or a struck one while the fault lasts (stranded).
type Site = (String, LonLat, f64, bool);

/// The colour of the `i`th new PoP (the most networks first): the series
/// colours but the withdrawn state's, then grey.
fn new_pop_color(i: usize) -> RGBColor {
    let withdrawn = state_color(PopState::Withdrawn);
    SERIES_COLORS.into_iter().filter(|c| *c != withdrawn).nth(i).unwrap_or(OTHER_COLOR)
}

/// Whether a row's PoP is down or withdrawn while the fault lasts.
fn struck_row(r: &CatchRow) -> bool {
    r.state_during.is_some_and(|s| s > PopState::Degraded)
}

/// The PoPs of a fault's map: the new ones (serving, coloured, the most
/// networks first), the struck ones (down or withdrawn while it lasts)
/// and the ones left that kept serving.
fn marked_pops(rows: &[&CatchRow]) -> (Vec<Marked>, Vec<Marked>, Vec<Marked>) {
    let new_pops: Vec<Marked> = pops_by_networks(rows.iter().copied().filter(|r| !r.before && !struck_row(r)))
        .into_iter()
        .enumerate()
        .map(|(i, (code, at, _))| Marked { code, at, color: new_pop_color(i) })
        .collect();
    let state_of = |code: &str| {
        let row = rows.iter().find(|r| r.pop.as_ref().is_some_and(|p| p.0 == code));
        row.and_then(|r| r.state_during).unwrap_or(PopState::Serving)
    };
    let struck: Vec<Marked> = pops_by_networks(rows.iter().copied().filter(|r| struck_row(r)))
        .into_iter()
        .map(|(code, at, _)| Marked { color: state_color(state_of(&code)), code, at })
        .collect();
    let left: Vec<Marked> = pops_by_networks(rows.iter().copied().filter(|r| r.before && !struck_row(r)))
        .into_iter()
        .filter(|(code, _, _)| new_pops.iter().all(|p| &p.code != code))
        .map(|(code, at, _)| Marked { code, at, color: GREY })
        .collect();
    (new_pops, struck, left)
}

/// The sites of a fault's map, the most networks first.
fn site_list(rows: &[&CatchRow]) -> Vec<Site> {
    let mut sites: Vec<Site> = Vec::new();
    for r in rows.iter().filter(|r| r.before) {
        match sites.iter_mut().find(|s| s.0 == r.site) {
            Some(s) => s.2 += r.networks,
            None => sites.push((r.site.clone(), r.site_at, r.networks, false)),
        }
    }
    for r in rows.iter().filter(|r| !r.before && (r.pop.is_none() || struck_row(r))) {
        if let Some(s) = sites.iter_mut().find(|s| s.0 == r.site) {
            s.3 = true;
        }
    }
    sites.sort_by(|a, b| b.2.total_cmp(&a.2).then(a.0.cmp(&b.0)));
    sites
}

/// The title and subtitle of fault `n`'s map.
fn headings(run: &RunInfo, n: u32, rows: &[&CatchRow], sites: &[Site]) -> (String, String) {
    let fault = n.checked_sub(1).and_then(|i| run.faults.get(i as usize));
    let name = fault.map_or(String::new(), |f| format!(" {} at {}", f.name(), secs(f.at_s)));
    let t = |b: bool| rows.iter().find(|r| r.before == b).map_or(String::new(), |r| secs(r.t));
    let networks: f64 = sites.iter().map(|s| s.2).sum();
    let stranded: f64 =
        rows.iter().filter(|r| !r.before && (r.pop.is_none() || struck_row(r))).map(|r| r.networks).sum();
    let stranded = if stranded > 0.0 { format!(" ({stranded} left on a struck PoP or none)") } else { String::new() };
    let title = format!("F{n}{name}: where the traffic of the sites it hit went");
    let subtitle = format!(
        "{}; {} site{}, {networks} networks{stranded}; dashed: just before it struck ({}), solid: while it lasted ({})",
        run.context(),
        sites.len(),
        if sites.len() == 1 { "" } else { "s" },
        t(true),
        t(false)
    );
    (title, subtitle)
}

impl<'a> FaultMap<'a> {
    /// The map of fault `n` (from 1) from its catchments.csv rows.
    pub(super) fn new(
        run: &RunInfo,
        n: u32,
        rows: &[&CatchRow],
        pops: &[MapPop],
        coast: &'a [Vec<LonLat>],
    ) -> FaultMap<'a> {
        let (new_pops, struck, left) = marked_pops(rows);
        let color_of = |code: &str| new_pops.iter().find(|p| p.code == code).map_or(OTHER_COLOR, |p| p.color);
        let link = |r: &CatchRow| {
            let (code, to) = r.pop.as_ref()?;
            let color = match r.state_during {
                _ if r.before => GREY,
                Some(state) if struck_row(r) => state_color(state),
                _ => color_of(code),
            };
            Some(Link { from: r.site_at, to: *to, networks: r.networks, color, stranded: !r.before && struck_row(r) })
        };
        let before: Vec<Link> = rows.iter().filter(|r| r.before).filter_map(|r| link(r)).collect();
        let during: Vec<Link> = rows.iter().filter(|r| !r.before).filter_map(|r| link(r)).collect();
        let sites = site_list(rows);
        let mut points: Vec<LonLat> = rows.iter().map(|r| r.site_at).collect();
        points.extend(rows.iter().filter_map(|r| r.pop.as_ref().map(|p| p.1)));
        let view = View::around(&points);
        let shown: Vec<&str> = struck.iter().chain(&left).chain(&new_pops).map(|m| m.code.as_str()).collect();
        let others: Vec<LonLat> = pops
            .iter()
            .filter(|p| view.area.contains(p.at) && !shown.contains(&p.code.as_str()))
            .map(|p| p.at)
            .collect();
        let max_networks = before.iter().chain(&during).map(|l| l.networks).fold(1.0, f64::max);
        let (title, subtitle) = headings(run, n, rows, &sites);
        FaultMap { title, subtitle, view, coast, others, sites, before, during, struck, left, new_pops, max_networks }
    }

    fn width(&self, networks: f64) -> u32 {
        let w_max = if self.during.len() > MANY_LINKS { W_MAX / 2.0 } else { W_MAX };
        (1.0 + (w_max - 1.0) * networks / self.max_networks).round() as u32
    }

    /// A link, cut to the view.
    fn draw_link<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, l: &Link, dash: bool) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let style = l.color.mix(if dash { 0.9 } else { 0.75 }).stroke_width(self.width(l.networks));
        for piece in self.view.area.clip_line(&[l.from, l.to]) {
            let (a, b) = (self.view.px(piece[0]), self.view.px(piece[piece.len() - 1]));
            if dash {
                dashed(root, a, b, style)?;
            } else {
                root.draw(&PathElement::new(vec![a, b], style))?;
            }
        }
        Ok(())
    }

    fn legend_rows(&self) -> Vec<(String, Key)> {
        let first = self.new_pops.first().map_or(new_pop_color(0), |p| p.color);
        let mut rows = vec![
            ("client site".to_string(), Key::Disc(3, BLACK)),
            ("before: to its PoP".to_string(), Key::Dashed(2, GREY)),
        ];
        if !self.new_pops.is_empty() {
            rows.push(("during: to its new PoP".to_string(), Key::Line(3, first)));
            rows.push(("new PoP".to_string(), Key::Disc(6, first)));
        }
        for s in [PopState::Down, PopState::Withdrawn] {
            let c = state_color(s);
            if self.struck.iter().any(|m| m.color == c) {
                rows.push((format!("struck PoP ({})", s.as_str()), Key::Cross(c)));
            }
        }
        if let Some(l) = self.during.iter().find(|l| l.stranded) {
            rows.push(("during: still to a struck PoP".to_string(), Key::Line(3, l.color)));
        }
        if !self.left.is_empty() {
            rows.push(("PoP left, still serving".to_string(), Key::Disc(6, GREY)));
        }
        if self.sites.iter().any(|s| s.3) {
            rows.push(("site left stranded".to_string(), Key::Ring(7, state_color(PopState::Down))));
        }
        rows.push(("other PoP".to_string(), Key::Disc(2, OTHER_COLOR)));
        rows.push((format!("line width ~ networks (max {})", self.max_networks), Key::Note));
        rows.push(("coast: Natural Earth".to_string(), Key::Note));
        rows
    }
}

impl FaultMap<'_> {
    /// The sites inside the view.
    fn inside(&self) -> impl Iterator<Item = &Site> {
        self.sites.iter().filter(|s| self.view.area.contains(s.1))
    }

    /// Sites (ringed in red when they reach no PoP), PoPs and crosses.
    fn draw_marks<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        for s in self.inside() {
            let at = self.view.px(s.1);
            if s.3 {
                root.draw(&Circle::new(at, 7, state_color(PopState::Down).stroke_width(2)))?;
            }
            root.draw(&Circle::new(at, 3, BLACK.filled()))?;
        }
        let visible = |m: &&Marked| self.view.area.contains(m.at);
        for m in self.left.iter().chain(&self.new_pops).filter(visible) {
            disc(root, self.view.px(m.at), 6, m.color)?;
        }
        let r = if self.struck.len() > POP_LABELS { 5 } else { 8 };
        for m in self.struck.iter().filter(visible) {
            cross(root, self.view.px(m.at), r, m.color)?;
        }
        Ok(())
    }

    /// Names of the busiest sites and PoPs: new PoPs above right, struck
    /// and left ones below right, sites below; a site named and placed as
    /// a PoP (the default sites) is named once.
    fn draw_labels<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        let marked = |s: &&Site| {
            self.struck.iter().chain(&self.left).chain(&self.new_pops).any(|m| m.code == s.0 && m.at == s.1)
        };
        for s in self.inside().take(SITE_LABELS).filter(|s| !marked(s)) {
            let (x, y) = self.view.px(s.1);
            label(root, &s.0, (x + 5, y + 11), GREY)?;
        }
        let visible = |m: &&Marked| self.view.area.contains(m.at);
        for m in self.new_pops.iter().filter(visible).take(POP_LABELS) {
            let (x, y) = self.view.px(m.at);
            label(root, &m.code, (x + 9, y - 9), m.color)?;
        }
        for m in self.struck.iter().chain(&self.left).filter(visible).take(POP_LABELS) {
            let (x, y) = self.view.px(m.at);
            label(root, &m.code, (x + 10, y + 10), m.color)?;
        }
        Ok(())
    }
}

impl Chart for FaultMap<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn
    where
        DB::ErrorType: 'static,
    {
        draw_header(root, &self.title, &self.subtitle)?;
        self.view.draw_base(root, self.coast)?;
        for &p in &self.others {
            root.draw(&Circle::new(self.view.px(p), 2, OTHER_COLOR.mix(0.6).filled()))?;
        }
        for l in &self.before {
            self.draw_link(root, l, true)?;
        }
        for l in &self.during {
            self.draw_link(root, l, false)?;
        }
        self.draw_marks(root)?;
        self.draw_labels(root)?;
        legend(root, &self.legend_rows())
    }
}
