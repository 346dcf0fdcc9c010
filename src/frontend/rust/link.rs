//! Whole-program linking of Rust facts: crates from manifests, the module tree from
//! `mod` declarations, name resolution (`use`, `crate`/`self`/`super`, workspace crates),
//! and the language-level graph (modules, items, `contains`, `imports`, `calls`).
//! Framework rules (diesel, sqlx, SeaORM, routes) run afterwards on the same
//! [`Program`].

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

use super::facts::{Expr, FnFacts, Manifest, ModuleFacts, RustFileFacts, TypeKind, UseEntry};
use crate::diagnostics::Diagnostic;
use crate::frontend::{FileFacts, ParsedFile};
use crate::graph::{EdgeKind, Evidence, Graph, Lang, Node, NodeKind};

/// How many `use` indirections a name lookup follows (re-export chains are short;
/// cycles are cut earlier by the in-progress set).
const MAX_RESOLVE_DEPTH: u32 = 12;

/// What a name in scope stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Def {
    Module(usize),
    /// A function or method, by node id.
    Fn(String),
    /// A struct, enum, trait or union, by node id.
    Type(String),
    /// A diesel `table!` module, by index into [`Program::diesel_tables`].
    Table(usize),
    /// `<table>::dsl`
    TableDsl(usize),
    /// A SeaORM entity module's generated `Entity`, by index into [`Program::sea_entities`].
    SeaEntity(usize),
    /// A SeaORM entity module's generated `ActiveModel`.
    SeaActiveModel(usize),
}

pub(super) struct Module<'a> {
    pub id: String,
    pub crate_name: String,
    pub path: Vec<String>,
    pub parent: Option<usize>,
    pub file: String,
    pub line: u32,
    pub loc: u32,
    pub facts: &'a ModuleFacts,
    pub items: HashMap<String, Def>,
}

impl Module<'_> {
    /// `<crate>::<top-level module>`, or the crate for its root: the grouping authors chose.
    pub fn group(&self) -> String {
        match self.path.first() {
            Some(top) => format!("{}::{top}", self.crate_name),
            None => self.crate_name.clone(),
        }
    }

    pub fn item_id(&self, name: &str) -> String {
        format!("{}::{name}", self.id)
    }
}

/// A function or method body with what is needed to resolve names inside it.
pub(super) struct FnRef<'a> {
    pub id: String,
    pub module: usize,
    /// The node id of the type of an `impl`/`trait` the function belongs to.
    pub self_type: Option<String>,
    pub facts: &'a FnFacts,
}

/// A diesel table declared by `table!`.
pub(super) struct DieselTableRef {
    pub module: usize,
    pub rust_name: String,
    pub sql_name: String,
    pub line: u32,
}

/// A SeaORM entity module (one with a `#[derive(DeriveEntityModel)]` struct).
pub(super) struct SeaEntityRef {
    pub module: usize,
    pub model_id: String,
    pub table: String,
}

pub(super) struct Program<'a> {
    pub modules: Vec<Module<'a>>,
    pub crate_roots: HashMap<String, usize>,
    pub fns: Vec<FnRef<'a>>,
    /// Methods of each type (by type node id): name → method node id.
    pub type_methods: HashMap<String, HashMap<String, String>>,
    /// Every type node id → (module index, facts index) for framework rules.
    pub types: Vec<(usize, &'a super::facts::TypeFacts)>,
    pub diesel_tables: Vec<DieselTableRef>,
    pub sea_entities: Vec<SeaEntityRef>,
    /// The module of every function, method and type, by node id.
    item_module: HashMap<String, usize>,
    lookup_cache: RefCell<HashMap<(usize, String), Option<Def>>>,
    in_progress: RefCell<HashSet<(usize, String)>>,
}

/// A Cargo package found in the tree.
struct Package<'a> {
    dir: String,
    crate_name: String,
    manifest: &'a Manifest,
}

