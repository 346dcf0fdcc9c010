//! Clustering quality and speed on synthetic monoliths with a planted answer
//! (`seam::synth`), seam against a textbook baseline on the same graph.
//!
//! Sections, in order (`SEAM_BENCH_SECTIONS`, default all):
//!
//! - **quality**: K = 6 domains in the by-domain layout, per language and noise level:
//!   MoJoFM of the proposal's *modules* against the planted domains (names ignored), the
//!   number of contexts, modularity Q of the proposal's coupling graph and the times.
//! - **hidden**: the hard case. Languages × layouts {by-domain, hidden} × K domains ×
//!   noise × seeds; one row per (language, layout, K, noise) with the mean and the min
//!   over seeds of:
//!   - `seam`: MoJoFM of the *tables'* split against the planted domains: each table's
//!     context is its owner in `proposal.ownership`, the planted one
//!     `truth.table_domain`. seam runs as a user would,
//!     `propose(&graph, &ProposeOptions { k: Some(K), ..Default::default() })` (names
//!     used, the default); `seam/ign` is the same with `ignore_names: true`;
//!   - `baseline`: the same MoJoFM for the baseline below;
//!   - `members`, `members/ign` (hidden layout): MoJoFM of the use-case members
//!     (`truth.member_domain`) placed by [`member_context`], for the two seam runs.
//! - **stability**: per language, hidden layout, K = 6, noise 0.15: seam (names used,
//!   k = 6) and the baseline with `seed` 1..=10; the mean and the min over the 45 pairs
//!   of runs of the pairwise MoJoFM of their table splits. MoJoFM is asymmetric: a pair
//!   scores the *min of both directions*.
//! - **scale**: the quality figures at growing sizes (`SEAM_BENCH_LOC`).
//!
//! **Baseline** ([`baseline`]), computed on seam's own graph (`seam::graph::Graph`):
//! the tables are the nodes; each fk/o2o/m2m edge between two models adds weight 1
//! between their tables (model → table by `maps_to`); and every code node that reads or
//! writes tables (the `from` of reads/writes edges) with S the set of tables it touches
//! adds 1/(|S|−1) to every pair of S (so each such node adds |S|/2 in all). Clustered by
//! `seam::cluster::leiden` with `target_clusters: Some(K)`: modularity, with the
//! resolution searched until K communities (Leiden is Louvain with a refinement step that
//! keeps communities connected). Tables with no edge in that graph are each their own
//! cluster. That is the textbook "cluster the tables by co-access and foreign keys".
//!
//! Monoliths of the hidden section: `modules_per_domain` 6 (24 use cases per domain),
//! `models_per_domain` 4, 5, 6 for seeds 1, 2, 3 (4 + (seed − 1) mod 3). The by-domain
//! and hidden monoliths of a seed plant the same use cases, calls and accesses: only the
//! layout and names differ, so the baseline scores the same on both.
//!
//! It prints figures and asserts nothing. `cargo test --benches` runs `main` without
//! `--bench`, which returns at once.
//!
//! ```sh
//! cargo bench --bench propose_eval
//! SEAM_BENCH_SECTIONS=hidden,stability SEAM_BENCH_SEEDS=1 cargo bench --bench propose_eval
//! SEAM_BENCH_K=6 SEAM_BENCH_NOISE=0.15 SEAM_BENCH_LAYOUTS=hidden cargo bench --bench propose_eval
//! SEAM_BENCH_LOC=10000,100000,1000000,3000000 cargo bench --bench propose_eval
//! ```
//!
//! Environment (comma-separated lists; an empty list skips what it drives):
//!
//! | variable | default | what |
//! |---|---|---|
//! | `SEAM_BENCH_SECTIONS` | `quality,hidden,stability,scale` | sections to run |
//! | `SEAM_BENCH_LANGS` | `django,go,rust` | languages (every section) |
//! | `SEAM_BENCH_NOISE` | quality `0.05,0.1,0.2,0.3,0.4,0.5`; hidden `0.05,0.1,0.15,0.2,0.3` | noise levels |
//! | `SEAM_BENCH_K` | `4,6,9,12` | planted domains (hidden) |
//! | `SEAM_BENCH_SEEDS` | `1,2,3` | generator seeds (hidden) |
//! | `SEAM_BENCH_LAYOUTS` | `by-domain,hidden` | layouts (hidden) |
//! | `SEAM_BENCH_LOC` | `10000,100000` | sizes (scale) |

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::{Duration, Instant};

