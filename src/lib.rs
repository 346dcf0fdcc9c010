//! seam finds the seams in a monolith and turns them into services.
//!
//! The pipeline, one module per stage (see ARCHITECTURE.md):
//! [`source`] walks the tree → [`frontend`] extracts per-file facts ([`cache`]d) and links
//! them per language into the [`graph`] → [`output`] renders it. [`analyze`] runs the
//! stages; [`cli`] is the command line.

pub mod alloc;
pub mod analyze;
pub mod cache;
pub mod cli;
pub mod cluster;
pub mod decomposition;
pub mod diagnostics;
pub mod events;
pub mod frontend;
pub mod fs;
pub mod graph;
pub mod metrics;
pub mod output;
pub mod propose;
pub mod scaffold;
pub mod source;
pub mod sql;
pub mod synth;
pub mod yaml;
