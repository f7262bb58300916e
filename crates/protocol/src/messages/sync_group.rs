//! SyncGroup (key 14), versions 0–4, flexible from 4 (§4.13).

use bytes::Bytes;

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// The leader's assignment for one member.
    SyncGroupRequestAssignment {
        /// Target member.
        member_id: String = (0..),
        /// Opaque assignment.
        assignment: Bytes = (0..),
    }
}

message! {
    /// Distributes (leader) or fetches (followers) assignments.
    SyncGroupRequest {
        /// Group.
        group_id: String = (0..),
        /// Generation from JoinGroup.
        generation_id: i32 = (0..),
        /// Member.
        member_id: String = (0..),
        /// Static id (v3+).
        group_instance_id: Option<String> = (3.., null: 3.., def: None, strict: true),
        /// Assignments (leader only).
        assignments: Vec<SyncGroupRequestAssignment> = (0..),
    }
}

message! {
    /// This member's assignment.
    SyncGroupResponse {
        /// Quota throttle (v1+).
        throttle_time_ms: i32 = (1..),
        /// Error.
        error_code: ErrorCode = (0..),
        /// Assignment (empty on error).
        assignment: Bytes = (0..),
    }
}

api_message!(SyncGroupRequest => SyncGroup, SyncGroupResponse => SyncGroup);
