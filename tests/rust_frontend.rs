//! The Rust front-end on the `fixtures/rust-shop` workspace: crates, modules, imports,
//! calls, diesel, sqlx, SeaORM and routes, plus bad input.

use std::path::Path;
use std::sync::OnceLock;

use seam::analyze::{Analysis, AnalyzeOptions, analyze};
use seam::graph::{EdgeKind, Graph, Lang, NodeKind};

fn shop() -> &'static Analysis {
    static SHOP: OnceLock<Analysis> = OnceLock::new();
    SHOP.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rust-shop");
        analyze(&root, &AnalyzeOptions::default()).expect("fixture analyses")
    })
}

fn graph() -> &'static Graph {
    &shop().graph
}

fn has_edge(from: &str, to: &str, kind: EdgeKind) -> bool {
    graph()
        .edges()
        .any(|(a, b, e)| a.id == from && b.id == to && e.kind == kind)
}

fn edge_label(from: &str, to: &str, kind: EdgeKind) -> Option<String> {
    graph()
        .edges()
        .find(|(a, b, e)| a.id == from && b.id == to && e.kind == kind)
        .and_then(|(_, _, e)| e.label.clone())
}

fn targets(from: &str, kind: EdgeKind) -> Vec<String> {
    let mut out: Vec<String> = graph()
        .outgoing(from)
        .filter(|(_, e)| e.kind == kind)
        .map(|(n, _)| n.id.clone())
        .collect();
    out.sort();
    out
}

#[track_caller]
fn assert_edge(from: &str, to: &str, kind: EdgeKind) {
    assert!(
        has_edge(from, to, kind),
        "missing {} edge {from} -> {to}; {from} has {:?}",
        kind.as_str(),
        targets(from, kind)
    );
}

#[test]
fn fixture_analyses_without_warnings() {
    assert!(
        shop().diagnostics.is_empty(),
        "unexpected diagnostics: {:?}",
        shop().diagnostics
    );
}

#[test]
fn crates_come_from_manifests_with_lib_names_bins_and_workspace_globs() {
    // `[lib] name = "shop"` wins over the package name `shop-app`.
    let lib = graph().node("rs:shop").expect("library crate root");
    assert_eq!(lib.kind, NodeKind::Module);
    assert_eq!(lib.file.as_deref(), Some("crates/shop/src/lib.rs"));
    // `src/main.rs` is the binary crate named after the package, `-` → `_`.
    assert_eq!(
        graph().node("rs:shop_app").and_then(|n| n.file.as_deref()),
        Some("crates/shop/src/main.rs")
    );
    // A second workspace member found through `members = ["crates/*"]`.
    assert!(graph().contains("rs:shop_common::money"));
    assert!(!graph().contains("rs:shop_app::orders"));
}

#[test]
fn module_tree_follows_files_mod_rs_path_attributes_and_inline_modules() {
    let expect = [
        ("rs:shop::catalog", "crates/shop/src/catalog.rs", "rs:shop"),
        // `catalog.rs` declares `products`, found in `catalog/products.rs`.
        (
            "rs:shop::catalog::products",
            "crates/shop/src/catalog/products.rs",
            "rs:shop::catalog",
        ),
        (
            "rs:shop::orders",
            "crates/shop/src/orders/mod.rs",
            "rs:shop",
        ),
        // `#[path = "payments_impl/mod.rs"] mod payments;` and its child beside it.
        (
            "rs:shop::payments",
            "crates/shop/src/payments_impl/mod.rs",
            "rs:shop",
        ),
        (
            "rs:shop::payments::gateway",
            "crates/shop/src/payments_impl/gateway.rs",
            "rs:shop::payments",
        ),
        // Inline `pub mod db { … }`.
        ("rs:shop::db", "crates/shop/src/lib.rs", "rs:shop"),
    ];
    for (id, file, parent) in expect {
        let node = graph()
            .node(id)
            .unwrap_or_else(|| panic!("module {id} missing"));
        assert_eq!(node.kind, NodeKind::Module, "{id}");
        assert_eq!(node.file.as_deref(), Some(file), "{id}");
        assert_eq!(node.parent.as_deref(), Some(parent), "{id}");
        assert_eq!(node.lang, Some(Lang::Rust), "{id}");
        assert!(node.loc.is_some_and(|l| l > 0), "{id} has no loc");
        assert_edge(parent, id, EdgeKind::Contains);
    }
    assert_eq!(graph().node("rs:shop::db").unwrap().line, Some(11));
    // `#[cfg(test)] mod tests` is not part of any service.
    assert!(!graph().contains("rs:shop::tests"));
}

