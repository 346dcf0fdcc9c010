//! The coupling graph `seam propose` clusters: which units belong together, how
//! strongly, and why (per signal, with evidence).
//!
//! **Units** are code modules and ORM models. A Python module is a file and a Rust
//! module a file or inline `mod`, so they are units as they are; a Go package is a
//! directory, and a monolith laid out by layer puts every domain into each layer's
//! package, so a Go package is split into one unit per file (`<package id>#<file>`;
//! a one-file package stays `<package id>`). Tables are not units: a table follows its
//! model, and a table without a model in the analysed code follows whoever writes it
//! most (see `ownership`).
//!
//! **Signals**, each scaled by its [`CouplingWeights`] parameter; occurrences are
//! damped as `1 + ln(count)` so that one chatty pair cannot drown the rest:
//! - `structural`: calls and inheritance between code (lifted from functions, methods
//!   and types to their unit); `imports`: module imports;
//! - `data_write` / `data_read`: code writing / reading a table, coupled to the table's
//!   model; for tables without a model, every pair of units touching the table, at the
//!   smaller of their two weights;
//! - `relation`: fk / o2o / m2m / inheritance between models, and models sharing a table;
//! - `cochange`: files changed in the same commit (git), each commit of n units adding
//!   1/(n−1) to each of its pairs; `contributor`: shared authors (git), the overlap of
//!   two units' author shares;
//! - `name`: units of the same `group` (Django app, Go package, Rust top module),
//!   linked in a ring so the signal stays linear in the group's size; `defines`: a
//!   model and the module (file) defining it. Both are placement, not code relations:
//!   `--ignore-names` turns them off.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;

use super::git::GitHistory;
use crate::graph::{EdgeKind, Graph, Lang, Node, NodeKind};

/// The weight of each signal. `--weights structural=1,data_write=3,…` overrides them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CouplingWeights {
    pub structural: f64,
    pub imports: f64,
    pub data_write: f64,
    pub data_read: f64,
    pub relation: f64,
    pub cochange: f64,
    pub contributor: f64,
    pub name: f64,
    pub defines: f64,
}

impl Default for CouplingWeights {
    fn default() -> Self {
        CouplingWeights {
            structural: 1.0,
            imports: 0.5,
            data_write: 3.0,
            data_read: 1.0,
            relation: 2.0,
            cochange: 1.0,
            contributor: 0.5,
            name: 0.5,
            defines: 2.0,
        }
    }
}

impl CouplingWeights {
    pub const NAMES: [&'static str; 9] = [
        "structural",
        "imports",
        "data_write",
        "data_read",
        "relation",
        "cochange",
        "contributor",
        "name",
        "defines",
    ];

    fn slot(&mut self, name: &str) -> Option<&mut f64> {
        Some(match name {
            "structural" => &mut self.structural,
            "imports" => &mut self.imports,
            "data_write" => &mut self.data_write,
            "data_read" => &mut self.data_read,
            "relation" => &mut self.relation,
            "cochange" => &mut self.cochange,
            "contributor" => &mut self.contributor,
            "name" => &mut self.name,
            "defines" => &mut self.defines,
            _ => return None,
        })
    }

