//! The describe tables against hand-laid-out Kafka 2.4 output.

use gregor_client::group::{Assignment, GroupDescription, MemberDescription, TopicPartitions};
use gregor_client::Coordinator;

use super::*;

fn member(id: &str, partitions: &[(&str, &[i32])]) -> MemberDescription {
    let partitions: TopicPartitions = partitions
        .iter()
        .map(|(topic, ids)| (topic.to_string(), ids.to_vec()))
        .collect();
    MemberDescription {
        member_id: id.to_string(),
        group_instance_id: None,
        client_id: "consumer-g-1".to_string(),
        client_host: "/127.0.0.1".to_string(),
        assignment: Assignment {
            partitions,
            user_data: None,
        },
    }
}

fn group(members: Vec<MemberDescription>) -> GroupDescription {
    GroupDescription {
        group_id: "g".to_string(),
        state: "Stable".to_string(),
        protocol_type: "consumer".to_string(),
        protocol: "range".to_string(),
        members,
        coordinator: Coordinator {
            node_id: 0,
            host: "127.0.0.1".to_string(),
            port: 9092,
        },
    }
}

#[test]
fn offsets_rows_pad_every_column_but_the_last_and_print_dashes() {
    let rows = vec![
        OffsetRow {
            topic: "first".to_string(),
            partition: 0,
            current_offset: Some(3),
            log_end_offset: Some(5),
            owner: Some((
                "consumer-g-1-abc".to_string(),
                "/127.0.0.1".to_string(),
                "consumer-g-1".to_string(),
            )),
        },
        OffsetRow {
            topic: "first".to_string(),
            partition: 1,
            current_offset: None,
            log_end_offset: Some(2),
            owner: None,
        },
    ];
    assert_eq!(rows[0].lag(), Some(2));
    assert_eq!(rows[1].lag(), None, "no committed offset, no lag");
    let expected = [
        "",
        "GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID      HOST            CLIENT-ID",
        "g               first           0          3               5               2               consumer-g-1-abc /127.0.0.1      consumer-g-1",
        "g               first           1          -               2               -               -                -               -",
        "",
    ];
    assert_eq!(offsets_table("g", &rows), expected.join("\n"));
}

#[test]
fn members_table_counts_partitions_and_verbose_lists_them() {
    let description = group(vec![
        member("m-1", &[("t", &[1, 0]), ("a", &[2])]),
        member("m-2", &[]),
    ]);
    let expected = [
        "",
        "GROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     ASSIGNMENT",
        "g               m-1             /127.0.0.1      consumer-g-1    3               a(2), t(0,1)",
        "g               m-2             /127.0.0.1      consumer-g-1    0               -",
        "",
    ];
    assert_eq!(members_table(&description, true), expected.join("\n"));
    let plain = members_table(&description, false);
    assert!(
        plain.contains(
            "\nGROUP           CONSUMER-ID     HOST            CLIENT-ID       #PARTITIONS     \n"
        ),
        "{plain:?}"
    );
}

#[test]
fn state_table_sizes_the_group_column_by_the_coordinator_text() {
    let expected = [
        "",
        "GROUP                     COORDINATOR (ID)          ASSIGNMENT-STRATEGY  STATE           #MEMBERS",
        "g                         127.0.0.1:9092 (0)        range                Stable          1",
        "",
    ];
    let description = group(vec![member("m-1", &[("t", &[0])])]);
    assert_eq!(state_table(&description), expected.join("\n"));
}
