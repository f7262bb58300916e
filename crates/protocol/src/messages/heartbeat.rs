//! Heartbeat (key 12), versions 0–4, flexible from 4 (§4.14).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Keeps a member alive.
    HeartbeatRequest {
        /// Group.
        group_id: String = (0..),
        /// Current generation.
        generation_id: i32 = (0..),
        /// Member.
        member_id: String = (0..),
        /// Static id (v3+).
        group_instance_id: Option<String> = (3.., null: 3.., def: None, strict: true),
    }
}

message! {
    /// Heartbeat result.
    HeartbeatResponse {
        /// Quota throttle (v1+).
        throttle_time_ms: i32 = (1..),
        /// Error (27 = rejoin).
        error_code: ErrorCode = (0..),
    }
}

api_message!(HeartbeatRequest => Heartbeat, HeartbeatResponse => Heartbeat);
