//! `seam analyze` as a user runs it: bad input of every kind gives a warning naming the
//! file and the analysis goes on; formats, output files, exit codes and the cache.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn seam() -> Command {
    let mut cmd = Command::cargo_bin("seam").unwrap();
    cmd.env_remove("SEAM_CACHE_DIR");
    cmd
}

fn analyze_json(dir: &Path, extra: &[&str]) -> (Value, Output) {
    let out = seam()
        .arg("analyze")
        .arg(dir)
        .args(["--format", "json", "--no-cache"])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "seam failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (serde_json::from_slice(&out.stdout).unwrap(), out)
}

fn diagnostics(doc: &Value) -> Vec<(String, String, Option<u64>)> {
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["file"].as_str().unwrap_or("").to_owned(),
                d["line"].as_u64(),
            )
        })
        .collect()
}

fn has_node(doc: &Value, id: &str) -> bool {
    doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["id"] == id)
}

#[test]
fn syntax_error_and_invalid_utf8_are_reported_and_skipped() {
    let (doc, out) = analyze_json(&repo().join("fixtures/django-broken"), &[]);
    let diags = diagnostics(&doc);
    assert!(
        diags.contains(&("parse-error".into(), "syntax_error.py".into(), Some(9))),
        "{diags:?}"
    );
    assert!(
        diags.iter().any(|(code, file, line)| code == "invalid-utf8"
            && file == "latin1.py"
            && line.is_some()),
        "{diags:?}"
    );
    // The valid files are analysed all the same.
    assert!(has_node(&doc, "py:ok.models"));
    assert!(
        doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "model")
    );
    // Warnings are printed on stderr with file:line and advice.
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning[parse-error]: syntax_error.py:9:"),
        "{stderr}"
    );
    assert!(stderr.contains("help:"), "{stderr}");
}

#[test]
fn oversized_single_line_file_is_skipped_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let big = format!("x = '{}'\n", "a".repeat(10 * 1024 * 1024));
    std::fs::write(dir.path().join("big.py"), &big).unwrap();
    std::fs::write(dir.path().join("small.py"), "def f():\n    return 1\n").unwrap();
    let (doc, _) = analyze_json(dir.path(), &[]);
    assert!(
        diagnostics(&doc)
            .iter()
            .any(|(c, f, _)| c == "too-large" && f == "big.py")
    );
    assert!(has_node(&doc, "py:small.f"));
    // Raising the limit parses it without trouble.
    let (doc, _) = analyze_json(dir.path(), &["--max-file-size", "20000000"]);
    assert!(has_node(&doc, "py:big"));
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_dangling_links_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("pkg")).unwrap();
    std::fs::write(dir.path().join("pkg/mod.py"), "import os\n").unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("pkg/loop")).unwrap();
    std::os::unix::fs::symlink("missing.py", dir.path().join("pkg/dangling.py")).unwrap();
    let (doc, _) = analyze_json(dir.path(), &[]);
    let diags = diagnostics(&doc);
    assert!(
        diags
            .iter()
            .any(|(c, f, _)| c == "symlink-loop" && f == "pkg/loop"),
        "{diags:?}"
    );
    assert!(
        diags
            .iter()
            .any(|(c, f, _)| c == "unreadable" && f == "pkg/dangling.py"),
        "{diags:?}"
    );
    assert!(has_node(&doc, "py:mod"));
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if is_root {
        // Permissions do not stop root; the dangling-link test covers the read error path.
        eprintln!("note: running as root, permission bits cannot make a file unreadable");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.py");
    std::fs::write(&secret, "x = 1\n").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    let (doc, _) = analyze_json(dir.path(), &[]);
    assert!(
        diagnostics(&doc)
            .iter()
            .any(|(c, f, _)| c == "unreadable" && f == "secret.py")
    );
}

#[test]
fn empty_tree_gives_an_empty_graph() {
    let dir = tempfile::tempdir().unwrap();
    let (doc, _) = analyze_json(dir.path(), &[]);
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 0);
    assert_eq!(doc["format"], "seam-graph");
    let out = seam()
        .args(["analyze", "--format", "summary", "--no-cache"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("no supported code found"));
}

