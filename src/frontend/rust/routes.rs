//! HTTP routes of axum and actix-web, with prefixes carried through nested routers.
//!
//! Rules, as the frameworks document them:
//! - axum (docs.rs/axum, `Router`): `Router::new().route("/x", get(h).post(h2))` binds
//!   methods of one path to handlers (`axum::routing::{get, post, …, any}` chain as a
//!   `MethodRouter`); `.nest("/api", router)` mounts a router under a prefix (a nested
//!   `"/"` route answers at the prefix itself); `.merge(router)` mounts it at the same level.
//! - actix-web (docs.rs/actix-web, `App`, `web::scope`, `web::resource`, route macros):
//!   `#[get("/x")]` (and `post`, `put`, `delete`, `patch`, `head`, `options`, `trace`,
//!   `connect`, or `#[route("/x", method = "GET", …)]`) make a handler a service mounted by
//!   `.service(handler)`; `web::resource("/x").route(web::get().to(h))` and `.to(h)` bind a
//!   path; `.route("/x", web::get().to(h))` on `App`/`Scope`; `web::scope("/api")` prefixes
//!   everything mounted in it; `.configure(f)` runs `f(&mut ServiceConfig)` at that level.
//!
//! A function whose body builds routes and that another route builder mounts (`.nest("/api",
//! api())`, `.service(users::scope())`, `.configure(config)`) gets its routes under every
//! prefix it is mounted at; route builders nobody mounts are roots, at `/`.

use std::collections::{HashMap, HashSet};

use super::facts::{Expr, FnFacts};
use super::link::{Def, FnRef, Program};
use crate::graph::{EdgeKind, Evidence, Graph, Node, NodeKind};

const HTTP_METHODS: &[&str] = &[
    "get", "post", "put", "delete", "patch", "head", "options", "trace", "connect",
];

/// Methods that register routes on an axum `Router` or an actix `App`/`Scope`/`Resource`/
/// `ServiceConfig`; a method chain containing one is a route builder.
const BUILDER_METHODS: &[&str] = &["route", "nest", "merge", "service", "configure", "to"];

/// How deep mounts may nest (guards against recursive router functions).
const MAX_MOUNT_DEPTH: usize = 16;

#[derive(Debug, Clone)]
enum Entry {
    Route {
        method: String,
        path: String,
        handler: Option<Vec<String>>,
        line: u32,
    },
    Mount {
        prefix: String,
        target: Target,
    },
}

#[derive(Debug, Clone)]
enum Target {
    Inline(Vec<Entry>),
    /// A function mounted by name or by calling it.
    Function(Vec<String>),
}

pub(super) fn link(program: &Program, graph: &mut Graph) {
    let builders: HashMap<&str, (usize, Vec<Entry>)> = program
        .fns
        .iter()
        .enumerate()
        .filter_map(|(ix, f)| {
            let entries = entries_of(f.facts);
            (!entries.is_empty() || !attribute_routes(f.facts).is_empty())
                .then_some((f.id.as_str(), (ix, entries)))
        })
        .collect();
    if builders.is_empty() {
        return;
    }
    let mut mounted: HashSet<String> = HashSet::new();
    for (ix, entries) in builders.values() {
        collect_mounted(program, &program.fns[*ix], entries, &mut mounted);
    }
    let mut roots: Vec<&str> = builders
        .keys()
        .copied()
        .filter(|id| !mounted.contains(*id))
        .collect();
    roots.sort_unstable();
    let mut emitter = Emitter {
        program,
        builders: &builders,
        graph,
        stack: Vec::new(),
    };
    for root in roots {
        emitter.function(root, "");
    }
}

fn collect_mounted(program: &Program, f: &FnRef, entries: &[Entry], out: &mut HashSet<String>) {
    for e in entries {
        if let Entry::Mount { target, .. } = e {
            match target {
                Target::Inline(inner) => collect_mounted(program, f, inner, out),
                Target::Function(path) => {
                    if let Some(Def::Fn(id)) = program.resolve_in_fn(f, path) {
                        out.insert(id);
                    }
                }
            }
        }
    }
}

