//! The world of a run: its PoPs (from the catalog or the file), its client
//! sites and the latency between them. Built once from the scenario
//! ([`build`]); regions of the PoP catalog (`NA`, `EU`, `APAC`, `ROW`) are
//! the world's, the state regions are [`crate::scenario::regions`]. Routes,
//! traffic over time and failures are not the world's.

pub mod catalog;
pub mod latency;

use crate::engine::SimDuration;
use crate::scenario::regions::STATE_REGIONS;
use crate::scenario::schema::{Arrivals, TopologySpec};
use crate::scenario::{duration_dist, Scenario, ScenarioError};
use catalog::{great_circle_km, CatalogPop, Region};
use latency::LatencyModel;
use std::collections::BTreeSet;
use toml::Spanned;

/// A PoP taking part in the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Pop {
    /// IATA code.
    pub code: String,
    /// City, for reports.
    pub city: String,
    /// Continental region.
    pub region: Region,
    /// Latitude, degrees north.
    pub lat_deg: f64,
    /// Longitude, degrees east.
    pub lon_deg: f64,
    /// Relative demand weight of the clients near it.
    pub weight: f64,
}

/// A group of clients at one place, sending a share of the traffic.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSite {
    /// Label for reports (the PoP code for default sites).
    pub name: String,
    /// Latitude, degrees north.
    pub lat_deg: f64,
    /// Longitude, degrees east.
    pub lon_deg: f64,
    /// Requests per second this site sends.
    pub rps: f64,
    /// Index (into [`World::pops`]) of the nearest PoP.
    pub nearest_pop: usize,
    /// Fixed part of the one-way latency to that PoP.
    pub base_one_way: SimDuration,
}

/// Everything about a run's geography and demand.
#[derive(Debug, Clone)]
pub struct World {
    /// The PoPs, in catalog order then the file's own.
    pub pops: Vec<Pop>,
    /// The client sites.
    pub sites: Vec<ClientSite>,
    /// One-way latency.
    pub latency: LatencyModel,
    /// Share of P0..P3 in every site's traffic.
    pub class_shares: [f64; 4],
    /// How sites space their requests.
    pub arrivals: Arrivals,
    /// Where each state region's data centre stands (lat, lon in degrees),
    /// in [`crate::scenario::regions::STATE_REGIONS`] order.
    pub state_homes: [(f64, f64); 3],
}

impl World {
    /// The index of the PoP with this code.
    pub fn pop_index(&self, code: &str) -> Option<usize> {
        self.pops.iter().position(|p| p.code == code)
    }

    /// The index of the PoP a file names at `code` for `field`; a code
    /// outside this topology is an error at its place, with near misses.
    pub fn require_pop(
        &self,
        source: &crate::scenario::Source,
        code: &Spanned<String>,
        field: &str,
    ) -> Result<usize, ScenarioError> {
        self.pop_index(code.get_ref()).ok_or_else(|| {
            let known = self.pops.iter().map(|p| p.code.as_str());
            let field = format!("{field} (not in this topology)");
            source.error_at(code.span(), unknown_pop_message(&field, code.get_ref(), known))
        })
    }
}

/// Builds the world a scenario describes, checking its PoP codes and regions.
pub fn build(s: &Scenario) -> Result<World, ScenarioError> {
    let catalog = load_catalog(s)?;
    let pops = select_pops(s, &s.spec.topology, &catalog)?;
    let net = &s.spec.network;
    let latency = LatencyModel {
        km_per_ms: net.km_per_ms.get_ref().get(),
        route_inflation: net.route_inflation.get_ref().get(),
        last_mile: net.last_mile.sim(),
        jitter: net.jitter.as_ref().map(|j| duration_dist(j.get_ref())),
    };
    let sites = build_sites(s, &pops, &catalog, &latency)?;
    let state_homes = resolve_homes(s, &pops, &catalog)?;
    let traffic = s.spec.traffic.get_ref();
    Ok(World {
        pops,
        sites,
        latency,
        class_shares: traffic.classes.get_ref().as_array(),
        arrivals: traffic.arrivals,
        state_homes,
    })
}

