"""Kafka's own rules for topic names and specs, shared by the verifier and the inventory checks.

Pure and free of third-party imports: the Ansible filter plugin imports this module from the
repository root, where kafka-python is not installed. Messages are short fragments without the
topic, variable or host; each caller prefixes them with its own context.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

MAX_NAME_LENGTH = 249
_LEGAL = re.compile(r"[A-Za-z0-9._-]")
_LEGAL_CHARACTERS = "ASCII letters, digits, '.', '_' and '-'"


def topic_name_errors(name: str) -> list[str]:
    """Why Kafka (or this project) would refuse name as a topic name; empty when it is fine."""
    if not isinstance(name, str):
        return [f"a topic name must be text, not {type(name).__name__}"]
    if not name:
        return ["a topic name cannot be empty"]
    errors = []
    if len(name) > MAX_NAME_LENGTH:
        errors.append(f"is {len(name)} characters long; Kafka allows at most {MAX_NAME_LENGTH}")
    if name in (".", ".."):
        errors.append(f"{name!r} is not allowed as a topic name")
    illegal = _illegal_characters(name)
    if illegal:
        errors.append(f"contains {', '.join(illegal)}; topic names use only {_LEGAL_CHARACTERS}")
    if name.startswith("__"):
        errors.append("starts with '__', which Kafka reserves for its internal topics")
    return errors


def _illegal_characters(name: str) -> list[str]:
    # Each offending character once, in order of appearance, quoted with repr so that spaces
    # and control characters stay visible in a one-line message.
    return [repr(char) for char in dict.fromkeys(name) if not _LEGAL.fullmatch(char)]


def topic_spec_errors(name: str, partitions: Any, replication_factor: Any, broker_count: int,
                      min_insync_replicas: Any = None) -> list[str]:
    """Problems of one declared topic: its name, counts, replication against the broker count,
    and a topic-level min.insync.replicas that would leave no replica to lose."""
    errors = topic_name_errors(name)
    partition_count = _whole(partitions)
    if partition_count is None or partition_count < 1:
        errors.append(f"partitions {partitions!r} must be a whole number, 1 or more")
    factor = _whole(replication_factor)
    if factor is None or factor < 1:
        errors.append(f"replication factor {replication_factor!r} must be a whole number, 1 or more")
        return errors
    if factor > broker_count:
        errors.append(f"replication factor {factor} exceeds the {broker_count} brokers")
    if min_insync_replicas is not None:
        errors.extend(_min_insync_errors(min_insync_replicas, factor))
    return errors


def _min_insync_errors(min_insync_replicas: Any, factor: int) -> list[str]:
    minimum = _whole(min_insync_replicas)
    if minimum is None or minimum < 1:
        return [f"min.insync.replicas {min_insync_replicas!r} must be a whole number, 1 or more"]
    # Kafka caps the minimum at the replica count, so equal or above it means every acks=all
    # write stops as soon as one replica is down; the same rule as for the broker defaults.
    if minimum > factor or (minimum == factor and factor > 1):
        return [f"min.insync.replicas {minimum} with replication factor {factor} leaves no replica to lose "
                f"(acks=all writes stop when one broker is down); use {max(factor - 1, 1)}"]
    return []


def _whole(value: Any) -> int | None:
    # Inventories give numbers as YAML ints or, through extra vars, as digit strings; a bool is
    # an int to Python but never a count.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value.strip()):
        return int(value)
    return None


def topic_name_collisions(names: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of distinct names that Kafka treats as colliding, since '.' and '_' map to the same
    metric name: (the name seen first, the one colliding with it). Repeats of one name are not
    collisions."""
    first_of: dict[str, str] = {}
    collisions = []
    for name in names:
        metric_name = name.replace(".", "_")
        seen = first_of.setdefault(metric_name, name)
        if seen != name and (seen, name) not in collisions:
            collisions.append((seen, name))
    return collisions
