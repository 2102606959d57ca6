//! Outputs that can never destroy an input or mix runs.
//!
//! - [`OutputsPlan`]: every path a command reads or writes, checked in one
//!   place before anything runs: an output that is an input, or another
//!   output, or a results folder that holds an input, is refused (exit 2).
//! - [`ResultsSet`]: a results folder written as one set. Everything goes
//!   into a fresh hidden sibling folder, `.<name>.edgesim-new-<pid>`, with
//!   a marker file [`MARKER`] listing every file (size and FNV-1a hash);
//!   then the fresh folder is swapped in (Linux `renameat2`
//!   `RENAME_EXCHANGE` where the file system has it; elsewhere rename the
//!   old folder aside to `.<name>.edgesim-old-<pid>`, rename the new one in,
//!   remove the old; a leftover is recovered on the next run). After a
//!   kill, Ctrl-C or a full disk the folder is the old set or the new one.
//!   A non-empty folder without a valid marker, or holding files its marker
//!   does not list, is never replaced.
//! - [`print`]: stdout that never panics and records its first error
//!   (a closed pipe, a full disk), for exit code [`EXIT_OUTPUT`].

use super::files::write_atomic;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

/// Exit code: an output could not be written (disk full, permission
/// denied, or stdout closed).
pub const EXIT_OUTPUT: u8 = 3;
/// Exit code: invalid input or usage.
pub const EXIT_INPUT: u8 = 2;

/// The marker file in every results folder.
pub const MARKER: &str = "edgesim-results.json";
/// The marker's `kind`.
pub const MARKER_KIND: &str = "edgesim-results";
/// The marker's layout version.
pub const MARKER_SCHEMA_VERSION: u32 = 1;

/// Set by tests to stop before the swap: the path of a file to create there.
const HOLD_ENV: &str = "EDGESIM_TEST_HOLD_BEFORE_SWAP";
/// Set by tests to stop between renaming the old folder aside and the new one in.
const HOLD_ASIDE_ENV: &str = "EDGESIM_TEST_HOLD_AFTER_ASIDE";
/// Set by tests to use rename-aside even where RENAME_EXCHANGE works.
const NO_EXCHANGE_ENV: &str = "EDGESIM_TEST_NO_EXCHANGE";

/// A failure to plan or write outputs: exit 2 (input, usage) or 3 (write).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputError {
    /// [`EXIT_INPUT`] or [`EXIT_OUTPUT`].
    pub code: u8,
    /// What went wrong, naming the path and flag.
    pub message: String,
}

impl OutputError {
    /// An input or usage error (exit 2).
    pub fn input(message: impl Into<String>) -> Self {
        OutputError { code: EXIT_INPUT, message: message.into() }
    }

    /// A write error (exit 3).
    pub fn write(message: impl Into<String>) -> Self {
        OutputError { code: EXIT_OUTPUT, message: message.into() }
    }
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

// ---------------------------------------------------------------------------
// Paths.

/// The absolute, symlink-free form of `p`, for paths that do not exist yet
/// too: the longest existing ancestor is canonicalised, the rest is joined
/// with `.` and `..` resolved.
pub fn resolve(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().unwrap_or_default().join(p) };
    let comps: Vec<Component> = abs.components().collect();
    for i in (1..=comps.len()).rev() {
        let prefix: PathBuf = comps[..i].iter().collect();
        if let Ok(mut out) = fs::canonicalize(&prefix) {
            for c in &comps[i..] {
                match c {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::Normal(x) => out.push(x),
                    _ => {}
                }
            }
            return out;
        }
    }
    abs
}

/// Whether `inner` is `outer` or below it (both resolved).
fn within(inner: &Path, outer: &Path) -> bool {
    inner.starts_with(outer)
}

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

// ---------------------------------------------------------------------------
// The marker.

/// One file of a results set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedFile {
    /// Its name in the folder.
    pub name: String,
    /// Its size, bytes (null for a file of wall-clock figures, [`VOLATILE`]).
    pub bytes: Option<u64>,
    /// FNV-1a 64 of its bytes, 16 hex digits (null as `bytes`).
    pub fnv1a64: Option<String>,
}

/// Files of wall-clock figures: listed by name only, so that the same
/// results give the same marker, byte for byte.
pub const VOLATILE: [&str; 2] = ["run.json", "sweep-run.json"];

