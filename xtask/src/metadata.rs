//! The workspace as `cargo metadata --format-version 1 --no-deps` describes it:
//! its packages, their dependencies and their targets.
//!
//! Only what the tasks use is kept. Parsing is separate from running cargo so it
//! can be tested on a fixed JSON document.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::Result;
use crate::command::Cmd;

/// The workspace packages and the workspace root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// The workspace root, as cargo reports it.
    pub root: PathBuf,
    /// Every workspace member, in the order cargo lists them.
    pub packages: Vec<Package>,
}

/// One workspace member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The package name (`ferrozmq-msg`).
    pub name: String,
    /// Absolute path of its `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// Every dependency as declared, of every kind.
    pub dependencies: Vec<Dependency>,
    /// Its build targets (lib, bins, examples, tests, benches).
    pub targets: Vec<Target>,
}

/// One declared dependency of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    /// The name of the package depended on.
    pub name: String,
    /// The key it is declared under in `Cargo.toml`, when it differs from `name`.
    pub rename: Option<String>,
    /// Normal, dev or build.
    pub kind: DepKind,
}

impl Dependency {
    /// The key this dependency has in its `Cargo.toml`.
    pub fn key(&self) -> &str {
        self.rename.as_deref().unwrap_or(&self.name)
    }
}

/// The section a dependency is declared in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DepKind {
    /// `[dependencies]`.
    Normal,
    /// `[dev-dependencies]`.
    Dev,
    /// `[build-dependencies]`.
    Build,
}

impl DepKind {
    /// How the kind is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            DepKind::Normal => "dependency",
            DepKind::Dev => "dev-dependency",
            DepKind::Build => "build-dependency",
        }
    }
}

/// One build target of a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The target name (`pubsub` for `examples/pubsub.rs`).
    pub name: String,
    /// Its kinds (`lib`, `bin`, `example`, `test`, `bench`, ...).
    pub kinds: Vec<String>,
    /// Features it needs (`required-features`).
    pub required_features: Vec<String>,
}

impl Target {
    /// Whether this target is an example.
    pub fn is_example(&self) -> bool {
        self.kinds.iter().any(|k| k == "example")
    }
}

impl Workspace {
    /// Runs `cargo metadata --format-version 1 --no-deps` in `root` and parses it.
    ///
    /// # Errors
    ///
    /// When cargo fails or prints something that is not the expected JSON.
    pub fn load(root: &Path) -> Result<Workspace> {
        let json = Cmd::cargo(root)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .quiet()
            .output()?;
        Ok(Workspace::parse(&json)?)
    }

    /// Parses `cargo metadata` JSON output.
    ///
    /// # Errors
    ///
    /// When the text is not JSON or lacks a field the tasks need.
    pub fn parse(json: &str) -> std::result::Result<Workspace, String> {
        let doc: Value =
            serde_json::from_str(json).map_err(|e| format!("cargo metadata: bad JSON: {e}"))?;
        let root = str_field(&doc, "workspace_root")?;
        let packages = doc["packages"]
            .as_array()
            .ok_or("cargo metadata: no `packages` array")?
            .iter()
            .map(parse_package)
            .collect::<std::result::Result<_, _>>()?;
        Ok(Workspace {
            root: PathBuf::from(root),
            packages,
        })
    }

    /// Whether `name` is a workspace member.
    pub fn is_member(&self, name: &str) -> bool {
        self.packages.iter().any(|p| p.name == name)
    }

    /// `path` relative to the workspace root, `/`-separated, for messages.
    pub fn relative(&self, path: &Path) -> String {
        let rel = path.strip_prefix(&self.root).unwrap_or(path);
        rel.components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/")
    }
}

fn str_field<'a>(value: &'a Value, key: &str) -> std::result::Result<&'a str, String> {
    value[key]
        .as_str()
        .ok_or_else(|| format!("cargo metadata: missing string field `{key}`"))
}

fn str_list(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn parse_package(value: &Value) -> std::result::Result<Package, String> {
    let dependencies = value["dependencies"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|d| {
            let kind = match d["kind"].as_str() {
                None => DepKind::Normal,
                Some("dev") => DepKind::Dev,
                Some("build") => DepKind::Build,
                Some(other) => {
                    return Err(format!("cargo metadata: unknown dependency kind `{other}`"));
                }
            };
            Ok(Dependency {
                name: str_field(d, "name")?.to_owned(),
                rename: d["rename"].as_str().map(String::from),
                kind,
            })
        })
        .collect::<std::result::Result<_, String>>()?;
    let targets = value["targets"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|t| {
            Ok(Target {
                name: str_field(t, "name")?.to_owned(),
                kinds: str_list(&t["kind"]),
                required_features: str_list(&t["required-features"]),
            })
        })
        .collect::<std::result::Result<_, String>>()?;
    Ok(Package {
        name: str_field(value, "name")?.to_owned(),
        manifest_path: PathBuf::from(str_field(value, "manifest_path")?),
        dependencies,
        targets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A trimmed-down `cargo metadata` document: two members, one example.
    const FIXTURE: &str = r#"{
      "packages": [
        {
          "name": "ferrozmq-msg",
          "manifest_path": "/ws/crates/msg/Cargo.toml",
          "dependencies": [
            {"name": "ferrozmq-alloc", "source": null, "kind": null, "rename": null, "path": "/ws/crates/alloc"},
            {"name": "proptest", "source": "registry+https://github.com/rust-lang/crates.io-index", "kind": "dev", "rename": null},
            {"name": "cc", "source": "registry+https://github.com/rust-lang/crates.io-index", "kind": "build", "rename": "cc_rs"}
          ],
          "targets": [
            {"name": "ferrozmq_msg", "kind": ["lib"], "src_path": "/ws/crates/msg/src/lib.rs"},
            {"name": "frames", "kind": ["example"], "required-features": ["bytes"]}
          ]
        },
        {"name": "ferrozmq-alloc", "manifest_path": "/ws/crates/alloc/Cargo.toml", "dependencies": [], "targets": []}
      ],
      "workspace_members": [],
      "workspace_root": "/ws",
      "version": 1
    }"#;

    #[test]
    fn parses_packages_dependencies_and_targets() {
        let ws = Workspace::parse(FIXTURE).unwrap();
        assert_eq!(ws.root, Path::new("/ws"));
        assert_eq!(ws.packages.len(), 2);
        let msg = &ws.packages[0];
        assert_eq!(msg.name, "ferrozmq-msg");
        let kinds: Vec<_> = msg.dependencies.iter().map(|d| (d.key(), d.kind)).collect();
        assert_eq!(
            kinds,
            [
                ("ferrozmq-alloc", DepKind::Normal),
                ("proptest", DepKind::Dev),
                ("cc_rs", DepKind::Build)
            ]
        );
        let examples: Vec<_> = msg.targets.iter().filter(|t| t.is_example()).collect();
        assert_eq!(examples.len(), 1);
        assert_eq!(examples[0].name, "frames");
        assert_eq!(examples[0].required_features, ["bytes"]);
        assert!(ws.is_member("ferrozmq-alloc"));
        assert!(!ws.is_member("proptest"));
        assert_eq!(ws.relative(&msg.manifest_path), "crates/msg/Cargo.toml");
    }

    #[test]
    fn rejects_bad_documents() {
        assert!(Workspace::parse("not json").is_err());
        assert!(Workspace::parse(r#"{"workspace_root": "/ws"}"#).is_err());
        assert!(Workspace::parse(r#"{"packages": []}"#).is_err());
    }
}
