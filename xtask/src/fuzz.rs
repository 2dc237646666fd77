//! `cargo xtask fuzz`: the cargo-fuzz targets in `fuzz/`, on the pinned stable
//! toolchain.
//!
//! cargo-fuzz needs nightly-only flags (`-Zsanitizer`), so its child process
//! alone gets `RUSTC_BOOTSTRAP=1`; nothing else in the workspace is built that
//! way. Targets are the files `fuzz/fuzz_targets/*.rs`; with none there,
//! `--smoke` succeeds at once without installing cargo-fuzz.

use std::fs;
use std::path::{Path, PathBuf};

use crate::Result;
use crate::command::Cmd;
use crate::tool::CARGO_FUZZ;

/// Seconds per target for `--smoke`.
const SMOKE_SECS: u64 = 20;

/// Seconds for one named target when `--secs` is not given.
const DEFAULT_SECS: u64 = 60;

/// The parsed command line.
#[derive(Debug, Default, PartialEq, Eq)]
struct Options {
    target: Option<String>,
    secs: Option<u64>,
    smoke: bool,
    libfuzzer_args: Vec<String>,
}

fn parse(args: &[String]) -> std::result::Result<Options, String> {
    let mut opts = Options::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        match arg.as_str() {
            "--smoke" => opts.smoke = true,
            "--" => {
                opts.libfuzzer_args = iter.by_ref().cloned().collect();
            }
            "--secs" => {
                let value = iter.next().ok_or("`--secs` needs a number of seconds")?;
                opts.secs = Some(parse_secs(value)?);
            }
            other if other.starts_with("--secs=") => {
                opts.secs = Some(parse_secs(&other["--secs=".len()..])?);
            }
            other if other.starts_with('-') => {
                return Err(format!("fuzz: unknown flag `{other}`"));
            }
            target if opts.target.is_none() => opts.target = Some(target.to_owned()),
            extra => return Err(format!("fuzz: one target at a time (got `{extra}` too)")),
        }
    }
    Ok(opts)
}

fn parse_secs(value: &str) -> std::result::Result<u64, String> {
    value
        .parse()
        .map_err(|_| format!("fuzz: `--secs` wants whole seconds, got `{value}`"))
}

/// The target sources, `fuzz/fuzz_targets/*.rs` under the workspace `root`, sorted.
///
/// # Errors
///
/// When the folder exists but cannot be read.
pub fn target_paths(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join("fuzz").join("fuzz_targets");
    Ok(target_files(&root.join("fuzz"))?
        .into_iter()
        .map(|name| dir.join(format!("{name}.rs")))
        .collect())
}

/// The targets on disk: the stems of `fuzz/fuzz_targets/*.rs`, sorted.
fn target_files(fuzz_dir: &Path) -> Result<Vec<String>> {
    let dir = fuzz_dir.join("fuzz_targets");
    let entries = match fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display()).into()),
    };
    let mut targets = Vec::new();
    for entry in entries {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "rs")
            && let Some(stem) = path.file_stem()
        {
            targets.push(stem.to_string_lossy().into_owned());
        }
    }
    targets.sort();
    Ok(targets)
}

