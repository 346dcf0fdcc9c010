//! File-system helpers every command shares.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Writes `bytes` to `path` atomically and durably: a temporary file in the same
/// directory, flushed to disk, then a rename, so readers and interrupted runs (even a
/// power cut) never see a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_via_temp(path, true, |w| w.write_all(bytes))
}

/// Like [`write_atomic`], the content written by `write` through a buffer as it is
/// made (a large output need not be held whole in memory first).
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_via_temp(path, true, write)
}

/// Like [`write_atomic`] without the flush to disk: for files that can be made again
/// (caches), where a power cut may lose the new content but never leaves a torn file
/// in place of the old one on a journaling file system.
pub fn replace(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_via_temp(path, false, |w| w.write_all(bytes))
}

fn write_via_temp(
    path: &Path,
    sync: bool,
    write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let (tmp, file) = tempfile_in(dir)?;
    let mut buffered = BufWriter::with_capacity(1 << 16, file);
    let written = write(&mut buffered)
        .and_then(|()| buffered.into_inner().map_err(|e| e.into_error()))
        .and_then(|file| if sync { file.sync_all() } else { Ok(()) });
    written
        .and_then(|()| std::fs::rename(&tmp, path))
        .inspect_err(|_| {
            let _ = std::fs::remove_file(&tmp);
        })
}

fn tempfile_in(dir: &Path) -> std::io::Result<(std::path::PathBuf, File)> {
    for attempt in 0..100u32 {
        let candidate = dir.join(format!(".seam-{}-{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => return Ok((candidate, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("could not create a temporary file"))
}
