//! The scenario-file fuzzer (issue 11: no input crashes, hangs or lies).
//!
//! Generates scenario files (random complete scenarios, hostile mutations
//! of them, and mutations of the shipped files under scenarios/) and runs
//! the real binary on each: `validate FILE`, `run FILE --out TMP --no-charts
//! --quiet`, and now and then `check FILE --out TMP --junit TMP/j.xml
//! --quiet`. Every command must:
//!
//! - exit 0, 1 or 2 (no signal, no other code), and print no "panicked";
//! - on exit 2, print `error: FILE:LINE:COL: ...` or `error: FILE: FIELD...`;
//! - finish within a wall-time limit (else it is killed: a hang);
//! - stay under 2 GiB of address space (`ulimit -v`; an abort is a failure);
//! - leave the input folder as it was (nothing written next to the input)
//!   and write nothing outside `--out` (its working folder stays clean).
//!
//! Also: `validate` and `run` agree on whether the file is valid input,
//! `validate` rejects every non-finite number (`nan`, `inf`), and a run that
//! exits 0 or 1 leaves a summary.json.
//!
//! Budget: `EDGESIM_FUZZ_CASES` (default 1000) cases or `EDGESIM_FUZZ_SECS`
//! (default 60) seconds of wall time, whichever comes first.
//! `EDGESIM_FUZZ_SEED` (a number, or `random`) changes the fixed default
//! seed; `EDGESIM_FUZZ_TIMEOUT` the per-command limit in seconds (default 20).
//! `EDGESIM_FUZZ_CASE=MODE:SEED` replays one case; `EDGESIM_FUZZ_FILE=PATH`
//! checks one file; `EDGESIM_FUZZ_VERBOSE=1` prints a line per case.
//! Failing files are written to target/fuzz-failures/, each with a `.txt`
//! holding the commands, outputs and what failed.

#![cfg(unix)]

mod generate;

use crate::util::{crate_path, is_long_scenario, shipped_scenarios};
use generate::Gen;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Address-space limit of every child, KiB (2 GiB).
const MEMORY_LIMIT_KIB: u64 = 2 * 1024 * 1024;
/// Default wall-time limit of one command, seconds.
const DEFAULT_TIMEOUT_S: u64 = 20;
/// The fixed default seed of the case generator.
const DEFAULT_SEED: u64 = 0x0ED6_E512_F022;

/// How a case's file was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// A random complete scenario, left as generated.
    Structural,
    /// A random complete scenario with hostile edits.
    Hostile,
    /// A shipped scenario file, shortened and mutated line by line.
    Shipped,
}

impl Mode {
    fn from_index(i: u8) -> Mode {
        match i % 3 {
            0 => Mode::Structural,
            1 => Mode::Hostile,
            _ => Mode::Shipped,
        }
    }
    fn index(self) -> u8 {
        match self {
            Mode::Structural => 0,
            Mode::Hostile => 1,
            Mode::Shipped => 2,
        }
    }
}

/// One generated case: the file text and how it was made.
struct Case {
    label: String,
    text: String,
    notes: Vec<String>,
    with_check: bool,
    /// What the edits put in that must be rejected: (what, text it wrote).
    must_reject: generate::MustReject,
    /// Flags added to `run` and `check` (a reproducer's `# flags:` line).
    flags: Vec<String>,
}

/// The shipped scenario files (relative path, text), in
/// [`shipped_scenarios`]' order: case seeds index into this list.
fn shipped() -> Vec<(String, String)> {
    let root = crate_path("");
    let mut out = Vec::new();
    for p in shipped_scenarios().into_iter().filter(|p| !is_long_scenario(p)) {
        if let Ok(text) = fs::read_to_string(&p) {
            let rel = p.strip_prefix(&root).unwrap_or(&p).to_string_lossy().into_owned();
            out.push((rel, text));
        }
    }
    out
}

