//! Evaluation of `seam propose` on real code against the structure its authors chose
//! (prints figures, asserts nothing):
//!
//!   cargo bench --bench propose_real
//!
//! Projects, all downloaded at bench time into the git-ignored `.cache/` (nothing of them
//! is committed), pinned:
//!
//! | project | from | objects | reference |
//! |---|---|---|---|
//! | django-oscar 4.2.1, pretix 2026.8.0, wagtail 8.0.1, nautobot 3.2.7 | PyPI, by `tests/oracle/setup.sh` into `.cache/oracle/<project>/` | Django models | each model's app label in Django's own registry |
//! | Dendrite v0.13.8 (github.com/matrix-org/dendrite) | Go module proxy, into `.cache/gomod` | SQL tables (no ORM) | the component that declares and queries the table |
//! | lemmy_db_schema 0.19.5 | crates.io, by `cargo fetch` into `.cache/real_rust/cargo-home` | diesel models | the module (file) that declares the model |
//!
//! How each reference is derived:
//! - **Django**: `tests/oracle/dump_registry.py` runs `django.setup()` in the project's
//!   venv (with `tests/oracle/*_settings.py`, or pretix's own test settings) and lists
//!   every model Django registers from the analysed tree (`apps.get_models(
//!   include_auto_created=True)`: every non-abstract model, proxies and auto-created
//!   many-to-many join models included, as seam's model nodes are); the reference is each
//!   model's `app_label`. When the dump cannot be made, seam's own `group` of the model
//!   nodes (its app label, which `tests/django_oracle.rs` checks against the registry) is
//!   used instead and the output says so. The models compared are those both Django and
//!   seam know; the ones only one side has are listed.
//! - **Dendrite** has no ORM: its data are plain SQL tables. Its authors split it into
//!   components (roomserver, syncapi, userapi, federationapi, mediaapi, relayapi,
//!   appservice), each with its own `<component>/storage/{postgres,sqlite3}` packages
//!   where every table is created and queried (`*_table.go`); earlier releases could run
//!   each component as a process of its own ("polylith" mode). The reference of a table
//!   is the component whose `storage` directory holds all the code that touches it (from
//!   seam's reads/writes edges); tables also touched elsewhere (`internal/sqlutil`'s
//!   migrations table, the `setup/mscs` experiments, SQLite/PostgreSQL catalogues) are
//!   left out. seam's answer for a table is its owner context (`Proposal.ownership`).
//!   (SPIRE, which tests/real_go.rs analyses, keeps all its GORM models in one package,
//!   `pkg/server/datastore/sqlstore`: its packages give no reference for them.)
//! - **lemmy_db_schema**: seam's `group` of a Rust model is `crate::top_module`, which
//!   here is `source` for 145 of 152 models, so it says nothing. The authors' finer
//!   layout is clear, though: one file per aggregate under `src/source/` (`post.rs`
//!   holds `Post`, its insert/update forms, `PostLike`, `PostSaved`, `PostRead`, …;
//!   `moderator.rs` the whole moderation log), plus `aggregates/structs.rs`. The
//!   reference is that module (the model node's parent, `source::post`). A row struct
//!   and its forms map to one table, so that part of the reference follows the tables.
//!
//! Per project, K = number of groups in the reference; `propose` runs with `k: Some(K)`,
//! git off, once with `ignore_names: true` (no app, package or directory names, no "same
//! file" signal) and once with names used (the default). Each is scored with MoJoFM
//! (Wen & Tzerpos 2004, `seam::metrics::mojofm`) of the objects' contexts against the
//! reference; an object the proposal does not place counts as a context of its own.
//! [`baseline`] is the table-only clustering a reader would try first; see its doc.
//!
//! A project whose download or setup fails is skipped with the reason; nothing panics.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use seam::analyze::{AnalyzeOptions, analyze};
use seam::cluster::{Constraints, LeidenOptions, WeightedGraph, leiden};
use seam::graph::{Graph, NodeKind};
use seam::propose::{self, GitOptions, Proposal, ProposeOptions, Reference};

/// What the reference groups: model labels (seam's model ids without `model:`) or table
/// names.
#[derive(Clone, Copy, PartialEq)]
enum Objects {
    Models,
    Tables,
}

