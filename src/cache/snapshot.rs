//! The tree snapshot: the finished analysis of a tree (graph, warnings, counts) with
//! the stamp of every file it read.
//!
//! A re-analysis whose walk finds exactly the same files with the same stamps (size,
//! modification and status-change times, inode) takes the graph from here, without
//! reading, parsing or linking anything: the common case of an unchanged tree in CI
//! or a `propose` after an `analyze`. Anything else — a file added, removed, touched,
//! other options, another seam — falls back to the facts cache.
//!
//! Stamps can lie within the timestamp granularity of the last write: a file written
//! again in the same tick as the snapshot's walk keeps its mtime. As git does for its
//! index ("racily clean" entries), files whose mtime is that close to the walk are
//! checked by content hash instead.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{FactsCache, STAMP, root_name};
use crate::diagnostics::Diagnostic;
use crate::graph::{Graph, binary};
use crate::source::{FileKind, FileStamp, SourceFile};

/// Files modified less than this before the walk are verified by content: it covers
/// the coarsest common timestamp granularity (2 s, FAT) and clock steps.
const RACY_NS: i128 = 2_000_000_000;

/// What a snapshot holds besides the graph.
#[derive(Serialize, Deserialize)]
struct Header {
    stamp: String,
    /// The analysis options the snapshot was made with.
    options: String,
    /// When the walk that found the files began, ns since the Unix epoch.
    walked_at_ns: i128,
    files: Vec<FileRecord>,
    skipped: usize,
    loc: u64,
    /// Warnings of reading, parsing and linking (not of walking: the walk runs anyway).
    diagnostics: Vec<Diagnostic>,
}

/// One file of the analysed tree as it was read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileRecord {
    pub rel: String,
    pub kind: FileKind,
    pub stamp: FileStamp,
    /// Content hash (the facts cache's key); `None` if the file could not be read.
    pub hash: Option<[u8; 32]>,
}

impl FileRecord {
    /// The record of a file the walk stamped; `None` for a file without a stamp,
    /// which makes the tree unsnapshottable.
    pub fn of(file: &SourceFile, hash: Option<[u8; 32]>) -> Option<FileRecord> {
        Some(FileRecord {
            rel: file.rel.clone(),
            kind: file.kind,
            stamp: file.stamp?,
            hash,
        })
    }
}

/// An analysis taken from a snapshot.
pub struct Snapshot {
    pub graph: Graph,
    pub diagnostics: Vec<Diagnostic>,
    pub skipped: usize,
    pub loc: u64,
}

/// The snapshot file of one root and one set of options.
pub struct TreeSnapshot {
    path: PathBuf,
    options: String,
}

impl TreeSnapshot {
    /// The snapshot of `root` under `dir` for analyses with these `options` (any
    /// text that changes whenever the options change the result).
    pub fn new(dir: &Path, root: &Path, options: &str) -> Self {
        TreeSnapshot {
            path: dir.join(format!("tree-{}.bin", root_name(root, options))),
            options: options.to_owned(),
        }
    }

    /// The stored analysis if it was made from exactly `files` as they are now.
    pub fn load(&self, files: &[SourceFile]) -> Option<Snapshot> {
        let bytes = std::fs::read(&self.path).ok()?;
        let (header, graph) = postcard::take_from_bytes::<Header>(&bytes).ok()?;
        if header.stamp != STAMP
            || header.options != self.options
            || header.files.len() != files.len()
        {
            return None;
        }
        for (record, file) in header.files.iter().zip(files) {
            if record.rel != file.rel
                || record.kind != file.kind
                || Some(record.stamp) != file.stamp
            {
                return None;
            }
            if record.stamp.mtime_ns > header.walked_at_ns - RACY_NS {
                let bytes = std::fs::read(&file.abs).ok()?;
                if record.hash != Some(FactsCache::key(file.kind, &bytes).1) {
                    return None;
                }
            }
        }
        Some(Snapshot {
            graph: binary::from_bytes(graph)?,
            diagnostics: header.diagnostics,
            skipped: header.skipped,
            loc: header.loc,
        })
    }

    /// Replaces the stored snapshot.
    pub fn store(
        &self,
        walked_at_ns: i128,
        files: Vec<FileRecord>,
        analysis: &Snapshot,
    ) -> std::io::Result<()> {
        let header = Header {
            stamp: STAMP.to_owned(),
            options: self.options.clone(),
            walked_at_ns,
            files,
            skipped: analysis.skipped,
            loc: analysis.loc,
            diagnostics: analysis.diagnostics.clone(),
        };
        let mut bytes = postcard::to_stdvec(&header).map_err(std::io::Error::other)?;
        bytes.extend(binary::to_bytes(&analysis.graph));
        crate::fs::replace(&self.path, &bytes)
    }
}

