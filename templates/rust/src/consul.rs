//! A small Consul HTTP API client over reqwest (Rust has no complete maintained Consul
//! client). It covers what this service needs, following the Consul API docs:
//!
//! - agent registration, `PUT /v1/agent/service/register` (the agent API: checks
//!   registered through `/v1/catalog/register` are never run), and deregistration,
//!   `PUT /v1/agent/service/deregister/:id`;
//! - KV reads with blocking queries, `GET /v1/kv/<prefix>?recurse=true&index=&wait=`,
//!   the index from the `X-Consul-Index` header, values base64 in the JSON body;
//! - discovery, `GET /v1/health/service/:name?passing`.
//!
//! Addressing and auth come from the variables every Consul tool reads:
//! `CONSUL_HTTP_ADDR` (`host:port` or a URL, default `127.0.0.1:8500`),
//! `CONSUL_HTTP_TOKEN` (sent as `X-Consul-Token`), `CONSUL_HTTP_SSL` (https when the
//! address has no scheme) and `CONSUL_CACERT` (a PEM bundle trusted in addition to the
//! system roots).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use crate::backoff::Backoff;

/// Where the agent is and how to talk to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsulSettings {
    /// `http://127.0.0.1:8500`, without a trailing slash.
    pub base_url: String,
    pub token: Option<String>,
    /// Path of a PEM file with the CA certificates of the agent's TLS certificate.
    pub ca_cert: Option<String>,
}

impl ConsulSettings {
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `var` (the environment, or a map in tests).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let non_empty = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let ssl = non_empty("CONSUL_HTTP_SSL").is_some_and(|v| {
            matches!(v.trim().to_ascii_lowercase().as_str(), "1" | "true" | "yes")
        });
        let addr = non_empty("CONSUL_HTTP_ADDR").unwrap_or_else(|| "127.0.0.1:8500".to_owned());
        ConsulSettings {
            base_url: base_url(&addr, ssl),
            token: non_empty("CONSUL_HTTP_TOKEN"),
            ca_cert: non_empty("CONSUL_CACERT"),
        }
    }
}

/// `CONSUL_HTTP_ADDR` may carry a scheme (`https://consul:8501`) or not
/// (`127.0.0.1:8500`); without one, `CONSUL_HTTP_SSL=true` selects https, as in
/// Consul's own CLI.
pub fn base_url(addr: &str, ssl: bool) -> String {
    let addr = addr.trim().trim_end_matches('/');
    if addr.starts_with("http://") || addr.starts_with("https://") {
        addr.to_owned()
    } else if ssl {
        format!("https://{addr}")
    } else {
        format!("http://{addr}")
    }
}

#[derive(Debug)]
pub enum ConsulError {
    /// The agent could not be reached, or the connection broke.
    Transport(reqwest::Error),
    /// The agent answered with an error status.
    Status { status: u16, body: String },
    /// The answer was not what the API documents.
    Decode(String),
    /// Local setup (e.g. an unreadable `CONSUL_CACERT`).
    Setup(String),
}

impl std::fmt::Display for ConsulError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConsulError::Transport(e) => write!(f, "consul unreachable: {e}"),
            ConsulError::Status { status, body } => {
                write!(f, "consul answered {status}: {}", body.trim())
            }
            ConsulError::Decode(e) => write!(f, "unexpected answer from consul: {e}"),
            ConsulError::Setup(e) => write!(f, "consul client setup: {e}"),
        }
    }
}

impl std::error::Error for ConsulError {}

impl From<reqwest::Error> for ConsulError {
    fn from(e: reqwest::Error) -> Self {
        ConsulError::Transport(e)
    }
}

/// reqwest is built with `rustls-no-provider` (no aws-lc C build): ring becomes the
/// process-wide rustls provider before any client is built. Idempotent.
pub fn install_crypto_provider() {
    // `Err` means a provider is already installed, which is all we need. rustls 0.23.47+
    // deprecates the ring provider because it lacks post-quantum key exchange; it is still
    // a supported provider, and aws-lc-rs (which has it) needs a C toolchain to build.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let _ = provider.install_default();
}

