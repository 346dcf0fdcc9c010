//! Language front-ends: per-file fact extraction (pure, parallel, cached) and per-language
//! linking of those facts into the graph (name resolution and framework rules).
//!
//! A front-end knows its language and frameworks and the graph model; it knows nothing
//! of clustering, decompositions or scaffolding.

pub mod go;
pub mod python;
pub mod rust;

use serde::{Deserialize, Serialize};

use crate::diagnostics::Diagnostic;
use crate::graph::{Graph, Lang};
use crate::source::{FileKind, SourceFile};
use crate::sql;

/// The cached result of reading one file: its facts, or why it was skipped.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Extracted {
    pub facts: Option<FileFacts>,
    pub loc: u32,
    pub diagnostics: Vec<Diagnostic>,
}

impl Extracted {
    pub fn ok(facts: FileFacts, loc: u32) -> Self {
        Extracted {
            facts: Some(facts),
            loc,
            diagnostics: Vec::new(),
        }
    }

    pub fn skipped(diagnostic: Diagnostic) -> Self {
        Extracted {
            facts: None,
            loc: 0,
            diagnostics: vec![diagnostic],
        }
    }
}

/// Facts of one file, by front-end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FileFacts {
    Python(python::PyFacts),
    Go(go::GoFileFacts),
    Rust(rust::RustFileFacts),
    Sql(sql::SqlFileFacts),
}

/// A file with its facts, as the linkers receive it.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub file: SourceFile,
    pub facts: FileFacts,
    pub loc: u32,
}

/// What the user asked the front-ends to include.
#[derive(Debug, Clone, Default)]
pub struct FrontendOptions {
    /// Languages to analyse; empty means every language found (`--lang auto`).
    pub langs: Vec<Lang>,
    /// Analyse test code too (excluded by default: it is not part of any service).
    pub include_tests: bool,
}

/// Whether a file found by the walk belongs to the analysis.
pub fn keep(kind: FileKind, rel: &str, opts: &FrontendOptions) -> bool {
    if let Some(lang) = kind.lang()
        && !opts.langs.is_empty()
        && !opts.langs.contains(&lang)
    {
        return false;
    }
    match kind {
        FileKind::Python => python::keep(rel, opts.include_tests),
        FileKind::Go => go::keep(rel, opts.include_tests),
        FileKind::Rust => rust::keep(rel, opts.include_tests),
        FileKind::GoMod | FileKind::GoWork | FileKind::CargoToml | FileKind::Sql => true,
    }
}

/// Extracts one file's facts from its text. Never panics on bad input: a file that
/// cannot be understood comes back skipped with a diagnostic naming the place.
pub fn extract(file: &SourceFile, text: &str) -> Extracted {
    match file.kind {
        FileKind::Python => python::extract(&file.rel, text),
        FileKind::Go | FileKind::GoMod | FileKind::GoWork => go::extract(file, text),
        FileKind::Rust | FileKind::CargoToml => rust::extract(file, text),
        FileKind::Sql => sql::extract_file(&file.rel, text),
    }
}

/// Links every language's facts into one graph.
pub fn link(files: &[ParsedFile], graph: &mut Graph, diagnostics: &mut Vec<Diagnostic>) {
    python::link(files, graph, diagnostics);
    go::link(files, graph, diagnostics);
    rust::link(files, graph, diagnostics);
}
