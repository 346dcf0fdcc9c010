//! The Django service templates (`templates/django/`), rendered for a fixture
//! decomposition and then checked the way their users would: the generated project must
//! pass `manage.py check`, have migrations in step with its models, pass its own tests
//! (CRUD, health, config, KV reload against a fake Consul, registration, discovery) and
//! lint clean with ruff.
//!
//! - `renders_the_service_files` needs only `python3` (for `py_compile`);
//! - `generated_services_pass_their_checks_and_tests` installs the generated
//!   requirements into a venv under `.cache/scaffold-test/venv-django` (cached, rebuilt
//!   when the requirements change) and runs everything in
//!   `.cache/scaffold-test/django/<service>/`. If the package index cannot be reached it
//!   prints a loud SKIP, unless CI=true, where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use seam::decomposition::{Context, Decomposition, Stack, load};
use seam::scaffold::context::TemplateContext;
use seam::scaffold::render::{RenderedFile, render_dir};

const FIXTURE: &str = "fixtures/scaffold/django-only.yaml";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn fixture() -> Decomposition {
    let text = std::fs::read_to_string(repo().join(FIXTURE)).expect("read fixture");
    load::load(FIXTURE, &text).unwrap_or_else(|e| panic!("{FIXTURE} is invalid:\n{e}"))
}

/// The fixture's Django context, and a bare one (no entity, config or dependency) that
/// exercises the templates' empty branches.
fn services() -> Vec<(TemplateContext, Vec<RenderedFile>)> {
    let mut d = fixture();
    d.contexts.push(Context::new("bare", Stack::Django));
    d.contexts
        .iter()
        .filter(|c| c.stack == Stack::Django)
        .map(|c| {
            let ctx = TemplateContext::new(&d, c);
            let files =
                render_dir("django", &ctx).unwrap_or_else(|e| panic!("rendering {}: {e}", c.name));
            (ctx, files)
        })
        .collect()
}

fn file<'a>(files: &'a [RenderedFile], path: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| {
            let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
            panic!("{path} was not rendered; got {paths:?}")
        })
        .contents
}

fn write_tree(dir: &Path, files: &[RenderedFile]) {
    if dir.exists() {
        std::fs::remove_dir_all(dir).expect("clear the previous output");
    }
    for f in files {
        let path = dir.join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &f.contents).unwrap();
    }
}

fn run(dir: &Path, program: &Path, args: &[&str]) -> Result<String, String> {
    let output = Command::new(program)
        .args(args)
        .current_dir(dir)
        .env_remove("DJANGO_SETTINGS_MODULE")
        .env_remove("CONSUL_HTTP_ADDR")
        .env_remove("CONSUL_HTTP_TOKEN")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!(
            "`{} {}` failed in {}:\n{text}",
            program.display(),
            args.join(" "),
            dir.display()
        ))
    }
}

fn python3_or_skip() -> Option<PathBuf> {
    if Command::new("python3").arg("--version").output().is_ok() {
        return Some(PathBuf::from("python3"));
    }
    assert!(!in_ci(), "python3 is required in CI");
    eprintln!("\n*** SKIP: python3 is not installed; the Django templates were not compiled ***\n");
    None
}