pub fn link(files: &[ParsedFile], graph: &mut Graph, diagnostics: &mut Vec<Diagnostic>) {
    let mut sources: BTreeMap<&str, (&ModuleFacts, u32)> = BTreeMap::new();
    let mut manifests: Vec<(&str, &Manifest)> = Vec::new();
    for f in files {
        match &f.facts {
            FileFacts::Rust(RustFileFacts::Source(m)) => {
                sources.insert(&f.file.rel, (m, f.loc));
            }
            FileFacts::Rust(RustFileFacts::Manifest(m)) => manifests.push((&f.file.rel, m)),
            _ => {}
        }
    }
    if sources.is_empty() {
        return;
    }
    let mut program = Program::build(&sources, &manifests, diagnostics);
    program.add_language_graph(graph);
    super::diesel::link(&program, graph);
    super::seaorm::link(&program, graph);
    super::sqlx::link(&program, graph);
    super::routes::link(&program, graph);
    program.lookup_cache.get_mut().clear();
}

impl<'a> Program<'a> {
    fn build(
        sources: &BTreeMap<&'a str, (&'a ModuleFacts, u32)>,
        manifests: &[(&'a str, &'a Manifest)],
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut program = Program {
            modules: Vec::new(),
            crate_roots: HashMap::new(),
            fns: Vec::new(),
            type_methods: HashMap::new(),
            types: Vec::new(),
            diesel_tables: Vec::new(),
            sea_entities: Vec::new(),
            item_module: HashMap::new(),
            lookup_cache: RefCell::default(),
            in_progress: RefCell::default(),
        };
        let (packages, left_out) = packages(manifests);
        let mut visited: HashSet<String> = HashSet::new();
        for rel in sources.keys() {
            if left_out.iter().any(|dir| strip_dir(rel, dir).is_some()) {
                visited.insert(rel.to_string());
            }
        }
        for package in &packages {
            for (crate_name, root) in crate_roots(package, sources) {
                let (facts, loc) = sources[root.as_str()];
                let root_ix =
                    program.add_file_module(&crate_name, Vec::new(), None, &root, 1, loc, facts);
                program.crate_roots.entry(crate_name).or_insert(root_ix);
                program.walk_module_tree(root_ix, &root, true, sources, &mut visited);
            }
        }
        program.add_orphans(sources, &packages, &mut visited, diagnostics);
        program.register_items();
        program.register_impls();
        program.item_module = program
            .fns
            .iter()
            .map(|f| (f.id.clone(), f.module))
            .chain(
                program
                    .types
                    .iter()
                    .map(|(ix, t)| (program.modules[*ix].item_id(&t.name), *ix)),
            )
            .collect();
        program
    }

    #[allow(clippy::too_many_arguments)]
    fn add_file_module(
        &mut self,
        crate_name: &str,
        path: Vec<String>,
        parent: Option<usize>,
        file: &str,
        line: u32,
        loc: u32,
        facts: &'a ModuleFacts,
    ) -> usize {
        let id = module_id(crate_name, &path);
        if let Some(existing) = self.modules.iter().position(|m| m.id == id) {
            // `src/main.rs` and `src/lib.rs` of one package share the crate name: the
            // second root's items join the first (their ids are distinct by name).
            let ix = self.modules.len();
            self.modules.push(Module {
                id,
                crate_name: crate_name.to_owned(),
                path,
                parent: self.modules[existing].parent,
                file: file.to_owned(),
                line,
                loc,
                facts,
                items: HashMap::new(),
            });
            return ix;
        }
        self.modules.push(Module {
            id,
            crate_name: crate_name.to_owned(),
            path,
            parent,
            file: file.to_owned(),
            line,
            loc,
            facts,
            items: HashMap::new(),
        });
        self.modules.len() - 1
    }

    /// Follows `mod` declarations from a module: inline bodies, `#[path]`, `x.rs` and
    /// `x/mod.rs` (the Rust reference's module-path rules).
    fn walk_module_tree(
        &mut self,
        ix: usize,
        file: &str,
        owns_dir: bool,
        sources: &BTreeMap<&'a str, (&'a ModuleFacts, u32)>,
        visited: &mut HashSet<String>,
    ) {
        visited.insert(file.to_owned());
        // Children of `lib.rs`/`main.rs`/`mod.rs` live beside it; those of `x.rs` in `x/`.
        let file_dir = parent_dir(file);
        let child_dir = if owns_dir {
            file_dir.clone()
        } else {
            join(&file_dir, file_stem(file))
        };
        self.walk_decls(ix, file, &file_dir, &child_dir, false, sources, visited);
    }

    #[allow(clippy::too_many_arguments)]
    fn walk_decls(
        &mut self,
        ix: usize,
        file: &str,
        file_dir: &str,
        child_dir: &str,
        inside_inline: bool,
        sources: &BTreeMap<&'a str, (&'a ModuleFacts, u32)>,
        visited: &mut HashSet<String>,
    ) {
        let facts = self.modules[ix].facts;
        let crate_name = self.modules[ix].crate_name.clone();
        for decl in &facts.mods {
            let mut path = self.modules[ix].path.clone();
            path.push(decl.name.clone());
            if let Some(inline) = &decl.inline {
                let child = self.add_inline_module(
                    &crate_name,
                    path,
                    ix,
                    file,
                    decl.line,
                    decl.loc,
                    inline,
                );
                let dir = match &decl.path_attr {
                    Some(p) => normalize(&join(child_dir, p)),
                    None => join(child_dir, &decl.name),
                };
                self.walk_decls(child, file, file_dir, &dir, true, sources, visited);
                continue;
            }
            let candidates: Vec<(String, bool)> = match &decl.path_attr {
                // Outside inline modules a path is relative to the declaring file's
                // directory; inside them, to the inline module's directory.
                Some(p) if inside_inline => vec![(normalize(&join(child_dir, p)), true)],
                Some(p) => vec![(normalize(&join(file_dir, p)), true)],
                None => vec![
                    (join(child_dir, &format!("{}.rs", decl.name)), false),
                    (join(&join(child_dir, &decl.name), "mod.rs"), true),
                ],
            };
            let Some((found, owns_dir)) = candidates
                .into_iter()
                .find(|(c, _)| sources.contains_key(c.as_str()))
            else {
                continue;
            };
            if visited.contains(&found) {
                continue;
            }
            let (child_facts, loc) = sources[found.as_str()];
            let child =
                self.add_file_module(&crate_name, path, Some(ix), &found, 1, loc, child_facts);
            let owns = owns_dir || file_stem(&found) == "mod";
            self.walk_module_tree(child, &found, owns, sources, visited);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn add_inline_module(
        &mut self,
        crate_name: &str,
        path: Vec<String>,
        parent: usize,
        file: &str,
        line: u32,
        loc: u32,
        facts: &'a ModuleFacts,
    ) -> usize {
        let ix = self.add_file_module(crate_name, path, Some(parent), file, line, loc, facts);
        self.modules[ix].parent = Some(parent);
        ix
    }

    /// Files no crate root reaches (no manifest in the tree, `cfg`-gated or generated
    /// module paths): each becomes a module of the nearest package (or of a crate named
    /// after its top directory), its path taken from the file's place under `src/`.
    fn add_orphans(
        &mut self,
        sources: &BTreeMap<&'a str, (&'a ModuleFacts, u32)>,
        packages: &[Package],
        visited: &mut HashSet<String>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let mut orphan_count = 0;
        for (&rel, &(facts, loc)) in sources {
            if visited.contains(rel) {
                continue;
            }
            orphan_count += 1;
            let package = packages
                .iter()
                .filter(|p| p.dir.is_empty() || rel.starts_with(&format!("{}/", p.dir)))
                .max_by_key(|p| p.dir.len());
            let (crate_name, inner) = match package {
                Some(p) => (
                    p.crate_name.clone(),
                    rel.strip_prefix(&format!("{}/", p.dir)).unwrap_or(rel),
                ),
                None => match rel.split_once('/') {
                    Some((top, rest)) => (crate_ident(top), rest),
                    None => (crate_ident(file_stem(rel)), rel),
                },
            };
            let inner = inner.strip_prefix("src/").unwrap_or(inner);
            let mut path: Vec<String> = inner
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_owned)
                .collect();
            if matches!(
                path.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                path.pop();
            }
            let parent = self.crate_roots.get(&crate_name).copied();
            let ix = self.add_file_module(
                &crate_name,
                path.clone(),
                parent.filter(|_| !path.is_empty()),
                rel,
                1,
                loc,
                facts,
            );
            if path.is_empty() {
                self.crate_roots.entry(crate_name).or_insert(ix);
            }
            let owns = matches!(file_stem(rel), "mod" | "lib" | "main");
            self.walk_module_tree(ix, rel, owns, sources, visited);
        }
        if orphan_count > 0 && packages.is_empty() {
            diagnostics.push(
                Diagnostic::warning(
                    "rust-no-manifest",
                    format!(
                        "{orphan_count} Rust files are not reached from any Cargo.toml crate root; module paths are guessed from file paths"
                    ),
                )
                .help("analyse the directory that holds Cargo.toml so crates and module paths are exact"),
            );
        }
    }

    /// Puts every module's own items in its scope and lists functions and types.
    fn register_items(&mut self) {
        let child_links: Vec<(usize, usize, String)> = self
            .modules
            .iter()
            .enumerate()
            .filter_map(|(ix, m)| {
                let parent = m.parent?;
                Some((parent, ix, m.path.last()?.clone()))
            })
            .collect();
        for (parent, child, name) in child_links {
            self.modules[parent]
                .items
                .entry(name)
                .or_insert(Def::Module(child));
        }
        for ix in 0..self.modules.len() {
            let facts = self.modules[ix].facts;
            for f in &facts.fns {
                let id = self.modules[ix].item_id(&f.name);
                self.modules[ix]
                    .items
                    .insert(f.name.clone(), Def::Fn(id.clone()));
                self.fns.push(FnRef {
                    id,
                    module: ix,
                    self_type: None,
                    facts: f,
                });
            }
            for t in &facts.types {
                let id = self.modules[ix].item_id(&t.name);
                self.modules[ix]
                    .items
                    .insert(t.name.clone(), Def::Type(id.clone()));
                self.types.push((ix, t));
                if t.kind == TypeKind::Trait {
                    for m in &t.methods {
                        let mid = format!("{id}::{}", m.name);
                        self.type_methods
                            .entry(id.clone())
                            .or_default()
                            .insert(m.name.clone(), mid.clone());
                        self.fns.push(FnRef {
                            id: mid,
                            module: ix,
                            self_type: Some(id.clone()),
                            facts: m,
                        });
                    }
                }
            }
            for table in super::diesel::declared_tables(facts) {
                let def_ix = self.diesel_tables.len();
                self.diesel_tables.push(DieselTableRef {
                    module: ix,
                    rust_name: table.module.clone(),
                    sql_name: table.sql_name.clone(),
                    line: table.line,
                });
                self.modules[ix]
                    .items
                    .insert(table.module.clone(), Def::Table(def_ix));
            }
            if let Some(mut entity) = super::seaorm::entity_of_module(&self.modules[ix]) {
                entity.module = ix;
                let e = self.sea_entities.len();
                self.sea_entities.push(entity);
                let items = &mut self.modules[ix].items;
                items.insert("Entity".into(), Def::SeaEntity(e));
                items.insert("ActiveModel".into(), Def::SeaActiveModel(e));
            }
        }
    }

    /// Attaches `impl` methods to their type (resolved in the impl's module); methods of
    /// types outside the program hang off the module, named `<Type>::<method>`.
    fn register_impls(&mut self) {
        for ix in 0..self.modules.len() {
            let facts = self.modules[ix].facts;
            for imp in &facts.impls {
                let resolved = match self.resolve(ix, &imp.self_ty, &[]) {
                    Some(Def::Type(tid)) => Some(tid),
                    _ => None,
                };
                for m in &imp.methods {
                    let (id, self_type) = match &resolved {
                        Some(tid) => (format!("{tid}::{}", m.name), Some(tid.clone())),
                        None => {
                            let ty = imp.self_ty.last().map_or("_", String::as_str);
                            (self.modules[ix].item_id(&format!("{ty}::{}", m.name)), None)
                        }
                    };
                    if let Some(tid) = &self_type {
                        self.type_methods
                            .entry(tid.clone())
                            .or_default()
                            .entry(m.name.clone())
                            .or_insert(id.clone());
                    }
                    self.fns.push(FnRef {
                        id,
                        module: ix,
                        self_type,
                        facts: m,
                    });
                }
            }
        }
        self.lookup_cache.get_mut().clear();
    }

    // ---------------------------------------------------------------- resolution

    /// Resolves a path as written in module `m`, with a function's local `use`s first.
    pub fn resolve(&self, m: usize, segs: &[String], locals: &[UseEntry]) -> Option<Def> {
        self.resolve_at(m, segs, locals, 0)
    }

    /// Resolves a path inside a function: `Self::x` goes to the impl's type.
    pub fn resolve_in_fn(&self, f: &FnRef, segs: &[String]) -> Option<Def> {
        if segs.first().map(String::as_str) == Some("Self") {
            let tid = f.self_type.clone()?;
            return segs[1..]
                .iter()
                .try_fold(Def::Type(tid), |d, s| self.step(d, s, 0));
        }
        self.resolve(f.module, segs, &f.facts.local_uses)
    }

    fn resolve_at(
        &self,
        m: usize,
        segs: &[String],
        locals: &[UseEntry],
        depth: u32,
    ) -> Option<Def> {
        let (first, rest) = segs.split_first()?;
        let start = match first.as_str() {
            "crate" => Def::Module(self.root_of(m)),
            "self" => Def::Module(m),
            "super" => Def::Module(self.modules[m].parent?),
            name => self.lookup(m, name, locals, depth)?,
        };
        rest.iter().try_fold(start, |d, s| self.step(d, s, depth))
    }

    fn root_of(&self, m: usize) -> usize {
        let mut cur = m;
        while let Some(p) = self.modules[cur].parent {
            cur = p;
        }
        cur
    }

    fn step(&self, def: Def, seg: &str, depth: u32) -> Option<Def> {
        match def {
            Def::Module(m) => match seg {
                "super" => Some(Def::Module(self.modules[m].parent?)),
                "self" => Some(Def::Module(m)),
                _ => self.lookup(m, seg, &[], depth + 1),
            },
            Def::Type(tid) => self
                .type_methods
                .get(&tid)
                .and_then(|methods| methods.get(seg))
                .map(|id| Def::Fn(id.clone())),
            Def::Table(t) => match seg {
                "table" => Some(Def::Table(t)),
                "dsl" => Some(Def::TableDsl(t)),
                _ => None,
            },
            Def::TableDsl(t) => (self.diesel_tables[t].rust_name == seg).then_some(Def::Table(t)),
            _ => None,
        }
    }

    /// A name in a module's scope: its items, workspace crates, its `use`s, then globs.
    fn lookup(&self, m: usize, name: &str, locals: &[UseEntry], depth: u32) -> Option<Def> {
        if depth > MAX_RESOLVE_DEPTH {
            return None;
        }
        for entry in locals.iter().filter(|u| !u.glob) {
            if entry.name.as_deref() == Some(name)
                && let Some(d) = self.resolve_at(m, &entry.path, &[], depth + 1)
            {
                return Some(d);
            }
        }
        for entry in locals.iter().filter(|u| u.glob) {
            if let Some(d) = self
                .resolve_at(m, &entry.path, &[], depth + 1)
                .and_then(|g| self.glob_member(g, name, depth + 1))
            {
                return Some(d);
            }
        }
        let key = (m, name.to_owned());
        if let Some(hit) = self.lookup_cache.borrow().get(&key) {
            return hit.clone();
        }
        if !self.in_progress.borrow_mut().insert(key.clone()) {
            return None;
        }
        let found = self.lookup_module(m, name, depth);
        self.in_progress.borrow_mut().remove(&key);
        self.lookup_cache.borrow_mut().insert(key, found.clone());
        found
    }

    fn lookup_module(&self, m: usize, name: &str, depth: u32) -> Option<Def> {
        let module = &self.modules[m];
        if let Some(d) = module.items.get(name) {
            return Some(d.clone());
        }
        if let Some(&root) = self.crate_roots.get(name) {
            return Some(Def::Module(root));
        }
        for entry in module.facts.uses.iter().filter(|u| !u.glob) {
            if entry.name.as_deref() == Some(name)
                && let Some(d) = self.resolve_at(m, &entry.path, &[], depth + 1)
            {
                return Some(d);
            }
        }
        for entry in module.facts.uses.iter().filter(|u| u.glob) {
            if let Some(d) = self
                .resolve_at(m, &entry.path, &[], depth + 1)
                .and_then(|g| self.glob_member(g, name, depth + 1))
            {
                return Some(d);
            }
        }
        None
    }

    fn glob_member(&self, glob: Def, name: &str, depth: u32) -> Option<Def> {
        match glob {
            Def::Module(_) | Def::TableDsl(_) => self.step(glob, name, depth),
            _ => None,
        }
    }

    // ---------------------------------------------------------------- graph

    fn add_language_graph(&mut self, graph: &mut Graph) {
        for m in &self.modules {
            let name = m.path.last().unwrap_or(&m.crate_name).clone();
            let mut node = Node::new(&m.id, NodeKind::Module, name)
                .lang(Lang::Rust)
                .group(m.group())
                .at(&m.file, m.line);
            node.loc = Some(m.loc);
            if let Some(p) = m.parent {
                node = node.parent(&self.modules[p].id);
            }
            graph.add_node(node);
            if let Some(p) = m.parent {
                graph.add_edge(&self.modules[p].id, &m.id, EdgeKind::Contains, None, None);
            }
        }
        for &(ix, t) in &self.types {
            let m = &self.modules[ix];
            let id = m.item_id(&t.name);
            let kind = match t.kind {
                TypeKind::Struct => "struct",
                TypeKind::Enum => "enum",
                TypeKind::Trait => "trait",
                TypeKind::Union => "union",
            };
            graph.add_node(
                Node::new(&id, NodeKind::Type, &t.name)
                    .lang(Lang::Rust)
                    .group(m.group())
                    .at(&m.file, t.line)
                    .parent(&m.id)
                    .attr("kind", kind),
            );
            graph.add_edge(&m.id, &id, EdgeKind::Contains, None, None);
        }
        for f in &self.fns {
            let m = &self.modules[f.module];
            let (kind, parent) = match &f.self_type {
                Some(tid) => (NodeKind::Method, tid.clone()),
                None if f.id.matches("::").count() > m.id.matches("::").count() + 1 => {
                    // `impl` of a type defined outside the program.
                    (NodeKind::Method, m.id.clone())
                }
                None => (NodeKind::Function, m.id.clone()),
            };
            let name = f.id.rsplit("::").next().unwrap_or(&f.facts.name);
            graph.add_node(
                Node::new(&f.id, kind, name)
                    .lang(Lang::Rust)
                    .group(m.group())
                    .at(&m.file, f.facts.line)
                    .parent(&parent),
            );
            graph.add_edge(&parent, &f.id, EdgeKind::Contains, None, None);
        }
        self.add_imports(graph);
        self.add_calls(graph);
    }

    /// `use` → `imports` edges between modules of the program (workspace crates included);
    /// an imported item counts as an import of the module that defines it.
    fn add_imports(&self, graph: &mut Graph) {
        for (ix, m) in self.modules.iter().enumerate() {
            let fn_uses = self
                .fns
                .iter()
                .filter(|f| f.module == ix)
                .flat_map(|f| f.facts.local_uses.iter());
            for entry in m.facts.uses.iter().chain(fn_uses) {
                let Some(def) = self.resolve(ix, &entry.path, &[]) else {
                    continue;
                };
                let Some(target) = self.module_of(&def) else {
                    continue;
                };
                if target != ix {
                    graph.add_edge(
                        &m.id,
                        &self.modules[target].id,
                        EdgeKind::Imports,
                        None,
                        Some(Evidence::new(&m.file, entry.line)),
                    );
                }
            }
        }
    }

    /// The module a definition lives in (a module itself for a module).
    pub fn module_of(&self, def: &Def) -> Option<usize> {
        match def {
            Def::Module(m) => Some(*m),
            Def::Table(t) | Def::TableDsl(t) => Some(self.diesel_tables[*t].module),
            Def::SeaEntity(e) | Def::SeaActiveModel(e) => Some(self.sea_entities[*e].module),
            Def::Fn(id) | Def::Type(id) => self.item_module.get(id).copied(),
        }
    }

    /// Statically resolvable calls: paths (`crate::a::f()`, imported names,
    /// `Type::assoc()`, `Self::x()`) and `self.method()` inside impls.
    fn add_calls(&self, graph: &mut Graph) {
        for f in &self.fns {
            let file = &self.modules[f.module].file;
            walk_exprs(&f.facts.body, &mut |e| {
                let (target, line) = match e {
                    Expr::Call { func, line, .. } => match func.as_ref() {
                        Expr::Path(segs) => (self.resolve_in_fn(f, segs), *line),
                        _ => return,
                    },
                    Expr::Method {
                        receiver,
                        method,
                        line,
                        ..
                    } if matches!(receiver.as_ref(), Expr::Path(p) if p.len() == 1 && p[0] == "self") =>
                    {
                        let target = f
                            .self_type
                            .as_ref()
                            .and_then(|t| self.type_methods.get(t))
                            .and_then(|ms| ms.get(method))
                            .map(|id| Def::Fn(id.clone()));
                        (target, *line)
                    }
                    _ => return,
                };
                if let Some(Def::Fn(id) | Def::Type(id)) = target
                    && id != f.id
                {
                    graph.add_edge(
                        &f.id,
                        &id,
                        EdgeKind::Calls,
                        None,
                        Some(Evidence::new(file, line)),
                    );
                }
            });
        }
    }

    pub fn file_of(&self, f: &FnRef) -> &str {
        &self.modules[f.module].file
    }
}

