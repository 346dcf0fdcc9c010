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
    /// A top-level function, class or type of a module (Go and Rust methods too), placed
    /// on its own when its module's members pull towards different contexts.
    Member,
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
    /// The module unit of a member.
    pub parent: Option<usize>,
    /// The module unit defining a model.
    pub defined_in: Option<usize>,
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
    /// The module unit whose file declares the table (diesel `table!`), if any.
    pub declared_in: Option<usize>,
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
    /// Module unit → its member units, in id order.
    pub members: Vec<Vec<usize>>,
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
                        parent: None,
                        defined_in: None,
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
                    parent: None,
                    defined_in: None,
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
            parent: None,
            defined_in: None,
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
    let member_of = add_members(&mut c, graph, &nodes, &module_of, &unit_of);
    // The finest unit of a code node: its member (or the model whose class holds it),
    // else its module's unit. Accesses and dependencies are recorded at this level.
    let code_unit = |c: &Coupling, node: &Node, file: Option<&str>| -> Option<usize> {
        member_of
            .get(node.id.as_str())
            .copied()
            .or_else(|| unit_of(c, node, file))
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
    // Tables by name, with the file declaring them (a diesel `table!`, a SeaORM entity).
    let mut table_names: BTreeMap<String, Option<&str>> = BTreeMap::new();
    for n in &nodes {
        if n.kind == NodeKind::Table {
            let file = table_names.entry(n.name.clone()).or_default();
            *file = file.or(n.file.as_deref());
        }
    }
    let module_by_file: HashMap<&str, usize> = c
        .units
        .iter()
        .enumerate()
        .rev()
        .filter(|(_, u)| u.kind == UnitKind::Module)
        .filter_map(|(i, u)| Some((u.file.as_deref()?, i)))
        .collect();
    for (name, file) in &table_names {
        c.tables.push(TableInfo {
            name: name.clone(),
            model: table_model.get(name).copied(),
            declared_in: file.and_then(|f| module_by_file.get(f).copied()),
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
                // Dependencies are kept between members where the code is in one.
                let from_member =
                    code_unit(&c, from, None).filter(|_| from.kind != NodeKind::Module);
                let to_member = code_unit(&c, to, None).filter(|_| to.kind != NodeKind::Module);
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
                            from: from_member.unwrap_or(*a),
                            to: if targets.len() == 1 {
                                to_member.unwrap_or(b)
                            } else {
                                b
                            },
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
                let finest = if from.kind == NodeKind::Module {
                    u
                } else {
                    code_unit(&c, from, None).unwrap_or(u)
                };
                c.accesses.push(Access {
                    unit: finest,
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
        // Members take part through their module.
        for (i, u) in c.units.iter().enumerate() {
            if let Some(g) = &u.group
                && !is_layer_name(g)
                && u.kind != UnitKind::Member
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
            c.units[model].defined_in = Some(module);
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

/// The member a code node belongs to, per language (the rule of what is placed on its
/// own when a module is split):
/// - Python: a top-level function or class; a method belongs to its top-level class,
///   and code inside a model class belongs to the model (a model unit, not a member).
/// - Go and Rust: a function, a type or a method: methods are declared apart from their
///   type (Go receivers, Rust `impl` blocks), and a repository type whose methods serve
///   every domain is the god object of a layered monolith.
///
/// A type that is also a model (a GORM struct, a diesel model) is the model.
enum MemberRoot<'g> {
    Member(&'g Node),
    Model(&'g Node),
}

fn member_root<'g>(
    graph: &'g Graph,
    node: &'g Node,
    model_at: &HashMap<(&str, u32), &'g Node>,
) -> Option<MemberRoot<'g>> {
    let mut cur = node;
    loop {
        match cur.kind {
            NodeKind::Model => return Some(MemberRoot::Model(cur)),
            NodeKind::Module | NodeKind::Table | NodeKind::Route => return None,
            _ => {}
        }
        if cur.kind == NodeKind::Type
            && let (Some(f), Some(l)) = (cur.file.as_deref(), cur.line)
            && let Some(model) = model_at.get(&(f, l))
        {
            return Some(MemberRoot::Model(model));
        }
        let parent = cur.parent.as_deref().and_then(|p| graph.node(p));
        let methods_stand_alone = matches!(cur.lang, Some(Lang::Go | Lang::Rust));
        match parent {
            None => return Some(MemberRoot::Member(cur)),
            Some(p) if p.kind == NodeKind::Module => return Some(MemberRoot::Member(cur)),
            Some(_) if methods_stand_alone && cur.kind == NodeKind::Method => {
                return Some(MemberRoot::Member(cur));
            }
            Some(p) => cur = p,
        }
    }
}

/// Adds a member unit (`<module id>#<name>`, e.g. `py:core.services#create_order`,
/// `go:example.com/shop/repository#Repository.Save`, `rs:shop::queries#Order::create`)
/// for every member of an analysed module, fills `c.members`, and returns the member
/// (or model) unit of every code node inside one. A member's lines are estimated from
/// where the next member starts; its module unit keeps the rest (imports, module code).
fn add_members(
    c: &mut Coupling,
    graph: &Graph,
    nodes: &[&Node],
    module_of: &HashMap<&str, &Node>,
    unit_of: &UnitOf,
) -> HashMap<String, usize> {
    let model_at: HashMap<(&str, u32), &Node> = nodes
        .iter()
        .filter(|n| n.kind == NodeKind::Model && !n.external)
        .filter_map(|n| Some(((n.file.as_deref()?, n.line?), *n)))
        .collect();
    let mut module_by_file: HashMap<&str, usize> = HashMap::new();
    for (i, u) in c.units.iter().enumerate() {
        if u.kind == UnitKind::Module
            && let Some(f) = u.file.as_deref()
        {
            module_by_file.entry(f).or_insert(i);
        }
    }
    // (member node id) → (module unit, member node), found once per member.
    let mut roots: BTreeMap<&str, (usize, &Node)> = BTreeMap::new();
    let mut member_of_node: Vec<(&str, Result<&str, usize>)> = Vec::new();
    for n in nodes {
        if n.external || !n.kind.is_code() || n.kind == NodeKind::Module {
            continue;
        }
        match member_root(graph, n, &model_at) {
            Some(MemberRoot::Model(m)) => {
                if let Some(u) = c.unit(&m.id) {
                    member_of_node.push((n.id.as_str(), Err(u)));
                }
            }
            Some(MemberRoot::Member(m)) => {
                if !roots.contains_key(m.id.as_str()) {
                    let module = unit_of(c, m, None).map(|u| {
                        // A Rust method may be written in another file than its type.
                        match (m.file.as_deref(), c.units[u].file.as_deref()) {
                            (Some(f), Some(uf)) if f != uf => {
                                module_by_file.get(f).copied().unwrap_or(u)
                            }
                            _ => u,
                        }
                    });
                    let Some(module) = module else { continue };
                    roots.insert(m.id.as_str(), (module, m));
                }
                member_of_node.push((n.id.as_str(), Ok(m.id.as_str())));
            }
            None => {}
        }
    }
    c.members = vec![Vec::new(); c.units.len()];
    let mut unit_of_root: HashMap<&str, usize> = HashMap::new();
    let mut by_module: BTreeMap<usize, Vec<(u32, &Node)>> = BTreeMap::new();
    for &(module, m) in roots.values() {
        by_module
            .entry(module)
            .or_default()
            .push((m.line.unwrap_or(1), m));
    }
    for (module, mut members) in by_module {
        members.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
        let first = members.first().map_or(1, |m| m.0);
        let spans: Vec<u64> = members
            .windows(2)
            .map(|w| u64::from(w[1].0.saturating_sub(w[0].0)).max(1))
            .collect();
        let mean = (spans.iter().sum::<u64>() / spans.len().max(1) as u64).max(1);
        let total_span: u64 = spans.iter().sum::<u64>() + mean + u64::from(first - 1);
        let module_loc = c.units[module].loc;
        let mut given = 0;
        for (k, (_, m)) in members.iter().enumerate() {
            let span = spans.get(k).copied().unwrap_or(mean);
            let loc = module_loc * span / total_span.max(1);
            given += loc;
            let enclosing = module_of.get(m.id.as_str()).map(|n| n.id.as_str());
            let name = enclosing
                .and_then(|e| m.id.strip_prefix(e))
                .map(|r| r.trim_start_matches(['.', ':']))
                .filter(|r| !r.is_empty())
                .unwrap_or(&m.name);
            let ix = c.units.len();
            let unit = &c.units[module];
            c.units.push(Unit {
                id: format!("{}#{name}", unit.node),
                node: m.id.clone(),
                kind: UnitKind::Member,
                name: m.name.clone(),
                group: unit.group.clone(),
                lang: m.lang.or(unit.lang),
                file: m.file.clone().or_else(|| unit.file.clone()),
                loc,
                table: None,
                parent: Some(module),
                defined_in: None,
            });
            c.members.push(Vec::new());
            c.members[module].push(ix);
            unit_of_root.insert(m.id.as_str(), ix);
        }
        c.units[module].loc = module_loc.saturating_sub(given);
    }
    for module in 0..c.members.len() {
        let mut m = std::mem::take(&mut c.members[module]);
        m.sort_by(|a, b| c.units[*a].id.cmp(&c.units[*b].id));
        c.members[module] = m;
    }
    for (i, u) in c.units.iter().enumerate() {
        if u.kind == UnitKind::Member {
            c.index.insert(u.id.clone(), i);
        }
    }
    member_of_node
        .into_iter()
        .filter_map(|(id, root)| {
            let u = match root {
                Ok(r) => *unit_of_root.get(r)?,
                Err(model) => model,
            };
            Some((id.to_owned(), u))
        })
        .collect()
}
