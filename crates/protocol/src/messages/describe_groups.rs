//! DescribeGroups (key 15), versions 0–5, flexible from 5 (§4.18).

use bytes::Bytes;

use crate::error_code::ErrorCode;
use crate::macros::{api_message, message};

message! {
    /// Describes consumer groups.
    DescribeGroupsRequest {
        /// Group ids.
        groups: Vec<String> = (0..),
        /// Fill `authorized_operations` (v3+).
        include_authorized_operations: bool = (3..),
    }
}

message! {
    /// A group member.
    DescribedGroupMember {
        /// Member id.
        member_id: String = (0..),
        /// Static id (v4+).
        group_instance_id: Option<String> = (4.., null: 4.., def: None),
        /// Client id.
        client_id: String = (0..),
        /// Client address, e.g. "/1.2.3.4".
        client_host: String = (0..),
        /// Protocol metadata (Stable only).
        member_metadata: Bytes = (0..),
        /// Assignment (Stable only).
        member_assignment: Bytes = (0..),
    }
}

message! {
    /// One group.
    DescribedGroup {
        /// Per-group error.
        error_code: ErrorCode = (0..),
        /// Group id.
        group_id: String = (0..),
        /// State name.
        group_state: String = (0..),
        /// Protocol type.
        protocol_type: String = (0..),
        /// Chosen protocol.
        protocol_data: String = (0..),
        /// Members.
        members: Vec<DescribedGroupMember> = (0..),
        /// Allowed operations bit field (v3+).
        authorized_operations: i32 = (3.., def: i32::MIN),
    }
}

message! {
    /// Group descriptions.
    DescribeGroupsResponse {
        /// Quota throttle (v1+).
        throttle_time_ms: i32 = (1..),
        /// Groups.
        groups: Vec<DescribedGroup> = (0..),
    }
}

api_message!(DescribeGroupsRequest => DescribeGroups, DescribeGroupsResponse => DescribeGroups);
