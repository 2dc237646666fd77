//! Dependency direction between workspace packages, read from `cargo metadata`.
//!
//! The library crates form one chain, `ferrozmq-alloc <- ferrozmq-msg <-
//! ferrozmq-wire <- ferrozmq-socket <- ferrozmq`: a package may depend only on
//! packages to its left (dev-dependencies also on itself, which is what a doctest
//! or an integration test naming its own crate looks like). The leaves (the CLI,
//! the benches, the interop tests and xtask) may depend on any chain crate, and nothing may depend on
//! a leaf. The test-support crate may depend on chain crates, and any crate may
//! name it, but only as a dev-dependency. A workspace member in none of the
//! lists is an error, so a new crate has to be placed here on purpose. Registry dependencies are not this check's business.

use super::Violation;
use crate::metadata::{DepKind, Package, Workspace};

/// The library crates, lowest layer first.
pub const CHAIN: &[&str] = &[
    "ferrozmq-alloc",
    "ferrozmq-msg",
    "ferrozmq-wire",
    "ferrozmq-socket",
    "ferrozmq",
];

/// Packages that may depend on anything in [`CHAIN`] and that nothing may depend on.
pub const LEAVES: &[&str] = &[
    "ferrozmq-cli",
    "ferrozmq-benches",
    "ferrozmq-interop",
    "ferrozmq-libzmq-perf",
    "ferrozmq-omq-perf",
    "xtask",
];

/// Shared test helpers (h2's pattern): a dev-dependency of anyone; it may
/// itself depend on chain crates (never on a leaf).
pub const TEST_SUPPORT: &[&str] = &["ferrozmq-test-support"];

/// Where a package sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// Its index in [`CHAIN`].
    Chain(usize),
    Leaf,
    TestSupport,
}

fn layer(name: &str) -> Option<Layer> {
    if let Some(i) = CHAIN.iter().position(|&c| c == name) {
        Some(Layer::Chain(i))
    } else if LEAVES.contains(&name) {
        Some(Layer::Leaf)
    } else if TEST_SUPPORT.contains(&name) {
        Some(Layer::TestSupport)
    } else {
        None
    }
}

/// Whether a package in layer `from` may have a `kind` dependency on one in layer `to`.
fn allowed(from: Layer, to: Layer, kind: DepKind) -> bool {
    match (from, to) {
        (_, Layer::Leaf) => false,
        (_, Layer::TestSupport) => kind == DepKind::Dev,
        (Layer::TestSupport, Layer::Chain(_)) => true,
        (Layer::Leaf, Layer::Chain(_)) => true,
        (Layer::Chain(a), Layer::Chain(b)) => match kind {
            DepKind::Normal | DepKind::Build => b < a,
            DepKind::Dev => b <= a,
        },
    }
}

/// The 1-based line of `key`'s declaration in a manifest's text, or 1.
fn declaration_line(manifest: &str, key: &str) -> usize {
    manifest
        .lines()
        .position(|line| {
            line.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(['=', '.']))
        })
        .map_or(1, |i| i + 1)
}

