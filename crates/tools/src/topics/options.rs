//! A small command-line parser with joptsimple's behaviour, as Kafka's tools use it: long
//! options `--name value` or `--name=value`, unique prefixes accepted as abbreviations,
//! non-option arguments ignored, repeated options collecting several values; and joptsimple's
//! two-column help layout (`BuiltinHelpFormatter`, 80 columns).

use std::collections::BTreeMap;

/// Java's `Integer`, `Long` or `String` option argument, as named in the help (`<Integer: ...>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// `ofType(classOf[String])`.
    String,
    /// `ofType(classOf[java.lang.Integer])`.
    Integer,
    /// `ofType(classOf[Long])`.
    Long,
}

/// One accepted option (joptsimple's `parser.accepts(name, description)`).
#[derive(Debug, Clone)]
pub struct OptionSpec {
    /// The long name without `--`.
    pub name: &'static str,
    /// The help text; may contain `\n`.
    pub description: String,
    /// The required argument's type and `describedAs` text, if the option takes one.
    pub argument: Option<(ArgType, &'static str)>,
}

/// What a command line held: each given option with its values (empty for flags).
#[derive(Debug, Clone, Default)]
pub struct ParsedOptions {
    /// Option name → values in command-line order.
    values: BTreeMap<&'static str, Vec<String>>,
}

impl ParsedOptions {
    /// True when the option was given.
    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// The first value of the option.
    pub fn value_of(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .and_then(|values| values.first())
            .map(String::as_str)
    }

    /// Every value of a repeatable option.
    pub fn values_of(&self, name: &str) -> &[String] {
        self.values.get(name).map_or(&[], Vec::as_slice)
    }

    /// The value as Java's `Integer`, with joptsimple's conversion error.
    pub fn integer_of(&self, name: &str) -> Result<Option<i32>, String> {
        match self.value_of(name) {
            None => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| format!("Cannot parse argument '{text}' of option {name}")),
        }
    }
}

/// A joptsimple parse failure: the exception class and its message, which Kafka lets escape
/// from `main` (`Exception in thread "main" joptsimple.<class>: <message>`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("joptsimple.{class}: {message}")]
pub struct ParseError {
    /// `UnrecognizedOptionException` or `OptionMissingRequiredArgumentException`.
    pub class: &'static str,
    /// joptsimple's message.
    pub message: String,
}

/// Parses `args` against `specs` the way joptsimple does.
pub fn parse(specs: &[OptionSpec], args: &[String]) -> Result<ParsedOptions, ParseError> {
    let mut parsed = ParsedOptions::default();
    let mut index = 0;
    while index < args.len() {
        let arg = &args[index];
        index += 1;
        if arg == "--" {
            break;
        }
        let Some(body) = arg.strip_prefix("--").or_else(|| arg.strip_prefix('-')) else {
            continue; // a non-option argument; Kafka's tools ignore them
        };
        if body.is_empty() {
            continue;
        }
        let (name, inline_value) = match body.split_once('=') {
            Some((name, value)) => (name, Some(value.to_string())),
            None => (body, None),
        };
        let spec = find(specs, name).ok_or_else(|| ParseError {
            class: "UnrecognizedOptionException",
            message: format!("{name} is not a recognized option"),
        })?;
        let values = parsed.values.entry(spec.name).or_default();
        if spec.argument.is_none() {
            continue;
        }
        let value = match inline_value {
            Some(value) => value,
            None if index < args.len() => {
                index += 1;
                args[index - 1].clone()
            }
            None => {
                return Err(ParseError {
                    class: "OptionMissingRequiredArgumentException",
                    message: format!("Option {} requires an argument", spec.name),
                })
            }
        };
        values.push(value);
    }
    Ok(parsed)
}

