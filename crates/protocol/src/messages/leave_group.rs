//! LeaveGroup (key 13), versions 0–4, flexible from 4 (§4.15).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// A member leaving (v3+).
    MemberIdentity {
        /// Member id.
        member_id: String = (3..),
        /// Static id.
        group_instance_id: Option<String> = (3.., null: 3.., def: None),
    }
}

message! {
    /// Leaves a group.
    LeaveGroupRequest {
        /// Group.
        group_id: String = (0..),
        /// The single member leaving (v0–2).
        member_id: String = (0..=2),
        /// Members leaving (v3+).
        members: Vec<MemberIdentity> = (3.., strict: true),
    }
}

message! {
    /// Result for one leaving member (v3+).
    MemberResponse {
        /// Member id.
        member_id: String = (3..),
        /// Static id.
        group_instance_id: Option<String> = (3.., null: 3.., def: None),
        /// Per-member error.
        error_code: ErrorCode = (3..),
    }
}

message! {
    /// Leave results.
    LeaveGroupResponse {
        /// Quota throttle (v1+).
        throttle_time_ms: i32 = (1..),
        /// Top-level error.
        error_code: ErrorCode = (0..),
        /// Per member (v3+).
        members: Vec<MemberResponse> = (3..),
    }
}

api_message!(LeaveGroupRequest => LeaveGroup, LeaveGroupResponse => LeaveGroup);
