//! A Rust source file split, line by line, into its code and its comments.
//!
//! The tidy rules look for words such as `unsafe` and paths such as `std::sync`
//! in code, and for `SAFETY:` in comments. This lexer is rough on purpose: it
//! knows line comments, nested block comments, string, byte-string and raw-string
//! literals, and char literals as opposed to lifetimes. That is enough to keep a
//! word inside a string or a comment from counting as code. It does not parse
//! Rust, and it never fails: odd input gives odd lines, not an error.

/// One line of a source file, split into its code and its comments.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Line {
    /// The code on this line: comments removed, the contents of string and char
    /// literals replaced by spaces (their delimiters kept).
    pub code: String,
    /// The comments on this line, markers (`//`, `/*`, `*/`) included.
    pub comment: String,
}

impl Line {
    /// Whether the line holds a comment and no code.
    pub fn is_comment_only(&self) -> bool {
        self.code.trim().is_empty() && !self.comment.trim().is_empty()
    }

    /// Whether the line holds neither code nor comment.
    pub fn is_blank(&self) -> bool {
        self.code.trim().is_empty() && self.comment.trim().is_empty()
    }
}

/// Where the lexer is between two characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Code,
    LineComment,
    /// Inside a block comment, nested this deep.
    BlockComment(usize),
    /// Inside a `"..."` (or `b"..."`, `c"..."`) literal.
    Str,
    /// Inside a raw string closed by `"` and this many `#`.
    RawStr(usize),
}

/// Whether `c` can be part of an identifier.
pub fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits `src` into one [`Line`] per line of text, numbered as `str::lines` does.
pub fn split(src: &str) -> Vec<Line> {
    let chars: Vec<char> = src.chars().collect();
    let mut lines = vec![Line::default()];
    let mut state = State::Code;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '\n' {
            lines.push(Line::default());
            if state == State::LineComment {
                state = State::Code;
            }
            i += 1;
            continue;
        }
        let line = lines.last_mut().expect("lines is never empty");
        match state {
            State::Code => {
                if c == '/' && next == Some('/') {
                    state = State::LineComment;
                    line.comment.push_str("//");
                    i += 2;
                    continue;
                }
                if c == '/' && next == Some('*') {
                    state = State::BlockComment(1);
                    line.comment.push_str("/*");
                    i += 2;
                    continue;
                }
                if c == '"' {
                    state = State::Str;
                    line.code.push('"');
                    i += 1;
                    continue;
                }
                let prev_is_ident = i > 0 && is_ident_char(chars[i - 1]);
                if !prev_is_ident && let Some((hashes, len)) = raw_string_start(&chars[i..]) {
                    line.code.extend(&chars[i..i + len]);
                    state = State::RawStr(hashes);
                    i += len;
                    continue;
                }
                // A `'` that does not open a char literal is a lifetime or a
                // label: plain code.
                if c == '\''
                    && let Some(len) = char_literal_len(&chars[i..])
                {
                    line.code.push('\'');
                    line.code.extend(std::iter::repeat_n(' ', len - 2));
                    line.code.push('\'');
                    i += len;
                    continue;
                }
                line.code.push(c);
            }
            State::LineComment => line.comment.push(c),
            State::BlockComment(depth) => {
                if c == '*' && next == Some('/') {
                    line.comment.push_str("*/");
                    state = if depth == 1 {
                        State::Code
                    } else {
                        State::BlockComment(depth - 1)
                    };
                    i += 2;
                    continue;
                }
                if c == '/' && next == Some('*') {
                    line.comment.push_str("/*");
                    state = State::BlockComment(depth + 1);
                    i += 2;
                    continue;
                }
                line.comment.push(c);
            }
            State::Str => {
                if c == '\\' {
                    line.code.push(' ');
                    // An escaped newline continues the string on the next line;
                    // leave the newline to the line counting above.
                    if next.is_some_and(|n| n != '\n') {
                        line.code.push(' ');
                        i += 2;
                    } else {
                        i += 1;
                    }
                    continue;
                }
                if c == '"' {
                    line.code.push('"');
                    state = State::Code;
                } else {
                    line.code.push(' ');
                }
            }
            State::RawStr(hashes) => {
                let closes = c == '"'
                    && chars.len() > i + hashes
                    && chars[i + 1..=i + hashes].iter().all(|&h| h == '#');
                if closes {
                    line.code.push('"');
                    line.code.extend(std::iter::repeat_n('#', hashes));
                    state = State::Code;
                    i += 1 + hashes;
                    continue;
                }
                line.code.push(' ');
            }
        }
        i += 1;
    }
    if src.ends_with('\n') {
        lines.pop();
    }
    lines
}

