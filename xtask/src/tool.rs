//! Cargo subcommands the tasks need, installed on first use.
//!
//! Versions are pinned so that a fresh machine gets what the config files were
//! written for, and so that a new release needing a newer Rust than the pinned
//! toolchain cannot break CI. Installing builds from source with `--locked` and
//! two jobs: cargo-deny takes about two and a half minutes here, cargo-fuzz less.

use std::path::Path;

use crate::Result;
use crate::command::Cmd;

/// A cargo subcommand distributed as a crate.
#[derive(Debug, Clone, Copy)]
pub struct Tool {
    /// The subcommand (`deny` for `cargo deny`).
    pub subcommand: &'static str,
    /// The crate that provides it.
    pub krate: &'static str,
    /// The version installed when it is missing.
    pub version: &'static str,
}

/// `cargo deny`, for licenses, bans and sources (see `deny.toml`).
pub const CARGO_DENY: Tool = Tool {
    subcommand: "deny",
    krate: "cargo-deny",
    version: "0.20.2",
};

/// `cargo fuzz`, for the libFuzzer targets in `fuzz/`.
pub const CARGO_FUZZ: Tool = Tool {
    subcommand: "fuzz",
    krate: "cargo-fuzz",
    version: "0.13.2",
};

impl Tool {
    /// Installs the tool unless `cargo SUBCOMMAND --version` already works.
    /// Any installed version is accepted.
    ///
    /// # Errors
    ///
    /// When the install fails.
    pub fn ensure(self, root: &Path) -> Result {
        if Cmd::cargo(root)
            .args([self.subcommand, "--version"])
            .succeeds_silently()
        {
            return Ok(());
        }
        println!(
            "`cargo {}` is missing: installing {} {} (a few minutes)",
            self.subcommand, self.krate, self.version
        );
        Cmd::cargo(root)
            .args([
                "install",
                "--locked",
                "-j2",
                self.krate,
                "--version",
                self.version,
            ])
            .run()
    }
}
