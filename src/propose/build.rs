//! From an assignment to a `Decomposition`: context names, modules, models, tables,
//! dependencies with what crosses, LOC, stack, route, port, team, entities and notes.

use std::collections::{BTreeMap, BTreeSet};

use super::coupling::{Coupling, UnitKind};
use super::explain::Explanations;
use super::ownership::TableOwnership;
use super::score::Metrics;
use super::{Assignment, ProposeOptions};
use crate::decomposition::load::is_valid_name;
use crate::decomposition::{Context, Decomposition, Dependency, Entity, Field, FieldType, Stack};
use crate::graph::{EdgeKind, Graph, Lang};

/// How many `via` lines a dependency lists before summarising the rest.
const MAX_VIA: usize = 8;

/// A lower-case service name from free text: `example.com/shop/orders` → `orders`,
/// `shop::catalog` → `catalog`, `OrderLine` → `order-line`.
pub fn slug(text: &str) -> String {
    let last = text
        .rsplit(['/', ':', '.'])
        .find(|s| !s.is_empty())
        .unwrap_or(text);
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in last.chars() {
        if ch.is_ascii_uppercase() {
            if prev_lower && !out.ends_with('-') {
                out.push('-');
            }
            out.push(ch.to_ascii_lowercase());
            prev_lower = false;
        } else if ch.is_ascii_alphanumeric() {
            out.push(ch);
            prev_lower = true;
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
            prev_lower = false;
        }
    }
    let mut out: String = out.trim_matches('-').chars().take(32).collect();
    out = out.trim_end_matches('-').to_owned();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out = format!("ctx-{out}").trim_end_matches('-').to_owned();
    }
    if is_valid_name(&out) {
        out
    } else {
        "context".to_owned()
    }
}

/// Names the contexts without one: the dominant group of their units (by lines of
/// code, models count as 50 lines; layer packages such as `models/` do not vote, their
/// models vote for their own name), else their first model. Names are made unique
/// with `-2`, `-3`….
pub(super) fn name_contexts(c: &Coupling, a: &mut Assignment) {
    let mut taken: BTreeSet<String> = a.names.iter().filter(|n| !n.is_empty()).cloned().collect();
    for ctx in 0..a.names.len() {
        if !a.names[ctx].is_empty() {
            continue;
        }
        let mut votes: BTreeMap<String, u64> = BTreeMap::new();
        for (u, unit) in c.units.iter().enumerate() {
            if a.of_unit[u] != Some(ctx) {
                continue;
            }
            let domain_group = unit
                .group
                .as_deref()
                .filter(|g| !super::coupling::is_layer_name(g));
            match (unit.kind, domain_group) {
                (UnitKind::Module | UnitKind::Member, Some(g)) => {
                    *votes.entry(slug(g)).or_default() += unit.loc.max(1)
                }
                (UnitKind::Model, Some(g)) => *votes.entry(slug(g)).or_default() += 50,
                // A model in a layer package (`models/`) names its context itself.
                (UnitKind::Model, None) => *votes.entry(slug(&unit.name)).or_default() += 50,
                (UnitKind::Module | UnitKind::Member, None) => {}
            }
        }
        let base = votes
            .into_iter()
            .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(&x.0)))
            .map(|(g, _)| g)
            .or_else(|| {
                c.units
                    .iter()
                    .enumerate()
                    .find(|(u, unit)| a.of_unit[*u] == Some(ctx) && unit.kind == UnitKind::Model)
                    .map(|(_, unit)| slug(&unit.name))
            })
            .unwrap_or_else(|| "context".to_owned());
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        taken.insert(name.clone());
        a.names[ctx] = name;
    }
}

/// The stack suggestion and the rule that chose it.
///
/// The code decides: a context keeps the stack of the language most of its code is in
/// (Rust → rust, Go → go, Python → django), because rewriting a context in another
/// language is a cost no analysis of the code alone justifies. Evidence for another
/// stack is stated beside it for the architect to weigh (PRODUCT: Go for
/// high-concurrency paths, Django for CRUD/admin-heavy contexts): a hot path (at least
/// 2 other contexts depend on it, or at least 3 calls per module) suggests go, a
/// CRUD-heavy context (at least 2 models, fewer than 2 calls per model) django.
fn suggest_stack(
    lang: Option<Lang>,
    fan_in: usize,
    calls: u32,
    modules: usize,
    models: usize,
) -> (Stack, String) {
    let (stack, why) = match lang {
        Some(Lang::Rust) => (Stack::Rust, "rust: its code is Rust"),
        Some(Lang::Go) => (Stack::Go, "go: its code is Go"),
        _ => (Stack::Django, "django: its code is Python"),
    };
    let per_module = f64::from(calls) / modules.max(1) as f64;
    let hot = fan_in >= 2 || (modules > 0 && per_module >= 3.0);
    let crud = models >= 2 && f64::from(calls) / (models as f64) < 2.0;
    let evidence = if hot && stack != Stack::Go {
        format!(
            "; consider go if this is a high-concurrency path: {fan_in} contexts depend on it, {per_module:.1} calls per module"
        )
    } else if crud && stack != Stack::Django {
        format!("; consider django if it is mostly CRUD/admin: {models} models, {calls} calls")
    } else {
        String::new()
    };
    (stack, format!("{why}{evidence}"))
}

