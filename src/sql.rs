//! Table access from SQL text, with a real SQL parser (`sqlparser`), shared by every
//! front-end: Django raw SQL, Go `database/sql`/sqlx strings, Rust `sqlx::query!`, and
//! `.sql` migration files.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use serde::{Deserialize, Serialize};
use sqlparser::ast::{
    FromTable, ObjectName, ObjectNamePart, Query, Statement, TableFactor, TableObject, Visit,
    Visitor,
};
use sqlparser::dialect::{Dialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use crate::diagnostics::Diagnostic;
use crate::frontend::{Extracted, FileFacts};

/// The tables a piece of SQL touches.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlAccess {
    pub reads: BTreeSet<String>,
    pub writes: BTreeSet<String>,
    /// Tables created by `CREATE TABLE`.
    pub creates: BTreeSet<String>,
}

impl SqlAccess {
    pub fn is_empty(&self) -> bool {
        self.reads.is_empty() && self.writes.is_empty() && self.creates.is_empty()
    }

    fn merge(&mut self, other: SqlAccess) {
        self.reads.extend(other.reads);
        self.writes.extend(other.writes);
        self.creates.extend(other.creates);
    }
}

/// Facts of a `.sql` file: what its statements create, read and write.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SqlFileFacts {
    pub access: SqlAccess,
}

/// Parses SQL text (one or more statements) and returns the tables it reads, writes and
/// creates, or `None` when no dialect can parse it (dynamic SQL, templates, not SQL).
///
/// Driver placeholders (`%s`, `%(name)s`, `?`, `$1`, `:name`) are accepted.
pub fn analyze_sql(text: &str) -> Option<SqlAccess> {
    let text = normalise_placeholders(text);
    let statements = parse_any_dialect(&text)?;
    let mut access = SqlAccess::default();
    for statement in &statements {
        access.merge(statement_access(statement));
    }
    Some(access)
}

/// Reads a `.sql` file. Statements that no dialect parses are skipped; the file is
/// reported only when nothing in it parses.
pub fn extract_file(rel: &str, text: &str) -> Extracted {
    let loc = crate::source::count_loc(text, "--");
    if let Some(access) = analyze_sql(text) {
        return Extracted::ok(FileFacts::Sql(SqlFileFacts { access }), loc);
    }
    // One unsupported statement (a function body, a vendor extension) fails the whole
    // parse: fall back to statement by statement.
    let mut access = SqlAccess::default();
    let mut parsed_any = false;
    for piece in split_statements(text) {
        if let Some(a) = analyze_sql(piece) {
            parsed_any = true;
            access.merge(a);
        }
    }
    if !parsed_any && !text.trim().is_empty() {
        let mut out = Extracted::ok(FileFacts::Sql(SqlFileFacts { access }), loc);
        out.diagnostics.push(
            Diagnostic::warning("sql-parse-error", "no statement in this file could be parsed as SQL")
                .file(rel)
                .help("seam reads tables from SQL files with a generic/PostgreSQL/MySQL/SQLite parser; add the file to .ignore if it is not SQL"),
        );
        return out;
    }
    Extracted::ok(FileFacts::Sql(SqlFileFacts { access }), loc)
}

fn parse_any_dialect(text: &str) -> Option<Vec<Statement>> {
    let dialects: [&dyn Dialect; 4] = [
        &GenericDialect {},
        &PostgreSqlDialect {},
        &MySqlDialect {},
        &SQLiteDialect {},
    ];
    dialects
        .iter()
        .find_map(|d| Parser::parse_sql(*d, text).ok())
        .filter(|s| !s.is_empty())
}

