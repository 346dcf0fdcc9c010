//! syn → facts: one Rust file (or Cargo manifest) at a time, pure and panic-free.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Token, UseTree};

use super::diesel;
use super::facts::{
    Attr, Expr, FnFacts, ImplFacts, ItemMacro, Manifest, ModDecl, ModuleFacts, RustFileFacts,
    TypeFacts, TypeKind, UseEntry,
};
use crate::diagnostics::Diagnostic;
use crate::frontend::{Extracted, FileFacts};
use crate::source::count_loc;

/// Expressions nested deeper than this are dropped rather than risking the stack on
/// generated or adversarial code.
const MAX_EXPR_DEPTH: u32 = 200;

pub fn extract_source(rel: &str, text: &str) -> Extracted {
    let loc = count_loc(text, "//");
    let file = match syn::parse_file(text) {
        Ok(file) => file,
        Err(e) => {
            let start = e.span().start();
            return Extracted::skipped(
                Diagnostic::warning("parse-error", format!("not valid Rust: {e}"))
                    .file(rel)
                    .at(start.line as u32, start.column as u32 + 1)
                    .help("seam parses Rust with syn (edition 2021 syntax); fix the syntax or add the file to .ignore"),
            );
        }
    };
    let lines: Vec<&str> = text.lines().collect();
    let converter = Converter { lines: &lines };
    let facts = converter.module(&file.items);
    Extracted::ok(FileFacts::Rust(RustFileFacts::Source(facts)), loc)
}

pub fn extract_manifest(rel: &str, text: &str) -> Extracted {
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() as u32 + 1);
            let mut d = Diagnostic::warning(
                "manifest-parse-error",
                format!("not a valid Cargo.toml: {}", e.message()),
            )
            .file(rel)
            .help(
                "fix the TOML syntax; crates declared by this manifest are analysed as loose files",
            );
            if let Some(line) = line {
                d = d.line(line);
            }
            return Extracted::skipped(d);
        }
    };
    let get_str = |t: Option<&toml::Value>, key: &str| {
        t.and_then(|v| v.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let strings = |v: Option<&toml::Value>| -> Vec<String> {
        v.and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let lib = table.get("lib");
    let workspace = table.get("workspace");
    let manifest = Manifest {
        package: get_str(table.get("package"), "name"),
        lib_name: get_str(lib, "name"),
        lib_path: get_str(lib, "path"),
        bins: table
            .get("bin")
            .and_then(|b| b.as_array())
            .map(|bins| {
                bins.iter()
                    .map(|b| (get_str(Some(b), "name"), get_str(Some(b), "path")))
                    .collect()
            })
            .unwrap_or_default(),
        workspace_members: strings(workspace.and_then(|w| w.get("members"))),
        workspace_exclude: strings(workspace.and_then(|w| w.get("exclude"))),
    };
    Extracted::ok(
        FileFacts::Rust(RustFileFacts::Manifest(manifest)),
        count_loc(text, "#"),
    )
}

pub(super) fn line_of(span: Span) -> u32 {
    span.start().line as u32
}

struct Converter<'a> {
    lines: &'a [&'a str],
}

