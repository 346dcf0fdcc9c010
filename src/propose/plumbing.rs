//! Plumbing is not a context: configuration, entry points, the composition root and
//! utilities every context uses go to the decomposition's `shared` part (a shared
//! kernel / platform library each service gets a copy of or depends on), are not
//! counted in `-k` and are not scored as a context.
//!
//! Only code that touches no data is plumbing: for rule 1 none of its own (neither it
//! nor its members read or write a table), for rules 2 and 3 none through the code it
//! calls either. Rules, first match wins, each stated in the unit's explanation:
//! 1. [`framework_role`]: the files a framework's project layout reserves for settings,
//!    entry points and app configuration;
//! 2. wiring: its calls and imports reach at least [`WIRING_CONTEXTS`] contexts and no
//!    context holds [`WIRING_SHARE`] of them (a root URLconf, a `main` that builds the
//!    whole application);
//! 3. utility: units of at least [`UTILITY_CONTEXTS`] contexts, and at least half of
//!    all contexts, call or import it.

use std::collections::{BTreeMap, BTreeSet};

use super::coupling::{Coupling, UnitKind};
use crate::graph::Lang;

/// A composition root reaches at least this many contexts …
pub const WIRING_CONTEXTS: usize = 3;
/// … none of which holds this share of its dependencies.
pub const WIRING_SHARE: f64 = 0.6;
/// A shared utility is used from at least this many contexts (and half of them).
pub const UTILITY_CONTEXTS: usize = 3;

