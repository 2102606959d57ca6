//! The generated Internet of a scenario (or its transit core from a file,
//! [`super::core_file`]), its knobs (prepending, local preference) and its
//! routing faults resolved against the graph, built once per scenario.

use crate::edge::bgp::internet::{from_core, generate, Internet, InternetSpec, Place, REGION_NAMES};
use crate::edge::bgp::{AsGraph, BgpConfig, Damping, LinkId, MraiMode, PathVector, Policy, Relation};
use crate::engine::SimDuration;
use crate::scenario::schema::{ConvergenceSpec, FaultKind, MraiModeSpec, RoutingPolicy};
use crate::scenario::{Scenario, ScenarioError};
use crate::world::catalog::{great_circle_km, Region};
use crate::world::World;
use std::sync::Arc;

/// What a routing fault does while it lasts.
#[derive(Debug, Clone, PartialEq)]
pub enum RouteAction {
    /// These sessions (their even links) go down.
    Sessions(Vec<LinkId>),
    /// These links carry `times` extra copies of the edge AS; `restore`
    /// holds what they carried before.
    Prepend {
        /// The PoP's links.
        links: Vec<LinkId>,
        /// Extra copies while it lasts.
        times: u8,
        /// Extra copies before (and after).
        restore: Vec<u8>,
    },
}

/// The generated Internet of a scenario and its routing faults, resolved.
#[derive(Debug, Clone)]
pub struct BgpSetup {
    /// The AS graph (shared by every run of the scenario).
    pub graph: Arc<AsGraph>,
    /// The protocol's timers and policy.
    pub cfg: BgpConfig,
    /// The edge network's AS number.
    pub edge_as: u32,
    /// Tier-1 AS numbers.
    pub tier1s: Vec<u32>,
    /// Regional transit AS numbers.
    pub regionals: Vec<u32>,
    /// Per fault (file order): what it does to routing, if anything.
    pub actions: Vec<Option<RouteAction>>,
    /// Each PoP's demand in steady state (rps): the rps of the client
    /// networks whose best path leads to it, for `servers = { per_krps }`.
    pub demand_rps: Vec<f64>,
}

impl BgpSetup {
    /// Generates the Internet for `s`'s world and resolves its knobs and
    /// routing faults; an AS or PoP a fault or knob names that does not
    /// exist (or has no such session) is an error naming the field.
    pub fn from_scenario(s: &Scenario, world: &World, networks_per_site: u32) -> Result<Self, ScenarioError> {
        let cfg = bgp_config(s);
        let spec = internet_spec(s);
        let region = |r: Region| REGION_NAMES.iter().position(|&x| x == r.as_str()).unwrap_or(3) as u8;
        let pops: Vec<Place> = world
            .pops
            .iter()
            .map(|p| Place { lat_deg: p.lat_deg, lon_deg: p.lon_deg, region: region(p.region), weight: p.weight })
            .collect();
        let sites: Vec<Place> = world
            .sites
            .iter()
            .map(|c| Place {
                lat_deg: c.lat_deg,
                lon_deg: c.lon_deg,
                region: pops[c.nearest_pop].region,
                weight: c.rps,
            })
            .collect();
        let (km_per_ms, inflation) = (world.latency.km_per_ms, world.latency.route_inflation);
        let delay = move |a: &Place, b: &Place| {
            let km = great_circle_km(a.lat_deg, a.lon_deg, b.lat_deg, b.lon_deg);
            SimDuration::from_secs_f64(km / km_per_ms * inflation / 1e3).max(SimDuration(100_000))
        };
        let mut net = match &s.spec.anycast.internet.graph {
            Some(path) => {
                let core = super::core_file::read(s, world, path)?;
                check_size(
                    s,
                    &InternetSpec { tier1s: 0, regionals: 0, ..spec.clone() },
                    &pops,
                    sites.len(),
                    networks_per_site,
                )?;
                from_core(&spec, &core, &pops, &sites, networks_per_site, &delay)
            }
            None => {
                check_size(s, &spec, &pops, sites.len(), networks_per_site)?;
                generate(&spec, &pops, &sites, networks_per_site, &delay)
            }
        };
        apply_knobs(s, world, &mut net)?;
        let actions = resolve_faults(s, world, &net)?;
        let graph = Arc::new(net.graph);
        let steady = PathVector::new(Arc::clone(&graph), cfg.clone(), 0, |_| true);
        if !steady.converged_at_start() {
            return Err(s.source.error_at(
                s.spec.anycast.convergence.span(),
                format!(
                    "anycast.convergence: BGP did not settle on the generated Internet within {} updates \
                     (policy shortest-path explores many paths); use policy = \"gao-rexford\" or a smaller [anycast.internet]",
                    crate::edge::bgp::protocol::START_EVENT_CAP
                ),
            ));
        }
        let mut demand_rps = vec![0.0; world.pops.len()];
        let per_net = f64::from(networks_per_site.max(1));
        for (site, c) in world.sites.iter().enumerate() {
            for i in 0..networks_per_site as usize {
                let pop = steady.client_origin(site * networks_per_site as usize + i) as usize;
                if let Some(d) = demand_rps.get_mut(pop) {
                    *d += c.rps / per_net;
                }
            }
        }
        Ok(BgpSetup {
            graph,
            demand_rps,
            cfg,
            edge_as: net.edge_as,
            tier1s: net.tier1s,
            regionals: net.regionals,
            actions,
        })
    }
}

