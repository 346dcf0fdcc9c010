//! `seam analyze`

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use crate::analyze::{AnalyzeOptions, analyze};
use crate::cache::FactsCache;
use crate::diagnostics::Severity;
use crate::frontend::FrontendOptions;
use crate::graph::{GraphDocument, Lang};
use crate::output;
use crate::source::WalkOptions;

#[derive(Args, Debug)]
#[command(
    about = "Parse a codebase into its dependency and data-access graph",
    after_help = "Examples:\n  \
seam analyze ./shop                          summary on a terminal, JSON when piped\n  \
seam analyze ./shop --format json -o graph.json\n  \
seam analyze ./shop --format dot | dot -Tsvg > shop.svg\n  \
seam analyze ./shop --format mermaid\n  \
seam analyze . --lang go --include-tests\n\n\
Warnings about files that cannot be analysed (syntax errors, invalid UTF-8, oversized\n\
files) go to stderr and into the JSON document; analysis goes on without them."
)]
pub struct AnalyzeArgs {
    /// Root of the code to analyse
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Output format [default: summary on a terminal, json otherwise]
    #[arg(short, long, value_enum)]
    pub format: Option<Format>,
    /// Write the output to FILE (atomically) instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// Print no progress and no warnings
    #[arg(short, long)]
    pub quiet: bool,
    /// Print how long each stage took, on stderr
    #[arg(long)]
    pub timings: bool,
}

/// How a tree is analysed; shared by every command that analyses code
/// (`seam analyze`, `seam propose PATH`).
#[derive(Args, Debug, Clone)]
pub struct AnalysisArgs {
    /// Languages to analyse
    #[arg(long, value_enum, value_delimiter = ',', default_value = "auto")]
    pub lang: Vec<LangArg>,
    /// Also analyse tests (test files, `_test.go`, Rust `tests/`)
    #[arg(long)]
    pub include_tests: bool,
    /// Skip files larger than this many bytes
    #[arg(long, value_name = "BYTES", default_value_t = 4 * 1024 * 1024)]
    pub max_file_size: u64,
    /// Do not follow symbolic links
    #[arg(long)]
    pub no_follow: bool,
    /// Do not read or write the facts cache
    #[arg(long)]
    pub no_cache: bool,
    /// Directory of the facts cache [default: $SEAM_CACHE_DIR, $XDG_CACHE_HOME/seam or ~/.cache/seam]
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Worker threads (0: one per core)
    #[arg(short = 'j', long, default_value_t = 0)]
    pub jobs: usize,
}

impl AnalysisArgs {
    /// The analysis options these arguments stand for; sets the worker pool size once.
    pub fn options(&self, progress: bool) -> AnalyzeOptions {
        if self.jobs > 0 {
            // Only fails if a pool exists already, which cannot happen this early.
            let _ = rayon::ThreadPoolBuilder::new()
                .num_threads(self.jobs)
                .build_global();
        }
        let langs = self
            .lang
            .iter()
            .filter_map(|l| match l {
                LangArg::Auto => None,
                LangArg::Python => Some(Lang::Python),
                LangArg::Go => Some(Lang::Go),
                LangArg::Rust => Some(Lang::Rust),
            })
            .collect();
        AnalyzeOptions {
            frontend: FrontendOptions {
                langs,
                include_tests: self.include_tests,
            },
            walk: WalkOptions {
                max_file_size: self.max_file_size,
                follow_links: !self.no_follow,
                threads: self.jobs,
            },
            cache_dir: if self.no_cache {
                None
            } else {
                self.cache_dir.clone().or_else(FactsCache::default_dir)
            },
            progress,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A readable summary: groups, models and tables, cross-group data access
    Summary,
    /// The versioned graph document later stages read (`seam propose graph.json`)
    Json,
    /// Graphviz DOT, modules grouped by app/package/crate
    Dot,
    /// A Mermaid flowchart
    Mermaid,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LangArg {
    /// Every language found
    Auto,
    Python,
    Go,
    Rust,
}

enum Rendered {
    Text(String),
    /// Written as it is serialised, straight into the file.
    Document(GraphDocument),
}

impl Rendered {
    fn write<W: std::io::Write>(&self, out: &mut W) -> std::io::Result<()> {
        match self {
            Rendered::Text(text) => out.write_all(text.as_bytes()),
            Rendered::Document(document) => document.write_json(out),
        }
    }
}

pub fn run(args: AnalyzeArgs) -> anyhow::Result<()> {
    let opts = args
        .analysis
        .options(!args.quiet && std::io::stderr().is_terminal());
    let analysis =
        analyze(&args.path, &opts).with_context(|| format!("analysing {}", args.path.display()))?;

    let warnings = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    if !args.quiet {
        for d in &analysis.diagnostics {
            eprintln!("{d}");
        }
    }
    let format = args.format.unwrap_or(
        if args.output.is_none() && std::io::stdout().is_terminal() {
            Format::Summary
        } else {
            Format::Json
        },
    );
    let root = args.path.display().to_string();
    let mut timings = analysis.stats.timings.clone();
    let rendered = match format {
        Format::Json => Rendered::Document(GraphDocument::new(
            analysis.graph,
            &root,
            analysis.diagnostics,
        )),
        Format::Dot => Rendered::Text(output::to_dot(&analysis.graph)),
        Format::Mermaid => Rendered::Text(output::to_mermaid(&analysis.graph)),
        Format::Summary => Rendered::Text(output::summary(
            &analysis.graph,
            &root,
            &analysis.stats,
            warnings,
        )),
    };
    timings.lap("render");
    match &args.output {
        Some(path) => crate::fs::write_atomic_with(path, |out| rendered.write(out))
            .with_context(|| format!("writing {}", path.display()))?,
        None => {
            let mut stdout = std::io::BufWriter::new(std::io::stdout().lock());
            // A closed pipe (`seam analyze | head`) is not an error worth reporting.
            if let Err(e) = rendered
                .write(&mut stdout)
                .and_then(|()| std::io::Write::flush(&mut stdout))
                && e.kind() != std::io::ErrorKind::BrokenPipe
            {
                return Err(e).context("writing to stdout");
            }
        }
    }
    super::release_at_exit(rendered);
    timings.lap("write");
    if args.timings {
        let total: std::time::Duration = timings.laps.iter().map(|(_, d)| *d).sum();
        for (stage, d) in timings.laps.iter().chain([&("total", total)]) {
            eprintln!("{stage:>18} {:>9.1} ms", d.as_secs_f64() * 1000.0);
        }
    }
    Ok(())
}
