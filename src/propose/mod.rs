//! `seam propose`: cluster the analysis graph into bounded contexts, give every table
//! one owner, and explain and score the split.
//!
//! ```text
//! Graph ─coupling::build─▶ Coupling (units, weighted pairs with evidence, accesses)
//!       ─cluster::leiden (constraints from a previous decomposition)─▶ assignment
//!       ─ownership::assign─▶ owners + violations ─build─▶ Decomposition
//!       ─score::compute─▶ Metrics ─explain─▶ Explanations      = Proposal
//! ```
//! [`score`] runs the same pipeline on an edited decomposition without clustering.

mod build;
pub mod coupling;
mod explain;
pub mod git;
pub mod ownership;
pub mod reference;
pub mod score;
pub mod summary;
pub mod validate;

// The clustering and metrics modules (`seam::cluster`, `seam::metrics`) are written on
// another branch; until they are merged, a minimal stand-in provides their API.
// Switching is this one line: `use crate::{cluster, metrics};`
use crate::cluster;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use serde::Serialize;

pub use coupling::{CouplingWeights, Signal, UnitKind};
pub use explain::Explanations;
pub use git::GitOptions;
pub use ownership::{OwnerRule, TableOwnership, Violation};
pub use score::{Metrics, Reference};

use crate::decomposition::Decomposition;
use crate::diagnostics::Diagnostic;
use crate::graph::Graph;

#[derive(Debug, Clone)]
pub struct ProposeOptions {
    /// Target number of contexts (frozen ones included); modularity decides when absent.
    pub k: Option<usize>,
    /// Modularity resolution γ: higher gives more, smaller contexts.
    pub resolution: f64,
    pub seed: u64,
    pub weights: CouplingWeights,
    /// Ignore directory, package and app names (and where models are defined): the
    /// split comes from code relations alone.
    pub ignore_names: bool,
    pub git: GitOptions,
    /// The analysed directory, for git history (None for a graph document without one).
    pub code_root: Option<PathBuf>,
    /// A decomposition whose frozen contexts, pinned ids and constraints are kept.
    pub previous: Option<Decomposition>,
    pub reference: Option<Reference>,
    /// System name; the analysed directory's name by default.
    pub system: Option<String>,
    /// `source.code` written into the decomposition.
    pub source: Option<String>,
}

impl Default for ProposeOptions {
    fn default() -> Self {
        ProposeOptions {
            k: None,
            resolution: 1.0,
            seed: 42,
            weights: CouplingWeights::default(),
            ignore_names: false,
            git: GitOptions::default(),
            code_root: None,
            previous: None,
            reference: None,
            system: None,
            source: None,
        }
    }
}

/// A proposed (or re-scored) split.
#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    pub decomposition: Decomposition,
    pub metrics: Metrics,
    pub ownership: Vec<TableOwnership>,
    pub violations: Vec<Violation>,
    pub explanations: Explanations,
    /// Units of the graph that the scored decomposition does not place.
    pub unassigned: Vec<String>,
    pub diagnostics: Vec<Diagnostic>,
    /// Signals that took part (git ones only in a git work tree).
    pub signals: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProposeError {
    #[error("the graph has no modules or models to split; analyse a Django, Go or Rust tree")]
    Empty,
    #[error("-k must be at least 1")]
    ZeroK,
    #[error("-k {k} is fewer than the {frozen} frozen contexts of the previous decomposition")]
    KBelowFrozen { k: usize, frozen: usize },
    #[error("resolution must be a positive number, got {0}")]
    Resolution(f64),
    #[error("the decomposition places nothing that is in the graph; is it for this code?")]
    NothingPlaced,
}

/// The placement of units in contexts.
#[derive(Debug, Clone)]
struct Assignment {
    names: Vec<String>,
    of_unit: Vec<Option<usize>>,
    /// For each context, the context of the previous/scored decomposition it continues.
    previous: Vec<Option<usize>>,
    /// Tables a scored file lists, by owner.
    declared_tables: BTreeMap<String, usize>,
    /// Units placed after clustering because they have no coupling at all.
    isolated: BTreeSet<usize>,
}

