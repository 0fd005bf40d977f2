"""Reassignment plans: even spread, few copies, retired brokers emptied."""

import pytest

from kafka_verify.errors import VerifyError
from kafka_verify.rebalance import changes, leader_counts, moved_replicas, plan, replica_counts, summary


def three_broker_cluster(partitions=12):
    brokers = [1, 2, 3]
    return {("t", p): [brokers[(p + i) % 3] for i in range(3)] for p in range(partitions)}


def assert_valid(assignment, replication=3):
    for replicas in assignment.values():
        assert len(replicas) == replication
        assert len(set(replicas)) == replication


def test_a_new_broker_gets_its_share_with_the_fewest_copies():
    current = three_broker_cluster()
    proposed = plan(current, [1, 2, 3, 4])
    assert_valid(proposed)
    counts = replica_counts(proposed, [1, 2, 3, 4])
    assert max(counts.values()) - min(counts.values()) <= 1
    assert counts[4] == 9
    assert moved_replicas(current, proposed) == 9
    leaders = leader_counts(proposed, [1, 2, 3, 4])
    assert max(leaders.values()) - min(leaders.values()) <= 1


def test_a_balanced_cluster_needs_nothing():
    current = three_broker_cluster()
    assert changes(current, plan(current, [1, 2, 3])) == {}
    assert summary(current, plan(current, [1, 2, 3]), [1, 2, 3])["changed"] is False


def test_retiring_a_broker_empties_it():
    current = plan(three_broker_cluster(), [1, 2, 3, 4])
    proposed = plan(current, [1, 2, 3, 4], retire=[4])
    assert_valid(proposed)
    assert all(4 not in replicas for replicas in proposed.values())
    counts = replica_counts(proposed, [1, 2, 3])
    assert max(counts.values()) - min(counts.values()) <= 1


def test_retiring_below_the_replication_factor_is_refused():
    with pytest.raises(VerifyError, match="only 2 brokers would remain"):
        plan(three_broker_cluster(), [1, 2, 3], retire=[3])


def test_plans_are_deterministic_and_reassignment_json_lists_only_changes():
    current = three_broker_cluster(6)
    first, second = plan(current, [1, 2, 3, 4]), plan(current, [1, 2, 3, 4])
    assert first == second
    document = summary(current, first, [1, 2, 3, 4])["reassignment"]
    assert document["version"] == 1
    assert len(document["partitions"]) == len(changes(current, first))
    assert {"topic", "partition", "replicas"} <= set(document["partitions"][0])
