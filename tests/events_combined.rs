//! Combined mode on `fixtures/events/combined-shop` (a Django monolith) and
//! `fixtures/events/combined-workshop.yaml`: seeds matched by name, and the
//! disagreements between the workshop and the code.

use std::collections::BTreeSet;
use std::path::Path;

use seam::analyze::{AnalyzeOptions, analyze};
use seam::decomposition::{Context, Decomposition, Stack};
use seam::events::combine::Disagreement;
use seam::events::{disagreements, load_workshop, seeds_from_workshop};
use seam::graph::{Graph, NodeKind};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn workshop() -> seam::events::Workshop {
    let file = "fixtures/events/combined-workshop.yaml";
    let text = std::fs::read_to_string(root().join(file)).unwrap();
    load_workshop(file, &text).unwrap_or_else(|e| panic!("{e}"))
}

fn graph() -> Graph {
    analyze(
        &root().join("fixtures/events/combined-shop"),
        &AnalyzeOptions::default(),
    )
    .expect("fixture analyses")
    .graph
}

/// The split the code's authors chose: one context per Django app, holding the
/// app's modules, models and tables.
fn by_app(graph: &Graph) -> Decomposition {
    let mut d = Decomposition::new("shop");
    let mut groups: BTreeSet<&str> = BTreeSet::new();
    for n in graph.nodes() {
        if let Some(g) = &n.group {
            groups.insert(g);
        }
    }
    for g in groups {
        let mut c = Context::new(g, Stack::Django);
        let mut nodes: Vec<_> = graph
            .nodes()
            .filter(|n| n.group.as_deref() == Some(g) && !n.external)
            .collect();
        nodes.sort_by(|a, b| a.id.cmp(&b.id));
        for n in nodes {
            match n.kind {
                NodeKind::Module => c.modules.push(n.id.clone()),
                NodeKind::Model => c.models.push(n.attrs["label"].clone()),
                NodeKind::Table => c.tables.push(n.name.clone()),
                _ => {}
            }
        }
        d.contexts.push(c);
    }
    d
}

fn ids(seeds: &seam::events::Seeds, context: &str) -> BTreeSet<String> {
    seeds
        .contexts
        .iter()
        .find(|c| c.context == context)
        .unwrap_or_else(|| panic!("no seeds for {context}"))
        .ids()
        .map(str::to_owned)
        .collect()
}

#[test]
fn aggregates_and_data_seed_their_contexts_by_name() {
    let w = workshop();
    let g = graph();
    let seeds = seeds_from_workshop(&w, &g);
    let set = |items: &[&str]| items.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(
        ids(&seeds, "ordering"),
        set(&[
            "model:orders.Order",
            "table:orders_order",
            "model:orders.OrderLine",
            "table:orders_orderline",
        ])
    );
    assert_eq!(
        ids(&seeds, "payments"),
        set(&["model:payments.Payment", "table:payments_payment"])
    );
    assert_eq!(
        ids(&seeds, "catalogue"),
        set(&["model:catalog.Product", "table:catalog_product"])
    );
    // As must-link constraints: every node linked to the first, none twice.
    let pairs = seeds
        .contexts
        .iter()
        .find(|c| c.context == "ordering")
        .unwrap()
        .must_link();
    assert_eq!(pairs.len(), 3);
    let linked: BTreeSet<&String> = pairs.iter().flat_map(|p| p.iter()).collect();
    assert_eq!(linked.len(), 4);
    // `refund` has no model or table in the code.
    assert_eq!(seeds.unmatched.len(), 1, "{:?}", seeds.unmatched);
    assert_eq!(seeds.unmatched[0].data.as_deref(), Some("refund"));
    assert!(seeds.conflicts.is_empty());
    // Seeds are serialisable for the propose stage and its JSON output.
    let json = serde_json::to_string(&seeds).unwrap();
    let back: seam::events::Seeds = serde_json::from_str(&json).unwrap();
    assert_eq!(back, seeds);
}

