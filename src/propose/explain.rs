//! Why each module, model and table sits where it does, and what crosses each
//! dependency between contexts.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Assignment;
use super::coupling::{self, Coupling, Signal, UnitKind};

/// The context name explanations give shared units.
pub const SHARED: &str = "(shared)";
use super::ownership::{TableOwnership, Violation};

/// Strongest edges listed per unit.
const STRONGEST: usize = 3;

#[derive(Debug, Clone, Serialize)]
pub struct EdgeExplanation {
    /// The unit at the other end.
    pub with: String,
    pub context: String,
    pub weight: f64,
    /// Signals by contribution, strongest first.
    pub signals: Vec<String>,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct UnitExplanation {
    pub unit: String,
    pub kind: super::coupling::UnitKind,
    pub context: String,
    /// One sentence.
    pub reason: String,
    pub strongest: Vec<EdgeExplanation>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableExplanation {
    pub table: String,
    pub owner: String,
    pub rule: super::ownership::OwnerRule,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DependencyExplanation {
    pub from: String,
    pub to: String,
    /// Calls, imports, relations and table accesses crossing, with `file:line`.
    pub crossing: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Explanations {
    pub units: Vec<UnitExplanation>,
    pub tables: Vec<TableExplanation>,
    pub dependencies: Vec<DependencyExplanation>,
    /// Per context: the signals holding it together (by internal weight).
    pub contexts: Vec<String>,
}

pub(super) fn explain(
    c: &Coupling,
    a: &Assignment,
    ownership: &[TableOwnership],
    violations: &[Violation],
) -> Explanations {
    let ctx_name = |u: usize| {
        a.of_unit[u]
            .map(|x| a.names[x].clone())
            .unwrap_or_else(|| "(none)".to_owned())
    };
    let neighbours = c.neighbours();
    let mut units = Vec::new();
    let member_data = member_data(c, a, ownership);
    for (u, unit) in c.units.iter().enumerate() {
        if let Some(why) = a.shared.get(&u) {
            units.push(UnitExplanation {
                unit: unit.id.clone(),
                kind: unit.kind,
                context: SHARED.to_owned(),
                reason: why.clone(),
                strongest: Vec::new(),
            });
            continue;
        }
        let Some(ctx) = a.of_unit[u] else { continue };
        if a.listed_as(c, u) != u {
            continue;
        }
        if unit.kind == UnitKind::Member {
            let module = unit.parent.map_or("?", |m| c.units[m].id.as_str());
            let data = member_data.get(&u).map_or_else(
                || {
                    "no data of its own; it goes with the code it calls and that calls it"
                        .to_owned()
                },
                |by_ctx| {
                    by_ctx
                        .iter()
                        .map(|(x, n)| format!("{n} access(es) to tables of {x}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                },
            );
            units.push(UnitExplanation {
                unit: unit.id.clone(),
                kind: unit.kind,
                context: a.names[ctx].clone(),
                reason: format!(
                    "member of {module}, whose members pull towards different contexts (split); it works on: {data}"
                ),
                strongest: Vec::new(),
            });
            continue;
        }
        let strongest: Vec<EdgeExplanation> = coupling::strongest(&neighbours[u], STRONGEST)
            .into_iter()
            .map(|(v, p)| {
                let mut sig: Vec<(&Signal, &f64)> = p.by_signal.iter().collect();
                sig.sort_by(|x, y| y.1.total_cmp(x.1));
                EdgeExplanation {
                    with: c.units[v].id.clone(),
                    context: ctx_name(v),
                    weight: round(p.weight),
                    signals: sig
                        .iter()
                        .map(|(s, w)| format!("{} {:.2}", s.as_str(), w))
                        .collect(),
                    evidence: p.evidence.clone(),
                }
            })
            .collect();
        // Weight towards each context: the case for its placement.
        let mut pull: BTreeMap<usize, f64> = BTreeMap::new();
        for &(other, p) in &neighbours[u] {
            if let Some(oc) = a.of_unit[other] {
                *pull.entry(oc).or_default() += p.weight;
            }
        }
        let total: f64 = pull.values().sum();
        let here = pull.get(&ctx).copied().unwrap_or(0.0);
        let reason = if a.isolated.contains(&u) {
            "no coupling to any other unit in the analysed code; placed with its strongest neighbour, its app/package, or the largest context".to_owned()
        } else if total <= 0.0 {
            "pinned or listed here; no coupling to other units".to_owned()
        } else {
            let best_elsewhere = pull
                .iter()
                .filter(|(k, _)| **k != ctx)
                .max_by(|x, y| x.1.total_cmp(y.1))
                .map(|(k, w)| {
                    format!(
                        "; strongest pull elsewhere: {} ({:.0}%)",
                        a.names[*k],
                        100.0 * w / total
                    )
                })
                .unwrap_or_default();
            match strongest.first() {
                Some(top) => format!(
                    "{:.0}% of its coupling is with {}; strongest: {} ({}){best_elsewhere}",
                    100.0 * here / total,
                    a.names[ctx],
                    top.with,
                    top.signals.first().cloned().unwrap_or_default()
                ),
                None => format!(
                    "{:.0}% of its coupling is with {}",
                    100.0 * here / total,
                    a.names[ctx]
                ),
            }
        };
        units.push(UnitExplanation {
            unit: unit.id.clone(),
            kind: unit.kind,
            context: a.names[ctx].clone(),
            reason,
            strongest,
        });
    }
    let tables = ownership
        .iter()
        .map(|o| TableExplanation {
            table: o.table.clone(),
            owner: o.owner.clone(),
            rule: o.rule,
            reason: o.reason.clone(),
        })
        .collect();
    let mut crossing: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for d in &c.dependencies {
        if let (Some(x), Some(y)) = (a.of_unit[d.from], a.of_unit[d.to])
            && x != y
        {
            let at = d
                .evidence
                .first()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            crossing
                .entry((a.names[x].clone(), a.names[y].clone()))
                .or_default()
                .push(format!("{}{at}", d.what));
        }
    }
    for v in violations {
        crossing
            .entry((v.context.clone(), v.owner.clone()))
            .or_default()
            .push(format!(
                "{} {} table {}{}",
                v.unit,
                v.access,
                v.table,
                v.evidence
                    .first()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            ));
    }
    let dependencies = crossing
        .into_iter()
        .map(|((from, to), mut lines)| {
            lines.sort();
            lines.dedup();
            DependencyExplanation {
                from,
                to,
                crossing: lines,
            }
        })
        .collect();
    // What holds each context together: internal weight by signal.
    let mut internal: Vec<BTreeMap<Signal, f64>> = vec![BTreeMap::new(); a.names.len()];
    for (&(x, y), p) in &c.pairs {
        if let (Some(cx), Some(cy)) = (a.of_unit[x], a.of_unit[y])
            && cx == cy
        {
            for (s, w) in &p.by_signal {
                *internal[cx].entry(*s).or_default() += w;
            }
        }
    }
    let contexts = internal
        .into_iter()
        .map(|by| {
            let total: f64 = by.values().sum();
            if total <= 0.0 {
                return "no internal coupling".to_owned();
            }
            let mut v: Vec<(Signal, f64)> = by.into_iter().collect();
            v.sort_by(|x, y| y.1.total_cmp(&x.1));
            v.iter()
                .take(4)
                .map(|(s, w)| format!("{} {:.0}%", s.as_str(), 100.0 * w / total))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    Explanations {
        units,
        tables,
        dependencies,
        contexts,
    }
}

/// Per member unit: accesses by the owning context of the table (name → count).
fn member_data(
    c: &Coupling,
    a: &Assignment,
    ownership: &[TableOwnership],
) -> BTreeMap<usize, BTreeMap<String, u32>> {
    let owner: BTreeMap<&str, &str> = ownership
        .iter()
        .map(|o| (o.table.as_str(), o.owner.as_str()))
        .collect();
    let mut out: BTreeMap<usize, BTreeMap<String, u32>> = BTreeMap::new();
    for acc in &c.accesses {
        if c.units[acc.unit].kind == UnitKind::Member
            && a.listed_as(c, acc.unit) == acc.unit
            && let Some(o) = owner.get(acc.table.as_str())
        {
            *out.entry(acc.unit)
                .or_default()
                .entry((*o).to_owned())
                .or_default() += acc.count;
        }
    }
    out
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}
