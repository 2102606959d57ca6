//! Tests of the outputs plan, markers, results sets and printing.

use super::set::{exchange, unsupported};
use super::*;

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("edgesim-outputs-{}-{tag}", std::process::id()));
    let _ = fs::remove_dir_all(&d);
    fs::create_dir_all(&d).expect("temp dir");
    d
}

#[test]
fn paths_that_do_not_exist_resolve_through_dot_dot() {
    let d = temp("resolve");
    let a = resolve(&d.join("out/../out/v.xml"));
    assert_eq!(a, resolve(&d.join("out/v.xml")));
    assert_eq!(a, fs::canonicalize(&d).expect("canonical").join("out/v.xml"));
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn the_plan_refuses_outputs_on_inputs_and_on_each_other() {
    let d = temp("plan");
    let sc = d.join("x.toml");
    fs::write(&sc, "x").expect("write");
    let mut p = OutputsPlan::new();
    p.input("the scenario file", &sc).file("--trace", &d.join("./x.toml"));
    let e = p.check().expect_err("trace on the scenario");
    assert!(e.message.contains("--trace") && e.message.contains("the scenario file") && e.code == 2, "{e}");
    let mut p = OutputsPlan::new();
    p.file("--junit", &d.join("out/v.xml")).file("--json", &d.join("out/../out/v.xml"));
    let e = p.check().expect_err("junit = json");
    assert!(e.message.contains("--junit") && e.message.contains("--json"), "{e}");
    let mut p = OutputsPlan::new();
    p.input("the scenario file", &sc).set_folder("--out", &d, &[], &[]);
    assert!(p.check().expect_err("out holds the scenario").message.contains("contains"));
    let mut p = OutputsPlan::new();
    p.set_folder("--out", &d.join("r"), &["summary.json"], &["--trace"]).file("--trace", &d.join("r/t.jsonl"));
    assert!(p.check().is_ok());
    p.file("--junit", &d.join("r/summary.json"));
    assert!(p.check().is_err());
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn a_set_replaces_the_folder_whole_and_never_a_foreign_one() {
    let d = temp("set");
    let target = d.join("r");
    let set = ResultsSet::begin("--out", &target, "run", "one", &|_| false).expect("begin");
    set.write("a.txt", b"1").expect("write");
    assert_eq!(set.commit(&|| false), Ok(Committed::Complete));
    let m = read_marker(&target).expect("marker").expect("present");
    assert_eq!((m.scenario.as_str(), m.files.len()), ("one", 1));
    verify_listed(&target, &m, "a.txt").expect("listed");
    // A second set replaces the first whole.
    let set = ResultsSet::begin("--out", &target, "run", "two", &|_| false).expect("begin");
    assert_eq!(set.previous().describe(), "the previous run of one (edgesim run)");
    set.write("b.txt", b"2").expect("write");
    drop(set);
    assert!(target.join("a.txt").exists(), "dropped: left as it was");
    let set = ResultsSet::begin("--out", &target, "run", "two", &|_| false).expect("begin");
    set.write("b.txt", b"2").expect("write");
    assert_eq!(set.commit(&|| false), Ok(Committed::Complete));
    assert!(!target.join("a.txt").exists() && target.join("b.txt").exists());
    // A changed file fails verification.
    fs::write(target.join("b.txt"), b"22").expect("edit");
    let m = read_marker(&target).expect("marker").expect("present");
    assert!(verify_listed(&target, &m, "b.txt").expect_err("changed").contains("truncated or changed"));
    // A foreign file is never replaced.
    fs::write(target.join("notes.txt"), b"mine").expect("write");
    let e = ResultsSet::begin("--out", &target, "run", "three", &|_| false).err().expect("refused");
    assert!(e.code == 2 && e.message.contains("notes.txt"), "{e}");
    let e = inspect("--out", Path::new("."), &|_| false).expect_err("the current folder");
    assert!(e.message.contains("current folder"), "{e}");
    let user = d.join("user");
    fs::create_dir_all(&user).expect("dir");
    fs::write(user.join("thesis.tex"), b"x").expect("write");
    let e = ResultsSet::begin("--out", &user, "run", "x", &|_| false).err().expect("refused");
    assert!(e.message.contains("not an edgesim results folder"), "{e}");
    assert!(user.join("thesis.tex").exists());
    let names: Vec<String> =
        fs::read_dir(&d).expect("list").map(|e| e.expect("entry").file_name().to_string_lossy().into()).collect();
    assert!(names.iter().all(|n| !n.starts_with('.')), "leftovers: {names:?}");
    let _ = fs::remove_dir_all(&d);
}

#[cfg(target_os = "linux")]
#[test]
fn exchange_swaps_two_folders_where_the_file_system_has_it() {
    let d = temp("exchange");
    let (a, b) = (d.join("a"), d.join("b"));
    fs::create_dir_all(&a).expect("dir");
    fs::create_dir_all(&b).expect("dir");
    fs::write(a.join("x"), b"a").expect("write");
    fs::write(b.join("x"), b"b").expect("write");
    match exchange(&a, &b) {
        Ok(()) => {
            assert_eq!(fs::read(a.join("x")).expect("read"), b"b");
            assert_eq!(fs::read(b.join("x")).expect("read"), b"a");
        }
        Err(e) => assert!(unsupported(&e), "{e}"),
    }
    let _ = fs::remove_dir_all(&d);
}

#[test]
fn a_leftover_aside_folder_is_restored() {
    let d = temp("recover");
    let target = d.join("r");
    // Leftovers of dead processes (pids above Linux's largest, 4194304, are never alive).
    let aside = d.join(".r.edgesim-old-4194400");
    fs::create_dir_all(&aside).expect("dir");
    fs::write(aside.join("x"), b"old").expect("write");
    let stale = d.join(".r.edgesim-new-4194401");
    fs::create_dir_all(&stale).expect("dir");
    assert!(recover(&target).is_some());
    assert_eq!(fs::read(target.join("x")).expect("restored"), b"old");
    assert!(!stale.exists() && !aside.exists());
    let _ = fs::remove_dir_all(&d);
}
