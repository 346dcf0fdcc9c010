//! HTTP routes: `net/http` (`HandleFunc`/`Handle`, Go 1.22 `"GET /x/{id}"` patterns),
//! Gin, Echo, chi (and gorilla/mux's `.Methods`), each rule documented where it applies.

use std::collections::{BTreeMap, HashSet};

use super::facts::{Body, Call, Expr, TypeRef};
use super::link::{Ctx, Events, walk};
use super::program::{Binding, Env, Program, flatten};
use crate::graph::{EdgeKind, Evidence, Graph, Lang, Node, NodeKind};

#[derive(Debug, Clone)]
pub struct RouteReg {
    pub method: Option<String>,
    pub path: String,
    pub handler: Option<String>,
    /// The function whose body registers the route (a chi `Mount` moves its routes).
    pub registered_in: String,
    pub pkg: String,
    pub framework: &'static str,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Framework {
    NetHttp,
    Gin,
    Echo,
    Chi,
    Gorilla,
    Fiber,
}

impl Framework {
    fn name(self) -> &'static str {
        match self {
            Framework::NetHttp => "net/http",
            Framework::Gin => "gin",
            Framework::Echo => "echo",
            Framework::Chi => "chi",
            Framework::Gorilla => "gorilla/mux",
            Framework::Fiber => "fiber",
        }
    }

    fn from_path(path: &str) -> Option<Framework> {
        [
            ("github.com/gin-gonic/gin", Framework::Gin),
            ("github.com/labstack/echo", Framework::Echo),
            ("github.com/go-chi/chi", Framework::Chi),
            ("github.com/gorilla/mux", Framework::Gorilla),
            ("github.com/gofiber/fiber", Framework::Fiber),
            ("net/http", Framework::NetHttp),
        ]
        .into_iter()
        .find_map(|(p, f)| path.starts_with(p).then_some(f))
    }
}

const UPPER_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "CONNECT", "TRACE",
];
const TITLE_METHODS: &[&str] = &[
    "Get", "Post", "Put", "Patch", "Delete", "Head", "Options", "Connect", "Trace",
];

/// A placeholder type for names bound only to carry a route prefix.
static NO_TYPE: TypeRef = TypeRef {
    qual: None,
    name: String::new(),
    pointer: false,
    slice: false,
    map: false,
};

/// chi: `sub := chi.NewRouter(); …; r.Mount("/orders", sub)` — routes on `sub` live
/// under `/orders` (<https://go-chi.io/#/pages/routing?id=subrouters>).
pub fn bind_mounted_locals<'a>(program: &Program<'a>, body: &'a Body, env: &mut Env<'a>) {
    let mut mounted = Vec::new();
    for call in &body.calls {
        let Expr::Selector(recv, name) = &call.func else {
            continue;
        };
        if name != "Mount" {
            continue;
        }
        let (Some(path), Some(Expr::Ident(var))) = (
            call.args
                .first()
                .and_then(|a| program.string_value(a, env, 0)),
            call.args.get(1),
        ) else {
            continue;
        };
        mounted.push((var.clone(), join(&prefix_of(program, recv, env, 0), &path)));
    }
    for (var, prefix) in mounted {
        env.bind(&var, Binding::Param(&NO_TYPE, Some(prefix)));
    }
}

