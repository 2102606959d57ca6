//! The marker of a results set (`edgesim-results.json`): which command
//! wrote the folder and every file it holds, with its size and hash.

use super::*;

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
pub(super) fn fnv1a64(bytes: &[u8]) -> String {
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
