//! Parsing of topic config values as Kafka's `ConfigDef` types do (LONG, INT, BOOLEAN, LIST),
//! with errors that name the key.

use crate::error::{LogError, Result};

use super::CleanupPolicy;

pub(super) fn invalid(key: &str, value: &str, reason: &str) -> LogError {
    LogError::InvalidConfig {
        key: key.to_string(),
        value: value.to_string(),
        reason: reason.to_string(),
    }
}

pub(super) fn parse_i64(key: &str, value: &str) -> Result<i64> {
    value
        .parse()
        .map_err(|_| invalid(key, value, "Expected value to be a 64-bit integer (long)."))
}

pub(super) fn parse_i64_at_least(key: &str, value: &str, min: i64) -> Result<i64> {
    let parsed = parse_i64(key, value)?;
    if parsed < min {
        return Err(invalid(
            key,
            value,
            &format!("Value must be at least {min}"),
        ));
    }
    Ok(parsed)
}

pub(super) fn parse_i32_at_least(key: &str, value: &str, min: i32) -> Result<i32> {
    let parsed: i32 = value
        .parse()
        .map_err(|_| invalid(key, value, "Expected value to be a 32-bit integer."))?;
    if parsed < min {
        return Err(invalid(
            key,
            value,
            &format!("Value must be at least {min}"),
        ));
    }
    Ok(parsed)
}

pub(super) fn parse_bool(key: &str, value: &str) -> Result<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(invalid(
            key,
            value,
            "Expected value to be either true or false",
        )),
    }
}

pub(super) fn parse_cleanup_policy(key: &str, value: &str) -> Result<Vec<CleanupPolicy>> {
    let mut policies = Vec::new();
    for item in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let policy = match item {
            "delete" => CleanupPolicy::Delete,
            "compact" => CleanupPolicy::Compact,
            _ => {
                return Err(invalid(
                    key,
                    value,
                    "String must be one of: compact, delete",
                ))
            }
        };
        if !policies.contains(&policy) {
            policies.push(policy);
        }
    }
    Ok(policies)
}
