//! The versioned JSON document `seam analyze --format json` writes and later
//! stages (`seam propose graph.json`) read back.
//!
//! ```json
//! {
//!   "format": "seam-graph",
//!   "version": 1,
//!   "generator": "seam 0.1.0",
//!   "root": "shop",
//!   "languages": ["python"],
//!   "nodes": [ { "id": "model:orders.Order", "kind": "model", "name": "Order", ... } ],
//!   "edges": [ { "from": "...", "to": "...", "kind": "reads", "weight": 3,
//!                "evidence": [ { "file": "orders/views.py", "line": 12 } ] } ],
//!   "diagnostics": [ { "severity": "warning", "code": "parse-error", ... } ]
//! }
//! ```
//!
//! Compatibility rule: a reader accepts any document whose `format` matches and whose
//! `version` is not newer than [`FORMAT_VERSION`]. Adding optional fields does not
//! bump the version; renaming, removing or changing the meaning of one does.
//! Nodes and edges are sorted (nodes by id; edges by from, to, kind, label) so the
//! same code always gives byte-identical output.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{Edge, EdgeKind, Evidence, Graph, Lang, Node};
use crate::diagnostics::Diagnostic;

pub const FORMAT_NAME: &str = "seam-graph";
pub const FORMAT_VERSION: u32 = 1;

/// The whole JSON document: graph plus provenance and the diagnostics of the run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GraphDocument {
    pub format: String,
    pub version: u32,
    pub generator: String,
    /// The analysed directory as given on the command line.
    pub root: String,
    pub languages: Vec<Lang>,
    pub nodes: Vec<Node>,
    pub edges: Vec<EdgeRecord>,
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
}

/// One edge in the document: its ends by node id, then the edge payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EdgeRecord {
    pub from: String,
    pub to: String,
    pub kind: EdgeKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub weight: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("not a seam graph: expected \"format\": \"{FORMAT_NAME}\", found {0:?}")]
    WrongFormat(String),
    #[error(
        "graph format version {0} is newer than this seam understands ({FORMAT_VERSION}); upgrade seam or re-run `seam analyze`"
    )]
    TooNew(u32),
    #[error("edge {from} -> {to} names a node that is not in the document")]
    DanglingEdge { from: String, to: String },
    #[error("invalid graph JSON at line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
}

impl GraphDocument {
    /// The document of `graph`, which it takes apart (a large graph is moved into the
    /// document, not copied).
    pub fn new(graph: Graph, root: &str, diagnostics: Vec<Diagnostic>) -> Self {
        let (nodes, edges) = petgraph::Graph::from(graph.inner).into_nodes_edges();
        let mut edges: Vec<EdgeRecord> = edges
            .into_iter()
            .map(|e| {
                let (from, to) = (e.source().index(), e.target().index());
                let mut edge = e.weight;
                edge.evidence.sort();
                EdgeRecord {
                    from: nodes[from].weight.id.clone(),
                    to: nodes[to].weight.id.clone(),
                    kind: edge.kind,
                    label: edge.label,
                    weight: edge.weight,
                    evidence: edge.evidence,
                    attrs: edge.attrs,
                }
            })
            .collect();
        edges.sort_by(|a, b| {
            (&a.from, &a.to, a.kind, &a.label).cmp(&(&b.from, &b.to, b.kind, &b.label))
        });
        let mut nodes: Vec<Node> = nodes.into_iter().map(|n| n.weight).collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        let mut languages: Vec<Lang> = nodes.iter().filter_map(|n| n.lang).collect();
        languages.sort();
        languages.dedup();
        GraphDocument {
            format: FORMAT_NAME.to_owned(),
            version: FORMAT_VERSION,
            generator: format!("seam {}", env!("CARGO_PKG_VERSION")),
            root: root.to_owned(),
            languages,
            nodes,
            edges,
            diagnostics,
        }
    }

    pub fn to_json(&self) -> String {
        let mut bytes = Vec::new();
        self.write_json(&mut bytes).expect("writing to memory");
        String::from_utf8(bytes).expect("serde_json writes UTF-8")
    }

    /// Writes the document as pretty JSON (and a final newline) to `out`, as it goes:
    /// a large graph's text is never held whole in memory.
    pub fn write_json<W: std::io::Write>(&self, mut out: W) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut out, self).map_err(std::io::Error::from)?;
        out.write_all(b"\n")
    }

    /// Parses and checks a document; the graph is rebuilt with [`GraphDocument::into_graph`].
    pub fn from_json(text: &str) -> Result<Self, DocumentError> {
        let doc: GraphDocument = serde_json::from_str(text).map_err(|e| DocumentError::Syntax {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        })?;
        if doc.format != FORMAT_NAME {
            return Err(DocumentError::WrongFormat(doc.format));
        }
        if doc.version > FORMAT_VERSION {
            return Err(DocumentError::TooNew(doc.version));
        }
        Ok(doc)
    }

    /// The graph of the document, which it takes apart (nodes and edges are moved).
    pub fn into_graph(self) -> Result<Graph, DocumentError> {
        let mut graph = Graph::new();
        for node in self.nodes {
            graph.add_node(node);
        }
        for e in self.edges {
            let (Some(a), Some(b)) = (graph.index_of(&e.from), graph.index_of(&e.to)) else {
                return Err(DocumentError::DanglingEdge {
                    from: e.from,
                    to: e.to,
                });
            };
            graph.insert_edge(
                a,
                b,
                Edge {
                    kind: e.kind,
                    label: e.label,
                    weight: e.weight,
                    evidence: e.evidence,
                    attrs: e.attrs,
                },
            );
        }
        Ok(graph)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::NodeKind;

    #[test]
    fn round_trips_through_json() {
        let mut g = Graph::new();
        g.add_node(
            Node::new("model:orders.Order", NodeKind::Model, "Order")
                .lang(Lang::Python)
                .attr("table", "orders_order"),
        );
        g.add_node(Node::new(
            "table:orders_order",
            NodeKind::Table,
            "orders_order",
        ));
        g.add_edge(
            "model:orders.Order",
            "table:orders_order",
            EdgeKind::MapsTo,
            None,
            Some(Evidence::new("orders/models.py", 4)),
        );
        let doc = GraphDocument::new(g, "shop", vec![]);
        let text = doc.to_json();
        let back = GraphDocument::from_json(&text).unwrap();
        assert_eq!(back.to_json(), text);
        let g2 = back.into_graph().unwrap();
        assert_eq!(g2.node_count(), 2);
        assert_eq!(g2.edge_count(), 1);
    }

    #[test]
    fn rejects_newer_versions_and_other_formats() {
        let newer = format!(
            r#"{{"format":"seam-graph","version":{},"generator":"x","root":".","languages":[],"nodes":[],"edges":[]}}"#,
            FORMAT_VERSION + 1
        );
        assert!(matches!(
            GraphDocument::from_json(&newer),
            Err(DocumentError::TooNew(_))
        ));
        let other = r#"{"format":"other","version":1,"generator":"x","root":".","languages":[],"nodes":[],"edges":[]}"#;
        assert!(matches!(
            GraphDocument::from_json(other),
            Err(DocumentError::WrongFormat(_))
        ));
        assert!(matches!(
            GraphDocument::from_json("{"),
            Err(DocumentError::Syntax { .. })
        ));
    }
}
