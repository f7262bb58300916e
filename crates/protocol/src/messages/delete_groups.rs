//! DeleteGroups (key 42), versions 0–2, flexible from 2 (§4.20).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Deletes groups.
    DeleteGroupsRequest {
        /// Groups to delete.
        groups_names: Vec<String> = (0..),
    }
}

message! {
    /// Result for one group.
    DeletableGroupResult {
        /// Group.
        group_id: String = (0..),
        /// Error.
        error_code: ErrorCode = (0..),
    }
}

message! {
    /// Deletion results.
    DeleteGroupsResponse {
        /// Quota throttle.
        throttle_time_ms: i32 = (0..),
        /// Per group.
        results: Vec<DeletableGroupResult> = (0..),
    }
}

api_message!(DeleteGroupsRequest => DeleteGroups, DeleteGroupsResponse => DeleteGroups);
