//! Does what a Kafka 2.4 broker does in ZooKeeper at start-up, up to its registration:
//! creates the top-level paths, reads or creates `/cluster/id`, and registers
//! `/brokers/ids/<id>` for a PLAINTEXT listener on `localhost:<port>`. It then holds the session
//! (keeping the ephemeral registration) until its standard input closes.
//!
//! `cargo run -p gregor-zk --example register -- ZOOKEEPER_CONNECT [BROKER_ID] [PORT]`
//! (`BROKER_ID` -1 generates one from `/brokers/seqid`). Prints one line:
//! `registered broker_id=<id> broker_epoch=<czxid> cluster_id=<id>`.

use std::io::Read;

use gregor_zk::znode::now_ms;
use gregor_zk::{BrokerInfo, EndPoint, KafkaZkClient};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Errors are printed with their message (Display), as a broker's fatal start-up error is.
    if let Err(error) = run().await {
        eprintln!("{error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(connect) = args.first() else {
        eprintln!("usage: register ZOOKEEPER_CONNECT [BROKER_ID] [PORT]");
        std::process::exit(2);
    };
    let mut broker_id: i32 = args.get(1).map_or(Ok(0), |id| id.parse())?;
    let port: i32 = args.get(2).map_or(Ok(9092), |port| port.parse())?;

    let client = KafkaZkClient::connect(connect, 6_000, 18_000).await?;
    client.create_top_level_paths().await?;
    let cluster_id = client.get_or_create_cluster_id().await?;
    if broker_id < 0 {
        broker_id = client.generate_broker_id(1000).await?;
    }
    let info = BrokerInfo {
        broker_id,
        endpoints: vec![EndPoint::plaintext("localhost", port)],
        rack: None,
        jmx_port: -1,
        timestamp_ms: now_ms(),
    };
    let broker_epoch = client.register_broker(&info).await?;
    println!(
        "registered broker_id={broker_id} broker_epoch={broker_epoch} cluster_id={}",
        cluster_id.0
    );

    // Hold the session until stdin closes. The read blocks, so it runs off the runtime thread
    // that keeps the session alive with pings.
    let _ = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new())).await;
    client.close().await;
    Ok(())
}
