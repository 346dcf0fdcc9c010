//! The analysis pipeline: walk → read and extract facts per file (parallel, cached) →
//! link per language → graph.

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::cache::FactsCache;
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
}

pub use crate::source::WalkError as AnalyzeError;

pub fn analyze(root: &Path, opts: &AnalyzeOptions) -> Result<Analysis, AnalyzeError> {
    let keep = |kind, rel: &str| frontend::keep(kind, rel, &opts.frontend);
    let (files, mut diagnostics) = source::walk(root, &opts.walk, &keep)?;

    let cache = match &opts.cache_dir {
        Some(dir) => FactsCache::open(dir, root),
        None => FactsCache::disabled(),
    };
    let progress = progress_bar(opts.progress, files.len());
    let results: Vec<(SourceFile, Option<crate::cache::Key>, Extracted, bool)> = files
        .into_par_iter()
        .map(|file| {
            let (key, extracted, hit) = read_and_extract(&file, &cache);
            progress.inc(1);
            (file, key, extracted, hit)
        })
        .collect();
    progress.finish_and_clear();

    let mut stats = AnalysisStats {
        files: results.len(),
        ..Default::default()
    };
    let mut parsed = Vec::with_capacity(results.len());
    let mut entries = Vec::with_capacity(results.len());
    for (file, key, mut extracted, hit) in results {
        stats.cached += usize::from(hit);
        stats.loc += u64::from(extracted.loc);
        diagnostics.extend(extracted.diagnostics.iter().cloned());
        // Without a cache the facts are moved, not cloned: a second copy of every
        // file's facts was held through linking for nothing (+27% peak memory of a
        // `--no-cache` run on a 1M-line monolith, see README "Benchmarks").
        let loc = extracted.loc;
        let facts = match key {
            Some(key) if cache.is_enabled() => {
                let facts = extracted.facts.clone();
                entries.push((key, extracted));
                facts
            }
            _ => extracted.facts.take(),
        };
        match facts {
            Some(facts) => parsed.push(ParsedFile { file, facts, loc }),
            None => stats.skipped += 1,
        }
    }
    if cache.is_enabled()
        && let Err(e) = cache.store(entries)
    {
        diagnostics.push(
            Diagnostic::warning("cache", format!("could not write the facts cache: {e}"))
                .help("pass --no-cache or --cache-dir DIR to use another place"),
        );
    }

    let mut graph = Graph::new();
    frontend::link(&parsed, &mut graph, &mut diagnostics);
    diagnostics.sort();
    diagnostics.dedup();
    Ok(Analysis {
        graph,
        diagnostics,
        stats,
    })
}

/// Reads one file and returns its facts, from the cache when its content is unchanged.
fn read_and_extract(
    file: &SourceFile,
    cache: &FactsCache,
) -> (Option<crate::cache::Key>, Extracted, bool) {
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
