//! Workshop and code together: the workshop's contexts seed the clustering of the
//! code graph, and where the two disagree is reported.
//!
//! # Matching workshop names to code
//!
//! Each aggregate's name and each of its `data` names is compared with every model
//! node (its `name` and `attrs.label`) and table node (its `name`, and its name
//! without the `<group>_` prefix Django and others put before tables) that the code
//! defines (external placeholders are skipped). Names are compared by [`match_key`]:
//! case, `_`, `-`, `.` and spaces are ignored and English plurals are reduced to the
//! singular, so `order_line` matches the model `OrderLine`, the table `order_lines`
//! and the Django table `orders_orderline`. A matched model also brings its table.
//! A node matched from two workshop contexts is pinned to neither and reported.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::derive::place_aggregates;
use super::model::Workshop;
use crate::decomposition::Decomposition;
use crate::diagnostics::Diagnostic;
use crate::graph::{EdgeKind, Evidence, Graph, Node, NodeKind};

/// Per workshop context, the graph nodes (models and tables) to keep together.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Seeds {
    pub contexts: Vec<SeedContext>,
    /// Workshop aggregates and data that match nothing in the code.
    pub unmatched: Vec<Unmatched>,
    /// Nodes matched from several contexts, therefore pinned to none.
    pub conflicts: Vec<SeedConflict>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedContext {
    /// The workshop context (drawn or derived).
    pub context: String,
    pub nodes: Vec<SeedNode>,
}

impl SeedContext {
    /// The node ids to pin together (`model:…`, `table:…`).
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.nodes.iter().map(|n| n.id.as_str())
    }

    /// The seeds as must-link pairs (each node with the context's first one), the
    /// shape of `Decomposition::constraints.must_link`.
    pub fn must_link(&self) -> Vec<[String; 2]> {
        let mut ids = self.ids();
        let Some(first) = ids.next() else {
            return Vec::new();
        };
        ids.map(|id| [first.to_owned(), id.to_owned()]).collect()
    }
}

