"""Cluster health as the verifier judges it: the expected brokers registered, a controller,
and every checked partition led and fully in sync."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kafka_verify.accounting import Partition


@dataclass
class Health:
    cluster_id: str | None
    controller: int
    brokers: list[int]
    missing_brokers: list[int] = field(default_factory=list)
    fenced_brokers: list[int] = field(default_factory=list)
    offline: list[str] = field(default_factory=list)
    under_replicated: list[str] = field(default_factory=list)
    wrong_replication: list[str] = field(default_factory=list)
    leaders: dict[int, int] = field(default_factory=dict)
    partitions: int = 0
    error: str = ""
    leaderless: set[Partition] = field(default_factory=set)
    undescribed_topics: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not (self.missing_brokers or self.offline or self.under_replicated or self.wrong_replication
                    or self.controller < 0 or self.error)

    def unreadable(self, partitions: Iterable[Partition]) -> set[Partition]:
        """Those of partitions that nobody could read from when this health was taken: without a
        leader, of a topic described with an error, or all of them when the cluster did not
        describe itself (nothing then shows that any of them was readable)."""
        if self.error:
            return set(partitions)
        return {p for p in partitions if p in self.leaderless or p[0] in self.undescribed_topics}

    def problems(self) -> list[str]:
        found = [self.error] if self.error else []
        if self.missing_brokers:
            fenced = f", fenced: {self.fenced_brokers}" if self.fenced_brokers else ""
            found.append(f"brokers {self.missing_brokers} are not registered and unfenced "
                         f"(registered and unfenced: {self.brokers}{fenced})")
        if self.controller < 0:
            found.append("no active controller")
        if self.offline:
            found.append(f"{len(self.offline)} partitions have no leader: {', '.join(self.offline[:8])}")
        if self.under_replicated:
            found.append(f"{len(self.under_replicated)} partitions are under-replicated: "
                         f"{', '.join(self.under_replicated[:8])}")
        if self.wrong_replication:
            found.append(f"{len(self.wrong_replication)} partitions have another replication factor: "
                         f"{', '.join(self.wrong_replication[:8])}")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            "cluster_id": self.cluster_id, "controller": self.controller, "brokers": self.brokers,
            "missing_brokers": self.missing_brokers, "fenced_brokers": self.fenced_brokers,
            "partitions": self.partitions, "offline": self.offline,
            "under_replicated": self.under_replicated, "wrong_replication": self.wrong_replication,
            "leaders_per_broker": {str(k): v for k, v in sorted(self.leaders.items())},
            "error": self.error,
            "ok": self.ok,
        }


def serving_brokers(cluster: dict[str, Any]) -> list[int]:
    """Ids of the brokers of describe_cluster() that serve: a KRaft broker that stopped stays
    registered but fenced (kafka-python asks for fenced brokers too) and serves nothing."""
    return sorted(b["broker_id"] for b in cluster.get("brokers", []) if not b.get("is_fenced"))


def assess(cluster: dict[str, Any], topics: list[dict[str, Any]], expected_brokers: list[int],
           replication_factor: dict[str, int] | None = None) -> Health:
    """Judge describe_cluster() and describe_topics() output (kafka-python 3.x shapes).

    replication_factor maps a topic to the factor its partitions must have; ISR must equal the
    replica set for every partition."""
    listed = cluster.get("brokers", [])
    brokers = serving_brokers(cluster)
    health = Health(cluster_id=cluster.get("cluster_id"), controller=cluster.get("controller_id", -1)
                    if cluster.get("controller_id") is not None else -1, brokers=brokers,
                    fenced_brokers=sorted(b["broker_id"] for b in listed if b.get("is_fenced")))
    health.missing_brokers = sorted(set(expected_brokers) - set(brokers))
    leaders: Counter[int] = Counter(dict.fromkeys(brokers, 0))
    for topic in topics:
        name = topic["name"]
        if topic.get("error_code", 0) != 0:
            health.offline.append(f"{name} (error {topic['error_code']})")
            health.undescribed_topics.add(name)
            continue
        for partition in topic.get("partitions", []):
            health.partitions += 1
            label = f"{name}-{partition['partition_index']}"
            replicas, isr = partition.get("replica_nodes", []), partition.get("isr_nodes", [])
            if partition.get("leader_id", -1) < 0:
                health.offline.append(label)
                health.leaderless.add((name, partition["partition_index"]))
            else:
                leaders[partition["leader_id"]] += 1
            if len(isr) < len(replicas):
                health.under_replicated.append(f"{label} (isr {sorted(isr)} of {sorted(replicas)})")
            wanted = (replication_factor or {}).get(name)
            if wanted is not None and len(replicas) != wanted:
                health.wrong_replication.append(f"{label} (replicas {sorted(replicas)}, wanted {wanted})")
    health.leaders = dict(leaders)
    health.offline.sort()
    health.under_replicated.sort()
    return health


def leader_spread(leaders: dict[int, int]) -> float:
    """Most leaders on one broker divided by the fair share (1.0 is perfectly even)."""
    total = sum(leaders.values())
    if not leaders or not total:
        return 1.0
    return max(leaders.values()) / (total / len(leaders))