/// A Consul service registration, as `PUT /v1/agent/service/register` takes it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Registration {
    #[serde(rename = "ID")]
    pub id: String,
    pub name: String,
    pub address: String,
    pub port: u16,
    pub tags: Vec<String>,
    pub meta: BTreeMap<String, String>,
    pub check: Check,
}

/// An HTTP check. Consul starts it critical; Traefik routes only to passing instances.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Check {
    #[serde(rename = "HTTP")]
    pub http: String,
    pub interval: String,
    pub timeout: String,
    /// Consul reaps an instance critical for this long (minimum 1m); a crashed instance
    /// that never deregistered disappears by itself.
    pub deregister_critical_service_after: String,
}

/// The interval of the `/health` check unless `CONSUL_CHECK_INTERVAL` says otherwise.
pub const DEFAULT_CHECK_INTERVAL: &str = "10s";

/// `CONSUL_CHECK_INTERVAL` (a Go duration such as `1s`, `500ms` or `1m30s`, the form
/// Consul's check `Interval` takes), or [`DEFAULT_CHECK_INTERVAL`]. A shorter interval
/// makes Consul notice a dead instance sooner.
pub fn check_interval(configured: Option<&str>) -> Result<String, String> {
    let Some(value) = configured.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(DEFAULT_CHECK_INTERVAL.to_owned());
    };
    let mut rest = value;
    let mut positive = false;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = &rest[..digits];
        let unit = ["ns", "us", "µs", "ms", "s", "m", "h"]
            .into_iter()
            .find(|u| rest[digits..].starts_with(u) && !(*u == "m" && rest[digits..].starts_with("ms")));
        match (number.parse::<f64>(), unit) {
            (Ok(n), Some(unit)) if !number.is_empty() => {
                positive |= n > 0.0;
                rest = &rest[digits + unit.len()..];
            }
            _ => return Err(format!("CONSUL_CHECK_INTERVAL={value:?} is not a positive duration such as 10s or 500ms")),
        }
    }
    if positive {
        Ok(value.to_owned())
    } else {
        Err(format!("CONSUL_CHECK_INTERVAL={value:?} is not a positive duration such as 10s or 500ms"))
    }
}

/// The address registered in Consul: `SERVICE_ADDRESS`, or 127.0.0.1. An empty or
/// wildcard address (`0.0.0.0`, `::`) is never registered: Consul would publish an
/// address nobody can reach.
pub fn advertised_address(configured: Option<&str>) -> String {
    match configured.map(str::trim) {
        Some(addr) if !addr.is_empty() && !matches!(addr, "0.0.0.0" | "::" | "[::]") => {
            addr.to_owned()
        }
        _ => "127.0.0.1".to_owned(),
    }
}

/// `<name>-<address>-<port>`: unique per instance and stable across restarts (a random
/// ID would leave a zombie registration behind on every crash). Characters other than
/// letters, digits, `.` and `-` (IPv6 colons) become `-`.
pub fn service_id(name: &str, address: &str, port: u16) -> String {
    let address: String = address
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{name}-{}-{port}", address.trim_matches('-'))
}

/// The registration of this instance: its ID, address, Traefik tags and HTTP check on
/// `/health` (every 10s, 5s timeout, reaped after 1m critical).
pub fn registration(
    name: &str,
    address: &str,
    port: u16,
    tags: &[&str],
    env: &str,
) -> Registration {
    let host = if address.contains(':') {
        format!("[{address}]")
    } else {
        address.to_owned()
    };
    Registration {
        id: service_id(name, address, port),
        name: name.to_owned(),
        address: address.to_owned(),
        port,
        tags: tags.iter().map(|t| with_port(t, port)).collect(),
        meta: BTreeMap::from([
            ("env".to_owned(), env.to_owned()),
            ("generator".to_owned(), "seam".to_owned()),
        ]),
        check: Check {
            http: format!("http://{host}:{port}/health"),
            interval: DEFAULT_CHECK_INTERVAL.to_owned(),
            timeout: "5s".to_owned(),
            deregister_critical_service_after: "1m".to_owned(),
        },
    }
}

