"""The status report: health judged from constructed kafka-python answers, the table, the JSON,
the exit codes, and the reading glue against a stand-in admin client (the real-cluster runs are
the lab's)."""

import json
import socket
import subprocess
import sys
import threading

import pytest
from conftest import ROOT

from kafka_verify import bundle, status
from kafka_verify.errors import BAD_ARGUMENTS, OK, UNHEALTHY, UNREACHABLE
from kafka_verify.status import Collected, Limits, ZkNode, build_report, render_table

GiB = 2**30


def partition(index, leader, replicas, isr):
    return {"partition_index": index, "leader_id": leader, "replica_nodes": replicas, "isr_nodes": isr}


def topic(name, *partitions):
    return {"name": name, "error_code": 0,
            "partitions": [partition(index, *spec) for index, spec in enumerate(partitions)]}


def broker(broker_id, fenced=False, rack=None):
    return {"broker_id": broker_id, "host": f"kafka{broker_id}", "port": 9092, "rack": rack, "is_fenced": fenced}


def min_isr(value, source="STATIC_BROKER_CONFIG"):
    return {"min.insync.replicas": {"value": str(value), "config_source": source, "read_only": False}}


def log_dir(path, sizes, total=50 * GiB, usable=30 * GiB, error_code=0):
    return {"error_code": error_code, "log_dir": path, "total_bytes": total, "usable_bytes": usable,
            "topics": [{"name": "t", "partitions": [
                {"partition_index": index, "partition_size": size, "offset_lag": 0, "is_future_key": False}
                for index, size in enumerate(sizes)]}]}


IN_SYNC = topic("t", (1, [1, 2, 3], [1, 2, 3]), (2, [2, 3, 1], [2, 3, 1]), (3, [3, 1, 2], [3, 1, 2]))


def collected(topics=(IN_SYNC,), brokers=(1, 2, 3), controller=1, **fields):
    values = {
        "bootstrap_servers": ["kafka1:9092", "kafka2:9092"],
        "cluster": {"cluster_id": "Cid", "controller_id": controller,
                    "brokers": [b if isinstance(b, dict) else broker(b) for b in brokers]},
        "topics": list(topics),
        "topic_configs": {t["name"]: min_isr(2) for t in topics},
        "broker_configs": {b: min_isr(2) for b in (1, 2, 3)},
        "log_dirs": {b: [log_dir("/var/lib/kafka/server", [1000, 2000])] for b in (1, 2, 3)},
    }
    values.update(fields)
    return Collected(**values)


def voter(replica_id, offset, caught_up):
    return {"replica_id": replica_id, "replica_directory_id": "00000000-0000-0000-0000-000000000000",
            "log_end_offset": offset, "last_fetch_timestamp": caught_up, "last_caught_up_timestamp": caught_up}


def quorum(leader=3, voters=None, observers=(), error=None):
    voters = voters if voters is not None else [voter(1, 83, 99_900), voter(2, 83, 99_950), voter(3, 83, 100_000)]
    return {"topics": [{"topic_name": "__cluster_metadata", "partitions": [
        {"partition_index": 0, "error": error, "leader_id": leader, "leader_epoch": 5, "high_watermark": 83,
         "current_voters": voters, "observers": list(observers)}]}],
        "nodes": [{"node_id": n, "listeners": [{"name": "CONTROLLER", "host": f"kafka{n}", "port": 9093}]}
                  for n in (1, 2, 3)]}


def report_of(data, expected=(1, 2, 3), **limits):
    return build_report(data, Limits(list(expected), **limits))


# --- health ---------------------------------------------------------------------------------------


def test_a_healthy_zookeeper_mode_cluster():
    report = report_of(collected())
    assert report["healthy"] is True
    assert report["exit_code"] == OK
    assert report["problems"] == []
    assert report["mode"] == "zookeeper"
    assert report["controller"] == {"mode": "zookeeper", "id": 1, "error": None}
    assert report["reason"] == "3 brokers, controller 1, 3 partitions led and in sync"
    assert [(row["id"], row["state"], row["leaders"], row["replicas"]) for row in report["brokers"]] == [
        (1, "registered", 1, 3), (2, "registered", 1, 3), (3, "registered", 1, 3)]


