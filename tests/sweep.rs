//! Sweeps: determinism whatever the thread count or sharding, grid points
//! independent of the rest of the grid, clear --set errors, --max-events,
//! the t quantile, and the coverage of the t interval on an M/M/1 queue
//! whose mean wait is known from theory.
//!
//! Every scenario here is a copy of scenarios/validation/mmc-c1-rho50.toml
//! (one server, 50 requests/s, exponential service of mean 10 ms) with a
//! short run, so that each test takes a few seconds on two cores.

use crate::util::{bin, temp_dir};

use edgesim::sweep::{self, RunOptions, RunRecord, Settings, Shard};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The shipped M/M/1 scenario at rho 0.5, with a `duration` and `warmup`
/// of our own, written into `dir`.
fn mm1(dir: &Path, duration: &str, warmup: &str) -> PathBuf {
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/validation/mmc-c1-rho50.toml");
    let text = std::fs::read_to_string(shipped).expect("shipped scenario");
    assert!(text.contains("duration = \"6h\"") && text.contains("warmup = \"10m\""), "the shipped file changed");
    let text = text
        .replace("duration = \"6h\"", &format!("duration = \"{duration}\""))
        .replace("warmup = \"10m\"", &format!("warmup = \"{warmup}\""));
    let p = dir.join("mm1.toml");
    std::fs::write(&p, text).expect("write scenario");
    p
}

/// The flags of one `edgesim sweep` (None: the flag is left out).
struct SweepArgs {
    scenario: PathBuf,
    seeds: u32,
    set: Vec<String>,
    threads: Option<usize>,
    shard: Option<Shard>,
    out: Option<PathBuf>,
    seed: Option<u64>,
    max_events: Option<u64>,
    quiet: bool,
    max_memory: Option<u64>,
}

impl SweepArgs {
    /// The command line after `edgesim sweep`.
    fn command_line(&self) -> Vec<OsString> {
        let mut v: Vec<OsString> = vec![self.scenario.clone().into(), "--seeds".into(), self.seeds.to_string().into()];
        for s in &self.set {
            v.extend(["--set".into(), s.into()]);
        }
        let flags = [
            ("--threads", self.threads.map(|t| t.to_string())),
            ("--shard", self.shard.map(|s| s.to_string())),
            ("--seed", self.seed.map(|s| s.to_string())),
            ("--max-events", self.max_events.map(|n| n.to_string())),
            ("--max-memory", self.max_memory.map(|n| n.to_string())),
        ];
        for (flag, value) in flags {
            if let Some(value) = value {
                v.extend([flag.into(), value.into()]);
            }
        }
        if let Some(out) = &self.out {
            v.extend(["--out".into(), out.clone().into()]);
        }
        if self.quiet {
            v.push("--quiet".into());
        }
        v
    }
}

/// How a command ended when it did not exit 0: its exit code and its
/// message (stderr without the leading `error: ` and the final newline).
#[derive(Debug, PartialEq)]
struct Failed {
    code: i32,
    message: String,
}

/// Runs the edgesim binary; Ok(0) when it exits 0.
fn edgesim(command: &str, args: &[OsString]) -> Result<u8, Failed> {
    let out = bin().arg(command).args(args).output().expect("run edgesim");
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0) => Ok(0),
        code => {
            let message = stderr.trim_end();
            let message = message.strip_prefix("error: ").unwrap_or(message).to_string();
            Err(Failed { code: code.unwrap_or(-1), message })
        }
    }
}

/// `edgesim sweep` with these flags.
fn run_sweep(a: &SweepArgs) -> Result<u8, Failed> {
    edgesim("sweep", &a.command_line())
}

/// `edgesim merge PARTS... --out OUT --quiet`.
fn run_merge(parts: Vec<PathBuf>, out: &Path) -> Result<u8, Failed> {
    let mut args: Vec<OsString> = parts.into_iter().map(PathBuf::into_os_string).collect();
    args.extend(["--out".into(), out.as_os_str().to_owned(), "--quiet".into()]);
    edgesim("merge", &args)
}

