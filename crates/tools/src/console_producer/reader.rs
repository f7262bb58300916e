//! `LineMessageReader` of Kafka 2.4's console producer: one record per input line, optionally
//! split into key and value (`parse.key`, `key.separator`, `ignore.error`).

use std::collections::BTreeMap;

/// A record read from a line: key and value bytes (UTF-8 of the line's text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRecord {
    /// The key; `None` unless `parse.key=true` found a separator.
    pub key: Option<Vec<u8>>,
    /// The value.
    pub value: Vec<u8>,
}

/// The reader's settings from `--property`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineReader {
    /// `parse.key`.
    pub parse_key: bool,
    /// `key.separator` (TAB by default).
    pub key_separator: String,
    /// `ignore.error`: a line without separator becomes a value with null key.
    pub ignore_error: bool,
    /// Lines read so far, for the error message.
    line_number: u64,
}

impl LineReader {
    /// Reads Kafka's reader properties (`parse.key`, `key.separator`, `ignore.error`).
    pub fn from_properties(props: &BTreeMap<String, String>) -> LineReader {
        let is_true = |name: &str| {
            props
                .get(name)
                .is_some_and(|value| value.trim().eq_ignore_ascii_case("true"))
        };
        LineReader {
            parse_key: is_true("parse.key"),
            key_separator: props
                .get("key.separator")
                .cloned()
                .unwrap_or_else(|| "\t".to_string()),
            ignore_error: is_true("ignore.error"),
            line_number: 0,
        }
    }

    /// Turns one line (without its line terminator) into a record, or Kafka's
    /// `No key found on line N: <line>` error.
    pub fn parse_line(&mut self, line: &str) -> Result<LineRecord, String> {
        self.line_number += 1;
        if !self.parse_key {
            return Ok(LineRecord {
                key: None,
                value: line.as_bytes().to_vec(),
            });
        }
        match line.find(self.key_separator.as_str()) {
            Some(index) => Ok(LineRecord {
                key: Some(line.as_bytes()[..index].to_vec()),
                value: line.as_bytes()[index + self.key_separator.len()..].to_vec(),
            }),
            None if self.ignore_error => Ok(LineRecord {
                key: None,
                value: line.as_bytes().to_vec(),
            }),
            None => Err(format!("No key found on line {}: {line}", self.line_number)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(pairs: &[(&str, &str)]) -> LineReader {
        let props = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        LineReader::from_properties(&props)
    }

    #[test]
    fn keys_split_at_the_first_separator() {
        let mut r = reader(&[("parse.key", "true"), ("key.separator", ":")]);
        let record = r.parse_line("k:v:w").unwrap();
        assert_eq!(record.key.as_deref(), Some(&b"k"[..]));
        assert_eq!(record.value, b"v:w");
        assert_eq!(r.parse_line("k:").unwrap().value, b"");
        assert_eq!(
            r.parse_line("nokey").unwrap_err(),
            "No key found on line 3: nokey"
        );
    }

    #[test]
    fn ignore_error_sends_the_whole_line_without_key() {
        let mut r = reader(&[("parse.key", "true"), ("ignore.error", "true")]);
        let record = r.parse_line("whole line").unwrap();
        assert_eq!(record.key, None);
        assert_eq!(record.value, b"whole line");
    }
}
