//! The house rules checked on every Rust file: a leading `//!`, a `// SAFETY:`
//! comment above every unsafe block and impl, `unsafe` only where it is allowed,
//! `std::sync` only in a crate's `src/sync.rs`, and `#![forbid(unsafe_code)]`
//! where it is required.
//!
//! Every check works on a path and the text of the file, so it is tested on
//! strings. The checks read code through [`source::split`], so words inside
//! comments and string literals do not count. They are rough, not a parser:
//! `unsafe` split from its `{` across lines, or a `std` path reached through a
//! `use` alias, goes unseen.

use super::Violation;
use super::source::{self, Line, is_ident_char};

/// Paths (relative to the workspace root) under which `unsafe` is allowed.
pub const UNSAFE_ALLOWED: &[&str] = &[
    "crates/alloc/",
    "crates/msg/",
    "crates/socket/src/sys/",
    "crates/test-support/",
];

/// Single files in which `unsafe` is allowed (a `sys` module written as one
/// file: the socket crate's, and the benches' one `setrlimit` call).
pub const UNSAFE_ALLOWED_FILES: &[&str] = &["crates/socket/src/sys.rs"];

/// Files that must carry `#![forbid(unsafe_code)]`.
pub const FORBID_UNSAFE: &[&str] = &["crates/wire/src/lib.rs", "crates/ferrozmq/src/lib.rs"];

/// Top-level folders whose `src/` may name `std::sync` freely (tools, not library code).
const SYNC_EXEMPT_ROOTS: &[&str] = &["xtask"];

/// Runs every per-file check on the file at `path` (relative, `/`-separated).
pub fn check_file(path: &str, src: &str) -> Vec<Violation> {
    let lines = source::split(src);
    let mut out = Vec::new();
    out.extend(check_header(path, src));
    out.extend(check_safety_comments(path, &lines));
    out.extend(check_unsafe_location(path, &lines));
    out.extend(check_sync_paths(path, &lines));
    out
}

/// The first non-empty line must be a `//!` comment saying what the file does.
pub fn check_header(path: &str, src: &str) -> Option<Violation> {
    match src.lines().enumerate().find(|(_, l)| !l.trim().is_empty()) {
        Some((_, line)) if line.trim_start().starts_with("//!") => None,
        Some((n, _)) => Some(Violation::new(
            path,
            n + 1,
            "the first non-empty line must be a `//!` comment saying what this file does",
        )),
        None => Some(Violation::new(
            path,
            1,
            "empty file: it must start with a `//!` comment",
        )),
    }
}

/// Byte offsets of `word` in `code` where it stands as a whole identifier.
fn word_positions<'a>(code: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    code.match_indices(word).map(|(i, _)| i).filter(move |&i| {
        let before = code[..i].chars().next_back();
        let after = code[i + word.len()..].chars().next();
        !before.is_some_and(is_ident_char) && !after.is_some_and(is_ident_char)
    })
}

/// Whether `text` starts with `word` as a whole identifier.
fn starts_with_word(text: &str, word: &str) -> bool {
    text.strip_prefix(word)
        .is_some_and(|rest| !rest.chars().next().is_some_and(is_ident_char))
}

/// Whether this line of code opens an unsafe block or an unsafe impl: the two
/// forms that need a `// SAFETY:` comment. `unsafe fn` (documented by a
/// `# Safety` section instead), `unsafe extern`, `unsafe trait` and the
/// `#[unsafe(...)]` attribute are not.
fn opens_unsafe_block_or_impl(code: &str) -> bool {
    word_positions(code, "unsafe").any(|i| {
        let rest = code[i + "unsafe".len()..].trim_start();
        rest.starts_with('{') || starts_with_word(rest, "impl")
    })
}

/// Whether the lines directly above `index` hold a `SAFETY:` comment: walking
/// up through comment-only lines and attributes, stopping at a blank line or code.
fn has_safety_comment_above(lines: &[Line], index: usize) -> bool {
    for line in lines[..index].iter().rev() {
        if line.is_blank() {
            return false;
        }
        if line.is_comment_only() {
            if line.comment.contains("SAFETY:") {
                return true;
            }
            continue;
        }
        let code = line.code.trim_start();
        if code.starts_with("#[") {
            continue;
        }
        return false;
    }
    false
}