struct Emitter<'p, 'g> {
    program: &'p Program<'p>,
    builders: &'p HashMap<&'p str, (usize, Vec<Entry>)>,
    graph: &'g mut Graph,
    stack: Vec<String>,
}

impl Emitter<'_, '_> {
    fn function(&mut self, id: &str, prefix: &str) {
        let Some((ix, entries)) = self.builders.get(id) else {
            return;
        };
        if self.stack.len() >= MAX_MOUNT_DEPTH || self.stack.iter().any(|s| s == id) {
            return;
        }
        self.stack.push(id.to_owned());
        let f = &self.program.fns[*ix];
        for (method, path) in attribute_routes(f.facts) {
            let full = join_path(prefix, &path);
            self.route(f, &method, &full, Some(Def::Fn(f.id.clone())), f.facts.line);
        }
        self.entries(f, entries, prefix);
        self.stack.pop();
    }

    fn entries(&mut self, f: &FnRef, entries: &[Entry], prefix: &str) {
        for entry in entries {
            match entry {
                Entry::Route {
                    method,
                    path,
                    handler,
                    line,
                } => {
                    let full = join_path(prefix, path);
                    let target = handler
                        .as_ref()
                        .and_then(|h| self.program.resolve_in_fn(f, h));
                    self.route(f, method, &full, target, *line);
                }
                Entry::Mount {
                    prefix: p,
                    target: Target::Inline(inner),
                } => self.entries(f, inner, &join_prefix(prefix, p)),
                Entry::Mount {
                    prefix: p,
                    target: Target::Function(path),
                } => {
                    if let Some(Def::Fn(id)) = self.program.resolve_in_fn(f, path) {
                        self.function(&id, &join_prefix(prefix, p));
                    }
                }
            }
        }
    }

    fn route(&mut self, f: &FnRef, method: &str, path: &str, handler: Option<Def>, line: u32) {
        let id = if method == "ANY" {
            format!("route:{path}")
        } else {
            format!("route:{method} {path}")
        };
        let handler_id = match handler {
            Some(Def::Fn(h)) => Some(h),
            _ => None,
        };
        let group = handler_id
            .as_deref()
            .and_then(|h| self.graph.node(h))
            .and_then(|n| n.group.clone())
            .or_else(|| self.program.modules.get(f.module).map(|m| m.group()));
        let mut node = Node::new(&id, NodeKind::Route, id.trim_start_matches("route:"))
            .attr("method", method)
            .attr("path", path);
        if let Some(g) = group {
            node = node.group(g);
        }
        self.graph.add_node(node);
        if let Some(h) = handler_id {
            self.graph.add_edge(
                &id,
                &h,
                EdgeKind::RoutesTo,
                None,
                Some(Evidence::new(self.program.file_of(f), line)),
            );
        }
    }
}

/// actix-web route attributes on a handler: (METHOD, path).
fn attribute_routes(f: &FnFacts) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for attr in &f.attrs {
        let name = attr.path.rsplit("::").next().unwrap_or(&attr.path);
        let Some(path) = attr.positional.first() else {
            continue;
        };
        if HTTP_METHODS.contains(&name) {
            out.push((name.to_uppercase(), path.clone()));
        } else if name == "route" {
            for (k, v) in &attr.pairs {
                if k == "method" {
                    out.push((v.to_uppercase(), path.clone()));
                }
            }
        }
    }
    out
}

/// The route builders of a function body: every outermost method chain that registers
/// routes, with `let` bindings of routers followed.
fn entries_of(f: &FnFacts) -> Vec<Entry> {
    let mut lets: HashMap<&str, &Expr> = HashMap::new();
    super::link::walk_exprs(&f.body, &mut |e| {
        if let Expr::Let {
            name: Some(n),
            init: Some(init),
            ..
        } = e
        {
            lets.insert(n.as_str(), init.as_ref());
        }
    });
    // A router bound by `let` and mounted by another builder is read through that mount;
    // one that is only served (`axum::serve(listener, app)`) is a builder of its own.
    let mut mounted_lets: HashSet<&str> = HashSet::new();
    super::link::walk_exprs(&f.body, &mut |e| {
        if let Expr::Method {
            receiver,
            method,
            args,
            ..
        } = e
            && BUILDER_METHODS.contains(&method.as_str())
        {
            for operand in std::iter::once(receiver.as_ref()).chain(args) {
                if let Expr::Path(p) = operand
                    && let [name] = p.as_slice()
                    && let Some((key, _)) = lets.get_key_value(name.as_str())
                {
                    mounted_lets.insert(key);
                }
            }
        }
    });
    let mut out = Vec::new();
    for e in &f.body {
        find_chains(e, &lets, &mounted_lets, &mut out);
    }
    out
}

