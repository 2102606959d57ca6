//! Safe result files: written to a temporary name, then renamed.
//!
//! A path that names an existing special file (a device such as
//! `/dev/null` or `/dev/full`, a named pipe) is written in place: renaming
//! a regular file over a device would replace the device.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Whether `path` names an existing file that is neither a regular file
/// nor a folder (a device or a named pipe), which is written in place.
pub fn is_special(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir())
}

/// The temporary sibling a file is written to before it is renamed over
/// `path`: `.<name>.tmp-<pid>`.
pub fn temp_sibling(path: &Path) -> io::Result<PathBuf> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a result path must name a file"))?;
    Ok(dir.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id())))
}

/// Writes `bytes` to `path` so that readers see the old file or the whole
/// new one, never a torn one: write to `.<name>.tmp-<pid>` beside it,
/// flush to disk, rename over. A special file is written in place.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

/// A file being written: to a temporary sibling until [`AtomicFile::commit`]
/// renames it over the target (dropped uncommitted, the temporary is
/// removed and the target is as it was).
pub struct AtomicFile {
    file: io::BufWriter<fs::File>,
    target: PathBuf,
    /// None when the target is a special file written in place.
    temp: Option<PathBuf>,
}

impl AtomicFile {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> io::Result<AtomicFile> {
        if is_special(path) {
            let file = fs::OpenOptions::new().write(true).truncate(true).open(path)?;
            return Ok(AtomicFile { file: io::BufWriter::new(file), target: path.to_path_buf(), temp: None });
        }
        let temp = temp_sibling(path)?;
        let file = fs::File::create(&temp)?;
        Ok(AtomicFile { file: io::BufWriter::new(file), target: path.to_path_buf(), temp: Some(temp) })
    }

    /// The temporary file (None for a special file written in place).
    pub fn temp_path(&self) -> Option<&Path> {
        self.temp.as_deref()
    }

    /// Flushes, syncs and renames the file over its target.
    pub fn commit(mut self) -> io::Result<()> {
        self.file.flush()?;
        if let Some(temp) = self.temp.take() {
            let done = self.file.get_ref().sync_all().and_then(|()| fs::rename(&temp, &self.target));
            if done.is_err() {
                let _ = fs::remove_file(&temp);
            }
            done?;
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            let _ = fs::remove_file(temp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = std::env::temp_dir().join(format!("edgesim-atomic-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        let p = dir.join("summary.json");
        write_atomic(&p, b"old").expect("first write");
        write_atomic(&p, b"new").expect("second write");
        assert_eq!(fs::read(&p).expect("read back"), b"new");
        let names: Vec<_> = fs::read_dir(&dir).expect("list").map(|e| e.expect("entry").file_name()).collect();
        assert_eq!(names.len(), 1, "{names:?}");
        // Dropped before commit: the old file stays, no temporary is left.
        let mut f = AtomicFile::create(&p).expect("create");
        f.write_all(b"torn").expect("write");
        drop(f);
        assert_eq!(fs::read(&p).expect("read back"), b"new");
        assert_eq!(fs::read_dir(&dir).expect("list").count(), 1);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_in_place_and_a_full_one_fails() {
        assert!(is_special(Path::new("/dev/null")));
        write_atomic(Path::new("/dev/null"), b"x").expect("/dev/null takes anything");
        if Path::new("/dev/full").exists() {
            let e = write_atomic(Path::new("/dev/full"), b"x").expect_err("/dev/full is full");
            assert_eq!(e.raw_os_error(), Some(28), "ENOSPC: {e}");
            assert!(is_special(Path::new("/dev/full")), "the device is still a device");
        }
    }
}