def test_no_controller_in_zookeeper_mode():
    report = report_of(collected(controller=-1))
    assert report["exit_code"] == UNHEALTHY
    assert report["problems"] == ["no active controller"]


def test_offline_partition_is_only_offline():
    sick = topic("t", (-1, [1, 2, 3], [3]), (2, [2, 3, 1], [2, 3, 1]))
    report = report_of(collected(topics=[sick]))
    assert [status.label(row) for row in report["partitions"]["offline"]] == ["t-0"]
    # A partition nobody leads is unavailable; it is not also counted as under-replicated or under min ISR.
    assert report["partitions"]["under_replicated"] == []
    assert report["partitions"]["under_min_isr"] == []
    assert report["topics"]["offline"] == ["t"]
    assert report["problems"] == ["1 partition offline: t-0"]
    assert report["exit_code"] == UNHEALTHY


def test_under_replicated_but_not_under_min_isr():
    sick = topic("t", (1, [1, 2, 3], [1, 2, 3]), (2, [2, 3, 1], [2, 3]))
    report = report_of(collected(topics=[sick]))
    assert [status.label(row) for row in report["partitions"]["under_replicated"]] == ["t-1"]
    assert report["partitions"]["under_min_isr"] == []
    assert report["problems"] == ["1 partition under-replicated: t-1"]
    assert report["exit_code"] == UNHEALTHY


def test_a_topic_override_is_stricter_than_the_broker_default():
    strict = topic("strict", (1, [1, 2, 3], [1, 2]))
    loose = topic("loose", (1, [1, 2, 3], [1, 2]))
    data = collected(topics=[strict, loose], topic_configs={
        "strict": min_isr(3, "DYNAMIC_TOPIC_CONFIG"), "loose": min_isr(2, "STATIC_BROKER_CONFIG")})
    report = report_of(data)
    [row] = report["partitions"]["under_min_isr"]
    assert (row["topic"], row["min_isr"], row["min_isr_source"]) == ("strict", 3, "topic")
    assert report["topics"]["under_min_isr"] == ["strict"]
    assert report["problems"][0] == "1 partition under min ISR: strict-0"


def test_a_topic_override_looser_than_the_broker_default_wins():
    relaxed = topic("relaxed", (1, [1, 2, 3], [1]))
    data = collected(topics=[relaxed], topic_configs={"relaxed": min_isr(1, "DYNAMIC_TOPIC_CONFIG")},
                     broker_configs={b: min_isr(2) for b in (1, 2, 3)})
    report = report_of(data)
    assert report["partitions"]["under_min_isr"] == []
    assert report["problems"] == ["1 partition under-replicated: relaxed-0"]


def test_without_an_override_the_leaders_broker_default_counts():
    # The topic was described by a broker whose default is 1; the leader's (broker 2) is 2.
    plain = topic("plain", (2, [2, 3], [2]))
    data = collected(topics=[plain], topic_configs={"plain": min_isr(1, "DEFAULT_CONFIG")},
                     broker_configs={1: min_isr(1), 2: min_isr(2), 3: min_isr(1)})
    [row] = report_of(data)["partitions"]["under_min_isr"]
    assert (row["min_isr"], row["min_isr_source"]) == (2, "broker 2")


def test_the_default_the_topic_was_described_with_when_brokers_did_not_say():
    plain = topic("plain", (2, [2, 3], [2]))
    data = collected(topics=[plain], topic_configs={"plain": min_isr(2, "STATIC_BROKER_CONFIG")}, broker_configs={})
    [row] = report_of(data)["partitions"]["under_min_isr"]
    assert (row["min_isr"], row["min_isr_source"]) == (2, "broker default")


def test_unknown_min_isr_is_said_not_guessed():
    plain = topic("plain", (2, [2, 3], [2]))
    report = report_of(collected(topics=[plain], topic_configs={}, broker_configs={}))
    assert report["partitions"]["min_isr_unknown"] == ["plain"]
    assert any("under min ISR not judged for: plain" in note for note in report["notes"])
    assert report["problems"] == ["1 partition under-replicated: plain-0"]


