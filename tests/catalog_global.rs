//! The global PoP catalog (scenarios/data/pops-global.csv, the seed's
//! Stage 4 "500+ PoPs"): it parses, holds at least 500 unique codes and
//! every built-in PoP unchanged, its regions are the four known ones, and
//! scenarios (`[topology] catalog = "global"`) and `edgesim catalog
//! --catalog global` reach it.

use crate::util::{crate_path, edgesim, edgesim_code, prepare_text, s, temp_dir, write_scenario};
use edgesim::world::catalog::{self, Region};
use std::collections::BTreeSet;

#[test]
fn the_global_file_parses_and_is_what_the_binary_embeds() {
    let text = std::fs::read_to_string(crate_path("scenarios/data/pops-global.csv")).expect("read pops-global.csv");
    let parsed = catalog::parse_csv(&text).expect("pops-global.csv parses");
    assert_eq!(parsed.as_slice(), catalog::global());
    assert_eq!(catalog::named("global").map(<[_]>::len), Some(parsed.len()));
    assert_eq!(catalog::named("builtin").map(<[_]>::len), Some(catalog::builtin().len()));
    assert!(catalog::named("Global").is_none() && catalog::named("none").is_none());
}

#[test]
fn the_global_catalog_has_500_unique_codes_and_every_builtin_pop_unchanged() {
    let global = catalog::global();
    let codes: BTreeSet<&str> = global.iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes.len(), global.len(), "codes are unique");
    assert!(codes.len() >= 500, "only {} PoPs", codes.len());
    let builtin = catalog::builtin();
    assert!(global.len() >= builtin.len() + 200, "{} beyond the built-in catalog", global.len() - builtin.len());
    for b in builtin {
        let g = global.iter().find(|g| g.code == b.code);
        assert_eq!(g, Some(b), "built-in PoP {} missing or changed", b.code);
    }
}

#[test]
fn the_global_catalogs_regions_are_valid_and_each_grows() {
    let global = catalog::global();
    for p in global {
        assert_eq!(Region::parse(p.region.as_str()), Some(p.region), "{}", p.code);
        assert!(p.weight > 0.0 && p.weight.is_finite(), "{}: weight {}", p.code, p.weight);
    }
    for r in Region::ALL {
        let count = |c: &[catalog::CatalogPop]| c.iter().filter(|p| p.region == r).count();
        assert!(count(global) >= count(catalog::builtin()) + 40, "{}: {} PoPs", r.as_str(), count(global));
    }
    // Sorted like the built-in catalog: region, then code.
    for w in global.windows(2) {
        assert!((w[0].region, &w[0].code) < (w[1].region, &w[1].code), "{} before {}", w[0].code, w[1].code);
    }
}

/// A scenario on PoPs `pops` of catalog `catalog`.
fn scenario(catalog: &str, pops: &str) -> String {
    format!(
        "[scenario]\nname = \"global\"\nduration = \"1s\"\n\n[topology]\ncatalog = \"{catalog}\"\npops = [{pops}]\n\n\
         [traffic]\nrps = 100\nclasses = {{ p1 = 1.0 }}\n"
    )
}

#[test]
fn a_scenario_selects_the_global_catalog_by_name() {
    // A code only in the global catalog.
    let only_global = catalog::global()
        .iter()
        .find(|g| catalog::builtin().iter().all(|b| b.code != g.code))
        .expect("a global-only PoP");
    let code = only_global.code.as_str();
    let p = prepare_text(&scenario("global", &format!("\"{code}\", \"FRA\"")));
    assert_eq!(p.world.pops.iter().map(|p| p.code.as_str()).collect::<Vec<_>>(), [code, "FRA"]);
    assert_eq!(p.world.pops[0].lat_deg, only_global.lat_deg);

    // The whole catalog when no PoP is named.
    let whole =
        "[scenario]\nname = \"g\"\nduration = \"1s\"\n\n[topology]\ncatalog = \"global\"\n\n[traffic]\nrps = 100\nclasses = { p1 = 1.0 }\n";
    assert_eq!(prepare_text(whole).world.pops.len(), catalog::global().len());

    // The same code from the built-in catalog is unknown, at its place.
    let d = temp_dir("builtin");
    let file = write_scenario(&d, "builtin", &scenario("builtin", &format!("\"{code}\"")));
    let (exit, err) = edgesim_code(["validate", s(&file)]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains(&format!("topology.pops: unknown PoP \"{code}\"")), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn edgesim_catalog_lists_the_global_catalog() {
    let o = edgesim(["catalog", "--catalog", "global", "--format", "csv"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    let rows: Vec<&str> = out.lines().skip(1).collect();
    assert_eq!(rows.len(), catalog::global().len());
    let codes: Vec<&str> = rows.iter().filter_map(|r| r.split(',').next()).collect();
    let want: Vec<&str> = catalog::global().iter().map(|p| p.code.as_str()).collect();
    assert_eq!(codes, want);

    let o = edgesim(["catalog", "--catalog", "global", "--region", "APAC"]);
    let out = String::from_utf8_lossy(&o.stdout);
    let apac = catalog::global().iter().filter(|p| p.region == Region::APAC).count();
    assert!(out.trim_end().ends_with(&format!("{apac} PoPs")), "{out}");

    // The default is still the built-in catalog.
    let o = edgesim(["catalog"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.trim_end().ends_with(&format!("{} PoPs", catalog::builtin().len())), "{out}");

    let (exit, err) = edgesim_code(["catalog", "--catalog", "mars"]);
    assert_eq!(exit, 2, "{err}");
    assert!(err.contains("possible values: builtin, global"), "{err}");
}
