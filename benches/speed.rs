//! Speed of seam against the tools people use today and against the floor of its own
//! design, side by side on one machine. Prints figures, asserts nothing.
//!
//! ```sh
//! cargo bench --bench speed                                   # everything, default sizes
//! SEAM_BENCH_ONLY=python,scale cargo bench --bench speed      # some sections
//! SEAM_BENCH_SCALE_LOC=10000,100000,1000000,3000000 cargo bench --bench speed
//! SEAM_BENCH_RUNS=5 cargo bench --bench speed                 # median of 5 (default 3)
//! SEAM_BENCH_SCALE_LANGS=django,go ...                         # scale curve languages
//! SEAM_BENCH_KEEP=1 ...   # keep .cache/bench/synth/<lang>-<loc> (code, graph.json,
//!                         # decomposition-50.yaml, services/) to profile by hand
//! ```
//!
//! Sections (README "Benchmarks" has the latest figures and the targets):
//! - `python`: `seam analyze` on pretix and on Django (wheels from PyPI, unpacked into
//!   `.cache/bench/src`), cold (`--no-cache`, and an empty cache dir) and warm, next to
//!   grimp's `build_graph` and `tach map` (both from PyPI into `.cache/bench/venv`), all
//!   relative to the tree-sitter parse floor: the same files (`seam::source::walk` +
//!   `seam::frontend::keep`) read and parsed by tree-sitter-python on rayon's default
//!   pool, which is the pool seam uses.
//! - `go`: `seam analyze --lang go` against `go list -deps -json ./...` on SPIRE (the
//!   module tests/real_go.rs downloads into `.cache/gomod`).
//! - `rust`: `seam analyze --lang rust` against `cargo modules` on sqlparser (from the
//!   local cargo registry); cargo-modules is used when `bench/install-cargo-modules`
//!   installed it into `.cache/bench/tools`, skipped with the reason otherwise.
//! - `scale`: synthetic monoliths (`seam::synth::generate`) per language and size:
//!   analyze time and peak RSS, propose time, scaffold of 50 contexts (dry run and a
//!   real write).
//!
//! seam runs as the release binary cargo builds for this bench (`CARGO_BIN_EXE_seam`),
//! as a child process timed by wall clock; peak memory is the child's max RSS as
//! reported by `/usr/bin/time -f %M`. Every figure is the median of `SEAM_BENCH_RUNS`.
//! A competitor that cannot be installed or run is reported with the reason; the bench
//! goes on.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use seam::frontend::{self, FrontendOptions};
use seam::graph::Lang;
use seam::source::{self, FileKind, WalkOptions};
use seam::synth::{SynthLang, SynthSpec, generate};

const DJANGO_VERSION: &str = "5.2.19";
const PRETIX_VERSION: &str = "2026.8.0";
const GRIMP_VERSION: &str = "3.20";
const TACH_VERSION: &str = "0.35.3";
/// The Go module of tests/real_go.rs (a GORM application, ~1.5k Go files).
const GO_MODULE: &str = "github.com/spiffe/spire";
const GO_VERSION: &str = "v1.13.3";
/// A large crate already in the local cargo registry (a dependency of seam).
const RUST_CRATE: &str = "sqlparser";
const RUST_CRATE_VERSION: &str = "0.61.0";
/// `seam scaffold` is timed on a decomposition of this many contexts.
const SCAFFOLD_CONTEXTS: usize = 50;

fn main() {
    // Allocating as seam does (mimalloc for Rust and tree-sitter): the parse floor is
    // this design's, not glibc's.
    // SAFETY: first thing in this process, before any parser exists.
    unsafe { seam::alloc::route_tree_sitter() };
    if let Some(job) = std::env::var_os(FLOOR_CHILD) {
        return floor_child(&job.to_string_lossy());
    }
    let bench = Bench::new();
    bench.print_machine();
    let mut verdicts = Verdicts::default();
    if bench.wants("python") {
        python_section(&bench, &mut verdicts);
    }
    if bench.wants("go") {
        go_section(&bench);
    }
    if bench.wants("rust") {
        rust_section(&bench);
    }
    if bench.wants("scale") {
        scale_section(&bench, &mut verdicts);
    }
    verdicts.print();
}

// --- harness --------------------------------------------------------------------------

struct Bench {
    repo: PathBuf,
    cache: PathBuf,
    seam: PathBuf,
    runs: usize,
    only: Option<Vec<String>>,
    has_time: bool,
}

impl Bench {
    fn new() -> Bench {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let cache = repo.join(".cache/bench");
        std::fs::create_dir_all(&cache).expect("create .cache/bench");
        let runs = std::env::var("SEAM_BENCH_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|&n| n > 0)
            .unwrap_or(3);
        let only = std::env::var("SEAM_BENCH_ONLY")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect());
        Bench {
            repo,
            cache,
            seam: PathBuf::from(env!("CARGO_BIN_EXE_seam")),
            runs,
            only,
            has_time: Path::new("/usr/bin/time").exists(),
        }
    }

