//! Shared harness of the broker's process tests: a real ZooKeeper (TestZooKeeper) and the real
//! `gregor` binary started with `kafka-server-start` on free loopback ports, temp log dirs,
//! stdout captured line by line so tests can wait for Kafka's log lines. Brokers can be
//! stopped with SIGTERM, killed with SIGKILL and restarted on the same dirs and port.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use gregor_client::{BrokerConnection, ConnectionConfig};
use gregor_protocol::records::{batches, Compression, RecordBatchBuilder};
use gregor_protocol::{
    ErrorCode, FetchRequest, FetchRequestPartition, FetchRequestTopic, FetchResponse,
    MetadataRequest, MetadataRequestTopic, MetadataResponse, ProduceRequest,
    ProduceRequestPartition, ProduceRequestTopic, ProduceResponse, RecordsData,
};

/// How long a broker may take to log `started` (debug builds on a loaded 2-core machine).
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One broker process.
pub struct Broker {
    /// Holds server.properties, the log dir and the log4j files.
    pub dir: PathBuf,
    /// PLAINTEXT port on 127.0.0.1.
    pub port: u16,
    /// `zookeeper.connect`.
    pub zk_connect: String,
    /// Extra `--override` pairs.
    pub overrides: Vec<(String, String)>,
    /// The running process, if any.
    child: Option<Child>,
    /// Every stdout line so far.
    lines: Arc<Mutex<Vec<String>>>,
    /// Signalled for each new line.
    new_line: Option<mpsc::Receiver<()>>,
}

impl Broker {
    /// Prepares (does not start) a broker with its own dir under `parent`.
    pub fn new(parent: &Path, name: &str, zk_connect: &str, overrides: &[(&str, &str)]) -> Broker {
        let dir = parent.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        Broker {
            dir,
            port: free_port(),
            zk_connect: zk_connect.to_string(),
            overrides: overrides
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            child: None,
            lines: Arc::new(Mutex::new(Vec::new())),
            new_line: None,
        }
    }

