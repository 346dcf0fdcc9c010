//! The generated Go service builds, vets, is gofmt-clean and passes its own tests.
//! Modules come from the Go module proxy into `.cache/gomod`; offline, the test prints
//! a loud SKIP (and fails when CI=true).

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn skip_or_fail(why: &str) {
    if in_ci() {
        panic!("{why} (CI=true: not skipping)");
    }
    eprintln!("\n*** SKIP scaffold_go: {why} ***\n");
}

fn go(dir: &Path, args: &[&str]) -> std::process::Output {
    let cache = repo().join(".cache");
    Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOFLAGS", "-mod=mod")
        .env("GOMODCACHE", cache.join("gomod"))
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("run go")
}

fn must(dir: &Path, args: &[&str]) -> String {
    let out = go(dir, args);
    assert!(
        out.status.success(),
        "`go {}` failed in {}:\n{}{}",
        args.join(" "),
        dir.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Scaffolds `decomposition` (only `context`) into `.cache/scaffold-test/<case>` and
/// runs the Go toolchain's checks on the service. Returns false when skipped.
fn build_and_test(case: &str, decomposition: &Path, context: &str) -> bool {
    let out = repo().join(".cache/scaffold-test").join(case);
    let _ = std::fs::remove_dir_all(&out);
    let status = assert_cmd::Command::cargo_bin("seam")
        .unwrap()
        .arg("scaffold")
        .arg(decomposition)
        .arg("-o")
        .arg(&out)
        .args(["--only", context])
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let service = out.join(context);
    let tidy = go(&service, &["mod", "tidy"]);
    if !tidy.status.success() {
        skip_or_fail(&format!(
            "`go mod tidy` failed (offline?): {}",
            String::from_utf8_lossy(&tidy.stderr)
        ));
        return false;
    }
    must(&service, &["build", "./..."]);
    must(&service, &["vet", "./..."]);
    let fmt = Command::new("gofmt")
        .args(["-l", "."])
        .current_dir(&service)
        .output()
        .unwrap();
    assert!(fmt.status.success());
    assert_eq!(
        String::from_utf8_lossy(&fmt.stdout),
        "",
        "gofmt would reformat these generated files"
    );
    let tests = must(&service, &["test", "-count=1", "./..."]);
    for package in ["internal/api", "internal/config", "internal/consul"] {
        assert!(
            tests.contains(&format!("ok  \t{}/{context}/{package}", "shop")),
            "{tests}"
        );
    }
    true
}

fn have_go() -> bool {
    let found = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        skip_or_fail("the Go toolchain (`go`) is not installed");
    }
    found
}

#[test]
fn fixture_go_service_builds_vets_and_passes_its_tests() {
    if !have_go() {
        return;
    }
    build_and_test(
        "go-shop",
        &repo().join("fixtures/scaffold/shop.yaml"),
        "orders",
    );
}

/// No entities, no configuration, no dependencies: nothing left unused.
#[test]
fn minimal_go_service_builds_too() {
    if !have_go() {
        return;
    }
    let dir = repo().join(".cache/scaffold-test");
    std::fs::create_dir_all(&dir).unwrap();
    let yaml = dir.join("minimal.yaml");
    std::fs::write(
        &yaml,
        "format: seam-decomposition\nversion: 1\nsystem: shop\ncontexts:\n  - name: bare\n    stack: go\n    route_prefix: /api/bare\n    middlewares: {stripprefix: true}\n",
    )
    .unwrap();
    build_and_test("go-minimal", &yaml, "bare");
}
