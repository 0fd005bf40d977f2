"""One screen of the cluster's state: brokers, controller (or KRaft quorum), ZooKeeper nodes and
partitions that are offline, under-replicated or under their min.insync.replicas.

    kafka-verify status --bootstrap-servers h1:9092 [--expect-brokers 1,2,3] [--zookeeper z1:2181,...]

Everything the cluster says is read first (collect), in kafka-python's own shapes; the report,
the verdict and the table are then computed from that data alone (build_report, render_table),
so they are tested without a cluster. Exit codes: 0 healthy, 2 bad arguments, 3 cannot reach the
cluster, 4 unhealthy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import socket
import sys
from dataclasses import dataclass, field
from typing import Any

from kafka_verify import __version__, security
from kafka_verify.cli import Parser, broker_ids, positive_float, positive_int
from kafka_verify.errors import BAD_ARGUMENTS, MEANING, OK, UNHEALTHY, UNREACHABLE, VerifyError
from kafka_verify.health import serving_brokers

METADATA_TOPIC = "__cluster_metadata"
MIN_ISR = "min.insync.replicas"
TOPIC_OVERRIDE = "DYNAMIC_TOPIC_CONFIG"
SHOWN = 8  # names listed per problem; the rest are counted
WIDTH = 110  # of the partition lists in the table
ZOOKEEPER_SERVING = ("leader", "follower", "observer", "standalone")
WHITELIST_REFUSAL = "not in the whitelist"
NOT_SERVING = "not currently serving requests"
# What srvr does not tell that mntr does (shown when mntr is not allowed).
MNTR_ONLY = ("followers", "synced_followers")
RESULT_WORD = {OK: "HEALTHY", UNHEALTHY: "UNHEALTHY", UNREACHABLE: "UNREACHABLE", BAD_ARGUMENTS: "FAILED"}


# --- what was read ------------------------------------------------------------------------------


@dataclass
class ZkNode:
    """One ZooKeeper server as its four-letter words describe it."""

    address: str
    command: str | None = None  # "mntr", or "srvr" when mntr is not allowed
    mode: str | None = None
    version: str | None = None
    outstanding: int | None = None
    znodes: int | None = None
    followers: int | None = None
    synced_followers: int | None = None
    missing: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass
class Collected:
    """Everything read from the cluster, in kafka-python 3.x shapes.

    cluster: describe_cluster(); topics: describe_topics(); topic_configs / broker_configs:
    describe_configs() entries of min.insync.replicas by topic name / broker id; log_dirs:
    describe_log_dirs() results by broker id; quorum: describe_metadata_quorum(), None when the
    cluster is not in KRaft mode (kraft False) or the call failed (errors["quorum"])."""

    bootstrap_servers: list[str]
    reachable: bool = True
    cluster: dict[str, Any] = field(default_factory=dict)
    topics: list[dict[str, Any]] = field(default_factory=list)
    topic_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    broker_configs: dict[int, dict[str, Any]] = field(default_factory=dict)
    log_dirs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    kraft: bool = False
    quorum: dict[str, Any] | None = None
    zookeeper: list[ZkNode] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # call (or "log_dirs:<id>") -> what went wrong
    notes: list[str] = field(default_factory=list)


@dataclass
class Limits:
    expected_brokers: list[int] = field(default_factory=list)
    max_voter_lag: int = 1000
    max_voter_lag_ms: int = 10000


# --- pure: from what was read to a report ------------------------------------------------------


def error_name(code: int) -> str:
    """Kafka's name of an error code (UnknownTopicOrPartitionError), or the number."""
    try:
        from kafka.errors import for_code

        return for_code(code).__name__
    except (ImportError, KeyError, ValueError):
        return f"error {code}"


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def shown_items(items: list[str], shown: int = SHOWN) -> list[str]:
    """The first items, and how many more there are."""
    return items[:shown] + ([f"(+{len(items) - shown} more)"] if len(items) > shown else [])


def listed(items: list[str], shown: int = SHOWN) -> str:
    more = f" (+{len(items) - shown} more)" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def config_value(entries: dict[str, Any] | None) -> tuple[int | None, str | None]:
    """(value, source) of min.insync.replicas in one resource's describe_configs() entries."""
    entry = (entries or {}).get(MIN_ISR)
    if not isinstance(entry, dict):
        return None, None
    return as_int(entry.get("value")), entry.get("config_source")


def effective_min_isr(topic: str, leader: int, collected: Collected) -> tuple[int | None, str]:
    """The min.insync.replicas a partition is held to, and where it comes from: the topic's own
    setting, else its leader's broker default, else the default the topic was described with,
    else the strictest broker's."""
    value, source = config_value(collected.topic_configs.get(topic))
    if value is not None and source == TOPIC_OVERRIDE:
        return value, "topic"
    leader_value, _ = config_value(collected.broker_configs.get(leader))
    if leader_value is not None:
        return leader_value, f"broker {leader}"
    if value is not None:
        return value, "broker default"
    brokers = [v for v in (config_value(entries)[0] for entries in collected.broker_configs.values()) if v is not None]
    if brokers:
        return max(brokers), "broker default"
    return None, "unknown"


