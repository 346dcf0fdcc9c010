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
        layout: Layout::ByDomain,
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
    for id in &truth.plumbing {
        expect(id.clone(), NodeKind::Module);
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
        assert!(!truth.plumbing.is_empty() || lang == SynthLang::Go);
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
    let read_all = read_tree;
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

fn hidden(noise: f64) -> SynthSpec {
    SynthSpec {
        layout: Layout::Hidden,
        ..small(noise)
    }
}

/// The hidden plan `generate` draws for `spec`, rebuilt the same way.
fn hidden_plan(lang: SynthLang, spec: &SynthSpec) -> Hidden {
    let plan = Plan::new(lang, spec);
    Hidden::new(&plan, &mut SplitMix64::new(spec.seed), spec.seed)
}

/// Graph ids the hidden layout gives use case `u`: (the node making its data accesses,
/// the node making its call).
fn hidden_ids(lang: SynthLang, h: &Hidden, u: usize) -> (String, String) {
    match lang {
        SynthLang::Django => (django::hidden_member(h, u), django::hidden_member(h, u)),
        SynthLang::Rust => (rust::hidden_member(h, u), rust::hidden_member(h, u)),
        SynthLang::Go => {
            let [service, _] = go::hidden_layers(h, u);
            (go::hidden_member(h, u), service)
        }
    }
}

/// (model label, table) of model `m` in the hidden layout.
fn hidden_model(lang: SynthLang, h: &Hidden, m: usize) -> (String, String) {
    let name = h.model_name(m);
    match lang {
        SynthLang::Django => (
            format!("{}.{name}", django::HIDDEN_APP),
            django::hidden_table(h, m),
        ),
        SynthLang::Rust => (
            format!("{}::models::{name}", rust::CRATE),
            rust::hidden_table(h, m),
        ),
        SynthLang::Go => (
            format!("{}/models.{name}", go::MODULE_PATH),
            go::hidden_table(h, m),
        ),
    }
}

/// The last segment of a code node id (`load_3`, `Load3`): a use case's name in every
/// layer.
fn short_name(id: &str) -> &str {
    id.rsplit([':', '.']).next().unwrap_or(id)
}

#[test]
fn hidden_trees_give_the_planted_nodes_relations_and_accesses() {
    for lang in SynthLang::ALL {
        let spec = hidden(0.2);
        let (truth, graph) = generate_and_analyze(lang, &spec);
        let name = lang.as_str();
        assert!(truth.module_domain.is_empty(), "{name}");
        assert_eq!(truth.model_domain.len(), 9, "{name}");
        assert_eq!(truth.table_domain.len(), 9, "{name}");
        // 3 domains × 4 modules × 4 functions; Go has three layers per use case.
        let layers = if lang == SynthLang::Go { 3 } else { 1 };
        assert_eq!(truth.member_domain.len(), 48 * layers, "{name}");
        assert_truth_in_graph(lang, &truth, &graph);
        for id in truth.member_domain.keys() {
            let node = graph
                .node(id)
                .unwrap_or_else(|| panic!("{name}: member {id} is not in the graph"));
            assert!(
                matches!(node.kind, NodeKind::Function | NodeKind::Method),
                "{name}: {id} is a {:?}",
                node.kind
            );
        }

        // Exactly the planted foreign keys, tables, accesses and calls.
        let h = hidden_plan(lang, &spec);
        let mut fks = BTreeSet::new();
        let mut maps = BTreeSet::new();
        for (m, model) in h.models.iter().enumerate() {
            let (label, table) = hidden_model(lang, &h, m);
            assert_eq!(truth.model_domain[&label], model.domain, "{label}");
            if let Some(prev) = model.previous {
                fks.insert((
                    format!("model:{label}"),
                    format!("model:{}", hidden_model(lang, &h, prev).0),
                ));
            }
            maps.insert((format!("model:{label}"), format!("table:{table}")));
        }
        let (mut accesses, mut calls) = (BTreeSet::new(), BTreeSet::new());
        for (u, case) in h.uses.iter().enumerate() {
            let (access, caller) = hidden_ids(lang, &h, u);
            for &(m, write) in &case.accesses {
                let kind = if write {
                    EdgeKind::Writes
                } else {
                    EdgeKind::Reads
                };
                accesses.insert((
                    access.clone(),
                    format!("table:{}", hidden_model(lang, &h, m).1),
                    kind,
                ));
            }
            if let Some(c) = case.call {
                calls.insert((caller, hidden_ids(lang, &h, c).1));
            }
        }
        let (mut seen_fks, mut seen_maps, mut seen_accesses, mut seen_calls) = (
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
            BTreeSet::new(),
        );
        for (from, to, edge) in graph.edges() {
            let pair = (from.id.clone(), to.id.clone());
            match edge.kind {
                EdgeKind::Fk => {
                    seen_fks.insert(pair);
                }
                EdgeKind::MapsTo => {
                    seen_maps.insert(pair);
                }
                EdgeKind::Reads | EdgeKind::Writes => {
                    seen_accesses.insert((pair.0, pair.1, edge.kind));
                }
                EdgeKind::Calls
                    if truth.member_domain.contains_key(&from.id)
                        && truth.member_domain.contains_key(&to.id)
                        && short_name(&from.id) != short_name(&to.id) =>
                {
                    seen_calls.insert(pair);
                }
                _ => {}
            }
        }
        assert_eq!(seen_fks, fks, "{name}: foreign keys");
        assert_eq!(seen_maps, maps, "{name}: model tables");
        assert_eq!(seen_accesses, accesses, "{name}: reads and writes");
        assert_eq!(seen_calls, calls, "{name}: calls between use cases");
        assert!(!calls.is_empty() && accesses.len() > 48, "{name}");
    }
}

/// (cross-domain fraction of calls between use cases, of accesses) seen in the graph of
/// a hidden monolith.
fn hidden_observed_noise(truth: &SynthTruth, graph: &Graph) -> (f64, f64) {
    let (mut calls, mut cross_calls, mut accesses, mut cross_accesses) = (0, 0, 0, 0);
    for (from, to, edge) in graph.edges() {
        let Some(&df) = truth.member_domain.get(&from.id) else {
            continue;
        };
        match edge.kind {
            EdgeKind::Calls if short_name(&from.id) != short_name(&to.id) => {
                if let Some(&dt) = truth.member_domain.get(&to.id) {
                    calls += 1;
                    cross_calls += usize::from(df != dt);
                }
            }
            EdgeKind::Reads | EdgeKind::Writes => {
                if let Some(&dt) = truth.table_domain.get(to.id.trim_start_matches("table:")) {
                    accesses += 1;
                    cross_accesses += usize::from(df != dt);
                }
            }
            _ => {}
        }
    }
    assert!(
        calls > 50 && accesses > 100,
        "{calls} calls, {accesses} accesses"
    );
    (
        cross_calls as f64 / calls as f64,
        cross_accesses as f64 / accesses as f64,
    )
}

#[test]
fn hidden_noise_observed_is_the_noise_planted() {
    for lang in SynthLang::ALL {
        for noise in [0.0, 0.3] {
            let spec = SynthSpec {
                domains: 4,
                modules_per_domain: 6,
                models_per_domain: 4,
                ..hidden(noise)
            };
            let (truth, graph) = generate_and_analyze(lang, &spec);
            let (calls, accesses) = hidden_observed_noise(&truth, &graph);
            eprintln!(
                "{} noise {noise}: calls {calls:.3}, accesses {accesses:.3}",
                lang.as_str()
            );
            assert!(
                (calls - noise).abs() < 0.1,
                "{}: calls {calls}",
                lang.as_str()
            );
            assert!(
                (accesses - noise).abs() < 0.1,
                "{}: accesses {accesses}",
                lang.as_str()
            );
        }
    }
}

/// Every file under `dir`, with its bytes, by path.
fn read_tree(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
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
}

#[test]
fn hidden_generation_is_deterministic_and_names_no_domain() {
    for lang in SynthLang::ALL {
        let (a, b, c) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        let spec = hidden(0.3);
        let truth = generate(lang, &spec, a.path()).unwrap();
        assert_eq!(generate(lang, &spec, b.path()).unwrap(), truth);
        let other = SynthSpec { seed: 99, ..spec };
        generate(lang, &other, c.path()).unwrap();
        let tree = read_tree(a.path());
        assert_eq!(tree, read_tree(b.path()), "{}", lang.as_str());
        assert_ne!(tree, read_tree(c.path()), "{}", lang.as_str());
        for (path, bytes) in &tree {
            let text = String::from_utf8_lossy(bytes).to_lowercase();
            for domain in &truth.domain_names {
                assert!(
                    !text.contains(domain.as_str()),
                    "{}: {} names {domain}",
                    lang.as_str(),
                    path.display()
                );
            }
        }
    }
}
