//! diesel: tables from `table!`, relations from `joinable!`, models from derives with
//! `#[diesel(table_name = …)]`, and reads/writes from query-builder calls.
//!
//! Rules, as diesel documents them (docs.diesel.rs, 2.x):
//! - `table! { #[sql_name = "real"] users (id) { … } }` declares a module `users` for
//!   the database table `real` (`users` when `sql_name` is absent); one `table!` may
//!   declare several tables, optionally schema-qualified (`schema.users`).
//! - `joinable!(posts -> users (user_id))`: `posts.user_id` references `users`.
//! - `#[diesel(table_name = path::to::table)]` (2.x) or `#[table_name = "t"]` (1.x) on a
//!   struct deriving `Queryable`/`Insertable`/`AsChangeset`/`Identifiable`/`Selectable`
//!   names its table; without it, `Identifiable`, `Insertable`, `AsChangeset`,
//!   `Selectable` and `Associations` assume "the type name converted to snake_case with
//!   an added s" (the `Identifiable` derive docs: "Our rules for inferring table names are
//!   considered public API"). `Queryable` alone maps by position and names no table.
//! - `insert_into`, `update`, `delete`, `replace_into` write their target table;
//!   `select`, `filter`, `load`, `get_result(s)`, `first`, `find`, `count` (and the other
//!   query-builder methods below) read the tables referenced in the same statement.

use proc_macro2::{Delimiter, TokenStream, TokenTree};

use super::facts::{DieselTable, Expr, MacroContent, ModuleFacts, TypeFacts};
use super::link::{Def, FnRef, Program, for_each_statement, statement_exprs};
use crate::graph::{EdgeKind, Evidence, Graph, Lang, Node, NodeKind};

/// Derives that make a struct a diesel model.
const MODEL_DERIVES: &[&str] = &[
    "Queryable",
    "QueryableByName",
    "Insertable",
    "AsChangeset",
    "Identifiable",
    "Selectable",
    "Associations",
];

/// Derives whose table defaults to the snake_case plural of the struct name.
const DEFAULT_TABLE_DERIVES: &[&str] = &[
    "Insertable",
    "AsChangeset",
    "Identifiable",
    "Selectable",
    "Associations",
];

/// Free functions that start a write statement on the table given as first argument.
const WRITE_FNS: &[&str] = &[
    "insert_into",
    "insert_or_ignore_into",
    "replace_into",
    "update",
    "delete",
];

/// Query-builder methods and finishers that make a statement read its tables.
const READ_METHODS: &[&str] = &[
    "select",
    "filter",
    "or_filter",
    "load",
    "get_result",
    "get_results",
    "first",
    "find",
    "count",
    "inner_join",
    "left_join",
    "left_outer_join",
    "order",
    "order_by",
    "then_order_by",
    "limit",
    "offset",
    "group_by",
    "distinct",
    "into_boxed",
    "belonging_to",
    "load_iter",
];

// ------------------------------------------------------------------ extraction

/// Reads a `table!` or `joinable!` invocation (`diesel::` prefix optional).
pub(super) fn read_item_macro(path: &[String], tokens: &TokenStream) -> MacroContent {
    match path.last().map(String::as_str) {
        Some("table") => MacroContent::DieselTables(read_tables(tokens.clone())),
        Some("joinable") => read_joinable(tokens.clone()).unwrap_or(MacroContent::Other),
        _ => MacroContent::Other,
    }
}

fn read_tables(tokens: TokenStream) -> Vec<DieselTable> {
    let mut tables = Vec::new();
    let mut sql_name: Option<String> = None;
    let mut iter = tokens.into_iter().peekable();
    let mut last_ident: Option<(String, u32)> = None;
    while let Some(tt) = iter.next() {
        match tt {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                if let Some(TokenTree::Group(g)) = iter.next()
                    && g.delimiter() == Delimiter::Bracket
                    && let Ok(syn::Meta::NameValue(nv)) = syn::parse2::<syn::Meta>(g.stream())
                    && nv.path.is_ident("sql_name")
                    && let syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(s),
                        ..
                    }) = &nv.value
                {
                    sql_name = Some(s.value());
                }
            }
            TokenTree::Ident(i) if i == "use" => {
                // `use diesel::sql_types::*;` inside the block.
                for t in iter.by_ref() {
                    if matches!(&t, TokenTree::Punct(p) if p.as_char() == ';') {
                        break;
                    }
                }
            }
            TokenTree::Ident(i) => {
                let name = i.to_string();
                let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
                // `schema.table`: the last identifier before the body names the table.
                last_ident = Some((name, super::extract::line_of(i.span())));
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                if let Some((module, line)) = last_ident.take() {
                    tables.push(DieselTable {
                        sql_name: sql_name.take().unwrap_or_else(|| module.clone()),
                        module,
                        line,
                    });
                }
            }
            _ => {}
        }
    }
    tables
}

