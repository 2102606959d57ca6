//! The Internet a run's anycast prefix travels: an AS graph generated
//! deterministically from the PoPs and the client sites.
//!
//! - **Tier-1 transit**: a clique of `tier1s` ASes, each with routers at a
//!   share of the `hubs` heaviest PoP metros, peering with each other at
//!   every hub they share.
//! - **Regional transit**: per continental region, `regionals` ASes with
//!   routers at up to `regional_metros` PoP metros of the region (heavier
//!   metros likelier), each buying transit from `regional_providers`
//!   tier-1s and peering with other regionals at shared metros (IXPs) with
//!   probability `regional_peering`.
//! - **Client networks**: one stub AS per client network, at its site,
//!   multihomed to 1-3 of the nearest regional ASes (sometimes a tier-1);
//!   a share `client_peering` of them also peers with the edge network at
//!   the IXP of a PoP in its metro (within 50 km).
//! - **The edge network**: one AS with a router at every PoP. It peers at
//!   the PoP's IXP with every regional router in the metro, buys transit
//!   from the tier-1s present at hub PoPs, and a PoP with neither peers
//!   privately with the nearest regional router (an embedded cache).
//!
//! Routers of one transit AS talk iBGP (full mesh). Session delays come
//! from geography (the caller's latency model).

use super::graph::{AsGraph, Relation, Role};
use crate::engine::rng::{stream, Stream};
use crate::engine::SimDuration;
use crate::world::catalog::great_circle_km;
use rand::seq::SliceRandom;
use rand::Rng;

/// Names of the continental regions, by [`Place::region`] index (regional
/// ASes are named after them: `EU-2` is the second in region `EU`).
pub const REGION_NAMES: [&str; 4] = ["NA", "EU", "APAC", "ROW"];

/// A place in the generated Internet: a PoP metro or a client site.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    /// Latitude, degrees north.
    pub lat_deg: f64,
    /// Longitude, degrees east.
    pub lon_deg: f64,
    /// Continental region (index into [`REGION_NAMES`]).
    pub region: u8,
    /// Relative demand weight (PoPs: the catalog's weight).
    pub weight: f64,
}

/// How big the generated Internet is and how it peers.
#[derive(Debug, Clone, PartialEq)]
pub struct InternetSpec {
    /// Tier-1 ASes (a clique) [8].
    pub tier1s: u32,
    /// Hub metros: the heaviest PoPs, where tier-1s have routers [30].
    pub hubs: u32,
    /// Share of the hubs each tier-1 is present at [0.7].
    pub tier1_presence: f64,
    /// Regional transit ASes per region [6].
    pub regionals: u32,
    /// Metros per regional AS [5].
    pub regional_metros: u32,
    /// Tier-1 providers per regional AS [2].
    pub regional_providers: u32,
    /// Probability that two regional routers in one metro peer [0.5].
    pub regional_peering: f64,
    /// Share of the regional routers in a PoP's metro that peer with the
    /// edge network there [1.0].
    pub ixp_peering: f64,
    /// Tier-1s an edge hub PoP buys transit from, at most [2].
    pub edge_transits: u32,
    /// Share of client networks that peer with the edge network at a PoP
    /// in their metro [0.5].
    pub client_peering: f64,
    /// Seed of the graph (the same Internet across a run's seeds) [1].
    pub seed: u64,
}

impl Default for InternetSpec {
    fn default() -> Self {
        InternetSpec {
            tier1s: 8,
            hubs: 30,
            tier1_presence: 0.7,
            regionals: 6,
            regional_metros: 8,
            regional_providers: 2,
            regional_peering: 0.5,
            ixp_peering: 1.0,
            edge_transits: 2,
            client_peering: 0.5,
            seed: 1,
        }
    }
}

/// Name of the edge network's AS.
pub const EDGE_AS: &str = "EDGE";

/// What the generator built, beside the graph: who is where.
#[derive(Debug, Clone, Default)]
pub struct Internet {
    /// The graph (call [`AsGraph::finish`] done).
    pub graph: AsGraph,
    /// The edge network's AS number.
    pub edge_as: u32,
    /// Tier-1 AS numbers.
    pub tier1s: Vec<u32>,
    /// Regional AS numbers.
    pub regionals: Vec<u32>,
    /// Per PoP: its router.
    pub pop_router: Vec<u32>,
}

struct Builder<'a, F: Fn(&Place, &Place) -> SimDuration> {
    g: AsGraph,
    at: Vec<Place>,
    delay: &'a F,
    rng: Stream,
}

