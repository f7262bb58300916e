//! FindCoordinator (key 10), versions 0–3, flexible from 3 (§4.11).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Finds the coordinator of a group or transactional id.
    FindCoordinatorRequest {
        /// Group id or transactional id.
        key: String = (0..),
        /// 0 GROUP, 1 TRANSACTION (v1+; v0 can only look up groups).
        key_type: i8 = (1.., strict: true),
    }
}

message! {
    /// The coordinator.
    FindCoordinatorResponse {
        /// Quota throttle (v1+).
        throttle_time_ms: i32 = (1..),
        /// Error.
        error_code: ErrorCode = (0..),
        /// Error text; 2.4.1 writes "NONE" on success (v1+).
        error_message: Option<String> = (1.., null: 1.., def: None),
        /// Coordinator broker id.
        node_id: i32 = (0..),
        /// Coordinator host.
        host: String = (0..),
        /// Coordinator port.
        port: i32 = (0..),
    }
}

api_message!(FindCoordinatorRequest => FindCoordinator, FindCoordinatorResponse => FindCoordinator);
