//! Django's rules on top of the Python facts: apps and labels, models and their tables
//! and relations, data access from code, and URL routes.

pub mod access;
pub mod apps;
pub mod hierarkey;
pub mod models;
pub mod rules;
pub mod urls;

use std::collections::HashMap;

use apps::{Apps, Settings};
use models::Models;

use super::code::{self, CodeIds};
use super::resolve::Program;
use crate::diagnostics::Diagnostic;
use crate::graph::{EdgeKind, Evidence, Graph, Lang, Node, NodeKind};

/// What the Django rules established about the tree; later passes read it.
pub struct Django<'p, 'a> {
    pub program: &'p Program<'a>,
    pub settings: Settings,
    pub apps: Apps,
    pub models: Models,
    pub ids: CodeIds,
}

impl<'p, 'a> Django<'p, 'a> {
    pub fn new(program: &'p Program<'a>) -> Self {
        let settings = Settings::read(program);
        let apps = Apps::discover(program, &settings);
        let models = Models::build(program, &apps, &settings);
        let overrides: HashMap<(String, String), String> = models
            .iter()
            .filter_map(|m| Some((m.class.clone()?, model_id(&m.label))))
            .collect();
        Django {
            program,
            settings,
            apps,
            models,
            ids: CodeIds::new(overrides),
        }
    }

    /// The authors' grouping of a module: its Django app label, else its top package.
    pub fn group_of(&self, module: &str) -> String {
        match self.apps.containing(module) {
            Some(app) => app.label.clone(),
            None => module.split('.').next().unwrap_or(module).to_owned(),
        }
    }
}

pub fn model_id(label: &str) -> String {
    format!("model:{label}")
}

pub fn table_id(table: &str) -> String {
    format!("table:{table}")
}

/// Links the Python files of the tree into the graph.
pub fn link(program: &Program, graph: &mut Graph, diagnostics: &mut Vec<Diagnostic>) {
    let django = Django::new(program);
    diagnostics.extend(django.models.diagnostics.iter().cloned());
    code::add_code(program, &django.ids, &|m| django.group_of(m), graph);
    add_models(&django, graph);
    access::add_access(&django, graph);
    urls::add_routes(&django, graph, diagnostics);
}

/// Model and table nodes, `maps_to` edges and relations.
fn add_models(django: &Django, graph: &mut Graph) {
    // Nodes first, so relations between them can be added in any order.
    for m in django.models.iter() {
        let id = model_id(&m.label);
        let mut node = Node::new(&id, NodeKind::Model, &m.name)
            .lang(Lang::Python)
            .group(&m.app_label)
            .at(&m.file, m.line)
            .attr("label", &m.label);
        if let Some((module, _)) = &m.class {
            node = node.parent(django.ids.module(module));
        }
        if let Some(t) = &m.table {
            node = node.attr("table", t);
        }
        for (flag, set) in [
            ("abstract", m.is_abstract),
            ("proxy", m.proxy),
            ("auto_created", m.auto_created),
            ("unmanaged", !m.managed),
        ] {
            if set {
                node = node.attr(flag, "true");
            }
        }
        let columns: Vec<String> = m
            .fields
            .iter()
            .map(|f| format!("{}:{}", f.name, f.class_name))
            .collect();
        if !columns.is_empty() {
            node = node.attr("fields", columns.join(","));
        }
        graph.add_node(node);
        // The class node came first (from the code pass) with its module's group; a
        // model belongs to its app label, which Meta.app_label may set elsewhere.
        if let Some(n) = graph.node_mut(&id) {
            n.group = Some(m.app_label.clone());
        }
        if let Some(t) = &m.table
            && !m.is_abstract
        {
            graph.add_node(Node::new(table_id(t), NodeKind::Table, t).group(&m.app_label));
            // A proxy model queries its concrete model's table.
            graph.add_edge(
                &id,
                &table_id(t),
                EdgeKind::MapsTo,
                None,
                Some(Evidence::new(&m.file, m.line)),
            );
        }
    }
    for m in django.models.iter() {
        let id = model_id(&m.label);
        for base in &m.bases {
            let base_id = model_id(
                django
                    .models
                    .get(base)
                    .map(|b| b.label.as_str())
                    .unwrap_or(base),
            );
            ensure_external_model(graph, base);
            graph.add_edge(
                &id,
                &base_id,
                EdgeKind::Inherits,
                None,
                Some(Evidence::new(&m.file, m.line)),
            );
        }
        if m.is_abstract || m.proxy {
            continue;
        }
        for f in &m.fields {
            let (Some(kind), Some(target)) = (f.relation, &f.target) else {
                continue;
            };
            let target_id = model_id(target);
            ensure_external_model(graph, target);
            let edge_ix = (graph.index_of(&id), graph.index_of(&target_id));
            if let (Some(a), Some(b)) = edge_ix {
                let edge = graph.add_edge_ix(
                    a,
                    b,
                    kind,
                    Some(&f.name),
                    Some(Evidence::new(&f.file, f.line)),
                );
                if let Some(through) = &f.through {
                    edge.attrs.insert("through".into(), through.clone());
                }
                if f.parent_link {
                    edge.attrs.insert("parent_link".into(), "true".into());
                }
            }
        }
    }
}

/// A node for a model referenced but not defined in the tree (`auth.User`), with the
/// table Django gives it.
fn ensure_external_model(graph: &mut Graph, label: &str) {
    let id = model_id(label);
    if graph.contains(&id) {
        return;
    }
    let (app, name) = label.split_once('.').unwrap_or(("", label));
    let table = rules::known_model_by_label(label)
        .map(|k| k.table.to_owned())
        .unwrap_or_else(|| rules::default_table(app, name));
    graph.add_node(
        Node::new(&id, NodeKind::Model, name)
            .lang(Lang::Python)
            .group(app)
            .external()
            .attr("label", label)
            .attr("table", &table),
    );
    graph.add_node(
        Node::new(table_id(&table), NodeKind::Table, &table)
            .group(app)
            .external(),
    );
    graph.add_edge(&id, &table_id(&table), EdgeKind::MapsTo, None, None);
}