impl<'a, F: Fn(&Place, &Place) -> SimDuration> Builder<'a, F> {
    /// A builder holding the edge network's AS and a speaker at every PoP
    /// (returned: the AS and the speakers, by PoP).
    fn with_edge(spec: &InternetSpec, pops: &[Place], delay: &'a F) -> (Self, u32, Vec<u32>) {
        let mut b = Builder { g: AsGraph::default(), at: Vec::new(), delay, rng: stream(spec.seed, "bgp/internet") };
        let edge_as = b.g.add_as(EDGE_AS);
        let pop_router =
            (0..pops.len()).map(|p| b.router(edge_as, pops[p], Role::Origin { origin: p as u32 })).collect();
        (b, edge_as, pop_router)
    }

    fn router(&mut self, asn: u32, place: Place, role: Role) -> u32 {
        self.at.push(place);
        self.g.add_router(asn, place.lat_deg, place.lon_deg, role)
    }

    fn connect(&mut self, a: u32, b: u32, rel: Relation) {
        let d = (self.delay)(&self.at[a as usize], &self.at[b as usize]);
        self.g.connect(a, b, rel, d);
    }

    fn km(&self, a: u32, p: &Place) -> f64 {
        let x = &self.at[a as usize];
        great_circle_km(x.lat_deg, x.lon_deg, p.lat_deg, p.lon_deg)
    }

    /// The router of `routers` nearest to `p` (the lowest index on ties).
    fn nearest(&self, routers: &[u32], p: &Place) -> Option<u32> {
        routers.iter().copied().min_by(|&a, &b| self.km(a, p).total_cmp(&self.km(b, p)).then(a.cmp(&b)))
    }

    fn full_mesh(&mut self, routers: &[u32]) {
        for (i, &a) in routers.iter().enumerate() {
            for &b in &routers[i + 1..] {
                self.connect(a, b, Relation::Internal);
            }
        }
    }
}

/// Generates the Internet for `pops` and the client networks
/// (`nets_per_site` at each of `sites`, numbered site by site); `delay`
/// gives a session's one-way delay between two places.
pub fn generate(
    spec: &InternetSpec,
    pops: &[Place],
    sites: &[Place],
    nets_per_site: u32,
    delay: &impl Fn(&Place, &Place) -> SimDuration,
) -> Internet {
    let (mut b, edge_as, pop_router) = Builder::with_edge(spec, pops, delay);
    let hubs = hub_metros(pops, spec.hubs);
    let (tier1s, t1_routers) = tier1_clique(&mut b, spec, pops, &hubs);
    let (regionals, reg_routers) = regional_transit(&mut b, spec, pops, &hubs, &t1_routers);
    connect_edge(&mut b, spec, pops, &pop_router, &hubs, &t1_routers, &reg_routers);
    connect_clients(&mut b, spec, sites, nets_per_site, &t1_routers, &reg_routers, &pop_router);
    b.g.finish();
    Internet { graph: b.g, edge_as, tier1s, regionals, pop_router }
}

/// One session of a transit core given in a file: between the router of
/// AS `from.0` at PoP metro `from.1` and that of `to.0` at `to.1`, where
/// `to` is `rel` to `from`. The AS [`EDGE_AS`] at a metro is that PoP's
/// speaker.
#[derive(Debug, Clone, PartialEq)]
pub struct CoreSession {
    /// The first router: AS name and PoP index of its metro.
    pub from: (String, usize),
    /// The second router.
    pub to: (String, usize),
    /// What the second is to the first.
    pub rel: Relation,
}

/// The Internet with a given transit core: the file's ASes and sessions,
/// iBGP full meshes inside each AS, and client networks attached as
/// [`generate`] attaches them (to 1-3 of the nearest transit ASes, and a
/// share peering with the PoP in their metro).
pub fn from_core(
    spec: &InternetSpec,
    core: &[CoreSession],
    pops: &[Place],
    sites: &[Place],
    nets_per_site: u32,
    delay: &impl Fn(&Place, &Place) -> SimDuration,
) -> Internet {
    let (mut b, edge_as, pop_router) = Builder::with_edge(spec, pops, delay);
    let mut ases: Vec<(String, u32)> = Vec::new();
    let mut routers: Vec<Vec<(usize, u32)>> = Vec::new();
    let mut router_of = |b: &mut Builder<_>, name: &str, metro: usize| -> u32 {
        if name == EDGE_AS {
            return pop_router[metro];
        }
        let k = match ases.iter().position(|(n, _)| n == name) {
            Some(k) => k,
            None => {
                ases.push((name.to_string(), b.g.add_as(name)));
                routers.push(Vec::new());
                ases.len() - 1
            }
        };
        if let Some(&(_, r)) = routers[k].iter().find(|&&(m, _)| m == metro) {
            return r;
        }
        let r = b.router(ases[k].1, pops[metro], Role::Transit);
        routers[k].push((metro, r));
        r
    };
    for s in core {
        let a = router_of(&mut b, &s.from.0, s.from.1);
        let c = router_of(&mut b, &s.to.0, s.to.1);
        b.connect(a, c, s.rel);
    }
    for rs in &routers {
        let ids: Vec<u32> = rs.iter().map(|&(_, r)| r).collect();
        b.full_mesh(&ids);
    }
    connect_clients(&mut b, spec, sites, nets_per_site, &Vec::new(), &routers, &pop_router);
    b.g.finish();
    Internet { graph: b.g, edge_as, tier1s: Vec::new(), regionals: ases.iter().map(|&(_, a)| a).collect(), pop_router }
}