/// The option named exactly `name`, or the only one it abbreviates.
fn find<'a>(specs: &'a [OptionSpec], name: &str) -> Option<&'a OptionSpec> {
    if let Some(exact) = specs.iter().find(|spec| spec.name == name) {
        return Some(exact);
    }
    let mut candidates = specs.iter().filter(|spec| spec.name.starts_with(name));
    match (candidates.next(), candidates.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// joptsimple's `BuiltinHelpFormatter(80, 2)`: options sorted by name, two columns of at most
/// 39 characters separated by 2 spaces, words wrapped with a 2-space continuation indent, every
/// row padded to the full width.
pub fn help(specs: &[OptionSpec]) -> String {
    const COLUMN_WIDTH: usize = 39;
    let mut sorted: Vec<&OptionSpec> = specs.iter().collect();
    sorted.sort_by_key(|spec| spec.name);
    let rows: Vec<(String, String)> = sorted
        .iter()
        .map(|spec| {
            let option = match spec.argument {
                None => format!("--{}", spec.name),
                Some((ArgType::String, text)) => format!("--{} <String: {text}>", spec.name),
                Some((ArgType::Integer, text)) => format!("--{} <Integer: {text}>", spec.name),
                Some((ArgType::Long, text)) => format!("--{} <Long: {text}>", spec.name),
            };
            (option, spec.description.clone())
        })
        .collect();
    let widest_option = rows.iter().map(|(o, _)| o.len()).max().unwrap_or(0);
    let widest_description = rows.iter().map(|(_, d)| d.len()).max().unwrap_or(0);
    let option_width = COLUMN_WIDTH.min(widest_option.max("Option".len()));
    let description_width = COLUMN_WIDTH.min(widest_description.max("Description".len()));
    let mut out = String::new();
    let mut push_row = |option: &str, description: &str| {
        out.push_str(&pad(option, option_width));
        out.push_str("  ");
        out.push_str(&pad(description, description_width));
        out.push('\n');
    };
    push_row("Option", "Description");
    push_row("------", "-----------");
    for (option, description) in &rows {
        let options = pieces_of(option, option_width);
        let descriptions = pieces_of(description, description_width);
        for line in 0..options.len().max(descriptions.len()) {
            push_row(
                options.get(line).map_or("", String::as_str),
                descriptions.get(line).map_or("", String::as_str),
            );
        }
    }
    out
}

fn pad(text: &str, width: usize) -> String {
    format!("{text:<width$}")
}

/// joptsimple's `Columns.piecesOf`: each embedded line wrapped at word boundaries to `width`,
/// continuation pieces indented by two spaces, trailing blanks of a piece dropped.
fn pieces_of(raw: &str, width: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    for line in raw.trim().split('\n') {
        let mut piece = String::new();
        for word in words(line) {
            if piece.len() + word.len() > width {
                pieces.push(piece.trim_end().to_string());
                piece = format!("  {word}");
            } else {
                piece.push_str(word);
            }
        }
        if !piece.is_empty() {
            pieces.push(piece);
        }
    }
    pieces
}

/// Line-break segments like Java's line `BreakIterator`: a word with its trailing blanks, and
/// a break after a hyphen or dot inside a word (`partition-to-broker`, `throttled.replicas`).
fn words(line: &str) -> Vec<&str> {
    let bytes = line.as_bytes();
    let mut segments = Vec::new();
    let mut start = 0;
    for i in 0..bytes.len() {
        let at_end = i + 1 == bytes.len();
        let next = bytes.get(i + 1).copied();
        let blank_ends = bytes[i].is_ascii_whitespace() && !next.is_some_and(|n| n == b' ');
        // Java breaks after a hyphen or a dot inside a word (`follower.replication.throttled.`).
        let hyphen_break = (bytes[i] == b'-' || bytes[i] == b'.')
            && i > 0
            && bytes[i - 1].is_ascii_alphanumeric()
            && next.is_some_and(|n| n.is_ascii_alphabetic());
        if at_end || blank_ends || hyphen_break {
            segments.push(&line[start..=i]);
            start = i + 1;
        }
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs() -> Vec<OptionSpec> {
        vec![
            OptionSpec {
                name: "topic",
                description: "The topic.".to_string(),
                argument: Some((ArgType::String, "topic")),
            },
            OptionSpec {
                name: "topics-with-overrides",
                description: "only overrides".to_string(),
                argument: None,
            },
            OptionSpec {
                name: "partitions",
                description: "count".to_string(),
                argument: Some((ArgType::Integer, "# of partitions")),
            },
        ]
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_values_flags_abbreviations_and_inline_values() {
        let parsed = parse(
            &specs(),
            &args(&["--topic", "a", "--topics-with", "--part=3", "stray"]),
        )
        .unwrap();
        assert_eq!(parsed.value_of("topic"), Some("a"));
        assert!(parsed.has("topics-with-overrides"));
        assert_eq!(parsed.integer_of("partitions"), Ok(Some(3)));
    }

    #[test]
    fn reports_joptsimple_errors() {
        let error = parse(&specs(), &args(&["--nope"])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "joptsimple.UnrecognizedOptionException: nope is not a recognized option"
        );
        // "--top" abbreviates both "topic" and "topics-with-overrides".
        assert!(parse(&specs(), &args(&["--top", "x"])).is_err());
        let error = parse(&specs(), &args(&["--topic"])).unwrap_err();
        assert_eq!(error.message, "Option topic requires an argument");
        let parsed = parse(&specs(), &args(&["--partitions", "x"])).unwrap();
        assert_eq!(
            parsed.integer_of("partitions"),
            Err("Cannot parse argument 'x' of option partitions".to_string())
        );
    }

    #[test]
    fn long_config_names_break_after_a_dot_like_kafkas_help() {
        assert_eq!(
            pieces_of("x\n\tfollower.replication.throttled.replicas", 39),
            vec!["x", "\tfollower.replication.throttled.", "  replicas"]
        );
    }

    #[test]
    fn help_wraps_in_two_padded_columns() {
        let spec = vec![OptionSpec {
            name: "alter",
            description: "Alter the number of partitions, replica assignment, and/or configuration for the topic.".to_string(),
            argument: None,
        }, OptionSpec {
            name: "bootstrap-server",
            description: "REQUIRED: The Kafka server to connect to. In case of providing this, a direct Zookeeper connection won't be required.".to_string(),
            argument: Some((ArgType::String, "server to connect to")),
        }];
        let expected = [
            "Option                                   Description                            ",
            "------                                   -----------                            ",
            "--alter                                  Alter the number of partitions,        ",
            "                                           replica assignment, and/or           ",
            "                                           configuration for the topic.         ",
            "--bootstrap-server <String: server to    REQUIRED: The Kafka server to connect  ",
            "  connect to>                              to. In case of providing this, a     ",
            "                                           direct Zookeeper connection won't be ",
            "                                           required.                            ",
        ];
        assert_eq!(help(&spec), expected.join("\n") + "\n");
    }
}