use seam::analyze::{AnalyzeOptions, analyze};
use seam::cluster::{Constraints, LeidenOptions, WeightedGraph, leiden};
use seam::graph::{EdgeKind, Graph, NodeKind};
use seam::metrics::mojofm;
use seam::propose::{Proposal, ProposeOptions, propose};
use seam::synth::{Layout, SynthLang, SynthSpec, SynthTruth, generate};

const DOMAINS: usize = 6;

/// Module id → context index: what the proposal says.
type ModuleContexts = BTreeMap<String, usize>;

/// The clustering of the quality section: the whole `seam propose` pipeline with names
/// ignored (the planted domains are visible in package names), mapping each context's
/// modules to its index. Go splits packages into per-file units (`go:<pkg>#<file>`):
/// a package counts in the context holding most of its files. Also returns the
/// proposal's modularity Q.
fn cluster_modules(graph: &Graph) -> (ModuleContexts, f64) {
    let proposal = propose(
        graph,
        &ProposeOptions {
            ignore_names: true,
            ..ProposeOptions::default()
        },
    )
    .expect("propose");
    let mut votes: BTreeMap<String, BTreeMap<usize, usize>> = BTreeMap::new();
    for (i, ctx) in proposal.decomposition.contexts.iter().enumerate() {
        for module in &ctx.modules {
            let id = module.split('#').next().unwrap_or(module).to_owned();
            *votes.entry(id).or_default().entry(i).or_default() += 1;
        }
    }
    let contexts = votes
        .into_iter()
        .filter_map(|(id, v)| {
            Some((
                id,
                v.into_iter().max_by_key(|&(c, n)| (n, usize::MAX - c))?.0,
            ))
        })
        .collect();
    (contexts, proposal.metrics.modularity)
}

/// Labels for MoJoFM: the found label of each planted item, an item found nowhere
/// getting a label of its own.
struct Labels {
    found: Vec<usize>,
    planted: Vec<usize>,
    next_alone: usize,
}

impl Labels {
    fn new() -> Labels {
        Labels {
            found: Vec::new(),
            planted: Vec::new(),
            next_alone: usize::MAX / 2,
        }
    }

    fn push(&mut self, found: Option<usize>, planted: usize) {
        self.planted.push(planted);
        let label = found.unwrap_or_else(|| {
            self.next_alone += 1;
            self.next_alone
        });
        self.found.push(label);
    }

    fn mojofm(&self) -> f64 {
        mojofm(&self.found, &self.planted)
    }
}

/// A graph analysed from a generated monolith.
struct Analysed {
    truth: SynthTruth,
    graph: Graph,
    generate: Duration,
    analyze: Duration,
}

fn generate_and_analyze(lang: SynthLang, spec: &SynthSpec) -> Analysed {
    let dir = tempfile::tempdir().expect("temp dir");
    let t = Instant::now();
    let truth = generate(lang, spec, dir.path()).expect("generate");
    let generate_time = t.elapsed();
    let t = Instant::now();
    let graph = analyze_dir(dir.path());
    Analysed {
        truth,
        graph,
        generate: generate_time,
        analyze: t.elapsed(),
    }
}

fn analyze_dir(dir: &Path) -> Graph {
    analyze(
        dir,
        &AnalyzeOptions {
            cache_dir: None,
            ..Default::default()
        },
    )
    .expect("analyze")
    .graph
}

// ---------------------------------------------------------------------------------------
// Quality and scale (by-domain layout, modules).

struct Row {
    lang: SynthLang,
    noise: f64,
    loc: usize,
    units: usize,
    contexts: usize,
    mojofm: f64,
    q: f64,
    generate: Duration,
    analyze: Duration,
    cluster: Duration,
}