/// The case of `mode` and `seed`: the same pair always gives the same file.
fn make_case(mode: Mode, seed: u64, shipped: &[(String, String)]) -> Case {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&(seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)).to_le_bytes());
    }
    let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &bytes);
    let mut g = Gen::new(&mut rng);
    let label = format!("{}:{seed}", mode.index());
    let with_check = g.chance(0.125);
    match mode {
        Mode::Structural => {
            let d = generate::structural(&mut g, seed % 100_000, false);
            Case {
                label,
                text: d.render(),
                notes: vec!["structural".into()],
                with_check,
                must_reject: Vec::new(),
                flags: Vec::new(),
            }
        }
        Mode::Hostile => {
            let rich = g.chance(0.7);
            let mut d = generate::structural(&mut g, seed % 100_000, rich);
            let mut notes = vec!["structural + hostile:".to_string()];
            let (log, must_reject) = generate::hostile(&mut g, &mut d);
            notes.extend(log);
            Case { label, text: d.render(), notes, with_check, must_reject, flags: Vec::new() }
        }
        Mode::Shipped => {
            let (path, text) = g.pick(shipped);
            let short = generate::shorten(&mut g, &text);
            let (text, log, must_reject) = generate::mutate_text(&mut g, &short);
            let mut notes = vec![format!("mutation of {path} (shortened to 10s):")];
            notes.extend(log);
            Case { label, text, notes, with_check, must_reject, flags: Vec::new() }
        }
    }
}

/// What one command did.
struct Ran {
    args: Vec<String>,
    code: Option<i32>,
    signal: Option<i32>,
    timed_out: bool,
    stdout: String,
    stderr: String,
}

/// Runs the binary under a 2 GiB address-space limit and a wall-time limit,
/// in `cwd`, with stdout and stderr sent to files under `logs`.
fn run_bounded(args: &[String], cwd: &Path, logs: &Path, limit: Duration) -> Ran {
    let _ = fs::create_dir_all(logs);
    let out_path = logs.join("stdout.txt");
    let err_path = logs.join("stderr.txt");
    let (Ok(out), Ok(err)) = (fs::File::create(&out_path), fs::File::create(&err_path)) else {
        panic!("cannot create the log files under {}", logs.display());
    };
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KIB}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_edgesim"))
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .expect("sh starts");
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        match child.try_wait().expect("wait for the child") {
            Some(s) => break s,
            None if start.elapsed() > limit => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().expect("wait for the killed child");
            }
            None => std::thread::sleep(Duration::from_millis(5)),
        }
    };
    use std::os::unix::process::ExitStatusExt;
    Ran {
        args: args.to_vec(),
        code: status.code(),
        signal: status.signal(),
        timed_out,
        stdout: fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: String::from_utf8_lossy(&fs::read(&err_path).unwrap_or_default()).into_owned(),
    }
}

/// A failed property: a class (for counting) and the details.
#[derive(Debug, Clone)]
struct Failure {
    class: String,
    detail: String,
}

/// Collapses digits so messages that differ only in numbers count as one class.
fn normalise(s: &str) -> String {
    let mut out = String::new();
    let mut last_digit = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            if !last_digit {
                out.push('N');
            }
            last_digit = true;
        } else {
            out.push(c);
            last_digit = false;
        }
    }
    out
}

/// The panic's location and the first words of its message.
fn panic_class(stderr: &str) -> String {
    let line = stderr.lines().find(|l| l.contains("panicked")).unwrap_or("panicked");
    let at = line.split("panicked at ").nth(1).unwrap_or(line).trim_end_matches(':');
    let idx = stderr.lines().position(|l| l.contains("panicked")).unwrap_or(0);
    let msg: String = stderr.lines().nth(idx + 1).unwrap_or("").chars().take(70).collect();
    format!("panic at {at}: {}", normalise(&msg))
}

/// Whether an exit-2 message is the work budget refusing a run (before it
/// starts or while it runs): not an error at a position of the file, but
/// it must name the file and the flag that raises the budget.
fn work_budget_refusal(stderr: &str, file: &str) -> bool {
    stderr.strip_prefix("error: ").and_then(|rest| rest.strip_prefix(file)).is_some_and(|rest| rest.starts_with(": "))
        && (stderr.contains("--max-events") || stderr.contains("--max-memory"))
}