/// Checks every workspace dependency edge; `manifest` gives the text of a
/// package's `Cargo.toml` (to point at the offending line) when it can be read.
pub fn check(ws: &Workspace, manifest: &dyn Fn(&Package) -> Option<String>) -> Vec<Violation> {
    let chain = CHAIN.join(" <- ");
    let mut out = Vec::new();
    for package in &ws.packages {
        let path = ws.relative(&package.manifest_path);
        let Some(from) = layer(&package.name) else {
            out.push(Violation::new(
                &path,
                1,
                format!(
                    "workspace package `{}` has no place in tidy's layers: add it to CHAIN or LEAVES in xtask/src/tidy/layers.rs",
                    package.name
                ),
            ));
            continue;
        };
        let text = manifest(package).unwrap_or_default();
        for dep in &package.dependencies {
            if !ws.is_member(&dep.name) {
                continue;
            }
            // An unplaced member is reported once, as a package, above.
            let Some(to) = layer(&dep.name) else {
                continue;
            };
            if allowed(from, to, dep.kind) {
                continue;
            }
            let why = match (from, to) {
                (_, Layer::Leaf) => format!("nothing may depend on `{}`", dep.name),
                _ => format!(
                    "dependencies flow one way ({chain}): a crate may only depend on crates to its left"
                ),
            };
            out.push(Violation::new(
                &path,
                declaration_line(&text, dep.key()),
                format!(
                    "`{}` has a {} on `{}`; {why}",
                    package.name,
                    dep.kind.describe(),
                    dep.name
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::metadata::DepKind::Normal;
    use crate::metadata::Dependency;

    fn package(name: &str, deps: &[(&str, DepKind)]) -> Package {
        Package {
            name: name.to_owned(),
            manifest_path: PathBuf::from(format!("/ws/{name}/Cargo.toml")),
            dependencies: deps
                .iter()
                .map(|&(n, kind)| Dependency {
                    name: n.to_owned(),
                    rename: None,
                    kind,
                })
                .collect(),
            targets: Vec::new(),
        }
    }

    fn workspace(packages: Vec<Package>) -> Workspace {
        Workspace {
            root: PathBuf::from("/ws"),
            packages,
        }
    }

    fn good() -> Vec<Package> {
        use DepKind::*;
        vec![
            package("ferrozmq-alloc", &[("crossbeam-queue", Normal)]),
            package(
                "ferrozmq-msg",
                &[("ferrozmq-alloc", Normal), ("ferrozmq-msg", Dev)],
            ),
            package(
                "ferrozmq-wire",
                &[("ferrozmq-msg", Normal), ("ferrozmq-alloc", Dev)],
            ),
            package(
                "ferrozmq-socket",
                &[("ferrozmq-wire", Normal), ("ferrozmq-alloc", Build)],
            ),
            package(
                "ferrozmq",
                &[("ferrozmq-socket", Normal), ("ferrozmq-msg", Normal)],
            ),
            package("ferrozmq-cli", &[("ferrozmq", Normal)]),
            package(
                "ferrozmq-benches",
                &[("ferrozmq-msg", Normal), ("ferrozmq", Dev)],
            ),
            package("xtask", &[("serde_json", Normal)]),
            package(
                "ferrozmq-interop",
                &[
                    ("ferrozmq-wire", Normal),
                    ("ferrozmq-test-support", Dev),
                    ("zmq", Dev),
                ],
            ),
            package("ferrozmq-test-support", &[]),
        ]
    }

    #[test]
    fn test_support_is_a_dev_dependency_only() {
        use DepKind::*;
        let mut packages = good();
        packages[1] = package(
            "ferrozmq-msg",
            &[("ferrozmq-alloc", Normal), ("ferrozmq-test-support", Dev)],
        );
        assert_eq!(check(&workspace(packages.clone()), &no_manifest), []);
        packages[1] = package("ferrozmq-msg", &[("ferrozmq-test-support", Normal)]);
        let last = packages.len() - 1;
        packages[last] = package(
            "ferrozmq-test-support",
            &[("ferrozmq-alloc", Normal), ("ferrozmq-cli", Normal)],
        );
        // msg's normal dependency on it, and its dependency on a leaf.
        assert_eq!(check(&workspace(packages), &no_manifest).len(), 2);
    }

    fn no_manifest(_: &Package) -> Option<String> {
        None
    }

    #[test]
    fn the_intended_graph_passes() {
        assert_eq!(check(&workspace(good()), &no_manifest), []);
    }

    #[test]
    fn upward_dependencies_are_reported() {
        let mut packages = good();
        packages[1].dependencies.push(Dependency {
            name: "ferrozmq-wire".into(),
            rename: None,
            kind: DepKind::Normal,
        });
        packages[0].dependencies.push(Dependency {
            name: "ferrozmq-alloc".into(),
            rename: None,
            kind: DepKind::Build,
        });
        // A dev-dependency may not point right either.
        packages[2].dependencies.push(Dependency {
            name: "ferrozmq-socket".into(),
            rename: None,
            kind: DepKind::Dev,
        });
        let manifest = |p: &Package| {
            (p.name == "ferrozmq-msg").then(|| "[dependencies]\nferrozmq-alloc.workspace = true\nferrozmq-wire = { path = \"../wire\" }\n".to_owned())
        };
        let v = check(&workspace(packages), &manifest);
        let got: Vec<String> = v.iter().map(ToString::to_string).collect();
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(got[0].starts_with("ferrozmq-alloc/Cargo.toml:1: `ferrozmq-alloc` has a build-dependency on `ferrozmq-alloc`"));
        assert!(got[1].starts_with("ferrozmq-msg/Cargo.toml:3: `ferrozmq-msg` has a dependency on `ferrozmq-wire`; dependencies flow one way"));
        assert!(got[2].contains("dev-dependency on `ferrozmq-socket`"));
    }

    #[test]
    fn nothing_depends_on_a_leaf() {
        let mut packages = good();
        packages[6].dependencies.push(Dependency {
            name: "ferrozmq-cli".into(),
            rename: None,
            kind: DepKind::Dev,
        });
        packages[4].dependencies.push(Dependency {
            name: "xtask".into(),
            rename: None,
            kind: DepKind::Normal,
        });
        let v = check(&workspace(packages), &no_manifest);
        let got: Vec<String> = v.iter().map(|v| v.message.clone()).collect();
        assert_eq!(got.len(), 2);
        assert!(got[0].ends_with("nothing may depend on `xtask`"));
        assert!(got[1].ends_with("nothing may depend on `ferrozmq-cli`"));
    }

    #[test]
    fn unplaced_members_are_reported_once() {
        let mut packages = good();
        packages.push(package("ferrozmq-testkit", &[("ferrozmq-msg", Normal)]));
        packages[5].dependencies.push(Dependency {
            name: "ferrozmq-testkit".into(),
            rename: None,
            kind: DepKind::Dev,
        });
        let v = check(&workspace(packages), &no_manifest);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].path, "ferrozmq-testkit/Cargo.toml");
        assert!(v[0].message.contains("add it to CHAIN or LEAVES"));
    }

    #[test]
    fn declaration_lines() {
        let text = "[package]\nname = \"x\"\n\n[dependencies]\nferrozmq-msg-extra = \"1\"\nferrozmq-msg = { workspace = true }\n";
        assert_eq!(declaration_line(text, "ferrozmq-msg"), 6);
        assert_eq!(declaration_line(text, "absent"), 1);
    }
}
