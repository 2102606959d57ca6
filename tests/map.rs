//! The world maps and their data: catchments.csv and map_pops.csv checked
//! against the run's own catchment snapshots on a hand-made two-PoP fault,
//! the map files a run and `plot` write (same inputs, same bytes), a run
//! without faults, a bad catchments.csv, and the shipped coastline file.

use crate::util::{bin, crate_path, prepare_text, simulate, temp_dir, write_scenario};
use edgesim::edge::anycast::NO_POP;
use edgesim::report::charts::render_all;
use edgesim::report::{catchments_csv, map_pops_csv};
use std::fs;
use std::path::Path;

/// Networks of each client site.
const NETS_PER_SITE: usize = 4;

/// Two PoPs (SJC, LAX), one site each; with `down_for`, SJC is struck
/// down at 10 s for that long. Detection within 1 + 0.5 s, withdrawal 1 s
/// later, every network has the withdrawal 2 s after that: SJC's networks
/// are on LAX by 4.5 s into the fault, and still on SJC 1.5 s into it
/// (no probe has timed out before 10.5 s, no withdrawal comes before 11.5 s).
fn two_pops(down_for: Option<&str>) -> String {
    let mut t = format!(
        "[scenario]\nname = \"map-two\"\nseed = 3\nduration = \"30s\"\nwarmup = \"2s\"\n\n\
         [topology]\npops = [\"SJC\", \"LAX\"]\n\n\
         [traffic]\nrps = 400\nclasses = {{ p0 = 0.1, p1 = 0.4, p2 = 0.4, p3 = 0.1 }}\n\n\
         [pops.default]\nservers = 8\nservice = {{ dist = \"exponential\", mean = \"1ms\" }}\n\n\
         [anycast]\nnetworks_per_site = {NETS_PER_SITE}\n\
         health_check = {{ interval = \"1s\", timeout = \"500ms\", failures = 1, successes = 1 }}\n\
         withdrawal_delay = \"1s\"\nconvergence = {{ model = \"fixed\", first = \"0s\", last = \"2s\" }}\n"
    );
    if let Some(d) = down_for {
        t.push_str(&format!("\n[[fault]]\nat = \"10s\"\nkind = \"pop-down\"\npop = \"SJC\"\nfor = \"{d}\"\n"));
    }
    t
}

/// A CSV text as rows of cells, header first.
fn rows(text: &str) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_bytes());
    r.records().map(|x| x.expect("a CSV record").iter().map(str::to_string).collect()).collect()
}

/// The (fault, moment, site, pop, networks, pop_state_during) of each row
/// of a catchments.csv text.
fn short_rows(text: &str) -> Vec<Vec<String>> {
    let table = rows(text);
    let (header, body) = table.split_first().expect("a header");
    let columns = ["fault", "moment", "site", "pop", "networks", "pop_state_during"];
    body.iter().map(|row| columns.iter().map(|c| cell(header, row, c).to_string()).collect()).collect()
}

/// The cell of `row` in column `name`.
fn cell<'a>(header: &[String], row: &'a [String], name: &str) -> &'a str {
    let i = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    &row[i]
}

#[test]
fn catchments_csv_says_what_the_snapshots_say() {
    let p = prepare_text(&two_pops(Some("15s")));
    let out = simulate(&p);
    let r = &out.result;
    let table = rows(&catchments_csv(r, &p.world));
    let (header, body) = table.split_first().expect("a header");
    let sjc = p.world.pop_index("SJC").expect("SJC");
    let lax = p.world.pop_index("LAX").expect("LAX");
    let site_of = |name: &str| p.world.sites.iter().position(|s| s.name == name).expect("a site");
    // Every row against the snapshot it comes from: its networks are those
    // of that site sending to that PoP at that moment.
    for row in body {
        let before = cell(header, row, "moment") == "before";
        let snap = r.catchments.iter().find(|c| c.fault == 0 && c.before == before).expect("a snapshot");
        let site = site_of(cell(header, row, "site")) as u32;
        let pop = match cell(header, row, "pop") {
            "" => NO_POP,
            code => p.world.pop_index(code).expect("a PoP") as u32,
        };
        let count = (0..r.net_sites.len()).filter(|&n| r.net_sites[n] == site && snap.pop_of_net[n] == pop).count();
        assert_eq!(cell(header, row, "networks"), count.to_string(), "{row:?}");
        assert_eq!(cell(header, row, "t_s"), snap.at.as_secs_f64().to_string(), "{row:?}");
    }
    // From the parameters: SJC's site, and only it, moved; all its networks
    // sent to SJC just before the fault and to LAX while it lasted.
    let n = NETS_PER_SITE.to_string();
    let expected = [["1", "before", "SJC", "SJC", &n, "down"], ["1", "during", "SJC", "LAX", &n, "serving"]];
    assert_eq!(short_rows(&catchments_csv(r, &p.world)), expected.map(|r| r.map(str::to_string).to_vec()));
    assert_eq!(cell(header, &body[0], "t_s"), "10", "the before snapshot is taken as the fault strikes");
    assert!(cell(header, &body[1], "t_s").parse::<f64>().expect("t_s") <= 25.0);
    // map_pops.csv: SJC was struck down, LAX kept serving; requests as in the summary.
    let pops = rows(&map_pops_csv(r, &p.world));
    let (ph, pb) = pops.split_first().expect("a header");
    assert_eq!(ph.join(","), "code,city,region,lat,lon,requests,state");
    for (i, state) in [(sjc, "down"), (lax, "serving")] {
        assert_eq!(cell(ph, &pb[i], "code"), p.world.pops[i].code);
        assert_eq!(cell(ph, &pb[i], "state"), state);
        assert_eq!(cell(ph, &pb[i], "requests"), out.summary.pops[i].requests.to_string());
    }
}

