//! Real infrastructure for end-to-end tests: a Consul dev agent and Traefik with the
//! Consul Catalog provider, on 127.0.0.1 with free ports, installed by
//! `.ci/install-tools.sh` into `.cache/tools/bin`. Every process is killed when its
//! handle drops, also when a test fails; its output is kept in a log file that
//! [`Logs::dump`] prints.

#![allow(dead_code)] // each test binary uses part of this module

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Installs Consul and Traefik (cached) and returns their bin directory, or `None`
/// with a loud message when they cannot be installed here. In CI that is a failure.
pub fn tools() -> Option<PathBuf> {
    let out = Command::new("bash")
        .arg(repo().join(".ci/install-tools.sh"))
        .output()
        .expect("run .ci/install-tools.sh");
    if out.status.success() {
        let bin = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        return Some(PathBuf::from(bin));
    }
    let why = String::from_utf8_lossy(&out.stderr);
    if in_ci() {
        panic!("CI=true and the end-to-end components could not be installed: {why}");
    }
    eprintln!(
        "\n==================== SKIP ====================\n\
         end-to-end test skipped: Consul/Traefik could not be installed ({why})\n\
         run .ci/install-tools.sh to see why; in CI this is a failure\n\
         ==============================================\n"
    );
    None
}

/// A free TCP port on 127.0.0.1 (released before use; good enough on a test machine).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Polls `check` every 100 ms until it returns `Some`, or fails after `limit`.
pub fn wait_for<T>(
    what: &str,
    limit: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> Result<T, String> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check() {
            return Ok(v);
        }
        if Instant::now() > deadline {
            return Err(format!("timed out after {limit:?} waiting for {what}"));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A started process, killed (with its process group) when dropped.
pub struct Proc {
    pub name: String,
    child: Option<Child>,
    pub log: PathBuf,
}

impl Proc {
    pub fn start(name: &str, mut cmd: Command, logs: &Logs) -> Proc {
        let log = logs.dir.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).expect("log file");
        cmd.stdout(file.try_clone().expect("log file"))
            .stderr(file)
            .stdin(Stdio::null());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            cmd.process_group(0);
        }
        let child = cmd.spawn().unwrap_or_else(|e| panic!("start {name}: {e}"));
        logs.register(name, &log);
        Proc {
            name: name.to_owned(),
            child: Some(child),
            log,
        }
    }

    /// Sends a signal to the process (`TERM`, `KILL`, `INT`).
    pub fn signal(&self, signal: &str) {
        let Some(child) = self.child.as_ref() else {
            return; // exited and reaped: nothing to signal (pid 0 would mean our own group)
        };
        let _ = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status();
    }

    /// Waits for the process to exit after a signal; true when it did within `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> bool {
        let Some(child) = self.child.as_mut() else {
            return true;
        };
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = child.try_wait() {
                // Reaped: its pid (and group id) may be reused now, so never signal it
                // again — dropping the handle must not kill whatever got that id.
                self.child = None;
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // The whole group: a script's children die with it.
            // `--` so the negative group id is not read as an option.
            let _ = Command::new("kill")
                .arg("-KILL")
                .arg("--")
                .arg(format!("-{}", child.id()))
                .status();
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The log files of a test's processes, printed when the test fails.
pub struct Logs {
    pub dir: PathBuf,
    files: std::sync::Mutex<Vec<(String, PathBuf)>>,
}

impl Logs {
    pub fn new(name: &str) -> Logs {
        let dir = repo().join(".cache/e2e-logs").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("log dir");
        Logs {
            dir,
            files: std::sync::Mutex::new(Vec::new()),
        }
    }

    fn register(&self, name: &str, path: &Path) {
        self.files
            .lock()
            .unwrap()
            .push((name.to_owned(), path.to_owned()));
    }

    pub fn dump(&self) {
        for (name, path) in self.files.lock().unwrap().iter() {
            let mut text = String::new();
            let _ = std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text));
            let tail: Vec<&str> = text.lines().rev().take(80).collect();
            eprintln!("----- {name} ({}) -----", path.display());
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// Runs `body`; on panic prints every process's log, then re-raises.
pub fn with_logs(logs: &Logs, body: impl FnOnce()) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(body));
    if let Err(e) = result {
        logs.dump();
        std::panic::resume_unwind(e);
    }
}

pub struct Consul {
    pub proc: Proc,
    pub http_port: u16,
}

impl Consul {
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.http_port)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.http_port)
    }
}

