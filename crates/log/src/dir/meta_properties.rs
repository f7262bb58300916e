//! `meta.properties`: the broker identity stored in every log directory (kafka-2.4.md §4.2).
//!
//! Layout (Java properties text, written by `java.util.Properties.store` with an empty comment):
//!
//! ```text
//! #
//! #Tue Jan 14 10:00:00 UTC 2020
//! cluster.id=4L6g3nShT-eMCtK--X86sw
//! version=0
//! broker.id=0
//! ```
//!
//! Written by the broker after it registered in ZooKeeper, atomically (temp, fsync, rename), so a
//! crash leaves either the old or the new file. Read at start-up from every log dir; the checks
//! below produce Kafka's exception messages, which the broker start-up prints and exits on.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use super::{atomic_write, DirError};

/// Name of the file inside every log directory.
pub const META_PROPERTIES_FILE: &str = "meta.properties";

/// The only `version` Kafka 2.4 writes and understands.
const META_PROPERTIES_VERSION: i32 = 0;

/// The contents of `meta.properties` (Kafka's `BrokerMetadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerMetadata {
    /// `broker.id`, always >= 0 once stored.
    pub broker_id: i32,
    /// `cluster.id`, absent in files written before Kafka 0.10.1.
    pub cluster_id: Option<String>,
}

/// Kafka's `BrokerMetadata.toString`, used inside its inconsistency message.
impl fmt::Display for BrokerMetadata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cluster_id = self.cluster_id.as_deref().unwrap_or("None");
        write!(
            f,
            "BrokerMetadata(brokerId={}, clusterId={cluster_id})",
            self.broker_id
        )
    }
}

impl BrokerMetadata {
    /// Reads `<dir>/meta.properties`; `Ok(None)` when the file does not exist (a new broker).
    pub fn read(dir: &Path) -> Result<Option<BrokerMetadata>, DirError> {
        let path = dir.join(META_PROPERTIES_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(DirError::Io { path, source }),
        };
        Self::parse(&text)
            .map(Some)
            .map_err(|reason| DirError::MetaProperties { path, reason })
    }

    /// Parses the properties text with the checks of Kafka's `BrokerMetadataCheckpoint.read`.
    fn parse(text: &str) -> Result<BrokerMetadata, String> {
        let props = parse_java_properties(text);
        let version = required_int_in_range(&props, "version")?;
        if version != META_PROPERTIES_VERSION {
            return Err(format!(
                "Unrecognized version of the server meta.properties file: {version}"
            ));
        }
        let broker_id = required_int_in_range(&props, "broker.id")?;
        let cluster_id = props.get("cluster.id").cloned();
        Ok(BrokerMetadata {
            broker_id,
            cluster_id,
        })
    }

    /// Writes `<dir>/meta.properties` atomically in Java properties format.
    pub fn write(&self, dir: &Path) -> Result<(), DirError> {
        let mut text = String::from("#\n");
        text.push('#');
        text.push_str(&java_date_now());
        text.push('\n');
        // Kafka's (Java Hashtable) order for these three keys.
        if let Some(cluster_id) = &self.cluster_id {
            text.push_str(&format!("cluster.id={}\n", escape_value(cluster_id)));
        }
        text.push_str(&format!("version={META_PROPERTIES_VERSION}\n"));
        text.push_str(&format!("broker.id={}\n", self.broker_id));
        atomic_write(&dir.join(META_PROPERTIES_FILE), text.as_bytes())
    }

    /// Reads `meta.properties` from every dir and checks they agree (Kafka's
    /// `getBrokerMetadataAndOfflineDirs`); `Ok(None)` when no dir has one yet.
    pub fn read_all(dirs: &[PathBuf]) -> Result<Option<BrokerMetadata>, DirError> {
        let mut found: Vec<(&PathBuf, BrokerMetadata)> = Vec::new();
        for dir in dirs {
            if let Some(meta) = Self::read(dir)? {
                found.push((dir, meta));
            }
        }
        let Some((_, first)) = found.first() else {
            return Ok(None);
        };
        if found.iter().any(|(_, meta)| meta != first) {
            let listing: String = found
                .iter()
                .map(|(dir, meta)| format!("- {} -> {meta}\n", dir.display()))
                .collect();
            return Err(DirError::InconsistentBrokerMetadata { listing });
        }
        Ok(Some(first.clone()))
    }

