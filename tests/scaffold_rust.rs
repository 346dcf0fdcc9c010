//! The Rust service templates (`templates/rust/`): rendered for every context of
//! `fixtures/scaffold/rust-only.yaml`, then built, linted and tested as real crates.
//!
//! The generated crates go to `.cache/scaffold-test/rust/<service>/` (kept between runs;
//! only changed files are rewritten) and share the target dir
//! `.cache/scaffold-test/rust-target`, so after the first run (minutes: axum, tokio,
//! reqwest, rustls from crates.io) a run only recompiles the services. Without access to
//! crates.io the build test prints a loud SKIP, except under CI=true where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use seam::decomposition::{Decomposition, Stack};
use seam::scaffold::context::TemplateContext;
use seam::scaffold::render::{RenderedFile, render_dir};

const FIXTURE: &str = "fixtures/scaffold/rust-only.yaml";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn decomposition() -> Decomposition {
    let text = std::fs::read_to_string(root().join(FIXTURE)).expect("fixture readable");
    seam::decomposition::load::load(FIXTURE, &text).unwrap_or_else(|e| panic!("{e}"))
}

/// Every Rust service of the fixture, rendered: (name, files).
fn rendered() -> Vec<(String, Vec<RenderedFile>)> {
    let d = decomposition();
    d.contexts
        .iter()
        .filter(|c| c.stack == Stack::Rust)
        .map(|c| {
            let ctx = TemplateContext::new(&d, c);
            let files = render_dir("rust", &ctx).unwrap_or_else(|e| panic!("{e}"));
            (c.name.clone(), files)
        })
        .collect()
}

fn file<'a>(files: &'a [RenderedFile], path: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("{path} not generated"))
        .contents
}

#[test]
fn no_template_is_a_cargo_manifest_or_package() {
    let rust: Vec<&str> = seam::scaffold::templates()
        .iter()
        .map(|(path, _)| *path)
        .filter(|p| p.starts_with("rust/"))
        .collect();
    assert!(rust.contains(&"rust/Cargo.toml.j2"), "{rust:?}");
    for path in &rust {
        let name = path.rsplit('/').next().unwrap();
        // cargo treats a directory holding `Cargo.toml` as a package when packaging seam.
        assert!(name != "Cargo.toml" && name != "Cargo.lock", "{path}");
    }
}

