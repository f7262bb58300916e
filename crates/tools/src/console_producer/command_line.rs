//! Command-line plumbing shared by the console and perf tools (Kafka's `CommandLineUtils` and
//! `Utils.loadProps`): how a refusal is printed, `k=v` argument lists, property files, and
//! the joptsimple-style option specs built on [`crate::topics::options`].

use std::collections::BTreeMap;
use std::io::Write;

use crate::topics::options::{help, parse, ArgType, OptionSpec, ParsedOptions};

/// Kafka's version string printed by `--version`.
pub const KAFKA_VERSION: &str = "2.4.1 (Commit:c57222ae8cd7866b)";

/// How a tool ends before (or instead of) doing its work: text for stdout and stderr and the
/// exit code, exactly as Kafka's `printUsageAndDie` or an exception escaping `main` would.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exit {
    /// What goes to stdout (`--version`).
    pub stdout: String,
    /// What goes to stderr.
    pub stderr: String,
    /// The process exit code.
    pub code: i32,
}

impl Exit {
    /// `CommandLineUtils.printUsageAndDie`: message, the option table, exit 1.
    pub fn usage(specs: &[OptionSpec], message: &str) -> Exit {
        Exit {
            stdout: String::new(),
            stderr: format!("{message}\n{}", help(specs)),
            code: 1,
        }
    }

    /// An exception escaping `main`: the JVM prints its class and message, exit 1.
    pub fn uncaught(class: &str, message: &str) -> Exit {
        Exit {
            stdout: String::new(),
            stderr: format!("Exception in thread \"main\" {class}: {message}\n"),
            code: 1,
        }
    }

    /// Writes the texts; returns the exit code.
    pub fn print(&self, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
        // Output failures cannot be reported anywhere better than the exit code.
        let _ = out.write_all(self.stdout.as_bytes());
        let _ = err.write_all(self.stderr.as_bytes());
        self.code
    }
}

/// An option without argument.
pub fn flag(name: &'static str, description: &str) -> OptionSpec {
    OptionSpec {
        name,
        description: description.to_string(),
        argument: None,
    }
}

/// An option with a required `String` argument.
pub fn string_arg(name: &'static str, description: &str, described_as: &'static str) -> OptionSpec {
    OptionSpec {
        name,
        description: description.to_string(),
        argument: Some((ArgType::String, described_as)),
    }
}

/// An option with a required `Integer` (or `Long`) argument.
pub fn integer_arg(
    name: &'static str,
    description: &str,
    described_as: &'static str,
) -> OptionSpec {
    OptionSpec {
        name,
        description: description.to_string(),
        argument: Some((ArgType::Integer, described_as)),
    }
}

/// Parses `args` with `specs`, answering `--help` (usage, exit 1 as in 2.4), `--version` and an
/// empty command line (usage with `purpose`) the way `CommandDefaultOptions` tools do.
pub fn parse_with_help(
    specs: &[OptionSpec],
    args: &[String],
    purpose: &str,
) -> Result<ParsedOptions, Exit> {
    let options = parse(specs, args)
        .map_err(|error| Exit::uncaught(&format!("joptsimple.{}", error.class), &error.message))?;
    if args.is_empty() || options.has("help") {
        return Err(Exit::usage(specs, purpose));
    }
    if options.has("version") {
        return Err(Exit {
            stdout: format!("{KAFKA_VERSION}\n"),
            stderr: String::new(),
            code: 0,
        });
    }
    Ok(options)
}

/// `CommandLineUtils.checkRequiredArgs`.
pub fn check_required(
    specs: &[OptionSpec],
    options: &ParsedOptions,
    names: &[&str],
) -> Result<(), Exit> {
    match names.iter().find(|name| !options.has(name)) {
        Some(missing) => Err(Exit::usage(
            specs,
            &format!("Missing required argument \"[{missing}]\""),
        )),
        None => Ok(()),
    }
}

/// A numeric option with joptsimple's conversion error (escaping `main`), or its default.
pub fn number_of<T: std::str::FromStr>(
    options: &ParsedOptions,
    name: &str,
    default: T,
) -> Result<T, Exit> {
    match options.value_of(name) {
        None => Ok(default),
        Some(text) => text.trim().parse().map_err(|_| {
            Exit::uncaught(
                "joptsimple.OptionArgumentConversionException",
                &format!("Cannot parse argument '{text}' of option {name}"),
            )
        }),
    }
}

/// `CommandLineUtils.parseKeyValueArgs`: `k=v` pairs; `k` or `k=` mean an empty value; more than
/// one `=` is refused with Kafka's message (exit 1).
pub fn parse_key_value_args(values: &[String]) -> Result<BTreeMap<String, String>, Exit> {
    let mut props = BTreeMap::new();
    for value in values {
        // Java's String.split drops trailing empty pieces.
        let mut pieces: Vec<&str> = value.split('=').collect();
        while pieces.last() == Some(&"") {
            pieces.pop();
        }
        match pieces.as_slice() {
            [] => {}
            [key] => {
                props.insert((*key).to_string(), String::new());
            }
            [key, val] => {
                props.insert((*key).to_string(), (*val).to_string());
            }
            _ => {
                return Err(Exit {
                    stdout: String::new(),
                    stderr: format!("Invalid command line properties: {}\n", values.join(" ")),
                    code: 1,
                })
            }
        }
    }
    Ok(props)
}

/// `Utils.loadProps`: a Java properties file (`key=value` or `key: value`, `#`/`!` comments).
/// A missing file escapes `main` as Java's `FileNotFoundException`.
pub fn load_props(path: &str) -> Result<BTreeMap<String, String>, Exit> {
    let text = std::fs::read_to_string(path).map_err(|_| {
        Exit::uncaught(
            "java.io.FileNotFoundException",
            &format!("{path} (No such file or directory)"),
        )
    })?;
    Ok(parse_properties(&text))
}

/// Parses the text of a Java properties file (no line continuations or escapes beyond trimming).
pub fn parse_properties(text: &str) -> BTreeMap<String, String> {
    let mut props = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let split = line.find(['=', ':']).unwrap_or(line.len());
        let key = line[..split].trim();
        let value = line.get(split + 1..).unwrap_or("").trim_start();
        props.insert(key.to_string(), value.to_string());
    }
    props
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_args_follow_command_line_utils() {
        let args = vec![
            "acks=all".to_string(),
            "empty=".to_string(),
            "bare".to_string(),
        ];
        let props = parse_key_value_args(&args).unwrap();
        assert_eq!(props["acks"], "all");
        assert_eq!(props["empty"], "");
        assert_eq!(props["bare"], "");
        let bad = parse_key_value_args(&["a=b=c".to_string()]).unwrap_err();
        assert_eq!(bad.stderr, "Invalid command line properties: a=b=c\n");
    }

    #[test]
    fn property_files_accept_both_separators_and_comments() {
        let props = parse_properties("# c\n! c\nacks = all\nlinger.ms:5\n\n");
        assert_eq!(props.len(), 2);
        assert_eq!(props["acks"], "all");
        assert_eq!(props["linger.ms"], "5");
    }
}
