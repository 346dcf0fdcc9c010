//! sqlx: tables from the SQL text of `query!`-family macros and `sqlx::query*` functions.
//!
//! Rules, as sqlx documents them (docs.rs/sqlx, macros `query!`, `query_as!`,
//! `query_scalar!` and their `_unchecked` forms; functions `sqlx::query`, `query_as`,
//! `query_scalar`, `query_with`, `query_as_with`): the SQL is the first string literal
//! argument (`query_as!(Type, "sql", args…)` puts the record type first). Which tables it
//! reads and writes comes from parsing that SQL with a real parser
//! ([`crate::sql::analyze_sql`]); the access is attributed to the enclosing function.

use super::facts::Expr;
use super::link::{Def, FnRef, Program, walk_exprs};
use crate::graph::{EdgeKind, Evidence, Graph, Node, NodeKind};
use crate::sql::analyze_sql;

const QUERY_MACROS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_unchecked",
    "query_as_unchecked",
    "query_scalar_unchecked",
];

const QUERY_FNS: &[&str] = &[
    "query",
    "query_as",
    "query_scalar",
    "query_with",
    "query_as_with",
    "query_scalar_with",
];

pub(super) fn link(program: &Program, graph: &mut Graph) {
    for f in &program.fns {
        let file = program.file_of(f);
        walk_exprs(&f.facts.body, &mut |e| {
            let (sql, line) = match e {
                Expr::Macro { path, args, line } if is_query_macro(path) => {
                    match args.iter().find_map(as_str) {
                        Some(sql) => (sql, *line),
                        None => return,
                    }
                }
                Expr::Call { func, args, line } => match func.as_ref() {
                    Expr::Path(segs) if is_query_fn(program, f, segs) => {
                        match args.first().and_then(as_str) {
                            Some(sql) => (sql, *line),
                            None => return,
                        }
                    }
                    _ => return,
                },
                _ => return,
            };
            let Some(access) = analyze_sql(sql) else {
                return;
            };
            for (tables, kind) in [
                (&access.reads, EdgeKind::Reads),
                (&access.writes, EdgeKind::Writes),
            ] {
                for table in tables {
                    let table_id = format!("table:{table}");
                    graph.add_node(Node::new(&table_id, NodeKind::Table, table));
                    graph.add_edge(
                        &f.id,
                        &table_id,
                        kind,
                        None,
                        Some(Evidence::new(file, line)),
                    );
                }
            }
        });
    }
}

fn as_str(e: &Expr) -> Option<&str> {
    match e {
        Expr::Str(s) => Some(s),
        _ => None,
    }
}

/// `sqlx::query!`, or `query!` imported from sqlx: the macro names are sqlx's own.
fn is_query_macro(path: &[String]) -> bool {
    match path {
        [name] => QUERY_MACROS.contains(&name.as_str()),
        [krate, name] => krate == "sqlx" && QUERY_MACROS.contains(&name.as_str()),
        _ => false,
    }
}

/// `sqlx::query(…)`, or an unqualified `query(…)` imported from sqlx (not a function of
/// the analysed program).
fn is_query_fn(program: &Program, f: &FnRef, segs: &[String]) -> bool {
    match segs {
        [krate, name] => krate == "sqlx" && QUERY_FNS.contains(&name.as_str()),
        [name] => {
            QUERY_FNS.contains(&name.as_str())
                && imported_from_sqlx(program, f, name)
                && !matches!(program.resolve_in_fn(f, segs), Some(Def::Fn(_)))
        }
        _ => false,
    }
}

fn imported_from_sqlx(program: &Program, f: &FnRef, name: &str) -> bool {
    let module_uses = &program.modules[f.module].facts.uses;
    f.facts.local_uses.iter().chain(module_uses).any(|u| {
        u.path.first().is_some_and(|k| k == "sqlx") && (u.glob || u.name.as_deref() == Some(name))
    })
}
