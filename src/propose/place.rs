//! Code follows its data: once the models are in contexts, every member (function,
//! class, Go/Rust method) and every module goes where the data it works on lives, and a
//! module whose members pull towards different contexts is split.
//!
//! The pull of a code unit towards a context is the data it reads and writes there
//! (`data_write`/`data_read`, occurrences damped as `1 + ln n`), plus half of what the
//! units it calls read and write, plus a quarter of what those call (a handler calling a
//! service that writes `orders` belongs with orders). Units with no pull take the
//! context their callers and callees are in (a few rounds of propagation over calls and
//! inheritance). With names used, a unit's app/package adds `name` towards the context
//! most of that group's models are in, when at least 60% of them are in one.
//!
//! A module stays whole unless it is incoherent. Each of its members (and its own
//! module-level code) votes for the context it pulls to, with the strength of that pull;
//! the module is split when at least two contexts each get at least [`MIN_PART`] members
//! and no context gets [`COHERENT_SHARE`] of the votes. Then
//! each member goes where it pulls (members without pull go with the module's main
//! part, where the module itself stays).

use std::collections::BTreeMap;

use super::coupling::{Coupling, CouplingWeights, UnitKind, is_layer_name};
use super::data::models_by_code_unit;
use crate::graph::EdgeKind;

/// A module is coherent when one context holds this share of its members' votes.
pub const COHERENT_SHARE: f64 = 0.6;
/// A part of a module worth splitting off holds at least this many members.
pub const MIN_PART: usize = 2;
/// The vote of a unit placed only by its neighbours, against pulls of `data_read` (1)
/// or `data_write` (3) per table touched.
const PROPAGATED_VOTE: f64 = 0.5;
/// Rounds of propagation for units without data.
const ROUNDS: usize = 6;

/// Where the code went.
pub(super) struct Placement {
    /// Module units split between contexts, with the number of members per context.
    pub split: BTreeMap<usize, BTreeMap<usize, usize>>,
}

fn damp(n: u32) -> f64 {
    if n == 0 { 0.0 } else { 1.0 + f64::from(n).ln() }
}

/// What the placement may use: `contexts` contexts, of which `closed[x]` take no new
/// units (frozen); `fixed[u]` a pin; `excluded[u]` not placed (plumbing).
pub(super) struct Bounds<'a> {
    pub contexts: usize,
    pub closed: &'a [bool],
    pub fixed: &'a [Option<usize>],
    pub excluded: &'a [bool],
}

