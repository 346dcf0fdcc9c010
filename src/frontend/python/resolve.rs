//! Python name resolution across the analysed tree: module names from the package
//! layout, the names each module binds, and what a dotted expression refers to.
//! Framework-neutral: Django's rules are applied on top of it.

use std::collections::{HashMap, HashSet};

use super::facts::{Assign, Class, Expr, Function, PyFacts};
use crate::frontend::{FileFacts, ParsedFile};

/// One Python module of the tree.
pub struct Module<'a> {
    pub name: String,
    pub rel: &'a str,
    pub facts: &'a PyFacts,
    pub loc: u32,
    /// Name → what it is bound to at module level.
    bindings: HashMap<&'a str, Binding<'a>>,
    /// Modules whose public names are star-imported.
    star_imports: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
enum Binding<'a> {
    Class(usize),
    Function(usize),
    /// `import a.b as c` (module `a.b`) or `import a.b` (binds `a`).
    Module(&'a str),
    /// `from module import name`.
    From {
        module: usize,
        name: &'a str,
    },
    Assign(usize),
}

/// What a name or dotted expression refers to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Symbol {
    Module(String),
    /// A class: module name and qualname.
    Class(String, String),
    /// A function or method: module name and qualname.
    Function(String, String),
    /// A module-level assignment: module name and target.
    Value(String, String),
    /// Something outside the tree, by its dotted path (`django.db.models.Model`).
    External(String),
}

impl Symbol {
    /// The dotted path of the symbol (`orders.models.Order`, `django.db.models.Model`).
    pub fn path(&self) -> String {
        match self {
            Symbol::Module(m) | Symbol::External(m) => m.clone(),
            Symbol::Class(m, q) | Symbol::Function(m, q) | Symbol::Value(m, q) => {
                format!("{m}.{q}")
            }
        }
    }
}

/// All Python modules of the tree, indexed by dotted name.
pub struct Program<'a> {
    pub modules: Vec<Module<'a>>,
    by_name: HashMap<String, usize>,
    /// Resolved `from` imports: (module index, from-import index) → module name.
    from_modules: Vec<String>,
}

/// The dotted module name of each Python file: directories count as packages while
/// they hold an `__init__.py` (the rule Python's import system applies to regular
/// packages; grimp and pylint use it too).
pub fn module_names(rels: &[&str]) -> Vec<String> {
    let packages: HashSet<&str> = rels
        .iter()
        .filter_map(|r| r.strip_suffix("/__init__.py"))
        .collect();
    rels.iter()
        .map(|rel| {
            let path = rel.strip_suffix(".py").unwrap_or(rel);
            let parts: Vec<&str> = path.split('/').collect();
            // Directories parts[first..dirs] are all packages.
            let dirs = parts.len() - 1;
            let mut first = dirs;
            while first > 0 && packages.contains(parts[..first].join("/").as_str()) {
                first -= 1;
            }
            let mut name: Vec<&str> = parts[first..].to_vec();
            if name.len() > 1 && name.last() == Some(&"__init__") {
                name.pop();
            }
            name.join(".")
        })
        .collect()
}

impl<'a> Program<'a> {
    pub fn new(files: &'a [ParsedFile]) -> Self {
        let py: Vec<(&ParsedFile, &PyFacts)> = files
            .iter()
            .filter_map(|f| match &f.facts {
                FileFacts::Python(p) => Some((f, p)),
                _ => None,
            })
            .collect();
        let rels: Vec<&str> = py.iter().map(|(f, _)| f.file.rel.as_str()).collect();
        let names = module_names(&rels);
        let mut modules = Vec::with_capacity(py.len());
        let mut by_name = HashMap::new();
        for ((file, facts), name) in py.into_iter().zip(names) {
            // Two files with one module name (two projects in one tree): the first wins
            // for resolution; the other is still analysed under its path.
            let name = if by_name.contains_key(&name) {
                format!("{name}@{}", file.file.rel)
            } else {
                name
            };
            by_name.insert(name.clone(), modules.len());
            modules.push(Module {
                name,
                rel: &file.file.rel,
                facts,
                loc: file.loc,
                bindings: HashMap::new(),
                star_imports: Vec::new(),
            });
        }
        let mut program = Program {
            modules,
            by_name,
            from_modules: Vec::new(),
        };
        program.bind_all();
        program
    }

