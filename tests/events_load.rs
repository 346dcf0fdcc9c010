//! Loading and validating event-storming workshops: every rule, each at its line and
//! column, all problems at once, the shorthand forms, and a loader that never panics.

use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;
use seam::diagnostics::Severity;
use seam::events::load_workshop;

fn read(rel: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// (fixture under fixtures/events/invalid, code, line, column, part of the message)
#[rustfmt::skip]
const RULES: &[(&str, &str, u32, u32, &str)] = &[
    ("unknown-field.yaml", "yaml", 8, 5, "unknown field `emit`"),
    ("syntax-error.yaml", "yaml", 6, 9, "did not find expected"),
    ("wrong-type.yaml", "yaml", 7, 12, "unknown variant `cobol`"),
    ("invalid-workshop-name.yaml", "invalid-name", 2, 11, "\"My Shop\""),
    ("invalid-context-name.yaml", "invalid-name", 5, 14, "\"Ordering_Service\""),
    ("invalid-aggregate-name.yaml", "invalid-name", 4, 11, "\"order line\""),
    ("invalid-data-name.yaml", "invalid-name", 5, 19, "\"order-line\""),
    ("invalid-field-name.yaml", "invalid-name", 8, 20, "\"id\""),
    ("duplicate-name.yaml", "duplicate-name", 9, 5, "first at line 8"),
    ("unknown-actor.yaml", "unknown-actor", 7, 31, "did you mean `Customer`"),
    ("unknown-aggregate.yaml", "unknown-aggregate", 7, 16, "did you mean `Order`"),
    ("unknown-event.yaml", "unknown-event", 8, 26, "\"OrderConfirmd\""),
    ("unknown-policy-event.yaml", "unknown-event", 9, 23, "\"OrderFailed\""),
    ("unknown-read-model-source.yaml", "unknown-event", 10, 25, "\"OrderShipped\""),
    ("unknown-policy-command.yaml", "unknown-command", 11, 13, "\"ReserveStock\""),
    ("unknown-read-model.yaml", "unknown-read-model", 6, 70, "did you mean `ProductCatalogue`"),
    ("unknown-context.yaml", "unknown-context", 5, 30, "\"billing\""),
    ("unknown-hotspot-target.yaml", "unknown-name", 9, 44, "\"Returns\""),
    ("unemitted-event.yaml", "unemitted-event", 9, 5, "\"OrderShipped\""),
    ("unhandled-command.yaml", "unhandled-command", 7, 11, "\"CapturePayment\""),
    ("command-handled-twice.yaml", "command-handled-twice", 10, 16, "aggregate \"Payment\""),
    ("aggregate-in-two-contexts.yaml", "aggregate-in-two-contexts", 13, 27, "\"ordering\" at line 4"),
    ("shared-data.yaml", "shared-data", 5, 55, "\"order_line\""),
    ("empty-context.yaml", "empty-context", 10, 11, "\"billing\""),
    ("team-conflict.yaml", "team-conflict", 6, 11, "\"checkout\""),
    ("invalid-route.yaml", "invalid-route", 10, 19, "/orders/`x`"),
    ("duplicate-route.yaml", "duplicate-route", 13, 11, "/cart"),
    ("invalid-text.yaml", "invalid-text", 10, 18, "template syntax"),
    ("no-aggregates.yaml", "no-aggregates", 2, 11, "no aggregates"),
    ("empty-policy.yaml", "empty-policy", 9, 12, "\"Whatever\""),
];

#[test]
fn every_rule_is_reported_at_its_line_and_column_with_help() {
    for &(name, code, line, column, fragment) in RULES {
        let file = format!("fixtures/events/invalid/{name}");
        let err = load_workshop(&file, &read(&file))
            .err()
            .unwrap_or_else(|| panic!("{name} loaded without errors"));
        // Each fixture breaks exactly one rule.
        assert_eq!(err.diagnostics.len(), 1, "{name}: {err}");
        let d = &err.diagnostics[0];
        assert_eq!(d.code, code, "{name}: {d}");
        assert_eq!(
            (d.line, d.column),
            (Some(line), Some(column)),
            "{name}: {d}"
        );
        assert!(d.message.contains(fragment), "{name}: {d}");
        assert_eq!(d.severity, Severity::Error);
        assert_eq!(d.file.as_deref(), Some(file.as_str()));
        assert!(d.help.as_deref().is_some_and(|h| !h.is_empty()), "{name}");
    }
}

#[test]
fn every_invalid_fixture_is_in_the_rule_table() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/events/invalid");
    let on_disk: BTreeSet<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let tested: BTreeSet<String> = RULES.iter().map(|r| r.0.to_owned()).collect();
    assert_eq!(on_disk, tested);
}

#[test]
fn all_problems_are_reported_at_once() {
    let text = "\
workshop: shop
actors: [Customer]
aggregates:
  - {name: Order, context: ordering, data: [order]}
  - {name: Invoice, context: billing, data: [order]}
commands:
  - {name: PlaceOrder, actor: Clerk, aggregate: Order, emits: [OrderPlaced, OrderPaid]}
  - {name: Bill}
events: [OrderPlaced, OrderShipped]
policies:
  - {name: BillOnOrder, on: OrderPlaced, issues: BillIt}
contexts:
  - name: ordering
";
    let err = load_workshop("w.yaml", text).unwrap_err();
    let found: BTreeSet<(String, u32)> = err
        .diagnostics
        .iter()
        .map(|d| (d.code.clone(), d.line.unwrap()))
        .collect();
    for expected in [
        ("unknown-context", 5),
        ("unknown-actor", 7),
        ("unknown-event", 7),
        ("unhandled-command", 8),
        ("unemitted-event", 9),
        ("unknown-command", 11),
    ] {
        assert!(
            found.contains(&(expected.0.to_owned(), expected.1)),
            "{expected:?} not in {found:?}"
        );
    }
}