    /// Checks the stored cluster id against ZooKeeper's `/cluster/id` (`InconsistentClusterIdException`).
    pub fn check_cluster_id(&self, zk_cluster_id: &str) -> Result<(), DirError> {
        match &self.cluster_id {
            Some(stored) if stored != zk_cluster_id => Err(DirError::InconsistentClusterId {
                cluster_id: zk_cluster_id.to_string(),
                stored: stored.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// Decides the broker id from the configured `broker.id` (-1 = unset) and the stored one,
    /// as Kafka's `getOrGenerateBrokerId`: `Ok(None)` means "generate one from ZooKeeper".
    pub fn resolve_broker_id(
        configured: i32,
        stored: Option<&BrokerMetadata>,
    ) -> Result<Option<i32>, DirError> {
        match stored {
            Some(meta) if configured >= 0 && meta.broker_id != configured => {
                Err(DirError::InconsistentBrokerId {
                    configured,
                    stored: meta.broker_id,
                })
            }
            Some(meta) => Ok(Some(meta.broker_id)),
            None if configured >= 0 => Ok(Some(configured)),
            None => Ok(None),
        }
    }
}

/// Kafka's `VerifiableProperties.getIntInRange(name, (0, Int.MaxValue))` with its messages.
fn required_int_in_range(props: &BTreeMap<String, String>, name: &str) -> Result<i32, String> {
    let raw = props
        .get(name)
        .ok_or_else(|| format!("Missing required property '{name}'"))?;
    let value: i32 = raw
        .trim()
        .parse()
        .map_err(|_| format!("For input string: \"{raw}\" (property '{name}')"))?;
    if value < 0 {
        return Err(format!(
            "{name} has value {value} which is not in the range (0,{}).",
            i32::MAX
        ));
    }
    Ok(value)
}

/// The subset of `java.util.Properties.load` that files like this use: `#`/`!` comments, `=`,
/// `:` or whitespace separators, surrounding whitespace dropped, `\` escapes undone. Line
/// continuations are not needed for Kafka's own files and are not supported.
pub(crate) fn parse_java_properties(text: &str) -> BTreeMap<String, String> {
    let mut props = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let (key, value) = split_key_value(line);
        props.insert(unescape(key), unescape(value.trim_start()));
    }
    props
}

/// Splits at the first unescaped `=`, `:` or whitespace, as Java does.
fn split_key_value(line: &str) -> (&str, &str) {
    let mut escaped = false;
    for (i, c) in line.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '=' | ':' => return (&line[..i], &line[i + 1..]),
            c if c.is_whitespace() => {
                let rest = line[i..].trim_start();
                let rest = rest
                    .strip_prefix('=')
                    .or_else(|| rest.strip_prefix(':'))
                    .unwrap_or(rest);
                return (&line[..i], rest);
            }
            _ => {}
        }
    }
    (line, "")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// `Properties.store` escapes the separators and comment characters inside values.
fn escape_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '=' | ':' | '#' | '!' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `new java.util.Date().toString()` in UTC: `Tue Jan 14 10:00:00 UTC 2020`.
fn java_date_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    java_date(secs)
}

fn java_date(unix_secs: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = unix_secs.div_euclid(86_400);
    let secs_of_day = unix_secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{} {} {:02} {:02}:{:02}:{:02} UTC {}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        day,
        secs_of_day / 3600,
        secs_of_day % 3600 / 60,
        secs_of_day % 60,
        year
    )
}

/// Days since 1970-01-01 to (year, month 1..=12, day 1..=31), proleptic Gregorian calendar
/// (H. Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
#[path = "meta_properties_tests.rs"]
mod tests;
