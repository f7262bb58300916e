//! The values of `--to-datetime`, `--by-duration` and `--from-file`, parsed as Kafka 2.4's
//! `ConsumerGroupCommand` parses them (pure code, no I/O), each failure carrying the exception
//! class and message Kafka prints after `Error: Executing consumer group command failed due to`.
//!
//! * `--to-datetime` (`convertTimestamp`): a time part without `+`, `-` or `Z` gets `Z` appended,
//!   then `SimpleDateFormat("yyyy-MM-dd'T'HH:mm:ss.SSSXXX")` is tried, then the same with `X`.
//!   `SimpleDateFormat` is lenient: numbers take as many digits as are there (`.5` is 5 ms),
//!   out-of-range fields roll over (month 13 is January of the next year), text after the zone
//!   is ignored, and `XXX` needs `+hh:mm` while `X` takes `+hh` (so `+0530` is read as `+05`).
//!   Dates are proleptic Gregorian (Java switches to the Julian calendar before 1582).
//! * `--by-duration` (`java.time.Duration.parse`): `[-+]PnDTnHnMn.nS`, case-insensitive, each
//!   number signed; the reset time is now minus the duration.
//! * `--from-file` (`parseResetPlan`): lines `topic,partition,offset` when one `--group` is given
//!   and the first line reads so, otherwise `group,topic,partition,offset`, read the way Jackson's
//!   CSV mapper reads them (missing numbers are 0, surplus columns are refused).

use std::collections::BTreeMap;

use gregor_client::group::PartitionOffsets;

use crate::topics::CommandError;

/// `java.text.ParseException`, `java.time.format.DateTimeParseException`, ...: a failure as
/// Kafka reports it.
fn failure(class: &'static str, message: impl Into<String>) -> CommandError {
    CommandError {
        class,
        message: message.into(),
    }
}

/// `--to-datetime`: the time in epoch milliseconds.
pub fn parse_datetime(text: &str) -> Result<i64, CommandError> {
    // Java's `split("T")`: trailing empty pieces are dropped.
    let mut pieces: Vec<&str> = text.split('T').collect();
    while pieces.last().is_some_and(|piece| piece.is_empty()) {
        pieces.pop();
    }
    let Some(time) = pieces.get(1) else {
        return Err(failure("java.lang.ArrayIndexOutOfBoundsException", "1"));
    };
    let datetime = if time.contains(['+', '-', 'Z']) {
        text.to_string()
    } else {
        format!("{text}Z")
    };
    lenient_parse(&datetime, true)
        .or_else(|| lenient_parse(&datetime, false))
        .ok_or_else(|| {
            failure(
                "java.text.ParseException",
                format!("Unparseable date: \"{datetime}\""),
            )
        })
}

/// A cursor over the text, as `SimpleDateFormat.parse` walks it.
struct Cursor<'a> {
    /// The text.
    bytes: &'a [u8],
    /// The next byte to read.
    at: usize,
}

impl Cursor<'_> {
    /// A numeric field: spaces and tabs skipped, then every digit there is.
    fn number(&mut self) -> Option<i64> {
        while matches!(self.bytes.get(self.at), Some(b' ' | b'\t')) {
            self.at += 1;
        }
        let start = self.at;
        let mut value: i64 = 0;
        while let Some(digit) = self.bytes.get(self.at).filter(|b| b.is_ascii_digit()) {
            value = value
                .checked_mul(10)?
                .checked_add(i64::from(digit - b'0'))?;
            self.at += 1;
        }
        (self.at > start).then_some(value)
    }

    /// A literal character of the pattern.
    fn literal(&mut self, expected: u8) -> Option<()> {
        (self.bytes.get(self.at) == Some(&expected)).then(|| self.at += 1)
    }

    /// Two digits.
    fn two_digits(&mut self) -> Option<i64> {
        let pair = self.bytes.get(self.at..self.at + 2)?;
        if !pair.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.at += 2;
        Some(i64::from(pair[0] - b'0') * 10 + i64::from(pair[1] - b'0'))
    }

    /// The ISO zone: `Z`, or `+hh:mm` (`XXX`, `colon`) / `+hh` (`X`); the offset in minutes.
    fn zone(&mut self, colon: bool) -> Option<i64> {
        let sign = match self.bytes.get(self.at)? {
            b'Z' => return Some(0),
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        self.at += 1;
        let hours = self.two_digits().filter(|h| *h <= 23)?;
        let mut minutes = 0;
        if colon {
            self.literal(b':')?;
            minutes = self.two_digits().filter(|m| *m <= 59)?;
        }
        Some(sign * (hours * 60 + minutes))
    }
}

