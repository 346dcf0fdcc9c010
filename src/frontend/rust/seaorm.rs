//! SeaORM: entities, their relations, and reads/writes through `Entity` and `ActiveModel`.
//!
//! Rules, as SeaORM documents them (docs.rs/sea-orm, `DeriveEntityModel`,
//! `DeriveRelation`, and the "Entity Structure" / "Basic CRUD" chapters of sea-ql.org):
//! - An entity module holds `#[derive(DeriveEntityModel)] #[sea_orm(table_name = "cake")]
//!   pub struct Model { … }`; the derive generates `Entity`, `Column`, `ActiveModel`
//!   beside it, so `cake::Entity` names the entity and `table_name` its table.
//! - `#[derive(DeriveRelation)] enum Relation` variants carry
//!   `#[sea_orm(belongs_to = "super::cake::Entity", from = "Column::CakeId", to = …)]`
//!   (this entity holds the foreign key) or `#[sea_orm(has_many = "super::fruit::Entity")]`
//!   / `has_one` (the other entity holds it).
//! - `Entity::find()`/`find_by_id()` read; `Entity::insert/insert_many/update/update_many/
//!   delete/delete_many/delete_by_id` write; an `ActiveModel`'s `.insert/.update/.save/
//!   .delete(db)` write.

use std::collections::{HashMap, HashSet};

use super::diesel::snake_case;
use super::facts::Expr;
use super::link::{Def, FnRef, Module, Program, SeaEntityRef, walk_exprs};
use crate::graph::{EdgeKind, Evidence, Graph, Lang, Node, NodeKind};

const ENTITY_READS: &[&str] = &["find", "find_by_id"];
const ENTITY_WRITES: &[&str] = &[
    "insert",
    "insert_many",
    "update",
    "update_many",
    "delete",
    "delete_many",
    "delete_by_id",
];
const ACTIVE_MODEL_WRITES: &[&str] = &["insert", "update", "save", "delete"];

/// The entity a module defines, if it has a `DeriveEntityModel` struct with a table name.
pub(super) fn entity_of_module(module: &Module) -> Option<SeaEntityRef> {
    let model = module
        .facts
        .types
        .iter()
        .find(|t| t.derives.iter().any(|d| d == "DeriveEntityModel"))?;
    let table = model
        .attrs
        .iter()
        .filter(|a| a.path == "sea_orm")
        .find_map(|a| a.pair("table_name"))?
        .to_owned();
    let type_id = module.item_id(&model.name);
    Some(SeaEntityRef {
        module: 0,
        model_id: format!("model:{}", type_id.trim_start_matches("rs:")),
        table,
    })
}

pub(super) fn link(program: &Program, graph: &mut Graph) {
    if program.sea_entities.is_empty() {
        return;
    }
    add_models(program, graph);
    add_relations(program, graph);
    add_access(program, graph);
}

fn add_models(program: &Program, graph: &mut Graph) {
    for e in &program.sea_entities {
        let module = &program.modules[e.module];
        let line = module
            .facts
            .types
            .iter()
            .find(|t| t.derives.iter().any(|d| d == "DeriveEntityModel"))
            .map_or(1, |t| t.line);
        let name = format!(
            "{}::Model",
            module.path.last().unwrap_or(&module.crate_name)
        );
        graph.add_node(
            Node::new(&e.model_id, NodeKind::Model, name)
                .lang(Lang::Rust)
                .group(module.group())
                .at(&module.file, line)
                .parent(&module.id)
                .attr("table", &e.table)
                .attr("framework", "seaorm"),
        );
        let table_id = format!("table:{}", e.table);
        graph.add_node(
            Node::new(&table_id, NodeKind::Table, &e.table)
                .group(module.group())
                .attr("framework", "seaorm"),
        );
        graph.add_edge(
            &e.model_id,
            &table_id,
            EdgeKind::MapsTo,
            None,
            Some(Evidence::new(&module.file, line)),
        );
    }
}

