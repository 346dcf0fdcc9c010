//! Reading and validating a (possibly hand-edited) `decomposition.yaml`. Every problem
//! is reported at once, each at its line and column with what to do.

use std::collections::{BTreeMap, HashMap};

use super::{Decomposition, FORMAT_NAME, FORMAT_VERSION, Middlewares};
use crate::diagnostics::Diagnostic;
use crate::yaml::{self, Positions};

/// The problems found in a decomposition file.
#[derive(Debug)]
pub struct LoadError {
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Reads `text` (the contents of `file`) and validates it.
pub fn load(file: &str, text: &str) -> Result<Decomposition, LoadError> {
    let (decomposition, positions) = yaml::load::<Decomposition>(file, text).map_err(|d| {
        LoadError {
            diagnostics: vec![d.help(
                "see the decomposition.yaml format in the README; `seam propose` writes a valid file to start from",
            )],
        }
    })?;
    let diagnostics = validate(&decomposition, file, &positions);
    if diagnostics.is_empty() {
        Ok(decomposition)
    } else {
        Err(LoadError { diagnostics })
    }
}

/// A name usable as a service name, DNS label, Consul service, Traefik router, Go
/// package suffix, Python package and Rust crate: lower-case ASCII letters, digits
/// and `-`, starting with a letter, at most 40 characters. Refusing everything else
/// rules out path traversal (`../x`), template injection (`{{`), and broken Traefik
/// rules and tags (backticks, spaces, commas).
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some('a'..='z'))
        && name.len() <= 40
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-'))
        && !name.ends_with('-')
        && !name.contains("--")
}

/// A route prefix Traefik's `PathPrefix(`…`)` takes literally: `/` then path segments
/// of letters, digits, `-`, `_` and `.`, no trailing slash.
pub fn is_valid_route_prefix(prefix: &str) -> bool {
    prefix.starts_with('/')
        && prefix.len() > 1
        && !prefix.ends_with('/')
        && !prefix.contains("//")
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.'))
        && !prefix.split('/').any(|s| s == "." || s == "..")
}

/// An entity name usable as a class/struct name in every stack: `PascalCase` ASCII
/// letters and digits (`OrderLine`).
pub fn is_valid_entity_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|ch| ch.is_ascii_uppercase())
        && name.chars().all(|ch| ch.is_ascii_alphanumeric())
}

/// A field name usable as a column and attribute in every stack: `snake_case`, and not
/// `id` (generated) or a keyword of Go, Python or Rust that generated code would trip on.
pub fn is_valid_field_name(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|ch| ch.is_ascii_lowercase())
        && name
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_')
        && !RESERVED_FIELD_NAMES.contains(&name)
}

/// A configuration key: letters, digits and `_` (an environment variable name).
pub fn is_valid_config_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !key.starts_with(|c: char| c.is_ascii_digit())
}

/// Field names no stack can use: `id` (every stack generates it), Python's hard
/// keywords (a Django model field is a class attribute: `from = …` does not parse), and
/// the Rust keywords that cannot be raw identifiers. Python's soft keywords (`match`,
/// `case`, `type`) are valid attribute names, Rust's other keywords become raw
/// identifiers (`r#match`), and Go exports fields capitalised (`Match`).
const RESERVED_FIELD_NAMES: &[&str] = &[
    "id", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is",
    "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    "self", "super", "crate",
];

/// Collections that would shadow the endpoints every generated service has.
const RESERVED_COLLECTIONS: &[&str] = &["health", "metrics", "config", "deps"];

/// Text that ends up in generated files or YAML comments: no control characters
/// (except tab) and no template syntax.
pub fn is_safe_text(text: &str) -> bool {
    !text.chars().any(|c| c.is_control() && c != '\t')
        && !text.contains("{{")
        && !text.contains("{%")
}

