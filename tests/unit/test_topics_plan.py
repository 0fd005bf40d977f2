"""Declarative topics: what the tool would change, decided without a cluster."""

import pytest

from kafka_verify.errors import VerifyError
from kafka_verify.topics import parse_specs, plan


def existing(partitions, replication):
    return {"partitions": [{"replica_nodes": list(range(replication))} for _ in range(partitions)]}


def test_create_missing_and_leave_matching_alone():
    specs = parse_specs([{"name": "a", "partitions": 3, "replication_factor": 3},
                         {"name": "b", "partitions": 3, "replication_factor": 3}])
    result = plan(specs, {"b": existing(3, 3)}, {}, 3)
    assert [spec.name for spec in result.create] == ["a"]
    assert not result.grow
    assert not result.configs
    assert result.changed


def test_nothing_to_do_is_not_a_change():
    specs = parse_specs([{"name": "a", "partitions": 3, "replication_factor": 3, "configs": {"retention.ms": 1000}}])
    result = plan(specs, {"a": existing(3, 3)}, {"a": {"retention.ms": "1000"}}, 3)
    assert not result.changed
    assert result.errors == []


def test_grow_partitions_and_set_differing_configs():
    specs = parse_specs([{"name": "a", "partitions": 6, "replication_factor": 3,
                          "configs": {"retention.ms": 1000, "cleanup.policy": "delete"}}])
    result = plan(specs, {"a": existing(3, 3)}, {"a": {"retention.ms": "500", "cleanup.policy": "delete"}}, 3)
    assert result.grow == {"a": 6}
    assert result.configs == {"a": {"retention.ms": "1000"}}


def test_shrinking_or_changing_replication_is_refused():
    specs = parse_specs([{"name": "a", "partitions": 2, "replication_factor": 2}])
    result = plan(specs, {"a": existing(3, 3)}, {}, 3)
    assert any("cannot remove partitions" in e for e in result.errors)
    assert any("replication factor 3, not 2" in e for e in result.errors)


def test_delete_only_when_allowed():
    specs = parse_specs([{"name": "a", "state": "absent"}])
    assert plan(specs, {"a": existing(1, 1)}, {}, 3, allow_delete=True).delete == ["a"]
    refused = plan(specs, {"a": existing(1, 1)}, {}, 3)
    assert refused.delete == []
    assert "deleting is not allowed" in refused.errors[0]
    assert not plan(specs, {}, {}, 3, allow_delete=True).changed


def test_replication_above_broker_count():
    result = plan(parse_specs([{"name": "a", "replication_factor": 3}]), {}, {}, 2)
    assert "exceeds the 2 registered brokers" in result.errors[0]


@pytest.mark.parametrize("raw", [[{"partitions": 1}], [{"name": "a"}, {"name": "a"}],
                                 [{"name": "a", "partitions": 0}], [{"name": "a", "partitions": "x"}],
                                 [{"name": "a", "state": "gone"}]])
def test_bad_specs(raw):
    with pytest.raises(VerifyError):
        parse_specs(raw)
