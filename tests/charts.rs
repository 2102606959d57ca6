//! Charts and the HTML report: runs the CLI on the PoP-failure scenario,
//! renders its charts and report, and checks the pictures (PNG decoded by
//! the `png` crate, SVG markup), the page (self-contained, verdicts,
//! charts) and that rendering twice gives the same bytes. A small hand-made results folder
//! covers levels.csv, Durable Object migration and bad input.

use crate::util::{bin, crate_path, temp_dir};
use edgesim::report::charts::{render_all, ChartError, HEIGHT, WIDTH};
use edgesim::report::html::{escape, write_index, write_report, IndexEntry};
use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const SCENARIO: &str = "scenarios/pop-failure.toml";

/// The PoP-failure run's results, made once for every test.
fn pop_failure_run() -> &'static Path {
    static RUN: OnceLock<PathBuf> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = temp_dir("run");
        let status = bin().args(["run", SCENARIO, "--out"]).arg(&dir).arg("--quiet").status().expect("run edgesim");
        assert_eq!(status.code(), Some(0), "edgesim run {SCENARIO} must exit 0");
        dir
    })
}

/// A copy of the run's input files in a folder of the test's own.
fn copy_of_run(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    for f in ["summary.json", "timeseries.csv", "pops_timeseries.csv", "regions.csv", "levels.csv"] {
        let from = pop_failure_run().join(f);
        if from.exists() {
            fs::copy(&from, dir.join(f)).expect("copy a result file");
        }
    }
    dir
}

fn scenario_text() -> String {
    fs::read_to_string(crate_path(SCENARIO)).expect("read the scenario")
}

fn names(files: &[PathBuf]) -> Vec<String> {
    files.iter().map(|p| p.file_name().expect("a file name").to_string_lossy().into_owned()).collect()
}

// ------------------------------------------------------------ PNG decoding

/// A decoded PNG: size and RGB(A) rows.
struct Png {
    width: u32,
    height: u32,
    channels: usize,
    pixels: Vec<u8>,
}

/// Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what plotters writes).
fn decode_png(bytes: &[u8]) -> Png {
    let mut reader = png::Decoder::new(bytes).read_info().expect("a PNG header");
    let info = reader.info();
    assert_eq!((info.bit_depth, info.interlaced), (png::BitDepth::Eight, false), "8-bit, not interlaced");
    let channels = match info.color_type {
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        c => panic!("colour type {c:?}"),
    };
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("the image data decodes");
    pixels.truncate(frame.buffer_size());
    assert_eq!(pixels.len(), frame.width as usize * frame.height as usize * channels, "decoded size");
    Png { width: frame.width, height: frame.height, channels, pixels }
}

// ------------------------------------------------------------------ checks

/// The PNG has the chart's size and is a picture, not one flat colour.
fn check_png(path: &Path) {
    let png = decode_png(&fs::read(path).expect("read the PNG"));
    assert_eq!((png.width, png.height), (WIDTH, HEIGHT), "{}: size", path.display());
    let colours: HashSet<&[u8]> = png.pixels.chunks(png.channels).collect();
    assert!(colours.len() > 20, "{}: only {} colours", path.display(), colours.len());
    let white = png.pixels.chunks(png.channels).filter(|p| p[..3] == [255, 255, 255]).count();
    let share = white as f64 / f64::from(png.width * png.height);
    assert!(share > 0.3 && share < 0.995, "{}: {share} of the picture is white background", path.display());
}

fn check_svg(path: &Path, needles: &[&str]) {
    let svg = fs::read_to_string(path).expect("read the SVG");
    assert!(svg.contains("<svg"), "{}: not an SVG", path.display());
    assert!(svg.contains("<polyline") || svg.contains("<path"), "{}: no series", path.display());
    assert!(svg.contains(&format!("width=\"{WIDTH}\"")), "{}: width", path.display());
    for n in needles {
        assert!(svg.contains(n), "{}: no \"{n}\"", path.display());
    }
}