pub(super) fn decomposition(
    graph: &Graph,
    c: &Coupling,
    a: &Assignment,
    ownership: &[TableOwnership],
    explanations: &Explanations,
    metrics: &Metrics,
    opts: &ProposeOptions,
) -> Decomposition {
    let system = opts
        .system
        .clone()
        .or_else(|| opts.previous.as_ref().map(|p| p.system.clone()))
        .unwrap_or_else(|| "system".to_owned());
    let mut d = Decomposition::new(slug(&system));
    if let Some(prev) = &opts.previous {
        d.defaults = prev.defaults.clone();
        d.constraints = prev.constraints.clone();
        d.source = prev.source.clone();
    }
    if opts.source.is_some() {
        d.source.code = opts.source.clone();
    }
    d.source.generator = Some(format!("seam {}", env!("CARGO_PKG_VERSION")));

    let k = a.names.len();
    let mut fan_in: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); k];
    let mut calls = vec![0u32; k];
    for dep in &c.dependencies {
        if let (Some(x), Some(y)) = (a.of_unit[dep.from], a.of_unit[dep.to]) {
            if x != y {
                fan_in[y].insert(x);
            }
            if dep.kind == EdgeKind::Calls {
                calls[x] += dep.count;
            }
        }
    }
    let mut used_ports: BTreeSet<u16> = BTreeSet::new();
    let mut contexts = Vec::new();
    for ctx in 0..k {
        let prev = a
            .previous
            .get(ctx)
            .copied()
            .flatten()
            .and_then(|i| opts.previous.as_ref().map(|p| &p.contexts[i]));
        let units: Vec<usize> = (0..c.units.len())
            .filter(|&u| a.of_unit[u] == Some(ctx))
            .collect();
        let mut lang_loc: BTreeMap<Lang, u64> = BTreeMap::new();
        let (mut modules, mut models, mut members) = (Vec::new(), Vec::new(), Vec::new());
        for &u in &units {
            let unit = &c.units[u];
            match unit.kind {
                UnitKind::Module => modules.push(u),
                UnitKind::Model => models.push(u),
                UnitKind::Member => members.push(u),
            }
            if let Some(l) = unit.lang {
                *lang_loc.entry(l).or_default() += unit.loc.max(1);
            }
        }
        let lang = lang_loc
            .iter()
            .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
            .map(|(&l, _)| l);
        let (stack, stack_rule) = suggest_stack(
            lang,
            fan_in[ctx].len(),
            calls[ctx],
            modules.len(),
            models.len(),
        );
        let mut context = match prev {
            Some(p) => {
                let mut kept = p.clone();
                kept.depends_on.clear();
                kept.entities.clear();
                kept
            }
            None => Context::new(a.names[ctx].clone(), stack),
        };
        context.name = a.names[ctx].clone();
        context.modules = compact_modules(c, a, ctx, &modules, &members);
        context.models = models.iter().map(|&u| c.units[u].id.clone()).collect();
        context.tables = ownership
            .iter()
            .filter(|o| o.owner == context.name)
            .map(|o| o.table.clone())
            .collect();
        context.loc = Some(units.iter().map(|&u| c.units[u].loc).sum());
        if prev.is_none() {
            context.route_prefix = Some(format!("/{}", context.name));
        }
        // Team: the author with most commits over the context's units.
        let mut authors: BTreeMap<&str, u32> = BTreeMap::new();
        for &u in &units {
            for (who, n) in &c.authors[u] {
                *authors.entry(who.as_str()).or_default() += n;
            }
        }
        if context.team.is_none()
            && let Some((who, _)) = authors
                .iter()
                .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
        {
            context.team = Some(who.replace(['{', '}', '%'], ""));
        }
        context.entities = entities(graph, c, &models);
        context.depends_on = dependencies(c, a, ctx, ownership);
        // Notes: why this context, which stack, what it owns, its size.
        let mut notes = Vec::new();
        notes.push(format!(
            "context {}: {} module(s), {} model(s), {} table(s) owned, ~{} LOC ({})",
            context.name,
            modules.len(),
            models.len(),
            context.tables.len(),
            context.loc.unwrap_or(0),
            super::summary::loc_words(metrics.sizes[ctx].loc_status)
        ));
        if let Some(why) = explanations.contexts.get(ctx) {
            notes.push(format!("held together by: {why}"));
        }
        notes.extend(split_notes(c, a, ctx));
        if prev.is_some_and(|p| p.frozen) {
            notes.push("frozen: kept exactly as in the previous decomposition".to_owned());
        }
        notes.push(format!("suggested stack {stack_rule}"));
        for o in ownership.iter().filter(|o| o.owner == context.name) {
            notes.push(format!("owns {}: {}", o.table, o.reason));
        }
        if prev.is_none() {
            context.stack = stack;
        }
        context.notes = notes;
        if let Some(p) = context.port {
            used_ports.insert(p);
        }
        contexts.push(context);
    }
    // Ports: kept ones stay, new contexts get the next free one from base_port.
    let mut next = d.defaults.base_port;
    for context in &mut contexts {
        if context.port.is_none() {
            while used_ports.contains(&next) {
                next += 1;
            }
            context.port = Some(next);
            used_ports.insert(next);
        }
    }
    d.contexts = contexts;
    for (&m, why) in &a.shared {
        d.shared.modules.push(c.units[m].id.clone());
        d.shared.notes.push(format!("{}: {why}", c.units[m].id));
    }
    d
}