fn read_joinable(tokens: TokenStream) -> Option<MacroContent> {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    let ident = |t: &TokenTree| match t {
        TokenTree::Ident(i) => Some(i.to_string()),
        _ => None,
    };
    let child = ident(trees.first()?)?;
    // `->` comes as two punctuation tokens.
    let parent = ident(trees.get(3)?)?;
    let TokenTree::Group(g) = trees.get(4)? else {
        return None;
    };
    let column = g.stream().into_iter().find_map(|t| ident(&t))?;
    Some(MacroContent::DieselJoinable {
        child,
        parent,
        column,
    })
}

/// The tables a module's `table!` invocations declare.
pub(super) fn declared_tables(facts: &ModuleFacts) -> Vec<&DieselTable> {
    facts
        .macros
        .iter()
        .filter_map(|m| match &m.content {
            MacroContent::DieselTables(tables) => Some(tables.iter()),
            _ => None,
        })
        .flatten()
        .collect()
}

// ------------------------------------------------------------------ linking

/// A diesel model: a struct with one of [`MODEL_DERIVES`] and a known table.
struct Model {
    id: String,
    table: String,
    /// Row types (`Queryable`, `Selectable`, `Identifiable`) are preferred as the table's
    /// representative model in relations over insert/update-only structs.
    is_row_type: bool,
}

pub(super) fn link(program: &Program, graph: &mut Graph) {
    let models = add_models(program, graph);
    add_tables(program, graph, &models);
    add_relations(program, graph, &models);
    add_access(program, graph, &models);
}

fn add_models(program: &Program, graph: &mut Graph) -> Vec<Model> {
    let mut models = Vec::new();
    for &(ix, t) in &program.types {
        let Some(table) = model_table(program, ix, t) else {
            continue;
        };
        let module = &program.modules[ix];
        let type_id = module.item_id(&t.name);
        let id = format!("model:{}", type_id.trim_start_matches("rs:"));
        graph.add_node(
            Node::new(&id, NodeKind::Model, &t.name)
                .lang(Lang::Rust)
                .group(module.group())
                .at(&module.file, t.line)
                .parent(&module.id)
                .attr("table", &table)
                .attr("framework", "diesel"),
        );
        let table_id = format!("table:{table}");
        graph.add_node(Node::new(&table_id, NodeKind::Table, &table).group(module.group()));
        graph.add_edge(
            &id,
            &table_id,
            EdgeKind::MapsTo,
            None,
            Some(Evidence::new(&module.file, t.line)),
        );
        models.push(Model {
            id,
            table,
            is_row_type: t
                .derives
                .iter()
                .any(|d| matches!(d.as_str(), "Queryable" | "Selectable" | "Identifiable")),
        });
    }
    models
}

fn model_table(program: &Program, module: usize, t: &TypeFacts) -> Option<String> {
    if !t
        .derives
        .iter()
        .any(|d| MODEL_DERIVES.contains(&d.as_str()))
    {
        return None;
    }
    let named = t.attrs.iter().find_map(|a| match a.path.as_str() {
        "diesel" => a.pair("table_name").map(str::to_owned),
        "table_name" => a.value.clone(),
        _ => None,
    });
    let rust_path = match named {
        Some(path) => path,
        None if t
            .derives
            .iter()
            .any(|d| DEFAULT_TABLE_DERIVES.contains(&d.as_str())) =>
        {
            format!("{}s", snake_case(&t.name))
        }
        None => return None,
    };
    Some(table_sql_name(program, module, &rust_path))
}

