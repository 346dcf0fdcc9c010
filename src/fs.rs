//! File-system helpers every command shares.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

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
    let dir = parent_dir(path);
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

/// Writes many files as one batch, each atomically and durably like [`write_atomic`]:
/// all are written to temporary files beside their targets, flushed to disk together
/// (concurrently: a journaling file system commits concurrent flushes at once, where
/// one flush per file waits for the disk each time), renamed into place, and each
/// directory is flushed once. On failure, the temporary files made are removed; files
/// already renamed stay, complete. The error names the file.
pub fn write_all_atomic(files: &[(PathBuf, &[u8])]) -> Result<(), (PathBuf, std::io::Error)> {
    let mut temps: Vec<(PathBuf, &Path, File)> = Vec::with_capacity(files.len());
    let remove_temps = |temps: &[(PathBuf, &Path, File)]| {
        for (tmp, ..) in temps {
            let _ = std::fs::remove_file(tmp);
        }
    };
    let dirs: std::collections::BTreeSet<&Path> =
        files.iter().map(|(p, _)| parent_dir(p)).collect();
    for dir in &dirs {
        remove_stale_temps(dir);
    }
    for (path, bytes) in files {
        let dir = parent_dir(path);
        let made = std::fs::create_dir_all(dir)
            .and_then(|()| tempfile_in(dir))
            .and_then(|(tmp, mut file)| match file.write_all(bytes) {
                Ok(()) => Ok((tmp, file)),
                Err(e) => {
                    let _ = std::fs::remove_file(&tmp);
                    Err(e)
                }
            });
        match made {
            Ok((tmp, file)) => temps.push((tmp, path, file)),
            Err(e) => {
                remove_temps(&temps);
                return Err((path.clone(), e));
            }
        }
    }
    if let Err((i, e)) = in_parallel(&temps, |(_, _, file)| file.sync_all()) {
        remove_temps(&temps);
        return Err((temps[i].1.to_owned(), e));
    }
    for (i, (tmp, path, _)) in temps.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            remove_temps(&temps[i..]);
            return Err((path.to_path_buf(), e));
        }
    }
    // The renames themselves are made durable by flushing each directory once.
    let dirs: Vec<&Path> = dirs.into_iter().collect();
    in_parallel(&dirs, |dir| sync_dir(dir)).map_err(|(i, e)| (dirs[i].to_owned(), e))
}

/// Removes the temporary files a killed seam left in `dir` (`.seam-<pid>-<n>.tmp` of a
/// process that no longer runs), so a batch cut short leaves no litter for long.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix(".seam-")?.strip_suffix(".tmp"))
            .and_then(|rest| rest.split_once('-'))
            .filter(|(_, n)| n.parse::<u32>().is_ok())
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !process_runs(pid) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` exists; where that cannot be told, it is assumed to.
fn process_runs(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Runs `f` on every item on a few threads (I/O waits, not CPU: more than the cores);
/// the first error with the item's index.
fn in_parallel<T: Sync>(
    items: &[T],
    f: impl Fn(&T) -> std::io::Result<()> + Sync,
) -> Result<(), (usize, std::io::Error)> {
    const THREADS: usize = 16;
    let chunk = items.len().div_ceil(THREADS).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> = items
            .chunks(chunk)
            .enumerate()
            .map(|(c, part)| {
                let f = &f;
                scope.spawn(move || {
                    for (i, item) in part.iter().enumerate() {
                        f(item).map_err(|e| (c * chunk + i, e))?;
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().expect("an fsync thread panicked"))
    })
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, File)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `root`, relative, sorted.
    fn names(root: &Path) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(root, &path, found);
                } else {
                    found.push(path.strip_prefix(root).unwrap().display().to_string());
                }
            }
        }
        let mut found = Vec::new();
        walk(root, root, &mut found);
        found.sort();
        found
    }

    #[test]
    fn a_batch_writes_every_file_and_replaces_old_ones() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), "old").unwrap();
        let files = [
            (dir.path().join("a.txt"), b"new".as_slice()),
            (dir.path().join("x/y/b.txt"), b"b".as_slice()),
        ];
        write_all_atomic(&files).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.txt")).unwrap(),
            "new"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("x/y/b.txt")).unwrap(),
            "b"
        );
        assert_eq!(
            names(dir.path()),
            ["a.txt", "x/y/b.txt"],
            "no temporary file left"
        );
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_batch_removes_the_temporary_files_of_a_killed_run() {
        let dir = tempfile::tempdir().unwrap();
        // pid_max on Linux is at most 2^22: this process cannot exist.
        std::fs::write(dir.path().join(".seam-99999999-0.tmp"), "torn").unwrap();
        let mine = format!(".seam-{}-7.tmp", std::process::id());
        std::fs::write(dir.path().join(&mine), "in use").unwrap();
        std::fs::write(dir.path().join(".seam-notes.tmp"), "the user's").unwrap();
        write_all_atomic(&[(dir.path().join("a.txt"), b"a".as_slice())]).unwrap();
        assert_eq!(
            names(dir.path()),
            [mine.as_str(), ".seam-notes.tmp", "a.txt"]
        );
    }

    #[test]
    fn a_failed_batch_names_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A file where a directory is needed.
        std::fs::write(dir.path().join("blocker"), "").unwrap();
        let files = [
            (dir.path().join("ok.txt"), b"ok".as_slice()),
            (dir.path().join("blocker/c.txt"), b"c".as_slice()),
        ];
        let (path, _) = write_all_atomic(&files).unwrap_err();
        assert_eq!(path, dir.path().join("blocker/c.txt"));
        assert_eq!(
            names(dir.path()),
            ["blocker"],
            "nothing written, no temp left"
        );
    }
}
