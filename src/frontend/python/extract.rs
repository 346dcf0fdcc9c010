//! tree-sitter-python → [`PyFacts`]. Pure and per file: no knowledge of other files or
//! of Django; the linker applies the framework rules.

use std::cell::RefCell;

use tree_sitter::{Node, Parser, Tree};

use super::facts::*;
use crate::diagnostics::Diagnostic;
use crate::frontend::{Extracted, FileFacts};

thread_local! {
    static PARSER: RefCell<Parser> = RefCell::new({
        let mut parser = Parser::new();
        parser
            .set_language(&tree_sitter_python::LANGUAGE.into())
            .expect("tree-sitter-python grammar is compatible with the tree-sitter runtime");
        parser
    });
}

/// Parses one file. A file with a syntax error is skipped with a warning naming the
/// first error's line and column.
pub fn extract(rel: &str, text: &str) -> Extracted {
    let Some(tree) = PARSER.with(|p| p.borrow_mut().parse(text, None)) else {
        return Extracted::skipped(
            Diagnostic::warning("parse-error", "the parser gave up on this file; skipped")
                .file(rel),
        );
    };
    let root = tree.root_node();
    if root.has_error() {
        let (line, column, what) = first_error(&tree);
        return Extracted::skipped(
            Diagnostic::warning(
                "parse-error",
                format!("syntax error ({what}); file skipped"),
            )
            .file(rel)
            .at(line, column)
            .help("fix the syntax error (seam reads Python 3), or add the file to .ignore"),
        );
    }
    let mut x = Extractor {
        src: text.as_bytes(),
        facts: PyFacts {
            is_package: rel == "__init__.py" || rel.ends_with("/__init__.py"),
            ..PyFacts::default()
        },
    };
    x.block(root, Scope::Module);
    x.facts.all = module_all(&x.facts);
    Extracted::ok(
        FileFacts::Python(x.facts),
        crate::source::count_loc(text, "#"),
    )
}

fn first_error(tree: &Tree) -> (u32, u32, String) {
    let mut cursor = tree.walk();
    let mut node = tree.root_node();
    // Descend towards the first error, preferring the earliest child that holds one.
    'outer: loop {
        if node.is_error() || node.is_missing() {
            break;
        }
        for child in node.children(&mut cursor) {
            if child.has_error() || child.is_missing() {
                node = child;
                continue 'outer;
            }
        }
        break;
    }
    let pos = node.start_position();
    let what = if node.is_missing() {
        format!("missing `{}`", node.kind())
    } else {
        "unexpected input".to_owned()
    };
    (pos.row as u32 + 1, pos.column as u32 + 1, what)
}

/// `__all__` from literal assignments, `+=` and `.append`/`.extend` calls at module level.
fn module_all(facts: &PyFacts) -> Option<Vec<String>> {
    let mut all: Option<Vec<String>> = None;
    let strings = |e: &Expr| -> Vec<String> {
        match e {
            Expr::List(items) => items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_owned))
                .collect(),
            Expr::Str(s) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    for a in facts.assigns.iter().filter(|a| a.target == "__all__") {
        let names = strings(&a.value);
        match (&mut all, a.augmented) {
            (Some(v), true) => v.extend(names),
            _ => all = Some(names),
        }
    }
    for call in &facts.calls {
        if let Expr::Attr(obj, method) = &call.func
            && obj.dotted().as_deref() == Some("__all__")
            && matches!(method.as_str(), "append" | "extend")
            && let Some(arg) = call.args.first()
        {
            all.get_or_insert_with(Vec::new).extend(strings(arg));
        }
    }
    all
}

#[derive(Clone, Copy)]
enum Scope {
    Module,
    /// Index into `facts.classes`.
    Class(usize),
    /// Index into `facts.functions`.
    Function(usize),
}

struct Extractor<'s> {
    src: &'s [u8],
    facts: PyFacts,
}