fn args(scenario: &Path, out: &Path, seeds: u32, sets: &[&str]) -> SweepArgs {
    SweepArgs {
        scenario: scenario.to_path_buf(),
        seeds,
        set: sets.iter().map(|s| s.to_string()).collect(),
        threads: None,
        shard: None,
        out: Some(out.to_path_buf()),
        seed: None,
        max_events: None,
        quiet: true,
        max_memory: None,
    }
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()))
}

/// The files of a sweep's folder, by name, but the wall-clock record.
fn result_files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .filter(|n| n != "sweep-run.json" && !n.starts_with("part-"))
        .collect();
    names.sort();
    names
}

/// Two sweep folders hold the same files with the same bytes (charts and
/// report.html included).
fn assert_same_results(a: &Path, b: &Path, why: &str) {
    let names = result_files(a);
    assert_eq!(names, result_files(b), "{why}: different files");
    for n in ["sweep.json", "sweep.csv", "runs.csv", "report.html", "sweep_availability.svg", "pass_rate.png"] {
        assert!(names.iter().any(|x| x == n), "{why}: {n} missing from {}", a.display());
    }
    for n in &names {
        assert!(read(&a.join(n)) == read(&b.join(n)), "{n} differs: {why}");
    }
}

const GRID: [&str; 2] = ["pops.LAB.servers=1,2", "traffic.rps=40,60"];

#[test]
fn threads_do_not_change_the_results() {
    let started = Instant::now();
    let d = temp_dir("threads");
    let f = mm1(&d, "30s", "5s");
    let (one, two) = (d.join("one"), d.join("two"));
    let mut a = args(&f, &one, 6, &GRID);
    a.threads = Some(1);
    assert_eq!(run_sweep(&a), Ok(0));
    a.threads = Some(2);
    a.out = Some(two.clone());
    assert_eq!(run_sweep(&a), Ok(0));
    assert_same_results(&one, &two, "1 vs 2 threads");
    let json: serde_json::Value = serde_json::from_slice(&read(&one.join("sweep.json"))).expect("sweep.json");
    assert_eq!(json["points"].as_array().map(Vec::len), Some(4));
    assert_eq!(json["runs"], 24);
    assert_eq!(json["points"][3]["label"], "pops.LAB.servers=2,traffic.rps=60");
    let wait = &json["points"][0]["measures"]["expect1.observed"];
    assert_eq!(wait["n"], 6);
    assert!(wait["ci_low"].as_f64() < wait["mean"].as_f64() && wait["mean"].as_f64() < wait["ci_high"].as_f64());
    // Wall-clock figures live in sweep-run.json only.
    let run: serde_json::Value = serde_json::from_slice(&read(&two.join("sweep-run.json"))).expect("sweep-run.json");
    assert_eq!(run["threads"], 2);
    assert!(!String::from_utf8_lossy(&read(&one.join("sweep.json"))).contains("wall"));
    eprintln!("threads_do_not_change_the_results: {:.2}s", started.elapsed().as_secs_f64());
}