impl Objects {
    fn as_str(self) -> &'static str {
        match self {
            Objects::Models => "models",
            Objects::Tables => "tables",
        }
    }
}

/// Downloads and analyses one project and derives its reference.
type Prepare = dyn Fn() -> Result<Prepared, String>;

/// A downloaded project, analysed, with its reference.
struct Prepared {
    graph: Graph,
    analyse: Duration,
    objects: Objects,
    /// Object → group the authors chose.
    reference: BTreeMap<String, String>,
    /// Where the reference comes from, and what seam's analysis gets wrong about it.
    notes: Vec<String>,
}

struct Row {
    project: String,
    objects: Objects,
    n: usize,
    k: usize,
    blind: f64,
    named: f64,
    base: f64,
    contexts: (usize, usize),
    times: [Duration; 4],
}

const DJANGO: &[Django] = &[
    Django {
        name: "oscar",
        version: "django-oscar 4.2.1",
        settings: "oscar_settings",
        oracle_path: true,
    },
    Django {
        name: "pretix",
        version: "pretix 2026.8.0",
        settings: "pretix.testutils.settings",
        oracle_path: false,
    },
    Django {
        name: "wagtail",
        version: "wagtail 8.0.1",
        settings: "wagtail_settings",
        oracle_path: true,
    },
    Django {
        name: "nautobot",
        version: "nautobot 3.2.7",
        settings: "nautobot_settings",
        oracle_path: true,
    },
];

const DENDRITE: &str = "github.com/matrix-org/dendrite";
const DENDRITE_VERSION: &str = "v0.13.8";
/// Dendrite's components (top-level directories with a `storage` package).
const DENDRITE_COMPONENTS: &[&str] = &[
    "appservice",
    "federationapi",
    "mediaapi",
    "relayapi",
    "roomserver",
    "syncapi",
    "userapi",
];
const LEMMY: &str = "lemmy_db_schema";
const LEMMY_VERSION: &str = "0.19.5";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn main() {
    let mut rows = Vec::new();
    let mut notes: Vec<(String, Vec<String>)> = Vec::new();
    let mut skipped = Vec::new();
    let mut projects: Vec<(String, Box<Prepare>)> = Vec::new();
    for d in DJANGO {
        projects.push((d.version.to_owned(), Box::new(move || prepare_django(d))));
    }
    projects.push((
        format!("dendrite {DENDRITE_VERSION}"),
        Box::new(prepare_dendrite),
    ));
    projects.push((format!("{LEMMY} {LEMMY_VERSION}"), Box::new(prepare_lemmy)));

    for (project, prepare) in &projects {
        eprintln!("propose_real: {project}…");
        let p = match prepare() {
            Ok(p) if p.reference.is_empty() => {
                println!(
                    "SKIP {project}: the reference holds no {}",
                    p.objects.as_str()
                );
                skipped.push(project.clone());
                continue;
            }
            Ok(p) => p,
            Err(e) => {
                println!("SKIP {project}: {e}");
                skipped.push(project.clone());
                continue;
            }
        };
        let (row, more) = evaluate(project, &p);
        rows.push(row);
        notes.push((project.clone(), [p.notes.clone(), more].concat()));
    }

    println!();
    println!(
        "MoJoFM (%) of seam propose -k K against the authors' groups; baseline = Leiden on the table graph (see benches/propose_real.rs)"
    );
    println!(
        "{:<28} {:<7} {:>5} {:>4} | {:>9} {:>9} {:>9} | {:>9} | {:>8} {:>8} {:>8} {:>8}",
        "project",
        "objects",
        "n",
        "K",
        "no names",
        "names",
        "baseline",
        "contexts",
        "analyse",
        "prop. nn",
        "prop. n",
        "baseline"
    );
    for r in &rows {
        println!(
            "{:<28} {:<7} {:>5} {:>4} | {:>9.1} {:>9.1} {:>9.1} | {:>4}/{:<4} | {:>7.2}s {:>7.2}s {:>7.2}s {:>7.3}s",
            r.project,
            r.objects.as_str(),
            r.n,
            r.k,
            r.blind,
            r.named,
            r.base,
            r.contexts.0,
            r.contexts.1,
            r.times[0].as_secs_f64(),
            r.times[1].as_secs_f64(),
            r.times[2].as_secs_f64(),
            r.times[3].as_secs_f64(),
        );
    }
    for project in &skipped {
        println!("{project:<28} skipped (reason above)");
    }
    println!(
        "n = objects compared, K = groups in the reference = -k; contexts = names ignored/used; times: analyse, propose (names ignored), propose (names used), baseline"
    );
    println!();
    for (project, lines) in notes {
        println!("{project}:");
        for l in lines {
            println!("  {l}");
        }
    }
}

