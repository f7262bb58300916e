//! Java `.properties` files, read the way `java.util.Properties.load(InputStream)` reads them.
//!
//! Kafka loads `server.properties` with `Utils.loadProps`, i.e. `Properties.load` on a byte
//! stream, so the rules here are Java's and not those of any INI dialect:
//! - the bytes are ISO-8859-1 (each byte is one character; non-Latin-1 text needs `\uXXXX`);
//! - lines end with `\n`, `\r` or `\r\n`; leading blanks (space, tab, form feed) are skipped;
//! - a line whose first non-blank character is `#` or `!` is a comment;
//! - a line ending in an odd number of backslashes continues on the next line, whose leading
//!   blanks are dropped;
//! - the key ends at the first unescaped `=`, `:` or blank; then blanks, at most one `=` or `:`
//!   and more blanks are skipped; the rest of the line is the value (trailing blanks kept);
//! - escapes: `\t`, `\n`, `\r`, `\f`, `\uXXXX`; a backslash before any other character stands
//!   for that character;
//! - a key given twice keeps its last value.
//!
//! This module owns only the syntax; what keys mean is `config::definitions`' business.

use std::collections::BTreeMap;

use super::error::ConfigError;

/// Characters `Properties.load` treats as blanks between tokens.
fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t' || c == '\x0c'
}

/// Parses the bytes of a `.properties` file into key → value (last occurrence wins).
pub fn parse_properties(bytes: &[u8]) -> Result<BTreeMap<String, String>, ConfigError> {
    // ISO-8859-1: every byte is the Unicode code point of the same number.
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    let mut props = BTreeMap::new();
    for logical in logical_lines(&text) {
        let (key, value) = split_key_value(&logical)?;
        props.insert(key, value);
    }
    Ok(props)
}

/// Splits text into natural lines (`\n`, `\r`, `\r\n`).
fn natural_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&text[start..i]);
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// True when a line ends in an odd number of backslashes (a continuation marker).
fn continues(line: &str) -> bool {
    line.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

/// Joins continuation lines and drops blank and comment lines. Escapes are still raw.
fn logical_lines(text: &str) -> Vec<String> {
    let mut result = Vec::new();
    let mut pending: Option<String> = None;
    for line in natural_lines(text) {
        let trimmed = line.trim_start_matches(is_blank);
        let mut current = match pending.take() {
            // A continuation line is never a comment, even if it starts with `#`.
            Some(mut joined) => {
                joined.push_str(trimmed);
                joined
            }
            None => {
                if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with('!') {
                    continue;
                }
                trimmed.to_string()
            }
        };
        if continues(&current) {
            current.pop();
            pending = Some(current);
        } else {
            result.push(current);
        }
    }
    // A file ending with a continuation marker still yields its last line.
    if let Some(last) = pending {
        if !last.is_empty() {
            result.push(last);
        }
    }
    result
}

/// Splits one logical line into an unescaped key and value.
fn split_key_value(line: &str) -> Result<(String, String), ConfigError> {
    let chars: Vec<char> = line.chars().collect();
    let mut key_end = chars.len();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            c if c == '=' || c == ':' || is_blank(c) => {
                key_end = i;
                break;
            }
            _ => i += 1,
        }
    }
    let key_end = key_end.min(chars.len());
    let mut value_start = key_end;
    while value_start < chars.len() && is_blank(chars[value_start]) {
        value_start += 1;
    }
    if value_start < chars.len() && (chars[value_start] == '=' || chars[value_start] == ':') {
        value_start += 1;
        while value_start < chars.len() && is_blank(chars[value_start]) {
            value_start += 1;
        }
    }
    let key = unescape(&chars[..key_end])?;
    let value = unescape(&chars[value_start..])?;
    Ok((key, value))
}

