//! The Python front-end: tree-sitter-python facts per file, then Django's rules.

mod code;
pub mod django;
mod extract;
pub mod facts;
pub mod resolve;

pub use facts::PyFacts;

use super::{Extracted, ParsedFile};
use crate::diagnostics::Diagnostic;
use crate::graph::Graph;

/// Test modules and Django migrations are excluded by default: tests are not part of
/// any service, and migrations are generated code that restates the models.
pub fn keep(rel: &str, include_tests: bool) -> bool {
    let mut parts = rel.split('/');
    let file = parts.next_back().unwrap_or("");
    let dirs: Vec<&str> = parts.collect();
    if dirs.contains(&"migrations") {
        return false;
    }
    if include_tests {
        return true;
    }
    let is_test_file = file == "tests.py"
        || file == "conftest.py"
        || file.starts_with("test_")
        || file.ends_with("_tests.py")
        || file.ends_with("_test.py");
    !(is_test_file || dirs.iter().any(|d| *d == "tests" || *d == "test"))
}

pub fn extract(rel: &str, text: &str) -> Extracted {
    extract::extract(rel, text)
}

pub fn link(files: &[ParsedFile], graph: &mut Graph, diagnostics: &mut Vec<Diagnostic>) {
    let program = resolve::Program::new(files);
    if program.modules.is_empty() {
        return;
    }
    django::link(&program, graph, diagnostics);
}
