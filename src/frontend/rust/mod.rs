//! The Rust front-end (syn): crates and workspaces from Cargo manifests, the module
//! tree, `use` imports, statically resolvable calls, and the diesel, sqlx, SeaORM,
//! axum and actix-web rules.
//!
//! - [`facts`]: what one file yields (cached); [`extract`]: syn → facts.
//! - [`link`]: crates, modules, name resolution, `contains`/`imports`/`calls`.
//! - [`diesel`], [`sqlx`], [`seaorm`], [`routes`]: one framework's rules each.

mod diesel;
mod extract;
pub mod facts;
mod link;
mod routes;
mod seaorm;
mod sqlx;

pub use facts::RustFileFacts;

use super::{Extracted, ParsedFile};
use crate::diagnostics::Diagnostic;
use crate::graph::Graph;
use crate::source::{FileKind, SourceFile};

/// Integration tests, benches and examples are excluded unless tests are asked for.
pub fn keep(rel: &str, include_tests: bool) -> bool {
    include_tests
        || !rel
            .split('/')
            .any(|part| matches!(part, "tests" | "benches" | "examples"))
}

/// Reads one Rust source file or `Cargo.toml`. Never panics: text syn cannot parse comes
/// back skipped with a `parse-error` diagnostic at syn's error position.
pub fn extract(file: &SourceFile, text: &str) -> Extracted {
    match file.kind {
        FileKind::CargoToml => extract::extract_manifest(&file.rel, text),
        _ => extract::extract_source(&file.rel, text),
    }
}

/// Links every Rust file's facts into the graph.
pub fn link(files: &[ParsedFile], graph: &mut Graph, diagnostics: &mut Vec<Diagnostic>) {
    link::link(files, graph, diagnostics);
}
