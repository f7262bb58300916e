//! The `range` assignor (§6.5, Kafka's `RangeAssignor`), run by the group leader on the members'
//! subscriptions and the partition counts it knows from metadata. Pure code, no I/O.
//!
//! Per topic, independently: the members subscribed to it are ordered (static members first by
//! `group.instance.id`, then the rest by member id); with `P` partitions and `C` members, member
//! `i` gets the contiguous range starting at `P/C * i + min(i, P%C)` of length
//! `P/C + (1 if i < P%C)`. Topics the leader's metadata does not know are skipped.

use std::collections::BTreeMap;

use super::protocol::TopicPartitions;

/// Name of this assignor in JoinGroup (`partition.assignment.strategy` default in 2.4).
pub const RANGE_ASSIGNOR_NAME: &str = "range";

/// One member as the leader sees it in the JoinGroup response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberSubscription {
    /// The coordinator-assigned member id.
    pub member_id: String,
    /// `group.instance.id` of a static member.
    pub group_instance_id: Option<String>,
    /// Topics it subscribed to.
    pub topics: Vec<String>,
}

/// Assigns the partitions of every subscribed topic. `partitions_per_topic` holds the counts of
/// the topics metadata knows; every member gets an entry, possibly empty.
pub fn range_assign(
    partitions_per_topic: &BTreeMap<String, i32>,
    members: &[MemberSubscription],
) -> BTreeMap<String, TopicPartitions> {
    let mut assignment: BTreeMap<String, TopicPartitions> = members
        .iter()
        .map(|member| (member.member_id.clone(), TopicPartitions::new()))
        .collect();
    for (topic, &partition_count) in partitions_per_topic {
        let mut subscribers: Vec<&MemberSubscription> = members
            .iter()
            .filter(|member| member.topics.contains(topic))
            .collect();
        if subscribers.is_empty() || partition_count <= 0 {
            continue;
        }
        subscribers.sort_by(|a, b| member_order(a).cmp(&member_order(b)));
        let consumers = i32::try_from(subscribers.len()).unwrap_or(i32::MAX);
        let per_consumer = partition_count / consumers;
        let extra = partition_count % consumers;
        for (index, member) in (0..).zip(subscribers) {
            let start = per_consumer * index + index.min(extra);
            let length = per_consumer + i32::from(index < extra);
            if length == 0 {
                continue;
            }
            assignment
                .entry(member.member_id.clone())
                .or_default()
                .insert(topic.clone(), (start..start + length).collect());
        }
    }
    assignment
}

/// Static members (with an instance id) sort before dynamic ones; each kind by its id.
fn member_order(member: &MemberSubscription) -> (bool, &str) {
    match &member.group_instance_id {
        Some(instance) => (false, instance.as_str()),
        None => (true, member.member_id.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, topics: &[&str]) -> MemberSubscription {
        MemberSubscription {
            member_id: id.to_string(),
            group_instance_id: None,
            topics: topics.iter().map(|t| t.to_string()).collect(),
        }
    }

    fn counts(topics: &[(&str, i32)]) -> BTreeMap<String, i32> {
        topics.iter().map(|(t, n)| (t.to_string(), *n)).collect()
    }

    fn partitions(entries: &[(&str, &[i32])]) -> TopicPartitions {
        entries
            .iter()
            .map(|(t, ids)| (t.to_string(), ids.to_vec()))
            .collect()
    }

    #[test]
    fn reference_example_two_members_two_topics_of_three() {
        // §6.5: C0 gets [t0-0, t0-1, t1-0, t1-1], C1 gets [t0-2, t1-2].
        let members = [member("C1", &["t0", "t1"]), member("C0", &["t0", "t1"])];
        let result = range_assign(&counts(&[("t0", 3), ("t1", 3)]), &members);
        assert_eq!(
            result["C0"],
            partitions(&[("t0", &[0, 1]), ("t1", &[0, 1])])
        );
        assert_eq!(result["C1"], partitions(&[("t0", &[2]), ("t1", &[2])]));
    }

    #[test]
    fn more_members_than_partitions_leaves_the_last_ones_empty() {
        let members = [
            member("a", &["t"]),
            member("b", &["t"]),
            member("c", &["t"]),
        ];
        let result = range_assign(&counts(&[("t", 2)]), &members);
        assert_eq!(result["a"], partitions(&[("t", &[0])]));
        assert_eq!(result["b"], partitions(&[("t", &[1])]));
        assert!(result["c"].is_empty(), "every member still gets an entry");
    }

    #[test]
    fn each_topic_counts_only_its_own_subscribers_and_unknown_topics_are_skipped() {
        let members = [member("a", &["x", "y"]), member("b", &["y", "gone"])];
        let result = range_assign(&counts(&[("x", 2), ("y", 5)]), &members);
        assert_eq!(
            result["a"],
            partitions(&[("x", &[0, 1]), ("y", &[0, 1, 2])])
        );
        assert_eq!(result["b"], partitions(&[("y", &[3, 4])]));
    }

    #[test]
    fn static_members_come_first_ordered_by_instance_id() {
        let mut static_b = member("zzz", &["t"]);
        static_b.group_instance_id = Some("b".to_string());
        let mut static_a = member("yyy", &["t"]);
        static_a.group_instance_id = Some("a".to_string());
        let members = [member("aaa", &["t"]), static_b, static_a];
        let result = range_assign(&counts(&[("t", 3)]), &members);
        assert_eq!(result["yyy"], partitions(&[("t", &[0])]));
        assert_eq!(result["zzz"], partitions(&[("t", &[1])]));
        assert_eq!(result["aaa"], partitions(&[("t", &[2])]));
    }
}
