//! URL routes: the URLconf tree from `ROOT_URLCONF` (`path`, `re_path`, `include`) and
//! Django REST framework routers, each route bound to its view.
//!
//! Django: <https://docs.djangoproject.com/en/5.2/topics/http/urls/>;
//! DRF routers: <https://www.django-rest-framework.org/api-guide/routers/>.

use std::collections::{BTreeSet, HashSet};

use super::Django;
use crate::diagnostics::Diagnostic;
use crate::frontend::python::facts::{Call, Expr};
use crate::frontend::python::resolve::{Module, Symbol};
use crate::graph::{EdgeKind, Evidence, Graph, Lang, Node, NodeKind};

/// One route found in the URLconf tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Full path, converters and regex groups written `{name}`.
    pub path: String,
    /// The pattern as written in its own URLconf.
    pub pattern: String,
    pub view: Symbol,
    /// HTTP methods, when known.
    pub methods: BTreeSet<String>,
    pub name: Option<String>,
    pub file: String,
    pub line: u32,
}

pub fn add_routes(django: &Django, graph: &mut Graph, _diagnostics: &mut Vec<Diagnostic>) {
    for route in collect_routes(django) {
        let Some(view_id) = django.ids.symbol(&route.view) else {
            continue;
        };
        if !graph.contains(&view_id) {
            continue;
        }
        let id = format!("route:{}", route.path);
        let group = graph.node(&view_id).and_then(|n| n.group.clone());
        let mut node = Node::new(&id, NodeKind::Route, &route.path)
            .lang(Lang::Python)
            .at(&route.file, route.line)
            .attr("pattern", &route.pattern);
        if let Some(g) = group {
            node = node.group(g);
        }
        if !route.methods.is_empty() {
            node = node.attr(
                "methods",
                route.methods.iter().cloned().collect::<Vec<_>>().join(","),
            );
        }
        if let Some(name) = &route.name {
            node = node.attr("name", name);
        }
        graph.add_node(node);
        graph.add_edge(
            &id,
            &view_id,
            EdgeKind::RoutesTo,
            None,
            Some(Evidence::new(&route.file, route.line)),
        );
    }
}

/// Every route reachable from the root URLconfs.
pub fn collect_routes(django: &Django) -> Vec<Route> {
    let program = django.program;
    let roots: Vec<String> = match &django.settings.root_urlconf {
        Some(root) if program.module(root).is_some() => vec![root.clone()],
        // No settings in the tree (a reusable app, a library): every URLconf that no
        // other URLconf includes is a root.
        _ => {
            let included = included_modules(django);
            program
                .modules
                .iter()
                .filter(|m| has_urlpatterns(m) && !included.contains(&m.name))
                .map(|m| m.name.clone())
                .collect()
        }
    };
    let mut walker = UrlWalker {
        django,
        routes: Vec::new(),
        visiting: HashSet::new(),
    };
    for root in roots {
        walker.urlconf(&root, "/");
    }
    walker.routes.sort_by(|a, b| a.path.cmp(&b.path));
    walker
        .routes
        .dedup_by(|a, b| a.path == b.path && a.view == b.view);
    walker.routes
}

fn has_urlpatterns(module: &Module) -> bool {
    module
        .facts
        .assigns
        .iter()
        .any(|a| a.target == "urlpatterns")
}

/// Modules named by `include("x.urls")` anywhere.
fn included_modules(django: &Django) -> HashSet<String> {
    let mut out = HashSet::new();
    for module in &django.program.modules {
        for a in &module.facts.assigns {
            a.value.for_each_call(&mut |call| {
                if callee_name(call) == Some("include")
                    && let Some(first) = call.args.first()
                {
                    let target = match first {
                        Expr::List(items) => items.first(),
                        other => Some(other),
                    };
                    match target {
                        Some(Expr::Str(s)) => {
                            out.insert(s.clone());
                        }
                        Some(e) => {
                            if let Some(Symbol::Module(m)) =
                                django.program.resolve_expr(&module.name, e)
                            {
                                out.insert(m);
                            }
                        }
                        None => {}
                    }
                }
            });
        }
    }
    out
}

fn callee_name(call: &Call) -> Option<&str> {
    match &call.func {
        Expr::Name(n) => Some(n),
        Expr::Attr(_, a) => Some(a),
        _ => None,
    }
}

struct UrlWalker<'d, 'p, 'a> {
    django: &'d Django<'p, 'a>,
    routes: Vec<Route>,
    /// URLconf modules on the current include chain (cycle guard).
    visiting: HashSet<String>,
}

