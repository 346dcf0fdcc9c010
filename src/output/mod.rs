//! Renderings of the graph for people: Graphviz DOT, Mermaid and a readable summary.
//! (The machine format, JSON, belongs to the graph model: [`crate::graph::GraphDocument`].)

mod diagram;
mod summary;

pub use diagram::{to_dot, to_mermaid};
pub use summary::summary;