impl Converter<'_> {
    fn module(&self, items: &[syn::Item]) -> ModuleFacts {
        let mut m = ModuleFacts::default();
        for item in items {
            self.item(item, &mut m);
        }
        m
    }

    fn item(&self, item: &syn::Item, m: &mut ModuleFacts) {
        use syn::Item;
        match item {
            Item::Use(u) if !is_cfg_test(&u.attrs) => flatten_use(
                &u.tree,
                &mut Vec::new(),
                line_of(u.use_token.span),
                &mut m.uses,
            ),
            Item::Mod(module) if !is_cfg_test(&module.attrs) => {
                let (inline, loc) = match &module.content {
                    Some((brace, items)) => {
                        let span = brace.span.join();
                        let (start, end) = (span.start().line, span.end().line);
                        let body = self
                            .lines
                            .get(start.saturating_sub(1)..end.min(self.lines.len()))
                            .unwrap_or_default()
                            .join("\n");
                        (Some(Box::new(self.module(items))), count_loc(&body, "//"))
                    }
                    None => (None, 0),
                };
                m.mods.push(ModDecl {
                    name: ident(&module.ident),
                    line: line_of(module.ident.span()),
                    path_attr: module
                        .attrs
                        .iter()
                        .filter(|a| a.path().is_ident("path"))
                        .find_map(|a| convert_meta(&a.meta).value),
                    inline,
                    loc,
                });
            }
            Item::Fn(f) if !is_cfg_test(&f.attrs) => {
                m.fns
                    .push(self.function(&f.sig, &f.attrs, Some(&f.block.stmts)))
            }
            Item::Struct(s) => m.types.push(self.type_facts(
                &s.ident,
                TypeKind::Struct,
                &s.attrs,
                Vec::new(),
                Vec::new(),
            )),
            Item::Union(u) => m.types.push(self.type_facts(
                &u.ident,
                TypeKind::Union,
                &u.attrs,
                Vec::new(),
                Vec::new(),
            )),
            Item::Enum(e) => {
                let variants = e
                    .variants
                    .iter()
                    .map(|v| (ident(&v.ident), convert_attrs(&v.attrs)))
                    .collect();
                m.types.push(self.type_facts(
                    &e.ident,
                    TypeKind::Enum,
                    &e.attrs,
                    variants,
                    Vec::new(),
                ));
            }
            Item::Trait(t) => {
                let methods = t
                    .items
                    .iter()
                    .filter_map(|i| match i {
                        syn::TraitItem::Fn(f) => Some(self.function(
                            &f.sig,
                            &f.attrs,
                            f.default.as_ref().map(|b| b.stmts.as_slice()),
                        )),
                        _ => None,
                    })
                    .collect();
                m.types.push(self.type_facts(
                    &t.ident,
                    TypeKind::Trait,
                    &t.attrs,
                    Vec::new(),
                    methods,
                ));
            }
            Item::Impl(i) if !is_cfg_test(&i.attrs) => {
                let Some(self_ty) = type_path(&i.self_ty) else {
                    return;
                };
                m.impls.push(ImplFacts {
                    self_ty,
                    trait_path: i.trait_.as_ref().map(|(_, p, _)| path_segments(p)),
                    line: line_of(i.impl_token.span),
                    methods: i
                        .items
                        .iter()
                        .filter_map(|item| match item {
                            syn::ImplItem::Fn(f) => {
                                Some(self.function(&f.sig, &f.attrs, Some(&f.block.stmts)))
                            }
                            _ => None,
                        })
                        .collect(),
                });
            }
            Item::Macro(mac) => {
                let path = path_segments(&mac.mac.path);
                let content = diesel::read_item_macro(&path, &mac.mac.tokens);
                m.macros.push(ItemMacro {
                    line: line_of(mac.mac.path.segments[0].ident.span()),
                    path,
                    content,
                });
            }
            _ => {}
        }
    }

    fn type_facts(
        &self,
        name: &syn::Ident,
        kind: TypeKind,
        attrs: &[syn::Attribute],
        variants: Vec<(String, Vec<Attr>)>,
        methods: Vec<FnFacts>,
    ) -> TypeFacts {
        TypeFacts {
            name: ident(name),
            kind,
            line: line_of(name.span()),
            derives: derives(attrs),
            attrs: convert_attrs(attrs),
            variants,
            methods,
        }
    }

    fn function(
        &self,
        sig: &syn::Signature,
        attrs: &[syn::Attribute],
        body: Option<&[syn::Stmt]>,
    ) -> FnFacts {
        let returns = match &sig.output {
            syn::ReturnType::Type(_, ty) => {
                type_path(ty).and_then(|segments| segments.last().cloned())
            }
            syn::ReturnType::Default => None,
        };
        let mut body_conv = BodyConverter {
            local_uses: Vec::new(),
        };
        let body = body
            .map(|stmts| body_conv.stmts(stmts, 0))
            .unwrap_or_default();
        FnFacts {
            name: ident(&sig.ident),
            line: line_of(sig.ident.span()),
            attrs: convert_attrs(attrs),
            returns,
            local_uses: body_conv.local_uses,
            body,
        }
    }
}

