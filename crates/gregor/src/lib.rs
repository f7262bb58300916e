//! Gregor's broker crate: configuration, logging, the broker itself and the `gregor` command
//! line.
//!
//! The binary (`src/main.rs`) is a thin shell over this library. Modules:
//! - [`config`]: `server.properties` → a typed, validated [`config::KafkaConfig`];
//! - [`logging`]: Kafka's log4j line format to stdout and `logs/server.log`;
//! - [`cli`]: the `kafka-*` subcommands and their arguments;
//! - [`broker`]: start-up and shutdown in Kafka's order (`KafkaServer`);
//! - [`cluster`]: metadata cache and partitions; [`replica`]: the replica manager;
//! - [`handlers`]: one file per Kafka API, with the registry that drives ApiVersions.

pub mod broker;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod handlers;
pub mod logging;
pub mod replica;