/// `edgesim-results.json`: what wrote a results folder and every file in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    /// Always [`MARKER_KIND`].
    pub kind: String,
    /// [`MARKER_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The edgesim version that wrote the folder.
    pub edgesim_version: String,
    /// The command: run, check, baseline, sweep, merge (plot keeps the run's).
    pub command: String,
    /// The scenario's name (baseline: the names, comma-separated).
    pub scenario: String,
    /// Every file but the marker, by name.
    pub files: Vec<ListedFile>,
}

impl Marker {
    /// How a message names the set: `the previous run of X (edgesim run)`.
    pub fn describe(&self) -> String {
        format!("the previous {} of {}", if self.command == "baseline" { "baselines" } else { "run" }, self.scenario)
            + &format!(" (edgesim {})", self.command)
    }

    /// The listed file called `name`.
    pub fn file(&self, name: &str) -> Option<&ListedFile> {
        self.files.iter().find(|f| f.name == name)
    }
}

/// FNV-1a 64 of a file's bytes, as 16 hex digits.
fn fnv1a64(bytes: &[u8]) -> String {
    let h = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3));
    format!("{h:016x}")
}

/// Reads and checks `dir`'s marker: None when there is none; an error
/// naming the file when it is not one edgesim wrote.
pub fn read_marker(dir: &Path) -> Result<Option<Marker>, String> {
    let path = dir.join(MARKER);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: cannot read: {e}", path.display())),
    };
    let v: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not an edgesim results marker (not JSON: {e})", path.display()))?;
    if v.get("kind").and_then(|k| k.as_str()) != Some(MARKER_KIND) {
        return Err(format!(
            "{}: not an edgesim results marker (expected \"kind\": \"{MARKER_KIND}\")",
            path.display()
        ));
    }
    let version = v.get("schema_version").and_then(|k| k.as_u64());
    if version != Some(u64::from(MARKER_SCHEMA_VERSION)) {
        return Err(format!(
            "{}: marker layout version {} but this edgesim reads version {MARKER_SCHEMA_VERSION}",
            path.display(),
            version.map_or("unknown".to_string(), |v| v.to_string())
        ));
    }
    serde_json::from_value(v).map(Some).map_err(|e| format!("{}: malformed marker: {e}", path.display()))
}

/// Checks that `dir/name` is the file its marker lists (same size and
/// hash): a truncated, edited or foreign file is an error naming it.
pub fn verify_listed(dir: &Path, marker: &Marker, name: &str) -> Result<Vec<u8>, String> {
    let path = dir.join(name);
    let listed = marker.file(name).ok_or_else(|| {
        format!("{}: not listed in {} (edgesim did not write it there)", path.display(), dir.join(MARKER).display())
    })?;
    let bytes = fs::read(&path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    let (Some(size), Some(hash)) = (listed.bytes, &listed.fnv1a64) else { return Ok(bytes) };
    if bytes.len() as u64 != size || &fnv1a64(&bytes) != hash {
        return Err(format!(
            "{}: {} bytes with hash {}, but {} lists {} bytes with hash {}: the file was truncated or changed \
             after edgesim wrote it",
            path.display(),
            bytes.len(),
            fnv1a64(&bytes),
            MARKER,
            size,
            hash
        ));
    }
    Ok(bytes)
}

// ---------------------------------------------------------------------------
// Leftovers of an interrupted swap.

fn leftover_name(target: &Path, what: &str, pid: u32) -> Option<PathBuf> {
    let name = target.file_name()?.to_string_lossy().to_string();
    Some(target.with_file_name(format!(".{name}.edgesim-{what}-{pid}")))
}

#[cfg(unix)]
fn alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else { return false };
    // SAFETY: kill with signal 0 only checks that the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn alive(_pid: u32) -> bool {
    true
}

/// Cleans up after an earlier edgesim that was killed while it replaced
/// `target`: if `target` is gone but its old set was renamed aside, the old
/// set is put back; leftovers of dead processes are removed. Returns a note
/// for the user when something was restored.
pub fn recover(target: &Path) -> Option<String> {
    let name = target.file_name()?.to_string_lossy().to_string();
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let prefix = format!(".{name}.edgesim-");
    let mut note = None;
    let Ok(entries) = fs::read_dir(parent) else { return None };
    let mut found: Vec<(String, u32, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().to_string();
            let rest = n.strip_prefix(&prefix)?;
            let (what, pid) = rest.split_once('-')?;
            let pid: u32 = pid.parse().ok()?;
            ((what == "new" || what == "old") && pid != std::process::id() && !alive(pid))
                .then(|| (what.to_string(), pid, e.path()))
        })
        .collect();
    found.sort();
    for (what, _, path) in found {
        if what == "old" && fs::symlink_metadata(target).is_err() && fs::rename(&path, target).is_ok() {
            note = Some(format!(
                "{} was restored: an earlier edgesim was stopped while replacing it; it holds the results from \
                 before that",
                target.display()
            ));
            continue;
        }
        let _ = fs::remove_dir_all(&path);
    }
    note
}

