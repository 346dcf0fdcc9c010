//! Facts → graph for Go: packages, types, functions and methods, imports and calls;
//! then the framework rules (GORM in `gorm.rs`, `database/sql`-style SQL in `sql.rs`,
//! HTTP routers in `routes.rs`) on the events found while walking function bodies.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::facts::{Body, Call, Expr, FuncDecl, TypeKind};
use super::program::{Binding, Env, Program, RType, flatten};
use super::{gorm, routes, sql};
use crate::diagnostics::Diagnostic;
use crate::frontend::{FileFacts, ParsedFile};
use crate::graph::{EdgeKind, Evidence, Graph, Lang, Node, NodeKind};

/// What a function body does that a framework rule turns into graph edges later, once
/// the whole program has been seen (a struct is a GORM model because of any use of it).
#[derive(Default)]
pub struct Events {
    pub access: Vec<Access>,
    /// Types passed to `AutoMigrate`.
    pub migrated: Vec<RType>,
    pub routes: Vec<routes::RouteReg>,
    /// chi `Mount(prefix, F())` in function `G`: routes registered in `F` live under
    /// `prefix` (and under whatever prefix `G`'s routes get). (F, prefix, G).
    pub mounts: Vec<(String, String, String)>,
}

pub enum Target {
    Model(RType),
    Table(String),
}

pub struct Access {
    pub from: String,
    pub target: Target,
    pub write: bool,
    pub evidence: Evidence,
}

/// The function whose body is being walked.
pub struct Ctx {
    pub from: String,
    pub file: usize,
}

pub fn link(files: &[ParsedFile], graph: &mut Graph, diagnostics: &mut Vec<Diagnostic>) {
    let has_go = files
        .iter()
        .any(|f| matches!(&f.facts, FileFacts::Go(g) if g.package.is_some()));
    if !has_go {
        return;
    }
    let program = Program::build(files, diagnostics);
    add_code_nodes(&program, graph);
    add_imports(&program, graph);
    let mut events = Events::default();
    for (fi, file) in program.files.iter().enumerate() {
        for func in &file.facts.funcs {
            let from = func_id(&file.pkg, func);
            let ctx = Ctx { from, file: fi };
            let mut env = Env::new(fi);
            if let Some(r) = &func.receiver {
                env.bind(&r.name, Binding::Param(&r.ty, None));
            }
            for p in &func.params {
                env.bind(&p.name, Binding::Param(&p.ty, None));
            }
            let mut seen = HashSet::new();
            walk(
                &program,
                &func.body,
                &mut env,
                &ctx,
                graph,
                &mut events,
                &mut seen,
            );
        }
    }
    gorm::add_models_and_access(&program, &events, graph);
    sql::add_sql_file_tables(files, graph);
    routes::add_routes(&program, &events, graph);
}

pub fn func_id(pkg: &str, func: &FuncDecl) -> String {
    match &func.receiver {
        Some(r) => format!("go:{pkg}.{}.{}", r.ty.name, func.name),
        None => format!("go:{pkg}.{}", func.name),
    }
}

fn add_code_nodes(program: &Program, graph: &mut Graph) {
    for pkg in program.packages.values() {
        let module_id = format!("go:{}", pkg.path);
        let first = pkg
            .files
            .iter()
            .map(|&f| program.files[f].rel)
            .min()
            .unwrap_or("");
        let loc: u32 = pkg.files.iter().map(|&f| program.files[f].loc).sum();
        let mut node = Node::new(&module_id, NodeKind::Module, &pkg.path)
            .lang(Lang::Go)
            .group(&pkg.path)
            .at(first, 1)
            .attr("package", &pkg.name)
            .attr("dir", super::program::parent_dir(first));
        node.loc = Some(loc);
        graph.add_node(node);
        let mut files: Vec<usize> = pkg.files.clone();
        files.sort_by_key(|&f| program.files[f].rel);
        for &fi in &files {
            let file = &program.files[fi];
            for t in &file.facts.types {
                let id = format!("go:{}.{}", pkg.path, t.name);
                let kind = match t.kind {
                    TypeKind::Struct => "struct",
                    TypeKind::Interface => "interface",
                    TypeKind::Other => "other",
                };
                graph.add_node(
                    Node::new(&id, NodeKind::Type, &t.name)
                        .lang(Lang::Go)
                        .group(&pkg.path)
                        .at(file.rel, t.line)
                        .parent(&module_id)
                        .attr("type_kind", kind),
                );
                graph.add_edge(&module_id, &id, EdgeKind::Contains, None, None);
            }
        }
        for &fi in &files {
            let file = &program.files[fi];
            for func in &file.facts.funcs {
                if func.name == "_" {
                    continue;
                }
                let id = func_id(&pkg.path, func);
                let (kind, parent, name) = match &func.receiver {
                    Some(r) => {
                        let type_id = format!("go:{}.{}", pkg.path, r.ty.name);
                        let parent = if graph.contains(&type_id) {
                            type_id
                        } else {
                            module_id.clone()
                        };
                        (
                            NodeKind::Method,
                            parent,
                            format!("{}.{}", r.ty.name, func.name),
                        )
                    }
                    None => (NodeKind::Function, module_id.clone(), func.name.clone()),
                };
                graph.add_node(
                    Node::new(&id, kind, name)
                        .lang(Lang::Go)
                        .group(&pkg.path)
                        .at(file.rel, func.line)
                        .parent(&parent),
                );
                graph.add_edge(&parent, &id, EdgeKind::Contains, None, None);
            }
        }
    }
}

