//! Clustering quality and speed on synthetic monoliths with a planted answer.
//!
//! For each language and noise level, writes a monolith of K = 6 domains
//! (`seam::synth`), analyses it (`seam::analyze::analyze`), clusters its modules and
//! prints MoJoFM of the modules against the planted domains, the number of contexts
//! found, modularity Q of the proposal's coupling graph and the times. Then the same at growing
//! sizes. It prints figures and asserts nothing.
//!
//! ```sh
//! cargo bench --bench propose_eval
//! SEAM_BENCH_LOC=10000,100000,1000000,3000000 cargo bench --bench propose_eval
//! SEAM_BENCH_NOISE=0.05,0.4 SEAM_BENCH_LOC= cargo bench --bench propose_eval
//! ```
//!
//! The clustering is [`cluster_modules`]: `seam::propose::propose` with names ignored,
//! so the figures are those of the real pipeline (coupling signals, Leiden, placement).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use seam::analyze::{AnalyzeOptions, analyze};
use seam::graph::Graph;
use seam::metrics::mojofm;
use seam::propose::{ProposeOptions, propose};
use seam::synth::{SynthLang, SynthSpec, SynthTruth, generate};

const DOMAINS: usize = 6;

/// Module id → context index: what the proposal says.
type ModuleContexts = BTreeMap<String, usize>;

/// The clustering under evaluation: the whole `seam propose` pipeline with names
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
    let (contexts, q) = cluster_modules(&analysis.graph);
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
    Row {
        lang,
        noise: spec.noise,
        loc: truth.lines,
        units: truth.module_domain.len(),
        contexts: distinct.len(),
        mojofm: mojofm(&found, &planted),
        q,
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
                ..SynthSpec::default()
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
                ..SynthSpec::default()
            };
            print_row(&run(lang, &spec));
        }
    }
}