def position(row: dict[str, Any]) -> tuple[str, int]:
    return str(row["topic"]), row["partition"]


def partition_report(collected: Collected) -> dict[str, Any]:
    """Every partition judged: offline (no leader); of the led ones, under-replicated (ISR smaller
    than the replicas) and under min ISR (ISR smaller than the effective min.insync.replicas).
    Also the leaders and replicas each broker holds."""
    offline: list[dict[str, Any]] = []
    under_replicated: list[dict[str, Any]] = []
    under_min_isr: list[dict[str, Any]] = []
    undescribed: list[str] = []
    unknown_min_isr: set[str] = set()
    leaders: dict[int, int] = {}
    replicas_held: dict[int, int] = {}
    total = 0
    for topic in collected.topics:
        name = topic.get("name")
        if topic.get("error_code", 0):
            undescribed.append(f"{name} ({error_name(topic['error_code'])})")
            continue
        for partition in topic.get("partitions", []):
            total += 1
            leader = partition.get("leader_id", -1)
            replicas = sorted(partition.get("replica_nodes", []))
            isr = sorted(partition.get("isr_nodes", []))
            for broker in replicas:
                replicas_held[broker] = replicas_held.get(broker, 0) + 1
            row = {"topic": name, "partition": partition.get("partition_index"), "leader": leader,
                   "replicas": replicas, "isr": isr}
            if leader is None or leader < 0:
                offline.append(row)
                continue
            leaders[leader] = leaders.get(leader, 0) + 1
            if len(isr) < len(replicas):
                under_replicated.append(row)
            min_isr, source = effective_min_isr(name, leader, collected)
            if min_isr is None:
                unknown_min_isr.add(name)
            elif len(isr) < min_isr:
                under_min_isr.append({**row, "min_isr": min_isr, "min_isr_source": source})
    return {
        "total": total, "offline": sorted(offline, key=position),
        "under_replicated": sorted(under_replicated, key=position),
        "under_min_isr": sorted(under_min_isr, key=position), "undescribed_topics": sorted(undescribed),
        "min_isr_unknown": sorted(unknown_min_isr), "leaders": leaders, "replicas": replicas_held,
    }


def label(row: dict[str, Any]) -> str:
    return f"{row['topic']}-{row['partition']}"


def topics_of(rows: list[dict[str, Any]]) -> list[str]:
    return sorted({row["topic"] for row in rows})


def log_dir_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """describe_log_dirs() results of one broker as {path, bytes, total_bytes, usable_bytes, error}."""
    rows = []
    for result in results:
        size = sum(partition.get("partition_size", 0) for topic in result.get("topics", [])
                   for partition in topic.get("partitions", []))
        total, usable = result.get("total_bytes", -1), result.get("usable_bytes", -1)
        code = result.get("error_code", 0)
        rows.append({"path": result.get("log_dir"), "bytes": size,
                     "total_bytes": total if total is not None and total >= 0 else None,
                     "usable_bytes": usable if usable is not None and usable >= 0 else None,
                     "error": error_name(code) if code else None})
    return sorted(rows, key=lambda row: str(row["path"]))


