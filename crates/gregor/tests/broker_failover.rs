//! Leader failover on three brokers (kafka-2.4.md §3.2–3.3): after `kill -9` of a partition
//! leader, a follower from the ISR takes over, the dead broker leaves the ISR and the new
//! leader's high watermark reaches every record acknowledged with acks=all, so consumers read
//! them all. Once with a leader that is not the controller, once with the controller itself.

mod broker_harness;

use std::time::{Duration, Instant};

use broker_harness::{fetched_values, runtime, Broker};
use gregor_protocol::records::RecordBatchBuilder;
use gregor_protocol::{
    ErrorCode, FetchRequest, FetchRequestPartition, FetchRequestTopic, FetchResponse,
    MetadataResponse,
};
use gregor_zk::test_support::TestZooKeeper;

const TOPIC: &str = "failover";

/// Generous bound for ZooKeeper session expiry (4 s in the harness), the election and the
/// followers' first fetches from the new leader on a loaded debug build; well below the
/// 30 s+ of a stuck high watermark.
const FAILOVER_TIMEOUT: Duration = Duration::from_secs(25);

/// Which broker to kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Victim {
    /// The leader of a partition, which is not the controller.
    LeaderOnly,
    /// The controller, which also leads a partition.
    ControllerAndLeader,
}

