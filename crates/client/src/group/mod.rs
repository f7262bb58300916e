//! Consumer groups from the client's side (§6): finding a group's coordinator, being a member
//! of a group as Kafka 2.4's Java consumer is (join, sync with the `range` assignor, heartbeat,
//! leave), committing and fetching offsets, and the admin calls the tools need (describe, list,
//! delete). The broker-side coordinator lives elsewhere; this module only speaks to it.
//!
//! * `protocol`: the consumer's embedded Subscription/Assignment bytes (pure);
//! * `assignor`: the `range` assignor (pure);
//! * `coordinator`: FindCoordinator, the coordinator cache and the shared retry rule;
//! * `admin`: OffsetCommit, OffsetFetch, DescribeGroups, ListGroups, DeleteGroups;
//! * `member` and `heartbeat`: [`GroupMember`].

mod admin;
mod assignor;
mod coordinator;
mod heartbeat;
mod member;
mod protocol;

pub use admin::{GroupDescription, ListedGroup, MemberDescription, PartitionOffsets};
pub use assignor::{range_assign, MemberSubscription, RANGE_ASSIGNOR_NAME};
pub use coordinator::GROUP_KEY_TYPE;
pub use member::{Generation, GroupMember, MemberConfig};
pub use protocol::{
    Assignment, EmbeddedProtocolError, Subscription, TopicPartitions, CONSUMER_PROTOCOL_TYPE,
    CONSUMER_PROTOCOL_VERSION,
};
