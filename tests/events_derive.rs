//! From workshops to decompositions: drawn contexts, derived contexts, what each
//! publishes, consumes and depends on, and the round trip through decomposition.yaml.

use std::path::Path;

use seam::decomposition::{Decomposition, Stack};
use seam::events::{decomposition_from_workshop, load_workshop};

fn derive(rel: &str) -> Decomposition {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)).unwrap();
    let w = load_workshop(rel, &text).unwrap_or_else(|e| panic!("{e}"));
    decomposition_from_workshop(&w, rel)
}

fn derive_text(text: &str) -> Decomposition {
    let w = load_workshop("w.yaml", text).unwrap_or_else(|e| panic!("{e}"));
    decomposition_from_workshop(&w, "w.yaml")
}

fn names(d: &Decomposition) -> Vec<&str> {
    d.contexts.iter().map(|c| c.name.as_str()).collect()
}

fn deps(d: &Decomposition, context: &str) -> Vec<(String, Vec<String>)> {
    d.context(context)
        .unwrap()
        .depends_on
        .iter()
        .map(|x| (x.context.clone(), x.via.clone()))
        .collect()
}

#[test]
fn drawn_contexts_are_kept_with_their_aggregates_team_and_stack() {
    let d = derive("fixtures/events/shop-workshop.yaml");
    assert_eq!(d.system, "shop");
    assert_eq!(
        d.source.events.as_deref(),
        Some("fixtures/events/shop-workshop.yaml")
    );
    assert_eq!(
        names(&d),
        [
            "users",
            "catalogue",
            "ordering",
            "inventory",
            "payments",
            "shipping",
            "notifications"
        ]
    );
    let ordering = d.context("ordering").unwrap();
    assert_eq!(ordering.team.as_deref(), Some("checkout"));
    assert_eq!(ordering.stack, Stack::Go);
    assert_eq!(ordering.route_prefix.as_deref(), Some("/orders"));
    let entities: Vec<&str> = ordering.entities.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(entities, ["Cart", "Order", "OrderLine"]);
    let order = &ordering.entities[1];
    assert_eq!(order.table.as_deref(), Some("order"));
    assert_eq!(order.fields.len(), 4);
    assert_eq!(
        ordering.tables,
        ["cart", "cart_item", "order", "order_line"]
    );
    assert_eq!(
        ordering.commands,
        [
            "AddToCart",
            "RemoveFromCart",
            "Checkout",
            "PlaceOrder",
            "CancelOrder",
            "MarkOrderPaid",
            "MarkOrderShipped"
        ]
    );
    assert_eq!(
        ordering.publishes,
        [
            "ItemAddedToCart",
            "ItemRemovedFromCart",
            "CartCheckedOut",
            "OrderPlaced",
            "OrderCancelled",
            "OrderPaid",
            "OrderShipped"
        ]
    );
    // Its policies react to other contexts' events and to the payment gateway's.
    assert_eq!(
        ordering.consumes,
        [
            "StockReservationFailed",
            "PaymentFailed",
            "PaymentConfirmed",
            "ShipmentDispatched"
        ]
    );
    assert_eq!(
        deps(&d, "ordering"),
        [
            (
                "catalogue".to_owned(),
                vec!["read model ProductCatalogue (command AddToCart)".to_owned()]
            ),
            (
                "inventory".to_owned(),
                vec!["event StockReservationFailed (policy CancelOrderWhenOutOfStock)".to_owned()]
            ),
            (
                "payments".to_owned(),
                vec!["event PaymentConfirmed (policy MarkOrderPaidOnPayment)".to_owned()]
            ),
            (
                "shipping".to_owned(),
                vec!["event ShipmentDispatched (policy MarkOrderShippedOnDispatch)".to_owned()]
            ),
        ]
    );
    assert!(
        ordering
            .notes
            .iter()
            .any(|n| n.contains("PaymentFailed from external system PaymentGateway"))
    );
    assert!(
        ordering
            .notes
            .iter()
            .any(|n| n.contains("invariant of Order: an order has at least one line"))
    );

    let catalogue = d.context("catalogue").unwrap();
    assert_eq!(catalogue.stack, Stack::Django);
    assert_eq!(
        catalogue.tables,
        ["product", "product_image", "product_category", "category"]
    );
    // The read model it maintains is built partly from inventory's events.
    assert_eq!(catalogue.consumes, ["StockReceived", "StockReleased"]);
    assert_eq!(deps(&d, "catalogue")[0].0, "inventory");

    let payments = d.context("payments").unwrap();
    assert_eq!(payments.consumes, ["StockReserved", "PaymentCaptured"]);
    assert!(
        payments
            .notes
            .iter()
            .any(|n| n.contains("sends CapturePayment to external system PaymentGateway"))
    );
    let shipping = d.context("shipping").unwrap();
    assert_eq!(shipping.stack, Stack::Rust);
    assert!(
        shipping
            .notes
            .iter()
            .any(|n| n.contains("hotspot about Shipment"))
    );
    let notifications = d.context("notifications").unwrap();
    assert_eq!(
        deps(&d, "notifications")
            .iter()
            .map(|x| x.0.as_str())
            .collect::<Vec<_>>(),
        ["users", "ordering", "payments", "shipping"]
    );
    assert!(notifications.publishes == ["NotificationSent"]);
    // Every table has exactly one owner.
    let mut tables: Vec<&String> = d.contexts.iter().flat_map(|c| &c.tables).collect();
    let all = tables.len();
    tables.sort();
    tables.dedup();
    assert_eq!(tables.len(), all);
}

