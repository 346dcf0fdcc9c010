//! GORM rules: which structs are models, their tables, their associations, and which
//! functions read or write them through `*gorm.DB` call chains.

use std::collections::{BTreeMap, BTreeSet};

use super::facts::{Expr, Field, TypeDecl, TypeKind};
use super::link::{Access, Ctx, Events, Target};
use super::naming::{gorm_join_table_name, gorm_table_name};
use super::program::{Binding, Env, GORM_PACKAGES, Link, Program, RType, flatten};
use crate::graph::{EdgeKind, Evidence, Graph, Lang, Node, NodeKind};

/// Chain methods that write rows (GORM's CRUD docs: Create, Update, Delete).
/// <https://gorm.io/docs/create.html>, <https://gorm.io/docs/update.html>, <https://gorm.io/docs/delete.html>
const WRITES: &[&str] = &[
    "Create",
    "CreateInBatches",
    "Save",
    "Update",
    "Updates",
    "UpdateColumn",
    "UpdateColumns",
    "Delete",
    "FirstOrCreate",
];

/// Chain methods that read rows (<https://gorm.io/docs/query.html>, advanced_query.html).
const READS: &[&str] = &[
    "Find",
    "First",
    "Last",
    "Take",
    "Scan",
    "Count",
    "Pluck",
    "Rows",
    "Row",
    "FindInBatches",
    "FirstOrInit",
    "FirstOrCreate",
];

/// Finishers whose argument is the destination GORM takes the model from when the
/// chain has no `Model(...)`: GORM's `Statement` uses `Dest` as `Model` when unset.
/// `Scan`/`Pluck`/`Count` are left out: they fill DTOs and scalars, not models.
const DEST_IS_MODEL: &[&str] = &[
    "Create",
    "CreateInBatches",
    "Save",
    "Updates",
    "Delete",
    "Find",
    "First",
    "Last",
    "Take",
    "FindInBatches",
    "FirstOrInit",
    "FirstOrCreate",
];