/// Places every unplaced code unit (modules and members) of `c` given the models'
/// contexts in `of_unit`, within `bounds`. Units that nothing ties to any context stay
/// unplaced.
pub(super) fn place_code(
    c: &Coupling,
    of_unit: &mut [Option<usize>],
    bounds: &Bounds,
    weights: &CouplingWeights,
    ignore_names: bool,
) -> Placement {
    let Bounds {
        contexts,
        closed,
        fixed,
        excluded,
    } = *bounds;
    let n = c.units.len();
    let open = |x: usize| x < contexts && !closed.get(x).copied().unwrap_or(false);
    // Direct pull of every code unit.
    let mut direct: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); n];
    for (&u, models) in &models_by_code_unit(c) {
        if c.units[u].kind == UnitKind::Model {
            continue;
        }
        for (&m, &(reads, writes)) in models {
            if let Some(x) = of_unit[m].filter(|&x| open(x)) {
                *direct[u].entry(x).or_default() +=
                    weights.data_write * damp(writes) + weights.data_read * damp(reads);
            }
        }
    }
    let mut callees: Vec<Vec<(usize, u32)>> = vec![Vec::new(); n];
    let mut neighbours: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    for d in &c.dependencies {
        if d.from == d.to {
            continue;
        }
        if matches!(d.kind, EdgeKind::Calls | EdgeKind::Inherits) {
            callees[d.from].push((d.to, d.count));
        }
        let w = damp(d.count)
            * if d.kind == EdgeKind::Imports {
                0.5
            } else {
                1.0
            };
        neighbours[d.from].push((d.to, w));
        neighbours[d.to].push((d.from, w));
    }
    let mut pull = direct.clone();
    for u in 0..n {
        for &(v, _) in &callees[u] {
            if v == u {
                continue;
            }
            for (&x, &w) in &direct[v] {
                *pull[u].entry(x).or_default() += 0.5 * w;
            }
            for &(w2, _) in &callees[v] {
                if w2 == u || w2 == v {
                    continue;
                }
                for (&x, &w) in &direct[w2] {
                    *pull[u].entry(x).or_default() += 0.25 * w;
                }
            }
        }
    }
    if !ignore_names {
        add_group_prior(c, of_unit, &mut pull, weights.name, &open);
    }
    let code =
        |u: usize| matches!(c.units[u].kind, UnitKind::Module | UnitKind::Member) && !excluded[u];
    let mut choice: Vec<Option<usize>> = vec![None; n];
    for u in (0..n).filter(|&u| code(u) && of_unit[u].is_none()) {
        choice[u] = fixed[u]
            .filter(|&x| x < contexts)
            .or_else(|| argmax(&pull[u]));
    }
    // Units without data: the context of their neighbours, a few rounds.
    for _ in 0..ROUNDS {
        let mut changed = false;
        let waiting: Vec<usize> = (0..n)
            .filter(|&u| code(u) && of_unit[u].is_none() && choice[u].is_none())
            .collect();
        for u in waiting {
            let mut votes: BTreeMap<usize, f64> = BTreeMap::new();
            for &(v, w) in &neighbours[u] {
                if let Some(x) = choice[v].or(of_unit[v]).filter(|&x| open(x)) {
                    *votes.entry(x).or_default() += w;
                }
            }
            if let Some(x) = argmax(&votes) {
                choice[u] = Some(x);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // Modules: whole when coherent, else split member by member.
    let mut split = BTreeMap::new();
    let mut defines: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (u, unit) in c.units.iter().enumerate() {
        if let Some(m) = unit.defined_in {
            defines[m].push(u);
        }
    }
    for t in &c.tables {
        if let (Some(m), Some(model)) = (t.declared_in, t.model) {
            defines[m].push(model);
        }
    }
    let modules: Vec<usize> = (0..n)
        .filter(|&u| c.units[u].kind == UnitKind::Module && of_unit[u].is_none() && !excluded[u])
        .collect();
    for m in modules {
        let members = &c.members[m];
        // Votes weighted by the strength of each unit's pull (a member that only
        // follows its neighbours votes at PROPAGATED_VOTE).
        let mut votes: BTreeMap<usize, (f64, usize)> = BTreeMap::new();
        for &u in members.iter().chain(std::iter::once(&m)) {
            if let Some(x) = choice[u] {
                let strength = pull[u].get(&x).copied().unwrap_or(0.0).max(PROPAGATED_VOTE);
                let v = votes.entry(x).or_default();
                v.0 += strength;
                v.1 += 1;
            }
        }
        // The models a module defines, and those of the tables it declares, vote for it
        // too (not for its members).
        let mut module_votes = votes.clone();
        for &model in &defines[m] {
            if let Some(x) = of_unit[model].filter(|&x| open(x)) {
                module_votes.entry(x).or_default().0 += weights.data_write;
            }
        }
        let module_main = module_votes
            .iter()
            .max_by(|a, b| a.1.0.total_cmp(&b.1.0).then(b.0.cmp(a.0)))
            .map(|(&x, _)| x);
        let total: f64 = votes.values().map(|v| v.0).sum();
        let Some((main, top)) = votes
            .iter()
            .max_by(|a, b| a.1.0.total_cmp(&b.1.0).then(b.0.cmp(a.0)))
            .map(|(&x, &(w, _))| (x, w))
            .or_else(|| Some((module_main?, 0.0)))
        else {
            continue;
        };
        let parts = votes.values().filter(|&&(_, n)| n >= MIN_PART).count();
        let coherent = top >= COHERENT_SHARE * total || parts < 2;
        of_unit[m] = Some(fixed[m].or(module_main).unwrap_or(main));
        for &u in members {
            of_unit[u] = Some(match fixed[u] {
                Some(x) => x,
                None if coherent => of_unit[m].unwrap_or(main),
                None => choice[u].unwrap_or(main),
            });
        }
        let mut per: BTreeMap<usize, usize> = BTreeMap::new();
        for &u in members {
            if let Some(x) = of_unit[u] {
                *per.entry(x).or_default() += 1;
            }
        }
        if per.len() > 1 || per.keys().any(|&x| Some(x) != of_unit[m]) {
            split.insert(m, per);
        }
    }
    Placement { split }
}

/// With names used: a unit's group pulls towards the context most of its models are in.
fn add_group_prior(
    c: &Coupling,
    of_unit: &[Option<usize>],
    pull: &mut [BTreeMap<usize, f64>],
    weight: f64,
    open: &dyn Fn(usize) -> bool,
) {
    let mut by_group: BTreeMap<&str, BTreeMap<usize, usize>> = BTreeMap::new();
    for (u, unit) in c.units.iter().enumerate() {
        if unit.kind == UnitKind::Model
            && let (Some(g), Some(x)) = (unit.group.as_deref(), of_unit[u])
            && !is_layer_name(g)
            && open(x)
        {
            *by_group.entry(g).or_default().entry(x).or_default() += 1;
        }
    }
    if by_group.len() < 2 {
        return;
    }
    let home: BTreeMap<&str, usize> = by_group
        .iter()
        .filter_map(|(g, votes)| {
            let total: usize = votes.values().sum();
            let (&x, &top) = votes
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))?;
            (top as f64 >= 0.6 * total as f64).then_some((*g, x))
        })
        .collect();
    for (u, unit) in c.units.iter().enumerate() {
        if matches!(unit.kind, UnitKind::Module | UnitKind::Member)
            && let Some(&x) = unit.group.as_deref().and_then(|g| home.get(g))
        {
            *pull[u].entry(x).or_default() += weight;
        }
    }
}

/// The context with the largest weight; ties to the lower index.
fn argmax(m: &BTreeMap<usize, f64>) -> Option<usize> {
    m.iter()
        .filter(|(_, w)| **w > 0.0)
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(&x, _)| x)
}