/// The `n` heaviest PoPs (ties: catalog order), as PoP indices.
fn hub_metros(pops: &[Place], n: u32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..pops.len()).collect();
    order.sort_by(|&a, &b| pops[b].weight.total_cmp(&pops[a].weight).then(a.cmp(&b)));
    order.truncate(n as usize);
    order.sort_unstable();
    order
}

/// Per tier-1: its AS and its routers, as (PoP metro, router).
type Presence = Vec<Vec<(usize, u32)>>;

fn tier1_clique<F: Fn(&Place, &Place) -> SimDuration>(
    b: &mut Builder<F>,
    spec: &InternetSpec,
    pops: &[Place],
    hubs: &[usize],
) -> (Vec<u32>, Presence) {
    let mut ases = Vec::new();
    let mut presence: Presence = Vec::new();
    for t in 0..spec.tier1s {
        let asn = b.g.add_as(format!("T1-{}", t + 1));
        let mut at: Vec<usize> = hubs.iter().copied().filter(|_| b.rng.random::<f64>() < spec.tier1_presence).collect();
        if at.is_empty() {
            at.extend(hubs.first());
        }
        let routers: Vec<(usize, u32)> = at.iter().map(|&m| (m, b.router(asn, pops[m], Role::Transit))).collect();
        let ids: Vec<u32> = routers.iter().map(|&(_, r)| r).collect();
        b.full_mesh(&ids);
        ases.push(asn);
        presence.push(routers);
    }
    for i in 0..presence.len() {
        for j in i + 1..presence.len() {
            let shared: Vec<(u32, u32)> = presence[i]
                .iter()
                .filter_map(|&(m, a)| presence[j].iter().find(|&&(n, _)| n == m).map(|&(_, c)| (a, c)))
                .collect();
            if shared.is_empty() {
                if let (Some(&(_, a)), Some(&(m, _))) = (presence[i].first(), presence[j].first()) {
                    let ids: Vec<u32> = presence[j].iter().map(|&(_, r)| r).collect();
                    let c = b.nearest(&ids, &pops[m]).unwrap_or(ids[0]);
                    b.connect(a, c, Relation::Peer);
                }
            }
            for (a, c) in shared {
                b.connect(a, c, Relation::Peer);
            }
        }
    }
    (ases, presence)
}

fn regional_transit<F: Fn(&Place, &Place) -> SimDuration>(
    b: &mut Builder<F>,
    spec: &InternetSpec,
    pops: &[Place],
    hubs: &[usize],
    t1: &Presence,
) -> (Vec<u32>, Vec<Vec<(usize, u32)>>) {
    let mut regions: Vec<u8> = pops.iter().map(|p| p.region).collect();
    regions.sort_unstable();
    regions.dedup();
    let mut ases = Vec::new();
    let mut routers_of = Vec::new();
    for &region in &regions {
        let metros: Vec<usize> = (0..pops.len()).filter(|&p| pops[p].region == region).collect();
        for k in 0..spec.regionals {
            let name = REGION_NAMES.get(region as usize).copied().unwrap_or("R");
            let asn = b.g.add_as(format!("{name}-{}", k + 1));
            let chosen = weighted_sample(&mut b.rng, &metros, pops, spec.regional_metros as usize, hubs);
            let routers: Vec<(usize, u32)> =
                chosen.iter().map(|&m| (m, b.router(asn, pops[m], Role::Transit))).collect();
            let ids: Vec<u32> = routers.iter().map(|&(_, r)| r).collect();
            b.full_mesh(&ids);
            buy_tier1_transit(b, spec, pops, &routers, t1);
            ases.push(asn);
            routers_of.push(routers);
        }
    }
    regional_peering(b, spec, &routers_of);
    (ases, routers_of)
}