/// A `*gorm.DB` chain `db.Model(&X{}).Where(...).Find(&xs)`: its table comes from
/// `Table("name")` when present, else from `Model(&X{})`, else from the finisher's
/// destination; reads vs writes from the finisher; `Preload("Field")` reads the
/// association's table; `AutoMigrate(&A{}, &B{})` declares models.
pub fn chain_access<'a>(
    program: &Program<'a>,
    base: &'a Expr,
    links: &[Link<'a>],
    env: &Env<'a>,
    ctx: &Ctx,
    events: &mut Events,
) {
    if links.is_empty() {
        return;
    }
    // `q := db.Model(&User{})` … `q.Find(&us)`: the chain started on an earlier line.
    let mut base = base;
    let mut all: Vec<Link<'a>> = Vec::new();
    for _ in 0..3 {
        let Expr::Ident(name) = base else { break };
        let Some(Binding::Local(local)) = env.lookup(name).first().copied().cloned() else {
            break;
        };
        let Some(Expr::Call(call)) = &local.value else {
            break;
        };
        let (inner_base, inner_links) = flatten(call);
        // `db, err := gorm.Open(...)` is a package call, not an earlier chain.
        let package_call =
            matches!(inner_base, Expr::Ident(n) if program.import_of(env, n).is_some());
        if inner_links.is_empty() || package_call {
            break;
        }
        base = inner_base;
        let mut merged = inner_links;
        merged.append(&mut all);
        all = merged;
    }
    let prefix_len = all.len();
    all.extend(links.iter().map(|l| Link {
        name: l.name,
        args: l.args,
        line: l.line,
        call: l.call,
    }));
    let is_gorm = match program.type_of(base, env, 0) {
        Some(t) => program.is_gorm_db(&t.ty),
        None => {
            program.files[ctx.file]
                .aliases
                .values()
                .any(|p| GORM_PACKAGES.contains(&p.as_str()))
                && !matches!(base, Expr::Ident(n) if program.import_of(env, n).is_some())
        }
    };
    if !is_gorm {
        return;
    }
    let rel = program.files[ctx.file].rel;
    let mut model: Option<RType> = None;
    let mut table: Option<String> = None;
    let mut finisher: Option<&Link> = None;
    let mut preloads: Vec<(String, u32)> = Vec::new();
    for link in &all {
        match link.name {
            "Model" => model = link.args.first().and_then(|a| model_type(program, a, env)),
            "Table" => {
                table = link
                    .args
                    .first()
                    .and_then(|a| program.string_value(a, env, 0))
                    .and_then(|s| s.split_whitespace().next().map(str::to_owned))
            }
            "AutoMigrate" => {
                for a in link.args {
                    for item in migrate_items(a, env) {
                        if let Some(t) = model_type(program, item, env) {
                            events.migrated.push(t);
                        }
                    }
                }
            }
            "Preload" => {
                if let Some(name) = link
                    .args
                    .first()
                    .and_then(|a| program.string_value(a, env, 0))
                {
                    preloads.push((name, link.line));
                }
            }
            name if WRITES.contains(&name) || READS.contains(&name) => finisher = Some(link),
            _ => {}
        }
    }
    // The earlier statement's chain is reported where it ends, not twice.
    let Some(finisher) = finisher else { return };
    if all[..prefix_len]
        .iter()
        .any(|l| std::ptr::eq(l.call, finisher.call))
    {
        return;
    }
    let dest_model = if DEST_IS_MODEL.contains(&finisher.name) {
        finisher
            .args
            .first()
            .and_then(|a| model_type(program, a, env))
    } else {
        None
    };
    let model = model.or(dest_model);
    let target = match (&table, &model) {
        (Some(t), _) => Target::Table(t.clone()),
        (None, Some(m)) => Target::Model(m.clone()),
        (None, None) => return,
    };
    let evidence = Evidence::new(rel, finisher.line);
    let write = WRITES.contains(&finisher.name);
    let read = READS.contains(&finisher.name);
    for (flag, is_write) in [(write, true), (read, false)] {
        if flag {
            events.access.push(Access {
                from: ctx.from.clone(),
                target: match &target {
                    Target::Table(t) => Target::Table(t.clone()),
                    Target::Model(m) => Target::Model(m.clone()),
                },
                write: is_write,
                evidence: evidence.clone(),
            });
        }
    }
    if let Some(m) = &model {
        for (field, line) in preloads {
            // `Preload("Orders.Items")`: the first segment is a field of the model.
            let first = field.split('.').next().unwrap_or("");
            if let Some(t) = program.field_type(m, first, 0) {
                events.access.push(Access {
                    from: ctx.from.clone(),
                    target: Target::Model(t.ty),
                    write: false,
                    evidence: Evidence::new(rel, line),
                });
            }
        }
    }
}

/// `AutoMigrate(&A{}, &B{})` or `AutoMigrate(models...)` with `models := []any{&A{}, …}`.
fn migrate_items<'a>(arg: &'a Expr, env: &Env<'a>) -> Vec<&'a Expr> {
    match arg {
        Expr::List(_, items) => items.iter().collect(),
        Expr::Ident(name) => env
            .lookup(name)
            .iter()
            .find_map(|b| match b {
                Binding::Local(l) => match &l.value {
                    Some(Expr::List(_, items)) => Some(items.iter().collect()),
                    _ => None,
                },
                _ => None,
            })
            .unwrap_or_else(|| vec![arg]),
        _ => vec![arg],
    }
}

/// The struct a GORM argument stands for: `&User{}`, `&users` (`[]User`), `u`, `new(User)`.
fn model_type<'a>(program: &Program<'a>, arg: &Expr, env: &Env<'a>) -> Option<RType> {
    let t = program.type_of(arg, env, 0)?;
    let (_, decl) = program.type_decl(&t.ty)?;
    (decl.kind == TypeKind::Struct).then_some(t.ty)
}

/// The value of key `key` in a struct tag (`gorm:"..."`), Go's `reflect.StructTag.Get`.
pub fn tag_value<'t>(tag: &'t str, key: &str) -> Option<&'t str> {
    let mut rest = tag.trim();
    while !rest.is_empty() {
        let colon = rest.find(':')?;
        let name = rest[..colon].trim();
        let after = rest[colon + 1..].strip_prefix('"')?;
        let mut end = None;
        let mut escaped = false;
        for (i, c) in after.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => escaped = false,
            }
        }
        let end = end?;
        if name == key {
            return Some(&after[..end]);
        }
        rest = after[end + 1..].trim_start();
    }
    None
}

