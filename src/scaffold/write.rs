//! Applying a [`Plan`]: every file it creates, updates or overwrites is written
//! atomically, then the manifest. A failure leaves no half-written file; files already
//! written are recorded only when the manifest is, so the next run sees them as the
//! user's and keeps them unless `--force` (the conservative side).

use std::path::{Path, PathBuf};

use super::manifest::FILE_NAME;
use super::plan::{Plan, ScaffoldError};
use crate::fs::{write_all_atomic, write_atomic};

/// Writes the plan's files under `dir`, then `dir/.seam-scaffold.json`.
pub fn apply(dir: &Path, plan: &Plan) -> Result<(), ScaffoldError> {
    let files: Vec<(PathBuf, &[u8])> = plan
        .files
        .iter()
        .filter(|f| f.action.writes())
        .filter_map(|f| Some((dir.join(&f.path), f.contents.as_deref()?.as_bytes())))
        .collect();
    let io = |(path, source): (PathBuf, std::io::Error)| ScaffoldError::Io {
        path: path.display().to_string(),
        source,
    };
    write_all_atomic(&files).map_err(io)?;
    for (path, contents) in &files {
        if contents.starts_with(b"#!") {
            make_executable(path).map_err(|e| io((path.clone(), e)))?;
        }
    }
    let path = dir.join(FILE_NAME);
    write_atomic(&path, plan.manifest.to_json().as_bytes()).map_err(|e| io((path, e)))
}

/// Scripts (a `#!` first line: `run-local`, install scripts) are made executable.
#[cfg(unix)]
fn make_executable(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path)?.permissions();
    perms.set_mode(perms.mode() | 0o111);
    std::fs::set_permissions(path, perms)
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> std::io::Result<()> {
    Ok(())
}
