//! Clustering quality and speed on synthetic monoliths with a planted answer.
//!
//! For each language and noise level, writes a monolith of K = 6 domains
//! (`seam::synth`), analyses it (`seam::analyze::analyze`), clusters its modules and
//! prints MoJoFM of the modules against the planted domains, the number of contexts
//! found, modularity Q of the coupling graph and the times. Then the same at growing
//! sizes. It prints figures and asserts nothing.
//!
//! ```sh
//! cargo bench --bench propose_eval
//! SEAM_BENCH_LOC=10000,100000,1000000,3000000 cargo bench --bench propose_eval
//! SEAM_BENCH_NOISE=0.05,0.4 SEAM_BENCH_LOC= cargo bench --bench propose_eval
//! ```
//!
//! The clustering is [`cluster_modules`]: the coupling graph below and `seam::cluster`.
//! When `seam::propose::propose` lands, replacing that one function's body with a call
//! to it (mapping each context's `modules` to its index) benchmarks the real pipeline;
//! everything else here reads only the map it returns.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use seam::analyze::{AnalyzeOptions, analyze};
use seam::cluster::{Constraints, LeidenOptions, WeightedGraph, leiden};
use seam::graph::{EdgeKind, Graph, NodeKind};
use seam::metrics::{modularity, mojofm};
use seam::synth::{SynthLang, SynthSpec, SynthTruth, generate};

const DOMAINS: usize = 6;

/// Module id → context index: what the proposal says.
type ModuleContexts = BTreeMap<String, usize>;

/// The clustering under evaluation. Swap the body for `seam::propose::propose(graph,
/// &ProposeOptions::default())` and a walk of `decomposition.contexts[i].modules` to
/// benchmark the propose pipeline instead.
fn cluster_modules(graph: &Graph) -> ModuleContexts {
    let coupling = Coupling::of(graph);
    let partition = leiden(
        &coupling.graph,
        &LeidenOptions::default(),
        &Constraints::default(),
    );
    coupling
        .units
        .iter()
        .enumerate()
        .filter(|&(i, _)| coupling.is_module[i])
        .map(|(i, id)| (id.clone(), partition[i]))
        .collect()
}

/// A minimal coupling graph: module and table nodes; imports and calls between
/// modules, reads/writes module–table, a model's table tied to the module defining the
/// model, relations table–table. Weights are the occurrence counts seam records.
struct Coupling {
    units: Vec<String>,
    is_module: Vec<bool>,
    graph: WeightedGraph,
}

