//! The whole Go program as the linker sees it: modules (go.mod, go.work), packages
//! (one per directory), and the name and type resolution every rule builds on.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::extract::RANGE_ELEMENT;
use super::facts::{
    Call, Expr, FuncDecl, GoFileFacts, Local, TypeDecl, TypeKind, TypeRef, ValueDecl,
};
use crate::diagnostics::Diagnostic;
use crate::frontend::{FileFacts, ParsedFile};
use crate::source::FileKind;

/// How deep type inference and constant folding follow definitions.
const MAX_HOPS: usize = 8;

/// A type resolved to its package: `("gorm.io/gorm", "DB")`, `("example.com/shop/users", "User")`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RType {
    pub pkg: String,
    pub name: String,
}

/// The static type of a value: a named type, or a slice/map of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VType {
    pub ty: RType,
    pub collection: bool,
}

pub struct GoFile<'a> {
    pub rel: &'a str,
    pub facts: &'a GoFileFacts,
    pub loc: u32,
    pub pkg: String,
    /// Import name in this file → import path.
    pub aliases: HashMap<String, String>,
}

#[derive(Default)]
pub struct Package {
    pub path: String,
    pub name: String,
    pub files: Vec<usize>,
    pub types: HashMap<String, (usize, usize)>,
    pub funcs: HashMap<String, (usize, usize)>,
    /// (receiver type, method) → (file, func).
    pub methods: HashMap<(String, String), (usize, usize)>,
    pub consts: HashMap<String, (usize, usize)>,
    pub vars: HashMap<String, (usize, usize)>,
}

pub struct Program<'a> {
    pub files: Vec<GoFile<'a>>,
    pub packages: BTreeMap<String, Package>,
    /// Module paths of the analysed tree (several in a go.work workspace).
    pub modules: Vec<String>,
}

