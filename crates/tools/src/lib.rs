//! Kafka's command-line tools as a library: each tool is a `*_main(args, out, err) -> exit code`
//! function that the `gregor` binary (and `bin/kafka-*.sh`) dispatches to. Output text, option
//! handling and exit codes are Kafka 2.4's.

pub mod console_consumer;
pub mod console_producer;
pub mod consumer_groups;
pub mod dump_log;
pub mod log4j;
pub mod perf;
pub mod topics;

pub use console_consumer::console_consumer_main;
pub use console_producer::console_producer_main;
pub use consumer_groups::consumer_groups_main;
pub use dump_log::dump_log_main;
pub use perf::{consumer_perf_test_main, producer_perf_test_main};
pub use topics::{kafka_topics_main, kafka_topics_stdio};