/// Converts a function body; collects the `use` items found anywhere inside it.
struct BodyConverter {
    local_uses: Vec<UseEntry>,
}

impl BodyConverter {
    fn stmts(&mut self, stmts: &[syn::Stmt], depth: u32) -> Vec<Expr> {
        stmts.iter().filter_map(|s| self.stmt(s, depth)).collect()
    }

    fn stmt(&mut self, stmt: &syn::Stmt, depth: u32) -> Option<Expr> {
        match stmt {
            syn::Stmt::Local(local) => {
                let (name, ty) = pattern_binding(&local.pat);
                let mut init = local
                    .init
                    .as_ref()
                    .map(|i| Box::new(self.expr(&i.expr, depth + 1)));
                if let (Some(init_expr), Some(local_init)) = (&mut init, &local.init)
                    && let Some((_, diverge)) = &local_init.diverge
                {
                    let other = self.expr(diverge, depth + 1);
                    let first = std::mem::replace(init_expr.as_mut(), Expr::Group(Vec::new()));
                    **init_expr = Expr::Group(vec![first, other]);
                }
                Some(Expr::Let {
                    name,
                    ty,
                    init,
                    line: line_of(local.let_token.span),
                })
            }
            syn::Stmt::Expr(e, _) => Some(self.expr(e, depth + 1)),
            syn::Stmt::Macro(m) => Some(self.mac(&m.mac, depth + 1)),
            syn::Stmt::Item(syn::Item::Use(u)) => {
                flatten_use(
                    &u.tree,
                    &mut Vec::new(),
                    line_of(u.use_token.span),
                    &mut self.local_uses,
                );
                None
            }
            syn::Stmt::Item(_) => None,
        }
    }

    fn expr(&mut self, e: &syn::Expr, depth: u32) -> Expr {
        use syn::Expr as E;
        if depth > MAX_EXPR_DEPTH {
            return Expr::Group(Vec::new());
        }
        let d = depth + 1;
        match e {
            E::Path(p) => Expr::Path(path_segments(&p.path)),
            E::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Expr::Str(s.value()),
            E::Lit(_) => Expr::Group(Vec::new()),
            E::Call(c) => Expr::Call {
                func: Box::new(self.expr(&c.func, d)),
                args: c.args.iter().map(|a| self.expr(a, d)).collect(),
                line: line_of(c.paren_token.span.open()),
            },
            E::MethodCall(m) => Expr::Method {
                receiver: Box::new(self.expr(&m.receiver, d)),
                method: ident(&m.method),
                args: m.args.iter().map(|a| self.expr(a, d)).collect(),
                line: line_of(m.method.span()),
            },
            E::Macro(m) => self.mac(&m.mac, d),
            E::Struct(s) => {
                let mut fields: Vec<Expr> =
                    s.fields.iter().map(|f| self.expr(&f.expr, d)).collect();
                if let Some(rest) = &s.rest {
                    fields.push(self.expr(rest, d));
                }
                Expr::Struct {
                    path: path_segments(&s.path),
                    fields,
                    line: line_of(s.brace_token.span.open()),
                }
            }
            E::Block(b) => Expr::Block(self.stmts(&b.block.stmts, d)),
            E::Async(b) => Expr::Block(self.stmts(&b.block.stmts, d)),
            E::Unsafe(b) => Expr::Block(self.stmts(&b.block.stmts, d)),
            E::Const(b) => Expr::Block(self.stmts(&b.block.stmts, d)),
            E::TryBlock(b) => Expr::Block(self.stmts(&b.block.stmts, d)),
            E::Closure(c) => match c.body.as_ref() {
                E::Block(b) => Expr::Block(self.stmts(&b.block.stmts, d)),
                other => Expr::Block(vec![self.expr(other, d)]),
            },
            // Wrappers that do not change what is called or referenced.
            E::Reference(r) => self.expr(&r.expr, d),
            E::Paren(p) => self.expr(&p.expr, d),
            E::Try(t) => self.expr(&t.expr, d),
            E::Await(a) => self.expr(&a.base, d),
            E::Group(g) => self.expr(&g.expr, d),
            E::Cast(c) => self.expr(&c.expr, d),
            other => {
                let mut children = ChildExprs {
                    converter: self,
                    depth: d,
                    out: Vec::new(),
                };
                syn::visit::visit_expr(&mut children, other);
                Expr::Group(children.out)
            }
        }
    }