/// Up to `n` distinct metros of `metros`, heavier ones likelier; the
/// heaviest hub among them first, so that a regional meets tier-1s.
fn weighted_sample(rng: &mut Stream, metros: &[usize], pops: &[Place], n: usize, hubs: &[usize]) -> Vec<usize> {
    let mut left: Vec<usize> = metros.to_vec();
    let mut out = Vec::new();
    let hubs_here: Vec<usize> = left.iter().copied().filter(|m| hubs.contains(m)).collect();
    if !hubs_here.is_empty() && n > 0 {
        let pick = hubs_here[rng.random_range(0..hubs_here.len())];
        out.push(pick);
        left.retain(|&m| m != pick);
    }
    while out.len() < n && !left.is_empty() {
        let total: f64 = left.iter().map(|&m| pops[m].weight.max(1e-9)).sum();
        let mut x = rng.random::<f64>() * total;
        let mut idx = left.len() - 1;
        for (i, &m) in left.iter().enumerate() {
            x -= pops[m].weight.max(1e-9);
            if x <= 0.0 {
                idx = i;
                break;
            }
        }
        out.push(left.remove(idx));
    }
    out
}

fn buy_tier1_transit<F: Fn(&Place, &Place) -> SimDuration>(
    b: &mut Builder<F>,
    spec: &InternetSpec,
    pops: &[Place],
    routers: &[(usize, u32)],
    t1: &Presence,
) {
    let mut order: Vec<usize> = (0..t1.len()).collect();
    order.shuffle(&mut b.rng);
    for &t in order.iter().take(spec.regional_providers as usize) {
        // At a metro both are in, else between the nearest pair.
        let shared = routers.iter().find_map(|&(m, r)| t1[t].iter().find(|&&(n, _)| n == m).map(|&(_, c)| (r, c)));
        let (r, c) = match shared {
            Some(pair) => pair,
            None => {
                let ids: Vec<u32> = t1[t].iter().map(|&(_, c)| c).collect();
                let (m, r) = routers[0];
                (r, b.nearest(&ids, &pops[m]).unwrap_or(ids[0]))
            }
        };
        b.connect(r, c, Relation::Provider);
    }
}

fn regional_peering<F: Fn(&Place, &Place) -> SimDuration>(
    b: &mut Builder<F>,
    spec: &InternetSpec,
    routers_of: &[Vec<(usize, u32)>],
) {
    let all: Vec<(usize, usize, u32)> =
        routers_of.iter().enumerate().flat_map(|(a, rs)| rs.iter().map(move |&(m, r)| (m, a, r))).collect();
    for (i, &(m, a, r)) in all.iter().enumerate() {
        for &(n, c, s) in &all[i + 1..] {
            if m == n && a != c && b.rng.random::<f64>() < spec.regional_peering {
                b.connect(r, s, Relation::Peer);
            }
        }
    }
}

fn connect_edge<F: Fn(&Place, &Place) -> SimDuration>(
    b: &mut Builder<F>,
    spec: &InternetSpec,
    pops: &[Place],
    pop_router: &[u32],
    hubs: &[usize],
    t1: &Presence,
    regionals: &[Vec<(usize, u32)>],
) {
    let all_regional: Vec<u32> = regionals.iter().flatten().map(|&(_, r)| r).collect();
    for (p, &pr) in pop_router.iter().enumerate() {
        let mut sessions = 0;
        for &(m, r) in regionals.iter().flatten() {
            if m == p && b.rng.random::<f64>() < spec.ixp_peering {
                b.connect(pr, r, Relation::Peer);
                sessions += 1;
            }
        }
        if hubs.contains(&p) {
            let mut here: Vec<u32> =
                t1.iter().filter_map(|rs| rs.iter().find(|&&(m, _)| m == p).map(|&(_, r)| r)).collect();
            here.shuffle(&mut b.rng);
            for &r in here.iter().take(spec.edge_transits as usize) {
                b.connect(pr, r, Relation::Provider);
                sessions += 1;
            }
        }
        if sessions == 0 {
            if let Some(r) = b.nearest(&all_regional, &pops[p]) {
                b.connect(pr, r, Relation::Peer);
            }
        }
    }
}

/// Client networks within this distance of a PoP are in its metro.
const METRO_KM: f64 = 50.0;

