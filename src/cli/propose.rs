//! `seam propose`

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};

use super::analyze::AnalysisArgs;
use crate::analyze::analyze;
use crate::decomposition::{Decomposition, load, write};
use crate::events::{self, Workshop};
use crate::graph::{Graph, GraphDocument};
use crate::propose::{self, CouplingWeights, GitOptions, ProposeOptions};

#[derive(Args, Debug)]
#[command(
    about = "Cluster the graph into bounded contexts: decomposition.yaml with table ownership, metrics and explanations",
    after_help = "Examples:\n  \
seam propose ./shop                               summary on a terminal, JSON when piped\n  \
seam propose ./shop -o decomposition.yaml         write the editable decomposition\n  \
seam propose graph.json -k 5 --seed 7             from a saved graph, five contexts\n  \
seam propose ./shop --weights data_write=5,cochange=2 --git-window 500\n  \
seam propose ./shop --ignore-names --reference apps.json --format json\n  \
seam propose --score decomposition.yaml           re-score an edited file (code from source.code)\n  \
seam propose --score decomposition.yaml ./shop --format summary\n  \
seam propose --events workshop.yaml -o decomposition.yaml   from an event-storming workshop\n  \
seam propose ./shop --events workshop.yaml        workshop contexts as seeds; disagreements reported\n\n\
Re-running with -o on an existing file keeps its frozen contexts (`frozen: true`), its\n\
pinned ids (`pinned:`) and its `constraints:` (must_link / cannot_link), and the names\n\
and settings of the contexts the new split continues. Signals and their default\n\
weights: structural=1 imports=0.5 data_write=3 data_read=1 relation=2 cochange=1\n\
contributor=0.5 name=0.5 defines=2 (git signals only in a git work tree)."
)]
pub struct ProposeArgs {
    /// Code to analyse, or a graph document written by `seam analyze --format json`
    pub input: Option<PathBuf>,
    /// Re-score this edited decomposition.yaml as it is, without re-clustering
    #[arg(long, value_name = "FILE")]
    pub score: Option<PathBuf>,
    /// An event-storming workshop (YAML): alone, its contexts become the decomposition;
    /// with code, its aggregates seed the clustering and disagreements are reported
    #[arg(long, value_name = "FILE", conflicts_with = "score")]
    pub events: Option<PathBuf>,
    /// Number of contexts [default: chosen by modularity]
    #[arg(short = 'k', value_name = "N")]
    pub k: Option<usize>,
    /// Modularity resolution: higher gives more, smaller contexts
    #[arg(long, value_name = "R", default_value_t = 1.0)]
    pub resolution: f64,
    /// Seed of the clustering (same seed, same input → same output)
    #[arg(long, value_name = "S", default_value_t = 42)]
    pub seed: u64,
    /// Signal weights, e.g. `structural=1,data_write=3,cochange=2`
    #[arg(long, value_name = "NAME=W,...")]
    pub weights: Option<String>,
    /// Ignore app/package/directory names and where models are defined
    #[arg(long)]
    pub ignore_names: bool,
    /// Commits of git history to read (0: none)
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub git_window: usize,
    /// Only git commits since this date (e.g. 2024-01-01)
    #[arg(long, value_name = "DATE")]
    pub git_since: Option<String>,
    /// Ignore commits touching more files than this
    #[arg(long, value_name = "N", default_value_t = 30)]
    pub git_max_files: usize,
    /// Keep frozen contexts, pins and constraints of this decomposition [default: the -o file when it exists]
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
    /// Score against this split with MoJoFM: a decomposition.yaml or a JSON {id: context}
    #[arg(long, value_name = "FILE")]
    pub reference: Option<PathBuf>,
    /// System name [default: the analysed directory's name]
    #[arg(long, value_name = "NAME")]
    pub system: Option<String>,
    /// Write the decomposition.yaml to FILE (atomically)
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// What to print on stdout [default: summary on a terminal, json otherwise]
    #[arg(short, long, value_enum)]
    pub format: Option<Format>,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// Print no progress and no warnings
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Contexts, ownership violations and metrics for people
    Summary,
    /// The whole proposal: decomposition, metrics, ownership, violations, explanations
    Json,
    /// The decomposition.yaml
    Yaml,
}