/// Now, in ns since the Unix epoch (0 if the clock is before it).
pub fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{Analysis, AnalyzeOptions, analyze};
    use crate::graph::GraphDocument;
    use std::time::{Duration, SystemTime};

    struct Tree {
        code: tempfile::TempDir,
        cache: tempfile::TempDir,
    }

    impl Tree {
        /// A small Django-less Python tree; one file has a syntax error (a warning the
        /// snapshot must give back). Every file's mtime is an hour old: not racy.
        fn new() -> Tree {
            let tree = Tree {
                code: tempfile::tempdir().unwrap(),
                cache: tempfile::tempdir().unwrap(),
            };
            tree.write("a.py", "def f():\n    return g()\n\ndef g():\n    pass\n");
            tree.write("b.py", "from a import f\n\ndef h():\n    return f()\n");
            tree.write("broken.py", "def oops(:\n");
            for name in ["a.py", "b.py", "broken.py"] {
                tree.age(name);
            }
            tree
        }

        fn write(&self, name: &str, text: &str) {
            std::fs::write(self.code.path().join(name), text).unwrap();
        }

        fn age(&self, name: &str) {
            let file = std::fs::File::options()
                .write(true)
                .open(self.code.path().join(name))
                .unwrap();
            file.set_modified(SystemTime::now() - Duration::from_secs(3600))
                .unwrap();
        }

        fn options(&self) -> AnalyzeOptions {
            AnalyzeOptions {
                cache_dir: Some(self.cache.path().to_owned()),
                ..AnalyzeOptions::default()
            }
        }

        fn analyze(&self) -> Analysis {
            analyze(self.code.path(), &self.options()).unwrap()
        }
    }

    fn json(a: &Analysis) -> String {
        GraphDocument::new(a.graph.clone(), "t", a.diagnostics.clone()).to_json()
    }

    #[test]
    fn an_unchanged_tree_reuses_the_whole_analysis() {
        let tree = Tree::new();
        let cold = tree.analyze();
        assert!(!cold.stats.reused);
        assert!(
            cold.diagnostics.iter().any(|d| d.code == "parse-error"),
            "{:?}",
            cold.diagnostics
        );
        let warm = tree.analyze();
        assert!(warm.stats.reused);
        assert_eq!(json(&warm), json(&cold), "same graph and warnings");
        assert_eq!(
            (warm.stats.files, warm.stats.skipped, warm.stats.loc),
            (cold.stats.files, cold.stats.skipped, cold.stats.loc)
        );
        let uncached = analyze(tree.code.path(), &AnalyzeOptions::default()).unwrap();
        assert_eq!(json(&warm), json(&uncached));
    }

    #[test]
    fn any_change_to_the_files_is_seen() {
        let tree = Tree::new();
        tree.analyze();
        // Touched, content unchanged: analysed again (from the facts cache), then reused.
        tree.write("b.py", "from a import f\n\ndef h():\n    return f()\n");
        let touched = tree.analyze();
        assert!(!touched.stats.reused);
        assert_eq!(touched.stats.cached, touched.stats.files);
        assert!(tree.analyze().stats.reused);
        // Same size, new content.
        tree.write("a.py", "def f():\n    return k()\n\ndef k():\n    pass\n");
        let edited = tree.analyze();
        assert!(!edited.stats.reused);
        assert!(edited.graph.contains("py:a.k") && !edited.graph.contains("py:a.g"));
        // A file added, then removed.
        tree.write("c.py", "X = 1\n");
        assert!(!tree.analyze().stats.reused);
        std::fs::remove_file(tree.code.path().join("c.py")).unwrap();
        let removed = tree.analyze();
        assert!(!removed.stats.reused);
        assert!(!removed.graph.contains("py:c"));
    }

    #[test]
    fn other_options_or_a_corrupt_snapshot_are_never_trusted() {
        let tree = Tree::new();
        let all = tree.analyze();
        let mut go_only = tree.options();
        go_only.frontend.langs = vec![crate::graph::Lang::Go];
        let go = analyze(tree.code.path(), &go_only).unwrap();
        assert!(!go.stats.reused, "options are part of the snapshot's key");
        assert_eq!(go.stats.files, 0);
        for entry in std::fs::read_dir(tree.cache.path()).unwrap() {
            let path = entry.unwrap().path();
            if path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("tree-")
            {
                std::fs::write(&path, b"garbage").unwrap();
            }
        }
        let again = tree.analyze();
        assert!(!again.stats.reused);
        assert_eq!(json(&again), json(&all));
    }

    /// Stamps are trusted outside the racy window and checked by content inside it.
    #[test]
    fn files_written_close_to_the_walk_are_checked_by_content() {
        let tree = Tree::new();
        let opts = tree.options();
        let (files, _) = crate::source::walk(tree.code.path(), &opts.walk, &|_, _| true).unwrap();
        let snapshot = TreeSnapshot::new(tree.cache.path(), tree.code.path(), "test");
        // Records whose stamps match the files but whose hashes do not: content that
        // changed within the same timestamp tick would look like this.
        let records: Vec<FileRecord> = files
            .iter()
            .map(|f| FileRecord::of(f, Some([0; 32])).unwrap())
            .collect();
        let analysis = || Snapshot {
            graph: Graph::new(),
            diagnostics: Vec::new(),
            skipped: 0,
            loc: 0,
        };
        let mtime = files
            .iter()
            .map(|f| f.stamp.unwrap().mtime_ns)
            .max()
            .unwrap();
        snapshot
            .store(mtime + RACY_NS * 2, records.clone(), &analysis())
            .unwrap();
        assert!(snapshot.load(&files).is_some(), "old files: stamps decide");
        snapshot.store(mtime, records, &analysis()).unwrap();
        assert!(
            snapshot.load(&files).is_none(),
            "racy files: content decides"
        );
    }
}
