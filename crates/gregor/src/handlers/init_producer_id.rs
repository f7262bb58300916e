//! InitProducerId (key 22), versions 0–2 (Kafka's `TransactionCoordinator.handleInitProducerId`
//! and `ProducerIdManager`).
//!
//! An idempotent producer (null transactional id) gets the next id of this broker's block with
//! epoch 0. Blocks of 1000 ids are claimed from `/latest_producer_id_block` with a set
//! conditional on the znode version, retried when another broker claimed first (kafka-2.4.md
//! §1.2). Gregor has no transaction coordinator: a transactional id is answered as a broker
//! that owns no `__transaction_state` partition answers, NOT_COORDINATOR (after Kafka's checks
//! of an empty id, INVALID_REQUEST, and of the timeout, INVALID_TRANSACTION_TIMEOUT).

use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::sync::{Arc, OnceLock};

use gregor_network::{Outcome, RequestContext};
use gregor_protocol::{
    ErrorCode, InitProducerIdRequest, InitProducerIdResponse, RequestHeader, ResponseBody,
};
use gregor_zk::paths::PRODUCER_ID_BLOCK_PATH;
use gregor_zk::zookeeper_client as zk;
use gregor_zk::{KafkaZkClient, ProducerIdBlock};
use tokio::sync::Mutex;

use super::{respond, BrokerContext};

/// Served versions.
pub const VERSIONS: RangeInclusive<i16> = 0..=2;

/// How many times a claim is retried when other brokers keep winning the conditional set.
const MAX_CLAIM_ATTEMPTS: usize = 100;

/// One broker's current block and the next id to hand out.
#[derive(Debug, Default)]
struct Allocator {
    /// The claimed block, if any.
    block: Option<ProducerIdBlock>,
    /// Next id to return.
    next_id: i64,
}

/// Allocators by (ZooKeeper connect string, broker id): the state of Kafka's per-broker
/// `ProducerIdManager`, kept here because `BrokerContext` has no slot for it yet.
fn allocators() -> &'static Mutex<HashMap<(String, i32), Allocator>> {
    static ALLOCATORS: OnceLock<Mutex<HashMap<(String, i32), Allocator>>> = OnceLock::new();
    ALLOCATORS.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Answers with a producer id or the reason there is none.
pub async fn handle(
    broker: &Arc<BrokerContext>,
    _ctx: &RequestContext,
    _header: &RequestHeader,
    request: InitProducerIdRequest,
) -> Outcome {
    let (error_code, producer_id, producer_epoch) = match init_producer_id(broker, &request).await {
        Ok(id) => (ErrorCode::None, id, 0),
        Err(code) => (code, -1, -1),
    };
    respond(ResponseBody::InitProducerId(InitProducerIdResponse {
        error_code,
        producer_id,
        producer_epoch,
        ..InitProducerIdResponse::default()
    }))
}

/// The producer id for `request`, or the error code.
pub async fn init_producer_id(
    broker: &BrokerContext,
    request: &InitProducerIdRequest,
) -> Result<i64, ErrorCode> {
    if let Some(transactional_id) = &request.transactional_id {
        if transactional_id.is_empty() {
            return Err(ErrorCode::InvalidRequest);
        }
        let timeout_ms = request.transaction_timeout_ms;
        if timeout_ms <= 0 || timeout_ms > broker.config.transaction_max_timeout_ms {
            return Err(ErrorCode::InvalidTransactionTimeout);
        }
        return Err(ErrorCode::NotCoordinator);
    }
    let zk = broker.zk().ok_or(ErrorCode::CoordinatorNotAvailable)?;
    generate_producer_id(&zk, broker.broker_id).await.map_err(|e| {
        log::error!(target: "kafka.coordinator.transaction.ProducerIdManager", "[ProducerId Manager {}]: Failed to claim a producer id block: {e}", broker.broker_id);
        ErrorCode::UnknownServerError
    })
}

/// Kafka's `ProducerIdManager.generateProducerId`: the next id of the current block, claiming
/// a new block when it is used up.
pub async fn generate_producer_id(zk: &KafkaZkClient, broker_id: i32) -> Result<i64, zk::Error> {
    let mut all = allocators().lock().await;
    let allocator = all
        .entry((zk.connect_string().to_string(), broker_id))
        .or_default();
    let exhausted = allocator
        .block
        .map_or(true, |block| allocator.next_id > block.block_end);
    if exhausted {
        let block = claim_block(zk, broker_id).await?;
        log::info!(target: "kafka.coordinator.transaction.ProducerIdManager", "[ProducerId Manager {broker_id}]: Acquired new producerId block (brokerId:{broker_id},blockStartProducerId:{},blockEndProducerId:{}) by writing to Zk with path version", block.block_start, block.block_end);
        allocator.block = Some(block);
        allocator.next_id = block.block_start;
    }
    let id = allocator.next_id;
    allocator.next_id += 1;
    Ok(id)
}

/// Kafka's `ProducerIdManager` claims its first block when the broker starts; the broker's
/// start-up may call this so that `/latest_producer_id_block` looks the same as Kafka's.
pub async fn claim_first_block(zk: &KafkaZkClient, broker_id: i32) -> Result<(), zk::Error> {
    let mut all = allocators().lock().await;
    let allocator = all
        .entry((zk.connect_string().to_string(), broker_id))
        .or_default();
    if allocator.block.is_none() {
        let block = claim_block(zk, broker_id).await?;
        allocator.block = Some(block);
        allocator.next_id = block.block_start;
    }
    Ok(())
}

/// Claims the block after the latest one with a conditional set (create when the znode is
/// missing), retrying when another broker wins.
pub async fn claim_block(zk: &KafkaZkClient, broker_id: i32) -> Result<ProducerIdBlock, zk::Error> {
    let raw = zk.raw();
    for _ in 0..MAX_CLAIM_ATTEMPTS {
        match raw.get_data(PRODUCER_ID_BLOCK_PATH).await {
            Ok((data, stat)) => {
                let previous = ProducerIdBlock::decode(&data).map_err(|e| {
                    zk::Error::UnexpectedError(format!("{PRODUCER_ID_BLOCK_PATH}: {e}"))
                })?;
                let block = ProducerIdBlock::next_after(previous.as_ref(), broker_id);
                match raw
                    .set_data(PRODUCER_ID_BLOCK_PATH, &block.encode(), Some(stat.version))
                    .await
                {
                    Ok(_) => return Ok(block),
                    Err(zk::Error::BadVersion) => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(zk::Error::NoNode) => {
                let block = ProducerIdBlock::next_after(None, broker_id);
                let options = zk::CreateMode::Persistent.with_acls(zk::Acls::anyone_all());
                match raw
                    .create(PRODUCER_ID_BLOCK_PATH, &block.encode(), &options)
                    .await
                {
                    Ok(_) => return Ok(block),
                    Err(zk::Error::NodeExists) => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
    Err(zk::Error::UnexpectedError(format!(
        "could not claim a producer id block after {MAX_CLAIM_ATTEMPTS} attempts"
    )))
}
