//! End-to-end: what `seam scaffold` generates, run against a real Consul and a real
//! Traefik (installed by `.ci/install-tools.sh`, see `tests/support/infra.rs`).
//!
//! `fixtures/scaffold/e2e.yaml` has one service per stack — `orders` (Go) depends on
//! `catalog` (Django) and `payments` (Rust), `catalog` depends on `payments` — each with
//! configuration. The real `seam` binary scaffolds it into `.cache/e2e/services`; the
//! services are built with the caches of the scaffold tests (Go modules in
//! `.cache/gomod`, the Django venv `.cache/scaffold-test/venv-django`, the Rust target
//! dir `.cache/scaffold-test/rust-target`). Two instances of `orders` run, one of the
//! others, all with `CONSUL_CHECK_INTERVAL=1s`.
//!
//! Checked, each with a bounded wait: registration before Consul is up (retried with
//! backoff), passing checks with stable IDs and real addresses, routing by prefix through
//! Traefik with load alternating between instances, KV hot reload within 2 seconds,
//! calls between services through discovery, deregistration on SIGTERM and a critical
//! check after SIGKILL, both taking the instance out of Traefik.
//!
//! Outside CI, a machine that cannot install Consul, Traefik, Go, Python packages or
//! crates skips with a loud message; with CI=true that is a failure.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::infra::*;

const FIXTURE: &str = "fixtures/scaffold/e2e.yaml";
/// The header every generated service sets to its registration ID.
const INSTANCE_HEADER: &str = "x-instance-id";

fn skip_or_fail(why: &str) {
    if in_ci() {
        panic!("CI=true and the end-to-end test cannot run: {why}");
    }
    eprintln!(
        "\n==================== SKIP ====================\n\
         end-to-end test skipped: {why}\n\
         in CI this is a failure\n\
         ==============================================\n"
    );
}

fn output_text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// What the build produced: how to start each stack.
struct Built {
    services: PathBuf,
    go_binary: PathBuf,
    rust_binary: PathBuf,
    venv_bin: PathBuf,
}

fn scaffold(services: &Path) {
    let _ = std::fs::remove_dir_all(services);
    let out = Command::new(env!("CARGO_BIN_EXE_seam"))
        .arg("scaffold")
        .arg(repo().join(FIXTURE))
        .arg("-o")
        .arg(services)
        .output()
        .expect("run seam");
    assert!(
        out.status.success(),
        "seam scaffold failed:\n{}",
        output_text(&out)
    );
}

fn go(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("go")
        .args(args)
        .current_dir(dir)
        .env("GOFLAGS", "-mod=mod")
        .env("GOMODCACHE", repo().join(".cache/gomod"))
        .env("GOTOOLCHAIN", "local")
        .output()
        .expect("run go")
}

/// `go mod tidy` (modules from the proxy, cached) and `go build`; `None` when offline.
fn build_go(dir: &Path) -> Option<PathBuf> {
    let tidy = go(dir, &["mod", "tidy"]);
    if !tidy.status.success() {
        skip_or_fail(&format!(
            "`go mod tidy` failed (offline?):\n{}",
            output_text(&tidy)
        ));
        return None;
    }
    let build = go(dir, &["build", "-o", ".bin/service", "."]);
    assert!(
        build.status.success(),
        "go build failed:\n{}",
        output_text(&build)
    );
    Some(dir.join(".bin/service"))
}

/// The venv of the Django scaffold test (same place, same requirements key), created or
/// brought up to date with pip; `None` when the package index cannot be reached.
fn django_venv(dir: &Path) -> Option<PathBuf> {
    let venv = repo().join(".cache/scaffold-test/venv-django");
    let python = venv.join("bin/python");
    let mut key = blake3::Hasher::new();
    for name in ["requirements.txt", "requirements-dev.txt"] {
        key.update(&std::fs::read(dir.join(name)).expect("generated requirements"));
    }
    let key = key.finalize().to_hex().to_string();
    let stamp = venv.join("seam-requirements.hash");
    if !(python.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == key)) {
        if !python.exists() {
            std::fs::create_dir_all(venv.parent().unwrap()).unwrap();
            let made = Command::new("python3")
                .args(["-m", "venv"])
                .arg(&venv)
                .output()
                .expect("python3 -m venv");
            assert!(made.status.success(), "{}", output_text(&made));
        }
        let install = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "-r",
                "requirements-dev.txt",
            ])
            .current_dir(dir)
            .output()
            .expect("pip");
        if !install.status.success() {
            skip_or_fail(&format!(
                "the generated Django requirements could not be installed (offline?):\n{}",
                output_text(&install)
            ));
            return None;
        }
        std::fs::write(&stamp, &key).unwrap();
    }
    let migrate = Command::new(&python)
        .args(["manage.py", "migrate", "--noinput"])
        .current_dir(dir)
        .env_remove("DJANGO_SETTINGS_MODULE")
        .output()
        .expect("manage.py migrate");
    assert!(
        migrate.status.success(),
        "migrate failed:\n{}",
        output_text(&migrate)
    );
    Some(venv.join("bin"))
}

