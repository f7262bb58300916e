//! Sockets, framing, request limits and zero-copy sends: the broker's network layer.
//!
//! [`Server`] binds the configured listeners, accepts connections under Kafka's limits and runs
//! one task per connection. Each frame is decoded with `gregor-protocol`, checked the way Kafka
//! 2.4.1 checks it, and handed to a [`Service`]; responses go back in request order, file
//! regions via sendfile(2). This crate knows nothing of topics, logs or ZooKeeper.

pub mod config;
mod connection;
pub mod frame;
pub mod metrics;
pub mod quota;
mod request;
pub mod send;
pub mod server;
pub mod service;

pub use config::{ConfigError, ListenerConfig, NetworkConfig};
pub use metrics::{MetricsSnapshot, NetworkMetrics};
pub use server::{NetworkError, Server, ServerHandle};
pub use service::{FileRegion, Outcome, RequestContext, Response, Service};
