//! The `seam` command line.
//!
//! Exit codes: 0 success (warnings about the input may have been printed); 1 the
//! command failed (a path that does not exist, an unreadable or invalid input file,
//! an output that could not be written); 2 the command line itself is wrong.

mod analyze;
mod propose;
mod scaffold;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "seam",
    version,
    about = "Find the seams in a monolith and turn them into services",
    long_about = "seam analyzes a Django, Go or Rust monolith into a dependency and data-access graph, \
proposes bounded contexts with one owner per table, and scaffolds services wired to Consul and Traefik.",
    after_help = "Exit codes: 0 success, 1 failure (bad input, unwritable output), 2 usage error.\n\n\
Examples:\n  seam analyze ./shop\n  seam analyze ./shop --format json -o graph.json\n  seam propose ./shop -o decomposition.yaml\n  seam scaffold decomposition.yaml -o services/"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    Analyze(analyze::AnalyzeArgs),
    Propose(Box<propose::ProposeArgs>),
    Scaffold(scaffold::ScaffoldArgs),
}

/// Leaves `value` to the operating system, which reclaims a process's memory at exit
/// at once: for the large values (graphs, coupling, facts) a command holds at its very
/// end, freeing them one allocation at a time costs up to a tenth of its run.
pub(crate) fn release_at_exit<T>(value: T) {
    std::mem::forget(value);
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Propose(args) => propose::run(*args),
        Command::Scaffold(args) => scaffold::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