/// Calls `visit` on every expression of a body, depth first, outer before inner.
pub(super) fn walk_exprs<'e>(exprs: &'e [Expr], visit: &mut dyn FnMut(&'e Expr)) {
    for e in exprs {
        walk_expr(e, visit);
    }
}

pub(super) fn walk_expr<'e>(e: &'e Expr, visit: &mut dyn FnMut(&'e Expr)) {
    visit(e);
    match e {
        Expr::Path(_) | Expr::Str(_) => {}
        Expr::Call { func, args, .. } => {
            walk_expr(func, visit);
            walk_exprs(args, visit);
        }
        Expr::Method { receiver, args, .. } => {
            walk_expr(receiver, visit);
            walk_exprs(args, visit);
        }
        Expr::Macro { args, .. } => walk_exprs(args, visit),
        Expr::Let { init, .. } => {
            if let Some(i) = init {
                walk_expr(i, visit);
            }
        }
        Expr::Struct { fields, .. } => walk_exprs(fields, visit),
        Expr::Block(items) | Expr::Group(items) => walk_exprs(items, visit),
    }
}

/// Calls `visit` on every statement of a body, including those of nested blocks and
/// closures; a statement's own expression tree stops at nested blocks.
pub(super) fn for_each_statement(exprs: &[Expr], visit: &mut dyn FnMut(&Expr)) {
    for e in exprs {
        visit(e);
        walk_expr(e, &mut |inner| {
            if let Expr::Block(stmts) = inner {
                for_each_statement(stmts, visit);
            }
        });
    }
}