/// A name bound in a function: a parameter (with the route prefix a chi `Route`
/// closure gives it) or a local variable.
#[derive(Clone)]
pub enum Binding<'a> {
    Param(&'a TypeRef, Option<String>),
    Local(&'a Local),
}

/// Scopes of a function being linked: the function's own, then nested literals.
#[derive(Clone, Default)]
pub struct Env<'a> {
    pub file: usize,
    frames: Vec<Vec<(String, Binding<'a>)>>,
}

impl<'a> Env<'a> {
    pub fn new(file: usize) -> Self {
        Env {
            file,
            frames: vec![Vec::new()],
        }
    }

    pub fn push(&mut self) {
        self.frames.push(Vec::new());
    }

    pub fn pop(&mut self) {
        self.frames.pop();
    }

    pub fn bind(&mut self, name: &str, binding: Binding<'a>) {
        if name.is_empty() || name == "_" {
            return;
        }
        if let Some(frame) = self.frames.last_mut() {
            frame.push((name.to_owned(), binding));
        }
    }

    /// Every binding of `name` in the innermost scope that has one, first declared first.
    pub fn lookup(&self, name: &str) -> Vec<&Binding<'a>> {
        for frame in self.frames.iter().rev() {
            let found: Vec<&Binding<'a>> = frame
                .iter()
                .filter(|(n, _)| n == name)
                .map(|(_, b)| b)
                .collect();
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }
}

/// The import name a package gets when imported without an alias: its last path
/// element, skipping a major-version suffix (`echo/v4` → `echo`, `yaml.v3` → `yaml`).
pub fn default_import_name(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let mut last = parts.next().unwrap_or(path);
    if last.len() >= 2
        && last.starts_with('v')
        && last[1..].chars().all(|c| c.is_ascii_digit())
        && let Some(prev) = parts.next()
    {
        last = prev;
    }
    let last = last.split('.').next().unwrap_or(last);
    last.trim_start_matches("go-").replace('-', "_")
}

pub const GORM_PACKAGES: &[&str] = &["gorm.io/gorm", "github.com/jinzhu/gorm"];

impl<'a> Program<'a> {
    pub fn build(parsed: &'a [ParsedFile], diagnostics: &mut Vec<Diagnostic>) -> Program<'a> {
        // Module roots: directory → module path.
        let mut roots: Vec<(String, String)> = Vec::new();
        let mut work_uses: Vec<(String, String)> = Vec::new();
        for p in parsed {
            let FileFacts::Go(facts) = &p.facts else {
                continue;
            };
            let dir = parent_dir(&p.file.rel);
            match p.file.kind {
                FileKind::GoMod => {
                    if let Some(module) = &facts.module {
                        roots.push((dir.to_owned(), module.clone()));
                    } else {
                        diagnostics.push(
                            Diagnostic::warning("go-mod", "go.mod has no `module` directive")
                                .file(&p.file.rel)
                                .help("add `module <path>`; packages here are named by directory"),
                        );
                    }
                }
                FileKind::GoWork => {
                    for u in &facts.workspace_uses {
                        work_uses.push((p.file.rel.clone(), join_dir(dir, u)));
                    }
                }
                _ => {}
            }
        }
        for (work, dir) in work_uses {
            if !roots.iter().any(|(d, _)| *d == dir) {
                diagnostics.push(
                    Diagnostic::warning(
                        "go-work",
                        format!("go.work uses `{dir}`, which has no go.mod in the analysed tree"),
                    )
                    .file(work)
                    .help("check the `use` directive, or analyse the workspace root"),
                );
            }
        }
        // The deepest root wins (nested modules).
        roots.sort_by_key(|(d, _)| std::cmp::Reverse(d.len()));
        let mut program = Program {
            files: Vec::new(),
            packages: BTreeMap::new(),
            modules: roots.iter().map(|(_, m)| m.clone()).collect(),
        };
        for p in parsed {
            let (FileKind::Go, FileFacts::Go(facts)) = (p.file.kind, &p.facts) else {
                continue;
            };
            let dir = parent_dir(&p.file.rel);
            let pkg = match roots.iter().find(|(root, _)| {
                root.is_empty() || dir == root || dir.starts_with(&format!("{root}/"))
            }) {
                Some((root, module)) => {
                    let sub = dir[root.len()..].trim_start_matches('/');
                    if sub.is_empty() {
                        module.clone()
                    } else {
                        format!("{module}/{sub}")
                    }
                }
                // No go.mod: name packages by directory so ids stay stable.
                None if dir.is_empty() => "main".to_owned(),
                None => dir.to_owned(),
            };
            program.files.push(GoFile {
                rel: &p.file.rel,
                facts,
                loc: p.loc,
                pkg,
                aliases: HashMap::new(),
            });
        }
        for (i, f) in program.files.iter().enumerate() {
            let pkg = program.packages.entry(f.pkg.clone()).or_default();
            pkg.path = f.pkg.clone();
            if pkg.name.is_empty() {
                pkg.name = f.facts.package.clone().unwrap_or_default();
            }
            pkg.files.push(i);
            for (j, t) in f.facts.types.iter().enumerate() {
                pkg.types.entry(t.name.clone()).or_insert((i, j));
            }
            for (j, func) in f.facts.funcs.iter().enumerate() {
                match &func.receiver {
                    Some(r) => {
                        pkg.methods
                            .entry((r.ty.name.clone(), func.name.clone()))
                            .or_insert((i, j));
                    }
                    None => {
                        pkg.funcs.entry(func.name.clone()).or_insert((i, j));
                    }
                }
            }
            for (j, c) in f.facts.consts.iter().enumerate() {
                pkg.consts.entry(c.name.clone()).or_insert((i, j));
            }
            for (j, v) in f.facts.vars.iter().enumerate() {
                pkg.vars.entry(v.name.clone()).or_insert((i, j));
            }
        }
        let names: HashMap<String, String> = program
            .packages
            .values()
            .map(|p| (p.path.clone(), p.name.clone()))
            .collect();
        for f in &mut program.files {
            for imp in &f.facts.imports {
                let name = match imp.alias.as_deref() {
                    Some("_") | Some(".") => continue,
                    Some(alias) => alias.to_owned(),
                    None => names
                        .get(&imp.path)
                        .filter(|n| !n.is_empty())
                        .cloned()
                        .unwrap_or_else(|| default_import_name(&imp.path)),
                };
                f.aliases.insert(name, imp.path.clone());
            }
        }
        program
    }

    /// True for an import path inside one of the analysed modules.
    pub fn is_local(&self, path: &str) -> bool {
        self.packages.contains_key(path)
            || self
                .modules
                .iter()
                .any(|m| path == m || path.starts_with(&format!("{m}/")))
    }

    pub fn type_decl(&self, t: &RType) -> Option<(usize, &'a TypeDecl)> {
        let &(f, j) = self.packages.get(&t.pkg)?.types.get(&t.name)?;
        Some((f, &self.files[f].facts.types[j]))
    }

    pub fn func(&self, pkg: &str, name: &str) -> Option<(usize, &'a FuncDecl)> {
        let &(f, j) = self.packages.get(pkg)?.funcs.get(name)?;
        Some((f, &self.files[f].facts.funcs[j]))
    }

    pub fn method(&self, t: &RType, name: &str) -> Option<(usize, &'a FuncDecl)> {
        let &(f, j) = self
            .packages
            .get(&t.pkg)?
            .methods
            .get(&(t.name.clone(), name.to_owned()))?;
        Some((f, &self.files[f].facts.funcs[j]))
    }

    pub fn is_gorm_db(&self, t: &RType) -> bool {
        if GORM_PACKAGES.contains(&t.pkg.as_str()) {
            return t.name == "DB";
        }
        // `type Store struct{ *gorm.DB }`: GORM's methods are promoted.
        self.type_decl(t).is_some_and(|(f, decl)| {
            decl.fields.iter().any(|fd| {
                fd.name.is_none()
                    && self
                        .resolve_type(f, &fd.ty)
                        .is_some_and(|r| GORM_PACKAGES.contains(&r.pkg.as_str()) && r.name == "DB")
            })
        })
    }

    /// Resolves a written type in a file to its package.
    pub fn resolve_type(&self, file: usize, ty: &TypeRef) -> Option<RType> {
        if ty.name.is_empty() {
            return None;
        }
        let f = &self.files[file];
        match &ty.qual {
            Some(q) => Some(RType {
                pkg: f.aliases.get(q)?.clone(),
                name: ty.name.clone(),
            }),
            None => {
                let pkg = self.packages.get(&f.pkg)?;
                pkg.types.contains_key(&ty.name).then(|| RType {
                    pkg: f.pkg.clone(),
                    name: ty.name.clone(),
                })
            }
        }
    }

    fn vtype(&self, file: usize, ty: &TypeRef) -> Option<VType> {
        Some(VType {
            ty: self.resolve_type(file, ty)?,
            collection: ty.slice || ty.map,
        })
    }

    /// The import path an identifier names in this scope, when it is an import.
    pub fn import_of(&self, env: &Env, name: &str) -> Option<&str> {
        if !env.lookup(name).is_empty() {
            return None;
        }
        self.files[env.file].aliases.get(name).map(String::as_str)
    }

    /// The static type of an expression, when the program says it.
    pub fn type_of(&self, expr: &Expr, env: &Env<'a>, hops: usize) -> Option<VType> {
        if hops > MAX_HOPS {
            return None;
        }
        match expr {
            Expr::Ident(name) => {
                for b in env.lookup(name) {
                    let found = match b {
                        Binding::Param(ty, _) => self.vtype(env.file, ty),
                        Binding::Local(local) => self.local_type(local, env, hops),
                    };
                    if found.is_some() {
                        return found;
                    }
                }
                let pkg = &self.files[env.file].pkg;
                let &(f, j) = self.packages.get(pkg)?.vars.get(name)?;
                self.value_type(f, &self.files[f].facts.vars[j], hops)
            }
            Expr::Selector(operand, field) => {
                if let Expr::Ident(q) = operand.as_ref()
                    && let Some(path) = self.import_of(env, q)
                {
                    let &(f, j) = self.packages.get(path)?.vars.get(field)?;
                    return self.value_type(f, &self.files[f].facts.vars[j], hops);
                }
                let owner = self.type_of(operand, env, hops + 1)?;
                self.field_type(&owner.ty, field, 0)
            }
            Expr::Call(call) => self.call_type(call, env, hops),
            Expr::Composite(ty) | Expr::List(ty, _) => self.vtype(env.file, ty),
            Expr::AddrOf(inner) => self.type_of(inner, env, hops + 1),
            _ => None,
        }
    }

    fn local_type(&self, local: &Local, env: &Env<'a>, hops: usize) -> Option<VType> {
        if let Some(ty) = &local.ty {
            return self.vtype(env.file, ty);
        }
        let value = local.value.as_ref()?;
        if local.index > 0 {
            let Expr::Call(call) = value else {
                return None;
            };
            let (f, decl) = self.callee(call, env, hops + 1)?;
            return self.vtype(f, decl.results.get(local.index as usize)?);
        }
        self.type_of(value, env, hops + 1)
    }

    fn value_type(&self, file: usize, decl: &ValueDecl, hops: usize) -> Option<VType> {
        if let Some(ty) = &decl.ty {
            return self.vtype(file, ty);
        }
        self.type_of(decl.value.as_ref()?, &Env::new(file), hops + 1)
    }

    /// The type of `owner.field`, looking through embedded structs.
    pub fn field_type(&self, owner: &RType, field: &str, depth: usize) -> Option<VType> {
        if depth > 3 {
            return None;
        }
        let (f, decl) = self.type_decl(owner)?;
        if let Some(fd) = decl
            .fields
            .iter()
            .find(|fd| fd.name.as_deref() == Some(field))
        {
            return self.vtype(f, &fd.ty);
        }
        decl.fields
            .iter()
            .filter(|fd| fd.name.is_none())
            .filter_map(|fd| self.resolve_type(f, &fd.ty))
            .find_map(|inner| self.field_type(&inner, field, depth + 1))
    }

    fn call_type(&self, call: &Call, env: &Env<'a>, hops: usize) -> Option<VType> {
        match &call.func {
            Expr::Ident(f) if f == RANGE_ELEMENT => {
                let mut t = self.type_of(call.args.first()?, env, hops + 1)?;
                t.collection = false;
                return Some(t);
            }
            Expr::Ident(f) if f == "new" && env.lookup("new").is_empty() => {
                return match call.args.first()? {
                    Expr::Ident(n) => self.vtype(env.file, &TypeRef::named(None, n)),
                    Expr::Selector(q, n) => match q.as_ref() {
                        Expr::Ident(q) => self.vtype(env.file, &TypeRef::named(Some(q), n)),
                        _ => None,
                    },
                    Expr::Composite(t) | Expr::List(t, _) => self.vtype(env.file, t),
                    _ => None,
                };
            }
            Expr::Ident(f) if f == "make" && env.lookup("make").is_empty() => {
                return self.type_of(call.args.first()?, env, hops + 1);
            }
            // Every chainable method of *gorm.DB returns *gorm.DB.
            Expr::Selector(recv, _) => {
                if let Some(rt) = self.type_of(recv, env, hops + 1)
                    && self.is_gorm_db(&rt.ty)
                {
                    return Some(rt);
                }
            }
            _ => {}
        }
        let (f, decl) = self.callee(call, env, hops + 1)?;
        self.vtype(f, decl.results.first()?)
    }

    /// The declaration a call statically reaches: a package function or a method of a
    /// known receiver type (an interface's method when exactly one struct implements it).
    pub fn callee(&self, call: &Call, env: &Env<'a>, hops: usize) -> Option<(usize, &'a FuncDecl)> {
        self.callee_id(call, env, hops).map(|c| (c.file, c.decl))
    }

    pub fn callee_id(&self, call: &Call, env: &Env<'a>, hops: usize) -> Option<Callee<'a>> {
        self.func_value(&call.func, env, hops)
    }

    /// The function or method an expression names (`F`, `pkg.F`, `x.M`).
    pub fn func_value(&self, expr: &Expr, env: &Env<'a>, hops: usize) -> Option<Callee<'a>> {
        if hops > MAX_HOPS {
            return None;
        }
        match expr {
            Expr::Ident(name) => {
                if !env.lookup(name).is_empty() {
                    return None;
                }
                let pkg = self.files[env.file].pkg.clone();
                let (file, decl) = self.func(&pkg, name)?;
                Some(Callee {
                    id: format!("go:{pkg}.{name}"),
                    file,
                    decl,
                })
            }
            Expr::Selector(operand, name) => {
                if let Expr::Ident(q) = operand.as_ref()
                    && let Some(path) = self.import_of(env, q)
                {
                    let (file, decl) = self.func(path, name)?;
                    return Some(Callee {
                        id: format!("go:{path}.{name}"),
                        file,
                        decl,
                    });
                }
                let recv = self.type_of(operand, env, hops + 1)?;
                self.method_of(&recv.ty, name, 0)
            }
            _ => None,
        }
    }

    /// A method on a type: its own, promoted from an embedded struct, or, for an
    /// interface, the one implementation in the program.
    pub fn method_of(&self, t: &RType, name: &str, depth: usize) -> Option<Callee<'a>> {
        if depth > 3 {
            return None;
        }
        if let Some((file, decl)) = self.method(t, name) {
            return Some(Callee {
                id: format!("go:{}.{}.{}", t.pkg, t.name, name),
                file,
                decl,
            });
        }
        let (f, decl) = self.type_decl(t)?;
        match decl.kind {
            TypeKind::Struct => decl
                .fields
                .iter()
                .filter(|fd| fd.name.is_none())
                .filter_map(|fd| self.resolve_type(f, &fd.ty))
                .find_map(|inner| self.method_of(&inner, name, depth + 1)),
            TypeKind::Interface => {
                let wanted: HashSet<&str> = decl.methods.iter().map(String::as_str).collect();
                if !wanted.contains(name) {
                    return None;
                }
                let mut impls = self.packages.values().flat_map(|p| {
                    p.types.keys().filter_map(|tn| {
                        let cand = RType {
                            pkg: p.path.clone(),
                            name: tn.clone(),
                        };
                        let has_all = wanted
                            .iter()
                            .all(|m| p.methods.contains_key(&(tn.clone(), (*m).to_owned())));
                        has_all.then_some(cand)
                    })
                });
                let first = impls.next()?;
                if impls.next().is_some() {
                    return None;
                }
                self.method_of(&first, name, depth + 1)
            }
            TypeKind::Other => None,
        }
    }

    /// The string value of an expression made of literals and constants (`base + "x"`).
    pub fn string_value(&self, expr: &Expr, env: &Env<'a>, hops: usize) -> Option<String> {
        if hops > MAX_HOPS {
            return None;
        }
        match expr {
            Expr::Str(s) => Some(s.clone()),
            Expr::Concat(parts) => parts
                .iter()
                .map(|p| self.string_value(p, env, hops + 1))
                .collect(),
            Expr::Ident(name) => {
                let bindings = env.lookup(name);
                if !bindings.is_empty() {
                    return bindings.iter().find_map(|b| match b {
                        Binding::Local(Local {
                            value: Some(v),
                            index: 0,
                            ..
                        }) => self.string_value(v, env, hops + 1),
                        _ => None,
                    });
                }
                let pkg = self.files[env.file].pkg.clone();
                self.package_string(&pkg, name, hops)
            }
            Expr::Selector(q, name) => match q.as_ref() {
                Expr::Ident(q) => {
                    let path = self.import_of(env, q)?.to_owned();
                    self.package_string(&path, name, hops)
                }
                _ => None,
            },
            // sqlx's `db.Rebind(q)` only rewrites placeholders.
            Expr::Call(call) => match &call.func {
                Expr::Selector(_, m) if m == "Rebind" => {
                    self.string_value(call.args.first()?, env, hops + 1)
                }
                _ => None,
            },
            _ => None,
        }
    }

    fn package_string(&self, pkg: &str, name: &str, hops: usize) -> Option<String> {
        let p = self.packages.get(pkg)?;
        let (&(f, j), decl) = match p.consts.get(name) {
            Some(at) => (at, &self.files[at.0].facts.consts[at.1]),
            None => {
                let at = p.vars.get(name)?;
                (at, &self.files[at.0].facts.vars[at.1])
            }
        };
        let _ = j;
        self.string_value(decl.value.as_ref()?, &Env::new(f), hops + 1)
    }
}

/// A statically resolved function or method.
pub struct Callee<'a> {
    pub id: String,
    pub file: usize,
    pub decl: &'a FuncDecl,
}

pub fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

fn join_dir(base: &str, sub: &str) -> String {
    match (base.is_empty(), sub.is_empty()) {
        (true, _) => sub.to_owned(),
        (false, true) => base.to_owned(),
        (false, false) => format!("{base}/{sub}"),
    }
}

/// A call chain `base.A(x).B(y).C()` as its base and links in call order.
pub struct Link<'e> {
    pub name: &'e str,
    pub args: &'e [Expr],
    pub line: u32,
    pub call: &'e Call,
}

pub fn flatten(call: &Call) -> (&Expr, Vec<Link<'_>>) {
    let mut links = Vec::new();
    let mut current = call;
    let base = loop {
        match &current.func {
            Expr::Selector(recv, name) => {
                links.push(Link {
                    name,
                    args: &current.args,
                    line: current.line,
                    call: current,
                });
                match recv.as_ref() {
                    Expr::Call(inner) if matches!(inner.func, Expr::Selector(..)) => {
                        current = inner
                    }
                    other => break other,
                }
            }
            other => break other,
        }
    };
    links.reverse();
    (base, links)
}
