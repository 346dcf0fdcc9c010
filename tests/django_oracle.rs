//! Oracle test: seam's Django model extraction against Django's own model registry.
//!
//! For each project, `tests/oracle/setup.sh` prepares a venv and the source under
//! `.cache/oracle/<project>/` (downloaded at test time, never committed),
//! `tests/oracle/dump_registry.py` loads the project with `django.setup()` and dumps
//! `apps.get_models(include_auto_created=True)`, and `seam analyze --format json` is run
//! on the same source. Three things are compared:
//!
//! - models: the set of concrete model labels (`app_label.ObjectName`), proxies and
//!   auto-created M2M through models included;
//! - tables: each model's `db_table` (seam's `attrs.table`, which must agree with its
//!   `maps_to` edge);
//! - relations: (model, field, fk | o2o | m2m, target model) for the fields each model
//!   declares, multi-table parent links included.
//!
//! Each category prints expected, found, true positives, precision and recall, and every
//! missing and extra item. oscar and the repo's fixture must match exactly; pretix must
//! reach a floor and prints its figures and differences.
//!
//! If the package index cannot be reached, the test prints a loud SKIP, unless CI=true,
//! where it fails.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// `setup.sh` exits with this when the package index cannot be reached.
const EXIT_UNREACHABLE: i32 = 75;

