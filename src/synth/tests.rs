use super::*;
use crate::analyze::{AnalyzeOptions, analyze};
use crate::graph::{EdgeKind, Graph, NodeKind};

fn small(noise: f64) -> SynthSpec {
    SynthSpec {
        domains: 3,
        modules_per_domain: 4,
        models_per_domain: 3,
        noise,
        seed: 5,
        target_loc: None,
    }
}

fn generate_and_analyze(lang: SynthLang, spec: &SynthSpec) -> (SynthTruth, Graph) {
    let dir = tempfile::tempdir().unwrap();
    let truth = generate(lang, spec, dir.path()).unwrap();
    let analysis = analyze(dir.path(), &AnalyzeOptions::default()).unwrap();
    (truth, analysis.graph)
}

/// Every module, model and table of the truth is a node of seam's graph, of that kind.
fn assert_truth_in_graph(lang: SynthLang, truth: &SynthTruth, graph: &Graph) {
    let expect = |id: String, kind: NodeKind| {
        let node = graph
            .node(&id)
            .unwrap_or_else(|| panic!("{}: {id} is not in the graph", lang.as_str()));
        assert_eq!(node.kind, kind, "{id}");
        assert!(!node.external, "{id} is only a reference");
    };
    for id in truth.module_domain.keys() {
        expect(id.clone(), NodeKind::Module);
    }
    for label in truth.model_domain.keys() {
        expect(format!("model:{label}"), NodeKind::Model);
    }
    for table in truth.table_domain.keys() {
        expect(format!("table:{table}"), NodeKind::Table);
    }
}

#[test]
fn every_language_gives_the_planted_nodes() {
    for lang in SynthLang::ALL {
        let (truth, graph) = generate_and_analyze(lang, &small(0.2));
        // 3 domains × (4 modules + models [+ schema for Rust]).
        let per_domain = if lang == SynthLang::Rust { 6 } else { 5 };
        assert_eq!(
            truth.module_domain.len(),
            3 * per_domain,
            "{}",
            lang.as_str()
        );
        assert_eq!(truth.model_domain.len(), 9);
        assert_eq!(truth.table_domain.len(), 9);
        assert_truth_in_graph(lang, &truth, &graph);
    }
}

/// Module of a code node: the node itself when it is a module, else its enclosing one.
fn module_of<'a>(graph: &'a Graph, id: &str) -> Option<&'a str> {
    let node = graph.node(id)?;
    if node.kind == NodeKind::Module {
        return Some(&node.id);
    }
    graph.enclosing(id, NodeKind::Module).map(|m| m.id.as_str())
}

/// Cross-domain calls and data accesses seam sees, as a fraction of those it sees.
fn observed_noise(truth: &SynthTruth, graph: &Graph) -> (usize, usize, usize) {
    let (mut calls, mut cross_calls, mut accesses) = (0, 0, 0);
    for (from, to, edge) in graph.edges() {
        let (Some(mf), Some(df)) = (
            module_of(graph, &from.id),
            module_of(graph, &from.id).and_then(|m| truth.module_domain.get(m)),
        ) else {
            continue;
        };
        match edge.kind {
            EdgeKind::Calls => {
                let Some(dt) = module_of(graph, &to.id).and_then(|m| truth.module_domain.get(m))
                else {
                    continue;
                };
                if module_of(graph, &to.id) != Some(mf) {
                    calls += 1;
                    cross_calls += usize::from(df != dt);
                }
            }
            EdgeKind::Reads | EdgeKind::Writes => {
                let table = to.id.trim_start_matches("table:");
                if truth.table_domain.contains_key(table) {
                    accesses += 1;
                }
            }
            _ => {}
        }
    }
    (calls, cross_calls, accesses)
}

#[test]
fn seam_sees_the_calls_and_accesses_and_noise_crosses_domains() {
    for lang in SynthLang::ALL {
        let (truth, graph) = generate_and_analyze(lang, &small(0.0));
        let (calls, cross, accesses) = observed_noise(&truth, &graph);
        assert!(
            calls > 10,
            "{}: {calls} calls between modules",
            lang.as_str()
        );
        assert_eq!(
            cross,
            0,
            "{}: no noise, no cross-domain call",
            lang.as_str()
        );
        assert!(accesses > 10, "{}: {accesses} accesses", lang.as_str());
        let (truth, graph) = generate_and_analyze(lang, &small(0.5));
        let (calls, cross, _) = observed_noise(&truth, &graph);
        assert!(
            cross > 0 && cross < calls,
            "{}: {cross} of {calls} calls cross domains at noise 0.5",
            lang.as_str()
        );
    }
}

#[test]
fn generation_is_deterministic_and_seeded() {
    let read_all = |dir: &Path| {
        let mut files = Vec::new();
        for entry in ignore::WalkBuilder::new(dir).build() {
            let entry = entry.unwrap();
            if entry.file_type().is_some_and(|t| t.is_file()) {
                let rel = entry.path().strip_prefix(dir).unwrap().to_owned();
                files.push((rel, fs::read(entry.path()).unwrap()));
            }
        }
        files.sort();
        files
    };
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let spec = small(0.3);
    generate(SynthLang::Go, &spec, a.path()).unwrap();
    generate(SynthLang::Go, &spec, b.path()).unwrap();
    let other = SynthSpec { seed: 99, ..spec };
    generate(SynthLang::Go, &other, c.path()).unwrap();
    assert_eq!(read_all(a.path()), read_all(b.path()));
    assert_ne!(read_all(a.path()), read_all(c.path()));
}

#[test]
fn target_loc_is_reached_within_a_tenth() {
    for lang in SynthLang::ALL {
        let dir = tempfile::tempdir().unwrap();
        let spec = SynthSpec {
            target_loc: Some(20_000),
            ..SynthSpec::default()
        };
        let truth = generate(lang, &spec, dir.path()).unwrap();
        let ratio = truth.lines as f64 / 20_000.0;
        eprintln!("{}: {} lines", lang.as_str(), truth.lines);
        assert!(
            (0.9..=1.1).contains(&ratio),
            "{}: {} lines for 20000",
            lang.as_str(),
            truth.lines
        );
    }
}

#[test]
fn empty_specs_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let spec = SynthSpec {
        domains: 0,
        ..SynthSpec::default()
    };
    let err = generate(SynthLang::Django, &spec, dir.path()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
}
