//! The analysis pipeline: walk → read and extract facts per file (parallel, cached) →
//! link per language → graph.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::cache::snapshot::{self, FileRecord, Snapshot, TreeSnapshot};
use crate::cache::{FactsCache, Key};
use crate::diagnostics::Diagnostic;
use crate::frontend::{self, Extracted, FrontendOptions, ParsedFile};
use crate::graph::Graph;
use crate::source::{self, SourceFile, WalkOptions};

#[derive(Debug, Clone, Default)]
pub struct AnalyzeOptions {
    pub frontend: FrontendOptions,
    pub walk: WalkOptions,
    /// Where the facts cache lives; `None` disables it.
    pub cache_dir: Option<PathBuf>,
    /// Show a progress bar (only on a terminal).
    pub progress: bool,
}

impl AnalyzeOptions {
    /// Text that changes whenever the options change the result of an analysis (the
    /// tree snapshot is kept per fingerprint). Threads and progress do not count.
    pub fn fingerprint(&self) -> String {
        format!(
            "langs={:?} tests={} max-size={} follow={}",
            self.frontend.langs,
            self.frontend.include_tests,
            self.walk.max_file_size,
            self.walk.follow_links
        )
    }
}

/// The result of analysing a tree.
pub struct Analysis {
    pub graph: Graph,
    /// Warnings about the input, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
    pub stats: AnalysisStats,
}

#[derive(Debug, Clone, Default)]
pub struct AnalysisStats {
    pub files: usize,
    pub cached: usize,
    pub skipped: usize,
    pub loc: u64,
    /// The whole analysis was taken from the tree snapshot (nothing read or linked).
    pub reused: bool,
    /// Wall time of each stage, in order (`seam analyze --timings`).
    pub timings: Timings,
}