/// Reads a decomposition file with its line/column diagnostics printed on failure.
fn read_decomposition(path: &Path) -> anyhow::Result<(Decomposition, String)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file = path.display().to_string();
    match load::load(&file, &text) {
        Ok(d) => Ok((d, text)),
        Err(e) => {
            for d in &e.diagnostics {
                eprintln!("{d}");
            }
            bail!(
                "{file} is not a valid decomposition ({} problem(s))",
                e.diagnostics.len()
            )
        }
    }
}

/// The graph of `input`: a graph document when it is a `.json` file, else an analysis.
/// Returns the graph, the code root (for git) and the system name.
fn load_graph(
    input: &Path,
    args: &ProposeArgs,
) -> anyhow::Result<(Graph, Option<PathBuf>, String)> {
    let dir_name = |p: &Path| {
        std::fs::canonicalize(p)
            .ok()
            .and_then(|c| c.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "system".to_owned())
    };
    if input.is_file() && input.extension().is_some_and(|e| e == "json") {
        let text = std::fs::read_to_string(input)
            .with_context(|| format!("reading {}", input.display()))?;
        let doc = GraphDocument::from_json(&text)
            .with_context(|| format!("reading {}", input.display()))?;
        drop(text);
        let doc_root = doc.root.clone();
        let graph = doc
            .into_graph()
            .with_context(|| format!("reading {}", input.display()))?;
        let root = PathBuf::from(&doc_root);
        let root = root.is_dir().then_some(root);
        let name = root.as_deref().map(dir_name).unwrap_or_else(|| {
            Path::new(&doc_root)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "system".to_owned())
        });
        return Ok((graph, root, name));
    }
    let opts = args
        .analysis
        .options(!args.quiet && std::io::stderr().is_terminal());
    let analysis =
        analyze(input, &opts).with_context(|| format!("analysing {}", input.display()))?;
    if !args.quiet {
        for d in &analysis.diagnostics {
            eprintln!("{d}");
        }
    }
    Ok((analysis.graph, Some(input.to_path_buf()), dir_name(input)))
}

/// Reads a workshop file, printing its line/column diagnostics on failure.
fn read_workshop(path: &Path) -> anyhow::Result<Workshop> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file = path.display().to_string();
    match events::load_workshop(&file, &text) {
        Ok(w) => Ok(w),
        Err(e) => {
            for d in &e.diagnostics {
                eprintln!("{d}");
            }
            bail!(
                "{file} is not a valid workshop ({} problem(s))",
                e.diagnostics.len()
            )
        }
    }
}

/// `seam propose --events workshop.yaml` without code: the workshop's decomposition.
fn run_workshop_only(args: &ProposeArgs, path: &Path) -> anyhow::Result<()> {
    let workshop = read_workshop(path)?;
    let mut d = events::decomposition_from_workshop(&workshop, &path.display().to_string());
    if let Some(system) = &args.system {
        d.system = system.clone();
    }
    let yaml = write::to_yaml(&d);
    if let Some(out) = &args.output {
        crate::fs::write_atomic(out, yaml.as_bytes())
            .with_context(|| format!("writing {}", out.display()))?;
    }
    let text = match args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Summary
    } else {
        Format::Json
    }) {
        Format::Yaml => yaml,
        Format::Json => serde_json::to_string_pretty(&d).context("serialising")? + "\n",
        Format::Summary => workshop_summary(&d),
    };
    print(&text)
}