/// The coupling graph of `graph` under `opts` (weights, names, git history), and the
/// signals it used. Built once per run: the CLI checks the ids of the YAML files it
/// reads against the same coupling the proposal then uses.
pub fn couple(graph: &Graph, opts: &ProposeOptions) -> (coupling::Coupling, Vec<String>) {
    let history = opts
        .code_root
        .as_deref()
        .and_then(|root| git::read(root, &opts.git));
    let c = coupling::build(
        graph,
        &coupling::CouplingOptions {
            weights: opts.weights.clone(),
            ignore_names: opts.ignore_names,
        },
        history.as_ref(),
    );
    let mut signals = vec![
        "structural".to_owned(),
        "imports".to_owned(),
        "data_write".to_owned(),
        "data_read".to_owned(),
        "relation".to_owned(),
    ];
    if history.is_some() {
        signals.push("cochange".to_owned());
        signals.push("contributor".to_owned());
    }
    signals.push("defines".to_owned());
    if !opts.ignore_names {
        signals.push("name".to_owned());
    }
    (c, signals)
}

/// Clusters `graph` into bounded contexts.
pub fn propose(graph: &Graph, opts: &ProposeOptions) -> Result<Proposal, ProposeError> {
    propose_coupled(graph, &couple(graph, opts), opts)
}

/// [`propose`] on a coupling graph already built by [`couple`] with the same options.
pub fn propose_coupled(
    graph: &Graph,
    (coupling, signals): &(coupling::Coupling, Vec<String>),
    opts: &ProposeOptions,
) -> Result<Proposal, ProposeError> {
    if !(opts.resolution > 0.0 && opts.resolution.is_finite()) {
        return Err(ProposeError::Resolution(opts.resolution));
    }
    if opts.k == Some(0) {
        return Err(ProposeError::ZeroK);
    }
    if coupling.units.is_empty() {
        return Err(ProposeError::Empty);
    }
    let mut diagnostics = Vec::new();
    let assignment = cluster_units(coupling, opts, &mut diagnostics)?;
    Ok(assemble(
        graph,
        coupling,
        assignment,
        opts,
        signals.clone(),
        diagnostics,
    ))
}

/// Re-scores an edited decomposition as it is: no clustering.
pub fn score(
    graph: &Graph,
    d: &Decomposition,
    opts: &ProposeOptions,
) -> Result<Proposal, ProposeError> {
    score_coupled(graph, &couple(graph, opts), d, opts)
}

/// [`score`] on a coupling graph already built by [`couple`] with the same options.
pub fn score_coupled(
    graph: &Graph,
    (coupling, signals): &(coupling::Coupling, Vec<String>),
    d: &Decomposition,
    opts: &ProposeOptions,
) -> Result<Proposal, ProposeError> {
    let mut diagnostics = Vec::new();
    let names: Vec<String> = d.contexts.iter().map(|c| c.name.clone()).collect();
    let mut of_unit = vec![None; coupling.units.len()];
    place_listed(coupling, d, &mut of_unit, None);
    if of_unit.iter().all(Option::is_none) {
        return Err(ProposeError::NothingPlaced);
    }
    let mut declared_tables = BTreeMap::new();
    for (i, c) in d.contexts.iter().enumerate() {
        for t in &c.tables {
            declared_tables.insert(t.clone(), i);
        }
    }
    let unassigned: Vec<String> = (0..coupling.units.len())
        .filter(|&u| of_unit[u].is_none())
        .map(|u| coupling.units[u].id.clone())
        .collect();
    if !unassigned.is_empty() {
        diagnostics.push(
            Diagnostic::warning(
                "unassigned",
                format!(
                    "{} module(s)/model(s) of the code are in no context (e.g. {}); they are left out of the metrics",
                    unassigned.len(),
                    unassigned.iter().take(3).cloned().collect::<Vec<_>>().join(", ")
                ),
            )
            .help("add them to a context's `modules:`/`models:`, or run `seam propose` to place them"),
        );
    }
    let assignment = Assignment {
        previous: (0..names.len()).map(Some).collect(),
        names,
        of_unit,
        declared_tables,
        isolated: BTreeSet::new(),
    };
    let score_opts = ProposeOptions {
        previous: Some(d.clone()),
        ..opts.clone()
    };
    let mut p = assemble(
        graph,
        coupling,
        assignment,
        &score_opts,
        signals.clone(),
        diagnostics,
    );
    p.unassigned = unassigned;
    Ok(p)
}