    pub fn module(&self, name: &str) -> Option<&Module<'a>> {
        self.by_name.get(name).map(|&i| &self.modules[i])
    }

    /// The absolute module an import refers to from `importer` (PEP 328 relative imports).
    pub fn absolute_import(importer: &Module, module: &str, level: u32) -> String {
        if level == 0 {
            return module.to_owned();
        }
        let mut base: Vec<&str> = importer.name.split('.').collect();
        if !importer.facts.is_package {
            base.pop();
        }
        for _ in 1..level {
            base.pop();
        }
        if !module.is_empty() {
            base.push(module);
        }
        base.join(".")
    }

    fn bind_all(&mut self) {
        let mut from_modules = Vec::new();
        for i in 0..self.modules.len() {
            let module = &self.modules[i];
            let facts = module.facts;
            let mut bindings: HashMap<&'a str, Binding<'a>> = HashMap::new();
            let mut stars = Vec::new();
            // Lowest priority first; later inserts override: assignments < imports <
            // functions < classes (a class statement is what a model module is about,
            // even when a fallback import binds the same name).
            for (ai, a) in facts.assigns.iter().enumerate() {
                if !a.augmented {
                    bindings.insert(a.target.as_str(), Binding::Assign(ai));
                    for t in &a.targets {
                        bindings.insert(t.as_str(), Binding::Assign(ai));
                    }
                }
            }
            for import in &facts.imports {
                let target = Self::absolute_import(module, &import.module, import.level);
                if import.names.is_empty() && !import.star {
                    match &import.alias {
                        Some(alias) => {
                            bindings
                                .insert(alias.as_str(), Binding::Module(import.module.as_str()));
                        }
                        None => {
                            let first = import.module.split('.').next().unwrap_or("");
                            bindings.insert(first, Binding::Module(first));
                        }
                    }
                    continue;
                }
                let index = from_modules.len();
                from_modules.push(target.clone());
                if import.star {
                    stars.push(target);
                }
                for (name, alias) in &import.names {
                    let bound = alias.as_deref().unwrap_or(name.as_str());
                    bindings.insert(
                        bound,
                        Binding::From {
                            module: index,
                            name,
                        },
                    );
                }
            }
            for (fi, f) in facts.functions.iter().enumerate() {
                if f.class.is_none() && !f.qualname.contains('.') {
                    bindings.insert(f.name.as_str(), Binding::Function(fi));
                }
            }
            for (ci, c) in facts.classes.iter().enumerate() {
                if c.depth == 0 && c.in_function.is_none() {
                    bindings.insert(c.name.as_str(), Binding::Class(ci));
                }
            }
            let module = &mut self.modules[i];
            module.bindings = bindings;
            module.star_imports = stars;
        }
        self.from_modules = from_modules;
    }

    /// What `name` is bound to at the top level of `module`.
    pub fn resolve_name(&self, module: &str, name: &str) -> Option<Symbol> {
        self.resolve_name_guarded(module, name, &mut 0)
    }

    fn resolve_name_guarded(&self, module: &str, name: &str, depth: &mut u32) -> Option<Symbol> {
        *depth += 1;
        if *depth > 32 {
            return None; // import cycle
        }
        let Some(m) = self.module(module) else {
            // Outside the tree: keep the dotted path so rules can match it.
            return Some(Symbol::External(format!("{module}.{name}")));
        };
        match m.bindings.get(name) {
            Some(Binding::Class(i)) => Some(Symbol::Class(
                m.name.clone(),
                m.facts.classes[*i].qualname.clone(),
            )),
            Some(Binding::Function(i)) => Some(Symbol::Function(
                m.name.clone(),
                m.facts.functions[*i].qualname.clone(),
            )),
            Some(Binding::Assign(i)) => Some(Symbol::Value(
                m.name.clone(),
                m.facts.assigns[*i].target.clone(),
            )),
            Some(Binding::Module(target)) => Some(self.module_symbol(target)),
            Some(Binding::From { module: idx, name }) => {
                let from = &self.from_modules[*idx];
                // `from pkg import sub` imports a submodule when one exists.
                let sub = format!("{from}.{name}");
                if self.by_name.contains_key(&sub) {
                    return Some(Symbol::Module(sub));
                }
                if from == module {
                    return None;
                }
                self.resolve_name_guarded(from, name, depth)
            }
            None => {
                // A submodule of a package is reachable as an attribute once imported.
                let sub = format!("{}.{name}", m.name);
                if self.by_name.contains_key(&sub) {
                    return Some(Symbol::Module(sub));
                }
                for star in &m.star_imports {
                    if star == module {
                        continue;
                    }
                    if let Some(target) = self.module(star) {
                        let exported = match &target.facts.all {
                            Some(all) => all.iter().any(|n| n == name),
                            None => !name.starts_with('_'),
                        };
                        if !exported {
                            continue;
                        }
                    }
                    if let Some(s) = self.resolve_name_guarded(star, name, depth) {
                        return Some(s);
                    }
                }
                None
            }
        }
    }

    fn module_symbol(&self, name: &str) -> Symbol {
        if self.by_name.contains_key(name) {
            Symbol::Module(name.to_owned())
        } else {
            Symbol::External(name.to_owned())
        }
    }

    /// What a dotted expression (`models.ForeignKey`, `views.OrderList`) refers to,
    /// seen from the top level of `module`.
    pub fn resolve_expr(&self, module: &str, expr: &Expr) -> Option<Symbol> {
        match expr {
            Expr::Name(n) => self.resolve_name(module, n),
            Expr::Attr(value, attr) => {
                let base = self.resolve_expr(module, value)?;
                self.member(&base, attr)
            }
            _ => None,
        }
    }

    /// `base.attr`: a module's name, a class's nested class or method, or an external path.
    pub fn member(&self, base: &Symbol, attr: &str) -> Option<Symbol> {
        match base {
            Symbol::Module(m) => self.resolve_name(m, attr),
            Symbol::External(p) => Some(Symbol::External(format!("{p}.{attr}"))),
            Symbol::Class(m, q) => {
                let module = self.module(m)?;
                let qualname = format!("{q}.{attr}");
                if module.facts.classes.iter().any(|c| c.qualname == qualname) {
                    return Some(Symbol::Class(m.clone(), qualname));
                }
                if module
                    .facts
                    .functions
                    .iter()
                    .any(|f| f.qualname == qualname)
                {
                    return Some(Symbol::Function(m.clone(), qualname));
                }
                None
            }
            _ => None,
        }
    }

    pub fn class(&self, module: &str, qualname: &str) -> Option<&'a Class> {
        let m = self.module(module)?;
        m.facts.classes.iter().find(|c| c.qualname == qualname)
    }

    pub fn function(&self, module: &str, qualname: &str) -> Option<&'a Function> {
        let m = self.module(module)?;
        m.facts.functions.iter().find(|f| f.qualname == qualname)
    }

    pub fn value(&self, module: &str, target: &str) -> Option<&'a Assign> {
        let m = self.module(module)?;
        m.facts
            .assigns
            .iter()
            .rev()
            .find(|a| a.target == target && !a.augmented)
    }

    /// Base classes of a class, resolved in its module.
    pub fn bases(&self, module: &str, class: &Class) -> Vec<Symbol> {
        class
            .bases
            .iter()
            .filter_map(|b| {
                // `Generic[T]` and the like: the subscripted class is the base.
                let b = match b {
                    Expr::Subscript(v, _) => v,
                    other => other,
                };
                self.resolve_expr(module, b)
            })
            .collect()
    }

    /// The linearised ancestry of a class (itself first), depth-first in base order —
    /// close to Python's MRO for the single-inheritance and mixin code seen in practice.
    pub fn ancestry(&self, module: &str, qualname: &str) -> Vec<Symbol> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.ancestry_into(
            Symbol::Class(module.to_owned(), qualname.to_owned()),
            &mut out,
            &mut seen,
        );
        out
    }

    fn ancestry_into(&self, symbol: Symbol, out: &mut Vec<Symbol>, seen: &mut HashSet<Symbol>) {
        if !seen.insert(symbol.clone()) || out.len() > 64 {
            return;
        }
        out.push(symbol.clone());
        if let Symbol::Class(m, q) = &symbol
            && let Some(class) = self.class(m, q)
        {
            for base in self.bases(m, class) {
                self.ancestry_into(base, out, seen);
            }
        }
    }

    /// Finds a method by name in a class or its ancestors.
    pub fn find_method(&self, module: &str, class: &str, name: &str) -> Option<Symbol> {
        self.ancestry(module, class)
            .into_iter()
            .find_map(|s| match &s {
                Symbol::Class(m, q) => {
                    let qualname = format!("{q}.{name}");
                    self.function(m, &qualname)
                        .map(|_| Symbol::Function(m.clone(), qualname))
                }
                _ => None,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_follow_init_files() {
        let rels = [
            "manage.py",
            "shop/__init__.py",
            "shop/settings.py",
            "orders/__init__.py",
            "orders/models/__init__.py",
            "orders/models/order.py",
            "src/pkg/__init__.py",
            "src/pkg/mod.py",
            "scripts/tool.py",
        ];
        assert_eq!(
            module_names(&rels),
            vec![
                "manage",
                "shop",
                "shop.settings",
                "orders",
                "orders.models",
                "orders.models.order",
                "pkg",
                "pkg.mod",
                "tool"
            ]
        );
    }
}