def broker_report(collected: Collected, limits: Limits, partitions: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per broker registered or expected: registered, fenced or missing."""
    registered = {broker["broker_id"]: broker for broker in collected.cluster.get("brokers", [])}
    expected = set(limits.expected_brokers)
    rows = []
    for broker_id in sorted(set(registered) | expected):
        broker = registered.get(broker_id)
        if broker is None:
            state = "missing"
        elif broker.get("is_fenced"):
            state = "fenced"
        else:
            state = "registered"
        log_dirs = log_dir_rows(collected.log_dirs[broker_id]) if broker_id in collected.log_dirs else None
        rows.append({
            "id": broker_id, "host": broker.get("host") if broker else None, "port": broker.get("port") if broker
            else None, "rack": broker.get("rack") if broker else None, "state": state,
            "expected": broker_id in expected if expected else None,
            "leaders": partitions["leaders"].get(broker_id, 0), "replicas": partitions["replicas"].get(broker_id, 0),
            "log_dirs": log_dirs, "log_dirs_error": collected.errors.get(f"log_dirs:{broker_id}"),
        })
    return rows


def metadata_partition(quorum: dict[str, Any]) -> dict[str, Any] | None:
    for topic in quorum.get("topics", []):
        if topic.get("topic_name") == METADATA_TOPIC:
            for partition in topic.get("partitions", []):
                if partition.get("partition_index") == 0:
                    return partition
    return None


def quorum_endpoints(quorum: dict[str, Any]) -> dict[int, str]:
    """Controller id -> host:port of its first listener (DescribeQuorum v2, Kafka 3.8+)."""
    endpoints = {}
    for node in quorum.get("nodes") or []:
        listeners = node.get("listeners") or []
        if listeners:
            endpoints[node["node_id"]] = f"{listeners[0]['host']}:{listeners[0]['port']}"
    return endpoints


def replica_rows(replicas: list[dict[str, Any]], leader_id: int, leader_offset: int | None,
                 leader_time: int | None, endpoints: dict[int, str], limits: Limits | None) -> list[dict[str, Any]]:
    """Voters (limits given: each judged lagging or not) or observers, with their lag behind the
    leader in records and in milliseconds of the leader's clock (no clock skew involved)."""
    rows = []
    for replica in replicas:
        replica_id = replica.get("replica_id")
        offset = replica.get("log_end_offset", -1)
        caught_up = replica.get("last_caught_up_timestamp", -1)
        known = offset is not None and offset >= 0
        lag = max(leader_offset - offset, 0) if known and leader_offset is not None else None
        lag_ms = leader_time - caught_up if leader_time is not None and caught_up is not None and caught_up >= 0 \
            else None
        row: dict[str, Any] = {"id": replica_id, "endpoint": endpoints.get(replica_id),
                               "log_end_offset": offset if known else None, "lag": lag, "lag_ms": lag_ms,
                               "role": "observer" if limits is None else
                               "leader" if replica_id == leader_id else "follower"}
        if limits is not None:
            row["lagging"] = replica_id != leader_id and (
                not known or (lag is not None and lag > limits.max_voter_lag)
                or (lag_ms is not None and lag_ms > limits.max_voter_lag_ms))
        rows.append(row)
    return sorted(rows, key=lambda row: row["id"])


def controller_report(collected: Collected, limits: Limits) -> dict[str, Any]:
    """ZooKeeper mode: the controller id the brokers report. KRaft mode: the metadata quorum's
    leader, epoch and replicas; the controller_id a KRaft broker reports is not the active
    controller, so it is not used."""
    if not collected.kraft:
        controller = collected.cluster.get("controller_id")
        return {"mode": "zookeeper", "id": controller if controller is not None and controller >= 0 else None,
                "error": None}
    view: dict[str, Any] = {"mode": "kraft", "leader_id": None, "leader_epoch": None, "high_watermark": None,
                            "voters": [], "observers": [], "error": collected.errors.get("quorum")}
    partition = metadata_partition(collected.quorum or {}) if collected.quorum is not None else None
    if partition is None:
        view["error"] = view["error"] or f"the quorum did not describe {METADATA_TOPIC}-0"
        return view
    if partition.get("error"):
        view["error"] = partition["error"]
    leader_id = partition.get("leader_id", -1)
    voters = partition.get("current_voters", [])
    leader = next((voter for voter in voters if voter.get("replica_id") == leader_id), None)
    leader_offset = leader.get("log_end_offset") if leader else None
    if leader_offset is None or leader_offset < 0:
        leader_offset = partition.get("high_watermark")
    leader_time = leader.get("last_caught_up_timestamp") if leader else None
    leader_time = leader_time if leader_time is not None and leader_time >= 0 else None
    endpoints = quorum_endpoints(collected.quorum or {})
    view.update({
        "leader_id": leader_id if leader_id is not None and leader_id >= 0 else None,
        "leader_epoch": partition.get("leader_epoch"), "high_watermark": partition.get("high_watermark"),
        "voters": replica_rows(voters, leader_id, leader_offset, leader_time, endpoints, limits),
        "observers": replica_rows(partition.get("observers", []), leader_id, leader_offset, leader_time, endpoints,
                                  None),
    })
    return view


def zookeeper_report(nodes: list[ZkNode]) -> list[dict[str, Any]]:
    return [{"address": node.address, "command": node.command, "mode": node.mode, "version": node.version,
             "outstanding": node.outstanding, "znodes": node.znodes, "followers": node.followers,
             "synced_followers": node.synced_followers, "missing": list(node.missing), "error": node.error}
            for node in nodes]


def broker_problems(brokers: list[dict[str, Any]]) -> list[str]:
    found = []
    for state in ("missing", "fenced"):
        ids = [str(row["id"]) for row in brokers if row["state"] == state]
        if ids:
            found.append(f"{'broker' if len(ids) == 1 else 'brokers'} {', '.join(ids)} {state}")
    for row in brokers:
        for log_dir in row["log_dirs"] or []:
            if log_dir["error"]:
                found.append(f"broker {row['id']} log dir {log_dir['path']}: {log_dir['error']}")
    return found


def controller_problems(controller: dict[str, Any]) -> list[str]:
    if controller["mode"] == "zookeeper":
        return [] if controller["id"] is not None else ["no active controller"]
    if controller["leader_id"] is None:
        detail = f" ({controller['error']})" if controller["error"] else ""
        return [f"KRaft quorum has no leader{detail}"]
    found = [f"KRaft quorum: {controller['error']}"] if controller["error"] else []
    for voter in controller["voters"]:
        if not voter.get("lagging"):
            continue
        if voter["log_end_offset"] is None:
            found.append(f"controller {voter['id']} has not fetched from the quorum leader")
        else:
            found.append(f"controller {voter['id']} lags the quorum leader by {plural(voter['lag'] or 0, 'record')}"
                         + (f", {voter['lag_ms'] / 1000:.1f} s" if voter["lag_ms"] is not None else ""))
    return found


def zookeeper_problems(nodes: list[dict[str, Any]]) -> list[str]:
    if not nodes:
        return []
    found = []
    for node in nodes:
        if node["error"]:
            found.append(f"zookeeper {node['address']} {node['error']}")
        elif node["mode"] not in ZOOKEEPER_SERVING:
            found.append(f"zookeeper {node['address']} not serving requests")
    leaders = [node["address"] for node in nodes if node["mode"] in ("leader", "standalone")]
    if not leaders:
        found.append("zookeeper ensemble has no leader")
    elif len(leaders) > 1:
        found.append(f"zookeeper ensemble has {len(leaders)} leaders: {', '.join(leaders)}")
    return found


def partition_problems(partitions: dict[str, Any], keys: tuple[str, ...]) -> list[str]:
    what = {"offline": "offline", "under_min_isr": "under min ISR", "under_replicated": "under-replicated"}
    return [f"{plural(len(rows), 'partition')} {what[key]}: {listed([label(row) for row in rows])}"
            for key in keys if (rows := partitions[key])]


def judge(report: dict[str, Any]) -> list[str]:
    """Every problem of a report, worst first: partitions nobody can use, then those refusing
    acks=all writes, then missing nodes, the controller, lost redundancy and ZooKeeper."""
    partitions = report["partitions"]
    undescribed = partitions["undescribed_topics"]
    found = partition_problems(partitions, ("offline", "under_min_isr"))
    found += broker_problems(report["brokers"]) + controller_problems(report["controller"])
    found += partition_problems(partitions, ("under_replicated",))
    if undescribed:
        found.append(f"{plural(len(undescribed), 'topic')} not described: {listed(undescribed)}")
    if report.get("topics_error"):
        found.append(f"topics not described ({report['topics_error']})")
    return found + zookeeper_problems(report["zookeeper"])


def summary(report: dict[str, Any]) -> str:
    registered = [row for row in report["brokers"] if row["state"] == "registered"]
    controller = report["controller"]
    if controller["mode"] == "kraft":
        who = f"quorum leader {controller['leader_id']}"
    else:
        who = f"controller {controller['id']}"
    zookeeper = f", {plural(len(report['zookeeper']), 'zookeeper node')} serving" if report["zookeeper"] else ""
    return (f"{plural(len(registered), 'broker')}, {who}, {plural(report['partitions']['total'], 'partition')} "
            f"led and in sync{zookeeper}")


def build_report(collected: Collected, limits: Limits) -> dict[str, Any]:
    """The whole report, verdict included, from what was read."""
    report: dict[str, Any] = {
        "version": __version__, "bootstrap_servers": collected.bootstrap_servers,
        "reachable": collected.reachable, "cluster_id": collected.cluster.get("cluster_id"),
        "mode": ("kraft" if collected.kraft else "zookeeper") if collected.reachable else None,
        "zookeeper": zookeeper_report(collected.zookeeper), "notes": list(collected.notes),
    }
    if not collected.reachable:
        reason = collected.errors.get("cluster", "cannot reach the cluster")
        zookeeper = zookeeper_problems(report["zookeeper"])
        return {**report, "brokers": [], "controller": None, "partitions": None, "topics": None,
                "problems": [reason, *zookeeper], "healthy": False, "exit_code": UNREACHABLE,
                "result": MEANING[UNREACHABLE], "reason": "; ".join([reason, *zookeeper])}
    partitions = partition_report(collected)
    report["brokers"] = broker_report(collected, limits, partitions)
    report["controller"] = controller_report(collected, limits)
    report["topics_error"] = collected.errors.get("topics")
    report["partitions"] = {key: value for key, value in partitions.items() if key not in ("leaders", "replicas")}
    report["topics"] = {key: topics_of(partitions[key]) for key in ("offline", "under_replicated", "under_min_isr")}
    if partitions["min_isr_unknown"]:
        report["notes"].append(f"min.insync.replicas unknown, under min ISR not judged for: "
                               f"{listed(partitions['min_isr_unknown'])}")
    problems = judge(report)
    code = UNHEALTHY if problems else OK
    report.update({"problems": problems, "healthy": not problems, "exit_code": code, "result": MEANING[code],
                   "reason": "; ".join(problems) if problems else summary(report)})
    return report


# --- pure: the table ----------------------------------------------------------------------------


def human_bytes(count: int | None) -> str:
    if count is None:
        return "-"
    if count < 1024:
        return f"{count} B"
    value, units = count / 1024, ["KiB", "MiB", "GiB", "TiB"]
    while value >= 1024 and len(units) > 1:
        value /= 1024
        units.pop(0)
    return f"{value:.1f} {units[0]}"


def cell(value: Any) -> str:
    return "-" if value is None or value == "" else str(value)


def columns(header: list[str], rows: list[list[str]], indent: str = "") -> list[str]:
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    return [(indent + "  ".join(text.ljust(width) for text, width in zip(row, widths))).rstrip()
            for row in [header, *rows]]


def volume(log_dir: dict[str, Any]) -> str:
    total, usable = log_dir["total_bytes"], log_dir["usable_bytes"]
    if total is None or usable is None or total <= 0:
        return "-"
    used = total - usable
    return f"{human_bytes(used)} of {human_bytes(total)} ({100 * used / total:.0f}%)"


def broker_lines(brokers: list[dict[str, Any]]) -> list[str]:
    rows = []
    for row in brokers:
        address = f"{row['host']}:{row['port']}" if row["host"] else None
        state = row["state"] if row["expected"] is not False else f"{row['state']} (not expected)"
        head = [str(row["id"]), cell(address), state, cell(row["rack"])]
        counts = [str(row["leaders"]), str(row["replicas"])] if row["state"] != "missing" else ["-", "-"]
        dirs = row["log_dirs"] or []
        if not dirs:
            detail = f"unknown: {row['log_dirs_error']}" if row["log_dirs_error"] else "-"
            rows.append([*head, *counts, detail, "-", "-"])
        for index, log_dir in enumerate(dirs):
            data = log_dir["error"] or human_bytes(log_dir["bytes"])
            first = index == 0
            rows.append([*(head + counts if first else [""] * 6), cell(log_dir["path"]), data, volume(log_dir)])
    return columns(["BROKER", "ADDRESS", "STATE", "RACK", "LEADERS", "REPLICAS", "LOG DIR", "DATA", "VOLUME USED"],
                   rows)


def replica_table(title: str, replicas: list[dict[str, Any]]) -> list[str]:
    rows = []
    for replica in replicas:
        state = replica["role"] + (" LAGGING" if replica.get("lagging") else "")
        lag_ms = f"{replica['lag_ms'] / 1000:.1f} s" if replica["lag_ms"] is not None else None
        rows.append([str(replica["id"]), cell(replica["endpoint"]), cell(replica["log_end_offset"]),
                     cell(replica["lag"]), cell(lag_ms), state])
    return columns([title, "ENDPOINT", "LOG END", "LAG", "BEHIND", "STATE"], rows, indent="  ")


def controller_lines(controller: dict[str, Any]) -> list[str]:
    if controller["mode"] == "zookeeper":
        return [f"CONTROLLER  {cell(controller['id'])} (ZooKeeper mode)"]
    lines = [f"CONTROLLER  KRaft quorum leader {cell(controller['leader_id'])}, "
             f"epoch {cell(controller['leader_epoch'])}, high watermark {cell(controller['high_watermark'])}"]
    if controller["error"]:
        lines.append(f"  error: {controller['error']}")
    if controller["voters"]:
        lines += replica_table("VOTER", controller["voters"])
    if controller["observers"]:
        lines += replica_table("OBSERVER", controller["observers"])
    return lines


def zookeeper_lines(nodes: list[dict[str, Any]]) -> list[str]:
    rows = []
    for node in nodes:
        if node["error"]:
            rows.append([node["address"], "-", "-", "-", "-", node["error"]])
            continue
        synced = f"{node['synced_followers']}/{node['followers']}" if node["followers"] is not None else None
        source = node["command"] + (f" ({', '.join(node['missing'])} unknown)" if node["missing"] else "")
        rows.append([node["address"], cell(node["mode"]), cell(node["outstanding"]), cell(node["znodes"]),
                     cell(synced), source])
    return columns(["ZOOKEEPER", "MODE", "OUTSTANDING", "ZNODES", "SYNCED", "FROM"], rows)


def packed(prefix: str, items: list[str], width: int = WIDTH) -> list[str]:
    """prefix and the items, comma-separated, on as many lines of width as they need; an item is
    never split."""
    lines, line = [], prefix
    for index, item in enumerate(items):
        text = item + ("," if index < len(items) - 1 else "")
        if line != prefix and len(line) + 1 + len(text) > width:
            lines.append(line)
            line = " " * len(prefix) + text
        else:
            line += ("" if line == prefix else " ") + text
    return [*lines, line]


def partition_lines(partitions: dict[str, Any], topics: dict[str, list[str]]) -> list[str]:
    counts = [f"{len(partitions[key])} {what}" for key, what in
              (("offline", "offline"), ("under_replicated", "under-replicated"), ("under_min_isr", "under min ISR"))]
    lines = [f"PARTITIONS  {partitions['total']} in all: {', '.join(counts)}"]
    for key, what in (("offline", "offline"), ("under_min_isr", "under min ISR"),
                      ("under_replicated", "under-replicated")):
        rows = partitions[key]
        if not rows:
            continue
        if key == "under_min_isr":
            items = [f"{label(row)} (isr {row['isr']}, min {row['min_isr']} from {row['min_isr_source']})"
                     for row in rows]
        elif key == "offline":
            items = [f"{label(row)} (replicas {row['replicas']})" for row in rows]
        else:
            items = [f"{label(row)} (isr {row['isr']} of {row['replicas']})" for row in rows]
        lines += packed(f"  {what:<17} ", shown_items(items))
        lines += packed(f"  {'':<17} topics: ", topics[key])
    if partitions["undescribed_topics"]:
        lines.append(f"  {'not described':<17} {listed(partitions['undescribed_topics'])}")
    return lines


def render_table(report: dict[str, Any]) -> str:
    cluster = f"cluster {report['cluster_id']}" if report.get("cluster_id") else "cluster"
    mode = f" ({report['mode']} mode)" if report.get("mode") else ""
    lines = [f"Kafka {cluster}{mode} via {','.join(report['bootstrap_servers'])}"]
    if report["reachable"]:
        lines += ["", *broker_lines(report["brokers"]), "", *controller_lines(report["controller"])]
    if report["zookeeper"]:
        lines += ["", *zookeeper_lines(report["zookeeper"])]
    if report["reachable"]:
        lines += ["", *partition_lines(report["partitions"], report["topics"])]
    if report["notes"]:
        lines += ["", *(f"note: {note}" for note in report["notes"])]
    lines += ["", f"{RESULT_WORD.get(report['exit_code'], 'FAILED')}: {report['reason']}"]
    return "\n".join(lines)


# --- pure: ZooKeeper's four-letter words ------------------------------------------------------


def parse_mntr(address: str, text: str) -> ZkNode:
    values = dict(line.split("\t", 1) for line in text.splitlines() if "\t" in line)
    return ZkNode(address=address, command="mntr", mode=values.get("zk_server_state"),
                  version=values.get("zk_version"), outstanding=as_int(values.get("zk_outstanding_requests")),
                  znodes=as_int(values.get("zk_znode_count")), followers=as_int(values.get("zk_followers")),
                  synced_followers=as_int(values.get("zk_synced_followers")))


def parse_srvr(address: str, text: str) -> ZkNode:
    values = {key.strip(): value.strip() for key, _, value in
              (line.partition(":") for line in text.splitlines() if ":" in line)}
    mode = values.get("Mode")
    return ZkNode(address=address, command="srvr", mode=mode, version=values.get("Zookeeper version"),
                  outstanding=as_int(values.get("Outstanding")), znodes=as_int(values.get("Node count")),
                  missing=list(MNTR_ONLY) if mode == "leader" else [])


# --- I/O ----------------------------------------------------------------------------------------


def four_letter(address: str, command: str, timeout: float) -> str:
    host, _, port = address.rpartition(":")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout) as connection:
        connection.sendall(command.encode())
        chunks = []
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")


