//! Reading a reference split for MoJoFM (`--reference FILE`): a decomposition.yaml, or
//! a JSON object mapping module ids / model labels to context names.

use std::collections::BTreeMap;

use super::coupling::Coupling;
use super::score::Reference;
use crate::decomposition::load;
use crate::diagnostics::Diagnostic;

/// Parses `text` (the contents of `file`). A `.json` file (or text starting with `{`)
/// is a mapping; anything else is a decomposition.yaml, validated like any other.
pub fn parse(file: &str, text: &str, coupling: &Coupling) -> Result<Reference, Vec<Diagnostic>> {
    let mut map = BTreeMap::new();
    if file.ends_with(".json") || text.trim_start().starts_with('{') {
        let raw: BTreeMap<String, String> = serde_json::from_str(text).map_err(|e| {
            vec![
                Diagnostic::error(
                    "reference",
                    format!("not a JSON object of id → context: {e}"),
                )
                .file(file)
                .at(e.line() as u32, e.column() as u32)
                .help("write {\"py:orders.views\": \"orders\", \"orders.Order\": \"orders\", …}"),
            ]
        })?;
        for (id, ctx) in raw {
            let id = id.strip_prefix("model:").map(str::to_owned).unwrap_or(id);
            match coupling.split_modules.get(&id) {
                Some(files) => {
                    for &u in files {
                        map.insert(coupling.units[u].id.clone(), ctx.clone());
                    }
                }
                None => {
                    let key = coupling
                        .unit(&id)
                        .map(|u| coupling.units[u].id.clone())
                        .unwrap_or(id);
                    map.insert(key, ctx);
                }
            }
        }
    } else {
        let d = load::load(file, text).map_err(|e| e.diagnostics)?;
        let mut of_unit = vec![None; coupling.units.len()];
        super::place_listed(coupling, &d, &mut of_unit, None);
        for (u, ctx) in of_unit.iter().enumerate() {
            if let Some(i) = ctx {
                map.insert(coupling.units[u].id.clone(), d.contexts[*i].name.clone());
            }
        }
    }
    Ok(Reference {
        name: file.to_owned(),
        map,
    })
}