#[test]
fn networks_left_on_the_struck_pop_are_shown_as_they_are() {
    // SJC down for 1 s: it ends before anyone can withdraw its route, so
    // while it lasts every SJC network still sends to SJC, which is down.
    let p = prepare_text(&two_pops(Some("1s")));
    let out = simulate(&p);
    let n = NETS_PER_SITE.to_string();
    let expected = [["1", "before", "SJC", "SJC", &n, "down"], ["1", "during", "SJC", "SJC", &n, "down"]];
    assert_eq!(short_rows(&catchments_csv(&out.result, &p.world)), expected.map(|r| r.map(str::to_string).to_vec()));
}

/// The map files of a results folder with their bytes, by name.
fn map_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<(String, Vec<u8>)> = fs::read_dir(dir)
        .expect("list the folder")
        .map(|e| e.expect("an entry").path())
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            name.starts_with("map") || name == "catchments.csv"
        })
        .map(|p| (p.file_name().expect("a name").to_string_lossy().into_owned(), fs::read(&p).expect("read")))
        .collect();
    files.sort();
    files
}

fn run_into(scenario: &Path, out: &Path) {
    let status = bin().args(["run"]).arg(scenario).arg("--out").arg(out).arg("--quiet").status().expect("run edgesim");
    assert_eq!(status.code(), Some(0), "edgesim run {}", scenario.display());
}

#[test]
fn a_run_writes_its_maps_and_plot_redraws_the_same_bytes() {
    let dir = temp_dir("cli");
    let scenario = write_scenario(&dir, "two", &two_pops(Some("15s")));
    let (a, b) = (dir.join("a"), dir.join("b"));
    run_into(&scenario, &a);
    run_into(&scenario, &b);
    let first = map_files(&a);
    let names: Vec<&str> = first.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(names, ["catchments.csv", "map-fault-1.png", "map-fault-1.svg", "map.png", "map.svg", "map_pops.csv"]);
    assert_eq!(first, map_files(&b), "two runs of one scenario give the same map bytes");
    for (name, bytes) in &first {
        if name.ends_with(".png") {
            let info = png::Decoder::new(bytes.as_slice()).read_info().expect("a PNG");
            assert_eq!((info.info().width, info.info().height), (1200, 500), "{name}");
        }
    }
    let svg = String::from_utf8(first[2].1.clone()).expect("UTF-8");
    for needle in ["F1 pop-down SJC at 10s", "SJC", "LAX", "struck PoP (down)", "coast: Natural Earth"] {
        assert!(svg.contains(needle), "map-fault-1.svg lacks {needle:?}");
    }
    let html = fs::read_to_string(a.join("report.html")).expect("report.html");
    let (map, fault) =
        (html.find("id=\"chart-map\"").expect("map"), html.find("id=\"chart-map-fault-1\"").expect("F1"));
    assert!(map < fault, "the fault's map follows the world map");
    let plot = bin().arg("plot").arg(&a).output().expect("plot");
    assert_eq!(plot.status.code(), Some(0), "{}", String::from_utf8_lossy(&plot.stderr));
    assert_eq!(first, map_files(&a), "plot redraws the same bytes");
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_run_without_faults_has_only_the_world_map() {
    let dir = temp_dir("calm");
    let scenario = write_scenario(&dir, "calm", &two_pops(None));
    let out = dir.join("out");
    run_into(&scenario, &out);
    let names: Vec<String> = map_files(&out).into_iter().map(|f| f.0).collect();
    assert_eq!(names, ["catchments.csv", "map.png", "map.svg", "map_pops.csv"]);
    let catch = fs::read_to_string(out.join("catchments.csv")).expect("catchments.csv");
    assert_eq!(catch.lines().count(), 1, "a header only: {catch}");
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn a_bad_catchments_csv_is_named_with_its_line() {
    let dir = temp_dir("bad");
    let scenario = write_scenario(&dir, "two", &two_pops(Some("15s")));
    let out = dir.join("out");
    run_into(&scenario, &out);
    let path = out.join("catchments.csv");
    let good = fs::read_to_string(&path).expect("catchments.csv");
    for (from, to, line, what) in
        [(",during,", ",after,", "line 3", "\"after\""), ("\n1,before,", "\n0,before,", "line 2", "fault 0")]
    {
        fs::write(&path, good.replacen(from, to, 1)).expect("write");
        let e = render_all(&out).expect_err("a bad row");
        assert_eq!(e.file, path);
        assert!(e.message.contains(line) && e.message.contains(what), "{e}");
    }
    fs::remove_dir_all(&dir).expect("cleanup");
}

#[test]
fn the_shipped_coastlines_are_small_and_span_the_world() {
    let text = fs::read_to_string(crate_path("assets/world/coastlines-110m.txt")).expect("the coastline file");
    assert!(text.len() < 300_000 && text.is_ascii(), "{} bytes", text.len());
    let (mut lon, mut lat) = ((f64::MAX, f64::MIN), (f64::MAX, f64::MIN));
    let mut lines = 0;
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        lines += 1;
        for p in line.split(' ') {
            let (x, y) = p.split_once(',').expect("lon,lat");
            let (x, y): (f64, f64) = (x.parse().expect("lon"), y.parse().expect("lat"));
            (lon, lat) = ((lon.0.min(x), lon.1.max(x)), (lat.0.min(y), lat.1.max(y)));
        }
    }
    assert!(lines > 100, "{lines} polylines");
    assert_eq!(lon, (-180.0, 180.0));
    assert!(lat.0 < -80.0 && lat.0 >= -90.0 && lat.1 > 83.0 && lat.1 <= 84.0, "{lat:?}");
}
