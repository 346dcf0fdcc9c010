//! Data access and calls from Python code: walks every function, method and class body
//! once with a small type environment (modules in parallel), and records
//! - `calls` to functions, methods and classes of the tree;
//! - `reads`/`writes` of tables through Django's ORM (managers, querysets, related
//!   managers, instances, class-based view bindings) and raw SQL.

use std::collections::HashMap;

use rayon::prelude::*;

use super::models::{Model, model_label_from_args};
use super::rules;
use super::{Django, table_id};
use crate::frontend::python::facts::{Call, Class, Expr, Function};
use crate::frontend::python::resolve::{Module, Symbol};
use crate::graph::{EdgeKind, Evidence, Graph, Node, NodeKind};
use crate::sql;

/// What a Python value is known to be.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    /// The model class itself (`Order`).
    ModelClass(String),
    /// An instance of a model.
    Instance(String),
    /// A manager or queryset of a model.
    QuerySet(String),
    /// A related manager: the related model and, for many-to-many, the join model.
    Related(String, Option<String>),
    /// An instance of an in-tree class (not a model).
    Object(Symbol),
    /// A resolved symbol (class, function, module).
    Sym(Symbol),
    /// A DB-API cursor (`connection.cursor()`).
    Cursor,
}

struct Walker<'d, 'p, 'a> {
    django: &'d Django<'p, 'a>,
    module: &'d Module<'a>,
    /// The node edges start from.
    source: String,
    /// The class whose method is walked, for `self`/`super()`.
    class: Option<String>,
    env: HashMap<String, Ty>,
    /// What the walk adds to the graph.
    out: &'d mut Vec<Add>,
}

/// What walking the code adds to the graph, in the order a walk found it.
enum Add {
    /// A table node, unless the graph has it (a table known only from SQL text).
    Table(String),
    Edge {
        from: String,
        to: String,
        kind: EdgeKind,
        evidence: Option<Evidence>,
    },
}

/// Data access and calls of every function, class body and module. Modules are walked
/// in parallel, each into its own list of additions; the lists are applied in module
/// order, so the graph is exactly that of a walk in order.
pub fn add_access(django: &Django, graph: &mut Graph) {
    let adds: Vec<Vec<Add>> = {
        let graph: &Graph = graph;
        django
            .program
            .modules
            .par_iter()
            .map(|module| walk_module(django, module, graph))
            .collect()
    };
    for add in adds.into_iter().flatten() {
        match add {
            Add::Table(name) => {
                let id = table_id(&name);
                if !graph.contains(&id) {
                    graph.add_node(Node::new(&id, NodeKind::Table, name));
                }
            }
            Add::Edge {
                from,
                to,
                kind,
                evidence,
            } => {
                graph.add_edge(&from, &to, kind, None, evidence);
            }
        }
    }
}

fn walk_module(django: &Django, module: &Module, graph: &Graph) -> Vec<Add> {
    let mut out = Vec::new();
    for function in &module.facts.functions {
        let source = django.ids.function(&module.name, &function.qualname);
        if graph.contains(&source) {
            Walker::new(django, module, source, function.class.clone(), &mut out)
                .function(function);
        }
    }
    for class in module
        .facts
        .classes
        .iter()
        .filter(|c| c.in_function.is_none())
    {
        let source = django.ids.class(&module.name, &class.qualname);
        if graph.contains(&source) {
            let class_name = Some(class.qualname.clone());
            Walker::new(django, module, source, class_name, &mut out).class_body(class);
        }
    }
    let mut w = Walker::new(
        django,
        module,
        django.ids.module(&module.name),
        None,
        &mut out,
    );
    for call in &module.facts.calls {
        w.visit_call(call);
    }
    out
}