    fn wants(&self, section: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|o| o.iter().any(|s| s == section))
    }

    fn seam(&self) -> Command {
        let mut cmd = Command::new(&self.seam);
        // A cache dir of the user's must never make a "cold" run warm.
        cmd.env_remove("SEAM_CACHE_DIR");
        cmd
    }

    /// Runs `cmd` once; wall time and the child's max RSS.
    fn time_once(&self, cmd: &Command) -> Result<Sample, String> {
        let rss_file = self.cache.join("rss.txt");
        let mut run = if self.has_time {
            let mut c = Command::new("/usr/bin/time");
            c.arg("-f").arg("%M").arg("-o").arg(&rss_file);
            c.arg(cmd.get_program()).args(cmd.get_args());
            c
        } else {
            let mut c = Command::new(cmd.get_program());
            c.args(cmd.get_args());
            c
        };
        if let Some(dir) = cmd.get_current_dir() {
            run.current_dir(dir);
        }
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => run.env(k, v),
                None => run.env_remove(k),
            };
        }
        run.stdout(Stdio::null()).stderr(Stdio::piped());
        let start = Instant::now();
        let out = run.output().map_err(|e| format!("cannot run: {e}"))?;
        let wall = start.elapsed();
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(4).collect();
            return Err(format!(
                "{} exited with {}: {}",
                cmd.get_program().to_string_lossy(),
                out.status,
                tail.into_iter().rev().collect::<Vec<_>>().join(" | ")
            ));
        }
        let max_rss_kib = self
            .has_time
            .then(|| std::fs::read_to_string(&rss_file).ok())
            .flatten()
            .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()));
        Ok(Sample { wall, max_rss_kib })
    }

    /// Median of `runs` runs; `before` runs before each (untimed), e.g. to empty a dir.
    fn time(&self, cmd: &Command, mut before: impl FnMut()) -> Result<Sample, String> {
        let mut samples = Vec::with_capacity(self.runs);
        for _ in 0..self.runs {
            before();
            samples.push(self.time_once(cmd)?);
        }
        Ok(Sample::median(samples))
    }
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: Duration,
    max_rss_kib: Option<u64>,
}

impl Sample {
    fn median(mut samples: Vec<Sample>) -> Sample {
        samples.sort_by_key(|s| s.wall);
        let wall = samples[samples.len() / 2].wall;
        let max_rss_kib = samples.iter().filter_map(|s| s.max_rss_kib).max();
        Sample { wall, max_rss_kib }
    }

    fn of(wall: Duration) -> Sample {
        Sample {
            wall,
            max_rss_kib: None,
        }
    }
}

/// Median wall time of `runs` calls of `f`.
fn median_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut walls = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(f());
        walls.push(start.elapsed());
    }
    walls.sort();
    (walls[walls.len() / 2], last.expect("runs > 0"))
}

/// One table of figures, each with its ratio to the section's reference.
struct Table {
    title: String,
    reference: Option<Duration>,
}

impl Table {
    fn new(title: &str) -> Table {
        println!("\n## {title}");
        println!(
            "{:<44} {:>10} {:>9} {:>10}",
            "measure", "time", "ratio", "peak RSS"
        );
        Table {
            title: title.to_owned(),
            reference: None,
        }
    }

    fn reference(&mut self, what: &str, sample: Sample) {
        self.reference = Some(sample.wall);
        self.row(what, Ok(sample));
    }

    fn row(&mut self, what: &str, sample: Result<Sample, String>) {
        let line = match sample {
            Ok(s) => {
                let ratio = self
                    .reference
                    .map(|r| format!("{:.2}×", s.wall.as_secs_f64() / r.as_secs_f64()))
                    .unwrap_or_default();
                format!(
                    "{:<44} {:>10} {:>9} {:>10}",
                    what,
                    secs(s.wall),
                    ratio,
                    s.max_rss_kib.map(mib).unwrap_or_default()
                )
            }
            Err(why) => format!("{what:<44} unavailable: {why}"),
        };
        println!("{line}");
    }

    fn note(&self, text: &str) {
        println!("  ({}) {text}", self.title);
    }
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{:.1} ms", s * 1000.0)
    } else {
        format!("{s:.2} s")
    }
}

fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

/// stdout of a command, trimmed; the reason when it cannot run.
fn output_of(cmd: &mut Command) -> Result<String, String> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", cmd.get_program().to_string_lossy()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "{} exited with {}: {}",
            cmd.get_program().to_string_lossy(),
            out.status,
            stderr.lines().rev().take(3).collect::<Vec<_>>().join(" | ")
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn first_line(s: Result<String, String>) -> String {
    match s {
        Ok(s) => s.lines().next().unwrap_or("").to_owned(),
        Err(e) => format!("unavailable ({e})"),
    }
}