fn line(node: Node) -> u32 {
    node.start_position().row as u32 + 1
}

impl Extractor<'_> {
    fn text(&self, node: Node) -> &str {
        node.utf8_text(self.src).unwrap_or("")
    }

    fn qualname(&self, scope: Scope, name: &str) -> String {
        match scope {
            Scope::Module => name.to_owned(),
            Scope::Class(i) => format!("{}.{name}", self.facts.classes[i].qualname),
            Scope::Function(i) => format!("{}.{name}", self.facts.functions[i].qualname),
        }
    }

    fn push_call(&mut self, scope: Scope, call: Call) {
        match scope {
            Scope::Module => self.facts.calls.push(call),
            Scope::Class(i) => self.facts.classes[i].calls.push(call),
            Scope::Function(i) => self.facts.functions[i].calls.push(call),
        }
    }

    /// Records the outermost calls inside an already converted expression.
    fn push_calls(&mut self, scope: Scope, expr: &Expr) {
        match expr {
            Expr::Call(call) => self.push_call(scope, (**call).clone()),
            Expr::Attr(v, _) | Expr::Lambda(v) => self.push_calls(scope, v),
            Expr::Subscript(a, b) | Expr::Add(a, b) => {
                self.push_calls(scope, a);
                self.push_calls(scope, b);
            }
            Expr::List(items) => items.iter().for_each(|i| self.push_calls(scope, i)),
            Expr::Dict(pairs) => pairs.iter().for_each(|(k, v)| {
                self.push_calls(scope, k);
                self.push_calls(scope, v);
            }),
            _ => {}
        }
    }

    fn push_assign(&mut self, scope: Scope, assign: Assign) {
        match scope {
            Scope::Module => self.facts.assigns.push(assign),
            Scope::Class(i) => self.facts.classes[i].assigns.push(assign),
            Scope::Function(i) => self.facts.functions[i].assigns.push(assign),
        }
    }

    /// Converts an expression in `scope` and records the calls it contains.
    fn expr_stmt(&mut self, node: Node, scope: Scope) -> Expr {
        let e = self.expr(node, scope);
        self.push_calls(scope, &e);
        e
    }

    fn block(&mut self, node: Node, scope: Scope) {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            self.statement(child, scope);
        }
    }

    fn statement(&mut self, node: Node, scope: Scope) {
        match node.kind() {
            "import_statement" | "import_from_statement" | "future_import_statement" => {
                self.import(node)
            }
            "class_definition" => self.class(node, scope, Vec::new()),
            "function_definition" => self.function(node, scope, Vec::new()),
            "decorated_definition" => {
                let mut cursor = node.walk();
                let decorators: Vec<Expr> = node
                    .named_children(&mut cursor)
                    .filter(|c| c.kind() == "decorator")
                    .filter_map(|d| d.named_child(0))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .map(|d| self.expr_stmt(d, scope))
                    .collect();
                if let Some(def) = node.child_by_field_name("definition") {
                    match def.kind() {
                        "class_definition" => self.class(def, scope, decorators),
                        "function_definition" => self.function(def, scope, decorators),
                        _ => {}
                    }
                }
            }
            "expression_statement" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for child in children {
                    match child.kind() {
                        "assignment" => self.assignment(child, scope),
                        "augmented_assignment" => self.augmented(child, scope),
                        _ => {
                            self.expr_stmt(child, scope);
                        }
                    }
                }
            }
            "return_statement" => {
                if let Some(value) = node.named_child(0) {
                    let e = self.expr_stmt(value, scope);
                    if let Scope::Function(i) = scope {
                        self.facts.functions[i].returns.push(e);
                    }
                }
            }
            "with_statement" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for child in children {
                    match child.kind() {
                        "with_clause" => self.with_clause(child, scope),
                        "block" => self.block(child, scope),
                        _ => {}
                    }
                }
            }
            "for_statement" => {
                if let Some(right) = node.child_by_field_name("right") {
                    let value = self.expr_stmt(right, scope);
                    if let (Some(left), Scope::Function(i)) =
                        (node.child_by_field_name("left"), scope)
                        && left.kind() == "identifier"
                    {
                        let name = self.text(left).to_owned();
                        self.facts.functions[i].for_bindings.push((name, value));
                    }
                }
                for field in ["body", "alternative"] {
                    if let Some(b) = node.child_by_field_name(field) {
                        self.compound_part(b, scope);
                    }
                }
            }
            "if_statement" | "while_statement" | "try_statement" | "elif_clause"
            | "else_clause" | "except_clause" | "finally_clause" | "match_statement"
            | "case_clause" | "block" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                for child in children {
                    self.compound_part(child, scope);
                }
            }
            "comment" | "pass_statement" | "break_statement" | "continue_statement"
            | "global_statement" | "nonlocal_statement" => {}
            _ => self.scan_calls(node, scope),
        }
    }

    /// A child of a compound statement: a block, a clause, or a condition expression.
    fn compound_part(&mut self, node: Node, scope: Scope) {
        match node.kind() {
            "block" | "elif_clause" | "else_clause" | "except_clause" | "finally_clause"
            | "case_clause" => self.statement(node, scope),
            "comment" => {}
            _ => {
                if node.kind().ends_with("statement") || node.kind().ends_with("definition") {
                    self.statement(node, scope)
                } else {
                    self.expr_stmt(node, scope);
                }
            }
        }
    }

    fn with_clause(&mut self, node: Node, scope: Scope) {
        let mut cursor = node.walk();
        let items: Vec<Node> = node.named_children(&mut cursor).collect();
        for item in items {
            let Some(value) = item.child_by_field_name("value") else {
                continue;
            };
            // `with X as name`: the value is an `as_pattern` whose alias is the target.
            if value.kind() == "as_pattern" {
                let target = value
                    .child_by_field_name("alias")
                    .map(|a| self.text(a).trim().to_owned());
                if let Some(inner) = value.named_child(0) {
                    let e = self.expr_stmt(inner, scope);
                    if let (Some(name), Scope::Function(i)) = (target, scope) {
                        self.facts.functions[i].with_bindings.push((name, e));
                    }
                }
            } else {
                self.expr_stmt(value, scope);
            }
        }
    }

    /// Finds calls anywhere below `node` (statements seam does not model further).
    fn scan_calls(&mut self, node: Node, scope: Scope) {
        if node.kind() == "call" {
            self.expr_stmt(node, scope);
            return;
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            match child.kind() {
                "function_definition" | "class_definition" | "decorated_definition" => {
                    self.statement(child, scope)
                }
                "lambda" => {
                    self.expr_stmt(child, scope);
                }
                _ => self.scan_calls(child, scope),
            }
        }
    }

    fn targets(&self, node: Node) -> Vec<String> {
        match node.kind() {
            "identifier" | "attribute" => vec![self.text(node).replace([' ', '\n'], "")],
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
                let mut cursor = node.walk();
                node.named_children(&mut cursor)
                    .flat_map(|c| self.targets(c))
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    fn assignment(&mut self, node: Node, scope: Scope) {
        let Some(left) = node.child_by_field_name("left") else {
            return;
        };
        let targets = self.targets(left);
        let value = match node.child_by_field_name("right") {
            // `a = b = value`: each target gets the innermost value.
            Some(right) if right.kind() == "assignment" => {
                self.assignment(right, scope);
                let mut inner = right;
                while let Some(r) = inner.child_by_field_name("right") {
                    if r.kind() != "assignment" {
                        inner = r;
                        break;
                    }
                    inner = r;
                }
                self.expr(inner, scope)
            }
            Some(right) => self.expr_stmt(right, scope),
            // `x: T` declares without assigning; keep the annotation as the value so
            // dataclass-like declarations are visible.
            None => match node.child_by_field_name("type") {
                Some(t) => Expr::Subscript(
                    Box::new(Expr::Name("__annotation__".into())),
                    Box::new(self.expr(t, scope)),
                ),
                None => return,
            },
        };
        if let Some(first) = targets.first() {
            self.push_assign(
                scope,
                Assign {
                    target: first.clone(),
                    targets: if targets.len() > 1 {
                        targets.clone()
                    } else {
                        Vec::new()
                    },
                    value,
                    augmented: false,
                    line: line(node),
                },
            );
        }
    }

    fn augmented(&mut self, node: Node, scope: Scope) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let value = self.expr_stmt(right, scope);
        let op = node
            .child_by_field_name("operator")
            .map(|o| self.text(o).to_owned());
        if op.as_deref() == Some("+=")
            && let Some(target) = self.targets(left).into_iter().next()
        {
            self.push_assign(
                scope,
                Assign {
                    target,
                    targets: Vec::new(),
                    value,
                    augmented: true,
                    line: line(node),
                },
            );
        }
    }

    fn import(&mut self, node: Node) {
        let l = line(node);
        let mut cursor = node.walk();
        match node.kind() {
            "import_statement" => {
                for child in node.named_children(&mut cursor) {
                    let (module, alias) = match child.kind() {
                        "dotted_name" => (self.text(child).to_owned(), None),
                        "aliased_import" => self.aliased(child),
                        _ => continue,
                    };
                    self.facts.imports.push(Import {
                        module,
                        level: 0,
                        names: Vec::new(),
                        alias,
                        star: false,
                        line: l,
                    });
                }
            }
            "import_from_statement" => {
                let module_node = node.child_by_field_name("module_name");
                let (module, level) = match module_node {
                    Some(m) if m.kind() == "relative_import" => {
                        let mut c = m.walk();
                        let mut level = 0;
                        let mut module = String::new();
                        for part in m.named_children(&mut c) {
                            match part.kind() {
                                "import_prefix" => level = self.text(part).trim().len() as u32,
                                "dotted_name" => module = self.text(part).to_owned(),
                                _ => {}
                            }
                        }
                        (module, level)
                    }
                    Some(m) => (self.text(m).to_owned(), 0),
                    None => (String::new(), 0),
                };
                let mut names = Vec::new();
                let mut star = false;
                for child in node.named_children(&mut cursor) {
                    if Some(child) == module_node {
                        continue;
                    }
                    match child.kind() {
                        "dotted_name" => names.push((self.text(child).to_owned(), None)),
                        "aliased_import" => names.push(self.aliased(child)),
                        "wildcard_import" => star = true,
                        _ => {}
                    }
                }
                self.facts.imports.push(Import {
                    module,
                    level,
                    names,
                    alias: None,
                    star,
                    line: l,
                });
            }
            _ => {}
        }
    }

    /// `name as alias` of an import: (name, alias).
    fn aliased(&self, node: Node) -> (String, Option<String>) {
        (
            node.child_by_field_name("name")
                .map(|n| self.text(n).to_owned())
                .unwrap_or_default(),
            node.child_by_field_name("alias")
                .map(|a| self.text(a).to_owned()),
        )
    }

    fn class(&mut self, node: Node, scope: Scope, decorators: Vec<Expr>) {
        let name = node
            .child_by_field_name("name")
            .map(|n| self.text(n).to_owned())
            .unwrap_or_default();
        let mut bases = Vec::new();
        let mut keywords = Vec::new();
        if let Some(args) = node.child_by_field_name("superclasses") {
            let mut cursor = args.walk();
            let children: Vec<Node> = args.named_children(&mut cursor).collect();
            for arg in children {
                if arg.kind() == "keyword_argument" {
                    if let (Some(k), Some(v)) = (
                        arg.child_by_field_name("name"),
                        arg.child_by_field_name("value"),
                    ) {
                        let key = self.text(k).to_owned();
                        let value = self.expr_stmt(v, scope);
                        keywords.push((key, value));
                    }
                } else if arg.kind() != "comment" {
                    bases.push(self.expr(arg, scope));
                }
            }
        }
        let (depth, in_function) = match scope {
            Scope::Module => (0, None),
            Scope::Class(i) => (self.facts.classes[i].depth + 1, None),
            Scope::Function(i) => (0, Some(self.facts.functions[i].qualname.clone())),
        };
        let index = self.facts.classes.len();
        self.facts.classes.push(Class {
            qualname: self.qualname(scope, &name),
            name,
            bases,
            keywords,
            decorators,
            line: line(node),
            end_line: node.end_position().row as u32 + 1,
            assigns: Vec::new(),
            calls: Vec::new(),
            depth,
            in_function,
        });
        if let Some(body) = node.child_by_field_name("body") {
            self.block(body, Scope::Class(index));
        }
    }

    fn function(&mut self, node: Node, scope: Scope, decorators: Vec<Expr>) {
        let name = node
            .child_by_field_name("name")
            .map(|n| self.text(n).to_owned())
            .unwrap_or_default();
        let is_async = {
            let mut cursor = node.walk();
            node.children(&mut cursor).any(|c| c.kind() == "async")
        };
        let params = node
            .child_by_field_name("parameters")
            .map(|p| self.params(p, scope))
            .unwrap_or_default();
        let class = match scope {
            Scope::Class(i) => Some(self.facts.classes[i].qualname.clone()),
            _ => None,
        };
        let index = self.facts.functions.len();
        self.facts.functions.push(Function {
            qualname: self.qualname(scope, &name),
            name,
            class,
            params,
            decorators,
            is_async,
            line: line(node),
            end_line: node.end_position().row as u32 + 1,
            assigns: Vec::new(),
            calls: Vec::new(),
            with_bindings: Vec::new(),
            for_bindings: Vec::new(),
            returns: Vec::new(),
        });
        if let Some(body) = node.child_by_field_name("body") {
            self.block(body, Scope::Function(index));
        }
    }

    fn params(&mut self, node: Node, scope: Scope) -> Vec<Param> {
        let mut out = Vec::new();
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for p in children {
            let (name, annotation, default) = match p.kind() {
                "identifier" => (self.text(p).to_owned(), None, None),
                "typed_parameter" => {
                    let name = p
                        .named_child(0)
                        .filter(|n| n.kind() == "identifier")
                        .map(|n| self.text(n).to_owned());
                    let Some(name) = name else { continue };
                    (name, p.child_by_field_name("type"), None)
                }
                "default_parameter" | "typed_default_parameter" => {
                    let Some(name) = p.child_by_field_name("name") else {
                        continue;
                    };
                    (
                        self.text(name).to_owned(),
                        p.child_by_field_name("type"),
                        p.child_by_field_name("value"),
                    )
                }
                _ => continue,
            };
            if let Some(d) = default {
                // Defaults are evaluated in the enclosing scope.
                self.expr_stmt(d, scope);
            }
            let annotation = annotation
                .and_then(|t| t.named_child(0).or(Some(t)))
                .map(|t| self.expr(t, scope));
            out.push(Param { name, annotation });
        }
        out
    }

    /// Converts an expression. Parts that [`Expr`] cannot represent become `Other`,
    /// and the calls inside them are recorded on `scope` so none is lost.
    fn expr(&mut self, node: Node, scope: Scope) -> Expr {
        match node.kind() {
            "identifier" => Expr::Name(self.text(node).to_owned()),
            "attribute" => {
                let (Some(obj), Some(attr)) = (
                    node.child_by_field_name("object"),
                    node.child_by_field_name("attribute"),
                ) else {
                    return Expr::Other;
                };
                let obj = self.expr(obj, scope);
                Expr::Attr(Box::new(obj), self.text(attr).to_owned())
            }
            "call" => {
                let func = node
                    .child_by_field_name("function")
                    .map(|f| self.expr(f, scope))
                    .unwrap_or(Expr::Other);
                let mut args = Vec::new();
                let mut kwargs = Vec::new();
                if let Some(arguments) = node.child_by_field_name("arguments") {
                    let mut cursor = arguments.walk();
                    let children: Vec<Node> = arguments.named_children(&mut cursor).collect();
                    for a in children {
                        match a.kind() {
                            "keyword_argument" => {
                                if let (Some(k), Some(v)) = (
                                    a.child_by_field_name("name"),
                                    a.child_by_field_name("value"),
                                ) {
                                    kwargs.push((self.text(k).to_owned(), self.expr(v, scope)));
                                }
                            }
                            "comment" => {}
                            "list_splat" | "dictionary_splat" => {
                                let e = self.expr(a, scope);
                                self.push_calls(scope, &e);
                            }
                            _ => args.push(self.expr(a, scope)),
                        }
                    }
                }
                Expr::Call(Box::new(Call {
                    func,
                    args,
                    kwargs,
                    line: line(node),
                }))
            }
            "string" => Expr::Str(self.string(node, scope)),
            "concatenated_string" => {
                let mut cursor = node.walk();
                let parts: Vec<Node> = node.named_children(&mut cursor).collect();
                let mut s = String::new();
                for p in parts {
                    if p.kind() == "string" {
                        s.push_str(&self.string(p, scope));
                    }
                }
                Expr::Str(s)
            }
            "integer" => self
                .text(node)
                .replace('_', "")
                .parse()
                .map(Expr::Int)
                .unwrap_or(Expr::Other),
            "true" => Expr::Bool(true),
            "false" => Expr::Bool(false),
            "none" => Expr::None,
            "list" | "tuple" | "set" | "expression_list" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                Expr::List(
                    children
                        .into_iter()
                        .filter(|c| c.kind() != "comment")
                        .map(|c| self.expr(c, scope))
                        .collect(),
                )
            }
            "dictionary" => {
                let mut cursor = node.walk();
                let children: Vec<Node> = node.named_children(&mut cursor).collect();
                let mut pairs = Vec::new();
                for c in children {
                    if c.kind() == "pair" {
                        if let (Some(k), Some(v)) =
                            (c.child_by_field_name("key"), c.child_by_field_name("value"))
                        {
                            let k = self.expr(k, scope);
                            let v = self.expr(v, scope);
                            pairs.push((k, v));
                        }
                    } else if c.kind() != "comment" {
                        let e = self.expr(c, scope);
                        self.push_calls(scope, &e);
                    }
                }
                Expr::Dict(pairs)
            }
            "subscript" => {
                let value = node
                    .child_by_field_name("value")
                    .map(|v| self.expr(v, scope))
                    .unwrap_or(Expr::Other);
                let index = node
                    .child_by_field_name("subscript")
                    .map(|s| self.expr(s, scope))
                    .unwrap_or(Expr::Other);
                Expr::Subscript(Box::new(value), Box::new(index))
            }
            "parenthesized_expression" => match node.named_child(0) {
                Some(inner) => self.expr(inner, scope),
                None => Expr::Other,
            },
            "binary_operator" => {
                let (Some(l), Some(r)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return Expr::Other;
                };
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o).to_owned());
                let left = self.expr(l, scope);
                let right = self.expr(r, scope);
                match (op.as_deref(), left, right) {
                    (Some("+"), Expr::Str(a), Expr::Str(b)) => Expr::Str(a + &b),
                    (Some("+"), a, b) => Expr::Add(Box::new(a), Box::new(b)),
                    // `"..." % args` keeps the format string: its tables are in the literal.
                    (Some("%"), Expr::Str(a), b) => {
                        self.push_calls(scope, &b);
                        Expr::Str(a)
                    }
                    (_, a, b) => {
                        self.push_calls(scope, &a);
                        self.push_calls(scope, &b);
                        Expr::Other
                    }
                }
            }
            "lambda" => {
                let body = node
                    .child_by_field_name("body")
                    .map(|b| self.expr(b, scope))
                    .unwrap_or(Expr::Other);
                Expr::Lambda(Box::new(body))
            }
            "await" => match node.named_child(0) {
                Some(inner) => self.expr(inner, scope),
                None => Expr::Other,
            },
            "keyword_argument" => match node.child_by_field_name("value") {
                Some(v) => self.expr(v, scope),
                None => Expr::Other,
            },
            // Everything else (comprehensions, conditionals, comparisons, boolean
            // operators, walrus…): keep the calls inside, drop the shape.
            _ => {
                self.scan_calls(node, scope);
                Expr::Other
            }
        }
    }

    /// The literal text of a string; interpolations of an f-string become `{}`.
    fn string(&mut self, node: Node, scope: Scope) -> String {
        let mut out = String::new();
        let mut raw = false;
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for part in children {
            match part.kind() {
                "string_start" => raw = self.text(part).to_ascii_lowercase().contains('r'),
                "string_content" => {
                    // tree-sitter nests escape sequences inside string_content.
                    let mut c = part.walk();
                    let mut pos = part.start_byte();
                    for esc in part.named_children(&mut c) {
                        out.push_str(
                            std::str::from_utf8(&self.src[pos..esc.start_byte()]).unwrap_or(""),
                        );
                        let t = self.text(esc);
                        if raw || esc.kind() != "escape_sequence" {
                            out.push_str(t);
                        } else {
                            out.push_str(&unescape(t));
                        }
                        pos = esc.end_byte();
                    }
                    out.push_str(
                        std::str::from_utf8(&self.src[pos..part.end_byte()]).unwrap_or(""),
                    );
                }
                "escape_sequence" if !raw => out.push_str(&unescape(self.text(part))),
                "escape_sequence" => out.push_str(self.text(part)),
                "interpolation" => {
                    if let Some(e) = part.named_child(0) {
                        self.expr_stmt(e, scope);
                    }
                    out.push_str("{}");
                }
                _ => {}
            }
        }
        out
    }
}

