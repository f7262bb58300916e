//! Step one of building a `KafkaConfig`: every defined key parsed and validated on its own
//! (Kafka's `ConfigDef.parse`), in definition order, so the first bad key is the one reported.

use std::collections::BTreeMap;

use super::definitions::BROKER_KEYS;
use super::error::ConfigError;
use super::value::{DefaultValue, Value};

/// Defined keys → parsed values (defaults filled in).
#[derive(Debug)]
pub(crate) struct Parsed {
    /// One entry per key of [`BROKER_KEYS`].
    pub(crate) values: BTreeMap<&'static str, Value>,
}

impl Parsed {
    /// Parses and validates every defined key, taking supplied strings over defaults.
    pub(crate) fn parse(originals: &BTreeMap<String, String>) -> Result<Parsed, ConfigError> {
        let mut values = BTreeMap::new();
        for key in BROKER_KEYS {
            let value = match (originals.get(key.name), key.default) {
                (Some(raw), _) => key.config_type.parse(key.name, raw)?,
                (None, DefaultValue::Required) => {
                    return Err(ConfigError::MissingRequired {
                        name: key.name.to_string(),
                    })
                }
                (None, DefaultValue::Null) => Value::Null,
                (None, DefaultValue::Text(text)) => key.config_type.parse(key.name, text)?,
            };
            key.validator.check(key.name, &value)?;
            values.insert(key.name, value);
        }
        Ok(Parsed { values })
    }

    fn get(&self, name: &str) -> Result<&Value, ConfigError> {
        self.values
            .get(name)
            .ok_or_else(|| ConfigError::Invalid(format!("Unknown configuration '{name}'")))
    }

    /// A typed read of a key whose definition does not match is a bug in `definitions`.
    fn mismatch(name: &str, wanted: &str) -> ConfigError {
        ConfigError::Invalid(format!("configuration {name} is not defined as {wanted}"))
    }

    pub(crate) fn opt_int(&self, name: &str) -> Result<Option<i32>, ConfigError> {
        match self.get(name)? {
            Value::Int(n) => Ok(Some(*n)),
            Value::Null => Ok(None),
            _ => Err(Self::mismatch(name, "INT")),
        }
    }

    pub(crate) fn int(&self, name: &str) -> Result<i32, ConfigError> {
        self.opt_int(name)?
            .ok_or_else(|| Self::mismatch(name, "non-null INT"))
    }

    pub(crate) fn opt_long(&self, name: &str) -> Result<Option<i64>, ConfigError> {
        match self.get(name)? {
            Value::Long(n) => Ok(Some(*n)),
            Value::Null => Ok(None),
            _ => Err(Self::mismatch(name, "LONG")),
        }
    }

    pub(crate) fn long(&self, name: &str) -> Result<i64, ConfigError> {
        self.opt_long(name)?
            .ok_or_else(|| Self::mismatch(name, "non-null LONG"))
    }

    pub(crate) fn short(&self, name: &str) -> Result<i16, ConfigError> {
        match self.get(name)? {
            Value::Short(n) => Ok(*n),
            _ => Err(Self::mismatch(name, "SHORT")),
        }
    }

    pub(crate) fn double(&self, name: &str) -> Result<f64, ConfigError> {
        match self.get(name)? {
            Value::Double(d) => Ok(*d),
            _ => Err(Self::mismatch(name, "DOUBLE")),
        }
    }

    pub(crate) fn boolean(&self, name: &str) -> Result<bool, ConfigError> {
        match self.get(name)? {
            Value::Boolean(b) => Ok(*b),
            _ => Err(Self::mismatch(name, "BOOLEAN")),
        }
    }

    pub(crate) fn opt_string(&self, name: &str) -> Result<Option<String>, ConfigError> {
        match self.get(name)? {
            Value::String(s) => Ok(Some(s.clone())),
            Value::Null => Ok(None),
            _ => Err(Self::mismatch(name, "STRING")),
        }
    }

    pub(crate) fn string(&self, name: &str) -> Result<String, ConfigError> {
        self.opt_string(name)?
            .ok_or_else(|| Self::mismatch(name, "non-null STRING"))
    }

    pub(crate) fn list(&self, name: &str) -> Result<Vec<String>, ConfigError> {
        match self.get(name)? {
            Value::List(items) => Ok(items.clone()),
            _ => Err(Self::mismatch(name, "LIST")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn every_key_gets_a_value_and_defaults_are_kafkas() {
        let parsed = Parsed::parse(&props(&[("zookeeper.connect", "zk:2181")])).unwrap();
        assert_eq!(parsed.values.len(), BROKER_KEYS.len());
        assert_eq!(parsed.int("num.partitions").unwrap(), 1);
        assert_eq!(parsed.short("offsets.topic.replication.factor").unwrap(), 3);
        assert_eq!(parsed.long("log.retention.bytes").unwrap(), -1);
        assert_eq!(parsed.opt_long("log.retention.ms").unwrap(), None);
        assert_eq!(parsed.list("log.cleanup.policy").unwrap(), vec!["delete"]);
        assert_eq!(
            parsed.double("log.cleaner.min.cleanable.ratio").unwrap(),
            0.5
        );
    }

    #[test]
    fn the_first_bad_key_in_definition_order_is_reported() {
        let err = Parsed::parse(&props(&[("num.partitions", "x")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Missing required configuration \"zookeeper.connect\" which has no default value."
        );
    }

    #[test]
    fn wrong_typed_read_is_an_error_not_a_panic() {
        let parsed = Parsed::parse(&props(&[("zookeeper.connect", "zk:2181")])).unwrap();
        assert!(parsed.int("zookeeper.connect").is_err());
        assert!(parsed.int("no.such.key").is_err());
    }
}
