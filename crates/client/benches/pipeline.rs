//! Round trips through `BrokerConnection` against an in-memory gregor-network broker: one at a
//! time (latency) and pipelined (throughput). Prints numbers; asserts nothing about speed.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Instant;

use gregor_client::{BrokerConnection, ConnectionConfig};
use gregor_protocol::MetadataRequest;
use tokio::task::JoinSet;

const SEQUENTIAL_REQUESTS: usize = 5_000;
const PIPELINED_REQUESTS: usize = 50_000;
const SENDERS: usize = 200;

fn empty_metadata() -> MetadataRequest {
    MetadataRequest {
        topics: Some(Vec::new()),
        ..Default::default()
    }
}

async fn sequential(connection: &BrokerConnection) {
    let started = Instant::now();
    for _ in 0..SEQUENTIAL_REQUESTS {
        connection.send(empty_metadata()).await.unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "{SEQUENTIAL_REQUESTS} sequential Metadata round trips, {:.1} us avg latency, {:.0} requests/sec",
        elapsed.as_secs_f64() * 1e6 / SEQUENTIAL_REQUESTS as f64,
        SEQUENTIAL_REQUESTS as f64 / elapsed.as_secs_f64()
    );
}

async fn pipelined(connection: Arc<BrokerConnection>) {
    let started = Instant::now();
    let mut senders = JoinSet::new();
    for _ in 0..SENDERS {
        let connection = Arc::clone(&connection);
        senders.spawn(async move {
            for _ in 0..PIPELINED_REQUESTS / SENDERS {
                connection.send(empty_metadata()).await.unwrap();
            }
        });
    }
    while let Some(result) = senders.join_next().await {
        result.unwrap();
    }
    let elapsed = started.elapsed();
    println!(
        "{PIPELINED_REQUESTS} pipelined Metadata round trips ({SENDERS} senders), {:.1} ms total, {:.0} requests/sec",
        elapsed.as_secs_f64() * 1e3,
        PIPELINED_REQUESTS as f64 / elapsed.as_secs_f64()
    );
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let server = common::start_one().await;
        let config = ConnectionConfig {
            max_in_flight: 1_000,
            ..ConnectionConfig::default()
        };
        let connection = Arc::new(
            BrokerConnection::connect(&server.addr(), config)
                .await
                .unwrap(),
        );
        sequential(&connection).await;
        pipelined(connection).await;
    });
}
