//! What the Python front-end keeps of one file: a small, framework-neutral summary of
//! its syntax (imports, classes, functions, assignments and call expressions).
//!
//! Facts depend only on the file's own text, so they are cached by content hash; every
//! rule that needs other files (name resolution, Django's models and tables, URL
//! includes) runs later, in the linker.

use serde::{Deserialize, Serialize};

/// A Python expression, reduced to the shapes the linker understands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Expr {
    /// `name`
    Name(String),
    /// `value.attr`
    Attr(Box<Expr>, String),
    /// `func(args, key=value)`; `line` is where the call starts.
    Call(Box<Call>),
    /// A string literal (implicit concatenation and `+` of literals folded in).
    /// f-strings keep their literal parts with `{}` where a value was interpolated.
    Str(String),
    Int(i64),
    Bool(bool),
    None,
    /// A list, tuple or set display.
    List(Vec<Expr>),
    /// A dict display with its literal-keyed entries.
    Dict(Vec<(Expr, Expr)>),
    /// `value[index]`
    Subscript(Box<Expr>, Box<Expr>),
    /// `left + right` where the operands are not both literals.
    Add(Box<Expr>, Box<Expr>),
    /// `lambda`: its body's expression.
    Lambda(Box<Expr>),
    /// Anything else; calls inside it are still recorded on the enclosing scope.
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Call {
    pub func: Expr,
    pub args: Vec<Expr>,
    pub kwargs: Vec<(String, Expr)>,
    pub line: u32,
}

impl Expr {
    /// `a.b.c` for a chain of names and attributes, `None` for anything else.
    pub fn dotted(&self) -> Option<String> {
        match self {
            Expr::Name(n) => Some(n.clone()),
            Expr::Attr(v, a) => Some(format!("{}.{a}", v.dotted()?)),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Expr::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_call(&self) -> Option<&Call> {
        match self {
            Expr::Call(c) => Some(c),
            _ => None,
        }
    }

    /// Calls `f` on every call inside the expression, nested ones included (receivers,
    /// arguments, list items…), outermost first.
    pub fn for_each_call(&self, f: &mut dyn FnMut(&Call)) {
        match self {
            Expr::Call(call) => call.for_each_call(f),
            Expr::Attr(v, _) | Expr::Lambda(v) => v.for_each_call(f),
            Expr::Subscript(a, b) | Expr::Add(a, b) => {
                a.for_each_call(f);
                b.for_each_call(f);
            }
            Expr::List(items) => items.iter().for_each(|i| i.for_each_call(f)),
            Expr::Dict(pairs) => pairs.iter().for_each(|(k, v)| {
                k.for_each_call(f);
                v.for_each_call(f);
            }),
            _ => {}
        }
    }
}

impl Call {
    /// This call and every call nested in it; see [`Expr::for_each_call`].
    pub fn for_each_call(&self, f: &mut dyn FnMut(&Call)) {
        f(self);
        self.func.for_each_call(f);
        for a in &self.args {
            a.for_each_call(f);
        }
        for (_, v) in &self.kwargs {
            v.for_each_call(f);
        }
    }

    pub fn kwarg(&self, name: &str) -> Option<&Expr> {
        self.kwargs.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// The argument given by position `index` or by keyword `name`.
    pub fn arg(&self, index: usize, name: &str) -> Option<&Expr> {
        self.args.get(index).or_else(|| self.kwarg(name))
    }
}

/// `import a.b as c` (`names` empty) or `from ..a import b as c, d` (`level` = dots).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Import {
    pub module: String,
    pub level: u32,
    /// `(name, alias)`; empty for a plain `import`.
    pub names: Vec<(String, Option<String>)>,
    /// `as` name of a plain `import a.b as c`.
    pub alias: Option<String>,
    /// `from m import *`
    pub star: bool,
    pub line: u32,
}

/// `target = value` (or `target += value` when `augmented`). Tuple targets keep their
/// first name in `target` and all names in `targets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assign {
    pub target: String,
    #[serde(default)]
    pub targets: Vec<String>,
    pub value: Expr,
    pub augmented: bool,
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub annotation: Option<Expr>,
}

/// A `def` anywhere in the file (module level, in a class, or nested).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Function {
    /// Dotted path inside the module: `f`, `Class.method`, `outer.inner`.
    pub qualname: String,
    pub name: String,
    /// `qualname` of the class whose body defines it directly.
    pub class: Option<String>,
    pub params: Vec<Param>,
    pub decorators: Vec<Expr>,
    pub is_async: bool,
    pub line: u32,
    pub end_line: u32,
    /// Simple assignments in the body (not in nested defs or classes).
    pub assigns: Vec<Assign>,
    /// Outermost call expressions in the body (not in nested defs or classes). Calls
    /// nested as arguments or receivers stay inside their outer call's `Expr`.
    pub calls: Vec<Call>,
    /// `with X as name` bindings: (name, X).
    pub with_bindings: Vec<(String, Expr)>,
    /// `for name in X` bindings: (name, X).
    pub for_bindings: Vec<(String, Expr)>,
    /// Names of returned expressions that are calls, for return-type guesses.
    pub returns: Vec<Expr>,
}

/// A `class` anywhere in the file; nested classes (`Meta`) have dotted qualnames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Class {
    pub qualname: String,
    pub name: String,
    pub bases: Vec<Expr>,
    /// Keyword arguments in the class header (`metaclass=…`).
    pub keywords: Vec<(String, Expr)>,
    pub decorators: Vec<Expr>,
    pub line: u32,
    pub end_line: u32,
    /// Class-level assignments: fields, managers, `queryset`, `model`, `Meta` options.
    pub assigns: Vec<Assign>,
    /// Outermost calls at class level (outside methods).
    pub calls: Vec<Call>,
    /// Nesting depth 0 = defined at module level (also inside `if`/`try` there).
    pub depth: u32,
    /// `qualname` of the enclosing function when the class is defined inside one.
    pub in_function: Option<String>,
}

/// Everything kept of one Python file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PyFacts {
    pub imports: Vec<Import>,
    pub classes: Vec<Class>,
    pub functions: Vec<Function>,
    /// Module-level assignments, including inside module-level `if`/`try`/`with`.
    pub assigns: Vec<Assign>,
    /// Module-level outermost calls (`router.register(…)`, `admin.site.register(…)`).
    pub calls: Vec<Call>,
    /// Names in a literal `__all__`, when the module defines one.
    pub all: Option<Vec<String>>,
    /// The file is a package's `__init__.py`.
    pub is_package: bool,
}