fn connect_clients<F: Fn(&Place, &Place) -> SimDuration>(
    b: &mut Builder<F>,
    spec: &InternetSpec,
    sites: &[Place],
    nets_per_site: u32,
    t1: &Presence,
    regionals: &[Vec<(usize, u32)>],
    pop_router: &[u32],
) {
    let t1_routers: Vec<u32> = t1.iter().flatten().map(|&(_, r)| r).collect();
    let mut net = 0u32;
    for (s, site) in sites.iter().enumerate() {
        // The nearest router of each regional AS, nearest ASes first.
        let mut near: Vec<(f64, u32)> = regionals
            .iter()
            .filter_map(|rs| {
                let ids: Vec<u32> = rs.iter().map(|&(_, r)| r).collect();
                b.nearest(&ids, site).map(|r| (b.km(r, site), r))
            })
            .collect();
        near.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        near.truncate(4);
        for i in 0..nets_per_site {
            let asn = b.g.add_as(format!("C{}-{}", s + 1, i + 1));
            let me = b.router(asn, *site, Role::Client { net });
            net += 1;
            let k = match b.rng.random::<f64>() {
                x if x < 0.3 => 1,
                x if x < 0.8 => 2,
                _ => 3,
            };
            let mut picks: Vec<u32> = near.iter().map(|&(_, r)| r).collect();
            picks.shuffle(&mut b.rng);
            picks.truncate(k);
            if picks.is_empty() || b.rng.random::<f64>() < 0.1 {
                picks.extend(b.nearest(&t1_routers, site));
            }
            for r in picks {
                b.connect(me, r, Relation::Provider);
            }
            let local = b.nearest(pop_router, site).filter(|&p| b.km(p, site) <= METRO_KM);
            if let Some(p) = local.filter(|_| b.rng.random::<f64>() < spec.client_peering) {
                b.connect(me, p, Relation::Peer);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edge::bgp::{BgpConfig, PathVector, Role};
    use std::sync::Arc;

    fn place(lat: f64, lon: f64, region: u8, weight: f64) -> Place {
        Place { lat_deg: lat, lon_deg: lon, region, weight }
    }

    /// Six PoPs in two regions, a client site at each.
    fn small() -> (Vec<Place>, Internet) {
        let pops = vec![
            place(40.7, -74.0, 0, 3.0),
            place(41.9, -87.6, 0, 2.0),
            place(34.0, -118.2, 0, 1.0),
            place(51.5, -0.1, 1, 3.0),
            place(50.1, 8.7, 1, 2.0),
            place(48.9, 2.4, 1, 1.0),
        ];
        let spec = InternetSpec { tier1s: 3, hubs: 2, regionals: 2, regional_metros: 2, ..InternetSpec::default() };
        let delay = |_: &Place, _: &Place| SimDuration::from_millis(1);
        let net = generate(&spec, &pops, &pops, 4, &delay);
        (pops, net)
    }

    #[test]
    fn the_graph_has_the_ases_the_spec_asks_for() {
        let (pops, net) = small();
        let g = &net.graph;
        // The edge, 3 tier-1s, 2 regionals in each of 2 regions, 6 x 4 clients.
        assert_eq!(g.as_names.len(), 1 + 3 + 2 * 2 + 6 * 4);
        assert_eq!(net.pop_router.len(), pops.len());
        let clients: Vec<u32> = (0..g.routers.len() as u32)
            .filter(|&r| matches!(g.routers[r as usize].role, Role::Client { .. }))
            .collect();
        assert_eq!(clients.len(), 24);
        for &c in &clients {
            let providers = g.links_of(c).iter().filter(|&&l| g.links[l as usize].rel == Relation::Provider).count();
            assert!((1..=4).contains(&providers), "client {c} has {providers} providers");
        }
        for &p in &net.pop_router {
            assert!(!g.links_of(p).is_empty(), "every PoP has a session");
        }
        for (i, &a) in net.tier1s.iter().enumerate() {
            for &b in &net.tier1s[i + 1..] {
                assert!(!g.sessions_between(a, b).is_empty(), "tier-1s form a clique");
            }
        }
    }

    #[test]
    fn every_client_reaches_a_pop_and_the_same_spec_gives_the_same_graph() {
        let (_, net) = small();
        let (_, again) = small();
        assert_eq!(net.graph.links, again.graph.links);
        let pv = PathVector::new(Arc::new(net.graph), BgpConfig::default(), 1, |_| true);
        for c in 0..pv.clients() {
            assert!((pv.client_origin(c) as usize) < 6, "client {c} has no route");
        }
    }
}
