//! `cargo xtask ci`: the one gate, run by `.ci/run` and by hand before a push.
//!
//! Steps run in a fixed order and stop at the first failure, naming it. Each
//! step prints its time, and a summary closes the run. The `test` and
//! `interop` steps are killed, with every process they started, past
//! [`STEP_LIMIT`], so a hung test fails the gate instead of CI's clock. `--skip a,b` leaves steps
//! out for a quicker local run; CI runs them all. Nothing differs under `CI=true`.
//!
//! The `interop` step runs the tests against libzmq (`cargo xtask interop`);
//! `test` leaves that package out so they run once.
//!
//! The `deny` step checks bans, licenses and sources but not advisories: the
//! advisory database is fetched from GitHub, which these machines cannot reach
//! (see `deny.toml`).

use std::env;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::command::Cmd;
use crate::metadata::Workspace;
use crate::tool::CARGO_DENY;
use crate::{Result, allocs, fuzz, interop, loom, soak, tidy};

/// One step of the gate.
struct Step {
    name: &'static str,
    run: fn(&Path) -> Result,
}

/// Every step, in the order it runs.
const STEPS: &[Step] = &[
    Step {
        name: "fmt",
        run: fmt,
    },
    Step {
        name: "clippy",
        run: clippy,
    },
    Step {
        name: "test",
        run: test,
    },
    Step {
        name: "interop",
        run: |root| interop::run(root, &[]),
    },
    Step {
        name: "run-examples",
        run: run_examples,
    },
    Step {
        name: "doc",
        run: doc,
    },
    Step {
        name: "tidy",
        run: |root| tidy::run(root, &[]),
    },
    Step {
        name: "deny",
        run: deny,
    },
    Step {
        name: "loom",
        run: |root| loom::run(root, &[]),
    },
    Step {
        name: "fuzz",
        run: |root| fuzz::run(root, &["--smoke".to_owned()]),
    },
    Step {
        name: "soak",
        run: |root| soak::run(root, &["--smoke".to_owned()]),
    },
];

/// How long the build-and-test steps (`test`, `interop`) may run before the
/// whole process group is killed: about ten times what they take on 2 cores,
/// and well inside CI's 90 minutes, so a hung test fails the gate by name.
pub const STEP_LIMIT: Duration = Duration::from_secs(20 * 60);

/// How long one example may run when `XTASK_EXAMPLE_TIMEOUT` (seconds) is not set.
const DEFAULT_EXAMPLE_TIMEOUT: Duration = Duration::from_secs(120);

fn fmt(root: &Path) -> Result {
    Cmd::cargo(root)
        .args(["fmt", "--all", "--", "--check"])
        .run()?;
    // `fuzz/` and `benches/allocs/` are workspaces of their own, which
    // `--all` does not reach; rustfmt checks their files without going
    // through cargo (from a crate root it follows the modules).
    let mut files = fuzz::target_paths(root)?;
    files.extend(allocs::format_roots(root)?);
    if files.is_empty() {
        return Ok(());
    }
    Cmd::new("rustfmt", root)
        .args(["--check", "--edition", "2024"])
        .args(files)
        .run()
}

fn clippy(root: &Path) -> Result {
    Cmd::cargo(root)
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "-j2",
            "--",
            "-D",
            "warnings",
        ])
        .run()
}

/// Every package's tests but the interop tests, which have their own step
/// (`--workspace` includes members outside `default-members`).
fn test(root: &Path) -> Result {
    Cmd::cargo(root)
        .args(["test", "--workspace", "--exclude", interop::PACKAGE, "-j2"])
        .run_with_timeout(STEP_LIMIT)
}

fn doc(root: &Path) -> Result {
    Cmd::cargo(root)
        .env("RUSTDOCFLAGS", "-D warnings")
        .args(["doc", "--workspace", "--no-deps", "-j2"])
        .run()
}

fn deny(root: &Path) -> Result {
    CARGO_DENY.ensure(root)?;
    // Not `advisories`: its database comes from GitHub, out of reach here.
    Cmd::cargo(root)
        .args(["deny", "check", "bans", "licenses", "sources"])
        .run()
}

/// Builds and runs every example of every workspace package; each must exit 0.
///
/// This is `cargo run --example NAME -p PACKAGE` split in two, so that the
/// example itself (not cargo) is the process killed when it hangs.
fn run_examples(root: &Path) -> Result {
    let timeout =
        match env::var("XTASK_EXAMPLE_TIMEOUT") {
            Ok(secs) => Duration::from_secs(secs.parse().map_err(|_| {
                format!("XTASK_EXAMPLE_TIMEOUT must be whole seconds, got `{secs}`")
            })?),
            Err(_) => DEFAULT_EXAMPLE_TIMEOUT,
        };
    let ws = Workspace::load(root)?;
    let mut count = 0;
    for package in &ws.packages {
        for example in package.targets.iter().filter(|t| t.is_example()) {
            let mut build = Cmd::cargo(root).args([
                "build",
                "-j2",
                "-p",
                &package.name,
                "--example",
                &example.name,
                "--message-format=json-render-diagnostics",
            ]);
            if !example.required_features.is_empty() {
                build = build.args(["--features", &example.required_features.join(",")]);
            }
            let messages = build.output()?;
            let exe = example_executable(&messages, &example.name).ok_or_else(|| {
                format!(
                    "cargo built example `{}` but reported no executable",
                    example.name
                )
            })?;
            Cmd::new(&exe, root)
                .run_with_timeout(timeout)
                .map_err(|e| format!("example `{}` of `{}`: {e}", example.name, package.name))?;
            count += 1;
        }
    }
    println!("run-examples: {count} example(s) ran and exited 0");
    Ok(())
}

