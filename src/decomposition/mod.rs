//! The decomposition model: a system split into bounded contexts, each owning its
//! tables, with the stack, route, port and team its service gets.
//!
//! `seam propose` writes it (from code analysis or an event-storming workshop), the
//! architect edits it, `seam propose --score` re-scores it and `seam scaffold` turns it
//! into services. On disk it is `decomposition.yaml`, documented in the README and
//! written with explanatory comments by [`write::to_yaml`]; [`load::load`] reads and
//! validates a user-edited file with errors at line and column.
//!
//! This module knows no language front-end and no template: plain types.

pub mod load;
pub mod write;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub const FORMAT_NAME: &str = "seam-decomposition";
pub const FORMAT_VERSION: u32 = 1;

/// A whole decomposition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decomposition {
    /// Always `seam-decomposition`.
    pub format: String,
    pub version: u32,
    /// Name of the system (used for the compose project and shared names).
    pub system: String,
    /// What the decomposition was derived from (informative).
    #[serde(default, skip_serializing_if = "Source::is_empty")]
    pub source: Source,
    /// Settings every context inherits unless it sets its own.
    #[serde(default)]
    pub defaults: Defaults,
    /// Clustering constraints kept across re-runs of `seam propose`.
    #[serde(default, skip_serializing_if = "Constraints::is_empty")]
    pub constraints: Constraints,
    pub contexts: Vec<Context>,
    /// Plumbing that is no context: settings, entry points, the composition root and
    /// utilities every context uses (a shared kernel / platform library).
    #[serde(default, skip_serializing_if = "Shared::is_empty")]
    pub shared: Shared,
}

/// The shared part of a decomposition: not a service, not counted in `-k`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shared {
    /// Module ids (as in a context's `modules:`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<String>,
    /// Why each module is here, written as comments; not read back.
    #[serde(skip)]
    pub notes: Vec<String>,
}

impl Shared {
    pub fn is_empty(&self) -> bool {
        self.modules.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The analysed tree or graph document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// The event-storming workshop file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generator: Option<String>,
}

impl Source {
    pub fn is_empty(&self) -> bool {
        self.code.is_none() && self.events.is_none() && self.generator.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    /// Environment name in Consul KV paths: `config/<service>/<env>/<KEY>`.
    #[serde(default = "default_env")]
    pub env: String,
    /// Traefik entrypoint the routers attach to.
    #[serde(default = "default_entrypoint")]
    pub entrypoint: String,
    /// First port handed out to contexts without one.
    #[serde(default = "default_base_port")]
    pub base_port: u16,
    /// Middlewares for every context that does not list its own.
    #[serde(default)]
    pub middlewares: Middlewares,
}

fn default_env() -> String {
    "dev".to_owned()
}
fn default_entrypoint() -> String {
    "web".to_owned()
}
fn default_base_port() -> u16 {
    8101
}

impl Default for Defaults {
    fn default() -> Self {
        Defaults {
            env: default_env(),
            entrypoint: default_entrypoint(),
            base_port: default_base_port(),
            middlewares: Middlewares::default(),
        }
    }
}

/// Must-link and cannot-link pairs of modules, models or tables (by id or name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraints {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub must_link: Vec<[String; 2]>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cannot_link: Vec<[String; 2]>,
}

impl Constraints {
    pub fn is_empty(&self) -> bool {
        self.must_link.is_empty() && self.cannot_link.is_empty()
    }
}

/// The stack a context's service is generated in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stack {
    Go,
    Django,
    Rust,
}

impl Stack {
    pub fn as_str(self) -> &'static str {
        match self {
            Stack::Go => "go",
            Stack::Django => "django",
            Stack::Rust => "rust",
        }
    }
}

