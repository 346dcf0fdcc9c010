//! seam on real Go code: SPIRE's server (github.com/spiffe/spire), a GORM application
//! whose datastore migrates its models with `AutoMigrate` and names several tables with
//! `TableName()` overrides. The module is downloaded from the Go module proxy at test
//! time into `.cache/gomod` (git-ignored); nothing of it is committed.
//!
//! The expected tables come from an independent method: the `AutoMigrate` argument
//! list read from the source text, each struct's `TableName()` literal when it has one,
//! and otherwise GORM's own `schema.NamingStrategy` run by `go run` on the names.
//! Without network the test prints a loud SKIP; with `CI=true` it fails instead.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use seam::analyze::{AnalyzeOptions, analyze};
use seam::graph::NodeKind;

const MODULE: &str = "github.com/spiffe/spire";
const VERSION: &str = "v1.13.3";
const GORM: &str = "gorm.io/gorm@v1.31.1";
const SQLSTORE: &str = "pkg/server/datastore/sqlstore";

fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache")
}

fn go(dir: &Path) -> Command {
    let mut cmd = Command::new("go");
    cmd.current_dir(dir)
        .env("GOMODCACHE", cache_dir().join("gomod"))
        .env("GOFLAGS", "-modcacherw")
        .env("GOTOOLCHAIN", "local");
    cmd
}

/// Skips loudly, or fails under CI where the download must work.
fn unavailable(what: &str) {
    let message = format!("SKIP real_go: {what}");
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{message} (CI=true: a skipped real-code test is a failure)");
    }
    eprintln!("\n*************** {message} ***************\n");
}

fn download() -> Result<PathBuf, String> {
    std::fs::create_dir_all(cache_dir()).map_err(|e| e.to_string())?;
    let out = go(&cache_dir())
        .args(["mod", "download", "-json", &format!("{MODULE}@{VERSION}")])
        .output()
        .map_err(|e| format!("cannot run go: {e}"))?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|_| String::from_utf8_lossy(&out.stderr).into_owned())?;
    if let Some(err) = json.get("Error") {
        return Err(format!("go mod download {MODULE}@{VERSION}: {err}"));
    }
    json.get("Dir")
        .and_then(|d| d.as_str())
        .map(PathBuf::from)
        .ok_or_else(|| "go mod download printed no Dir".to_owned())
}