/// The database name of the table a Rust path (`users`, `crate::schema::users`) names:
/// resolved in scope when possible, else by the table module's name anywhere.
fn table_sql_name(program: &Program, module: usize, rust_path: &str) -> String {
    let segs: Vec<String> = rust_path.split("::").map(str::to_owned).collect();
    if let Some(Def::Table(t)) = program.resolve(module, &segs, &[]) {
        return program.diesel_tables[t].sql_name.clone();
    }
    let last = segs.last().cloned().unwrap_or_default();
    program
        .diesel_tables
        .iter()
        .find(|t| t.rust_name == last)
        .map_or(last, |t| t.sql_name.clone())
}

fn add_tables(program: &Program, graph: &mut Graph, models: &[Model]) {
    for t in &program.diesel_tables {
        let module = &program.modules[t.module];
        let mut node = Node::new(
            format!("table:{}", t.sql_name),
            NodeKind::Table,
            &t.sql_name,
        )
        .at(&module.file, t.line)
        .attr("framework", "diesel");
        // Tables carry their model's group; a table without a model has none of its own.
        if let Some(model) = representative(models, &t.sql_name)
            && let Some(group) = graph.node(&model.id).and_then(|n| n.group.clone())
        {
            node = node.group(group);
        }
        graph.add_node(node);
        if let Some(existing) = graph.node_mut(&format!("table:{}", t.sql_name))
            && existing.file.is_none()
        {
            existing.file = Some(module.file.clone());
            existing.line = Some(t.line);
        }
    }
}

fn representative<'m>(models: &'m [Model], table: &str) -> Option<&'m Model> {
    models
        .iter()
        .filter(|m| m.table == table)
        .min_by_key(|m| (!m.is_row_type, m.id.len(), m.id.clone()))
}

/// `joinable!(child -> parent (column))` → `fk` from the child table's model to the
/// parent's (or between the tables when either has no model), labelled with the column.
fn add_relations(program: &Program, graph: &mut Graph, models: &[Model]) {
    for (ix, module) in program.modules.iter().enumerate() {
        for mac in &module.facts.macros {
            let MacroContent::DieselJoinable {
                child,
                parent,
                column,
            } = &mac.content
            else {
                continue;
            };
            let child = table_sql_name(program, ix, child);
            let parent = table_sql_name(program, ix, parent);
            let (from, to) = match (
                representative(models, &child),
                representative(models, &parent),
            ) {
                (Some(c), Some(p)) => (c.id.clone(), p.id.clone()),
                _ => {
                    for t in [&child, &parent] {
                        graph.add_node(Node::new(format!("table:{t}"), NodeKind::Table, t));
                    }
                    (format!("table:{child}"), format!("table:{parent}"))
                }
            };
            graph.add_edge(
                &from,
                &to,
                EdgeKind::Fk,
                Some(column),
                Some(Evidence::new(&module.file, mac.line)),
            );
        }
    }
}

/// Reads and writes per statement, attributed to the enclosing function.
fn add_access(program: &Program, graph: &mut Graph, models: &[Model]) {
    if program.diesel_tables.is_empty() && models.is_empty() {
        return;
    }
    for f in &program.fns {
        let file = program.file_of(f);
        for_each_statement(&f.facts.body, &mut |stmt| {
            let access = statement_access(program, f, models, stmt);
            for (table, line) in &access.writes {
                let table_id = format!("table:{table}");
                graph.add_node(Node::new(&table_id, NodeKind::Table, table));
                graph.add_edge(
                    &f.id,
                    &table_id,
                    EdgeKind::Writes,
                    None,
                    Some(Evidence::new(file, *line)),
                );
            }
            if let Some(line) = access.read_line {
                for table in &access.referenced {
                    if access.writes.iter().any(|(w, _)| w == table) {
                        continue;
                    }
                    let table_id = format!("table:{table}");
                    graph.add_node(Node::new(&table_id, NodeKind::Table, table));
                    graph.add_edge(
                        &f.id,
                        &table_id,
                        EdgeKind::Reads,
                        None,
                        Some(Evidence::new(file, line)),
                    );
                }
            }
        });
    }
}

