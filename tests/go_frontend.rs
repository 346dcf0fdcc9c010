//! The Go front-end on the fixture monoliths: every form the front-end promises, checked
//! on the graph `seam::analyze` builds (cache off).

use std::path::Path;

use seam::analyze::{AnalyzeOptions, analyze};
use seam::graph::{EdgeKind, Graph, Lang, NodeKind};

fn graph_of(root: &Path) -> (Graph, Vec<seam::diagnostics::Diagnostic>) {
    let analysis = analyze(root, &AnalyzeOptions::default()).expect("analysis runs");
    (analysis.graph, analysis.diagnostics)
}

fn fixture(name: &str) -> Graph {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    let (graph, diagnostics) = graph_of(&root);
    assert!(
        diagnostics.is_empty(),
        "unexpected diagnostics: {diagnostics:#?}"
    );
    graph
}

fn has_edge(g: &Graph, from: &str, to: &str, kind: EdgeKind, label: Option<&str>) -> bool {
    g.outgoing(from)
        .any(|(n, e)| n.id == to && e.kind == kind && e.label.as_deref() == label)
}

#[track_caller]
fn assert_edge(g: &Graph, from: &str, to: &str, kind: EdgeKind) {
    assert!(
        has_edge(g, from, to, kind, None),
        "missing {} edge {from} -> {to}; outgoing: {:?}",
        kind.as_str(),
        g.outgoing(from)
            .map(|(n, e)| format!("{} {}", e.kind.as_str(), n.id))
            .collect::<Vec<_>>()
    );
}

#[track_caller]
fn assert_relation(g: &Graph, from: &str, to: &str, kind: EdgeKind, field: &str) {
    assert!(
        has_edge(g, from, to, kind, Some(field)),
        "missing {} {from} -{field}-> {to}",
        kind.as_str()
    );
}

fn table_of(g: &Graph, model: &str) -> String {
    let node = g.node(model).unwrap_or_else(|| panic!("no model {model}"));
    assert_eq!(node.kind, NodeKind::Model);
    let table = node.attrs.get("table").expect("model has a table").clone();
    assert_edge(g, model, &format!("table:{table}"), EdgeKind::MapsTo);
    table
}

const SHOP: &str = "example.com/shop";

fn shop(rest: &str) -> String {
    format!("go:{SHOP}/{rest}")
}

fn model(rest: &str) -> String {
    format!("model:{SHOP}/{rest}")
}

#[test]
fn packages_are_modules_named_by_import_path_with_loc_and_imports() {
    let g = fixture("go-shop");
    for pkg in ["users", "catalog", "orders", "payments", "cmd/server"] {
        let node = g
            .node(&shop(pkg))
            .unwrap_or_else(|| panic!("no package {pkg}"));
        assert_eq!(node.kind, NodeKind::Module);
        assert_eq!(node.lang, Some(Lang::Go));
        assert_eq!(
            node.group.as_deref(),
            Some(format!("{SHOP}/{pkg}").as_str())
        );
        assert!(node.loc.unwrap_or(0) > 10, "{pkg} loc {:?}", node.loc);
    }
    // Module-local imports only; external ones are counted.
    assert_edge(&g, &shop("orders"), &shop("users"), EdgeKind::Imports);
    assert_edge(&g, &shop("orders"), &shop("catalog"), EdgeKind::Imports);
    assert_edge(
        &g,
        &shop("cmd/server"),
        &shop("payments"),
        EdgeKind::Imports,
    );
    assert!(!g.contains("go:gorm.io/gorm"));
    let server = g.node(&shop("cmd/server")).unwrap();
    assert_eq!(
        server.attrs.get("external_imports").map(String::as_str),
        Some("6")
    );
    // log, net/http, gin, echo, gorm, the postgres driver.
    // Loc of a package is the sum of its files.
    let users_loc: u32 = ["models.go", "repository.go", "service.go", "http.go"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("fixtures/go-shop/users")
                    .join(f),
            )
            .unwrap();
            seam::source::count_loc(&text, "//")
        })
        .sum();
    assert_eq!(g.node(&shop("users")).unwrap().loc, Some(users_loc));
}

