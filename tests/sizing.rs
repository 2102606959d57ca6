//! Per-PoP sizing from demand: `servers = { per_krps, min, max }` in
//! `[pops.default]` or `[pops.<CODE>]` gives each PoP `clamp(ceil(per_krps
//! x its catchment in 1000 rps), min, max)` servers, where the catchment is
//! the rps of the client sites nearest to it. The oracles are computed here
//! from the resolved world's sites, never typed; bad tables exit 2 naming
//! file:line:column and the field.

use crate::util::{edgesim_code, prepare_text, run_scenario, s, summary_json, temp_dir, write_scenario};
use edgesim::Prepared;

/// FRA and YHZ (Halifax) with client sites of our own: three near
/// Frankfurt (weights 3 + 2 + 1) and one near Halifax (weight 2), so FRA's
/// catchment is three times YHZ's. LHR is in the topology but no site is
/// nearest to it; `pools` is the `[pops...]` text.
fn scenario(rps: u32, pools: &str) -> String {
    format!(
        r#"
[scenario]
name = "sizing"
duration = "2s"

[topology]
pops = ["FRA", "YHZ", "LHR"]

[traffic]
rps = {rps}
classes = {{ p0 = 0.02, p1 = 0.5, p2 = 0.4, p3 = 0.08 }}

[[traffic.site]]
name = "frankfurt"
near = "FRA"
weight = 3

[[traffic.site]]
name = "mainz"
lat = 49.99
lon = 8.27
weight = 2

[[traffic.site]]
name = "darmstadt"
lat = 49.87
lon = 8.65
weight = 1

[[traffic.site]]
name = "halifax"
near = "YHZ"
weight = 2

{pools}
"#
    )
}

/// The demand (rps) of the PoP `code`: its sites' rps, from the world.
fn demand(p: &Prepared, code: &str) -> f64 {
    let i = p.world.pop_index(code).expect("PoP in the topology");
    p.world.sites.iter().filter(|s| s.nearest_pop == i).map(|s| s.rps).sum()
}

/// The resolved servers of PoP `code`.
fn servers(p: &Prepared, code: &str) -> u32 {
    p.pools[p.world.pop_index(code).expect("PoP in the topology")].servers
}

/// `per_krps x demand / 1000`, the servers a PoP wants before rounding.
fn wanted(per_krps: f64, demand_rps: f64) -> f64 {
    per_krps * demand_rps / 1000.0
}

#[test]
fn a_heavy_pop_gets_more_servers_than_a_light_one_by_the_demand_ratio() {
    let per_krps = 2.5;
    let p = prepare_text(&scenario(100_000, &format!("[pops.default]\nservers = {{ per_krps = {per_krps} }}\n")));
    let (heavy, light) = (demand(&p, "FRA"), demand(&p, "YHZ"));
    assert!(heavy > 2.0 * light && light > 0.0, "FRA {heavy} rps, YHZ {light} rps");
    for (code, d) in [("FRA", heavy), ("YHZ", light)] {
        let (got, want) = (f64::from(servers(&p, code)), wanted(per_krps, d));
        // Rounded up: want <= got < want + 1 (and above the default min of 4).
        assert!(want > 4.0 && got >= want - 1e-9 && got < want + 1.0, "{code}: {got} servers for {want}");
    }
    let ratio = f64::from(servers(&p, "FRA")) / f64::from(servers(&p, "YHZ"));
    let demand_ratio = heavy / light;
    // Each count is within one server of its exact share: the ratio within
    // 1 / (light's servers) of the demand ratio, relatively.
    let tolerance = 1.0 / f64::from(servers(&p, "YHZ"));
    assert!((ratio / demand_ratio - 1.0).abs() <= tolerance, "servers ratio {ratio}, demand ratio {demand_ratio}");
    // LHR catches no site: the default min, the seed's 4 servers.
    assert_eq!(demand(&p, "LHR"), 0.0);
    assert_eq!(servers(&p, "LHR"), 4);
}