impl UrlWalker<'_, '_, '_> {
    fn urlconf(&mut self, module: &str, prefix: &str) {
        if !self.visiting.insert(module.to_owned()) {
            return;
        }
        let Some(m) = self.django.program.module(module) else {
            self.visiting.remove(module);
            return;
        };
        for a in m.facts.assigns.iter().filter(|a| a.target == "urlpatterns") {
            self.patterns(module, &a.value, prefix, 0);
        }
        for call in &m.facts.calls {
            // urlpatterns.append(path(...)) / .extend([...])
            if let Expr::Attr(obj, method) = &call.func
                && obj.dotted().as_deref() == Some("urlpatterns")
                && matches!(method.as_str(), "append" | "extend" | "insert")
            {
                for arg in &call.args {
                    self.patterns(module, arg, prefix, 0);
                }
            }
        }
        self.visiting.remove(module);
    }

    /// A list of patterns (or an expression evaluating to one).
    fn patterns(&mut self, module: &str, expr: &Expr, prefix: &str, depth: u32) {
        if depth > 16 {
            return;
        }
        match expr {
            Expr::List(items) => {
                for item in items {
                    self.patterns(module, item, prefix, depth + 1);
                }
            }
            Expr::Add(a, b) => {
                self.patterns(module, a, prefix, depth + 1);
                self.patterns(module, b, prefix, depth + 1);
            }
            Expr::Call(call) => self.pattern(module, call, prefix, depth),
            // `router.urls`
            Expr::Attr(obj, attr) if attr == "urls" => self.router(module, obj, prefix),
            // A name bound to a list of patterns.
            Expr::Name(_) | Expr::Attr(..) => {
                match self.django.program.resolve_expr(module, expr) {
                    Some(Symbol::Value(m, t)) => {
                        if let Some(value) = self.django.program.value(&m, &t) {
                            let value = value.value.clone();
                            self.patterns(&m, &value, prefix, depth + 1);
                        }
                    }
                    Some(Symbol::Module(m)) => self.urlconf(&m, prefix),
                    _ => {}
                }
            }
            _ => {}
        }
    }

    /// `path(route, view, kwargs=None, name=None)`, `re_path(...)`, `url(...)`.
    fn pattern(&mut self, module: &str, call: &Call, prefix: &str, depth: u32) {
        let Some(kind) = callee_name(call) else {
            return;
        };
        let is_regex = match kind {
            "path" => false,
            "re_path" | "url" => true,
            _ => return,
        };
        let Some(pattern) = call.arg(0, "route").and_then(Expr::as_str) else {
            return;
        };
        let full = join(
            prefix,
            &if is_regex {
                regex_path(pattern)
            } else {
                path_converters(pattern)
            },
        );
        let Some(view) = call.arg(1, "view") else {
            return;
        };
        let name = call.kwarg("name").and_then(Expr::as_str).map(str::to_owned);
        let rel = self
            .django
            .program
            .module(module)
            .map(|m| m.rel)
            .unwrap_or("");
        match view {
            Expr::Call(inner) if callee_name(inner) == Some("include") => {
                let Some(target) = inner.args.first() else {
                    return;
                };
                // include((patterns, app_name)) / include(("x.urls", "ns"))
                let target = match target {
                    Expr::List(items)
                        if !items.is_empty() && !items.iter().all(|i| i.as_call().is_some()) =>
                    {
                        &items[0]
                    }
                    other => other,
                };
                match target {
                    Expr::Str(s) => self.urlconf(s, &full),
                    other => self.patterns(module, other, &full, depth + 1),
                }
            }
            other => {
                let Some(symbol) = self.view_symbol(module, other) else {
                    return;
                };
                let methods = self.view_methods(&symbol);
                self.routes.push(Route {
                    path: full,
                    pattern: pattern.to_owned(),
                    view: symbol,
                    methods,
                    name,
                    file: rel.to_owned(),
                    line: call.line,
                });
            }
        }
    }

    /// `views.f`, `View.as_view()`, `ViewSet.as_view({...})`.
    fn view_symbol(&self, module: &str, expr: &Expr) -> Option<Symbol> {
        let target = match expr {
            Expr::Call(call) => match &call.func {
                Expr::Attr(obj, m) if m == "as_view" => obj.as_ref(),
                _ => return None,
            },
            other => other,
        };
        match self.django.program.resolve_expr(module, target)? {
            s @ (Symbol::Function(..) | Symbol::Class(..)) => Some(s),
            _ => None,
        }
    }

    /// Registrations of a DRF router: `router.register(prefix, ViewSet, basename=...)`.
    fn router(&mut self, module: &str, router: &Expr, prefix: &str) {
        let program = self.django.program;
        let Some(Symbol::Value(router_module, router_name)) = program.resolve_expr(module, router)
        else {
            return;
        };
        let Some(assign) = program.value(&router_module, &router_name) else {
            return;
        };
        let Some(ctor) = assign.value.as_call() else {
            return;
        };
        let trailing = match ctor.kwarg("trailing_slash") {
            Some(Expr::Bool(false)) => "",
            _ => "/",
        };
        let Some(m) = program.module(&router_module) else {
            return;
        };
        let rel = m.rel;
        for call in &m.facts.calls {
            let Expr::Attr(obj, method) = &call.func else {
                continue;
            };
            if method != "register" || obj.dotted().as_deref() != Some(router_name.as_str()) {
                continue;
            }
            let (Some(reg_prefix), Some(viewset)) = (
                call.arg(0, "prefix").and_then(Expr::as_str),
                call.arg(1, "viewset"),
            ) else {
                continue;
            };
            let Some(symbol @ Symbol::Class(..)) = program.resolve_expr(&router_module, viewset)
            else {
                continue;
            };
            let reg_prefix = regex_path(reg_prefix);
            let lookup = self.lookup_field(&symbol);
            let list = join(prefix, &format!("{reg_prefix}{trailing}"));
            let detail = join(prefix, &format!("{reg_prefix}/{{{lookup}}}{trailing}"));
            let (list_methods, detail_methods) = self.viewset_methods(&symbol);
            for (path, methods) in [(list, list_methods), (detail, detail_methods)] {
                if methods.is_empty() {
                    continue;
                }
                self.routes.push(Route {
                    path,
                    pattern: reg_prefix.clone(),
                    view: symbol.clone(),
                    methods,
                    name: None,
                    file: rel.to_owned(),
                    line: call.line,
                });
            }
        }
    }

    fn lookup_field(&self, viewset: &Symbol) -> String {
        let Symbol::Class(m, q) = viewset else {
            return "pk".into();
        };
        for attr in ["lookup_url_kwarg", "lookup_field"] {
            for ancestor in self.django.program.ancestry(m, q) {
                if let Symbol::Class(am, aq) = &ancestor
                    && let Some(class) = self.django.program.class(am, aq)
                    && let Some(a) = class.assigns.iter().find(|a| a.target == attr)
                    && let Some(s) = a.value.as_str()
                {
                    return s.to_owned();
                }
            }
        }
        "pk".into()
    }

    /// Names of classes in the ancestry (external ones by their last component) and
    /// methods defined on in-tree ones.
    fn class_traits(&self, class: &Symbol) -> (Vec<String>, BTreeSet<String>) {
        let Symbol::Class(m, q) = class else {
            return (Vec::new(), BTreeSet::new());
        };
        let mut bases = Vec::new();
        let mut methods = BTreeSet::new();
        for ancestor in self.django.program.ancestry(m, q) {
            match &ancestor {
                Symbol::External(p) => bases.push(p.rsplit('.').next().unwrap_or(p).to_owned()),
                Symbol::Class(am, aq) => {
                    bases.push(aq.rsplit('.').next().unwrap_or(aq).to_owned());
                    if let Some(module) = self.django.program.module(am) {
                        let prefix = format!("{aq}.");
                        for f in &module.facts.functions {
                            if let Some(name) = f.qualname.strip_prefix(&prefix)
                                && !name.contains('.')
                            {
                                methods.insert(name.to_owned());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        (bases, methods)
    }

    /// (list route methods, detail route methods) of a viewset, from the actions its
    /// mixins and methods provide.
    fn viewset_methods(&self, viewset: &Symbol) -> (BTreeSet<String>, BTreeSet<String>) {
        let (bases, methods) = self.class_traits(viewset);
        let has = |action: &str, mixin: &str| {
            methods.contains(action) || bases.iter().any(|b| b == mixin)
        };
        let full = bases.iter().any(|b| b == "ModelViewSet");
        let read_only = full || bases.iter().any(|b| b == "ReadOnlyModelViewSet");
        let set = |pairs: &[(&str, bool)]| -> BTreeSet<String> {
            pairs
                .iter()
                .filter(|(_, on)| *on)
                .map(|(m, _)| m.to_string())
                .collect()
        };
        let list = set(&[
            ("GET", read_only || has("list", "ListModelMixin")),
            ("POST", full || has("create", "CreateModelMixin")),
        ]);
        let update = full || has("update", "UpdateModelMixin");
        let detail = set(&[
            ("GET", read_only || has("retrieve", "RetrieveModelMixin")),
            ("PUT", update),
            ("PATCH", update || methods.contains("partial_update")),
            ("DELETE", full || has("destroy", "DestroyModelMixin")),
        ]);
        (list, detail)
    }

    /// HTTP methods a view answers, when its code says so.
    fn view_methods(&self, view: &Symbol) -> BTreeSet<String> {
        match view {
            Symbol::Function(m, q) => {
                let Some(f) = self.django.program.function(m, q) else {
                    return BTreeSet::new();
                };
                let mut out = BTreeSet::new();
                for d in &f.decorators {
                    let (name, args) = match d {
                        Expr::Call(c) => (c.func.dotted(), c.args.first()),
                        other => (other.dotted(), None),
                    };
                    let name = name.unwrap_or_default();
                    match name.rsplit('.').next().unwrap_or("") {
                        "api_view" | "require_http_methods" => {
                            if let Some(Expr::List(items)) = args {
                                out.extend(
                                    items.iter().filter_map(Expr::as_str).map(str::to_uppercase),
                                );
                            } else if name.ends_with("api_view") {
                                out.insert("GET".to_owned());
                            }
                        }
                        "require_GET" => {
                            out.insert("GET".into());
                        }
                        "require_POST" => {
                            out.insert("POST".into());
                        }
                        "require_safe" => {
                            out.extend(["GET".to_owned(), "HEAD".to_owned()]);
                        }
                        _ => {}
                    }
                }
                out
            }
            Symbol::Class(..) => {
                let (bases, methods) = self.class_traits(view);
                let mut out: BTreeSet<String> = ["get", "post", "put", "patch", "delete"]
                    .iter()
                    .filter(|m| methods.contains(**m))
                    .map(|m| m.to_uppercase())
                    .collect();
                for base in &bases {
                    out.extend(generic_view_methods(base).iter().map(|m| m.to_string()));
                }
                out
            }
            _ => BTreeSet::new(),
        }
    }
}

/// Methods Django's and DRF's generic views answer.
fn generic_view_methods(base: &str) -> &'static [&'static str] {
    match base {
        "ListView" | "DetailView" | "TemplateView" | "ListAPIView" | "RetrieveAPIView"
        | "RedirectView" => &["GET"],
        "CreateView" | "UpdateView" | "FormView" | "DeleteView" => &["GET", "POST"],
        "ListCreateAPIView" => &["GET", "POST"],
        "CreateAPIView" => &["POST"],
        "UpdateAPIView" => &["PUT", "PATCH"],
        "DestroyAPIView" => &["DELETE"],
        "RetrieveUpdateAPIView" => &["GET", "PUT", "PATCH"],
        "RetrieveDestroyAPIView" => &["GET", "DELETE"],
        "RetrieveUpdateDestroyAPIView" => &["GET", "PUT", "PATCH", "DELETE"],
        _ => &[],
    }
}

/// Joins a prefix ending in `/` with a route fragment.
fn join(prefix: &str, fragment: &str) -> String {
    let fragment = fragment.trim_start_matches('/');
    format!("{prefix}{fragment}")
}

/// `path()` syntax: `<int:pk>` and `<pk>` become `{pk}`.
/// <https://docs.djangoproject.com/en/5.2/topics/http/urls/#path-converters>
pub fn path_converters(route: &str) -> String {
    let mut out = String::with_capacity(route.len());
    let mut rest = route;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let inner = &rest[start + 1..start + end];
        let name = inner.rsplit(':').next().unwrap_or(inner);
        out.push('{');
        out.push_str(name);
        out.push('}');
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    out
}

/// `re_path()` syntax, simplified for reading: anchors dropped, named groups become
/// `{name}`, other groups `{}`, an optional trailing slash dropped, escapes undone.
pub fn regex_path(pattern: &str) -> String {
    let p = pattern.strip_prefix('^').unwrap_or(pattern);
    let p = p.strip_suffix('$').unwrap_or(p);
    let mut out = String::new();
    let chars: Vec<char> = p.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '(' => {
                // Skip to the matching parenthesis.
                let mut depth = 0;
                let start = i;
                while i < chars.len() {
                    match chars[i] {
                        '\\' => i += 1,
                        '(' => depth += 1,
                        ')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
                let group: String = chars[start..i.min(chars.len())].iter().collect();
                match group.strip_prefix("(?P<").and_then(|g| g.split_once('>')) {
                    Some((name, _)) => out.push_str(&format!("{{{name}}}")),
                    None => out.push_str("{}"),
                }
                i += 1;
                // A quantifier after a group applies to it.
                if i < chars.len() && matches!(chars[i], '?' | '*' | '+') {
                    i += 1;
                }
            }
            '\\' if i + 1 < chars.len() => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '?' if out.ends_with('/') => {
                out.pop();
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converters_and_regexes_become_placeholders() {
        assert_eq!(
            path_converters("item/<slug:slug>/<pk>/"),
            "item/{slug}/{pk}/"
        );
        assert_eq!(
            regex_path(r"^dispatch/(?P<order_id>[0-9]+)/$"),
            "dispatch/{order_id}/"
        );
        assert_eq!(regex_path(r"^healthz/?$"), "healthz");
        assert_eq!(regex_path(r"^a\.b/(\d+)/$"), "a.b/{}/");
        assert_eq!(join("/api/", "orders/"), "/api/orders/");
        assert_eq!(join("/", ""), "/");
    }
}