/// Whether an exit-2 message names the file and a position or a field.
fn located(stderr: &str, file: &str) -> bool {
    let Some(rest) = stderr.strip_prefix("error: ") else { return false };
    let Some(rest) = rest.strip_prefix(file) else { return false };
    let Some(rest) = rest.strip_prefix(':') else { return false };
    // file:LINE:COL: message
    let mut parts = rest.splitn(3, ':');
    let (a, b) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if digits(a) && digits(b) {
        return true;
    }
    // file: FIELD...: a key path such as `traffic.rps`, `expect[1].fault` or `[pops.LHR]`.
    let msg = rest.trim_start();
    let word: String = msg.chars().take_while(|c| !c.is_whitespace() && *c != ':').collect();
    let field_chars = word.chars().all(|c| c.is_ascii_alphanumeric() || "_.[]-".contains(c));
    !word.is_empty()
        && field_chars
        && (word.contains('.') || word.starts_with('[') || msg[word.len()..].starts_with(':'))
}

/// Checks one finished command; pushes what failed.
fn judge(ran: &Ran, file: &str, limit: Duration, fails: &mut Vec<Failure>) {
    let cmd = ran.args.first().cloned().unwrap_or_default();
    let detail = |what: &str| {
        format!(
            "{what}\ncommand: edgesim {}\nexit: {:?} signal: {:?}\n--- stderr ---\n{}\n--- stdout (first 2000 bytes) ---\n{}",
            ran.args.join(" "),
            ran.code,
            ran.signal,
            ran.stderr,
            ran.stdout.chars().take(2000).collect::<String>()
        )
    };
    if ran.timed_out {
        let class = format!("hang: {cmd} took longer than {}s", limit.as_secs());
        fails.push(Failure { detail: detail(&class), class });
        return;
    }
    if ran.stderr.contains("panicked") {
        let class = panic_class(&ran.stderr);
        fails.push(Failure { detail: detail(&class), class });
    }
    if let Some(sig) = ran.signal {
        let oom = ran.stderr.contains("memory allocation");
        let class = if oom {
            format!("abort: {cmd} ran out of the 2 GiB address space (signal {sig})")
        } else {
            format!("signal {sig} in {cmd}")
        };
        if !ran.stderr.contains("panicked") || oom {
            fails.push(Failure { detail: detail(&class), class });
        }
        return;
    }
    match ran.code {
        Some(0..=2) => {}
        // A panic exits 101; it is counted above by its message.
        Some(101) if ran.stderr.contains("panicked") => {}
        other => {
            let class = format!("exit {other:?} from {cmd}");
            fails.push(Failure { detail: detail(&class), class });
        }
    }
    if ran.code == Some(2) && !located(&ran.stderr, file) && !work_budget_refusal(&ran.stderr, file) {
        let first: String = ran.stderr.lines().next().unwrap_or("").chars().take(90).collect();
        let class = format!("exit-2 message not located: {}", normalise(&first).replace(file, "FILE"));
        fails.push(Failure { detail: detail(&class), class });
    }
}

/// Whether the TOML text holds a non-finite number (`nan`, `inf`, signed or
/// not) as a value: no field of a scenario means anything by one.
fn has_non_finite(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.split('#').next().unwrap_or("");
        let Some((_, value)) = line.split_once('=') else { return false };
        // Drop quoted strings, then look at the bare words.
        let mut bare = String::new();
        let mut quoted = false;
        for c in value.chars() {
            if c == '"' {
                quoted = !quoted;
                bare.push(' ');
            } else if !quoted {
                bare.push(c);
            }
        }
        bare.split(|c: char| !(c.is_ascii_alphanumeric() || "+-._".contains(c)))
            .any(|w| matches!(w.trim_start_matches(['+', '-']), "nan" | "inf"))
    })
}

/// Names of the entries of a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|r| r.filter_map(|e| e.ok()).map(|e| e.file_name().to_string_lossy().into_owned()).collect())
        .unwrap_or_default();
    v.sort();
    v
}