def zookeeper_node(address: str, mntr: str, srvr: str | None = None) -> tuple[ZkNode, str | None]:
    """A node from its mntr answer, or from srvr's when its 4lw.commands.whitelist leaves mntr
    out (srvr None: not asked yet); and a note saying what srvr does not tell."""
    command, text = ("mntr", mntr) if srvr is None else ("srvr", srvr)
    if WHITELIST_REFUSAL in text:
        refused = "mntr" if srvr is None else "neither mntr nor srvr"
        return ZkNode(address=address, error=f"answers {refused} (4lw.commands.whitelist)"), None
    if NOT_SERVING in text:
        return ZkNode(address=address, command=command, mode="not serving"), None
    if srvr is None:
        return parse_mntr(address, mntr), None
    node = parse_srvr(address, srvr)
    missing = f"; {', '.join(node.missing)} unknown" if node.missing else ""
    return node, (f"zookeeper {address}: mntr is not in 4lw.commands.whitelist, srvr used instead{missing} "
                  f"(allow mntr for the full view)")


def read_zookeeper(address: str, timeout: float) -> tuple[ZkNode, str | None]:
    try:
        mntr = four_letter(address, "mntr", timeout)
        srvr = four_letter(address, "srvr", timeout) if WHITELIST_REFUSAL in mntr else None
    except (OSError, ValueError) as error:
        return ZkNode(address=address, error=f"unreachable ({error.__class__.__name__})"), None
    return zookeeper_node(address, mntr, srvr)