/// `cargo build` with the Rust scaffold test's target dir; `None` when crates.io is out
/// of reach.
fn build_rust(dir: &Path, name: &str) -> Option<PathBuf> {
    let target = repo().join(".cache/scaffold-test/rust-target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let run = |args: &[&str]| {
        Command::new(&cargo)
            .args(args)
            .current_dir(dir)
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env_remove("CARGO_MANIFEST_DIR")
            .env_remove("CARGO_PKG_NAME")
            .output()
            .expect("run cargo")
    };
    let fetch = run(&["fetch"]);
    if !fetch.status.success() {
        skip_or_fail(&format!(
            "cannot fetch crates (offline?):\n{}",
            output_text(&fetch)
        ));
        return None;
    }
    let build = run(&["build", "--offline"]);
    assert!(
        build.status.success(),
        "cargo build failed:\n{}",
        output_text(&build)
    );
    Some(target.join("debug").join(name))
}

fn build() -> Option<Built> {
    for (program, arg) in [("go", "version"), ("python3", "--version")] {
        if !have(program, arg) {
            skip_or_fail(&format!("`{program}` is not installed"));
            return None;
        }
    }
    let services = repo().join(".cache/e2e/services");
    scaffold(&services);
    let go_binary = build_go(&services.join("orders"))?;
    let venv_bin = django_venv(&services.join("catalog"))?;
    let rust_binary = build_rust(&services.join("payments"), "payments")?;
    Some(Built {
        services,
        go_binary,
        rust_binary,
        venv_bin,
    })
}

/// Starts one instance of `service` on `port`, talking to the Consul agent on
/// `consul_port` (which need not be up yet).
fn start_service(
    built: &Built,
    logs: &Logs,
    label: &str,
    service: &str,
    port: u16,
    consul_port: u16,
) -> Proc {
    let dir = built.services.join(service);
    let mut cmd = match service {
        "orders" => Command::new(&built.go_binary),
        "catalog" => {
            let mut cmd = Command::new(built.venv_bin.join("gunicorn"));
            cmd.args(["-c", "gunicorn.conf.py", "--bind"])
                .arg(format!("127.0.0.1:{port}"))
                .arg("catalog.wsgi:application");
            let path = std::env::var("PATH").unwrap_or_default();
            cmd.env("PATH", format!("{}:{path}", built.venv_bin.display()));
            cmd.env_remove("DJANGO_SETTINGS_MODULE");
            cmd
        }
        "payments" => Command::new(&built.rust_binary),
        other => panic!("no such service {other}"),
    };
    cmd.current_dir(&dir)
        .env("PORT", port.to_string())
        .env("SERVICE_ADDRESS", "127.0.0.1")
        .env("SERVICE_ENV", "dev")
        .env("CONSUL_HTTP_ADDR", format!("127.0.0.1:{consul_port}"))
        .env("CONSUL_CHECK_INTERVAL", "1s")
        // Go and Rust listen on loopback only (the default is every interface).
        .env("LISTEN_ADDRESS", "127.0.0.1")
        .env("BIND_ADDRESS", "127.0.0.1")
        .env_remove("CONSUL_HTTP_TOKEN");
    Proc::start(label, cmd, logs)
}

/// GET returning status, the `X-Instance-Id` header and the JSON body.
fn call(url: &str) -> Option<(u16, String, Value)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .http_status_as_error(false)
        .build()
        .into();
    let mut resp = agent.get(url).call().ok()?;
    let status = resp.status().as_u16();
    let instance = resp
        .headers()
        .get(INSTANCE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    Some((
        status,
        instance,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    ))
}

fn local(port: u16, path: &str) -> String {
    format!("http://127.0.0.1:{port}{path}")
}