/// Runs both proposals and the baseline on a prepared project.
fn evaluate(project: &str, p: &Prepared) -> (Row, Vec<String>) {
    let k = p.reference.values().collect::<BTreeSet<_>>().len().max(1);
    let mut groups: BTreeMap<&String, usize> = BTreeMap::new();
    for g in p.reference.values() {
        *groups.entry(g).or_default() += 1;
    }
    let mut sizes: Vec<usize> = groups.into_values().collect();
    sizes.sort_unstable_by(|a, b| b.cmp(a));
    let mut notes = vec![format!(
        "reference: {} per group: {sizes:?}",
        p.objects.as_str()
    )];
    let run = |ignore_names: bool| {
        let opts = ProposeOptions {
            k: Some(k),
            ignore_names,
            // Scoring only (does not steer the clustering): cross-checks the figure below.
            reference: (p.objects == Objects::Models).then(|| Reference {
                name: "authors".into(),
                map: p.reference.clone(),
            }),
            git: GitOptions {
                enabled: false,
                ..Default::default()
            },
            ..Default::default()
        };
        let t = Instant::now();
        let proposal = propose::propose(&p.graph, &opts);
        (proposal, t.elapsed())
    };
    let mut score = |proposal: Result<Proposal, propose::ProposeError>, what: &str| match proposal {
        Ok(proposal) => {
            let placed = placement(&proposal, p.objects);
            let fm = mojofm(&p.reference, &placed);
            if let Some(own) = &proposal.metrics.mojofm
                && (own.value - fm).abs() > 0.05
            {
                notes.push(format!(
                    "{what}: propose's own MoJoFM is {:.1} over {} units (this bench: {fm:.1})",
                    own.value, own.units
                ));
            }
            let mut sizes: BTreeMap<&String, usize> = BTreeMap::new();
            for c in p.reference.keys().filter_map(|o| placed.get(o)) {
                *sizes.entry(c).or_default() += 1;
            }
            let mut sizes: Vec<usize> = sizes.into_values().collect();
            sizes.sort_unstable_by(|a, b| b.cmp(a));
            notes.push(format!(
                "{what}: {} per context: {sizes:?}",
                p.objects.as_str()
            ));
            let unplaced = p
                .reference
                .keys()
                .filter(|o| !placed.contains_key(*o))
                .count();
            if unplaced > 0 {
                notes.push(format!(
                    "{what}: {unplaced} {} of the reference in no context",
                    p.objects.as_str()
                ));
            }
            (fm, proposal.metrics.contexts)
        }
        Err(e) => {
            notes.push(format!("{what}: propose failed: {e}"));
            (f64::NAN, 0)
        }
    };
    let (blind, t_blind) = run(true);
    let (blind, blind_contexts) = score(blind, "names ignored");
    let (named, t_named) = run(false);
    let (named, named_contexts) = score(named, "names used");
    let t = Instant::now();
    let base = baseline(&p.graph, &p.reference, p.objects, k);
    let t_base = t.elapsed();
    let base_fm = mojofm(&p.reference, &base);
    (
        Row {
            project: project.to_owned(),
            objects: p.objects,
            n: p.reference.len(),
            k,
            blind,
            named,
            base: base_fm,
            contexts: (blind_contexts, named_contexts),
            times: [p.analyse, t_blind, t_named, t_base],
        },
        notes,
    )
}

/// Object → context of a proposal: models from `contexts[].models`, tables from their
/// owner (`Proposal.ownership`).
fn placement(p: &Proposal, objects: Objects) -> BTreeMap<String, String> {
    match objects {
        Objects::Models => p
            .decomposition
            .contexts
            .iter()
            .flat_map(|c| c.models.iter().map(|m| (m.clone(), c.name.clone())))
            .collect(),
        Objects::Tables => p
            .ownership
            .iter()
            .map(|o| (o.table.clone(), o.owner.clone()))
            .collect(),
    }
}

