//! The perf tools: `kafka-producer-perf-test` ([`producer_perf`]) and
//! `kafka-consumer-perf-test` ([`consumer_perf`]), with the statistics and formatting they
//! share in [`stats`]. They are Gregor's benchmark drivers, so the producer side uses the
//! pipelining, batching producer of [`crate::console_producer::producer`].

pub mod consumer_perf;
pub mod producer_perf;
pub mod stats;

pub use consumer_perf::{consumer_perf_test_main, run_consumer_perf_test};
pub use producer_perf::{producer_perf_test_main, run_producer_perf_test};
