//! The language-neutral graph model every stage after analysis reads.
//!
//! Nodes are code units (modules, functions, methods, types), data (ORM models,
//! database tables) and HTTP routes. Edges say how they depend on each other and
//! carry a weight (how many occurrences were seen) and evidence (where, capped) so
//! that any later explanation can point at code.
//!
//! This module knows nothing of any language or framework: front-ends fill it,
//! clustering and output read it.

pub mod binary;
mod json;

pub use json::{FORMAT_NAME, FORMAT_VERSION, GraphDocument};

use std::collections::{BTreeMap, HashMap};

use petgraph::stable_graph::{EdgeIndex, NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use serde::{Deserialize, Serialize};

/// How many evidence locations an edge keeps; the weight still counts all of them.
pub const MAX_EVIDENCE: usize = 16;

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    /// A source module: a Python file, a Go package, a Rust module.
    Module,
    /// A free function.
    Function,
    /// A function bound to a type (Python method, Go method, Rust impl fn).
    Method,
    /// A class, struct, enum or trait. Views are types (or functions) with `role=view`.
    Type,
    /// An ORM model (Django model, GORM struct, diesel/SeaORM entity).
    Model,
    /// A database table.
    Table,
    /// An HTTP route (a URL pattern bound to a handler).
    Route,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Module => "module",
            NodeKind::Function => "function",
            NodeKind::Method => "method",
            NodeKind::Type => "type",
            NodeKind::Model => "model",
            NodeKind::Table => "table",
            NodeKind::Route => "route",
        }
    }

    /// True for nodes that are code (they have a file and lines), as opposed to data or routes.
    pub fn is_code(self) -> bool {
        matches!(
            self,
            NodeKind::Module | NodeKind::Function | NodeKind::Method | NodeKind::Type
        )
    }
}

/// How one node depends on another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeKind {
    /// A module, type or function defines the target (module → function, type → method).
    Contains,
    /// A module imports another module.
    Imports,
    /// Code calls a function, method or constructor.
    Calls,
    /// A type (or model) inherits from another.
    Inherits,
    /// Code reads a table.
    Reads,
    /// Code writes (inserts, updates or deletes rows of) a table.
    Writes,
    /// A model has a many-to-one relation (foreign key) to another; the label is the field.
    Fk,
    /// A model has a one-to-one relation to another; the label is the field.
    O2o,
    /// A model has a many-to-many relation to another; the label is the field.
    M2m,
    /// A model is stored in a table.
    MapsTo,
    /// A route is served by a handler (function, method or view class).
    RoutesTo,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Contains => "contains",
            EdgeKind::Imports => "imports",
            EdgeKind::Calls => "calls",
            EdgeKind::Inherits => "inherits",
            EdgeKind::Reads => "reads",
            EdgeKind::Writes => "writes",
            EdgeKind::Fk => "fk",
            EdgeKind::O2o => "o2o",
            EdgeKind::M2m => "m2m",
            EdgeKind::MapsTo => "maps_to",
            EdgeKind::RoutesTo => "routes_to",
        }
    }

    /// Relations between models (fk, o2o, m2m).
    pub fn is_relation(self) -> bool {
        matches!(self, EdgeKind::Fk | EdgeKind::O2o | EdgeKind::M2m)
    }

    /// Data access from code to a table.
    pub fn is_data_access(self) -> bool {
        matches!(self, EdgeKind::Reads | EdgeKind::Writes)
    }
}

/// The language a code node was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    Python,
    Go,
    Rust,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Python => "python",
            Lang::Go => "go",
            Lang::Rust => "rust",
        }
    }
}

/// A place in the analysed tree: a path relative to the analysis root and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Evidence {
    pub file: String,
    pub line: u32,
}

impl Evidence {
    pub fn new(file: impl Into<String>, line: u32) -> Self {
        Evidence {
            file: file.into(),
            line,
        }
    }
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A node of the graph. `id` is unique and stable across runs on the same code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub kind: NodeKind,
    /// Short display name (`Order`, `orders_order`, `OrderList.get`).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<Lang>,
    /// The grouping the code's authors chose: Django app label, Go package path,
    /// Rust crate. Clustering may ignore it; evaluation compares against it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// Lines of code (non-blank, non-comment) for modules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loc: Option<u32>,
    /// The id of the node that contains this one (module of a function, type of a method).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Referenced by the analysed code but defined outside it (e.g. `auth.User`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
    /// Framework-specific facts (`table`, `abstract`, `proxy`, `role`, `methods`…).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, String>,
}