/// MoJoFM (percent) of `found` (object → cluster) against `reference` (object → group),
/// over the reference's objects; an object `found` lacks is a cluster of its own.
fn mojofm<C: Ord>(reference: &BTreeMap<String, String>, found: &BTreeMap<String, C>) -> f64 {
    let (mut a, mut b) = (Vec::new(), Vec::new());
    let mut groups: BTreeMap<&str, usize> = BTreeMap::new();
    let mut clusters: BTreeMap<&C, usize> = BTreeMap::new();
    let mut alone = 0;
    for (object, group) in reference {
        let next = groups.len();
        b.push(*groups.entry(group.as_str()).or_insert(next));
        match found.get(object) {
            Some(c) => {
                let next = clusters.len();
                a.push(*clusters.entry(c).or_insert(next));
            }
            None => {
                alone += 1;
                a.push(usize::MAX - alone);
            }
        }
    }
    // Dense labels for the metric.
    let mut dense: BTreeMap<usize, usize> = BTreeMap::new();
    let a: Vec<usize> = a
        .into_iter()
        .map(|x| {
            let n = dense.len();
            *dense.entry(x).or_insert(n)
        })
        .collect();
    seam::metrics::mojofm(&a, &b)
}

/// The baseline: what clustering the tables alone gives, without seam's coupling model.
///
/// Nodes are the tables of the reference's objects (a model counts through the table it
/// maps to). Edges: every fk/o2o/m2m relation between two models, between their tables,
/// weight 1; and for every code node (module, type, function, method) that reads or
/// writes n ≥ 2 of these tables, every pair of them with weight 1/(n−1), so that each
/// such node adds as much weight as it touches tables minus one, however many it touches.
/// Clustered with `seam::cluster::leiden` (the Leiden algorithm of Traag, Waltman &
/// van Eck 2019: Louvain's local moving plus a refinement step that keeps communities
/// connected) at the default γ = 1 and `target_clusters: Some(k)`. Returns object →
/// cluster.
fn baseline(
    graph: &Graph,
    reference: &BTreeMap<String, String>,
    objects: Objects,
    k: usize,
) -> BTreeMap<String, usize> {
    // Table (name) of every model node, by node id.
    let model_table: HashMap<&str, &str> = graph
        .nodes()
        .filter(|n| n.kind == NodeKind::Model)
        .filter_map(|n| Some((n.id.as_str(), n.attrs.get("table")?.as_str())))
        .collect();
    let table_of_object = |object: &str| -> Option<String> {
        match objects {
            Objects::Tables => Some(object.to_owned()),
            Objects::Models => model_table
                .get(format!("model:{object}").as_str())
                .map(|t| (*t).to_owned()),
        }
    };
    let tables: BTreeSet<String> = reference
        .keys()
        .filter_map(|o| table_of_object(o))
        .collect();
    let index: BTreeMap<&str, usize> = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.as_str(), i))
        .collect();
    let node_of = |id: &str| -> Option<usize> {
        let table = id
            .strip_prefix("table:")
            .or_else(|| model_table.get(id).copied())?;
        index.get(table).copied()
    };
    let mut g = WeightedGraph::new(tables.len());
    let mut touched: BTreeMap<&str, BTreeSet<usize>> = BTreeMap::new();
    for (from, to, edge) in graph.edges() {
        if edge.kind.is_relation() {
            if let (Some(a), Some(b)) = (node_of(&from.id), node_of(&to.id))
                && a != b
            {
                g.add_edge(a, b, 1.0);
            }
        } else if edge.kind.is_data_access()
            && from.kind.is_code()
            && let Some(t) = node_of(&to.id)
        {
            touched.entry(from.id.as_str()).or_default().insert(t);
        }
    }
    for set in touched.values().filter(|s| s.len() >= 2) {
        let w = 1.0 / (set.len() - 1) as f64;
        let v: Vec<usize> = set.iter().copied().collect();
        for (i, &a) in v.iter().enumerate() {
            for &b in &v[i + 1..] {
                g.add_edge(a, b, w);
            }
        }
    }
    let opts = LeidenOptions {
        target_clusters: Some(k),
        ..Default::default()
    };
    let cluster = leiden(&g, &opts, &Constraints::default());
    reference
        .keys()
        .filter_map(|o| {
            let t = table_of_object(o)?;
            Some((o.clone(), cluster[*index.get(t.as_str())?]))
        })
        .collect()
}

