//! Evaluation of `seam propose` on real Django code (prints figures, asserts nothing):
//!
//!   cargo bench --bench propose_real
//!
//! For django-oscar and pretix (from PyPI, unpacked by `tests/oracle/setup.sh` into
//! `.cache/oracle/<project>/src`), it proposes a split with `--ignore-names` (no app,
//! package or directory names, no "defined in the same file" signal) and prints MoJoFM
//! of the proposed split of the concrete models against the apps their authors chose (each
//! model's `group`, its Django app label), with names used as well for comparison.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use seam::analyze::{AnalyzeOptions, analyze};
use seam::graph::NodeKind;
use seam::propose::{self, GitOptions, ProposeOptions, Reference};

fn main() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!(
        "project   models apps | names ignored: contexts MoJoFM   Q    | names used: contexts MoJoFM   Q    | analyse  propose"
    );
    for project in ["oscar", "pretix"] {
        let status = Command::new("bash")
            .arg(repo.join("tests/oracle/setup.sh"))
            .arg(project)
            .status();
        match status.map(|s| s.code()) {
            Ok(Some(0)) => {}
            Ok(Some(75)) => {
                println!("SKIP {project}: the package index cannot be reached");
                continue;
            }
            other => {
                println!("SKIP {project}: tests/oracle/setup.sh failed ({other:?})");
                continue;
            }
        }
        let src = repo.join(".cache/oracle").join(project).join("src");
        let t = Instant::now();
        let graph = analyze(&src, &AnalyzeOptions::default())
            .expect("analysis")
            .graph;
        let analyse = t.elapsed();
        let reference = Reference {
            name: "apps".into(),
            map: graph
                .nodes()
                // Concrete models only: what Django's registry holds per app.
                .filter(|n| {
                    n.kind == NodeKind::Model && !n.external && !n.attrs.contains_key("abstract")
                })
                .filter_map(|n| Some((n.attrs.get("label")?.clone(), n.group.clone()?)))
                .collect(),
        };
        let apps: std::collections::BTreeSet<&String> = reference.map.values().collect();
        let run = |ignore_names: bool| {
            let opts = ProposeOptions {
                ignore_names,
                reference: Some(reference.clone()),
                git: GitOptions {
                    enabled: false,
                    ..Default::default()
                },
                ..Default::default()
            };
            let t = Instant::now();
            let p = propose::propose(&graph, &opts).expect("proposal");
            (p, t.elapsed())
        };
        let (blind, took) = run(true);
        let (named, _) = run(false);
        let fm = |p: &propose::Proposal| p.metrics.mojofm.as_ref().map_or(f64::NAN, |m| m.value);
        println!(
            "{project:<9} {:>6} {:>4} | {:>23} {:>6.1} {:>5.3} | {:>20} {:>6.1} {:>5.3} | {:>6.2}s {:>6.2}s",
            reference.map.len(),
            apps.len(),
            blind.metrics.contexts,
            fm(&blind),
            blind.metrics.modularity,
            named.metrics.contexts,
            fm(&named),
            named.metrics.modularity,
            analyse.as_secs_f64(),
            took.as_secs_f64(),
        );
        println!(
            "          names ignored: SM {:.3} ICP {:.3} IFN {:.2} NED {:.2} table-access entropy {:.3} shared tables {} cycles {}",
            blind.metrics.structural_modularity,
            blind.metrics.inter_call_percentage,
            blind.metrics.interface_number,
            blind.metrics.non_extreme_distribution,
            blind.metrics.table_access_entropy,
            blind.metrics.shared_tables,
            blind.metrics.cyclic_dependencies.len()
        );
    }
}