/// Traefik's `traefik.http.services.<s>.loadbalancer.server.port` tag overrides the
/// registered port. The tags were generated for the service's default port, so an
/// instance started with another `PORT` must carry its own port in that tag, or Traefik
/// would route to a port nothing listens on.
fn with_port(tag: &str, port: u16) -> String {
    match tag.split_once(".loadbalancer.server.port=") {
        Some((service, _)) if service.starts_with("traefik.http.services.") => {
            format!("{service}.loadbalancer.server.port={port}")
        }
        _ => tag.to_owned(),
    }
}

/// One answer of a KV read: the keys under the prefix (relative to it, decoded) and
/// the `X-Consul-Index` to block on next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvResponse {
    pub index: u64,
    pub values: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawKvPair {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "Value")]
    value: Option<String>,
}

/// Decodes a KV JSON body (`[{"Key": …, "Value": <base64 or null>}, …]`) into
/// `KEY → value` relative to `prefix`. Folders (keys ending in `/`) and nested keys are
/// not configuration keys and are left out; a value that is not base64 UTF-8 text is
/// skipped with a warning rather than blocking every other key.
pub fn decode_kv(body: &[u8], prefix: &str) -> Result<BTreeMap<String, String>, ConsulError> {
    let pairs: Vec<RawKvPair> =
        serde_json::from_slice(body).map_err(|e| ConsulError::Decode(e.to_string()))?;
    let mut out = BTreeMap::new();
    for pair in pairs {
        let Some(key) = pair.key.strip_prefix(prefix) else {
            continue;
        };
        if key.is_empty() || key.contains('/') {
            continue;
        }
        let value = match pair.value {
            None => String::new(),
            Some(encoded) => match decode_value(&encoded) {
                Some(value) => value,
                None => {
                    tracing::warn!(key = %pair.key, "KV value is not base64-encoded UTF-8 text; ignored");
                    continue;
                }
            },
        };
        out.insert(key.to_owned(), value);
    }
    Ok(out)
}

/// Consul returns KV values base64-encoded (standard alphabet, padded).
pub fn decode_value(encoded: &str) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    String::from_utf8(bytes).ok()
}

/// An instance of a service as discovery returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instance {
    pub id: String,
    pub address: String,
    pub port: u16,
}

impl Instance {
    /// `http://address:port`, brackets around IPv6 addresses.
    pub fn base_url(&self) -> String {
        if self.address.contains(':') {
            format!("http://[{}]:{}", self.address, self.port)
        } else {
            format!("http://{}:{}", self.address, self.port)
        }
    }
}

#[derive(Deserialize)]
struct HealthEntry {
    #[serde(rename = "Node")]
    node: HealthNode,
    #[serde(rename = "Service")]
    service: HealthService,
}

#[derive(Deserialize)]
struct HealthNode {
    #[serde(rename = "Address", default)]
    address: String,
}

#[derive(Deserialize)]
struct HealthService {
    #[serde(rename = "ID", default)]
    id: String,
    #[serde(rename = "Address", default)]
    address: String,
    #[serde(rename = "Port")]
    port: u16,
}

/// Parses `GET /v1/health/service/:name?passing`. A service registered without an
/// address is reached at its node's address, as Consul's DNS interface does.
pub fn parse_health(body: &[u8]) -> Result<Vec<Instance>, ConsulError> {
    let entries: Vec<HealthEntry> =
        serde_json::from_slice(body).map_err(|e| ConsulError::Decode(e.to_string()))?;
    Ok(entries
        .into_iter()
        .map(|e| Instance {
            id: e.service.id,
            address: if e.service.address.is_empty() {
                e.node.address
            } else {
                e.service.address
            },
            port: e.service.port,
        })
        .collect())
}