/// pretix floor: share of the registry's models (and their tables) that seam must find,
/// and share of seam's models that must be real.
const PRETIX_MODEL_RECALL_FLOOR: f64 = 0.9;
const PRETIX_TABLE_RECALL_FLOOR: f64 = 0.9;
const PRETIX_MODEL_PRECISION_FLOOR: f64 = 0.9;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cache_root() -> PathBuf {
    std::env::var_os("SEAM_ORACLE_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".cache").join("oracle"))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// How one project is prepared and loaded.
struct Project {
    name: &'static str,
    /// The directory seam analyses; also the root the registry dump is restricted to.
    src: PathBuf,
    /// DJANGO_SETTINGS_MODULE, or "auto" to take it from `<src>/manage.py`.
    settings: &'static str,
    /// Extra import paths for the settings module.
    extra_paths: Vec<PathBuf>,
}

impl Project {
    fn dir(&self) -> PathBuf {
        cache_root().join(self.name)
    }
}

/// Runs setup.sh; `false` means skipped (index unreachable outside CI).
fn setup(project: &str) -> bool {
    let script = repo().join("tests/oracle/setup.sh");
    let out = Command::new("bash")
        .arg(&script)
        .arg(project)
        .current_dir(repo())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    if out.status.success() {
        return true;
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(EXIT_UNREACHABLE) {
        let msg = format!(
            "\n{bar}\nSKIP django_oracle[{project}]: the package index cannot be reached, so the \
             project cannot be installed.\n{stderr}{bar}\n",
            bar = "!".repeat(78)
        );
        if in_ci() {
            panic!("{msg}CI=true: an unreachable package index is a failure here");
        }
        eprintln!("{msg}");
        return false;
    }
    panic!(
        "tests/oracle/setup.sh {project} failed ({}):\n{}{stderr}",
        out.status,
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Django's view: the registry dump.
fn dump_registry(p: &Project) -> Value {
    let python = p.dir().join("venv/bin/python");
    let out_file = p.dir().join("registry.json");
    let mut cmd = Command::new(&python);
    cmd.arg(repo().join("tests/oracle/dump_registry.py"))
        .arg("--root")
        .arg(&p.src)
        .arg("--settings")
        .arg(p.settings)
        .arg("-o")
        .arg(&out_file);
    for extra in &p.extra_paths {
        cmd.arg("--path").arg(extra);
    }
    // Run from the project's cache dir so that settings which look for relative files
    // (pretix's test settings look for test/sqlite.cfg) find nothing of ours.
    cmd.current_dir(p.dir());
    // Keep bytecode out of the analysed trees (the fixture lives in the repo).
    cmd.env("PYTHONPYCACHEPREFIX", p.dir().join("pycache"));
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
    assert!(
        out.status.success(),
        "dump_registry.py failed for {} ({}):\n{}{}",
        p.name,
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&out_file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", out_file.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", out_file.display()))
}

/// seam's view: `seam analyze SRC --format json`.
fn run_seam(src: &Path) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_seam"))
        .arg("analyze")
        .arg(src)
        .args(["--format", "json", "--no-cache", "-q"])
        .output()
        .expect("cannot run seam");
    assert!(
        out.status.success(),
        "seam analyze {} failed ({}):\n{}",
        src.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "seam analyze {} did not print JSON: {e}\n{}",
            src.display(),
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

type Relation = (String, String, String, String); // (model, field, kind, target)

fn show_relation((m, f, k, t): &Relation) -> String {
    format!("{m}.{f} {k} -> {t}")
}

/// Marks a note on a relation declared outside the analysed tree (a third-party or Django
/// abstract base): a source-only analyser cannot see it unless it knows that base.
const OUTSIDE: &str = "outside the analysed tree";

/// One side of the comparison.
#[derive(Default)]
struct Extraction {
    models: BTreeSet<String>,
    /// model label → table; a model without a table maps to "".
    tables: BTreeMap<String, String>,
    relations: BTreeSet<Relation>,
    /// Internal inconsistencies (seam only): attrs.table vs maps_to edges.
    inconsistencies: Vec<String>,
    /// Shown model or relation → where it comes from (file, flags, bases, declaring
    /// class), to explain differences.
    notes: BTreeMap<String, String>,
}

fn str_field<'a>(v: &'a Value, key: &str, what: &str) -> &'a str {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{what}: no string field {key:?} in {v}"))
}

fn from_registry(doc: &Value) -> Extraction {
    let mut ex = Extraction::default();
    let models = doc["models"]
        .as_array()
        .expect("registry dump: no models array");
    for m in models {
        let label = str_field(m, "label", "registry model").to_owned();
        let mut note = m["file"].as_str().unwrap_or("?").to_owned();
        for flag in ["proxy", "auto_created"] {
            if m[flag].as_bool() == Some(true) {
                note.push_str("; ");
                note.push_str(flag);
            }
        }
        if m["managed"].as_bool() == Some(false) {
            note.push_str("; unmanaged");
        }
        if let Some(owner) = m["through_of"].as_str() {
            let _ = write!(note, "; through table of {owner}");
        }
        if m["class_statement"].as_bool() == Some(false)
            && m["auto_created"].as_bool() != Some(true)
        {
            note.push_str("; generated at run time (no class statement)");
        }
        let bases: Vec<&str> = m["bases"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        if !bases.is_empty() {
            let _ = write!(note, "; bases {}", bases.join(", "));
        }
        if m["declared_outside_root"].as_bool() == Some(true) {
            let _ = write!(note, "; {OUTSIDE}");
        }
        ex.notes.insert(label.clone(), note);
        ex.tables.insert(
            label.clone(),
            str_field(m, "db_table", "registry model").to_owned(),
        );
        for r in m["relations"].as_array().into_iter().flatten() {
            let rel = (
                label.clone(),
                str_field(r, "field", "registry relation").to_owned(),
                str_field(r, "kind", "registry relation").to_owned(),
                str_field(r, "target", "registry relation").to_owned(),
            );
            if let Some(origin) = r["declared_in"].as_str() {
                let mut note = format!("declared in {origin}");
                if r["declared_outside_root"].as_bool() == Some(true) {
                    let _ = write!(note, ", {OUTSIDE}");
                }
                ex.notes.insert(show_relation(&rel), note);
            }
            ex.relations.insert(rel);
        }
        ex.models.insert(label);
    }
    ex
}

fn from_seam(doc: &Value) -> Extraction {
    let mut ex = Extraction::default();
    let nodes = doc["nodes"].as_array().expect("seam JSON: no nodes array");
    let edges = doc["edges"].as_array().expect("seam JSON: no edges array");
    let attr = |n: &Value, k: &str| n["attrs"].get(k).and_then(Value::as_str).map(str::to_owned);
    for n in nodes {
        if n["kind"] != "model" || n["external"].as_bool() == Some(true) {
            continue;
        }
        if attr(n, "abstract").as_deref() == Some("true") {
            continue;
        }
        let id = str_field(n, "id", "seam node");
        let label = id.strip_prefix("model:").unwrap_or(id).to_owned();
        ex.tables
            .insert(label.clone(), attr(n, "table").unwrap_or_default());
        let place = match (n["file"].as_str(), n["line"].as_u64()) {
            (Some(f), Some(l)) => format!("{f}:{l}"),
            (Some(f), None) => f.to_owned(),
            _ => "?".to_owned(),
        };
        ex.notes.insert(label.clone(), place);
        ex.models.insert(label);
    }
    let label_of = |id: &str| id.strip_prefix("model:").unwrap_or(id).to_owned();
    let mut maps_to: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for e in edges {
        let kind = str_field(e, "kind", "seam edge");
        let from = label_of(str_field(e, "from", "seam edge"));
        if !ex.models.contains(&from) {
            continue;
        }
        let to = str_field(e, "to", "seam edge");
        match kind {
            "fk" | "o2o" | "m2m" => {
                let field = e["label"].as_str().unwrap_or("").to_owned();
                ex.relations
                    .insert((from, field, kind.to_owned(), label_of(to)));
            }
            "maps_to" => maps_to
                .entry(from)
                .or_default()
                .push(to.strip_prefix("table:").unwrap_or(to).to_owned()),
            _ => {}
        }
    }
    for (label, table) in &ex.tables {
        let edges = maps_to.get(label).cloned().unwrap_or_default();
        if edges.len() != 1 || &edges[0] != table {
            ex.inconsistencies.push(format!(
                "{label}: attrs.table = {table:?} but maps_to edges go to {edges:?}"
            ));
        }
    }
    ex
}

/// Figures and differences of one category.
struct Score {
    name: &'static str,
    expected: usize,
    found: usize,
    tp: usize,
    missing: Vec<String>,
    extra: Vec<String>,
}

impl Score {
    fn new<T: Ord + Clone>(
        name: &'static str,
        expected: &BTreeSet<T>,
        found: &BTreeSet<T>,
        show: impl Fn(&T) -> String,
    ) -> Score {
        Score {
            name,
            expected: expected.len(),
            found: found.len(),
            tp: expected.intersection(found).count(),
            missing: expected.difference(found).map(&show).collect(),
            extra: found.difference(expected).map(&show).collect(),
        }
    }

    /// 0/0 counts as perfect: nothing claimed, nothing wrong.
    fn precision(&self) -> f64 {
        if self.found == 0 {
            if self.expected == 0 { 1.0 } else { 0.0 }
        } else {
            self.tp as f64 / self.found as f64
        }
    }

    fn recall(&self) -> f64 {
        if self.expected == 0 {
            1.0
        } else {
            self.tp as f64 / self.expected as f64
        }
    }

    fn exact(&self) -> bool {
        self.missing.is_empty() && self.extra.is_empty()
    }
}

fn compare(registry: &Extraction, seam: &Extraction) -> Vec<Score> {
    let pairs = |ex: &Extraction| -> BTreeSet<(String, String)> {
        ex.tables
            .iter()
            .map(|(m, t)| (m.clone(), t.clone()))
            .collect()
    };
    vec![
        Score::new("models", &registry.models, &seam.models, |m| m.clone()),
        Score::new("tables", &pairs(registry), &pairs(seam), |(m, t)| {
            format!("{m} -> {}", if t.is_empty() { "(none)" } else { t })
        }),
        Score::new(
            "relations",
            &registry.relations,
            &seam.relations,
            show_relation,
        ),
    ]
}

fn report(project: &str, scores: &[Score], registry: &Extraction, seam: &Extraction) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "\n=== django_oracle[{project}]: seam vs Django's registry ==="
    );
    let _ = writeln!(
        s,
        "{:<10} {:>8} {:>8} {:>8} {:>9} {:>8}",
        "category", "expected", "found", "tp", "precision", "recall"
    );
    for sc in scores {
        let _ = writeln!(
            s,
            "{:<10} {:>8} {:>8} {:>8} {:>9.3} {:>8.3}",
            sc.name,
            sc.expected,
            sc.found,
            sc.tp,
            sc.precision(),
            sc.recall()
        );
    }
    for sc in scores {
        if sc.exact() {
            continue;
        }
        let outside = sc
            .missing
            .iter()
            .filter(|m| registry.notes.get(*m).is_some_and(|n| n.ends_with(OUTSIDE)))
            .count();
        let why = if outside > 0 {
            format!("; {outside} of them declared {OUTSIDE}")
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "\n--- {}: {} missing (in Django's registry, not found by seam{why}) ---",
            sc.name,
            sc.missing.len()
        );
        for m in &sc.missing {
            match registry.notes.get(m) {
                Some(note) => {
                    let _ = writeln!(s, "  - {m}    [Django: {note}]");
                }
                None => {
                    let _ = writeln!(s, "  - {m}");
                }
            }
        }
        let _ = writeln!(
            s,
            "--- {}: {} extra (found by seam, not in Django's registry) ---",
            sc.name,
            sc.extra.len()
        );
        for m in &sc.extra {
            match seam.notes.get(m) {
                Some(note) => {
                    let _ = writeln!(s, "  + {m}    [seam: {note}]");
                }
                None => {
                    let _ = writeln!(s, "  + {m}");
                }
            }
        }
    }
    // A model both sides know but under different table names shows above as one
    // missing and one extra pair; say so plainly.
    let wrong_tables: Vec<String> = registry
        .tables
        .iter()
        .filter_map(|(m, want)| {
            let got = seam.tables.get(m)?;
            (got != want).then(|| format!("  ~ {m}: Django {want:?}, seam {got:?}"))
        })
        .collect();
    if !wrong_tables.is_empty() {
        let _ = writeln!(
            s,
            "\n--- tables: {} models known to both with different tables ---",
            wrong_tables.len()
        );
        for w in &wrong_tables {
            let _ = writeln!(s, "{w}");
        }
    }
    if !seam.inconsistencies.is_empty() {
        let _ = writeln!(
            s,
            "\n--- seam graph inconsistencies: {} ---",
            seam.inconsistencies.len()
        );
        for i in &seam.inconsistencies {
            let _ = writeln!(s, "  ! {i}");
        }
    }
    s
}

/// Everything up to the scores; None when skipped.
fn evaluate(p: &Project) -> Option<(Vec<Score>, Extraction)> {
    if !setup(p.name) {
        return None;
    }
    assert!(
        p.src.is_dir(),
        "{}: source directory {} does not exist",
        p.name,
        p.src.display()
    );
    let registry = from_registry(&dump_registry(p));
    assert!(
        !registry.models.is_empty(),
        "{}: Django's registry has no models under {}: the settings did not load the project's apps",
        p.name,
        p.src.display()
    );
    let seam = from_seam(&run_seam(&p.src));
    let scores = compare(&registry, &seam);
    let text = report(p.name, &scores, &registry, &seam);
    println!("{text}");
    let _ = std::fs::write(p.dir().join("report.txt"), &text);
    Some((scores, seam))
}

/// oscar and the fixture: seam must agree with Django exactly.
fn assert_exact(p: &Project) {
    let Some((scores, seam)) = evaluate(p) else {
        return;
    };
    let wrong: Vec<&str> = scores
        .iter()
        .filter(|s| !s.exact())
        .map(|s| s.name)
        .collect();
    assert!(
        wrong.is_empty() && seam.inconsistencies.is_empty(),
        "{}: seam's extraction differs from Django's registry in {wrong:?}{} (report above)",
        p.name,
        if seam.inconsistencies.is_empty() {
            ""
        } else {
            " and its tables disagree with its maps_to edges"
        }
    );
}

#[test]
fn oscar_matches_django_registry() {
    let dir = cache_root().join("oscar");
    assert_exact(&Project {
        name: "oscar",
        src: dir.join("src"),
        settings: "oscar_settings",
        extra_paths: vec![repo().join("tests/oracle")],
    });
}

#[test]
fn fixture_matches_django_registry() {
    // SEAM_ORACLE_FIXTURE points the test at another Django project (to try the oracle
    // on a project of one's own); by default it is the repo's fixture.
    let src = std::env::var_os("SEAM_ORACLE_FIXTURE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("fixtures/django-shop"));
    assert!(
        src.join("manage.py").is_file(),
        "{}/manage.py is missing: the Django fixture has not landed",
        src.display()
    );
    assert_exact(&Project {
        name: "fixture",
        src,
        settings: "auto",
        extra_paths: vec![],
    });
}

#[test]
fn pretix_figures_against_django_registry() {
    let dir = cache_root().join("pretix");
    let p = Project {
        name: "pretix",
        src: dir.join("src"),
        // pretix's own test settings: a temporary DATA_DIR, sqlite, no config file.
        settings: "pretix.testutils.settings",
        extra_paths: vec![],
    };
    let Some((scores, _seam)) = evaluate(&p) else {
        return;
    };
    let (models, tables) = (&scores[0], &scores[1]);
    assert!(
        models.recall() >= PRETIX_MODEL_RECALL_FLOOR
            && models.precision() >= PRETIX_MODEL_PRECISION_FLOOR
            && tables.recall() >= PRETIX_TABLE_RECALL_FLOOR,
        "pretix: below the floor (models recall >= {PRETIX_MODEL_RECALL_FLOOR}, models precision >= \
         {PRETIX_MODEL_PRECISION_FLOOR}, tables recall >= {PRETIX_TABLE_RECALL_FLOOR}); report above"
    );
}

/// The comparison itself, on a small hand-made pair of documents (no network): it must
/// report agreement as exact and each kind of difference as a difference.
#[test]
fn comparison_detects_every_kind_of_difference() {
    let registry = serde_json::json!({ "models": [
        { "label": "shop.Order", "db_table": "shop_order", "file": "shop/models.py",
          "relations": [
            { "field": "customer", "kind": "fk", "target": "auth.User" },
            { "field": "items", "kind": "m2m", "target": "shop.Item", "through": "shop.Order_items" } ] },
        { "label": "shop.Item", "db_table": "shop_item", "relations": [] },
        { "label": "shop.Special", "db_table": "shop_item", "proxy": true, "relations": [] },
        { "label": "shop.Order_items", "db_table": "shop_order_items", "auto_created": true,
          "relations": [
            { "field": "order", "kind": "fk", "target": "shop.Order" },
            { "field": "item", "kind": "fk", "target": "shop.Item" } ] }
    ]});
    let model = |label: &str, table: &str, attrs: Value| {
        let mut a = attrs;
        a["table"] = Value::from(table);
        serde_json::json!({ "id": format!("model:{label}"), "kind": "model", "name": label, "attrs": a })
    };
    let edge = |from: &str, to: &str, kind: &str, label: Option<&str>| {
        let mut e = serde_json::json!({ "from": from, "to": to, "kind": kind, "weight": 1 });
        if let Some(l) = label {
            e["label"] = Value::from(l);
        }
        e
    };
    let seam = serde_json::json!({
        "nodes": [
            model("shop.Order", "shop_order", serde_json::json!({})),
            model("shop.Item", "shop_item", serde_json::json!({})),
            model("shop.Special", "shop_item", serde_json::json!({ "proxy": "true" })),
            model("shop.Order_items", "shop_order_items", serde_json::json!({ "auto_created": "true" })),
            // Neither an abstract model nor an external one is a registered model.
            model("shop.Base", "shop_base", serde_json::json!({ "abstract": "true" })),
            { "id": "model:auth.User", "kind": "model", "name": "User", "external": true },
        ],
        "edges": [
            edge("model:shop.Order", "model:auth.User", "fk", Some("customer")),
            edge("model:shop.Order", "model:shop.Item", "m2m", Some("items")),
            edge("model:shop.Order_items", "model:shop.Order", "fk", Some("order")),
            edge("model:shop.Order_items", "model:shop.Item", "fk", Some("item")),
            edge("model:shop.Base", "model:auth.User", "fk", Some("owner")),
            edge("model:shop.Order", "table:shop_order", "maps_to", None),
            edge("model:shop.Item", "table:shop_item", "maps_to", None),
            edge("model:shop.Special", "table:shop_item", "maps_to", None),
            edge("model:shop.Order_items", "table:shop_order_items", "maps_to", None),
            edge("model:shop.Base", "table:shop_base", "maps_to", None),
        ]
    });
    let reg = from_registry(&registry);
    let same = from_seam(&seam);
    let scores = compare(&reg, &same);
    assert!(
        scores.iter().all(Score::exact),
        "{}",
        report("self", &scores, &reg, &same)
    );
    assert!(
        same.inconsistencies.is_empty(),
        "{:?}",
        same.inconsistencies
    );
    assert_eq!((scores[2].expected, scores[2].found), (4, 4));

    // Now break it: a wrong table, a lost relation, an invented model, a stray maps_to.
    let mut broken = seam.clone();
    broken["nodes"][1]["attrs"]["table"] = Value::from("item");
    broken["nodes"].as_array_mut().unwrap().push(model(
        "shop.Helper",
        "shop_helper",
        serde_json::json!({}),
    ));
    let edges = broken["edges"].as_array_mut().unwrap();
    edges.retain(|e| e["label"] != "items");
    let theirs = from_seam(&broken);
    let scores = compare(&reg, &theirs);
    let text = report("self", &scores, &reg, &theirs);
    let (models, tables, relations) = (&scores[0], &scores[1], &scores[2]);
    assert_eq!(models.missing, Vec::<String>::new(), "{text}");
    assert_eq!(models.extra, vec!["shop.Helper".to_owned()], "{text}");
    assert_eq!((models.precision(), models.recall()), (0.8, 1.0), "{text}");
    assert_eq!(
        tables.missing,
        vec!["shop.Item -> shop_item".to_owned()],
        "{text}"
    );
    assert_eq!(tables.extra.len(), 2, "{text}");
    assert_eq!(
        relations.missing,
        vec!["shop.Order.items m2m -> shop.Item".to_owned()]
    );
    assert!(relations.extra.is_empty(), "{text}");
    assert!(
        text.contains("shop.Item: Django \"shop_item\", seam \"item\""),
        "{text}"
    );
    // Item's attrs.table no longer matches its maps_to edge; Helper has no maps_to at all.
    assert_eq!(
        theirs.inconsistencies.len(),
        2,
        "{:?}",
        theirs.inconsistencies
    );
}