// ---------------------------------------------------------------------------
// A results set.

/// What a results folder held before a new set was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Previous {
    /// Nothing there.
    Absent,
    /// An empty folder.
    Empty,
    /// A folder holding only files that are carried over (merge's parts).
    Carried,
    /// An earlier edgesim results set.
    Results(Marker),
}

impl Previous {
    /// For messages: `the previous run of X (edgesim run)`, `no results (the folder did not exist)`.
    pub fn describe(&self) -> String {
        match self {
            Previous::Absent => "no results (the folder did not exist)".to_string(),
            Previous::Empty => "an empty folder".to_string(),
            Previous::Carried => "the part files it held".to_string(),
            Previous::Results(m) => m.describe(),
        }
    }

    /// The marker of the earlier set, if any.
    pub fn marker(&self) -> Option<&Marker> {
        match self {
            Previous::Results(m) => Some(m),
            _ => None,
        }
    }
}

/// Checks whether `target` may be replaced by a new set: it does not
/// exist, is empty, or is an edgesim results folder whose marker lists
/// every file in it (files for which `keep` is true may be unlisted: they
/// are carried over). Anything else is an input error naming `flag`.
pub fn inspect(flag: &str, target: &Path, keep: &dyn Fn(&str) -> bool) -> Result<Previous, OutputError> {
    let shown = format!("{flag} {}", target.display());
    let real = resolve(target);
    if real.parent().is_none() || std::env::current_dir().is_ok_and(|cwd| within(&resolve(&cwd), &real)) {
        return Err(OutputError::input(format!(
            "{shown}: is the current folder or holds it; a results folder is replaced as a whole, so give it a \
             folder of its own (such as {})",
            target.join("results").display()
        )));
    }
    let meta = match fs::metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Previous::Absent),
        Err(e) => return Err(OutputError::input(format!("{shown}: cannot read: {e}"))),
    };
    if !meta.is_dir() {
        return Err(OutputError::input(format!("{shown}: is a file, not a folder; give a folder for the results")));
    }
    let names: Vec<String> = fs::read_dir(target)
        .map_err(|e| OutputError::input(format!("{shown}: cannot read the folder: {e}")))?
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    if names.is_empty() {
        return Ok(Previous::Empty);
    }
    let marker = read_marker(target).map_err(|e| {
        OutputError::input(format!("{shown}: not replaced, its marker is not edgesim's ({e}); choose another {flag}"))
    })?;
    let listed = |n: &str| n == MARKER || marker.as_ref().is_some_and(|m| m.file(n).is_some());
    let mut foreign: Vec<&String> = names.iter().filter(|n| !listed(n) && !keep(n)).collect();
    foreign.sort();
    if !foreign.is_empty() {
        let shown_names: Vec<&str> = foreign.iter().take(5).map(|s| s.as_str()).collect();
        let more = if foreign.len() > 5 { format!(" and {} more", foreign.len() - 5) } else { String::new() };
        let why = if marker.is_some() {
            format!("it holds {}{more}, which its {MARKER} does not list", shown_names.join(", "))
        } else {
            format!("it is not an edgesim results folder (no {MARKER}; it holds {}{more})", shown_names.join(", "))
        };
        return Err(OutputError::input(format!(
            "{shown}: not replaced: {why}; edgesim replaces only folders it wrote: choose another {flag} or move \
             those files away"
        )));
    }
    Ok(marker.map_or(Previous::Carried, Previous::Results))
}

/// A results folder being written as one set: files go into
/// [`ResultsSet::dir`], a fresh hidden sibling of the target;
/// [`ResultsSet::commit`] swaps it in. Dropped uncommitted, the fresh
/// folder is removed and the target is as it was.
pub struct ResultsSet {
    target: PathBuf,
    real: PathBuf,
    fresh: PathBuf,
    command: String,
    scenario: String,
    previous: Previous,
    done: bool,
}