/// Reads a KV prefix with a blocking query. The configuration watcher depends on this
/// trait rather than on [`Consul`] so its index rules are tested against a fake.
pub trait KvSource {
    fn list(
        &self,
        prefix: &str,
        index: u64,
        wait: Duration,
    ) -> impl Future<Output = Result<KvResponse, ConsulError>> + Send;
}

/// Is the agent answering, and is this instance registered? Shown on `/health`.
#[derive(Debug, Default)]
pub struct ConsulStatus {
    reachable: AtomicBool,
    registered: AtomicBool,
}

impl ConsulStatus {
    pub fn reachable(&self) -> bool {
        self.reachable.load(Ordering::Relaxed)
    }
    pub fn set_reachable(&self, yes: bool) {
        self.reachable.store(yes, Ordering::Relaxed);
    }
    pub fn registered(&self) -> bool {
        self.registered.load(Ordering::Relaxed)
    }
    pub fn set_registered(&self, yes: bool) {
        self.registered.store(yes, Ordering::Relaxed);
    }
}

#[derive(Clone)]
pub struct Consul {
    http: reqwest::Client,
    settings: ConsulSettings,
}

impl Consul {
    pub fn new(settings: ConsulSettings) -> Result<Self, ConsulError> {
        install_crypto_provider();
        // No overall timeout on the client: blocking queries last up to `wait`; every
        // request sets its own.
        let mut builder = reqwest::Client::builder().connect_timeout(Duration::from_secs(5));
        if let Some(path) = &settings.ca_cert {
            let pem = std::fs::read(path)
                .map_err(|e| ConsulError::Setup(format!("CONSUL_CACERT {path}: {e}")))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| ConsulError::Setup(format!("CONSUL_CACERT {path}: {e}")))?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder
            .build()
            .map_err(|e| ConsulError::Setup(e.to_string()))?;
        Ok(Consul { http, settings })
    }

    pub fn settings(&self) -> &ConsulSettings {
        &self.settings
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self
            .http
            .request(method, format!("{}{path}", self.settings.base_url));
        match &self.settings.token {
            Some(token) => request.header("X-Consul-Token", token),
            None => request,
        }
    }

    async fn check(response: reqwest::Response) -> Result<reqwest::Response, ConsulError> {
        if response.status().is_success() {
            Ok(response)
        } else {
            let status = response.status().as_u16();
            let body = response.text().await.unwrap_or_default();
            Err(ConsulError::Status { status, body })
        }
    }

    pub async fn register(&self, registration: &Registration) -> Result<(), ConsulError> {
        let response = self
            .request(reqwest::Method::PUT, "/v1/agent/service/register")
            .json(registration)
            .timeout(Duration::from_secs(10))
            .send()
            .await?;
        Self::check(response).await.map(drop)
    }

    pub async fn deregister(&self, id: &str) -> Result<(), ConsulError> {
        let response = self
            .request(
                reqwest::Method::PUT,
                &format!("/v1/agent/service/deregister/{id}"),
            )
            .timeout(Duration::from_secs(5))
            .send()
            .await?;
        Self::check(response).await.map(drop)
    }

    /// Passing instances of `service`.
    pub async fn healthy_instances(&self, service: &str) -> Result<Vec<Instance>, ConsulError> {
        let response = self
            .request(
                reqwest::Method::GET,
                &format!("/v1/health/service/{service}?passing"),
            )
            .timeout(Duration::from_secs(10))
            .send()
            .await?;
        let body = Self::check(response).await?.bytes().await?;
        parse_health(&body)
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }
}