// --- machine and versions -------------------------------------------------------------

impl Bench {
    fn print_machine(&self) {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let model = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).to_owned())
            .unwrap_or_else(|| "unknown".to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let mem_kib: u64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|l| l.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0);
        let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
        println!("# seam speed bench");
        println!(
            "machine: {} cores ({}), {:.1} GiB RAM, load average {}",
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            model,
            mem_kib as f64 / 1024.0 / 1024.0,
            load.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        );
        println!(
            "runs per figure: {} (median); rayon threads: {}",
            self.runs,
            rayon::current_num_threads()
        );
        println!("versions:");
        println!(
            "  seam: {} ({})",
            first_line(output_of(self.seam().arg("--version"))),
            self.seam.display()
        );
        println!(
            "  rustc: {}",
            first_line(output_of(Command::new("rustc").arg("-V")))
        );
        let lock = std::fs::read_to_string(self.repo.join("Cargo.lock")).unwrap_or_default();
        for krate in ["tree-sitter", "tree-sitter-python", "tree-sitter-go", "syn"] {
            println!("  {krate} (crate): {}", locked_version(&lock, krate));
        }
        println!(
            "  go: {}",
            first_line(output_of(Command::new("go").arg("version")))
        );
        println!(
            "  python: {}",
            first_line(output_of(Command::new("python3").arg("--version")))
        );
        println!(
            "  grimp {GRIMP_VERSION}, tach {TACH_VERSION} (PyPI, into {})",
            self.cache.join("venv").display()
        );
        println!(
            "  cargo-modules: {}",
            first_line(output_of(
                Command::new(self.cargo_modules()).args(["--version"])
            ))
        );
    }

    fn cargo_modules(&self) -> PathBuf {
        self.cache.join("tools/bin/cargo-modules")
    }
}

/// `version` of a package in Cargo.lock (the first one, if several).
fn locked_version(lock: &str, name: &str) -> String {
    let needle = format!("name = \"{name}\"\nversion = \"");
    lock.find(&needle)
        .and_then(|i| {
            let rest = &lock[i + needle.len()..];
            rest.find('"').map(|j| rest[..j].to_owned())
        })
        .unwrap_or_else(|| "?".to_owned())
}

// --- the parse floor ------------------------------------------------------------------

