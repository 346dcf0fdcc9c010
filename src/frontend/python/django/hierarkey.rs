//! django-hierarkey's generated key-value store models.
//!
//! `h = Hierarkey(attribute_name="settings")`; `@h.add()` on a model `M` creates the
//! model `M_SettingsStore` (`<class>_<attribute_name.title()>Store`) in `M`'s module,
//! with `object = ForeignKey(M)`; `@h.set_global()` on a plain class `G` creates
//! `G_SettingsStore` without that key. The models are built with `ModelBase(...)` at
//! import time, so no class statement names them.
//! <https://django-hierarkey.readthedocs.io/en/latest/> (source: `hierarkey/models.py`).

use crate::frontend::python::facts::Expr;
use crate::frontend::python::resolve::{Program, Symbol};

/// A store model the decorator creates: (defining module, class name it decorates,
/// generated model name, `Some(model label)` of the decorated model for `add`).
pub struct StoreModel {
    pub module: String,
    pub name: String,
    /// The decorated class: a model for `add()` (the store gets `object` → it).
    pub decorated: (String, String),
    pub has_object_fk: bool,
    pub line: u32,
}

/// Python's `str.title()` for identifiers: upper-case each letter that follows a
/// non-letter, lower-case the rest.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut previous_is_letter = false;
    for c in s.chars() {
        if c.is_alphabetic() {
            if previous_is_letter {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
            previous_is_letter = true;
        } else {
            out.push(c);
            previous_is_letter = false;
        }
    }
    out
}

/// The stores declared by `@<hierarkey>.add(...)` / `@<hierarkey>.set_global(...)`.
pub fn store_models(program: &Program) -> Vec<StoreModel> {
    let mut out = Vec::new();
    for module in &program.modules {
        for class in &module.facts.classes {
            if class.depth != 0 || class.in_function.is_some() {
                continue;
            }
            for decorator in &class.decorators {
                let Some(call) = decorator.as_call() else {
                    continue;
                };
                let Expr::Attr(receiver, method) = &call.func else {
                    continue;
                };
                let has_object_fk = match method.as_str() {
                    "add" => true,
                    "set_global" => false,
                    _ => continue,
                };
                let Some(attribute) = hierarkey_attribute(program, &module.name, receiver) else {
                    continue;
                };
                out.push(StoreModel {
                    module: module.name.clone(),
                    name: format!("{}_{}Store", class.name, title(&attribute)),
                    decorated: (module.name.clone(), class.qualname.clone()),
                    has_object_fk,
                    line: class.line,
                });
            }
        }
    }
    out
}

/// `attribute_name` of a `Hierarkey(...)` instance the receiver names.
fn hierarkey_attribute(program: &Program, module: &str, receiver: &Expr) -> Option<String> {
    let Symbol::Value(m, t) = program.resolve_expr(module, receiver)? else {
        return None;
    };
    let call = program.value(&m, &t)?.value.as_call()?;
    match program.resolve_expr(&m, &call.func)? {
        Symbol::External(path) if path.ends_with(".Hierarkey") => {}
        _ => return None,
    }
    Some(call.arg(0, "attribute_name")?.as_str()?.to_owned())
}

#[cfg(test)]
mod tests {
    use super::title;

    #[test]
    fn title_follows_python() {
        assert_eq!(title("settings"), "Settings");
        assert_eq!(title("my_settings"), "My_Settings");
        assert_eq!(title("sETTINGS"), "Settings");
    }
}