/// The passing instances of `service`: ID → (address, port).
fn passing(consul: &Consul, service: &str) -> BTreeMap<String, (String, u16)> {
    get_json(&consul.url(&format!("/v1/health/service/{service}?passing")))
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|e| {
            let s = &e["Service"];
            (
                s["ID"].as_str().unwrap_or_default().to_owned(),
                (
                    s["Address"].as_str().unwrap_or_default().to_owned(),
                    s["Port"].as_u64().unwrap_or(0) as u16,
                ),
            )
        })
        .collect()
}

/// The service IDs the local agent knows.
fn agent_services(consul: &Consul) -> BTreeSet<String> {
    get_json(&consul.url("/v1/agent/services"))
        .and_then(|v| v.as_object().map(|m| m.keys().cloned().collect()))
        .unwrap_or_default()
}

/// The status of the check of service instance `id`.
fn check_status(consul: &Consul, service: &str, id: &str) -> Option<String> {
    get_json(&consul.url(&format!("/v1/health/checks/{service}")))?
        .as_array()?
        .iter()
        .find(|c| c["ServiceID"] == id)
        .and_then(|c| c["Status"].as_str().map(str::to_owned))
}

/// The instance IDs answering `n` requests through Traefik on `path`; `None` if any
/// request was not a 200.
fn routed(traefik: &Traefik, path: &str, n: usize) -> Option<Vec<String>> {
    (0..n)
        .map(|_| match call(&traefik.url(path)) {
            Some((200, id, _)) => Some(id),
            _ => None,
        })
        .collect()
}

/// A configuration value as text, whatever JSON type the stack gives it.
fn text(v: &Value) -> String {
    v.as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| v.to_string())
}

/// True when `instance` (on `port`) reports `key` = `value` on `<prefix>/config` in
/// `tries` consecutive requests (a Django instance has several workers, each with its
/// own watcher).
fn shows(port: u16, prefix: &str, key: &str, value: &str, tries: usize) -> bool {
    (0..tries).all(|_| {
        call(&local(port, &format!("{prefix}/config")))
            .is_some_and(|(status, _, body)| status == 200 && text(&body["values"][key]) == value)
    })
}

/// Waits for the instance on `port` to pass its check and returns its ID, after
/// checking the ID, the registered address and the `/health` and header contract.
fn registered(consul: &Consul, service: &str, port: u16) -> String {
    let (id, address) = wait_for(
        &format!("{service} on port {port} passing in Consul"),
        Duration::from_secs(60),
        || {
            passing(consul, service)
                .into_iter()
                .find(|(_, (_, p))| *p == port)
                .map(|(id, (address, _))| (id, address))
        },
    )
    .unwrap();
    assert_eq!(
        address, "127.0.0.1",
        "{id}: the address is SERVICE_ADDRESS, never a wildcard"
    );
    let host = id
        .strip_prefix(&format!("{service}-"))
        .and_then(|rest| rest.strip_suffix(&format!("-{port}")))
        .unwrap_or_else(|| panic!("{id} is not <name>-<host>-<port>"));
    assert!(!host.is_empty(), "{id}: no host part");
    for path in ["/health".to_owned(), format!("/{service}/health")] {
        let (status, header, body) = call(&local(port, &path)).expect("the instance answers");
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body["instance"], id.as_str(), "{path}: {body}");
        assert_eq!(header, id, "{path}: X-Instance-Id");
    }
    id
}

#[test]
fn generated_services_work_with_real_consul_and_traefik() {
    let Some(bin) = tools() else { return };
    let started = Instant::now();
    let Some(built) = build() else { return };
    eprintln!("e2e: scaffolded and built in {:?}", started.elapsed());
    let logs = Logs::new("e2e");
    with_logs(&logs, || run(&bin, &built, &logs));
    eprintln!("e2e: done in {:?}", started.elapsed());
}