/// If `rest` starts a raw string (`r"`, `r#"`, `br##"`, `cr"`...), the number of
/// `#` and the length of the opening delimiter.
fn raw_string_start(rest: &[char]) -> Option<(usize, usize)> {
    let prefix = match rest {
        ['r', ..] => 1,
        ['b' | 'c', 'r', ..] => 2,
        _ => return None,
    };
    let hashes = rest[prefix..].iter().take_while(|&&c| c == '#').count();
    (rest.get(prefix + hashes) == Some(&'"')).then_some((hashes, prefix + hashes + 1))
}

/// If `rest` (starting at a `'`) is a char literal, its length in chars;
/// `None` for a lifetime or a label.
fn char_literal_len(rest: &[char]) -> Option<usize> {
    match rest {
        ['\'', '\\', _, tail @ ..] => {
            // An escape: `'\n'`, `'\''`, `'\u{1F600}'`. Find the closing quote.
            let close = tail.iter().take(10).position(|&c| c == '\'')?;
            Some(3 + close + 1)
        }
        ['\'', c, '\'', ..] if *c != '\n' => Some(3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As many spaces as `text` has chars.
    fn blank(text: &str) -> String {
        " ".repeat(text.chars().count())
    }

    fn code(src: &str) -> Vec<String> {
        split(src).into_iter().map(|l| l.code).collect()
    }

    #[test]
    fn line_count_matches_str_lines() {
        for src in ["a\nb\n", "a\nb", "\n\n", "x", "/* a\nb */\n"] {
            assert_eq!(split(src).len(), src.lines().count(), "{src:?}");
        }
    }

    #[test]
    fn comments_go_to_comment_text() {
        let lines = split("let a = 1; // unsafe { here }\n/// doc\nx /* y */ z\n");
        assert_eq!(lines[0].code, "let a = 1; ");
        assert_eq!(lines[0].comment, "// unsafe { here }");
        assert!(lines[1].is_comment_only());
        assert_eq!(lines[1].comment, "/// doc");
        assert_eq!(lines[2].code, "x  z");
        assert_eq!(lines[2].comment, "/* y */");
    }

    #[test]
    fn nested_block_comments_span_lines() {
        let lines = split("a /* one /* two */\nstill */ b\nc");
        assert_eq!(lines[0].code, "a ");
        assert!(lines[1].comment.contains("still"));
        assert_eq!(lines[1].code, " b");
        assert_eq!(lines[2].code, "c");
    }

    #[test]
    fn strings_are_blanked() {
        assert_eq!(code(r#"f("unsafe {")"#), [r#"f("        ")"#]);
        assert_eq!(code(r#"f("a\"b") + g"#), [r#"f("    ") + g"#]);
        assert_eq!(
            code(r#"b"std::sync""#),
            [format!("b\"{}\"", blank("std::sync"))]
        );
    }

    #[test]
    fn raw_strings_are_blanked_across_lines() {
        let src = "let s = r#\"x \" unsafe {\nstd::sync\"#; y\n";
        let first = format!("let s = r#\"{}", blank("x \" unsafe {"));
        let second = format!("{}\"#; y", blank("std::sync"));
        assert_eq!(code(src), [first, second]);
        assert_eq!(code("br\"a\" c"), ["br\" \" c"]);
    }

    #[test]
    fn raw_identifiers_stay_code() {
        assert_eq!(code("let r#type = 1;"), ["let r#type = 1;"]);
    }

    #[test]
    fn char_literals_and_lifetimes() {
        // A quote inside a char literal must not open a string.
        assert_eq!(
            code(r#"if c == '"' { unsafe_x }"#),
            [r#"if c == ' ' { unsafe_x }"#]
        );
        assert_eq!(code(r"let q = '\''; f()"), [r"let q = '  '; f()"]);
        assert_eq!(code(r"'\u{1F600}'"), [r"'         '"]);
        assert_eq!(
            code("fn f<'a>(x: &'a str) -> &'a str"),
            ["fn f<'a>(x: &'a str) -> &'a str"]
        );
        assert_eq!(code("'outer: loop {}"), ["'outer: loop {}"]);
    }

    #[test]
    fn escaped_newline_continues_the_string() {
        assert_eq!(code("\"a\\\nunsafe {\" b"), ["\"  ", "        \" b"]);
    }
}