    /// Applies `name=value,name=value` on top of these weights.
    pub fn parse_overrides(mut self, spec: &str) -> Result<Self, String> {
        for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}` is not name=value"))?;
            let value: f64 = value
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("weight `{value}` of {name} is not a number ≥ 0"))?;
            let slot = self.slot(name.trim()).ok_or_else(|| {
                format!("unknown signal `{name}`; known: {}", Self::NAMES.join(", "))
            })?;
            *slot = value;
        }
        Ok(self)
    }

    fn of(&self, s: Signal) -> f64 {
        match s {
            Signal::Calls | Signal::Inherits => self.structural,
            Signal::Imports => self.imports,
            Signal::DataWrite => self.data_write,
            Signal::DataRead => self.data_read,
            Signal::Relation => self.relation,
            Signal::CoChange => self.cochange,
            Signal::Contributor => self.contributor,
            Signal::Name => self.name,
            Signal::Defines => self.defines,
        }
    }
}

/// Why two units are coupled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    Calls,
    Inherits,
    Imports,
    DataWrite,
    DataRead,
    Relation,
    CoChange,
    Contributor,
    Name,
    Defines,
}

impl Signal {
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Calls => "calls",
            Signal::Inherits => "inherits",
            Signal::Imports => "imports",
            Signal::DataWrite => "writes the same data",
            Signal::DataRead => "reads the same data",
            Signal::Relation => "model relation",
            Signal::CoChange => "changed together",
            Signal::Contributor => "same authors",
            Signal::Name => "same app/package",
            Signal::Defines => "defines",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    Module,
    Model,
}

/// One thing that is placed in a context.
#[derive(Debug, Clone, Serialize)]
pub struct Unit {
    /// The id written in decomposition.yaml: a module node id (`py:orders.views`,
    /// `go:example.com/shop/orders#http.go`) or a model label (`orders.Order`).
    pub id: String,
    /// The graph node (for a Go file unit: its package).
    pub node: String,
    pub kind: UnitKind,
    pub name: String,
    pub group: Option<String>,
    pub lang: Option<Lang>,
    /// Source file (modules), relative to the analysis root.
    pub file: Option<String>,
    pub loc: u64,
    /// Table of a model unit.
    pub table: Option<String>,
}

/// What couples one pair of units.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PairCoupling {
    pub weight: f64,
    pub by_signal: BTreeMap<Signal, f64>,
    /// A few `file:line what` lines, strongest signal first.
    pub evidence: Vec<String>,
}

/// A read or write of a table by a unit.
#[derive(Debug, Clone, Serialize)]
pub struct Access {
    pub unit: usize,
    pub table: String,
    pub write: bool,
    pub count: u32,
    /// `file:line` of the occurrences (capped by the graph).
    pub evidence: Vec<String>,
}

/// A directed code dependency between units (for context dependencies and metrics).
#[derive(Debug, Clone, Serialize)]
pub struct Dependency {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// `py:orders.services.place → py:catalog.utils.price`.
    pub what: String,
    pub count: u32,
    pub evidence: Vec<String>,
}