/// Runs every command on one file in a fresh folder and returns what failed.
fn check_file(case: &Case, work: &Path, limit: Duration) -> (Vec<Failure>, Vec<Ran>) {
    let (text, with_check) = (case.text.as_str(), case.with_check);
    let _ = fs::remove_dir_all(work);
    let input = work.join("in");
    fs::create_dir_all(&input).expect("create the case folder");
    fs::write(input.join("scenario.toml"), text).expect("write the scenario");
    let file = "in/scenario.toml";
    let mut fails = Vec::new();
    let mut ran_all = Vec::new();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let mut commands = vec![s(&["validate", file]), s(&["run", file, "--out", "out/run", "--no-charts", "--quiet"])];
    if with_check {
        commands.push(s(&["check", file, "--out", "out/check", "--junit", "out/check/j.xml", "--quiet"]));
    }
    for args in commands.iter_mut().filter(|a| a[0] != "validate") {
        args.extend(case.flags.iter().cloned());
    }
    for args in commands {
        let ran = run_bounded(&args, work, &work.join("logs"), limit);
        judge(&ran, file, limit, &mut fails);
        let after_in = listing(&input);
        let same = fs::read(input.join("scenario.toml")).map(|b| b == text.as_bytes()).unwrap_or(false);
        if after_in != ["scenario.toml"] || !same {
            let class = format!("{} wrote next to the input", args[0]);
            fails.push(Failure {
                detail: format!("{class}: in/ now holds {after_in:?}, file unchanged: {same}"),
                class,
            });
        }
        let stray: Vec<String> =
            listing(work).into_iter().filter(|n| !["in", "out", "logs"].contains(&n.as_str())).collect();
        if !stray.is_empty() {
            let class = format!("{} wrote outside --out", args[0]);
            fails.push(Failure { detail: format!("{class}: {stray:?} in the working folder"), class });
        }
        if args[0] == "run" && matches!(ran.code, Some(0 | 1)) && !work.join("out/run/summary.json").exists() {
            let class = "run exited 0/1 without out/run/summary.json".to_string();
            fails.push(Failure { detail: class.clone(), class });
        }
        ran_all.push(ran);
    }
    let code = |i: usize| ran_all.get(i).and_then(|r: &Ran| r.code);
    let (v, r) = (code(0), code(1));
    if v == Some(0) && has_non_finite(text) {
        let class = "validate accepts a non-finite number (nan or inf)".to_string();
        let lines: Vec<&str> = text.lines().filter(|l| has_non_finite(l)).collect();
        fails.push(Failure { detail: format!("{class}: {lines:?}; run exited {r:?}"), class });
    }
    if v == Some(0) {
        for (what, needle) in case.must_reject.iter().filter(|(_, n)| text.contains(n.as_str())) {
            let class = format!("validate accepts {what}");
            fails.push(Failure { detail: format!("{class}: `{needle}`; run exited {r:?}"), class });
        }
    }
    let valid = |c: Option<i32>| matches!(c, Some(0 | 1));
    // `validate` judges the file, not the work: a run the budget refuses
    // (`--max-events`, `--max-memory`) is a valid file.
    let refused_for_work = r == Some(2) && work_budget_refusal(&ran_all[1].stderr, file);
    if (valid(v) && r == Some(2) && !refused_for_work) || (v == Some(2) && valid(r)) {
        let class = if v == Some(2) {
            "validate rejects (exit 2) what run accepts".to_string()
        } else {
            let first = ran_all[1].stderr.lines().next().unwrap_or("").replace(file, "FILE");
            format!("validate accepts what run rejects: {}", normalise(&first).chars().take(80).collect::<String>())
        };
        let detail = format!("{class}\nvalidate: {v:?}, run: {r:?}\nrun stderr: {}", ran_all[1].stderr);
        fails.push(Failure { class, detail });
    }
    (fails, ran_all)
}

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).parent().map(Path::to_path_buf).unwrap_or_else(|| crate_path("target"))
}

/// Saves a failing case under target/fuzz-failures/: the file and a report.
fn save_failure(case: &Case, fails: &[Failure], runs: &[Ran]) -> PathBuf {
    let dir = target_dir().join("fuzz-failures");
    let _ = fs::create_dir_all(&dir);
    let stem = case.label.replace(':', "-");
    let path = dir.join(format!("case-{stem}.toml"));
    let _ = fs::write(&path, &case.text);
    let mut report = format!(
        "replay: EDGESIM_FUZZ_CASE={} cargo test --test integration fuzz::generated -- --nocapture\n",
        case.label
    );
    report.push_str(&format!("file: {}\nhow made: {}\n\n", path.display(), case.notes.join("\n  ")));
    for f in fails {
        report.push_str(&format!("== {}\n{}\n\n", f.class, f.detail));
    }
    for r in runs {
        report.push_str(&format!("ran: edgesim {} -> {:?}\n", r.args.join(" "), r.code));
    }
    let _ = fs::write(dir.join(format!("case-{stem}.txt")), report);
    path
}