/// The coordinates of the state regions' homes, by PoP code (topology
/// first, then the scenario's catalog, then the built-in one).
fn resolve_homes(s: &Scenario, pops: &[Pop], catalog: &[CatalogPop]) -> Result<[(f64, f64); 3], ScenarioError> {
    let st = &s.spec.state;
    let mut homes = [(0.0, 0.0); 3];
    for (i, code) in [&st.na, &st.eu, &st.apac].into_iter().enumerate() {
        let c = code.get_ref();
        let in_topology = pops.iter().find(|p| &p.code == c).map(|p| (p.lat_deg, p.lon_deg));
        let in_catalog =
            || catalog.iter().chain(catalog::builtin()).find(|p| &p.code == c).map(|p| (p.lat_deg, p.lon_deg));
        homes[i] = match in_topology.or_else(in_catalog) {
            Some(h) => h,
            None => {
                let known = catalog::builtin().iter().map(|p| p.code.as_str());
                let field = format!("state.{}", STATE_REGIONS[i].to_ascii_lowercase());
                let msg = unknown_pop_message(&field, c, known);
                return Err(if code.span().is_empty() {
                    s.source.error(msg)
                } else {
                    s.source.error_at(code.span(), msg)
                });
            }
        };
    }
    Ok(homes)
}

fn load_catalog(s: &Scenario) -> Result<Vec<CatalogPop>, ScenarioError> {
    let Some(choice) = &s.spec.topology.catalog else {
        return Ok(catalog::builtin().to_vec());
    };
    let name = choice.get_ref().as_str();
    if let Some(embedded) = catalog::named(name) {
        return Ok(embedded.to_vec());
    }
    match name {
        "none" => Ok(Vec::new()),
        path => {
            let full = s.dir.join(path);
            let label = full.display().to_string();
            let text = std::fs::read_to_string(&full).map_err(|e| {
                s.source.error_at(choice.span(), format!("topology.catalog: cannot read \"{label}\": {e}"))
            })?;
            catalog::parse_csv(&text).map_err(|e| ScenarioError {
                file: label,
                position: Some((e.line, 1)),
                message: e.message,
            })
        }
    }
}

fn select_pops(s: &Scenario, t: &TopologySpec, catalog: &[CatalogPop]) -> Result<Vec<Pop>, ScenarioError> {
    let src = &s.source;
    let mut chosen: Vec<Pop> = match (&t.regions, &t.pops) {
        (Some(_), Some(p)) => {
            let at = p.first().map(Spanned::span).unwrap_or(0..0);
            return Err(src.error_at(at, "topology: give regions or pops, not both"));
        }
        (Some(regions), None) => {
            let mut wanted = BTreeSet::new();
            for r in regions {
                let region = Region::parse(r.get_ref()).ok_or_else(|| {
                    src.error_at(
                        r.span(),
                        format!(
                            "topology.regions: unknown region \"{}\"; expected one of NA, EU, APAC, ROW",
                            r.get_ref()
                        ),
                    )
                })?;
                wanted.insert(region);
            }
            catalog.iter().filter(|p| wanted.contains(&p.region)).map(from_catalog).collect()
        }
        (None, Some(codes)) => {
            let mut out = Vec::with_capacity(codes.len());
            for c in codes {
                let code = c.get_ref();
                let pop = catalog.iter().find(|p| &p.code == code).ok_or_else(|| {
                    src.error_at(
                        c.span(),
                        unknown_pop_message("topology.pops", code, catalog.iter().map(|p| p.code.as_str())),
                    )
                })?;
                if out.iter().any(|p: &Pop| &p.code == code) {
                    return Err(src.error_at(c.span(), format!("topology.pops: \"{code}\" is listed twice")));
                }
                out.push(from_catalog(pop));
            }
            out
        }
        (None, None) if t.custom.is_empty() => catalog.iter().map(from_catalog).collect(),
        (None, None) => Vec::new(),
    };
    for c in &t.custom {
        let p = c.get_ref();
        let here = format!("topology.pop \"{}\"", p.code);
        let code_ok = p.code.len() == 3 && p.code.chars().all(|ch| ch.is_ascii_uppercase());
        if !code_ok {
            return Err(src.error_at(c.span(), format!("{here}: code must be three uppercase letters")));
        }
        let region = Region::parse(&p.region).ok_or_else(|| {
            src.error_at(
                c.span(),
                format!("{here}: unknown region \"{}\"; expected one of NA, EU, APAC, ROW", p.region),
            )
        })?;
        if chosen.iter().any(|q| q.code == p.code) {
            return Err(src.error_at(c.span(), format!("{here}: code already in the topology")));
        }
        chosen.push(Pop {
            code: p.code.clone(),
            city: p.city.clone(),
            region,
            lat_deg: p.lat.get(),
            lon_deg: p.lon.get(),
            weight: p.weight.get(),
        });
    }
    if chosen.is_empty() {
        let msg = "topology: no PoPs selected; name regions, pops, or add [[topology.pop]] tables";
        return Err(match &t.catalog {
            Some(c) => src.error_at(c.span(), msg),
            None => src.error(msg),
        });
    }
    Ok(chosen)
}