/// A table and the model unit it follows.
#[derive(Debug, Clone, Serialize)]
pub struct TableInfo {
    pub name: String,
    pub model: Option<usize>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Coupling {
    pub units: Vec<Unit>,
    #[serde(skip)]
    pub index: HashMap<String, usize>,
    /// Undirected pairs (a < b).
    pub pairs: BTreeMap<(usize, usize), PairCoupling>,
    pub dependencies: Vec<Dependency>,
    pub accesses: Vec<Access>,
    pub tables: Vec<TableInfo>,
    /// Commits per author per unit (git), for teams.
    pub authors: Vec<BTreeMap<String, u32>>,
    /// Package id → its file units (Go packages split by file).
    pub split_modules: BTreeMap<String, Vec<usize>>,
}

const MAX_EVIDENCE_PER_PAIR: usize = 6;

fn damp(count: f64) -> f64 {
    if count <= 0.0 { 0.0 } else { 1.0 + count.ln() }
}

impl Coupling {
    pub fn unit(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    fn add(&mut self, a: usize, b: usize, signal: Signal, w: f64, evidence: Option<String>) {
        if a == b || w <= 0.0 {
            return;
        }
        let p = self.pairs.entry((a.min(b), a.max(b))).or_default();
        p.weight += w;
        *p.by_signal.entry(signal).or_default() += w;
        if let Some(ev) = evidence
            && p.evidence.len() < MAX_EVIDENCE_PER_PAIR
            && !p.evidence.contains(&ev)
        {
            p.evidence.push(ev);
        }
    }

    /// The units as a graph for clustering, with every pair's total weight.
    pub fn weighted_pairs(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        self.pairs.iter().map(|(&(a, b), p)| (a, b, p.weight))
    }

    /// Every unit's pairs as (other unit, coupling), built in one pass: looking a
    /// unit's pairs up in `pairs` would cost a scan of all pairs per unit, quadratic
    /// on a large monolith (14 s of `propose` at 1M lines, see README "Benchmarks").
    pub fn neighbours(&self) -> Vec<Vec<(usize, &PairCoupling)>> {
        let mut of: Vec<Vec<(usize, &PairCoupling)>> = vec![Vec::new(); self.units.len()];
        for (&(a, b), p) in &self.pairs {
            of[a].push((b, p));
            of[b].push((a, p));
        }
        of
    }
}

/// The `n` strongest of a unit's pairs (from [`Coupling::neighbours`]), strongest
/// first; ties by unit index, so the choice is deterministic.
pub fn strongest<'c>(
    neighbours: &[(usize, &'c PairCoupling)],
    n: usize,
) -> Vec<(usize, &'c PairCoupling)> {
    let mut v = neighbours.to_vec();
    v.sort_by(|x, y| y.1.weight.total_cmp(&x.1.weight).then(x.0.cmp(&y.0)));
    v.truncate(n);
    v
}

/// Options of the coupling graph.
#[derive(Debug, Clone, Default)]
pub struct CouplingOptions {
    pub weights: CouplingWeights,
    pub ignore_names: bool,
}

/// The model label written in decomposition.yaml (`orders.Order`).
pub fn model_label(node: &Node) -> String {
    node.attrs.get("label").cloned().unwrap_or_else(|| {
        node.id
            .strip_prefix("model:")
            .unwrap_or(&node.id)
            .to_owned()
    })
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Builds the coupling graph of `graph`, with git history when there is one.
pub fn build(graph: &Graph, opts: &CouplingOptions, git: Option<&GitHistory>) -> Coupling {
    let mut c = Coupling::default();
    let w = &opts.weights;

    // --- units: modules (Go packages split per file), then models -------------------
    let mut nodes: Vec<&Node> = graph.nodes().collect();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    // The module of every code node, found once (`enclosing` walks parents by id, and
    // every edge end asks for it).
    let module_of: HashMap<&str, &Node> = nodes
        .iter()
        .filter(|n| n.kind.is_code())
        .filter_map(|n| Some((n.id.as_str(), graph.enclosing(&n.id, NodeKind::Module)?)))
        .collect();
    let mut go_files: BTreeMap<&str, BTreeMap<&str, u32>> = BTreeMap::new();
    for n in &nodes {
        if n.kind.is_code()
            && n.lang == Some(Lang::Go)
            && !n.external
            && let (Some(file), Some(m)) = (&n.file, module_of.get(n.id.as_str()))
        {
            *go_files
                .entry(m.id.as_str())
                .or_default()
                .entry(file.as_str())
                .or_default() += u32::from(n.kind != NodeKind::Module);
        }
    }
    let mut file_units: HashMap<(String, String), usize> = HashMap::new();
    for n in nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Module && !n.external)
    {
        let files = go_files.get(n.id.as_str());
        match files {
            Some(files) if files.len() > 1 => {
                let items: u32 = files.values().sum::<u32>().max(1);
                let mut ids = Vec::new();
                for (&file, &count) in files {
                    let ix = c.units.len();
                    c.units.push(Unit {
                        id: format!("{}#{}", n.id, file_name(file)),
                        node: n.id.clone(),
                        kind: UnitKind::Module,
                        name: format!("{}/{}", n.name, file_name(file)),
                        group: n.group.clone(),
                        lang: n.lang,
                        file: Some(file.to_owned()),
                        // The package's lines shared by its declarations: an estimate.
                        loc: u64::from(n.loc.unwrap_or(0)) * u64::from(count.max(1))
                            / u64::from(items),
                        table: None,
                    });
                    file_units.insert((n.id.clone(), file.to_owned()), ix);
                    ids.push(ix);
                }
                c.split_modules.insert(n.id.clone(), ids);
            }
            _ => {
                c.units.push(Unit {
                    id: n.id.clone(),
                    node: n.id.clone(),
                    kind: UnitKind::Module,
                    name: n.name.clone(),
                    group: n.group.clone(),
                    lang: n.lang,
                    file: n.file.clone(),
                    loc: u64::from(n.loc.unwrap_or(0)),
                    table: None,
                });
            }
        }
    }
    for n in nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Model && !n.external)
    {
        c.units.push(Unit {
            id: model_label(n),
            node: n.id.clone(),
            kind: UnitKind::Model,
            name: n.name.clone(),
            group: n.group.clone(),
            lang: n.lang,
            file: n.file.clone(),
            loc: 0,
            table: n.attrs.get("table").cloned(),
        });
    }
    for (i, u) in c.units.iter().enumerate() {
        c.index.insert(u.id.clone(), i);
        if u.kind == UnitKind::Model {
            c.index.insert(u.node.clone(), i);
        } else {
            c.index.entry(u.node.clone()).or_insert(i);
        }
    }

    // The unit of a code or model node; for a Go package node, the file unit of `file`.
    let unit_of = |c: &Coupling, node: &Node, file: Option<&str>| -> Option<usize> {
        if node.kind == NodeKind::Model {
            return c.unit(&node.id);
        }
        if !node.kind.is_code() {
            return None;
        }
        let m = module_of.get(node.id.as_str())?;
        if c.split_modules.contains_key(&m.id) {
            let file = if node.kind == NodeKind::Module {
                file?
            } else {
                node.file.as_deref()?
            };
            return file_units.get(&(m.id.clone(), file.to_owned())).copied();
        }
        c.unit(&m.id)
    };

    // --- tables and the model each follows ---------------------------------------------
    let mut table_model: BTreeMap<String, usize> = BTreeMap::new();
    for (from, to, e) in graph.edges() {
        if e.kind == EdgeKind::MapsTo
            && to.kind == NodeKind::Table
            && let Some(u) = c.unit(&from.id)
        {
            let proxy = from.attrs.get("proxy").is_some_and(|v| v == "true");
            let entry = table_model.entry(to.name.clone());
            match entry {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(u);
                }
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    let current = *o.get();
                    let current_proxy = graph
                        .node(&c.units[current].node)
                        .is_some_and(|n| n.attrs.get("proxy").is_some_and(|v| v == "true"));
                    if current_proxy && !proxy {
                        o.insert(u);
                    }
                }
            }
        }
    }
    let mut table_names: BTreeSet<String> = BTreeSet::new();
    for n in &nodes {
        if n.kind == NodeKind::Table {
            table_names.insert(n.name.clone());
        }
    }
    for name in &table_names {
        c.tables.push(TableInfo {
            name: name.clone(),
            model: table_model.get(name).copied(),
        });
    }
    // Models sharing a table (proxies, unmanaged doubles) belong with its model.
    for (from, to, e) in graph.edges() {
        if e.kind == EdgeKind::MapsTo
            && let (Some(u), Some(&owner)) = (c.unit(&from.id), table_model.get(&to.name))
            && u != owner
        {
            let ev = format!(
                "{} and {} map to table {}",
                c.units[u].id, c.units[owner].id, to.name
            );
            c.add(u, owner, Signal::Relation, w.of(Signal::Relation), Some(ev));
        }
    }

