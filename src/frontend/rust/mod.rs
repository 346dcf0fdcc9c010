//! The Rust front-end (syn): crates, modules, `use`, calls, diesel, sqlx, SeaORM, routes.

use serde::{Deserialize, Serialize};

use super::{Extracted, ParsedFile};
use crate::diagnostics::Diagnostic;
use crate::graph::Graph;
use crate::source::SourceFile;

/// Facts of one Rust source file or Cargo manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RustFileFacts {}

/// Integration tests, benches and examples are excluded unless tests are asked for.
pub fn keep(rel: &str, include_tests: bool) -> bool {
    include_tests
        || !rel
            .split('/')
            .any(|part| matches!(part, "tests" | "benches" | "examples"))
}

pub fn extract(_file: &SourceFile, _text: &str) -> Extracted {
    Extracted::ok(super::FileFacts::Rust(RustFileFacts {}), 0)
}

pub fn link(_files: &[ParsedFile], _graph: &mut Graph, _diagnostics: &mut Vec<Diagnostic>) {}
