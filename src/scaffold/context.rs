//! The values a service's templates see. Every name a template needs is computed here,
//! once, in each case a language wants (`orders-api`, `orders_api`, `OrdersApi`), from
//! names the decomposition loader has already validated.

use serde::Serialize;

use super::traefik;
use super::versions::Versions;
use crate::decomposition::{Context, Decomposition, FieldType, Stack};

/// Everything a template of one service can use: `system`, `service`, `versions`.
#[derive(Debug, Clone, Serialize)]
pub struct TemplateContext {
    pub system: SystemView,
    pub service: ServiceView,
    pub versions: Versions,
}

#[derive(Debug, Clone, Serialize)]
pub struct SystemView {
    pub name: String,
    pub ident: String,
    pub env: String,
    pub entrypoint: String,
    pub services: Vec<ServiceSummary>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceSummary {
    pub name: String,
    pub ident: String,
    pub stack: Stack,
    pub port: u16,
    pub route_prefix: String,
    /// Consul service tags, Traefik's included.
    pub tags: Vec<String>,
    /// `config/orders/dev/`: where its configuration lives in Consul KV.
    pub kv_prefix: String,
    /// Its configuration defaults, seeded into Consul KV by the system files.
    pub config: Vec<ConfigEntry>,
    /// How `run-local` starts it from its own directory (see [`super::stack`]).
    pub run_command: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceView {
    /// `orders-api`: service name in Consul, Traefik router and service names, directory.
    pub name: String,
    /// `orders_api`: Python package, Rust crate and Go identifier-safe form.
    pub ident: String,
    /// `OrdersApi`
    pub pascal: String,
    pub stack: Stack,
    pub port: u16,
    /// `/orders`
    pub route_prefix: String,
    pub description: String,
    pub team: Option<String>,
    pub env: String,
    /// `config/orders-api/dev/`: where its configuration lives in Consul KV.
    pub kv_prefix: String,
    /// Tags registered with Consul: the Traefik routing tags.
    pub tags: Vec<String>,
    pub entities: Vec<EntityView>,
    pub dependencies: Vec<DependencyView>,
    /// Configuration defaults (`KEY` → value), sorted by key.
    pub config: Vec<ConfigEntry>,
    pub publishes: Vec<String>,
    pub consumes: Vec<String>,
    pub commands: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntityView {
    /// `OrderLine`
    pub name: String,
    /// `order_line`
    pub ident: String,
    /// `order-lines`: the REST collection path segment.
    pub collection: String,
    pub table: String,
    pub fields: Vec<FieldView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FieldView {
    pub name: String,
    /// Neutral type: string, text, int, float, decimal, bool, date, datetime, uuid, json, ref.
    #[serde(rename = "type")]
    pub ty: FieldType,
    pub references: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DependencyView {
    pub name: String,
    pub ident: String,
    pub pascal: String,
    pub route_prefix: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ConfigEntry {
    pub key: String,
    pub value: String,
    /// The value in standard base64, as Consul KV's JSON (`consul kv import`) holds it.
    pub value_base64: String,
}

fn config_entries(c: &Context) -> Vec<ConfigEntry> {
    c.config
        .iter()
        .map(|(k, v)| ConfigEntry {
            key: k.clone(),
            value: v.clone(),
            value_base64: super::base64::encode(v.as_bytes()),
        })
        .collect()
}

/// `order-lines` → `order_lines`
pub fn ident(name: &str) -> String {
    name.replace('-', "_")
}

/// `order-lines` or `order_lines` → `OrderLines`
pub fn pascal(name: &str) -> String {
    name.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `OrderLine` → `order_line`
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A naive English plural for collection paths (`order_line` → `order-lines`,
/// `category` → `categories`).
pub fn collection(entity_snake: &str) -> String {
    let plural = if let Some(stem) = entity_snake.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        format!("{stem}ies")
    } else if entity_snake.ends_with('s')
        || entity_snake.ends_with("sh")
        || entity_snake.ends_with("ch")
        || entity_snake.ends_with('x')
    {
        format!("{entity_snake}es")
    } else {
        format!("{entity_snake}s")
    };
    plural.replace('_', "-")
}

/// The address of the forward-auth endpoint for a context, if it uses one.
fn forwardauth_address(
    d: &Decomposition,
    c: &Context,
    ports: &std::collections::BTreeMap<String, u16>,
) -> Option<String> {
    let fa = d.middlewares_of(c).forwardauth.as_ref()?;
    if let Some(address) = &fa.address {
        return Some(address.clone());
    }
    let auth = d.context(fa.context.as_deref()?)?;
    Some(format!(
        "http://127.0.0.1:{}/auth/verify",
        ports[&auth.name]
    ))
}

/// `config/<service>/<env>/` (PRODUCT.md: Consul KV layout `config/<service>/<env>/<KEY>`).
fn kv_prefix(d: &Decomposition, c: &Context) -> String {
    format!("config/{}/{}/", c.name, d.defaults.env)
}

fn summary(
    d: &Decomposition,
    c: &Context,
    ports: &std::collections::BTreeMap<String, u16>,
) -> ServiceSummary {
    let port = ports[&c.name];
    let prefix = c.route_prefix();
    ServiceSummary {
        name: c.name.clone(),
        ident: ident(&c.name),
        stack: c.stack,
        port,
        route_prefix: prefix.clone(),
        kv_prefix: kv_prefix(d, c),
        config: config_entries(c),
        run_command: super::stack::run_command(c.stack, &ident(&c.name)),
        tags: traefik::service_tags(
            &c.name,
            &prefix,
            port,
            &d.defaults.entrypoint,
            d.middlewares_of(c),
            forwardauth_address(d, c, ports).as_deref(),
        ),
    }
}

impl TemplateContext {
    /// The context for one service of a validated decomposition.
    pub fn new(d: &Decomposition, c: &Context) -> Self {
        let ports = d.ports();
        let services: Vec<ServiceSummary> =
            d.contexts.iter().map(|o| summary(d, o, &ports)).collect();
        let me = summary(d, c, &ports);
        let entities = c
            .entities
            .iter()
            .map(|e| {
                let ident = snake(&e.name);
                EntityView {
                    name: e.name.clone(),
                    collection: collection(&ident),
                    table: e.table.clone().unwrap_or_else(|| ident.clone()),
                    ident,
                    fields: e
                        .fields
                        .iter()
                        .map(|f| FieldView {
                            name: f.name.clone(),
                            ty: f.ty,
                            references: f.references.clone(),
                        })
                        .collect(),
                }
            })
            .collect();
        let dependencies = c
            .depends_on
            .iter()
            .filter_map(|dep| d.context(&dep.context))
            .map(|o| DependencyView {
                name: o.name.clone(),
                ident: ident(&o.name),
                pascal: pascal(&o.name),
                route_prefix: o.route_prefix(),
            })
            .collect();
        TemplateContext {
            system: SystemView {
                name: d.system.clone(),
                ident: ident(&d.system),
                env: d.defaults.env.clone(),
                entrypoint: d.defaults.entrypoint.clone(),
                services,
            },
            service: ServiceView {
                name: c.name.clone(),
                ident: ident(&c.name),
                pascal: pascal(&c.name),
                stack: c.stack,
                port: me.port,
                route_prefix: me.route_prefix,
                description: c.description.clone(),
                team: c.team.clone(),
                env: d.defaults.env.clone(),
                kv_prefix: kv_prefix(d, c),
                tags: me.tags,
                entities,
                dependencies,
                config: config_entries(c),
                publishes: c.publishes.clone(),
                consumes: c.consumes.clone(),
                commands: c.commands.clone(),
            },
            versions: Versions::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_every_case() {
        assert_eq!(ident("order-lines"), "order_lines");
        assert_eq!(pascal("order-lines"), "OrderLines");
        assert_eq!(snake("OrderLine"), "order_line");
        assert_eq!(collection("order_line"), "order-lines");
        assert_eq!(collection("category"), "categories");
        assert_eq!(collection("address"), "addresses");
        assert_eq!(collection("key"), "keys");
    }
}