fn find_chains<'e>(
    e: &'e Expr,
    lets: &HashMap<&'e str, &'e Expr>,
    mounted_lets: &HashSet<&str>,
    out: &mut Vec<Entry>,
) {
    if let Expr::Method { method, .. } = e
        && BUILDER_METHODS.contains(&method.as_str())
    {
        let chain = chain(e, lets, 0);
        out.extend(chain.wrapped());
        return;
    }
    if let Expr::Let {
        name: Some(n),
        init: Some(init),
        ..
    } = e
        && is_builder(init)
        && mounted_lets.contains(n.as_str())
    {
        return;
    }
    let children: Vec<&Expr> = match e {
        Expr::Call { func, args, .. } => std::iter::once(func.as_ref()).chain(args).collect(),
        Expr::Method { receiver, args, .. } => {
            std::iter::once(receiver.as_ref()).chain(args).collect()
        }
        Expr::Macro { args, .. } => args.iter().collect(),
        Expr::Let { init, .. } => init.iter().map(|b| b.as_ref()).collect(),
        Expr::Struct { fields, .. } => fields.iter().collect(),
        Expr::Block(items) | Expr::Group(items) => items.iter().collect(),
        Expr::Path(_) | Expr::Str(_) => Vec::new(),
    };
    for c in children {
        find_chains(c, lets, mounted_lets, out);
    }
}

fn is_builder(e: &Expr) -> bool {
    match e {
        Expr::Method {
            method, receiver, ..
        } => BUILDER_METHODS.contains(&method.as_str()) || is_builder(receiver),
        _ => false,
    }
}

/// What a method chain builds: a prefix (`web::scope`), a resource path
/// (`web::resource`), and its entries.
#[derive(Default)]
struct Chain {
    prefix: String,
    resource: Option<String>,
    entries: Vec<Entry>,
}

impl Chain {
    fn wrapped(self) -> Vec<Entry> {
        if self.prefix.is_empty() {
            self.entries
        } else {
            vec![Entry::Mount {
                prefix: self.prefix,
                target: Target::Inline(self.entries),
            }]
        }
    }
}

fn chain(e: &Expr, lets: &HashMap<&str, &Expr>, depth: usize) -> Chain {
    if depth > 64 {
        return Chain::default();
    }
    match e {
        Expr::Method {
            receiver,
            method,
            args,
            line,
        } => {
            let mut c = chain(receiver, lets, depth + 1);
            match (method.as_str(), args.as_slice()) {
                ("route", [Expr::Str(path), router]) => {
                    c.entries
                        .extend(method_router(router).into_iter().map(|(method, handler)| {
                            Entry::Route {
                                method,
                                path: path.clone(),
                                handler,
                                line: *line,
                            }
                        }));
                }
                ("route", [router]) => {
                    if let Some(path) = &c.resource {
                        c.entries.extend(method_router(router).into_iter().map(
                            |(method, handler)| Entry::Route {
                                method,
                                path: path.clone(),
                                handler,
                                line: *line,
                            },
                        ));
                    }
                }
                ("to", [handler]) => {
                    if let Some(path) = &c.resource {
                        c.entries.push(Entry::Route {
                            method: "ANY".into(),
                            path: path.clone(),
                            handler: as_path(handler),
                            line: *line,
                        });
                    }
                }
                ("nest", [Expr::Str(prefix), target]) => c.entries.push(Entry::Mount {
                    prefix: prefix.clone(),
                    target: target_of(target, lets, depth),
                }),
                ("merge" | "service" | "configure", [target]) => c.entries.push(Entry::Mount {
                    prefix: String::new(),
                    target: target_of(target, lets, depth),
                }),
                _ => {}
            }
            c
        }
        Expr::Call { func, args, .. } => {
            let Expr::Path(segs) = func.as_ref() else {
                return Chain::default();
            };
            match (segs.last().map(String::as_str), args.first()) {
                (Some("scope"), Some(Expr::Str(p))) => Chain {
                    prefix: p.clone(),
                    ..Chain::default()
                },
                (Some("resource"), Some(Expr::Str(p))) => Chain {
                    resource: Some(p.clone()),
                    ..Chain::default()
                },
                _ => Chain::default(),
            }
        }
        Expr::Path(p) if p.len() == 1 => match lets.get(p[0].as_str()) {
            Some(init) => chain(init, lets, depth + 1),
            None => Chain::default(),
        },
        _ => Chain::default(),
    }
}

