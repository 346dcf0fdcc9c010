//! Clustering constraints: must-link pairs and fixed labels contract nodes into
//! super-nodes (union-find) before clustering; cannot-link pairs and distinct labels
//! become move restrictions between super-nodes.
//!
//! Conflicting constraints cannot all hold. [`check`] lists every conflict so a caller
//! can report it; [`contract`] resolves them the documented way (see [`super::leiden`]).

use super::leiden::Net;
use super::{Constraints, WeightedGraph};

/// A constraint that cannot be honoured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConstraintConflict {
    /// A node index in a constraint is not a node of the graph.
    NodeOutOfRange { node: usize, nodes: usize },
    /// `fixed` has an entry per node or none; its length is neither.
    FixedLength { len: usize, nodes: usize },
    /// Must-link pairs (and shared labels) put nodes with two different fixed labels in
    /// one cluster.
    LabelsLinked { a: usize, b: usize },
    /// A cannot-link pair is also linked (must-link chain or same fixed label).
    CannotLinkLinked { a: usize, b: usize },
}

impl std::fmt::Display for ConstraintConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConstraintConflict::NodeOutOfRange { node, nodes } => {
                write!(f, "node {node} is not in the graph ({nodes} nodes)")
            }
            ConstraintConflict::FixedLength { len, nodes } => {
                write!(
                    f,
                    "fixed labels given for {len} nodes, the graph has {nodes}"
                )
            }
            ConstraintConflict::LabelsLinked { a, b } => write!(
                f,
                "must-link between {a} and {b} joins two different fixed labels"
            ),
            ConstraintConflict::CannotLinkLinked { a, b } => write!(
                f,
                "{a} and {b} cannot be linked but must-link or a shared fixed label joins them"
            ),
        }
    }
}

/// Union-find with path halving.
struct UnionFind {
    parent: Vec<usize>,
}

impl UnionFind {
    fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n).collect(),
        }
    }
    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller index is the root, so roots do not depend on call order.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo;
        }
    }
}

/// The graph contracted into super-nodes.
pub(crate) struct Contracted {
    pub net: Net,
    /// original node → super-node
    pub super_of: Vec<usize>,
    /// Conflicts found (and resolved by dropping the offending constraint).
    pub conflicts: Vec<ConstraintConflict>,
}

/// Lists every conflict among the constraints for a graph of `n` nodes.
pub fn check(n: usize, c: &Constraints) -> Vec<ConstraintConflict> {
    let g = WeightedGraph::new(n);
    contract(&g, c).conflicts
}

/// Contracts must-link groups and same-label groups into super-nodes.
///
/// Resolution of conflicts, in this order: constraints naming nodes out of range are
/// dropped (and a `fixed` of the wrong length is ignored whole); nodes sharing a fixed
/// label are joined; must-link pairs are applied in the order given, and one that would
/// join two different labels is dropped; a cannot-link pair whose nodes end up joined
/// is dropped.
pub(crate) fn contract(g: &WeightedGraph, c: &Constraints) -> Contracted {
    let n = g.node_count();
    let mut conflicts = Vec::new();
    let fixed: &[Option<usize>] = if c.fixed.is_empty() || c.fixed.len() == n {
        &c.fixed
    } else {
        conflicts.push(ConstraintConflict::FixedLength {
            len: c.fixed.len(),
            nodes: n,
        });
        &[]
    };
    let label_of = |v: usize| fixed.get(v).copied().flatten();
    let mut uf = UnionFind::new(n);
    let mut first_with_label = std::collections::HashMap::new();
    for v in 0..n {
        if let Some(l) = label_of(v) {
            let first = *first_with_label.entry(l).or_insert(v);
            uf.union(first, v);
        }
    }
    // Label of each union-find root.
    let mut root_label: Vec<Option<usize>> = vec![None; n];
    for v in 0..n {
        if let Some(l) = label_of(v) {
            let r = uf.find(v);
            root_label[r] = Some(l);
        }
    }
    let in_range = |v: usize, conflicts: &mut Vec<ConstraintConflict>| {
        if v >= n {
            conflicts.push(ConstraintConflict::NodeOutOfRange { node: v, nodes: n });
            false
        } else {
            true
        }
    };
    for &(a, b) in &c.must_link {
        if !in_range(a, &mut conflicts) || !in_range(b, &mut conflicts) {
            continue;
        }
        let (ra, rb) = (uf.find(a), uf.find(b));
        if ra == rb {
            continue;
        }
        match (root_label[ra], root_label[rb]) {
            (Some(la), Some(lb)) if la != lb => {
                conflicts.push(ConstraintConflict::LabelsLinked { a, b });
            }
            (la, lb) => {
                uf.union(a, b);
                let r = uf.find(a);
                root_label[r] = la.or(lb);
            }
        }
    }
    // Dense super-node ids in order of the smallest member.
    let mut super_of = vec![usize::MAX; n];
    let mut root_id = vec![usize::MAX; n];
    let mut count = 0;
    for (v, s) in super_of.iter_mut().enumerate() {
        let r = uf.find(v);
        if root_id[r] == usize::MAX {
            root_id[r] = count;
            count += 1;
        }
        *s = root_id[r];
    }
    let mut label = vec![None; count];
    for v in 0..n {
        if let Some(l) = label_of(v) {
            label[super_of[v]] = Some(l);
        }
    }
    let mut cannot: Vec<Vec<usize>> = vec![Vec::new(); count];
    for &(a, b) in &c.cannot_link {
        if !in_range(a, &mut conflicts) || !in_range(b, &mut conflicts) {
            continue;
        }
        let (sa, sb) = (super_of[a], super_of[b]);
        if sa == sb {
            conflicts.push(ConstraintConflict::CannotLinkLinked { a, b });
            continue;
        }
        cannot[sa].push(sb);
        cannot[sb].push(sa);
    }
    for list in cannot.iter_mut() {
        list.sort_unstable();
        list.dedup();
    }
    // Contract edges.
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); count];
    let mut self_w = vec![0.0; count];
    let mut k = vec![0.0; count];
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); count];
    for v in 0..n {
        members[super_of[v]].push(v);
    }
    let mut acc = vec![0.0; count];
    let mut touched = Vec::new();
    for (s, vs) in members.iter().enumerate() {
        for &v in vs {
            k[s] += g.strength(v);
            for &(u, w) in g.neighbors(v) {
                let t = super_of[u];
                if u == v {
                    self_w[s] += w;
                } else if t == s {
                    self_w[s] += w / 2.0;
                } else {
                    if acc[t] == 0.0 {
                        touched.push(t);
                    }
                    acc[t] += w;
                }
            }
        }
        touched.sort_unstable();
        for &t in &touched {
            adj[s].push((t, acc[t]));
            acc[t] = 0.0;
        }
        touched.clear();
    }
    Contracted {
        net: Net {
            adj,
            self_w,
            k,
            m: g.total_weight(),
            label,
            cannot,
        },
        super_of,
        conflicts,
    }
}
