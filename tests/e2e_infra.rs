//! The infrastructure facts seam's generated services rely on, checked against the real
//! Consul and Traefik this repository installs (`.ci/install-tools.sh`): a service
//! registered through the agent API with Traefik tags is routed by `PathPrefix`, load is
//! spread over passing instances, and an instance that is deregistered or whose check
//! turns critical is no longer routed. The services here are tiny in-test HTTP servers;
//! `tests/e2e.rs` runs the generated services themselves.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::json;
use support::infra::*;

/// A minimal HTTP server answering every request with its name; `healthy` decides
/// whether `/health` answers 200 or 503.
struct FakeService {
    port: u16,
    healthy: Arc<AtomicBool>,
}

fn fake_service(name: &'static str) -> FakeService {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let healthy = Arc::new(AtomicBool::new(true));
    let flag = healthy.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let flag = flag.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut request_line = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                if reader.read_line(&mut request_line).is_err() {
                    return;
                }
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                        break;
                    }
                }
                let path = request_line.split_whitespace().nth(1).unwrap_or("/");
                let (status, body) = if path == "/health" && !flag.load(Ordering::SeqCst) {
                    ("503 Service Unavailable", "sick".to_owned())
                } else {
                    ("200 OK", format!("{name} {path}"))
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            });
        }
    });
    FakeService { port, healthy }
}

fn register(consul: &Consul, id: &str, port: u16) {
    let body = json!({
        "ID": id,
        "Name": "echo",
        "Address": "127.0.0.1",
        "Port": port,
        "Tags": [
            "traefik.enable=true",
            "traefik.http.routers.echo.rule=PathPrefix(`/echo`)",
            "traefik.http.routers.echo.entrypoints=web",
            "traefik.http.routers.echo.service=echo",
            format!("traefik.http.services.echo.loadbalancer.server.port={port}"),
        ],
        "Check": {
            "HTTP": format!("http://127.0.0.1:{port}/health"),
            "Interval": "1s",
            "Timeout": "1s",
            "DeregisterCriticalServiceAfter": "1m",
        },
    });
    assert_eq!(
        put_json(&consul.url("/v1/agent/service/register"), &body),
        Some(200)
    );
}

fn passing(consul: &Consul) -> Vec<String> {
    get_json(&consul.url("/v1/health/service/echo?passing"))
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["Service"]["ID"].as_str().map(str::to_owned))
        .collect()
}

/// The instance names that answer `n` requests through Traefik.
fn answers(traefik: &Traefik, n: usize) -> Vec<String> {
    (0..n)
        .filter_map(|_| get(&traefik.url("/echo/x")))
        .filter(|(status, _)| *status == 200)
        .map(|(_, body)| body.split_whitespace().next().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn consul_and_traefik_route_register_and_drop_instances() {
    let Some(bin) = tools() else { return };
    let logs = Logs::new("e2e_infra");
    with_logs(&logs, || {
        let consul = start_consul(&bin, &logs, free_port());
        let traefik = start_traefik(&bin, &logs, &consul);
        let a = fake_service("a");
        let b = fake_service("b");
        register(&consul, "echo-a", a.port);
        register(&consul, "echo-b", b.port);
        // Checks start critical and turn passing.
        wait_for("both instances passing", Duration::from_secs(20), || {
            (passing(&consul).len() == 2).then_some(())
        })
        .unwrap();
        // Traefik routes the prefix and spreads requests over both instances.
        let seen = wait_for(
            "both instances behind /echo",
            Duration::from_secs(20),
            || {
                let names = answers(&traefik, 6);
                (names.contains(&"a".to_owned()) && names.contains(&"b".to_owned()))
                    .then_some(names)
            },
        )
        .unwrap();
        assert!(seen.iter().all(|n| n == "a" || n == "b"));
        // A path outside the prefix is not routed.
        assert_eq!(get(&traefik.url("/other")).map(|r| r.0), Some(404));

        // Deregistration removes an instance from the routing.
        assert_eq!(
            put_text(&consul.url("/v1/agent/service/deregister/echo-a"), ""),
            Some(200)
        );
        wait_for("only b behind /echo", Duration::from_secs(20), || {
            let names = answers(&traefik, 6);
            (!names.is_empty() && names.iter().all(|n| n == "b")).then_some(())
        })
        .unwrap();

        // A failing check turns the instance critical and Traefik stops routing to it.
        register(&consul, "echo-a", a.port);
        wait_for("a passing again", Duration::from_secs(20), || {
            (passing(&consul).len() == 2).then_some(())
        })
        .unwrap();
        b.healthy.store(false, Ordering::SeqCst);
        wait_for("b critical", Duration::from_secs(20), || {
            (passing(&consul) == vec!["echo-a".to_owned()]).then_some(())
        })
        .unwrap();
        wait_for("only a behind /echo", Duration::from_secs(20), || {
            let names = answers(&traefik, 6);
            (!names.is_empty() && names.iter().all(|n| n == "a")).then_some(())
        })
        .unwrap();
        drop(traefik);
        drop(consul);
        let _ = a.healthy;
    });
}