    // --- edges of the analysis graph -----------------------------------------------------
    let mut edges: Vec<_> = graph.edges().collect();
    edges.sort_by(|a, b| {
        (&a.0.id, &a.1.id, a.2.kind, &a.2.label).cmp(&(&b.0.id, &b.1.id, b.2.kind, &b.2.label))
    });
    let mut co_access: BTreeMap<String, BTreeMap<usize, f64>> = BTreeMap::new();
    let mut structural: Vec<(usize, usize, Signal, f64, String)> = Vec::new();
    for (from, to, e) in edges {
        // Formatted only by the arms that keep them (most edges are `contains`).
        let first = || e.evidence.first().map(|ev| ev.to_string());
        let evidence = || -> Vec<String> { e.evidence.iter().map(|ev| ev.to_string()).collect() };
        match e.kind {
            EdgeKind::Calls | EdgeKind::Imports | EdgeKind::Inherits => {
                // A Go package import is attributed to the importing file; the imported
                // package's weight is shared among its files.
                let targets: Vec<usize> = if to.kind == NodeKind::Module
                    && let Some(files) = c.split_modules.get(&to.id)
                {
                    files.clone()
                } else {
                    unit_of(&c, to, None).into_iter().collect()
                };
                let froms: Vec<(usize, Vec<String>)> =
                    if from.kind == NodeKind::Module && c.split_modules.contains_key(&from.id) {
                        let mut by_unit: BTreeMap<usize, Vec<String>> = BTreeMap::new();
                        for ev in &e.evidence {
                            if let Some(u) = unit_of(&c, from, Some(&ev.file)) {
                                by_unit.entry(u).or_default().push(ev.to_string());
                            }
                        }
                        by_unit.into_iter().collect()
                    } else {
                        unit_of(&c, from, None)
                            .map(|u| (u, evidence()))
                            .into_iter()
                            .collect()
                    };
                let signal = match e.kind {
                    EdgeKind::Calls => Signal::Calls,
                    EdgeKind::Imports => Signal::Imports,
                    _ if from.kind == NodeKind::Model && to.kind == NodeKind::Model => {
                        Signal::Relation
                    }
                    _ => Signal::Inherits,
                };
                for (a, ev) in &froms {
                    for &b in &targets {
                        if *a == b {
                            continue;
                        }
                        let count = f64::from(e.weight) / targets.len() as f64;
                        let what = format!("{} {} → {}", e.kind.as_str(), from.id, to.id);
                        let line = match ev.first() {
                            Some(at) => format!("{at} {what}"),
                            None => what.clone(),
                        };
                        structural.push((*a, b, signal, w.of(signal) * damp(count), line));
                        c.dependencies.push(Dependency {
                            from: *a,
                            to: b,
                            kind: e.kind,
                            what,
                            count: e.weight,
                            evidence: ev.clone(),
                        });
                    }
                }
            }
            EdgeKind::Reads | EdgeKind::Writes if to.kind == NodeKind::Table => {
                let first = first();
                let Some(u) = unit_of(
                    &c,
                    from,
                    first.as_ref().map(|f| f.split(':').next().unwrap_or(f)),
                ) else {
                    continue;
                };
                let write = e.kind == EdgeKind::Writes;
                c.accesses.push(Access {
                    unit: u,
                    table: to.name.clone(),
                    write,
                    count: e.weight,
                    evidence: evidence(),
                });
                let signal = if write {
                    Signal::DataWrite
                } else {
                    Signal::DataRead
                };
                let weight = w.of(signal) * damp(f64::from(e.weight));
                match table_model.get(&to.name) {
                    Some(&model) => {
                        let line = format!(
                            "{}{} {} table {}",
                            first
                                .as_deref()
                                .map(|f| format!("{f} "))
                                .unwrap_or_default(),
                            from.id,
                            e.kind.as_str(),
                            to.name
                        );
                        c.add(u, model, signal, weight, Some(line));
                    }
                    None => {
                        *co_access
                            .entry(to.name.clone())
                            .or_default()
                            .entry(u)
                            .or_default() += weight;
                    }
                }
            }
            EdgeKind::Fk | EdgeKind::O2o | EdgeKind::M2m => {
                if let (Some(a), Some(b)) = (c.unit(&from.id), c.unit(&to.id)) {
                    let line = format!(
                        "{} {}.{} → {}",
                        e.kind.as_str(),
                        c.units[a].id,
                        e.label.as_deref().unwrap_or("?"),
                        c.units[b].id
                    );
                    c.add(
                        a,
                        b,
                        Signal::Relation,
                        w.of(Signal::Relation),
                        Some(line.clone()),
                    );
                    c.dependencies.push(Dependency {
                        from: a,
                        to: b,
                        kind: e.kind,
                        what: line,
                        count: e.weight,
                        evidence: evidence(),
                    });
                }
            }
            _ => {}
        }
    }
    // Hubs: a unit wiring many others (a `main`, a URLconf, a composition root) says
    // little about the domain of each; its code edges are scaled by 1/√(fan-out).
    // An import of a Go package split into files would couple the importer to every
    // file; where the importer calls into the package, the calls say which files.
    let calls_into: BTreeSet<(usize, &str)> = structural
        .iter()
        .filter(|s| s.2 == Signal::Calls)
        .map(|s| (s.0, c.units[s.1].node.as_str()))
        .collect();
    let structural: Vec<(usize, usize, Signal, f64, String)> = structural
        .iter()
        .filter(|s| {
            !(s.2 == Signal::Imports
                && c.split_modules.contains_key(&c.units[s.1].node)
                && calls_into.contains(&(s.0, c.units[s.1].node.as_str())))
        })
        .cloned()
        .collect();
    let mut fan_out: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for (a, b, ..) in &structural {
        fan_out.entry(*a).or_default().insert(*b);
    }
    for (a, b, signal, weight, line) in structural {
        let damping = (fan_out[&a].len().max(1) as f64).sqrt();
        c.add(a, b, signal, weight / damping, Some(line));
    }
    add_transitive_access(&mut c, graph, &table_model, w, &unit_of);
    // Tables without a model: every pair of units touching the same table.
    for (table, users) in &co_access {
        let users: Vec<(usize, f64)> = users.iter().map(|(&u, &w)| (u, w)).collect();
        for (i, &(a, wa)) in users.iter().enumerate() {
            for &(b, wb) in &users[i + 1..] {
                let line = format!("both touch table {table} (no model in the code)");
                c.add(a, b, Signal::DataRead, wa.min(wb), Some(line));
            }
        }
    }