#[test]
fn three_shards_merge_into_the_unsharded_sweep() {
    let started = Instant::now();
    let d = temp_dir("shards");
    let f = mm1(&d, "30s", "5s");
    let (whole, parts, merged) = (d.join("whole"), d.join("parts"), d.join("merged"));
    assert_eq!(run_sweep(&args(&f, &whole, 5, &GRID)), Ok(0));
    for k in 1..=3 {
        let mut a = args(&f, &parts, 5, &GRID);
        a.shard = Some(Shard { k, n: 3 });
        a.threads = Some(1 + k as usize % 2);
        assert_eq!(run_sweep(&a), Ok(0));
        assert!(parts.join(format!("part-{k}-of-3.json")).is_file());
    }
    assert!(!parts.join("sweep.json").exists(), "a shard writes only its part");
    let part = |k: u32| parts.join(format!("part-{k}-of-3.json"));
    let merge = run_merge;
    assert_eq!(merge(vec![part(3), part(1), part(2)], &merged), Ok(0));
    assert_same_results(&whole, &merged, "merged vs unsharded");
    // A folder stands for its parts.
    assert_eq!(merge(vec![parts.clone()], &d.join("merged2")), Ok(0));
    assert!(read(&whole.join("sweep.json")) == read(&d.join("merged2/sweep.json")));

    // A missing part, a part given twice, a part of another sweep: clear exit-2 errors.
    let e = merge(vec![part(1), part(3)], &d.join("x")).expect_err("missing part");
    assert!(e.code == 2 && e.message.contains("parts 2 of 3 are missing"), "{}", e.message);
    let e = merge(vec![part(1), part(2), part(2), part(3)], &d.join("x")).expect_err("twice");
    assert!(e.code == 2 && e.message.contains("part 2 of 3 is given twice"), "{}", e.message);
    let other = d.join("other");
    let mut a = args(&f, &other, 4, &GRID);
    a.shard = Some(Shard { k: 2, n: 3 });
    assert_eq!(run_sweep(&a), Ok(0));
    let e = merge(vec![part(1), other.join("part-2-of-3.json"), part(3)], &d.join("x")).expect_err("other sweep");
    assert!(e.code == 2 && e.message.contains("--seeds differs (5 vs 4)"), "{}", e.message);
    let e = merge(vec![d.join("mm1.toml")], &d.join("x")).expect_err("not a part");
    assert!(e.code == 2 && e.message.contains("mm1.toml: not a sweep part file"), "{}", e.message);
    eprintln!("three_shards_merge_into_the_unsharded_sweep: {:.2}s", started.elapsed().as_secs_f64());
}

/// The records of one point, by its label.
fn records_of(f: &Path, sets: &[&str], label: &str) -> Vec<RunRecord> {
    let settings = Settings { seeds: 4, sets: sets.iter().map(|s| s.to_string()).collect(), ..Settings::default() };
    let plan = sweep::load_plan(f, &settings).expect("plan");
    let ran = sweep::run(&plan, &RunOptions { threads: Some(2), ..RunOptions::default() }).expect("run");
    let index = plan.points.iter().position(|p| p.label() == label).expect("the point is in the grid");
    let mine: Vec<RunRecord> = ran.records.into_iter().filter(|r| r.point == index).collect();
    mine.into_iter().map(|r| RunRecord { point: 0, ..r }).collect()
}

#[test]
fn a_point_does_not_depend_on_the_rest_of_the_grid() {
    let d = temp_dir("grid");
    let f = mm1(&d, "30s", "5s");
    let label = "pops.LAB.servers=2,traffic.rps=60";
    let small = records_of(&f, &["pops.LAB.servers=2", "traffic.rps=60"], label);
    let large = records_of(&f, &["pops.LAB.servers=1,2,3", "traffic.rps=40,60"], label);
    assert_eq!(small.len(), 4);
    assert!(small.iter().all(|r| r.error.is_none() && r.measures.contains_key("expect1.observed")));
    assert_eq!(small, large, "adding axis values changed the records of {label}");
    // The seed is derive_seed(master, "<label>/<replication>").
    let master = edgesim::scenario::load(&f).expect("scenario").seed();
    assert_eq!(small[3].seed, edgesim::engine::rng::derive_seed(master, &format!("{label}/3")));
}

/// What `edgesim run FILE --seed S` measures, as a sweep record holds it.
fn replay(file: &Path, seed: u64) -> std::collections::BTreeMap<String, f64> {
    let mut scenario = edgesim::scenario::load(file).expect("scenario");
    scenario.set_seed(seed);
    let outcome = edgesim::simulate(&edgesim::prepare(scenario).expect("prepare"), None).expect("run");
    sweep::measures::extract(&outcome.summary).0
}

