//! `seam scaffold`

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::Args;

use crate::decomposition::load::load;
use crate::scaffold::manifest::{self, Manifest, SYSTEM_OWNER};
use crate::scaffold::plan::{Action, plan, render_all};
use crate::scaffold::write::apply;

#[derive(Args, Debug)]
#[command(
    about = "Generate one service per context, wired to Consul and Traefik, and the files that run them together",
    after_help = "Examples:\n  \
seam scaffold decomposition.yaml -o services/\n  \
seam scaffold decomposition.yaml -o services/ --dry-run\n  \
seam scaffold decomposition.yaml -o services/ --only orders\n\n\
Re-running updates the files seam generated and you did not change; files you edited\n\
are kept and reported (--force overwrites them). What was generated is recorded in\n\
DIR/.seam-scaffold.json."
)]
pub struct ScaffoldArgs {
    /// The decomposition to scaffold (decomposition.yaml)
    pub decomposition: PathBuf,
    /// Output directory: one sub-directory per service, system files at its root
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    /// Generate only this context's service (and the system files)
    #[arg(long, value_name = "CONTEXT")]
    pub only: Option<String>,
    /// Print what would be done and write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Overwrite files you edited and files seam did not generate
    #[arg(long)]
    pub force: bool,
}

pub fn run(args: ScaffoldArgs) -> anyhow::Result<()> {
    let shown = args.decomposition.display().to_string();
    let text = std::fs::read_to_string(&args.decomposition)
        .with_context(|| format!("cannot read {shown}"))?;
    let decomposition = load(&shown, &text).map_err(|e| {
        anyhow::anyhow!("{e}\n{shown} is not a valid decomposition; nothing was written")
    })?;
    let generated = render_all(&decomposition, args.only.as_deref())?;
    let mut scope: BTreeSet<String> = BTreeSet::from([SYSTEM_OWNER.to_owned()]);
    match &args.only {
        Some(only) => {
            scope.insert(only.clone());
        }
        None => scope.extend(decomposition.contexts.iter().map(|c| c.name.clone())),
    }
    // Without --only, every owner is in scope: files of contexts that are gone too.
    let old = Manifest::load(&args.output)?;
    if args.only.is_none() {
        scope.extend(old.files.values().map(|e| e.owner.clone()));
    }
    let plan = plan(
        &args.output,
        generated,
        &scope,
        &old,
        args.force,
        &manifest::hash(text.as_bytes()),
    )?;
    for f in &plan.files {
        if f.action == Action::Unchanged && !args.dry_run {
            continue;
        }
        match &f.reason {
            Some(reason) => println!("{:<14} {}  ({reason})", f.action.label(), f.path),
            None => println!("{:<14} {}", f.action.label(), f.path),
        }
    }
    let summary = [
        Action::Create,
        Action::Update,
        Action::Overwrite,
        Action::Unchanged,
        Action::SkipUserEdit,
        Action::Conflict,
        Action::Orphan,
    ]
    .iter()
    .filter_map(|&a| {
        let n = plan.count(a);
        (n > 0).then(|| format!("{n} {}", a.label()))
    })
    .collect::<Vec<_>>()
    .join(", ");
    if args.dry_run {
        println!("dry run, nothing written: {summary}");
        return Ok(());
    }
    apply(&args.output, &plan)?;
    println!("{}: {summary}", args.output.display());
    let skipped = plan.count(Action::SkipUserEdit) + plan.count(Action::Conflict);
    if skipped > 0 {
        eprintln!(
            "note: {skipped} file(s) kept as they are (listed above); re-run with --force to overwrite them"
        );
    }
    Ok(())
}
