//! The world maps: `map` (every PoP, sized by the requests it handled and
//! coloured by the worst state it was in) and, for each fault that moved
//! traffic, `map-fault-N` (the sites it moved, with their catchment just
//! before it struck and while it lasted). Drawn from `map_pops.csv` and
//! `catchments.csv` ([`crate::report::map_csv`]) over the embedded
//! Natural Earth coastlines ([`coast`]), in an equirectangular projection
//! ([`view`]).

mod coast;
mod fault;
mod view;
mod world;

use super::draw::{render, FAULT_COLORS, SERIES_COLORS};
use super::input::{Csv, RunInfo};
use super::ChartError;
use crate::report::map_csv::{PopState, CATCHMENTS_CSV, MAP_POPS_CSV};
use coast::LonLat;
use plotters::style::RGBColor;
use std::path::{Path, PathBuf};

/// The stem of fault `n`'s map (from 1): `map-fault-N`.
pub fn fault_map_stem(n: u32) -> String {
    format!("map-fault-{n}")
}

/// The fault number of a fault map's file name (`map-fault-N.svg` -> N).
pub fn fault_map_number(file_name: &str) -> Option<u32> {
    let n = file_name.strip_prefix("map-fault-")?.strip_suffix(".svg")?;
    n.bytes().all(|b| b.is_ascii_digit()).then(|| n.parse().ok()).flatten()
}

/// The colour of a PoP's state.
fn state_color(s: PopState) -> RGBColor {
    match s {
        PopState::Serving => SERIES_COLORS[0],
        PopState::Degraded => SERIES_COLORS[1],
        PopState::Withdrawn => SERIES_COLORS[3],
        PopState::Down => FAULT_COLORS[0],
    }
}

/// One row of map_pops.csv.
pub(super) struct MapPop {
    pub(super) code: String,
    pub(super) at: LonLat,
    pub(super) requests: f64,
    pub(super) state: PopState,
}

/// One row of catchments.csv.
pub(super) struct CatchRow {
    pub(super) fault: u32,
    pub(super) before: bool,
    pub(super) t: f64,
    pub(super) site: String,
    pub(super) site_at: LonLat,
    /// The PoP (code, place), None when the networks reach none.
    pub(super) pop: Option<(String, LonLat)>,
    pub(super) networks: f64,
    pub(super) state_during: Option<PopState>,
}

/// A state cell: empty (None) or one of [`PopState`]'s names.
fn state_cell(path: &Path, line: u64, text: &str) -> Result<Option<PopState>, ChartError> {
    if text.is_empty() {
        return Ok(None);
    }
    PopState::parse(text).map(Some).ok_or_else(|| {
        ChartError::new(path, format!("line {line}: state \"{text}\" is none of serving, degraded, withdrawn, down"))
    })
}

fn read_map_pops(path: &Path) -> Result<Vec<MapPop>, ChartError> {
    let columns = |csv: &Csv| -> Result<[usize; 5], ChartError> {
        Ok([csv.column("code")?, csv.column("lat")?, csv.column("lon")?, csv.column("requests")?, csv.column("state")?])
    };
    Csv::read(path, columns, |r, &[code, lat, lon, req, state]| {
        let state = state_cell(path, r.line, &r.text(state))?
            .ok_or_else(|| ChartError::new(path, format!("line {}: column state: empty", r.line)))?;
        Ok(MapPop { code: r.text(code), at: (r.required(lon)?, r.required(lat)?), requests: r.required(req)?, state })
    })
}

fn read_catchments(path: &Path) -> Result<Vec<CatchRow>, ChartError> {
    let names = ["fault", "moment", "t_s", "site", "site_lat", "site_lon", "pop", "pop_lat", "pop_lon", "networks"];
    let columns = |csv: &Csv| -> Result<[usize; 11], ChartError> {
        let mut cols = [0; 11];
        for (c, name) in cols.iter_mut().zip(names.iter().chain(["pop_state_during"].iter())) {
            *c = csv.column(name)?;
        }
        Ok(cols)
    };
    Csv::read(path, columns, |r, &[fault, moment, t, site, slat, slon, pop, plat, plon, nets, state]| {
        let before = match r.text(moment).as_str() {
            "before" => true,
            "during" => false,
            m => {
                return Err(ChartError::new(
                    path,
                    format!("line {}: moment \"{m}\" is neither before nor during", r.line),
                ))
            }
        };
        let code = r.text(pop);
        let pop = if code.is_empty() { None } else { Some((code, (r.required(plon)?, r.required(plat)?))) };
        let number = r.required(fault)?;
        if !(number >= 1.0 && number.fract() == 0.0 && number <= f64::from(u32::MAX)) {
            return Err(ChartError::new(
                path,
                format!("line {}: fault {number} is no fault number (1, 2, ...)", r.line),
            ));
        }
        Ok(CatchRow {
            fault: number as u32,
            before,
            t: r.required(t)?,
            site: r.text(site),
            site_at: (r.required(slon)?, r.required(slat)?),
            pop,
            networks: r.required(nets)?,
            state_during: state_cell(path, r.line, &r.text(state))?,
        })
    })
}

/// Draws `map` from map_pops.csv and each `map-fault-N` from
/// catchments.csv, for the files that exist (an older results folder has
/// neither); records the files written.
pub(super) fn render_maps(dir: &Path, run: &RunInfo, written: &mut Vec<PathBuf>) -> Result<(), ChartError> {
    let pops_path = dir.join(MAP_POPS_CSV);
    if !pops_path.exists() {
        return Ok(());
    }
    let coast = coast::coastlines().map_err(|e| ChartError::new(Path::new(coast::COAST_PATH), e))?;
    let pops = read_map_pops(&pops_path)?;
    render(dir, "map", &world::WorldMap { run, pops: &pops, coast }, written)?;
    let catch_path = dir.join(CATCHMENTS_CSV);
    if !catch_path.exists() {
        return Ok(());
    }
    let rows = read_catchments(&catch_path)?;
    let mut faults: Vec<u32> = rows.iter().map(|r| r.fault).collect();
    faults.dedup();
    faults.sort_unstable();
    faults.dedup();
    for n in faults {
        let mine: Vec<&CatchRow> = rows.iter().filter(|r| r.fault == n).collect();
        let chart = fault::FaultMap::new(run, n, &mine, &pops, coast);
        render(dir, &fault_map_stem(n), &chart, written)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fault_map_names_read_back() {
        assert_eq!(fault_map_number(&format!("{}.svg", fault_map_stem(12))), Some(12));
        assert_eq!(fault_map_number("map-fault-.svg"), None);
        assert_eq!(fault_map_number("map-fault-+1.svg"), None);
        assert_eq!(fault_map_number("map-fault-1.png"), None);
    }
}
