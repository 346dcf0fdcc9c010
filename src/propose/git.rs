//! Evolutionary and contributor history from git: which files changed together, and
//! who changed them. Read with `git log --name-only --relative`, so paths are relative
//! to the analysed directory (as in the graph) even when it is a sub-directory of the
//! repository.

use std::path::Path;
use std::process::Command;

use serde::Serialize;

/// Which part of the history to read.
#[derive(Debug, Clone, Serialize)]
pub struct GitOptions {
    /// Read git history at all (when the path is a git work tree).
    pub enabled: bool,
    /// The last N commits (`git log -n N`).
    pub window: usize,
    /// Only commits after this date (`git log --since`), e.g. `2024-01-01`.
    pub since: Option<String>,
    /// Commits touching more files than this are ignored: mass reformatting, renames
    /// and vendoring say nothing about which code belongs together.
    pub max_files_per_commit: usize,
}

impl Default for GitOptions {
    fn default() -> Self {
        GitOptions {
            enabled: true,
            window: 1000,
            since: None,
            max_files_per_commit: 30,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Commit {
    pub id: String,
    /// `Name <email>` as git records it.
    pub author: String,
    pub files: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct GitHistory {
    pub commits: Vec<Commit>,
    /// Commits skipped as too large.
    pub skipped_large: usize,
}

/// The history of `root`, or `None` when it is not inside a git work tree (or git is
/// not installed) — git signals are then simply absent.
pub fn read(root: &Path, opts: &GitOptions) -> Option<GitHistory> {
    if !opts.enabled || opts.window == 0 {
        return None;
    }
    let dir = if root.is_dir() { root } else { root.parent()? };
    let inside = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["rev-parse", "--is-inside-work-tree"])
        .output()
        .ok()?;
    if !inside.status.success() || String::from_utf8_lossy(&inside.stdout).trim() != "true" {
        return None;
    }
    let mut cmd = Command::new("git");
    cmd.arg("-C")
        .arg(dir)
        .args([
            "-c",
            "core.quotepath=off",
            "log",
            "--no-merges",
            "--relative",
            "--name-only",
            "--format=%x00%H%x00%aN <%aE>",
        ])
        .arg(format!("-n{}", opts.window));
    if let Some(since) = &opts.since {
        cmd.arg(format!("--since={since}"));
    }
    let out = cmd.output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(parse_log(
        &String::from_utf8_lossy(&out.stdout),
        opts.max_files_per_commit,
    ))
}

/// Parses `git log --name-only --format=%x00%H%x00%aN <%aE>` output.
pub fn parse_log(text: &str, max_files: usize) -> GitHistory {
    let mut history = GitHistory::default();
    // Records: "", hash, "author\n\nfile\nfile\n", hash, "author\n…" …
    let parts: Vec<&str> = text.split('\0').collect();
    let mut i = 1;
    while i + 1 < parts.len() {
        let id = parts[i].trim().to_owned();
        let mut lines = parts[i + 1].lines();
        let author = lines.next().unwrap_or("").trim().to_owned();
        let files: Vec<String> = lines
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        i += 2;
        if files.is_empty() {
            continue;
        }
        if files.len() > max_files {
            history.skipped_large += 1;
            continue;
        }
        history.commits.push(Commit { id, author, files });
    }
    history
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commits_and_skips_huge_ones() {
        let text = "\0abc\0Ann <a@x>\n\norders/a.py\norders/b.py\n\0def\0Bob <b@x>\n\nx\ny\nz\n";
        let h = parse_log(text, 2);
        assert_eq!(h.commits.len(), 1);
        assert_eq!(h.commits[0].author, "Ann <a@x>");
        assert_eq!(h.commits[0].files, vec!["orders/a.py", "orders/b.py"]);
        assert_eq!(h.skipped_large, 1);
    }
}