def test_the_reason_names_partitions_and_the_missing_broker():
    sick = topic("t", (1, [1, 2], [1]), (2, [2, 1], [2]))
    data = collected(topics=[sick], brokers=(1, 2))
    report = report_of(data, expected=(1, 2, 3))
    assert report["reason"].startswith("2 partitions under min ISR: t-0, t-1; broker 3 missing")
    assert report["exit_code"] == UNHEALTHY
    missing = next(row for row in report["brokers"] if row["id"] == 3)
    assert (missing["state"], missing["host"], missing["expected"]) == ("missing", None, True)


def test_an_unexpected_broker_is_shown_but_not_a_problem():
    report = report_of(collected(brokers=(1, 2, 3, 4)), expected=(1, 2, 3))
    assert report["healthy"] is True
    assert next(row for row in report["brokers"] if row["id"] == 4)["expected"] is False
    assert "registered (not expected)" in render_table(report)


def test_a_fenced_broker_is_unhealthy():
    data = collected(brokers=(1, 2, broker(3, fenced=True)))
    report = report_of(data)
    assert report["problems"] == ["broker 3 fenced"]


def test_a_failed_log_dir_is_a_problem():
    dirs = {1: [log_dir("/data/a", [10]), log_dir("/data/b", [], error_code=56)]}
    report = report_of(collected(log_dirs=dirs))
    assert report["problems"] == ["broker 1 log dir /data/b: KafkaStorageError"]
    row = next(row for row in report["brokers"] if row["id"] == 1)
    assert [(d["path"], d["bytes"], d["error"]) for d in row["log_dirs"]] == [
        ("/data/a", 10, None), ("/data/b", 0, "KafkaStorageError")]


def test_a_topic_described_with_an_error():
    broken = {"name": "gone", "error_code": 5, "partitions": []}
    report = report_of(collected(topics=[IN_SYNC, broken]))
    assert report["problems"] == ["1 topic not described: gone (LeaderNotAvailableError)"]


# --- KRaft ---------------------------------------------------------------------------------------------


def test_kraft_controller_is_the_quorum_leader_not_the_brokers_controller_id():
    report = report_of(collected(controller=1, kraft=True, quorum=quorum(leader=3)))
    assert report["healthy"] is True, report["problems"]
    assert report["mode"] == "kraft"
    assert report["controller"]["leader_id"] == 3
    assert report["controller"]["leader_epoch"] == 5
    assert report["reason"] == "3 brokers, quorum leader 3, 3 partitions led and in sync"
    voters = {row["id"]: row for row in report["controller"]["voters"]}
    assert voters[3]["role"] == "leader"
    assert voters[1]["endpoint"] == "kafka1:9093"
    assert (voters[1]["lag"], voters[1]["lag_ms"]) == (0, 100)
    assert "KRaft quorum leader 3, epoch 5" in render_table(report)


def test_kraft_voter_lagging_in_records():
    voters = [voter(1, 5000, 100_000), voter(2, 3000, 99_990), voter(3, 5000, 100_000)]
    report = report_of(collected(kraft=True, quorum=quorum(leader=1, voters=voters)), max_voter_lag=1000)
    assert report["problems"] == ["controller 2 lags the quorum leader by 2000 records, 0.0 s"]
    assert [row["id"] for row in report["controller"]["voters"] if row["lagging"]] == [2]
    assert "follower LAGGING" in render_table(report)


def test_kraft_voter_lag_within_the_limit_is_healthy():
    voters = [voter(1, 5000, 100_000), voter(2, 4990, 99_990), voter(3, 5000, 100_000)]
    report = report_of(collected(kraft=True, quorum=quorum(leader=1, voters=voters)), max_voter_lag=10)
    assert report["healthy"] is True


def test_kraft_voter_lagging_in_time():
    voters = [voter(1, 83, 100_000), voter(2, 83, 85_000), voter(3, 83, 100_000)]
    report = report_of(collected(kraft=True, quorum=quorum(leader=1, voters=voters)), max_voter_lag_ms=10_000)
    assert report["problems"] == ["controller 2 lags the quorum leader by 0 records, 15.0 s"]