impl KvSource for Consul {
    async fn list(
        &self,
        prefix: &str,
        index: u64,
        wait: Duration,
    ) -> Result<KvResponse, ConsulError> {
        let response = self
            .request(
                reqwest::Method::GET,
                &format!(
                    "/v1/kv/{prefix}?recurse=true&index={index}&wait={}s",
                    wait.as_secs()
                ),
            )
            // Consul adds up to wait/16 of jitter to a blocking query.
            .timeout(wait + wait / 16 + Duration::from_secs(10))
            .send()
            .await?;
        let index = response
            .headers()
            .get("X-Consul-Index")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| ConsulError::Decode("no X-Consul-Index header".to_owned()))?;
        // 404: nothing under the prefix yet; every key keeps its default.
        if response.status() == reqwest::StatusCode::NOT_FOUND {
            return Ok(KvResponse {
                index,
                values: BTreeMap::new(),
            });
        }
        let body = Self::check(response).await?.bytes().await?;
        Ok(KvResponse {
            index,
            values: decode_kv(&body, prefix)?,
        })
    }
}

/// Registers until Consul accepts, backing off while it is down; the service serves
/// requests meanwhile (this runs in its own task).
pub async fn register_until_done(
    consul: Consul,
    registration: Registration,
    status: Arc<ConsulStatus>,
) {
    let mut backoff = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
    loop {
        match consul.register(&registration).await {
            Ok(()) => {
                status.set_reachable(true);
                status.set_registered(true);
                tracing::info!(id = %registration.id, address = %registration.address, port = registration.port, "registered in consul");
                return;
            }
            Err(e) => {
                if matches!(e, ConsulError::Transport(_)) {
                    status.set_reachable(false);
                }
                let delay = backoff.next_delay();
                tracing::warn!(error = %e, retry_in_secs = delay.as_secs(), "consul registration failed");
                tokio::time::sleep(delay).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_with_and_without_scheme() {
        assert_eq!(base_url("127.0.0.1:8500", false), "http://127.0.0.1:8500");
        assert_eq!(base_url("consul:8501", true), "https://consul:8501");
        assert_eq!(
            base_url("https://consul:8501/", false),
            "https://consul:8501"
        );
        assert_eq!(base_url("http://consul:8500", true), "http://consul:8500");
    }

    #[test]
    fn settings_from_the_conventional_variables() {
        let vars = BTreeMap::from([
            ("CONSUL_HTTP_ADDR", "consul.internal:8501"),
            ("CONSUL_HTTP_SSL", "true"),
            ("CONSUL_HTTP_TOKEN", "s3cret"),
            ("CONSUL_CACERT", "/etc/consul/ca.pem"),
        ]);
        let s = ConsulSettings::from_vars(|k| vars.get(k).map(|v| (*v).to_owned()));
        assert_eq!(s.base_url, "https://consul.internal:8501");
        assert_eq!(s.token.as_deref(), Some("s3cret"));
        assert_eq!(s.ca_cert.as_deref(), Some("/etc/consul/ca.pem"));
        let defaults = ConsulSettings::from_vars(|_| None);
        assert_eq!(defaults.base_url, "http://127.0.0.1:8500");
        assert_eq!(defaults.token, None);
    }

    #[test]
    fn check_interval_comes_from_the_environment() {
        assert_eq!(check_interval(None).unwrap(), DEFAULT_CHECK_INTERVAL);
        assert_eq!(check_interval(Some(" ")).unwrap(), DEFAULT_CHECK_INTERVAL);
        assert_eq!(check_interval(Some("1s")).unwrap(), "1s");
        assert_eq!(check_interval(Some(" 500ms ")).unwrap(), "500ms");
        assert_eq!(check_interval(Some("1m30s")).unwrap(), "1m30s");
        for bad in ["10", "fast", "-1s", "0s", "s"] {
            assert!(check_interval(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn never_registers_an_empty_or_wildcard_address() {
        assert_eq!(advertised_address(None), "127.0.0.1");
        assert_eq!(advertised_address(Some("")), "127.0.0.1");
        assert_eq!(advertised_address(Some(" 0.0.0.0 ")), "127.0.0.1");
        assert_eq!(advertised_address(Some("::")), "127.0.0.1");
        assert_eq!(advertised_address(Some("10.0.3.7")), "10.0.3.7");
    }

    #[test]
    fn registration_payload_has_the_fields_consul_documents() {
        let r = registration("orders", "10.0.3.7", 8101, &["traefik.enable=true"], "dev");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["ID"], "orders-10.0.3.7-8101");
        assert_eq!(json["Name"], "orders");
        assert_eq!(json["Address"], "10.0.3.7");
        assert_eq!(json["Port"], 8101);
        assert_eq!(json["Tags"], serde_json::json!(["traefik.enable=true"]));
        assert_eq!(json["Check"]["HTTP"], "http://10.0.3.7:8101/health");
        assert_eq!(json["Check"]["Interval"], "10s");
        assert_eq!(json["Check"]["Timeout"], "5s");
        assert_eq!(json["Check"]["DeregisterCriticalServiceAfter"], "1m");
        // Stable across restarts: the same instance gets the same ID.
        assert_eq!(
            r.id,
            registration("orders", "10.0.3.7", 8101, &[], "dev").id
        );
        let moved = registration(
            "orders",
            "10.0.3.7",
            9000,
            &[
                "traefik.enable=true",
                "traefik.http.services.orders.loadbalancer.server.port=8101",
            ],
            "dev",
        );
        assert_eq!(
            moved.tags,
            [
                "traefik.enable=true",
                "traefik.http.services.orders.loadbalancer.server.port=9000"
            ],
            "Traefik follows the port the instance really listens on"
        );
        let v6 = registration("orders", "fd00::7", 8101, &[], "dev");
        assert_eq!(v6.id, "orders-fd00--7-8101");
        assert_eq!(v6.check.http, "http://[fd00::7]:8101/health");
    }

    #[test]
    fn kv_values_are_base64_decoded_relative_to_the_prefix() {
        let body = br#"[
            {"Key": "config/orders/dev/", "Value": null},
            {"Key": "config/orders/dev/DATABASE_URL", "Value": "cG9zdGdyZXM6Ly9kYi9vcmRlcnM="},
            {"Key": "config/orders/dev/EMPTY", "Value": null},
            {"Key": "config/orders/dev/nested/KEY", "Value": "eA=="},
            {"Key": "config/orders/dev/BROKEN", "Value": "!!not base64!!"}
        ]"#;
        let values = decode_kv(body, "config/orders/dev/").unwrap();
        assert_eq!(
            values,
            BTreeMap::from([
                ("DATABASE_URL".to_owned(), "postgres://db/orders".to_owned()),
                ("EMPTY".to_owned(), String::new()),
            ])
        );
        assert_eq!(decode_value("aMOpbGxv").as_deref(), Some("héllo"));
        assert_eq!(decode_value("/w=="), None, "not UTF-8");
        assert!(decode_kv(b"{}", "config/").is_err());
    }

    #[test]
    fn discovery_falls_back_to_the_node_address() {
        let body = br#"[
            {"Node": {"Node": "n1", "Address": "10.0.0.1"},
             "Service": {"ID": "orders-10.0.0.9-8101", "Service": "orders", "Address": "10.0.0.9", "Port": 8101},
             "Checks": []},
            {"Node": {"Node": "n2", "Address": "10.0.0.2"},
             "Service": {"ID": "orders-b", "Service": "orders", "Address": "", "Port": 8102},
             "Checks": []}
        ]"#;
        let instances = parse_health(body).unwrap();
        assert_eq!(
            instances,
            vec![
                Instance {
                    id: "orders-10.0.0.9-8101".into(),
                    address: "10.0.0.9".into(),
                    port: 8101
                },
                Instance {
                    id: "orders-b".into(),
                    address: "10.0.0.2".into(),
                    port: 8102
                },
            ]
        );
        assert_eq!(instances[0].base_url(), "http://10.0.0.9:8101");
        assert!(parse_health(b"[]").unwrap().is_empty());
        assert!(parse_health(b"not json").is_err());
    }
}
