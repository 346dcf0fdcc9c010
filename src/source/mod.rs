//! Source walking: finds the files to analyse under a root, in parallel, honouring
//! `.gitignore`/`.ignore`, and reads them safely.
//!
//! It knows file kinds by name only; which files a language excludes by default
//! (tests, generated code) is asked of the caller through a filter, so this module
//! knows nothing of any framework.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::diagnostics::Diagnostic;
use crate::graph::Lang;

/// What a file is, judged by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FileKind {
    Python,
    Go,
    /// `go.mod`
    GoMod,
    /// `go.work`
    GoWork,
    Rust,
    /// `Cargo.toml`
    CargoToml,
    /// A `.sql` file (migrations, schema dumps).
    Sql,
}

impl FileKind {
    pub fn classify(path: &Path) -> Option<FileKind> {
        let name = path.file_name()?.to_str()?;
        match name {
            "go.mod" => return Some(FileKind::GoMod),
            "go.work" => return Some(FileKind::GoWork),
            "Cargo.toml" => return Some(FileKind::CargoToml),
            _ => {}
        }
        match path.extension()?.to_str()? {
            "py" => Some(FileKind::Python),
            "go" => Some(FileKind::Go),
            "rs" => Some(FileKind::Rust),
            "sql" => Some(FileKind::Sql),
            _ => None,
        }
    }

    /// The language whose front-end reads this file; `None` for language-neutral SQL.
    pub fn lang(self) -> Option<Lang> {
        match self {
            FileKind::Python => Some(Lang::Python),
            FileKind::Go | FileKind::GoMod | FileKind::GoWork => Some(Lang::Go),
            FileKind::Rust | FileKind::CargoToml => Some(Lang::Rust),
            FileKind::Sql => None,
        }
    }
}

/// A file found by the walk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// Path relative to the root, with `/` separators: the name used in evidence.
    pub rel: String,
    pub abs: PathBuf,
    pub kind: FileKind,
    /// What the walk saw of the file (`None` if it could not tell).
    pub stamp: Option<FileStamp>,
}

/// Size, times and identity of a file when the walk saw it: equal stamps mean the
/// file was not written since (as git's index assumes), except within the timestamp
/// granularity of the last write, which the cache checks by content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileStamp {
    pub len: u64,
    /// Modification time, nanoseconds since the Unix epoch.
    pub mtime_ns: i128,
    /// Status-change time (any write, chmod, rename, or a replacing checkout), ns.
    pub ctime_ns: i128,
    pub inode: u64,
    pub device: u64,
}