/// Runs `cargo xtask fuzz [TARGET] [--secs N] [--smoke] [-- LIBFUZZER_ARGS]`.
///
/// # Errors
///
/// When the arguments are wrong, cargo-fuzz cannot be installed, or a target
/// fails to build or finds a crash.
pub fn run(root: &Path, args: &[String]) -> Result {
    let opts = parse(args)?;
    let fuzz_dir = root.join("fuzz");
    let files = target_files(&fuzz_dir)?;
    if let Some(target) = &opts.target {
        if !files.contains(target) {
            return Err(format!(
                "fuzz: no target `{target}` (no fuzz/fuzz_targets/{target}.rs); targets: {}",
                listing(&files)
            )
            .into());
        }
    } else if !opts.smoke {
        return Err(format!(
            "fuzz: name a target or pass --smoke; targets: {}",
            listing(&files)
        )
        .into());
    } else if files.is_empty() {
        println!("fuzz: no targets yet");
        return Ok(());
    }

    CARGO_FUZZ.ensure(root)?;
    let targets = match &opts.target {
        Some(target) => vec![target.clone()],
        None => Cmd::cargo(&fuzz_dir)
            .args(["fuzz", "list"])
            .output()?
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(String::from)
            .collect(),
    };
    let secs = opts
        .secs
        .unwrap_or(if opts.smoke { SMOKE_SECS } else { DEFAULT_SECS });
    let rustflags = fuzz_rustflags(std::env::var("RUSTFLAGS").ok().as_deref());
    for target in &targets {
        Cmd::cargo(&fuzz_dir)
            .env("RUSTC_BOOTSTRAP", "1")
            .env("RUSTFLAGS", &rustflags)
            .args(["fuzz", "run", target, "--"])
            .arg(format!("-max_total_time={secs}"))
            // Any single allocation above this is a finding: the targets cap
            // messages at 1 MiB, so a larger one means a size taken from the
            // peer unchecked, which the wire crate promises never to do.
            .arg(format!("-malloc_limit_mb={MALLOC_LIMIT_MB}"))
            .args(&opts.libfuzzer_args)
            .run()?;
    }
    println!("fuzz: {} target(s), {secs} s each: no crash", targets.len());
    Ok(())
}

/// The RUSTFLAGS for the fuzz build (cargo-fuzz puts them after its own):
/// the caller's, plus `--cfg poly1305_force_soft`, which makes the poly1305
/// crate use its portable backend (the one every CPU without AVX2 runs).
/// Under the fuzz build's instrumentation the AVX2 backend's intrinsics are
/// separate instrumented calls and make the CURVE targets about a third
/// slower; the MAC computed is the same, on every box.
fn fuzz_rustflags(caller: Option<&str>) -> String {
    let ours = "--cfg poly1305_force_soft";
    match caller.map(str::trim) {
        Some(flags) if !flags.is_empty() => format!("{flags} {ours}"),
        _ => ours.to_owned(),
    }
}

/// libFuzzer's `-malloc_limit_mb` for every run; see `run`.
const MALLOC_LIMIT_MB: u32 = 64;

fn listing(targets: &[String]) -> String {
    if targets.is_empty() {
        "none yet".to_owned()
    } else {
        targets.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_target_secs_smoke_and_passthrough() {
        let opts = parse(&args(&["frame", "--secs", "5", "--", "-jobs=2", "-seed=1"])).unwrap();
        assert_eq!(
            opts,
            Options {
                target: Some("frame".into()),
                secs: Some(5),
                smoke: false,
                libfuzzer_args: args(&["-jobs=2", "-seed=1"]),
            }
        );
        let opts = parse(&args(&["--smoke", "--secs=3"])).unwrap();
        assert_eq!((opts.target, opts.secs, opts.smoke), (None, Some(3), true));
        assert_eq!(parse(&[]).unwrap(), Options::default());
    }

    #[test]
    fn rustflags_keep_the_callers() {
        assert_eq!(fuzz_rustflags(None), "--cfg poly1305_force_soft");
        assert_eq!(fuzz_rustflags(Some(" ")), "--cfg poly1305_force_soft");
        assert_eq!(
            fuzz_rustflags(Some("-Cdebuginfo=0")),
            "-Cdebuginfo=0 --cfg poly1305_force_soft"
        );
    }

    #[test]
    fn rejects_bad_arguments() {
        assert!(parse(&args(&["--secs"])).is_err());
        assert!(parse(&args(&["--secs", "ten"])).is_err());
        assert!(parse(&args(&["--fast"])).is_err());
        assert!(parse(&args(&["a", "b"])).is_err());
    }

    #[test]
    fn lists_target_files() {
        let dir = std::env::temp_dir().join(format!("xtask-fuzz-test-{}", std::process::id()));
        assert_eq!(target_files(&dir).unwrap(), Vec::<String>::new());
        fs::create_dir_all(dir.join("fuzz_targets")).unwrap();
        for name in ["greeting.rs", "frame.rs", "notes.md"] {
            fs::write(dir.join("fuzz_targets").join(name), "").unwrap();
        }
        let found = target_files(&dir).unwrap();
        fs::remove_dir_all(&dir).unwrap();
        assert_eq!(found, ["frame", "greeting"]);
    }
}