fn run(lang: SynthLang, spec: &SynthSpec) -> Row {
    let a = generate_and_analyze(lang, spec);
    let t = Instant::now();
    let (contexts, q) = cluster_modules(&a.graph);
    let cluster_time = t.elapsed();

    // MoJoFM over the planted modules (a module the proposal left out is its own context).
    let mut labels = Labels::new();
    for (module, &domain) in &a.truth.module_domain {
        labels.push(contexts.get(module).copied(), domain);
    }
    let distinct: BTreeSet<usize> = labels.found.iter().copied().collect();
    Row {
        lang,
        noise: spec.noise,
        loc: a.truth.lines,
        units: a.truth.module_domain.len(),
        contexts: distinct.len(),
        mojofm: labels.mojofm(),
        q,
        generate: a.generate,
        analyze: a.analyze,
        cluster: cluster_time,
    }
}

fn print_header() {
    println!(
        "{:<7} {:>5} {:>9} {:>6} {:>3} {:>7} {:>6} {:>9} {:>9} {:>9}",
        "lang", "noise", "lines", "units", "K", "MoJoFM", "Q", "generate", "analyze", "cluster"
    );
}

fn print_row(r: &Row) {
    println!(
        "{:<7} {:>5.2} {:>9} {:>6} {:>3} {:>7.1} {:>6.3} {:>8.2}s {:>8.2}s {:>8.3}s",
        r.lang.as_str(),
        r.noise,
        r.loc,
        r.units,
        r.contexts,
        r.mojofm,
        r.q,
        r.generate.as_secs_f64(),
        r.analyze.as_secs_f64(),
        r.cluster.as_secs_f64()
    );
}

// ---------------------------------------------------------------------------------------
// Tables and members against the baseline.

/// The baseline: Leiden (modularity, resolution searched to `k` communities) on the
/// tables of seam's graph, coupled by the relations of their models (1 per fk/o2o/m2m
/// edge) and by co-access (1/(|S|−1) per pair of the set S of tables one code node reads
/// or writes). Returns table name (without `table:`) → cluster; tables without an edge
/// in that graph get a cluster each.
fn baseline(graph: &Graph, k: usize, seed: u64) -> BTreeMap<String, usize> {
    let tables: Vec<&str> = graph
        .nodes()
        .filter(|n| n.kind == NodeKind::Table)
        .map(|n| n.id.as_str())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let index: HashMap<&str, usize> = tables.iter().enumerate().map(|(i, t)| (*t, i)).collect();
    let mut table_of: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut touched: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (from, to, edge) in graph.edges() {
        match edge.kind {
            EdgeKind::MapsTo if from.kind == NodeKind::Model => {
                if let Some(&t) = index.get(to.id.as_str()) {
                    table_of.entry(from.id.as_str()).or_default().push(t);
                }
            }
            EdgeKind::Reads | EdgeKind::Writes => {
                if let Some(&t) = index.get(to.id.as_str()) {
                    touched.entry(from.id.as_str()).or_default().insert(t);
                }
            }
            _ => {}
        }
    }
    let mut edges: Vec<(usize, usize, f64)> = Vec::new();
    for (from, to, edge) in graph.edges() {
        if !edge.kind.is_relation() {
            continue;
        }
        let (Some(a), Some(b)) = (table_of.get(from.id.as_str()), table_of.get(to.id.as_str()))
        else {
            continue;
        };
        for &ta in a {
            for &tb in b {
                if ta != tb {
                    edges.push((ta, tb, 1.0));
                }
            }
        }
    }
    for set in touched.values() {
        if set.len() < 2 {
            continue;
        }
        let w = 1.0 / (set.len() - 1) as f64;
        let set: Vec<usize> = set.iter().copied().collect();
        for (i, &a) in set.iter().enumerate() {
            for &b in &set[i + 1..] {
                edges.push((a, b, w));
            }
        }
    }
    // Only the tables with an edge are clustered.
    let linked: BTreeSet<usize> = edges.iter().flat_map(|&(a, b, _)| [a, b]).collect();
    let dense: HashMap<usize, usize> = linked.iter().enumerate().map(|(i, &t)| (t, i)).collect();
    let g = WeightedGraph::from_edges(
        linked.len(),
        edges.iter().map(|&(a, b, w)| (dense[&a], dense[&b], w)),
    );
    let part = leiden(
        &g,
        &LeidenOptions {
            target_clusters: Some(k),
            seed,
            ..LeidenOptions::default()
        },
        &Constraints::default(),
    );
    let mut out = BTreeMap::new();
    let mut alone = part.iter().copied().max().map_or(0, |m| m + 1);
    for (t, name) in tables.iter().enumerate() {
        let cluster = match dense.get(&t) {
            Some(&i) => part[i],
            None => {
                alone += 1;
                alone
            }
        };
        out.insert(name.trim_start_matches("table:").to_owned(), cluster);
    }
    out
}

