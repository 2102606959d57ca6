//! A transit core given in a file (`[anycast.internet] graph = "core.csv"`):
//! one session per line, `from,to,relation`, each router named `AS@CODE`
//! (AS `AS`'s router in PoP `CODE`'s metro; `EDGE@CODE` is that PoP's BGP
//! speaker) and `relation` what `to` is to `from`: `customer`, `peer` or
//! `provider`. A header line `from,to,relation`, blank lines and lines
//! starting with `#` are skipped. Mistakes name the file and line.

use crate::edge::bgp::internet::{CoreSession, EDGE_AS};
use crate::edge::bgp::Relation;
use crate::scenario::{Scenario, ScenarioError};
use crate::world::World;
use std::collections::BTreeSet;

/// Most sessions a core file may hold.
pub const MAX_CORE_SESSIONS: usize = 1_000_000;

/// Reads and checks the core file `path` (relative to the scenario's folder).
pub fn read(s: &Scenario, world: &World, path: &toml::Spanned<String>) -> Result<Vec<CoreSession>, ScenarioError> {
    let full = s.dir.join(path.get_ref());
    let label = full.display().to_string();
    let text = std::fs::read_to_string(&full)
        .map_err(|e| s.source.error_at(path.span(), format!("anycast.internet.graph: cannot read \"{label}\": {e}")))?;
    let at = |line: usize, message: String| ScenarioError { file: label.clone(), position: Some((line, 1)), message };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || (out.is_empty() && line == "from,to,relation") {
            continue;
        }
        let session = parse_line(world, line).map_err(|m| at(i + 1, m))?;
        let key = ordered(&session);
        if !seen.insert(key) {
            return Err(at(i + 1, "this session is listed twice".to_string()));
        }
        if out.len() == MAX_CORE_SESSIONS {
            return Err(at(i + 1, format!("more than {MAX_CORE_SESSIONS} sessions")));
        }
        out.push(session);
    }
    let mut routers: std::collections::BTreeMap<&str, BTreeSet<usize>> = Default::default();
    for c in &out {
        for (asn, metro) in [&c.from, &c.to] {
            if asn != EDGE_AS {
                routers.entry(asn.as_str()).or_default().insert(*metro);
            }
        }
    }
    let mesh: usize = routers.values().map(|m| m.len() * (m.len() - 1) / 2).sum();
    if mesh > MAX_CORE_SESSIONS {
        return Err(at(
            1,
            format!("the iBGP full meshes of these ASes would need {mesh} sessions; at most {MAX_CORE_SESSIONS}"),
        ));
    }
    if routers.is_empty() {
        return Err(at(1, "no session with a transit AS: client networks would have nowhere to attach".to_string()));
    }
    Ok(out)
}

fn ordered(c: &CoreSession) -> ((String, usize), (String, usize)) {
    if c.from <= c.to {
        (c.from.clone(), c.to.clone())
    } else {
        (c.to.clone(), c.from.clone())
    }
}

fn parse_line(world: &World, line: &str) -> Result<CoreSession, String> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    let [from, to, rel] = fields[..] else {
        return Err(format!("expected `from,to,relation` (3 fields), found {} in \"{line}\"", fields.len()));
    };
    let from = router(world, from)?;
    let to = router(world, to)?;
    if from == to {
        return Err(format!("a session from {}@{} to itself", from.0, world.pops[from.1].code));
    }
    if from.0 == EDGE_AS && to.0 == EDGE_AS {
        return Err(
            "a session between two EDGE routers: the edge network's PoPs do not exchange the prefix".to_string()
        );
    }
    let rel = match rel {
        "customer" => Relation::Customer,
        "peer" => Relation::Peer,
        "provider" => Relation::Provider,
        other => return Err(format!("relation \"{other}\": expected customer, peer or provider")),
    };
    Ok(CoreSession { from, to, rel })
}

fn router(world: &World, name: &str) -> Result<(String, usize), String> {
    let Some((asn, code)) = name.split_once('@') else {
        return Err(format!("router \"{name}\": expected AS@CODE, e.g. T1-1@FRA or EDGE@FRA"));
    };
    let valid = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if asn.is_empty() || !asn.chars().all(valid) {
        return Err(format!("router \"{name}\": an AS name is letters, digits, '-' and '_'"));
    }
    let pop = world.pop_index(code).ok_or_else(|| {
        let known = world.pops.iter().map(|p| p.code.as_str());
        crate::world::unknown_pop_message(&format!("router \"{name}\""), code, known)
    })?;
    Ok((asn.to_string(), pop))
}