#[test]
fn renders_the_service_files() {
    let services = services();
    let (ctx, files) = &services[0];
    assert_eq!(ctx.service.name, "order-service");
    let ident = &ctx.service.ident;
    for path in [
        "manage.py",
        "requirements.txt",
        "requirements-dev.txt",
        "gunicorn.conf.py",
        "Dockerfile",
        "README.md",
        "pyproject.toml",
    ]
    .into_iter()
    .map(String::from)
    .chain(
        [
            "settings.py",
            "urls.py",
            "wsgi.py",
            "runtime_config.py",
            "registration.py",
            "discovery.py",
            "clients.py",
            "ops_views.py",
            "resources/models.py",
            "resources/serializers.py",
            "resources/views.py",
            "resources/migrations/0001_initial.py",
            "tests/test_api.py",
            "tests/test_runtime_config.py",
            "tests/test_registration.py",
            "tests/test_discovery.py",
        ]
        .map(|p| format!("{ident}/{p}")),
    ) {
        file(files, &path);
    }
    assert!(files.iter().all(|f| !f.path.contains("{{")));

    // Versions come from versions.rs.
    let requirements = file(files, "requirements.txt");
    assert!(requirements.contains(&format!("Django=={}.*", ctx.versions.django)));
    assert!(requirements.contains(&format!("py-consul=={}.*", ctx.versions.py_consul)));
    assert!(!requirements.lines().any(|l| l.starts_with("python-consul")));

    // Every Traefik tag is registered, verbatim, and the ID is name-host-port.
    let registration = file(files, &format!("{ident}/registration.py"));
    assert!(ctx.service.tags.len() > 5, "{:?}", ctx.service.tags);
    for tag in &ctx.service.tags {
        // minijinja's `tojson` also escapes `<>&'` as \u00XX: still the same Python string.
        let literal = serde_json::to_string(tag)
            .unwrap()
            .replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026")
            .replace('\'', "\\u0027");
        assert!(registration.contains(&literal), "tag {tag} not registered");
    }
    assert!(registration.contains("SERVICE_NAME = \"order-service\""));
    assert!(registration.contains("return f\"{SERVICE_NAME}-{host}-{port}\""));
    assert!(registration.contains("DEFAULT_PORT = 8111"));
    assert!(registration.contains("deregister=DEREGISTER_CRITICAL_AFTER"));

    // Both the prefixed and the stripped routes are mounted.
    let urls = file(files, &format!("{ident}/urls.py"));
    assert!(urls.contains("path(\"orders/\", include(service_patterns))"));
    assert!(urls.contains("path(\"\", include(service_patterns))"));

    // KV prefix and a dependency client.
    let runtime = file(files, &format!("{ident}/runtime_config.py"));
    assert!(runtime.contains("\"config/order-service/dev/\""));
    let clients = file(files, &format!("{ident}/clients.py"));
    assert!(clients.contains("class CatalogClient(ServiceClient):"));

    // Field mapping, ref columns and db_table.
    let models = file(files, &format!("{ident}/resources/models.py"));
    for expected in [
        "reference = models.CharField(max_length=255)",
        "total = models.DecimalField(max_digits=12, decimal_places=2)",
        "paid = models.BooleanField(default=False)",
        "customer_id = models.BigIntegerField(db_index=True)",
        "order_id = models.BigIntegerField(db_index=True)",
        "db_table = \"orders_order\"",
        "db_table = \"flag\"",
    ] {
        assert!(
            models.contains(expected),
            "models.py lacks {expected}:\n{models}"
        );
    }
    assert!(!models.contains("order_id_id"));

    insta::assert_snapshot!("django_models", models);
    insta::assert_snapshot!(
        "django_migration",
        file(
            files,
            &format!("{ident}/resources/migrations/0001_initial.py")
        )
    );
    insta::assert_snapshot!("django_registration", registration);
    insta::assert_snapshot!("django_urls", urls);

    // Every generated Python file compiles, for both services.
    let Some(python) = python3_or_skip() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    for (ctx, files) in &services {
        let dir = out.path().join(&ctx.service.name);
        write_tree(&dir, files);
        let sources: Vec<&str> = files
            .iter()
            .filter(|f| f.path.ends_with(".py"))
            .map(|f| f.path.as_str())
            .collect();
        assert!(sources.len() > 15);
        let mut args = vec!["-m", "py_compile"];
        args.extend(sources);
        run(&dir, &python, &args).unwrap_or_else(|e| panic!("{e}"));
    }
}

