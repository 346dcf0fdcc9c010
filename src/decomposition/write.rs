//! Writing `decomposition.yaml` for people: the data through serde, with comments that
//! explain the format and, above each context, why it looks the way it does.

use std::fmt::Write;

use super::{Context, Decomposition};

const HEADER: &str = "\
# seam decomposition: bounded contexts, one service each, each owning its tables.
#
# Edit freely, then re-score with `seam propose --score decomposition.yaml`
# or generate services with `seam scaffold decomposition.yaml -o services/`:
#   - move a module, model or table to another context (a table has exactly one owner);
#   - rename a context (lower-case letters, digits, dashes) or change its stack
#     (go | django | rust), team, route_prefix, port or middlewares;
#   - set `frozen: true` to keep a context as it is when `seam propose` runs again,
#     or list ids under `pinned:` to keep just those where they are.
# Lines starting with `#` are explanations written by seam; they are not read back.
";

/// The YAML text of a decomposition, with explanatory comments.
pub fn to_yaml(d: &Decomposition) -> String {
    let mut out = String::from(HEADER);
    let mut head = d.clone();
    head.contexts.clear();
    head.shared = Default::default();
    let head_yaml = serde_norway::to_string(&head).expect("decomposition serialises");
    // `contexts: []` closes the header part; the contexts follow one by one.
    for line in head_yaml.lines() {
        if line.trim_start() == "contexts: []" {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("contexts:\n");
    for c in &d.contexts {
        out.push('\n');
        write_context(&mut out, c);
    }
    if !d.shared.is_empty() {
        out.push_str(
            "\n# Shared kernel / platform: plumbing that is no context (settings, entry points,\n\
             # the composition root, utilities most contexts use). Not a service.\n",
        );
        for note in &d.shared.notes {
            let _ = writeln!(out, "# {note}");
        }
        let yaml = serde_norway::to_string(&Decomposition {
            contexts: Vec::new(),
            ..d.clone()
        })
        .expect("decomposition serialises");
        let mut inside = false;
        for line in yaml.lines() {
            if line.starts_with("shared:") {
                inside = true;
            } else if !line.starts_with(' ') && !line.starts_with('-') {
                inside = false;
            }
            if inside {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

fn write_context(out: &mut String, c: &Context) {
    for note in &c.notes {
        for line in note.lines() {
            let _ = writeln!(out, "  # {line}");
        }
    }
    let yaml = serde_norway::to_string(c).expect("context serialises");
    for (i, line) in yaml.lines().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "  - {line}");
        } else {
            let _ = writeln!(out, "    {line}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decomposition::load::load;
    use crate::decomposition::{Dependency, Stack};

    #[test]
    fn written_files_load_back_identically() {
        let mut d = Decomposition::new("shop");
        let mut orders = Context::new("orders", Stack::Go);
        orders.tables = vec!["orders_order".into()];
        orders.notes = vec!["owns orders_order: it writes it 12 times".into()];
        orders.depends_on = vec![Dependency {
            context: "catalog".into(),
            via: vec!["reads table catalog_product (orders/services.py:26)".into()],
        }];
        orders
            .config
            .insert("DATABASE_URL".into(), "postgres://orders".into());
        let catalog = Context::new("catalog", Stack::Django);
        d.contexts = vec![orders, catalog];
        let text = to_yaml(&d);
        assert!(text.contains("  # owns orders_order"), "{text}");
        let mut back = load("d.yaml", &text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        for c in &mut back.contexts {
            c.notes.clear();
        }
        for c in &mut d.contexts {
            c.notes.clear();
        }
        assert_eq!(back, d);
    }
}