/// Every line opening an `unsafe { ... }` block or an `unsafe impl` needs a
/// `// SAFETY:` comment directly above it (attributes and the rest of the
/// comment block may stand in between; a blank line or code may not).
pub fn check_safety_comments(path: &str, lines: &[Line]) -> Vec<Violation> {
    lines
        .iter()
        .enumerate()
        .filter(|(i, line)| {
            opens_unsafe_block_or_impl(&line.code) && !has_safety_comment_above(lines, *i)
        })
        .map(|(i, _)| {
            Violation::new(
                path,
                i + 1,
                "unsafe block or impl without a `// SAFETY:` comment directly above it",
            )
        })
        .collect()
}

/// Whether `unsafe` may appear in the file at `path`.
pub fn unsafe_allowed_in(path: &str) -> bool {
    UNSAFE_ALLOWED.iter().any(|dir| path.starts_with(dir)) || UNSAFE_ALLOWED_FILES.contains(&path)
}

/// `unsafe` (in any form) is allowed only in `crates/alloc`, `crates/msg` and
/// `crates/socket/src/sys`.
pub fn check_unsafe_location(path: &str, lines: &[Line]) -> Vec<Violation> {
    if unsafe_allowed_in(path) {
        return Vec::new();
    }
    lines
        .iter()
        .enumerate()
        .filter(|(_, line)| word_positions(&line.code, "unsafe").next().is_some())
        .map(|(i, _)| {
            Violation::new(
                path,
                i + 1,
                "`unsafe` outside crates/alloc, crates/msg and crates/socket/src/sys",
            )
        })
        .collect()
}

/// Whether the file at `path` is library code under a crate's `src/` that must
/// reach `std::sync` through the crate's own `src/sync.rs` (so loom can swap it).
pub fn sync_rule_applies(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    let Some(src) = parts.iter().position(|&p| p == "src") else {
        return false;
    };
    if src == 0 || SYNC_EXEMPT_ROOTS.contains(&parts[0]) {
        return false;
    }
    // Test helpers are never modelled by loom; they use std directly.
    if path.starts_with("crates/test-support/") {
        return false;
    }
    // Integration tests, benches and examples live beside src/, never in it,
    // so they are exempt by construction.
    parts[src + 1..] != ["sync.rs"]
}

/// No `std::sync`, `core::sync` or `alloc::sync` path in a crate's `src/`
/// except in its `src/sync.rs`, including grouped imports such as
/// `use std::{sync::Arc, fmt}`.
pub fn check_sync_paths(path: &str, lines: &[Line]) -> Vec<Violation> {
    if !sync_rule_applies(path) {
        return Vec::new();
    }
    let code: String = lines
        .iter()
        .map(|l| l.code.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let mut offsets = Vec::new();
    for root in ["std", "core", "alloc"] {
        for start in word_positions(&code, root) {
            let rest = code[start + root.len()..].trim_start();
            let Some(rest) = rest.strip_prefix("::") else {
                continue;
            };
            let rest = rest.trim_start();
            if starts_with_word(rest, "sync") {
                offsets.push(start);
            } else if let Some(group) = rest.strip_prefix('{')
                && group_names_sync(group)
            {
                offsets.push(start);
            }
        }
    }
    offsets.sort_unstable();
    offsets.dedup();
    offsets
        .into_iter()
        .map(|offset| {
            let line = code[..offset].matches('\n').count() + 1;
            Violation::new(
                path,
                line,
                "`std::sync` path outside this crate's `src/sync.rs`: import it from `crate::sync`",
            )
        })
        .collect()
}

/// Whether the import group `text` (just after its `{`) names `sync` at its top level.
fn group_names_sync(text: &str) -> bool {
    let mut depth = 0usize;
    let mut item_start = true;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return false,
            '}' => depth -= 1,
            ',' if depth == 0 => item_start = true,
            c if c.is_whitespace() => {}
            _ => {
                if item_start && depth == 0 && starts_with_word(&text[i..], "sync") {
                    return true;
                }
                item_start = false;
            }
        }
    }
    false
}