/// Creates (or reuses) the venv for `requirements-dev.txt`; `None` when the package
/// index cannot be reached (after printing a SKIP, or panicking in CI).
fn venv(service_dir: &Path) -> Option<PathBuf> {
    let root = repo().join(".cache/scaffold-test");
    let venv = root.join("venv-django");
    let python = venv.join("bin/python");
    let mut key = blake3::Hasher::new();
    for name in ["requirements.txt", "requirements-dev.txt"] {
        key.update(&std::fs::read(service_dir.join(name)).unwrap());
    }
    let key = key.finalize().to_hex().to_string();
    let stamp = venv.join("seam-requirements.hash");
    if python.exists() && std::fs::read_to_string(&stamp).is_ok_and(|s| s == key) {
        return Some(python);
    }
    if venv.exists() {
        std::fs::remove_dir_all(&venv).unwrap();
    }
    std::fs::create_dir_all(&root).unwrap();
    let python3 = python3_or_skip()?;
    run(&root, &python3, &["-m", "venv", venv.to_str().unwrap()]).unwrap_or_else(|e| panic!("{e}"));
    let install = run(
        service_dir,
        &python,
        &[
            "-m",
            "pip",
            "install",
            "--quiet",
            "-r",
            "requirements-dev.txt",
        ],
    );
    if let Err(error) = install {
        // Broken requirements, or no index? Ask the index for one known package.
        let probe = tempfile::tempdir().unwrap();
        let reachable = run(
            service_dir,
            &python,
            &[
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":none:",
                "-d",
                probe.path().to_str().unwrap(),
                "--index-url",
                "https://pypi.org/simple",
                "sqlparse",
            ],
        )
        .is_ok();
        std::fs::remove_dir_all(&venv).ok();
        if reachable {
            panic!("the generated requirements do not install:\n{error}");
        }
        assert!(
            !in_ci(),
            "the package index cannot be reached in CI:\n{error}"
        );
        eprintln!(
            "\n*** SKIP: the package index cannot be reached; the generated Django services were \
             not built or tested ***\n{error}\n"
        );
        return None;
    }
    std::fs::write(&stamp, &key).unwrap();
    Some(python)
}

#[test]
fn generated_services_pass_their_checks_and_tests() {
    let services = services();
    let root = repo().join(".cache/scaffold-test/django");
    let mut python = None;
    for (ctx, files) in &services {
        let dir = root.join(&ctx.service.name);
        write_tree(&dir, files);
        if python.is_none() {
            python = venv(&dir);
            if python.is_none() {
                return;
            }
        }
        let python = python.as_ref().unwrap();
        let ruff = python.with_file_name("ruff");
        // The registered tags are exactly the computed ones, once Python has read them.
        let tags = run(
            &dir,
            python,
            &[
                "-c",
                &format!(
                    "import json; from {}.registration import TAGS; print(json.dumps(TAGS))",
                    ctx.service.ident
                ),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let tags: Vec<String> = serde_json::from_str(tags.trim()).expect("tags as JSON");
        assert_eq!(tags, ctx.service.tags);
        let check = run(
            &dir,
            python,
            &["manage.py", "check", "--fail-level", "WARNING"],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(check.contains("no issues"), "{check}");
        run(
            &dir,
            python,
            &["manage.py", "makemigrations", "--check", "--dry-run"],
        )
        .unwrap_or_else(|e| panic!("migrations are out of step with the models:\n{e}"));
        let tests = run(&dir, python, &["manage.py", "test", "--verbosity", "2"])
            .unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "{}: {}",
            ctx.service.name,
            tests
                .lines()
                .filter(|l| l.starts_with("Ran "))
                .collect::<String>()
        );
        run(&dir, &ruff, &["check", "."]).unwrap_or_else(|e| panic!("{e}"));
        run(&dir, &ruff, &["format", "--check", "--diff", "."]).unwrap_or_else(|e| panic!("{e}"));
    }
}