#[test]
fn a_table_the_workshop_gives_to_ordering_written_by_payments_code_is_reported() {
    let w = workshop();
    let g = graph();
    let d = by_app(&g);
    let found = disagreements(&w, &d, &g);
    let writes: Vec<&Disagreement> = found
        .iter()
        .filter(|x| matches!(x, Disagreement::ForeignAccess { access, .. } if access == "writes"))
        .collect();
    assert_eq!(writes.len(), 1, "{found:#?}");
    let Disagreement::ForeignAccess {
        table,
        owner,
        aggregate,
        accessor,
        code_context,
        code,
        evidence,
        ..
    } = writes[0]
    else {
        unreachable!()
    };
    assert_eq!(table, "orders_order");
    assert_eq!(owner, "ordering");
    assert_eq!(aggregate, "Order");
    assert_eq!(accessor, "payments");
    assert_eq!(code_context, "payments");
    assert_eq!(code, "py:payments.services.capture");
    assert_eq!(evidence[0].to_string(), "payments/services.py:10");
    let diag = writes[0].to_diagnostic("combined-workshop.yaml");
    assert_eq!(diag.file.as_deref(), Some("payments/services.py"));
    assert_eq!(diag.line, Some(10));
    assert!(diag.message.contains("orders_order"), "{diag}");

    // orders code reading the catalogue's product table is reported as a read.
    assert!(found.iter().any(|x| matches!(x,
        Disagreement::ForeignAccess { table, access, accessor, owner, .. }
            if table == "catalog_product" && access == "reads" && accessor == "ordering" && owner == "catalogue")));
    // Workshop data with no table in the code.
    assert!(found.iter().any(|x| matches!(x,
        Disagreement::MissingInCode { data: Some(data), aggregate, .. } if data == "refund" && aggregate == "Payment")));
    // The app split keeps every aggregate whole and every table where the workshop puts it.
    assert!(
        !found.iter().any(|x| matches!(
            x,
            Disagreement::AggregateSplit { .. } | Disagreement::TablePlacedElsewhere { .. }
        )),
        "{found:#?}"
    );
    assert_eq!(found.len(), 3, "{found:#?}");
}

#[test]
fn an_aggregate_the_decomposition_splits_is_reported() {
    let w = workshop();
    let g = graph();
    let mut d = by_app(&g);
    // Move the order lines to payments.
    for c in &mut d.contexts {
        c.tables.retain(|t| t != "orders_orderline");
        c.models.retain(|m| m != "orders.OrderLine");
    }
    let payments = d
        .contexts
        .iter_mut()
        .find(|c| c.name == "payments")
        .unwrap();
    payments.tables.push("orders_orderline".into());
    payments.models.push("orders.OrderLine".into());
    let found = disagreements(&w, &d, &g);
    let split = found
        .iter()
        .find_map(|x| match x {
            Disagreement::AggregateSplit {
                aggregate, placed, ..
            } if aggregate == "Order" => Some(placed),
            _ => None,
        })
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(
        split.keys().map(String::as_str).collect::<Vec<_>>(),
        ["orders", "payments"]
    );
    assert!(found.iter().any(|x| matches!(x,
        Disagreement::TablePlacedElsewhere { table, owner, code_context, .. }
            if table == "orders_orderline" && owner == "ordering" && code_context == "payments")));
}

#[test]
fn a_name_matched_from_two_contexts_is_pinned_to_neither() {
    let text = "\
workshop: shop
aggregates:
  - {name: Order, context: ordering}
  - {name: Billing, context: billing, data: [orders_order]}
commands:
  - {name: PlaceOrder, aggregate: Order, emits: OrderPlaced}
  - {name: Bill, aggregate: Billing, emits: Billed}
events: [OrderPlaced, Billed]
";
    let w = load_workshop("w.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    let g = graph();
    let seeds = seeds_from_workshop(&w, &g);
    assert!(
        seeds
            .conflicts
            .iter()
            .any(|c| c.id == "table:orders_order" && c.matched_by.len() == 2),
        "{seeds:#?}"
    );
    assert!(
        seeds
            .contexts
            .iter()
            .all(|c| c.ids().all(|id| id != "table:orders_order"))
    );
    let found = disagreements(&w, &by_app(&g), &g);
    assert!(found.iter().any(
        |x| matches!(x, Disagreement::AmbiguousMatch { node, .. } if node == "table:orders_order")
    ));
}