/// How [`ResultsSet::commit`] ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Committed {
    /// The new set is in place.
    Complete,
    /// Stopped before the swap (Ctrl-C): the target is as it was.
    LeftAsItWas,
}

impl ResultsSet {
    /// Starts a new set for `target` (given by `flag`), written by
    /// `command` for `scenario`. Files in the old set for which `keep` is
    /// true are carried into the new one (hard links, else copies).
    pub fn begin(
        flag: &str,
        target: &Path,
        command: &str,
        scenario: &str,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<ResultsSet, OutputError> {
        if let Some(note) = recover(target) {
            let _ = writeln!(io::stderr(), "note: {note}");
        }
        let previous = inspect(flag, target, keep)?;
        let real = resolve(target);
        let parent = real.parent().map(Path::to_path_buf).unwrap_or_default();
        fs::create_dir_all(&parent)
            .map_err(|e| OutputError::write(format!("{flag} {}: cannot create its folder: {e}", target.display())))?;
        let fresh = leftover_name(&real, "new", std::process::id())
            .ok_or_else(|| OutputError::input(format!("{flag} {}: not a folder path", target.display())))?;
        let _ = fs::remove_dir_all(&fresh);
        let cannot = |e: io::Error| OutputError::write(format!("{flag} {}: cannot write: {e}", target.display()));
        fs::create_dir(&fresh).map_err(cannot)?;
        let set = ResultsSet {
            target: target.to_path_buf(),
            real: real.clone(),
            fresh,
            command: command.to_string(),
            scenario: scenario.to_string(),
            previous,
            done: false,
        };
        if real.is_dir() {
            for e in fs::read_dir(&real).map_err(cannot)?.filter_map(Result::ok) {
                let name = e.file_name().to_string_lossy().to_string();
                if name != MARKER && keep(&name) && e.file_type().is_ok_and(|t| t.is_file()) {
                    let to = set.fresh.join(&name);
                    fs::hard_link(e.path(), &to).or_else(|_| fs::copy(e.path(), &to).map(|_| ())).map_err(cannot)?;
                }
            }
        }
        Ok(set)
    }

    /// The fresh folder the set's files are written into.
    pub fn dir(&self) -> &Path {
        &self.fresh
    }

    /// The results folder as given.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// What the folder held before.
    pub fn previous(&self) -> &Previous {
        &self.previous
    }

    /// Where a file of the fresh folder will be once committed.
    pub fn final_path(&self, p: &Path) -> PathBuf {
        match p.strip_prefix(&self.fresh) {
            Ok(rest) => self.target.join(rest),
            Err(_) => p.to_path_buf(),
        }
    }

    /// Writes `name` into the set; the error (exit 3) names its final path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, OutputError> {
        let path = self.fresh.join(name);
        let mut f = fs::File::create(&path).map_err(|e| self.cannot(name, e))?;
        f.write_all(bytes).map_err(|e| self.cannot(name, e))?;
        Ok(self.target.join(name))
    }

    fn cannot(&self, name: &str, e: io::Error) -> OutputError {
        OutputError::write(format!(
            "cannot write {}: {e}; results left as they were: {}",
            self.target.join(name).display(),
            self.previous.describe()
        ))
    }

    /// Lists every file of the fresh folder in the marker, syncs them,
    /// writes the marker and swaps the set in, unless `stop()` says to stop
    /// (Ctrl-C) before the swap.
    pub fn commit(mut self, stop: &dyn Fn() -> bool) -> Result<Committed, OutputError> {
        let files = self.list_and_sync()?;
        let marker = Marker {
            kind: MARKER_KIND.to_string(),
            schema_version: MARKER_SCHEMA_VERSION,
            edgesim_version: env!("CARGO_PKG_VERSION").to_string(),
            command: self.command.clone(),
            scenario: self.scenario.clone(),
            files,
        };
        let json = serde_json::to_string_pretty(&marker)
            .map_err(|e| OutputError::write(format!("cannot encode {MARKER}: {e}")))?
            + "\n";
        write_atomic(&self.fresh.join(MARKER), json.as_bytes()).map_err(|e| self.cannot(MARKER, e))?;
        sync_dir(&self.fresh);
        hold(HOLD_ENV, stop);
        if stop() {
            return Ok(Committed::LeftAsItWas);
        }
        swap_in(&self.fresh, &self.real, stop).map_err(|e| {
            OutputError::write(format!(
                "cannot put the new results in place at {}: {e}; results left as they were: {}",
                self.target.display(),
                self.previous.describe()
            ))
        })?;
        self.done = true;
        if let Some(parent) = self.real.parent() {
            sync_dir(parent);
        }
        Ok(Committed::Complete)
    }