#[test]
fn renders_the_service_files_with_tags_ids_and_escaped_values() {
    let services = rendered();
    let names: Vec<&str> = services.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["inventory", "catalog", "auth"]);
    let d = decomposition();
    for (name, files) in &services {
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        for expected in [
            ".gitignore",
            "Cargo.toml",
            "Dockerfile",
            "README.md",
            "src/api.rs",
            "src/backoff.rs",
            "src/clients.rs",
            "src/config.rs",
            "src/consul.rs",
            "src/crud.rs",
            "src/discovery.rs",
            "src/lib.rs",
            "src/main.rs",
            "src/metrics.rs",
            "src/models.rs",
            "src/store.rs",
        ] {
            assert!(
                paths.contains(&expected),
                "{name}: {expected} missing in {paths:?}"
            );
        }
        assert!(!paths.iter().any(|p| p.ends_with(".j2")), "{paths:?}");
        let manifest = file(files, "Cargo.toml");
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "{manifest}"
        );
        assert!(
            manifest.contains("\n[workspace]\n"),
            "builds standalone: {manifest}"
        );
        assert!(!manifest.contains("openssl") && !manifest.contains("native-tls"));
        // Every Traefik tag of the service is registered, verbatim.
        let ctx = TemplateContext::new(&d, d.context(name).unwrap());
        let lib = file(files, "src/lib.rs");
        assert!(!ctx.service.tags.is_empty());
        for tag in &ctx.service.tags {
            assert!(
                lib.contains(&format!("    \"{tag}\",\n")),
                "{name}: tag {tag} missing"
            );
        }
        assert!(lib.contains(&format!("pub const SERVICE_NAME: &str = \"{name}\";")));
        assert!(lib.contains(&format!(
            "pub const DEFAULT_PORT: u16 = {};",
            ctx.service.port
        )));
        let consul = file(files, "src/consul.rs");
        assert!(
            consul.contains("format!(\"{name}-{}-{port}\""),
            "ID is <name>-<address>-<port>"
        );
        assert!(consul.contains("/v1/agent/service/register"));
        assert!(!consul.contains("/v1/catalog/register\""));
    }

    let inventory = &services[0].1;
    let lib = file(inventory, "src/lib.rs");
    for tag in [
        "traefik.http.routers.inventory.rule=PathPrefix(`/inventory`)",
        "traefik.http.middlewares.inventory-stripprefix.stripprefix.prefixes=/inventory",
        "traefik.http.middlewares.inventory-forwardauth.forwardauth.address=http://127.0.0.1:8203/auth/verify",
    ] {
        assert!(lib.contains(tag), "{tag}");
    }
    let config = file(inventory, "src/config.rs");
    assert!(
        config.contains(r#"greeting: "say \"hi\" \\ {{ not a template }}".to_owned(),"#),
        "config values are Rust string literals, not template code:\n{config}"
    );
    assert!(
        config.contains("pub r#type: String,"),
        "keyword keys are raw identifiers"
    );
    assert!(config.contains("#[serde(rename = \"DATABASE_URL\")]"));
    let models = file(inventory, "src/models.rs");
    for field in [
        "pub sku: ::std::string::String,",
        "pub quantity: i64,",
        "pub weight_kg: f64,",
        "pub unit_price: ::std::string::String,",
        "pub active: bool,",
        "pub counted_at: ::std::string::String,",
        "pub attributes: ::serde_json::Value,",
        "pub product: i64,",
        "pub r#match: ::std::string::String,",
    ] {
        assert!(models.contains(field), "{field} in\n{models}");
    }
    let api = file(inventory, "src/api.rs");
    assert!(api.contains("\"/stock-items\",\n            get(crud::list::<models::StockItem>)"));
    assert!(api.contains("\"/stock-items/{id}\","));
    assert!(api.contains(".nest(ROUTE_PREFIX, routes())"));
    assert!(
        !api.contains("/auth/verify"),
        "only the auth context verifies"
    );
    let clients = file(inventory, "src/clients.rs");
    assert!(clients.contains("pub struct CatalogClient(ServiceClient);"));
    assert!(clients.contains("pub const ROUTE_PREFIX: &'static str = \"/catalog\";"));
    let auth = &services[2].1;
    assert!(file(auth, "src/api.rs").contains(".route(\"/auth/verify\", get(auth_verify))"));
}

/// Writes `files` under `dir`, leaving unchanged files alone so cargo's fingerprints
/// (and the warm target dir) survive.
fn write_service(dir: &Path, files: &[RenderedFile]) {
    for f in files {
        let path = dir.join(&f.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(f.contents.as_str()) {
            continue;
        }
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &f.contents).unwrap();
    }
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> std::process::Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    Command::new(cargo)
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        // The outer `cargo test` sets these for seam itself; the generated crate is a
        // different build.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CARGO_PKG_NAME")
        .output()
        .expect("cargo runs")
}

fn report(what: &str, output: &std::process::Output) -> String {
    format!(
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn generated_services_build_lint_clean_and_pass_their_tests() {
    let cache = root().join(".cache/scaffold-test");
    let target: PathBuf = cache.join("rust-target");
    for (name, files) in rendered() {
        let dir = cache.join("rust").join(&name);
        write_service(&dir, &files);
        let fetch = cargo(&dir, &target, &["fetch"]);
        if !fetch.status.success() {
            let why = report("cargo fetch", &fetch);
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("crates.io unreachable under CI=true: {why}");
            }
            eprintln!(
                "\n!!!!!!!! SKIP generated_services_build_lint_clean_and_pass_their_tests: cannot fetch crates from crates.io\n{why}\n"
            );
            return;
        }
        for args in [
            &["build", "--offline"][..],
            &[
                "clippy",
                "--offline",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ][..],
            &["test", "--offline"][..],
        ] {
            let output = cargo(&dir, &target, args);
            assert!(
                output.status.success(),
                "{name}: {}",
                report(&format!("cargo {}", args.join(" ")), &output)
            );
            if args[0] == "test" {
                let stdout = String::from_utf8_lossy(&output.stdout);
                // The generated unit tests ran: a template that dropped them would pass
                // trivially otherwise.
                assert!(
                    stdout.contains("config::tests::a_return_is_not_a_change ... ok"),
                    "{name}: {stdout}"
                );
                assert!(
                    stdout.contains(
                        "consul::tests::registration_payload_has_the_fields_consul_documents ... ok"
                    ),
                    "{name}: {stdout}"
                );
            }
        }
    }
}