#[test]
fn pop_failure_charts_show_series_fault_and_steps() {
    let dir = copy_of_run("charts");
    let files = render_all(&dir).expect("render the charts");
    let expected =
        ["latency", "success", "traffic", "load-by-region", "levels"].map(|s| [format!("{s}.svg"), format!("{s}.png")]);
    assert_eq!(names(&files), expected.concat(), "charts written, in order");
    for f in files.iter().filter(|f| f.extension().is_some_and(|e| e == "png")) {
        check_png(f);
    }
    check_svg(&dir.join("latency.svg"), &["p99", "p50", "pop-down SJC", "detected +", "withdrawal started", "ms"]);
    check_svg(&dir.join("success.svg"), &["success ratio", "pop-down SJC", "recovered +"]);
    check_svg(&dir.join("traffic.svg"), &["SJC", "other (", "arrivals per second", "pop-down SJC"]);
    check_svg(&dir.join("levels.svg"), &["level", "pop-down SJC"]);
    check_svg(&dir.join("load-by-region.svg"), &["NA offered", "NA served", "requests per second", "pop-down SJC"]);
    let leftovers: Vec<_> = fs::read_dir(&dir)
        .expect("list")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "scratch files left: {leftovers:?}");
}

/// The page without the scenario's text (which may quote anything).
fn page_outside_scenario(html: &str) -> String {
    match (html.find("<pre id=\"scenario\">"), html.find("</pre>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &html[..a], &html[b..]),
        _ => html.to_string(),
    }
}

#[test]
fn report_is_self_contained_with_verdicts_and_charts() {
    let dir = copy_of_run("report");
    render_all(&dir).expect("render the charts");
    let path = write_report(&dir, &scenario_text()).expect("write the report");
    assert_eq!(path, dir.join("report.html"));
    let html = fs::read_to_string(&path).expect("read the report");
    let outside = page_outside_scenario(&html);
    for bad in ["http://", "https://", "src=\"/", "href=\"/", "src='/", "@import", "//fonts."] {
        assert!(!outside.contains(bad), "report.html holds an external reference: {bad}");
    }
    for (i, _) in outside.match_indices("src=") {
        assert!(outside[i..].starts_with("src=\"data:"), "a src that is not a data: URI");
    }
    let summary: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(dir.join("summary.json")).expect("summary")).expect("json");
    let verdicts = summary["expectations"].as_array().expect("expectations");
    assert!(!verdicts.is_empty());
    for v in verdicts {
        let text = v["text"].as_str().expect("text");
        assert!(html.contains(&escape(text)), "verdict \"{text}\" missing");
    }
    assert!(html.contains("PASS"));
    for stem in ["latency", "success", "traffic", "load-by-region", "levels"] {
        assert!(html.contains(&format!("<figure id=\"chart-{stem}\"><svg")), "chart {stem} not inlined");
    }
    for needle in ["pop-down SJC", "withdrawal started", "trace hash", "seed", "SJC", "[[fault]]"] {
        assert!(html.contains(needle), "report lacks \"{needle}\"");
    }
    assert!(html.contains(&escape(&scenario_text())), "scenario text, escaped");
}

#[test]
fn rendering_twice_gives_the_same_bytes() {
    let dir = copy_of_run("twice");
    let read = |files: &[PathBuf]| files.iter().map(|f| fs::read(f).expect("read")).collect::<Vec<_>>();
    let first = render_all(&dir).expect("first render");
    let report1 = fs::read(write_report(&dir, &scenario_text()).expect("report")).expect("read");
    let bytes1 = read(&first);
    let second = render_all(&dir).expect("second render");
    let report2 = fs::read(write_report(&dir, &scenario_text()).expect("report")).expect("read");
    assert_eq!(first, second);
    for (i, (a, b)) in bytes1.iter().zip(read(&second)).enumerate() {
        assert!(*a == b, "{} differs between two renders", first[i].display());
    }
    assert!(report1 == report2, "report.html differs between two renders");
}

// -------------------------------------------------- a hand-made folder

