//! A results set: written into a fresh hidden sibling folder, then swapped
//! in whole; leftovers of an interrupted swap are recovered.

use super::marker::fnv1a64;
use super::*;

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

pub(super) fn unsupported(e: &io::Error) -> bool {
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
pub(super) fn exchange(a: &Path, b: &Path) -> io::Result<()> {
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
pub(super) fn exchange(_a: &Path, _b: &Path) -> io::Result<()> {
    Err(io::Error::new(io::ErrorKind::Unsupported, "no atomic exchange here"))
}
