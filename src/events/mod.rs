//! Event-storming output as an input to `seam propose`.
//!
//! A workshop file (`workshop.yaml`, format in [`model`] and the README, JSON Schema in
//! [`WORKSHOP_SCHEMA`]) is read and validated by [`load::load_workshop`], turned into
//! the same [`Decomposition`](crate::decomposition::Decomposition) code analysis
//! produces by [`derive::decomposition_from_workshop`], and, together with a code
//! graph, gives the clustering its seeds and reports disagreements
//! ([`combine::seeds_from_workshop`], [`combine::disagreements`]).
//!
//! This module knows the decomposition model and the graph model; it knows nothing of
//! front-ends, clustering internals or scaffolding.

pub mod combine;
pub mod derive;
pub mod load;
pub mod model;

pub use combine::{Disagreement, Seeds, disagreements, seeds_from_workshop};
pub use derive::decomposition_from_workshop;
pub use load::{LoadError, load_workshop};
pub use model::Workshop;

/// The JSON Schema (draft 2020-12) of the workshop format, for editors:
/// `# yaml-language-server: $schema=<path or URL of src/events/workshop.schema.json>`.
pub const WORKSHOP_SCHEMA: &str = include_str!("workshop.schema.json");