/// One bounded context: one business capability, one service, one team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Context {
    /// Lower-case name, also the service name (`[a-z][a-z0-9-]*`).
    pub name: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    pub stack: Stack,
    /// Traefik `PathPrefix` of the service; default `/<name>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Keep this context exactly as it is when `seam propose` re-clusters.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub frozen: bool,
    /// Code modules (graph node ids such as `py:orders.views`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<String>,
    /// ORM models (labels such as `orders.Order`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<String>,
    /// Tables this context owns: no other context may read or write them directly.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<String>,
    /// Modules, models or tables that must stay in this context when re-clustering.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pinned: Vec<String>,
    /// Aggregates (event storming) or root models exposed as REST resources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<Entity>,
    /// Commands the context exposes (event storming).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
    /// Domain events it publishes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publishes: Vec<String>,
    /// Domain events of other contexts it consumes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumes: Vec<String>,
    /// Other contexts it calls, with what crosses the boundary.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Dependency>,
    /// Gateway middlewares; the system defaults when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middlewares: Option<Middlewares>,
    /// Configuration defaults, seeded into Consul KV under `config/<name>/<env>/<KEY>`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, String>,
    /// Estimated lines of code moved into the service (informative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loc: Option<u64>,
    /// Explanations written as comments above the context; not read back.
    #[serde(skip)]
    pub notes: Vec<String>,
}

impl Context {
    pub fn new(name: impl Into<String>, stack: Stack) -> Self {
        Context {
            name: name.into(),
            description: String::new(),
            team: None,
            stack,
            route_prefix: None,
            port: None,
            frozen: false,
            modules: Vec::new(),
            models: Vec::new(),
            tables: Vec::new(),
            pinned: Vec::new(),
            entities: Vec::new(),
            commands: Vec::new(),
            publishes: Vec::new(),
            consumes: Vec::new(),
            depends_on: Vec::new(),
            middlewares: None,
            config: BTreeMap::new(),
            loc: None,
            notes: Vec::new(),
        }
    }

    /// The route prefix, `/<name>` by default.
    pub fn route_prefix(&self) -> String {
        self.route_prefix
            .clone()
            .unwrap_or_else(|| format!("/{}", self.name))
    }
}

/// A REST resource a service exposes, backed by one of its tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entity {
    /// `PascalCase` name (`Order`).
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// `snake_case` name.
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// For `ref`: the entity (or model label) referred to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<String>,
}

/// Column types every stack can represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Text,
    Int,
    Float,
    Decimal,
    Bool,
    Date,
    Datetime,
    Uuid,
    Json,
    /// A reference (foreign key) to another entity, by its id.
    Ref,
}

/// A dependency of one context on another, and what crosses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    pub context: String,
    /// What crosses: `reads table catalog_product (orders/services.py:26)`, `calls …`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<String>,
}

/// Traefik middlewares of a service's router. Absent ones are not attached.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Middlewares {
    /// Strip the route prefix before forwarding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripprefix: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ratelimit: Option<RateLimit>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circuitbreaker: Option<CircuitBreaker>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwardauth: Option<ForwardAuth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Requests per second on average.
    pub average: u32,
    pub burst: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CircuitBreaker {
    /// Traefik expression, e.g. `NetworkErrorRatio() > 0.30`.
    pub expression: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardAuth {
    /// The auth service's verification URL, or …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// … the context that authenticates (its `/auth/verify` is used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

impl Decomposition {
    pub fn new(system: impl Into<String>) -> Self {
        Decomposition {
            format: FORMAT_NAME.to_owned(),
            version: FORMAT_VERSION,
            system: system.into(),
            source: Source::default(),
            defaults: Defaults::default(),
            constraints: Constraints::default(),
            contexts: Vec::new(),
            shared: Shared::default(),
        }
    }

    pub fn context(&self, name: &str) -> Option<&Context> {
        self.contexts.iter().find(|c| c.name == name)
    }

    /// The port of each context: its own, or the next free one from `base_port`.
    pub fn ports(&self) -> BTreeMap<String, u16> {
        let taken: Vec<u16> = self.contexts.iter().filter_map(|c| c.port).collect();
        let mut next = self.defaults.base_port;
        let mut out = BTreeMap::new();
        for c in &self.contexts {
            let port = match c.port {
                Some(p) => p,
                None => {
                    while taken.contains(&next) || out.values().any(|&p| p == next) {
                        next += 1;
                    }
                    next
                }
            };
            out.insert(c.name.clone(), port);
        }
        out
    }

    /// The middlewares a context's router gets.
    pub fn middlewares_of<'a>(&'a self, context: &'a Context) -> &'a Middlewares {
        context
            .middlewares
            .as_ref()
            .unwrap_or(&self.defaults.middlewares)
    }
}
