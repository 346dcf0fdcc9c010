//! The Go front-end (tree-sitter-go): packages, imports, calls, GORM, database/sql, routes.

use serde::{Deserialize, Serialize};

use super::{Extracted, ParsedFile};
use crate::diagnostics::Diagnostic;
use crate::graph::Graph;
use crate::source::SourceFile;

/// Facts of one Go source file or manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GoFileFacts {}

/// `_test.go` files are excluded unless tests are asked for.
pub fn keep(rel: &str, include_tests: bool) -> bool {
    include_tests || !rel.ends_with("_test.go")
}

pub fn extract(_file: &SourceFile, _text: &str) -> Extracted {
    Extracted::ok(super::FileFacts::Go(GoFileFacts {}), 0)
}

pub fn link(_files: &[ParsedFile], _graph: &mut Graph, _diagnostics: &mut Vec<Diagnostic>) {}
