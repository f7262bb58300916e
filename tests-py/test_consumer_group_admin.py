"""ListGroups, DescribeGroups, OffsetFetch and DeleteGroups through the admin clients users run:
confluent-kafka's AdminClient (list_consumer_groups, describe_consumer_groups,
list_consumer_group_offsets, delete_consumer_groups) and kafka-python's KafkaAdminClient
(3.0 names: list_groups, describe_groups, list_group_offsets, delete_groups).

Each test sets up an active group (one member, Stable, owning both partitions of a topic) and an
idle group (its member read 5 records per partition, committed and left: Empty with offsets).
Kafka 2.4.1 (GroupCoordinator.handleDeleteGroups): deleting an Empty group removes it and its
offsets; a group with members → NON_EMPTY_GROUP (68); a group that does not exist →
GROUP_ID_NOT_FOUND (69). DescribeGroups of a Stable group shows protocol type `consumer`, the
chosen assignor and each member's client id and assignment; of an Empty group, no members.
"""

import pytest
from confluent_kafka import ConsumerGroupState, ConsumerGroupTopicPartitions, KafkaException
from confluent_kafka.admin import AdminClient

from conftest import GregorBroker, start_zookeeper
from group_clients import Member, create_topic, produce, spread, wait_until

NON_EMPTY_GROUP = 68
GROUP_ID_NOT_FOUND = 69


@pytest.fixture(scope="module")
def broker(gregor_binary, tmp_path_factory):
    base = tmp_path_factory.mktemp("group-admin")
    zookeeper = start_zookeeper(base)
    server = GregorBroker(gregor_binary, zookeeper, base, overrides={"group.initial.rebalance.delay.ms": "0"})
    try:
        server.start()
        yield server
    finally:
        server.kill()
        zookeeper.kill()


@pytest.fixture
def groups(broker):
    """Creates the topic, the active group and the idle group for `prefix`; returns their names."""
    running = []

    def make(prefix):
        topic, active, idle = f"{prefix}-topic", f"{prefix}-active", f"{prefix}-idle"
        create_topic(broker.bootstrap, topic, 2)
        produced = set(produce(broker.bootstrap, topic, spread("r", 2, 5)))
        reader = Member("confluent", broker.bootstrap, idle, topic, f"{prefix}-reader")
        wait_until(lambda: produced <= {(p, v) for p, _, v in reader.records}, 60)
        reader.close()
        member = Member("confluent", broker.bootstrap, active, topic, f"{prefix}-member")
        running.append(member)
        wait_until(lambda: member.assignment == {0, 1}, 60)
        return topic, active, idle

    yield make
    for member in running:
        member.close()


def test_confluent_admin_lists_describes_fetches_offsets_and_deletes_groups(broker, groups):
    topic, active, idle = groups("confluent-admin")
    admin = AdminClient({"bootstrap.servers": broker.bootstrap})

    listed = admin.list_consumer_groups(request_timeout=30).result()
    assert listed.errors == []
    by_id = {listing.group_id: listing for listing in listed.valid}
    assert {active, idle} <= set(by_id)
    # Both use group management (protocol type "consumer"): not "simple" groups.
    assert not by_id[active].is_simple_consumer_group and not by_id[idle].is_simple_consumer_group

    futures = admin.describe_consumer_groups([active, idle], request_timeout=30)
    described = futures[active].result()
    assert described.group_id == active
    assert described.state == ConsumerGroupState.STABLE
    assert described.partition_assignor == "range"
    assert not described.is_simple_consumer_group
    assert described.coordinator.id == 0
    [member] = described.members
    assert member.client_id == "confluent-admin-member"
    assert sorted((tp.topic, tp.partition) for tp in member.assignment.topic_partitions) == [(topic, 0), (topic, 1)]
    empty = futures[idle].result()
    assert empty.state == ConsumerGroupState.EMPTY
    assert empty.members == []

    fetched = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(idle)])[idle].result()
    assert sorted((tp.topic, tp.partition, tp.offset) for tp in fetched.topic_partitions) == [
        (topic, 0, 5),
        (topic, 1, 5),
    ]

    futures = admin.delete_consumer_groups([active, idle, "confluent-admin-never-existed"], request_timeout=30)
    assert futures[idle].result() is None
    with pytest.raises(KafkaException) as raised:
        futures[active].result()
    assert raised.value.args[0].code() == NON_EMPTY_GROUP
    with pytest.raises(KafkaException) as raised:
        futures["confluent-admin-never-existed"].result()
    assert raised.value.args[0].code() == GROUP_ID_NOT_FOUND

    # The deleted group is gone with its offsets; the active one is untouched.
    remaining = {listing.group_id for listing in admin.list_consumer_groups(request_timeout=30).result().valid}
    assert active in remaining and idle not in remaining
    fetched = admin.list_consumer_group_offsets([ConsumerGroupTopicPartitions(idle)])[idle].result()
    assert fetched.topic_partitions == []


def assigned(member_assignment):
    """(topic, partition) pairs of a DescribeGroups member assignment as kafka-python decodes it."""
    if hasattr(member_assignment, "partitions"):
        return sorted((tp.topic, tp.partition) for tp in member_assignment.partitions())
    return sorted(
        (entry["topic"], partition)
        for entry in member_assignment["assigned_partitions"]
        for partition in entry["partitions"]
    )


def test_kafka_python_admin_lists_describes_fetches_offsets_and_deletes_groups(broker, groups):
    from kafka import KafkaAdminClient, TopicPartition

    topic, active, idle = groups("kafka-python-admin")
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap)
    try:
        listed = {group["group_id"]: group for group in admin.list_groups()}
        assert listed[active]["protocol_type"] == "consumer"
        assert listed[idle]["protocol_type"] == "consumer"

        described = admin.describe_groups([active, idle])
        assert described[active]["error"] is None
        assert described[active]["group_state"] == "Stable"
        assert described[active]["protocol_type"] == "consumer"
        assert described[active]["protocol_data"] == "range"
        [member] = described[active]["members"]
        assert member["client_id"] == "kafka-python-admin-member"
        assert assigned(member["member_assignment"]) == [(topic, 0), (topic, 1)]
        assert described[idle]["group_state"] == "Empty"
        assert described[idle]["members"] == []

        offsets = admin.list_group_offsets(idle)[idle]
        assert {tp: meta.offset for tp, meta in offsets.items()} == {
            TopicPartition(topic, 0): 5,
            TopicPartition(topic, 1): 5,
        }

        deleted = admin.delete_groups([active, idle, "kafka-python-admin-never-existed"])
        assert deleted == {
            active: "NonEmptyGroupError",
            idle: "OK",
            "kafka-python-admin-never-existed": "GroupIdNotFoundError",
        }
        assert idle not in {group["group_id"] for group in admin.list_groups()}
        assert admin.list_group_offsets(idle)[idle] == {}
        # Kafka describes a group it does not know as Dead with no members (and no error).
        gone = admin.describe_groups([idle])[idle]
        assert (gone["error"], gone["group_state"], gone["members"]) == (None, "Dead", [])
    finally:
        admin.close()
