//! What the Rust front-end keeps of one file: a Cargo manifest's crate layout, or a
//! source file's module tree, `use` imports, items, and function bodies reduced to the
//! expression shapes the linker understands (paths, calls, method chains, literals).
//!
//! Facts depend only on the file's own text, so they are cached by content hash (with
//! postcard, which is not self-describing: no `skip_serializing_if` here). Every rule that
//! needs other files — name resolution, diesel tables, SeaORM entities, route prefixes —
//! runs later, in the linker.

use serde::{Deserialize, Serialize};

/// Facts of one Rust source file or Cargo manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RustFileFacts {
    Manifest(Manifest),
    Source(ModuleFacts),
}

/// The crate layout a `Cargo.toml` declares.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// `[package] name`, as written (with `-`).
    pub package: Option<String>,
    /// `[lib] name`, when set.
    pub lib_name: Option<String>,
    /// `[lib] path`, relative to the manifest's directory.
    pub lib_path: Option<String>,
    /// `[[bin]]` targets as (name, path) — either may be missing.
    pub bins: Vec<(Option<String>, Option<String>)>,
    /// `[workspace] members` (globs allowed) and `exclude`.
    pub workspace_members: Vec<String>,
    pub workspace_exclude: Vec<String>,
}

/// One module's contents: a whole file, or the body of an inline `mod x { }`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModuleFacts {
    pub uses: Vec<UseEntry>,
    pub mods: Vec<ModDecl>,
    pub fns: Vec<FnFacts>,
    pub types: Vec<TypeFacts>,
    pub impls: Vec<ImplFacts>,
    /// Item-level macro invocations (`table!`, `joinable!`…) with their raw tokens.
    pub macros: Vec<ItemMacro>,
}

/// One name a `use` binds: `use a::b::{self, c as d, e::*}` gives three entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UseEntry {
    /// The imported path (for a glob, the path whose contents are imported).
    pub path: Vec<String>,
    /// The name bound in scope (`None` for a glob).
    pub name: Option<String>,
    pub glob: bool,
    pub line: u32,
}

/// `mod name;` (file module) or `mod name { … }` (inline).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModDecl {
    pub name: String,
    pub line: u32,
    /// `#[path = "…"]`
    pub path_attr: Option<String>,
    pub inline: Option<Box<ModuleFacts>>,
    /// Lines of code of an inline module's body.
    pub loc: u32,
}

/// An attribute reduced to its path and arguments: `#[diesel(table_name = users)]` has
/// path `diesel` and pair (`table_name`, `users`); `#[get("/x")]` has positional `/x`;
/// `#[table_name = "users"]` has path `table_name` and value `users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attr {
    pub path: String,
    /// `#[path = value]`
    pub value: Option<String>,
    /// `key = value` pairs inside the parentheses (paths written `a::b`).
    pub pairs: Vec<(String, String)>,
    /// Bare string literals and paths inside the parentheses, in order.
    pub positional: Vec<String>,
}

impl Attr {
    /// The value of the first `key = value` pair with this key.
    pub fn pair(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FnFacts {
    pub name: String,
    pub line: u32,
    pub attrs: Vec<Attr>,
    /// The last segment of the return type's path (`Router`, `Scope`), if a path.
    pub returns: Option<String>,
    /// `use` declarations inside the body (diesel code often imports `dsl::*` locally).
    pub local_uses: Vec<UseEntry>,
    /// The body's statements (`let` and expression statements; items are dropped).
    pub body: Vec<Expr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeKind {
    Struct,
    Enum,
    Trait,
    Union,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeFacts {
    pub name: String,
    pub kind: TypeKind,
    pub line: u32,
    /// Last segments of `#[derive(…)]` paths.
    pub derives: Vec<String>,
    /// Other attributes (derive and doc attributes are dropped).
    pub attrs: Vec<Attr>,
    /// Enum variants with their attributes.
    pub variants: Vec<(String, Vec<Attr>)>,
    /// Trait methods (with or without a default body).
    pub methods: Vec<FnFacts>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImplFacts {
    /// The self type's path (`Order`, `crate::orders::Order`).
    pub self_ty: Vec<String>,
    pub trait_path: Option<Vec<String>>,
    pub line: u32,
    pub methods: Vec<FnFacts>,
}

/// An item-level macro call (`diesel::table! { … }`), kept as its path and token text
/// so the linker's framework rules can read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemMacro {
    pub path: Vec<String>,
    pub line: u32,
    /// Structured content for macros the extractor understands; raw otherwise.
    pub content: MacroContent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum MacroContent {
    /// diesel `table!`: every table it declares.
    DieselTables(Vec<DieselTable>),
    /// diesel `joinable!(child -> parent (fk_column))`.
    DieselJoinable {
        child: String,
        parent: String,
        column: String,
    },
    Other,
}

/// One table declared in a diesel `table!` block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DieselTable {
    /// The Rust module name the macro generates (`users` in `users (id) { … }`).
    pub module: String,
    /// The table's name in the database: `#[sql_name = "…"]`, else the module name.
    pub sql_name: String,
    pub line: u32,
}

/// An expression reduced to the shapes the linker reads. Anything else becomes `Group`
/// of its sub-expressions, so calls nested anywhere are still seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    /// `a::b::c` (generic arguments dropped); `self` is the path `["self"]`.
    Path(Vec<String>),
    /// A string literal.
    Str(String),
    /// `func(args)`
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        line: u32,
    },
    /// `receiver.method(args)`
    Method {
        receiver: Box<Expr>,
        method: String,
        args: Vec<Expr>,
        line: u32,
    },
    /// `path!(args)` whose tokens parse as comma-separated expressions (else no args).
    Macro {
        path: Vec<String>,
        args: Vec<Expr>,
        line: u32,
    },
    /// `let name: ty = init;` (`name` is `None` for patterns other than an identifier).
    Let {
        name: Option<String>,
        ty: Option<Vec<String>>,
        init: Option<Box<Expr>>,
        line: u32,
    },
    /// `Path { field: value, .. }`
    Struct {
        path: Vec<String>,
        fields: Vec<Expr>,
        line: u32,
    },
    /// A block (also a closure's or async block's body): each statement is a unit of its own.
    Block(Vec<Expr>),
    /// Any other expression, by its sub-expressions.
    Group(Vec<Expr>),
}
