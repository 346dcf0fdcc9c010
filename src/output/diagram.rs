//! DOT and Mermaid diagrams. Code is drawn at module level, grouped by the authors'
//! grouping (app, package, crate), with models and tables, so a diagram of a real
//! monolith stays readable; function-level edges are lifted to their modules.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::graph::{EdgeKind, Graph, Node, NodeKind};

/// The node a diagram draws for `node`: code lifts to its module; data and routes stay.
fn drawn<'g>(graph: &'g Graph, node: &'g Node) -> Option<&'g Node> {
    if node.kind.is_code() {
        graph.enclosing(&node.id, NodeKind::Module)
    } else {
        Some(node)
    }
}

struct Diagram<'g> {
    /// group → nodes in it
    groups: BTreeMap<String, Vec<&'g Node>>,
    /// (from id, to id, kind) → weight
    edges: BTreeMap<(&'g str, &'g str, EdgeKind), u32>,
}

fn diagram(graph: &Graph) -> Diagram<'_> {
    let mut groups: BTreeMap<String, Vec<&Node>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut edges = BTreeMap::new();
    for (from, to, edge) in graph.edges() {
        if edge.kind == EdgeKind::Contains {
            continue;
        }
        let (Some(a), Some(b)) = (drawn(graph, from), drawn(graph, to)) else {
            continue;
        };
        if a.id == b.id {
            continue;
        }
        for n in [a, b] {
            if seen.insert(n.id.as_str()) {
                groups
                    .entry(n.group.clone().unwrap_or_default())
                    .or_default()
                    .push(n);
            }
        }
        *edges
            .entry((a.id.as_str(), b.id.as_str(), edge.kind))
            .or_insert(0) += edge.weight;
    }
    for n in graph.nodes() {
        if matches!(n.kind, NodeKind::Model | NodeKind::Table) && seen.insert(n.id.as_str()) {
            groups
                .entry(n.group.clone().unwrap_or_default())
                .or_default()
                .push(n);
        }
    }
    for nodes in groups.values_mut() {
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
    }
    Diagram { groups, edges }
}

fn shape(kind: NodeKind) -> &'static str {
    match kind {
        NodeKind::Table => "cylinder",
        NodeKind::Model => "box3d",
        NodeKind::Route => "cds",
        _ => "box",
    }
}

fn style(kind: EdgeKind) -> &'static str {
    match kind {
        EdgeKind::Writes => "color=red",
        EdgeKind::Reads => "color=blue",
        EdgeKind::Fk | EdgeKind::O2o | EdgeKind::M2m => "style=dashed",
        EdgeKind::MapsTo => "style=dotted",
        _ => "color=gray40",
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Graphviz DOT, one cluster per group.
pub fn to_dot(graph: &Graph) -> String {
    let d = diagram(graph);
    let mut out = String::from("digraph seam {\n  rankdir=LR;\n  node [fontsize=10];\n");
    for (i, (group, nodes)) in d.groups.iter().enumerate() {
        let indent = if group.is_empty() {
            "  "
        } else {
            let _ = writeln!(
                out,
                "  subgraph cluster_{i} {{\n    label=\"{}\";",
                dot_escape(group)
            );
            "    "
        };
        for n in nodes {
            let _ = writeln!(
                out,
                "{indent}\"{}\" [label=\"{}\", shape={}];",
                dot_escape(&n.id),
                dot_escape(&n.name),
                shape(n.kind)
            );
        }
        if !group.is_empty() {
            out.push_str("  }\n");
        }
    }
    for ((a, b, kind), weight) in &d.edges {
        let _ = writeln!(
            out,
            "  \"{}\" -> \"{}\" [label=\"{} {weight}\", {}];",
            dot_escape(a),
            dot_escape(b),
            kind.as_str(),
            style(*kind)
        );
    }
    out.push_str("}\n");
    out
}

/// Mermaid `flowchart`, one subgraph per group. Node ids are numbered, since Mermaid
/// ids cannot hold the punctuation seam's ids use.
pub fn to_mermaid(graph: &Graph) -> String {
    let d = diagram(graph);
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    let mut out = String::from("flowchart LR\n");
    for (group, nodes) in &d.groups {
        if !group.is_empty() {
            let _ = writeln!(
                out,
                "  subgraph g{}[\"{}\"]",
                ids.len(),
                mermaid_text(group)
            );
        }
        for n in nodes {
            let id = ids.len();
            ids.insert(&n.id, id);
            let label = mermaid_text(&n.name);
            let _ = match n.kind {
                NodeKind::Table => writeln!(out, "    n{id}[(\"{label}\")]"),
                NodeKind::Model => writeln!(out, "    n{id}[[\"{label}\"]]"),
                NodeKind::Route => writeln!(out, "    n{id}>\"{label}\"]"),
                _ => writeln!(out, "    n{id}[\"{label}\"]"),
            };
        }
        if !group.is_empty() {
            out.push_str("  end\n");
        }
    }
    for ((a, b, kind), weight) in &d.edges {
        let arrow = match kind {
            EdgeKind::Fk | EdgeKind::O2o | EdgeKind::M2m | EdgeKind::MapsTo => "-.->",
            EdgeKind::Writes => "==>",
            _ => "-->",
        };
        let _ = writeln!(
            out,
            "  n{} {arrow}|{} {weight}| n{}",
            ids[a],
            kind.as_str(),
            ids[b]
        );
    }
    out
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::Node;

    fn sample() -> Graph {
        let mut g = Graph::new();
        g.add_node(Node::new("py:orders.views", NodeKind::Module, "orders.views").group("orders"));
        g.add_node(
            Node::new("py:orders.views.place", NodeKind::Function, "place")
                .group("orders")
                .parent("py:orders.views"),
        );
        g.add_node(
            Node::new("table:orders_order", NodeKind::Table, "orders_order").group("orders"),
        );
        g.add_edge(
            "py:orders.views.place",
            "table:orders_order",
            EdgeKind::Writes,
            None,
            None,
        );
        g
    }

    #[test]
    fn dot_lifts_functions_to_modules() {
        let dot = to_dot(&sample());
        assert!(dot.contains("\"py:orders.views\" -> \"table:orders_order\" [label=\"writes 1\""));
        assert!(dot.contains("subgraph cluster_0"));
    }

    #[test]
    fn mermaid_numbers_nodes() {
        let m = to_mermaid(&sample());
        assert!(m.starts_with("flowchart LR\n"));
        assert!(m.contains("==>|writes 1|"));
    }
}