#[test]
fn items_are_typed_grouped_and_contained() {
    let f = graph()
        .node("rs:shop::orders::service::place_order")
        .unwrap();
    assert_eq!(f.kind, NodeKind::Function);
    assert_eq!(f.group.as_deref(), Some("shop::orders"));
    assert_eq!(f.file.as_deref(), Some("crates/shop/src/orders/service.rs"));
    assert_eq!(f.line, Some(8));
    assert_edge(
        "rs:shop::orders::service",
        "rs:shop::orders::service::place_order",
        EdgeKind::Contains,
    );

    let ty = graph().node("rs:shop::orders::model::Order").unwrap();
    assert_eq!(ty.kind, NodeKind::Type);
    let method = graph()
        .node("rs:shop::orders::model::Order::is_open")
        .unwrap();
    assert_eq!(method.kind, NodeKind::Method);
    assert_eq!(
        method.parent.as_deref(),
        Some("rs:shop::orders::model::Order")
    );
    assert_edge(
        "rs:shop::orders::model::Order",
        "rs:shop::orders::model::Order::is_open",
        EdgeKind::Contains,
    );
    // Items at the crate root are grouped by the crate.
    assert_eq!(
        graph().node("rs:shop_app::main").unwrap().group.as_deref(),
        Some("shop_app")
    );
    assert_eq!(
        graph()
            .node("rs:shop::db::connect")
            .unwrap()
            .group
            .as_deref(),
        Some("shop::db")
    );
}

#[test]
fn use_declarations_become_module_imports() {
    // `use crate::schema::{order_lines, orders, users};` (a group).
    assert_edge(
        "rs:shop::orders::service",
        "rs:shop::schema",
        EdgeKind::Imports,
    );
    // `use crate::users::service::find_user;` (an item, counted for its module).
    assert_edge(
        "rs:shop::orders::service",
        "rs:shop::users::service",
        EdgeKind::Imports,
    );
    // `use super::{NewUser, User};` through the `pub use models::…` re-export.
    assert_edge(
        "rs:shop::users::service",
        "rs:shop::users::models",
        EdgeKind::Imports,
    );
    // `use crate::users::service as users_service;` (a rename).
    assert_edge("rs:shop::web", "rs:shop::users::service", EdgeKind::Imports);
    // Across workspace crates: `use shop_common::money::Money;`.
    assert_edge(
        "rs:shop::payments::gateway",
        "rs:shop_common::money",
        EdgeKind::Imports,
    );
    // `use diesel::prelude::*` names nothing in the workspace.
    assert!(
        targets("rs:shop::users::models", EdgeKind::Imports)
            .iter()
            .all(|t| t.starts_with("rs:shop"))
    );
}

#[test]
fn static_calls_resolve() {
    let place = "rs:shop::orders::service::place_order";
    // An imported name.
    assert_edge(place, "rs:shop::users::service::find_user", EdgeKind::Calls);
    // `crate::payments::charge(..)`.
    assert_edge(place, "rs:shop::payments::charge", EdgeKind::Calls);
    // `Order::open(..)`: a type's associated function.
    assert_edge(
        place,
        "rs:shop::orders::model::Order::open",
        EdgeKind::Calls,
    );
    // `Self::validate(..)` and `self.status_is(..)` inside the impl.
    assert_edge(
        "rs:shop::orders::model::Order::open",
        "rs:shop::orders::model::Order::validate",
        EdgeKind::Calls,
    );
    assert_edge(
        "rs:shop::orders::model::Order::is_open",
        "rs:shop::orders::model::Order::status_is",
        EdgeKind::Calls,
    );
    // A relative path into a child module, and a call across crates (bin → lib).
    assert_edge(
        "rs:shop::payments::charge",
        "rs:shop::payments::gateway::submit",
        EdgeKind::Calls,
    );
    assert_edge("rs:shop_app::main", "rs:shop::db::connect", EdgeKind::Calls);
    // `order.is_open()` needs type inference: not claimed.
    assert!(!has_edge(
        place,
        "rs:shop::orders::model::Order::is_open",
        EdgeKind::Calls
    ));
}