def connect(bootstrap: list[str], timeout: float, settings: dict[str, Any] | None = None) -> Any:
    """An admin client; settings: kafka-python's security settings (kafka_verify.security)."""
    from kafka import KafkaAdminClient

    return KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kafka-verify-status",
                            request_timeout_ms=int(timeout * 1000), bootstrap_timeout_ms=int(timeout * 1000),
                            **(settings or {}))


def read_quorum(admin: Any, collected: Collected, forced: bool) -> None:
    """KRaft when told (--quorum) or when the cluster describes its metadata quorum. Only a broker
    that does not know the request (ZooKeeper mode) means ZooKeeper mode: any other failure is a
    KRaft quorum that did not answer."""
    from kafka.errors import IncompatibleBrokerVersion, KafkaError, UnsupportedVersionError

    if not hasattr(admin, "describe_metadata_quorum"):
        collected.kraft = forced
        if forced:
            collected.errors["quorum"] = "this kafka-python has no describe_metadata_quorum (3.0.12 has)"
        else:
            collected.notes.append("this kafka-python cannot describe a KRaft quorum: ZooKeeper mode assumed")
        return
    try:
        collected.quorum = admin.describe_metadata_quorum()
        collected.kraft = True
    except (IncompatibleBrokerVersion, UnsupportedVersionError) as error:
        collected.kraft = forced
        if forced:
            collected.errors["quorum"] = f"the brokers do not serve DescribeQuorum ({error.__class__.__name__})"
    except (KafkaError, OSError) as error:
        collected.kraft = True
        collected.errors["quorum"] = error.__class__.__name__


