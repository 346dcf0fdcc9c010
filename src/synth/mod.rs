//! Synthetic monoliths with a planted domain structure, in Django, Go (GORM) and Rust
//! (diesel), for evaluating `seam propose` against a known answer and for benchmarks
//! from 10K to millions of lines.
//!
//! A monolith has `domains` domains; each domain has `models_per_domain` ORM models (one
//! table each, a foreign key from each model to the previous one of its domain) and
//! `modules_per_domain` code modules of functions. Every function makes one call to a
//! function of another module and one data access (a read or a write), sometimes a
//! second read. Each call target and each accessed model is drawn from the function's
//! own domain, except with probability `noise`, when it is drawn from another domain:
//! `noise` is the expected fraction of cross-domain calls (and imports) and accesses.
//!
//! Calls go only to modules earlier in a global order that interleaves domains (module
//! j of domain d comes at j·D + d), so the import graph is acyclic — the Go output is a
//! legal set of packages. The first module of each domain therefore makes no
//! same-domain call; its functions only read and write.
//!
//! `target_loc` scales the monolith: functions per module grow up to
//! [`MAX_FUNCTIONS_PER_MODULE`], then modules per domain grow, so files stay a few
//! hundred lines. Generation streams each file through a buffered writer and does
//! constant work per function: linear in the output.
//!
//! The truth uses seam's conventions (ARCHITECTURE.md "Graph conventions"):
//!
//! | language | module (graph node id) | model label | table |
//! |---|---|---|---|
//! | Django | `py:<app>.<module>`, `py:<app>.models` | `<app>.<Model>` | `<app>_<model lowercased>` |
//! | Go | `go:example.com/synth/<domain>/<module>`, `…/<domain>/models` | `example.com/synth/<domain>/models.<Model>` | GORM naming (`billing_ledgers`) |
//! | Rust | `rs:synth::<domain>::<module>`, `…::models`, `…::schema` | `synth::<domain>::models::<Model>` | `<domain>_<noun>s` from `table!` |
//!
//! The package markers of the domains (`billing/__init__.py`, Rust `billing/mod.rs`) are
//! in no map; settings, `manage.py`, the crate root and the hidden layout's other
//! plumbing are in [`SynthTruth::plumbing`]: they belong to no domain.
//!
//! # The hidden layout
//!
//! [`Layout::Hidden`] writes the same planted structure (the same use cases, calls and
//! accesses for a seed: `Plan::functions_of` is drawn in the same order) into a
//! monolith whose files and names do not show the domains. Every model and use case gets
//! a global number from a seeded permutation, so a name (`Ledger`, `Record3`,
//! `load_17`) says nothing of its domain; models keep their foreign-key chain inside the
//! domain. Use cases are dealt by number: about half into one god file, the rest round
//! robin over a few files by technical role; models round robin over
//! F = max(2, ⌈models / 6⌉) files. Plumbing modules (settings, URLconf, WSGI, entry
//! point) and a util helper called by every use case belong to no domain.
//!
//! | language | models | use cases (members) | plumbing |
//! |---|---|---|---|
//! | Django | app `core`: `core/models/part1.py…` re-exported by `core/models/__init__.py` (`core.Ledger`, table `core_ledger`) | functions in `core/services.py` (god), `views.py`, `tasks.py`, `api.py`: `py:core.services.load_3` | `config.{settings,urls,wsgi}`, `manage`, `core.apps`, `core.utils`, package markers |
//! | Go | package `models` in files `a.go`, `b.go`… (`example.com/synth/models.Ledger`, GORM table `ledgers`) | `repository.Repository.Load3` (DB access; `repository.go` god, `extra.go`), `service.Load3` (calls, in `service/a.go`…), `handler.Load3` (`handler/a.go`…) | `cmd/server`, `internal/util` |
//! | Rust | `src/schema.rs`, `src/models.rs` (`synth::models::Ledger`, table `ledgers`) | fns in `src/queries.rs` (god), `handlers.rs`, `jobs.rs`: `rs:synth::queries::load_3` | the crate root, `util` |
//!
//! Go's layers import downward only (handler → service → repository → models), so the
//! packages are legal; a use case is its repository method, its service function (which
//! makes the use case's call, to another service function) and its handler, all three in
//! [`SynthTruth::member_domain`]. [`SynthSpec::target_loc`] is approximate here (Go
//! writes three functions per use case).

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::cluster::SplitMix64;

