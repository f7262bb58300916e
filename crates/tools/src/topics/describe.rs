//! What kafka-topics `--describe` prints (Kafka 2.4's `TopicDescription`, `PartitionDescription`
//! and `DescribeOptions`): the topic line, the partition lines, and which of them the report
//! flags select. Shared by both modes.

use std::collections::BTreeSet;

use super::options::ParsedOptions;
use gregor_zk::admin::{PartitionDescription, TopicDescription};

/// Which lines `--describe` prints (Kafka's `DescribeOptions`).
#[derive(Debug, Clone, Copy, Default)]
pub struct DescribeFilters {
    /// `--under-replicated-partitions`: ISR smaller than the replica list.
    pub under_replicated: bool,
    /// `--unavailable-partitions`: no leader, or a leader that is not registered.
    pub unavailable: bool,
    /// `--topics-with-overrides`: only topic lines, only of topics with overrides.
    pub topics_with_overrides: bool,
    /// `--under-min-isr-partitions` (bootstrap mode): no leader, or ISR below `min.insync.replicas`.
    pub under_min_isr: bool,
    /// `--at-min-isr-partitions` (bootstrap mode): ISR exactly `min.insync.replicas`.
    pub at_min_isr: bool,
}

impl DescribeFilters {
    /// The filters given on the command line.
    pub fn new(options: &ParsedOptions) -> DescribeFilters {
        DescribeFilters {
            under_replicated: options.has("under-replicated-partitions"),
            unavailable: options.has("unavailable-partitions"),
            topics_with_overrides: options.has("topics-with-overrides"),
            under_min_isr: options.has("under-min-isr-partitions"),
            at_min_isr: options.has("at-min-isr-partitions"),
        }
    }

    /// The lines of one topic: the topic line unless a partition filter is on, then the
    /// matching partition lines unless `--topics-with-overrides`. `min_isr` is the topic's
    /// `min.insync.replicas` (known in bootstrap mode only).
    pub fn render(
        &self,
        topic: &TopicDescription,
        live_brokers: &BTreeSet<i32>,
        min_isr: Option<usize>,
    ) -> String {
        let mut text = String::new();
        let marked = if topic.marked_for_deletion {
            "\tMarkedForDeletion: true"
        } else {
            ""
        };
        let describe_configs =
            !self.under_replicated && !self.unavailable && !self.under_min_isr && !self.at_min_isr;
        if describe_configs && (!self.topics_with_overrides || !topic.configs.is_empty()) {
            let configs: Vec<String> = topic
                .configs
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect();
            let replication_factor = topic.partitions.first().map_or(0, |p| p.replicas.len());
            text.push_str(&format!(
                "Topic: {}\tPartitionCount: {}\tReplicationFactor: {replication_factor}\tConfigs: {}{marked}\n",
                topic.topic,
                topic.partitions.len(),
                configs.join(",")
            ));
        }
        if self.topics_with_overrides {
            return text;
        }
        for partition in &topic.partitions {
            if describe_configs || self.selects(partition, live_brokers, min_isr) {
                text.push_str(&partition_line(&topic.topic, partition, marked));
            }
        }
        text
    }

    fn selects(
        &self,
        partition: &PartitionDescription,
        live_brokers: &BTreeSet<i32>,
        min_isr: Option<usize>,
    ) -> bool {
        let under_replicated = partition.isr.len() < partition.replicas.len();
        let unavailable = match partition.leader {
            Some(leader) => !live_brokers.contains(&leader),
            None => true,
        };
        let under_min_isr =
            partition.leader.is_none() || min_isr.is_some_and(|min| partition.isr.len() < min);
        let at_min_isr = min_isr == Some(partition.isr.len());
        (self.under_replicated && under_replicated)
            || (self.unavailable && unavailable)
            || (self.under_min_isr && under_min_isr)
            || (self.at_min_isr && at_min_isr)
    }
}

fn partition_line(topic: &str, partition: &PartitionDescription, marked: &str) -> String {
    let join = |ids: &[i32]| ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",");
    let leader = partition
        .leader
        .map_or("none".to_string(), |leader| leader.to_string());
    format!(
        "\tTopic: {topic}\tPartition: {}\tLeader: {leader}\tReplicas: {}\tIsr: {}{marked}\n",
        partition.partition,
        join(&partition.replicas),
        join(&partition.isr)
    )
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn topic(marked: bool, configs: &[(&str, &str)]) -> TopicDescription {
        TopicDescription {
            topic: "first".to_string(),
            configs: configs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
            marked_for_deletion: marked,
            partitions: vec![
                PartitionDescription {
                    partition: 0,
                    replicas: vec![1003, 1001, 1002],
                    leader: Some(1003),
                    isr: vec![1003, 1001, 1002],
                },
                PartitionDescription {
                    partition: 1,
                    replicas: vec![1001, 1002, 1003],
                    leader: None,
                    isr: vec![],
                },
            ],
        }
    }

    #[test]
    fn describe_prints_kafkas_lines() {
        let live = BTreeSet::from([1001, 1002, 1003]);
        let text = DescribeFilters::default().render(&topic(false, &[]), &live, None);
        assert_eq!(
            text,
            "Topic: first\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: \n\
             \tTopic: first\tPartition: 0\tLeader: 1003\tReplicas: 1003,1001,1002\tIsr: 1003,1001,1002\n\
             \tTopic: first\tPartition: 1\tLeader: none\tReplicas: 1001,1002,1003\tIsr: \n"
        );
        let text =
            DescribeFilters::default().render(&topic(true, &[("a", "1"), ("b", "2")]), &live, None);
        assert!(text.starts_with("Topic: first\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: a=1,b=2\tMarkedForDeletion: true\n"));
        assert!(text.ends_with("Isr: \tMarkedForDeletion: true\n"));
    }

    #[test]
    fn filters_select_partitions_and_hide_the_topic_line() {
        let live = BTreeSet::from([1001, 1002]);
        let under = DescribeFilters {
            under_replicated: true,
            ..DescribeFilters::default()
        };
        assert_eq!(
            under.render(&topic(false, &[]), &live, None),
            "\tTopic: first\tPartition: 1\tLeader: none\tReplicas: 1001,1002,1003\tIsr: \n"
        );
        // Leader 1003 is not registered: unavailable, as is the leaderless partition.
        let unavailable = DescribeFilters {
            unavailable: true,
            ..DescribeFilters::default()
        };
        assert_eq!(
            unavailable
                .render(&topic(false, &[]), &live, None)
                .lines()
                .count(),
            2
        );
        let overrides = DescribeFilters {
            topics_with_overrides: true,
            ..DescribeFilters::default()
        };
        assert_eq!(overrides.render(&topic(false, &[]), &live, None), "");
        assert_eq!(
            overrides
                .render(&topic(false, &[("a", "1")]), &live, None)
                .lines()
                .count(),
            1
        );
    }
}
