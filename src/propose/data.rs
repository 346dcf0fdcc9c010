//! The data backbone of a split: models clustered by how the code uses them together.
//!
//! Database per service makes tables and their models the skeleton of a bounded
//! context; code follows its data (`place`). Where the files hide the domains (models
//! dealt over mixed files, one god service file), the code's own modules say little,
//! while which models are related and used together inside one function still says
//! which belong to one context. The data graph has one node per model with a table and:
//! - `relation`: fk / o2o / m2m, model inheritance and models sharing a table (the
//!   relation pairs of the coupling graph);
//! - co-access: every pair of models one function (method, class, module-level code)
//!   reads or writes, `1/(n−1)` per pair for a function touching n models (as in a
//!   transaction-based decomposition, e.g. Service Cutter's "shared owner" and
//!   Mono2Micro's business-context use cases), scaled by `data_read`; pairs it writes
//!   both add `data_write/(n_w−1)` (one unit of work, likely one transaction);
//! - `name` (not with `--ignore-names`): models of the same app/package/top module, in
//!   a ring, when the models fall into at least two such groups (a single group says
//!   nothing about where to cut) and the group is no technical layer;
//! - `defines`: models defined in the same file, in a ring, at a quarter of the weight
//!   (a code relation, but files that mix domains make it weak evidence).

use std::collections::{BTreeMap, BTreeSet};

use super::coupling::{Coupling, CouplingWeights, Signal, UnitKind, is_layer_name};
use crate::graph::EdgeKind;

/// Co-access of a function touching more models than this is linked as a ring of its
/// models instead of every pair (linear in the models; such god functions say little).
const MAX_PAIRWISE: usize = 12;

/// The data graph over model units: `nodes[i]` is a model unit, edges are over `i`.
pub(super) struct DataGraph {
    pub nodes: Vec<usize>,
    pub edges: Vec<(usize, usize, f64)>,
}

/// Every model reached by a code unit: model unit → (read count, write count).
pub(super) fn models_by_code_unit(c: &Coupling) -> BTreeMap<usize, BTreeMap<usize, (u32, u32)>> {
    let model_of_table: BTreeMap<&str, usize> = c
        .tables
        .iter()
        .filter_map(|t| Some((t.name.as_str(), t.model?)))
        .collect();
    let mut out: BTreeMap<usize, BTreeMap<usize, (u32, u32)>> = BTreeMap::new();
    for a in &c.accesses {
        let Some(&m) = model_of_table.get(a.table.as_str()) else {
            continue;
        };
        let slot = out.entry(a.unit).or_default().entry(m).or_default();
        if a.write {
            slot.1 += a.count;
        } else {
            slot.0 += a.count;
        }
    }
    out
}

/// Builds the data graph of the model units not in `excluded` (frozen contexts).
pub(super) fn build(
    c: &Coupling,
    weights: &CouplingWeights,
    ignore_names: bool,
    excluded: &[bool],
) -> DataGraph {
    // Models with a table: abstract models are code (base classes), not data.
    let nodes: Vec<usize> = (0..c.units.len())
        .filter(|&u| c.units[u].kind == UnitKind::Model && c.units[u].table.is_some())
        .filter(|&u| !excluded[u])
        .collect();
    let local: BTreeMap<usize, usize> = nodes.iter().enumerate().map(|(i, &u)| (u, i)).collect();
    let mut weight: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    let mut add = |a: usize, b: usize, w: f64| {
        if let (Some(&x), Some(&y)) = (local.get(&a), local.get(&b))
            && x != y
            && w > 0.0
        {
            *weight.entry((x.min(y), x.max(y))).or_default() += w;
        }
    };
    for (&(a, b), p) in &c.pairs {
        if let Some(&w) = p.by_signal.get(&Signal::Relation) {
            add(a, b, w);
        }
    }
    for (all, written) in use_cases(c) {
        link_together(&all, weights.data_read, &mut add);
        link_together(&written, weights.data_write, &mut add);
    }
    let ring =
        |members: &BTreeMap<&str, Vec<usize>>, w: f64, add: &mut dyn FnMut(usize, usize, f64)| {
            for list in members.values() {
                match list.len() {
                    0 | 1 => {}
                    2 => add(list[0], list[1], w),
                    n => (0..n).for_each(|k| add(list[k], list[(k + 1) % n], w)),
                }
            }
        };
    if !ignore_names {
        let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &u in &nodes {
            if let Some(g) = c.units[u].group.as_deref() {
                groups.entry(g).or_default().push(u);
            }
        }
        if groups.len() >= 2 {
            groups.retain(|g, _| !is_layer_name(g));
            ring(&groups, weights.name, &mut add);
        }
    }
    let mut files: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &u in &nodes {
        if let Some(f) = c.units[u].file.as_deref() {
            files.entry(f).or_default().push(u);
        }
    }
    ring(&files, weights.defines / 4.0, &mut add);
    DataGraph {
        nodes,
        edges: weight.into_iter().map(|((a, b), w)| (a, b, w)).collect(),
    }
}

