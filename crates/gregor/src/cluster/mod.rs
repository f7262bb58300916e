//! The broker's knowledge of the cluster: the [`MetadataCache`] (filled only by the
//! controller's UpdateMetadata) and the [`Partition`]s hosted here (role, leader epoch, ISR,
//! high watermark; changed by LeaderAndIsr). Nothing here does I/O.

pub mod metadata_cache;
pub mod partition;

pub use metadata_cache::{BrokerEndpoint, CachedBroker, CachedPartition, MetadataCache};
pub use partition::{FollowerUpdate, IsrChange, Partition, PartitionState};
