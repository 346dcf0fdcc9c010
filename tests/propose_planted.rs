//! Planted partitions are recovered: synthetic monoliths with K known domains in each
//! language (`seam::synth`), analysed and split by the whole `seam propose` pipeline with
//! directory and package names ignored, match the planted domains (MoJoFM ≥ 95) at
//! moderate noise — and the check can fail: with most accesses crossing domains it does.

use std::collections::BTreeMap;

use seam::analyze::{AnalyzeOptions, analyze};
use seam::metrics::mojofm;
use seam::propose::{ProposeOptions, propose};
use seam::synth::{SynthLang, SynthSpec, generate};

/// A synthetic monolith of `spec` and seam's graph of it (no cache).
fn generated(lang: SynthLang, spec: &SynthSpec) -> (seam::synth::SynthTruth, seam::graph::Graph) {
    let dir = tempfile::tempdir().unwrap();
    let truth = generate(lang, spec, dir.path()).unwrap();
    let graph = analyze(
        dir.path(),
        &AnalyzeOptions {
            cache_dir: None,
            ..Default::default()
        },
    )
    .unwrap()
    .graph;
    (truth, graph)
}

/// MoJoFM of the proposal's modules against the planted domains.
fn recovered(lang: SynthLang, noise: f64, seed: u64) -> f64 {
    let (truth, graph) = generated(
        lang,
        &SynthSpec {
            noise,
            seed,
            ..SynthSpec::default()
        },
    );
    let proposal = propose(
        &graph,
        &ProposeOptions {
            ignore_names: true,
            ..ProposeOptions::default()
        },
    )
    .unwrap();
    // A Go package may be listed per file (`go:<pkg>#<file>`): majority context.
    let mut votes: BTreeMap<String, BTreeMap<usize, usize>> = BTreeMap::new();
    for (i, ctx) in proposal.decomposition.contexts.iter().enumerate() {
        for module in &ctx.modules {
            let id = module.split('#').next().unwrap().to_owned();
            *votes.entry(id).or_default().entry(i).or_default() += 1;
        }
    }
    let (mut found, mut planted) = (Vec::new(), Vec::new());
    let mut alone = 1_000_000;
    for (module, &domain) in &truth.module_domain {
        planted.push(domain);
        let context = votes
            .get(module)
            .and_then(|v| v.iter().max_by_key(|(c, n)| (**n, usize::MAX - **c)))
            .map(|(c, _)| *c);
        found.push(context.unwrap_or_else(|| {
            alone += 1;
            alone
        }));
    }
    mojofm(&found, &planted)
}

#[test]
fn planted_domains_are_recovered_at_moderate_noise() {
    for lang in [SynthLang::Django, SynthLang::Go, SynthLang::Rust] {
        for seed in [1, 2] {
            let score = recovered(lang, 0.1, seed);
            println!("{lang:?} noise 0.1 seed {seed}: MoJoFM {score:.1}");
            assert!(
                score >= 95.0,
                "{lang:?} seed {seed}: MoJoFM {score:.1} < 95"
            );
        }
    }
}

#[test]
fn heavy_noise_blurs_the_domains() {
    let score = recovered(SynthLang::Django, 0.9, 1);
    println!("Django noise 0.9: MoJoFM {score:.1}");
    assert!(
        score < 95.0,
        "the planted check must be able to fail (got {score:.1})"
    );
}

/// MoJoFM of the tables' owners against the planted domains of a monolith whose files
/// hide them (`Layout::Hidden`: one app or crate, models dealt over mixed files, a god
/// service/query/repository file), proposed as a user would: `-k K`, names used.
fn hidden_recovered(lang: SynthLang, noise: f64, seed: u64) -> f64 {
    let (truth, graph) = generated(
        lang,
        &SynthSpec {
            domains: 6,
            noise,
            seed,
            layout: seam::synth::Layout::Hidden,
            ..SynthSpec::default()
        },
    );
    let proposal = propose(
        &graph,
        &ProposeOptions {
            k: Some(6),
            ..ProposeOptions::default()
        },
    )
    .unwrap();
    let names: Vec<&str> = proposal
        .decomposition
        .contexts
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    let (mut found, mut planted) = (Vec::new(), Vec::new());
    for o in &proposal.ownership {
        planted.push(truth.table_domain[&o.table]);
        found.push(names.iter().position(|n| *n == o.owner).unwrap());
    }
    mojofm(&found, &planted)
}

#[test]
fn hidden_domains_are_recovered_from_the_data() {
    for lang in [SynthLang::Django, SynthLang::Go, SynthLang::Rust] {
        let score = hidden_recovered(lang, 0.1, 1);
        println!("{lang:?} hidden, noise 0.1: MoJoFM {score:.1}");
        assert!(score >= 95.0, "{lang:?}: MoJoFM {score:.1} < 95");
    }
    let score = hidden_recovered(SynthLang::Django, 0.9, 1);
    assert!(
        score < 95.0,
        "the hidden check must be able to fail ({score:.1})"
    );
}