/// Most routers the generated Internet may have.
pub const MAX_ROUTERS: u64 = 1_000_000;
/// Most sessions it may have.
pub const MAX_SESSIONS: u64 = 5_000_000;

/// Refuses an Internet too big to build: client networks, tier-1 and
/// regional routers, and the iBGP full meshes and peerings between them,
/// counted from the spec before anything is built.
fn check_size(
    s: &Scenario,
    spec: &InternetSpec,
    pops: &[Place],
    sites: usize,
    per_site: u32,
) -> Result<(), ScenarioError> {
    let clients = sites as u64 * u64::from(per_site);
    let hubs = u64::from(spec.hubs).min(pops.len() as u64);
    let t1 = u64::from(spec.tier1s);
    let regions = REGION_NAMES.len() as u64;
    let metros = u64::from(spec.regional_metros).min(pops.len() as u64);
    let regional_routers = regions * u64::from(spec.regionals) * metros;
    let routers = clients + pops.len() as u64 + t1 * hubs + regional_routers;
    let sessions = clients * 5
        + t1 * hubs * hubs / 2
        + t1 * t1 * hubs / 2
        + regions * u64::from(spec.regionals) * metros * metros / 2
        + regional_routers * regional_routers / (2 * pops.len().max(1) as u64)
        + pops.len() as u64 * (regional_routers + t1);
    if routers > MAX_ROUTERS || sessions > MAX_SESSIONS {
        return Err(s.source.error(format!(
            "anycast: the generated Internet would have about {routers} routers and {sessions} sessions, over the \
             limits ({MAX_ROUTERS} routers, {MAX_SESSIONS} sessions); lower anycast.networks_per_site or \
             [anycast.internet] (tier1s, hubs, regionals, regional_metros)"
        )));
    }
    Ok(())
}

fn bgp_config(s: &Scenario) -> BgpConfig {
    match *s.spec.anycast.convergence.get_ref() {
        ConvergenceSpec::PathVector {
            mrai,
            ibgp_mrai,
            jitter,
            mrai_mode,
            wrate,
            ssld,
            processing_min,
            processing_max,
            policy,
            damping,
        } => BgpConfig {
            mrai: mrai.sim(),
            ibgp_mrai: ibgp_mrai.sim(),
            jitter,
            mrai_mode: match mrai_mode {
                MraiModeSpec::Periodic => MraiMode::Periodic,
                MraiModeSpec::AfterSend => MraiMode::AfterSend,
            },
            wrate,
            processing: (processing_min.sim(), processing_max.sim()),
            sender_loop_check: ssld,
            policy: match policy {
                RoutingPolicy::GaoRexford => Policy::GaoRexford,
                RoutingPolicy::ShortestPath => Policy::ShortestPath,
            },
            damping: damping.then_some(Damping::RFC2439),
        },
        _ => BgpConfig::default(),
    }
}

fn internet_spec(s: &Scenario) -> InternetSpec {
    let t = &s.spec.anycast.internet;
    InternetSpec {
        tier1s: t.tier1s.get(),
        hubs: t.hubs.get(),
        tier1_presence: t.tier1_presence.0,
        regionals: t.regionals.get(),
        regional_metros: t.regional_metros.get(),
        regional_providers: t.regional_providers.get(),
        regional_peering: t.regional_peering.0,
        ixp_peering: t.ixp_peering.0,
        edge_transits: t.edge_transits.get(),
        client_peering: t.client_peering.0,
        seed: t.seed,
    }
}

/// The names of up to 12 ASes of `g` (for error messages).
fn some_as_names(g: &AsGraph, keep: impl Fn(u32) -> bool) -> String {
    let names: Vec<&str> =
        (0..g.as_names.len() as u32).filter(|&a| keep(a)).map(|a| g.as_names[a as usize].as_str()).collect();
    let more = if names.len() > 12 { format!(", ... ({} in all)", names.len()) } else { String::new() };
    format!("{}{more}", names.iter().take(12).copied().collect::<Vec<_>>().join(", "))
}

fn as_named(s: &Scenario, g: &AsGraph, name: &toml::Spanned<String>, field: &str) -> Result<u32, ScenarioError> {
    g.as_named(name.get_ref()).ok_or_else(|| {
        let known = some_as_names(g, |a| !g.as_names[a as usize].starts_with('C'));
        s.source.error_at(
            name.span(),
            format!("{field}: no AS \"{}\" in the generated Internet; transit ASes are: {known}", name.get_ref()),
        )
    })
}