/// Models with the share of a use case they take part in.
type Shares = Vec<(usize, f64)>;

/// Share of a callee's data counted in its caller's use case, per call hop.
const HOP: f64 = 0.5;

/// The data of every code unit's use case: the models it touches itself (share 1), and
/// those the code it calls touches, one and two calls away (shares ½ and ¼; a handler
/// calling a service that writes orders and order lines uses both). For each unit with
/// data: (models touched, models written), each with its share.
fn use_cases(c: &Coupling) -> Vec<(Shares, Shares)> {
    let direct = models_by_code_unit(c);
    let mut callees: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for d in &c.dependencies {
        if d.kind == EdgeKind::Calls && d.from != d.to {
            callees.entry(d.from).or_default().insert(d.to);
        }
    }
    let units: BTreeSet<usize> = direct.keys().chain(callees.keys()).copied().collect();
    let mut out = Vec::new();
    for u in units {
        let mut all: BTreeMap<usize, f64> = BTreeMap::new();
        let mut written: BTreeMap<usize, f64> = BTreeMap::new();
        let mut visit = |v: usize, share: f64| {
            for (&m, &(_, writes)) in direct.get(&v).into_iter().flatten() {
                let a = all.entry(m).or_default();
                *a = a.max(share);
                if writes > 0 {
                    let w = written.entry(m).or_default();
                    *w = w.max(share);
                }
            }
        };
        visit(u, 1.0);
        for &v in callees.get(&u).into_iter().flatten() {
            visit(v, HOP);
            for &w in callees.get(&v).into_iter().flatten() {
                if w != u {
                    visit(w, HOP * HOP);
                }
            }
        }
        if all.len() >= 2 {
            out.push((all.into_iter().collect(), written.into_iter().collect()));
        }
    }
    out
}

/// Links the models one function touches: `w/(n−1)` per pair, a ring beyond
/// [`MAX_PAIRWISE`] models.
fn link_together(models: &[(usize, f64)], w: f64, add: &mut impl FnMut(usize, usize, f64)) {
    let n = models.len();
    if n < 2 {
        return;
    }
    let share = w / (n - 1) as f64;
    if n > MAX_PAIRWISE {
        for k in 0..n {
            let ((a, wa), (b, wb)) = (models[k], models[(k + 1) % n]);
            add(a, b, share * 2.0 * wa.min(wb));
        }
        return;
    }
    for (i, &(a, wa)) in models.iter().enumerate() {
        for &(b, wb) in &models[i + 1..] {
            add(a, b, share * wa.min(wb));
        }
    }
}

/// Models with at least one data edge.
pub(super) fn connected(g: &DataGraph) -> BTreeSet<usize> {
    g.edges
        .iter()
        .flat_map(|&(a, b, _)| [g.nodes[a], g.nodes[b]])
        .collect()
}
