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
//! - module co-access: the same over all the models a module's code touches, so that a
//!   module working on a few models ties them while a god module touching every model
//!   ties each pair by almost nothing;
//! - `name` (not with `--ignore-names`): models of the same app/package/top module, in
//!   a ring at [`NAME_IN_DATA`] × `name`, when the models fall into at least two such
//!   groups (a single group says nothing about where to cut), the group is no technical
//!   layer and holds at most half of the models (one that holds most says little);
//! - `defines`: models defined in the same file, `(defines/2)/(n−1)` per pair (a code
//!   relation, but files that mix domains make it weak evidence).

use std::collections::{BTreeMap, BTreeSet};

use super::coupling::{Coupling, CouplingWeights, Signal, UnitKind, is_layer_name};

/// Co-access of a function touching more models than this is linked as a ring of its
/// models instead of every pair (linear in the models; such god functions say little).
const MAX_PAIRWISE: usize = 12;

/// With names used, the app/package ring counts this many times `name` in the data
/// graph: an app label is the authors' own grouping of their data (Django apps, Go
/// packages and Rust modules of models are meant to be cohesive), worth more than one
/// relation (`relation` 2) per neighbour. Measured on the real projects of
/// `cargo bench --bench propose_real` (at 1× names used scored below names ignored on
/// pretix and nautobot).
const NAME_IN_DATA: f64 = 8.0;

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
    for models in module_data(c) {
        link_together(&models, weights.data_read, &mut add);
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
            let half = nodes.len() / 2;
            groups.retain(|g, members| !is_layer_name(g) && members.len() <= half);
            ring(&groups, weights.name * NAME_IN_DATA, &mut add);
        }
    }
    let mut files: BTreeMap<&str, Vec<(usize, f64)>> = BTreeMap::new();
    for &u in &nodes {
        if let Some(f) = c.units[u].file.as_deref() {
            files.entry(f).or_default().push((u, 1.0));
        }
    }
    for models in files.values() {
        link_together(models, weights.defines / 2.0, &mut add);
    }
    DataGraph {
        nodes,
        edges: weight.into_iter().map(|((a, b), w)| (a, b, w)).collect(),
    }
}

/// Models with the share of a use case they take part in.
type Shares = Vec<(usize, f64)>;

/// The data of every code unit's use case: the models it reads or writes itself (the
/// function, method or class; not what the code it calls touches, which on real and
/// synthetic monoliths alike adds more noise than signal — measured with
/// `cargo bench --bench propose_eval`). For each unit touching at least two models:
/// (models touched, models written).
fn use_cases(c: &Coupling) -> Vec<(Shares, Shares)> {
    models_by_code_unit(c)
        .into_values()
        .filter(|models| models.len() >= 2)
        .map(|models| {
            let all = models.keys().map(|&m| (m, 1.0)).collect();
            let written = models
                .iter()
                .filter(|(_, rw)| rw.1 > 0)
                .map(|(&m, _)| (m, 1.0))
                .collect();
            (all, written)
        })
        .collect()
}

/// The models each module's code touches (its members' and its own accesses together):
/// a module working on few models ties them; a god module touching every model ties
/// each pair by almost nothing (`1/(n−1)`).
fn module_data(c: &Coupling) -> Vec<Shares> {
    let mut by_module: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (&u, models) in &models_by_code_unit(c) {
        let module = match c.units[u].kind {
            UnitKind::Member => c.units[u].parent,
            UnitKind::Module => Some(u),
            UnitKind::Model => None,
        };
        if let Some(m) = module {
            by_module
                .entry(m)
                .or_default()
                .extend(models.keys().copied());
        }
    }
    by_module
        .into_values()
        .filter(|m| m.len() >= 2)
        .map(|m| m.into_iter().map(|x| (x, 1.0)).collect())
        .collect()
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