impl<'d, 'p, 'a> Walker<'d, 'p, 'a> {
    fn new(
        django: &'d Django<'p, 'a>,
        module: &'d Module<'a>,
        source: String,
        class: Option<String>,
        out: &'d mut Vec<Add>,
    ) -> Self {
        Walker {
            django,
            module,
            source,
            class,
            env: HashMap::new(),
            out,
        }
    }

    fn evidence(&self, line: u32) -> Option<Evidence> {
        Some(Evidence::new(self.module.rel, line))
    }

    fn model(&self, label: &str) -> Option<&Model> {
        self.django.models.get(label)
    }

    // ---- environment -------------------------------------------------------------

    fn function(&mut self, function: &Function) {
        if let Some(class) = &self.class {
            let class_sym = Symbol::Class(self.module.name.clone(), class.clone());
            let is_static = function
                .decorators
                .iter()
                .any(|d| d.dotted().as_deref() == Some("staticmethod"));
            let is_classmethod = function
                .decorators
                .iter()
                .any(|d| d.dotted().as_deref() == Some("classmethod"));
            if let Some(first) = function.params.first()
                && !is_static
            {
                let ty = if is_classmethod {
                    self.class_ty(&class_sym)
                } else {
                    self.instance_ty(&class_sym)
                };
                if let Some(ty) = ty {
                    self.env.insert(first.name.clone(), ty);
                }
            }
        }
        for p in &function.params {
            if let Some(annotation) = &p.annotation
                && let Some(ty) = self.annotation_ty(annotation)
            {
                self.env.insert(p.name.clone(), ty);
            }
        }
        // Bindings in statement order are not kept by the facts; assignments are typed
        // first so later calls see them, then `for`/`with` targets.
        for a in &function.assigns {
            self.bind_assign(&a.target, &a.targets, &a.value);
        }
        for (name, value) in function.for_bindings.iter() {
            if let Some(ty) = self.ty(value) {
                let element = match ty {
                    Ty::QuerySet(l) | Ty::Related(l, _) => Some(Ty::Instance(l)),
                    _ => None,
                };
                if let Some(e) = element {
                    self.env.insert(name.clone(), e);
                }
            }
        }
        for (name, value) in function.with_bindings.iter() {
            if let Some(ty) = self.ty(value) {
                self.env.insert(name.clone(), ty);
            }
        }
        for call in &function.calls {
            self.visit_call(call);
        }
    }

    fn bind_assign(&mut self, target: &str, targets: &[String], value: &Expr) {
        let Some(ty) = self.ty(value) else {
            return;
        };
        // `obj, created = M.objects.get_or_create(...)`
        if let (Ty::Instance(_), [first, ..]) = (&ty, targets) {
            self.env.insert(first.clone(), ty);
            return;
        }
        self.env.insert(target.to_owned(), ty);
    }

    fn class_ty(&self, class: &Symbol) -> Option<Ty> {
        let Symbol::Class(m, q) = class else {
            return None;
        };
        Some(match self.django.models.by_class(m, q) {
            Some(model) => Ty::ModelClass(model.label.clone()),
            None => Ty::Sym(class.clone()),
        })
    }

    fn instance_ty(&self, class: &Symbol) -> Option<Ty> {
        let Symbol::Class(m, q) = class else {
            return None;
        };
        if let Some(model) = self.django.models.by_class(m, q) {
            return Some(Ty::Instance(model.label.clone()));
        }
        // In a manager or queryset method, `self` is a query on the served model.
        if let Some(model) = self.django.models.models_of_manager(m, q).first() {
            return Some(Ty::QuerySet(model.label.clone()));
        }
        Some(Ty::Object(class.clone()))
    }

    fn annotation_ty(&self, annotation: &Expr) -> Option<Ty> {
        let inner = match annotation {
            // Optional[Order], "Order" forward references
            Expr::Subscript(_, inner) => inner.as_ref(),
            other => other,
        };
        match inner {
            Expr::Str(s) => {
                let sym = self.django.program.resolve_name(&self.module.name, s)?;
                self.instance_ty(&sym)
            }
            other => match self.ty(other)? {
                Ty::ModelClass(l) => Some(Ty::Instance(l)),
                Ty::Sym(s @ Symbol::Class(..)) => self.instance_ty(&s),
                _ => None,
            },
        }
    }