/// Module-local imports become `imports` edges; external ones are counted on the module
/// (`attrs.external_imports`) and listed (`attrs.external_import_paths`).
fn add_imports(program: &Program, graph: &mut Graph) {
    let mut external: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for file in &program.files {
        let from = format!("go:{}", file.pkg);
        let ext = external.entry(file.pkg.as_str()).or_default();
        for imp in &file.facts.imports {
            if program.is_local(&imp.path) {
                if imp.path != file.pkg {
                    graph.add_edge(
                        &from,
                        &format!("go:{}", imp.path),
                        EdgeKind::Imports,
                        None,
                        Some(Evidence::new(file.rel, imp.line)),
                    );
                }
            } else {
                ext.insert(&imp.path);
            }
        }
    }
    for (pkg, paths) in external {
        if let Some(node) = graph.node_mut(&format!("go:{pkg}")) {
            node.attrs
                .insert("external_imports".into(), paths.len().to_string());
            if !paths.is_empty() {
                let list: Vec<&str> = paths.into_iter().collect();
                node.attrs
                    .insert("external_import_paths".into(), list.join(","));
            }
        }
    }
}

/// Walks one body (a function's or a function literal's): binds its locals, links its
/// calls, and walks the literals it holds with their parameters bound.
pub fn walk<'a>(
    program: &Program<'a>,
    body: &'a Body,
    env: &mut Env<'a>,
    ctx: &Ctx,
    graph: &mut Graph,
    events: &mut Events,
    seen: &mut HashSet<u32>,
) {
    for local in &body.locals {
        env.bind(&local.name, Binding::Local(local));
    }
    routes::bind_mounted_locals(program, body, env);
    for call in &body.calls {
        link_call(program, call, env, ctx, graph, events);
        routes::register(program, call, env, ctx, graph, events, seen);
    }
    let mut literals = Vec::new();
    for call in &body.calls {
        collect_literals(&call.func, &mut literals);
        for arg in &call.args {
            collect_literals(arg, &mut literals);
        }
    }
    for local in &body.locals {
        if let Some(v) = &local.value {
            collect_literals(v, &mut literals);
        }
    }
    for lit in literals {
        if !seen.insert(lit.id) {
            continue;
        }
        env.push();
        for p in &lit.params {
            env.bind(&p.name, Binding::Param(&p.ty, None));
        }
        walk(program, &lit.body, env, ctx, graph, events, seen);
        env.pop();
    }
}

fn collect_literals<'a>(expr: &'a Expr, out: &mut Vec<&'a super::facts::FuncLit>) {
    match expr {
        Expr::FuncLit(lit) => out.push(lit),
        Expr::Selector(e, _) | Expr::AddrOf(e) => collect_literals(e, out),
        Expr::Call(c) => {
            collect_literals(&c.func, out);
            for a in &c.args {
                collect_literals(a, out);
            }
        }
        Expr::Concat(parts) | Expr::List(_, parts) => {
            parts.iter().for_each(|p| collect_literals(p, out))
        }
        _ => {}
    }
}

/// `calls` edges for every link of a call chain, then the data-access rules.
fn link_call<'a>(
    program: &Program<'a>,
    call: &'a Call,
    env: &Env<'a>,
    ctx: &Ctx,
    graph: &mut Graph,
    events: &mut Events,
) {
    let (base, links) = flatten(call);
    let rel = program.files[ctx.file].rel;
    let mut chain: Vec<&Call> = links.iter().map(|l| l.call).collect();
    if links.is_empty() {
        chain.push(call);
    }
    for c in chain {
        if let Some(callee) = program.callee_id(c, env, 0) {
            graph.add_edge(
                &ctx.from,
                &callee.id,
                EdgeKind::Calls,
                None,
                Some(Evidence::new(rel, c.line)),
            );
        }
    }
    gorm::chain_access(program, base, &links, env, ctx, events);
    sql::chain_access(program, &links, env, ctx, events);
}