fn unescape(seq: &str) -> String {
    match seq {
        "\\n" => "\n".into(),
        "\\t" => "\t".into(),
        "\\r" => "\r".into(),
        "\\\\" => "\\".into(),
        "\\'" => "'".into(),
        "\\\"" => "\"".into(),
        "\\\n" => String::new(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(src: &str) -> PyFacts {
        match extract("m.py", src).facts {
            Some(FileFacts::Python(f)) => f,
            other => panic!("expected facts, got {other:?}"),
        }
    }

    #[test]
    fn imports_all_forms() {
        let f = facts(
            "import a.b as c\nimport os, sys\nfrom ..x.y import z as w, q\nfrom . import m\nfrom k import *\n",
        );
        assert_eq!(f.imports.len(), 6);
        assert_eq!(f.imports[0].module, "a.b");
        assert_eq!(f.imports[0].alias.as_deref(), Some("c"));
        assert_eq!(f.imports[1].module, "os");
        assert_eq!(f.imports[3].module, "x.y");
        assert_eq!(f.imports[3].level, 2);
        assert_eq!(
            f.imports[3].names,
            vec![("z".into(), Some("w".into())), ("q".into(), None)]
        );
        assert_eq!(f.imports[4].level, 1);
        assert_eq!(f.imports[4].module, "");
        assert!(f.imports[5].star);
    }

    #[test]
    fn classes_meta_and_fields() {
        let f = facts(
            "from django.db import models\n\nif True:\n    class Order(Base, metaclass=M):\n        total = models.DecimalField(max_digits=9)\n        customer = models.ForeignKey('customers.Customer', on_delete=models.CASCADE)\n        class Meta:\n            db_table = 'orders'\n",
        );
        assert_eq!(f.classes.len(), 2);
        let order = &f.classes[0];
        assert_eq!(order.qualname, "Order");
        assert_eq!(order.depth, 0);
        assert_eq!(order.bases, vec![Expr::Name("Base".into())]);
        assert_eq!(order.keywords[0].0, "metaclass");
        assert_eq!(order.assigns.len(), 2);
        let fk = order.assigns[1].value.as_call().unwrap();
        assert_eq!(fk.func.dotted().as_deref(), Some("models.ForeignKey"));
        assert_eq!(fk.args[0], Expr::Str("customers.Customer".into()));
        assert_eq!(
            fk.kwarg("on_delete").and_then(Expr::dotted).as_deref(),
            Some("models.CASCADE")
        );
        let meta = &f.classes[1];
        assert_eq!(meta.qualname, "Order.Meta");
        assert_eq!(meta.assigns[0].value, Expr::Str("orders".into()));
    }

    #[test]
    fn functions_record_outermost_calls_assigns_and_bindings() {
        let f = facts(
            r#"
class V:
    def get(self, request: HttpRequest, pk):
        order = Order.objects.select_related("customer").get(pk=pk)
        items = [line.total() for line in order.lines.all()]
        with connection.cursor() as cursor:
            cursor.execute("UPDATE t SET a = %s " "WHERE id = %s", [1, 2])
        for x in Item.objects.filter(order=order):
            x.save()
        return render(request, "t.html", {"o": helper(order)})
"#,
        );
        let get = &f.functions[0];
        assert_eq!(get.qualname, "V.get");
        assert_eq!(get.class.as_deref(), Some("V"));
        assert_eq!(get.params[1].name, "request");
        assert_eq!(
            get.params[1].annotation,
            Some(Expr::Name("HttpRequest".into()))
        );
        assert_eq!(get.assigns[0].target, "order");
        let calls: Vec<String> = get
            .calls
            .iter()
            .map(|c| match &c.func {
                Expr::Attr(_, m) => m.clone(),
                other => other.dotted().unwrap_or_default(),
            })
            .collect();
        // The comprehension's calls are found even though the list itself is opaque.
        assert!(calls.contains(&"total".to_owned()), "{calls:?}");
        assert!(calls.contains(&"all".to_owned()), "{calls:?}");
        assert!(calls.contains(&"execute".to_owned()));
        assert!(calls.contains(&"filter".to_owned()));
        assert!(calls.contains(&"save".to_owned()));
        assert!(calls.contains(&"render".to_owned()));
        let execute = get
            .calls
            .iter()
            .find(|c| matches!(&c.func, Expr::Attr(_, m) if m == "execute"))
            .unwrap();
        assert_eq!(
            execute.args[0],
            Expr::Str("UPDATE t SET a = %s WHERE id = %s".into())
        );
        assert_eq!(get.with_bindings[0].0, "cursor");
        assert_eq!(get.for_bindings[0].0, "x");
        assert_eq!(get.returns.len(), 1);
    }

    #[test]
    fn module_all_and_fstrings() {
        let f = facts(
            "__all__ = ['A']\n__all__.append('B')\n__all__ += ['C']\nQ = f\"SELECT * FROM {t}\"\nR = r'\\d+'\n",
        );
        assert_eq!(
            f.all,
            Some(vec!["A".to_owned(), "C".to_owned(), "B".to_owned()])
        );
        assert_eq!(f.assigns[2].value, Expr::Str("SELECT * FROM {}".into()));
        assert_eq!(f.assigns[3].value, Expr::Str("\\d+".into()));
    }

    #[test]
    fn syntax_error_is_reported_with_its_line() {
        let out = extract("bad.py", "x = 1\ndef f(:\n    pass\n");
        assert!(out.facts.is_none());
        let d = &out.diagnostics[0];
        assert_eq!(d.code, "parse-error");
        assert_eq!(d.file.as_deref(), Some("bad.py"));
        assert_eq!(d.line, Some(2));
    }
}