    /// The type of an expression, when it can be known statically.
    fn ty(&self, expr: &Expr) -> Option<Ty> {
        self.ty_depth(expr, 0)
    }

    fn ty_depth(&self, expr: &Expr, depth: u32) -> Option<Ty> {
        if depth > 16 {
            return None;
        }
        match expr {
            Expr::Name(n) => {
                if let Some(t) = self.env.get(n) {
                    return Some(t.clone());
                }
                let sym = self.django.program.resolve_name(&self.module.name, n)?;
                self.symbol_ty(sym, depth)
            }
            Expr::Attr(obj, attr) => {
                let base = self.ty_depth(obj, depth + 1)?;
                self.attr_ty(base, attr)
            }
            Expr::Call(call) => self.call_ty(call, depth),
            _ => None,
        }
    }

    fn symbol_ty(&self, sym: Symbol, depth: u32) -> Option<Ty> {
        match &sym {
            Symbol::Class(..) => self.class_ty(&sym),
            // `Product = get_model("catalogue", "Product")` at module level.
            Symbol::Value(m, t) => {
                let value = self.django.program.value(m, t)?;
                if let Expr::Call(call) = &value.value
                    && is_get_model(&call.func)
                {
                    return self.get_model_ty(call);
                }
                if m == &self.module.name {
                    self.ty_depth(&value.value, depth + 1)
                } else {
                    None
                }
            }
            _ => Some(Ty::Sym(sym)),
        }
    }

    fn get_model_ty(&self, call: &Call) -> Option<Ty> {
        let label = model_label_from_args(call)?;
        let model = self.model(&label)?;
        Some(Ty::ModelClass(model.label.clone()))
    }

    fn attr_ty(&self, base: Ty, attr: &str) -> Option<Ty> {
        match base {
            Ty::ModelClass(l) => {
                let model = self.model(&l)?;
                if model.managers.iter().any(|m| m == attr) {
                    return Some(Ty::QuerySet(l));
                }
                let (m, q) = model.class.clone()?;
                self.django.program.find_method(&m, &q, attr).map(Ty::Sym)
            }
            Ty::Instance(l) => {
                let model = self.model(&l)?;
                if let Some((target, through)) = self.django.models.relation_by_name(model, attr) {
                    let forward = model.fields.iter().find(|f| f.name == attr);
                    return Some(match forward.and_then(|f| f.relation) {
                        Some(EdgeKind::Fk | EdgeKind::O2o) => Ty::Instance(target),
                        _ => Ty::Related(target, through),
                    });
                }
                None
            }
            Ty::Sym(Symbol::Module(m)) => {
                let sym = self.django.program.resolve_name(&m, attr)?;
                self.symbol_ty(sym, 1)
            }
            Ty::Sym(sym @ Symbol::Class(..)) => self.django.program.member(&sym, attr).map(Ty::Sym),
            Ty::Object(Symbol::Class(m, q)) => {
                self.django.program.find_method(&m, &q, attr).map(Ty::Sym)
            }
            _ => None,
        }
    }