const SUMMARY: &str = r#"{
  "schema_version": 1, "edgesim_version": "0.1.0",
  "scenario": "made <by> hand", "description": "levels & objects", "seed": 7,
  "sim_duration_s": 100.0, "warmup_s": 10.0, "bucket_s": 1.0, "events_handled": 12, "trace_hash": "abc",
  "requests": {"issued": 100, "succeeded": 95, "failed": 5, "unfinished": 0, "drain_s": 1.0, "finished_in_drain": 0,
    "given_up_at_end": 0, "accounting": "by send time", "by_class": {}, "failed_by_reason": {}, "shed_by_class": {},
    "rate_limited_by_limit": {}},
  "availability": 0.95,
  "latency_ms": {"p50": 5.0, "p90": 8.0, "p99": 20.0, "p999": 30.0, "mean": 6.0, "max": 40.0, "by_class": {}},
  "attempts_per_request": 1.0, "client_networks": 3, "health_check_phase_s": 0.0,
  "faults": [{
    "kind": "region-down", "target": "EU", "at_s": 40.0,
    "timeline": {"fault": 0.0, "detected": 1.0, "withdrawal_started": 6.0, "recovered": 30.0},
    "rto_s": 30.0, "recovered": true, "requests_lost": 5, "requests_affected": 50, "attempts_per_request": 1.0,
    "affected_networks": 2, "latency_ms": {},
    "durable_objects": {"rpo_s": 0.5, "writes_lost": 3, "objects": 40,
      "object_rto_s": {"p50": 20.0, "p99": 35.0, "max": 36.0},
      "timeline": {"detected": 10.0, "migration_started": 15.0, "first_snapshot_restored": 18.0,
        "all_snapshots_restored": 30.0, "first_wal_replayed": 19.0, "all_wal_replayed": 31.0,
        "first_routing_updated": 20.0, "all_routing_updated": 36.0}}
  }],
  "pops": [{"code": "AMS", "city": "Amsterdam", "region": "EU", "servers": 4, "requests": 10, "succeeded": 10,
    "rejected": 0, "shed_by_class": {}, "spilled_out": 0, "spilled_in": 0, "servers_max": 4, "scale_ups_s": [],
    "scale_downs": 0, "arrival_rate_per_s": 0.1, "utilisation": 0.1, "server_utilisation": [0.1, 0.1, 0.1, 0.1],
    "mean_wait_ms": 0.0, "p_wait": 0.0, "mean_queue_len": 0.0, "latency_p50_ms": 5.0, "latency_p99_ms": 9.0}],
  "levels": {"deployments": null, "max_level": 3, "final_level": 0, "max_level_by_pop": {"AMS": 2},
    "time_in_level_s": [71.0, 0.0, 0.0, 29.0, 0.0], "transitions": [{"t_s": 41.0, "level": 3}, {"t_s": 70.0, "level": 0}]},
  "expectations": [
    {"text": "rpo of fault 1 < 1s", "status": "fail", "passed": false, "observed_text": "0.5s", "bound": "< 1s"},
    {"text": "p99 of AMS <= 50ms", "status": "inconclusive", "passed": false, "observed_text": "3 samples",
     "bound": "<= 50ms"}
  ],
  "passed": false
}"#;

fn hand_made(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    fs::write(dir.join("summary.json"), SUMMARY).expect("write");
    let mut ts = String::from("t_s,issued,succeeded,failed,availability,latency_p50_ms,latency_p99_ms\n");
    let mut pops = String::from("t_s,pop,servers,arrivals,shed,spilled,cpu,shed_level\n");
    for t in 0..100 {
        let (a, p99) = if (40..60).contains(&t) { (0.9, 900.0) } else { (1.0, 20.0) };
        ts.push_str(&format!("{t},100,{},0,{a},5.0,{p99}\n", (a * 100.0) as u32));
        for (pop, n) in [("AMS", 100 + t), ("FRA", 50)] {
            pops.push_str(&format!("{t},{pop},4,{n},0,0,0.5,{}\n", u32::from((45..50).contains(&t))));
        }
    }
    fs::write(dir.join("timeseries.csv"), ts).expect("write");
    fs::write(dir.join("pops_timeseries.csv"), pops).expect("write");
    fs::write(dir.join("levels.csv"), "t_s,scope,level\n0,global,0\n41,global,3\n70,global,0\n45,AMS,2\n50,AMS,0\n")
        .expect("write");
    dir
}

