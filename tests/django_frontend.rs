//! Golden tests of the Django front-end on `fixtures/django-shop`, against the
//! hand-written and Django-verified `fixtures/django-shop/EXPECTED.md`: data access per
//! function and view, calls, routes, apps. (Models, tables and relations are checked
//! against Django's own registry by `tests/django_oracle.rs`.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use seam::analyze::{AnalyzeOptions, analyze};
use seam::graph::{EdgeKind, Graph, NodeKind};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/django-shop")
}

fn shop_graph() -> Graph {
    analyze(&fixture(), &AnalyzeOptions::default())
        .expect("fixture analyses")
        .graph
}

fn expected_md() -> String {
    std::fs::read_to_string(fixture().join("EXPECTED.md")).expect("EXPECTED.md")
}

/// The rows of the markdown table under `## <heading>`.
fn table_rows(md: &str, heading: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut inside = false;
    for line in md.lines() {
        if line.starts_with("## ") {
            inside = line.starts_with(&format!("## {heading}"));
            continue;
        }
        if !inside || !line.starts_with('|') || line.starts_with("|---") {
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('|')
            .split('|')
            .map(|c| c.trim().to_owned())
            .collect();
        rows.push(cells);
    }
    rows.remove(0); // header
    rows
}

/// Backticked names in a cell; a trailing `?` marks a tolerated (optional) entry.
fn names(cell: &str) -> Vec<(String, bool)> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(|n| match n.strip_suffix('?') {
            Some(n) => (n.to_owned(), true),
            None => (n.to_owned(), false),
        })
        .collect()
}

fn accesses(graph: &Graph, id: &str, kind: EdgeKind) -> BTreeSet<String> {
    graph
        .outgoing(id)
        .filter(|(_, e)| e.kind == kind)
        .map(|(n, _)| n.name.clone())
        .collect()
}

#[test]
fn data_access_matches_expected_md() {
    let graph = shop_graph();
    let md = expected_md();
    let mut failures = Vec::new();
    let mut checked = 0;
    for row in table_rows(&md, "Data access per function") {
        let code = names(&row[0])[0].0.clone();
        let id = format!("py:{code}");
        if !graph.contains(&id) {
            failures.push(format!("{code}: no such node in the graph"));
            continue;
        }
        for (col, kind) in [(1, EdgeKind::Reads), (2, EdgeKind::Writes)] {
            let expected = names(&row[col]);
            let required: BTreeSet<String> = expected
                .iter()
                .filter(|(_, optional)| !optional)
                .map(|(n, _)| n.clone())
                .collect();
            let allowed: BTreeSet<String> = expected.iter().map(|(n, _)| n.clone()).collect();
            let found = accesses(&graph, &id, kind);
            let missing: Vec<_> = required.difference(&found).collect();
            let extra: Vec<_> = found.difference(&allowed).collect();
            if !missing.is_empty() || !extra.is_empty() {
                failures.push(format!(
                    "{code} {}: missing {missing:?}, unexpected {extra:?}",
                    kind.as_str()
                ));
            }
            checked += 1;
        }
    }
    assert!(checked > 100, "the table was not read ({checked} checks)");
    assert!(
        failures.is_empty(),
        "data access differs from EXPECTED.md:\n  {}",
        failures.join("\n  ")
    );
}

