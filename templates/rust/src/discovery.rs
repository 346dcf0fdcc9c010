//! Calling another service: its passing instances come from Consul
//! (`GET /v1/health/service/:name?passing`) on every call, so an instance that fails
//! its check stops receiving requests as soon as Consul notices; calls rotate over the
//! instances. Requests go straight to an instance, under the callee's route prefix
//! (services answer with and without it).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::consul::{Consul, ConsulError, Instance};

/// The header every response carries: the registration ID of the instance that
/// answered, so callers behind Traefik can tell instances apart.
pub const INSTANCE_HEADER: &str = "x-instance-id";

/// A dependency as `GET <route prefix>/dependencies/<name>` reports it: the instance
/// discovery chose, its instance ID (its `X-Instance-Id`) and its `/health` status.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Probe {
    pub service: String,
    pub address: String,
    pub port: u16,
    pub instance: String,
    pub status: u16,
}

#[derive(Debug)]
pub enum ClientError {
    Discovery(ConsulError),
    /// Consul knows no passing instance of the service.
    NoInstance(&'static str),
    Http(reqwest::Error),
}

impl std::fmt::Display for ClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ClientError::Discovery(e) => write!(f, "discovery failed: {e}"),
            ClientError::NoInstance(name) => write!(f, "no passing instance of {name}"),
            ClientError::Http(e) => write!(f, "request failed: {e}"),
        }
    }
}

impl std::error::Error for ClientError {}

/// A client of one service.
pub struct ServiceClient {
    name: &'static str,
    route_prefix: &'static str,
    consul: Consul,
    next: AtomicUsize,
}

impl ServiceClient {
    pub fn new(consul: Consul, name: &'static str, route_prefix: &'static str) -> Self {
        ServiceClient {
            name,
            route_prefix,
            consul,
            next: AtomicUsize::new(0),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn route_prefix(&self) -> &'static str {
        self.route_prefix
    }

    pub async fn instances(&self) -> Result<Vec<Instance>, ConsulError> {
        self.consul.healthy_instances(self.name).await
    }

    /// The next instance in rotation.
    pub fn pick<'a>(&self, instances: &'a [Instance]) -> Option<&'a Instance> {
        if instances.is_empty() {
            return None;
        }
        let i = self.next.fetch_add(1, Ordering::Relaxed) % instances.len();
        instances.get(i)
    }

    /// `http://address:port<route prefix><path>`.
    pub fn url(&self, instance: &Instance, path: &str) -> String {
        let path = path.trim_start_matches('/');
        format!("{}{}/{path}", instance.base_url(), self.route_prefix)
    }

    /// Resolves the service through discovery and calls that instance's
    /// `<route prefix>/health`: what `GET <own prefix>/dependencies/<name>` answers.
    pub async fn probe(&self) -> Result<Probe, ClientError> {
        let instances = self.instances().await.map_err(ClientError::Discovery)?;
        let instance = self
            .pick(&instances)
            .ok_or(ClientError::NoInstance(self.name))?;
        let response = self
            .consul
            .http()
            .get(self.url(instance, "/health"))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .map_err(ClientError::Http)?;
        Ok(Probe {
            service: self.name.to_owned(),
            address: instance.address.clone(),
            port: instance.port,
            instance: response
                .headers()
                .get(INSTANCE_HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            status: response.status().as_u16(),
        })
    }

    /// `GET <route prefix><path>` on a passing instance, e.g. `get_json("/health")`.
    pub async fn get_json(&self, path: &str) -> Result<serde_json::Value, ClientError> {
        let instances = self.instances().await.map_err(ClientError::Discovery)?;
        let instance = self
            .pick(&instances)
            .ok_or(ClientError::NoInstance(self.name))?;
        let response = self
            .consul
            .http()
            .get(self.url(instance, path))
            .timeout(Duration::from_secs(10))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(ClientError::Http)?;
        response.json().await.map_err(ClientError::Http)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consul::ConsulSettings;

    fn instance(address: &str, port: u16) -> Instance {
        Instance {
            id: format!("x-{address}-{port}"),
            address: address.to_owned(),
            port,
        }
    }

    #[test]
    fn rotates_over_instances_and_builds_prefixed_urls() {
        let consul = Consul::new(ConsulSettings::from_vars(|_| None)).unwrap();
        let client = ServiceClient::new(consul, "catalog", "/catalog");
        let instances = [instance("10.0.0.1", 8101), instance("10.0.0.2", 8102)];
        let picked: Vec<u16> = (0..3)
            .map(|_| client.pick(&instances).unwrap().port)
            .collect();
        assert_eq!(picked, [8101, 8102, 8101]);
        assert_eq!(client.pick(&[]), None);
        assert_eq!(
            client.url(&instances[1], "/products/3"),
            "http://10.0.0.2:8102/catalog/products/3"
        );
        assert_eq!(
            client.url(&instance("fd00::1", 80), "health"),
            "http://[fd00::1]:80/catalog/health"
        );
    }
}
