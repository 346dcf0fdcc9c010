//! `seam scaffold` as a user runs it: golden trees of the fixture decomposition, every
//! unsafe name refused through the CLI, re-runs that keep user edits, `--dry-run`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture() -> PathBuf {
    repo().join("fixtures/scaffold/shop.yaml")
}

fn scaffold(decomposition: &Path, out: &Path, extra: &[&str]) -> Output {
    Command::cargo_bin("seam")
        .unwrap()
        .arg("scaffold")
        .arg(decomposition)
        .arg("-o")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "seam scaffold failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Every file under `dir`, relative, `/`-separated, with its contents.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap()
}

#[test]
fn fixture_loads_cleanly_with_one_context_per_stack() {
    let text = std::fs::read_to_string(fixture()).unwrap();
    let d = seam::decomposition::load::load("shop.yaml", &text).unwrap();
    let stacks: Vec<&str> = d.contexts.iter().map(|c| c.stack.as_str()).collect();
    assert_eq!(stacks, ["go", "django", "rust"]);
}

#[test]
fn golden_tree_of_the_go_service_and_the_system_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("services");
    ok(scaffold(&fixture(), &out, &["--only", "orders"]));
    let files = tree(&out);
    let list: Vec<&String> = files.keys().collect();
    insta::assert_yaml_snapshot!("file_list", list);
    for key in [
        "docker-compose.yml",
        "traefik/traefik.yml",
        "traefik/traefik.local.yml",
        "consul-kv-seed.json",
        "run-local",
        "README.md",
        "orders/go.mod",
        "orders/main.go",
        "orders/internal/models/models.go",
        "orders/internal/config/config.go",
        "orders/internal/clients/clients.go",
        "orders/internal/api/router.go",
    ] {
        let name = key.replace('/', "__");
        insta::assert_snapshot!(name, read(&out, key));
    }

    // Beyond the snapshots: the facts the files must carry.
    let compose: serde_norway::Value =
        serde_norway::from_str(&read(&out, "docker-compose.yml")).unwrap();
    for service in [
        "consul",
        "consul-kv-seed",
        "traefik",
        "orders",
        "catalog",
        "payments",
    ] {
        assert!(
            compose["services"][service].is_mapping(),
            "{service} missing from compose"
        );
    }
    let orders_env = &compose["services"]["orders"]["environment"];
    assert_eq!(
        orders_env["CONSUL_HTTP_ADDR"].as_str(),
        Some("http://consul:8500")
    );
    assert_eq!(orders_env["SERVICE_ADDRESS"].as_str(), Some("orders"));
    assert_eq!(orders_env["PORT"].as_str(), Some("8101"));
    let seed_cmd = compose["services"]["consul-kv-seed"]["command"]
        .as_sequence()
        .unwrap();
    assert_eq!(seed_cmd[0].as_str(), Some("kv"));
    assert_eq!(seed_cmd[1].as_str(), Some("import"));

    for file in ["traefik/traefik.yml", "traefik/traefik.local.yml"] {
        let traefik: serde_norway::Value = serde_norway::from_str(&read(&out, file)).unwrap();
        let cc = &traefik["providers"]["consulCatalog"];
        assert_eq!(cc["exposedByDefault"].as_bool(), Some(false), "{file}");
        assert!(
            cc["endpoint"]["address"]
                .as_str()
                .unwrap()
                .ends_with(":8500")
        );
        assert!(cc["refreshInterval"].is_string());
        assert!(traefik["entryPoints"]["web"]["address"].is_string());
    }

    let seed: Vec<serde_json::Value> =
        serde_json::from_str(&read(&out, "consul-kv-seed.json")).unwrap();
    let entries: BTreeMap<&str, &str> = seed
        .iter()
        .map(|e| {
            assert_eq!(e["flags"], 0);
            (e["key"].as_str().unwrap(), e["value"].as_str().unwrap())
        })
        .collect();
    assert_eq!(entries["config/orders/dev/CURRENCY"], "RVVS"); // base64("EUR")
    assert_eq!(
        entries["config/payments/dev/PROVIDER_URL"],
        seam::scaffold::base64::encode(b"https://payments.example.com/v1")
    );
    assert_eq!(entries.len(), 4);

    let main = read(&out, "orders/main.go");
    assert!(main.contains(r#""traefik.http.routers.orders.rule=PathPrefix(`/orders`)","#));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(out.join("run-local"))
            .unwrap()
            .permissions()
            .mode();
        assert!(mode & 0o111 != 0, "run-local must be executable");
    }
}