/// GORM's tag settings (`schema.ParseTagSetting`): `;`-separated, keys upper-cased.
pub fn gorm_settings(field: &Field) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Some(tag) = tag_value(&field.tag, "gorm") {
        for part in tag.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (k, v) = part.split_once(':').unwrap_or((part, ""));
            out.insert(k.trim().to_uppercase(), v.trim().to_owned());
        }
    }
    out
}

/// A model's association, by GORM's rules (<https://gorm.io/docs/belongs_to.html>,
/// has_one.html, has_many.html, many_to_many.html):
/// - `many2many:<join>` tag → many-to-many through the join table;
/// - a slice of a struct → has-many (the key lives on the element);
/// - a struct field → has-one when the target has the key (`foreignKey` tag, default
///   `<Owner>ID`), belongs-to when the owner has it (`foreignKey` tag, default `<Field>ID`).
#[derive(Debug, Clone, PartialEq)]
pub enum Relation {
    BelongsTo { foreign_key: String },
    HasOne { foreign_key: String },
    HasMany { foreign_key: String },
    ManyToMany { join_table: String },
}

pub fn relation(owner: &TypeDecl, field: &Field, target: &TypeDecl) -> Option<Relation> {
    let settings = gorm_settings(field);
    if settings.contains_key("-")
        || settings.contains_key("EMBEDDED")
        || settings.contains_key("EMBEDDEDPREFIX")
        || settings.contains_key("SERIALIZER")
        || settings.contains_key("TYPE")
    {
        return None;
    }
    let name = field.name.as_deref()?;
    if let Some(join) = settings.get("MANY2MANY") {
        return Some(Relation::ManyToMany {
            join_table: gorm_join_table_name(join),
        });
    }
    let explicit_fk = settings.get("FOREIGNKEY").cloned();
    let has_field =
        |decl: &TypeDecl, f: &str| decl.fields.iter().any(|fd| fd.name.as_deref() == Some(f));
    if field.ty.slice {
        let fk = explicit_fk.unwrap_or_else(|| format!("{}ID", owner.name));
        return Some(Relation::HasMany { foreign_key: fk });
    }
    let has_one_fk = explicit_fk
        .clone()
        .unwrap_or_else(|| format!("{}ID", owner.name));
    if has_field(target, &has_one_fk) {
        return Some(Relation::HasOne {
            foreign_key: has_one_fk,
        });
    }
    let belongs_fk = explicit_fk.unwrap_or_else(|| format!("{name}ID"));
    if has_field(owner, &belongs_fk) {
        return Some(Relation::BelongsTo {
            foreign_key: belongs_fk,
        });
    }
    None
}

/// True for a struct that embeds `gorm.Model`, directly or through embedded structs.
fn embeds_gorm_model(program: &Program, t: &RType, depth: usize) -> bool {
    if depth > 4 {
        return false;
    }
    let Some((f, decl)) = program.type_decl(t) else {
        return false;
    };
    decl.fields.iter().filter(|fd| fd.name.is_none()).any(|fd| {
        program.resolve_type(f, &fd.ty).is_some_and(|r| {
            (GORM_PACKAGES.contains(&r.pkg.as_str()) && r.name == "Model")
                || embeds_gorm_model(program, &r, depth + 1)
        })
    })
}

/// The table of a model: a `TableName() string` method returning a literal overrides
/// GORM's naming strategy (<https://gorm.io/docs/conventions.html#TableName>).
pub fn model_table(program: &Program, t: &RType) -> (String, &'static str) {
    if let Some((_, decl)) = program.method(t, "TableName")
        && let Some(name) = &decl.returns_literal
    {
        return (name.clone(), "TableName");
    }
    (gorm_table_name(&t.name), "naming_strategy")
}