    fn call_ty(&self, call: &Call, depth: u32) -> Option<Ty> {
        // `super()` in a method: the instance (or query, in a manager) itself.
        if call.func == Expr::Name("super".into()) && call.args.is_empty() {
            let class = self.class.as_ref()?;
            return self.instance_ty(&Symbol::Class(self.module.name.clone(), class.clone()));
        }
        if is_get_model(&call.func) {
            return self.get_model_ty(call);
        }
        if let Expr::Attr(obj, method) = &call.func {
            if method == "cursor" {
                return Some(Ty::Cursor);
            }
            let base = self.ty_depth(obj, depth + 1);
            match base {
                Some(Ty::QuerySet(l) | Ty::Related(l, _)) if rules::is_queryset_method(method) => {
                    return Some(
                        if rules::returns_instance(method) || rules::returns_instance_tuple(method)
                        {
                            Ty::Instance(l)
                        } else {
                            Ty::QuerySet(l)
                        },
                    );
                }
                Some(Ty::QuerySet(l) | Ty::Related(l, _)) => {
                    let (symbol, _) = self.custom_query_method(&l, method)?;
                    return Some(if self.custom_returns_instance(&symbol) {
                        Ty::Instance(l)
                    } else {
                        Ty::QuerySet(l)
                    });
                }
                Some(Ty::Object(_) | Ty::Instance(_)) if method == "get_object" => {
                    // A view's get_object() returns an instance of its bound model.
                    let class = self.class.as_ref()?;
                    let (label, _, _) = self.view_binding_of(class)?;
                    return Some(Ty::Instance(label));
                }
                _ => {}
            }
        }
        let name = call.func.dotted()?;
        let last = name.rsplit('.').next().unwrap_or(&name);
        if matches!(last, "get_object_or_404" | "aget_object_or_404") {
            return match self.ty_depth(call.args.first()?, depth + 1)? {
                Ty::ModelClass(l) | Ty::QuerySet(l) => Some(Ty::Instance(l)),
                _ => None,
            };
        }
        match self.ty_depth(&call.func, depth + 1)? {
            Ty::ModelClass(l) => Some(Ty::Instance(l)),
            Ty::Sym(s @ Symbol::Class(..)) => self.instance_ty(&s),
            _ => None,
        }
    }

    // ---- visiting ----------------------------------------------------------------

    fn visit_expr(&mut self, expr: &Expr) {
        match expr {
            Expr::Call(call) => self.visit_call(call),
            Expr::Attr(v, _) | Expr::Lambda(v) => self.visit_expr(v),
            Expr::Subscript(a, b) | Expr::Add(a, b) => {
                self.visit_expr(a);
                self.visit_expr(b);
            }
            Expr::List(items) => items.iter().for_each(|i| self.visit_expr(i)),
            Expr::Dict(pairs) => pairs.iter().for_each(|(k, v)| {
                self.visit_expr(k);
                self.visit_expr(v);
            }),
            _ => {}
        }
    }

    fn visit_args(&mut self, call: &Call) {
        for a in &call.args {
            self.visit_expr(a);
        }
        for (_, v) in &call.kwargs {
            self.visit_expr(v);
        }
    }

    fn visit_call(&mut self, call: &Call) {
        if self.query_chain(call) {
            return;
        }
        self.special_call(call);
        self.call_edge(call);
        // The receiver may itself hold calls (`foo().bar()`).
        match &call.func {
            Expr::Attr(obj, _) => self.visit_expr(obj),
            Expr::Call(inner) => self.visit_call(inner),
            _ => {}
        }
        self.visit_args(call);
    }