/// `yyyy-MM-dd'T'HH:mm:ss.SSS` then `XXX` (`colon`) or `X`, leniently; epoch milliseconds.
fn lenient_parse(text: &str, colon: bool) -> Option<i64> {
    let mut cursor = Cursor {
        bytes: text.as_bytes(),
        at: 0,
    };
    let mut fields = [0i64; 7];
    let separators = [b'-', b'-', b'T', b':', b':', b'.'];
    for (index, field) in fields.iter_mut().enumerate() {
        *field = cursor.number()?;
        if let Some(separator) = separators.get(index) {
            cursor.literal(*separator)?;
        }
    }
    let offset_minutes = cursor.zone(colon)?;
    let [year, month, day, hour, minute, second, millis] = fields;
    let month_index = month - 1;
    let year = year + month_index.div_euclid(12);
    let month = month_index.rem_euclid(12) + 1;
    let days = days_from_civil(year, month) + day - 1;
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    seconds.checked_mul(1_000)?.checked_add(millis)
}

/// Days from 1970-01-01 to the first of `month` (1–12) of `year`, proleptic Gregorian.
fn days_from_civil(year: i64, month: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `java.time.Duration.parse`: the duration in nanoseconds.
pub fn parse_duration(text: &str) -> Result<i128, CommandError> {
    let unparsable = || {
        failure(
            "java.time.format.DateTimeParseException",
            "Text cannot be parsed to a Duration",
        )
    };
    let pattern = regex::Regex::new(
        r"(?i)^([-+]?)P(?:([-+]?[0-9]+)D)?(T(?:([-+]?[0-9]+)H)?(?:([-+]?[0-9]+)M)?(?:([-+]?[0-9]+)(?:[.,]([0-9]{0,9}))?S)?)?$",
    )
    .map_err(|_| unparsable())?;
    let captures = pattern.captures(text).ok_or_else(unparsable)?;
    let group = |index: usize| captures.get(index).map(|m| m.as_str());
    if group(3).is_some_and(|t| t.eq_ignore_ascii_case("T"))
        || [2, 4, 5, 6].iter().all(|index| group(*index).is_none())
    {
        return Err(unparsable());
    }
    let number = |index: usize, seconds_per_unit: i64, what: &str| -> Result<i64, CommandError> {
        let Some(digits) = group(index) else {
            return Ok(0);
        };
        digits
            .parse::<i64>()
            .ok()
            .and_then(|value| value.checked_mul(seconds_per_unit))
            .ok_or_else(|| {
                failure(
                    "java.time.format.DateTimeParseException",
                    format!("Text cannot be parsed to a Duration: {what}"),
                )
            })
    };
    let days = number(2, 86_400, "days")?;
    let hours = number(4, 3_600, "hours")?;
    let minutes = number(5, 60, "minutes")?;
    let seconds = number(6, 1, "seconds")?;
    let mut nanos: i128 = match group(7).filter(|f| !f.is_empty()) {
        Some(fraction) => format!("{fraction:0<9}").parse::<i128>().unwrap_or(0),
        None => 0,
    };
    if group(6).is_some_and(|s| s.starts_with('-')) {
        nanos = -nanos;
    }
    let total_seconds = days
        .checked_add(hours)
        .and_then(|sum| sum.checked_add(minutes))
        .and_then(|sum| sum.checked_add(seconds))
        .ok_or_else(|| {
            failure(
                "java.time.format.DateTimeParseException",
                "Text cannot be parsed to a Duration: overflow",
            )
        })?;
    let duration = i128::from(total_seconds) * 1_000_000_000 + nanos;
    Ok(if group(1) == Some("-") {
        -duration
    } else {
        duration
    })
}

/// `Instant.now().minus(duration).toEpochMilli` for `now_ms`.
pub fn millis_before(now_ms: i64, duration_nanos: i128) -> Result<i64, CommandError> {
    /// `Instant.MIN` and `Instant.MAX` in seconds.
    const INSTANT_SECONDS: (i128, i128) = (-31_557_014_167_219_200, 31_556_889_864_403_199);
    let instant_nanos = i128::from(now_ms) * 1_000_000 - duration_nanos;
    let seconds = instant_nanos.div_euclid(1_000_000_000);
    if seconds < INSTANT_SECONDS.0 || seconds > INSTANT_SECONDS.1 {
        return Err(failure(
            "java.time.DateTimeException",
            "Instant exceeds minimum or maximum instant",
        ));
    }
    i64::try_from(instant_nanos.div_euclid(1_000_000))
        .map_err(|_| failure("java.lang.ArithmeticException", "long overflow"))
}

/// A reset plan: new offsets by group.
pub type ResetPlan = BTreeMap<String, PartitionOffsets>;

/// `--from-file`'s CSV. `groups` are the `--group` values (empty with `--all-groups`).
pub fn parse_reset_plan(csv: &str, groups: &[String]) -> Result<ResetPlan, CommandError> {
    let mut lines: Vec<&str> = csv.split('\n').collect();
    while lines.last().is_some_and(|line| line.is_empty()) {
        lines.pop();
    }
    let single_group = match groups {
        [group] => Some(group),
        _ => None,
    };
    let old_format = lines
        .first()
        .is_some_and(|line| csv_record(line, 3).is_ok());
    let mut plan = ResetPlan::new();
    for line in lines {
        match single_group.filter(|_| old_format) {
            Some(group) => {
                let (topic, partition, offset) = csv_record(line, 3)?;
                plan.entry(group.clone())
                    .or_default()
                    .insert((topic, partition), offset);
            }
            None => {
                let (group, rest) = line.split_once(',').unwrap_or((line, ""));
                if line.is_empty() {
                    return Err(no_content(line));
                }
                let (topic, partition, offset) = csv_record(rest, 4).map_err(|mut error| {
                    error.message = error
                        .message
                        .replace("CsvRecordNoGroup", "CsvRecordWithGroup");
                    error
                })?;
                plan.entry(group.to_string())
                    .or_default()
                    .insert((topic, partition), offset);
            }
        }
    }
    Ok(plan)
}

/// Jackson's refusal of an empty line.
fn no_content(line: &str) -> CommandError {
    failure(
        "com.fasterxml.jackson.databind.exc.MismatchedInputException",
        format!("No content to map due to end-of-input\n at [Source: (String)\"{line}\"; line: 1, column: 0]"),
    )
}

/// One `topic,partition,offset` record (after the group column in the 4-column format, whose
/// column count is `columns`): missing numbers read as 0, as Jackson fills primitives.
fn csv_record(line: &str, columns: usize) -> Result<(String, i32, i64), CommandError> {
    if line.is_empty() && columns == 3 {
        return Err(no_content(line));
    }
    let values: Vec<&str> = line.split(',').collect();
    if values.len() > 3 {
        let surplus = values[3];
        return Err(failure(
            "com.fasterxml.jackson.dataformat.csv.CsvMappingException",
            format!(
                "Too many entries: expected at most {columns} (value #{columns} ({} chars) \"{surplus}\")",
                surplus.len()
            ),
        ));
    }
    let invalid = |value: &str, java_type: &str, java_name: &str, field: &str| {
        failure(
            "com.fasterxml.jackson.databind.exc.InvalidFormatException",
            format!("Cannot deserialize value of type `{java_type}` from String \"{value}\": not a valid {java_name} value (through reference chain: kafka.admin.ConsumerGroupCommand$CsvRecordNoGroup[\"{field}\"])"),
        )
    };
    let partition = match values.get(1).map(|v| v.trim()) {
        None | Some("") => 0,
        Some(value) => value
            .parse::<i32>()
            .map_err(|_| invalid(value, "int", "Integer", "partition"))?,
    };
    let offset = match values.get(2).map(|v| v.trim()) {
        None | Some("") => 0,
        Some(value) => value
            .parse::<i64>()
            .map_err(|_| invalid(value, "long", "Long", "offset"))?,
    };
    Ok((values[0].to_string(), partition, offset))
}

#[cfg(test)]
#[path = "reset_specs_tests.rs"]
mod tests;
