//! Kafka 2.4.1 wire protocol: pure codec, no I/O.