def read_min_isr(admin: Any, collected: Collected, brokers: list[int]) -> None:
    """min.insync.replicas of every topic (its own or the default it gets) and of every broker."""
    from kafka.admin import ConfigResource, ConfigResourceType
    from kafka.errors import KafkaError

    names = [topic["name"] for topic in collected.topics if not topic.get("error_code")]
    try:
        if names:
            described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name, configs=[MIN_ISR])
                                                for name in names], config_filter="all")
            collected.topic_configs = dict(described.get("topic", {}))
    except (KafkaError, OSError, TypeError, AttributeError) as error:
        collected.notes.append(f"topic configs not read ({error.__class__.__name__}): brokers' defaults used")
    for broker in brokers:
        try:
            described = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, str(broker),
                                                               configs=[MIN_ISR])], config_filter="all")
            collected.broker_configs[broker] = dict(described.get("broker", {}).get(str(broker), {}))
        except (KafkaError, OSError, TypeError, AttributeError) as error:
            collected.notes.append(f"broker {broker} configs not read ({error.__class__.__name__})")


def read_log_dirs(admin: Any, collected: Collected, brokers: list[int]) -> None:
    """Each broker's log directories, one broker at a time so one that does not answer costs only
    its own row."""
    from kafka.errors import KafkaError

    if not hasattr(admin, "describe_log_dirs"):
        collected.notes.append("this kafka-python has no describe_log_dirs: disk use not shown")
        return
    wanted = {topic["name"]: [p["partition_index"] for p in topic.get("partitions", [])]
              for topic in collected.topics if not topic.get("error_code")}
    for broker in brokers:
        try:
            answers = admin.describe_log_dirs(topic_partitions=wanted, brokers=[broker])
            collected.log_dirs[broker] = [entry for answer in answers if answer.get("broker") == broker
                                          for entry in answer.get("log_dirs", [])]
        except TypeError:
            collected.notes.append("this kafka-python's describe_log_dirs cannot ask one broker: disk use not shown")
            return
        except (KafkaError, OSError, AttributeError) as error:
            collected.errors[f"log_dirs:{broker}"] = error.__class__.__name__