/// The executable of example `name` in `cargo build --message-format=json` output.
fn example_executable(messages: &str, name: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .filter(|m| {
            m["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|k| k == "example"))
        })
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

/// The step names in `--skip a,b` / `--skip=a,b` arguments (repeatable).
fn parse_skips(args: &[String]) -> std::result::Result<Vec<&'static str>, String> {
    let mut skips = Vec::new();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let list = if arg == "--skip" {
            iter.next()
                .ok_or("`--skip` needs a comma-separated list of steps")?
        } else if let Some(list) = arg.strip_prefix("--skip=") {
            list
        } else {
            return Err(format!(
                "ci: unknown argument `{arg}` (only `--skip STEP,...`)"
            ));
        };
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let step = STEPS.iter().find(|s| s.name == name).ok_or_else(|| {
                let names: Vec<_> = STEPS.iter().map(|s| s.name).collect();
                format!("ci: no step `{name}`; steps: {}", names.join(", "))
            })?;
            skips.push(step.name);
        }
    }
    Ok(skips)
}

/// What happened to one step.
enum Outcome {
    Passed(Duration),
    Failed(Duration),
    Skipped,
    NotRun,
}

fn print_summary(outcomes: &[(&str, Outcome)], total: Duration) {
    println!("\nci summary:");
    for (name, outcome) in outcomes {
        let (word, time) = match outcome {
            Outcome::Passed(t) => ("ok", Some(t)),
            Outcome::Failed(t) => ("FAILED", Some(t)),
            Outcome::Skipped => ("skipped", None),
            Outcome::NotRun => ("not run", None),
        };
        match time {
            Some(t) => println!("  {name:<13} {word:<8} {:>7.1} s", t.as_secs_f64()),
            None => println!("  {name:<13} {word}"),
        }
    }
    println!("  {:<13} {:<8} {:>7.1} s", "total", "", total.as_secs_f64());
}

/// Runs the gate: every step not skipped, in order, stopping at the first failure.
///
/// # Errors
///
/// When an argument is wrong or a step fails; the error names the step.
pub fn run(root: &Path, args: &[String]) -> Result {
    let skips = parse_skips(args)?;
    let start = Instant::now();
    let mut outcomes: Vec<(&str, Outcome)> = Vec::new();
    let mut failure = None;
    let todo = STEPS.len() - skips.len();
    let mut index = 0;
    for step in STEPS {
        if skips.contains(&step.name) {
            outcomes.push((step.name, Outcome::Skipped));
            continue;
        }
        if failure.is_some() {
            outcomes.push((step.name, Outcome::NotRun));
            continue;
        }
        index += 1;
        println!("\n==> ci [{index}/{todo}] {}", step.name);
        let step_start = Instant::now();
        let result = (step.run)(root);
        let elapsed = step_start.elapsed();
        match result {
            Ok(()) => {
                println!("==> ci: {} ok in {:.1} s", step.name, elapsed.as_secs_f64());
                outcomes.push((step.name, Outcome::Passed(elapsed)));
            }
            Err(e) => {
                println!(
                    "==> ci: {} FAILED after {:.1} s",
                    step.name,
                    elapsed.as_secs_f64()
                );
                outcomes.push((step.name, Outcome::Failed(elapsed)));
                failure = Some(format!("ci: step `{}` failed: {e}", step.name));
            }
        }
    }
    print_summary(&outcomes, start.elapsed());
    match failure {
        Some(message) => Err(message.into()),
        None => {
            let skipped = if skips.is_empty() {
                String::new()
            } else {
                format!(" ({} skipped: {})", skips.len(), skips.join(", "))
            };
            println!("ci: passed: {todo} of {} steps run{skipped}", STEPS.len());
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn step_order_is_the_documented_one() {
        let names: Vec<_> = STEPS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "fmt",
                "clippy",
                "test",
                "interop",
                "run-examples",
                "doc",
                "tidy",
                "deny",
                "loom",
                "fuzz",
                "soak"
            ]
        );
    }

    #[test]
    fn skips_are_parsed_and_checked() {
        assert_eq!(parse_skips(&[]).unwrap(), Vec::<&str>::new());
        assert_eq!(
            parse_skips(&args(&["--skip", "loom,deny"])).unwrap(),
            ["loom", "deny"]
        );
        assert_eq!(
            parse_skips(&args(&["--skip=fuzz", "--skip", " doc , "])).unwrap(),
            ["fuzz", "doc"]
        );
        assert!(parse_skips(&args(&["--skip"])).is_err());
        assert!(
            parse_skips(&args(&["--skip", "lint"]))
                .unwrap_err()
                .contains("no step `lint`")
        );
        assert!(parse_skips(&args(&["loom"])).is_err());
    }

    #[test]
    fn finds_the_example_executable() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"ferrozmq_msg","kind":["lib"]},"executable":null}
{"reason":"compiler-artifact","target":{"name":"pubsub","kind":["example"]},"executable":"/ws/target/debug/examples/pubsub"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            example_executable(messages, "pubsub"),
            Some(PathBuf::from("/ws/target/debug/examples/pubsub"))
        );
        assert_eq!(example_executable(messages, "ferrozmq_msg"), None);
        assert_eq!(example_executable("", "pubsub"), None);
    }
}
