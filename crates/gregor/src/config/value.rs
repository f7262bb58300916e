//! Typed config values and the rules that turn strings into them (Kafka's `ConfigDef`).
//!
//! Each broker key has a type, a default and maybe a validator; parsing and validation
//! messages follow `org.apache.kafka.common.config.ConfigDef` so a rejected value reads as in
//! Kafka ("Invalid value abc for configuration num.partitions: Not a number of type INT").
//! `Display` prints values the way `AbstractConfig.logAll` does (`null`, `[a, b]`,
//! `[hidden]`, Java's `Double.toString`).

use std::fmt;

use super::api_version::ApiVersion;
use super::error::ConfigError;

/// The type of a config key (Kafka's `ConfigDef.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    /// 32-bit signed integer.
    Int,
    /// 64-bit signed integer.
    Long,
    /// 16-bit signed integer.
    Short,
    /// Double-precision float.
    Double,
    /// `true` / `false`, case-insensitive.
    Boolean,
    /// Trimmed text.
    String,
    /// Comma-separated list of trimmed items.
    List,
    /// Text that is never printed.
    Password,
    /// A Java class name; kept as text (Gregor loads no plugins).
    Class,
}

/// What a key holds when it is absent from the properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultValue {
    /// No default: start-up fails when the key is missing.
    Required,
    /// The default is Java `null` (the key is optional and derived from others).
    Null,
    /// The default in its string form, parsed like a supplied value.
    Text(&'static str),
}

/// A check applied after parsing (Kafka's `ConfigDef.Validator`s used by the broker).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Validator {
    /// No check.
    None,
    /// Numbers: `ConfigDef.Range.atLeast`.
    AtLeast(i64),
    /// Strings: `ConfigDef.ValidString.in`.
    OneOf(&'static [&'static str]),
    /// Lists: every item is one of these (`ConfigDef.ValidList.in`).
    EachOneOf(&'static [&'static str]),
    /// `inter.broker.protocol.version` / `log.message.format.version`: `ApiVersionValidator`.
    ApiVersion,
}

/// A parsed config value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Java `null`: optional key not set.
    Null,
    /// An INT.
    Int(i32),
    /// A LONG.
    Long(i64),
    /// A SHORT.
    Short(i16),
    /// A DOUBLE.
    Double(f64),
    /// A BOOLEAN.
    Boolean(bool),
    /// A STRING.
    String(String),
    /// A LIST.
    List(Vec<String>),
    /// A PASSWORD (printed as `[hidden]`).
    Password(String),
    /// A CLASS name (printed as `class <name>`).
    Class(String),
}

/// Splits like Java's `trimmed.split("\\s*,\\s*")` as `ConfigDef` does for LIST values:
/// an empty string is an empty list; trailing empty items vanish.
pub fn split_list(trimmed: &str) -> Vec<String> {
    if trimmed.is_empty() {
        return Vec::new();
    }
    let mut items: Vec<String> = trimmed.split(',').map(|s| s.trim().to_string()).collect();
    while items.last().is_some_and(|s| s.is_empty()) {
        items.pop();
    }
    items
}

impl ConfigType {
    /// Parses a supplied string as this type, with `ConfigDef.parseType`'s messages.
    pub fn parse(self, name: &str, raw: &str) -> Result<Value, ConfigError> {
        let trimmed = raw.trim();
        let not_a_number = |type_name: &str| {
            ConfigError::invalid_value(name, raw, format!("Not a number of type {type_name}"))
        };
        Ok(match self {
            ConfigType::Int => Value::Int(trimmed.parse().map_err(|_| not_a_number("INT"))?),
            ConfigType::Long => Value::Long(trimmed.parse().map_err(|_| not_a_number("LONG"))?),
            ConfigType::Short => Value::Short(trimmed.parse().map_err(|_| not_a_number("SHORT"))?),
            ConfigType::Double => {
                Value::Double(trimmed.parse().map_err(|_| not_a_number("DOUBLE"))?)
            }
            ConfigType::Boolean => match trimmed.to_ascii_lowercase().as_str() {
                "true" => Value::Boolean(true),
                "false" => Value::Boolean(false),
                _ => {
                    return Err(ConfigError::invalid_value(
                        name,
                        raw,
                        "Expected value to be either true or false",
                    ))
                }
            },
            ConfigType::String => Value::String(trimmed.to_string()),
            ConfigType::List => Value::List(split_list(trimmed)),
            ConfigType::Password => Value::Password(trimmed.to_string()),
            ConfigType::Class => Value::Class(trimmed.to_string()),
        })
    }
}

impl Validator {
    /// Checks a parsed value; `Null` values are never checked (their keys are optional).
    pub fn check(self, name: &str, value: &Value) -> Result<(), ConfigError> {
        let shown = value.to_string();
        match (self, value) {
            (_, Value::Null) | (Validator::None, _) => Ok(()),
            (Validator::AtLeast(min), _) => {
                let number = match value {
                    Value::Int(n) => i64::from(*n),
                    Value::Long(n) => *n,
                    Value::Short(n) => i64::from(*n),
                    _ => return Ok(()),
                };
                if number < min {
                    return Err(ConfigError::invalid_value(
                        name,
                        &shown,
                        format!("Value must be at least {min}"),
                    ));
                }
                Ok(())
            }
            (Validator::OneOf(allowed), Value::String(s)) => check_one_of(name, s, allowed),
            (Validator::EachOneOf(allowed), Value::List(items)) => {
                for item in items {
                    check_one_of(name, item, allowed)?;
                }
                Ok(())
            }
            (Validator::ApiVersion, Value::String(s)) => {
                ApiVersion::parse(s).map(|_| ()).ok_or_else(|| {
                    ConfigError::invalid_value(
                        name,
                        s,
                        format!("Version `{s}` is not a valid version"),
                    )
                })
            }
            _ => Ok(()),
        }
    }
}

