//! InitProducerId (key 22), versions 0–2, flexible from 2 (§4.21).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Obtains a producer id (idempotent or transactional producers).
    InitProducerIdRequest {
        /// Transactional id, null for idempotent-only producers.
        transactional_id: Option<String> = (0.., null: 0..),
        /// Transaction timeout.
        transaction_timeout_ms: i32 = (0..),
    }
}

message! {
    /// The producer id.
    InitProducerIdResponse {
        /// Quota throttle.
        throttle_time_ms: i32 = (0..),
        /// Error.
        error_code: ErrorCode = (0..),
        /// Producer id, -1 on error.
        producer_id: i64 = (0.., def: -1),
        /// Producer epoch.
        producer_epoch: i16 = (0..),
    }
}

api_message!(InitProducerIdRequest => InitProducerId, InitProducerIdResponse => InitProducerId);