/// Per-class counts and the first example of each.
#[derive(Default)]
struct Tally {
    cases: u64,
    exits: BTreeMap<String, u64>,
    classes: BTreeMap<String, (u64, String)>,
    first: Option<String>,
}

impl Tally {
    fn record(&mut self, case: &Case, fails: &[Failure], runs: &[Ran]) {
        self.cases += 1;
        let codes: Vec<String> = runs.iter().map(|r| format!("{}={:?}", r.args[0], r.code)).collect();
        *self.exits.entry(codes.join(" ")).or_default() += 1;
        if fails.is_empty() {
            return;
        }
        let path = save_failure(case, fails, runs);
        for f in fails {
            let e = self.classes.entry(f.class.clone()).or_insert((0, path.display().to_string()));
            e.0 += 1;
        }
        if self.first.is_none() {
            self.first = Some(format!(
                "first failing case {} ({}):\n--- file ---\n{}\n--- failures ---\n{}",
                case.label,
                case.notes.join("; "),
                case.text,
                fails.iter().map(|f| f.detail.clone()).collect::<Vec<_>>().join("\n\n")
            ));
        }
    }

    fn summary(&self, wall: Duration) -> String {
        let mut s = format!("fuzz: {} cases in {:.1}s\nexit codes seen:\n", self.cases, wall.as_secs_f64());
        for (k, n) in &self.exits {
            s.push_str(&format!("  {n:5}  {k}\n"));
        }
        s.push_str(&format!("failure classes: {}\n", self.classes.len()));
        for (k, (n, ex)) in &self.classes {
            s.push_str(&format!("  {n:5}  {k}\n         e.g. {ex}\n"));
        }
        s
    }
}

fn limit() -> Duration {
    Duration::from_secs(env_u64("EDGESIM_FUZZ_TIMEOUT").unwrap_or(DEFAULT_TIMEOUT_S))
}

fn seed_bytes() -> ([u8; 32], String) {
    let seed = match std::env::var("EDGESIM_FUZZ_SEED").ok().as_deref() {
        Some("random") => {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1)
        }
        Some(v) => v.trim().parse().unwrap_or(DEFAULT_SEED),
        None => DEFAULT_SEED,
    };
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&seed.rotate_left(i as u32 * 16).to_le_bytes());
    }
    (bytes, format!("EDGESIM_FUZZ_SEED={seed}"))
}