#[test]
fn the_realistic_workshops_are_valid() {
    for file in [
        "fixtures/events/shop-workshop.yaml",
        "fixtures/events/shop-workshop-derived.yaml",
        "fixtures/events/combined-workshop.yaml",
    ] {
        let w = load_workshop(file, &read(file)).unwrap_or_else(|e| panic!("{e}"));
        assert!(w.aggregates.len() >= 3, "{file}");
    }
    let w = load_workshop(
        "shop-workshop.yaml",
        &read("fixtures/events/shop-workshop.yaml"),
    )
    .unwrap();
    assert!(w.commands.len() >= 20 && w.events.len() >= 20);
    assert_eq!(w.contexts.len(), 7);
}

#[test]
fn names_can_be_written_short_or_as_mappings() {
    let text = "\
workshop: shop
actors:
  - Customer
  - {name: Clerk, description: Works in the shop.}
aggregates:
  - name: Order
    data:
      - order
      - {name: order_line, fields: [{name: quantity, type: int}]}
commands:
  - {name: PlaceOrder, actor: Customer, aggregate: Order, emits: OrderPlaced}
  - {name: CancelOrder, actor: Clerk, aggregate: Order, emits: [OrderCancelled]}
events:
  - OrderPlaced
  - {name: OrderCancelled, aggregate: Order}
policies:
  - {name: Undo, on: [OrderPlaced, OrderCancelled], issues: CancelOrder}
hotspots:
  - Who cancels?
  - {text: 'Refunds?', about: CancelOrder}
";
    let w = load_workshop("w.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(w.actors[0].name, "Customer");
    assert_eq!(w.actors[1].description, "Works in the shop.");
    assert_eq!(w.aggregates[0].data[0].name, "order");
    assert_eq!(w.aggregates[0].data[1].fields[0].name, "quantity");
    assert_eq!(w.commands[0].emits, ["OrderPlaced"]);
    assert_eq!(w.events[1].aggregate.as_deref(), Some("Order"));
    assert_eq!(w.policies[0].on.len(), 2);
    assert_eq!(w.policies[0].issues, ["CancelOrder"]);
    assert_eq!(w.hotspots[0].text, "Who cancels?");
    assert_eq!(w.hotspots[1].about.as_deref(), Some("CancelOrder"));

    // An error inside the long form keeps its line.
    let err = load_workshop(
        "w.yaml",
        "workshop: shop\nactors:\n  - Customer\n  - name: Clerk\n    role: x\n",
    )
    .unwrap_err();
    assert_eq!(err.diagnostics[0].line, Some(5), "{err}");
    assert!(err.diagnostics[0].message.contains("unknown field `role`"));
}

const SHOP: &str = include_str!("../fixtures/events/shop-workshop.yaml");

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn loader_never_panics_on_arbitrary_text(text in "\\PC{0,400}") {
        let _ = load_workshop("w.yaml", &text);
    }

    #[test]
    fn loader_never_panics_on_yaml_like_text(text in "[a-z_:\\-\\[\\]{}, \\n#&*!|>'\"0-9]{0,300}") {
        let _ = load_workshop("w.yaml", &text);
    }

    #[test]
    fn loader_survives_cut_and_spliced_workshops(
        cut in 0usize..SHOP.len(),
        len in 0usize..40,
        insert in "[\\[\\]{}:,'\"\\n -]{0,6}|[A-Za-z]{1,12}",
    ) {
        let start = (0..=cut).rev().find(|&i| SHOP.is_char_boundary(i)).unwrap();
        let end = (start + len).min(SHOP.len());
        let end = (end..=SHOP.len()).find(|&i| SHOP.is_char_boundary(i)).unwrap();
        let text = format!("{}{insert}{}", &SHOP[..start], &SHOP[end..]);
        if let Ok(w) = load_workshop("w.yaml", &text) {
            // Whatever still loads derives a decomposition that loads back.
            let d = seam::events::decomposition_from_workshop(&w, "w.yaml");
            let yaml = seam::decomposition::write::to_yaml(&d);
            prop_assert!(seam::decomposition::load::load("d.yaml", &yaml).is_ok(), "{}", yaml);
        }
    }

    #[test]
    fn loader_survives_dropped_and_repeated_lines(drop in 0usize..200, repeat in 0usize..200) {
        let lines: Vec<&str> = SHOP.lines().collect();
        let mut out = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if i == drop % lines.len() {
                continue;
            }
            out.push(*line);
            if i == repeat % lines.len() {
                out.push(*line);
            }
        }
        let text = out.join("\n");
        if let Ok(w) = load_workshop("w.yaml", &text) {
            let d = seam::events::decomposition_from_workshop(&w, "w.yaml");
            let yaml = seam::decomposition::write::to_yaml(&d);
            prop_assert!(seam::decomposition::load::load("d.yaml", &yaml).is_ok(), "{}", yaml);
        }
    }
}