/// Table name (without `table:`) → context index, from the proposal's owners.
fn table_split(proposal: &Proposal) -> BTreeMap<String, usize> {
    let index: HashMap<&str, usize> = proposal
        .decomposition
        .contexts
        .iter()
        .enumerate()
        .map(|(i, c)| (c.name.as_str(), i))
        .collect();
    proposal
        .ownership
        .iter()
        .filter_map(|o| {
            let ctx = *index.get(o.owner.as_str())?;
            Some((o.table.trim_start_matches("table:").to_owned(), ctx))
        })
        .collect()
}

/// MoJoFM of a table split against the planted domains.
fn tables_mojofm(split: &BTreeMap<String, usize>, truth: &SynthTruth) -> f64 {
    let mut labels = Labels::new();
    for (table, &domain) in &truth.table_domain {
        labels.push(split.get(table).copied(), domain);
    }
    labels.mojofm()
}

/// Every id a context lists in `modules` → the context.
fn listed(proposal: &Proposal) -> HashMap<&str, usize> {
    let mut out = HashMap::new();
    for (i, ctx) in proposal.decomposition.contexts.iter().enumerate() {
        for id in &ctx.modules {
            out.insert(id.as_str(), i);
        }
    }
    out
}

/// The context a use-case member (a function or method node id) is placed in: the
/// context listing `<module id>#<member>` (a module split per member: `py:core.services#load_3`,
/// `rs:synth::queries#load_3`, `go:example.com/synth/repository#Repository.Load3`), else
/// the context listing its module id, else for Go the one listing the member's file
/// unit `go:<pkg>#<file.go>`; else none (unplaced, a singleton).
fn member_context(graph: &Graph, listed: &HashMap<&str, usize>, member: &str) -> Option<usize> {
    let module = graph.enclosing(member, NodeKind::Module)?;
    let rest = member.strip_prefix(module.id.as_str())?;
    let rest = rest
        .strip_prefix("::")
        .or_else(|| rest.strip_prefix('.'))
        .unwrap_or(rest);
    if let Some(&c) = listed.get(format!("{}#{rest}", module.id).as_str()) {
        return Some(c);
    }
    if let Some(&c) = listed.get(module.id.as_str()) {
        return Some(c);
    }
    let file = graph.node(member)?.file.as_deref()?;
    let file = file.rsplit('/').next().unwrap_or(file);
    listed
        .get(format!("{}#{file}", module.id).as_str())
        .copied()
}

/// MoJoFM of the use-case members' placement; None without members (by-domain).
fn members_mojofm(proposal: &Proposal, graph: &Graph, truth: &SynthTruth) -> Option<f64> {
    if truth.member_domain.is_empty() {
        return None;
    }
    let listed = listed(proposal);
    let mut labels = Labels::new();
    for (member, &domain) in &truth.member_domain {
        labels.push(member_context(graph, &listed, member), domain);
    }
    Some(labels.mojofm())
}

fn propose_k(graph: &Graph, k: usize, ignore_names: bool, seed: u64) -> Proposal {
    propose(
        graph,
        &ProposeOptions {
            k: Some(k),
            ignore_names,
            seed,
            ..ProposeOptions::default()
        },
    )
    .expect("propose")
}