/// Every expression of one statement, not descending into nested blocks.
pub(super) fn statement_exprs(e: &Expr, visit: &mut dyn FnMut(&Expr)) {
    if matches!(e, Expr::Block(_)) {
        return;
    }
    visit(e);
    let children: Vec<&Expr> = match e {
        Expr::Path(_) | Expr::Str(_) | Expr::Block(_) => Vec::new(),
        Expr::Call { func, args, .. } => std::iter::once(func.as_ref()).chain(args).collect(),
        Expr::Method { receiver, args, .. } => {
            std::iter::once(receiver.as_ref()).chain(args).collect()
        }
        Expr::Macro { args, .. } => args.iter().collect(),
        Expr::Let { init, .. } => init.iter().map(|b| b.as_ref()).collect(),
        Expr::Struct { fields, .. } => fields.iter().collect(),
        Expr::Group(items) => items.iter().collect(),
    };
    for c in children {
        statement_exprs(c, visit);
    }
}

pub(super) fn module_id(crate_name: &str, path: &[String]) -> String {
    let mut id = format!("rs:{crate_name}");
    for p in path {
        id.push_str("::");
        id.push_str(p);
    }
    id
}

/// Cargo's rule: a crate's name is its package (or target) name with `-` turned into `_`.
pub(super) fn crate_ident(name: &str) -> String {
    name.replace('-', "_")
}