/// Decides the models (structs embedding `gorm.Model`, passed to `AutoMigrate`, used in
/// a chain, or associated with another model), adds them with their tables and
/// relations, then the data-access edges.
pub fn add_models_and_access(program: &Program, events: &Events, graph: &mut Graph) {
    let mut models: BTreeMap<RType, &'static str> = BTreeMap::new();
    for pkg in program.packages.values() {
        for name in pkg.types.keys() {
            let t = RType {
                pkg: pkg.path.clone(),
                name: name.clone(),
            };
            if embeds_gorm_model(program, &t, 0) {
                models.insert(t, "embeds gorm.Model");
            }
        }
    }
    for t in &events.migrated {
        models.entry(t.clone()).or_insert("AutoMigrate");
    }
    for a in &events.access {
        if let Target::Model(t) = &a.target {
            models.entry(t.clone()).or_insert("used with *gorm.DB");
        }
    }
    // Associations need tables on both sides.
    let mut relations: Vec<(RType, RType, String, Relation, Evidence)> = Vec::new();
    let mut done: BTreeSet<RType> = BTreeSet::new();
    loop {
        let pending: Vec<RType> = models
            .keys()
            .filter(|t| !done.contains(*t))
            .cloned()
            .collect();
        if pending.is_empty() {
            break;
        }
        for owner in pending {
            done.insert(owner.clone());
            let Some((f, decl)) = program.type_decl(&owner) else {
                continue;
            };
            for field in decl.fields.iter().filter(|fd| fd.name.is_some()) {
                let Some(target) = program.resolve_type(f, &field.ty) else {
                    continue;
                };
                let Some((_, target_decl)) = program.type_decl(&target) else {
                    continue;
                };
                if target_decl.kind != TypeKind::Struct {
                    continue;
                }
                if let Some(rel) = relation(decl, field, target_decl) {
                    models.entry(target.clone()).or_insert("association");
                    relations.push((
                        owner.clone(),
                        target,
                        field.name.clone().unwrap_or_default(),
                        rel,
                        Evidence::new(program.files[f].rel, field.line),
                    ));
                }
            }
        }
    }
    for (t, why) in &models {
        let Some((f, decl)) = program.type_decl(t) else {
            continue;
        };
        let (table, source) = model_table(program, t);
        let id = model_id(t);
        graph.add_node(
            Node::new(&id, NodeKind::Model, &t.name)
                .lang(Lang::Go)
                .group(&t.pkg)
                .at(program.files[f].rel, decl.line)
                .attr("table", &table)
                .attr("orm", "gorm")
                .attr("table_source", source)
                .attr("model_reason", *why),
        );
        let table_id = format!("table:{table}");
        graph.add_node(Node::new(&table_id, NodeKind::Table, &table).group(&t.pkg));
        graph.add_edge(&id, &table_id, EdgeKind::MapsTo, None, None);
    }
    for (owner, target, field, rel, evidence) in relations {
        let (kind, key, value, name) = match &rel {
            Relation::BelongsTo { foreign_key } => (
                EdgeKind::Fk,
                "foreign_key",
                foreign_key.clone(),
                "belongs_to",
            ),
            Relation::HasOne { foreign_key } => {
                (EdgeKind::O2o, "foreign_key", foreign_key.clone(), "has_one")
            }
            Relation::HasMany { foreign_key } => {
                (EdgeKind::Fk, "foreign_key", foreign_key.clone(), "has_many")
            }
            Relation::ManyToMany { join_table } => {
                (EdgeKind::M2m, "join_table", join_table.clone(), "many2many")
            }
        };
        if let Relation::ManyToMany { join_table } = &rel {
            let table_id = format!("table:{join_table}");
            graph.add_node(
                Node::new(&table_id, NodeKind::Table, join_table)
                    .group(&owner.pkg)
                    .attr("join_table_of", model_id(&owner)),
            );
        }
        let (Some(a), Some(b)) = (
            graph.index_of(&model_id(&owner)),
            graph.index_of(&model_id(&target)),
        ) else {
            continue;
        };
        let edge = graph.add_edge_ix(a, b, kind, Some(&field), Some(evidence));
        edge.attrs.insert("relation".into(), name.into());
        edge.attrs.insert(key.into(), value);
    }
    for a in &events.access {
        let table = match &a.target {
            Target::Table(t) => t.clone(),
            Target::Model(m) => match graph.node(&model_id(m)).and_then(|n| n.attrs.get("table")) {
                Some(t) => t.clone(),
                None => continue,
            },
        };
        let table_id = format!("table:{table}");
        graph.add_node(Node::new(&table_id, NodeKind::Table, &table));
        let kind = if a.write {
            EdgeKind::Writes
        } else {
            EdgeKind::Reads
        };
        graph.add_edge(&a.from, &table_id, kind, None, Some(a.evidence.clone()));
    }
}

pub fn model_id(t: &RType) -> String {
    format!("model:{}.{}", t.pkg, t.name)
}