#[test]
fn generated_scenarios_never_crash_hang_or_write_beside_the_input() {
    let shipped = shipped();
    assert!(!shipped.is_empty(), "no shipped scenarios found");
    let limit = limit();
    let work_root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-{}", std::process::id()));
    let tally = RefCell::new(Tally::default());
    let started = Instant::now();

    // One file given by path, or one case replayed.
    if let Ok(path) = std::env::var("EDGESIM_FUZZ_FILE") {
        let text = fs::read_to_string(&path).expect("EDGESIM_FUZZ_FILE is readable");
        let case = Case {
            label: "file:0".into(),
            text,
            notes: vec![path],
            with_check: true,
            must_reject: Vec::new(),
            flags: Vec::new(),
        };
        let (fails, runs) = check_file(&case, &work_root.join("file"), limit);
        tally.borrow_mut().record(&case, &fails, &runs);
    } else if let Some((m, s)) = std::env::var("EDGESIM_FUZZ_CASE").ok().and_then(|v| {
        let (m, s) = v.split_once(':')?;
        Some((m.parse::<u8>().ok()?, s.parse::<u64>().ok()?))
    }) {
        let case = make_case(Mode::from_index(m), s, &shipped);
        eprintln!("case {}:\n{}", case.label, case.text);
        let (fails, runs) = check_file(&case, &work_root.join("replay"), limit);
        tally.borrow_mut().record(&case, &fails, &runs);
    } else {
        let cases = env_u64("EDGESIM_FUZZ_CASES").or_else(|| env_u64("PROPTEST_CASES")).unwrap_or(1000);
        let secs = env_u64("EDGESIM_FUZZ_SECS").unwrap_or(60);
        let budget = Duration::from_secs(secs);
        let verbose = std::env::var("EDGESIM_FUZZ_VERBOSE").is_ok_and(|v| v != "0");
        let (bytes, seed_note) = seed_bytes();
        eprintln!("fuzz: up to {cases} cases or {secs}s, {seed_note}");
        let config =
            Config { cases: cases.min(u32::MAX as u64) as u32, failure_persistence: None, ..Config::default() };
        let mut runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes));
        // Mode weights: structural 3, hostile 4, shipped mutations 3 (of 10).
        let strategy = (0u8..10, any::<u64>()).prop_map(|(w, seed)| {
            let mode = match w {
                0..=2 => Mode::Structural,
                3..=6 => Mode::Hostile,
                _ => Mode::Shipped,
            };
            (mode, seed)
        });
        // Failures are collected, not returned, so that one run reports every
        // class (a shrunk u64 seed would only be another random case).
        let result = runner.run(&strategy, |(mode, seed)| {
            if started.elapsed() > budget {
                return Ok(());
            }
            let case = make_case(mode, seed, &shipped);
            let (fails, runs) = check_file(&case, &work_root.join("case"), limit);
            if verbose {
                let codes: Vec<String> = runs.iter().map(|r| format!("{}={:?}", r.args[0], r.code)).collect();
                let err = runs.iter().map(|r| r.stderr.lines().next().unwrap_or("")).find(|l| !l.is_empty());
                eprintln!("case {} [{}] {} {}", case.label, case.notes[0], codes.join(" "), err.unwrap_or(""));
            }
            tally.borrow_mut().record(&case, &fails, &runs);
            Ok(())
        });
        result.expect("the property closure never fails itself");
    }
    let _ = fs::remove_dir_all(&work_root);
    let tally = tally.into_inner();
    let summary = tally.summary(started.elapsed());
    eprintln!("{summary}");
    let _ = fs::create_dir_all(target_dir().join("fuzz-failures"));
    let _ = fs::write(target_dir().join("fuzz-failures/summary.txt"), &summary);
    assert!(tally.cases > 0, "no case ran");
    if let Some(first) = tally.first {
        panic!("{summary}\n{first}\n\nEvery failing file is under {}", target_dir().join("fuzz-failures").display());
    }
}

/// What a reproducer declares must be rejected: each line
/// `# must-reject: TEXT` says that the file holds TEXT and validate must refuse it.
fn declared_rejects(text: &str) -> generate::MustReject {
    text.lines()
        .filter_map(|l| l.strip_prefix("# must-reject: "))
        .map(|needle| (format!("`{needle}`"), needle.trim().to_string()))
        .collect()
}

/// Flags a reproducer asks for on `run` and `check` (`# flags: --max-events
/// 22000000`): a budget stop reached in seconds, not at the default budget.
fn declared_flags(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# flags: "))
        .flat_map(|f| f.split_whitespace())
        .map(String::from)
        .collect()
}

/// The minimal reproducers of the failure classes found so far
/// (tests/fuzz/repro/*.toml): each must pass the same checks.
#[test]
fn reproducers_pass_every_check() {
    let dir = crate_path("tests/fuzz/repro");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .map(|r| {
            r.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect()
        })
        .unwrap_or_default();
    files.sort();
    let limit = limit();
    let work_root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-repro-{}", std::process::id()));
    let mut failed = Vec::new();
    for f in &files {
        let text = fs::read_to_string(f).expect("read a reproducer");
        let must_reject = declared_rejects(&text);
        let flags = declared_flags(&text);
        let case = Case { label: "repro:0".into(), text, notes: Vec::new(), with_check: false, must_reject, flags };
        let (fails, _) = check_file(&case, &work_root.join("case"), limit);
        for x in fails {
            failed.push(format!("{}: {}", f.file_name().unwrap_or_default().to_string_lossy(), x.class));
        }
    }
    let _ = fs::remove_dir_all(&work_root);
    let files_failing: std::collections::BTreeSet<&str> = failed.iter().filter_map(|f| f.split(':').next()).collect();
    assert!(
        failed.is_empty(),
        "{} of {} reproducers still fail ({} failures):\n{}",
        files_failing.len(),
        files.len(),
        failed.len(),
        failed.join("\n")
    );
}