#[test]
fn without_contexts_aggregates_are_grouped_by_strong_links_only() {
    let d = derive("fixtures/events/shop-workshop-derived.yaml");
    // Product and Category share data; Cart and Order are joined by a synchronous
    // policy; everything else is linked by asynchronous policies and read models only.
    assert_eq!(
        names(&d),
        [
            "customers",
            "products",
            "orders",
            "stock-items",
            "payments",
            "shipments",
            "notifications"
        ]
    );
    let products = d.context("products").unwrap();
    assert_eq!(
        products
            .entities
            .iter()
            .map(|e| e.name.as_str())
            .collect::<Vec<_>>(),
        ["Product", "Category"]
    );
    assert!(
        products
            .notes
            .iter()
            .any(|n| n.contains("share data product_category"))
    );
    let orders = d.context("orders").unwrap();
    assert!(
        orders
            .notes
            .iter()
            .any(|n| n.contains("synchronous policy PlaceOrderOnCheckout"))
    );
    assert_eq!(orders.team.as_deref(), Some("checkout"));
    assert_eq!(orders.stack, Stack::Go, "the documented default stack");
    // The catalogue read model lives with the command that reads it.
    assert!(
        orders
            .notes
            .iter()
            .any(|n| n.contains("maintains read model ProductCatalogue"))
    );
    assert!(orders.consumes.contains(&"ProductAdded".to_owned()));
    assert!(deps(&d, "orders").iter().any(|(c, via)| c == "products"
        && via.contains(&"event ProductAdded (read model ProductCatalogue)".to_owned())));
    let stock = d.context("stock-items").unwrap();
    assert_eq!(stock.consumes, ["OrderPlaced", "OrderCancelled"]);
    assert_eq!(deps(&d, "stock-items")[0].0, "orders");
}

#[test]
fn a_command_emitting_another_aggregates_event_is_a_strong_link() {
    let d = derive_text(
        "\
workshop: shop
aggregates: [{name: Cart}, {name: Order}, {name: Invoice}]
commands:
  - {name: Checkout, aggregate: Cart, emits: OrderPlaced}
  - {name: IssueInvoice, aggregate: Invoice, emits: InvoiceIssued}
events:
  - {name: OrderPlaced, aggregate: Order}
  - InvoiceIssued
policies:
  - {name: InvoiceOrder, on: OrderPlaced, issues: IssueInvoice}
",
    );
    assert_eq!(names(&d), ["carts", "invoices"]);
    assert_eq!(d.contexts[0].entities.len(), 2);
    assert_eq!(d.contexts[1].consumes, ["OrderPlaced"]);
    assert_eq!(
        deps(&d, "invoices"),
        [(
            "carts".to_owned(),
            vec!["event OrderPlaced (policy InvoiceOrder)".to_owned()]
        )]
    );
}

#[test]
fn placements_seed_the_derivation_and_are_never_merged() {
    // Cart is unplaced but strongly linked to Order (placed): it joins ordering.
    // Invoice is placed apart though it shares data with Order: kept apart, reported.
    let text = "\
workshop: shop
aggregates:
  - {name: Order, context: ordering, data: [order]}
  - {name: Cart, data: [order, cart]}
  - {name: Payment}
commands:
  - {name: PlaceOrder, aggregate: Order, emits: OrderPlaced}
  - {name: Pay, aggregate: Payment, emits: Paid}
events: [OrderPlaced, Paid]
";
    let d = derive_text(text);
    assert_eq!(names(&d), ["ordering", "payments"]);
    assert_eq!(d.contexts[0].tables, ["order", "cart"]);

    let d = derive_text(
        "\
workshop: shop
aggregates:
  - {name: Order, context: ordering}
  - {name: Invoice, context: billing}
commands:
  - {name: PlaceOrder, aggregate: Order, emits: [OrderPlaced, Invoiced]}
  - {name: Bill, aggregate: Invoice, emits: Invoiced}
events: [OrderPlaced, {name: Invoiced, aggregate: Invoice}]
",
    );
    assert_eq!(names(&d), ["ordering", "billing"]);
    let ordering = d.context("ordering").unwrap();
    assert!(
        ordering
            .notes
            .iter()
            .any(|n| n.contains("strong link to context billing")),
        "{:?}",
        ordering.notes
    );
    assert_eq!(deps(&d, "ordering")[0].0, "billing");
    assert_eq!(deps(&d, "billing")[0].0, "ordering");
}

#[test]
fn every_fixture_round_trips_through_decomposition_yaml() {
    for rel in [
        "fixtures/events/shop-workshop.yaml",
        "fixtures/events/shop-workshop-derived.yaml",
        "fixtures/events/combined-workshop.yaml",
    ] {
        let mut d = derive(rel);
        let yaml = seam::decomposition::write::to_yaml(&d);
        assert!(yaml.contains("  # "), "notes are written as comments");
        let mut back = seam::decomposition::load::load("decomposition.yaml", &yaml)
            .unwrap_or_else(|e| panic!("{rel}: {e}\n{yaml}"));
        for c in d.contexts.iter_mut().chain(back.contexts.iter_mut()) {
            c.notes.clear();
        }
        assert_eq!(back, d, "{rel}");
    }
}