/// The files seam analyses under `root` for `lang`, read and parsed in parallel on
/// rayon's global pool (the one seam's analysis uses), nothing else: the floor of a
/// design that parses every file. Python and Go with their tree-sitter grammars, Rust
/// with syn (what seam's front-ends use). Returns (files parsed, lines).
fn parse_floor(root: &Path, lang: Lang) -> (usize, usize) {
    let opts = FrontendOptions {
        langs: vec![lang],
        include_tests: false,
    };
    let keep = |kind, rel: &str| frontend::keep(kind, rel, &opts);
    let (files, _) = source::walk(root, &WalkOptions::default(), &keep).expect("walk");
    let wanted = match lang {
        Lang::Python => FileKind::Python,
        Lang::Go => FileKind::Go,
        Lang::Rust => FileKind::Rust,
    };
    files
        .par_iter()
        .filter(|f| f.kind == wanted)
        .map(|file| {
            let Ok(bytes) = source::read_bytes(file) else {
                return (0, 0);
            };
            let lines = bytecount_lines(&bytes);
            match lang {
                Lang::Python | Lang::Go => {
                    TS_PARSER.with(|p| {
                        let mut parser = p.borrow_mut();
                        let language: tree_sitter::Language = match lang {
                            Lang::Go => tree_sitter_go::LANGUAGE.into(),
                            _ => tree_sitter_python::LANGUAGE.into(),
                        };
                        parser.set_language(&language).expect("grammar");
                        std::hint::black_box(parser.parse(&bytes, None));
                    });
                }
                Lang::Rust => {
                    if let Ok(text) = std::str::from_utf8(&bytes) {
                        std::hint::black_box(syn::parse_file(text).ok());
                    }
                }
            }
            (1, lines)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

thread_local! {
    static TS_PARSER: std::cell::RefCell<tree_sitter::Parser> =
        std::cell::RefCell::new(tree_sitter::Parser::new());
}

fn bytecount_lines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// Set in the environment of this bench run as a child: `<lang> <root>`, parse once,
/// print `<files> <lines>`.
const FLOOR_CHILD: &str = "SEAM_BENCH_FLOOR_CHILD";

fn floor_child(job: &str) {
    let (lang, root) = job.split_once(' ').expect("<lang> <root>");
    let lang = match lang {
        "python" => Lang::Python,
        "go" => Lang::Go,
        _ => Lang::Rust,
    };
    let (files, lines) = parse_floor(Path::new(root), lang);
    println!("{files} {lines}");
}

/// Times the parse floor and prints its row as the table's reference.
///
/// The reference is a fresh process, timed like `seam` (start-up, walk, reading and
/// parsing, and the page faults of a new heap, on the same allocator tree-sitter uses
/// in both); the same work repeated inside this process, where the heap is already
/// warm, is printed below it for comparison.
fn floor_row(bench: &Bench, table: &mut Table, root: &Path, lang: Lang) -> Duration {
    let lang_name = match lang {
        Lang::Python => "python",
        Lang::Go => "go",
        Lang::Rust => "rust",
    };
    let child = || {
        let mut c = Command::new(std::env::current_exe().expect("the bench's own path"));
        c.env(FLOOR_CHILD, format!("{lang_name} {}", root.display()));
        c
    };
    let counted = output_of(&mut child()).ok().and_then(|out| {
        let mut it = out.split_whitespace().map(|n| n.parse::<usize>().ok());
        Some((it.next()??, it.next()??))
    });
    let (in_process, (files, lines)) = median_of(bench.runs, || parse_floor(root, lang));
    let (files, lines) = counted.unwrap_or((files, lines));
    let label = format!("parse floor ({files} files, {} kLOC)", lines / 1000);
    let wall = match bench.time(&child(), || ()) {
        Ok(sample) => {
            table.reference(&label, sample);
            sample.wall
        }
        Err(e) => {
            eprintln!("  parse floor as a process failed ({e}); using the in-process figure");
            table.reference(&label, Sample::of(in_process));
            in_process
        }
    };
    table.row("  same, in-process (warm heap)", Ok(Sample::of(in_process)));
    wall
}

/// seam analyze cold (no cache), cold (empty cache dir) and warm; returns (cold, warm).
fn seam_rows(
    bench: &Bench,
    table: &mut Table,
    root: &Path,
    lang: &str,
) -> (Option<Sample>, Option<Sample>) {
    let out = bench.cache.join("graph.json");
    let mut base = bench.seam();
    base.args(["analyze", "-q", "--format", "json", "--lang", lang, "-o"])
        .arg(&out)
        .arg(root);
    let mut no_cache = bench.seam();
    no_cache.args(base.get_args()).arg("--no-cache");
    let cold = bench.time(&no_cache, || ());
    table.row("seam analyze --no-cache", cold.clone());

    let cache_dir = bench.cache.join("facts-cache");
    let mut cached = bench.seam();
    cached
        .args(base.get_args())
        .arg("--cache-dir")
        .arg(&cache_dir);
    let empty = bench.time(&cached, || {
        let _ = std::fs::remove_dir_all(&cache_dir);
    });
    table.row("seam analyze, empty cache dir", empty);
    // The last cold run filled the cache: every run from here on is warm.
    let warm = bench.time(&cached, || ());
    table.row("seam analyze, warm cache", warm.clone());
    let _ = std::fs::remove_dir_all(&cache_dir);
    (cold.ok(), warm.ok())
}

// --- Python: pretix and Django --------------------------------------------------------

/// The venv with grimp and tach, and the unpacked wheels; the reason when unavailable.
fn python_setup(bench: &Bench) -> (Result<PathBuf, String>, Vec<(String, PathBuf)>) {
    let venv = bench.cache.join("venv");
    let python = venv.join("bin/python");
    let stamp = venv.join(format!(".bench-grimp-{GRIMP_VERSION}-tach-{TACH_VERSION}"));
    let tools = if stamp.exists() {
        Ok(python.clone())
    } else {
        (|| {
            output_of(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
            output_of(Command::new(&python).args([
                "-m",
                "pip",
                "install",
                "-q",
                "--timeout",
                "60",
                &format!("grimp=={GRIMP_VERSION}"),
                &format!("tach=={TACH_VERSION}"),
            ]))?;
            std::fs::write(&stamp, "").map_err(|e| e.to_string())?;
            Ok(python.clone())
        })()
    };
    let mut trees = Vec::new();
    for (name, version) in [("pretix", PRETIX_VERSION), ("django", DJANGO_VERSION)] {
        let src = bench.cache.join(format!("src/{name}-{version}"));
        if !src.join(name).is_dir() {
            let dist = bench.cache.join("dl");
            let wheel = (|| {
                let pip = match &tools {
                    Ok(p) => p.clone(),
                    Err(_) => PathBuf::from("python3"),
                };
                output_of(
                    Command::new(pip)
                        .args(["-m", "pip", "download", "-q", "--no-deps", "--timeout"])
                        .args(["60", "--only-binary=:all:", "-d"])
                        .arg(&dist)
                        .arg(format!("{name}=={version}")),
                )?;
                let wheel = dist.join(format!("{name}-{version}-py3-none-any.whl"));
                std::fs::create_dir_all(&src).map_err(|e| e.to_string())?;
                output_of(
                    Command::new("python3")
                        .args(["-m", "zipfile", "-e"])
                        .arg(&wheel)
                        .arg(&src),
                )
            })();
            if let Err(e) = wheel {
                println!("{name} {version}: unavailable ({e})");
                continue;
            }
        }
        trees.push((format!("{name} {version}"), src));
    }
    (tools, trees)
}

/// grimp's `build_graph` timed inside Python (interpreter start-up excluded): cold
/// (`cache_dir=None`) and warm (its own cache, filled by a first build).
fn grimp_times(
    bench: &Bench,
    python: &Path,
    root: &Path,
    package: &str,
) -> [Result<Sample, String>; 2] {
    let cache = bench.cache.join("grimp-cache");
    let _ = std::fs::remove_dir_all(&cache);
    let script = format!(
        r#"
import sys, time, statistics
sys.path.insert(0, {root:?})
import grimp
def t(**kw):
    s = time.perf_counter(); grimp.build_graph({package:?}, **kw); return time.perf_counter() - s
cold = statistics.median(t(cache_dir=None) for _ in range({runs}))
t(cache_dir={cache:?})
warm = statistics.median(t(cache_dir={cache:?}) for _ in range({runs}))
print(cold, warm)
"#,
        root = root.display().to_string(),
        cache = cache.display().to_string(),
        runs = bench.runs,
    );
    let out = output_of(Command::new(python).arg("-c").arg(script));
    let _ = std::fs::remove_dir_all(&cache);
    match out {
        Ok(s) => {
            let v: Vec<f64> = s
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            if v.len() == 2 {
                [
                    Ok(Sample::of(Duration::from_secs_f64(v[0]))),
                    Ok(Sample::of(Duration::from_secs_f64(v[1]))),
                ]
            } else {
                [Err(format!("unexpected output {s:?}")), Err(String::new())]
            }
        }
        Err(e) => [Err(e.clone()), Err(e)],
    }
}

fn python_section(bench: &Bench, verdicts: &mut Verdicts) {
    let (tools, trees) = python_setup(bench);
    for (name, root) in trees {
        let package = name.split(' ').next().unwrap_or_default().to_owned();
        let mut table = Table::new(&format!("Python: {name}"));
        let floor = floor_row(bench, &mut table, &root, Lang::Python);
        let (cold, warm) = seam_rows(bench, &mut table, &root, "python");
        let mut grimp_cold = None;
        match &tools {
            Ok(python) => {
                let [g_cold, g_warm] = grimp_times(bench, python, &root, &package);
                grimp_cold = g_cold.as_ref().ok().map(|s| s.wall);
                table.row("grimp.build_graph (cache_dir=None)", g_cold);
                table.row("grimp.build_graph, warm grimp cache", g_warm);
                // tach map needs no tach.toml: with none, the source root is the
                // current directory, which is where the package lives.
                let mut tach = Command::new(python.with_file_name("tach"));
                tach.args(["map", "-o"])
                    .arg(bench.cache.join("tach-map.json"))
                    .current_dir(&root);
                table.row("tach map", bench.time(&tach, || ()));
            }
            Err(e) => {
                table.row("grimp.build_graph", Err(e.clone()));
                table.row("tach map", Err(e.clone()));
            }
        }
        table.note("grimp timed in-process (interpreter start-up excluded); others as processes");
        if package == "pretix" {
            verdicts.cold_vs_floor(cold, floor);
            verdicts.warm(warm, grimp_cold);
        }
    }
}

// --- Go: SPIRE ------------------------------------------------------------------------

fn go_cmd(bench: &Bench, dir: &Path) -> Command {
    let mut cmd = Command::new("go");
    cmd.current_dir(dir)
        .env("GOMODCACHE", bench.repo.join(".cache/gomod"))
        .env("GOFLAGS", "-modcacherw")
        .env("GOTOOLCHAIN", "local");
    cmd
}

fn go_section(bench: &Bench) {
    let mut table = Table::new(&format!("Go: {GO_MODULE}@{GO_VERSION}"));
    let dir = (|| {
        let out = output_of(go_cmd(bench, &bench.cache).args([
            "mod",
            "download",
            "-json",
            &format!("{GO_MODULE}@{GO_VERSION}"),
        ]))?;
        let json: serde_json::Value = serde_json::from_str(&out).map_err(|e| e.to_string())?;
        json.get("Dir")
            .and_then(|d| d.as_str())
            .map(PathBuf::from)
            .ok_or_else(|| format!("go mod download: {out}"))
    })();
    let dir = match dir {
        Ok(d) => d,
        Err(e) => {
            table.row("Go module", Err(e));
            return;
        }
    };
    let _floor = floor_row(bench, &mut table, &dir, Lang::Go);
    seam_rows(bench, &mut table, &dir, "go");
    let mut list = go_cmd(bench, &dir);
    list.args(["list", "-deps", "-json", "./..."]);
    // The first run downloads the module's dependencies: not timed.
    match bench.time_once(&list) {
        Ok(_) => table.row("go list -deps -json ./...", bench.time(&list, || ())),
        Err(e) => table.row("go list -deps -json ./...", Err(e)),
    }
}

// --- Rust: sqlparser ------------------------------------------------------------------

fn rust_section(bench: &Bench) {
    let mut table = Table::new(&format!("Rust: {RUST_CRATE} {RUST_CRATE_VERSION}"));
    let krate = (|| {
        let cargo_home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
            .ok_or("no CARGO_HOME or HOME")?;
        let name = format!("{RUST_CRATE}-{RUST_CRATE_VERSION}");
        let registry = std::fs::read_dir(cargo_home.join("registry/src"))
            .map_err(|e| format!("no cargo registry: {e}"))?
            .filter_map(|e| e.ok())
            .map(|e| e.path().join(&name))
            .find(|p| p.join("Cargo.toml").exists())
            .ok_or(format!(
                "{name} is not in the cargo registry (cargo fetch seam's deps)"
            ))?;
        // A copy of our own, a workspace of its own, so cargo-modules may write a lockfile.
        let copy = bench.cache.join("rust").join(&name);
        if !copy.join("Cargo.toml").exists() {
            std::fs::create_dir_all(bench.cache.join("rust")).map_err(|e| e.to_string())?;
            output_of(Command::new("cp").arg("-r").arg(&registry).arg(&copy))?;
            let manifest = copy.join("Cargo.toml");
            let mut text = std::fs::read_to_string(&manifest).map_err(|e| e.to_string())?;
            text.push_str("\n[workspace]\n");
            std::fs::write(&manifest, text).map_err(|e| e.to_string())?;
        }
        Ok::<_, String>(copy)
    })();
    let dir = match krate {
        Ok(d) => d,
        Err(e) => {
            table.row("crate", Err(e));
            return;
        }
    };
    floor_row(bench, &mut table, &dir, Lang::Rust);
    seam_rows(bench, &mut table, &dir, "rust");
    let cm = bench.cargo_modules();
    if !cm.exists() {
        table.row(
            "cargo modules dependencies",
            Err(format!(
                "skipped: {} not installed (bench/install-cargo-modules; see {})",
                cm.display(),
                bench.cache.join("cargo-modules-install.log").display()
            )),
        );
        return;
    }
    let mut modules = Command::new(&cm);
    modules
        .args([
            "dependencies",
            "--lib",
            "--no-externs",
            "--no-sysroot",
            "--layout",
            "none",
        ])
        .current_dir(&dir);
    table.row(
        "cargo modules dependencies --lib",
        bench.time(&modules, || ()),
    );
}

// --- scale curve on synthetic monoliths -----------------------------------------------

struct ScalePoint {
    lang: SynthLang,
    lines: usize,
    analyze: Result<Sample, String>,
    propose: Result<Sample, String>,
    scaffold_dry: Result<Sample, String>,
    scaffold: Result<Sample, String>,
}

fn scale_sizes() -> Vec<usize> {
    std::env::var("SEAM_BENCH_SCALE_LOC")
        .unwrap_or_else(|_| "10000,100000,1000000".to_owned())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect()
}

/// `SEAM_BENCH_SCALE_LANGS` (e.g. `django,go`), default all three.
fn scale_langs() -> Vec<SynthLang> {
    let wanted = std::env::var("SEAM_BENCH_SCALE_LANGS").unwrap_or_default();
    SynthLang::ALL
        .into_iter()
        .filter(|l| wanted.trim().is_empty() || wanted.split(',').any(|w| w.trim() == l.as_str()))
        .collect()
}

fn scale_section(bench: &Bench, verdicts: &mut Verdicts) {
    println!("\n## Scale: synthetic monoliths (seam::synth, 6 domains, noise 0.1)");
    println!(
        "{:<7} {:>9} {:>10} {:>9} {:>10} {:>10} {:>10} {:>12} {:>10}",
        "lang",
        "lines",
        "analyze",
        "µs/line",
        "peak RSS",
        "propose",
        "prop. RSS",
        "scaffold50 -n",
        "scaffold50"
    );
    let mut points = Vec::new();
    for lang in scale_langs() {
        for &loc in &scale_sizes() {
            let point = scale_point(bench, lang, loc);
            let row = format!(
                "{:<7} {:>9} {:>10} {:>9} {:>10} {:>10} {:>10} {:>12} {:>10}",
                lang.as_str(),
                point.lines,
                cell(&point.analyze),
                point
                    .analyze
                    .as_ref()
                    .map(|s| format!("{:.2}", s.wall.as_secs_f64() * 1e6 / point.lines as f64))
                    .unwrap_or_default(),
                rss(&point.analyze),
                cell(&point.propose),
                rss(&point.propose),
                cell(&point.scaffold_dry),
                cell(&point.scaffold),
            );
            println!("{row}");
            for (what, r) in [
                ("analyze", &point.analyze),
                ("propose", &point.propose),
                ("scaffold --dry-run", &point.scaffold_dry),
                ("scaffold", &point.scaffold),
            ] {
                if let Err(e) = r {
                    println!("        {what}: {e}");
                }
            }
            points.push(point);
        }
    }
    verdicts.scale(&points);
}

fn cell(r: &Result<Sample, String>) -> String {
    r.as_ref()
        .map(|s| secs(s.wall))
        .unwrap_or_else(|_| "failed".to_owned())
}

fn rss(r: &Result<Sample, String>) -> String {
    r.as_ref()
        .ok()
        .and_then(|s| s.max_rss_kib)
        .map(mib)
        .unwrap_or_default()
}

fn scale_point(bench: &Bench, lang: SynthLang, loc: usize) -> ScalePoint {
    let dir = bench.cache.join(format!("synth/{}-{loc}", lang.as_str()));
    let _ = std::fs::remove_dir_all(&dir);
    let spec = SynthSpec {
        target_loc: Some(loc),
        ..SynthSpec::default()
    };
    let code = dir.join("code");
    let truth = generate(lang, &spec, &code).expect("generate a synthetic monolith");
    let graph = dir.join("graph.json");
    let mut analyze = bench.seam();
    analyze
        .args(["analyze", "-q", "--no-cache", "--format", "json", "-o"])
        .arg(&graph)
        .arg(&code);
    let analyze = bench.time(&analyze, || ());

    let mut propose = bench.seam();
    propose
        .args(["propose", "-q", "--git-window", "0", "-o"])
        .arg(dir.join("decomposition.yaml"))
        .arg(&graph);
    let propose = match &analyze {
        Ok(_) => bench.time(&propose, || ()),
        Err(_) => Err("no graph".to_owned()),
    };

    // The scaffold input: the same graph split into exactly 50 contexts.
    let d50 = dir.join("decomposition-50.yaml");
    let mut propose50 = bench.seam();
    propose50
        .args(["propose", "-q", "--git-window", "0", "-k"])
        .arg(SCAFFOLD_CONTEXTS.to_string())
        .arg("-o")
        .arg(&d50)
        .arg(&graph);
    let made = match &analyze {
        Ok(_) => bench.time_once(&propose50).and_then(|_| {
            let text = std::fs::read_to_string(&d50).map_err(|e| e.to_string())?;
            let n = seam::decomposition::load::load(&d50.display().to_string(), &text)
                .map_err(|e| e.to_string())?
                .contexts
                .len();
            if n == SCAFFOLD_CONTEXTS {
                Ok(())
            } else {
                Err(format!("propose -k {SCAFFOLD_CONTEXTS} gave {n} contexts"))
            }
        }),
        Err(_) => Err("no graph".to_owned()),
    };
    let services = dir.join("services");
    let (scaffold_dry, scaffold) = match made {
        Ok(()) => {
            let mut dry = bench.seam();
            dry.args(["scaffold", "--dry-run", "-o"])
                .arg(&services)
                .arg(&d50);
            let mut real = bench.seam();
            real.args(["scaffold", "-o"]).arg(&services).arg(&d50);
            (
                bench.time(&dry, || ()),
                bench.time(&real, || {
                    let _ = std::fs::remove_dir_all(&services);
                }),
            )
        }
        Err(e) => (Err(e.clone()), Err(e)),
    };
    if std::env::var_os("SEAM_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    ScalePoint {
        lang,
        lines: truth.lines,
        analyze,
        propose,
        scaffold_dry,
        scaffold,
    }
}

// --- targets --------------------------------------------------------------------------

/// The targets of issue 8, each met, not met, or not measured in this run.
#[derive(Default)]
struct Verdicts {
    lines: Vec<(String, Option<bool>, String)>,
}

impl Verdicts {
    fn push(&mut self, target: &str, met: Option<bool>, figure: String) {
        self.lines.push((target.to_owned(), met, figure));
    }

    fn cold_vs_floor(&mut self, cold: Option<Sample>, floor: Duration) {
        let target = "cold pretix within 1.3× of the parse floor";
        match cold {
            Some(c) => {
                let r = c.wall.as_secs_f64() / floor.as_secs_f64();
                self.push(
                    target,
                    Some(r <= 1.3),
                    format!("{r:.2}× ({} vs {})", secs(c.wall), secs(floor)),
                );
            }
            None => self.push(target, None, "seam analyze failed".to_owned()),
        }
    }

    fn warm(&mut self, warm: Option<Sample>, grimp: Option<Duration>) {
        match warm {
            Some(w) => {
                self.push(
                    "warm re-analysis of pretix ≤ 0.1 s",
                    Some(w.wall <= Duration::from_millis(100)),
                    secs(w.wall),
                );
                match grimp {
                    Some(g) => self.push(
                        "warm re-analysis faster than grimp's build",
                        Some(w.wall < g),
                        format!("{} vs grimp {}", secs(w.wall), secs(g)),
                    ),
                    None => self.push(
                        "warm re-analysis faster than grimp's build",
                        None,
                        "grimp unavailable".to_owned(),
                    ),
                }
            }
            None => self.push(
                "warm re-analysis of pretix ≤ 0.1 s",
                None,
                "seam analyze failed".to_owned(),
            ),
        }
    }

    fn scale(&mut self, points: &[ScalePoint]) {
        for lang in SynthLang::ALL {
            let of_lang: Vec<&ScalePoint> = points.iter().filter(|p| p.lang == lang).collect();
            if of_lang.is_empty() {
                continue;
            }
            let l = lang.as_str();
            // Near-linear: time per line at the largest size within 1.5× of that at the
            // smallest size of at least 100k lines (below it, start-up dominates).
            let per_line = |p: &ScalePoint| {
                p.analyze
                    .as_ref()
                    .ok()
                    .map(|s| s.wall.as_secs_f64() / p.lines as f64)
            };
            let base = of_lang
                .iter()
                .filter(|p| p.lines >= 90_000)
                .min_by_key(|p| p.lines);
            let top = of_lang.iter().max_by_key(|p| p.lines);
            match (base, top) {
                (Some(b), Some(t)) if t.lines > b.lines => match (per_line(b), per_line(t)) {
                    (Some(pb), Some(pt)) => self.push(
                        &format!("{l}: near-linear analyze growth (≤ 1.5× µs/line)"),
                        Some(pt / pb <= 1.5),
                        format!(
                            "{:.2}× from {} to {} lines{}",
                            pt / pb,
                            b.lines,
                            t.lines,
                            if t.lines < 2_500_000 {
                                " (3M not run: SEAM_BENCH_SCALE_LOC)"
                            } else {
                                ""
                            }
                        ),
                    ),
                    _ => self.push(
                        &format!("{l}: near-linear growth"),
                        None,
                        "analyze failed".to_owned(),
                    ),
                },
                _ => self.push(
                    &format!("{l}: near-linear growth"),
                    None,
                    "needs two sizes ≥ 100k".to_owned(),
                ),
            }
            let at_1m = of_lang
                .iter()
                .find(|p| (900_000..1_500_000).contains(&p.lines));
            match at_1m {
                Some(p) => {
                    let peak = [&p.analyze, &p.propose]
                        .iter()
                        .filter_map(|r| r.as_ref().ok().and_then(|s| s.max_rss_kib))
                        .max();
                    match peak {
                        Some(kib) => self.push(
                            &format!("{l}: peak memory ≤ 1 GiB at 1M lines"),
                            Some(kib <= 1024 * 1024),
                            format!("{} (max of analyze, propose)", mib(kib)),
                        ),
                        None => self.push(
                            &format!("{l}: peak memory ≤ 1 GiB at 1M lines"),
                            None,
                            "not measured (/usr/bin/time missing or run failed)".to_owned(),
                        ),
                    }
                    match &p.propose {
                        Ok(s) => self.push(
                            &format!("{l}: propose ≤ 2 s at 1M lines"),
                            Some(s.wall <= Duration::from_secs(2)),
                            secs(s.wall),
                        ),
                        Err(e) => {
                            self.push(&format!("{l}: propose ≤ 2 s at 1M lines"), None, e.clone())
                        }
                    }
                }
                None => {
                    self.push(
                        &format!("{l}: peak memory ≤ 1 GiB at 1M lines"),
                        None,
                        "1M not run".to_owned(),
                    );
                    self.push(
                        &format!("{l}: propose ≤ 2 s at 1M lines"),
                        None,
                        "1M not run".to_owned(),
                    );
                }
            }
            let worst = of_lang
                .iter()
                .filter_map(|p| match (&p.scaffold_dry, &p.scaffold) {
                    (Ok(a), Ok(b)) => Some(a.wall.max(b.wall)),
                    _ => None,
                })
                .max();
            match worst {
                Some(w) => self.push(
                    &format!("{l}: scaffold of 50 contexts ≤ 1 s"),
                    Some(w <= Duration::from_secs(1)),
                    format!("{} (slowest of dry run and write, all sizes)", secs(w)),
                ),
                None => self.push(
                    &format!("{l}: scaffold of 50 contexts ≤ 1 s"),
                    None,
                    "scaffold not measured".to_owned(),
                ),
            }
        }
    }

    fn print(&self) {
        if self.lines.is_empty() {
            return;
        }
        println!("\n## Targets (issue 8)");
        for (target, met, figure) in &self.lines {
            let verdict = match met {
                Some(true) => "met",
                Some(false) => "NOT MET",
                None => "not measured",
            };
            println!("{verdict:<13} {target:<52} {figure}");
        }
    }
}