/// Contexts of a workshop decomposition, for people.
fn workshop_summary(d: &Decomposition) -> String {
    use std::fmt::Write;
    let mut out = format!(
        "{} contexts from the workshop of {}\n",
        d.contexts.len(),
        d.system
    );
    for c in &d.contexts {
        let _ = writeln!(
            out,
            "\n{} ({}{})",
            c.name,
            c.stack.as_str(),
            c.team
                .as_deref()
                .map(|t| format!(", team {t}"))
                .unwrap_or_default()
        );
        let entities: Vec<&str> = c.entities.iter().map(|e| e.name.as_str()).collect();
        for (label, items) in [
            ("aggregates", entities),
            ("commands", c.commands.iter().map(String::as_str).collect()),
            (
                "publishes",
                c.publishes.iter().map(String::as_str).collect(),
            ),
            ("consumes", c.consumes.iter().map(String::as_str).collect()),
            ("tables", c.tables.iter().map(String::as_str).collect()),
        ] {
            if !items.is_empty() {
                let _ = writeln!(out, "  {label:<10} {}", items.join(", "));
            }
        }
        for dep in &c.depends_on {
            let _ = writeln!(
                out,
                "  depends on {} via {}",
                dep.context,
                dep.via.join("; ")
            );
        }
    }
    out
}

/// The workshop's contexts as a previous decomposition: each context pins the models
/// and tables its aggregates matched, so clustering keeps them together under its name.
fn workshop_seeds(workshop: &Workshop, derived: &Decomposition, graph: &Graph) -> Decomposition {
    let seeds = events::seeds_from_workshop(workshop, graph);
    let mut prev = derived.clone();
    for ctx in &mut prev.contexts {
        ctx.pinned = seeds
            .contexts
            .iter()
            .filter(|s| s.context == ctx.name)
            .flat_map(|s| s.ids().map(str::to_owned))
            .collect();
        // Only the seeds bind the clustering; what the workshop lists is kept as notes.
        ctx.modules.clear();
        ctx.models.clear();
        ctx.tables.clear();
        ctx.frozen = false;
    }
    prev.contexts.retain(|c| !c.pinned.is_empty());
    prev
}

/// What the workshop says about a context that the code cannot: its commands and events.
fn merge_workshop(proposal: &mut propose::Proposal, derived: &Decomposition) {
    for ctx in &mut proposal.decomposition.contexts {
        let Some(w) = derived.context(&ctx.name) else {
            continue;
        };
        ctx.commands = w.commands.clone();
        ctx.publishes = w.publishes.clone();
        ctx.consumes = w.consumes.clone();
        if ctx.team.is_none() {
            ctx.team = w.team.clone();
        }
        if ctx.entities.is_empty() {
            ctx.entities = w.entities.clone();
        }
        ctx.notes
            .push(format!("seeded by workshop context {}", w.name));
    }
}

fn print(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout.write_all(text.as_bytes())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(e).context("writing to stdout");
    }
    Ok(())
}