fn fetch_partition(partition: i32) -> FetchRequest {
    FetchRequest {
        replica_id: -1,
        max_wait_ms: 0,
        min_bytes: 1,
        max_bytes: 1 << 20,
        session_epoch: -1,
        topics: vec![FetchRequestTopic {
            topic: TOPIC.to_string(),
            partitions: vec![FetchRequestPartition {
                partition,
                fetch_offset: 0,
                partition_max_bytes: 1 << 20,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// (error, high watermark) of the only partition of a fetch response.
fn fetch_status(response: &FetchResponse) -> (ErrorCode, i64) {
    let p = &response.responses[0].partitions[0];
    (p.error_code, p.high_watermark)
}

fn partition_of(metadata: &MetadataResponse, partition: i32) -> (i32, Vec<i32>) {
    let p = metadata.topics[0]
        .partitions
        .iter()
        .find(|p| p.partition_index == partition)
        .unwrap();
    let mut isr = p.isr_nodes.clone();
    isr.sort_unstable();
    (p.leader_id, isr)
}

fn three_brokers(zk: &TestZooKeeper, dir: &std::path::Path, lag_time_max_ms: &str) -> Vec<Broker> {
    let overrides = [
        ("default.replication.factor", "3"),
        ("num.partitions", "3"),
        ("replica.lag.time.max.ms", lag_time_max_ms),
    ];
    let mut brokers: Vec<Broker> = (1..=3)
        .map(|id| {
            let mut b = Broker::new(dir, &format!("b{id}"), &zk.connect_string(), &overrides);
            b.overrides.push(("broker.id".into(), id.to_string()));
            b
        })
        .collect();
    for b in &mut brokers {
        b.start();
    }
    brokers
}

/// One record stamped now: the harness's fixed 2023 timestamps would fall to the 7-day
/// retention while the test runs.
fn batch_now(value: &str) -> bytes::Bytes {
    let now_ms = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let records = RecordBatchBuilder::new()
        .append(now_ms, Some(b"k"), Some(value.as_bytes()), &[])
        .build()
        .unwrap();
    bytes::Bytes::from(records)
}

/// Index in the broker list of broker `id` (ids are 1..=3).
fn index_of(id: i32) -> usize {
    usize::try_from(id - 1).unwrap()
}

/// Produces 20 single-record batches with acks=all to every partition through its leader and
/// returns the acknowledged (offset, value) pairs by partition.
async fn produce_everywhere(
    brokers: &[Broker],
    metadata: &MetadataResponse,
) -> Vec<(i32, Vec<(i64, String)>)> {
    let mut acked_by_partition = Vec::new();
    for p in &metadata.topics[0].partitions {
        let connection = brokers[index_of(p.leader_id)].connect().await;
        let mut acked = Vec::new();
        for i in 0..20 {
            let value = format!("p{}-v{i}", p.partition_index);
            let response = connection
                .send(broker_harness::produce_request(
                    TOPIC,
                    p.partition_index,
                    -1,
                    batch_now(&value),
                ))
                .await
                .unwrap();
            assert_eq!(
                broker_harness::first_partition(&response),
                (ErrorCode::None, i)
            );
            acked.push((i, value));
        }
        acked_by_partition.push((p.partition_index, acked));
    }
    acked_by_partition
}

/// None once `partition` has a live leader, an ISR without `dead_id`, and its leader serves
/// every acknowledged record to a consumer; otherwise what is still wrong.
async fn still_failing(
    brokers: &[Broker],
    metadata: &MetadataResponse,
    dead_id: i32,
    partition: i32,
    acked: &[(i64, String)],
) -> Option<String> {
    let (leader_id, isr) = partition_of(metadata, partition);
    let state = format!("partition {partition}: leader {leader_id}, ISR {isr:?}");
    if leader_id < 0 || leader_id == dead_id || isr.contains(&dead_id) {
        return Some(state);
    }
    let response = brokers[index_of(leader_id)]
        .connect()
        .await
        .send(fetch_partition(partition))
        .await
        .unwrap();
    let (error, high_watermark) = fetch_status(&response);
    let served = fetched_values(&response);
    if error == ErrorCode::None && served == acked {
        return None;
    }
    Some(format!(
        "{state}, fetch {error} high watermark {high_watermark}, {} of {} records",
        served.len(),
        acked.len()
    ))
}

fn survives_the_loss_of(victim: Victim) {
    let Some(zk) = TestZooKeeper::start_or_skip() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // Killing the controller: a lag time far above FAILOVER_TIMEOUT, so that only the new
    // controller (not a leader's ISR shrink) can take the dead broker out of the ISRs in time.
    let lag_time_max_ms = match victim {
        Victim::LeaderOnly => "10000",
        Victim::ControllerAndLeader => "120000",
    };
    let mut brokers = three_brokers(&zk, tmp.path(), lag_time_max_ms);
    let rt = runtime();
    let (dead_id, acked) = rt.block_on(async {
        while brokers[0].wait_for_leaders(&[]).await.brokers.len() < 3 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Every partition fully replicated before producing, so acks=all means "on all three".
        let deadline = Instant::now() + Duration::from_secs(60);
        let metadata = loop {
            let m = brokers[0].wait_for_leaders(&[TOPIC]).await;
            if m.topics[0]
                .partitions
                .iter()
                .all(|p| p.isr_nodes.len() == 3)
            {
                break m;
            }
            assert!(Instant::now() < deadline, "ISR never full: {m:?}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let controller = metadata.controller_id;
        let target = metadata.topics[0]
            .partitions
            .iter()
            .find(|p| (p.leader_id == controller) == (victim == Victim::ControllerAndLeader))
            .unwrap_or_else(|| panic!("no partition for {victim:?}: {metadata:?}"));
        let dead_id = target.leader_id;
        (dead_id, produce_everywhere(&brokers, &metadata).await)
    });
    brokers[index_of(dead_id)].kill9();
    let survivor = &brokers[index_of(if dead_id == 1 { 2 } else { 1 })];
    let served = rt.block_on(async {
        let deadline = Instant::now() + FAILOVER_TIMEOUT;
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let metadata = survivor.wait_for_leaders(&[TOPIC]).await;
            let mut failing = Vec::new();
            for (partition, records) in &acked {
                if let Some(why) =
                    still_failing(&brokers, &metadata, dead_id, *partition, records).await
                {
                    failing.push(why);
                }
            }
            if failing.is_empty() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(failing.join("; "));
            }
        }
    });
    if let Err(failing) = served {
        for (i, b) in brokers.iter().enumerate() {
            if i != index_of(dead_id) {
                eprintln!("==== broker {}\n{}", i + 1, b.output());
            }
        }
        panic!("broker {dead_id} killed; not served in time: {failing}");
    }
}

#[test]
fn followers_serve_every_acknowledged_record_after_a_leader_is_killed() {
    survives_the_loss_of(Victim::LeaderOnly);
}

#[test]
fn followers_serve_every_acknowledged_record_after_the_controller_is_killed() {
    survives_the_loss_of(Victim::ControllerAndLeader);
}