    /// A chain of queryset methods on a manager, queryset or related manager: one query,
    /// a write if any method in it writes. Custom manager and queryset methods count
    /// as queries too (and are called). Returns false when `call` is not such a chain.
    fn query_chain(&mut self, call: &Call) -> bool {
        // The calls of the chain, outermost first, down to the receiver it starts from.
        let mut calls: Vec<&Call> = vec![call];
        let root = loop {
            let Expr::Attr(obj, _) = &calls[calls.len() - 1].func else {
                return false;
            };
            match obj.as_ref() {
                Expr::Call(inner) if matches!(inner.func, Expr::Attr(..)) => calls.push(inner),
                other => break other,
            }
        };
        calls.reverse();
        let (label, through) = match self.ty(root) {
            Some(Ty::QuerySet(l)) => (l, None),
            Some(Ty::Related(l, t)) => (l, t),
            _ => return false,
        };
        let mut writes = false;
        let mut reads_too = false;
        let mut changes_relation = false;
        let mut custom_calls = Vec::new();
        for c in &calls {
            let Expr::Attr(_, method) = &c.func else {
                return false;
            };
            if rules::is_queryset_method(method) {
                writes |= rules::is_write_method(method);
                reads_too |= rules::returns_instance_tuple(method);
            } else if through.is_some() && rules::is_related_manager_write(method) {
                changes_relation = true;
            } else if let Some((symbol, writes_inside)) = self.custom_query_method(&label, method) {
                writes |= writes_inside;
                custom_calls.push((symbol, c.line));
            } else {
                return false;
            }
        }
        let line = call.line;
        let reads = !writes || reads_too;
        match &through {
            // add/remove/clear/set write the join table; queries read it and the target.
            Some(join) if changes_relation => self.access_model(join, true, false, line),
            Some(join) => {
                self.access_model(join, writes, reads, line);
                self.access_model(&label, writes, reads, line);
            }
            None => self.access_model(&label, writes, reads, line),
        }
        for (symbol, line) in custom_calls {
            self.calls_symbol(&symbol, line);
        }
        for c in &calls {
            let Expr::Attr(_, method) = &c.func else {
                continue;
            };
            match method.as_str() {
                "select_related" | "prefetch_related" => {
                    for arg in &c.args {
                        if let Some(path) = arg.as_str() {
                            self.follow_lookup(&label, path, c.line);
                        }
                    }
                }
                "raw" => {
                    if let Some(sql) = c.args.first() {
                        self.raw_sql(sql, c.line);
                    }
                }
                "extra" => {
                    for key in ["where", "select", "tables"] {
                        if let Some(value) = c.kwarg(key) {
                            self.extra(key, value, c.line);
                        }
                    }
                }
                _ => {}
            }
            self.visit_args(c);
        }
        self.visit_expr(root);
        true
    }

    /// A method defined on one of a model's manager or queryset classes, and whether
    /// its body writes (a write method or `save`/`delete` appears in it).
    fn custom_query_method(&self, label: &str, method: &str) -> Option<(Symbol, bool)> {
        let model = self.model(label)?;
        let program = self.django.program;
        model.manager_classes.iter().find_map(|(m, q)| {
            let symbol = program.find_method(m, q, method)?;
            let Symbol::Function(fm, fq) = &symbol else {
                return None;
            };
            let function = program.function(fm, fq)?;
            let mut writes = false;
            for c in &function.calls {
                c.for_each_call(&mut |inner| {
                    if let Expr::Attr(_, name) = &inner.func
                        && (rules::is_write_method(name)
                            || matches!(name.as_str(), "save" | "delete"))
                    {
                        writes = true;
                    }
                });
            }
            Some((symbol, writes))
        })
    }

    /// Whether a custom manager/queryset method returns one instance (its returns end
    /// in `get`, `create`, `first`…).
    fn custom_returns_instance(&self, symbol: &Symbol) -> bool {
        let Symbol::Function(m, q) = symbol else {
            return false;
        };
        self.django.program.function(m, q).is_some_and(|f| {
            f.returns.iter().any(|r| {
                matches!(r, Expr::Call(c) if matches!(&c.func, Expr::Attr(_, name) if rules::returns_instance(name)))
            })
        })
    }

    fn calls_symbol(&mut self, symbol: &Symbol, line: u32) {
        if let Some(id) = self.django.ids.symbol(symbol)
            && id != self.source
        {
            self.add_edge(id, EdgeKind::Calls, line);
        }
    }

