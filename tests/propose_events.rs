//! `seam propose --events`: an event-storming workshop alone, and together with code.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn seam() -> Command {
    let mut cmd = Command::cargo_bin("seam").unwrap();
    cmd.current_dir(repo());
    cmd
}

/// Runs `cmd`, which must succeed, and parses what it prints as JSON.
fn json_of(cmd: &mut Command) -> Value {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_workshop_alone_gives_a_decomposition_that_scaffolds() {
    let dir = tempfile::tempdir().unwrap();
    let yaml = dir.path().join("decomposition.yaml");
    let doc = json_of(
        seam()
            .args([
                "propose",
                "--events",
                "fixtures/events/shop-workshop-derived.yaml",
                "--format",
                "json",
                "-o",
            ])
            .arg(&yaml),
    );
    let contexts = doc["contexts"].as_array().unwrap();
    assert_eq!(contexts.len(), 7);
    assert!(contexts.iter().any(|c| {
        c["publishes"]
            .as_array()
            .is_some_and(|p| p.iter().any(|e| e == "OrderPlaced"))
    }));
    // The written file is a valid decomposition: scaffold plans it.
    let out = seam()
        .args(["scaffold", "--dry-run", "-o"])
        .arg(dir.path().join("services"))
        .arg(&yaml)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.path().join("services").exists(),
        "dry run writes nothing"
    );
}

#[test]
fn an_invalid_workshop_is_reported_at_its_line() {
    let invalid = std::fs::read_dir(repo().join("fixtures/events/invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "yaml"))
        .unwrap();
    let out = seam()
        .args(["propose", "--events"])
        .arg(&invalid)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let name = invalid.file_name().unwrap().to_string_lossy();
    assert!(stderr.contains(&format!("{name}:")), "{stderr}");
    assert!(stderr.contains("help:"), "{stderr}");
}

#[test]
fn workshop_and_code_together_seed_contexts_and_report_disagreements() {
    let proposal = json_of(seam().args([
        "propose",
        "fixtures/events/combined-shop",
        "--events",
        "fixtures/events/combined-workshop.yaml",
        "--git-window",
        "0",
        "--format",
        "json",
    ]));
    let diagnostics = proposal["diagnostics"].as_array().unwrap();
    // The workshop gives orders_order to ordering; payments code writes it.
    assert!(
        diagnostics
            .iter()
            .any(|d| d["code"] == "workshop-foreign-access"
                && d["message"].as_str().unwrap().contains("orders_order")
                && d["message"]
                    .as_str()
                    .unwrap()
                    .contains("payments/services.py:10")),
        "{diagnostics:#?}"
    );
    // Workshop contexts name the clusters their aggregates seeded, with their events.
    let contexts = proposal["decomposition"]["contexts"].as_array().unwrap();
    let context = |name: &str| {
        contexts
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no context {name}"))
    };
    let lists = |context: &serde_json::Value, key: &str, item: &str| {
        context[key].as_array().unwrap().iter().any(|v| v == item)
    };
    let ordering = context("ordering");
    assert!(lists(ordering, "models", "orders.Order"));
    assert!(!ordering["publishes"].as_array().unwrap().is_empty());
    assert!(lists(context("catalogue"), "tables", "catalog_product"));
}
