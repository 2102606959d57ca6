//! The outputs plan: every path a command reads or writes, checked in one
//! place before anything runs.

use super::*;

// ---------------------------------------------------------------------------
// The plan.

struct Named {
    label: String,
    given: PathBuf,
    real: PathBuf,
}

impl Named {
    fn new(label: &str, given: &Path) -> Named {
        Named { label: label.to_string(), given: given.to_path_buf(), real: resolve(given) }
    }

    fn show(&self) -> String {
        format!("{} {}", self.label, self.given.display())
    }
}

struct Folder {
    at: Named,
    /// Replaced as a whole (a results set) rather than written into.
    replaced: bool,
    /// Flags of output files that may lie directly inside (run's --trace).
    holds: Vec<String>,
    /// Names edgesim writes directly inside.
    reserved: Vec<String>,
    /// Whether inputs directly inside are carried into the new set (merge's parts).
    carries_inputs: bool,
}

/// Every path a command reads and writes, checked together by
/// [`OutputsPlan::check`] before anything runs.
#[derive(Default)]
pub struct OutputsPlan {
    inputs: Vec<Named>,
    files: Vec<Named>,
    folders: Vec<Folder>,
}

impl OutputsPlan {
    /// An empty plan.
    pub fn new() -> Self {
        Self::default()
    }

    /// A file the command reads; `label` names it in messages (such as
    /// `the scenario file`, `--baseline`).
    pub fn input(&mut self, label: &str, path: &Path) -> &mut Self {
        self.inputs.push(Named::new(label, path));
        self
    }

    /// A file the command writes, given by `flag`.
    pub fn file(&mut self, flag: &str, path: &Path) -> &mut Self {
        self.files.push(Named::new(flag, path));
        self
    }

    /// A results folder written as one set ([`ResultsSet`]); `reserved`
    /// are the names edgesim writes in it; output files given by a flag in
    /// `holds` may lie directly inside (they become part of the set).
    pub fn set_folder(&mut self, flag: &str, path: &Path, reserved: &[&str], holds: &[&str]) -> &mut Self {
        self.folders.push(Folder {
            at: Named::new(flag, path),
            replaced: true,
            holds: holds.iter().map(|s| s.to_string()).collect(),
            reserved: reserved.iter().map(|s| s.to_string()).collect(),
            carries_inputs: false,
        });
        self
    }

    /// Like [`OutputsPlan::set_folder`], for `merge`: input files directly
    /// inside (the part files) are carried into the new set.
    pub fn set_folder_carrying_inputs(&mut self, flag: &str, path: &Path, reserved: &[&str]) -> &mut Self {
        self.set_folder(flag, path, reserved, &[]);
        if let Some(f) = self.folders.last_mut() {
            f.carries_inputs = true;
        }
        self
    }

    /// A folder written into but not replaced (check's --out, which holds
    /// each scenario's set and index.html); `reserved` are the names
    /// edgesim writes directly inside.
    pub fn container(&mut self, flag: &str, path: &Path, reserved: &[&str]) -> &mut Self {
        self.folders.push(Folder {
            at: Named::new(flag, path),
            replaced: false,
            holds: Vec::new(),
            reserved: reserved.iter().map(|s| s.to_string()).collect(),
            carries_inputs: false,
        });
        self
    }

    /// Checks the plan: an output that is an input or another output, a
    /// folder that is or holds an input, an output file inside a folder
    /// replaced as a whole, is an input error naming both paths.
    pub fn check(&self) -> Result<(), OutputError> {
        let clash =
            |a: &Named, b: &Named, why: &str| Err(OutputError::input(format!("{} and {} {why}", a.show(), b.show())));
        for (i, f) in self.files.iter().enumerate() {
            for input in &self.inputs {
                if f.real == input.real {
                    return clash(f, input, "are the same file: an output must not overwrite an input");
                }
            }
            for g in &self.files[..i] {
                if f.real == g.real {
                    return clash(g, f, "are the same file: give each output its own path");
                }
            }
        }
        for (i, d) in self.folders.iter().enumerate() {
            self.check_folder(d)?;
            for e in &self.folders[..i] {
                let nested = within(&d.at.real, &e.at.real) || within(&e.at.real, &d.at.real);
                if nested && (d.replaced || e.replaced) && !(e.replaced ^ d.replaced && d.at.real != e.at.real) {
                    return clash(&e.at, &d.at, "overlap: each results folder needs its own place");
                }
            }
        }
        Ok(())
    }

    fn check_folder(&self, d: &Folder) -> Result<(), OutputError> {
        let at = &d.at;
        for input in &self.inputs {
            let carried = d.carries_inputs && input.real.parent() == Some(at.real.as_path());
            if within(&input.real, &at.real) && !carried {
                let what = if input.real == at.real { "is" } else { "contains" };
                return Err(OutputError::input(format!(
                    "{} {what} {}: results go in a folder of their own, which holds no input; choose another {}",
                    at.show(),
                    input.show(),
                    at.label
                )));
            }
            if within(&at.real, &input.real) && input.real != at.real {
                return Err(OutputError::input(format!("{} lies inside {}: not a folder", at.show(), input.show())));
            }
        }
        for f in &self.files {
            if f.real == at.real {
                return Err(OutputError::input(format!("{} and {} are the same path", f.show(), at.show())));
            }
            if !within(&f.real, &at.real) {
                continue;
            }
            if let Some(name) = d.reserved.iter().find(|n| at.real.join(n) == f.real) {
                return Err(OutputError::input(format!(
                    "{} is {name}, which edgesim writes in {}; give it another name",
                    f.show(),
                    at.show()
                )));
            }
            let direct = f.real.parent() == Some(at.real.as_path());
            if d.replaced && !(direct && d.holds.contains(&f.label)) {
                return Err(OutputError::input(format!(
                    "{} lies inside {}, which each run replaces as a whole; put it elsewhere",
                    f.show(),
                    at.show()
                )));
            }
        }
        Ok(())
    }
}