fn check_one_of(name: &str, value: &str, allowed: &[&str]) -> Result<(), ConfigError> {
    if allowed.contains(&value) {
        return Ok(());
    }
    Err(ConfigError::invalid_value(
        name,
        value,
        format!("String must be one of: {}", allowed.join(", ")),
    ))
}

/// Formats a double like Java's `Double.toString` (`0.5`, `1.0`, `1.7976931348623157E308`).
pub fn java_double(d: f64) -> String {
    if d.is_nan() {
        return "NaN".to_string();
    }
    if d.is_infinite() {
        return if d > 0.0 { "Infinity" } else { "-Infinity" }.to_string();
    }
    let magnitude = d.abs();
    if magnitude == 0.0 || (1e-3..1e7).contains(&magnitude) {
        let plain = format!("{d}");
        return if plain.contains('.') {
            plain
        } else {
            format!("{plain}.0")
        };
    }
    let scientific = format!("{d:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let mantissa = if mantissa.contains('.') {
        mantissa.to_string()
    } else {
        format!("{mantissa}.0")
    };
    format!("{mantissa}E{exponent}")
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Long(n) => write!(f, "{n}"),
            Value::Short(n) => write!(f, "{n}"),
            Value::Double(d) => f.write_str(&java_double(*d)),
            Value::Boolean(b) => write!(f, "{b}"),
            Value::String(s) => f.write_str(s),
            Value::List(items) => write!(f, "[{}]", items.join(", ")),
            Value::Password(_) => f.write_str("[hidden]"),
            Value::Class(name) => write!(f, "class {name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_their_kafka_messages() {
        assert_eq!(ConfigType::Int.parse("x", " 42 ").unwrap(), Value::Int(42));
        let err = ConfigType::Int.parse("num.partitions", "abc").unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value abc for configuration num.partitions: Not a number of type INT"
        );
        let err = ConfigType::Long
            .parse("log.retention.ms", "1.5")
            .unwrap_err();
        assert!(err.to_string().ends_with("Not a number of type LONG"));
        let err = ConfigType::Short
            .parse("offsets.topic.replication.factor", "40000")
            .unwrap_err();
        assert!(err.to_string().ends_with("Not a number of type SHORT"));
        let err = ConfigType::Int
            .parse("message.max.bytes", "3000000000")
            .unwrap_err();
        assert!(err.to_string().ends_with("Not a number of type INT"));
    }

    #[test]
    fn booleans_are_case_insensitive_and_strict() {
        assert_eq!(
            ConfigType::Boolean.parse("b", "TRUE").unwrap(),
            Value::Boolean(true)
        );
        let err = ConfigType::Boolean
            .parse("delete.topic.enable", "yes")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value yes for configuration delete.topic.enable: Expected value to be either true or false"
        );
    }

    #[test]
    fn lists_split_on_commas_with_blanks() {
        assert_eq!(split_list("a , b,c,,"), vec!["a", "b", "c"]);
        assert!(split_list("").is_empty());
        assert_eq!(
            Value::List(split_list("delete,compact")).to_string(),
            "[delete, compact]"
        );
    }

    #[test]
    fn validators_word_their_failures_like_kafka() {
        let err = Validator::AtLeast(1)
            .check("num.partitions", &Value::Int(-1))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Invalid value -1 for configuration num.partitions: Value must be at least 1"
        );
        let err = Validator::OneOf(&["CreateTime", "LogAppendTime"])
            .check("log.message.timestamp.type", &Value::String("Now".into()))
            .unwrap_err();
        assert!(err
            .to_string()
            .ends_with("String must be one of: CreateTime, LogAppendTime"));
        let err = Validator::ApiVersion
            .check(
                "inter.broker.protocol.version",
                &Value::String("9.9".into()),
            )
            .unwrap_err();
        assert!(err
            .to_string()
            .ends_with("Version `9.9` is not a valid version"));
    }

    #[test]
    fn doubles_print_like_java() {
        assert_eq!(java_double(0.5), "0.5");
        assert_eq!(java_double(1.0), "1.0");
        assert_eq!(java_double(0.05), "0.05");
        assert_eq!(java_double(f64::MAX), "1.7976931348623157E308");
        assert_eq!(java_double(1e7), "1.0E7");
    }

    #[test]
    fn values_print_like_kafkas_values_dump() {
        assert_eq!(Value::Null.to_string(), "null");
        assert_eq!(Value::Password("s3cret".into()).to_string(), "[hidden]");
        assert_eq!(Value::List(vec![]).to_string(), "[]");
        assert_eq!(Value::Class("a.B".into()).to_string(), "class a.B");
    }
}
