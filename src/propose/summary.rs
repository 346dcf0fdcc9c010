//! The readable summary of a proposal (`--format summary`, the default on a terminal).

use std::fmt::Write;

use super::Proposal;

/// Violations listed before summarising the rest.
const MAX_VIOLATIONS: usize = 20;

pub fn render(p: &Proposal) -> String {
    let mut out = String::new();
    let m = &p.metrics;
    let d = &p.decomposition;
    let _ = writeln!(
        out,
        "{}: {} contexts over {} units (signals: {})\n",
        d.system,
        m.contexts,
        m.units,
        p.signals.join(", ")
    );
    for (i, c) in d.contexts.iter().enumerate() {
        let size = &m.sizes[i];
        let _ = writeln!(
            out,
            "■ {} [{}] {} module(s), {} model(s), {} table(s), ~{} LOC ({}){}{}",
            c.name,
            c.stack.as_str(),
            size.modules,
            size.models,
            c.tables.len(),
            size.loc,
            loc_words(size.loc_status),
            c.team
                .as_ref()
                .map(|t| format!(", team {t}"))
                .unwrap_or_default(),
            if c.frozen { ", frozen" } else { "" }
        );
        if let Some(why) = p.explanations.contexts.get(i) {
            let _ = writeln!(out, "  held together by: {why}");
        }
        if !c.models.is_empty() {
            let _ = writeln!(out, "  models: {}", c.models.join(", "));
        }
        if !c.tables.is_empty() {
            let _ = writeln!(out, "  owns:   {}", c.tables.join(", "));
        }
        for note in c.notes.iter().filter(|n| n.contains("split module")) {
            let _ = writeln!(out, "  {note}");
        }
        for dep in &c.depends_on {
            let _ = writeln!(
                out,
                "  → {} via {}",
                dep.context,
                dep.via.first().cloned().unwrap_or_default()
            );
            for v in dep.via.iter().skip(1).take(2) {
                let _ = writeln!(out, "      {v}");
            }
        }
        out.push('\n');
    }
    if !d.shared.is_empty() {
        let _ = writeln!(
            out,
            "▢ shared (plumbing, no context): {} module(s)",
            d.shared.modules.len()
        );
        for note in &d.shared.notes {
            let _ = writeln!(out, "  {note}");
        }
        out.push('\n');
    }
    let _ = writeln!(out, "Metrics");
    let _ = writeln!(
        out,
        "  modularity Q (γ={})      {:.3}",
        m.resolution, m.modularity
    );
    let _ = writeln!(
        out,
        "  structural modularity SM {:.3}",
        m.structural_modularity
    );
    let _ = writeln!(
        out,
        "  inter-call percentage    {:.1}%",
        100.0 * m.inter_call_percentage
    );
    let _ = writeln!(out, "  interface number IFN     {:.2}", m.interface_number);
    let _ = writeln!(
        out,
        "  non-extreme distr. NED   {:.2}",
        m.non_extreme_distribution
    );
    let _ = writeln!(
        out,
        "  table-access entropy     {:.3} bits",
        m.table_access_entropy
    );
    let _ = writeln!(out, "  shared tables            {}", m.shared_tables);
    if m.cyclic_dependencies.is_empty() {
        let _ = writeln!(out, "  cyclic dependencies      none");
    } else {
        for cycle in &m.cyclic_dependencies {
            let _ = writeln!(out, "  cyclic dependency        {}", cycle.join(" ⇄ "));
        }
    }
    if let Some(mj) = &m.mojofm {
        let _ = writeln!(
            out,
            "  MoJoFM vs {}  {:.1} ({} units)",
            mj.reference, mj.value, mj.units
        );
    }
    if !p.violations.is_empty() {
        let _ = writeln!(out, "\nTable ownership violations ({})", p.violations.len());
        for v in p.violations.iter().take(MAX_VIOLATIONS) {
            let _ = writeln!(
                out,
                "  {} {} {} (owned by {}) ×{} at {}\n    → {}",
                v.unit,
                v.access,
                v.table,
                v.owner,
                v.count,
                v.evidence
                    .first()
                    .cloned()
                    .unwrap_or_else(|| "?".to_owned()),
                v.remedy
            );
        }
        if p.violations.len() > MAX_VIOLATIONS {
            let _ = writeln!(
                out,
                "  … and {} more (see --format json)",
                p.violations.len() - MAX_VIOLATIONS
            );
        }
    }
    if !p.unassigned.is_empty() {
        let _ = writeln!(out, "\nIn no context: {}", p.unassigned.join(", "));
    }
    out
}

/// The 1K–10K lines-of-code guidance in words.
pub fn loc_words(status: crate::metrics::LocStatus) -> &'static str {
    match status {
        crate::metrics::LocStatus::TooSmall => "below the 1K–10K LOC guidance",
        crate::metrics::LocStatus::Ok => "within the 1K–10K LOC guidance",
        crate::metrics::LocStatus::TooLarge => "above the 1K–10K LOC guidance",
    }
}
