//! `/admin/delete_topics/<topic>`: a request to delete a topic (Kafka's `DeleteTopicsTopicZNode`).
//!
//! * Path: `/admin/delete_topics/<topic>`, persistent, **no data** (Kafka creates it with null
//!   data; readers must not expect any).
//! * Written by: `kafka-topics --zookeeper --delete`, the DeleteTopics API handler (which refuses
//!   up front when `delete.topic.enable=false`).
//! * Read by: the controller's child watch on `/admin/delete_topics`; it deletes the znode when
//!   the topic is gone, or at once when deletion is disabled or the topic does not exist.
//! * After a crash: the request stays until a controller completes it; a new controller resumes
//!   pending deletions at failover.

use crate::paths::delete_topic_path;

/// A pending deletion of `topic`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteTopicRequest {
    /// The topic to delete.
    pub topic: String,
}

impl DeleteTopicRequest {
    /// `/admin/delete_topics/<topic>`.
    pub fn path(&self) -> String {
        delete_topic_path(&self.topic)
    }

    /// The znode carries no data.
    pub fn encode(&self) -> Vec<u8> {
        Vec::new()
    }

    /// The request named by a child of `/admin/delete_topics`; any data is ignored, as in Kafka.
    pub fn from_child_name(child: &str) -> DeleteTopicRequest {
        DeleteTopicRequest {
            topic: child.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_and_empty_data() {
        let request = DeleteTopicRequest::from_child_name("first");
        assert_eq!(request.path(), "/admin/delete_topics/first");
        assert!(request.encode().is_empty());
    }
}