def test_kraft_voter_never_seen_fetching():
    voters = [voter(1, 83, 100_000), voter(2, -1, -1), voter(3, 83, 100_000)]
    report = report_of(collected(kraft=True, quorum=quorum(leader=1, voters=voters)))
    assert report["problems"] == ["controller 2 has not fetched from the quorum leader"]


def test_kraft_observers_are_shown_not_judged():
    observers = [voter(4, 10, 1)]
    report = report_of(collected(kraft=True, quorum=quorum(observers=observers)))
    assert report["healthy"] is True
    [row] = report["controller"]["observers"]
    assert (row["id"], row["role"], row["lag"]) == (4, "observer", 73)


def test_kraft_quorum_without_a_leader():
    voters = [voter(1, 83, -1), voter(2, 83, -1), voter(3, 83, -1)]
    report = report_of(collected(kraft=True, quorum=quorum(leader=-1, voters=voters)))
    assert report["problems"] == ["KRaft quorum has no leader"]
    assert report["exit_code"] == UNHEALTHY


def test_kraft_quorum_that_did_not_answer():
    report = report_of(collected(kraft=True, quorum=None, errors={"quorum": "KafkaTimeoutError"}))
    assert report["problems"] == ["KRaft quorum has no leader (KafkaTimeoutError)"]


# --- ZooKeeper -------------------------------------------------------------------------------------


MNTR_LEADER = ("zk_version\t3.8.6-abc, built on 2025-01-01 00:00 UTC\nzk_server_state\tleader\n"
               "zk_outstanding_requests\t3\nzk_znode_count\t154\nzk_followers\t2\nzk_synced_followers\t1\n")
SRVR_FOLLOWER = ("Zookeeper version: 3.8.6-abc, built on 2025-01-01 00:00 UTC\nLatency min/avg/max: 0/0.5/9\n"
                 "Received: 10\nSent: 9\nConnections: 1\nOutstanding: 0\nZxid: 0x100000002\nMode: follower\n"
                 "Node count: 154\n")
REFUSED = "mntr is not executed because it is not in the whitelist.\n"


def test_mntr_is_read():
    node, note = status.zookeeper_node("zk1:2181", MNTR_LEADER)
    assert note is None
    assert (node.command, node.mode, node.outstanding, node.znodes, node.followers, node.synced_followers) == (
        "mntr", "leader", 3, 154, 2, 1)
    assert node.version.startswith("3.8.6")


def test_srvr_stands_in_when_mntr_is_not_allowed_and_says_what_is_missing():
    node, note = status.zookeeper_node("zk2:2181", REFUSED, SRVR_FOLLOWER.replace("follower", "leader"))
    assert (node.command, node.mode, node.outstanding, node.znodes) == ("srvr", "leader", 0, 154)
    assert node.missing == ["followers", "synced_followers"]
    assert "mntr is not in 4lw.commands.whitelist" in note
    assert "followers, synced_followers unknown" in note


def test_neither_word_allowed_is_an_error_not_a_mode():
    node, _ = status.zookeeper_node("zk1:2181", REFUSED, "srvr is not executed because it is not in the whitelist.")
    assert node.mode is None
    assert "neither mntr nor srvr" in node.error


def test_zookeeper_problems():
    leader, _ = status.zookeeper_node("zk1:2181", MNTR_LEADER)
    follower, _ = status.zookeeper_node("zk2:2181", REFUSED, SRVR_FOLLOWER)
    down = ZkNode("zk3:2181", error="unreachable (ConnectionRefusedError)")
    healthy = report_of(collected(zookeeper=[leader, follower]))
    assert healthy["healthy"] is True
    assert healthy["reason"].endswith("2 zookeeper nodes serving")
    assert report_of(collected(zookeeper=[leader, follower, down]))["problems"] == [
        "zookeeper zk3:2181 unreachable (ConnectionRefusedError)"]
    assert report_of(collected(zookeeper=[follower, down]))["problems"] == [
        "zookeeper zk3:2181 unreachable (ConnectionRefusedError)", "zookeeper ensemble has no leader"]
    not_serving, _ = status.zookeeper_node("zk1:2181", "This ZooKeeper instance is not currently serving requests\n")
    assert report_of(collected(zookeeper=[not_serving]))["problems"] == [
        "zookeeper zk1:2181 not serving requests", "zookeeper ensemble has no leader"]


