//! seam on real diesel code: `lemmy_db_schema` 0.19.5 from crates.io (Lemmy's database
//! crate: 72 `diesel::table!` declarations in `src/schema.rs`, models behind
//! `cfg_attr(feature = "full", …)`), downloaded at test time into `.cache/` with cargo.
//!
//! The table list seam reports is compared with an independent count made here: the
//! schema file parsed with syn, one table per `name (key) { … }` triple inside `table!`
//! invocations. Without network the test prints a loud SKIP, except under CI=true where it
//! fails.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use proc_macro2::{Delimiter, TokenTree};
use seam::analyze::{AnalyzeOptions, analyze};
use seam::graph::{EdgeKind, NodeKind};

const CRATE: &str = "lemmy_db_schema";
const VERSION: &str = "0.19.5";

/// Downloads the crate with `cargo fetch` on a throwaway manifest, with CARGO_HOME inside
/// the repository's git-ignored `.cache/`, and returns its unpacked source directory.
fn fetch_crate() -> Result<PathBuf, String> {
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/real_rust");
    let cargo_home = cache.join("cargo-home");
    let probe = cache.join("probe");
    if let Some(dir) = find_unpacked(&cargo_home) {
        return Ok(dir);
    }
    std::fs::create_dir_all(probe.join("src")).map_err(|e| e.to_string())?;
    std::fs::write(probe.join("src/lib.rs"), "").map_err(|e| e.to_string())?;
    std::fs::write(
        probe.join("Cargo.toml"),
        format!(
            "[package]\nname = \"seam-real-rust-probe\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [dependencies]\n{CRATE} = {{ version = \"={VERSION}\", default-features = false }}\n\n\
             [workspace]\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .arg("fetch")
        .arg("--manifest-path")
        .arg(probe.join("Cargo.toml"))
        .env("CARGO_HOME", &cargo_home)
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    find_unpacked(&cargo_home).ok_or_else(|| format!("{CRATE}-{VERSION} not unpacked"))
}

fn find_unpacked(cargo_home: &Path) -> Option<PathBuf> {
    let registries = std::fs::read_dir(cargo_home.join("registry/src")).ok()?;
    registries
        .filter_map(Result::ok)
        .map(|r| r.path().join(format!("{CRATE}-{VERSION}")))
        .find(|dir| dir.join("src/schema.rs").is_file())
}

/// The independent count: every `name (key) { … }` triple in a `table!` invocation
/// (`#[sql_name = "…"]` before it renames the table), anywhere in the file.
fn declared_tables(schema: &str) -> BTreeSet<String> {
    let file = syn::parse_file(schema).expect("schema.rs parses");
    let mut out = BTreeSet::new();
    let mut items: Vec<&syn::Item> = file.items.iter().collect();
    while let Some(item) = items.pop() {
        match item {
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    items.extend(inner);
                }
            }
            syn::Item::Macro(m)
                if m.mac
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "table") =>
            {
                let trees: Vec<TokenTree> = m.mac.tokens.clone().into_iter().collect();
                for (i, window) in trees.windows(3).enumerate() {
                    let (TokenTree::Ident(name), TokenTree::Group(key), TokenTree::Group(body)) =
                        (&window[0], &window[1], &window[2])
                    else {
                        continue;
                    };
                    if key.delimiter() != Delimiter::Parenthesis
                        || body.delimiter() != Delimiter::Brace
                    {
                        continue;
                    }
                    let renamed = i.checked_sub(1).and_then(|j| match &trees[j] {
                        TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket => {
                            let text = g.stream().to_string();
                            let rest = text.strip_prefix("sql_name")?;
                            Some(
                                rest.trim()
                                    .trim_start_matches('=')
                                    .trim()
                                    .trim_matches('"')
                                    .to_owned(),
                            )
                        }
                        _ => None,
                    });
                    out.insert(renamed.unwrap_or_else(|| name.to_string()));
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn lemmy_db_schema_tables_match_the_schema() {
    let dir = match fetch_crate() {
        Ok(dir) => dir,
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("could not download {CRATE} {VERSION} from crates.io: {e}");
            }
            eprintln!(
                "\n==================== SKIP ====================\n\
                 real_rust: could not download {CRATE} {VERSION} (no network?): {e}\n\
                 ==============================================\n"
            );
            return;
        }
    };
    let schema = std::fs::read_to_string(dir.join("src/schema.rs")).unwrap();
    let expected = declared_tables(&schema);
    assert!(
        expected.len() >= 50,
        "the independent count found only {} tables",
        expected.len()
    );

    let started = std::time::Instant::now();
    let analysis = analyze(&dir, &AnalyzeOptions::default()).expect("analysis runs");
    let elapsed = started.elapsed();
    let graph = &analysis.graph;
    let found: BTreeSet<String> = graph
        .nodes()
        .filter(|n| n.kind == NodeKind::Table)
        .map(|n| n.name.clone())
        .collect();
    let hits = found.intersection(&expected).count();
    let precision = hits as f64 / found.len().max(1) as f64;
    let recall = hits as f64 / expected.len() as f64;
    println!(
        "{CRATE} {VERSION}: {} tables declared, seam found {} ({hits} right) in {elapsed:?}",
        expected.len(),
        found.len()
    );
    println!("tables: precision {precision:.3}, recall {recall:.3}");
    println!(
        "  seam only: {:?}",
        found.difference(&expected).collect::<Vec<_>>()
    );
    println!(
        "  missed:    {:?}",
        expected.difference(&found).collect::<Vec<_>>()
    );

    // Models must map to declared tables; data access and relations must be found.
    let models: Vec<_> = graph
        .nodes()
        .filter(|n| n.kind == NodeKind::Model)
        .collect();
    let mapped = models
        .iter()
        .filter(|m| m.attrs.get("table").is_some_and(|t| expected.contains(t)))
        .count();
    let count = |kind: EdgeKind| graph.edges().filter(|(_, _, e)| e.kind == kind).count();
    println!(
        "models: {} ({mapped} on declared tables); fk {}, reads {}, writes {}, calls {}, imports {}",
        models.len(),
        count(EdgeKind::Fk),
        count(EdgeKind::Reads),
        count(EdgeKind::Writes),
        count(EdgeKind::Calls),
        count(EdgeKind::Imports)
    );
    assert!(recall >= 0.95, "table recall {recall:.3} under 0.95");
    assert!(precision >= 0.9, "table precision {precision:.3} under 0.9");
    assert!(models.len() >= 50, "only {} diesel models", models.len());
    assert!(
        mapped as f64 >= 0.9 * models.len() as f64,
        "only {mapped} of {} models map to declared tables",
        models.len()
    );
    // Every `joinable!` in the schema is a relation.
    let joinables = schema.matches("joinable!(").count();
    assert!(
        count(EdgeKind::Fk) >= joinables * 9 / 10,
        "{} fk edges for {joinables} joinable! lines",
        count(EdgeKind::Fk)
    );
    assert!(count(EdgeKind::Writes) > 0 && count(EdgeKind::Reads) > 0);
    assert!(graph.contains("rs:lemmy_db_schema::schema"));
}