    // --- name signal (off with --ignore-names) ------------------------------------------
    if !opts.ignore_names {
        let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, u) in c.units.iter().enumerate() {
            if let Some(g) = &u.group
                && !is_layer_name(g)
            {
                groups.entry(g.as_str()).or_default().push(i);
            }
        }
        let mut ring = Vec::new();
        for (g, members) in &groups {
            match members.len() {
                0 | 1 => {}
                2 => ring.push((members[0], members[1], g.to_string())),
                n => {
                    for k in 0..n {
                        ring.push((members[k], members[(k + 1) % n], g.to_string()));
                    }
                }
            }
        }
        for (a, b, g) in ring {
            c.add(a, b, Signal::Name, w.name, Some(format!("both in {g}")));
        }
    }

    // --- where each model is defined ------------------------------------------------------
    // A code relation (the struct or class lives in that module), not a naming
    // convention, so it stays on with --ignore-names: without it a module of model
    // definitions has nothing tying it to its models.
    {
        let defined: Vec<(usize, usize, String)> = c
            .units
            .iter()
            .enumerate()
            .filter(|(_, u)| u.kind == UnitKind::Model)
            .filter_map(|(i, u)| {
                let node = graph.node(&u.node)?;
                let module = match &node.parent {
                    Some(p) => graph
                        .node(p)
                        .and_then(|p| unit_of(&c, p, node.file.as_deref())),
                    None => None,
                }
                .or_else(|| {
                    let file = node.file.as_deref()?;
                    c.units
                        .iter()
                        .position(|m| m.kind == UnitKind::Module && m.file.as_deref() == Some(file))
                })?;
                let at = node
                    .file
                    .as_ref()
                    .map(|f| format!("{f}:{}", node.line.unwrap_or(1)))
                    .unwrap_or_default();
                Some((
                    i,
                    module,
                    format!("{at} {} defines {}", c.units[module].id, u.id),
                ))
            })
            .collect();
        for (model, module, line) in defined {
            c.add(model, module, Signal::Defines, w.defines, Some(line));
        }
    }

    // --- git history ------------------------------------------------------------------------
    c.authors = vec![BTreeMap::new(); c.units.len()];
    if let Some(git) = git {
        let mut by_file: HashMap<String, usize> = HashMap::new();
        for (i, u) in c.units.iter().enumerate() {
            if u.kind == UnitKind::Module
                && let Some(f) = &u.file
            {
                // A module's own file; for Python packages the `__init__.py`.
                by_file.entry(f.clone()).or_insert(i);
            }
        }
        for commit in &git.commits {
            let units: BTreeSet<usize> = commit
                .files
                .iter()
                .filter_map(|f| by_file.get(f.as_str()).copied())
                .collect();
            for &u in &units {
                *c.authors[u].entry(commit.author.clone()).or_default() += 1;
            }
            if units.len() < 2 {
                continue;
            }
            let share = w.cochange / (units.len() - 1) as f64;
            let units: Vec<usize> = units.into_iter().collect();
            for (i, &a) in units.iter().enumerate() {
                for &b in &units[i + 1..] {
                    let line = format!(
                        "changed together in {}",
                        &commit.id[..commit.id.len().min(10)]
                    );
                    c.add(a, b, Signal::CoChange, share, Some(line));
                }
            }
        }
        add_contributor_coupling(&mut c, w.contributor);
    }
    c
}