impl Coupling {
    fn of(graph: &Graph) -> Coupling {
        // A code node's module: itself, or its enclosing module; a model's: the module
        // of a code node in the same file.
        let mut module_of: HashMap<&str, &str> = HashMap::new();
        let mut module_of_file: HashMap<&str, &str> = HashMap::new();
        for node in graph.nodes() {
            if !node.kind.is_code() || node.external {
                continue;
            }
            let module = if node.kind == NodeKind::Module {
                Some(node)
            } else {
                graph.enclosing(&node.id, NodeKind::Module)
            };
            if let Some(m) = module {
                module_of.insert(&node.id, &m.id);
                if let Some(f) = &node.file {
                    module_of_file.entry(f).or_insert(&m.id);
                }
            }
        }
        let mut table_of_model: HashMap<&str, &str> = HashMap::new();
        for (from, to, edge) in graph.edges() {
            if edge.kind == EdgeKind::MapsTo {
                table_of_model.insert(&from.id, &to.id);
            }
        }
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut units: Vec<String> = Vec::new();
        let mut edges: Vec<(usize, usize, f64)> = Vec::new();
        let mut id = |s: &str| -> usize {
            if let Some(&i) = index.get(s) {
                return i;
            }
            index.insert(s.to_owned(), units.len());
            units.push(s.to_owned());
            units.len() - 1
        };
        for (from, to, edge) in graph.edges() {
            let w = f64::from(edge.weight.max(1));
            let pair = match edge.kind {
                EdgeKind::Imports | EdgeKind::Calls => module_of
                    .get(from.id.as_str())
                    .zip(module_of.get(to.id.as_str()))
                    .map(|(a, b)| (*a, *b)),
                EdgeKind::Reads | EdgeKind::Writes => module_of
                    .get(from.id.as_str())
                    .map(|m| (*m, to.id.as_str())),
                EdgeKind::MapsTo => from
                    .file
                    .as_deref()
                    .and_then(|f| module_of_file.get(f))
                    .map(|m| (*m, to.id.as_str())),
                EdgeKind::Fk | EdgeKind::O2o | EdgeKind::M2m => table_of_model
                    .get(from.id.as_str())
                    .zip(table_of_model.get(to.id.as_str()))
                    .map(|(a, b)| (*a, *b)),
                _ => None,
            };
            if let Some((a, b)) = pair
                && a != b
            {
                let (a, b) = (id(a), id(b));
                edges.push((a, b, w));
            }
        }
        // Modules with no coupling at all still count as units.
        for node in graph.nodes() {
            if node.kind == NodeKind::Module && !node.external {
                id(&node.id);
            }
        }
        let mut g = WeightedGraph::new(units.len());
        for (a, b, w) in edges {
            g.add_edge(a, b, w);
        }
        let is_module = units
            .iter()
            .map(|u| graph.node(u).is_some_and(|n| n.kind == NodeKind::Module))
            .collect();
        Coupling {
            units,
            is_module,
            graph: g,
        }
    }
}

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
    let dir = tempfile::tempdir().expect("temp dir");
    let t = Instant::now();
    let truth: SynthTruth = generate(lang, spec, dir.path()).expect("generate");
    let generate_time = t.elapsed();
    let t = Instant::now();
    let analysis = analyze(
        dir.path(),
        &AnalyzeOptions {
            cache_dir: None,
            ..Default::default()
        },
    )
    .expect("analyze");
    let analyze_time = t.elapsed();
    let t = Instant::now();
    let contexts = cluster_modules(&analysis.graph);
    let cluster_time = t.elapsed();

    // MoJoFM over the planted modules (a module the proposal left out is its own context).
    let mut found = Vec::new();
    let mut planted = Vec::new();
    let mut next_alone = usize::MAX / 2;
    for (module, &domain) in &truth.module_domain {
        planted.push(domain);
        found.push(contexts.get(module).copied().unwrap_or_else(|| {
            next_alone += 1;
            next_alone
        }));
    }
    let mut distinct = found.clone();
    distinct.sort_unstable();
    distinct.dedup();
    // Q of the found partition on the coupling graph; a unit the proposal does not place
    // (a table) joins the context it is most strongly tied to.
    let coupling = Coupling::of(&analysis.graph);
    let mut q_partition: Vec<Option<usize>> = coupling
        .units
        .iter()
        .map(|u| contexts.get(u).copied())
        .collect();
    for i in 0..q_partition.len() {
        if q_partition[i].is_none() {
            let mut weight: BTreeMap<usize, f64> = BTreeMap::new();
            for &(j, w) in coupling.graph.neighbors(i) {
                if let Some(c) = q_partition[j] {
                    *weight.entry(c).or_default() += w;
                }
            }
            q_partition[i] = weight
                .into_iter()
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(c, _)| c)
                .or(Some(usize::MAX - i));
        }
    }
    let q_partition: Vec<usize> = q_partition
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    Row {
        lang,
        noise: spec.noise,
        loc: truth.lines,
        units: truth.module_domain.len(),
        contexts: distinct.len(),
        mojofm: mojofm(&found, &planted),
        q: modularity(&coupling.graph, &q_partition, 1.0),
        generate: generate_time,
        analyze: analyze_time,
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

fn list<T: std::str::FromStr>(var: &str, default: &str) -> Vec<T> {
    std::env::var(var)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this with no figures wanted.
    if std::env::args().all(|a| a != "--bench") {
        return;
    }
    let noises: Vec<f64> = list("SEAM_BENCH_NOISE", "0.05,0.1,0.2,0.3,0.4,0.5");
    let sizes: Vec<usize> = list("SEAM_BENCH_LOC", "10000,100000");

    println!("Quality: K = {DOMAINS} planted domains, 8 modules and 4 models per domain");
    print_header();
    for lang in SynthLang::ALL {
        for &noise in &noises {
            let spec = SynthSpec {
                domains: DOMAINS,
                modules_per_domain: 8,
                models_per_domain: 4,
                noise,
                seed: 7,
                target_loc: None,
            };
            print_row(&run(lang, &spec));
        }
    }
    if sizes.is_empty() {
        return;
    }
    println!("\nScale: noise 0.1, K = {DOMAINS}");
    print_header();
    for &loc in &sizes {
        for lang in SynthLang::ALL {
            let spec = SynthSpec {
                domains: DOMAINS,
                modules_per_domain: 8,
                models_per_domain: 4,
                noise: 0.1,
                seed: 7,
                target_loc: Some(loc),
            };
            print_row(&run(lang, &spec));
        }
    }
}