/// Applies Java's escape rules to a key or a value.
fn unescape(chars: &[char]) -> Result<String, ConfigError> {
    let mut out = String::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&escaped) = chars.get(i) else {
            // A lone trailing backslash: Java drops it.
            break;
        };
        i += 1;
        match escaped {
            't' => out.push('\t'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            'f' => out.push('\x0c'),
            'u' => {
                let code = hex4(chars, i)?;
                i += 4;
                // Java strings are UTF-16: a character outside the BMP is stored as two
                // escapes (a surrogate pair), which decode to one Rust char.
                let low = if (0xD800..0xDC00).contains(&code)
                    && chars.get(i..i + 2) == Some(&['\\', 'u'])
                {
                    hex4(chars, i + 2)
                        .ok()
                        .filter(|low| (0xDC00..0xE000).contains(low))
                } else {
                    None
                };
                let code = match low {
                    Some(low) => {
                        i += 6;
                        0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    None => code,
                };
                // Lone surrogates cannot live in a Rust string; Java would keep them.
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// Four hex digits at `chars[at..]`, as after `\u`.
fn hex4(chars: &[char], at: usize) -> Result<u32, ConfigError> {
    let digits = chars
        .get(at..at + 4)
        .ok_or(ConfigError::MalformedUnicodeEscape)?;
    let text: String = digits.iter().collect();
    u32::from_str_radix(&text, 16).map_err(|_| ConfigError::MalformedUnicodeEscape)
}

/// Escapes a key or value as `Properties.store` does (`saveConvert` with Unicode escapes),
/// so that [`parse_properties`] reads back the same text. The result is ASCII.
pub fn escape(text: &str, is_key: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, c) in text.chars().enumerate() {
        match c {
            // A leading space would be skipped on reading; inside keys it would end the key.
            ' ' if index == 0 || is_key => out.push_str("\\ "),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\x0c' => out.push_str("\\f"),
            '=' | ':' | '#' | '!' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
        }
    }
    out
}

/// Renders entries like `Properties.store`: each comment line after `#`, then `key=value`
/// lines (Java adds a date comment; callers that need one pass it as a comment).
pub fn store(comments: &[&str], entries: &[(&str, &str)]) -> String {
    let mut text = String::new();
    for comment in comments {
        text.push('#');
        text.push_str(comment);
        text.push('\n');
    }
    for (key, value) in entries {
        text.push_str(&escape(key, true));
        text.push('=');
        text.push_str(&escape(value, false));
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> BTreeMap<String, String> {
        parse_properties(text.as_bytes()).unwrap()
    }

    #[test]
    fn separators_equals_colon_and_whitespace() {
        let props = parse("a=1\nb:2\nc 3\nd  =  4\ne\t:\t5\nf = = 6\n");
        assert_eq!(props["a"], "1");
        assert_eq!(props["b"], "2");
        assert_eq!(props["c"], "3");
        assert_eq!(props["d"], "4");
        assert_eq!(props["e"], "5");
        // Only one separator is consumed: the second `=` belongs to the value.
        assert_eq!(props["f"], "= 6");
    }

    #[test]
    fn comments_and_blank_lines_are_skipped() {
        let props = parse("# comment\n! also comment\n\n   \n  # indented comment\nkey=value\n");
        assert_eq!(props.len(), 1);
        assert_eq!(props["key"], "value");
    }

    #[test]
    fn leading_blanks_dropped_trailing_blanks_kept() {
        let props = parse("   key = value  \n");
        assert_eq!(props["key"], "value  ");
    }

    #[test]
    fn backslash_continuation_joins_lines_without_leading_blanks() {
        let props = parse("listeners=PLAINTEXT://:9092,\\\n    SSL://:9093\nnext=1\n");
        assert_eq!(props["listeners"], "PLAINTEXT://:9092,SSL://:9093");
        assert_eq!(props["next"], "1");
    }

    #[test]
    fn even_number_of_backslashes_does_not_continue() {
        let props = parse("path=c:\\\\\nother=2\n");
        assert_eq!(props["path"], "c:\\");
        assert_eq!(props["other"], "2");
    }

    #[test]
    fn continuation_line_starting_with_hash_is_not_a_comment() {
        let props = parse("a=x\\\n#y\n");
        assert_eq!(props["a"], "x#y");
    }

    #[test]
    fn comment_line_ending_in_backslash_does_not_continue() {
        let props = parse("# comment \\\nkey=v\n");
        assert_eq!(props["key"], "v");
    }

    #[test]
    fn escapes_in_keys_and_values() {
        let props = parse("my\\ key\\=x = tab\\there\\nnl \\u0041\\q\n");
        assert_eq!(props["my key=x"], "tab\there\nnl Aq");
    }

    #[test]
    fn malformed_unicode_escape_is_an_error() {
        let err = parse_properties(b"a=\\u12G4\n").unwrap_err();
        assert_eq!(err.to_string(), "Malformed \\uxxxx encoding.");
        assert!(parse_properties(b"a=\\u12").is_err());
    }

    #[test]
    fn crlf_and_cr_line_endings() {
        let props = parse("a=1\r\nb=2\rc=3");
        assert_eq!(props["a"], "1");
        assert_eq!(props["b"], "2");
        assert_eq!(props["c"], "3");
    }

    #[test]
    fn later_key_wins_and_key_without_value_is_empty() {
        let props = parse("a=1\na=2\nlonely\n");
        assert_eq!(props["a"], "2");
        assert_eq!(props["lonely"], "");
    }

    #[test]
    fn bytes_are_latin1() {
        let props = parse_properties(b"name=caf\xe9\n").unwrap();
        assert_eq!(props["name"], "caf\u{e9}");
    }

    #[test]
    fn trailing_continuation_at_end_of_file() {
        let props = parse("a=1\\");
        assert_eq!(props["a"], "1");
    }

    #[test]
    fn surrogate_pairs_decode_to_one_character() {
        let props = parse("emoji=\\uD83D\\uDE00\n");
        assert_eq!(props["emoji"], "\u{1F600}");
    }

    #[test]
    fn store_writes_what_java_writes() {
        let text = store(&["comment"], &[("a key", " v=1:\u{e9}")]);
        assert_eq!(text, "#comment\na\\ key=\\ v\\=1\\:\\u00E9\n");
    }

    /// Any Unicode text, control characters and separators included.
    fn any_text(max_chars: usize) -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::strategy::Strategy;
        proptest::collection::vec(proptest::prelude::any::<char>(), 0..max_chars)
            .prop_map(String::from_iter)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever `store` writes, `parse_properties` reads back unchanged.
        #[test]
        fn store_then_parse_round_trips(
            entries in proptest::collection::btree_map(any_text(12), any_text(24), 0..8)
        ) {
            let pairs: Vec<(&str, &str)> =
                entries.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let text = store(&["generated"], &pairs);
            let parsed = parse_properties(text.as_bytes()).unwrap();
            proptest::prop_assert_eq!(parsed, entries);
        }

        /// Arbitrary bytes never panic the parser.
        #[test]
        fn arbitrary_bytes_do_not_panic(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)
        ) {
            let _ = parse_properties(&bytes);
        }
    }
}