/// Functions per module are capped here before more modules are added.
pub const MAX_FUNCTIONS_PER_MODULE: usize = 40;

/// The languages (and frameworks) a synthetic monolith can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SynthLang {
    /// Django apps: `models.py` and modules using the ORM.
    Django,
    /// A Go module: one package per module, GORM models with `AutoMigrate`.
    Go,
    /// A Rust crate: one module per module, diesel `table!` schemas and models.
    Rust,
}

impl SynthLang {
    pub const ALL: [SynthLang; 3] = [SynthLang::Django, SynthLang::Go, SynthLang::Rust];

    pub fn as_str(self) -> &'static str {
        match self {
            SynthLang::Django => "django",
            SynthLang::Go => "go",
            SynthLang::Rust => "rust",
        }
    }

    /// Approximate lines one generated function takes (for `target_loc`).
    fn lines_per_function(self) -> usize {
        match self {
            SynthLang::Django => 10,
            SynthLang::Go => 12,
            SynthLang::Rust => 14,
        }
    }
}

/// How the files of a monolith are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Layout {
    /// One app, package or module per domain, named after it; models named after their
    /// domain. The names give the answer away.
    #[default]
    ByDomain,
    /// One app, crate or module tree for everything, with files by technical role that
    /// mix the domains (models dealt over a few files, a god service file), neutral
    /// model and function names, and plumbing that belongs to no domain. Only the
    /// relations (foreign keys, calls, data accesses) carry the domains. See
    /// [the module documentation](crate::synth#the-hidden-layout).
    Hidden,
}

impl Layout {
    pub const ALL: [Layout; 2] = [Layout::ByDomain, Layout::Hidden];

    pub fn as_str(self) -> &'static str {
        match self {
            Layout::ByDomain => "by-domain",
            Layout::Hidden => "hidden",
        }
    }
}

impl std::str::FromStr for Layout {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "by-domain" | "bydomain" | "by_domain" => Ok(Layout::ByDomain),
            "hidden" => Ok(Layout::Hidden),
            other => Err(format!("unknown layout {other:?} (by-domain, hidden)")),
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSpec {
    pub domains: usize,
    pub modules_per_domain: usize,
    pub models_per_domain: usize,
    /// Fraction of calls/imports and data accesses that cross domains (0..=1).
    pub noise: f64,
    pub seed: u64,
    /// Approximate total lines to reach (functions and modules grow to reach it).
    pub target_loc: Option<usize>,
    pub layout: Layout,
}

impl Default for SynthSpec {
    fn default() -> Self {
        SynthSpec {
            domains: 6,
            modules_per_domain: 8,
            models_per_domain: 4,
            noise: 0.1,
            seed: 1,
            target_loc: None,
            layout: Layout::ByDomain,
        }
    }
}

/// The planted answer: the domain index of every module, model and table generated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SynthTruth {
    /// Graph node id of the module seam produces → domain. Empty for
    /// [`Layout::Hidden`], whose modules mix the domains.
    pub module_domain: BTreeMap<String, usize>,
    /// Graph node id of every use-case function or method → domain (Hidden layout:
    /// `py:core.services.load_3`, `rs:synth::queries::load_3`,
    /// `go:example.com/synth/repository.Repository.Load3` and the service and handler
    /// functions of that use case). Empty for [`Layout::ByDomain`], where the module
    /// says it.
    pub member_domain: BTreeMap<String, usize>,
    /// Graph node ids of the modules that belong to no domain: settings, URLconf, WSGI,
    /// `manage.py`, the crate root, `cmd/server`, the util helper, package markers.
    pub plumbing: BTreeSet<String>,
    /// Model label (the graph node id without `model:`) → domain.
    pub model_domain: BTreeMap<String, usize>,
    /// Table name (the graph node id without `table:`) → domain.
    pub table_domain: BTreeMap<String, usize>,
    /// Domain names, by index.
    pub domain_names: Vec<String>,
    /// Lines written, all files.
    pub lines: usize,
}

