//! Why a broker configuration was rejected, worded as Kafka 2.4.1 words it.
//!
//! Kafka raises three kinds of exception while building `KafkaConfig`: `ConfigException`
//! (type and validator failures, missing required keys), `IllegalArgumentException` (the
//! `require(...)` checks across keys and listener parsing) and I/O errors reading the file.
//! [`ConfigError::java_class`] names the exception so the fatal log line reads like Kafka's.

use std::path::PathBuf;

/// A configuration that stops broker start-up.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A value cannot be parsed as its key's type or fails the key's validator.
    #[error("Invalid value {value} for configuration {name}: {message}")]
    InvalidValue {
        /// The config key, e.g. `num.partitions`.
        name: String,
        /// The offending value as given (Kafka prints it untrimmed).
        value: String,
        /// Why it is invalid, e.g. `Not a number of type INT`.
        message: String,
    },
    /// A key without a default value was not supplied (only `zookeeper.connect` in 2.4).
    #[error("Missing required configuration \"{name}\" which has no default value.")]
    MissingRequired {
        /// The config key.
        name: String,
    },
    /// A rule across keys failed (Kafka's `require(...)`); the text names the keys.
    #[error("requirement failed: {0}")]
    Requirement(String),
    /// A `ConfigException` with a free-form message naming the keys involved.
    #[error("{0}")]
    Invalid(String),
    /// A `\u` escape in the properties file is not followed by four hex digits.
    #[error("Malformed \\uxxxx encoding.")]
    MalformedUnicodeEscape,
    /// The properties file could not be read.
    #[error("{} ({source})", path.display())]
    Io {
        /// The file that could not be read.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
}

impl ConfigError {
    /// The Java exception Kafka 2.4.1 throws for the same problem, for the fatal log line.
    pub fn java_class(&self) -> &'static str {
        match self {
            ConfigError::InvalidValue { .. }
            | ConfigError::MissingRequired { .. }
            | ConfigError::Invalid(_) => "org.apache.kafka.common.config.ConfigException",
            ConfigError::Requirement(_) | ConfigError::MalformedUnicodeEscape => {
                "java.lang.IllegalArgumentException"
            }
            ConfigError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                "java.io.FileNotFoundException"
            }
            ConfigError::Io { .. } => "java.io.IOException",
        }
    }

    /// Shorthand for [`ConfigError::InvalidValue`].
    pub fn invalid_value(name: &str, value: &str, message: impl Into<String>) -> Self {
        ConfigError::InvalidValue {
            name: name.to_string(),
            value: value.to_string(),
            message: message.into(),
        }
    }
}