fn timed_analyze(src: &Path) -> Result<(Graph, Duration), String> {
    let t = Instant::now();
    let analysis = analyze(src, &AnalyzeOptions::default())
        .map_err(|e| format!("seam analyze {}: {e}", src.display()))?;
    Ok((analysis.graph, t.elapsed()))
}

/// The label of a model node as `propose` writes it (`contexts[].models`).
fn model_label(node: &seam::graph::Node) -> String {
    node.attrs.get("label").cloned().unwrap_or_else(|| {
        node.id
            .strip_prefix("model:")
            .unwrap_or(&node.id)
            .to_owned()
    })
}

// --- Django ---------------------------------------------------------------------------

struct Django {
    /// `tests/oracle/setup.sh` project name.
    name: &'static str,
    version: &'static str,
    /// DJANGO_SETTINGS_MODULE for the registry dump.
    settings: &'static str,
    /// The settings module lives in `tests/oracle`.
    oracle_path: bool,
}

fn prepare_django(d: &Django) -> Result<Prepared, String> {
    let status = Command::new("bash")
        .arg(repo().join("tests/oracle/setup.sh"))
        .arg(d.name)
        .status()
        .map_err(|e| format!("cannot run tests/oracle/setup.sh: {e}"))?;
    match status.code() {
        Some(0) => {}
        Some(75) => return Err("the package index cannot be reached".into()),
        other => {
            return Err(format!(
                "tests/oracle/setup.sh {} failed ({other:?})",
                d.name
            ));
        }
    }
    let dir = repo().join(".cache/oracle").join(d.name);
    let src = dir.join("src");
    let (graph, analyse) = timed_analyze(&src)?;
    // seam's view: every model it registers (non-abstract): (file, class) → (label, group).
    let seam: BTreeMap<(String, String), (String, String)> = graph
        .nodes()
        .filter(|n| n.kind == NodeKind::Model && !n.external && !n.attrs.contains_key("abstract"))
        .filter_map(|n| {
            let key = (n.file.clone()?, n.name.clone());
            Some((key, (model_label(n), n.group.clone()?)))
        })
        .collect();
    let mut notes = Vec::new();
    let reference = match registry(d, &dir) {
        Ok(registry) => {
            // Models are matched by file and class name, so that a model seam labels
            // wrongly is still compared with the app Django gives it, else by label (the
            // module Django names for an auto-created join model is that of the class
            // declaring the field, possibly an abstract base elsewhere).
            let by_label: BTreeMap<&str, &(String, String)> = seam
                .iter()
                .map(|(key, (label, _))| (label.as_str(), key))
                .collect();
            let matched: BTreeMap<&(String, String), &(String, String)> = registry
                .iter()
                .filter_map(|(key, (label, _))| {
                    let seam_key = seam
                        .get_key_value(key)
                        .map(|(k, _)| k)
                        .or_else(|| by_label.get(label.as_str()).copied())?;
                    Some((key, seam_key))
                })
                .collect();
            let seam_matched: BTreeSet<&(String, String)> = matched.values().copied().collect();
            let missing: Vec<String> = registry
                .iter()
                .filter(|(key, _)| !matched.contains_key(key))
                .map(|(_, (label, _))| label.clone())
                .collect();
            let extra: Vec<String> = seam
                .iter()
                .filter(|(key, _)| !seam_matched.contains(key))
                .map(|(_, (label, _))| label.clone())
                .collect();
            let wrong: Vec<String> = matched
                .iter()
                .filter_map(|(key, seam_key)| {
                    let (label, app) = &registry[*key];
                    let (_, group) = &seam[*seam_key];
                    (group != app).then(|| format!("{label} (seam: {group})"))
                })
                .collect();
            notes.push(format!(
                "reference: Django's registry ({} models in {} apps); seam: {} models; Django only {}, seam only {}, other app label in seam {}",
                registry.len(),
                registry.values().map(|(_, app)| app).collect::<BTreeSet<_>>().len(),
                seam.len(),
                missing.len(),
                extra.len(),
                wrong.len()
            ));
            for (what, list) in [
                ("Django only", missing),
                ("seam only", extra),
                ("other app label in seam", wrong),
            ] {
                if !list.is_empty() {
                    notes.push(format!("{what}: {}", abbreviate(&list, 8)));
                }
            }
            matched
                .iter()
                .map(|(key, seam_key)| (seam[*seam_key].0.clone(), registry[*key].1.clone()))
                .collect()
        }
        Err(e) => {
            notes.push(format!(
                "reference: seam's app labels (model group); the registry dump failed: {e}"
            ));
            seam.into_values().collect()
        }
    };
    Ok(Prepared {
        graph,
        analyse,
        objects: Objects::Models,
        reference,
        notes,
    })
}