fn target_of(e: &Expr, lets: &HashMap<&str, &Expr>, depth: usize) -> Target {
    match e {
        Expr::Call { func, args, .. } if args.is_empty() => match func.as_ref() {
            Expr::Path(p) => Target::Function(p.clone()),
            _ => Target::Inline(Vec::new()),
        },
        Expr::Path(p) if p.len() == 1 && lets.contains_key(p[0].as_str()) => {
            Target::Inline(chain(e, lets, depth + 1).wrapped())
        }
        Expr::Path(p) => Target::Function(p.clone()),
        other => Target::Inline(chain(other, lets, depth + 1).wrapped()),
    }
}

/// The (METHOD, handler) pairs of an axum `MethodRouter` (`get(h).post(h2)`) or an actix
/// `Route` (`web::get().to(h)`, `web::to(h)`).
fn method_router(e: &Expr) -> Vec<(String, Option<Vec<String>>)> {
    match e {
        Expr::Call { func, args, .. } => {
            let Expr::Path(segs) = func.as_ref() else {
                return Vec::new();
            };
            let name = segs.last().map_or("", String::as_str);
            let handler = args.first().and_then(as_path);
            if HTTP_METHODS.contains(&name) {
                vec![(name.to_uppercase(), handler)]
            } else if matches!(name, "any" | "to" | "route") {
                vec![("ANY".into(), handler)]
            } else {
                Vec::new()
            }
        }
        Expr::Method {
            receiver,
            method,
            args,
            ..
        } => {
            let mut inner = method_router(receiver);
            let handler = args.first().and_then(as_path);
            match method.as_str() {
                "to" => {
                    if inner.is_empty() {
                        inner.push(("ANY".into(), None));
                    }
                    for pair in inner.iter_mut().filter(|(_, h)| h.is_none()) {
                        pair.1 = handler.clone();
                    }
                }
                m if HTTP_METHODS.contains(&m) => inner.push((m.to_uppercase(), handler)),
                _ => {}
            }
            inner
        }
        _ => Vec::new(),
    }
}

fn as_path(e: &Expr) -> Option<Vec<String>> {
    match e {
        Expr::Path(p) => Some(p.clone()),
        _ => None,
    }
}

/// A route path under a prefix; a nested `"/"` (or empty) route answers at the prefix.
fn join_path(prefix: &str, path: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    let path = path.trim_start_matches('/');
    match (prefix.is_empty(), path.is_empty()) {
        (true, _) => format!("/{path}"),
        (false, true) => prefix.to_owned(),
        (false, false) => format!("{prefix}/{path}"),
    }
}

fn join_prefix(outer: &str, inner: &str) -> String {
    if inner.is_empty() || inner == "/" {
        return outer.to_owned();
    }
    join_path(outer, inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_like_nest_and_scope() {
        assert_eq!(join_path("", "/users"), "/users");
        assert_eq!(join_path("/api", "/users"), "/api/users");
        assert_eq!(join_path("/api/", "/"), "/api");
        assert_eq!(join_path("", "/"), "/");
        assert_eq!(join_prefix("/api", "/v1"), "/api/v1");
        assert_eq!(join_prefix("/api", ""), "/api");
    }
}