fn add_relations(program: &Program, graph: &mut Graph) {
    // (from entity, to entity, kind, label, line, module)
    let mut belongs: Vec<(usize, usize, String, u32, usize)> = Vec::new();
    let mut owned_elsewhere: Vec<(usize, usize, EdgeKind, String, u32, usize)> = Vec::new();
    for (e_ix, e) in program.sea_entities.iter().enumerate() {
        let module = &program.modules[e.module];
        let Some(relation) = module.facts.types.iter().find(|t| t.name == "Relation") else {
            continue;
        };
        for (variant, attrs) in &relation.variants {
            for attr in attrs.iter().filter(|a| a.path == "sea_orm") {
                let target = |key: &str| {
                    let path = attr.pair(key)?;
                    let segs: Vec<String> = path.split("::").map(str::to_owned).collect();
                    match program.resolve(e.module, &segs, &[]) {
                        Some(Def::SeaEntity(t)) => Some(t),
                        _ => None,
                    }
                };
                if let Some(t) = target("belongs_to") {
                    let label = attr
                        .pair("from")
                        .and_then(|c| c.rsplit("::").next())
                        .map_or_else(|| snake_case(variant), snake_case);
                    belongs.push((e_ix, t, label, relation.line, e.module));
                }
                for (key, kind) in [("has_many", EdgeKind::Fk), ("has_one", EdgeKind::O2o)] {
                    if let Some(t) = target(key) {
                        owned_elsewhere.push((
                            t,
                            e_ix,
                            kind,
                            snake_case(&format!("{variant}Id")),
                            relation.line,
                            e.module,
                        ));
                    }
                }
            }
        }
    }
    let mut linked: HashSet<(usize, usize)> = HashSet::new();
    for (from, to, label, line, module) in belongs {
        linked.insert((from, to));
        add_relation(program, graph, from, to, EdgeKind::Fk, &label, line, module);
    }
    // `has_many`/`has_one` only say that the other side holds a key; when that side does
    // not declare its `belongs_to`, the relation is still recorded from it.
    for (from, to, kind, label, line, module) in owned_elsewhere {
        if linked.insert((from, to)) {
            add_relation(program, graph, from, to, kind, &label, line, module);
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn add_relation(
    program: &Program,
    graph: &mut Graph,
    from: usize,
    to: usize,
    kind: EdgeKind,
    label: &str,
    line: u32,
    module: usize,
) {
    graph.add_edge(
        &program.sea_entities[from].model_id,
        &program.sea_entities[to].model_id,
        kind,
        Some(label),
        Some(Evidence::new(&program.modules[module].file, line)),
    );
}

fn add_access(program: &Program, graph: &mut Graph) {
    for f in &program.fns {
        let file = program.file_of(f);
        let active_vars = active_model_variables(program, f);
        walk_exprs(&f.facts.body, &mut |e| {
            let (entity, kind, line) = match e {
                Expr::Call { func, line, .. } => {
                    let Expr::Path(segs) = func.as_ref() else {
                        return;
                    };
                    let Some((last, prefix)) = segs.split_last() else {
                        return;
                    };
                    let Some(Def::SeaEntity(entity)) = resolve_prefix(program, f, prefix) else {
                        return;
                    };
                    let kind = if ENTITY_READS.contains(&last.as_str()) {
                        EdgeKind::Reads
                    } else if ENTITY_WRITES.contains(&last.as_str()) {
                        EdgeKind::Writes
                    } else {
                        return;
                    };
                    (entity, kind, *line)
                }
                Expr::Method {
                    receiver,
                    method,
                    line,
                    ..
                } if ACTIVE_MODEL_WRITES.contains(&method.as_str()) => {
                    let entity = match receiver.as_ref() {
                        Expr::Struct { path, .. } => match program.resolve_in_fn(f, path) {
                            Some(Def::SeaActiveModel(e)) => e,
                            _ => return,
                        },
                        Expr::Path(p) if p.len() == 1 => match active_vars.get(&p[0]) {
                            Some(&e) => e,
                            None => return,
                        },
                        _ => return,
                    };
                    (entity, EdgeKind::Writes, *line)
                }
                _ => return,
            };
            let table_id = format!("table:{}", program.sea_entities[entity].table);
            graph.add_edge(
                &f.id,
                &table_id,
                kind,
                None,
                Some(Evidence::new(file, line)),
            );
        });
    }
}

fn resolve_prefix(program: &Program, f: &FnRef, prefix: &[String]) -> Option<Def> {
    if prefix.is_empty() {
        return None;
    }
    program.resolve_in_fn(f, prefix)
}

/// Local variables holding an `ActiveModel`: `let x = cake::ActiveModel { … }`,
/// `let x: cake::ActiveModel = …`, `let x = cake::ActiveModel::from(…)`.
fn active_model_variables(program: &Program, f: &FnRef) -> HashMap<String, usize> {
    let mut vars = HashMap::new();
    walk_exprs(&f.facts.body, &mut |e| {
        let Expr::Let {
            name: Some(name),
            ty,
            init,
            ..
        } = e
        else {
            return;
        };
        let from_type = ty.as_ref().and_then(|t| program.resolve_in_fn(f, t));
        let from_init = init.as_deref().and_then(|i| match i {
            Expr::Struct { path, .. } => program.resolve_in_fn(f, path),
            Expr::Call { func, .. } => match func.as_ref() {
                Expr::Path(p) if p.len() > 1 => program.resolve_in_fn(f, &p[..p.len() - 1]),
                _ => None,
            },
            _ => None,
        });
        if let Some(Def::SeaActiveModel(entity)) = from_type.or(from_init) {
            vars.insert(name.clone(), entity);
        }
    });
    vars
}