/// (file, class name) → (label, app label) of every model Django registers from the
/// project's tree, from `tests/oracle/dump_registry.py` in the project's venv (its
/// `registry.json` is reused while newer than the setup stamp).
fn registry(d: &Django, dir: &Path) -> Result<Registry, String> {
    let out = dir.join("registry.json");
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = matches!(
        (modified(&out), modified(&dir.join(".stamp"))),
        (Some(a), Some(b)) if a > b
    );
    if !fresh {
        let mut cmd = Command::new(dir.join("venv/bin/python"));
        cmd.arg(repo().join("tests/oracle/dump_registry.py"))
            .arg("--root")
            .arg(dir.join("src"))
            .arg("--settings")
            .arg(d.settings)
            .arg("-o")
            .arg(&out)
            // As tests/django_oracle.rs: relative files the settings look for are not ours.
            .current_dir(dir)
            .env("PYTHONPYCACHEPREFIX", dir.join("pycache"));
        if d.oracle_path {
            cmd.arg("--path").arg(repo().join("tests/oracle"));
        }
        let run = cmd
            .output()
            .map_err(|e| format!("cannot run python: {e}"))?;
        if !run.status.success() {
            let _ = std::fs::remove_file(&out);
            let err = String::from_utf8_lossy(&run.stderr);
            let last = err.lines().last().unwrap_or("").to_owned();
            return Err(format!("dump_registry.py ({}): {last}", run.status));
        }
    }
    let text = std::fs::read_to_string(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", out.display()))?;
    let models = doc["models"]
        .as_array()
        .ok_or("registry.json has no models")?;
    let field = |m: &serde_json::Value, key: &str| m[key].as_str().map(str::to_owned);
    let map: Registry = models
        .iter()
        .filter_map(|m| {
            Some((
                (field(m, "file")?, field(m, "object_name")?),
                (field(m, "label")?, field(m, "app_label")?),
            ))
        })
        .collect();
    if map.is_empty() {
        return Err("the registry holds no model of the project".into());
    }
    Ok(map)
}

/// (file, class name) → (label, app label).
type Registry = BTreeMap<(String, String), (String, String)>;

fn abbreviate(list: &[String], n: usize) -> String {
    let mut s = list.iter().take(n).cloned().collect::<Vec<_>>().join(", ");
    if list.len() > n {
        s.push_str(&format!(", … ({} more)", list.len() - n));
    }
    s
}

// --- Go: Dendrite ---------------------------------------------------------------------

fn prepare_dendrite() -> Result<Prepared, String> {
    let cache = repo().join(".cache");
    std::fs::create_dir_all(&cache).map_err(|e| e.to_string())?;
    let out = Command::new("go")
        .current_dir(&cache)
        .env("GOMODCACHE", cache.join("gomod"))
        .env("GOFLAGS", "-modcacherw")
        .env("GOTOOLCHAIN", "local")
        .args([
            "mod",
            "download",
            "-json",
            &format!("{DENDRITE}@{DENDRITE_VERSION}"),
        ])
        .output()
        .map_err(|e| format!("cannot run go: {e}"))?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|_| String::from_utf8_lossy(&out.stderr).trim().to_owned())?;
    if let Some(err) = json.get("Error") {
        return Err(format!(
            "go mod download {DENDRITE}@{DENDRITE_VERSION}: {err}"
        ));
    }
    let dir = PathBuf::from(
        json["Dir"]
            .as_str()
            .ok_or("go mod download printed no Dir")?,
    );
    let (graph, analyse) = timed_analyze(&dir)?;
    // Table → the components whose code touches it (outside a component's storage
    // directory: "elsewhere").
    let mut touched: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    for (from, to, edge) in graph.edges() {
        if !edge.kind.is_data_access() || to.kind != NodeKind::Table {
            continue;
        }
        let file = from.file.as_deref().unwrap_or("");
        let component = DENDRITE_COMPONENTS
            .iter()
            .find(|c| file.starts_with(&format!("{c}/storage/")))
            .copied()
            .unwrap_or("elsewhere");
        touched
            .entry(to.name.clone())
            .or_default()
            .insert(component);
    }
    let tables = graph.nodes().filter(|n| n.kind == NodeKind::Table).count();
    let mut left_out = Vec::new();
    let mut reference = BTreeMap::new();
    for (table, components) in touched {
        match components.iter().collect::<Vec<_>>().as_slice() {
            [c] if **c != "elsewhere" => {
                reference.insert(table, (**c).to_owned());
            }
            _ => left_out.push(table),
        }
    }
    let notes = vec![
        format!(
            "reference: the component whose storage code alone touches the table; seam found {tables} tables, {} in the reference, {} in no component's storage or in several (left out): {}",
            reference.len(),
            left_out.len(),
            abbreviate(&left_out, 10)
        ),
        "no ORM models: seam's answer per table is its owner context (Proposal.ownership)"
            .to_owned(),
    ];
    Ok(Prepared {
        graph,
        analyse,
        objects: Objects::Tables,
        reference,
        notes,
    })
}