impl Node {
    pub fn new(id: impl Into<String>, kind: NodeKind, name: impl Into<String>) -> Self {
        Node {
            id: id.into(),
            kind,
            name: name.into(),
            lang: None,
            group: None,
            file: None,
            line: None,
            loc: None,
            parent: None,
            external: false,
            attrs: BTreeMap::new(),
        }
    }

    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = Some(lang);
        self
    }

    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    pub fn at(mut self, file: impl Into<String>, line: u32) -> Self {
        self.file = Some(file.into());
        self.line = Some(line);
        self
    }

    pub fn parent(mut self, parent: impl Into<String>) -> Self {
        self.parent = Some(parent.into());
        self
    }

    pub fn external(mut self) -> Self {
        self.external = true;
        self
    }

    pub fn attr(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.attrs.insert(key.into(), value.into());
        self
    }
}

/// An edge payload: what kind of dependency, how often, and where.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Edge {
    pub kind: EdgeKind,
    /// Distinguishes parallel edges of one kind (a relation's field name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub weight: u32,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, String>,
}

type EdgeKey = (NodeIndex, NodeIndex, EdgeKind, Option<String>);

/// The dependency and data-access graph.
///
/// Adding a node whose id exists fills in what the existing node lacks; adding an
/// edge that exists (same ends, kind and label) adds to its weight and evidence.
#[derive(Debug, Default, Clone)]
pub struct Graph {
    inner: StableDiGraph<Node, Edge>,
    by_id: HashMap<String, NodeIndex>,
    edges_by_key: HashMap<EdgeKey, EdgeIndex>,
}

impl Graph {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node, or merges it into the node with the same id and returns that.
    pub fn add_node(&mut self, node: Node) -> NodeIndex {
        if let Some(&ix) = self.by_id.get(&node.id) {
            let existing = &mut self.inner[ix];
            // A definition wins over an external placeholder created by a reference.
            if existing.external && !node.external {
                let attrs = std::mem::take(&mut existing.attrs);
                *existing = node;
                for (k, v) in attrs {
                    existing.attrs.entry(k).or_insert(v);
                }
                return ix;
            }
            merge_missing(existing, node);
            return ix;
        }
        let id = node.id.clone();
        let ix = self.inner.add_node(node);
        self.by_id.insert(id, ix);
        ix
    }

    pub fn index_of(&self, id: &str) -> Option<NodeIndex> {
        self.by_id.get(id).copied()
    }

    pub fn node(&self, id: &str) -> Option<&Node> {
        self.index_of(id).map(|ix| &self.inner[ix])
    }

    pub fn node_mut(&mut self, id: &str) -> Option<&mut Node> {
        self.index_of(id).map(|ix| &mut self.inner[ix])
    }

    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Adds one occurrence of a dependency between two existing nodes.
    ///
    /// Returns `false` (and adds nothing) when either end is unknown, so front-ends
    /// can offer edges to targets that may lie outside the analysed tree.
    pub fn add_edge(
        &mut self,
        from: &str,
        to: &str,
        kind: EdgeKind,
        label: Option<&str>,
        evidence: Option<Evidence>,
    ) -> bool {
        let (Some(a), Some(b)) = (self.index_of(from), self.index_of(to)) else {
            return false;
        };
        self.add_edge_ix(a, b, kind, label, evidence);
        true
    }

    /// Like [`Graph::add_edge`], and returns the edge so callers can set attributes.
    pub fn add_edge_ix(
        &mut self,
        from: NodeIndex,
        to: NodeIndex,
        kind: EdgeKind,
        label: Option<&str>,
        evidence: Option<Evidence>,
    ) -> &mut Edge {
        let key = (from, to, kind, label.map(str::to_owned));
        let ix = match self.edges_by_key.get(&key) {
            Some(&ix) => {
                self.inner[ix].weight += 1;
                ix
            }
            None => {
                let ix = self.inner.add_edge(
                    from,
                    to,
                    Edge {
                        kind,
                        label: key.3.clone(),
                        weight: 1,
                        evidence: Vec::new(),
                        attrs: BTreeMap::new(),
                    },
                );
                self.edges_by_key.insert(key, ix);
                ix
            }
        };
        let edge = &mut self.inner[ix];
        if let Some(ev) = evidence
            && edge.evidence.len() < MAX_EVIDENCE
            && !edge.evidence.contains(&ev)
        {
            edge.evidence.push(ev);
        }
        edge
    }