pub fn run(args: ProposeArgs) -> anyhow::Result<()> {
    if let (Some(path), None) = (&args.events, &args.input) {
        return run_workshop_only(&args, path);
    }
    let workshop = match &args.events {
        Some(path) => Some((read_workshop(path)?, path.display().to_string())),
        None => None,
    };
    let weights = match &args.weights {
        Some(spec) => CouplingWeights::default()
            .parse_overrides(spec)
            .map_err(|e| anyhow::anyhow!("--weights: {e}"))?,
        None => CouplingWeights::default(),
    };
    let scored = match &args.score {
        Some(path) => Some(read_decomposition(path)?),
        None => None,
    };
    let input: PathBuf = match (&args.input, &scored, &args.score) {
        (Some(p), _, _) => p.clone(),
        (None, Some((d, _)), Some(path)) => {
            let code = d.source.code.clone().with_context(|| {
                format!(
                    "{} has no `source.code`; name the code or graph to score it on",
                    path.display()
                )
            })?;
            let beside = path.parent().unwrap_or(Path::new(".")).join(&code);
            if Path::new(&code).exists() {
                PathBuf::from(code)
            } else {
                beside
            }
        }
        _ => PathBuf::from("."),
    };
    if !input.exists() {
        bail!("{} does not exist", input.display());
    }
    let (graph, code_root, system) = load_graph(&input, &args)?;
    let previous_path = args.previous.clone().or_else(|| {
        if args.score.is_none() {
            args.output.clone().filter(|p| p.is_file())
        } else {
            None
        }
    });
    let previous = match &previous_path {
        Some(p) => Some(read_decomposition(p)?),
        None => None,
    };
    let derived = workshop
        .as_ref()
        .map(|(w, file)| events::decomposition_from_workshop(w, file));
    // A previous decomposition (the edited -o file) wins over the workshop's seeds.
    let seeded = match (&previous, &workshop, &derived) {
        (None, Some((w, _)), Some(d)) => Some(workshop_seeds(w, d, &graph)),
        _ => None,
    };
    let mut opts = ProposeOptions {
        k: args.k,
        resolution: args.resolution,
        seed: args.seed,
        weights,
        ignore_names: args.ignore_names,
        git: GitOptions {
            enabled: args.git_window > 0,
            window: args.git_window,
            since: args.git_since.clone(),
            max_files_per_commit: args.git_max_files,
        },
        code_root,
        previous: previous.as_ref().map(|(d, _)| d.clone()).or(seeded),
        reference: None,
        system: Some(args.system.clone().unwrap_or(system)),
        source: Some(input.display().to_string()),
    };
    // Ids of the YAML files checked against the code, and the reference read, on the
    // coupling graph the proposal then uses (built once: it is most of propose's time).
    let coupled = propose::couple(&graph, &opts);
    let coupling = &coupled.0;
    for (path, loaded) in [(&args.score, &scored), (&previous_path, &previous)] {
        if let (Some(path), Some((d, text))) = (path, loaded)
            && !args.quiet
        {
            for w in
                propose::validate::against_graph(d, coupling, &path.display().to_string(), text)
            {
                eprintln!("{w}");
            }
        }
    }
    if let Some(path) = &args.reference {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        match propose::reference::parse(&path.display().to_string(), &text, coupling) {
            Ok(r) => opts.reference = Some(r),
            Err(diags) => {
                for d in &diags {
                    eprintln!("{d}");
                }
                bail!("{} is not a usable reference", path.display());
            }
        }
    }
    let proposal = match &scored {
        Some((d, _)) => {
            if args.system.is_none() {
                opts.system = Some(d.system.clone());
            }
            if args.input.is_none() {
                opts.source = d.source.code.clone();
            }
            propose::score_coupled(&graph, &coupled, d, &opts)?
        }
        None => propose::propose_coupled(&graph, &coupled, &opts)?,
    };
    let mut proposal = proposal;
    if let (Some((w, file)), Some(derived)) = (&workshop, &derived) {
        merge_workshop(&mut proposal, derived);
        for disagreement in events::disagreements(w, &proposal.decomposition, &graph) {
            proposal.diagnostics.push(disagreement.to_diagnostic(file));
        }
    }
    if !args.quiet {
        for d in &proposal.diagnostics {
            eprintln!("{d}");
        }
    }
    let yaml = write::to_yaml(&proposal.decomposition);
    if let Some(path) = &args.output {
        crate::fs::write_atomic(path, yaml.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() {
        Format::Summary
    } else {
        Format::Json
    });
    let text = match format {
        Format::Summary => propose::summary::render(&proposal),
        Format::Json => {
            serde_json::to_string_pretty(&proposal).context("serialising the proposal")? + "\n"
        }
        Format::Yaml => yaml,
    };
    super::release_at_exit((graph, coupled, proposal));
    print(&text)
}