/// The figures of one monolith.
struct Scores {
    seam: f64,
    seam_ign: f64,
    baseline: f64,
    members: Option<f64>,
    members_ign: Option<f64>,
    tables: usize,
    seconds: f64,
}

fn score(lang: SynthLang, spec: &SynthSpec) -> Scores {
    let t = Instant::now();
    let a = generate_and_analyze(lang, spec);
    let k = spec.domains;
    let seed = ProposeOptions::default().seed;
    let named = propose_k(&a.graph, k, false, seed);
    let ignored = propose_k(&a.graph, k, true, seed);
    Scores {
        seam: tables_mojofm(&table_split(&named), &a.truth),
        seam_ign: tables_mojofm(&table_split(&ignored), &a.truth),
        baseline: tables_mojofm(&baseline(&a.graph, k, seed), &a.truth),
        members: members_mojofm(&named, &a.graph, &a.truth),
        members_ign: members_mojofm(&ignored, &a.graph, &a.truth),
        tables: a.truth.table_domain.len(),
        seconds: t.elapsed().as_secs_f64(),
    }
}

/// The monolith of the hidden section for a grid point.
fn grid_spec(layout: Layout, k: usize, noise: f64, seed: u64) -> SynthSpec {
    SynthSpec {
        domains: k,
        modules_per_domain: 6,
        models_per_domain: 4 + (seed.saturating_sub(1) % 3) as usize,
        noise,
        seed,
        target_loc: None,
        layout,
    }
}

/// "mean/min" of some figures, or "-" when there are none.
fn mean_min(xs: impl IntoIterator<Item = f64>) -> String {
    let xs: Vec<f64> = xs.into_iter().collect();
    if xs.is_empty() {
        return "-".to_owned();
    }
    let mean = xs.iter().sum::<f64>() / xs.len() as f64;
    let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    format!("{mean:5.1}/{min:5.1}")
}

fn hidden_section(
    langs: &[SynthLang],
    layouts: &[Layout],
    ks: &[usize],
    noises: &[f64],
    seeds: &[u64],
) {
    println!(
        "\nTables (and members) against the planted domains: MoJoFM mean/min over seeds {seeds:?}"
    );
    println!(
        "{:<7} {:<9} {:>3} {:>5} {:>7} {:>11} {:>11} {:>11} {:>11} {:>11} {:>7}",
        "lang",
        "layout",
        "K",
        "noise",
        "tables",
        "seam",
        "seam/ign",
        "baseline",
        "members",
        "members/ign",
        "time"
    );
    for &lang in langs {
        for &layout in layouts {
            for &k in ks {
                for &noise in noises {
                    let runs: Vec<Scores> = seeds
                        .iter()
                        .map(|&seed| score(lang, &grid_spec(layout, k, noise, seed)))
                        .collect();
                    let tables = runs.iter().map(|r| r.tables).min().unwrap_or(0);
                    println!(
                        "{:<7} {:<9} {:>3} {:>5.2} {:>7} {:>11} {:>11} {:>11} {:>11} {:>11} {:>6.1}s",
                        lang.as_str(),
                        layout.as_str(),
                        k,
                        noise,
                        tables,
                        mean_min(runs.iter().map(|r| r.seam)),
                        mean_min(runs.iter().map(|r| r.seam_ign)),
                        mean_min(runs.iter().map(|r| r.baseline)),
                        mean_min(runs.iter().filter_map(|r| r.members)),
                        mean_min(runs.iter().filter_map(|r| r.members_ign)),
                        runs.iter().map(|r| r.seconds).sum::<f64>()
                    );
                }
            }
        }
    }
}

/// Mean and min over pairs of splits of min(MoJoFM(a, b), MoJoFM(b, a)), over the
/// tables of the truth.
fn pairwise(splits: &[BTreeMap<String, usize>], truth: &SynthTruth) -> (f64, f64) {
    let labels = |split: &BTreeMap<String, usize>| -> Vec<usize> {
        let mut l = Labels::new();
        for table in truth.table_domain.keys() {
            l.push(split.get(table).copied(), 0);
        }
        l.found
    };
    let all: Vec<Vec<usize>> = splits.iter().map(labels).collect();
    let mut scores = Vec::new();
    for i in 0..all.len() {
        for j in i + 1..all.len() {
            scores.push(mojofm(&all[i], &all[j]).min(mojofm(&all[j], &all[i])));
        }
    }
    let mean = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
    let min = scores.iter().copied().fold(f64::INFINITY, f64::min);
    (mean, min)
}