/// `src` (the text of one of [`FORBID_UNSAFE`]) must hold `#![forbid(unsafe_code)]`.
pub fn check_forbid_unsafe(path: &str, src: &str) -> Option<Violation> {
    let code: String = source::split(src)
        .iter()
        .flat_map(|l| l.code.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let present = code.match_indices("#![forbid(").any(|(i, m)| {
        let args = &code[i + m.len()..];
        let args = &args[..args.find(')').unwrap_or(args.len())];
        args.split(',').any(|lint| lint == "unsafe_code")
    });
    (!present).then(|| Violation::new(path, 1, "missing `#![forbid(unsafe_code)]`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(src: &str) -> Vec<Line> {
        source::split(src)
    }

    fn line_numbers(violations: &[Violation]) -> Vec<usize> {
        violations.iter().map(|v| v.line).collect()
    }

    #[test]
    fn header_must_be_inner_doc_comment() {
        assert!(check_header("a.rs", "//! Does a thing.\nfn f() {}\n").is_none());
        assert!(check_header("a.rs", "\n\n  //! Indented is fine.\n").is_none());
        let v = check_header("a.rs", "\n// plain comment\n//! late\n").unwrap();
        assert_eq!((v.line, v.path.as_str()), (2, "a.rs"));
        assert_eq!(check_header("a.rs", "use x;\n").unwrap().line, 1);
        assert_eq!(check_header("a.rs", "\n \n").unwrap().line, 1);
        assert!(check_header("a.rs", "/// outer doc\nfn f() {}\n").is_some());
    }

    #[test]
    fn safety_comment_directly_above_is_accepted() {
        let src = "\
//! x
fn f() {
    // SAFETY: the pointer is valid.
    let v = unsafe { *p };
    // SAFETY:
    // 1. first reason,
    // 2. second reason.
    unsafe { g() }
}
// SAFETY: Foo owns its data.
#[allow(dead_code)]
unsafe impl Send for Foo {}
";
        assert_eq!(check_safety_comments("a.rs", &lines(src)), []);
    }

    #[test]
    fn missing_or_detached_safety_comment_is_reported() {
        let src = "\
//! x
fn f() {
    let v = unsafe { *p };
    // SAFETY: detached by a blank line.

    unsafe { g() };
    // SAFETY: covers only the next line.
    unsafe { h() };
    unsafe{ i() };
    let w = 1; // SAFETY: a trailing comment is not above.
    unsafe { j() };
}
unsafe impl Sync for Foo {}
";
        let v = check_safety_comments("a.rs", &lines(src));
        assert_eq!(line_numbers(&v), [3, 6, 9, 11, 13]);
        assert!(v[0].to_string().starts_with("a.rs:3: unsafe block"));
    }

    #[test]
    fn unsafe_fn_trait_extern_and_attribute_need_no_safety_comment() {
        let src = "\
//! x
/// # Safety
/// `p` is valid.
pub unsafe fn f(p: *const u8) {}
unsafe trait T {}
unsafe extern \"C\" { fn g(); }
#[unsafe(no_mangle)]
fn h() {}
";
        assert_eq!(check_safety_comments("a.rs", &lines(src)), []);
    }

    #[test]
    fn unsafe_in_comments_and_strings_is_ignored() {
        let src = "\
//! x
// unsafe { commented out }
let s = \"unsafe { in a string }\";
/* unsafe impl Send for X {} */
let unsafe_count = 1;
#![forbid(unsafe_code)]
";
        let l = lines(src);
        assert_eq!(check_safety_comments("xtask/src/a.rs", &l), []);
        assert_eq!(check_unsafe_location("xtask/src/a.rs", &l), []);
    }

    #[test]
    fn unsafe_is_allowed_only_in_alloc_msg_and_socket_sys() {
        let src = "//! x\n// SAFETY: fine.\nunsafe { f() }\npub unsafe fn g() {}\n";
        let l = lines(src);
        for ok in [
            "crates/alloc/src/pool.rs",
            "crates/msg/tests/raw.rs",
            "crates/socket/src/sys/unix.rs",
            "crates/socket/src/sys.rs",
        ] {
            assert_eq!(check_unsafe_location(ok, &l), [], "{ok}");
        }
        for bad in [
            "crates/wire/src/frame.rs",
            "crates/socket/src/pipe.rs",
            "crates/socket/src/system.rs",
            "benches/src/lib.rs",
            "xtask/src/main.rs",
            "fuzz/fuzz_targets/greeting.rs",
        ] {
            assert_eq!(
                line_numbers(&check_unsafe_location(bad, &l)),
                [3, 4],
                "{bad}"
            );
        }
    }

    #[test]
    fn sync_rule_scope() {
        assert!(sync_rule_applies("crates/msg/src/lib.rs"));
        assert!(sync_rule_applies("crates/socket/src/pipe/ypipe.rs"));
        assert!(sync_rule_applies("benches/src/lib.rs"));
        assert!(!sync_rule_applies("crates/msg/src/sync.rs"));
        assert!(!sync_rule_applies("crates/msg/tests/threads.rs"));
        assert!(!sync_rule_applies("crates/ferrozmq/examples/pubsub.rs"));
        assert!(!sync_rule_applies("benches/benches/msg.rs"));
        assert!(!sync_rule_applies("xtask/src/main.rs"));
    }

    #[test]
    fn sync_paths_are_reported_with_their_line() {
        let src = "\
//! x
use std::sync::Arc;
use core::sync::atomic::AtomicUsize;
use std::{
    fmt,
    sync::{Mutex, atomic},
};
use ::alloc::sync::Weak;
fn f() { let a = std :: sync :: Arc::new(1); }
";
        let v = check_sync_paths("crates/msg/src/chunk.rs", &lines(src));
        assert_eq!(line_numbers(&v), [2, 3, 4, 8, 9]);
    }

    #[test]
    fn non_sync_paths_and_sync_rs_pass() {
        let src = "\
//! x
use std::{fmt, collections::HashMap};
use crate::sync::Arc;
use ferrozmq_alloc::sync::Thing;
use std::fmt::{self, sync};
// use std::sync::Arc;
const S: &str = \"std::sync\";
fn synchronize() { core::synchronize(); }
";
        assert_eq!(check_sync_paths("crates/msg/src/chunk.rs", &lines(src)), []);
        let sync_rs = "//! The one door to std::sync.\npub use std::sync::Arc;\n";
        assert_eq!(
            check_sync_paths("crates/msg/src/sync.rs", &lines(sync_rs)),
            []
        );
        assert_eq!(
            check_sync_paths("crates/msg/tests/t.rs", &lines(sync_rs)),
            []
        );
    }

    #[test]
    fn forbid_unsafe_code_must_be_present() {
        let path = "crates/wire/src/lib.rs";
        assert!(check_forbid_unsafe(path, "//! x\n\n#![forbid(unsafe_code)]\n").is_none());
        assert!(
            check_forbid_unsafe(path, "//! x\n#![forbid(missing_docs, unsafe_code)]\n").is_none()
        );
        assert!(check_forbid_unsafe(path, "//! x\n#![deny(unsafe_code)]\n").is_some());
        assert!(check_forbid_unsafe(path, "//! x\n// #![forbid(unsafe_code)]\n").is_some());
        assert!(check_forbid_unsafe(path, "//! x\n#![forbid(unsafe_code_x)]\n").is_some());
    }

    #[test]
    fn check_file_runs_every_rule() {
        let src = "use std::sync::Arc;\nunsafe { f() }\n";
        let v = check_file("crates/wire/src/lib.rs", src);
        let mut messages: Vec<String> = v.iter().map(ToString::to_string).collect();
        messages.sort();
        assert_eq!(messages.len(), 4, "{messages:#?}");
        assert!(messages[0].starts_with("crates/wire/src/lib.rs:1: `std::sync`"));
        assert!(messages[1].starts_with("crates/wire/src/lib.rs:1: the first non-empty line"));
    }
}
