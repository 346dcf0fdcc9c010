//! Text → facts for Go files (tree-sitter-go), `go.mod` and `go.work`.
//!
//! Pure and panic-free: a file with a syntax error comes back skipped with a diagnostic
//! naming the first error's line and column. Recursion over expressions is bounded so
//! that pathological nesting cannot overflow the stack.

use std::collections::HashMap;

use tree_sitter::{Node, Parser};

use super::facts::{
    Body, Call, Expr, Field, FuncDecl, FuncLit, GoFileFacts, Import, Local, Param, TypeDecl,
    TypeKind, TypeRef, ValueDecl,
};
use crate::diagnostics::Diagnostic;
use crate::frontend::{Extracted, FileFacts};

/// Deeper expressions than this are summarised as `Expr::Other`.
const MAX_DEPTH: usize = 128;

pub fn extract_go(rel: &str, text: &str) -> Extracted {
    let loc = crate::source::count_loc(text, "//");
    let mut parser = Parser::new();
    if parser
        .set_language(&tree_sitter_go::LANGUAGE.into())
        .is_err()
    {
        return Extracted::skipped(
            Diagnostic::error("parser", "the Go grammar could not be loaded")
                .file(rel)
                .help("this is a bug in seam's build; please report it"),
        );
    }
    let Some(tree) = parser.parse(text, None) else {
        return Extracted::skipped(
            Diagnostic::warning("parse-error", "tree-sitter could not parse this Go file")
                .file(rel)
                .help("check that the file is Go source; add it to .ignore otherwise"),
        );
    };
    let root = tree.root_node();
    if root.has_error() {
        let (line, column, what) = first_error(root);
        return Extracted::skipped(
            Diagnostic::warning(
                "parse-error",
                format!("syntax error ({what}); file skipped"),
            )
            .file(rel)
            .at(line, column)
            .help("fix the syntax error (`gofmt -l` shows it), or add the file to .ignore if it is generated or a template"),
        );
    }
    let mut x = Extractor {
        src: text.as_bytes(),
        closures: HashMap::new(),
    };
    let facts = x.file(root);
    Extracted::ok(FileFacts::Go(facts), loc)
}

/// The first ERROR or MISSING node in document order: (1-based line, column, description).
fn first_error(root: Node) -> (u32, u32, String) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let p = node.start_position();
            let what = if node.is_missing() {
                format!("missing `{}`", node.kind())
            } else {
                "unexpected input".to_owned()
            };
            return (p.row as u32 + 1, p.column as u32 + 1, what);
        }
        if node.has_error() {
            let mut cursor = node.walk();
            let children: Vec<Node> = node.children(&mut cursor).collect();
            stack.extend(children.into_iter().rev());
        }
    }
    let p = root.start_position();
    (
        p.row as u32 + 1,
        p.column as u32 + 1,
        "unexpected input".to_owned(),
    )
}

/// `module example.com/shop` of a go.mod.
pub fn extract_go_mod(text: &str) -> GoFileFacts {
    let module = directive_lines(text)
        .into_iter()
        .find_map(|(verb, arg)| (verb == "module").then(|| unquote(&arg)))
        .filter(|m| !m.is_empty());
    GoFileFacts {
        module,
        ..Default::default()
    }
}

/// `use ./a` and `use ( ./a ./b )` of a go.work.
pub fn extract_go_work(text: &str) -> GoFileFacts {
    let workspace_uses = directive_lines(text)
        .into_iter()
        .filter(|(verb, _)| verb == "use")
        .map(|(_, arg)| {
            let dir = unquote(&arg);
            let dir = dir.trim_start_matches("./").trim_end_matches('/');
            if dir.is_empty() || dir == "." {
                String::new()
            } else {
                dir.to_owned()
            }
        })
        .collect();
    GoFileFacts {
        workspace_uses,
        ..Default::default()
    }
}

/// (verb, argument) pairs of a go.mod/go.work, with `verb ( … )` blocks expanded.
fn directive_lines(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut block: Option<String> = None;
    for raw in text.lines() {
        let line = raw.split("//").next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(verb) = &block {
            if line == ")" {
                block = None;
            } else {
                out.push((verb.clone(), line.to_owned()));
            }
            continue;
        }
        let (verb, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        let rest = rest.trim();
        if rest == "(" {
            block = Some(verb.to_owned());
        } else {
            out.push((verb.to_owned(), rest.to_owned()));
        }
    }
    out
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|x| x.strip_suffix('"'))
        .or_else(|| s.strip_prefix('`').and_then(|x| x.strip_suffix('`')))
        .unwrap_or(s)
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_owned()
}