/// A context's module ids, with a Go package written once when all its files are here,
/// and the members of split modules that sit here while their module sits elsewhere.
fn compact_modules(
    c: &Coupling,
    a: &Assignment,
    ctx: usize,
    modules: &[usize],
    members: &[usize],
) -> Vec<String> {
    let mut out = BTreeSet::new();
    for &u in modules {
        let unit = &c.units[u];
        match c.split_modules.get(&unit.node) {
            Some(files) if files.iter().all(|&f| a.of_unit[f] == Some(ctx)) => {
                out.insert(unit.node.clone());
            }
            _ => {
                out.insert(unit.id.clone());
            }
        }
    }
    for &u in members {
        if let Some(m) = c.units[u].parent
            && a.of_unit[m] != Some(ctx)
        {
            out.insert(c.units[u].id.clone());
        }
    }
    out.into_iter().collect()
}

/// Notes on the modules split between this context and others.
fn split_notes(c: &Coupling, a: &Assignment, ctx: usize) -> Vec<String> {
    let mut notes = Vec::new();
    for (&m, per) in &a.split {
        let here = a.of_unit[m] == Some(ctx);
        let moved: Vec<String> = c.members[m]
            .iter()
            .filter(|&&u| a.of_unit[u] != a.of_unit[m])
            .filter(|&&u| here || a.of_unit[u] == Some(ctx))
            .map(|&u| {
                let name = c.units[u].id.rsplit_once('#').map_or("?", |(_, n)| n);
                match a.of_unit[u] {
                    Some(x) if here => format!("{name} → {}", a.names[x]),
                    _ => name.to_owned(),
                }
            })
            .collect();
        if moved.is_empty() {
            continue;
        }
        let parts = per
            .iter()
            .map(|(&x, n)| format!("{} {n}", a.names[x]))
            .collect::<Vec<_>>()
            .join(", ");
        let shown = moved.len().min(6);
        let more = if moved.len() > shown {
            format!(" … and {} more", moved.len() - shown)
        } else {
            String::new()
        };
        let list = moved[..shown].join(", ");
        notes.push(if here {
            format!(
                "split module {} (members per context: {parts}): listed here for the rest; moved out: {list}{more}",
                c.units[m].id
            )
        } else {
            format!(
                "part of split module {} (members per context: {parts}): {list}{more}",
                c.units[m].id
            )
        });
    }
    notes
}