    /// `select_related("customer__address")`: each step reads the related table.
    fn follow_lookup(&mut self, label: &str, path: &str, line: u32) {
        let mut current = label.to_owned();
        for step in path.split("__") {
            let Some(model) = self.model(&current) else {
                return;
            };
            let Some((target, through)) = self.django.models.relation_by_name(model, step) else {
                return;
            };
            if let Some(join) = through {
                self.access_model(&join, false, true, line);
            }
            self.access_model(&target, false, true, line);
            current = target;
        }
    }

    /// Instance methods, shortcuts and raw SQL entry points.
    fn special_call(&mut self, call: &Call) {
        if let Expr::Attr(obj, method) = &call.func {
            match (self.ty(obj), method.as_str()) {
                (Some(Ty::Instance(l)), "save" | "asave" | "delete" | "adelete") => {
                    self.access_model(&l, true, false, call.line);
                    return;
                }
                (Some(Ty::Instance(l)), "refresh_from_db" | "arefresh_from_db") => {
                    self.access_model(&l, false, true, call.line);
                    return;
                }
                (Some(Ty::Cursor), "execute" | "executemany")
                | (None, "execute" | "executemany")
                    if obj
                        .dotted()
                        .is_some_and(|d| d.to_lowercase().contains("cursor"))
                        || matches!(self.ty(obj), Some(Ty::Cursor)) =>
                {
                    if let Some(sql) = call.args.first() {
                        self.raw_sql(sql, call.line);
                    }
                    return;
                }
                _ => {}
            }
        }
        let Some(name) = call.func.dotted() else {
            return;
        };
        let last = name.rsplit('.').next().unwrap_or(&name);
        match last {
            "get_object_or_404" | "get_list_or_404" | "aget_object_or_404" | "aget_list_or_404" => {
                if let Some(first) = call.args.first()
                    && let Some(Ty::ModelClass(l)) = self.ty(first)
                {
                    self.access_model(&l, false, true, call.line);
                }
            }
            "RawSQL" => {
                if let Some(sql) = call.arg(0, "sql") {
                    self.raw_sql(sql, call.line);
                }
            }
            _ => {}
        }
    }

    fn extra(&mut self, key: &str, value: &Expr, line: u32) {
        let items: Vec<&Expr> = match value {
            Expr::List(items) => items.iter().collect(),
            Expr::Dict(pairs) => pairs.iter().map(|(_, v)| v).collect(),
            other => vec![other],
        };
        for item in items {
            let Some(text) = self.string_value(item) else {
                continue;
            };
            if key == "tables" {
                self.access_table(&text, false, line);
            } else {
                // A WHERE or SELECT fragment: parse it inside a query to find tables.
                let wrapped = if key == "where" {
                    format!("SELECT 1 WHERE {text}")
                } else {
                    format!("SELECT {text}")
                };
                if let Some(access) = sql::analyze_sql(&wrapped) {
                    for t in access.reads {
                        self.access_table(&t, false, line);
                    }
                }
            }
        }
    }

    fn raw_sql(&mut self, expr: &Expr, line: u32) {
        let Some(text) = self.string_value(expr) else {
            return;
        };
        let Some(access) = sql::analyze_sql(&text) else {
            return;
        };
        for t in &access.reads {
            self.access_table(t, false, line);
        }
        for t in access.writes.iter().chain(&access.creates) {
            self.access_table(t, true, line);
        }
    }

    /// A string literal, a concatenation of them, or a name bound to one.
    fn string_value(&self, expr: &Expr) -> Option<String> {
        self.string_value_depth(expr, 0)
    }