#[test]
fn types_functions_and_methods_nest_under_their_package() {
    let g = fixture("go-shop");
    let user = g.node(&shop("users.User")).unwrap();
    assert_eq!(user.kind, NodeKind::Type);
    assert_eq!(user.file.as_deref(), Some("users/models.go"));
    assert_eq!(user.parent.as_deref(), Some(shop("users").as_str()));
    let iface_free = g.node(&shop("users.NewService")).unwrap();
    assert_eq!(iface_free.kind, NodeKind::Function);
    assert_eq!(iface_free.line, Some(13));
    let method = g.node(&shop("users.Repository.Find")).unwrap();
    assert_eq!(method.kind, NodeKind::Method);
    assert_eq!(
        method.parent.as_deref(),
        Some(shop("users.Repository").as_str())
    );
    assert_edge(
        &g,
        &shop("users.Repository"),
        &shop("users.Repository.Find"),
        EdgeKind::Contains,
    );
    assert_edge(
        &g,
        &shop("users"),
        &shop("users.Repository"),
        EdgeKind::Contains,
    );
    for n in g.nodes().filter(|n| n.kind.is_code()) {
        assert_eq!(n.lang, Some(Lang::Go), "{}", n.id);
        assert!(
            n.file.is_some() && n.line.is_some(),
            "{} has no place",
            n.id
        );
    }
}

#[test]
fn calls_resolve_through_imports_fields_constructors_and_vars() {
    let g = fixture("go-shop");
    // pkg.Func() through an import.
    assert_edge(
        &g,
        &shop("cmd/server.main"),
        &shop("users.NewService"),
        EdgeKind::Calls,
    );
    assert_edge(
        &g,
        &shop("cmd/server.main"),
        &shop("payments.Router"),
        EdgeKind::Calls,
    );
    // s.repo.Create(): the struct field's type is known.
    assert_edge(
        &g,
        &shop("users.Service.Register"),
        &shop("users.Repository.Create"),
        EdgeKind::Calls,
    );
    assert_edge(
        &g,
        &shop("users.Handler.GetUser"),
        &shop("users.Service.Get"),
        EdgeKind::Calls,
    );
    // x := NewStore(db); x.Products() and var s Store; s.CountProducts().
    assert_edge(
        &g,
        &shop("catalog.Summary"),
        &shop("catalog.Store.Products"),
        EdgeKind::Calls,
    );
    assert_edge(
        &g,
        &shop("catalog.Summary"),
        &shop("catalog.Store.CountProducts"),
        EdgeKind::Calls,
    );
    assert_edge(
        &g,
        &shop("catalog.Summary"),
        &shop("catalog.NewStore"),
        EdgeKind::Calls,
    );
}

#[test]
fn gorm_models_tables_and_naming() {
    let g = fixture("go-shop");
    // Embeds gorm.Model.
    assert_eq!(table_of(&g, &model("users.User")), "users");
    assert_eq!(table_of(&g, &model("catalog.Category")), "categories");
    assert_eq!(table_of(&g, &model("users.CreditCard")), "credit_cards");
    // AutoMigrate only.
    assert_eq!(table_of(&g, &model("users.Person")), "people");
    // Associations only.
    assert_eq!(table_of(&g, &model("users.Address")), "addresses");
    assert_eq!(table_of(&g, &model("users.Company")), "companies");
    assert_eq!(table_of(&g, &model("orders.OrderItem")), "order_items");
    // TableName() overrides.
    assert_eq!(table_of(&g, &model("users.Profile")), "user_profiles");
    assert_eq!(
        table_of(&g, &model("payments.Payment")),
        "payment_transactions"
    );
    // Not models: an embedded value, a struct only written through db.Table.
    assert!(!g.contains(&model("users.Settings")));
    assert!(!g.contains(&model("catalog.ProductView")));
    assert!(!g.contains(&model("payments.LedgerEntry")));
    assert!(!g.contains("table:settings"));
    let user = g.node(&model("users.User")).unwrap();
    assert_eq!(user.group.as_deref(), Some("example.com/shop/users"));
    assert_eq!(
        g.node("table:users").unwrap().group.as_deref(),
        Some("example.com/shop/users")
    );
}