/// Finds the unit of a node (and, for a Go package node, of one of its files).
type UnitOf<'a> = dyn Fn(&Coupling, &Node, Option<&str>) -> Option<usize> + 'a;

/// Share of a data-access weight passed back to a caller per call hop.
const HOP_DECAY: f64 = 0.5;

/// Transitive data access: code that calls (directly, or through one more call) a
/// function reading or writing a table is coupled to the table's model at
/// [`HOP_DECAY`] per hop. A handler that only calls a service that writes `orders`
/// belongs with orders: this is what cuts a layered monolith vertically.
fn add_transitive_access(
    c: &mut Coupling,
    graph: &Graph,
    table_model: &BTreeMap<String, usize>,
    w: &CouplingWeights,
    unit_of: &UnitOf,
) {
    let mut direct: HashMap<&str, Vec<(usize, bool, u32)>> = HashMap::new();
    let mut callees: HashMap<&str, Vec<&Node>> = HashMap::new();
    for (from, to, e) in graph.edges() {
        match e.kind {
            EdgeKind::Reads | EdgeKind::Writes => {
                if let Some(&m) = table_model.get(&to.name) {
                    direct.entry(from.id.as_str()).or_default().push((
                        m,
                        e.kind == EdgeKind::Writes,
                        e.weight,
                    ));
                }
            }
            EdgeKind::Calls => callees.entry(from.id.as_str()).or_default().push(to),
            _ => {}
        }
    }
    // Per (unit, model, write): the strongest weight and the call that gave it, as
    // (caller, callee) ids, formatted once at the end.
    let mut adds: BTreeMap<(usize, usize, bool), (f64, &str, &str)> = BTreeMap::new();
    let mut callers: Vec<&str> = callees.keys().copied().collect();
    callers.sort_unstable();
    for f in callers {
        let Some(fnode) = graph.node(f) else { continue };
        let Some(uf) = unit_of(c, fnode, None) else {
            continue;
        };
        let mut frontier: Vec<(&Node, f64)> = callees[f].iter().map(|g| (*g, HOP_DECAY)).collect();
        for hop in 0..2 {
            let mut next = Vec::new();
            for (g, decay) in frontier {
                let ug = unit_of(c, g, None);
                if ug != Some(uf) {
                    for &(m, write, count) in direct.get(g.id.as_str()).into_iter().flatten() {
                        let signal = if write {
                            Signal::DataWrite
                        } else {
                            Signal::DataRead
                        };
                        let weight = w.of(signal) * damp(f64::from(count)) * decay;
                        let entry = adds.entry((uf, m, write)).or_insert((0.0, "", ""));
                        if weight > entry.0 {
                            *entry = (weight, f, g.id.as_str());
                        }
                    }
                }
                if hop == 0 {
                    for h in callees.get(g.id.as_str()).into_iter().flatten() {
                        next.push((*h, decay * HOP_DECAY));
                    }
                }
            }
            frontier = next;
        }
    }
    for ((u, m, write), (weight, caller, callee)) in adds {
        let (signal, verb) = if write {
            (Signal::DataWrite, "writes")
        } else {
            (Signal::DataRead, "reads")
        };
        let line = format!("{caller} calls {callee} which {verb} it");
        c.add(u, m, signal, weight, Some(line));
    }
}

