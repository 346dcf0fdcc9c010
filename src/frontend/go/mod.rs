//! The Go front-end (tree-sitter-go): packages, imports, calls, GORM, database/sql, routes.
//!
//! - `facts`: what one file says (syntax summary), cached by content hash;
//! - `extract`: tree-sitter → facts, and `go.mod`/`go.work`;
//! - `program`: modules, packages and name/type resolution over all facts;
//! - `link`: code nodes, imports and calls; `gorm`, `sql`, `routes`: framework rules;
//! - `naming`: GORM's table naming (snake_case + jinzhu/inflection plural).

mod extract;
pub mod facts;
mod gorm;
mod link;
pub mod naming;
mod program;
mod routes;
mod sql;

pub use facts::GoFileFacts;

use super::{Extracted, FileFacts, ParsedFile};
use crate::diagnostics::Diagnostic;
use crate::graph::Graph;
use crate::source::{FileKind, SourceFile};

/// `_test.go` files are excluded unless tests are asked for.
pub fn keep(rel: &str, include_tests: bool) -> bool {
    include_tests || !rel.ends_with("_test.go")
}

pub fn extract(file: &SourceFile, text: &str) -> Extracted {
    match file.kind {
        FileKind::GoMod => Extracted::ok(
            FileFacts::Go(extract::extract_go_mod(text)),
            crate::source::count_loc(text, "//"),
        ),
        FileKind::GoWork => Extracted::ok(
            FileFacts::Go(extract::extract_go_work(text)),
            crate::source::count_loc(text, "//"),
        ),
        _ => extract::extract_go(&file.rel, text),
    }
}

pub fn link(files: &[ParsedFile], graph: &mut Graph, diagnostics: &mut Vec<Diagnostic>) {
    link::link(files, graph, diagnostics);
}