#[test]
fn gorm_associations_every_form() {
    let g = fixture("go-shop");
    let user = model("users.User");
    assert_relation(&g, &user, &model("users.Company"), EdgeKind::Fk, "Company");
    assert_relation(
        &g,
        &user,
        &model("users.CreditCard"),
        EdgeKind::O2o,
        "CreditCard",
    );
    assert_relation(
        &g,
        &user,
        &model("users.Address"),
        EdgeKind::Fk,
        "Addresses",
    );
    assert_relation(
        &g,
        &user,
        &model("users.Language"),
        EdgeKind::M2m,
        "Languages",
    );
    assert_relation(&g, &user, &model("users.Profile"), EdgeKind::O2o, "Profile");
    // foreignKey tag on a has-many.
    assert_relation(
        &g,
        &model("catalog.Category"),
        &model("catalog.Product"),
        EdgeKind::Fk,
        "Products",
    );
    // Across packages.
    assert_relation(&g, &model("orders.Order"), &user, EdgeKind::Fk, "User");
    assert_relation(
        &g,
        &model("orders.OrderItem"),
        &model("catalog.Product"),
        EdgeKind::Fk,
        "Product",
    );
    let relation = |to: &str, field: &str| {
        g.outgoing(&user)
            .find(|(n, e)| n.id == to && e.label.as_deref() == Some(field))
            .map(|(_, e)| e.attrs.clone())
            .unwrap()
    };
    assert_eq!(
        relation(&model("users.Company"), "Company")["relation"],
        "belongs_to"
    );
    assert_eq!(
        relation(&model("users.Company"), "Company")["foreign_key"],
        "CompanyID"
    );
    assert_eq!(
        relation(&model("users.Address"), "Addresses")["relation"],
        "has_many"
    );
    assert_eq!(
        relation(&model("users.Profile"), "Profile")["foreign_key"],
        "OwnerRef"
    );
    assert_eq!(
        relation(&model("users.Language"), "Languages")["join_table"],
        "user_languages"
    );
    let join = g.node("table:user_languages").expect("join table node");
    assert_eq!(join.kind, NodeKind::Table);
    assert_eq!(join.attrs.get("join_table_of"), Some(&user));
    // An embedded value struct is no relation.
    assert!(
        g.outgoing(&user)
            .all(|(_, e)| e.label.as_deref() != Some("Settings"))
    );
}

#[test]
fn gorm_reads_and_writes_from_chain_finishers() {
    let g = fixture("go-shop");
    let repo = |m: &str| shop(&format!("users.Repository.{m}"));
    assert_edge(&g, &repo("Find"), "table:users", EdgeKind::Reads); // First(&u)
    assert_edge(&g, &repo("Find"), "table:addresses", EdgeKind::Reads); // Preload("Addresses")
    assert_edge(&g, &repo("Create"), "table:users", EdgeKind::Writes); // Create(u) with u *User
    assert_edge(&g, &repo("ListByCompany"), "table:users", EdgeKind::Reads); // var users []User
    assert_edge(&g, &repo("Rename"), "table:users", EdgeKind::Writes); // Model(&User{}).Update
    assert_edge(
        &g,
        &repo("SaveProfile"),
        "table:user_profiles",
        EdgeKind::Writes,
    ); // q := db.Model(..); q.Save
    assert_edge(&g, &repo("Forget"), "table:credit_cards", EdgeKind::Writes); // Delete(&CreditCard{})
    assert!(!has_edge(
        &g,
        &repo("Rename"),
        "table:users",
        EdgeKind::Reads,
        None
    ));
    assert_edge(
        &g,
        &shop("catalog.Store.CountProducts"),
        "table:products",
        EdgeKind::Reads,
    );
    assert_edge(
        &g,
        &shop("catalog.Store.AddCategory"),
        "table:categories",
        EdgeKind::Writes,
    ); // c := Category{}
    // db.Table("x") wins over the destination's type.
    assert_edge(
        &g,
        &shop("catalog.Store.RecordView"),
        "table:product_views",
        EdgeKind::Writes,
    );
    assert_edge(
        &g,
        &shop("payments.Handler.Refund"),
        "table:payment_ledger",
        EdgeKind::Writes,
    );
    assert_edge(
        &g,
        &shop("payments.Handler.Refund"),
        "table:payment_transactions",
        EdgeKind::Writes,
    );
    assert_edge(
        &g,
        &shop("payments.Handler.List"),
        "table:payment_transactions",
        EdgeKind::Reads,
    );
    // Evidence points at the finisher's line.
    let (_, edge) = g
        .outgoing(&repo("Create"))
        .find(|(n, e)| n.id == "table:users" && e.kind == EdgeKind::Writes)
        .unwrap();
    assert_eq!(edge.evidence[0].to_string(), "users/repository.go:24");
}