#[test]
fn diesel_tables_models_and_relations() {
    for (table, file_line) in [
        ("users", 4),
        ("catalog_products", 14),
        ("tags", 20),
        ("orders", 27),
        ("order_lines", 35),
    ] {
        let node = graph()
            .node(&format!("table:{table}"))
            .unwrap_or_else(|| panic!("table {table} missing"));
        assert_eq!(node.kind, NodeKind::Table);
        assert_eq!(node.file.as_deref(), Some("crates/shop/src/schema.rs"));
        assert_eq!(node.line, Some(file_line), "{table}");
    }
    // `#[sql_name = "catalog_products"] products (id)` has no `products` table.
    assert!(!graph().contains("table:products"));

    let cases = [
        // `#[diesel(table_name = crate::schema::users)]`
        ("model:shop::users::models::User", "users"),
        // `#[diesel(table_name = users)]` on an `Insertable`
        ("model:shop::users::models::NewUser", "users"),
        // legacy `#[table_name = "products"]` → the module's sql_name
        ("model:shop::catalog::products::Product", "catalog_products"),
        // no attribute: `Tag` → `tags`
        ("model:shop::catalog::products::Tag", "tags"),
        ("model:shop::orders::model::Order", "orders"),
    ];
    for (model, table) in cases {
        let node = graph()
            .node(model)
            .unwrap_or_else(|| panic!("{model} missing"));
        assert_eq!(node.kind, NodeKind::Model);
        assert_eq!(node.attrs.get("table").map(String::as_str), Some(table));
        assert_edge(model, &format!("table:{table}"), EdgeKind::MapsTo);
    }
    assert_eq!(
        graph().node("table:orders").unwrap().group.as_deref(),
        Some("shop::orders")
    );

    // `joinable!(orders -> users (user_id))`: between the row models (not `NewUser`).
    assert_eq!(
        edge_label(
            "model:shop::orders::model::Order",
            "model:shop::users::models::User",
            EdgeKind::Fk
        )
        .as_deref(),
        Some("user_id")
    );
    assert_edge(
        "model:shop::orders::model::OrderLine",
        "model:shop::catalog::products::Product",
        EdgeKind::Fk,
    );
    assert!(!has_edge(
        "model:shop::orders::model::Order",
        "model:shop::users::models::NewUser",
        EdgeKind::Fk
    ));
}

#[test]
fn diesel_reads_and_writes_are_attributed_to_functions() {
    let svc = "rs:shop::users::service";
    // `use crate::schema::users::dsl::*; users.find(id).first(conn)`
    assert_edge(&format!("{svc}::find_user"), "table:users", EdgeKind::Reads);
    // `diesel::insert_into(users::table).values(..).get_result(..)` writes, not reads.
    assert_edge(
        &format!("{svc}::create_user"),
        "table:users",
        EdgeKind::Writes,
    );
    assert!(!has_edge(
        &format!("{svc}::create_user"),
        "table:users",
        EdgeKind::Reads
    ));
    assert_edge(
        &format!("{svc}::list_users"),
        "table:users",
        EdgeKind::Reads,
    );
    let orders = "rs:shop::orders::service";
    assert_edge(
        &format!("{orders}::place_order"),
        "table:orders",
        EdgeKind::Writes,
    );
    // Inside a transaction closure: delete and update.
    assert_edge(
        &format!("{orders}::cancel_order"),
        "table:order_lines",
        EdgeKind::Writes,
    );
    assert_edge(
        &format!("{orders}::cancel_order"),
        "table:orders",
        EdgeKind::Writes,
    );
    // A join reads both tables.
    assert_eq!(
        targets(&format!("{orders}::orders_with_emails"), EdgeKind::Reads),
        vec!["table:orders".to_string(), "table:users".to_string()]
    );
    assert!(targets(&format!("{orders}::orders_with_emails"), EdgeKind::Writes).is_empty());
}