def test_zookeeper_over_a_socket_falls_back_to_srvr():
    server = socket.create_server(("127.0.0.1", 0))
    asked = []

    def answer():
        for _ in range(2):
            connection, _ = server.accept()
            with connection:
                word = connection.recv(4).decode()
                asked.append(word)
                connection.sendall((REFUSED if word == "mntr" else SRVR_FOLLOWER).encode())

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        node, note = status.read_zookeeper(f"127.0.0.1:{server.getsockname()[1]}", 5)
    finally:
        thread.join(5)
        server.close()
    assert asked == ["mntr", "srvr"]
    assert (node.command, node.mode, node.znodes) == ("srvr", "follower", 154)
    assert note is not None


def test_an_unreachable_zookeeper_node():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    node, _ = status.read_zookeeper(f"127.0.0.1:{port}", 2)
    assert node.error == "unreachable (ConnectionRefusedError)"


# --- table and JSON --------------------------------------------------------------------------------


def test_the_table():
    dirs = {1: [log_dir("/var/lib/kafka/server", [GiB, GiB // 2])], 2: [], 3: [log_dir("/d", [5], total=-1)]}
    sick = topic("t", (1, [1, 2, 3], [1]), (2, [2, 3, 1], [2, 3, 1]))
    data = collected(topics=[sick], brokers=(broker(1, rack="r1"), 2, 3), log_dirs=dirs,
                     errors={"log_dirs:2": "KafkaTimeoutError"})
    lines = render_table(report_of(data, expected=(1, 2, 3, 4))).splitlines()
    assert lines[0] == "Kafka cluster Cid (zookeeper mode) via kafka1:9092,kafka2:9092"
    header = lines[2].split()
    assert header[:6] == ["BROKER", "ADDRESS", "STATE", "RACK", "LEADERS", "REPLICAS"]
    assert lines[3].split()[:9] == ["1", "kafka1:9092", "registered", "r1", "1", "2", "/var/lib/kafka/server",
                                    "1.5", "GiB"]
    assert "20.0 GiB of 50.0 GiB (40%)" in lines[3]
    assert lines[4].split()[:3] == ["2", "kafka2:9092", "registered"]
    assert lines[4].split()[6:] == ["unknown:", "KafkaTimeoutError", "-", "-"]
    assert lines[5].split()[:9] == ["3", "kafka3:9092", "registered", "-", "0", "2", "/d", "5", "B"]
    assert lines[5].split()[-1] == "-"  # the volume's size is unknown (total_bytes -1)
    assert lines[6].split() == ["4", "-", "missing", "-", "-", "-", "-", "-", "-"]
    assert "CONTROLLER  1 (ZooKeeper mode)" in lines
    assert "PARTITIONS  2 in all: 0 offline, 1 under-replicated, 1 under min ISR" in lines
    assert "  under min ISR     t-0 (isr [1], min 2 from broker 1)" in lines
    assert lines[-1] == "UNHEALTHY: 1 partition under min ISR: t-0; broker 4 missing; " \
                        "1 partition under-replicated: t-0"


def test_the_table_of_a_healthy_cluster_ends_with_healthy():
    assert render_table(report_of(collected())).splitlines()[-1] == \
        "HEALTHY: 3 brokers, controller 1, 3 partitions led and in sync"


def test_long_lists_are_cut_and_counted():
    many = topic("t", *[(1, [1, 2, 3], [1, 2]) for _ in range(10)])
    report = report_of(collected(topics=[many]))
    assert report["problems"] == ["10 partitions under-replicated: t-0, t-1, t-2, t-3, t-4, t-5, t-6, t-7 (+2 more)"]
    assert len(report["partitions"]["under_replicated"]) == 10


def test_long_partition_lists_wrap_between_partitions():
    many = topic("t", *[(1, [1, 2, 3], [1, 2]) for _ in range(12)])
    lines = render_table(report_of(collected(topics=[many]))).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  under-replicated"))
    block = lines[start:start + 5]
    assert all(len(line) <= status.WIDTH for line in block)
    # Continuation lines start under the first entry with a whole entry: none is cut inside its brackets.
    assert all(line.startswith(" " * 20) and not line.startswith(" " * 21) for line in block[1:])
    assert [line.split()[0] for line in block[1:]] == ["t-2", "t-4", "t-6", "topics:"]
    assert block[3].endswith("(+4 more)")
    assert " ".join(block[:4]).count("(isr [1, 2] of [1, 2, 3])") == 8


def test_human_bytes():
    assert [status.human_bytes(n) for n in (0, 1023, 1024, 5 * 2**20, 3 * GiB, 2048 * 2**40, None)] == [
        "0 B", "1023 B", "1.0 KiB", "5.0 MiB", "3.0 GiB", "2048.0 TiB", "-"]


def test_json_shape_and_render_round_trip():
    sick = topic("t", (1, [1, 2, 3], [1]))
    report = report_of(collected(topics=[sick], kraft=True, quorum=quorum(),
                                 zookeeper=[ZkNode("zk1:2181", "mntr", "standalone", "3.8.6", 0, 5)]))
    loaded = json.loads(json.dumps(report, sort_keys=True, default=str))
    assert {"bootstrap_servers", "reachable", "cluster_id", "mode", "brokers", "controller", "zookeeper",
            "partitions", "topics", "notes", "problems", "healthy", "exit_code", "result", "reason"} <= set(loaded)
    assert set(loaded["brokers"][0]) >= {"id", "host", "port", "rack", "state", "leaders", "replicas", "log_dirs"}
    assert set(loaded["brokers"][0]["log_dirs"][0]) == {"path", "bytes", "total_bytes", "usable_bytes", "error"}
    assert set(loaded["controller"]) >= {"mode", "leader_id", "leader_epoch", "voters", "observers"}
    assert loaded["partitions"]["under_min_isr"][0] == {
        "topic": "t", "partition": 0, "leader": 1, "replicas": [1, 2, 3], "isr": [1], "min_isr": 2,
        "min_isr_source": "broker 1"}
    assert loaded["topics"] == {"offline": [], "under_replicated": ["t"], "under_min_isr": ["t"]}
    assert (loaded["healthy"], loaded["exit_code"], loaded["result"]) == (False, UNHEALTHY, "cluster unhealthy")
    # What --render prints from the saved JSON is the table the run printed.
    assert render_table(loaded) == render_table(report)


def test_an_unreachable_cluster_report():
    data = Collected(bootstrap_servers=["kafka1:9092"], reachable=False,
                     errors={"cluster": "cannot reach the cluster at kafka1:9092 (NoBrokersAvailable)"},
                     zookeeper=[ZkNode("zk1:2181", error="unreachable (ConnectionRefusedError)")])
    report = build_report(data, Limits([1]))
    assert report["exit_code"] == UNREACHABLE
    assert report["reason"] == ("cannot reach the cluster at kafka1:9092 (NoBrokersAvailable); "
                                "zookeeper zk1:2181 unreachable (ConnectionRefusedError); "
                                "zookeeper ensemble has no leader")
    table = render_table(report)
    assert table.splitlines()[-1].startswith("UNREACHABLE: cannot reach the cluster")
    assert "zk1:2181" in table
    assert "BROKER" not in table


# --- reading, against a stand-in admin client ------------------------------------------------------


class FakeAdmin:
    """Answers like kafka-python 3.0.12's KafkaAdminClient; quorum_error is raised by describe_metadata_quorum."""

    def __init__(self, quorum_answer=None, quorum_error=None, log_dirs_error=None):
        self.quorum_answer, self.quorum_error, self.log_dirs_error = quorum_answer, quorum_error, log_dirs_error
        self.closed = False
        self.config_requests = []

    def describe_cluster(self):
        return {"cluster_id": "Cid", "controller_id": 2, "brokers": [broker(1), broker(2), broker(3, fenced=True)]}

    def describe_topics(self, topics=None):
        return [topic("t", (1, [1, 2], [1, 2])), topic("strict", (2, [2, 1], [2, 1]))]

    def describe_metadata_quorum(self):
        if self.quorum_error:
            raise self.quorum_error
        return self.quorum_answer

    def describe_configs(self, resources, config_filter="modified"):
        self.config_requests.append(([(r.resource_type.name, r.name, r.configs) for r in resources], config_filter))
        if resources[0].resource_type.name == "TOPIC":
            return {"topic": {r.name: min_isr(3, "DYNAMIC_TOPIC_CONFIG") if r.name == "strict" else min_isr(2)
                              for r in resources}}
        return {"broker": {resources[0].name: min_isr(2)}}

    def describe_log_dirs(self, topic_partitions=None, brokers=None):
        if self.log_dirs_error:
            raise self.log_dirs_error
        return [{"broker": b, "log_dirs": [log_dir(f"/data/{b}", [7])]} for b in brokers]

    def close(self):
        self.closed = True


def arguments(*extra):
    return status.build_parser().parse_args(["--bootstrap-servers", "kafka1:9092", *extra])


def test_collect_reads_everything_in_zookeeper_mode(monkeypatch):
    from kafka.errors import IncompatibleBrokerVersion

    admin = FakeAdmin(quorum_error=IncompatibleBrokerVersion("DescribeQuorumRequest"))
    monkeypatch.setattr(status, "connect", lambda bootstrap, timeout, settings=None: admin)
    data = status.collect(arguments())
    assert admin.closed
    assert data.kraft is False
    assert "quorum" not in data.errors
    assert set(data.broker_configs) == {1, 2}  # the fenced broker is not asked
    assert set(data.log_dirs) == {1, 2}
    assert ([("TOPIC", "t", ["min.insync.replicas"]), ("TOPIC", "strict", ["min.insync.replicas"])], "all") \
        in admin.config_requests
    report = build_report(data, Limits([1, 2, 3]))
    assert report["controller"]["id"] == 2
    assert report["problems"][0] == "1 partition under min ISR: strict-0"
    assert "broker 3 fenced" in report["problems"]


def test_collect_takes_a_quorum_that_fails_to_answer_for_kraft(monkeypatch):
    from kafka.errors import KafkaTimeoutError

    monkeypatch.setattr(status, "connect",
                        lambda bootstrap, timeout, settings=None: FakeAdmin(quorum_error=KafkaTimeoutError()))
    data = status.collect(arguments())
    assert data.kraft is True
    assert data.errors["quorum"] == "KafkaTimeoutError"


def test_collect_forced_quorum_on_a_zookeeper_cluster_is_a_problem(monkeypatch):
    from kafka.errors import IncompatibleBrokerVersion

    admin = FakeAdmin(quorum_error=IncompatibleBrokerVersion("DescribeQuorumRequest"))
    monkeypatch.setattr(status, "connect", lambda bootstrap, timeout, settings=None: admin)
    report = build_report(status.collect(arguments("--quorum")), Limits())
    assert report["mode"] == "kraft"
    assert report["problems"][-1].startswith("KRaft quorum has no leader (the brokers do not serve DescribeQuorum")


def test_collect_kraft(monkeypatch):
    monkeypatch.setattr(status, "connect",
                        lambda bootstrap, timeout, settings=None: FakeAdmin(quorum_answer=quorum(leader=3)))
    report = build_report(status.collect(arguments()), Limits())
    assert report["mode"] == "kraft"
    assert report["controller"]["leader_id"] == 3  # not the controller_id 2 the brokers report


def test_collect_survives_a_broker_whose_log_dirs_do_not_answer(monkeypatch):
    from kafka.errors import KafkaTimeoutError

    monkeypatch.setattr(status, "connect", lambda bootstrap, timeout, settings=None: FakeAdmin(
        quorum_answer=quorum(), log_dirs_error=KafkaTimeoutError()))
    data = status.collect(arguments())
    assert data.errors["log_dirs:1"] == "KafkaTimeoutError"
    assert data.log_dirs == {}


def test_collect_without_describe_log_dirs(monkeypatch):
    class Older:
        def __init__(self, admin):
            self.admin = admin

        def __getattr__(self, name):
            if name == "describe_log_dirs":
                raise AttributeError(name)
            return getattr(self.admin, name)

    admin = Older(FakeAdmin(quorum_answer=quorum()))
    monkeypatch.setattr(status, "connect", lambda bootstrap, timeout, settings=None: admin)
    data = status.collect(arguments())
    assert data.log_dirs == {}
    assert "this kafka-python has no describe_log_dirs: disk use not shown" in data.notes


def test_collect_an_old_describe_log_dirs_signature(monkeypatch):
    class Older(FakeAdmin):
        def describe_log_dirs(self):
            return []

    monkeypatch.setattr(status, "connect", lambda bootstrap, timeout, settings=None: Older(quorum_answer=quorum()))
    data = status.collect(arguments())
    assert any("cannot ask one broker" in note for note in data.notes)


# --- exit codes --------------------------------------------------------------------------------------


def run(*args, stdin=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "kafka_verify.status", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=timeout, check=False, input=stdin)


def test_help():
    result = run("--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    for words in ("--expect-brokers", "--quorum", "--zookeeper", "--json", "--render", "3 cannot reach the cluster",
                  "4 unhealthy"):
        assert words in text


@pytest.mark.parametrize("args", [["--expect-brokers", "a,b"], ["--zookeeper", "nohost"], ["--timeout", "0"],
                                  ["--bogus"]])
def test_bad_arguments_exit_2(args):
    result = run(*args)
    assert result.returncode == BAD_ARGUMENTS, result
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("kafka-verify status: bad arguments")


def test_unreachable_cluster_exits_3():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run("--bootstrap-servers", f"127.0.0.1:{port}", "--timeout", "2", "--json")
    assert result.returncode == UNREACHABLE, result
    report = json.loads(result.stdout)
    assert report["exit_code"] == UNREACHABLE
    assert report["reason"].startswith(f"cannot reach the cluster at 127.0.0.1:{port}")


@pytest.mark.parametrize(("data", "code", "last"), [
    (collected(), OK, "HEALTHY: "),
    (collected(brokers=(1, 2)), UNHEALTHY, "UNHEALTHY: broker 3 missing"),
])
def test_main_exit_codes_and_outputs(monkeypatch, capsys, data, code, last):
    monkeypatch.setattr(status, "collect", lambda args, settings=None: data)
    assert status.main(["--expect-brokers", "1,2,3"]) == code
    assert capsys.readouterr().out.splitlines()[-1].startswith(last)
    assert status.main(["--expect-brokers", "1,2,3", "--json"]) == code
    assert json.loads(capsys.readouterr().out)["exit_code"] == code


def test_an_unexpected_error_is_one_line_and_unhealthy(monkeypatch, capsys):
    def broken(args, settings=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(status, "collect", broken)
    assert status.main(["--json"]) == UNHEALTHY
    assert json.loads(capsys.readouterr().out)["reason"] == "unexpected RuntimeError: boom"


def test_render_a_saved_report_with_its_exit_code(tmp_path):
    report = report_of(collected(brokers=(1, 2)))
    path = tmp_path / "status.json"
    path.write_text(json.dumps(report))
    result = run("--render", str(path))
    assert result.returncode == UNHEALTHY
    assert result.stdout.rstrip("\n") == render_table(report)
    piped = run("--render", "-", stdin=json.dumps(report_of(collected())))
    assert piped.returncode == OK
    assert piped.stdout.splitlines()[-1].startswith("HEALTHY: ")


@pytest.mark.parametrize("text", ["not json", "[]", '{"exit_code": 0}'])
def test_render_refuses_what_is_not_a_report(text):
    result = run("--render", "-", stdin=text)
    assert result.returncode == BAD_ARGUMENTS
    assert result.stderr.startswith("kafka-verify status: cannot render -")


def test_the_bundle_dispatches_status(tmp_path):
    path = tmp_path / "kafka-verify.pyz"
    path.write_bytes(bundle.build())
    result = subprocess.run([sys.executable, str(path), "status", "--help"], capture_output=True, text=True,
                            check=False, cwd="/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: kafka-verify status")
