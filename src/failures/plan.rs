//! The failure processes of a run, resolved against its world ([`Plan`]):
//! each `[[failure]]` of the file becomes a [`UnitProcess`] on its units or
//! a [`RegionEvent`] on a catalog region's PoPs. PoP codes and catalog
//! regions are checked here (an unknown one is an error at its place in the
//! file); the keys of each table were checked on reading.

use super::{Generator, Lifetime, Target};
use crate::engine::SimTime;
use crate::scenario::regions::state_region;
use crate::scenario::schema::{FailureKind, FailureSpec, FaultKind};
use crate::scenario::{Scenario, ScenarioError};
use crate::world::catalog::Region;
use crate::world::World;
use toml::Spanned;

/// How a unit is repaired.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Repair {
    /// The usual time to repair.
    pub ttr: Lifetime,
    /// The repairs that need a human, if any.
    pub human: Option<HumanRepair>,
}

/// The repairs that need a human.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HumanRepair {
    /// The share of repairs that need one, in (0, 1].
    pub share: f64,
    /// Their time to repair.
    pub ttr: Lifetime,
}

/// One failure process on some units: each unit fails and is repaired on
/// its own.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitProcess {
    /// The `[[failure]]` it comes from (0 for the file's first).
    pub number: u32,
    /// The fault kind each incident behaves as.
    pub kind: FaultKind,
    /// What the file names, for stream names: `pop-down/all`,
    /// `pop-down/region-EU`, `pop-down/pop-FRA`, `kv-primary-down/EU`,
    /// `origin-down`.
    pub name: String,
    /// The units, each with its own failures.
    pub targets: Vec<Target>,
    /// The time to failure.
    pub ttf: Lifetime,
    /// The repair.
    pub repair: Repair,
}

/// How many PoPs a regional event takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Take {
    /// This share of the region's n PoPs: ⌊share·n⌋, plus one more with
    /// probability equal to the fractional part (so share·n on average).
    Share(f64),
    /// This many (at most the region's PoPs).
    Count(usize),
}

/// A region-wide event taking several PoPs down together, at its own rate.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionEvent {
    /// The `[[failure]]` it comes from (0 for the file's first).
    pub number: u32,
    /// The catalog region's name, for stream names and reports.
    pub region: String,
    /// The region's PoPs (indices into the world's PoPs, ascending).
    pub pops: Vec<usize>,
    /// How many of them each event takes, chosen uniformly at random.
    pub take: Take,
    /// The time between events.
    pub ttf: Lifetime,
    /// The time the PoPs stay down.
    pub ttr: Lifetime,
}

/// Every failure process of a run.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// The world's PoP codes, to name streams and reports.
    pub pop_codes: Vec<String>,
    /// The processes on units.
    pub units: Vec<UnitProcess>,
    /// The regional events.
    pub events: Vec<RegionEvent>,
}

/// The failure processes of a scenario on its world.
///
/// # Errors
/// A PoP outside the topology, an unknown catalog region, a region without
/// PoPs in this topology, or a `count` above the region's PoPs: an error at
/// its place in the file.
pub fn plan(s: &Scenario, world: &World) -> Result<Plan, ScenarioError> {
    let mut out = Plan { pop_codes: world.pops.iter().map(|p| p.code.clone()).collect(), ..Plan::default() };
    for (i, f) in s.spec.failures.iter().enumerate() {
        let spec = f.get_ref();
        let here = format!("failure[{}]", i + 1);
        let (Some(ttf), Some(ttr)) = (spec.ttf_law(), spec.ttr_law()) else {
            return Err(s.source.error_at(f.span(), format!("{here}: needs a time to failure and a time to repair")));
        };
        let (ttf, ttr) = (Lifetime::from_spec(&ttf), Lifetime::from_spec(&ttr));
        if *spec.kind.get_ref() == FailureKind::RegionEvent {
            out.events.push(region_event(s, world, f, &here, i as u32, ttf, ttr)?);
            continue;
        }
        let human = spec.human.as_ref().and_then(|h| {
            let h = h.get_ref();
            h.lifetime().map(|l| HumanRepair { share: h.share.get(), ttr: Lifetime::from_spec(&l) })
        });
        out.units.push(UnitProcess {
            number: i as u32,
            kind: spec.kind.get_ref().fault_kind(),
            name: process_name(spec),
            targets: targets(s, world, spec, &here)?,
            ttf,
            repair: Repair { ttr, human },
        });
    }
    Ok(out)
}