/// One graph node pinned to a context, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedNode {
    pub id: String,
    pub aggregate: String,
    /// The workshop name it matched (the aggregate's or one of its data).
    pub matched: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Unmatched {
    pub context: String,
    pub aggregate: String,
    /// The data item; `None` when nothing of the aggregate matched.
    pub data: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedConflict {
    pub id: String,
    /// (context, aggregate) pairs that matched it.
    pub matched_by: Vec<(String, String)>,
}

/// The comparison key of a name: lower-case ASCII letters and digits only, with an
/// English plural reduced to the singular (`OrderLines` → `orderline`,
/// `categories` → `category`, `addresses` → `address`, `boxes` → `box`).
pub fn match_key(name: &str) -> String {
    let key: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if key.len() > 4
        && let Some(stem) = key.strip_suffix("ies")
    {
        return format!("{stem}y");
    }
    for suffix in ["sses", "xes", "ches", "shes", "zes"] {
        if key.len() > suffix.len() + 1 && key.ends_with(suffix) {
            return key[..key.len() - 2].to_owned();
        }
    }
    if key.len() > 3
        && key.ends_with('s')
        && !key.ends_with("ss")
        && !key.ends_with("us")
        && !key.ends_with("is")
    {
        return key[..key.len() - 1].to_owned();
    }
    key
}

/// The keys a graph node answers to.
fn node_keys(node: &Node) -> Vec<String> {
    let mut keys = vec![match_key(&node.name)];
    if let Some(label) = node.attrs.get("label") {
        keys.push(match_key(label));
    }
    if node.kind == NodeKind::Table
        && let Some(group) = &node.group
        && let Some(rest) = node.name.strip_prefix(&format!("{group}_"))
    {
        keys.push(match_key(rest));
    }
    keys
}

/// Model and table nodes the code defines, by match key.
fn candidates(graph: &Graph) -> BTreeMap<String, Vec<&Node>> {
    let mut by_key: BTreeMap<String, Vec<&Node>> = BTreeMap::new();
    for node in graph.nodes() {
        let usable = match node.kind {
            NodeKind::Model => node.attrs.get("abstract").is_none_or(|v| v != "true"),
            NodeKind::Table => true,
            _ => false,
        };
        if !usable || node.external {
            continue;
        }
        for key in node_keys(node) {
            let list = by_key.entry(key).or_default();
            if !list.iter().any(|n| n.id == node.id) {
                list.push(node);
            }
        }
    }
    by_key
}

/// Matches the workshop's aggregates and data to the graph's models and tables.
pub fn seeds_from_workshop(w: &Workshop, graph: &Graph) -> Seeds {
    let placement = place_aggregates(w);
    let by_key = candidates(graph);
    let mut seeds = Seeds::default();
    // id → (context index, node) of every match, to find conflicts.
    let mut claimed: BTreeMap<String, Vec<(usize, SeedNode)>> = BTreeMap::new();
    for (ci, placed) in placement.contexts.iter().enumerate() {
        seeds.contexts.push(SeedContext {
            context: placed.name.clone(),
            nodes: Vec::new(),
        });
        for &ai in &placed.aggregates {
            let a = &w.aggregates[ai];
            let mut any = false;
            let names = std::iter::once((a.name.as_str(), false))
                .chain(a.data.iter().map(|d| (d.name.as_str(), true)));
            for (name, is_data) in names {
                let mut ids: Vec<String> = Vec::new();
                for node in by_key.get(&match_key(name)).into_iter().flatten() {
                    ids.push(node.id.clone());
                    if node.kind == NodeKind::Model
                        && let Some(table) = node.attrs.get("table")
                        && graph.contains(&format!("table:{table}"))
                    {
                        ids.push(format!("table:{table}"));
                    }
                }
                if ids.is_empty() && is_data {
                    seeds.unmatched.push(Unmatched {
                        context: placed.name.clone(),
                        aggregate: a.name.clone(),
                        data: Some(name.to_owned()),
                    });
                }
                for id in ids {
                    any = true;
                    let entry = claimed.entry(id.clone()).or_default();
                    if !entry.iter().any(|(c, n)| *c == ci && n.aggregate == a.name) {
                        entry.push((
                            ci,
                            SeedNode {
                                id,
                                aggregate: a.name.clone(),
                                matched: name.to_owned(),
                            },
                        ));
                    }
                }
            }
            if !any {
                seeds.unmatched.push(Unmatched {
                    context: placed.name.clone(),
                    aggregate: a.name.clone(),
                    data: None,
                });
            }
        }
    }
    for (id, matches) in claimed {
        let contexts: BTreeSet<usize> = matches.iter().map(|(c, _)| *c).collect();
        if contexts.len() > 1 {
            seeds.conflicts.push(SeedConflict {
                id,
                matched_by: matches
                    .iter()
                    .map(|(c, n)| (placement.contexts[*c].name.clone(), n.aggregate.clone()))
                    .collect(),
            });
        } else if let Some((c, node)) = matches.into_iter().next() {
            seeds.contexts[c].nodes.push(node);
        }
    }
    seeds
}

/// Where the code (placed by a decomposition) and the workshop disagree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Disagreement {
    /// Code of one context reads or writes a table the workshop gives to another.
    ForeignAccess {
        table: String,
        /// The workshop context owning the table, and the aggregate whose data it is.
        owner: String,
        aggregate: String,
        /// The workshop context the accessing code corresponds to.
        accessor: String,
        /// The decomposition context the accessing code sits in.
        code_context: String,
        /// The accessing function, method or class.
        code: String,
        /// `reads` or `writes`.
        access: String,
        evidence: Vec<Evidence>,
    },
    /// The decomposition places a table in a context that corresponds to another
    /// workshop context than the one the workshop gives it to.
    TablePlacedElsewhere {
        table: String,
        owner: String,
        code_context: String,
        corresponds_to: String,
    },
    /// The models and tables of one aggregate sit in several decomposition contexts.
    AggregateSplit {
        aggregate: String,
        owner: String,
        /// Decomposition context → the aggregate's nodes in it.
        placed: BTreeMap<String, Vec<String>>,
    },
    /// Workshop data (or a whole aggregate) with no model or table in the code.
    MissingInCode {
        context: String,
        aggregate: String,
        data: Option<String>,
    },
    /// One model or table matches aggregates of several workshop contexts.
    AmbiguousMatch {
        node: String,
        matched_by: Vec<(String, String)>,
    },
}

