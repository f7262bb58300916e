//! The segmented log in Kafka's on-disk format.