fn run(bin: &Path, built: &Built, logs: &Logs) {
    let consul_port = free_port();
    let (orders_a, orders_b, catalog_port, payments_port) =
        (free_port(), free_port(), free_port(), free_port());

    // Started before Consul: they serve at once and keep retrying the registration.
    let mut catalog = start_service(built, logs, "catalog", "catalog", catalog_port, consul_port);
    let mut payments = start_service(
        built,
        logs,
        "payments",
        "payments",
        payments_port,
        consul_port,
    );
    let a = start_service(built, logs, "orders-a", "orders", orders_a, consul_port);
    for (name, port) in [
        ("catalog", catalog_port),
        ("payments", payments_port),
        ("orders-a", orders_a),
    ] {
        wait_for(
            &format!("{name} serving /health"),
            Duration::from_secs(60),
            || call(&local(port, "/health")).filter(|r| r.0 == 200),
        )
        .unwrap();
    }
    // Every one of them has failed to register at least once by now.
    wait_for(
        "failed registrations logged",
        Duration::from_secs(10),
        || {
            [&catalog, &payments, &a]
                .iter()
                .all(|p| {
                    std::fs::read_to_string(&p.log)
                        .is_ok_and(|l| l.to_lowercase().contains("registration failed"))
                })
                .then_some(())
        },
    )
    .unwrap();

    let consul = start_consul(bin, logs, consul_port);
    let traefik = start_traefik(bin, logs, &consul);
    let mut b = start_service(built, logs, "orders-b", "orders", orders_b, consul_port);

    // 1. Every instance registers (the early ones after retrying) and passes its check.
    let id_a = registered(&consul, "orders", orders_a);
    let id_b = registered(&consul, "orders", orders_b);
    let id_catalog = registered(&consul, "catalog", catalog_port);
    let id_payments = registered(&consul, "payments", payments_port);
    assert_ne!(id_a, id_b, "instances of one service have distinct IDs");

    // 2. Traefik routes each prefix to its service; orders alternates between instances.
    for (prefix, service, ids) in [
        ("/catalog", "catalog", vec![id_catalog.clone()]),
        ("/payments", "payments", vec![id_payments.clone()]),
        ("/orders", "orders", vec![id_a.clone(), id_b.clone()]),
    ] {
        wait_for(
            &format!("{prefix} routed to {service}"),
            Duration::from_secs(30),
            || {
                let (status, header, body) = call(&traefik.url(&format!("{prefix}/health")))?;
                (status == 200 && body["service"] == service && ids.contains(&header)).then_some(())
            },
        )
        .unwrap();
    }
    let both = BTreeSet::from([id_a.clone(), id_b.clone()]);
    wait_for(
        "orders alternating between a and b",
        Duration::from_secs(30),
        || {
            let seen = routed(&traefik, "/orders/health", 6)?;
            let alternates = seen.windows(2).all(|w| w[0] != w[1]);
            (alternates && seen.iter().cloned().collect::<BTreeSet<_>>() == both).then_some(())
        },
    )
    .unwrap();

    // 3. A KV change shows on the config endpoint within 2 seconds, without a restart.
    for (service, key, ports) in [
        ("orders", "CURRENCY", vec![orders_a, orders_b]),
        ("catalog", "PAGE_SIZE", vec![catalog_port]),
        ("payments", "PROVIDER_URL", vec![payments_port]),
    ] {
        let url = consul.url(&format!("/v1/kv/config/{service}/dev/{key}"));
        let prefix = format!("/{service}");
        // The watchers started while Consul was down: wait for them to reach it.
        let (first, second) = match key {
            "PAGE_SIZE" => ("31", "47"),
            _ => ("first-e2e-value", "second-e2e-value"),
        };
        assert_eq!(put_text(&url, first), Some(200));
        wait_for(
            &format!("{service} watching Consul KV"),
            Duration::from_secs(60),
            || {
                ports
                    .iter()
                    .all(|p| shows(*p, &prefix, key, first, 4))
                    .then_some(())
            },
        )
        .unwrap();
        let changed = Instant::now();
        assert_eq!(put_text(&url, second), Some(200));
        wait_for(
            &format!("{service}'s {key} reloaded"),
            Duration::from_secs(2),
            || {
                ports
                    .iter()
                    .all(|p| shows(*p, &prefix, key, second, 4))
                    .then_some(())
            },
        )
        .unwrap_or_else(|e| panic!("{e} (a KV change must show within 2 seconds)"));
        eprintln!("e2e: {service} reloaded {key} in {:?}", changed.elapsed());
    }
    for (name, port, id) in [
        ("orders-a", orders_a, &id_a),
        ("orders-b", orders_b, &id_b),
        ("catalog", catalog_port, &id_catalog),
        ("payments", payments_port, &id_payments),
    ] {
        let (_, header, _) = call(&local(port, "/health")).expect("still serving");
        assert_eq!(&header, id, "{name} was not restarted");
    }

    // 4. Calls between services resolve the callee through discovery.
    for (path, callee, id, port) in [
        (
            "/orders/dependencies/catalog",
            "catalog",
            &id_catalog,
            catalog_port,
        ),
        (
            "/orders/dependencies/payments",
            "payments",
            &id_payments,
            payments_port,
        ),
        (
            "/catalog/dependencies/payments",
            "payments",
            &id_payments,
            payments_port,
        ),
    ] {
        let (status, _, body) = call(&traefik.url(path)).expect("answer");
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body["service"], callee, "{path}: {body}");
        assert_eq!(body["instance"], id.as_str(), "{path}: {body}");
        assert_eq!(body["address"], "127.0.0.1", "{path}: {body}");
        assert_eq!(body["port"], port, "{path}: {body}");
        assert_eq!(body["status"], 200, "{path}: {body}");
    }
    let (status, _, body) = call(&traefik.url("/payments/dependencies/orders")).expect("answer");
    assert_eq!(status, 404, "payments depends on nothing: {body}");

    // 5. SIGTERM deregisters the instance and Traefik stops routing to it.
    b.signal("TERM");
    assert!(
        b.wait_exit(Duration::from_secs(20)),
        "orders-b did not exit on SIGTERM"
    );
    wait_for("orders-b deregistered", Duration::from_secs(10), || {
        (!agent_services(&consul).contains(&id_b)).then_some(())
    })
    .unwrap();
    wait_for(
        "only orders-a behind /orders",
        Duration::from_secs(20),
        || {
            let seen = routed(&traefik, "/orders/health", 6)?;
            seen.iter().all(|id| *id == id_a).then_some(())
        },
    )
    .unwrap();

    // 6. SIGKILL: no deregistration, the check turns critical, Traefik drops the
    // instance and the other one keeps serving.
    drop(b);
    let mut b = start_service(built, logs, "orders-b2", "orders", orders_b, consul_port);
    assert_eq!(
        registered(&consul, "orders", orders_b),
        id_b,
        "the ID is stable across restarts"
    );
    wait_for(
        "orders-b back behind /orders",
        Duration::from_secs(30),
        || {
            routed(&traefik, "/orders/health", 6)?
                .contains(&id_b)
                .then_some(())
        },
    )
    .unwrap();
    b.signal("KILL");
    assert!(b.wait_exit(Duration::from_secs(10)));
    wait_for("orders-b's check critical", Duration::from_secs(20), || {
        (check_status(&consul, "orders", &id_b).as_deref() == Some("critical")).then_some(())
    })
    .unwrap();
    assert!(
        agent_services(&consul).contains(&id_b),
        "a killed instance cannot deregister: it stays registered, critical"
    );
    wait_for(
        "only orders-a behind /orders after SIGKILL",
        Duration::from_secs(20),
        || {
            let seen = routed(&traefik, "/orders/health", 6)?;
            seen.iter().all(|id| *id == id_a).then_some(())
        },
    )
    .unwrap();
    let seen = routed(&traefik, "/orders/health", 10).expect("orders-a keeps serving");
    assert!(seen.iter().all(|id| *id == id_a), "{seen:?}");

    // 7. SIGTERM deregisters in the other stacks too (gunicorn's master on exit, the
    // Rust service on its shutdown signal); a caller then gets 502.
    for (proc, service, id) in [
        (&mut payments, "payments", &id_payments),
        (&mut catalog, "catalog", &id_catalog),
    ] {
        proc.signal("TERM");
        assert!(
            proc.wait_exit(Duration::from_secs(30)),
            "{service} did not exit on SIGTERM"
        );
        wait_for(
            &format!("{service} deregistered"),
            Duration::from_secs(10),
            || (!agent_services(&consul).contains(id)).then_some(()),
        )
        .unwrap();
        wait_for(
            &format!("/{service} no longer routed"),
            Duration::from_secs(20),
            || {
                let (status, _, _) = call(&traefik.url(&format!("/{service}/health")))?;
                (status != 200).then_some(())
            },
        )
        .unwrap();
    }
    let (status, _, body) = call(&traefik.url("/orders/dependencies/catalog")).expect("answer");
    assert_eq!(status, 502, "no passing instance of catalog: {body}");
    drop(a);
    drop(traefik);
    drop(consul);
}