/// The role a framework's documented project layout gives a module file, if any:
/// - Django (docs: "Writing your first Django app", `django-admin startproject` /
///   `startapp`; "Django settings"; "How to deploy with WSGI/ASGI"): `settings.py` or a
///   `settings/` package, `wsgi.py`, `asgi.py`, `manage.py`, `apps.py` (an
///   `AppConfig`), and the `urls.py` next to `settings.py` or `wsgi.py` (the
///   `ROOT_URLCONF` startproject writes);
/// - Go (The Go Programming Language Specification, "Program execution"): a package
///   named `main`;
/// - Rust (The Cargo Book, "Package layout"): `src/main.rs`, `src/bin/*.rs` and
///   `build.rs`. A `lib.rs` crate root that only declares modules is left to the
///   wiring rule.
pub fn framework_role(
    lang: Option<Lang>,
    file: &str,
    package: Option<&str>,
    siblings: &BTreeSet<&str>,
) -> Option<&'static str> {
    let name = file.rsplit('/').next().unwrap_or(file);
    let dir_has = |f: &str| siblings.contains(f);
    match lang {
        Some(Lang::Python) => {
            let in_settings_pkg = file.rsplit('/').nth(1).is_some_and(|d| d == "settings");
            match name {
                "settings.py" => Some("Django settings"),
                _ if in_settings_pkg => Some("Django settings"),
                "wsgi.py" => Some("WSGI entry point"),
                "asgi.py" => Some("ASGI entry point"),
                "manage.py" => Some("Django's manage.py"),
                "apps.py" => Some("Django app configuration (AppConfig)"),
                "urls.py" if dir_has("settings.py") || dir_has("wsgi.py") => Some("root URLconf"),
                _ => None,
            }
        }
        Some(Lang::Go) if package == Some("main") => Some("Go package main (entry point)"),
        Some(Lang::Rust) => {
            let in_bin = file.rsplit('/').nth(1).is_some_and(|d| d == "bin");
            match name {
                "main.rs" => Some("Rust binary crate root"),
                "build.rs" => Some("Cargo build script"),
                _ if in_bin => Some("Rust binary crate root"),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Rule 1, before clustering: modules whose own code (`own_data`: the unit and its
/// members) touches no data and whose file a framework reserves for configuration or an
/// entry point (see [`framework_role`]), with why.
pub(super) fn framework_plumbing(
    c: &Coupling,
    own_data: &[bool],
    package_of: &dyn Fn(usize) -> Option<String>,
) -> BTreeMap<usize, String> {
    let mut files_by_dir: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for u in &c.units {
        if u.kind == UnitKind::Module
            && let Some(f) = u.file.as_deref()
        {
            let (dir, name) = f.rsplit_once('/').unwrap_or(("", f));
            files_by_dir.entry(dir).or_default().insert(name);
        }
    }
    let mut shared = BTreeMap::new();
    for (m, unit) in c.units.iter().enumerate() {
        if unit.kind != UnitKind::Module || own_data[m] || c.members[m].iter().any(|&u| own_data[u])
        {
            continue;
        }
        let file = unit.file.as_deref().unwrap_or("");
        let dir = file.rsplit_once('/').map_or("", |(d, _)| d);
        let siblings = files_by_dir.get(dir).cloned().unwrap_or_default();
        if let Some(role) = framework_role(unit.lang, file, package_of(m).as_deref(), &siblings) {
            shared.insert(m, format!("{role}: plumbing, not a business capability"));
        }
    }
    shared
}

/// Rules 2 and 3, after clustering, added to `shared`: `of_unit` holds the contexts code
/// went to; `touches_data[u]` says whether unit u reads or writes data.
pub(super) fn shared(
    c: &Coupling,
    of_unit: &[Option<usize>],
    contexts: usize,
    touches_data: &[bool],
    shared: &mut BTreeMap<usize, String>,
) {
    // Which module (unit) each unit belongs to.
    let module_of = |u: usize| c.units[u].parent.unwrap_or(u);
    let mut out_ctx: BTreeMap<usize, BTreeMap<usize, u32>> = BTreeMap::new();
    let mut in_ctx: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for d in &c.dependencies {
        let (from, to) = (module_of(d.from), module_of(d.to));
        if from == to {
            continue;
        }
        if let Some(x) = of_unit[d.to] {
            *out_ctx.entry(from).or_default().entry(x).or_default() += d.count.max(1);
        }
        if let Some(x) = of_unit[d.from] {
            in_ctx.entry(to).or_default().insert(x);
        }
    }
    for (m, unit) in c.units.iter().enumerate() {
        if unit.kind != UnitKind::Module || touches_data[m] || shared.contains_key(&m) {
            continue;
        }
        if c.members[m].iter().any(|&u| touches_data[u]) {
            continue;
        }
        if let Some(out) = out_ctx.get(&m) {
            let total: u32 = out.values().sum();
            let top = out.values().copied().max().unwrap_or(0);
            if out.len() >= WIRING_CONTEXTS && f64::from(top) < WIRING_SHARE * f64::from(total) {
                shared.insert(
                    m,
                    format!(
                        "wiring: touches no data and its calls and imports reach {} contexts evenly (a composition root)",
                        out.len()
                    ),
                );
                continue;
            }
        }
        if let Some(users) = in_ctx.get(&m)
            && users.len() >= UTILITY_CONTEXTS
            && 2 * users.len() >= contexts
        {
            shared.insert(
                m,
                format!(
                    "utility: touches no data and code of {} of the {contexts} contexts uses it",
                    users.len()
                ),
            );
        }
    }
}

/// A package marker (Python `__init__.py`, Rust `mod.rs`) that touches no data and whose
/// package holds only shared modules is shared too.
pub(super) fn add_package_markers(
    c: &Coupling,
    touches_data: &[bool],
    shared: &mut BTreeMap<usize, String>,
) {
    // Per directory: modules anywhere below it, and how many of them are shared.
    let mut below: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (m, unit) in c.units.iter().enumerate() {
        if unit.kind != UnitKind::Module {
            continue;
        }
        let Some(file) = unit.file.as_deref() else {
            continue;
        };
        let mut dir = file;
        while let Some((parent, _)) = dir.rsplit_once('/') {
            let slot = below.entry(parent).or_default();
            slot.0 += 1;
            slot.1 += usize::from(shared.contains_key(&m));
            dir = parent;
        }
    }
    let mut markers = Vec::new();
    for (m, unit) in c.units.iter().enumerate() {
        let Some((dir, name)) = unit.file.as_deref().and_then(|f| f.rsplit_once('/')) else {
            continue;
        };
        if unit.kind != UnitKind::Module
            || touches_data[m]
            || shared.contains_key(&m)
            || !matches!(name, "__init__.py" | "mod.rs")
            || c.members[m].iter().any(|&u| touches_data[u])
        {
            continue;
        }
        // Everything below the directory but the marker itself is shared.
        if let Some(&(all, sh)) = below.get(dir)
            && all > 1
            && sh == all - 1
        {
            markers.push(m);
        }
    }
    for m in markers {
        shared.insert(
            m,
            "package marker of a package that holds only shared modules".to_owned(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn role(
        lang: Lang,
        file: &str,
        package: Option<&str>,
        siblings: &[&str],
    ) -> Option<&'static str> {
        framework_role(
            Some(lang),
            file,
            package,
            &siblings.iter().copied().collect(),
        )
    }

    #[test]
    fn framework_roles_follow_the_documented_layouts() {
        let py = Lang::Python;
        assert_eq!(
            role(py, "shop/settings.py", None, &[]),
            Some("Django settings")
        );
        assert_eq!(
            role(py, "shop/settings/prod.py", None, &[]),
            Some("Django settings")
        );
        assert_eq!(
            role(py, "shop/wsgi.py", None, &[]),
            Some("WSGI entry point")
        );
        assert_eq!(
            role(py, "shop/asgi.py", None, &[]),
            Some("ASGI entry point")
        );
        assert_eq!(role(py, "manage.py", None, &[]), Some("Django's manage.py"));
        assert!(role(py, "orders/apps.py", None, &[]).is_some());
        // The URLconf beside the settings is the root; an app's own urls.py is not.
        let project = ["settings.py", "urls.py", "wsgi.py"];
        assert_eq!(
            role(py, "shop/urls.py", None, &project),
            Some("root URLconf")
        );
        assert_eq!(
            role(py, "orders/urls.py", None, &["urls.py", "views.py"]),
            None
        );
        assert_eq!(role(py, "orders/services.py", None, &[]), None);
        // Go: package main only.
        assert!(role(Lang::Go, "cmd/server/main.go", Some("main"), &[]).is_some());
        assert_eq!(role(Lang::Go, "main.go", Some("orders"), &[]), None);
        // Rust: binary crate roots and build scripts.
        assert!(role(Lang::Rust, "src/main.rs", None, &[]).is_some());
        assert!(role(Lang::Rust, "src/bin/admin.rs", None, &[]).is_some());
        assert!(role(Lang::Rust, "build.rs", None, &[]).is_some());
        assert_eq!(role(Lang::Rust, "src/orders.rs", None, &[]), None);
    }
}
