//! `cargo xtask allocs`: the allocation benchmark in `benches/allocs/`, its
//! own workspace (it replaces the C allocator in its binary, so it must stay
//! out of the root workspace's feature unification, and it builds libzmq).
//!
//! It runs the benchmark's tests first (the counting `malloc` must see Rust's,
//! ferrozmq's and libzmq's allocations), then the benchmark, both in release
//! with `-j2`. Every argument goes to the benchmark (`--quick`, filters; see
//! `benches/allocs/src/main.rs`).

use std::fs;
use std::path::{Path, PathBuf};

use crate::Result;
use crate::command::Cmd;

/// The benchmark's folder, relative to the workspace root.
pub const DIR: &str = "benches/allocs";

/// Runs `cargo xtask allocs [ARGS]`.
///
/// # Errors
///
/// When the benchmark fails to build, its tests fail, or a run fails.
pub fn run(root: &Path, args: &[String]) -> Result {
    let manifest = root.join(DIR).join("Cargo.toml");
    Cmd::cargo(root)
        .args(["test", "--release", "-j2", "--manifest-path"])
        .arg(&manifest)
        .run()?;
    Cmd::cargo(root)
        .args(["run", "--release", "-j2", "--manifest-path"])
        .arg(&manifest)
        .arg("--")
        .args(args)
        .run()
}

/// The files rustfmt starts from to check the benchmark's sources: its
/// binary's root (rustfmt follows its modules) and each integration test,
/// sorted.
///
/// # Errors
///
/// When the tests folder exists but cannot be read.
pub fn format_roots(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join(DIR);
    let main = dir.join("src").join("main.rs");
    if !main.is_file() {
        return Ok(Vec::new());
    }
    let mut roots = vec![main];
    let tests = dir.join("tests");
    match fs::read_dir(&tests) {
        Ok(entries) => {
            for entry in entries {
                let path = entry?.path();
                if path.extension().is_some_and(|e| e == "rs") {
                    roots.push(path);
                }
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot list {}: {e}", tests.display()).into()),
    }
    roots[1..].sort();
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_benchmark_sources() {
        let root = crate::project_root();
        let roots = format_roots(&root).unwrap();
        assert_eq!(roots.first(), Some(&root.join(DIR).join("src/main.rs")));
        assert!(roots.contains(&root.join(DIR).join("tests/counting.rs")));
        let empty = std::env::temp_dir().join(format!("xtask-allocs-{}", std::process::id()));
        assert!(format_roots(&empty).unwrap().is_empty());
    }
}