/// The packages of the workspace(s) found, and the directories of packages a workspace
/// leaves out (vendored crates, fuzz targets): those are not part of the monolith.
fn packages<'m>(manifests: &[(&str, &'m Manifest)]) -> (Vec<Package<'m>>, Vec<String>) {
    let workspaces: Vec<(String, &Manifest)> = manifests
        .iter()
        .filter(|(_, m)| !m.workspace_members.is_empty())
        .map(|(rel, m)| (parent_dir(rel), *m))
        .collect();
    let mut out = Vec::new();
    let mut left_out = Vec::new();
    for (rel, manifest) in manifests {
        let Some(package) = &manifest.package else {
            continue;
        };
        let dir = parent_dir(rel);
        // A package under a workspace root belongs to it only when `members` (globs
        // allowed) names it and `exclude` does not — cargo's membership rule.
        let excluded = workspaces.iter().any(|(ws_dir, ws)| {
            if ws_dir == &dir {
                return false;
            }
            let Some(inner) = strip_dir(&dir, ws_dir) else {
                return false;
            };
            let member = ws
                .workspace_members
                .iter()
                .any(|g| glob_match(&normalize(g), inner));
            let excluded = ws
                .workspace_exclude
                .iter()
                .any(|g| glob_match(&normalize(g), inner));
            !member || excluded
        });
        if excluded {
            left_out.push(dir);
            continue;
        }
        out.push(Package {
            crate_name: crate_ident(package),
            dir,
            manifest,
        });
    }
    out.sort_by(|a, b| a.dir.cmp(&b.dir));
    (out, left_out)
}