#[test]
fn min_and_max_clamp_and_a_pop_table_overrides_the_default() {
    let pools = "[pops.default]\nservers = { per_krps = 2.5, min = 6, max = 50 }\n\n\
                 [pops.YHZ]\nservers = 3\n";
    let p = prepare_text(&scenario(100_000, pools));
    assert!(wanted(2.5, demand(&p, "FRA")) > 50.0, "FRA must want more than max");
    assert_eq!(servers(&p, "FRA"), 50, "clamped to max");
    assert_eq!(servers(&p, "LHR"), 6, "no demand: min");
    assert_eq!(servers(&p, "YHZ"), 3, "the PoP's own fixed number");

    // A per-PoP table sizes that PoP only; the others keep the default.
    let pools = "[pops.default]\nservers = 16\n\n[pops.FRA]\nservers = { per_krps = 1, min = 1 }\n";
    let p = prepare_text(&scenario(1_000, pools));
    let want = wanted(1.0, demand(&p, "FRA"));
    assert!(want < 1.0, "FRA wants {want}: below 1 server");
    assert_eq!(servers(&p, "FRA"), 1, "rounded up to 1");
    assert_eq!((servers(&p, "YHZ"), servers(&p, "LHR")), (16, 16));
}

#[test]
fn a_run_reports_the_sized_pools() {
    let p = prepare_text(&scenario(2_000, "[pops.default]\nservers = { per_krps = 8, min = 2 }\n"));
    let out = run_scenario(&scenario(2_000, "[pops.default]\nservers = { per_krps = 8, min = 2 }\n"));
    let v = summary_json(&out);
    let pops = v["pops"].as_array().expect("pops in the summary");
    for code in ["FRA", "YHZ", "LHR"] {
        let row = pops.iter().find(|r| r["code"] == code).expect("a row per PoP");
        assert_eq!(row["servers"].as_u64(), Some(u64::from(servers(&p, code))), "{code}");
    }
    assert!(servers(&p, "FRA") > servers(&p, "YHZ"));
}

/// Writes the scenario with `servers = <value>` in `[pops.default]`, runs
/// `edgesim validate` on it and returns (exit code, stderr, the text).
fn validate(dir: &std::path::Path, name: &str, value: &str) -> (i32, String, String) {
    let text = scenario(1_000, &format!("[pops.default]\nservers = {value}\n"));
    let file = write_scenario(dir, name, &text);
    let (code, err) = edgesim_code(["validate", s(&file)]);
    (code, err, text)
}

/// "line:column" (1-based) where `needle` starts on the `servers =` line of `text`.
fn position(text: &str, needle: &str) -> String {
    let (i, line) = text.lines().enumerate().find(|(_, l)| l.starts_with("servers =")).expect("a servers line");
    let col = line.find(needle).expect("needle on the servers line");
    format!("{}:{}", i + 1, col + 1)
}

