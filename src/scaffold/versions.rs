//! Versions of what generated services are built with, in one place. Templates read
//! them as `versions.<name>`.

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Versions {
    /// Go toolchain line in go.mod (`go 1.22` and later understand it).
    pub go: &'static str,
    /// github.com/hashicorp/consul/api (v1.34.x builds on Go 1.26, PRODUCT.md).
    pub go_consul_api: &'static str,
    pub go_gin: &'static str,
    /// Builder image of the Go services' Dockerfile (the toolchain on these machines).
    pub go_image: &'static str,
    pub go_prometheus: &'static str,
    /// Django LTS that runs on Python 3.11 (Django 6 needs 3.12+).
    pub django: &'static str,
    pub djangorestframework: &'static str,
    /// py-consul: the maintained client (python-consul is abandoned since 2018).
    pub py_consul: &'static str,
    pub gunicorn: &'static str,
    pub python: &'static str,
    /// django-prometheus: request/DB metrics and `/metrics` for Django (2.5 supports
    /// Django 5.2), on the official prometheus_client.
    pub django_prometheus: &'static str,
    /// dj-database-url: `DATABASE_URL` → Django's `DATABASES` entry.
    pub dj_database_url: &'static str,
    /// ruff, the linter generated Python code is checked with. Exact: lint results
    /// must not drift between runs.
    pub ruff: &'static str,
    /// Rust edition of generated crates.
    pub rust_edition: &'static str,
    /// Consul image of docker-compose.yml: 1.16 is the last line under the MPL
    /// (1.17 onwards is BSL-licensed).
    pub consul_image: &'static str,
    /// Traefik v3 image of docker-compose.yml (3.7 is the line checked on these
    /// machines, PRODUCT.md).
    pub traefik_image: &'static str,
    // Crates of generated Rust services (caret requirements; checked with `cargo info`).
    pub rust_axum: &'static str,
    pub rust_tokio: &'static str,
    /// reqwest with `rustls-no-provider`: rustls on ring, no OpenSSL and no aws-lc-sys
    /// (a C build needing cmake); the service installs ring as the process provider.
    pub rust_reqwest: &'static str,
    pub rust_rustls: &'static str,
    pub rust_serde: &'static str,
    pub rust_serde_json: &'static str,
    pub rust_tracing: &'static str,
    pub rust_tracing_subscriber: &'static str,
    /// prometheus without its default `protobuf` feature: text exposition only.
    pub rust_prometheus: &'static str,
    pub rust_base64: &'static str,
    /// tower, for `ServiceExt::oneshot` in the generated handler tests.
    pub rust_tower: &'static str,
}

impl Default for Versions {
    fn default() -> Self {
        Versions {
            go: "1.22",
            go_consul_api: "v1.34.5",
            go_gin: "v1.11.0",
            go_image: "golang:1.26",
            go_prometheus: "v1.23.2",
            django: "5.2",
            djangorestframework: "3.16",
            py_consul: "1.6",
            gunicorn: "23.0",
            python: "3.11",
            django_prometheus: "2.5",
            dj_database_url: "3.1",
            ruff: "0.17.6",
            rust_edition: "2021",
            consul_image: "hashicorp/consul:1.16",
            traefik_image: "traefik:v3.7",
            rust_axum: "0.8.9",
            rust_tokio: "1.54.1",
            rust_reqwest: "0.13.5",
            rust_rustls: "0.23.46",
            rust_serde: "1.0.229",
            rust_serde_json: "1.0.154",
            rust_tracing: "0.1.44",
            rust_tracing_subscriber: "0.3.23",
            rust_prometheus: "0.14.0",
            rust_base64: "0.23.1",
            rust_tower: "0.5.3",
        }
    }
}