#[test]
fn a_replication_replays_with_edgesim_run_and_its_seed() {
    let d = temp_dir("replay");
    let tiny = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tiny.toml");
    let f = d.join("tiny.toml");
    std::fs::copy(&tiny, &f).expect("copy tiny.toml");
    // The sweep edits the parsed document and writes it back (keys sorted,
    // inline tables as sections): the run must be the one the user gets by
    // editing the file by hand.
    let settings = Settings { seeds: 2, sets: vec!["pops.default.servers=3,4".into()], ..Settings::default() };
    let plan = sweep::load_plan(&f, &settings).expect("plan");
    let ran = sweep::run(&plan, &RunOptions { threads: Some(2), ..RunOptions::default() }).expect("run");
    let text = std::fs::read_to_string(&f).expect("read");
    assert!(text.contains("servers = 4\n"), "tiny.toml changed");
    let edited = d.join("tiny-3.toml");
    std::fs::write(&edited, text.replace("servers = 4\n", "servers = 3\n")).expect("write");
    let r = &ran.records[1];
    assert_eq!((r.point, r.replication), (0, 1));
    assert_eq!(replay(&edited, r.seed), r.measures, "point servers=3 seed {}", r.seed);
    // Without axes the file is run as written.
    let plan = sweep::load_plan(&f, &Settings { seeds: 1, ..Settings::default() }).expect("plan");
    let ran = sweep::run(&plan, &RunOptions { threads: Some(1), ..RunOptions::default() }).expect("run");
    assert_eq!(replay(&f, ran.records[0].seed), ran.records[0].measures);
}

fn sweep_error(f: &Path, sets: &[&str]) -> String {
    let e = run_sweep(&args(f, &f.with_extension("out"), 2, sets)).expect_err("a bad --set");
    assert_eq!(e.code, 2, "{}", e.message);
    e.message
}

#[test]
fn a_bad_set_is_a_clear_error() {
    let d = temp_dir("bad-set");
    let f = mm1(&d, "60s", "5s");
    let cases: [(&[&str], &[&str]); 8] = [
        (&["pops.LAB.servers"], &["--set pops.LAB.servers: expected path=value"]),
        (&["pops.LAB.servers="], &["--set pops.LAB.servers=: an empty value"]),
        (&["pops..servers=1"], &["--set pops..servers=1: an empty key"]),
        (&["pops.LAB.servrs=2"], &["--set pops.LAB.servrs=2: the value 2:", "unknown field `servrs`"]),
        (&["pops.LAB.servers=2,many"], &["--set pops.LAB.servers=2,many: the value many:", "invalid type: string"]),
        (&["scenario.duration.x=1"], &["--set scenario.duration.x=1", "scenario.duration is a string", "not a table"]),
        (&["fault.1.at=10s"], &["--set fault.1.at=10s", "fault is not in the scenario"]),
        (
            &["scenario.duration=20s,40s", "scenario.warmup=10s,30s"],
            &["grid point scenario.duration=20s,scenario.warmup=30s makes the scenario invalid", "warmup"],
        ),
    ];
    for (sets, wants) in cases {
        let message = sweep_error(&f, sets);
        for want in wants {
            assert!(message.contains(want), "{sets:?}: {message:?} lacks {want:?}");
        }
    }
    assert!(sweep_error(&f, &["a=1", "a=2"]).contains("overlaps --set a=1"));
    // Zero seeds or threads are usage errors.
    let mut a = args(&f, &d.join("out"), 0, &[]);
    assert!(run_sweep(&a).expect_err("no seeds").message.contains("--seeds 0"));
    a.seeds = 2;
    a.threads = Some(0);
    assert!(run_sweep(&a).expect_err("no threads").message.contains("--threads 0"));
    // An unreadable scenario names the file.
    let e = run_sweep(&args(&d.join("nope.toml"), &d.join("out"), 2, &[])).expect_err("missing file");
    assert!(e.code == 2 && e.message.contains("nope.toml"), "{}", e.message);
}