/// GORM's own table names for struct names, from `schema.NamingStrategy{}.TableName`.
fn gorm_oracle(names: &[String]) -> Result<Vec<String>, String> {
    let dir = cache_dir().join("gorm-naming-oracle");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("go.mod"), "module gormnamingoracle\n\ngo 1.22\n")
        .map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("main.go"),
        "package main\n\nimport (\n\t\"bufio\"\n\t\"fmt\"\n\t\"os\"\n\n\t\"gorm.io/gorm/schema\"\n)\n\n\
         func main() {\n\tns := schema.NamingStrategy{}\n\ts := bufio.NewScanner(os.Stdin)\n\
         \tfor s.Scan() {\n\t\tfmt.Println(ns.TableName(s.Text()))\n\t}\n}\n",
    )
    .map_err(|e| e.to_string())?;
    let get = go(&dir)
        .env("GOSUMDB", "off")
        .args(["get", GORM])
        .output()
        .map_err(|e| e.to_string())?;
    if !get.status.success() {
        return Err(format!(
            "go get {GORM}: {}",
            String::from_utf8_lossy(&get.stderr)
        ));
    }
    let mut child = go(&dir)
        .env("GOSUMDB", "off")
        .args(["run", "."])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(names.join("\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "go run oracle: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

/// The struct names between `tables := []any{` and `}` and in `AutoMigrate(&X{})`.
fn migrated_structs(migration_go: &str) -> BTreeSet<String> {
    // Comments show example calls (`tx.AutoMigrate(&Foo{}, …)`): code only.
    let code: String = migration_go
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let migration_go = code.as_str();
    let mut names = BTreeSet::new();
    if let Some(start) = migration_go.find("tables := []any{") {
        let block = &migration_go[start + "tables := []any{".len()..];
        let block = &block[..block.find("\n\t}").unwrap_or(block.len())];
        for item in block.split(',') {
            let item = item.trim().trim_start_matches('&');
            if let Some(name) = item.strip_suffix("{}") {
                names.insert(name.to_owned());
            }
        }
    }
    for piece in migration_go.split("AutoMigrate(&").skip(1) {
        if let Some(end) = piece.find("{}") {
            names.insert(piece[..end].to_owned());
        }
    }
    names
}

/// `func (X) TableName() string { return "literal" }` overrides, from the source text.
fn table_name_overrides(models_go: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for piece in models_go.split("func (").skip(1) {
        let Some((recv, rest)) = piece.split_once(") TableName() string {") else {
            continue;
        };
        let recv = recv
            .trim()
            .trim_start_matches('*')
            .rsplit(' ')
            .next()
            .unwrap_or("");
        let body = rest.trim_start();
        if let Some(lit) = body.strip_prefix("return \"") {
            out.push((
                recv.to_owned(),
                lit[..lit.find('"').unwrap_or(0)].to_owned(),
            ));
        }
    }
    out
}

#[test]
fn spire_gorm_tables_match_automigrate_and_gorm_naming() {
    let dir = match download() {
        Ok(dir) => dir,
        Err(e) => return unavailable(&e),
    };
    let read = |rel: &str| std::fs::read_to_string(dir.join(SQLSTORE).join(rel)).unwrap();
    let structs = migrated_structs(&read("migration.go"));
    assert!(
        structs.len() >= 10,
        "the oracle found the AutoMigrate list: {structs:?}"
    );
    let overrides = table_name_overrides(&read("models.go"));
    let plain: Vec<String> = structs
        .iter()
        .filter(|s| !overrides.iter().any(|(r, _)| r == *s))
        .cloned()
        .collect();
    let named = match gorm_oracle(&plain) {
        Ok(n) => n,
        Err(e) => return unavailable(&e),
    };
    let mut expected: BTreeSet<String> = named.into_iter().collect();
    for s in &structs {
        if let Some((_, table)) = overrides.iter().find(|(r, _)| r == s) {
            expected.insert(table.clone());
        }
    }

    let started = std::time::Instant::now();
    let analysis = analyze(&dir, &AnalyzeOptions::default()).expect("seam analyses SPIRE");
    let elapsed = started.elapsed();
    let graph = &analysis.graph;
    let found: BTreeSet<String> = graph
        .nodes()
        .filter(|n| n.kind == NodeKind::Model)
        .filter_map(|n| n.attrs.get("table").cloned())
        .collect();
    let hits = found.intersection(&expected).count() as f64;
    let precision = hits / found.len().max(1) as f64;
    let recall = hits / expected.len().max(1) as f64;
    println!(
        "real_go {MODULE}@{VERSION}: {} files in {elapsed:.2?}; GORM tables precision {precision:.3} recall {recall:.3}",
        analysis.stats.files
    );
    println!(
        "  expected only: {:?}",
        expected.difference(&found).collect::<Vec<_>>()
    );
    println!(
        "  seam only:     {:?}",
        found.difference(&expected).collect::<Vec<_>>()
    );
    assert!(recall >= 0.9, "recall {recall:.3}");
    assert!(precision >= 0.9, "precision {precision:.3}");

    // seam's GORM naming against GORM's own on every struct name in SPIRE.
    let type_names: Vec<String> = graph
        .nodes()
        .filter(|n| {
            n.kind == NodeKind::Type
                && n.attrs.get("type_kind").map(String::as_str) == Some("struct")
        })
        .map(|n| n.name.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let gorm_names = match gorm_oracle(&type_names) {
        Ok(n) => n,
        Err(e) => return unavailable(&e),
    };
    assert_eq!(gorm_names.len(), type_names.len());
    let mismatches: Vec<String> = type_names
        .iter()
        .zip(&gorm_names)
        .filter(|(n, g)| seam::frontend::go::naming::gorm_table_name(n) != **g)
        .map(|(n, g)| {
            format!(
                "{n}: seam {} gorm {g}",
                seam::frontend::go::naming::gorm_table_name(n)
            )
        })
        .collect();
    println!(
        "  naming agreement with GORM on {} struct names: {} mismatches {:?}",
        type_names.len(),
        mismatches.len(),
        mismatches.iter().take(10).collect::<Vec<_>>()
    );
    assert!(type_names.len() > 200);
    assert!(mismatches.is_empty(), "{mismatches:?}");
}