#[test]
fn missing_path_is_an_error_and_bad_flags_a_usage_error() {
    let out = seam()
        .args(["analyze", "/definitely/not/here"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/definitely/not/here"), "{stderr}");
    assert!(stderr.contains("no such file or directory"), "{stderr}");
    let out = seam()
        .args(["analyze", "--format", "png", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_shows_examples() {
    let out = seam().args(["analyze", "--help"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Examples:") && text.contains("seam analyze ./shop"));
}

#[test]
fn formats_and_output_file() {
    let shop = repo().join("fixtures/django-shop");
    for (format, marker) in [
        ("dot", "digraph seam {"),
        ("mermaid", "flowchart LR"),
        ("summary", "Cross-group data access"),
    ] {
        let out = seam()
            .args(["analyze", "--no-cache", "-q", "--format", format])
            .arg(&shop)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(marker),
            "{format} lacks {marker:?}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("graph.json");
    seam()
        .args(["analyze", "--no-cache", "-q", "-o"])
        .arg(&target)
        .arg(&shop)
        .assert()
        .success()
        .stdout("");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(doc["version"], 1);
    // Nothing but the output is left behind (the write is atomic through a temp file).
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, vec![std::ffi::OsString::from("graph.json")]);
}

#[test]
fn no_progress_bar_when_not_on_a_terminal() {
    let out = seam()
        .args(["analyze", "--no-cache", "--format", "json"])
        .arg(repo().join("fixtures/django-shop"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("analysing"));
}

#[test]
fn cache_reuses_unchanged_files_and_notices_changes() {
    let tree = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    std::fs::write(
        tree.path().join("a.py"),
        "def f():\n    return g()\n\ndef g():\n    pass\n",
    )
    .unwrap();
    std::fs::write(tree.path().join("b.py"), "from a import f\n").unwrap();
    let run = |format: &str| {
        let out = seam()
            .args(["analyze", "--format", format, "--cache-dir"])
            .arg(cache.path())
            .arg(tree.path())
            .output()
            .unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let cold = run("json");
    let summary = run("summary");
    assert!(
        summary.contains("2 files (2 unchanged since the last run"),
        "{summary}"
    );
    assert_eq!(run("json"), cold, "cached facts give the same graph");
    std::fs::write(tree.path().join("a.py"), "def f():\n    return 1\n").unwrap();
    let summary = run("summary");
    assert!(
        summary.contains("2 files (1 unchanged since the last run"),
        "{summary}"
    );
    let changed = run("json");
    assert!(!changed.contains("py:a.g"), "a changed file is re-read");
    // A corrupt cache file is ignored, never trusted.
    for entry in std::fs::read_dir(cache.path()).unwrap() {
        std::fs::write(entry.unwrap().path(), b"garbage").unwrap();
    }
    assert_eq!(run("json"), changed);
}

#[test]
fn mixed_language_tree_gives_one_graph_and_lang_filters() {
    let fixtures = repo().join("fixtures");
    let (doc, _) = analyze_json(&fixtures, &[]);
    let langs: Vec<&str> = doc["languages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(langs, ["python", "go", "rust"]);
    let (doc, _) = analyze_json(&fixtures, &["--lang", "go"]);
    assert_eq!(doc["languages"], serde_json::json!(["go"]));
    assert!(
        doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["lang"].is_null() || n["lang"] == "go"),
        "--lang go keeps only Go code"
    );
}

#[test]
fn timings_name_every_stage_and_an_unchanged_tree_is_reused() {
    let cache = tempfile::tempdir().unwrap();
    let run = || {
        let out = seam()
            .args([
                "analyze",
                "-q",
                "--timings",
                "--format",
                "summary",
                "--cache-dir",
            ])
            .arg(cache.path())
            .arg(repo().join("fixtures/django-shop"))
            .output()
            .unwrap();
        assert!(out.status.success());
        (
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    };
    let (summary, timings) = run();
    for stage in [
        "walk",
        "read and extract",
        "link",
        "render",
        "write",
        "total",
    ] {
        assert!(
            timings
                .lines()
                .any(|l| l.trim_start().starts_with(stage) && l.ends_with(" ms")),
            "no {stage:?} in:\n{timings}"
        );
    }
    assert!(
        !summary.contains("the last analysis was reused"),
        "{summary}"
    );
    let (summary, timings) = run();
    assert!(
        summary.contains("the last analysis was reused"),
        "{summary}"
    );
    assert!(!timings.contains("read and extract"), "{timings}");
}