    /// Inserts an edge with a given weight and evidence as-is (used when reading a document).
    fn insert_edge(&mut self, from: NodeIndex, to: NodeIndex, edge: Edge) {
        let key = (from, to, edge.kind, edge.label.clone());
        if let Some(&ix) = self.edges_by_key.get(&key) {
            let existing = &mut self.inner[ix];
            existing.weight += edge.weight;
            for ev in edge.evidence {
                if existing.evidence.len() < MAX_EVIDENCE && !existing.evidence.contains(&ev) {
                    existing.evidence.push(ev);
                }
            }
            return;
        }
        let ix = self.inner.add_edge(from, to, edge);
        self.edges_by_key.insert(key, ix);
    }

    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.inner.node_weights()
    }

    pub fn node_count(&self) -> usize {
        self.inner.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.inner.edge_count()
    }

    /// Every edge as (from node, to node, edge).
    pub fn edges(&self) -> impl Iterator<Item = (&Node, &Node, &Edge)> {
        (&self.inner)
            .edge_references()
            .map(|e| (&self.inner[e.source()], &self.inner[e.target()], e.weight()))
    }

    /// Edges leaving a node.
    pub fn outgoing<'a>(&'a self, id: &str) -> impl Iterator<Item = (&'a Node, &'a Edge)> + 'a {
        let ix = self.index_of(id);
        ix.into_iter().flat_map(move |ix| {
            self.inner
                .edges(ix)
                .map(move |e| (&self.inner[e.target()], e.weight()))
        })
    }

    /// Edges entering a node.
    pub fn incoming<'a>(&'a self, id: &str) -> impl Iterator<Item = (&'a Node, &'a Edge)> + 'a {
        let ix = self.index_of(id);
        ix.into_iter().flat_map(move |ix| {
            self.inner
                .edges_directed(ix, petgraph::Direction::Incoming)
                .map(move |e| (&self.inner[e.source()], e.weight()))
        })
    }

    /// The underlying petgraph, for algorithms.
    pub fn petgraph(&self) -> &StableDiGraph<Node, Edge> {
        &self.inner
    }

    /// Walks `parent` links up to the nearest enclosing node of `kind` (itself included).
    pub fn enclosing(&self, id: &str, kind: NodeKind) -> Option<&Node> {
        let mut current = self.node(id)?;
        loop {
            if current.kind == kind {
                return Some(current);
            }
            current = self.node(current.parent.as_deref()?)?;
        }
    }
}

fn merge_missing(existing: &mut Node, node: Node) {
    existing.lang = existing.lang.or(node.lang);
    if existing.group.is_none() {
        existing.group = node.group;
    }
    if existing.file.is_none() {
        existing.file = node.file;
        existing.line = node.line;
    }
    existing.loc = existing.loc.or(node.loc);
    if existing.parent.is_none() {
        existing.parent = node.parent;
    }
    for (k, v) in node.attrs {
        existing.attrs.entry(k).or_insert(v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_merge_by_kind_and_label_and_cap_evidence() {
        let mut g = Graph::new();
        g.add_node(Node::new("a", NodeKind::Function, "a"));
        g.add_node(Node::new("t", NodeKind::Table, "t"));
        for line in 0..40 {
            assert!(g.add_edge(
                "a",
                "t",
                EdgeKind::Reads,
                None,
                Some(Evidence::new("x.py", line))
            ));
        }
        g.add_edge("a", "t", EdgeKind::Writes, None, None);
        g.add_edge("a", "t", EdgeKind::Fk, Some("f1"), None);
        g.add_edge("a", "t", EdgeKind::Fk, Some("f2"), None);
        assert_eq!(g.edge_count(), 4);
        let reads = g
            .edges()
            .find(|(_, _, e)| e.kind == EdgeKind::Reads)
            .unwrap()
            .2;
        assert_eq!(reads.weight, 40);
        assert_eq!(reads.evidence.len(), MAX_EVIDENCE);
    }

    #[test]
    fn edge_to_unknown_node_is_refused() {
        let mut g = Graph::new();
        g.add_node(Node::new("a", NodeKind::Function, "a"));
        assert!(!g.add_edge("a", "missing", EdgeKind::Calls, None, None));
        assert_eq!(g.edge_count(), 0);
    }

    #[test]
    fn definition_replaces_external_placeholder() {
        let mut g = Graph::new();
        g.add_node(Node::new("model:auth.User", NodeKind::Model, "User").external());
        g.add_node(
            Node::new("model:auth.User", NodeKind::Model, "User")
                .at("auth/models.py", 3)
                .attr("table", "auth_user"),
        );
        let n = g.node("model:auth.User").unwrap();
        assert!(!n.external);
        assert_eq!(n.file.as_deref(), Some("auth/models.py"));
    }
}