#[test]
fn a_sweep_estimated_past_max_events_is_refused_before_any_run() {
    let d = temp_dir("max-events");
    // 30 s at 50/s is a few thousand events, 20 min over a hundred thousand:
    // both past a budget of 1,000, so the sweep is refused (exit 2) with
    // each point's estimate and the flag, and nothing is written.
    let f = mm1(&d, "30s", "5s");
    let mut a = args(&f, &d.join("out"), 2, &["scenario.duration=30s,20m"]);
    a.max_events = Some(1000);
    let e = run_sweep(&a).expect_err("refused");
    assert_eq!(e.code, 2, "{}", e.message);
    assert_eq!(e.message.matches("--max-events").count(), 2, "{}", e.message);
    assert!(e.message.ends_with("nothing was run"), "{}", e.message);
    assert!(!d.join("out/sweep.json").exists());
    a.max_events = Some(1_000_000);
    assert_eq!(run_sweep(&a), Ok(0));
    let json: serde_json::Value = serde_json::from_slice(&read(&d.join("out/sweep.json"))).expect("sweep.json");
    assert_eq!(json["errors"], 0);
}

#[test]
fn t_quantiles_match_known_values() {
    use edgesim::sweep::stats::t_quantile;
    for (df, want) in [(9.0, 2.262), (29.0, 2.045), (f64::INFINITY, 1.960), (1.0, 12.706), (4.0, 2.776)] {
        let got = t_quantile(0.975, df);
        assert!((got - want).abs() < 5e-4, "t(0.975, {df}) = {got}, want {want}");
    }
    assert!((t_quantile(0.975, 1e6) - 1.959_966).abs() < 1e-6);
}

/// The 95% t interval of the mean wait covers the M/M/1 value in about 95%
/// of independent sweeps, and not in all of them.
///
/// The numbers: lambda = 50/s and mu = 100/s give Wq = rho / (mu - lambda)
/// = 10 ms. A run's mean wait is a ratio estimator with a bias of order
/// 1/T (requests still waiting at the end are left out): measured over 400
/// replications, about -0.11 ms at T = 50 s and -0.02 ms at T = 290 s, with
/// a run-to-run sd of 1.0 ms and 0.42 ms. The warm-up bias is negligible
/// (the queue relaxes in well under a second; 0 s and 10 s of warm-up gave
/// the same means), so 10 s is plenty. With 20 replications the interval's
/// half-width is t(0.975, 19) sd / sqrt(20), about 0.47 sd: at T = 180 s
/// (sd about 0.55 ms) that is 0.26 ms, against a bias of about 0.03 ms, a
/// shift of about 0.25 standard errors, which lowers the coverage from 95%
/// to about 94.5%. 120 sweeps of 20 replications of 190 s at 50/s are
/// 23 M simulated requests, about 7 s on two cores.
///
/// The band: at 94.5% the count of covering sweeps is 113.4 +/- 2.5; below
/// 102 (85%) is 4.5 sd away, and all 120 has probability 0.945^120 = 0.1%,
/// so the test also fails an interval that is much too wide (one built from
/// sd rather than sd / sqrt(n), or from z = 1.96 with a much larger
/// multiplier, covers every time).
#[test]
fn the_t_interval_covers_the_mm1_mean_wait() {
    let started = Instant::now();
    let d = temp_dir("coverage");
    let f = mm1(&d, "190s", "10s");
    let (lambda, mu) = (50.0, 100.0);
    let wq_ms = (lambda / mu) / (mu - lambda) * 1e3;
    let sweeps: u32 = 120;
    let mut covered = 0u32;
    let mut widths = 0.0;
    for master in 1..=sweeps {
        let settings = Settings { seeds: 20, master_seed: Some(u64::from(master)), ..Settings::default() };
        let plan = sweep::load_plan(&f, &settings).expect("plan");
        let ran = sweep::run(&plan, &RunOptions { threads: Some(2), ..RunOptions::default() }).expect("run");
        let report = sweep::report(&plan.spec, &ran.records).expect("report");
        let point = &report.points[0];
        assert!(point.expectations[0].text.starts_with("mean_wait"), "expect1 is the mean wait");
        let w = &point.measures["expect1.observed"];
        assert_eq!((w.n, w.missing), (20, 0));
        let (lo, hi) = (w.ci_low.expect("ci"), w.ci_high.expect("ci"));
        widths += hi - lo;
        if lo <= wq_ms && wq_ms <= hi {
            covered += 1;
        }
    }
    let share = f64::from(covered) / f64::from(sweeps);
    eprintln!(
        "coverage {covered}/{sweeps} = {share:.3}, mean width {:.3} ms, {:.2}s",
        widths / f64::from(sweeps),
        started.elapsed().as_secs_f64()
    );
    assert!((0.85..1.0).contains(&share), "the 95% t interval covered Wq = {wq_ms} ms in {covered} of {sweeps} sweeps");
}