pub fn validate(d: &Decomposition, file: &str, pos: &Positions) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut err = |path: &str, code: &str, message: String, help: &str| {
        out.push(pos.error(file, path, code, message).help(help));
    };
    if d.format != FORMAT_NAME {
        err(
            "format",
            "decomposition-format",
            format!("format is {:?}, expected {FORMAT_NAME:?}", d.format),
            "set `format: seam-decomposition`",
        );
    }
    if d.version > FORMAT_VERSION {
        err(
            "version",
            "decomposition-version",
            format!(
                "version {} is newer than this seam reads ({FORMAT_VERSION})",
                d.version
            ),
            "upgrade seam, or re-run `seam propose` to write the current format",
        );
    }
    if !is_valid_name(&d.system) {
        err(
            "system",
            "invalid-name",
            format!("system name {:?} is not a valid name", d.system),
            "use lower-case letters, digits and single dashes, starting with a letter (e.g. `shop`)",
        );
    }
    if !is_safe_text(&d.defaults.env) || !is_valid_config_key(&d.defaults.env.replace('-', "_")) {
        err(
            "defaults.env",
            "invalid-name",
            format!(
                "environment {:?} cannot be part of a Consul KV path",
                d.defaults.env
            ),
            "use letters, digits, `-` or `_` (e.g. `dev`, `prod`)",
        );
    }
    if !is_valid_config_key(&d.defaults.entrypoint) {
        err(
            "defaults.entrypoint",
            "invalid-name",
            format!(
                "entrypoint {:?} is not a valid Traefik entrypoint name",
                d.defaults.entrypoint
            ),
            "use letters, digits and `_` (e.g. `web`)",
        );
    }
    if d.contexts.is_empty() {
        err(
            "contexts",
            "no-contexts",
            "the decomposition has no contexts".to_owned(),
            "list at least one context under `contexts:`",
        );
    }
    check_middlewares(&d.defaults.middlewares, "defaults.middlewares", d, &mut err);

    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut prefixes: HashMap<String, usize> = HashMap::new();
    let mut owners: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut model_owners: BTreeMap<&str, usize> = BTreeMap::new();
    let mut module_owners: BTreeMap<&str, usize> = BTreeMap::new();
    let ports = d.ports();
    let mut port_owner: HashMap<u16, usize> = HashMap::new();
    for (i, c) in d.contexts.iter().enumerate() {
        let at = |field: &str| format!("contexts[{i}].{field}");
        if !is_valid_name(&c.name) {
            err(
                &at("name"),
                "invalid-name",
                format!("context name {:?} is not a valid service name", c.name),
                "use lower-case letters, digits and single dashes, starting with a letter (e.g. `orders`); it becomes the service, router and package name",
            );
        }
        if let Some(&first) = names.get(c.name.as_str()) {
            err(
                &at("name"),
                "duplicate-context",
                format!(
                    "context {:?} is defined twice (also context #{})",
                    c.name,
                    first + 1
                ),
                "rename one of them or merge their modules, models and tables",
            );
        } else {
            names.insert(&c.name, i);
        }
        let prefix = c.route_prefix();
        if !is_valid_route_prefix(&prefix) {
            err(
                &at("route_prefix"),
                "invalid-route",
                format!("route prefix {prefix:?} cannot be used in a Traefik PathPrefix rule"),
                "use `/` followed by letters, digits, `-`, `_` or `.` segments, without spaces, backticks or a trailing slash (e.g. `/orders`)",
            );
        } else if let Some(&other) = prefixes.get(&prefix) {
            err(
                &at("route_prefix"),
                "duplicate-route",
                format!(
                    "route prefix {prefix} is also used by context {:?}",
                    d.contexts[other].name
                ),
                "give every context its own route prefix",
            );
        } else {
            prefixes.insert(prefix, i);
        }
        let port = ports[&c.name];
        if port < 1024 {
            err(
                &at("port"),
                "invalid-port",
                format!("port {port} is a privileged port"),
                "use a port from 1024 to 65535",
            );
        }
        if let Some(&other) = port_owner.get(&port) {
            err(
                &at("port"),
                "duplicate-port",
                format!(
                    "port {port} is also used by context {:?}",
                    d.contexts[other].name
                ),
                "give every context its own port, or remove `port:` to have one assigned",
            );
        } else {
            port_owner.insert(port, i);
        }
        if let Some(team) = &c.team
            && !is_safe_text(team)
        {
            err(
                &at("team"),
                "invalid-text",
                format!("team {team:?} contains control characters or template syntax"),
                "use plain text",
            );
        }
        if !is_safe_text(&c.description) {
            err(
                &at("description"),
                "invalid-text",
                "description contains control characters or template syntax".to_owned(),
                "use plain text",
            );
        }
        for (t, table) in c.tables.iter().enumerate() {
            match owners.get(table.as_str()) {
                Some(&(other, _)) if other != i => err(
                    &format!("contexts[{i}].tables[{t}]"),
                    "shared-table",
                    format!(
                        "table {table} is owned by both {:?} and {:?}",
                        d.contexts[other].name, c.name
                    ),
                    "database per service: a table has exactly one owner; keep it in one context and let the other call its API or consume its events",
                ),
                Some(_) => err(
                    &format!("contexts[{i}].tables[{t}]"),
                    "duplicate-table",
                    format!("table {table} is listed twice in {:?}", c.name),
                    "remove the duplicate",
                ),
                None => {
                    owners.insert(table, (i, t));
                }
            }
        }
        for (m, model) in c.models.iter().enumerate() {
            if let Some(&other) = model_owners.get(model.as_str())
                && other != i
            {
                err(
                    &format!("contexts[{i}].models[{m}]"),
                    "shared-model",
                    format!(
                        "model {model} is placed in both {:?} and {:?}",
                        d.contexts[other].name, c.name
                    ),
                    "a model belongs to one context; move it or split it",
                );
            }
            model_owners.insert(model, i);
        }
        for (m, module) in c.modules.iter().enumerate() {
            match module_owners.get(module.as_str()) {
                Some(&other) if other != i => err(
                    &format!("contexts[{i}].modules[{m}]"),
                    "shared-module",
                    format!(
                        "module {module} is placed in both {:?} and {:?}",
                        d.contexts[other].name, c.name
                    ),
                    "a module belongs to one context; remove it from one of them",
                ),
                Some(_) => err(
                    &format!("contexts[{i}].modules[{m}]"),
                    "duplicate-module",
                    format!("module {module} is listed twice in {:?}", c.name),
                    "remove the duplicate",
                ),
                None => {
                    module_owners.insert(module, i);
                }
            }
        }
        for (e, entity) in c.entities.iter().enumerate() {
            if !is_valid_entity_name(&entity.name) {
                err(
                    &format!("contexts[{i}].entities[{e}].name"),
                    "invalid-name",
                    format!("entity name {:?} is not PascalCase", entity.name),
                    "use letters and digits starting with a capital (e.g. `OrderLine`)",
                );
            }
            let collection = crate::scaffold::context::collection(
                &crate::scaffold::context::snake(&entity.name),
            );
            if RESERVED_COLLECTIONS
                .iter()
                .any(|r| collection == *r || collection.trim_end_matches('s') == *r)
            {
                err(
                    &format!("contexts[{i}].entities[{e}].name"),
                    "reserved-name",
                    format!(
                        "entity {:?} would be served at /{collection}, which every service uses for itself",
                        entity.name
                    ),
                    "rename the entity (e.g. `Measurement` instead of `Metric`)",
                );
            }
            for (f, field) in entity.fields.iter().enumerate() {
                if !is_valid_field_name(&field.name) {
                    err(
                        &format!("contexts[{i}].entities[{e}].fields[{f}].name"),
                        "invalid-name",
                        format!(
                            "field name {:?} is not a usable snake_case identifier",
                            field.name
                        ),
                        "use lower-case letters, digits and `_`, and not `id` (generated), a Python keyword or `self`/`super`/`crate`",
                    );
                }
            }
        }
        for (k, dep) in c.depends_on.iter().enumerate() {
            let path = format!("contexts[{i}].depends_on[{k}].context");
            if dep.context == c.name {
                err(
                    &path,
                    "self-dependency",
                    format!("context {:?} depends on itself", c.name),
                    "remove this dependency",
                );
            } else if !d.contexts.iter().any(|o| o.name == dep.context) {
                err(
                    &path,
                    "unknown-context",
                    format!(
                        "context {:?} depends on unknown context {:?}",
                        c.name, dep.context
                    ),
                    "name a context defined under `contexts:`",
                );
            }
        }
        for key in c.config.keys() {
            if !is_valid_config_key(key) {
                err(
                    &format!("contexts[{i}].config.{key}#key"),
                    "invalid-config-key",
                    format!("configuration key {key:?} is not a valid key"),
                    "use letters, digits and `_` (it becomes config/<service>/<env>/<KEY> and an environment variable)",
                );
            }
        }
        for value in c.config.values() {
            if value.chars().any(|ch| ch.is_control() && ch != '\t') {
                err(
                    &at("config"),
                    "invalid-text",
                    "a configuration value contains control characters".to_owned(),
                    "use single-line values",
                );
            }
        }
        if let Some(m) = &c.middlewares {
            check_middlewares(m, &at("middlewares"), d, &mut err);
        }
    }
    for (k, pair) in d.constraints.cannot_link.iter().enumerate() {
        if pair[0] == pair[1] {
            err(
                &format!("constraints.cannot_link[{k}]"),
                "invalid-constraint",
                format!("{} cannot be kept apart from itself", pair[0]),
                "name two different modules, models or tables",
            );
        }
        if d.constraints
            .must_link
            .iter()
            .any(|m| (m[0] == pair[0] && m[1] == pair[1]) || (m[0] == pair[1] && m[1] == pair[0]))
        {
            err(
                &format!("constraints.cannot_link[{k}]"),
                "contradictory-constraints",
                format!(
                    "{} and {} must be linked and kept apart at once",
                    pair[0], pair[1]
                ),
                "remove one of the two constraints",
            );
        }
    }
    for (m, module) in d.shared.modules.iter().enumerate() {
        let path = format!("shared.modules[{m}]");
        if let Some(c) = d.contexts.iter().find(|c| c.modules.contains(module)) {
            out.push(
                pos.error(
                    file,
                    &path,
                    "shared-and-placed",
                    format!("module {module} is both shared and placed in {:?}", c.name),
                )
                .help("a shared module belongs to no context; remove it from one of the two"),
            );
        }
    }
    out
}

