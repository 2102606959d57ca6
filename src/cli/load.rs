//! The scenario files a command is given: folders expanded to the *.toml
//! files under them, each file taken once, every scenario loaded and
//! resolved before any runs; and the checks on output paths made before
//! any run (a file path that is a folder, a file's missing folder).

use super::failure::{input_error, output_error, Failure};
use edgesim::report::outputs::OutputsPlan;
use edgesim::Prepared;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// A scenario file, resolved and ready to run.
pub struct Loaded {
    /// The file as given (or found under a folder given).
    pub path: PathBuf,
    /// The scenario, resolved (seed replaced if asked).
    pub prepared: Prepared,
}

impl Loaded {
    /// The scenario's name (its results folder's and baseline's name).
    pub fn name(&self) -> &str {
        self.prepared.scenario.name()
    }
}

/// Every scenario file the arguments name: files as given, folders as every
/// *.toml under them (recursively, sorted by path). A file given or reached
/// twice (same canonical path) is taken once, where it first came.
pub fn expand(args: &[PathBuf]) -> Result<Vec<PathBuf>, Failure> {
    let mut files = Vec::new();
    for arg in args {
        let meta = fs::metadata(arg)
            .map_err(|e| input_error(format!("{}: no such scenario file or folder ({e})", arg.display())))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            let mut seen = Vec::new();
            collect_toml(arg, &mut found, &mut seen)?;
            if found.is_empty() {
                return Err(input_error(format!("{}: no *.toml scenario file under this folder", arg.display())));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(arg.clone());
        }
    }
    Ok(once_each(files))
}

/// The files without the ones met before (by canonical path; a file that
/// cannot be resolved is kept, for loading it to name the problem).
fn once_each(files: Vec<PathBuf>) -> Vec<PathBuf> {
    let mut seen = std::collections::BTreeSet::new();
    files.into_iter().filter(|f| fs::canonicalize(f).map_or(true, |real| seen.insert(real))).collect()
}

fn collect_toml(dir: &Path, found: &mut Vec<PathBuf>, seen: &mut Vec<PathBuf>) -> Result<(), Failure> {
    let cannot = |e: io::Error| input_error(format!("{}: cannot read the folder: {e}", dir.display()));
    // A folder reached twice (through a symbolic link) is read once.
    let real = fs::canonicalize(dir).map_err(cannot)?;
    if seen.contains(&real) {
        return Ok(());
    }
    seen.push(real);
    for entry in fs::read_dir(dir).map_err(cannot)? {
        let path = entry.map_err(cannot)?.path();
        if path.is_dir() {
            collect_toml(&path, found, seen)?;
        } else if path.extension().is_some_and(|x| x == "toml") {
            found.push(path);
        }
    }
    Ok(())
}

/// What the command line replaces in every scenario it runs (`--seed`,
/// `--fidelity`; the same flags for run, check and baseline).
#[derive(clap::Args, Debug, Clone, Copy, Default)]
pub struct Overrides {
    /// Replace the scenario's master seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Simulate every request or flows of rates, replacing the file's `scenario.fidelity`.
    #[arg(long, value_enum)]
    pub fidelity: Option<super::FidelityArg>,
}

impl Overrides {
    /// Replaces in `s` what the flags give.
    pub fn apply(&self, s: &mut edgesim::scenario::Scenario) {
        if let Some(seed) = self.seed {
            s.set_seed(seed);
        }
        if let Some(f) = self.fidelity {
            s.set_fidelity(f.into());
        }
    }
}

/// Loads and resolves every scenario before any runs: one bad file, or two
/// scenarios with one name (their results would collide), is an input error.
pub fn load_all(args: &[PathBuf], overrides: Overrides) -> Result<Vec<Loaded>, Failure> {
    let files = expand(args)?;
    let mut loaded = Vec::new();
    let mut bad = 0;
    for path in &files {
        match edgesim::scenario::load(path).and_then(|mut s| {
            overrides.apply(&mut s);
            edgesim::prepare(s)
        }) {
            Ok(prepared) => loaded.push(Loaded { path: path.clone(), prepared }),
            Err(e) => {
                bad += 1;
                errln!("error: {e}");
            }
        }
    }
    if bad > 0 {
        return Err(input_error(format!("{bad} of {} scenario files are invalid; nothing was run", files.len())));
    }
    for (i, a) in loaded.iter().enumerate() {
        if let Some(b) = loaded[..i].iter().find(|b| b.name() == a.name()) {
            return Err(input_error(format!(
                "{} and {} both name the scenario \"{}\"; their results would collide (each scenario needs its own \
                 name); nothing was run",
                b.path.display(),
                a.path.display(),
                a.name()
            )));
        }
    }
    Ok(loaded)
}

/// Adds a scenario's files to a plan's inputs: the file itself and the
/// catalog CSV it names, if any.
pub fn add_scenario_inputs(plan: &mut OutputsPlan, path: &Path, scenario: &edgesim::scenario::Scenario) {
    plan.input("the scenario file", path);
    if let Some(c) = &scenario.spec.topology.catalog {
        let c = c.get_ref();
        if edgesim::world::catalog::named(c).is_none() && c != "none" {
            plan.input("the catalog file", &scenario.dir.join(c));
        }
    }
}

/// Rejects an output file path that is a folder.
pub fn output_file(flag: &str, path: &Path, example: &str) -> Result<(), Failure> {
    let text = path.to_string_lossy();
    if path.is_dir() || text.ends_with('/') || text.ends_with(std::path::MAIN_SEPARATOR) || path.file_name().is_none() {
        return Err(input_error(format!(
            "{flag} {}: is a folder; give a file path, such as {}",
            path.display(),
            path.join(example).display()
        )));
    }
    Ok(())
}

/// Makes the folder of an output file (after the plan is checked, before any run).
pub fn make_parent(flag: &str, path: &Path) -> Result<(), Failure> {
    if let Some(parent) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .map_err(|e| output_error(format!("{flag} {}: cannot create its folder: {e}", path.display())))?;
    }
    Ok(())
}

/// A path as messages and verdicts name it.
pub fn file_label(p: &Path) -> String {
    p.display().to_string()
}