    fn list_and_sync(&self) -> Result<Vec<ListedFile>, OutputError> {
        let cannot = |e: io::Error| {
            OutputError::write(format!(
                "cannot write {}: {e}; results left as they were: {}",
                self.target.display(),
                self.previous.describe()
            ))
        };
        let mut files = Vec::new();
        for e in fs::read_dir(&self.fresh).map_err(cannot)? {
            let e = e.map_err(cannot)?;
            let name = e.file_name().to_string_lossy().to_string();
            if name == MARKER || name.starts_with('.') || !e.file_type().map_err(cannot)?.is_file() {
                continue;
            }
            let bytes = fs::read(e.path()).map_err(cannot)?;
            fs::File::open(e.path()).and_then(|f| f.sync_all()).map_err(cannot)?;
            let volatile = VOLATILE.contains(&name.as_str());
            let (size, hash) = if volatile { (None, None) } else { (Some(bytes.len() as u64), Some(fnv1a64(&bytes))) };
            files.push(ListedFile { name, bytes: size, fnv1a64: hash });
        }
        files.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(files)
    }
}

impl Drop for ResultsSet {
    fn drop(&mut self) {
        if !self.done {
            let _ = fs::remove_dir_all(&self.fresh);
        }
    }
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// A test hook: when the environment variable `var` names a file, creates
/// it and waits until it is removed or `stop()` is true.
fn hold(var: &str, stop: &dyn Fn() -> bool) {
    let Some(flag) = std::env::var_os(var) else { return };
    if fs::write(&flag, b"held\n").is_err() {
        return;
    }
    while Path::new(&flag).exists() && !stop() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Puts `fresh` in place of `target`: a plain rename when there is no
/// target; else an atomic exchange where the file system has one, else
/// rename-aside, rename-in, remove the old.
fn swap_in(fresh: &Path, target: &Path, stop: &dyn Fn() -> bool) -> io::Result<()> {
    if fs::symlink_metadata(target).is_err() {
        return fs::rename(fresh, target);
    }
    if std::env::var_os(NO_EXCHANGE_ENV).is_none() {
        match exchange(fresh, target) {
            Ok(()) => {
                // `fresh` now holds the old set.
                let _ = fs::remove_dir_all(fresh);
                return Ok(());
            }
            Err(e) if !unsupported(&e) => return Err(e),
            Err(_) => {}
        }
    }
    let aside = leftover_name(target, "old", std::process::id())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a folder path"))?;
    let _ = fs::remove_dir_all(&aside);
    fs::rename(target, &aside)?;
    hold(HOLD_ASIDE_ENV, stop);
    if let Err(e) = fs::rename(fresh, target) {
        let _ = fs::rename(&aside, target);
        return Err(e);
    }
    let _ = fs::remove_dir_all(&aside);
    Ok(())
}

fn unsupported(e: &io::Error) -> bool {
    #[cfg(target_os = "linux")]
    {
        matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = e;
        true
    }
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let a = CString::new(a.as_os_str().as_bytes()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    let b = CString::new(b.as_os_str().as_bytes()).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    // SAFETY: both are valid NUL-terminated paths; AT_FDCWD resolves them
    // like rename(2) does.
    let r = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "no atomic exchange here"))
}

// ---------------------------------------------------------------------------
// Stdout.

/// The first error writing stdout.
static STDOUT_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Prints `text` to stdout; never panics. After the first error (a closed
/// pipe, a full disk) nothing more is printed and [`stdout_error`] says why.
pub fn print(text: &str) {
    let Ok(mut failed) = STDOUT_ERROR.lock() else { return };
    if failed.is_some() {
        return;
    }
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        *failed = Some(if e.kind() == io::ErrorKind::BrokenPipe {
            "stdout was closed (broken pipe)".to_string()
        } else {
            format!("cannot write to stdout: {e}")
        });
    }
}

/// Why stdout could not be written, if it could not.
pub fn stdout_error() -> Option<String> {
    print("");
    STDOUT_ERROR.lock().ok().and_then(|e| e.clone())
}

/// Prints to stderr; never panics (a closed stderr is ignored).
pub fn eprint(text: &str) {
    let _ = io::stderr().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
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
}