    fn mac(&mut self, mac: &syn::Macro, depth: u32) -> Expr {
        // Bodies that are not comma-separated expressions (`vec![x; n]`, `json!({…})`, DSLs)
        // are skipped quietly: they are the macro's business, not syntax errors.
        let args = mac
            .parse_body_with(Punctuated::<syn::Expr, Token![,]>::parse_terminated)
            .map(|args| args.iter().map(|a| self.expr(a, depth + 1)).collect())
            .unwrap_or_default();
        Expr::Macro {
            path: path_segments(&mac.path),
            args,
            line: line_of(
                mac.path
                    .segments
                    .first()
                    .map_or_else(|| mac.bang_token.span, |s| s.ident.span()),
            ),
        }
    }
}

/// Collects the direct sub-expressions (and blocks) of an expression we do not model.
struct ChildExprs<'c> {
    converter: &'c mut BodyConverter,
    depth: u32,
    out: Vec<Expr>,
}

impl<'ast> Visit<'ast> for ChildExprs<'_> {
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        let converted = self.converter.expr(e, self.depth);
        self.out.push(converted);
    }

    fn visit_block(&mut self, b: &'ast syn::Block) {
        let converted = Expr::Block(self.converter.stmts(&b.stmts, self.depth));
        self.out.push(converted);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let converted = self.converter.mac(m, self.depth);
        self.out.push(converted);
    }

    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

fn pattern_binding(pat: &syn::Pat) -> (Option<String>, Option<Vec<String>>) {
    match pat {
        syn::Pat::Ident(i) => (Some(ident(&i.ident)), None),
        syn::Pat::Type(t) => (pattern_binding(&t.pat).0, type_path(&t.ty)),
        _ => (None, None),
    }
}

fn flatten_use(tree: &UseTree, prefix: &mut Vec<String>, line: u32, out: &mut Vec<UseEntry>) {
    match tree {
        UseTree::Path(p) => {
            prefix.push(ident(&p.ident));
            flatten_use(&p.tree, prefix, line, out);
            prefix.pop();
        }
        UseTree::Name(n) => {
            let name = ident(&n.ident);
            if name == "self" {
                // `use a::b::{self}` binds `b`.
                if let Some(last) = prefix.last() {
                    out.push(UseEntry {
                        path: prefix.clone(),
                        name: Some(last.clone()),
                        glob: false,
                        line,
                    });
                }
            } else {
                let mut path = prefix.clone();
                path.push(name.clone());
                out.push(UseEntry {
                    path,
                    name: Some(name),
                    glob: false,
                    line,
                });
            }
        }
        UseTree::Rename(r) => {
            let mut path = prefix.clone();
            let original = ident(&r.ident);
            if original != "self" {
                path.push(original);
            }
            let alias = ident(&r.rename);
            if alias != "_" {
                out.push(UseEntry {
                    path,
                    name: Some(alias),
                    glob: false,
                    line,
                });
            }
        }
        UseTree::Glob(_) => out.push(UseEntry {
            path: prefix.clone(),
            name: None,
            glob: true,
            line,
        }),
        UseTree::Group(g) => {
            for t in &g.items {
                flatten_use(t, prefix, line, out);
            }
        }
    }
}

