//! The readable summary `seam analyze` prints on a terminal: groups, models and
//! tables, and the cross-group data accesses an architect looks at first.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

use crate::analyze::AnalysisStats;
use crate::graph::{EdgeKind, Graph, NodeKind};

/// The group that owns each table: the group of the model stored in it.
pub fn table_groups(graph: &Graph) -> HashMap<&str, &str> {
    let mut owners = HashMap::new();
    for (from, to, edge) in graph.edges() {
        if edge.kind == EdgeKind::MapsTo
            && let Some(group) = from.group.as_deref()
        {
            owners.entry(to.id.as_str()).or_insert(group);
        }
    }
    owners
}

pub fn summary(graph: &Graph, root: &str, stats: &AnalysisStats, warnings: usize) -> String {
    let mut out = String::new();
    let mut langs: Vec<&str> = graph
        .nodes()
        .filter_map(|n| n.lang)
        .map(|l| l.as_str())
        .collect();
    langs.sort();
    langs.dedup();
    let _ = writeln!(
        out,
        "seam analysis of {root} ({})",
        if langs.is_empty() {
            "no supported code found".to_owned()
        } else {
            langs.join(", ")
        }
    );
    let _ = writeln!(
        out,
        "  {} files ({} unchanged since the last run, {} skipped), {} lines of code{}",
        stats.files,
        stats.cached,
        stats.skipped,
        stats.loc,
        if stats.reused {
            "; the tree is unchanged: the last analysis was reused"
        } else {
            ""
        }
    );
    let mut kinds: BTreeMap<NodeKind, usize> = BTreeMap::new();
    for n in graph.nodes().filter(|n| !n.external) {
        *kinds.entry(n.kind).or_default() += 1;
    }
    let kinds: Vec<String> = kinds
        .iter()
        .map(|(k, n)| format!("{n} {}", plural(k.as_str(), *n)))
        .collect();
    let _ = writeln!(out, "  {}", kinds.join(", "));

    // Groups.
    let mut groups: BTreeMap<&str, (usize, u64, usize)> = BTreeMap::new();
    for n in graph.nodes().filter(|n| !n.external) {
        let Some(g) = n.group.as_deref() else {
            continue;
        };
        let entry = groups.entry(g).or_default();
        match n.kind {
            NodeKind::Module => {
                entry.0 += 1;
                entry.1 += u64::from(n.loc.unwrap_or(0));
            }
            NodeKind::Model => entry.2 += 1,
            _ => {}
        }
    }
    if !groups.is_empty() {
        let width = groups.keys().map(|g| g.len()).max().unwrap_or(0);
        let _ = writeln!(out, "\nGroups (apps, packages, crates)");
        for (g, (modules, loc, models)) in &groups {
            let _ = writeln!(
                out,
                "  {g:width$}  {modules:>4} {}  {loc:>7} loc  {models:>3} {}",
                plural("module", *modules),
                plural("model", *models)
            );
        }
    }

    // Models and their tables and relations.
    let mut models: Vec<_> = graph
        .nodes()
        .filter(|n| n.kind == NodeKind::Model && !n.external)
        .collect();
    models.sort_by(|a, b| a.id.cmp(&b.id));
    if !models.is_empty() {
        let _ = writeln!(out, "\nModels → tables");
        for m in models {
            let table = m.attrs.get("table").map(String::as_str).unwrap_or("?");
            let mut relations: Vec<String> = graph
                .outgoing(&m.id)
                .filter(|(_, e)| e.kind.is_relation())
                .map(|(t, e)| {
                    format!(
                        "{} {} → {}",
                        e.kind.as_str(),
                        e.label.as_deref().unwrap_or(""),
                        t.name
                    )
                })
                .collect();
            relations.sort();
            let mut flags = Vec::new();
            for flag in ["abstract", "proxy"] {
                if m.attrs.get(flag).is_some_and(|v| v == "true") {
                    flags.push(flag);
                }
            }
            let flags = if flags.is_empty() {
                String::new()
            } else {
                format!(" [{}]", flags.join(", "))
            };
            let _ = writeln!(
                out,
                "  {}.{} → {table}{flags}{}",
                m.group.as_deref().unwrap_or("?"),
                m.name,
                if relations.is_empty() {
                    String::new()
                } else {
                    format!("  ({})", relations.join("; "))
                }
            );
        }
    }

    // Cross-group data access: code in one group touching a table another group owns.
    let owners = table_groups(graph);
    let mut cross: BTreeMap<(String, &str, EdgeKind), (u32, Vec<String>)> = BTreeMap::new();
    for (from, to, edge) in graph.edges() {
        if !edge.kind.is_data_access() {
            continue;
        }
        let (Some(src), Some(&owner)) = (from.group.as_deref(), owners.get(to.id.as_str())) else {
            continue;
        };
        if src == owner {
            continue;
        }
        let entry = cross
            .entry((src.to_owned(), to.name.as_str(), edge.kind))
            .or_default();
        entry.0 += edge.weight;
        entry.1.extend(edge.evidence.iter().map(|e| e.to_string()));
    }
    if !cross.is_empty() {
        let mut rows: Vec<_> = cross.into_iter().collect();
        rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
        let _ = writeln!(
            out,
            "\nCross-group data access (first candidates for an API or events)"
        );
        for ((src, table, kind), (weight, mut evidence)) in rows.into_iter().take(15) {
            evidence.sort();
            evidence.truncate(3);
            let _ = writeln!(
                out,
                "  {src} {} {table} ×{weight}  ({})",
                kind.as_str(),
                evidence.join(", ")
            );
        }
    }
    if warnings > 0 {
        let _ = writeln!(
            out,
            "\n{warnings} {} (printed above)",
            plural("warning", warnings)
        );
    }
    out
}

fn plural(word: &str, n: usize) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}
