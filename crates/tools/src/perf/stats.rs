//! The numbers and lines of Kafka 2.4's perf tools: `ProducerPerformance.Stats` (windows of
//! `reportingInterval`, sampled latencies, percentiles), its `ThroughputThrottler`, the
//! `java.util.Random(0)` payload, and Java's number formatting (`Infinity`, `NaN`).

use std::time::Duration;

/// Java's `String.format("%.<p>f")` for the values the perf tools print.
pub fn java_fixed(value: f64, precision: usize) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
    } else {
        half_up(
            &format!("{}", value.abs()),
            precision,
            value.is_sign_negative() && value != 0.0,
        )
    }
}

/// Rounds the shortest decimal form of a value HALF_UP, as `java.util.Formatter` does (so
/// 1.005 prints `1.01`, where rounding the binary value would give `1.00`).
fn half_up(digits: &str, precision: usize, negative: bool) -> String {
    let (integer, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let mut all: Vec<u8> = integer.bytes().chain(fraction.bytes()).collect();
    let keep = integer.len() + precision;
    while all.len() < keep + 1 {
        all.push(b'0');
    }
    let round_up = all[keep] >= b'5';
    all.truncate(keep);
    let mut integer_len = integer.len();
    if round_up {
        let mut index = keep;
        loop {
            if index == 0 {
                all.insert(0, b'1');
                integer_len += 1;
                break;
            }
            index -= 1;
            if all[index] == b'9' {
                all[index] = b'0';
            } else {
                all[index] += 1;
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&all).into_owned();
    let (int_part, frac_part) = text.split_at(integer_len);
    let sign = if negative { "-" } else { "" };
    if precision == 0 {
        format!("{sign}{int_part}")
    } else {
        format!("{sign}{int_part}.{frac_part}")
    }
}

/// `ProducerPerformance.Stats`.
#[derive(Debug, Clone)]
pub struct Stats {
    start_ms: i64,
    window_start_ms: i64,
    sampling: u64,
    latencies: Vec<i32>,
    count: u64,
    bytes: u64,
    max_latency_ms: i32,
    total_latency_ms: i64,
    window_count: u64,
    window_max_latency_ms: i32,
    window_total_latency_ms: i64,
    window_bytes: u64,
    reporting_interval_ms: i64,
}

impl Stats {
    /// Stats for `num_records` sends starting at `now_ms`; at most 500000 latencies are kept.
    pub fn new(num_records: u64, reporting_interval_ms: i64, now_ms: i64) -> Stats {
        let sampling = (num_records / num_records.clamp(1, 500_000)).max(1);
        Stats {
            start_ms: now_ms,
            window_start_ms: now_ms,
            sampling,
            latencies: Vec::with_capacity((num_records / sampling + 1).min(500_001) as usize),
            count: 0,
            bytes: 0,
            max_latency_ms: 0,
            total_latency_ms: 0,
            window_count: 0,
            window_max_latency_ms: 0,
            window_total_latency_ms: 0,
            window_bytes: 0,
            reporting_interval_ms,
        }
    }

    /// Records one acknowledged send; returns the window line when a window closed.
    pub fn record(
        &mut self,
        iteration: u64,
        latency_ms: i32,
        bytes: usize,
        now_ms: i64,
    ) -> Option<String> {
        self.count += 1;
        self.bytes += bytes as u64;
        self.total_latency_ms += i64::from(latency_ms);
        self.max_latency_ms = self.max_latency_ms.max(latency_ms);
        self.window_count += 1;
        self.window_bytes += bytes as u64;
        self.window_total_latency_ms += i64::from(latency_ms);
        self.window_max_latency_ms = self.window_max_latency_ms.max(latency_ms);
        if iteration % self.sampling == 0 {
            self.latencies.push(latency_ms);
        }
        if now_ms - self.window_start_ms >= self.reporting_interval_ms {
            let line = self.window_line(now_ms);
            self.window_start_ms = now_ms;
            self.window_count = 0;
            self.window_max_latency_ms = 0;
            self.window_total_latency_ms = 0;
            self.window_bytes = 0;
            return Some(line);
        }
        None
    }

    /// `printWindow`.
    pub fn window_line(&self, now_ms: i64) -> String {
        let elapsed_ms = (now_ms - self.window_start_ms) as f64;
        let records_per_sec = 1000.0 * self.window_count as f64 / elapsed_ms;
        let mb_per_sec = 1000.0 * self.window_bytes as f64 / elapsed_ms / (1024.0 * 1024.0);
        format!(
            "{} records sent, {} records/sec ({} MB/sec), {} ms avg latency, {} ms max latency.",
            self.window_count,
            java_fixed(records_per_sec, 1),
            java_fixed(mb_per_sec, 2),
            java_fixed(
                self.window_total_latency_ms as f64 / self.window_count as f64,
                1
            ),
            java_fixed(f64::from(self.window_max_latency_ms), 1),
        )
    }

    /// `printTotal`.
    pub fn total_line(&mut self, now_ms: i64) -> String {
        let elapsed_ms = (now_ms - self.start_ms) as f64;
        let records_per_sec = 1000.0 * self.count as f64 / elapsed_ms;
        let mb_per_sec = 1000.0 * self.bytes as f64 / elapsed_ms / (1024.0 * 1024.0);
        self.latencies.sort_unstable();
        let size = self.latencies.len();
        let percentile = |p: f64| {
            let index = ((p * size as f64) as usize).min(size.saturating_sub(1));
            self.latencies.get(index).copied().unwrap_or(0)
        };
        format!(
            "{} records sent, {} records/sec ({} MB/sec), {} ms avg latency, {} ms max latency, {} ms 50th, {} ms 95th, {} ms 99th, {} ms 99.9th.",
            self.count,
            java_fixed(records_per_sec, 6),
            java_fixed(mb_per_sec, 2),
            java_fixed(self.total_latency_ms as f64 / self.count as f64, 2),
            java_fixed(f64::from(self.max_latency_ms), 2),
            percentile(0.5),
            percentile(0.95),
            percentile(0.99),
            percentile(0.999),
        )
    }
}

/// Kafka's `ThroughputThrottler`: sleeps so the send rate stays near `target_per_sec`
/// (negative: no throttling).
#[derive(Debug, Clone)]
pub struct ThroughputThrottler {
    start_ms: i64,
    target_per_sec: i64,
    sleep_time_ns: u64,
    sleep_deficit_ns: u64,
}

/// Below this, sleeps are accumulated rather than taken (Kafka's `MIN_SLEEP_NS`).
const MIN_SLEEP_NS: u64 = 2_000_000;

impl ThroughputThrottler {
    /// A throttler started at `start_ms`.
    pub fn new(target_per_sec: i64, start_ms: i64) -> ThroughputThrottler {
        ThroughputThrottler {
            start_ms,
            target_per_sec,
            sleep_time_ns: if target_per_sec > 0 {
                1_000_000_000 / target_per_sec as u64
            } else {
                u64::MAX
            },
            sleep_deficit_ns: 0,
        }
    }

    /// `shouldThrottle`: ahead of the target rate?
    pub fn should_throttle(&self, sent_so_far: u64, now_ms: i64) -> bool {
        if self.target_per_sec < 0 {
            return false;
        }
        let elapsed_sec = (now_ms - self.start_ms) as f32 / 1000.0;
        elapsed_sec > 0.0 && (sent_so_far as f32 / elapsed_sec) > self.target_per_sec as f32
    }

    /// How long to sleep now (zero while the deficit is below 2 ms); resets the deficit.
    pub fn throttle(&mut self) -> Duration {
        if self.target_per_sec == 0 {
            // Kafka waits forever; a day is forever enough and keeps the tool killable.
            return Duration::from_secs(86_400);
        }
        self.sleep_deficit_ns = self.sleep_deficit_ns.saturating_add(self.sleep_time_ns);
        if self.sleep_deficit_ns >= MIN_SLEEP_NS {
            let sleep = Duration::from_nanos(self.sleep_deficit_ns);
            self.sleep_deficit_ns = 0;
            return sleep;
        }
        Duration::ZERO
    }
}

/// `java.util.Random` (48-bit LCG), for Kafka's payload bytes.
#[derive(Debug, Clone)]
pub struct JavaRandom {
    seed: u64,
}

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const MASK: u64 = (1 << 48) - 1;

    /// `new Random(seed)`.
    pub fn new(seed: i64) -> JavaRandom {
        JavaRandom {
            seed: (seed as u64 ^ Self::MULTIPLIER) & Self::MASK,
        }
    }

    fn next(&mut self, bits: u32) -> i32 {
        self.seed = (self.seed.wrapping_mul(Self::MULTIPLIER).wrapping_add(0xB)) & Self::MASK;
        (self.seed >> (48 - bits)) as i32
    }

    /// `nextInt(bound)` for a positive bound.
    pub fn next_int(&mut self, bound: i32) -> i32 {
        if bound & -bound == bound {
            return ((i64::from(bound) * i64::from(self.next(31))) >> 31) as i32;
        }
        loop {
            let bits = self.next(31);
            let value = bits % bound;
            if bits.wrapping_sub(value).wrapping_add(bound - 1) >= 0 {
                return value;
            }
        }
    }
}

/// ProducerPerformance's payload of `record_size` uppercase letters from `Random(0)`.
pub fn random_payload(record_size: usize) -> Vec<u8> {
    let mut random = JavaRandom::new(0);
    (0..record_size)
        .map(|_| (random.next_int(26) + 65) as u8)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn java_random_matches_the_jdk() {
        // new Random(0).nextInt(26) x5 on OpenJDK 17: 18 18 23 21 13.
        let mut random = JavaRandom::new(0);
        let first: Vec<i32> = (0..5).map(|_| random.next_int(26)).collect();
        assert_eq!(first, vec![18, 18, 23, 21, 13]);
        assert_eq!(&random_payload(5), b"SSXVN");
    }

    #[test]
    fn fixed_point_rounds_half_up_like_java() {
        // Java: String.format("%.1f %.2f %f", 0.45, 1.005, 2.5) = "0.5 1.01 2.500000".
        assert_eq!(java_fixed(0.45, 1), "0.5");
        assert_eq!(java_fixed(1.005, 2), "1.01");
        assert_eq!(java_fixed(2.5, 6), "2.500000");
        assert_eq!(java_fixed(9.96, 1), "10.0");
        assert_eq!(java_fixed(f64::INFINITY, 2), "Infinity");
    }

    #[test]
    fn window_and_total_lines_use_kafkas_format() {
        let mut stats = Stats::new(4, 5000, 0);
        assert_eq!(stats.record(0, 3, 100, 10), None);
        let line = stats.record(1, 5, 100, 5000).unwrap();
        assert_eq!(line, "2 records sent, 0.4 records/sec (0.00 MB/sec), 4.0 ms avg latency, 5.0 ms max latency.");
        stats.record(2, 1, 100, 5001);
        stats.record(3, 7, 100, 5002);
        assert_eq!(
            stats.total_line(10_000),
            "4 records sent, 0.400000 records/sec (0.00 MB/sec), 4.00 ms avg latency, 7.00 ms max latency, 5 ms 50th, 7 ms 95th, 7 ms 99th, 7 ms 99.9th."
        );
    }

    #[test]
    fn throttler_sleeps_only_when_ahead() {
        let mut throttler = ThroughputThrottler::new(1000, 0);
        assert!(!throttler.should_throttle(10, 0));
        assert!(throttler.should_throttle(2000, 1000));
        assert!(!throttler.should_throttle(500, 1000));
        assert_eq!(throttler.throttle(), Duration::ZERO);
        assert_eq!(throttler.throttle(), Duration::from_millis(2));
        assert!(!ThroughputThrottler::new(-1, 0).should_throttle(1 << 40, 1));
    }
}