/// A Consul dev agent on loopback with free ports (DNS and gRPC off).
pub fn start_consul(bin: &Path, logs: &Logs, http_port: u16) -> Consul {
    let ports = format!(
        "ports {{ http = {http_port}, dns = -1, grpc = -1, serf_lan = {}, serf_wan = {}, server = {} }}",
        free_port(),
        free_port(),
        free_port()
    );
    let mut cmd = Command::new(bin.join("consul"));
    cmd.args([
        "agent",
        "-dev",
        "-bind",
        "127.0.0.1",
        "-client",
        "127.0.0.1",
        "-hcl",
        &ports,
    ]);
    let proc = Proc::start("consul", cmd, logs);
    let consul = Consul { proc, http_port };
    wait_for("Consul's leader", Duration::from_secs(30), || {
        let leader = get_text(&consul.url("/v1/status/leader"))?;
        (leader.trim().len() > 2).then_some(())
    })
    .unwrap_or_else(|e| {
        logs.dump();
        panic!("{e}")
    });
    consul
}

pub struct Traefik {
    pub proc: Proc,
    pub web_port: u16,
    pub ping_port: u16,
}

impl Traefik {
    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.web_port)
    }
}

/// Traefik with the Consul Catalog provider (`exposedByDefault: false`) and a fast
/// refresh, routing entrypoint `web` on a free port.
pub fn start_traefik(bin: &Path, logs: &Logs, consul: &Consul) -> Traefik {
    let web_port = free_port();
    let ping_port = free_port();
    let config = format!(
        "entryPoints:\n  web:\n    address: \"127.0.0.1:{web_port}\"\n  ping:\n    address: \"127.0.0.1:{ping_port}\"\n\
         ping:\n  entryPoint: ping\n\
         log:\n  level: DEBUG\n\
         providers:\n  consulCatalog:\n    refreshInterval: 1s\n    exposedByDefault: false\n    endpoint:\n      address: \"{}\"\n",
        consul.addr()
    );
    let file = logs.dir.join("traefik.yml");
    std::fs::write(&file, config).expect("traefik config");
    let mut cmd = Command::new(bin.join("traefik"));
    cmd.arg(format!("--configFile={}", file.display()));
    let proc = Proc::start("traefik", cmd, logs);
    let traefik = Traefik {
        proc,
        web_port,
        ping_port,
    };
    wait_for("Traefik's ping", Duration::from_secs(30), || {
        get_text(&format!("http://127.0.0.1:{ping_port}/ping")).map(|_| ())
    })
    .unwrap_or_else(|e| {
        logs.dump();
        panic!("{e}")
    });
    traefik
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(5)))
        .http_status_as_error(false)
        .build()
        .into()
}

/// GET returning the body of a 2xx response.
pub fn get_text(url: &str) -> Option<String> {
    let mut resp = agent().get(url).call().ok()?;
    if !resp.status().is_success() {
        return None;
    }
    resp.body_mut().read_to_string().ok()
}

/// GET returning status and body, whatever the status.
pub fn get(url: &str) -> Option<(u16, String)> {
    let mut resp = agent().get(url).call().ok()?;
    let status = resp.status().as_u16();
    Some((status, resp.body_mut().read_to_string().unwrap_or_default()))
}

pub fn get_json(url: &str) -> Option<serde_json::Value> {
    serde_json::from_str(&get_text(url)?).ok()
}

pub fn put_json(url: &str, body: &serde_json::Value) -> Option<u16> {
    let resp = agent().put(url).send_json(body).ok()?;
    Some(resp.status().as_u16())
}

pub fn put_text(url: &str, body: &str) -> Option<u16> {
    let resp = agent().put(url).send(body).ok()?;
    Some(resp.status().as_u16())
}
