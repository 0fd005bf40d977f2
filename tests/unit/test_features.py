"""The feature finalization module: what it reads from a release's mapping and a broker's
ApiVersions answer, what it asks the controller, and that it never lowers a feature or touches
kraft.version."""

import struct

import kafka_features
import pytest
from kafka_protocol import Reader, uvarint

MAPPING_4_4 = """metadata.version=33 (4.4)
kraft.version=1
transaction.version=2
group.version=1
eligible.leader.replicas.version=1
share.version=2
streams.version=1
"""


def compact(text):
    raw = text.encode()
    return uvarint(len(raw) + 1) + raw


def api_versions_response(number, finalized, error=0):
    """An ApiVersions v3 answer with two APIs and the finalized features in tagged field 2."""
    apis = uvarint(3) + b"".join(struct.pack(">hhh", key, 0, 4) + uvarint(0) for key in (18, 57))
    features = uvarint(len(finalized) + 1) + b"".join(
        compact(name) + struct.pack(">hh", level, level) + uvarint(0) for name, level in finalized.items())
    supported = uvarint(1)
    tagged = (uvarint(2) + uvarint(0) + uvarint(len(supported)) + supported
              + uvarint(2) + uvarint(len(features)) + features)
    return struct.pack(">ih", number, error) + apis + struct.pack(">i", 0) + tagged


def test_the_mapping_gives_every_feature_its_level():
    assert kafka_features.parse_mapping(MAPPING_4_4) == {
        "metadata.version": 33, "kraft.version": 1, "transaction.version": 2, "group.version": 1,
        "eligible.leader.replicas.version": 1, "share.version": 2, "streams.version": 1}


def test_a_mapping_without_features_is_an_error():
    with pytest.raises(ValueError, match="names no feature"):
        kafka_features.parse_mapping("Unknown release version '9.9'\n")


def test_only_lower_features_are_raised_and_kraft_version_never():
    finalized = {"metadata.version": 30, "kraft.version": 0, "transaction.version": 2, "group.version": 1,
                 "share.version": 1, "streams.version": 3}
    plan = kafka_features.plan(finalized, kafka_features.parse_mapping(MAPPING_4_4), ["kraft.version"])
    assert plan == {"metadata.version": [30, 33], "share.version": [1, 2],
                    "eligible.leader.replicas.version": [0, 1]}


def test_a_finalized_cluster_needs_nothing():
    target = kafka_features.parse_mapping(MAPPING_4_4)
    assert kafka_features.plan(target, target, ["kraft.version"]) == {}


def test_the_finalized_features_are_read_from_the_tagged_field():
    answer = api_versions_response(7, {"metadata.version": 30, "kraft.version": 1})
    assert kafka_features.parse_api_versions(answer, 7) == {"metadata.version": 30, "kraft.version": 1}


def test_an_answer_to_another_request_is_refused():
    with pytest.raises(ValueError, match="does not match"):
        kafka_features.parse_api_versions(api_versions_response(8, {}), 7)


def test_the_update_names_each_feature_as_an_upgrade():
    frame = kafka_features.update_features_request(5, {"metadata.version": 33, "share.version": 2}, 60000, False)
    reader = Reader(frame)
    assert reader.int32() == len(frame) - 4
    assert (reader.int16(), reader.int16(), reader.int32()) == (57, 1, 5)
    reader.string()
    reader.tagged_fields()
    assert reader.int32() == 60000
    updates = reader.compact_array(lambda: (reader.compact_string(), reader.int16(), reader.int8(),
                                            reader.tagged_fields()))
    assert [(name, level, kind) for name, level, kind, _ in updates] == [("metadata.version", 33, 1),
                                                                         ("share.version", 2, 1)]
    assert reader.int8() == 0  # validate only: false


def test_the_controllers_refusal_is_reported_feature_by_feature():
    results = uvarint(3) + compact("metadata.version") + struct.pack(">h", 0) + uvarint(0) + uvarint(0) \
        + compact("share.version") + struct.pack(">h", 42) + compact("not supported by broker 3") + uvarint(0)
    answer = struct.pack(">i", 9) + uvarint(0) + struct.pack(">ih", 0, 0) + uvarint(0) + results + uvarint(0)
    assert kafka_features.parse_update_features(answer, 9) == ["share.version: error 42 (not supported by broker 3)"]
