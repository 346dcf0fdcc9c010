//! Django applications and settings: which packages are apps, their labels, and the
//! settings seam needs (`INSTALLED_APPS`, `AUTH_USER_MODEL`, `ROOT_URLCONF`).

use std::collections::BTreeMap;

use crate::frontend::python::facts::Expr;
use crate::frontend::python::resolve::{Program, Symbol};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct App {
    /// Dotted package (`AppConfig.name`).
    pub name: String,
    /// `AppConfig.label`: defaults to the last component of `name`.
    /// <https://docs.djangoproject.com/en/5.2/ref/applications/#django.apps.AppConfig.label>
    pub label: String,
}

/// Settings read from the tree's settings modules (any module assigning `INSTALLED_APPS`).
#[derive(Debug, Default)]
pub struct Settings {
    pub installed_apps: Vec<String>,
    /// `AUTH_USER_MODEL`, default `auth.User`.
    pub auth_user_model: Option<String>,
    pub root_urlconf: Option<String>,
}

pub struct Apps {
    /// By dotted package name.
    by_name: BTreeMap<String, App>,
}

const APP_CONFIG: &[&str] = &["django.apps.AppConfig", "django.apps.config.AppConfig"];

pub fn is_app_config(program: &Program, module: &str, qualname: &str) -> bool {
    program
        .ancestry(module, qualname)
        .iter()
        .any(|s| matches!(s, Symbol::External(p) if APP_CONFIG.contains(&p.as_str())))
}

/// A string class attribute, looked up through the class's in-tree ancestry.
fn class_str_attr(program: &Program, module: &str, qualname: &str, attr: &str) -> Option<String> {
    program
        .ancestry(module, qualname)
        .iter()
        .find_map(|s| match s {
            Symbol::Class(m, q) => program
                .class(m, q)?
                .assigns
                .iter()
                .rev()
                .find(|a| a.target == attr)
                .and_then(|a| a.value.as_str().map(str::to_owned)),
            _ => None,
        })
}

/// Evaluates a list of strings built from literals, `+` and names of other lists.
pub fn string_list(program: &Program, module: &str, expr: &Expr, depth: u32) -> Vec<String> {
    if depth > 8 {
        return Vec::new();
    }
    match expr {
        Expr::List(items) => items
            .iter()
            .flat_map(|i| match i {
                Expr::Str(s) => vec![s.clone()],
                other => string_list(program, module, other, depth + 1),
            })
            .collect(),
        Expr::Add(a, b) => {
            let mut v = string_list(program, module, a, depth + 1);
            v.extend(string_list(program, module, b, depth + 1));
            v
        }
        Expr::Name(_) | Expr::Attr(..) => match program.resolve_expr(module, expr) {
            Some(Symbol::Value(m, t)) => program
                .value(&m, &t)
                .map(|a| string_list(program, &m, &a.value, depth + 1))
                .unwrap_or_default(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

impl Settings {
    pub fn read(program: &Program) -> Settings {
        let mut settings = Settings::default();
        for module in &program.modules {
            let has_apps = module
                .facts
                .assigns
                .iter()
                .any(|a| a.target == "INSTALLED_APPS");
            if !has_apps {
                continue;
            }
            for a in &module.facts.assigns {
                match a.target.as_str() {
                    "INSTALLED_APPS" => {
                        let apps = string_list(program, &module.name, &a.value, 0);
                        if !a.augmented {
                            settings.installed_apps.retain(|x| !apps.contains(x));
                        }
                        settings.installed_apps.extend(apps);
                    }
                    "AUTH_USER_MODEL" => {
                        if let Some(s) = a.value.as_str() {
                            settings.auth_user_model = Some(s.to_owned());
                        }
                    }
                    "ROOT_URLCONF" => {
                        if let Some(s) = a.value.as_str() {
                            settings.root_urlconf = Some(s.to_owned());
                        }
                    }
                    _ => {}
                }
            }
        }
        settings.installed_apps.dedup();
        settings
    }

    pub fn auth_user_model(&self) -> &str {
        self.auth_user_model.as_deref().unwrap_or("auth.User")
    }
}

impl Apps {
    /// Finds the apps: `AppConfig` subclasses (their `name` and `label`), the entries of
    /// `INSTALLED_APPS`, and any package holding a `models` module.
    pub fn discover(program: &Program, settings: &Settings) -> Apps {
        let mut by_name: BTreeMap<String, App> = BTreeMap::new();
        // Config classes by their dotted path, for INSTALLED_APPS entries that name one.
        let mut configs: BTreeMap<String, App> = BTreeMap::new();
        // The configs in each package's apps module, for Django 3.2's automatic choice.
        let mut configs_by_package: BTreeMap<String, Vec<App>> = BTreeMap::new();
        for module in &program.modules {
            for class in &module.facts.classes {
                if class.depth != 0 || class.in_function.is_some() {
                    continue;
                }
                if !is_app_config(program, &module.name, &class.qualname) {
                    continue;
                }
                let package = module
                    .name
                    .rsplit_once('.')
                    .map(|(p, _)| p.to_owned())
                    .unwrap_or_else(|| module.name.clone());
                let Some(name) = class_str_attr(program, &module.name, &class.qualname, "name")
                else {
                    continue; // an abstract base config such as oscar's OscarConfig
                };
                let label = class_str_attr(program, &module.name, &class.qualname, "label")
                    .unwrap_or_else(|| last_component(&name).to_owned());
                let app = App { name, label };
                configs.insert(format!("{}.{}", module.name, class.qualname), app.clone());
                let explicit_default = class
                    .assigns
                    .iter()
                    .any(|a| a.target == "default" && a.value == Expr::Bool(false));
                if !explicit_default {
                    configs_by_package.entry(package).or_default().push(app);
                }
            }
        }
        for app in configs.values() {
            by_name
                .entry(app.name.clone())
                .or_insert_with(|| app.clone());
        }
        for entry in &settings.installed_apps {
            if let Some(app) = configs.get(entry) {
                by_name.insert(app.name.clone(), app.clone());
            } else if let Some([only]) = configs_by_package.get(entry).map(Vec::as_slice) {
                by_name.insert(only.name.clone(), only.clone());
            } else if program.module(entry).is_some() {
                by_name.entry(entry.clone()).or_insert_with(|| App {
                    name: entry.clone(),
                    label: last_component(entry).to_owned(),
                });
            }
        }
        // Packages with a models module that no config or setting named.
        for module in &program.modules {
            let package = if let Some(p) = module.name.strip_suffix(".models") {
                p
            } else {
                continue;
            };
            if !by_name.contains_key(package) {
                by_name.insert(
                    package.to_owned(),
                    App {
                        name: package.to_owned(),
                        label: last_component(package).to_owned(),
                    },
                );
            }
        }
        Apps { by_name }
    }

    /// The app containing a module: the one whose name is the longest prefix of it
    /// (Django's `apps.get_containing_app_config`).
    pub fn containing(&self, module: &str) -> Option<&App> {
        let mut candidate = module;
        loop {
            if let Some(app) = self.by_name.get(candidate) {
                return Some(app);
            }
            candidate = candidate.rsplit_once('.')?.0;
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &App> {
        self.by_name.values()
    }

    pub fn by_label(&self, label: &str) -> Option<&App> {
        self.by_name.values().find(|a| a.label == label)
    }
}

fn last_component(dotted: &str) -> &str {
    dotted.rsplit('.').next().unwrap_or(dotted)
}