/// A decomposition of Go contexts only, so these tests do not depend on other stacks.
fn go_only(names: &[&str], currency: &str) -> String {
    let mut text =
        String::from("format: seam-decomposition\nversion: 1\nsystem: shop\ncontexts:\n");
    for name in names {
        text.push_str(&format!(
            "  - name: {name}\n    stack: go\n    entities:\n      - name: Item\n        fields: [{{name: title, type: string}}]\n    config:\n      CURRENCY: {currency}\n"
        ));
    }
    text
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(dir, ".seam-scaffold.json")).unwrap()
}

#[test]
fn rerun_keeps_user_edits_updates_the_rest_and_force_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("d.yaml");
    let out = dir.path().join("out");
    std::fs::write(&yaml, go_only(&["orders"], "EUR")).unwrap();
    let first = ok(scaffold(&yaml, &out, &[]));
    assert!(first.contains("create         orders/main.go"), "{first}");
    let m1 = manifest(&out);
    let generated_main = read(&out, "orders/main.go");

    // The user edits main.go; the decomposition changes a config default.
    let edited = format!("{generated_main}\n// my change\n");
    std::fs::write(out.join("orders/main.go"), &edited).unwrap();
    let store_mtime = std::fs::metadata(out.join("orders/internal/store/store.go"))
        .unwrap()
        .modified()
        .unwrap();
    std::fs::write(&yaml, go_only(&["orders"], "USD")).unwrap();
    let second = ok(scaffold(&yaml, &out, &[]));

    assert_eq!(
        read(&out, "orders/main.go"),
        edited,
        "a user edit was overwritten"
    );
    assert!(
        second.contains("skip-user-edit orders/main.go  (edited since seam generated it; kept (--force to overwrite))"),
        "{second}"
    );
    assert!(
        second.contains("update         orders/internal/config/config.go"),
        "{second}"
    );
    assert!(read(&out, "orders/internal/config/config.go").contains(r#"c.Currency = "USD""#));
    assert!(
        !second.contains("store.go"),
        "unchanged files are not listed: {second}"
    );
    assert_eq!(
        std::fs::metadata(out.join("orders/internal/store/store.go"))
            .unwrap()
            .modified()
            .unwrap(),
        store_mtime,
        "an unchanged file was rewritten"
    );
    let m2 = manifest(&out);
    assert_ne!(m1["decomposition_hash"], m2["decomposition_hash"]);
    // The edited file keeps the hash seam wrote, so the next run still sees the edit.
    assert_eq!(m1["files"]["orders/main.go"], m2["files"]["orders/main.go"]);
    assert_ne!(
        m1["files"]["orders/internal/config/config.go"],
        m2["files"]["orders/internal/config/config.go"]
    );
    let third = ok(scaffold(&yaml, &out, &[]));
    assert!(third.contains("skip-user-edit orders/main.go"), "{third}");

    let forced = ok(scaffold(&yaml, &out, &["--force"]));
    assert!(forced.contains("overwrite      orders/main.go"), "{forced}");
    assert_eq!(read(&out, "orders/main.go"), generated_main);
    let after = ok(scaffold(&yaml, &out, &[]));
    assert!(!after.contains("main.go"), "{after}");
}

#[test]
fn files_seam_did_not_write_are_conflicts_and_vanished_contexts_are_reported_not_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("d.yaml");
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("orders")).unwrap();
    std::fs::write(out.join("orders/main.go"), "package main // mine\n").unwrap();
    std::fs::write(&yaml, go_only(&["orders", "billing"], "EUR")).unwrap();
    let first = ok(scaffold(&yaml, &out, &[]));
    assert!(
        first.contains("conflict       orders/main.go  (exists and was not generated by seam"),
        "{first}"
    );
    assert_eq!(read(&out, "orders/main.go"), "package main // mine\n");
    assert!(out.join("billing/main.go").exists());

    std::fs::write(&yaml, go_only(&["orders"], "EUR")).unwrap();
    let second = ok(scaffold(&yaml, &out, &[]));
    assert!(
        second.contains(
            "orphan         billing/main.go  (context \"billing\" is no longer generated"
        ),
        "{second}"
    );
    assert!(
        out.join("billing/main.go").exists(),
        "orphans are never deleted"
    );
    // Still reported next time, until the user deletes them.
    assert!(ok(scaffold(&yaml, &out, &[])).contains("orphan         billing/main.go"));
    std::fs::remove_dir_all(out.join("billing")).unwrap();
    let cleaned = ok(scaffold(&yaml, &out, &[]));
    assert!(!cleaned.contains("billing"), "{cleaned}");
    assert!(
        !manifest(&out)["files"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("billing/"))
    );
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("d.yaml");
    let out = dir.path().join("out");
    std::fs::write(&yaml, go_only(&["orders"], "EUR")).unwrap();
    let plan = ok(scaffold(&yaml, &out, &["--dry-run"]));
    assert!(plan.contains("create         orders/main.go"), "{plan}");
    assert!(plan.contains("dry run, nothing written"), "{plan}");
    assert!(!out.exists(), "--dry-run created the output directory");

    ok(scaffold(&yaml, &out, &[]));
    std::fs::write(out.join("orders/main.go"), "edited").unwrap();
    std::fs::write(&yaml, go_only(&["orders"], "USD")).unwrap();
    let before = tree(&out);
    let plan = ok(scaffold(&yaml, &out, &["--dry-run", "--force"]));
    assert!(plan.contains("overwrite      orders/main.go"), "{plan}");
    assert!(
        plan.contains("update         orders/internal/config/config.go"),
        "{plan}"
    );
    assert!(
        plan.contains("unchanged      orders/internal/store/store.go"),
        "{plan}"
    );
    assert_eq!(tree(&out), before, "--dry-run changed files");
}

