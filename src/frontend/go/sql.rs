//! `database/sql`, sqlx and GORM raw SQL: the tables a query string touches, parsed by
//! `crate::sql::analyze_sql` (a real SQL parser), and `CREATE TABLE` in `.sql` files.

use super::link::{Access, Ctx, Events, Target};
use super::program::{Env, Link, Program};
use crate::frontend::{FileFacts, ParsedFile};
use crate::graph::{Evidence, Graph, Node, NodeKind};

/// Methods that take SQL text: `database/sql` (`Query`, `QueryRow`, `Exec`, `Prepare`
/// and their `…Context` forms, <https://pkg.go.dev/database/sql#DB>), sqlx (`Get`,
/// `Select`, `NamedExec`, `NamedQuery`, `MustExec`, `Queryx`, `QueryRowx`,
/// <https://pkg.go.dev/github.com/jmoiron/sqlx>), pgx (same names) and GORM's `Raw`/`Exec`.
/// The SQL argument is the first argument that is a string the parser accepts, so the
/// `ctx` and destination arguments of the other forms need no special case.
const SQL_METHODS: &[&str] = &[
    "Query",
    "QueryContext",
    "QueryRow",
    "QueryRowContext",
    "Exec",
    "ExecContext",
    "Prepare",
    "PrepareContext",
    "Get",
    "GetContext",
    "Select",
    "SelectContext",
    "NamedExec",
    "NamedExecContext",
    "NamedQuery",
    "NamedQueryContext",
    "MustExec",
    "MustExecContext",
    "Queryx",
    "QueryxContext",
    "QueryRowx",
    "QueryRowxContext",
    "Preparex",
    "PreparexContext",
    "Raw",
];

pub fn chain_access<'a>(
    program: &Program<'a>,
    links: &[Link<'a>],
    env: &Env<'a>,
    ctx: &Ctx,
    events: &mut Events,
) {
    let rel = program.files[ctx.file].rel;
    for link in links {
        if !SQL_METHODS.contains(&link.name) {
            continue;
        }
        let access = link
            .args
            .iter()
            .filter_map(|a| program.string_value(a, env, 0))
            .find_map(|text| crate::sql::analyze_sql(&text).filter(|a| !a.is_empty()));
        let Some(access) = access else { continue };
        let evidence = Evidence::new(rel, link.line);
        let tables = access
            .reads
            .iter()
            .map(|t| (t, false))
            .chain(access.writes.iter().map(|t| (t, true)));
        for (table, write) in tables {
            events.access.push(Access {
                from: ctx.from.clone(),
                target: Target::Table(table.clone()),
                write,
                evidence: evidence.clone(),
            });
        }
        for table in &access.creates {
            events.access.push(Access {
                from: ctx.from.clone(),
                target: Target::Table(table.clone()),
                write: true,
                evidence: evidence.clone(),
            });
        }
    }
}

/// Tables created by `CREATE TABLE` in `.sql` files (migrations, schema dumps). Done
/// here only when the tree holds Go code (the caller checks), so a Go service's schema
/// shows up even for tables no Go code names.
pub fn add_sql_file_tables(files: &[ParsedFile], graph: &mut Graph) {
    for f in files {
        let FileFacts::Sql(sql) = &f.facts else {
            continue;
        };
        for table in &sql.access.creates {
            let id = format!("table:{table}");
            graph.add_node(Node::new(&id, NodeKind::Table, table));
            if let Some(node) = graph.node_mut(&id) {
                node.attrs
                    .entry("declared_in".into())
                    .or_insert_with(|| f.file.rel.clone());
            }
        }
    }
}