    /// The log dir.
    pub fn log_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Spawns the process (does not wait for start-up).
    pub fn spawn(&mut self) {
        let props = self.dir.join("server.properties");
        let mut text = format!(
            "broker.id=0\nlisteners=PLAINTEXT://127.0.0.1:{}\nlog.dirs={}\nzookeeper.connect={}\n\
             zookeeper.connection.timeout.ms=10000\nzookeeper.session.timeout.ms=4000\noffsets.topic.replication.factor=1\n\
             num.partitions=1\ncontrolled.shutdown.retry.backoff.ms=100\n",
            self.port,
            self.log_dir().display(),
            self.zk_connect
        );
        for (k, v) in &self.overrides {
            text.push_str(&format!("{k}={v}\n"));
        }
        std::fs::write(&props, text).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_gregor"))
            .arg("kafka-server-start")
            .arg(&props)
            .env("LOG_DIR", self.dir.join("logs"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::clone(&self.lines);
        lines.lock().unwrap().clear();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
                let _ = tx.send(());
            }
        });
        self.new_line = Some(rx);
        self.child = Some(child);
    }

    /// Spawns and waits for `[KafkaServer id=N] started`; panics with the output otherwise.
    pub fn start(&mut self) {
        self.spawn();
        if self
            .wait_for_line("] started (kafka.server.KafkaServer)", START_TIMEOUT)
            .is_none()
        {
            panic!("broker did not start:\n{}", self.output());
        }
    }

    /// Waits until a stdout line contains `needle` (None if the process ended or time ran out).
    pub fn wait_for_line(&mut self, needle: &str, timeout: Duration) -> Option<String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(line) = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.contains(needle))
            {
                return Some(line.clone());
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            match self.new_line.as_ref()?.recv_timeout(left) {
                Ok(()) => {}
                Err(mpsc::RecvTimeoutError::Timeout) => return None,
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    return self
                        .lines
                        .lock()
                        .unwrap()
                        .iter()
                        .find(|l| l.contains(needle))
                        .cloned()
                }
            }
        }
    }

    /// Everything logged so far.
    pub fn output(&self) -> String {
        self.lines.lock().unwrap().join("\n")
    }

    /// Waits for the process to exit by itself.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let child = self.child.as_mut()?;
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                // Let the reader thread drain the pipe.
                while let Some(rx) = &self.new_line {
                    if rx.recv_timeout(Duration::from_secs(5)).is_err() {
                        break;
                    }
                }
                self.child = None;
                return Some(status);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM (kafka-server-stop.sh) and wait for exit.
    pub fn terminate(&mut self) -> ExitStatus {
        let pid = self.child.as_ref().expect("not running").id();
        let status = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.wait_exit(Duration::from_secs(60))
            .unwrap_or_else(|| panic!("broker did not stop:\n{}", self.output()))
    }

    /// Sends a signal (`STOP`, `CONT`, ...) to the process.
    pub fn signal(&self, name: &str) {
        let pid = self.child.as_ref().expect("not running").id();
        let status = Command::new("kill")
            .args([&format!("-{name}"), &pid.to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// A connection with negotiated versions.
    pub async fn connect(&self) -> BrokerConnection {
        BrokerConnection::connect(&self.addr(), ConnectionConfig::default())
            .await
            .unwrap()
    }

    /// Sends Metadata for `topics` until every partition has a leader (the controller elected
    /// one and its UpdateMetadata arrived); the first request auto-creates missing topics.
    pub async fn wait_for_leaders(&self, topics: &[&str]) -> MetadataResponse {
        let connection = self.connect().await;
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let request = MetadataRequest {
                topics: Some(
                    topics
                        .iter()
                        .map(|t| MetadataRequestTopic {
                            name: t.to_string(),
                            ..Default::default()
                        })
                        .collect(),
                ),
                allow_auto_topic_creation: true,
                ..Default::default()
            };
            let response = connection.send(request).await.unwrap();
            let ready = response.topics.iter().all(|t| {
                t.error_code == gregor_protocol::ErrorCode::None
                    && !t.partitions.is_empty()
                    && t.partitions.iter().all(|p| p.leader_id >= 0)
            });
            if ready {
                return response;
            }
            assert!(
                Instant::now() < deadline,
                "no leaders for {topics:?}: {response:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Waits until `/brokers/ids/<id>` is gone: after kill -9 the old session's ephemeral znode
/// stays until ZooKeeper expires the session, and a restart before that fails exactly like
/// Kafka's (NODEEXISTS).
pub async fn wait_until_unregistered(zk_connect: &str, broker_id: i32) {
    let client = gregor_zk::KafkaZkClient::connect(zk_connect, 10_000, 10_000)
        .await
        .unwrap();
    let deadline = Instant::now() + START_TIMEOUT;
    while client.get_broker(broker_id).await.unwrap().is_some() {
        assert!(
            Instant::now() < deadline,
            "broker {broker_id} still registered"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill9();
    }
}

// ---- Requests and records used by several test files

/// A multi-thread runtime for a test.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

pub fn batch(values: &[&str], compression: Compression) -> Bytes {
    let mut builder = RecordBatchBuilder::new().compression(compression);
    for (i, v) in values.iter().enumerate() {
        builder = builder.append(
            1_700_000_000_000 + i as i64,
            Some(b"k"),
            Some(v.as_bytes()),
            &[],
        );
    }
    Bytes::from(builder.build().unwrap())
}

pub fn produce_request(topic: &str, partition: i32, acks: i16, records: Bytes) -> ProduceRequest {
    ProduceRequest {
        acks,
        timeout_ms: 30_000,
        topics: vec![ProduceRequestTopic {
            name: topic.to_string(),
            partitions: vec![ProduceRequestPartition {
                partition_index: partition,
                records: Some(records),
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

pub fn first_partition(response: &ProduceResponse) -> (ErrorCode, i64) {
    let p = &response.responses[0].partitions[0];
    (p.error_code, p.base_offset)
}

pub fn fetch_request(topic: &str, offset: i64, max_wait_ms: i32) -> FetchRequest {
    FetchRequest {
        replica_id: -1,
        max_wait_ms,
        min_bytes: 1,
        max_bytes: 1 << 20,
        session_epoch: -1,
        topics: vec![FetchRequestTopic {
            topic: topic.to_string(),
            partitions: vec![FetchRequestPartition {
                partition: 0,
                fetch_offset: offset,
                partition_max_bytes: 1 << 20,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// Values of every record in a Fetch response (magic 2 only).
pub fn fetched_values(response: &FetchResponse) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    for topic in &response.responses {
        for p in &topic.partitions {
            let Some(RecordsData::Bytes(bytes)) = &p.records else {
                continue;
            };
            for batch in batches(bytes) {
                let Ok(batch) = batch else { break };
                for record in batch.records(1 << 26).unwrap().iter() {
                    let record = record.unwrap();
                    let value = String::from_utf8(record.value.unwrap().to_vec()).unwrap();
                    out.push((record.offset, value));
                }
            }
        }
    }
    out
}

pub async fn produce(
    connection: &BrokerConnection,
    topic: &str,
    acks: i16,
    values: &[&str],
) -> (ErrorCode, i64) {
    let response = connection
        .send(produce_request(
            topic,
            0,
            acks,
            batch(values, Compression::None),
        ))
        .await
        .unwrap();
    first_partition(&response)
}
