"""The topic-spec validator the verifier and the inventory checks share (kafka_verify.topicspec)."""

import ast
from pathlib import Path

import pytest
from conftest import ROOT

from kafka_verify.topicspec import topic_name_collisions, topic_name_errors, topic_spec_errors


@pytest.mark.parametrize("name", ["kafka-verify-1", "Hello-Kafka", "a", "a.b_c-D9", "x" * 249, "_single", "-", "..."])
def test_names_kafka_accepts(name):
    assert topic_name_errors(name) == []


@pytest.mark.parametrize(("name", "fragment"), [
    ("", "cannot be empty"),
    (".", "'.' is not allowed"),
    ("..", "'..' is not allowed"),
    ("x" * 250, "250 characters long; Kafka allows at most 249"),
    ("has space", "contains ' '"),
    ("a/b", "contains '/'"),
    ("tab\there", "contains '\\t'"),
    ("caf\u00e9", "contains '\u00e9'"),
    ("a,b:c", "contains ',', ':'"),
    ("__consumer_offsets", "reserves for its internal topics"),
    ("__mine", "starts with '__'"),
])
def test_names_refused(name, fragment):
    errors = topic_name_errors(name)
    assert errors, name
    assert any(fragment in error for error in errors), errors


def test_each_illegal_character_is_named_once():
    assert topic_name_errors("a b c//") == ["contains ' ', '/'; topic names use only ASCII letters, digits, '.', '_' "
                                            "and '-'"]


def test_every_problem_of_a_name_is_reported():
    errors = topic_name_errors("__" + "é" * 260)
    assert len(errors) == 3


def test_a_name_that_is_not_text():
    assert topic_name_errors(42) == ["a topic name must be text, not int"]


def test_messages_are_short_fragments_without_the_name():
    for error in topic_name_errors("__bad name"):
        assert "__bad name" not in error
        assert "\n" not in error


def test_a_good_spec():
    assert topic_spec_errors("orders", 6, 3, 3, min_insync_replicas=2) == []
    assert topic_spec_errors("orders", "6", "3", 3) == []
    assert topic_spec_errors("solo", 1, 1, 1, min_insync_replicas=1) == []


@pytest.mark.parametrize(("spec", "fragment"), [
    (("t", 0, 3, 3), "partitions 0 must be a whole number, 1 or more"),
    (("t", "many", 3, 3), "partitions 'many' must be"),
    (("t", True, 3, 3), "partitions True must be"),
    (("t", 3, 0, 3), "replication factor 0 must be"),
    (("t", 3, 2.5, 3), "replication factor 2.5 must be"),
    (("t", 3, 4, 3), "replication factor 4 exceeds the 3 brokers"),
    (("t", 3, 3, 3, 3), "min.insync.replicas 3 with replication factor 3 leaves no replica to lose"),
    (("t", 3, 3, 3, 4), "min.insync.replicas 4 with replication factor 3"),
    (("t", 3, 3, 3, 0), "min.insync.replicas 0 must be"),
    (("bad name", 3, 3, 3), "contains ' '"),
])
def test_bad_specs(spec, fragment):
    errors = topic_spec_errors(*spec)
    assert any(fragment in error for error in errors), errors


def test_a_spec_reports_its_name_and_counts_together():
    assert len(topic_spec_errors("..", 0, 5, 3)) == 3


def test_collisions_treat_dot_and_underscore_alike():
    assert topic_name_collisions(["a.b", "a_b", "c"]) == [("a.b", "a_b")]
    assert topic_name_collisions(["x_y.z", "x.y_z", "x_y_z"]) == [("x_y.z", "x.y_z"), ("x_y.z", "x_y_z")]


def test_repeats_and_distinct_names_do_not_collide():
    assert topic_name_collisions(["a.b", "a.b", "a-b", "ab"]) == []
    assert topic_name_collisions([]) == []


def test_the_module_needs_nothing_outside_the_standard_library():
    # The Ansible filter imports it where kafka-python is not installed.
    tree = ast.parse(Path(ROOT, "kafka_verify", "topicspec.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                 and node.module}
    assert imported <= {"__future__", "re", "collections", "typing"}
