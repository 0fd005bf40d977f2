"""Partition reassignment plans: spread replicas evenly over the brokers with as few moves as
possible, or move every replica off brokers being retired. Leaders are balanced by reordering
replicas, which moves no data.

Run ``python -m kafka_verify.rebalance --help``; the output's ``reassignment`` is the JSON that
``kafka-reassign-partitions.sh --execute --reassignment-json-file`` takes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any

from kafka_verify import security
from kafka_verify.errors import BAD_ARGUMENTS, UNHEALTHY, VerifyError
from kafka_verify.health import serving_brokers

TopicPartition = tuple[str, int]
Assignment = dict[TopicPartition, list[int]]


def replica_counts(assignment: Assignment, brokers: list[int]) -> Counter[int]:
    counts: Counter[int] = Counter(dict.fromkeys(brokers, 0))
    for replicas in assignment.values():
        counts.update(replicas)
    return counts


def leader_counts(assignment: Assignment, brokers: list[int]) -> Counter[int]:
    counts: Counter[int] = Counter(dict.fromkeys(brokers, 0))
    counts.update(replicas[0] for replicas in assignment.values() if replicas)
    return counts


def plan(current: Assignment, brokers: list[int], retire: list[int] | tuple[int, ...] = ()) -> Assignment:
    """A new assignment over brokers minus retire: replicas on retired brokers are replaced,
    then replicas move from the fullest to the emptiest broker until counts differ by at most
    one, then leaders are balanced by reordering. Deterministic."""
    targets = sorted(set(brokers) - set(retire))
    if not targets:
        raise VerifyError(BAD_ARGUMENTS, "no broker would be left to hold the replicas")
    widest = max((len(r) for r in current.values()), default=0)
    if widest > len(targets):
        raise VerifyError(BAD_ARGUMENTS, f"a partition has {widest} replicas but only {len(targets)} brokers "
                                         f"would remain; lower its replication factor first")
    proposed = {tp: list(replicas) for tp, replicas in sorted(current.items())}
    load = replica_counts(proposed, targets)

    def emptiest(excluded: list[int]) -> int:
        return min((b for b in targets if b not in excluded), key=lambda b: (load[b], b))

    for replicas in proposed.values():
        for position, broker in enumerate(replicas):
            if broker not in targets:
                chosen = emptiest(replicas)
                replicas[position] = chosen
                load[chosen] += 1

    while True:
        fullest = max(targets, key=lambda b: (load[b], -b))
        lightest = min(targets, key=lambda b: (load[b], b))
        if load[fullest] - load[lightest] <= 1:
            break
        candidates = [(replicas.index(fullest) == 0, tp) for tp, replicas in proposed.items()
                      if fullest in replicas and lightest not in replicas]
        if not candidates:
            break
        # Followers move first: moving a leader's replica also moves leadership.
        _, tp = min(candidates)
        replicas = proposed[tp]
        replicas[replicas.index(fullest)] = lightest
        load[fullest] -= 1
        load[lightest] += 1

    leaders = leader_counts(proposed, targets)
    for _ in range(len(proposed) * len(targets)):
        most = max(targets, key=lambda b: (leaders[b], -b))
        least = min(targets, key=lambda b: (leaders[b], b))
        if leaders[most] - leaders[least] <= 1:
            break
        swap = next((tp for tp, replicas in proposed.items() if replicas[0] == most and least in replicas), None)
        if swap is None:
            break
        replicas = proposed[swap]
        position = replicas.index(least)
        replicas[0], replicas[position] = replicas[position], replicas[0]
        leaders[most] -= 1
        leaders[least] += 1
    return proposed


def changes(current: Assignment, proposed: Assignment) -> Assignment:
    return {tp: replicas for tp, replicas in proposed.items() if current.get(tp) != replicas}


def moved_replicas(current: Assignment, proposed: Assignment) -> int:
    """Replicas that have to be copied to a new broker (reordering copies nothing)."""
    return sum(len(set(replicas) - set(current.get(tp, []))) for tp, replicas in proposed.items())


def reassignment_json(moves: Assignment) -> dict[str, Any]:
    return {"version": 1, "partitions": [{"topic": topic, "partition": partition, "replicas": replicas}
                                         for (topic, partition), replicas in sorted(moves.items())]}


def summary(current: Assignment, proposed: Assignment, brokers: list[int]) -> dict[str, Any]:
    moves = changes(current, proposed)

    def by_broker(counter: Counter[int]) -> dict[str, int]:
        return {str(broker): counter[broker] for broker in sorted(counter)}

    return {
        "changed": bool(moves),
        "partitions": len(current),
        "partitions_changed": len(moves),
        "replicas_to_copy": moved_replicas(current, proposed),
        "replicas_per_broker_before": by_broker(replica_counts(current, brokers)),
        "replicas_per_broker_after": by_broker(replica_counts(proposed, brokers)),
        "leaders_per_broker_before": by_broker(leader_counts(current, brokers)),
        "leaders_per_broker_after": by_broker(leader_counts(proposed, brokers)),
        "reassignment": reassignment_json(moves),
    }


def current_assignment(admin: Any) -> Assignment:
    assignment = {}
    for topic in admin.describe_topics():
        for partition in topic.get("partitions", []):
            assignment[(topic["name"], partition["partition_index"])] = list(partition["replica_nodes"])
    return assignment


def main(argv: list[str] | None = None) -> int:
    from kafka_verify.topics import _connect

    parser = argparse.ArgumentParser(
        prog="python -m kafka_verify.rebalance",
        description="Propose a partition reassignment that spreads replicas and leaders evenly over the "
                    "registered brokers (or moves everything off --retire brokers), with as few copies as "
                    "possible. Prints JSON; applies nothing.")
    parser.add_argument("--bootstrap-servers", required=True, help="host:port[,host:port...]")
    parser.add_argument("--retire", default="", help="comma-separated broker ids to empty")
    parser.add_argument("--brokers", default="", help="broker ids to spread over (default: all registered)")
    security.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        retire = [int(x) for x in args.retire.split(",") if x.strip()]
        wanted = [int(x) for x in args.brokers.split(",") if x.strip()]
    except ValueError:
        print(json.dumps({"changed": False, "error": "--retire and --brokers take comma-separated broker ids"}))
        return BAD_ARGUMENTS
    try:
        admin = _connect(args.bootstrap_servers, settings=security.client_settings(args))
        try:
            registered = serving_brokers(admin.describe_cluster())
            brokers = wanted or registered
            missing = sorted(set(brokers) - set(registered))
            if missing:
                raise VerifyError(UNHEALTHY, f"brokers {missing} are not registered and unfenced; "
                                  "start them before rebalancing")
            current = current_assignment(admin)
        finally:
            admin.close()
        result = summary(current, plan(current, brokers, retire), sorted(set(brokers) | set(retire)))
    except VerifyError as error:
        print(json.dumps({"changed": False, "error": error.message}))
        return error.code
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