/// The flags as the binary parses them: every one reaches the part file
/// a shard writes (its spec, its shard and its thread count), --quiet
/// prints nothing, and the part goes to results/NAME-sweep/ without --out.
#[test]
fn the_flags_parse_as_given() {
    let d = temp_dir("flags");
    let f = mm1(&d, "30s", "5s");
    let sets = ["pops.LAB.servers=1,2", "scenario.warmup=5s"];
    let flags = [
        "--seeds",
        "7",
        "--set",
        sets[0],
        "--set",
        sets[1],
        "--shard",
        "2/3",
        "--threads",
        "2",
        "--max-events",
        "1000000",
        "--seed",
        "9",
        "-q",
    ];
    let out = bin().current_dir(&d).arg("sweep").arg(&f).args(flags).output().expect("run edgesim");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty() && out.stderr.is_empty(), "-q printed something");
    let name = edgesim::scenario::load(&f).expect("scenario").name().to_string();
    let part = sweep::shard::read_part(&d.join(format!("results/{name}-sweep/part-2-of-3.json"))).expect("part");
    assert_eq!((part.shard, part.run.threads), (Shard { k: 2, n: 3 }, 2));
    let spec = &part.spec;
    assert_eq!((spec.seeds, spec.axes.len(), spec.master_seed, spec.max_events), (7, 2, 9, Some(1_000_000)));
    // 2 points x 7 seeds = 14 jobs; shard 2 of 3 owns jobs 1, 4, 7, 10, 13.
    let jobs: Vec<usize> = part.records.iter().map(|r| r.job).collect();
    assert_eq!(jobs, (0..14).filter(|j| j % 3 == 1).collect::<Vec<_>>());

    // Without --seeds, 100 seeds: the heading says so (one run, in shard 1 of 100).
    let out = bin()
        .arg("sweep")
        .arg(&f)
        .args(["--shard", "1/100", "--out"])
        .arg(d.join("defaults"))
        .output()
        .expect("run edgesim");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("(1 point x 100 seeds = 100 runs, shard 1/100: 1 runs"), "{stdout}");

    let e = run_sweep(&SweepArgs { shard: Some(Shard { k: 4, n: 3 }), ..args(&f, &d.join("x"), 2, &[]) })
        .expect_err("bad shard");
    assert!(e.code == 2 && e.message.contains("expected K/N"), "{}", e.message);
    let e = edgesim("merge", &[]).expect_err("merge needs parts");
    assert!(e.code == 2 && e.message.contains("<PART|DIR>"), "{}", e.message);
    let help = |cmd: &str| {
        let out = bin().args([cmd, "--help"]).output().expect("run edgesim");
        assert!(out.status.success(), "{cmd} --help");
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(help("sweep").contains("edgesim sweep scenarios/pop-failure.toml --seeds 50"));
    assert!(help("merge").contains("edgesim merge"));
}