#[test]
fn calls_match_expected_md() {
    let graph = shop_graph();
    let md = expected_md();
    let mut failures = Vec::new();
    for row in table_rows(&md, "Calls") {
        let callee = names(&row[1])[0].0.clone();
        if callee.starts_with("django.") {
            continue; // outside the tree: no node to call
        }
        for (caller, _) in names(&row[0]) {
            // `inventory.services.reserve_stock`, `release_stock`: later names share the module.
            let caller = if caller.contains('.') {
                caller
            } else {
                let first = names(&row[0])[0].0.clone();
                format!("{}.{caller}", first.rsplit_once('.').unwrap().0)
            };
            let from = format!("py:{caller}");
            let to = format!("py:{callee}");
            let found = graph
                .outgoing(&from)
                .any(|(n, e)| e.kind == EdgeKind::Calls && n.id == to);
            if !found {
                failures.push(format!("{caller} -> {callee} ({})", row[2]));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "missing calls:\n  {}",
        failures.join("\n  ")
    );
}

#[test]
fn routes_match_expected_md() {
    let graph = shop_graph();
    let md = expected_md();
    let found: BTreeMap<String, String> = graph
        .edges()
        .filter(|(_, _, e)| e.kind == EdgeKind::RoutesTo)
        .map(|(route, view, _)| (route.name.clone(), view.id.clone()))
        .collect();
    let mut expected = BTreeMap::new();
    for row in table_rows(&md, "Routes") {
        let path = names(&row[0])[0].0.clone();
        let view = names(&row[1])[0].0.clone();
        if view.starts_with("rest_framework.") {
            continue; // DRF's API root view lives outside the tree
        }
        expected.insert(path, format!("py:{view}"));
    }
    assert_eq!(found, expected);
    // Methods come from decorators, generic bases and viewset mixins.
    let methods = |path: &str| {
        graph
            .node(&format!("route:{path}"))
            .and_then(|n| n.attrs.get("methods").cloned())
            .unwrap_or_default()
    };
    assert_eq!(methods("/api/payments/charge/{order_id}/"), "POST");
    assert_eq!(methods("/api/orders/{pk}/"), "DELETE,GET,PATCH,PUT");
    assert_eq!(methods("/catalog/new/"), "GET,POST");
}

#[test]
fn apps_group_code_and_models_by_label() {
    let graph = shop_graph();
    // The `inventory` package is the app labelled `stock` (AppConfig.label).
    let module = graph.node("py:inventory.services").unwrap();
    assert_eq!(module.group.as_deref(), Some("stock"));
    assert_eq!(module.kind, NodeKind::Module);
    assert!(module.loc.unwrap() > 0);
    // A model defined outside its app belongs to its Meta.app_label.
    let audit = graph.node("model:notifications.AuditEntry").unwrap();
    assert_eq!(audit.group.as_deref(), Some("notifications"));
    assert_eq!(audit.file.as_deref(), Some("common/audit.py"));
    // Model classes are model nodes holding their methods.
    let method = graph.node("py:orders.models.Order.recalculate").unwrap();
    assert_eq!(method.kind, NodeKind::Method);
    assert_eq!(method.parent.as_deref(), Some("model:orders.Order"));
    // Tests and migrations are not analysed by default.
    assert!(graph.node("py:orders.tests").is_none());
    assert!(graph.node("py:shipping.migrations.0001_initial").is_none());
}

#[test]
fn imports_resolve_every_form() {
    let graph = shop_graph();
    let imports = |from: &str| -> BTreeSet<String> {
        graph
            .outgoing(&format!("py:{from}"))
            .filter(|(_, e)| e.kind == EdgeKind::Imports)
            .map(|(n, _)| n.id.trim_start_matches("py:").to_owned())
            .collect()
    };
    let orders_services = imports("orders.services");
    // `from inventory.services import reserve_stock as reserve`
    assert!(
        orders_services.contains("inventory.services"),
        "{orders_services:?}"
    );
    // `import notifications.services as notify`
    assert!(
        orders_services.contains("notifications.services"),
        "{orders_services:?}"
    );
    // `from .models import ...` (relative)
    assert!(
        orders_services.contains("orders.models"),
        "{orders_services:?}"
    );
    // `from ..utils import unique_slug` two levels up from catalog.models.product
    assert!(imports("catalog.models.product").contains("catalog.utils"));
    // Every import edge has evidence pointing at the import line.
    for (from, _, e) in graph
        .edges()
        .filter(|(_, _, e)| e.kind == EdgeKind::Imports)
    {
        assert!(
            e.evidence
                .iter()
                .all(|ev| Some(&ev.file) == from.file.as_ref() && ev.line > 0),
            "{from:?}"
        );
    }
}

#[test]
fn cross_app_writes_carry_evidence() {
    let graph = shop_graph();
    let writes: Vec<_> = graph
        .outgoing("py:payments.services.mark_order_paid")
        .filter(|(_, e)| e.kind == EdgeKind::Writes)
        .collect();
    assert_eq!(writes.len(), 1);
    let (table, edge) = writes[0];
    assert_eq!(table.name, "sales_order");
    assert_eq!(table.group.as_deref(), Some("orders"));
    assert_eq!(edge.evidence[0].file, "payments/services.py");
    let text = std::fs::read_to_string(fixture().join("payments/services.py")).unwrap();
    let line = text
        .lines()
        .nth(edge.evidence[0].line as usize - 1)
        .unwrap();
    assert!(line.contains("update"), "evidence points at {line:?}");
}