struct Extractor<'a> {
    src: &'a [u8],
    /// Function literals already summarised, by node id: a literal nested in call
    /// arguments is met again when the inner call is recorded as a root.
    closures: HashMap<usize, FuncLit>,
}

fn line_of(node: Node) -> u32 {
    node.start_position().row as u32 + 1
}

fn named_children(node: Node) -> Vec<Node> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

fn field_children<'t>(node: Node<'t>, field: &str) -> Vec<Node<'t>> {
    let mut cursor = node.walk();
    node.children_by_field_name(field, &mut cursor).collect()
}

impl<'a> Extractor<'a> {
    fn text(&self, node: Node) -> String {
        node.utf8_text(self.src).unwrap_or("").to_owned()
    }

    fn file(&mut self, root: Node) -> GoFileFacts {
        let mut facts = GoFileFacts::default();
        for node in named_children(root) {
            match node.kind() {
                "package_clause" => {
                    facts.package = named_children(node).first().map(|n| self.text(*n));
                }
                "import_declaration" => self.imports(node, &mut facts.imports),
                "type_declaration" => {
                    for spec in named_children(node) {
                        if matches!(spec.kind(), "type_spec" | "type_alias") {
                            facts.types.extend(self.type_spec(spec));
                        }
                    }
                }
                "function_declaration" | "method_declaration" => {
                    facts.funcs.extend(self.func_decl(node));
                }
                "const_declaration" => {
                    for spec in named_children(node) {
                        if spec.kind() == "const_spec" {
                            facts.consts.extend(self.value_spec(spec));
                        }
                    }
                }
                "var_declaration" => {
                    for spec in self.var_specs(node) {
                        facts.vars.extend(self.value_spec(spec));
                    }
                }
                _ => {}
            }
        }
        facts
    }

