//! ListGroups (key 16), versions 0–3, flexible from 3 (§4.19).

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Lists the groups this broker coordinates (no fields).
    ListGroupsRequest {}
}

message! {
    /// One group.
    ListedGroup {
        /// Group id.
        group_id: String = (0..),
        /// Protocol type.
        protocol_type: String = (0..),
    }
}

message! {
    /// The groups.
    ListGroupsResponse {
        /// Quota throttle (v1+).
        throttle_time_ms: i32 = (1..),
        /// Error.
        error_code: ErrorCode = (0..),
        /// Groups.
        groups: Vec<ListedGroup> = (0..),
    }
}

api_message!(ListGroupsRequest => ListGroups, ListGroupsResponse => ListGroups);