/// Places the units a decomposition lists: `modules:` (a split Go package's id stands
/// for its files not listed on their own), `models:`, and `pinned:` ids. `only` limits
/// it to some contexts.
fn place_listed(
    c: &coupling::Coupling,
    d: &Decomposition,
    of_unit: &mut [Option<usize>],
    only: Option<&dyn Fn(usize) -> bool>,
) {
    // Explicit ids first, then whole packages for the files nobody names.
    for pass in 0..2 {
        for (i, ctx) in d.contexts.iter().enumerate() {
            if only.is_some_and(|f| !f(i)) {
                continue;
            }
            for id in ctx.modules.iter().chain(&ctx.models).chain(&ctx.pinned) {
                match (pass, c.split_modules.get(id)) {
                    (0, None) => {
                        if let Some(u) = resolve(c, id) {
                            of_unit[u] = Some(i);
                        }
                    }
                    (1, Some(files)) => {
                        for &u in files {
                            if of_unit[u].is_none() {
                                of_unit[u] = Some(i);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The unit an id of a decomposition names: a unit id, a graph node id, or a table
/// (which stands for its model).
pub(crate) fn resolve(c: &coupling::Coupling, id: &str) -> Option<usize> {
    if let Some(u) = c.unit(id) {
        return Some(u);
    }
    let table = id.strip_prefix("table:").unwrap_or(id);
    c.tables
        .iter()
        .find(|t| t.name == table)
        .and_then(|t| t.model)
}

fn cluster_units(
    c: &coupling::Coupling,
    opts: &ProposeOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Assignment, ProposeError> {
    let n = c.units.len();
    let mut of_unit: Vec<Option<usize>> = vec![None; n];
    let mut names: Vec<String> = Vec::new();
    let mut previous: Vec<Option<usize>> = Vec::new();
    let mut fixed_label: Vec<Option<usize>> = vec![None; n];
    let mut must = Vec::new();
    let mut cannot = Vec::new();
    let mut frozen_units = vec![false; n];
    let mut frozen = 0;
    if let Some(prev) = &opts.previous {
        // Frozen contexts stay exactly as they are.
        let is_frozen = |i: usize| prev.contexts[i].frozen;
        place_listed(c, prev, &mut of_unit, Some(&is_frozen));
        for (i, ctx) in prev.contexts.iter().enumerate() {
            if ctx.frozen {
                frozen += 1;
            }
            let _ = i;
        }
        for u in 0..n {
            frozen_units[u] = of_unit[u].is_some();
        }
        // Pinned ids stay in their context: fixed to a label per context.
        for (i, ctx) in prev.contexts.iter().enumerate() {
            if ctx.frozen {
                continue;
            }
            for id in &ctx.pinned {
                match c.split_modules.get(id) {
                    Some(files) => files.iter().for_each(|&u| fixed_label[u] = Some(i)),
                    None => match resolve(c, id) {
                        Some(u) => fixed_label[u] = Some(i),
                        None => diagnostics.push(Diagnostic::warning(
                            "unknown-id",
                            format!(
                                "pinned id {id} in context {} is not in the graph; ignored",
                                ctx.name
                            ),
                        )),
                    },
                }
            }
        }
        for (pairs, out) in [
            (&prev.constraints.must_link, &mut must),
            (&prev.constraints.cannot_link, &mut cannot),
        ] {
            for [a, b] in pairs {
                match (resolve(c, a), resolve(c, b)) {
                    (Some(x), Some(y)) => out.push((x, y)),
                    _ => diagnostics.push(Diagnostic::warning(
                        "unknown-id",
                        format!("constraint between {a} and {b} names an id that is not in the graph; ignored"),
                    )),
                }
            }
        }
    }
    if let Some(k) = opts.k
        && k < frozen
    {
        return Err(ProposeError::KBelowFrozen { k, frozen });
    }
    // Frozen contexts come first, under their own names.
    if let Some(prev) = &opts.previous {
        let mut remap = BTreeMap::new();
        for (i, ctx) in prev.contexts.iter().enumerate().filter(|(_, c)| c.frozen) {
            remap.insert(i, names.len());
            names.push(ctx.name.clone());
            previous.push(Some(i));
        }
        for slot in of_unit.iter_mut() {
            *slot = slot.and_then(|i| remap.get(&i).copied());
        }
    }

    // Cluster the rest: units with some coupling among the non-frozen ones, or a pin.
    let mut active: Vec<usize> = Vec::new();
    let mut strength = vec![0.0; n];
    for (a, b, w) in c.weighted_pairs() {
        if !frozen_units[a] && !frozen_units[b] {
            strength[a] += w;
            strength[b] += w;
        }
    }
    for u in 0..n {
        if !frozen_units[u] && (strength[u] > 0.0 || fixed_label[u].is_some()) {
            active.push(u);
        }
    }
    let local: BTreeMap<usize, usize> = active.iter().enumerate().map(|(i, &u)| (u, i)).collect();
    let g = cluster::WeightedGraph::from_edges(
        active.len(),
        c.weighted_pairs()
            .filter_map(|(a, b, w)| Some((*local.get(&a)?, *local.get(&b)?, w))),
    );
    let lc = |pairs: &[(usize, usize)]| -> Vec<(usize, usize)> {
        pairs
            .iter()
            .filter_map(|(a, b)| Some((*local.get(a)?, *local.get(b)?)))
            .collect()
    };
    let constraints = cluster::Constraints {
        fixed: active.iter().map(|&u| fixed_label[u]).collect(),
        must_link: lc(&must),
        cannot_link: lc(&cannot),
    };
    let leiden_opts = cluster::LeidenOptions {
        resolution: opts.resolution,
        seed: opts.seed,
        target_clusters: opts.k.map(|k| k - frozen),
        ..Default::default()
    };
    let labels = if active.is_empty() || opts.k == Some(frozen) {
        vec![0; active.len()]
    } else {
        cluster::leiden(&g, &leiden_opts, &constraints)
    };
    let base = names.len();
    let mut seen = BTreeSet::new();
    for (i, &u) in active.iter().enumerate() {
        of_unit[u] = Some(base + labels[i]);
        seen.insert(labels[i]);
    }
    let clusters = seen.len();
    if opts.k == Some(frozen) && !active.is_empty() {
        // Everything non-frozen must join frozen contexts: attach below.
        for &u in &active {
            of_unit[u] = None;
        }
    } else {
        for _ in 0..clusters {
            names.push(String::new());
            previous.push(None);
        }
    }
    // Units with no coupling: with their group's context, else the largest context.
    let mut isolated = BTreeSet::new();
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for x in of_unit.iter().flatten() {
        *sizes.entry(*x).or_default() += 1;
    }
    let largest = sizes
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(&c, _)| c);
    // Votes of the placed units per group and context, kept up to date as isolated
    // units are placed (a later isolated unit sees the earlier ones), built once:
    // counting per isolated unit would scan every unit each time.
    let mut votes: HashMap<&str, BTreeMap<usize, usize>> = HashMap::new();
    if !opts.ignore_names {
        for (v, placed) in of_unit.iter().enumerate() {
            if let (Some(group), Some(x)) = (&c.units[v].group, placed) {
                *votes.entry(group).or_default().entry(*x).or_default() += 1;
            }
        }
    }
    let neighbours = c.neighbours();
    for u in 0..n {
        if of_unit[u].is_some() {
            continue;
        }
        isolated.insert(u);
        let group = c.units[u].group.as_deref().filter(|_| !opts.ignore_names);
        let by_group = group.and_then(|g| {
            votes
                .get(g)?
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
                .map(|(&x, _)| x)
        });
        let strongest = coupling::strongest(&neighbours[u], 1)
            .first()
            .and_then(|(v, _)| of_unit[*v]);
        of_unit[u] = strongest.or(by_group).or(largest).or(Some(0));
        if let (Some(g), Some(x)) = (group, of_unit[u]) {
            *votes.entry(g).or_default().entry(x).or_default() += 1;
        }
        if names.is_empty() {
            names.push(String::new());
            previous.push(None);
        }
    }
    // Continuity with the previous decomposition: a new cluster keeps the name and
    // settings of the previous context it overlaps most.
    if let Some(prev) = &opts.previous {
        let mut prev_of = vec![None; n];
        place_listed(c, prev, &mut prev_of, None);
        let mut overlap: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        for u in 0..n {
            if let (Some(new), Some(old)) = (of_unit[u], prev_of[u])
                && previous[new].is_none()
                && !prev.contexts[old].frozen
            {
                *overlap.entry((new, old)).or_default() += 1;
            }
        }
        let mut pairs: Vec<((usize, usize), usize)> = overlap.into_iter().collect();
        pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut taken = BTreeSet::new();
        // A cluster holding pinned ids of a context is that context, whatever else joined.
        for u in 0..n {
            if let (Some(new), Some(old)) = (of_unit[u], fixed_label[u])
                && previous[new].is_none()
                && taken.insert(old)
            {
                previous[new] = Some(old);
                names[new] = prev.contexts[old].name.clone();
            }
        }
        for ((new, old), _) in pairs {
            if previous[new].is_none() && taken.insert(old) {
                previous[new] = Some(old);
                names[new] = prev.contexts[old].name.clone();
            }
        }
    }
    // Drop empty contexts (clusters emptied by the k == frozen case).
    let used: BTreeSet<usize> = of_unit.iter().flatten().copied().collect();
    let mut remap = BTreeMap::new();
    let mut new_names = Vec::new();
    let mut new_prev = Vec::new();
    for i in 0..names.len() {
        if used.contains(&i) {
            remap.insert(i, new_names.len());
            new_names.push(names[i].clone());
            new_prev.push(previous[i]);
        }
    }
    for slot in of_unit.iter_mut() {
        *slot = slot.and_then(|i| remap.get(&i).copied());
    }
    Ok(Assignment {
        names: new_names,
        of_unit,
        previous: new_prev,
        declared_tables: BTreeMap::new(),
        isolated,
    })
}

fn assemble(
    graph: &Graph,
    c: &coupling::Coupling,
    mut a: Assignment,
    opts: &ProposeOptions,
    signals: Vec<String>,
    diagnostics: Vec<Diagnostic>,
) -> Proposal {
    build::name_contexts(c, &mut a);
    let (ownership, violations) = ownership::assign(c, &a.of_unit, &a.names, &a.declared_tables);
    let metrics = score::compute(
        c,
        &a.of_unit,
        &a.names,
        &ownership,
        opts.resolution,
        opts.reference.as_ref(),
    );
    let explanations = explain::explain(c, &a, &ownership, &violations);
    let decomposition =
        build::decomposition(graph, c, &a, &ownership, &explanations, &metrics, opts);
    Proposal {
        decomposition,
        metrics,
        ownership,
        violations,
        explanations,
        unassigned: Vec::new(),
        diagnostics,
        signals,
    }
}
