//! `cargo xtask tidy`: the house rules that the compiler and clippy do not check.
//!
//! Two families: dependency direction between workspace packages (from
//! `cargo metadata`, see [`layers`]) and per-file rules on every Rust file that
//! git tracks or would track (see [`rules`]). Every violation is printed as
//! `path:line: message`; any violation fails the task. Nothing is fixed
//! automatically.

mod layers;
mod rules;
mod source;

use std::fmt;
use std::fs;
use std::path::Path;

use crate::Result;
use crate::command::Cmd;
use crate::metadata::Workspace;

/// One broken rule, at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Violation {
    /// The file, relative to the workspace root, `/`-separated.
    pub path: String,
    /// The 1-based line.
    pub line: usize,
    /// What is wrong, and what the rule is.
    pub message: String,
}

impl Violation {
    /// A violation at `path:line`.
    pub fn new(path: &str, line: usize, message: impl Into<String>) -> Violation {
        Violation {
            path: path.to_owned(),
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

/// Runs every tidy check from the workspace root `root`.
///
/// # Errors
///
/// When a check finds violations (already printed), or when cargo, git or a
/// file cannot be read.
pub fn run(root: &Path, args: &[String]) -> Result {
    if let Some(arg) = args.first() {
        return Err(format!("tidy takes no arguments (got `{arg}`)").into());
    }
    let ws = Workspace::load(root)?;
    let mut violations = layers::check(&ws, &|package| {
        fs::read_to_string(&package.manifest_path).ok()
    });

    let files = rust_files(root)?;
    for path in &files {
        let src = fs::read_to_string(root.join(path))
            .map_err(|e| format!("tidy: cannot read {path}: {e}"))?;
        violations.extend(rules::check_file(path, &src));
    }
    for &path in rules::FORBID_UNSAFE {
        match fs::read_to_string(root.join(path)) {
            Ok(src) => violations.extend(rules::check_forbid_unsafe(path, &src)),
            Err(e) => violations.push(Violation::new(
                path,
                1,
                format!("cannot read this file, which must hold `#![forbid(unsafe_code)]`: {e}"),
            )),
        }
    }

    violations.sort();
    violations.dedup();
    for v in &violations {
        println!("{v}");
    }
    if violations.is_empty() {
        println!(
            "tidy: ok ({} packages, {} Rust files)",
            ws.packages.len(),
            files.len()
        );
        Ok(())
    } else {
        Err(format!("tidy: {} violation(s)", violations.len()).into())
    }
}

/// Every `.rs` file git tracks plus the untracked ones it does not ignore,
/// relative to `root`, sorted, without build output and deleted files.
fn rust_files(root: &Path) -> Result<Vec<String>> {
    let mut files = Vec::new();
    for extra in [&[][..], &["--others", "--exclude-standard"][..]] {
        let out = Cmd::new("git", root)
            .args(["ls-files", "-z"])
            .args(extra.iter().copied())
            .args(["--", "*.rs"])
            .quiet()
            .output()?;
        files.extend(out.split('\0').filter(|p| !p.is_empty()).map(String::from));
    }
    // The workspaces of their own (`fuzz/`, `benches/allocs/`) are checked
    // like the rest; only build output is left out.
    files.retain(|p| {
        !p.starts_with("target/")
            && !p.starts_with("fuzz/target/")
            && !p.starts_with("benches/allocs/target/")
            && root.join(p).is_file()
    });
    files.sort();
    files.dedup();
    Ok(files)
}
