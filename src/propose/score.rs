//! The metrics of a split: a thin adapter from (coupling graph, assignment) to the plain
//! inputs of the metrics functions, and a stable, serialisable [`Metrics`] record.
//!
//! The exact variant of every metric is defined once, in [`crate::metrics`] (SM, ICP and
//! IFN after Jin et al. 2019 on the unit-level `calls` edges — functions and methods
//! lifted to their modules; NED in Mono2Micro's variant; transactional purity as
//! table-access entropy normalised by ln K; MoJoFM after Wen & Tzerpos 2004, on the
//! units both partitions name). Modularity Q is Newman's, with resolution γ, on the
//! weighted coupling graph that was clustered; cycles are the strongly connected
//! components of the context dependency graph (calls, imports, data access, relations).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::coupling::Coupling;
use super::ownership::TableOwnership;
use crate::cluster::WeightedGraph;
use crate::metrics;

#[derive(Debug, Clone, Serialize)]
pub struct ContextSize {
    pub context: String,
    pub modules: usize,
    pub models: usize,
    pub loc: u64,
    /// `too_small` (< 1000), `ok`, `too_large` (> 10000).
    pub loc_status: metrics::LocStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct MoJoFm {
    pub reference: String,
    /// Percent, 100 = identical.
    pub value: f64,
    /// Units compared (named by both).
    pub units: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub contexts: usize,
    pub units: usize,
    pub modularity: f64,
    pub resolution: f64,
    pub structural_modularity: f64,
    pub inter_call_percentage: f64,
    pub interface_number: f64,
    pub non_extreme_distribution: f64,
    pub table_access_entropy: f64,
    pub shared_tables: usize,
    pub cyclic_dependencies: Vec<Vec<String>>,
    pub sizes: Vec<ContextSize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mojofm: Option<MoJoFm>,
}

/// A reference split: unit id → context name.
#[derive(Debug, Clone, Default)]
pub struct Reference {
    pub name: String,
    pub map: BTreeMap<String, String>,
}

/// Computes the metrics of `assignment` (unit → context index; unplaced units are left
/// out) over `coupling`.
///
/// `listed_as[u]` is the unit the decomposition lists for u (a member of a module that
/// is not split counts as its module): metrics are over listed units.
pub fn compute(
    coupling: &Coupling,
    assignment: &[Option<usize>],
    listed_as: &[usize],
    names: &[String],
    ownership: &[TableOwnership],
    resolution: f64,
    reference: Option<&Reference>,
) -> Metrics {
    // Plain inputs over the placed, listed units only.
    let placed: Vec<usize> = (0..coupling.units.len())
        .filter(|&u| assignment[u].is_some() && listed_as[u] == u)
        .collect();
    let mut local: BTreeMap<usize, usize> =
        placed.iter().enumerate().map(|(i, &u)| (u, i)).collect();
    for (u, &listed) in listed_as.iter().enumerate() {
        if listed != u
            && let Some(&i) = local.get(&listed)
        {
            local.insert(u, i);
        }
    }
    let partition: Vec<usize> = placed.iter().map(|&u| assignment[u].unwrap_or(0)).collect();
    let mut g = WeightedGraph::new(placed.len());
    for (a, b, w) in coupling.weighted_pairs() {
        if let (Some(&x), Some(&y)) = (local.get(&a), local.get(&b)) {
            g.add_edge(x, y, w);
        }
    }
    let calls: Vec<(usize, usize, f64)> = coupling
        .dependencies
        .iter()
        .filter(|d| d.kind == crate::graph::EdgeKind::Calls)
        .filter_map(|d| Some((*local.get(&d.from)?, *local.get(&d.to)?, f64::from(d.count))))
        .filter(|(x, y, _)| x != y)
        .collect();
    let table_ix: BTreeMap<&str, usize> = coupling
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.as_str(), i))
        .collect();
    let accesses: Vec<(usize, usize, bool, f64)> = coupling
        .accesses
        .iter()
        .filter_map(|a| {
            Some((
                *local.get(&a.unit)?,
                *table_ix.get(a.table.as_str())?,
                a.write,
                f64::from(a.count),
            ))
        })
        .collect();
    let ctx_edges = context_edges(coupling, assignment, names, ownership);
    let cycles = metrics::cyclic_dependencies(names.len(), &ctx_edges)
        .into_iter()
        .map(|c| c.into_iter().map(|i| names[i].clone()).collect())
        .collect();
    let sizes = names
        .iter()
        .enumerate()
        .map(|(c, name)| {
            let units = placed.iter().filter(|&&u| assignment[u] == Some(c));
            let (mut modules, mut models, mut loc) = (0, 0, 0);
            for &u in units {
                match coupling.units[u].kind {
                    super::coupling::UnitKind::Module => modules += 1,
                    super::coupling::UnitKind::Model => models += 1,
                    super::coupling::UnitKind::Member => {}
                }
                loc += coupling.units[u].loc;
            }
            ContextSize {
                context: name.clone(),
                modules,
                models,
                loc,
                loc_status: metrics::LocStatus::of(loc),
            }
        })
        .collect();
    let mojofm = reference.map(|r| {
        let mut ref_names: BTreeMap<&str, usize> = BTreeMap::new();
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for &u in &placed {
            if let Some(ctx) = r.map.get(&coupling.units[u].id) {
                let next = ref_names.len();
                b.push(*ref_names.entry(ctx.as_str()).or_insert(next));
                a.push(assignment[u].unwrap_or(0));
            }
        }
        // Labels must be dense for the metric.
        let dense = |v: &[usize]| -> Vec<usize> {
            let mut m = BTreeMap::new();
            v.iter()
                .map(|&x| {
                    let n = m.len();
                    *m.entry(x).or_insert(n)
                })
                .collect()
        };
        MoJoFm {
            reference: r.name.clone(),
            value: metrics::mojofm(&dense(&a), &dense(&b)),
            units: a.len(),
        }
    });
    Metrics {
        contexts: names.len(),
        units: placed.len(),
        modularity: metrics::modularity(&g, &partition, resolution),
        resolution,
        structural_modularity: metrics::structural_modularity(&partition, &calls),
        inter_call_percentage: metrics::icp(&partition, &calls),
        interface_number: metrics::ifn(&partition, &calls),
        non_extreme_distribution: metrics::ned(&partition, metrics::NED_MIN, metrics::NED_MAX),
        table_access_entropy: metrics::table_access_entropy(&partition, &accesses),
        shared_tables: metrics::shared_table_count(&partition, &accesses),
        cyclic_dependencies: cycles,
        sizes,
        mojofm,
    }
}

/// Directed context → context edges: code dependencies, relations and data access to
/// tables owned elsewhere.
pub fn context_edges(
    coupling: &Coupling,
    assignment: &[Option<usize>],
    names: &[String],
    ownership: &[TableOwnership],
) -> Vec<(usize, usize)> {
    let by_name: BTreeMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let owner: BTreeMap<&str, usize> = ownership
        .iter()
        .filter_map(|o| Some((o.table.as_str(), *by_name.get(o.owner.as_str())?)))
        .collect();
    let mut edges = BTreeSet::new();
    for d in &coupling.dependencies {
        if let (Some(a), Some(b)) = (assignment[d.from], assignment[d.to])
            && a != b
        {
            edges.insert((a, b));
        }
    }
    for a in &coupling.accesses {
        if let (Some(c), Some(&o)) = (assignment[a.unit], owner.get(a.table.as_str()))
            && c != o
        {
            edges.insert((c, o));
        }
    }
    edges.into_iter().collect()
}