    fn var_specs<'t>(&self, decl: Node<'t>) -> Vec<Node<'t>> {
        let mut out = Vec::new();
        for child in named_children(decl) {
            match child.kind() {
                "var_spec" => out.push(child),
                "var_spec_list" => out.extend(
                    named_children(child)
                        .into_iter()
                        .filter(|n| n.kind() == "var_spec"),
                ),
                _ => {}
            }
        }
        out
    }

    fn imports(&self, decl: Node, out: &mut Vec<Import>) {
        let mut stack = vec![decl];
        while let Some(node) = stack.pop() {
            if node.kind() == "import_spec" {
                let Some(path) = node.child_by_field_name("path") else {
                    continue;
                };
                out.push(Import {
                    path: self.string_literal(path),
                    alias: node.child_by_field_name("name").map(|n| self.text(n)),
                    line: line_of(node),
                });
            } else {
                let mut children = named_children(node);
                children.reverse();
                stack.extend(children);
            }
        }
    }

    fn string_literal(&self, node: Node) -> String {
        let text = self.text(node);
        if node.kind() == "raw_string_literal" {
            return text.trim_matches('`').to_owned();
        }
        let inner = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(&text);
        unescape(inner)
    }

    fn type_ref(&self, node: Node, depth: usize) -> TypeRef {
        if depth > MAX_DEPTH {
            return TypeRef::named(None, "");
        }
        match node.kind() {
            "type_identifier" | "identifier" => TypeRef::named(None, &self.text(node)),
            "qualified_type" => {
                let qual = node.child_by_field_name("package").map(|n| self.text(n));
                let name = node
                    .child_by_field_name("name")
                    .map(|n| self.text(n))
                    .unwrap_or_default();
                TypeRef::named(qual.as_deref(), &name)
            }
            "selector_expression" => {
                // `models.User` in expression position (e.g. `new(models.User)`).
                let qual = node.child_by_field_name("operand").map(|n| self.text(n));
                let name = node
                    .child_by_field_name("field")
                    .map(|n| self.text(n))
                    .unwrap_or_default();
                TypeRef::named(qual.as_deref(), &name)
            }
            "pointer_type" => {
                let mut t = named_children(node)
                    .first()
                    .map(|n| self.type_ref(*n, depth + 1))
                    .unwrap_or_else(|| TypeRef::named(None, ""));
                t.pointer = true;
                t
            }
            "slice_type" | "array_type" | "implicit_length_array_type" => {
                let mut t = node
                    .child_by_field_name("element")
                    .map(|n| self.type_ref(n, depth + 1))
                    .unwrap_or_else(|| TypeRef::named(None, ""));
                t.slice = true;
                t
            }
            "map_type" => {
                let mut t = node
                    .child_by_field_name("value")
                    .map(|n| self.type_ref(n, depth + 1))
                    .unwrap_or_else(|| TypeRef::named(None, ""));
                t.map = true;
                t
            }
            "generic_type" => node
                .child_by_field_name("type")
                .map(|n| self.type_ref(n, depth + 1))
                .unwrap_or_else(|| TypeRef::named(None, "")),
            "parenthesized_type" => named_children(node)
                .first()
                .map(|n| self.type_ref(*n, depth + 1))
                .unwrap_or_else(|| TypeRef::named(None, "")),
            _ => TypeRef::named(None, ""),
        }
    }

    fn type_spec(&self, spec: Node) -> Option<TypeDecl> {
        let name = self.text(spec.child_by_field_name("name")?);
        let ty = spec.child_by_field_name("type")?;
        let mut decl = TypeDecl {
            name,
            kind: TypeKind::Other,
            line: line_of(spec),
            fields: Vec::new(),
            methods: Vec::new(),
        };
        match ty.kind() {
            "struct_type" => {
                decl.kind = TypeKind::Struct;
                for list in named_children(ty) {
                    for field in named_children(list) {
                        if field.kind() == "field_declaration" {
                            self.field(field, &mut decl.fields);
                        }
                    }
                }
            }
            "interface_type" => {
                decl.kind = TypeKind::Interface;
                for elem in named_children(ty) {
                    if matches!(elem.kind(), "method_elem" | "method_spec")
                        && let Some(n) = elem.child_by_field_name("name")
                    {
                        decl.methods.push(self.text(n));
                    }
                }
            }
            _ => {}
        }
        Some(decl)
    }

    fn field(&self, node: Node, out: &mut Vec<Field>) {
        let Some(ty_node) = node.child_by_field_name("type") else {
            return;
        };
        let ty = self.type_ref(ty_node, 0);
        let tag = node
            .child_by_field_name("tag")
            .map(|t| self.string_literal(t))
            .unwrap_or_default();
        let names = field_children(node, "name");
        if names.is_empty() {
            out.push(Field {
                name: None,
                ty,
                tag,
                line: line_of(node),
            });
            return;
        }
        for name in names {
            out.push(Field {
                name: Some(self.text(name)),
                ty: ty.clone(),
                tag: tag.clone(),
                line: line_of(name),
            });
        }
    }

    fn params(&self, list: Option<Node>) -> Vec<Param> {
        let Some(list) = list else {
            return Vec::new();
        };
        if list.kind() != "parameter_list" {
            // A single unnamed result type.
            return vec![Param {
                name: String::new(),
                ty: self.type_ref(list, 0),
            }];
        }
        let mut out = Vec::new();
        for decl in named_children(list) {
            let Some(ty_node) = decl.child_by_field_name("type") else {
                continue;
            };
            let mut ty = self.type_ref(ty_node, 0);
            if decl.kind() == "variadic_parameter_declaration" {
                ty.slice = true;
            }
            let names = field_children(decl, "name");
            if names.is_empty() {
                out.push(Param {
                    name: String::new(),
                    ty,
                });
            } else {
                for n in names {
                    out.push(Param {
                        name: self.text(n),
                        ty: ty.clone(),
                    });
                }
            }
        }
        out
    }

    fn func_decl(&mut self, node: Node) -> Option<FuncDecl> {
        let name = self.text(node.child_by_field_name("name")?);
        let receiver = if node.kind() == "method_declaration" {
            let mut r = self.params(node.child_by_field_name("receiver"));
            if r.is_empty() {
                return None;
            }
            let mut recv = r.swap_remove(0);
            recv.ty.pointer = false;
            Some(recv)
        } else {
            None
        };
        let params = self.params(node.child_by_field_name("parameters"));
        let results = self
            .params(node.child_by_field_name("result"))
            .into_iter()
            .map(|p| p.ty)
            .collect();
        let body_node = node.child_by_field_name("body");
        let returns_literal = body_node.and_then(|b| self.returns_literal(b));
        let body = body_node.map(|b| self.body(b)).unwrap_or_default();
        Some(FuncDecl {
            name,
            receiver,
            params,
            results,
            line: line_of(node),
            returns_literal,
            body,
        })
    }

    fn returns_literal(&self, block: Node) -> Option<String> {
        let stmts: Vec<Node> = named_children(block)
            .into_iter()
            .filter(|n| n.kind() != "comment")
            .flat_map(|n| {
                if n.kind() == "statement_list" {
                    named_children(n)
                } else {
                    vec![n]
                }
            })
            .filter(|n| n.kind() != "comment")
            .collect();
        let [ret] = stmts.as_slice() else {
            return None;
        };
        if ret.kind() != "return_statement" {
            return None;
        }
        let list = named_children(*ret);
        let values = named_children(*list.first()?);
        let [value] = values.as_slice() else {
            return None;
        };
        matches!(
            value.kind(),
            "interpreted_string_literal" | "raw_string_literal"
        )
        .then(|| self.string_literal(*value))
    }

    fn value_spec(&mut self, spec: Node) -> Vec<ValueDecl> {
        let names = field_children(spec, "name");
        let ty = spec
            .child_by_field_name("type")
            .map(|t| self.type_ref(t, 0));
        let values: Vec<Expr> = spec
            .child_by_field_name("value")
            .map(|v| {
                named_children(v)
                    .into_iter()
                    .map(|e| self.expr(e, 0))
                    .collect()
            })
            .unwrap_or_default();
        names
            .into_iter()
            .enumerate()
            .filter(|(_, n)| n.kind() == "identifier")
            .map(|(i, n)| ValueDecl {
                name: self.text(n),
                ty: ty.clone(),
                value: values.get(i).cloned(),
                line: line_of(n),
            })
            .collect()
    }

    /// Summarises a function body: its locals and root calls, with function literals
    /// summarised on their own.
    fn body(&mut self, block: Node) -> Body {
        let mut body = Body::default();
        let mut stack = vec![(block, 0usize)];
        while let Some((node, depth)) = stack.pop() {
            if depth > MAX_DEPTH * 4 {
                continue;
            }
            match node.kind() {
                "func_literal" => {
                    if !self.closures.contains_key(&node.id()) {
                        // A literal not used as a value we model (e.g. `return func…`):
                        // its calls still belong to this function.
                        let lit = self.func_lit(node);
                        body.calls.extend(lit.body.calls);
                        body.locals.extend(lit.body.locals);
                    }
                    continue;
                }
                "call_expression" if !is_chain_link(node) => {
                    if let Expr::Call(call) = self.expr(node, 0) {
                        body.calls.push(*call);
                    }
                }
                "short_var_declaration" | "assignment_statement" => {
                    self.assignment(node, &mut body);
                }
                "var_declaration" => {
                    for spec in self.var_specs(node) {
                        for decl in self.value_spec(spec) {
                            body.locals.push(Local {
                                name: decl.name,
                                ty: decl.ty,
                                value: decl.value,
                                index: 0,
                            });
                        }
                    }
                }
                "range_clause" => self.range(node, &mut body),
                _ => {}
            }
            let mut children = named_children(node);
            children.reverse();
            stack.extend(children.into_iter().map(|c| (c, depth + 1)));
        }
        body
    }

    fn assignment(&mut self, node: Node, body: &mut Body) {
        if node.kind() == "assignment_statement"
            && node
                .child_by_field_name("operator")
                .is_some_and(|op| self.text(op) != "=")
        {
            return;
        }
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let names = named_children(left);
        let values: Vec<Expr> = named_children(right)
            .into_iter()
            .map(|v| self.expr(v, 0))
            .collect();
        for (i, name) in names.iter().enumerate() {
            if name.kind() != "identifier" {
                continue;
            }
            let name = self.text(*name);
            if name == "_" {
                continue;
            }
            let (value, index) = if values.len() == names.len() {
                (values.get(i).cloned(), 0)
            } else {
                (values.first().cloned(), i as u32)
            };
            body.locals.push(Local {
                name,
                ty: None,
                value,
                index,
            });
        }
    }

    /// `for k, v := range xs`: `v` is an element of `xs`.
    fn range(&mut self, node: Node, body: &mut Body) {
        let (Some(left), Some(right)) = (
            node.child_by_field_name("left"),
            node.child_by_field_name("right"),
        ) else {
            return;
        };
        let names = named_children(left);
        if names.len() == 2 && names[1].kind() == "identifier" {
            let collection = self.expr(right, 0);
            body.locals.push(Local {
                name: self.text(names[1]),
                ty: None,
                value: Some(Expr::Call(Box::new(Call {
                    func: Expr::Ident(RANGE_ELEMENT.to_owned()),
                    args: vec![collection],
                    line: line_of(node),
                }))),
                index: 0,
            });
        }
    }

    fn func_lit(&mut self, node: Node) -> FuncLit {
        if let Some(lit) = self.closures.get(&node.id()) {
            return lit.clone();
        }
        let params = self.params(node.child_by_field_name("parameters"));
        let body = node
            .child_by_field_name("body")
            .map(|b| self.body(b))
            .unwrap_or_default();
        let lit = FuncLit {
            id: node.start_byte() as u32,
            params,
            body,
            line: line_of(node),
        };
        self.closures.insert(node.id(), lit.clone());
        lit
    }

    fn expr(&mut self, node: Node, depth: usize) -> Expr {
        if depth > MAX_DEPTH {
            return Expr::Other;
        }
        match node.kind() {
            "identifier" | "type_identifier" => Expr::Ident(self.text(node)),
            "selector_expression" => {
                let (Some(operand), Some(field)) = (
                    node.child_by_field_name("operand"),
                    node.child_by_field_name("field"),
                ) else {
                    return Expr::Other;
                };
                Expr::Selector(Box::new(self.expr(operand, depth + 1)), self.text(field))
            }
            "call_expression" => {
                let Some(func) = node.child_by_field_name("function") else {
                    return Expr::Other;
                };
                let func = self.expr(func, depth + 1);
                let args = node
                    .child_by_field_name("arguments")
                    .map(|a| {
                        named_children(a)
                            .into_iter()
                            .filter(|n| n.kind() != "comment")
                            .map(|n| self.expr(n, depth + 1))
                            .collect()
                    })
                    .unwrap_or_default();
                Expr::Call(Box::new(Call {
                    func,
                    args,
                    line: line_of(node),
                }))
            }
            "interpreted_string_literal" | "raw_string_literal" => {
                Expr::Str(self.string_literal(node))
            }
            "binary_expression" => {
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                let (Some(l), Some(r)) = (
                    node.child_by_field_name("left"),
                    node.child_by_field_name("right"),
                ) else {
                    return Expr::Other;
                };
                if op != "+" {
                    return Expr::Other;
                }
                let mut parts = Vec::new();
                for side in [l, r] {
                    match self.expr(side, depth + 1) {
                        Expr::Concat(inner) => parts.extend(inner),
                        other => parts.push(other),
                    }
                }
                Expr::Concat(parts)
            }
            "composite_literal" => {
                let Some(t) = node.child_by_field_name("type") else {
                    return Expr::Other;
                };
                let ty = self.type_ref(t, depth + 1);
                if !ty.slice {
                    return Expr::Composite(ty);
                }
                // `[]any{&A{}, &B{}}`: GORM's AutoMigrate lists are built this way.
                let elements = node
                    .child_by_field_name("body")
                    .map(|body| {
                        named_children(body)
                            .into_iter()
                            .filter(|e| e.kind() == "literal_element")
                            .filter_map(|e| named_children(e).first().copied())
                            .map(|e| self.expr(e, depth + 1))
                            .collect()
                    })
                    .unwrap_or_default();
                Expr::List(ty, elements)
            }
            "variadic_argument" => named_children(node)
                .first()
                .map(|n| self.expr(*n, depth + 1))
                .unwrap_or(Expr::Other),
            "slice_type" | "array_type" | "pointer_type" | "qualified_type" | "map_type"
            | "generic_type" => Expr::Composite(self.type_ref(node, depth + 1)),
            "unary_expression" => {
                let op = node
                    .child_by_field_name("operator")
                    .map(|o| self.text(o))
                    .unwrap_or_default();
                let Some(operand) = node.child_by_field_name("operand") else {
                    return Expr::Other;
                };
                let inner = self.expr(operand, depth + 1);
                match op.as_str() {
                    "&" => Expr::AddrOf(Box::new(inner)),
                    "*" => inner,
                    _ => Expr::Other,
                }
            }
            "parenthesized_expression" => named_children(node)
                .first()
                .map(|n| self.expr(*n, depth + 1))
                .unwrap_or(Expr::Other),
            "index_expression" => node
                .child_by_field_name("operand")
                .map(|o| {
                    Expr::Call(Box::new(Call {
                        func: Expr::Ident(RANGE_ELEMENT.to_owned()),
                        args: vec![self.expr(o, depth + 1)],
                        line: line_of(node),
                    }))
                })
                .unwrap_or(Expr::Other),
            "func_literal" => Expr::FuncLit(Box::new(self.func_lit(node))),
            _ => Expr::Other,
        }
    }
}

/// The pseudo-function standing for "an element of": `xs[i]`, `for _, x := range xs`.
/// Not a valid Go identifier, so it never collides with user code.
pub const RANGE_ELEMENT: &str = "[elem]";

/// True when a call is the receiver of a further call (`a.B().C()`: `a.B()` is a link of
/// the chain whose root is `.C()`).
fn is_chain_link(call: Node) -> bool {
    let Some(parent) = call.parent() else {
        return false;
    };
    if parent.kind() != "selector_expression" {
        return false;
    }
    parent.parent().is_some_and(|gp| {
        gp.kind() == "call_expression" && gp.child_by_field_name("function") == Some(parent)
    })
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}