/// Writes a synthetic monolith into `dir` (created if missing) and returns its truth.
pub fn generate(lang: SynthLang, spec: &SynthSpec, dir: &Path) -> io::Result<SynthTruth> {
    if spec.domains == 0 || spec.modules_per_domain == 0 || spec.models_per_domain == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a synthetic monolith needs at least one domain, module and model per domain",
        ));
    }
    let plan = Plan::new(lang, spec);
    fs::create_dir_all(dir)?;
    let mut out = Output {
        root: dir,
        lines: 0,
    };
    let mut truth = SynthTruth {
        domain_names: plan.domains.clone(),
        ..Default::default()
    };
    let mut rng = SplitMix64::new(spec.seed);
    match spec.layout {
        Layout::ByDomain => match lang {
            SynthLang::Django => django::write(&plan, &mut rng, &mut out, &mut truth)?,
            SynthLang::Go => go::write(&plan, &mut rng, &mut out, &mut truth)?,
            SynthLang::Rust => rust::write(&plan, &mut rng, &mut out, &mut truth)?,
        },
        Layout::Hidden => {
            let hidden = Hidden::new(&plan, &mut rng, spec.seed);
            match lang {
                SynthLang::Django => django::write_hidden(&hidden, &mut out, &mut truth)?,
                SynthLang::Go => go::write_hidden(&hidden, &mut out, &mut truth)?,
                SynthLang::Rust => rust::write_hidden(&hidden, &mut out, &mut truth)?,
            }
        }
    }
    truth.lines = out.lines;
    Ok(truth)
}

const DOMAIN_NAMES: &[&str] = &[
    "billing",
    "catalog",
    "shipping",
    "accounts",
    "inventory",
    "reviews",
    "support",
    "pricing",
    "loyalty",
    "payments",
    "returns",
    "search",
    "messaging",
    "reporting",
    "scheduling",
    "compliance",
];

const MODULE_NAMES: &[&str] = &[
    "service",
    "views",
    "tasks",
    "queries",
    "handlers",
    "reports",
    "rules",
    "syncer",
    "api",
    "jobs",
    "forms",
    "workflows",
    "exports",
    "audit",
    "notify",
    "policies",
];

const MODEL_NOUNS: &[&str] = &[
    "Ledger", "Record", "Entry", "Batch", "Note", "Slot", "Rule", "Event", "Plan", "Quote",
    "Channel", "Profile",
];

const VERBS: &[&str] = &[
    "load", "sync", "apply", "compute", "refresh", "validate", "export", "archive",
];

/// One function's work: the function it calls and the models it touches.
struct FnSpec {
    /// (domain, module, function)
    call: Option<(usize, usize, usize)>,
    /// (domain, model, is_write)
    accesses: Vec<(usize, usize, bool)>,
}

/// The language-neutral shape of the monolith.
struct Plan {
    domains: Vec<String>,
    modules: usize,
    models: usize,
    functions: usize,
    noise: f64,
}

impl Plan {
    fn new(lang: SynthLang, spec: &SynthSpec) -> Plan {
        let d = spec.domains;
        let mut modules = spec.modules_per_domain;
        let mut functions = 4;
        if let Some(target) = spec.target_loc {
            let total_fns = (target / lang.lines_per_function()).max(d);
            modules = modules.max(total_fns.div_ceil(d * MAX_FUNCTIONS_PER_MODULE));
            functions = (total_fns / (d * modules)).max(1);
        }
        let domains = (0..d)
            .map(|i| {
                let base = DOMAIN_NAMES[i % DOMAIN_NAMES.len()];
                match i / DOMAIN_NAMES.len() {
                    0 => base.to_owned(),
                    round => format!("{base}{round}"),
                }
            })
            .collect();
        Plan {
            domains,
            modules,
            models: spec.models_per_domain,
            functions,
            noise: spec.noise.clamp(0.0, 1.0),
        }
    }