impl FileStamp {
    pub fn of(meta: &std::fs::Metadata) -> FileStamp {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |s: i64, n: i64| i128::from(s) * 1_000_000_000 + i128::from(n);
            FileStamp {
                len: meta.len(),
                mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
                ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
                inode: meta.ino(),
                device: meta.dev(),
            }
        }
        #[cfg(not(unix))]
        {
            let mtime_ns = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos() as i128);
            FileStamp {
                len: meta.len(),
                mtime_ns,
                ctime_ns: mtime_ns,
                inode: 0,
                device: 0,
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct WalkOptions {
    /// Files larger than this are skipped with a warning (minified or generated code).
    pub max_file_size: u64,
    /// Follow symbolic links (loops are detected and reported).
    pub follow_links: bool,
    pub threads: usize,
}

impl Default for WalkOptions {
    fn default() -> Self {
        WalkOptions {
            max_file_size: 4 * 1024 * 1024,
            follow_links: true,
            threads: 0,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("{0}: no such file or directory; pass the root of the code to analyse")]
    NotFound(PathBuf),
    #[error("{path}: cannot be read: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Directory names that never hold first-party code (`testdata` is ignored by the Go tool).
const SKIPPED_DIRS: &[&str] = &["node_modules", "site-packages", "__pycache__", "testdata"];

/// True for directories of third-party or build output: the names above, virtualenvs
/// (`pyvenv.cfg`), cargo's target dir (`CACHEDIR.TAG`) and Go's vendor dir (`modules.txt`).
fn is_skipped_dir(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    SKIPPED_DIRS.contains(&name)
        || path.join("pyvenv.cfg").exists()
        || (name == "target" && path.join("CACHEDIR.TAG").exists())
        || (name == "vendor" && path.join("modules.txt").exists())
}

/// Walks `root` and returns the files to analyse (sorted by path) and warnings about
/// entries that could not be walked. `keep` decides, from kind and relative path,
/// whether a file belongs to the analysis (front-ends exclude tests and generated code).
pub fn walk(
    root: &Path,
    opts: &WalkOptions,
    keep: &(dyn Fn(FileKind, &str) -> bool + Sync),
) -> Result<(Vec<SourceFile>, Vec<Diagnostic>), WalkError> {
    let meta = std::fs::metadata(root).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => WalkError::NotFound(root.to_owned()),
        _ => WalkError::Unreadable {
            path: root.to_owned(),
            source: e,
        },
    })?;
    if meta.is_file() {
        // A single file: analyse it alone, relative to its directory.
        let rel = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let files = FileKind::classify(root)
            .map(|kind| SourceFile {
                rel,
                abs: root.to_owned(),
                kind,
                stamp: Some(FileStamp::of(&meta)),
            })
            .into_iter()
            .collect();
        return Ok((files, Vec::new()));
    }

    let files = Mutex::new(Vec::new());
    let diagnostics = Mutex::new(Vec::new());
    let max_size = opts.max_file_size;
    let walker = ignore::WalkBuilder::new(root)
        .follow_links(opts.follow_links)
        .threads(opts.threads)
        // Honour .gitignore even outside a git checkout (a downloaded sdist has none).
        .require_git(false)
        .filter_entry(|entry| {
            !(entry.file_type().is_some_and(|t| t.is_dir()) && is_skipped_dir(entry.path()))
        })
        .build_parallel();
    walker.run(|| {
        let files = &files;
        let diagnostics = &diagnostics;
        Box::new(move |result| {
            match result {
                Ok(entry) => {
                    let Some(file_type) = entry.file_type() else {
                        return ignore::WalkState::Continue;
                    };
                    if file_type.is_dir() {
                        return ignore::WalkState::Continue;
                    }
                    let Some(kind) = FileKind::classify(entry.path()) else {
                        return ignore::WalkState::Continue;
                    };
                    let rel = relative(root, entry.path());
                    if !keep(kind, &rel) {
                        return ignore::WalkState::Continue;
                    }
                    if !file_type.is_file() {
                        push(
                            diagnostics,
                            Diagnostic::warning("not-a-file", "not a regular file; skipped")
                                .file(rel),
                        );
                        return ignore::WalkState::Continue;
                    }
                    match entry.metadata() {
                        Ok(m) if m.len() > max_size => push(
                            diagnostics,
                            Diagnostic::warning(
                                "too-large",
                                format!(
                                    "{} bytes, over the {max_size}-byte limit; skipped",
                                    m.len()
                                ),
                            )
                            .file(rel)
                            .help(
                                "generated or minified code is skipped; raise --max-file-size to analyse it",
                            ),
                        ),
                        Ok(m) => files.lock().unwrap().push(SourceFile {
                            rel,
                            abs: entry.into_path(),
                            kind,
                            stamp: Some(FileStamp::of(&m)),
                        }),
                        Err(e) => push(
                            diagnostics,
                            Diagnostic::warning("unreadable", format!("cannot read metadata: {e}"))
                                .file(rel),
                        ),
                    }
                }
                Err(err) => push(diagnostics, walk_error(root, &err)),
            }
            ignore::WalkState::Continue
        })
    });
    let mut files = files.into_inner().unwrap();
    files.sort_by(|a, b| a.rel.cmp(&b.rel));
    // Following links can reach the same file twice; analyse it once.
    files.dedup_by(|a, b| a.rel == b.rel);
    let mut seen = std::collections::HashSet::new();
    files.retain(|f| seen.insert(std::fs::canonicalize(&f.abs).unwrap_or_else(|_| f.abs.clone())));
    let mut diagnostics = diagnostics.into_inner().unwrap();
    diagnostics.sort();
    Ok((files, diagnostics))
}

fn push(diagnostics: &Mutex<Vec<Diagnostic>>, d: Diagnostic) {
    diagnostics.lock().unwrap().push(d);
}

fn walk_error(root: &Path, err: &ignore::Error) -> Diagnostic {
    // Unwrap the context the walker wraps errors in, to name the path and the cause.
    let mut inner = err;
    let mut path: Option<&Path> = None;
    loop {
        match inner {
            ignore::Error::WithPath { path: p, err } => {
                path = Some(p);
                inner = err;
            }
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                inner = err
            }
            _ => break,
        }
    }
    match inner {
        ignore::Error::Loop { ancestor, child } => Diagnostic::warning(
            "symlink-loop",
            format!(
                "symbolic link loops back to {}; not followed",
                relative(root, ancestor)
            ),
        )
        .file(relative(root, child)),
        other => {
            let d = Diagnostic::warning("unreadable", format!("cannot be walked: {other}"));
            match path {
                Some(p) => d.file(relative(root, p)),
                None => d,
            }
        }
    }
}

/// `path` relative to `root` with `/` separators (the form used in evidence).
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let s = rel.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        s.into_owned()
    } else {
        s.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// Why a file's text could not be used.
#[derive(Debug)]
pub enum ReadProblem {
    Io(std::io::Error),
    /// Not UTF-8; the byte offset of the first invalid sequence.
    NotUtf8 {
        offset: usize,
    },
}

/// Reads a file's bytes. Kept apart from decoding so the cache can hash bytes first.
pub fn read_bytes(file: &SourceFile) -> Result<Vec<u8>, ReadProblem> {
    std::fs::read(&file.abs).map_err(ReadProblem::Io)
}

impl ReadProblem {
    /// The warning for `file`, with the line of the problem where known.
    pub fn diagnostic(&self, file: &SourceFile, bytes: Option<&[u8]>) -> Diagnostic {
        match self {
            ReadProblem::Io(e) => Diagnostic::warning("unreadable", format!("cannot be read: {e}"))
                .file(&file.rel)
                .help("check the file's permissions, or add it to .ignore to skip it quietly"),
            ReadProblem::NotUtf8 { offset } => {
                let line = bytes.map(|b| {
                    b[..(*offset).min(b.len())]
                        .iter()
                        .filter(|&&c| c == b'\n')
                        .count() as u32
                        + 1
                });
                let d = Diagnostic::warning(
                    "invalid-utf8",
                    format!("not valid UTF-8 (byte {offset}); skipped"),
                )
                .file(&file.rel)
                .help("re-encode the file as UTF-8, or add it to .ignore to skip it quietly");
                match line {
                    Some(l) => d.line(l),
                    None => d,
                }
            }
        }
    }
}

/// Lines of code: non-blank lines that are not only a comment in `comment` syntax.
pub fn count_loc(text: &str, comment: &str) -> u32 {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with(comment))
        .count() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_by_name() {
        assert_eq!(
            FileKind::classify(Path::new("a/b.py")),
            Some(FileKind::Python)
        );
        assert_eq!(
            FileKind::classify(Path::new("go.mod")),
            Some(FileKind::GoMod)
        );
        assert_eq!(
            FileKind::classify(Path::new("x/Cargo.toml")),
            Some(FileKind::CargoToml)
        );
        assert_eq!(FileKind::classify(Path::new("README.md")), None);
    }

    #[test]
    fn counts_loc_without_blanks_and_comments() {
        assert_eq!(count_loc("a = 1\n\n# c\n  b = 2\n", "#"), 2);
    }
}
