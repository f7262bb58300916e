//! Kafka 2.4's `DefaultMessageFormatter`: per record `[<type>:<ts><sep>][<key><sep>]<value><eol>`
//! with `null` for a null key or value; the separators are used as given (no escapes).

use std::collections::BTreeMap;
use std::io::Write;

use gregor_protocol::records::TimestampType;

use super::consumer::ConsumedRecord;

/// The formatter's settings from `--property`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefaultMessageFormatter {
    /// `print.timestamp` (false).
    pub print_timestamp: bool,
    /// `print.key` (false).
    pub print_key: bool,
    /// `print.value` (true).
    pub print_value: bool,
    /// `key.separator` (TAB).
    pub key_separator: Vec<u8>,
    /// `line.separator` (`\n`).
    pub line_separator: Vec<u8>,
}

impl DefaultMessageFormatter {
    /// Reads the formatter properties; other keys are ignored, as the formatter ignores them.
    pub fn from_properties(props: &BTreeMap<String, String>) -> DefaultMessageFormatter {
        let flag = |name: &str, default: bool| {
            props
                .get(name)
                .map_or(default, |value| value.trim().eq_ignore_ascii_case("true"))
        };
        DefaultMessageFormatter {
            print_timestamp: flag("print.timestamp", false),
            print_key: flag("print.key", false),
            print_value: flag("print.value", true),
            key_separator: props
                .get("key.separator")
                .map_or_else(|| b"\t".to_vec(), |s| s.as_bytes().to_vec()),
            line_separator: props
                .get("line.separator")
                .map_or_else(|| b"\n".to_vec(), |s| s.as_bytes().to_vec()),
        }
    }

    /// Writes one record as Kafka does.
    pub fn write_to(&self, record: &ConsumedRecord, out: &mut dyn Write) -> std::io::Result<()> {
        let separator = |column: bool| {
            if column {
                &self.key_separator
            } else {
                &self.line_separator
            }
        };
        if self.print_timestamp {
            let text = match record.timestamp_type {
                TimestampType::NoTimestampType => "NO_TIMESTAMP".to_string(),
                kind => format!("{}:{}", kind.name(), record.timestamp),
            };
            out.write_all(text.as_bytes())?;
            out.write_all(separator(self.print_key || self.print_value))?;
        }
        if self.print_key {
            out.write_all(record.key.as_deref().unwrap_or(b"null"))?;
            out.write_all(separator(self.print_value))?;
        }
        if self.print_value {
            out.write_all(record.value.as_deref().unwrap_or(b"null"))?;
            out.write_all(&self.line_separator)?;
        }
        Ok(())
    }
}