/// The identifier without a raw prefix (`r#type` → `type`).
pub(super) fn ident(i: &syn::Ident) -> String {
    let s = i.to_string();
    match s.strip_prefix("r#") {
        Some(rest) => rest.to_owned(),
        None => s,
    }
}

pub(super) fn path_segments(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| ident(&s.ident)).collect()
}

/// The path of a type, through references, parentheses and groups (`&mut Order` → `Order`).
fn type_path(ty: &syn::Type) -> Option<Vec<String>> {
    match ty {
        syn::Type::Path(p) => Some(path_segments(&p.path)),
        syn::Type::Reference(r) => type_path(&r.elem),
        syn::Type::Paren(p) => type_path(&p.elem),
        syn::Type::Group(g) => type_path(&g.elem),
        _ => None,
    }
}

fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string() == "test")
    })
}

/// The attribute contents, with `#[cfg_attr(predicate, a, b)]` read as `#[a] #[b]`:
/// real crates gate their ORM derives behind features (`cfg_attr(feature = "full",
/// derive(Queryable))`), and an analysis sees the code with its features on.
fn metas(attrs: &[syn::Attribute]) -> Vec<syn::Meta> {
    let mut out = Vec::new();
    for attr in attrs {
        if attr.path().is_ident("cfg_attr") {
            if let Ok(args) =
                attr.parse_args_with(Punctuated::<syn::Meta, Token![,]>::parse_terminated)
            {
                out.extend(args.into_iter().skip(1));
            }
        } else {
            out.push(attr.meta.clone());
        }
    }
    out
}

fn derives(attrs: &[syn::Attribute]) -> Vec<String> {
    metas(attrs)
        .iter()
        .filter_map(|m| match m {
            syn::Meta::List(list) if list.path.is_ident("derive") => list
                .parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .ok(),
            _ => None,
        })
        .flat_map(|paths| {
            paths
                .iter()
                .filter_map(|p| p.segments.last().map(|s| ident(&s.ident)))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn convert_attrs(attrs: &[syn::Attribute]) -> Vec<Attr> {
    metas(attrs)
        .iter()
        .filter(|m| !m.path().is_ident("derive") && !m.path().is_ident("doc"))
        .map(convert_meta)
        .collect()
}

fn convert_meta(meta: &syn::Meta) -> Attr {
    let mut out = Attr {
        path: path_segments(meta.path()).join("::"),
        value: None,
        pairs: Vec::new(),
        positional: Vec::new(),
    };
    match meta {
        syn::Meta::Path(_) => {}
        syn::Meta::NameValue(nv) => out.value = expr_text(&nv.value),
        syn::Meta::List(list) => {
            let Ok(args) =
                list.parse_args_with(Punctuated::<syn::Expr, Token![,]>::parse_terminated)
            else {
                return out;
            };
            for arg in &args {
                match arg {
                    syn::Expr::Assign(a) => {
                        if let (Some(k), Some(v)) = (expr_text(&a.left), expr_text(&a.right)) {
                            out.pairs.push((k, v));
                        }
                    }
                    other => out.positional.extend(expr_text(other)),
                }
            }
        }
    }
    out
}

/// A literal's value or a path written `a::b`; `None` for other expressions.
fn expr_text(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(l) => match &l.lit {
            syn::Lit::Str(s) => Some(s.value()),
            syn::Lit::Bool(b) => Some(b.value.to_string()),
            syn::Lit::Int(i) => Some(i.base10_digits().to_owned()),
            _ => None,
        },
        syn::Expr::Path(p) => Some(path_segments(&p.path).join("::")),
        _ => None,
    }
}