/// Wall time per stage of a run, measured lap by lap.
#[derive(Debug, Clone)]
pub struct Timings {
    last: Instant,
    pub laps: Vec<(&'static str, Duration)>,
}

impl Default for Timings {
    fn default() -> Self {
        Timings {
            last: Instant::now(),
            laps: Vec::new(),
        }
    }
}

impl Timings {
    /// Records the time since the previous lap (or the start) as `stage`.
    pub fn lap(&mut self, stage: &'static str) {
        let now = Instant::now();
        self.laps.push((stage, now - self.last));
        self.last = now;
    }
}

pub use crate::source::WalkError as AnalyzeError;

pub fn analyze(root: &Path, opts: &AnalyzeOptions) -> Result<Analysis, AnalyzeError> {
    let mut timings = Timings::default();
    let walked_at = snapshot::now_ns();
    let keep = |kind, rel: &str| frontend::keep(kind, rel, &opts.frontend);
    let (files, walk_diagnostics) = source::walk(root, &opts.walk, &keep)?;
    timings.lap("walk");

    let snapshot = opts
        .cache_dir
        .as_deref()
        .map(|dir| TreeSnapshot::new(dir, root, &opts.fingerprint()));
    let hit = snapshot.as_ref().and_then(|s| s.load(&files));
    timings.lap("tree snapshot");
    if let Some(hit) = hit {
        let stats = AnalysisStats {
            files: files.len(),
            cached: files.len(),
            skipped: hit.skipped,
            loc: hit.loc,
            reused: true,
            timings,
        };
        return Ok(Analysis {
            graph: hit.graph,
            diagnostics: merged(walk_diagnostics, hit.diagnostics),
            stats,
        });
    }

    let cache = match &opts.cache_dir {
        Some(dir) => FactsCache::open(dir, root),
        None => FactsCache::disabled(),
    };
    let progress = progress_bar(opts.progress, files.len());
    let results: Vec<(SourceFile, Option<Key>, Extracted, bool)> = files
        .into_par_iter()
        .map(|file| {
            let (key, extracted, hit) = read_and_extract(&file, &cache);
            progress.inc(1);
            (file, key, extracted, hit)
        })
        .collect();
    progress.finish_and_clear();
    timings.lap("read and extract");

    let mut stats = AnalysisStats {
        files: results.len(),
        ..Default::default()
    };
    // Warnings of reading, parsing and linking: what the snapshot keeps.
    let mut found = Vec::new();
    // The stamps the snapshot records (none without a cache).
    let mut records = snapshot.as_ref().map(|_| Vec::with_capacity(results.len()));
    let mut parsed = Vec::with_capacity(results.len());
    // Cache entries, their facts lent to `parsed` (by position) until linking is done:
    // a second copy of every file's facts held through linking costs a quarter of the
    // peak memory of a large tree (see README "Benchmarks").
    let mut entries: Vec<(Key, Extracted, Option<usize>)> = Vec::new();
    for (file, key, mut extracted, hit) in results {
        stats.cached += usize::from(hit);
        stats.loc += u64::from(extracted.loc);
        found.extend(extracted.diagnostics.iter().cloned());
        // One file without a stamp makes the tree unsnapshottable.
        if let Some(list) = &mut records {
            match FileRecord::of(&file, key.map(|k| k.1)) {
                Some(record) => list.push(record),
                None => records = None,
            }
        }
        let lent = match extracted.facts.take() {
            Some(facts) => {
                parsed.push(ParsedFile {
                    file,
                    facts,
                    loc: extracted.loc,
                });
                Some(parsed.len() - 1)
            }
            None => {
                stats.skipped += 1;
                None
            }
        };
        if let Some(key) = key.filter(|_| cache.is_enabled()) {
            entries.push((key, extracted, lent));
        }
    }

    let mut graph = Graph::new();
    frontend::link(&parsed, &mut graph, &mut found);
    timings.lap("link");

    let mut diagnostics = Vec::new();
    if cache.is_enabled() {
        let unchanged = stats.cached == stats.files && entries.len() == cache.len();
        let mut facts: Vec<Option<_>> = parsed.into_iter().map(|p| Some(p.facts)).collect();
        let entries: Vec<(Key, Extracted)> = entries
            .into_iter()
            .map(|(key, mut extracted, lent)| {
                extracted.facts = lent.and_then(|i| facts[i].take());
                (key, extracted)
            })
            .collect();
        if !unchanged && let Err(e) = cache.store(&entries) {
            diagnostics.push(cache_warning("facts cache", &e));
        }
        free_in_background((entries, cache));
    } else {
        free_in_background(parsed);
    }
    let analysis = Snapshot {
        graph,
        diagnostics: found,
        skipped: stats.skipped,
        loc: stats.loc,
    };
    if let (Some(snapshot), Some(records)) = (&snapshot, records)
        && let Err(e) = snapshot.store(walked_at, records, &analysis)
    {
        diagnostics.push(cache_warning("tree snapshot", &e));
    }
    diagnostics.extend(analysis.diagnostics);
    timings.lap("store caches");
    stats.timings = timings;
    Ok(Analysis {
        graph: analysis.graph,
        diagnostics: merged(walk_diagnostics, diagnostics),
        stats,
    })
}

/// Drops `value` on the worker pool: freeing every file's facts takes a tenth of a
/// cold analysis, and the caller has rendering and writing to do meanwhile.
fn free_in_background<T: Send + 'static>(value: T) {
    rayon::spawn(move || drop(value));
}

fn cache_warning(what: &str, e: &std::io::Error) -> Diagnostic {
    Diagnostic::warning("cache", format!("could not write the {what}: {e}"))
        .help("pass --no-cache or --cache-dir DIR to use another place")
}

/// The warnings of a run, sorted by file and line, each once.
fn merged(mut walk: Vec<Diagnostic>, rest: Vec<Diagnostic>) -> Vec<Diagnostic> {
    walk.extend(rest);
    walk.sort();
    walk.dedup();
    walk
}

/// Reads one file and returns its facts, from the cache when its content is unchanged.
fn read_and_extract(file: &SourceFile, cache: &FactsCache) -> (Option<Key>, Extracted, bool) {
    let bytes = match source::read_bytes(file) {
        Ok(bytes) => bytes,
        Err(problem) => {
            return (
                None,
                Extracted::skipped(problem.diagnostic(file, None)),
                false,
            );
        }
    };
    let key = FactsCache::key(file.kind, &bytes);
    if let Some(hit) = cache.get(&key) {
        return (Some(key), hit.clone(), true);
    }
    let extracted = match std::str::from_utf8(&bytes) {
        Ok(text) => frontend::extract(file, text),
        Err(e) => {
            let problem = source::ReadProblem::NotUtf8 {
                offset: e.valid_up_to(),
            };
            Extracted::skipped(problem.diagnostic(file, Some(&bytes)))
        }
    };
    (Some(key), extracted, false)
}

fn progress_bar(enabled: bool, len: usize) -> indicatif::ProgressBar {
    if !enabled {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} analysing {pos}/{len} files {wide_bar} {eta}",
        )
        .expect("valid progress template"),
    );
    bar
}
