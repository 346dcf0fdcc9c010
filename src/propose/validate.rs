//! Checks of a decomposition.yaml against the graph it is used with: every module (a
//! context's or a shared one, members `module#name` included), model, table, pinned id
//! and constraint it names should exist in the analysed code.
//! These are warnings (the code may have moved on since the file was written), each at
//! its line and column.

use crate::decomposition::Decomposition;
use crate::diagnostics::{Diagnostic, Severity};
use crate::yaml::Positions;

use super::coupling::Coupling;

pub fn against_graph(
    d: &Decomposition,
    coupling: &Coupling,
    file: &str,
    text: &str,
) -> Vec<Diagnostic> {
    let pos = Positions::parse(text);
    let mut out = Vec::new();
    let known_unit =
        |id: &str| coupling.unit(id).is_some() || coupling.split_modules.contains_key(id);
    let known_table = |id: &str| {
        let t = id.strip_prefix("table:").unwrap_or(id);
        coupling.tables.iter().any(|x| x.name == t)
    };
    let mut warn = |path: String, what: &str, id: &str, help: &str| {
        let mut diag = pos.error(
            file,
            &path,
            "unknown-id",
            format!("{what} {id} is not in the analysed code"),
        );
        diag.severity = Severity::Warning;
        out.push(diag.help(help));
    };
    for (k, m) in d.shared.modules.iter().enumerate() {
        if !known_unit(m) {
            warn(
                format!("shared.modules[{k}]"),
                "shared module",
                m,
                "use a module id from `seam analyze --format json` (e.g. `py:shop.settings`), or remove it",
            );
        }
    }
    for (i, c) in d.contexts.iter().enumerate() {
        for (k, m) in c.modules.iter().enumerate() {
            if !known_unit(m) {
                warn(
                    format!("contexts[{i}].modules[{k}]"),
                    "module",
                    m,
                    "use a module id from `seam analyze --format json` (e.g. `py:orders.views`), or remove it",
                );
            }
        }
        for (k, m) in c.models.iter().enumerate() {
            if !known_unit(m) {
                warn(
                    format!("contexts[{i}].models[{k}]"),
                    "model",
                    m,
                    "use a model label such as `orders.Order`, or remove it",
                );
            }
        }
        for (k, t) in c.tables.iter().enumerate() {
            if !known_table(t) {
                warn(
                    format!("contexts[{i}].tables[{k}]"),
                    "table",
                    t,
                    "use a table name the code reads, writes or maps a model to, or remove it",
                );
            }
        }
        for (k, p) in c.pinned.iter().enumerate() {
            if !known_unit(p) && !known_table(p) {
                warn(
                    format!("contexts[{i}].pinned[{k}]"),
                    "pinned id",
                    p,
                    "pin a module id, model label or table name of the analysed code",
                );
            }
        }
    }
    for (kind, pairs) in [
        ("must_link", &d.constraints.must_link),
        ("cannot_link", &d.constraints.cannot_link),
    ] {
        for (k, pair) in pairs.iter().enumerate() {
            for (j, id) in pair.iter().enumerate() {
                if !known_unit(id) && !known_table(id) {
                    warn(
                        format!("constraints.{kind}[{k}][{j}]"),
                        "constrained id",
                        id,
                        "name a module id, model label or table name of the analysed code",
                    );
                }
            }
        }
    }
    out
}