/// The path prefix a router value carries: Gin's and Echo's `Group("/api")`
/// (<https://gin-gonic.com/en/docs/examples/grouping-routes/>,
/// <https://echo.labstack.com/docs/routing#group>), chi `Route`/`Mount` prefixes bound to
/// names, and nothing for `With`/`Use` and other router-returning calls.
fn prefix_of<'a>(program: &Program<'a>, expr: &Expr, env: &Env<'a>, hops: usize) -> String {
    if hops > 8 {
        return String::new();
    }
    match expr {
        Expr::Ident(name) => {
            let bindings = env.lookup(name);
            if let Some(p) = bindings.iter().find_map(|b| match b {
                Binding::Param(_, Some(p)) => Some(p.clone()),
                _ => None,
            }) {
                return p;
            }
            bindings
                .iter()
                .find_map(|b| match b {
                    Binding::Local(l) => l.value.as_ref(),
                    _ => None,
                })
                .map(|v| prefix_of(program, v, env, hops + 1))
                .unwrap_or_default()
        }
        Expr::Call(call) => match &call.func {
            Expr::Selector(recv, m) => {
                let base = prefix_of(program, recv, env, hops + 1);
                if m == "Group"
                    && let Some(p) = call
                        .args
                        .first()
                        .and_then(|a| program.string_value(a, env, 0))
                {
                    join(&base, &p)
                } else {
                    base
                }
            }
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// Joins a group prefix and a path with exactly one `/` between them.
pub fn join(prefix: &str, path: &str) -> String {
    if prefix.is_empty() {
        return if path.is_empty() {
            "/".into()
        } else {
            path.into()
        };
    }
    if path.is_empty() {
        return prefix.into();
    }
    format!(
        "{}/{}",
        prefix.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// The framework a router value comes from: its constructor's or declared type's
/// package, else the file's imports.
fn framework_of<'a>(program: &Program<'a>, recv: &Expr, env: &Env<'a>) -> Framework {
    if let Some(f) = provenance(program, recv, env, 0).and_then(|p| Framework::from_path(&p)) {
        return f;
    }
    let file = &program.files[env.file];
    let mut imported: Vec<Framework> = file
        .aliases
        .values()
        .filter_map(|p| Framework::from_path(p))
        .filter(|f| *f != Framework::NetHttp)
        .collect();
    imported.sort_by_key(|f| f.name());
    imported.first().copied().unwrap_or(Framework::NetHttp)
}

fn provenance<'a>(
    program: &Program<'a>,
    expr: &Expr,
    env: &Env<'a>,
    hops: usize,
) -> Option<String> {
    if hops > 8 {
        return None;
    }
    match expr {
        Expr::Ident(name) => {
            if let Some(path) = program.import_of(env, name) {
                return Some(path.to_owned());
            }
            env.lookup(name).iter().find_map(|b| match b {
                Binding::Param(ty, _) => program.resolve_type(env.file, ty).map(|t| t.pkg),
                Binding::Local(l) => match (&l.ty, &l.value) {
                    (Some(ty), _) => program.resolve_type(env.file, ty).map(|t| t.pkg),
                    (None, Some(v)) => provenance(program, v, env, hops + 1),
                    _ => None,
                },
            })
        }
        Expr::Call(call) => match &call.func {
            Expr::Selector(recv, _) => provenance(program, recv, env, hops + 1),
            _ => None,
        },
        Expr::Selector(..) => program.type_of(expr, env, 0).map(|t| t.ty.pkg),
        _ => None,
    }
}

/// Records the routes one call chain registers and walks chi sub-router closures.
pub fn register<'a>(
    program: &Program<'a>,
    call: &'a Call,
    env: &mut Env<'a>,
    ctx: &Ctx,
    graph: &mut Graph,
    events: &mut Events,
    seen: &mut HashSet<u32>,
) {
    let (_, links) = flatten(call);
    let rel = program.files[ctx.file].rel;
    for (i, link) in links.iter().enumerate() {
        let Expr::Selector(recv, _) = &link.call.func else {
            continue;
        };
        let args = link.args;
        let string = |k: usize| args.get(k).and_then(|a| program.string_value(a, env, 0));
        let framework = framework_of(program, recv, env);
        let prefix = prefix_of(program, recv, env, 0);
        // (method, path, handler argument)
        let found: Option<(Option<String>, String, Option<&Expr>)> = match link.name {
            // Gin `r.GET(path, handlers...)`: the last handler serves, the others are
            // middleware (<https://gin-gonic.com/en/docs/examples/http-method/>).
            // Echo `e.GET(path, h, middleware...)`: the second argument serves
            // (<https://echo.labstack.com/docs/routing>).
            m if UPPER_METHODS.contains(&m) && args.len() >= 2 => {
                let handler = match framework {
                    Framework::Echo => args.get(1),
                    _ => args.last(),
                };
                string(0).map(|p| (Some(m.to_owned()), p, handler))
            }
            "Any" if args.len() >= 2 => string(0).map(|p| (None, p, args.last())),
            // chi `r.Get(path, h)` (<https://go-chi.io/#/pages/routing>), fiber `app.Get`.
            m if TITLE_METHODS.contains(&m) && args.len() >= 2 => {
                let handler = match framework {
                    Framework::Fiber => args.last(),
                    _ => args.get(1),
                };
                string(0).map(|p| (Some(m.to_uppercase()), p, handler))
            }
            // chi `r.Method("GET", path, h)`.
            "Method" | "MethodFunc" if args.len() >= 3 => match (string(0), string(1)) {
                (Some(m), Some(p)) => Some((Some(m.to_uppercase()), p, args.get(2))),
                _ => None,
            },
            "Handle" | "HandleFunc" => {
                if args.len() >= 3
                    && let (Some(m), Some(p)) = (string(0), string(1))
                    && !m.starts_with('/')
                {
                    // Gin `r.Handle("GET", path, h)`.
                    Some((Some(m.to_uppercase()), p, args.last()))
                } else if args.len() >= 2 {
                    string(0).map(|pattern| {
                        // net/http (Go 1.22): "[METHOD ][HOST]/[PATH]"
                        // (<https://pkg.go.dev/net/http#hdr-Patterns-ServeMux>).
                        let (mut method, rest) = match pattern.split_once(char::is_whitespace) {
                            Some((m, rest)) if !m.contains('/') => {
                                (Some(m.to_uppercase()), rest.trim().to_owned())
                            }
                            _ => (None, pattern.clone()),
                        };
                        let path = match rest.find('/') {
                            Some(0) | None => rest,
                            Some(slash) => rest[slash..].to_owned(),
                        };
                        // gorilla/mux: `r.HandleFunc(path, h).Methods("GET")`.
                        if let Some(next) = links.get(i + 1)
                            && next.name == "Methods"
                        {
                            method = next
                                .args
                                .first()
                                .and_then(|a| program.string_value(a, env, 0))
                                .map(|m| m.to_uppercase());
                        }
                        (method, path, args.get(1))
                    })
                } else {
                    None
                }
            }
            // chi `r.Route("/x", func(r chi.Router) {...})` and `r.Group(func(r chi.Router) {...})`.
            "Route" | "Group" => {
                let (sub_prefix, lit) = match (link.name, args) {
                    ("Route", [path, Expr::FuncLit(lit), ..]) => (
                        program
                            .string_value(path, env, 0)
                            .map(|p| join(&prefix, &p)),
                        Some(lit),
                    ),
                    ("Group", [Expr::FuncLit(lit)]) => (Some(prefix.clone()), Some(lit)),
                    _ => (None, None),
                };
                if let (Some(sub_prefix), Some(lit)) = (sub_prefix, lit)
                    && seen.insert(lit.id)
                {
                    env.push();
                    for (k, p) in lit.params.iter().enumerate() {
                        let carried = (k == 0).then(|| sub_prefix.clone());
                        env.bind(&p.name, Binding::Param(&p.ty, carried));
                    }
                    walk(program, &lit.body, env, ctx, graph, events, seen);
                    env.pop();
                }
                // `r.Route("/x", ordersRoutes)`: a named function fills the sub-router.
                if let ("Route", [path, handler, ..]) = (link.name, args)
                    && !matches!(handler, Expr::FuncLit(_))
                    && let Some(p) = program.string_value(path, env, 0)
                    && let Some(target) = program.func_value(handler, env, 0)
                {
                    events
                        .mounts
                        .push((target.id, join(&prefix, &p), ctx.from.clone()));
                }
                None
            }
            // chi `r.Mount("/x", sub())`: routes the function registers live under "/x".
            "Mount" if args.len() >= 2 => {
                if let Some(p) = string(0) {
                    let target = match &args[1] {
                        Expr::Call(c) => program.callee_id(c, env, 0).map(|c| c.id),
                        other => program.func_value(other, env, 0).map(|c| c.id),
                    };
                    if let Some(t) = target {
                        events.mounts.push((t, join(&prefix, &p), ctx.from.clone()));
                    }
                }
                None
            }
            _ => None,
        };
        let Some((method, path, handler)) = found else {
            continue;
        };
        if !(path.starts_with('/') || (path.is_empty() && !prefix.is_empty())) {
            continue;
        }
        let handler = handler.and_then(|h| handler_id(program, h, env, ctx, 0));
        events.routes.push(RouteReg {
            method,
            path: join(&prefix, &path),
            handler,
            registered_in: ctx.from.clone(),
            pkg: program.files[ctx.file].pkg.clone(),
            framework: framework.name(),
            evidence: Evidence::new(rel, link.line),
        });
    }
}

/// The function or method serving a route: a function or method value, the function a
/// handler factory call names (`handlers.List(db)`), the handler wrapped by a
/// middleware or `http.HandlerFunc(f)`, a value's `ServeHTTP`, or — for a function
/// literal — the function that defines it.
fn handler_id<'a>(
    program: &Program<'a>,
    expr: &Expr,
    env: &Env<'a>,
    ctx: &Ctx,
    hops: usize,
) -> Option<String> {
    if hops > 6 {
        return None;
    }
    match expr {
        Expr::FuncLit(_) => Some(ctx.from.clone()),
        Expr::Call(call) => call
            .args
            .iter()
            .find_map(|a| match a {
                Expr::Ident(_) | Expr::Selector(..) => program.func_value(a, env, 0).map(|c| c.id),
                Expr::Call(_) => handler_id(program, a, env, ctx, hops + 1),
                _ => None,
            })
            .or_else(|| program.callee_id(call, env, 0).map(|c| c.id)),
        _ => {
            if let Some(c) = program.func_value(expr, env, 0) {
                return Some(c.id);
            }
            if let Expr::Ident(name) = expr
                && let Some(v) = env.lookup(name).iter().find_map(|b| match b {
                    Binding::Local(l) if l.ty.is_none() => l.value.as_ref(),
                    _ => None,
                })
                && !matches!(v, Expr::Composite(_) | Expr::AddrOf(_))
            {
                return handler_id(program, v, env, ctx, hops + 1);
            }
            let t = program.type_of(expr, env, 0)?;
            program.method_of(&t.ty, "ServeHTTP", 0).map(|c| c.id)
        }
    }
}