    fn module_name(&self, j: usize) -> String {
        let base = MODULE_NAMES[j % MODULE_NAMES.len()];
        match j / MODULE_NAMES.len() {
            0 => base.to_owned(),
            round => format!("{base}{round}"),
        }
    }

    /// CamelCase model name: domain + noun (+ round).
    fn model_name(&self, d: usize, i: usize) -> String {
        let noun = MODEL_NOUNS[i % MODEL_NOUNS.len()];
        let round = i / MODEL_NOUNS.len();
        let mut domain = self.domains[d].clone();
        domain[..1].make_ascii_uppercase();
        if round == 0 {
            format!("{domain}{noun}")
        } else {
            format!("{domain}{noun}{round}")
        }
    }

    fn function_name(&self, f: usize) -> String {
        format!("{}_{f}", VERBS[f % VERBS.len()])
    }

    fn other_domain(&self, d: usize, rng: &mut SplitMix64) -> usize {
        let n = self.domains.len();
        (d + 1 + rng.below(n - 1)) % n
    }

    /// The functions of module j of domain d.
    fn functions_of(&self, d: usize, j: usize, rng: &mut SplitMix64) -> Vec<FnSpec> {
        let n = self.domains.len();
        (0..self.functions)
            .map(|_| {
                let cross_call = n > 1 && rng.next_f64() < self.noise;
                let call = if cross_call {
                    let od = self.other_domain(d, rng);
                    // Modules of od before (d, j) in the order j·D + d.
                    let limit = if od < d { j + 1 } else { j };
                    (limit > 0).then(|| (od, rng.below(limit), rng.below(self.functions)))
                } else {
                    (j > 0).then(|| (d, rng.below(j), rng.below(self.functions)))
                };
                let mut accesses = Vec::with_capacity(2);
                let pick = |rng: &mut SplitMix64| {
                    if n > 1 && rng.next_f64() < self.noise {
                        self.other_domain(d, rng)
                    } else {
                        d
                    }
                };
                let ad = pick(rng);
                accesses.push((ad, rng.below(self.models), rng.below(2) == 0));
                if rng.below(2) == 0 {
                    let ad = pick(rng);
                    accesses.push((ad, rng.below(self.models), false));
                }
                FnSpec { call, accesses }
            })
            .collect()
    }
}

/// Where files go, and a count of the lines written.
struct Output<'a> {
    root: &'a Path,
    lines: usize,
}

impl Output<'_> {
    /// Writes one file from `body`, which fills a buffer (files are small; the buffer is
    /// flushed to disk once per file).
    fn file(&mut self, rel: &str, body: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        let mut buf = Vec::with_capacity(8 * 1024);
        body(&mut buf);
        self.lines += buf.iter().filter(|&&b| b == b'\n').count();
        let mut w = BufWriter::new(File::create(path)?);
        w.write_all(&buf)?;
        w.flush()
    }
}

/// `write!` into a Vec<u8> cannot fail.
macro_rules! put {
    ($buf:expr, $($arg:tt)*) => {{
        let _ = write!($buf, $($arg)*);
    }};
}

mod django;
mod go;
mod hidden;
mod rust;

use hidden::Hidden;

#[cfg(test)]
mod tests;

/// Sorted, de-duplicated import keys.
type Imports = BTreeSet<(usize, usize)>;

/// What a module's functions use: the (domain, module) pairs they call and the
/// (domain, model) pairs they access — what each language imports.
fn uses_of(fns: &[FnSpec]) -> (Imports, Imports) {
    let mut calls = Imports::new();
    let mut models = Imports::new();
    for f in fns {
        if let Some((cd, cj, _)) = f.call {
            calls.insert((cd, cj));
        }
        for &(ad, ai, _) in &f.accesses {
            models.insert((ad, ai));
        }
    }
    (calls, models)
}
