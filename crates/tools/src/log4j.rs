//! Kafka's tool log lines (`config/tools-log4j.properties`: `[%d] %p %m (%c)%n` on stderr),
//! so a failure a tool logs looks like Kafka's: `[2020-04-18 10:26:27,441] ERROR ... (kafka.admin.TopicCommand$)`.

use std::time::{SystemTime, UNIX_EPOCH};

/// One log4j line (with its newline) at `level` from `logger`, stamped now (UTC).
pub fn log_line(level: &str, message: &str, logger: &str) -> String {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_millis() as i64)
        .unwrap_or_default();
    format!(
        "[{}] {level} {message} ({logger})\n",
        format_timestamp(now_ms)
    )
}

/// `yyyy-MM-dd HH:mm:ss,SSS` for milliseconds since the Unix epoch, in UTC.
pub fn format_timestamp(epoch_ms: i64) -> String {
    let days = epoch_ms.div_euclid(86_400_000);
    let ms_of_day = epoch_ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02},{:03}",
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1_000 % 60,
        ms_of_day % 1_000
    )
}

/// Year, month, day of a day count since 1970-01-01 (proleptic Gregorian; Hinnant's method).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_log4j() {
        assert_eq!(format_timestamp(0), "1970-01-01 00:00:00,000");
        // 2020-04-18 10:26:27.441 UTC, the DESIGN.md example line.
        assert_eq!(
            format_timestamp(1_587_205_587_441),
            "2020-04-18 10:26:27,441"
        );
        assert_eq!(format_timestamp(951_782_400_000), "2000-02-29 00:00:00,000");
        let line = log_line("ERROR", "boom", "kafka.admin.TopicCommand$");
        assert!(
            line.starts_with('[') && line.ends_with("] ERROR boom (kafka.admin.TopicCommand$)\n")
        );
    }
}
