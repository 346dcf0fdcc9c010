//! A compact binary form of a [`Graph`], for the tree snapshot of the cache (a warm
//! re-analysis reads it instead of linking the facts again).
//!
//! postcard is not self-describing, so the JSON form's `skip_serializing_if` cannot
//! be used: nodes and edges are written here as rows with every field, borrowed from
//! the graph (no copy of a large graph is made to store it). Edges name their ends by
//! the position of the node in the rows. Nodes and edges keep the graph's order, so
//! the graph read back iterates exactly like the one written.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::{Edge, EdgeKind, Evidence, Graph, Lang, Node, NodeKind};

/// The graph as postcard bytes.
pub fn to_bytes(graph: &Graph) -> Vec<u8> {
    let position: HashMap<_, u32> = graph
        .inner
        .node_indices()
        .enumerate()
        .map(|(i, ix)| (ix, i as u32))
        .collect();
    let rows = RowsRef {
        nodes: graph.nodes().map(NodeRef::of).collect(),
        edges: graph
            .inner
            .edge_indices()
            .filter_map(|ix| {
                let (a, b) = graph.inner.edge_endpoints(ix)?;
                let e = &graph.inner[ix];
                Some(EdgeRef {
                    from: position[&a],
                    to: position[&b],
                    kind: e.kind,
                    label: &e.label,
                    weight: e.weight,
                    evidence: &e.evidence,
                    attrs: &e.attrs,
                })
            })
            .collect(),
    };
    postcard::to_stdvec(&rows).expect("a graph serialises to postcard")
}

/// Reads a graph written by [`to_bytes`]; `None` if the bytes are not one.
pub fn from_bytes(bytes: &[u8]) -> Option<Graph> {
    let rows: Rows = postcard::from_bytes(bytes).ok()?;
    let mut graph = Graph::new();
    let mut index = Vec::with_capacity(rows.nodes.len());
    for n in rows.nodes {
        index.push(graph.add_node(Node {
            id: n.id,
            kind: n.kind,
            name: n.name,
            lang: n.lang,
            group: n.group,
            file: n.file,
            line: n.line,
            loc: n.loc,
            parent: n.parent,
            external: n.external,
            attrs: n.attrs,
        }));
    }
    for e in rows.edges {
        let (&from, &to) = (index.get(e.from as usize)?, index.get(e.to as usize)?);
        graph.insert_edge(
            from,
            to,
            Edge {
                kind: e.kind,
                label: e.label,
                weight: e.weight,
                evidence: e.evidence,
                attrs: e.attrs,
            },
        );
    }
    Some(graph)
}

// The written (borrowed) and read (owned) rows must list the same fields in the same
// order: postcard encodes `&str` like `String` and `&T` like `T`.

#[derive(Serialize)]
struct RowsRef<'g> {
    nodes: Vec<NodeRef<'g>>,
    edges: Vec<EdgeRef<'g>>,
}

#[derive(Serialize)]
struct NodeRef<'g> {
    id: &'g str,
    kind: NodeKind,
    name: &'g str,
    lang: Option<Lang>,
    group: &'g Option<String>,
    file: &'g Option<String>,
    line: Option<u32>,
    loc: Option<u32>,
    parent: &'g Option<String>,
    external: bool,
    attrs: &'g BTreeMap<String, String>,
}

impl<'g> NodeRef<'g> {
    fn of(n: &'g Node) -> Self {
        NodeRef {
            id: &n.id,
            kind: n.kind,
            name: &n.name,
            lang: n.lang,
            group: &n.group,
            file: &n.file,
            line: n.line,
            loc: n.loc,
            parent: &n.parent,
            external: n.external,
            attrs: &n.attrs,
        }
    }
}

#[derive(Serialize)]
struct EdgeRef<'g> {
    from: u32,
    to: u32,
    kind: EdgeKind,
    label: &'g Option<String>,
    weight: u32,
    evidence: &'g Vec<Evidence>,
    attrs: &'g BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct Rows {
    nodes: Vec<NodeRow>,
    edges: Vec<EdgeRow>,
}

#[derive(Deserialize)]
struct NodeRow {
    id: String,
    kind: NodeKind,
    name: String,
    lang: Option<Lang>,
    group: Option<String>,
    file: Option<String>,
    line: Option<u32>,
    loc: Option<u32>,
    parent: Option<String>,
    external: bool,
    attrs: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct EdgeRow {
    from: u32,
    to: u32,
    kind: EdgeKind,
    label: Option<String>,
    weight: u32,
    evidence: Vec<Evidence>,
    attrs: BTreeMap<String, String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphDocument;

    #[test]
    fn round_trips_every_field_in_order() {
        let mut g = Graph::new();
        g.add_node(
            Node::new("py:orders.models", NodeKind::Module, "orders.models")
                .lang(Lang::Python)
                .group("orders")
                .at("orders/models.py", 1),
        );
        g.add_node(
            Node::new("model:orders.Order", NodeKind::Model, "Order")
                .lang(Lang::Python)
                .parent("py:orders.models")
                .attr("table", "orders_order"),
        );
        g.add_node(Node::new("model:auth.User", NodeKind::Model, "User").external());
        g.add_node(Node::new(
            "table:orders_order",
            NodeKind::Table,
            "orders_order",
        ));
        for line in [4, 9] {
            g.add_edge(
                "model:orders.Order",
                "table:orders_order",
                EdgeKind::MapsTo,
                None,
                Some(Evidence::new("orders/models.py", line)),
            );
        }
        g.add_edge_ix(
            g.index_of("model:orders.Order").unwrap(),
            g.index_of("model:auth.User").unwrap(),
            EdgeKind::Fk,
            Some("customer"),
            None,
        )
        .attrs
        .insert("null".to_owned(), "true".to_owned());

        let back = from_bytes(&to_bytes(&g)).expect("reads back");
        let ids = |g: &Graph| g.nodes().map(|n| n.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&back), ids(&g), "node order is kept");
        assert_eq!(
            GraphDocument::new(back, "shop", vec![]).to_json(),
            GraphDocument::new(g, "shop", vec![]).to_json()
        );
    }

    #[test]
    fn rejects_bytes_that_are_not_a_graph() {
        assert!(from_bytes(b"\x05not a graph").is_none());
        // An edge naming a node position that does not exist.
        let node = Node::new("a", NodeKind::Module, "a");
        let (no_evidence, no_attrs) = (Vec::new(), BTreeMap::new());
        let dangling = RowsRef {
            nodes: vec![NodeRef::of(&node)],
            edges: vec![EdgeRef {
                from: 0,
                to: 5,
                kind: EdgeKind::Imports,
                label: &None,
                weight: 1,
                evidence: &no_evidence,
                attrs: &no_attrs,
            }],
        };
        assert!(from_bytes(&postcard::to_stdvec(&dangling).unwrap()).is_none());
    }
}
