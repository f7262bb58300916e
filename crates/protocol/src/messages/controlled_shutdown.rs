//! ControlledShutdown (key 7), versions 0–3, flexible from 3 (§4.27). v0 requests use request
//! header v0 (no client id). Broker → controller only.

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Asks the controller to move leadership away before shutdown.
    ControlledShutdownRequest {
        /// Broker that wants to shut down.
        broker_id: i32 = (0..),
        /// Its broker epoch (v2+).
        broker_epoch: i64 = (2.., def: -1),
    }
}

message! {
    /// A partition the broker still leads.
    RemainingPartition {
        /// Topic.
        topic_name: String = (0..),
        /// Partition.
        partition_index: i32 = (0..),
    }
}

message! {
    /// ControlledShutdown result.
    ControlledShutdownResponse {
        /// Error.
        error_code: ErrorCode = (0..),
        /// Partitions still led by the broker.
        remaining_partitions: Vec<RemainingPartition> = (0..),
    }
}

api_message!(
    ControlledShutdownRequest => ControlledShutdown,
    ControlledShutdownResponse => ControlledShutdown,
);