impl Disagreement {
    pub fn code(&self) -> &'static str {
        match self {
            Disagreement::ForeignAccess { .. } => "workshop-foreign-access",
            Disagreement::TablePlacedElsewhere { .. } => "workshop-table-elsewhere",
            Disagreement::AggregateSplit { .. } => "workshop-aggregate-split",
            Disagreement::MissingInCode { .. } => "workshop-missing-in-code",
            Disagreement::AmbiguousMatch { .. } => "workshop-ambiguous-match",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Disagreement::ForeignAccess {
                table,
                owner,
                aggregate,
                accessor,
                code,
                access,
                evidence,
                ..
            } => {
                let at = evidence
                    .iter()
                    .map(|e| e.to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                format!(
                    "the workshop gives table {table} to context {owner} (data of {aggregate}), but {code} in context {accessor} {access} it ({at})"
                )
            }
            Disagreement::TablePlacedElsewhere {
                table,
                owner,
                code_context,
                corresponds_to,
            } => format!(
                "the workshop gives table {table} to context {owner}, the decomposition to {code_context} (which corresponds to {corresponds_to})"
            ),
            Disagreement::AggregateSplit {
                aggregate,
                owner,
                placed,
            } => format!(
                "aggregate {aggregate} (context {owner}) is split by the code across {}",
                placed
                    .iter()
                    .map(|(c, ids)| format!("{c} ({})", ids.join(", ")))
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            Disagreement::MissingInCode {
                context,
                aggregate,
                data: Some(data),
            } => format!(
                "data {data} of aggregate {aggregate} (context {context}) has no model or table in the code"
            ),
            Disagreement::MissingInCode {
                context,
                aggregate,
                data: None,
            } => format!(
                "aggregate {aggregate} (context {context}) matches no model or table in the code"
            ),
            Disagreement::AmbiguousMatch { node, matched_by } => format!(
                "{node} matches aggregates of several workshop contexts: {}",
                matched_by
                    .iter()
                    .map(|(c, a)| format!("{a} in {c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    pub fn help(&self) -> &'static str {
        match self {
            Disagreement::ForeignAccess { .. } => {
                "database per service: move this code to the owning context, or replace the access with a call to its API or a reaction to its events"
            }
            Disagreement::TablePlacedElsewhere { .. } => {
                "move the table in decomposition.yaml, or give the data to the other aggregate in the workshop"
            }
            Disagreement::AggregateSplit { .. } => {
                "an aggregate is one consistency boundary: keep its models and tables in one context"
            }
            Disagreement::MissingInCode { .. } => {
                "rename the data to the model or table that holds it, or it is new and will be created by the new service"
            }
            Disagreement::AmbiguousMatch { .. } => {
                "rename the workshop data so that it matches one model or table only"
            }
        }
    }

    /// A warning at the code it is about (the first evidence), or at the workshop.
    pub fn to_diagnostic(&self, workshop_file: &str) -> Diagnostic {
        let d = Diagnostic::warning(self.code(), self.message()).help(self.help());
        match self {
            Disagreement::ForeignAccess { evidence, .. } if !evidence.is_empty() => {
                d.file(&evidence[0].file).line(evidence[0].line)
            }
            _ => d.file(workshop_file),
        }
    }
}

/// Reports where the code, as placed by `d`, and the workshop disagree.
///
/// Each decomposition context corresponds to the workshop context of the same name,
/// else to the one whose seeded tables and models it holds most of (the first on a
/// tie); code sits in the context that lists its module.
pub fn disagreements(w: &Workshop, d: &Decomposition, graph: &Graph) -> Vec<Disagreement> {
    let seeds = seeds_from_workshop(w, graph);
    // node id → (workshop context, aggregate)
    let mut seeded: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for c in &seeds.contexts {
        for n in &c.nodes {
            seeded.insert(&n.id, (&c.context, &n.aggregate));
        }
    }
    let placed_ids = |c: &crate::decomposition::Context| -> Vec<String> {
        c.tables
            .iter()
            .map(|t| format!("table:{t}"))
            .chain(c.models.iter().map(|m| format!("model:{m}")))
            .collect()
    };
    let mut corresponds: BTreeMap<&str, String> = BTreeMap::new();
    for c in &d.contexts {
        if seeds.contexts.iter().any(|s| s.context == c.name) {
            corresponds.insert(&c.name, c.name.clone());
            continue;
        }
        let mut count: Vec<(&str, usize)> = Vec::new();
        for id in placed_ids(c) {
            if let Some((wc, _)) = seeded.get(id.as_str()) {
                match count.iter_mut().find(|(x, _)| x == wc) {
                    Some((_, n)) => *n += 1,
                    None => count.push((wc, 1)),
                }
            }
        }
        if let Some(best) = count.iter().map(|(_, n)| *n).max()
            && let Some((wc, _)) = count.iter().find(|(_, n)| *n == best)
        {
            corresponds.insert(&c.name, (*wc).to_owned());
        }
    }
    let mut module_context: BTreeMap<&str, &str> = BTreeMap::new();
    for c in &d.contexts {
        for m in &c.modules {
            module_context.insert(m, &c.name);
        }
    }

    let mut out = Vec::new();
    // Tables accessed by code of another context.
    for (&id, &(owner, aggregate)) in &seeded {
        let Some(table) = id.strip_prefix("table:") else {
            continue;
        };
        let mut accesses: Vec<(&Node, &crate::graph::Edge)> = graph
            .incoming(id)
            .filter(|(_, e)| e.kind.is_data_access())
            .collect();
        accesses.sort_by(|a, b| (&a.0.id, a.1.kind).cmp(&(&b.0.id, b.1.kind)));
        for (code, edge) in accesses {
            let Some(module) = graph.enclosing(&code.id, NodeKind::Module) else {
                continue;
            };
            let Some(&code_context) = module_context.get(module.id.as_str()) else {
                continue;
            };
            let Some(accessor) = corresponds.get(code_context) else {
                continue;
            };
            if accessor != owner {
                out.push(Disagreement::ForeignAccess {
                    table: table.to_owned(),
                    owner: owner.to_owned(),
                    aggregate: aggregate.to_owned(),
                    accessor: accessor.clone(),
                    code_context: code_context.to_owned(),
                    code: code.id.clone(),
                    access: if edge.kind == EdgeKind::Writes {
                        "writes"
                    } else {
                        "reads"
                    }
                    .to_owned(),
                    evidence: edge.evidence.clone(),
                });
            }
        }
    }
    // Tables the decomposition places elsewhere, aggregates it splits.
    let mut split: BTreeMap<&str, (&str, BTreeMap<String, Vec<String>>)> = BTreeMap::new();
    for c in &d.contexts {
        for id in placed_ids(c) {
            let Some(&(owner, aggregate)) = seeded.get(id.as_str()) else {
                continue;
            };
            split
                .entry(aggregate)
                .or_insert((owner, BTreeMap::new()))
                .1
                .entry(c.name.clone())
                .or_default()
                .push(id.clone());
            if let (Some(table), Some(corr)) =
                (id.strip_prefix("table:"), corresponds.get(c.name.as_str()))
                && corr != owner
            {
                out.push(Disagreement::TablePlacedElsewhere {
                    table: table.to_owned(),
                    owner: owner.to_owned(),
                    code_context: c.name.clone(),
                    corresponds_to: corr.clone(),
                });
            }
        }
    }
    for (aggregate, (owner, placed)) in split {
        if placed.len() > 1 {
            out.push(Disagreement::AggregateSplit {
                aggregate: aggregate.to_owned(),
                owner: owner.to_owned(),
                placed,
            });
        }
    }
    for u in seeds.unmatched {
        out.push(Disagreement::MissingInCode {
            context: u.context,
            aggregate: u.aggregate,
            data: u.data,
        });
    }
    for c in seeds.conflicts {
        out.push(Disagreement::AmbiguousMatch {
            node: c.id,
            matched_by: c.matched_by,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_case_separators_and_plurals() {
        for (a, b) in [
            ("order_line", "OrderLine"),
            ("order_lines", "OrderLine"),
            ("Category", "categories"),
            ("address", "Addresses"),
            ("box", "boxes"),
            ("status", "Status"),
            ("payment", "payments"),
        ] {
            assert_eq!(match_key(a), match_key(b), "{a} vs {b}");
        }
        assert_ne!(match_key("order"), match_key("orders_order"));
    }
}
