//! What the Go front-end keeps of one file: a framework-neutral summary of its syntax
//! (package, imports, type and function declarations, local variables and call
//! expressions), or the module/workspace declared by a `go.mod`/`go.work`.
//!
//! Facts depend only on the file's own text, so they are cached by content hash. Every
//! rule that needs other files (import paths, receiver types, GORM, routes) runs in the
//! linker. Serialised with postcard: no `skip_serializing_if` anywhere here.

use serde::{Deserialize, Serialize};

/// Facts of one Go source file or manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GoFileFacts {
    /// `module` directive of a `go.mod` (`None` for `.go` files and `go.work`).
    pub module: Option<String>,
    /// `use` directories of a `go.work`, relative to its directory, with `/` separators.
    pub workspace_uses: Vec<String>,
    /// `package` clause of a `.go` file.
    pub package: Option<String>,
    pub imports: Vec<Import>,
    pub types: Vec<TypeDecl>,
    pub funcs: Vec<FuncDecl>,
    /// Package-level `const` declarations with a value.
    pub consts: Vec<ValueDecl>,
    /// Package-level `var` declarations.
    pub vars: Vec<ValueDecl>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Import {
    pub path: String,
    /// Explicit name (`alias`, `_`, `.`); `None` means the package's own name.
    pub alias: Option<String>,
    pub line: u32,
}

/// A type as written: `pkg.Name`, `*Name`, `[]*pkg.Name`, `map[K]V`…
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TypeRef {
    /// The package qualifier (`gorm` in `gorm.Model`).
    pub qual: Option<String>,
    /// The type name; empty for types the linker never resolves (funcs, channels…).
    pub name: String,
    pub pointer: bool,
    /// A slice or array of the named type.
    pub slice: bool,
    /// A map whose values are the named type.
    pub map: bool,
}

impl TypeRef {
    pub fn named(qual: Option<&str>, name: &str) -> Self {
        TypeRef {
            qual: qual.map(str::to_owned),
            name: name.to_owned(),
            pointer: false,
            slice: false,
            map: false,
        }
    }

    /// The element type: `[]*User` → `User`.
    pub fn element(&self) -> TypeRef {
        TypeRef::named(self.qual.as_deref(), &self.name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeKind {
    Struct,
    Interface,
    /// A defined type over another type (`type Status string`) or an alias.
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TypeDecl {
    pub name: String,
    pub kind: TypeKind,
    pub line: u32,
    /// Struct fields (for interfaces: nothing; see `methods`).
    pub fields: Vec<Field>,
    /// Interface method names.
    pub methods: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// `None` for an embedded field.
    pub name: Option<String>,
    pub ty: TypeRef,
    /// The raw struct tag without its quotes (`gorm:"many2many:user_languages"`).
    pub tag: String,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub ty: TypeRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FuncDecl {
    pub name: String,
    /// The receiver of a method: its variable (possibly empty) and base type name.
    pub receiver: Option<Param>,
    pub params: Vec<Param>,
    pub results: Vec<TypeRef>,
    pub line: u32,
    /// The literal of a body that is exactly `return "literal"` (GORM's `TableName()`).
    pub returns_literal: Option<String>,
    pub body: Body,
}

/// What a function body (or a function literal inside it) holds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Body {
    /// Variables declared in the body, in source order.
    pub locals: Vec<Local>,
    /// Calls that are not part of a larger call chain, in source order. A call used as
    /// an argument is recorded on its own too; calls inside function literals are not
    /// (they live in the literal's own `Body`).
    pub calls: Vec<Call>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Local {
    pub name: String,
    /// The declared type (`var x T`).
    pub ty: Option<TypeRef>,
    /// The assigned value, and which result of it (`a, err := f()` → index 0 for `a`).
    pub value: Option<Expr>,
    pub index: u32,
}

/// A package-level `const` or `var`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueDecl {
    pub name: String,
    pub ty: Option<TypeRef>,
    pub value: Option<Expr>,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub func: Expr,
    pub args: Vec<Expr>,
    pub line: u32,
}

/// A Go expression, reduced to the shapes the linker understands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    Ident(String),
    /// `operand.field`
    Selector(Box<Expr>, String),
    Call(Box<Call>),
    /// A string literal (interpreted or raw), unescaped.
    Str(String),
    /// `a + b + …` of string-valued operands (literals, constants).
    Concat(Vec<Expr>),
    /// `T{…}`: a composite literal of a named type (or `[]T{…}`).
    Composite(TypeRef),
    /// `[]T{a, b}`: a slice or array literal with its elements.
    List(TypeRef, Vec<Expr>),
    /// `&operand`
    AddrOf(Box<Expr>),
    /// `func(params) { body }`
    FuncLit(Box<FuncLit>),
    /// Anything else.
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FuncLit {
    /// Byte offset in the file: tells the linker it met the same literal twice.
    pub id: u32,
    pub params: Vec<Param>,
    pub body: Body,
    pub line: u32,
}

impl Expr {
    /// The string value when the expression is made of literals only.
    pub fn literal(&self) -> Option<String> {
        match self {
            Expr::Str(s) => Some(s.clone()),
            Expr::Concat(parts) => parts.iter().map(Expr::literal).collect(),
            _ => None,
        }
    }
}