    fn string_value_depth(&self, expr: &Expr, depth: u32) -> Option<String> {
        if depth > 8 {
            return None;
        }
        match expr {
            Expr::Str(s) => Some(s.clone()),
            Expr::Add(a, b) => Some(
                self.string_value_depth(a, depth + 1)? + &self.string_value_depth(b, depth + 1)?,
            ),
            Expr::Name(n) => {
                let m = self.django.program.module(&self.module.name)?;
                // A local constant first, then a module-level one.
                let local = self
                    .local_function()
                    .and_then(|f| f.assigns.iter().rev().find(|a| &a.target == n))
                    .map(|a| &a.value);
                if let Some(value) = local {
                    return self.string_value_depth(value, depth + 1);
                }
                match self.django.program.resolve_name(&m.name, n)? {
                    Symbol::Value(module, target) => {
                        let value = self.django.program.value(&module, &target)?;
                        match &value.value {
                            Expr::Str(s) => Some(s.clone()),
                            other if module == self.module.name => {
                                self.string_value_depth(other, depth + 1)
                            }
                            _ => None,
                        }
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn local_function(&self) -> Option<&Function> {
        let qualname = self
            .source
            .strip_prefix(&format!("py:{}.", self.module.name))?;
        self.django.program.function(&self.module.name, qualname)
    }

    /// A `calls` edge to the function, method or class a call resolves to.
    fn call_edge(&mut self, call: &Call) {
        let target = match &call.func {
            Expr::Name(n) if n == "super" => None,
            Expr::Attr(obj, method) => {
                if let Expr::Call(inner) = obj.as_ref()
                    && inner.func.dotted().as_deref() == Some("super")
                {
                    // super().method(): the first base class that defines it.
                    self.super_method(method)
                } else {
                    match self.ty(obj) {
                        Some(Ty::Instance(l)) | Some(Ty::ModelClass(l)) => self
                            .model(&l)
                            .and_then(|model| model.class.clone())
                            .and_then(|(m, q)| self.django.program.find_method(&m, &q, method)),
                        Some(Ty::Object(Symbol::Class(m, q))) => {
                            self.django.program.find_method(&m, &q, method)
                        }
                        Some(Ty::Sym(Symbol::Class(m, q))) => {
                            self.django.program.find_method(&m, &q, method)
                        }
                        Some(Ty::Sym(Symbol::Module(m))) => {
                            self.django.program.resolve_name(&m, method)
                        }
                        _ => None,
                    }
                }
            }
            Expr::Name(n) => match self.env.get(n) {
                Some(_) => None,
                None => self.django.program.resolve_name(&self.module.name, n),
            },
            _ => None,
        };
        let Some(target) = target else { return };
        if !matches!(target, Symbol::Function(..) | Symbol::Class(..)) {
            return;
        }
        let Some(id) = self.django.ids.symbol(&target) else {
            return;
        };
        if id != self.source {
            self.add_edge(id, EdgeKind::Calls, call.line);
        }
    }

    fn super_method(&self, method: &str) -> Option<Symbol> {
        let class = self.class.as_ref()?;
        let program = self.django.program;
        let own = program.class(&self.module.name, class)?;
        program
            .bases(&self.module.name, own)
            .into_iter()
            .find_map(|b| match b {
                Symbol::Class(m, q) => program.find_method(&m, &q, method),
                _ => None,
            })
    }

    // ---- recording ---------------------------------------------------------------

    /// Records access to a model's table (and, for multi-table inheritance, its
    /// parents' tables, which every query joins).
    fn access_model(&mut self, label: &str, writes: bool, reads: bool, line: u32) {
        let mut tables = Vec::new();
        let mut current = Some(label.to_owned());
        let mut guard = 0;
        while let Some(l) = current.take() {
            guard += 1;
            if guard > 8 {
                break;
            }
            match self.model(&l) {
                Some(m) => {
                    if let Some(t) = &m.table {
                        tables.push(t.clone());
                    }
                    current = m
                        .fields
                        .iter()
                        .find(|f| f.parent_link)
                        .and_then(|f| f.target.clone());
                }
                None => {
                    if let Some(k) = rules::known_model_by_label(&l) {
                        tables.push(k.table.to_owned());
                    }
                }
            }
        }
        tables.dedup();
        for (i, t) in tables.iter().enumerate() {
            // Inherited parent tables are written along with the child.
            if writes {
                self.access_table(t, true, line);
            }
            if reads || (i > 0 && !writes) {
                self.access_table(t, false, line);
            }
        }
    }

    fn access_table(&mut self, table: &str, write: bool, line: u32) {
        self.out.push(Add::Table(table.to_owned()));
        let kind = if write {
            EdgeKind::Writes
        } else {
            EdgeKind::Reads
        };
        self.add_edge(table_id(table), kind, line);
    }

    fn add_edge(&mut self, to: String, kind: EdgeKind, line: u32) {
        self.out.push(Add::Edge {
            from: self.source.clone(),
            to,
            kind,
            evidence: self.evidence(line),
        });
    }

    // ---- class bodies ------------------------------------------------------------

    /// Class-level code: `queryset = …` and other calls in the body, and the model a
    /// class-based view or viewset is bound to.
    fn class_body(&mut self, class: &Class) {
        for call in &class.calls {
            self.visit_call(call);
        }
        let Some((label, reads, writes)) = self.view_binding_of(&class.qualname) else {
            return;
        };
        self.access_model(&label, writes, reads, class.line);
    }

    /// For a class-based view: the model it is bound to (`model =`, `queryset =`,
    /// `serializer_class =`/`form_class =` whose `Meta.model` is a model) and how its
    /// generic base classes use it (reads, writes).
    fn view_binding_of(&self, qualname: &str) -> Option<(String, bool, bool)> {
        let program = self.django.program;
        let mut access: Option<(bool, bool)> = None;
        let mut label: Option<String> = None;
        for ancestor in program.ancestry(&self.module.name, qualname) {
            let base_name = match &ancestor {
                Symbol::External(p) => p.rsplit('.').next().unwrap_or(p).to_owned(),
                Symbol::Class(_, q) => q.rsplit('.').next().unwrap_or(q).to_owned(),
                _ => continue,
            };
            if let Some((r, w)) = rules::view_access(&base_name) {
                let (r0, w0) = access.unwrap_or((false, false));
                access = Some((r0 || r, w0 || w));
            }
            if label.is_none()
                && let Symbol::Class(m, q) = &ancestor
            {
                label = self.class_model_binding(m, q);
            }
        }
        let (reads, writes) = access?;
        Some((label?, reads, writes))
    }

    fn class_model_binding(&self, module: &str, qualname: &str) -> Option<String> {
        let program = self.django.program;
        let class = program.class(module, qualname)?;
        for a in &class.assigns {
            let ty = |e: &Expr| -> Option<String> {
                match self.ty_in(module, e)? {
                    Ty::ModelClass(l) | Ty::QuerySet(l) | Ty::Instance(l) => Some(l),
                    _ => None,
                }
            };
            match a.target.as_str() {
                "model" | "queryset" => {
                    if let Some(l) = ty(&a.value) {
                        return Some(l);
                    }
                }
                "serializer_class" | "form_class" => {
                    if let Some(Symbol::Class(m, q)) = program.resolve_expr(module, &a.value)
                        && let Some(meta) = program.class(&m, &format!("{q}.Meta"))
                        && let Some(model) = meta.assigns.iter().find(|x| x.target == "model")
                        && let Some(Ty::ModelClass(l)) = self.ty_in(&m, &model.value)
                    {
                        return Some(l);
                    }
                }
                _ => {}
            }
        }
        None
    }

    /// The type of an expression at the top level of another module.
    fn ty_in(&self, module: &str, expr: &Expr) -> Option<Ty> {
        if module == self.module.name {
            return self.ty(expr);
        }
        let m = self.django.program.module(module)?;
        let mut nothing = Vec::new();
        let walker = Walker::new(self.django, m, String::new(), None, &mut nothing);
        walker.ty(expr)
    }
}

fn is_get_model(func: &Expr) -> bool {
    func.dotted()
        .is_some_and(|d| d == "get_model" || d.ends_with(".get_model"))
}