fn check_middlewares(
    m: &Middlewares,
    path: &str,
    d: &Decomposition,
    err: &mut impl FnMut(&str, &str, String, &str),
) {
    if let Some(r) = &m.ratelimit
        && (r.average == 0 || r.burst == 0)
    {
        err(
            &format!("{path}.ratelimit"),
            "invalid-middleware",
            "ratelimit average and burst must be positive".to_owned(),
            "e.g. `ratelimit: {average: 100, burst: 50}`",
        );
    }
    if let Some(r) = &m.retry
        && !(1..=10).contains(&r.attempts)
    {
        err(
            &format!("{path}.retry.attempts"),
            "invalid-middleware",
            format!("{} retry attempts", r.attempts),
            "use 1 to 10 attempts",
        );
    }
    if let Some(cb) = &m.circuitbreaker {
        let allowed = cb
            .expression
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " ._()<>=!&|,".contains(c));
        if cb.expression.trim().is_empty() || !allowed {
            err(
                &format!("{path}.circuitbreaker.expression"),
                "invalid-middleware",
                format!(
                    "circuit breaker expression {:?} is not a Traefik expression",
                    cb.expression
                ),
                "e.g. `NetworkErrorRatio() > 0.30` or `ResponseCodeRatio(500, 600, 0, 600) > 0.25`",
            );
        }
    }
    if let Some(fa) = &m.forwardauth {
        match (&fa.address, &fa.context) {
            (Some(a), None) => {
                if !(a.starts_with("http://") || a.starts_with("https://"))
                    || a.contains(['`', ' ', ',', '"'])
                {
                    err(
                        &format!("{path}.forwardauth.address"),
                        "invalid-middleware",
                        format!("forward-auth address {a:?} is not an http(s) URL"),
                        "e.g. `http://auth:8080/verify`",
                    );
                }
            }
            (None, Some(c)) => {
                if !d.contexts.iter().any(|o| &o.name == c) {
                    err(
                        &format!("{path}.forwardauth.context"),
                        "unknown-context",
                        format!("forward-auth context {c:?} is not defined"),
                        "name a context defined under `contexts:`",
                    );
                }
            }
            _ => err(
                &format!("{path}.forwardauth"),
                "invalid-middleware",
                "forwardauth needs exactly one of `address` or `context`".to_owned(),
                "e.g. `forwardauth: {context: auth}`",
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_break_paths_templates_or_traefik_are_refused() {
        for ok in ["orders", "order-lines", "a1"] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in [
            "",
            "Orders",
            "../etc",
            "a/b",
            "{{x}}",
            "a b",
            "a`b",
            "1st",
            "a-",
            "a--b",
            "x".repeat(41).as_str(),
        ] {
            assert!(!is_valid_name(bad), "{bad}");
        }
        assert!(is_valid_route_prefix("/api/orders"));
        for bad in ["orders", "/", "/a b", "/a`)", "/a/", "/../x", "//x"] {
            assert!(!is_valid_route_prefix(bad), "{bad}");
        }
    }

    #[test]
    fn every_problem_is_reported_at_its_line() {
        let text = "\
format: seam-decomposition
version: 1
system: shop
contexts:
  - name: orders
    stack: go
    tables: [orders_order, shared]
    depends_on:
      - context: billing
  - name: ../evil
    stack: rust
    route_prefix: /a b
    port: 8101
  - name: catalog
    stack: django
    port: 8101
    tables: [shared]
    config:
      bad key: x
";
        let err = load("d.yaml", text).unwrap_err();
        let found: Vec<(String, u32)> = err
            .diagnostics
            .iter()
            .map(|d| (d.code.clone(), d.line.unwrap()))
            .collect();
        for expected in [
            ("unknown-context", 9),
            ("invalid-name", 10),
            ("invalid-route", 12),
            ("duplicate-port", 16),
            ("shared-table", 17),
            ("invalid-config-key", 19),
        ] {
            assert!(
                found.contains(&(expected.0.to_owned(), expected.1)),
                "{expected:?} not in {found:?}"
            );
        }
        assert!(
            err.diagnostics
                .iter()
                .all(|d| d.help.is_some() && d.file.as_deref() == Some("d.yaml"))
        );
    }

    #[test]
    fn unknown_fields_and_bad_types_point_at_the_line() {
        let err = load(
            "d.yaml",
            "format: seam-decomposition\nversion: 1\nsystem: shop\ncontexts:\n  - name: a\n    stack: cobol\n",
        )
        .unwrap_err();
        assert_eq!(err.diagnostics[0].line, Some(6));
        assert!(err.diagnostics[0].message.contains("cobol"));
    }
}