/// Static prepending per PoP and local-preference overrides.
fn apply_knobs(s: &Scenario, world: &World, net: &mut Internet) -> Result<(), ScenarioError> {
    let t = &s.spec.anycast.internet;
    for (code, times) in &t.prepend {
        let field = format!("anycast.internet.prepend.{code}");
        let spanned = toml::Spanned::new(times.span(), code.clone());
        let p = world.require_pop(&s.source, &spanned, &field)?;
        let r = net.pop_router[p];
        for l in &mut net.graph.links {
            if l.from == r {
                l.prepend = times.get_ref().get() as u8;
            }
        }
    }
    for (i, lp) in t.local_pref.iter().enumerate() {
        let field = format!("anycast.internet.local_pref[{}]", i + 1);
        let v = lp.get_ref();
        let at = as_named(s, &net.graph, &v.at, &format!("{field}.at"))?;
        let from = as_named(s, &net.graph, &v.from, &format!("{field}.from"))?;
        let g = &mut net.graph;
        let mut hit = 0;
        for k in 0..g.links.len() {
            let (a, b) = (g.links[k].from as usize, g.links[k].to as usize);
            if g.routers[a].asn == at && g.routers[b].asn == from {
                g.links[k].local_pref = Some(v.pref.get().min(u16::MAX as u32 - 1) as u16);
                hit += 1;
            }
        }
        if hit == 0 {
            return Err(s.source.error_at(
                lp.span(),
                format!(
                    "{field}: {} and {} have no session in the generated Internet",
                    v.at.get_ref(),
                    v.from.get_ref()
                ),
            ));
        }
    }
    Ok(())
}

fn resolve_faults(s: &Scenario, world: &World, net: &Internet) -> Result<Vec<Option<RouteAction>>, ScenarioError> {
    let g = &net.graph;
    let mut out = Vec::new();
    for (i, f) in s.spec.faults.iter().enumerate() {
        let spec = f.get_ref();
        let field = format!("fault[{}]", i + 1);
        let pop = match &spec.pop {
            Some(code) if spec.kind.changes_routes() => {
                Some(world.require_pop(&s.source, code, &format!("{field}.pop"))?)
            }
            _ => None,
        };
        let peer = match &spec.peer {
            Some(name) => Some(as_named(s, g, name, &format!("{field}.peer"))?),
            None => None,
        };
        let asn = |r: u32| g.routers[r as usize].asn;
        let sessions = |keep: &dyn Fn(&crate::edge::bgp::graph::Link) -> bool| -> Vec<LinkId> {
            (0..g.links.len() as u32).step_by(2).filter(|&l| keep(&g.links[l as usize])).collect()
        };
        let action = match (spec.kind, pop, peer) {
            (FaultKind::SessionDown, Some(p), Some(peer)) => {
                let r = net.pop_router[p];
                let found = sessions(&|l| (l.from == r && asn(l.to) == peer) || (l.to == r && asn(l.from) == peer));
                let neighbours = |a: u32| g.links_of(r).iter().any(|&l| asn(g.links[l as usize].to) == a);
                if found.is_empty() {
                    let known = some_as_names(g, neighbours);
                    return Err(s.source.error_at(
                        f.span(),
                        format!(
                            "{field}.peer: PoP {} has no session with {}; its neighbours are: {known}",
                            world.pops[p].code, g.as_names[peer as usize]
                        ),
                    ));
                }
                Some(RouteAction::Sessions(found))
            }
            (FaultKind::TransitDown, _, Some(peer)) => {
                let edge = net.edge_as;
                let found = sessions(&|l| {
                    (asn(l.from) == edge && asn(l.to) == peer && l.rel == Relation::Provider)
                        || (asn(l.to) == edge && asn(l.from) == peer && l.rel == Relation::Customer)
                });
                if found.is_empty() {
                    let providers = |a: u32| {
                        g.links.iter().any(|l| asn(l.from) == edge && asn(l.to) == a && l.rel == Relation::Provider)
                    };
                    return Err(s.source.error_at(
                        f.span(),
                        format!(
                            "{field}.peer: the edge network buys no transit from {}; its transit providers are: {}",
                            g.as_names[peer as usize],
                            some_as_names(g, providers)
                        ),
                    ));
                }
                Some(RouteAction::Sessions(found))
            }
            (FaultKind::IxpDown, Some(p), _) => {
                let here = |r: u32| {
                    let x = &g.routers[r as usize];
                    x.lat_deg == world.pops[p].lat_deg && x.lon_deg == world.pops[p].lon_deg
                };
                let found = sessions(&|l| l.rel == Relation::Peer && here(l.from) && here(l.to));
                if found.is_empty() {
                    return Err(s.source.error_at(
                        f.span(),
                        format!(
                            "{field}.pop: no network peers at {}'s IXP in the generated Internet",
                            world.pops[p].code
                        ),
                    ));
                }
                Some(RouteAction::Sessions(found))
            }
            (FaultKind::Prepend, Some(p), _) => {
                let links: Vec<LinkId> = g.links_of(net.pop_router[p]).to_vec();
                let restore = links.iter().map(|&l| g.links[l as usize].prepend).collect();
                let times = spec.times.as_ref().map_or(0, |t| t.get_ref().get() as u8);
                Some(RouteAction::Prepend { links, times, restore })
            }
            _ => None,
        };
        out.push(action);
    }
    Ok(out)
}
