//! `seam scaffold`: one service skeleton per context of a decomposition, plus the
//! system-level files that run them together.
//!
//! - [`context`]: the values templates see (names in every case, ports, routes, tags);
//! - [`traefik`]: Traefik v3 tags for the Consul Catalog provider — the one place
//!   routing rules are written;
//! - [`versions`]: the versions of frameworks and libraries generated code uses;
//! - [`render`]: templates under `templates/` (embedded in the binary) → files;
//! - [`stack`]: how `run-local` starts each stack's service;
//! - [`plan`]: render every file and decide, against the disk and the [`manifest`],
//!   what a run creates, updates, keeps (user edits) or reports;
//! - [`write`]: apply a plan atomically and record the manifest.
//!
//! The scaffolder reads a [`crate::decomposition::Decomposition`]; it knows nothing of
//! front-ends, tree-sitter or clustering.

pub mod base64;
pub mod context;
pub mod manifest;
pub mod plan;
pub mod render;
pub mod stack;
pub mod traefik;
pub mod versions;
pub mod write;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/templates.rs"));
}

/// Every embedded template: (path under `templates/`, contents).
pub fn templates() -> &'static [(&'static str, &'static str)] {
    embedded::TEMPLATES
}
