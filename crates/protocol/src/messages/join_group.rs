//! JoinGroup (key 11), versions 0–6, flexible from 6 (§4.12).

use bytes::Bytes;

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// A supported assignment protocol.
    JoinGroupRequestProtocol {
        /// Protocol (assignor) name.
        name: String = (0..),
        /// Opaque protocol metadata.
        metadata: Bytes = (0..),
    }
}

message! {
    /// Joins (or rejoins) a consumer group.
    JoinGroupRequest {
        /// Group.
        group_id: String = (0..),
        /// Session timeout.
        session_timeout_ms: i32 = (0..),
        /// Rebalance timeout (v1+).
        rebalance_timeout_ms: i32 = (1.., def: -1),
        /// Member id, "" on first join.
        member_id: String = (0..),
        /// Static membership id (v5+).
        group_instance_id: Option<String> = (5.., null: 5.., def: None, strict: true),
        /// Protocol type, e.g. "consumer".
        protocol_type: String = (0..),
        /// Supported protocols in preference order.
        protocols: Vec<JoinGroupRequestProtocol> = (0..),
    }
}

message! {
    /// A group member (leader's response only).
    JoinGroupResponseMember {
        /// Member id.
        member_id: String = (0..),
        /// Static id (v5+).
        group_instance_id: Option<String> = (5.., null: 5.., def: None),
        /// Protocol metadata.
        metadata: Bytes = (0..),
    }
}

message! {
    /// Result of a join.
    JoinGroupResponse {
        /// Quota throttle (v2+).
        throttle_time_ms: i32 = (2..),
        /// Error.
        error_code: ErrorCode = (0..),
        /// Generation, -1 on error.
        generation_id: i32 = (0.., def: -1),
        /// Chosen protocol ("" on error).
        protocol_name: String = (0..),
        /// Leader member id.
        leader: String = (0..),
        /// This member's id.
        member_id: String = (0..),
        /// Members (leader only).
        members: Vec<JoinGroupResponseMember> = (0..),
    }
}

api_message!(JoinGroupRequest => JoinGroup, JoinGroupResponse => JoinGroup);