// --- Rust: lemmy_db_schema ------------------------------------------------------------

/// Downloads the crate as tests/real_rust.rs does (same cache, same throwaway manifest).
fn fetch_lemmy() -> Result<PathBuf, String> {
    let cache = repo().join(".cache/real_rust");
    let cargo_home = cache.join("cargo-home");
    let find = || -> Option<PathBuf> {
        std::fs::read_dir(cargo_home.join("registry/src"))
            .ok()?
            .filter_map(Result::ok)
            .map(|r| r.path().join(format!("{LEMMY}-{LEMMY_VERSION}")))
            .find(|d| d.join("src/schema.rs").is_file())
    };
    if let Some(dir) = find() {
        return Ok(dir);
    }
    let probe = cache.join("probe");
    std::fs::create_dir_all(probe.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(probe.join("src/lib.rs"), "").map_err(|e| e.to_string())?;
    std::fs::write(
        probe.join("Cargo.toml"),
        format!(
            "[package]\nname = \"seam-real-rust-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [dependencies]\n{LEMMY} = {{ version = \"={LEMMY_VERSION}\", default-features = false }}\n\n\
             [workspace]\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .arg("fetch")
        .arg("--manifest-path")
        .arg(probe.join("Cargo.toml"))
        .env("CARGO_HOME", &cargo_home)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "cargo fetch {LEMMY} {LEMMY_VERSION}: {}",
            err.lines().last().unwrap_or("")
        ));
    }
    find().ok_or_else(|| format!("{LEMMY}-{LEMMY_VERSION} not unpacked"))
}

fn prepare_lemmy() -> Result<Prepared, String> {
    let dir = fetch_lemmy()?;
    let (graph, analyse) = timed_analyze(&dir)?;
    let prefix = format!("rs:{LEMMY}::");
    let mut reference = BTreeMap::new();
    let mut groups = BTreeSet::new();
    for n in graph
        .nodes()
        .filter(|n| n.kind == NodeKind::Model && !n.external)
    {
        if let Some(group) = &n.group {
            groups.insert(group.clone());
        }
        if let Some(module) = n.parent.as_deref().and_then(|p| p.strip_prefix(&prefix)) {
            reference.insert(model_label(n), module.to_owned());
        }
    }
    let notes = vec![format!(
        "reference: the module declaring each model (seam's group, crate::top_module, has only {} values: {})",
        groups.len(),
        groups.into_iter().collect::<Vec<_>>().join(", ")
    )];
    Ok(Prepared {
        graph,
        analyse,
        objects: Objects::Models,
        reference,
        notes,
    })
}