/// The crate roots of a package: the library, `src/main.rs`, `[[bin]]` and `src/bin/*`.
fn crate_roots(
    package: &Package,
    sources: &BTreeMap<&str, (&ModuleFacts, u32)>,
) -> Vec<(String, String)> {
    let m = package.manifest;
    let pkg_crate = package.crate_name.clone();
    let mut roots = Vec::new();
    let lib = join(&package.dir, m.lib_path.as_deref().unwrap_or("src/lib.rs"));
    let lib = normalize(&lib);
    if sources.contains_key(lib.as_str()) {
        let name = m.lib_name.as_deref().map_or(pkg_crate.clone(), crate_ident);
        roots.push((name, lib));
    }
    let main = join(&package.dir, "src/main.rs");
    if sources.contains_key(main.as_str()) {
        roots.push((pkg_crate.clone(), main));
    }
    for (name, path) in &m.bins {
        let Some(path) = path else { continue };
        let path = normalize(&join(&package.dir, path));
        if sources.contains_key(path.as_str()) && !roots.iter().any(|(_, p)| p == &path) {
            let name = name.as_deref().map_or(pkg_crate.clone(), crate_ident);
            roots.push((name, path));
        }
    }
    let bin_dir = format!("{}/", join(&package.dir, "src/bin"));
    for rel in sources.keys() {
        let Some(rest) = rel.strip_prefix(&bin_dir) else {
            continue;
        };
        let name = match rest.split('/').collect::<Vec<_>>()[..] {
            [file] => file.strip_suffix(".rs"),
            [dir, "main.rs"] => Some(dir),
            _ => None,
        };
        if let Some(name) = name
            && !roots.iter().any(|(_, p)| p == rel)
        {
            roots.push((crate_ident(name), rel.to_string()));
        }
    }
    roots
}