fn dependencies(
    c: &Coupling,
    a: &Assignment,
    ctx: usize,
    ownership: &[TableOwnership],
) -> Vec<Dependency> {
    let owner: BTreeMap<&str, &str> = ownership
        .iter()
        .map(|o| (o.table.as_str(), o.owner.as_str()))
        .collect();
    let mut via: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in &c.dependencies {
        if a.of_unit[d.from] == Some(ctx)
            && let Some(to) = a.of_unit[d.to]
            && to != ctx
        {
            let at = d
                .evidence
                .first()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            via.entry(a.names[to].clone())
                .or_default()
                .push(format!("{}{at}", d.what));
        }
    }
    for acc in &c.accesses {
        if a.of_unit[acc.unit] == Some(ctx)
            && let Some(&o) = owner.get(acc.table.as_str())
            && o != a.names[ctx]
        {
            let at = acc
                .evidence
                .first()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default();
            via.entry(o.to_owned()).or_default().push(format!(
                "{} table {}{at}",
                if acc.write { "writes" } else { "reads" },
                acc.table
            ));
        }
    }
    via.into_iter()
        .map(|(context, mut lines)| {
            lines.sort();
            lines.dedup();
            let more = lines.len().saturating_sub(MAX_VIA);
            lines.truncate(MAX_VIA);
            if more > 0 {
                lines.push(format!("… and {more} more"));
            }
            Dependency {
                context,
                via: lines,
            }
        })
        .collect()
}

/// Django field classes (and the common GORM/Rust scalar names) → neutral field types.
/// Relations become `ref`; many-to-many and unknown types are left out.
fn field_type(ty: &str) -> Option<FieldType> {
    Some(match ty {
        "ForeignKey" | "OneToOneField" | "ParentalKey" => FieldType::Ref,
        "ManyToManyField" | "GenericRelation" | "GenericForeignKey" => return None,
        "TextField" => FieldType::Text,
        t if t.ends_with("CharField")
            || matches!(
                t,
                "SlugField"
                    | "EmailField"
                    | "URLField"
                    | "FilePathField"
                    | "FileField"
                    | "ImageField"
                    | "GenericIPAddressField"
                    | "string"
            ) =>
        {
            FieldType::String
        }
        t if t.contains("IntegerField")
            || t.contains("AutoField")
            || matches!(t, "int" | "int64" | "i32" | "i64" | "uint") =>
        {
            FieldType::Int
        }
        "FloatField" | "float64" | "f64" => FieldType::Float,
        "DecimalField" => FieldType::Decimal,
        "BooleanField" | "NullBooleanField" | "bool" => FieldType::Bool,
        "DateField" => FieldType::Date,
        "DateTimeField" => FieldType::Datetime,
        "UUIDField" => FieldType::Uuid,
        "JSONField" => FieldType::Json,
        _ => return None,
    })
}

fn entity_name(name: &str) -> String {
    // SeaORM entities are `<module>::Model`: name them after the module.
    let base = match name.rsplit_once("::") {
        Some((m, "Model")) => m.rsplit("::").next().unwrap_or(m),
        Some((_, last)) => last,
        None => name,
    };
    let mut out = String::new();
    let mut upper = true;
    for ch in base.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(if upper { ch.to_ascii_uppercase() } else { ch });
            upper = false;
        } else {
            upper = true;
        }
    }
    out
}

fn valid_field_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !matches!(
            name,
            "id" | "type" | "class" | "def" | "fn" | "func" | "struct" | "self"
        )
}

/// Entities for the context's concrete models, fields from `attrs.fields` when present.
fn entities(graph: &Graph, c: &Coupling, models: &[usize]) -> Vec<Entity> {
    let mut out: Vec<Entity> = Vec::new();
    for &u in models {
        let unit = &c.units[u];
        let Some(node) = graph.node(&unit.node) else {
            continue;
        };
        let flag = |k: &str| node.attrs.get(k).is_some_and(|v| v == "true");
        if flag("abstract") || flag("auto_created") || flag("proxy") || unit.table.is_none() {
            continue;
        }
        let name = entity_name(&node.name);
        if name.is_empty()
            || !name.starts_with(|c: char| c.is_ascii_uppercase())
            || out.iter().any(|e| e.name == name)
        {
            continue;
        }
        let refs: BTreeMap<String, String> = graph
            .outgoing(&node.id)
            .filter(|(_, e)| e.kind.is_relation())
            .filter_map(|(to, e)| Some((e.label.clone()?, super::coupling::model_label(to))))
            .collect();
        let mut fields = Vec::new();
        for spec in node
            .attrs
            .get("fields")
            .map(|f| f.split(','))
            .into_iter()
            .flatten()
        {
            let Some((fname, fty)) = spec.split_once(':') else {
                continue;
            };
            let Some(ty) = field_type(fty.trim()) else {
                continue;
            };
            let fname = fname.trim();
            if !valid_field_name(fname) || fields.iter().any(|f: &Field| f.name == fname) {
                continue;
            }
            fields.push(Field {
                name: fname.to_owned(),
                ty,
                references: if ty == FieldType::Ref {
                    refs.get(fname).cloned()
                } else {
                    None
                },
            });
        }
        out.push(Entity {
            name,
            table: unit.table.clone(),
            fields,
        });
    }
    out
}