def collect(args: argparse.Namespace, settings: dict[str, Any] | None = None) -> Collected:
    """Read everything the report needs; only an unreachable cluster stops the reading.
    settings: kafka-python's security settings (security.client_settings of args)."""
    from kafka.errors import KafkaError

    bootstrap = [server.strip() for server in args.bootstrap_servers.split(",") if server.strip()]
    collected = Collected(bootstrap_servers=bootstrap)
    for address in args.zookeeper:
        node, note = read_zookeeper(address, args.timeout)
        collected.zookeeper.append(node)
        if note:
            collected.notes.append(note)
    admin = None
    try:
        with security.watch_failures(settings) as watch:
            admin = connect(bootstrap, args.timeout, settings)
            collected.cluster = admin.describe_cluster()
    except (KafkaError, OSError) as error:
        collected.reachable = False
        collected.errors["cluster"] = watch.unreachable(",".join(bootstrap), error)
        if admin is not None:
            with contextlib.suppress(Exception):
                admin.close()
        return collected
    try:
        try:
            collected.topics = admin.describe_topics()
        except (KafkaError, OSError) as error:
            collected.errors["topics"] = error.__class__.__name__
        read_quorum(admin, collected, args.quorum)
        serving = serving_brokers(collected.cluster)
        read_min_isr(admin, collected, serving)
        read_log_dirs(admin, collected, serving)
    finally:
        with contextlib.suppress(Exception):
            admin.close()
    return collected