/// Emits route nodes and `routes_to` edges. Routes registered in a function that chi
/// mounts (`Mount`, or `Route` with a named function) are emitted under each mount
/// prefix instead of bare.
pub fn add_routes(_program: &Program, events: &Events, graph: &mut Graph) {
    let mut mounts: BTreeMap<&str, Vec<(&str, &str)>> = BTreeMap::new();
    for (f, prefix, by) in &events.mounts {
        mounts
            .entry(f.as_str())
            .or_default()
            .push((prefix.as_str(), by.as_str()));
    }
    for reg in &events.routes {
        for prefix in prefixes(&reg.registered_in, &mounts, 0) {
            let path = join(&prefix, &reg.path);
            let label = match &reg.method {
                Some(m) => format!("{m} {path}"),
                None => path.clone(),
            };
            let id = format!("route:{label}");
            let group = reg
                .handler
                .as_deref()
                .and_then(|h| graph.node(h))
                .and_then(|n| n.group.clone())
                .unwrap_or_else(|| reg.pkg.clone());
            let mut node = Node::new(&id, NodeKind::Route, &label)
                .lang(Lang::Go)
                .group(group)
                .at(&reg.evidence.file, reg.evidence.line)
                .attr("path", &path)
                .attr("framework", reg.framework);
            if let Some(m) = &reg.method {
                node = node.attr("method", m);
            }
            graph.add_node(node);
            if let Some(h) = &reg.handler {
                graph.add_edge(&id, h, EdgeKind::RoutesTo, None, Some(reg.evidence.clone()));
            }
        }
    }
}

/// Every full prefix a function's routes get through chains of mounts ("" when unmounted).
fn prefixes(func: &str, mounts: &BTreeMap<&str, Vec<(&str, &str)>>, depth: usize) -> Vec<String> {
    let Some(own) = mounts.get(func).filter(|_| depth < 4) else {
        return vec![String::new()];
    };
    let mut out = Vec::new();
    for (prefix, by) in own {
        for outer in prefixes(by, mounts, depth + 1) {
            let full = if outer.is_empty() {
                (*prefix).to_owned()
            } else {
                join(&outer, prefix)
            };
            if !out.contains(&full) {
                out.push(full);
            }
        }
    }
    out
}
