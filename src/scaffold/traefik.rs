//! Traefik v3 tags for the Consul Catalog provider.
//!
//! Rules (Traefik v3 docs, "Routing configuration with Consul Catalog"): a service opts
//! in with `traefik.enable=true` (seam's static config sets `exposedByDefault=false`);
//! a router `traefik.http.routers.<r>.rule=PathPrefix(`/x`)` (v3 syntax: one value per
//! matcher, in backticks) with `.entrypoints` and `.service`; the service's port in
//! `traefik.http.services.<s>.loadbalancer.server.port`; middlewares declared as
//! `traefik.http.middlewares.<m>.<type>.<option>` and attached with
//! `traefik.http.routers.<r>.middlewares=<m1>,<m2>`. Router, service and middleware
//! names are prefixed with the service name: a name defined differently by two
//! services is dropped by Traefik.

use crate::decomposition::Middlewares;

/// The middlewares of a router, in the order requests go through them: shed load
/// first, then authenticate, then protect the backend, then retry, and strip the
/// prefix last so the service sees its own paths.
pub fn middleware_tags(
    service: &str,
    prefix: &str,
    m: &Middlewares,
    forwardauth_address: Option<&str>,
) -> (Vec<String>, Vec<String>) {
    let mut names = Vec::new();
    let mut tags = Vec::new();
    let mut add = |kind: &str, options: Vec<(String, String)>| {
        let name = format!("{service}-{kind}");
        for (option, value) in options {
            tags.push(format!(
                "traefik.http.middlewares.{name}.{kind}.{option}={value}"
            ));
        }
        names.push(name);
    };
    if let Some(r) = &m.ratelimit {
        add(
            "ratelimit",
            vec![
                ("average".into(), r.average.to_string()),
                ("burst".into(), r.burst.to_string()),
            ],
        );
    }
    if let Some(address) = forwardauth_address {
        add("forwardauth", vec![("address".into(), address.to_owned())]);
    }
    if let Some(cb) = &m.circuitbreaker {
        add(
            "circuitbreaker",
            vec![("expression".into(), cb.expression.clone())],
        );
    }
    if let Some(r) = &m.retry {
        add("retry", vec![("attempts".into(), r.attempts.to_string())]);
    }
    if m.stripprefix == Some(true) {
        add("stripprefix", vec![("prefixes".into(), prefix.to_owned())]);
    }
    (names, tags)
}

/// All tags a service registers in Consul so Traefik routes `prefix` to it.
pub fn service_tags(
    service: &str,
    prefix: &str,
    port: u16,
    entrypoint: &str,
    middlewares: &Middlewares,
    forwardauth_address: Option<&str>,
) -> Vec<String> {
    let router = format!("traefik.http.routers.{service}");
    let mut tags = vec![
        "traefik.enable=true".to_owned(),
        format!("{router}.rule=PathPrefix(`{prefix}`)"),
        format!("{router}.entrypoints={entrypoint}"),
        format!("{router}.service={service}"),
        format!("traefik.http.services.{service}.loadbalancer.server.port={port}"),
    ];
    let (names, middleware_tags) =
        middleware_tags(service, prefix, middlewares, forwardauth_address);
    tags.extend(middleware_tags);
    if !names.is_empty() {
        tags.push(format!("{router}.middlewares={}", names.join(",")));
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decomposition::{RateLimit, Retry};

    #[test]
    fn router_service_and_middlewares_are_named_after_the_service() {
        let m = Middlewares {
            stripprefix: Some(true),
            ratelimit: Some(RateLimit {
                average: 100,
                burst: 50,
            }),
            retry: Some(Retry { attempts: 3 }),
            ..Middlewares::default()
        };
        let tags = service_tags("orders", "/orders", 8101, "web", &m, None);
        assert_eq!(
            tags,
            vec![
                "traefik.enable=true",
                "traefik.http.routers.orders.rule=PathPrefix(`/orders`)",
                "traefik.http.routers.orders.entrypoints=web",
                "traefik.http.routers.orders.service=orders",
                "traefik.http.services.orders.loadbalancer.server.port=8101",
                "traefik.http.middlewares.orders-ratelimit.ratelimit.average=100",
                "traefik.http.middlewares.orders-ratelimit.ratelimit.burst=50",
                "traefik.http.middlewares.orders-retry.retry.attempts=3",
                "traefik.http.middlewares.orders-stripprefix.stripprefix.prefixes=/orders",
                "traefik.http.routers.orders.middlewares=orders-ratelimit,orders-retry,orders-stripprefix",
            ]
        );
    }
}
