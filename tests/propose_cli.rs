//! The `seam propose` command line: outputs, re-runs, `--score`, errors.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

/// `seam propose` without git history, quiet, printing `format`.
fn propose(format: &str) -> Command {
    let mut cmd = seam();
    cmd.args(["propose", "--git-window", "0", "-q", "--format", format]);
    cmd
}

fn seam() -> Command {
    let mut cmd = Command::cargo_bin("seam").unwrap();
    cmd.env(
        "SEAM_CACHE_DIR",
        std::env::temp_dir().join("seam-propose-cli-cache"),
    );
    cmd
}

#[test]
fn help_has_examples() {
    seam()
        .args(["propose", "--help"])
        .assert()
        .success()
        .stdout(contains("seam propose --score decomposition.yaml"))
        .stdout(contains("--ignore-names"))
        .stdout(contains("data_write=3"));
}

#[test]
fn writes_yaml_prints_json_and_rescores_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("decomposition.yaml");
    let assert = propose("json")
        .arg("-o")
        .arg(&out)
        .arg(fixture("go-shop"))
        .assert()
        .success();
    let json: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    for key in [
        "decomposition",
        "metrics",
        "ownership",
        "violations",
        "explanations",
    ] {
        assert!(json.get(key).is_some(), "{key} missing");
    }
    for metric in [
        "modularity",
        "structural_modularity",
        "inter_call_percentage",
        "interface_number",
        "non_extreme_distribution",
        "table_access_entropy",
        "shared_tables",
        "cyclic_dependencies",
        "sizes",
    ] {
        assert!(json["metrics"].get(metric).is_some(), "{metric} missing");
    }
    let yaml = std::fs::read_to_string(&out).unwrap();
    assert!(yaml.contains("# owns "), "{yaml}");
    // Re-score: the code comes from source.code.
    propose("summary")
        .arg("--score")
        .arg(&out)
        .assert()
        .success()
        .stdout(contains("modularity Q"));
    // Re-running onto the same file reads it back (frozen contexts stay).
    let edited = yaml.replacen("    stack:", "    frozen: true\n    stack:", 1);
    std::fs::write(&out, &edited).unwrap();
    propose("yaml")
        .arg("-o")
        .arg(&out)
        .arg(fixture("go-shop"))
        .assert()
        .success()
        .stdout(contains("frozen: true"));
}

#[test]
fn reads_a_graph_document() {
    let dir = tempfile::tempdir().unwrap();
    let graph = dir.path().join("graph.json");
    seam()
        .args(["analyze", "-q", "--format", "json", "-o"])
        .arg(&graph)
        .arg(fixture("rust-shop"))
        .assert()
        .success();
    seam()
        .args(["propose", "-q", "--format", "yaml", "-k", "3"])
        .arg(&graph)
        .assert()
        .success()
        .stdout(contains("stack: rust"));
}

#[test]
fn bad_yaml_and_bad_options_fail_with_their_place() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("d.yaml");
    std::fs::write(
        &bad,
        "format: seam-decomposition\nversion: 1\nsystem: shop\ncontexts:\n  - name: Orders!\n    stack: go\n",
    )
    .unwrap();
    seam()
        .args(["propose", "--score"])
        .arg(&bad)
        .arg(fixture("go-shop"))
        .assert()
        .code(1)
        .stderr(contains("d.yaml:5:"))
        .stderr(contains("invalid-name"));
    seam()
        .args(["propose", "--weights", "bogus=1"])
        .arg(fixture("go-shop"))
        .assert()
        .code(1)
        .stderr(contains("unknown signal `bogus`"));
    seam()
        .args(["propose", "-q", "--git-window", "0", "-k", "0"])
        .arg(fixture("go-shop"))
        .assert()
        .code(1)
        .stderr(contains("-k must be at least 1"));
}