fn parent_dir(rel: &str) -> String {
    rel.rsplit_once('/')
        .map(|(d, _)| d.to_owned())
        .unwrap_or_default()
}

fn file_stem(rel: &str) -> &str {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.strip_suffix(".rs").unwrap_or(name)
}

fn join(dir: &str, rest: &str) -> String {
    if dir.is_empty() {
        rest.to_owned()
    } else {
        format!("{dir}/{rest}")
    }
}

fn strip_dir<'p>(path: &'p str, dir: &str) -> Option<&'p str> {
    if dir.is_empty() {
        Some(path)
    } else {
        path.strip_prefix(dir)?.strip_prefix('/')
    }
}

/// Resolves `.` and `..` in a relative path.
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Matches a path against a glob whose `*` and `?` stay within one path segment.
fn glob_match(glob: &str, path: &str) -> bool {
    let g: Vec<&str> = glob.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    g.len() == p.len()
        && g.iter()
            .zip(&p)
            .all(|(g, p)| segment_match(g.as_bytes(), p.as_bytes()))
}

fn segment_match(g: &[u8], p: &[u8]) -> bool {
    match (g.first(), p.first()) {
        (None, None) => true,
        (Some(b'*'), _) => {
            segment_match(&g[1..], p) || (!p.is_empty() && segment_match(g, &p[1..]))
        }
        (Some(b'?'), Some(_)) => segment_match(&g[1..], &p[1..]),
        (Some(a), Some(b)) if a == b => segment_match(&g[1..], &p[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_globs_match_one_segment() {
        assert!(glob_match("crates/*", "crates/shop-users"));
        assert!(!glob_match("crates/*", "crates/a/b"));
        assert!(glob_match("svc-?", "svc-a"));
        assert!(!glob_match("tools", "crates/tools"));
    }

    #[test]
    fn paths_normalise() {
        assert_eq!(normalize("src/a/../b/./c.rs"), "src/b/c.rs");
        assert_eq!(join("", "x.rs"), "x.rs");
        assert_eq!(file_stem("src/orders/mod.rs"), "mod");
    }
}