/// True for a group named after a technical layer rather than a domain (`handlers`,
/// `services`, `repository`, `models`…): in a monolith laid out by layer, sharing such a
/// package says nothing about belonging to the same bounded context (DDD: contexts come
/// from the domain, not from technical layers), so it gives no name signal and never
/// names a context.
pub fn is_layer_name(group: &str) -> bool {
    let last = group
        .rsplit(['/', ':', '.'])
        .find(|s| !s.is_empty())
        .unwrap_or(group);
    matches!(
        last.to_ascii_lowercase().as_str(),
        "handler"
            | "handlers"
            | "controller"
            | "controllers"
            | "service"
            | "services"
            | "repository"
            | "repositories"
            | "repo"
            | "repos"
            | "model"
            | "models"
            | "entity"
            | "entities"
            | "dto"
            | "dtos"
            | "dao"
            | "store"
            | "stores"
            | "storage"
            | "persistence"
            | "db"
            | "database"
            | "api"
            | "http"
            | "transport"
            | "views"
            | "serializers"
            | "schemas"
            | "schema"
            | "domain"
            | "infrastructure"
            | "infra"
            | "internal"
            | "pkg"
            | "util"
            | "utils"
            | "common"
            | "shared"
            | "core"
            | "lib"
            | "routes"
            | "router"
            | "middleware"
            | "middlewares"
    )
}