/// "unknown PoP" with up to three near-miss suggestions among `known`.
/// A `field` ending in "(not in this topology)" says the PoP must be one of
/// the scenario's own.
pub fn unknown_pop_message<'a>(field: &str, code: &str, known: impl Iterator<Item = &'a str>) -> String {
    let expected = if field.ends_with("(not in this topology)") {
        "expected a PoP of this scenario's topology"
    } else {
        "expected an IATA code of the catalog (see `edgesim catalog`)"
    };
    let near: Vec<&str> = known
        .filter(|k| k.len() == code.len() && k.chars().zip(code.chars()).filter(|(a, b)| a != b).count() == 1)
        .take(3)
        .collect();
    if near.is_empty() {
        format!("{field}: unknown PoP \"{code}\"; {expected}")
    } else {
        format!("{field}: unknown PoP \"{code}\"; did you mean {}?", near.join(", "))
    }
}

fn from_catalog(p: &CatalogPop) -> Pop {
    Pop {
        code: p.code.clone(),
        city: p.city.clone(),
        region: p.region,
        lat_deg: p.lat_deg,
        lon_deg: p.lon_deg,
        weight: p.weight,
    }
}

fn build_sites(
    s: &Scenario,
    pops: &[Pop],
    catalog: &[CatalogPop],
    latency: &LatencyModel,
) -> Result<Vec<ClientSite>, ScenarioError> {
    let traffic = s.spec.traffic.get_ref();
    let mut placed: Vec<(String, f64, f64, f64)> = Vec::new();
    if traffic.sites.is_empty() {
        placed.extend(pops.iter().map(|p| (p.code.clone(), p.lat_deg, p.lon_deg, p.weight)));
    }
    for site in &traffic.sites {
        let spec = site.get_ref();
        let (lat, lon) = match &spec.near {
            Some(code) => {
                let from_pops = pops.iter().find(|p| &p.code == code).map(|p| (p.lat_deg, p.lon_deg));
                let from_catalog = || catalog.iter().find(|p| &p.code == code).map(|p| (p.lat_deg, p.lon_deg));
                from_pops.or_else(from_catalog).ok_or_else(|| {
                    let known = pops.iter().map(|p| p.code.as_str()).chain(catalog.iter().map(|p| p.code.as_str()));
                    s.source.error_at(
                        site.span(),
                        unknown_pop_message(&format!("traffic.site \"{}\".near", spec.name), code, known),
                    )
                })?
            }
            None => (spec.lat.map_or(0.0, |v| v.get()), spec.lon.map_or(0.0, |v| v.get())),
        };
        placed.push((spec.name.clone(), lat, lon, spec.weight.get()));
    }
    let total_weight: f64 = placed.iter().map(|p| p.3).sum();
    let rps = traffic.rps.get_ref().get();
    Ok(placed
        .into_iter()
        .map(|(name, lat, lon, weight)| {
            let (nearest_pop, km) = nearest(pops, lat, lon);
            ClientSite {
                name,
                lat_deg: lat,
                lon_deg: lon,
                rps: rps * weight / total_weight,
                nearest_pop,
                base_one_way: latency.base_one_way(km),
            }
        })
        .collect())
}

/// The nearest PoP to a point (first in order on ties) and its distance in km.
pub fn nearest(pops: &[Pop], lat: f64, lon: f64) -> (usize, f64) {
    pops.iter()
        .enumerate()
        .map(|(i, p)| (i, great_circle_km(lat, lon, p.lat_deg, p.lon_deg)))
        .fold((0, f64::INFINITY), |best, cur| if cur.1 < best.1 { cur } else { best })
}
