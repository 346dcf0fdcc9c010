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
mod data;
mod explain;
pub mod git;
pub mod ownership;
mod place;
pub mod plumbing;
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
use crate::graph::{EdgeKind, Graph};

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
    /// Module units whose members sit in several contexts: members per context.
    split: BTreeMap<usize, BTreeMap<usize, usize>>,
    /// Module units in the shared part (with their members), and why.
    shared: BTreeMap<usize, String>,
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
    let assignment = cluster_units(graph, coupling, opts, &mut diagnostics)?;
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
    // Shared modules (and their members) are in no context on purpose.
    let mut shared = BTreeMap::new();
    for id in &d.shared.modules {
        for u in listed_units(coupling, id) {
            of_unit[u] = None;
            if coupling.units[u].kind == UnitKind::Module {
                shared.insert(u, "listed under shared in the decomposition".to_owned());
            }
        }
    }
    let in_shared = |u: usize| {
        shared.contains_key(&u)
            || coupling.units[u]
                .parent
                .is_some_and(|m| shared.contains_key(&m))
    };
    let unassigned: Vec<String> = (0..coupling.units.len())
        .filter(|&u| of_unit[u].is_none() && !in_shared(u))
        .filter(|&u| coupling.units[u].kind != UnitKind::Member)
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
        split: splits(coupling, &of_unit),
        of_unit,
        declared_tables,
        isolated: BTreeSet::new(),
        shared,
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
/// for its files not listed on their own; a module's id for its members not listed on
/// their own), `models:`, and `pinned:` ids. `only` limits it to some contexts.
fn place_listed(
    c: &coupling::Coupling,
    d: &Decomposition,
    of_unit: &mut [Option<usize>],
    only: Option<&dyn Fn(usize) -> bool>,
) {
    let mut placed = vec![false; of_unit.len()];
    // Explicit ids first, then whole packages for the files nobody names, then the
    // members of placed modules that nobody names.
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
                            placed[u] = true;
                        }
                    }
                    (1, Some(files)) => {
                        for &u in files {
                            if !placed[u] {
                                of_unit[u] = Some(i);
                                placed[u] = true;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    for m in 0..c.members.len() {
        if !placed[m] {
            continue;
        }
        for &u in &c.members[m] {
            if !placed[u] {
                of_unit[u] = of_unit[m];
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

/// What a previous decomposition imposes on the clustering.
#[derive(Clone)]
struct Prior {
    /// Units of frozen contexts, already placed (contexts 0..frozen).
    of_unit: Vec<Option<usize>>,
    names: Vec<String>,
    previous: Vec<Option<usize>>,
    /// Pins: the previous context index a unit must stay with.
    fixed_label: Vec<Option<usize>>,
    must: Vec<(usize, usize)>,
    cannot: Vec<(usize, usize)>,
    frozen_units: Vec<bool>,
    frozen: usize,
}

/// Frozen contexts, pins and constraints of `opts.previous`, resolved to units.
fn prior(
    c: &coupling::Coupling,
    opts: &ProposeOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Prior, ProposeError> {
    let n = c.units.len();
    let mut p = Prior {
        of_unit: vec![None; n],
        names: Vec::new(),
        previous: Vec::new(),
        fixed_label: vec![None; n],
        must: Vec::new(),
        cannot: Vec::new(),
        frozen_units: vec![false; n],
        frozen: 0,
    };
    let Some(prev) = &opts.previous else {
        return Ok(p);
    };
    // Frozen contexts stay exactly as they are.
    let is_frozen = |i: usize| prev.contexts[i].frozen;
    place_listed(c, prev, &mut p.of_unit, Some(&is_frozen));
    p.frozen = prev.contexts.iter().filter(|c| c.frozen).count();
    for u in 0..n {
        p.frozen_units[u] = p.of_unit[u].is_some();
    }
    // Pinned ids stay in their context: fixed to a label per context.
    for (i, ctx) in prev.contexts.iter().enumerate() {
        if ctx.frozen {
            continue;
        }
        for id in &ctx.pinned {
            let units = listed_units(c, id);
            if units.is_empty() {
                diagnostics.push(Diagnostic::warning(
                    "unknown-id",
                    format!(
                        "pinned id {id} in context {} is not in the graph; ignored",
                        ctx.name
                    ),
                ));
            }
            for u in units {
                p.fixed_label[u] = Some(i);
            }
        }
    }
    for (pairs, out) in [
        (&prev.constraints.must_link, &mut p.must),
        (&prev.constraints.cannot_link, &mut p.cannot),
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
    if let Some(k) = opts.k
        && k < p.frozen
    {
        return Err(ProposeError::KBelowFrozen {
            k,
            frozen: p.frozen,
        });
    }
    // Frozen contexts come first, under their own names.
    let mut remap = BTreeMap::new();
    for (i, ctx) in prev.contexts.iter().enumerate().filter(|(_, c)| c.frozen) {
        remap.insert(i, p.names.len());
        p.names.push(ctx.name.clone());
        p.previous.push(Some(i));
    }
    for slot in p.of_unit.iter_mut() {
        *slot = slot.and_then(|i| remap.get(&i).copied());
    }
    Ok(p)
}

/// The units an id of a decomposition stands for: a Go package's files, a module with
/// its members, a member, a model (or its table).
fn listed_units(c: &coupling::Coupling, id: &str) -> Vec<usize> {
    let modules: Vec<usize> = match c.split_modules.get(id) {
        Some(files) => files.clone(),
        None => resolve(c, id).into_iter().collect(),
    };
    let mut out = Vec::new();
    for u in modules {
        out.push(u);
        if c.units[u].kind == UnitKind::Module {
            out.extend(c.members[u].iter().copied());
        }
    }
    out
}

/// Fewest models for which the data graph alone decides the contexts: on a handful of
/// models, modularity has too little to go on and the code's coupling says more.
const MIN_MODELS_FOR_DATA_FIRST: usize = 8;

/// Data first: with enough models (at least [`MIN_MODELS_FOR_DATA_FIRST`], and two per
/// wanted context), contexts are clusters of the data graph and code follows its data;
/// otherwise (little or no ORM data) the code's coupling graph is clustered as a whole.
fn data_first(c: &coupling::Coupling, opts: &ProposeOptions, p: &Prior) -> bool {
    let models = (0..c.units.len())
        .filter(|&u| c.units[u].kind == UnitKind::Model && !p.frozen_units[u])
        .count();
    let wanted = opts.k.map_or(2, |k| k.saturating_sub(p.frozen).max(2));
    models >= MIN_MODELS_FOR_DATA_FIRST.max(2 * wanted)
}

fn cluster_units(
    graph: &Graph,
    c: &coupling::Coupling,
    opts: &ProposeOptions,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Assignment, ProposeError> {
    let mut p = prior(c, opts, diagnostics)?;
    let touches_data = touches_data(c);
    let package_of = |u: usize| {
        graph
            .node(&c.units[u].node)
            .and_then(|n| n.attrs.get("package").cloned())
    };
    // Configuration and entry points are plumbing whatever the clustering says.
    // A framework role is plumbing unless its own code reads or writes data (a root
    // URLconf reaches every view's data through the views it wires).
    let mut own_data = vec![false; c.units.len()];
    for a in &c.accesses {
        own_data[a.unit] = true;
    }
    for m in c.units.iter().filter_map(|u| u.defined_in) {
        own_data[m] = true;
    }
    let mut shared = plumbing::framework_plumbing(c, &own_data, &package_of);
    let mut excluded = vec![false; c.units.len()];
    for &m in shared.keys() {
        excluded[m] = true;
        c.members[m].iter().for_each(|&u| excluded[u] = true);
    }
    // Whether the files hide the domains is a property of the code, decided with names
    // ignored: names then only help within the pipeline the code calls for.
    let blind = ProposeOptions {
        ignore_names: true,
        ..opts.clone()
    };
    if data_first(c, opts, &p)
        && layout_hides_domains(c, &touches_data, &data_split(c, &blind, &p, &excluded).1)
    {
        p = if opts.ignore_names {
            data_split(c, &blind, &p, &excluded).0
        } else {
            data_split(c, opts, &p, &excluded).0
        };
    } else {
        cluster_code(c, opts, &mut p, &excluded);
    }
    plumbing::shared(c, &p.of_unit, p.names.len(), &touches_data, &mut shared);
    plumbing::add_package_markers(c, &touches_data, &mut shared);
    for &m in shared.keys() {
        p.of_unit[m] = None;
        for &u in &c.members[m] {
            p.of_unit[u] = None;
        }
    }
    let skip: BTreeSet<usize> = shared
        .keys()
        .flat_map(|&m| std::iter::once(m).chain(c.members[m].iter().copied()))
        .collect();
    let isolated = place_leftovers(c, opts, &mut p, &skip);
    continuity(c, opts, &mut p);
    let (names, of_unit, previous) = drop_empty(p);
    Ok(Assignment {
        names,
        previous,
        declared_tables: BTreeMap::new(),
        isolated,
        split: splits(c, &of_unit),
        of_unit,
        shared,
    })
}

/// The data-first split of everything not `excluded`: models clustered on the data
/// graph, code placed by the data it works on.
fn data_split(
    c: &coupling::Coupling,
    opts: &ProposeOptions,
    p: &Prior,
    excluded: &[bool],
) -> (Prior, place::Placement) {
    let mut split = p.clone();
    cluster_data(c, opts, &mut split);
    let closed: Vec<bool> = (0..split.names.len()).map(|x| x < p.frozen).collect();
    let fixed = fixed_contexts(&split);
    let bounds = place::Bounds {
        contexts: split.names.len(),
        closed: &closed,
        fixed: &fixed,
        excluded,
    };
    let placement = place::place_code(
        c,
        &mut split.of_unit,
        &bounds,
        &opts.weights,
        opts.ignore_names,
    );
    (split, placement)
}

/// Share of the members that touch data which sit in modules whose members pull
/// towards different contexts of the data-first split, above which the files are taken
/// to hide the domains.
const HIDDEN_LAYOUT_SHARE: f64 = 0.25;

/// Whether the code's modules hide the domains: at least [`HIDDEN_LAYOUT_SHARE`] of the
/// members that touch data sit in modules the data-first placement splits (god files,
/// files that mix domains). Then the data graph decides; otherwise the modules follow
/// the domains and the coupling graph of modules and models, which also knows how the
/// modules use each other, is clustered as a whole.
fn layout_hides_domains(
    c: &coupling::Coupling,
    touches_data: &[bool],
    placement: &place::Placement,
) -> bool {
    let members = (0..c.units.len())
        .filter(|&u| c.units[u].kind == UnitKind::Member && touches_data[u])
        .count();
    let in_split: usize = placement
        .split
        .keys()
        .map(|&m| c.members[m].iter().filter(|&&u| touches_data[u]).count())
        .sum();
    in_split as f64 >= HIDDEN_LAYOUT_SHARE * members.max(1) as f64
}

/// Pins as context indices (the cluster of label x is context x after `cluster_data`).
fn fixed_contexts(p: &Prior) -> Vec<Option<usize>> {
    p.fixed_label
        .iter()
        .map(|l| l.map(|x| x + p.frozen).filter(|&x| x < p.names.len()))
        .collect()
}

/// Module units with members in another context than their own: members per context.
fn splits(
    c: &coupling::Coupling,
    of_unit: &[Option<usize>],
) -> BTreeMap<usize, BTreeMap<usize, usize>> {
    let mut out = BTreeMap::new();
    for m in 0..c.members.len() {
        if c.members[m].iter().any(|&u| of_unit[u] != of_unit[m]) {
            let mut per: BTreeMap<usize, usize> = BTreeMap::new();
            for &u in &c.members[m] {
                if let Some(x) = of_unit[u] {
                    *per.entry(x).or_default() += 1;
                }
            }
            out.insert(m, per);
        }
    }
    out
}

impl Assignment {
    /// The unit a decomposition lists for `u`: a member of a module that is not split
    /// is written as (and scored as) its module.
    fn listed_as(&self, c: &coupling::Coupling, u: usize) -> usize {
        match c.units[u].parent {
            Some(m) if !self.split.contains_key(&m) => m,
            _ => u,
        }
    }
}

/// Units that read or write a table, themselves or through the code they call (at any
/// depth), and modules defining models or declaring tables: a handler whose service writes orders is domain
/// code, not plumbing.
fn touches_data(c: &coupling::Coupling) -> Vec<bool> {
    let n = c.units.len();
    let mut t = vec![false; n];
    let mut callers: Vec<Vec<usize>> = vec![Vec::new(); n];
    for d in &c.dependencies {
        if d.kind == EdgeKind::Calls {
            callers[d.to].push(d.from);
        }
    }
    let mut stack: Vec<usize> = Vec::new();
    // A module defining models is data, whatever its code does.
    for m in c.units.iter().filter_map(|u| u.defined_in) {
        t[m] = true;
    }
    for m in c.tables.iter().filter_map(|t| t.declared_in) {
        t[m] = true;
    }
    for a in &c.accesses {
        if !t[a.unit] {
            t[a.unit] = true;
            stack.push(a.unit);
        }
    }
    while let Some(u) = stack.pop() {
        for &v in &callers[u] {
            if !t[v] {
                t[v] = true;
                stack.push(v);
            }
        }
    }
    t
}

/// Leiden on the data graph of the non-frozen models (see `data`); clusters become
/// contexts after the frozen ones.
fn cluster_data(c: &coupling::Coupling, opts: &ProposeOptions, p: &mut Prior) {
    let g = data::build(c, &opts.weights, opts.ignore_names, &p.frozen_units);
    let connected = data::connected(&g);
    let active: Vec<usize> = g
        .nodes
        .iter()
        .copied()
        .filter(|u| connected.contains(u) || p.fixed_label[*u].is_some())
        .collect();
    let local: BTreeMap<usize, usize> = active.iter().enumerate().map(|(i, &u)| (u, i)).collect();
    let edges = g
        .edges
        .iter()
        .filter_map(|&(a, b, w)| Some((*local.get(&g.nodes[a])?, *local.get(&g.nodes[b])?, w)));
    let wg = cluster::WeightedGraph::from_edges(active.len(), edges);
    run_leiden(&wg, &active, &local, opts, p);
}

/// The code's coupling graph clustered as a whole (little or no ORM data); members
/// follow their module.
fn cluster_code(c: &coupling::Coupling, opts: &ProposeOptions, p: &mut Prior, excluded: &[bool]) {
    let n = c.units.len();
    let eligible =
        |u: usize| c.units[u].kind != UnitKind::Member && !p.frozen_units[u] && !excluded[u];
    // Coupling among the units clustered here only: a unit tied only to plumbing or to
    // frozen contexts would otherwise become a cluster of its own.
    let mut strength = vec![0.0; n];
    for (a, b, w) in c.weighted_pairs() {
        if eligible(a) && eligible(b) {
            strength[a] += w;
            strength[b] += w;
        }
    }
    let active: Vec<usize> = (0..n)
        .filter(|&u| eligible(u) && (strength[u] > 0.0 || p.fixed_label[u].is_some()))
        .collect();
    let local: BTreeMap<usize, usize> = active.iter().enumerate().map(|(i, &u)| (u, i)).collect();
    let g = cluster::WeightedGraph::from_edges(
        active.len(),
        c.weighted_pairs()
            .filter_map(|(a, b, w)| Some((*local.get(&a)?, *local.get(&b)?, w))),
    );
    run_leiden(&g, &active, &local, opts, p);
    let fixed = fixed_contexts(p);
    for m in 0..n {
        if c.units[m].kind == UnitKind::Module && !p.frozen_units[m] {
            for &u in &c.members[m] {
                if !p.frozen_units[u] {
                    p.of_unit[u] = fixed[u].or(p.of_unit[m]);
                }
            }
        }
    }
}

/// Leiden over `active` units with the prior's constraints; labels become contexts
/// after the frozen ones (k == frozen: nothing new, everything joins frozen contexts).
fn run_leiden(
    g: &cluster::WeightedGraph,
    active: &[usize],
    local: &BTreeMap<usize, usize>,
    opts: &ProposeOptions,
    p: &mut Prior,
) {
    let lc = |pairs: &[(usize, usize)]| -> Vec<(usize, usize)> {
        pairs
            .iter()
            .filter_map(|(a, b)| Some((*local.get(a)?, *local.get(b)?)))
            .collect()
    };
    let constraints = cluster::Constraints {
        fixed: active.iter().map(|&u| p.fixed_label[u]).collect(),
        must_link: lc(&p.must),
        cannot_link: lc(&p.cannot),
    };
    let leiden_opts = cluster::LeidenOptions {
        resolution: opts.resolution,
        seed: opts.seed,
        target_clusters: opts.k.map(|k| k - p.frozen),
        ..Default::default()
    };
    if active.is_empty() || opts.k == Some(p.frozen) {
        return;
    }
    let labels = cluster::leiden(g, &leiden_opts, &constraints);
    let base = p.names.len();
    let clusters = labels.iter().copied().max().map_or(0, |m| m + 1);
    for (i, &u) in active.iter().enumerate() {
        p.of_unit[u] = Some(base + labels[i]);
    }
    for _ in 0..clusters {
        p.names.push(String::new());
        p.previous.push(None);
    }
}

/// Units nothing placed yet (outside `skip`): with their strongest neighbour, their
/// group's context (unless names are ignored), else the largest context; a module's
/// members follow it. Returns them: their explanation says so.
fn place_leftovers(
    c: &coupling::Coupling,
    opts: &ProposeOptions,
    p: &mut Prior,
    skip: &BTreeSet<usize>,
) -> BTreeSet<usize> {
    let n = c.units.len();
    let mut isolated = BTreeSet::new();
    let mut sizes: BTreeMap<usize, usize> = BTreeMap::new();
    for x in p.of_unit.iter().flatten() {
        *sizes.entry(*x).or_default() += 1;
    }
    let largest = sizes
        .iter()
        .filter(|(x, _)| **x >= p.frozen || p.frozen == p.names.len())
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(&c, _)| c);
    // Votes of the placed units per group and context, kept up to date as units are
    // placed (a later one sees the earlier ones), built once.
    let mut votes: HashMap<&str, BTreeMap<usize, usize>> = HashMap::new();
    if !opts.ignore_names {
        for (v, placed) in p.of_unit.iter().enumerate() {
            if let (Some(group), Some(x)) = (&c.units[v].group, placed) {
                *votes.entry(group).or_default().entry(*x).or_default() += 1;
            }
        }
    }
    let neighbours = c.neighbours();
    // Models and modules first; members follow their module.
    for u in (0..n).filter(|&u| c.units[u].kind != UnitKind::Member) {
        if p.of_unit[u].is_some() || skip.contains(&u) {
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
        let strongest = neighbours[u]
            .iter()
            .filter(|(v, _)| p.of_unit[*v].is_some())
            .max_by(|x, y| x.1.weight.total_cmp(&y.1.weight).then(y.0.cmp(&x.0)))
            .and_then(|(v, _)| p.of_unit[*v]);
        let package = package_marker_home(c, &p.of_unit, u);
        p.of_unit[u] = strongest.or(package).or(by_group).or(largest).or(Some(0));
        if let (Some(g), Some(x)) = (group, p.of_unit[u]) {
            *votes.entry(g).or_default().entry(x).or_default() += 1;
        }
        if p.names.is_empty() {
            p.names.push(String::new());
            p.previous.push(None);
        }
    }
    for u in (0..n).filter(|&u| c.units[u].kind == UnitKind::Member) {
        if p.of_unit[u].is_none() && !skip.contains(&u) {
            p.of_unit[u] = c.units[u].parent.and_then(|m| p.of_unit[m]);
        }
    }
    isolated
}

/// A package marker (Python `__init__.py`, Rust `mod.rs`) with nothing tying it to
/// anything: the context holding most of the modules in its directory (the package it
/// marks contains them; a code relation, not a name).
fn package_marker_home(
    c: &coupling::Coupling,
    of_unit: &[Option<usize>],
    u: usize,
) -> Option<usize> {
    let file = c.units[u].file.as_deref()?;
    let (dir, name) = file.rsplit_once('/').unwrap_or(("", file));
    if !matches!(name, "__init__.py" | "mod.rs") {
        return None;
    }
    let prefix = if dir.is_empty() {
        String::new()
    } else {
        format!("{dir}/")
    };
    let mut votes: BTreeMap<usize, usize> = BTreeMap::new();
    for (v, unit) in c.units.iter().enumerate() {
        if v != u
            && unit.kind == UnitKind::Module
            && unit.file.as_deref().is_some_and(|f| f.starts_with(&prefix))
            && let Some(x) = of_unit[v]
        {
            *votes.entry(x).or_default() += 1;
        }
    }
    votes
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(x, _)| x)
}

/// Continuity with the previous decomposition: a new cluster keeps the name and
/// settings of the previous context it overlaps most (a cluster holding pinned ids of
/// a context is that context, whatever else joined).
fn continuity(c: &coupling::Coupling, opts: &ProposeOptions, p: &mut Prior) {
    let Some(prev) = &opts.previous else { return };
    let n = c.units.len();
    let mut prev_of = vec![None; n];
    place_listed(c, prev, &mut prev_of, None);
    let mut overlap: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for (u, &was) in prev_of.iter().enumerate() {
        if let (Some(new), Some(old)) = (p.of_unit[u], was)
            && p.previous[new].is_none()
            && !prev.contexts[old].frozen
        {
            *overlap.entry((new, old)).or_default() += 1;
        }
    }
    let mut pairs: Vec<((usize, usize), usize)> = overlap.into_iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut taken = BTreeSet::new();
    for u in 0..n {
        if let (Some(new), Some(old)) = (p.of_unit[u], p.fixed_label[u])
            && p.previous[new].is_none()
            && taken.insert(old)
        {
            p.previous[new] = Some(old);
            p.names[new] = prev.contexts[old].name.clone();
        }
    }
    for ((new, old), _) in pairs {
        if p.previous[new].is_none() && taken.insert(old) {
            p.previous[new] = Some(old);
            p.names[new] = prev.contexts[old].name.clone();
        }
    }
}

/// Drops contexts nothing ended in, renumbering the rest.
fn drop_empty(p: Prior) -> (Vec<String>, Vec<Option<usize>>, Vec<Option<usize>>) {
    let used: BTreeSet<usize> = p.of_unit.iter().flatten().copied().collect();
    let mut remap = BTreeMap::new();
    let mut names = Vec::new();
    let mut previous = Vec::new();
    for i in 0..p.names.len() {
        if used.contains(&i) {
            remap.insert(i, names.len());
            names.push(p.names[i].clone());
            previous.push(p.previous[i]);
        }
    }
    let of_unit = p
        .of_unit
        .into_iter()
        .map(|slot| slot.and_then(|i| remap.get(&i).copied()))
        .collect();
    (names, of_unit, previous)
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
    let listed_as: Vec<usize> = (0..c.units.len()).map(|u| a.listed_as(c, u)).collect();
    let metrics = score::compute(
        c,
        &a.of_unit,
        &listed_as,
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
