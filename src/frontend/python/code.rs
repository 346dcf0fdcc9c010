//! The framework-neutral part of the Python graph: modules, classes, functions and
//! methods with their containment, imports between modules and inheritance.

use std::collections::HashMap;

use super::facts::Class;
use super::resolve::{Program, Symbol};
use crate::graph::{EdgeKind, Evidence, Graph, Lang, Node, NodeKind};

/// Node ids of Python code, shared by every pass that adds edges.
pub struct CodeIds {
    /// Classes that are ORM models get the model's id instead of a `py:` one.
    class_overrides: HashMap<(String, String), String>,
}

impl CodeIds {
    pub fn new(class_overrides: HashMap<(String, String), String>) -> Self {
        CodeIds { class_overrides }
    }

    pub fn module(&self, module: &str) -> String {
        format!("py:{module}")
    }

    pub fn class(&self, module: &str, qualname: &str) -> String {
        self.class_overrides
            .get(&(module.to_owned(), qualname.to_owned()))
            .cloned()
            .unwrap_or_else(|| format!("py:{module}.{qualname}"))
    }

    pub fn function(&self, module: &str, qualname: &str) -> String {
        format!("py:{module}.{qualname}")
    }

    /// The node id of a resolved symbol, if it is code in the tree.
    pub fn symbol(&self, symbol: &Symbol) -> Option<String> {
        match symbol {
            Symbol::Module(m) => Some(self.module(m)),
            Symbol::Class(m, q) => Some(self.class(m, q)),
            Symbol::Function(m, q) => Some(self.function(m, q)),
            _ => None,
        }
    }
}

/// Adds module, class and function nodes with `contains`, `imports` and `inherits` edges.
/// `group_of` gives the authors' grouping of a module (its Django app, or its package).
pub fn add_code(
    program: &Program,
    ids: &CodeIds,
    group_of: &dyn Fn(&str) -> String,
    graph: &mut Graph,
) {
    for module in &program.modules {
        let group = group_of(&module.name);
        let module_id = ids.module(&module.name);
        let mut node = Node::new(&module_id, NodeKind::Module, &module.name)
            .lang(Lang::Python)
            .group(&group)
            .at(module.rel, 1);
        node.loc = Some(module.loc);
        graph.add_node(node);

        for class in &module.facts.classes {
            if class.in_function.is_some() {
                continue;
            }
            let parent = match class.qualname.rsplit_once('.') {
                Some((outer, _)) => ids.class(&module.name, outer),
                None => module_id.clone(),
            };
            let id = ids.class(&module.name, &class.qualname);
            let kind = if id.starts_with("model:") {
                NodeKind::Model
            } else {
                NodeKind::Type
            };
            graph.add_node(
                Node::new(&id, kind, &class.name)
                    .lang(Lang::Python)
                    .group(&group)
                    .at(module.rel, class.line)
                    .parent(&parent),
            );
            graph.add_edge(&parent, &id, EdgeKind::Contains, None, None);
        }
        for function in &module.facts.functions {
            let (kind, parent) = match (&function.class, function.qualname.rsplit_once('.')) {
                (Some(class), _) => (NodeKind::Method, ids.class(&module.name, class)),
                (None, Some((outer, _))) => (NodeKind::Function, ids.function(&module.name, outer)),
                (None, None) => (NodeKind::Function, module_id.clone()),
            };
            if !graph.contains(&parent) {
                continue; // a method of a class nested in a function
            }
            let id = ids.function(&module.name, &function.qualname);
            let name = match &function.class {
                Some(class) => format!(
                    "{}.{}",
                    class.rsplit('.').next().unwrap_or(class),
                    function.name
                ),
                None => function.name.clone(),
            };
            graph.add_node(
                Node::new(&id, kind, name)
                    .lang(Lang::Python)
                    .group(&group)
                    .at(module.rel, function.line)
                    .parent(&parent),
            );
            graph.add_edge(&parent, &id, EdgeKind::Contains, None, None);
        }
    }
    for module in &program.modules {
        add_imports(program, ids, module, graph);
        for class in &module.facts.classes {
            if class.in_function.is_none() {
                add_inherits(program, ids, &module.name, module.rel, class, graph);
            }
        }
    }
}

fn add_imports(
    program: &Program,
    ids: &CodeIds,
    module: &super::resolve::Module,
    graph: &mut Graph,
) {
    let from = ids.module(&module.name);
    for import in &module.facts.imports {
        let base = Program::absolute_import(module, &import.module, import.level);
        let mut targets = Vec::new();
        if import.names.is_empty() {
            targets.push(base.clone());
        } else {
            for (name, _) in &import.names {
                // `from pkg import sub` imports the submodule when there is one.
                let sub = format!("{base}.{name}");
                if program.module(&sub).is_some() {
                    targets.push(sub);
                } else {
                    targets.push(base.clone());
                }
            }
        }
        if import.star {
            targets.push(base.clone());
        }
        targets.dedup();
        for target in targets {
            // The nearest enclosing module in the tree (`import a.b.c` of a package).
            let mut candidate = target.as_str();
            loop {
                if program.module(candidate).is_some() {
                    if candidate != module.name {
                        graph.add_edge(
                            &from,
                            &ids.module(candidate),
                            EdgeKind::Imports,
                            None,
                            Some(Evidence::new(module.rel, import.line)),
                        );
                    }
                    break;
                }
                match candidate.rsplit_once('.') {
                    Some((parent, _)) => candidate = parent,
                    None => break,
                }
            }
        }
    }
}

fn add_inherits(
    program: &Program,
    ids: &CodeIds,
    module: &str,
    rel: &str,
    class: &Class,
    graph: &mut Graph,
) {
    let id = ids.class(module, &class.qualname);
    for base in program.bases(module, class) {
        if let Symbol::Class(m, q) = &base {
            graph.add_edge(
                &id,
                &ids.class(m, q),
                EdgeKind::Inherits,
                None,
                Some(Evidence::new(rel, class.line)),
            );
        }
    }
}