#[test]
fn database_sql_and_sqlx_strings_are_parsed() {
    let g = fixture("go-shop");
    let q = |m: &str| shop(&format!("orders.SQLStore.{m}"));
    // Package-level const built by concatenating consts.
    assert_edge(&g, &q("ByUser"), "table:orders", EdgeKind::Reads);
    assert!(!has_edge(
        &g,
        &q("ByUser"),
        "table:orders",
        EdgeKind::Writes,
        None
    ));
    // Raw string literal.
    assert_edge(&g, &q("MarkPaid"), "table:orders", EdgeKind::Writes);
    // Literal concatenation.
    assert_edge(&g, &q("Audit"), "table:order_audit", EdgeKind::Writes);
    // sqlx Get with a local query variable and a join.
    assert_edge(&g, &q("ItemCount"), "table:order_items", EdgeKind::Reads);
    assert_edge(&g, &q("ItemCount"), "table:orders", EdgeKind::Reads);
    // CREATE TABLE in a .sql migration declares the table.
    let legacy = g.node("table:legacy_invoices").unwrap();
    assert_eq!(
        legacy.attrs.get("declared_in").map(String::as_str),
        Some("migrations/001_init.sql")
    );
    assert_edge(&g, &q("Legacy"), "table:legacy_invoices", EdgeKind::Reads);
}

#[track_caller]
fn assert_route(g: &Graph, route: &str, handler: &str) {
    let node = g.node(route).unwrap_or_else(|| {
        panic!(
            "no {route}; routes: {:?}",
            g.nodes()
                .filter(|n| n.kind == NodeKind::Route)
                .map(|n| &n.id)
                .collect::<Vec<_>>()
        )
    });
    assert_eq!(node.kind, NodeKind::Route);
    assert_edge(g, route, handler, EdgeKind::RoutesTo);
}

#[test]
fn routes_for_net_http_gin_echo_and_chi() {
    let g = fixture("go-shop");
    // net/http with Go 1.22 method patterns, and a method-less pattern.
    assert_route(&g, "route:GET /users/{id}", &shop("users.Handler.GetUser"));
    assert_route(&g, "route:POST /users", &shop("users.Handler.CreateUser"));
    assert_route(&g, "route:/healthz", &shop("users.Health"));
    // Gin nested groups; the last handler serves, earlier ones are middleware.
    assert_route(
        &g,
        "route:GET /api/v1/products",
        &shop("catalog.Handler.ListProducts"),
    );
    assert_route(
        &g,
        "route:POST /api/v1/products",
        &shop("catalog.Handler.CreateProduct"),
    );
    assert_route(&g, "route:/catalog/ping", &shop("catalog.Ping"));
    // Echo group; the second argument serves, later ones are middleware.
    assert_route(&g, "route:GET /orders/:id", &shop("orders.Handler.Get"));
    assert_route(&g, "route:POST /orders", &shop("orders.Handler.Create"));
    // chi Route closure and a mounted sub-router built by a function.
    assert_route(&g, "route:GET /payments/", &shop("payments.Handler.List"));
    assert_route(
        &g,
        "route:POST /payments/{id}/refund",
        &shop("payments.Handler.Refund"),
    );
    assert_route(
        &g,
        "route:POST /webhooks/stripe",
        &shop("payments.Handler.Stripe"),
    );
    assert!(
        !g.contains("route:POST /stripe"),
        "mounted routes carry their prefix"
    );
    let r = g.node("route:GET /orders/:id").unwrap();
    assert_eq!(r.attrs.get("framework").map(String::as_str), Some("echo"));
    assert_eq!(r.group.as_deref(), Some("example.com/shop/orders"));
}

#[test]
fn layered_monolith_links_handlers_to_tables_across_layers() {
    let g = fixture("go-layered");
    let l = |rest: &str| format!("go:example.com/layered/{rest}");
    for pkg in ["models", "handlers", "services", "repository"] {
        assert!(g.contains(&l(pkg)), "{pkg}");
    }
    assert!(
        g.contains("go:example.com/layered"),
        "root package is the module path"
    );
    // handler → service → repository (through an interface with one implementation) → table.
    assert_route(
        &g,
        "route:POST /api/users",
        &l("handlers.UserHandler.SignUp"),
    );
    assert_edge(
        &g,
        &l("handlers.UserHandler.SignUp"),
        &l("services.UserService.SignUp"),
        EdgeKind::Calls,
    );
    assert_edge(
        &g,
        &l("services.UserService.SignUp"),
        &l("repository.userRepository.Create"),
        EdgeKind::Calls,
    );
    assert_edge(
        &g,
        &l("repository.userRepository.Create"),
        "table:users",
        EdgeKind::Writes,
    );
    assert_edge(
        &g,
        &l("repository.userRepository.FindByEmail"),
        "table:users",
        EdgeKind::Reads,
    );
    assert_edge(
        &g,
        &l("repository.OrderRepository.ForUser"),
        "table:order_lines",
        EdgeKind::Reads,
    );
    assert_edge(
        &g,
        &l("repository.OrderRepository.Place"),
        "table:orders",
        EdgeKind::Writes,
    );
    assert_edge(
        &g,
        &l("repository.OrderRepository.Catalog"),
        "table:products",
        EdgeKind::Reads,
    );
    for (m, t) in [
        ("User", "users"),
        ("Order", "orders"),
        ("OrderLine", "order_lines"),
        ("Product", "products"),
    ] {
        assert_eq!(
            table_of(&g, &format!("model:example.com/layered/models.{m}")),
            t
        );
    }
    assert_route(
        &g,
        "route:GET /api/orders",
        &l("handlers.OrderHandler.History"),
    );
}

fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn syntax_error_skips_the_file_with_its_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "go.mod",
        "module example.com/broken\n\ngo 1.22\n",
    );
    write(dir.path(), "ok/ok.go", "package ok\n\nfunc Fine() {}\n");
    write(
        dir.path(),
        "bad/bad.go",
        "package bad\n\nfunc Broken() {\n\tx := (1 + \n}\n",
    );
    let (g, diagnostics) = graph_of(dir.path());
    let d = diagnostics
        .iter()
        .find(|d| d.code == "parse-error")
        .expect("a parse-error diagnostic");
    assert_eq!(d.file.as_deref(), Some("bad/bad.go"));
    assert_eq!((d.line, d.column), (Some(4), Some(2)), "{d}");
    assert!(d.column.is_some());
    assert!(d.help.is_some());
    assert!(g.contains("go:example.com/broken/ok.Fine"));
    assert!(!g.contains("go:example.com/broken/bad.Broken"));
}

#[test]
fn garbage_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "go.mod", "module\n");
    let deep = format!(
        "package deep\n\nvar x = {}1{}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    write(dir.path(), "deep/deep.go", &deep);
    write(dir.path(), "bin/bin.go", "\u{0}\u{1}package \u{7f}{{{{");
    write(dir.path(), "empty/empty.go", "");
    let (_, diagnostics) = graph_of(dir.path());
    assert!(
        diagnostics.iter().any(|d| d.code == "go-mod"),
        "{diagnostics:?}"
    );
}

#[test]
fn go_work_workspace_links_several_modules() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "go.work",
        "go 1.22\n\nuse (\n\t./billing\n\t./shared\n\t./missing\n)\n",
    );
    write(dir.path(), "billing/go.mod", "module example.com/billing\n");
    write(
        dir.path(),
        "shared/go.mod",
        "module \"example.com/shared\"\n",
    );
    write(
        dir.path(),
        "shared/money/money.go",
        "package money\n\nfunc Round(x int) int { return x }\n",
    );
    write(
        dir.path(),
        "billing/invoice/invoice.go",
        "package invoice\n\nimport m \"example.com/shared/money\"\n\nfunc Total() int { return m.Round(3) }\n",
    );
    let (g, diagnostics) = graph_of(dir.path());
    assert!(g.contains("go:example.com/shared/money"));
    assert_edge(
        &g,
        "go:example.com/billing/invoice",
        "go:example.com/shared/money",
        EdgeKind::Imports,
    );
    assert_edge(
        &g,
        "go:example.com/billing/invoice.Total",
        "go:example.com/shared/money.Round",
        EdgeKind::Calls,
    );
    assert!(
        diagnostics
            .iter()
            .any(|d| d.code == "go-work" && d.message.contains("missing")),
        "{diagnostics:?}"
    );
}

#[test]
fn facts_survive_the_cache() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/go-shop");
    let cache = tempfile::tempdir().unwrap();
    let opts = AnalyzeOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..Default::default()
    };
    let first = analyze(&root, &opts).unwrap();
    let second = analyze(&root, &opts).unwrap();
    assert_eq!(
        second.stats.cached, second.stats.files,
        "every file comes from the cache"
    );
    let ids = |g: &Graph| {
        let mut v: Vec<String> = g
            .edges()
            .map(|(a, b, e)| format!("{} {} {}", a.id, e.kind.as_str(), b.id))
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&first.graph), ids(&second.graph));
    assert_eq!(first.graph.node_count(), second.graph.node_count());
}