fn stability_section(langs: &[SynthLang]) {
    let (k, noise) = (6, 0.15);
    println!(
        "\nStability: hidden layout, K = {k}, noise {noise}, seam and baseline with seed 1..=10; \
         pairwise MoJoFM of the table splits (min of both directions), mean/min over the 45 pairs"
    );
    println!("{:<7} {:>13} {:>13}", "lang", "seam", "baseline");
    for &lang in langs {
        let a = generate_and_analyze(lang, &grid_spec(Layout::Hidden, k, noise, 1));
        let seam: Vec<_> = (1..=10)
            .map(|seed| table_split(&propose_k(&a.graph, k, false, seed)))
            .collect();
        let base: Vec<_> = (1..=10).map(|seed| baseline(&a.graph, k, seed)).collect();
        let (sm, smin) = pairwise(&seam, &a.truth);
        let (bm, bmin) = pairwise(&base, &a.truth);
        println!(
            "{:<7} {:>6.1}/{:>5.1} {:>6.1}/{:>5.1}",
            lang.as_str(),
            sm,
            smin,
            bm,
            bmin
        );
    }
}

// ---------------------------------------------------------------------------------------

fn list<T: std::str::FromStr>(var: &str, default: &str) -> Vec<T> {
    std::env::var(var)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn lang_of(name: &str) -> Option<SynthLang> {
    SynthLang::ALL.into_iter().find(|l| l.as_str() == name)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this with no figures wanted.
    if std::env::args().all(|a| a != "--bench") {
        return;
    }
    let sections: Vec<String> = list("SEAM_BENCH_SECTIONS", "quality,hidden,stability,scale");
    let on = |s: &str| sections.iter().any(|x| x == s);
    let langs: Vec<SynthLang> = list::<String>("SEAM_BENCH_LANGS", "django,go,rust")
        .iter()
        .filter_map(|s| lang_of(s))
        .collect();
    let sizes: Vec<usize> = list("SEAM_BENCH_LOC", "10000,100000");

    if on("quality") {
        let noises: Vec<f64> = list("SEAM_BENCH_NOISE", "0.05,0.1,0.2,0.3,0.4,0.5");
        println!("Quality: K = {DOMAINS} planted domains, 8 modules and 4 models per domain");
        print_header();
        for &lang in &langs {
            for &noise in &noises {
                let spec = SynthSpec {
                    domains: DOMAINS,
                    modules_per_domain: 8,
                    models_per_domain: 4,
                    noise,
                    seed: 7,
                    ..SynthSpec::default()
                };
                print_row(&run(lang, &spec));
            }
        }
    }
    if on("hidden") {
        let layouts: Vec<Layout> = list("SEAM_BENCH_LAYOUTS", "by-domain,hidden");
        let ks: Vec<usize> = list("SEAM_BENCH_K", "4,6,9,12");
        let noises: Vec<f64> = list("SEAM_BENCH_NOISE", "0.05,0.1,0.15,0.2,0.3");
        let seeds: Vec<u64> = list("SEAM_BENCH_SEEDS", "1,2,3");
        hidden_section(&langs, &layouts, &ks, &noises, &seeds);
    }
    if on("stability") {
        stability_section(&langs);
    }
    if on("scale") && !sizes.is_empty() {
        println!("\nScale: noise 0.1, K = {DOMAINS}");
        print_header();
        for &loc in &sizes {
            for &lang in &langs {
                let spec = SynthSpec {
                    domains: DOMAINS,
                    modules_per_domain: 8,
                    models_per_domain: 4,
                    noise: 0.1,
                    seed: 7,
                    target_loc: Some(loc),
                    ..SynthSpec::default()
                };
                print_row(&run(lang, &spec));
            }
        }
    }
}