#[test]
fn sqlx_sql_is_parsed_for_tables() {
    let products = "rs:shop::catalog::products";
    // `sqlx::query!("SELECT … FROM catalog_products …")`
    assert_eq!(
        targets(&format!("{products}::product_name"), EdgeKind::Reads),
        vec!["table:catalog_products".to_string()]
    );
    // `sqlx::query_as::<_, T>("UPDATE catalog_products …")`
    assert_edge(
        &format!("{products}::take_stock"),
        "table:catalog_products",
        EdgeKind::Writes,
    );
    // `sqlx::query("INSERT INTO payments …")` and `query_scalar!("SELECT COUNT(*) FROM payments …")`.
    let record = "rs:shop::payments::gateway::record";
    assert_edge(record, "table:payments", EdgeKind::Writes);
    assert_edge(record, "table:payments", EdgeKind::Reads);
}

#[test]
fn seaorm_entities_relations_and_access() {
    let review = "model:shop::entities::review::Model";
    let reviewer = "model:shop::entities::reviewer::Model";
    for (model, table) in [(review, "reviews"), (reviewer, "reviewers")] {
        let node = graph().node(model).unwrap();
        assert_eq!(node.kind, NodeKind::Model);
        assert_eq!(node.attrs.get("table").map(String::as_str), Some(table));
        assert_edge(model, &format!("table:{table}"), EdgeKind::MapsTo);
    }
    // `belongs_to = "super::reviewer::Entity", from = "Column::ReviewerId"`; the
    // reviewer's `has_many` says the same relation and adds no second edge.
    assert_eq!(
        edge_label(review, reviewer, EdgeKind::Fk).as_deref(),
        Some("reviewer_id")
    );
    assert_eq!(
        graph()
            .edges()
            .filter(|(_, _, e)| e.kind == EdgeKind::Fk)
            .filter(|(a, _, _)| a.id.starts_with("model:shop::entities"))
            .count(),
        1
    );
    let svc = "rs:shop::catalog::reviews";
    // `Review::find()` through the prelude's `pub use … Entity as Review`.
    assert_edge(
        &format!("{svc}::list_reviews"),
        "table:reviews",
        EdgeKind::Reads,
    );
    // `let draft = review::ActiveModel { … }; draft.insert(db)`
    assert_edge(
        &format!("{svc}::add_review"),
        "table:reviews",
        EdgeKind::Writes,
    );
    assert_edge(
        &format!("{svc}::purge_reviews"),
        "table:reviews",
        EdgeKind::Writes,
    );
    assert_edge(
        &format!("{svc}::reviewer_name"),
        "table:reviewers",
        EdgeKind::Reads,
    );
}

#[test]
fn axum_routes_with_nested_prefixes() {
    let expect = [
        ("route:GET /health", "rs:shop::web::health"),
        // `.nest("/api", api_routes())` → `.nest("/v1", users)` with `users` a `let`.
        (
            "route:GET /api/v1/users",
            "rs:shop::users::service::list_users",
        ),
        (
            "route:POST /api/v1/users",
            "rs:shop::users::service::create_user_handler",
        ),
        (
            "route:GET /api/v1/users/{id}",
            "rs:shop::users::service::get_user",
        ),
        // `.merge(crate::catalog::routes())`
        (
            "route:GET /products",
            "rs:shop::catalog::products::list_products",
        ),
    ];
    for (route, handler) in expect {
        let node = graph()
            .node(route)
            .unwrap_or_else(|| panic!("{route} missing"));
        assert_eq!(node.kind, NodeKind::Route);
        assert_edge(route, handler, EdgeKind::RoutesTo);
    }
    // Nested routers are not also served at the root.
    assert!(!graph().contains("route:GET /users"));
    assert!(!graph().contains("route:GET /v1/users"));
}

#[test]
fn actix_routes_with_scopes_resources_and_attribute_macros() {
    let svc = "rs:shop::orders::service";
    let expect = [
        // `#[get("/orders/{id}")]` mounted by `.service(get_order)` in `web::scope("/shop")`.
        ("route:GET /shop/orders/{id}", "get_order"),
        ("route:POST /shop/orders", "create_order"),
        // `web::resource("/carts/{id}").route(web::get().to(get_cart))`
        ("route:GET /shop/carts/{id}", "get_cart"),
        ("route:DELETE /shop/carts/{id}", "clear_cart"),
    ];
    for (route, handler) in expect {
        assert_edge(route, &format!("{svc}::{handler}"), EdgeKind::RoutesTo);
    }
    assert!(!graph().contains("route:GET /orders/{id}"));
    let all_routes = graph()
        .nodes()
        .filter(|n| n.kind == NodeKind::Route)
        .count();
    assert_eq!(all_routes, 9, "exactly the fixture's nine routes");
}