#[test]
fn only_takes_a_known_context() {
    let dir = tempfile::tempdir().unwrap();
    let out = scaffold(&fixture(), &dir.path().join("o"), &["--only", "shipping"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("\"shipping\"") && err.contains("orders, catalog, payments"),
        "{err}"
    );
}

/// Every unsafe name is refused through the CLI at its line, and nothing is written.
#[test]
fn unsafe_names_are_refused_with_a_clear_error() {
    let base = "format: seam-decomposition\nversion: 1\nsystem: shop\ncontexts:\n";
    let cases: &[(&str, &str, &str, u32)] = &[
        (
            "path traversal",
            "  - name: ../x\n    stack: go\n",
            "invalid-name",
            5,
        ),
        (
            "template injection",
            "  - name: \"{{x}}\"\n    stack: go\n",
            "invalid-name",
            5,
        ),
        (
            "backtick",
            "  - name: \"a`b\"\n    stack: go\n",
            "invalid-name",
            5,
        ),
        ("space", "  - name: a b\n    stack: go\n", "invalid-name", 5),
        (
            "uppercase",
            "  - name: Orders\n    stack: go\n",
            "invalid-name",
            5,
        ),
        (
            "absolute path",
            "  - name: /etc\n    stack: go\n",
            "invalid-name",
            5,
        ),
        (
            "backtick in route",
            "  - name: a\n    stack: go\n    route_prefix: \"/a`)\"\n",
            "invalid-route",
            7,
        ),
        (
            "space in route",
            "  - name: a\n    stack: go\n    route_prefix: /a b\n",
            "invalid-route",
            7,
        ),
        (
            "route prefix clash",
            "  - name: a\n    stack: go\n    route_prefix: /x\n  - name: b\n    stack: go\n    route_prefix: /x\n",
            "duplicate-route",
            10,
        ),
        (
            "router name clash",
            "  - name: a\n    stack: go\n  - name: a\n    stack: go\n    route_prefix: /other\n    port: 9000\n",
            "duplicate-context",
            7,
        ),
        (
            "port clash",
            "  - name: a\n    stack: go\n    port: 9000\n  - name: b\n    stack: go\n    port: 9000\n",
            "duplicate-port",
            10,
        ),
        (
            "template in description",
            "  - name: a\n    stack: go\n    description: \"{% include '/etc/passwd' %}\"\n",
            "invalid-text",
            7,
        ),
        (
            "config key",
            "  - name: a\n    stack: go\n    config:\n      \"../k\": v\n",
            "invalid-config-key",
            8,
        ),
    ];
    for (what, contexts, code, line) in cases {
        let dir = tempfile::tempdir().unwrap();
        let yaml = dir.path().join("d.yaml");
        std::fs::write(&yaml, format!("{base}{contexts}")).unwrap();
        let out_dir = dir.path().join("out");
        let out = scaffold(&yaml, &out_dir, &[]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {err}");
        assert!(err.contains(&format!("error[{code}]")), "{what}: {err}");
        assert!(
            err.contains(&format!("d.yaml:{line}:")),
            "{what}: expected line {line} in {err}"
        );
        assert!(
            err.contains("help:") && err.contains("nothing was written"),
            "{what}: {err}"
        );
        assert!(!out_dir.exists(), "{what}: something was written");
    }
    // The system name too.
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("d.yaml");
    std::fs::write(&yaml, "format: seam-decomposition\nversion: 1\nsystem: ../../etc\ncontexts:\n  - name: a\n    stack: go\n").unwrap();
    let out = scaffold(&yaml, &dir.path().join("out"), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("d.yaml:3:"));
}
