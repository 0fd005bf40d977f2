"""Cluster health as the verifier judges it."""

from kafka_verify.health import assess, leader_spread

CLUSTER = {"cluster_id": "c", "controller_id": 1,
           "brokers": [{"broker_id": 1}, {"broker_id": 2}, {"broker_id": 3}]}


def topic(name, *partitions):
    return {"name": name, "error_code": 0, "partitions": [
        {"partition_index": i, "leader_id": leader, "replica_nodes": replicas, "isr_nodes": isr}
        for i, (leader, replicas, isr) in enumerate(partitions)]}


HEALTHY = topic("t", (1, [1, 2, 3], [1, 2, 3]), (2, [2, 3, 1], [2, 3, 1]), (3, [3, 1, 2], [3, 1, 2]))


def test_healthy():
    health = assess(CLUSTER, [HEALTHY], [1, 2, 3], {"t": 3})
    assert health.ok
    assert health.leaders == {1: 1, 2: 1, 3: 1}
    assert leader_spread(health.leaders) == 1.0


def test_missing_broker():
    health = assess(CLUSTER, [HEALTHY], [1, 2, 3, 4])
    assert not health.ok
    assert health.missing_brokers == [4]
    assert "[4] are not registered" in health.problems()[0]


def test_offline_and_under_replicated_and_wrong_factor():
    sick = topic("t", (-1, [1], [])), topic("u", (1, [1, 2, 3], [1, 2]))
    health = assess(CLUSTER, list(sick), [1, 2, 3], {"t": 3, "u": 3})
    assert health.offline == ["t-0"]
    assert health.under_replicated == ["t-0 (isr [] of [1])", "u-0 (isr [1, 2] of [1, 2, 3])"]
    assert health.wrong_replication == ["t-0 (replicas [1], wanted 3)"]
    assert not health.ok


def test_no_controller():
    health = assess(dict(CLUSTER, controller_id=-1), [HEALTHY], [])
    assert not health.ok
    assert "no active controller" in health.problems()


def test_leader_spread_uneven():
    assert leader_spread({1: 3, 2: 0, 3: 0}) == 3.0


def test_an_error_makes_the_cluster_unhealthy():
    from kafka_verify.health import Health

    health = Health(cluster_id=None, controller=-1, brokers=[], error="the cluster did not describe itself")
    assert not health.ok
    assert health.problems()[0] == "the cluster did not describe itself"


def test_leaderless_partitions_and_undescribed_topics_are_unreadable():
    broken = {"name": "gone", "error_code": 3, "partitions": []}
    sick = topic("t", (-1, [1, 2, 3], []), (2, [2, 3, 1], [2]), (3, [3, 1, 2], [3, 1, 2]))
    health = assess(CLUSTER, [sick, broken], [1, 2, 3], {"t": 3, "gone": 3})
    assert health.leaderless == {("t", 0)}
    assert health.undescribed_topics == {"gone"}
    # Under-replicated but led (t-1) is readable: what it lacks is lost, not unavailable.
    assert health.unreadable([("t", 0), ("t", 1), ("t", 2), ("gone", 4)]) == {("t", 0), ("gone", 4)}


def test_nothing_is_known_readable_when_the_cluster_did_not_describe_itself():
    from kafka_verify.health import Health

    health = Health(cluster_id=None, controller=-1, brokers=[], error="the cluster did not describe itself")
    assert health.unreadable([("t", 0), ("t", 1)]) == {("t", 0), ("t", 1)}


def test_a_healthy_cluster_has_nothing_unreadable():
    health = assess(CLUSTER, [HEALTHY], [1, 2, 3], {"t": 3})
    assert health.leaderless == set()
    assert health.unreadable([("t", 0), ("t", 1), ("t", 2)]) == set()


def test_a_fenced_broker_is_not_counted_as_up():
    cluster = {**CLUSTER, "brokers": [{"broker_id": 1, "is_fenced": False}, {"broker_id": 2, "is_fenced": False},
                                      {"broker_id": 3, "is_fenced": True}]}
    health = assess(cluster, [HEALTHY], [1, 2, 3])
    assert not health.ok
    assert health.brokers == [1, 2]
    assert health.missing_brokers == [3]
    assert health.fenced_brokers == [3]
    assert "fenced: [3]" in health.problems()[0]