/// Most units an author's contributor ring may hold: beyond it an author touched
/// everything and says nothing about boundaries.
const MAX_UNITS_PER_AUTHOR: usize = 400;

/// Conway's law: units mostly written by the same people belong together. Each pair of
/// units whose main author is the same is linked with the overlap of their author
/// shares (Σ_a min(share_a(u), share_a(v))). Only with at least two authors.
fn add_contributor_coupling(c: &mut Coupling, weight: f64) {
    let all: BTreeSet<&String> = c.authors.iter().flat_map(|a| a.keys()).collect();
    if all.len() < 2 || weight <= 0.0 {
        return;
    }
    let shares: Vec<BTreeMap<String, f64>> = c
        .authors
        .iter()
        .map(|a| {
            let total: u32 = a.values().sum();
            a.iter()
                .map(|(k, &v)| (k.clone(), f64::from(v) / f64::from(total.max(1))))
                .collect()
        })
        .collect();
    let mut by_main: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (u, a) in c.authors.iter().enumerate() {
        if let Some((main, _)) = a.iter().max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0))) {
            by_main.entry(main.clone()).or_default().push(u);
        }
    }
    for (author, units) in by_main {
        if units.len() > MAX_UNITS_PER_AUTHOR {
            continue;
        }
        for (i, &a) in units.iter().enumerate() {
            for &b in &units[i + 1..] {
                let overlap: f64 = shares[a]
                    .iter()
                    .filter_map(|(k, &x)| shares[b].get(k).map(|&y| x.min(y)))
                    .sum();
                c.add(
                    a,
                    b,
                    Signal::Contributor,
                    weight * overlap,
                    Some(format!("both mostly written by {author}")),
                );
            }
        }
    }
}