# --- command line -------------------------------------------------------------------------------


def zookeeper_addresses(text: str) -> list[str]:
    addresses = [part.strip() for part in text.split(",") if part.strip()]
    for address in addresses:
        host, _, port = address.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise argparse.ArgumentTypeError(f"{address!r} is not host:port")
    return addresses


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="kafka-verify status",
        description="One screen of the cluster: brokers (registered, fenced or missing, rack, leaders, replicas, "
                    "disk use per log dir), the controller (in KRaft mode the metadata quorum: leader, epoch, "
                    "voters with their lag, observers), ZooKeeper nodes, and partitions offline, under-replicated "
                    "or under min.insync.replicas. Exit codes: 0 healthy, 2 bad arguments, 3 cannot reach the "
                    "cluster, 4 unhealthy (the last line says why).")
    parser.add_argument("--version", action="version", version=f"kafka_verify {__version__}")
    parser.add_argument("--bootstrap-servers", default="localhost:9092", help="host:port[,host:port...]")
    parser.add_argument("--expect-brokers", type=broker_ids, default=[],
                        help="broker ids that must be registered, e.g. 1,2,3 (missing ones make it unhealthy)")
    parser.add_argument("--quorum", action="store_true",
                        help="the cluster runs in KRaft mode: describe its metadata quorum (without this, KRaft "
                             "is detected when the brokers serve DescribeQuorum)")
    parser.add_argument("--zookeeper", type=zookeeper_addresses, default=[],
                        help="ZooKeeper nodes to ask (mntr, or srvr when mntr is not allowed), host:port[,...]")
    parser.add_argument("--max-voter-lag", type=positive_int, default=Limits.max_voter_lag,
                        help="records a KRaft voter may be behind the quorum leader (1000)")
    parser.add_argument("--max-voter-lag-ms", type=positive_int, default=Limits.max_voter_lag_ms,
                        help="milliseconds a KRaft voter may be behind the quorum leader (10000)")
    parser.add_argument("--timeout", type=positive_float, default=15.0,
                        help="seconds to reach the cluster, and per request (15)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON instead of the table")
    parser.add_argument("--render", metavar="FILE",
                        help="print the table of a JSON report saved earlier (- for stdin) and exit with its code; "
                             "the cluster is not contacted")
    security.add_arguments(parser)
    return parser


def failed_report(bootstrap_servers: str, reason: str) -> dict[str, Any]:
    """The report of a run that broke off: unhealthy, with the reason."""
    bootstrap = [server.strip() for server in bootstrap_servers.split(",") if server.strip()]
    report = build_report(Collected(bootstrap_servers=bootstrap, reachable=False, errors={"cluster": reason}),
                          Limits())
    report.update({"exit_code": UNHEALTHY, "result": MEANING[UNHEALTHY]})
    return report


def load_report(path: str) -> dict[str, Any]:
    try:
        if path == "-":
            report = json.load(sys.stdin)
        else:
            with open(path, encoding="utf-8") as handle:
                report = json.load(handle)
        if not isinstance(report, dict) or "exit_code" not in report or "reason" not in report:
            raise ValueError("not a report of kafka-verify status --json")
    except (OSError, ValueError) as error:
        raise VerifyError(BAD_ARGUMENTS, f"cannot render {path}: {error}") from error
    return report


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.getLogger("kafka").addHandler(logging.NullHandler())  # the report says what failed, once
    if args.render:
        try:
            report = load_report(args.render)
        except VerifyError as error:
            sys.stderr.write(f"kafka-verify status: {error.message}\n")
            return error.code
        try:
            print(render_table(report))
            return int(report["exit_code"])
        except (KeyError, TypeError, ValueError) as error:
            sys.stderr.write(f"kafka-verify status: cannot render {args.render}: not a report of this version "
                             f"({error.__class__.__name__}: {error})\n")
            return BAD_ARGUMENTS
    limits = Limits(args.expect_brokers, args.max_voter_lag, args.max_voter_lag_ms)
    settings: dict[str, Any] = {}
    try:
        settings = security.client_settings(args)
        report = build_report(collect(args, settings), limits)
    except VerifyError as error:
        sys.stderr.write(f"kafka-verify status: bad arguments: {error.message}\n")
        return error.code
    except KeyboardInterrupt:
        sys.stderr.write("kafka-verify status: interrupted\n")
        return BAD_ARGUMENTS
    except Exception as error:  # noqa: BLE001 - one line, never a traceback
        report = failed_report(args.bootstrap_servers,
                               security.redact(f"unexpected {error.__class__.__name__}: {error}", settings))
    print(json.dumps(report, sort_keys=True, default=str) if args.json else render_table(report))
    return int(report["exit_code"])


if __name__ == "__main__":
    sys.exit(main())