#[derive(Default)]
struct StatementAccess {
    writes: Vec<(String, u32)>,
    referenced: Vec<String>,
    /// Where the first read marker is, when there is one.
    read_line: Option<u32>,
}

fn statement_access(
    program: &Program,
    f: &FnRef,
    models: &[Model],
    stmt: &Expr,
) -> StatementAccess {
    let mut out = StatementAccess::default();
    statement_exprs(stmt, &mut |e| match e {
        Expr::Path(segs) => {
            if let Some(table) = table_of_path(program, f, segs) {
                out.referenced.push(table);
            }
        }
        Expr::Call { func, args, line } => {
            let Expr::Path(segs) = func.as_ref() else {
                return;
            };
            let last = segs.last().map_or("", String::as_str);
            if WRITE_FNS.contains(&last) && is_diesel_fn(program, f, segs) {
                if let Some(target) = args.first() {
                    statement_exprs(target, &mut |inner| {
                        if let Expr::Path(p) = inner
                            && let Some(table) = table_of_path(program, f, p)
                        {
                            out.writes.push((table, *line));
                        }
                    });
                }
            } else if READ_METHODS.contains(&last) {
                // `Post::belonging_to(&user)`, `users::table.find(..)` as a function path.
                if let Some((_, model_path)) = segs.split_last()
                    && !model_path.is_empty()
                    && let Some(Def::Type(tid)) = program.resolve_in_fn(f, model_path)
                {
                    let model_id = format!("model:{}", tid.trim_start_matches("rs:"));
                    if let Some(m) = models.iter().find(|m| m.id == model_id) {
                        out.referenced.push(m.table.clone());
                    }
                }
                out.read_line.get_or_insert(*line);
            }
        }
        Expr::Method { method, line, .. } if READ_METHODS.contains(&method.as_str()) => {
            out.read_line.get_or_insert(*line);
        }
        _ => {}
    });
    out
}

/// `diesel::insert_into`, `diesel::dsl::update`, or an unqualified name that is not a
/// function of the analysed program (so imported from diesel).
fn is_diesel_fn(program: &Program, f: &FnRef, segs: &[String]) -> bool {
    match segs {
        [_] => !matches!(
            program.resolve_in_fn(f, segs),
            Some(Def::Fn(_) | Def::Type(_))
        ),
        [first, ..] => first == "diesel",
        [] => false,
    }
}

fn table_of_path(program: &Program, f: &FnRef, segs: &[String]) -> Option<String> {
    match program.resolve_in_fn(f, segs)? {
        Def::Table(t) => Some(program.diesel_tables[t].sql_name.clone()),
        _ => None,
    }
}

/// `OrderLine` → `order_line` (diesel's and SeaORM's CamelCase → snake_case).
pub(super) fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev_lower =
                i > 0 && (chars[i - 1].is_lowercase() || chars[i - 1].is_ascii_digit());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if i > 0 && (prev_lower || (next_lower && chars[i - 1].is_uppercase())) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_follows_diesel() {
        assert_eq!(snake_case("User"), "user");
        assert_eq!(snake_case("OrderLine"), "order_line");
        assert_eq!(snake_case("HTTPRequest"), "http_request");
    }

    #[test]
    fn reads_several_tables_with_sql_name_and_schema() {
        let tokens: TokenStream = r#"
            use diesel::sql_types::*;
            users (id) { id -> Int4, }
            #[sql_name = "order_lines"]
            lines (id) { id -> Int4, }
            billing.invoices (id) { id -> Int4, }
        "#
        .parse()
        .unwrap();
        let names: Vec<(String, String)> = read_tables(tokens)
            .into_iter()
            .map(|t| (t.module, t.sql_name))
            .collect();
        assert_eq!(
            names,
            vec![
                ("users".into(), "users".into()),
                ("lines".into(), "order_lines".into()),
                ("invoices".into(), "invoices".into()),
            ]
        );
    }

    #[test]
    fn reads_joinable() {
        let tokens: TokenStream = "posts -> users (user_id)".parse().unwrap();
        assert_eq!(
            read_joinable(tokens),
            Some(MacroContent::DieselJoinable {
                child: "posts".into(),
                parent: "users".into(),
                column: "user_id".into()
            })
        );
    }
}