#[test]
fn bad_sizing_tables_exit_2_naming_the_place_and_the_field() {
    let d = temp_dir("bad");
    // (value, where the error points, what it says)
    let cases = [
        ("{ per_krps = -1 }", "-1", "pops.default.servers.per_krps: got -1; expected servers per 1000 requests"),
        ("{ per_krps = 0 }", "0", "pops.default.servers.per_krps: got 0; expected servers per 1000 requests"),
        ("{ per_krps = nan }", "nan", "pops.default.servers.per_krps: got NaN"),
        ("{ per_krps = inf }", "inf", "pops.default.servers.per_krps: got inf"),
        ("{ per_krps = 2, min = 10, max = 5 }", "{", "pops.default.servers: min = 10 is above max = 5"),
        ("{ per_krps = 2, max = 3 }", "{", "pops.default.servers: min = 4 is above max = 3"),
        ("{ per_krps = 2, min = 0 }", "0 }", "pops.default.servers.min: got 0; expected a whole number from 1"),
        ("{ per_krps = 2, per_rps = 3 }", "per_rps", "pops.default.servers: unknown field `per_rps`"),
        ("{ min = 4 }", "{", "pops.default.servers: missing field `per_krps`"),
        ("0", "0", "pops.default.servers: got 0; expected a whole number from 1 to 100000, or a table"),
        ("2.5", "2.5", "pops.default.servers: got 2.5; expected a whole number"),
    ];
    for (i, (value, at, says)) in cases.into_iter().enumerate() {
        let name = format!("bad-{i}");
        let (code, err, text) = validate(&d, &name, value);
        assert_eq!(code, 2, "{value}: {err}");
        let place = format!("{name}.toml:{}: ", position(&text, at));
        assert!(err.contains(&place), "{value}: want {place:?} in {err:?}");
        assert!(err.contains(says), "{value}: want {says:?} in {err:?}");
    }
    let (code, err, _) = validate(&d, "good", "{ per_krps = 2.5, min = 4, max = 100000 }");
    assert_eq!(code, 0, "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

/// Servers in all, the mean utilisation at full health (rps x mean service
/// / servers) and the highest utilisation of one PoP, of a prepared scenario.
fn fleet(p: &Prepared) -> (u32, f64, f64) {
    let rps: f64 = p.world.sites.iter().map(|s| s.rps).sum();
    let total: u32 = p.pools.iter().map(|c| c.servers).sum();
    let busy = |i: usize| edgesim::edge::demand_rps(&p.world)[i] * p.pools[i].service.mean_ns() / 1e9;
    let max = (0..p.pools.len()).map(|i| busy(i) / f64::from(p.pools[i].servers)).fold(0.0, f64::max);
    (total, rps * p.pools[0].service.mean_ns() / 1e9 / f64::from(total), max)
}

/// Utilisation of `backup` once `failed`'s catchment has moved onto it.
fn after_failover(p: &Prepared, failed: &str, backup: &str) -> f64 {
    let demand = edgesim::edge::demand_rps(&p.world);
    let (f, b) = (p.world.pop_index(failed).expect("failed PoP"), p.world.pop_index(backup).expect("backup"));
    let nearest_live = (0..p.world.pops.len())
        .filter(|&i| i != f)
        .min_by(|&x, &y| {
            let d = |i: usize| {
                let (a, q) = (&p.world.pops[f], &p.world.pops[i]);
                edgesim::world::catalog::great_circle_km(a.lat_deg, a.lon_deg, q.lat_deg, q.lon_deg)
            };
            d(x).total_cmp(&d(y))
        })
        .expect("another PoP");
    assert_eq!(nearest_live, b, "{backup} is {failed}'s nearest neighbour");
    (demand[f] + demand[b]) * p.pools[b].service.mean_ns() / 1e9 / f64::from(p.pools[b].servers)
}

/// The shipped Stage 3 and 4 scenarios are the seed's stages: PoPs,
/// servers and rps as the seed gives them, about two thirds busy, and the
/// failed PoP's backup below the spillover threshold (0.8) after the move.
/// Prepared only: they are far too big to run at the request level.
#[test]
fn the_stage_scenarios_are_sized_as_the_seed_says() {
    let p = crate::util::prepare_file(&crate::util::scenario_path("stage-3-global.toml"));
    let (servers, mean, max) = fleet(&p);
    assert_eq!(p.world.pops.len(), edgesim::world::catalog::builtin().len());
    assert!((2_900..=3_300).contains(&servers), "Stage 3: {servers} servers");
    assert!((0.6..=0.7).contains(&mean) && max < 0.7, "Stage 3: mean {mean}, max {max}");
    assert_eq!(p.world.sites.iter().map(|s| s.rps).sum::<f64>().round(), 5e6);
    assert!(after_failover(&p, "FRA", "CGN") < 0.65, "CGN after FRA's failure");

    let p = crate::util::prepare_file(&crate::util::scenario_path("stage-4-hyperscale.toml"));
    let (servers, mean, max) = fleet(&p);
    assert!(p.world.pops.len() >= 500, "Stage 4: {} PoPs", p.world.pops.len());
    assert!(servers >= 10_000, "Stage 4: {servers} servers");
    assert!((0.6..=0.7).contains(&mean) && max < 0.7, "Stage 4: mean {mean}, max {max}");
    assert_eq!(p.world.sites.iter().map(|s| s.rps).sum::<f64>().round(), 5e7);
    assert!(after_failover(&p, "JFK", "EWR") < 0.65, "EWR after JFK's failure");
}