/// Splits on `;` outside quotes and comments.
fn split_statements(text: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut quote: Option<char> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"' | '`') => quote = Some(c),
            (None, '-') if chars.peek().is_some_and(|&(_, n)| n == '-') => {
                for (_, n) in chars.by_ref() {
                    if n == '\n' {
                        break;
                    }
                }
            }
            (None, ';') => {
                pieces.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    pieces.push(&text[start..]);
    pieces
        .into_iter()
        .filter(|p| !p.trim().is_empty())
        .collect()
}

/// Python DB-API placeholders are not SQL; turn `%s` and `%(name)s` into `?`.
fn normalise_placeholders(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('%') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(tail) = after.strip_prefix('s') {
            out.push('?');
            rest = tail;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(close) = inner.find(")s")
            && inner[..close]
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_')
        {
            out.push('?');
            rest = &inner[close + 2..];
        } else if let Some(tail) = after.strip_prefix('%') {
            out.push('%');
            rest = tail;
        } else {
            out.push('%');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// A table name as the database sees it: the last part of a qualified name; unquoted
/// identifiers fold to lower case (PostgreSQL's rule, and Django's convention).
pub fn table_name(name: &ObjectName) -> Option<String> {
    match name.0.last()? {
        ObjectNamePart::Identifier(ident) => Some(match ident.quote_style {
            Some(_) => ident.value.clone(),
            None => ident.value.to_lowercase(),
        }),
        ObjectNamePart::Function(_) => None,
    }
}

#[derive(Default)]
struct RelationCollector {
    relations: Vec<String>,
    ctes: BTreeSet<String>,
}

impl Visitor for RelationCollector {
    type Break = ();

    fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
        if let Some(name) = table_name(relation) {
            self.relations.push(name);
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &Query) -> ControlFlow<()> {
        if let Some(with) = &query.with {
            for cte in &with.cte_tables {
                self.ctes.insert(cte.alias.name.value.to_lowercase());
            }
        }
        ControlFlow::Continue(())
    }
}

fn factor_name(factor: &TableFactor) -> Option<String> {
    match factor {
        TableFactor::Table { name, .. } => table_name(name),
        _ => None,
    }
}

fn statement_access(statement: &Statement) -> SqlAccess {
    let mut collector = RelationCollector::default();
    let _ = statement.visit(&mut collector);
    let mut written: Vec<String> = Vec::new();
    let mut created: Vec<String> = Vec::new();
    match statement {
        Statement::Insert(insert) => {
            if let TableObject::TableName(name) = &insert.table {
                written.extend(table_name(name));
            }
        }
        Statement::Update(update) => written.extend(factor_name(&update.table.relation)),
        Statement::Delete(delete) => {
            if delete.tables.is_empty() {
                let (FromTable::WithFromKeyword(from) | FromTable::WithoutKeyword(from)) =
                    &delete.from;
                written.extend(from.iter().filter_map(|t| factor_name(&t.relation)));
            } else {
                written.extend(delete.tables.iter().filter_map(table_name));
            }
        }
        Statement::Merge(merge) => written.extend(factor_name(&merge.table)),
        Statement::Truncate(truncate) => written.extend(
            truncate
                .table_names
                .iter()
                .filter_map(|t| table_name(&t.name)),
        ),
        Statement::CreateTable(create) => created.extend(table_name(&create.name)),
        _ => {}
    }
    let mut access = SqlAccess::default();
    let mut relations = collector.relations;
    // The target of a write is visited as a relation once; any further occurrence
    // (INSERT INTO t SELECT … FROM t) is a read.
    for target in written.iter().chain(created.iter()) {
        if let Some(pos) = relations.iter().position(|r| r == target) {
            relations.remove(pos);
        }
    }
    access.reads = relations
        .into_iter()
        .filter(|r| !collector.ctes.contains(r))
        .collect();
    access.writes = written.into_iter().collect();
    access.creates = created.into_iter().collect();
    access
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn select_with_join_and_subquery_reads_all_tables() {
        let a = analyze_sql(
            "SELECT o.id FROM orders_order o JOIN orders_line l ON l.order_id = o.id \
             WHERE o.customer_id IN (SELECT id FROM customers_customer WHERE name = %s)",
        )
        .unwrap();
        assert_eq!(
            a.reads,
            set(&["customers_customer", "orders_line", "orders_order"])
        );
        assert!(a.writes.is_empty());
    }

    #[test]
    fn writes_are_targets_and_sources_are_reads() {
        let a = analyze_sql("INSERT INTO audit_log (id) SELECT id FROM orders_order").unwrap();
        assert_eq!(a.writes, set(&["audit_log"]));
        assert_eq!(a.reads, set(&["orders_order"]));
        let u = analyze_sql("UPDATE stock SET qty = qty - 1 WHERE sku = $1").unwrap();
        assert_eq!(u.writes, set(&["stock"]));
        assert!(u.reads.is_empty());
        let d = analyze_sql("DELETE FROM \"Carts\" WHERE id = ?").unwrap();
        assert_eq!(d.writes, set(&["Carts"]));
    }

    #[test]
    fn ctes_are_not_tables_and_schemas_are_dropped() {
        let a = analyze_sql(
            "WITH recent AS (SELECT * FROM public.Orders) SELECT * FROM recent JOIN items USING (id)",
        )
        .unwrap();
        assert_eq!(a.reads, set(&["items", "orders"]));
    }

    #[test]
    fn create_table_declares() {
        let a = analyze_sql(
            "CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT); CREATE TABLE orders (id INT, user_id INT REFERENCES users(id));",
        )
        .unwrap();
        assert_eq!(a.creates, set(&["orders", "users"]));
    }

    #[test]
    fn python_placeholders_parse() {
        let a = analyze_sql("SELECT * FROM t WHERE a = %(name)s AND b LIKE '100%%' AND c = %s")
            .unwrap();
        assert_eq!(a.reads, set(&["t"]));
    }

    #[test]
    fn non_sql_is_none() {
        assert!(analyze_sql("hello world").is_none());
        assert!(analyze_sql("SELECT * FROM {}").is_none());
        assert!(analyze_sql("").is_none());
    }

    #[test]
    fn sql_file_falls_back_to_statements() {
        let text = "CREATE TABLE a (id int);\nCREATE FUNCTION f() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$ LANGUAGE plpgsql;\nCREATE TABLE b (id int);";
        let out = extract_file("m.sql", text);
        let Some(FileFacts::Sql(f)) = out.facts else {
            panic!()
        };
        assert!(f.access.creates.contains("a"));
        assert!(f.access.creates.contains("b"));
    }
}