#[test]
fn unparsable_file_is_skipped_with_a_located_warning() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"bad-crate\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(
        dir.path().join("src/lib.rs"),
        "pub mod good;\npub mod broken;\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("src/good.rs"), "pub fn fine() {}\n").unwrap();
    std::fs::write(
        dir.path().join("src/broken.rs"),
        "pub fn ok() {}\n\nfn broken( {\n    let x = ;\n}\n",
    )
    .unwrap();
    // A macro body that is not expressions is the macro's business: no warning.
    std::fs::write(
        dir.path().join("src/good.rs"),
        "pub fn fine() { let _ = serde_json::json!({\"a\": [1, 2]}); weird!(=> ; <=); }\n",
    )
    .unwrap();
    let analysis = analyze(dir.path(), &AnalyzeOptions::default()).unwrap();
    let warnings: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == "parse-error")
        .collect();
    assert_eq!(warnings.len(), 1, "{:?}", analysis.diagnostics);
    let w = warnings[0];
    assert_eq!(w.file.as_deref(), Some("src/broken.rs"));
    assert_eq!(w.line, Some(3));
    assert!(w.column.is_some());
    assert!(w.help.is_some());
    assert_eq!(analysis.stats.skipped, 1);
    // The rest of the crate is still analysed.
    assert!(analysis.graph.contains("rs:bad_crate::good::fine"));
    assert!(!analysis.graph.contains("rs:bad_crate::broken::ok"));
}

#[test]
fn broken_manifest_is_reported_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[package\nname = 1\n").unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), "pub fn f() {}\n").unwrap();
    let analysis = analyze(dir.path(), &AnalyzeOptions::default()).unwrap();
    let d = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == "manifest-parse-error")
        .expect("manifest warning");
    assert_eq!(d.line, Some(1));
    // Files are still analysed, with a guessed crate.
    assert!(
        analysis
            .graph
            .nodes()
            .any(|n| n.kind == NodeKind::Function && n.name == "f")
    );
}

#[test]
fn workspace_members_and_exclude_decide_which_packages_are_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let write = |rel: &str, text: &str| {
        let path = dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/*\", \"tools/cli\"]\nexclude = [\"crates/vendored\"]\n",
    );
    write(
        "crates/core-lib/Cargo.toml",
        "[package]\nname = \"core-lib\"\n",
    );
    write("crates/core-lib/src/lib.rs", "pub fn core() {}\n");
    write("tools/cli/Cargo.toml", "[package]\nname = \"cli\"\n");
    write(
        "tools/cli/src/main.rs",
        "use core_lib::core;\nfn main() { core(); }\n",
    );
    write(
        "tools/cli/src/bin/admin.rs",
        "fn main() { core_lib::core(); }\n",
    );
    write(
        "crates/vendored/Cargo.toml",
        "[package]\nname = \"vendored\"\n",
    );
    write("crates/vendored/src/lib.rs", "pub fn third_party() {}\n");
    let analysis = analyze(dir.path(), &AnalyzeOptions::default()).unwrap();
    let g = &analysis.graph;
    assert!(g.contains("rs:core_lib::core"));
    // `src/bin/admin.rs` is a binary crate named after the file.
    assert!(g.contains("rs:admin::main"));
    assert!(g.edges().any(|(a, b, e)| a.id == "rs:cli::main"
        && b.id == "rs:core_lib::core"
        && e.kind == EdgeKind::Calls));
    assert!(
        g.edges().any(|(a, b, e)| a.id == "rs:cli"
            && b.id == "rs:core_lib"
            && e.kind == EdgeKind::Imports)
    );
    assert!(
        !g.nodes().any(|n| n.name == "third_party"),
        "an excluded package is not part of the monolith"
    );
}