#[test]
fn levels_csv_and_object_migration_are_drawn() {
    let dir = hand_made("levels");
    let files = render_all(&dir).expect("render");
    assert!(names(&files).contains(&"object_rto.png".to_string()), "{files:?}");
    check_png(&dir.join("levels.png"));
    check_png(&dir.join("object_rto.png"));
    check_svg(&dir.join("levels.svg"), &["Degradation level", "global level", "highest PoP level", "region-down EU"]);
    check_svg(&dir.join("object_rto.svg"), &["migration started", "all routing updated", "+36s", "40 objects"]);
    let html = fs::read_to_string(write_report(&dir, "").expect("report")).expect("read");
    assert!(html.contains("made &lt;by&gt; hand") && !html.contains("made <by> hand"), "title escaped");
    assert!(html.contains("Durable Object migration") && html.contains("all routing updated"));
    assert!(html.contains("FAIL") && html.contains("rpo of fault 1 &lt; 1s"));
    assert!(html.contains("INCONCLUSIVE") && html.contains("0 of 2 expectations hold, 1 inconclusive"));
    assert!(html.contains("Degradation levels") && html.contains("3 (PoPs failed)") && html.contains("AMS 2"));
    assert!(html.contains("id=\"chart-object_rto\""));
}

#[test]
fn bad_input_is_an_error_naming_the_file() {
    let dir = hand_made("bad");
    fs::write(
        dir.join("timeseries.csv"),
        "t_s,issued,succeeded,failed,availability,latency_p50_ms,latency_p99_ms\n1,2,3,4,x,5,6\n",
    )
    .expect("write");
    let e: ChartError = render_all(&dir).expect_err("a bad number");
    assert!(e.file.ends_with("timeseries.csv"), "{e}");
    assert!(e.to_string().contains("line 2") && e.to_string().contains("availability"), "{e}");
    fs::write(dir.join("summary.json"), SUMMARY.replacen("\"schema_version\": 1", "\"schema_version\": 2", 1))
        .expect("write");
    let e = render_all(&dir).expect_err("another schema");
    assert!(e.to_string().contains("summary.json of schema 2; this edgesim reads schema 1"), "{e}");
    fs::write(dir.join("summary.json"), SUMMARY.replacen("\"trace_hash\"", "\"hash\"", 1)).expect("write");
    let e = write_report(&dir, "").expect_err("a renamed field");
    assert!(e.to_string().contains("summary.json") && e.to_string().contains("missing field `trace_hash`"), "{e}");
    fs::write(dir.join("summary.json"), "{ not json").expect("write");
    let e = render_all(&dir).expect_err("bad JSON");
    assert!(e.to_string().contains("summary.json") && e.to_string().contains("JSON"), "{e}");
    fs::remove_file(dir.join("summary.json")).expect("remove");
    assert!(render_all(&dir).expect_err("no summary").to_string().contains("cannot read"));
    assert!(write_report(&dir, "").is_err(), "no summary.json: no report");
}

#[test]
fn index_links_each_report_with_its_counts() {
    let dir = temp_dir("index");
    let runs = [
        IndexEntry {
            scenario: "pop-failure".into(),
            results_dir: "pop-failure".into(),
            passed: 6,
            failed: 0,
            inconclusive: 0,
        },
        IndexEntry { scenario: "a <b>".into(), results_dir: "x y".into(), passed: 1, failed: 2, inconclusive: 1 },
    ];
    let html = fs::read_to_string(write_index(&dir, &runs).expect("index")).expect("read");
    assert!(html.contains("href=\"pop-failure/report.html\""), "{html}");
    assert!(html.contains("href=\"x%20y/report.html\"") && html.contains("a &lt;b&gt;"));
    assert!(html.contains("FAIL") && html.contains("PASS"));
    assert!(!html.contains("http://") && !html.contains("https://"));
}