/// The generator of a scenario's failure processes on its world, from the
/// run's seed, over `[0, horizon)`.
///
/// # Errors
/// As [`plan`].
pub fn generator(s: &Scenario, world: &World, horizon: SimTime) -> Result<Generator, ScenarioError> {
    Ok(Generator::new(&plan(s, world)?, s.seed(), horizon))
}

/// A unit process's name from what the file writes (see [`UnitProcess::name`]).
fn process_name(spec: &FailureSpec) -> String {
    let kind = spec.kind.get_ref().as_str();
    let upper = |v: &Spanned<String>| v.get_ref().to_ascii_uppercase();
    match (&spec.pop, &spec.region) {
        (Some(p), _) => format!("{kind}/pop-{}", upper(p)),
        (None, Some(r)) if spec.kind.get_ref().strikes_state_region() => format!("{kind}/{}", upper(r)),
        (None, Some(r)) => format!("{kind}/region-{}", upper(r)),
        (None, None) if spec.pops.is_some() => format!("{kind}/all"),
        (None, None) => kind.to_string(),
    }
}

/// The units a unit process strikes.
fn targets(s: &Scenario, world: &World, spec: &FailureSpec, here: &str) -> Result<Vec<Target>, ScenarioError> {
    let kind = *spec.kind.get_ref();
    if kind.strikes_state_region() {
        let r = spec.region.as_ref().and_then(|r| state_region(r.get_ref()));
        return Ok(r.map(Target::StateRegion).into_iter().collect());
    }
    match kind {
        FailureKind::OriginDown => return Ok(vec![Target::Origin]),
        FailureKind::ControlPlaneDown => return Ok(vec![Target::ControlPlane]),
        _ => {}
    }
    if let Some(code) = &spec.pop {
        return Ok(vec![Target::Pop(world.require_pop(&s.source, code, &format!("{here}.pop"))?)]);
    }
    if let Some(r) = &spec.region {
        return Ok(region_pops(s, world, r, here)?.into_iter().map(Target::Pop).collect());
    }
    Ok((0..world.pops.len()).map(Target::Pop).collect())
}

/// The PoPs of a catalog region named in the file: at least one.
fn region_pops(s: &Scenario, world: &World, r: &Spanned<String>, here: &str) -> Result<Vec<usize>, ScenarioError> {
    let Some(region) = Region::parse(r.get_ref()) else {
        let msg = format!("{here}.region: unknown region \"{}\"; expected NA, EU, APAC or ROW", r.get_ref());
        return Err(s.source.error_at(r.span(), msg));
    };
    let pops: Vec<usize> = (0..world.pops.len()).filter(|&p| world.pops[p].region == region).collect();
    if pops.is_empty() {
        let msg = format!("{here}.region: no PoP of this topology is in region {}", region.as_str());
        return Err(s.source.error_at(r.span(), msg));
    }
    Ok(pops)
}

fn region_event(
    s: &Scenario,
    world: &World,
    f: &Spanned<FailureSpec>,
    here: &str,
    number: u32,
    ttf: Lifetime,
    ttr: Lifetime,
) -> Result<RegionEvent, ScenarioError> {
    let spec = f.get_ref();
    let Some(r) = &spec.region else {
        return Err(s.source.error_at(f.span(), format!("{here}: region-event needs region = \"EU\"")));
    };
    let pops = region_pops(s, world, r, here)?;
    let take = match (&spec.share, &spec.count) {
        (Some(share), _) => Take::Share(share.get_ref().get()),
        (None, Some(c)) if c.get_ref().get() as usize > pops.len() => {
            let msg = format!(
                "{here}.count: {} is more than the {} PoPs of region {} in this topology",
                c.get_ref(),
                pops.len(),
                r.get_ref()
            );
            return Err(s.source.error_at(c.span(), msg));
        }
        (None, Some(c)) => Take::Count(c.get_ref().get() as usize),
        (None, None) => Take::Share(1.0),
    };
    let region = Region::parse(r.get_ref()).map_or_else(|| r.get_ref().clone(), |g| g.as_str().to_string());
    Ok(RegionEvent { number, region, pops, take, ttf, ttr })
}
