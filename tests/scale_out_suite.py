"""Growing and shrinking a running cluster by editing the inventory, in either metadata mode:
adding a broker restarts nothing, rebalancing moves replicas onto it without losing an
acknowledged message, and retiring it moves them away before it stops (and, in KRaft mode,
unregisters its id). A scenario with a spare host 'hadoop-slave3' imports these tests."""

import json
import re

import pytest
from scenario_support import group, host, hostvars, process_started, properties, recap, run_playbook, verifier

ORIGINAL = ["hadoop-master", "hadoop-slave1", "hadoop-slave2"]
STATE = "/root/before-scale-out.json"
BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
KRAFT = hostvars("hadoop-master").get("kafka_mode") == "kraft"
# What must not move on the original hosts: the brokers and the metadata service beside them.
UNITS = ("kafka@server", "kafka@controller") if KRAFT else ("kafka@server", "zookeeper")
CONFIGS = "/etc/kafka/server.properties " + ("/etc/kafka/controller.properties" if KRAFT else "/etc/zookeeper/zoo.cfg")


@pytest.fixture(scope="module")
def fourth_host(tmp_path_factory):
    """An inventory source that adds hadoop-slave3 to the 'kafka' group as broker 4."""
    path = tmp_path_factory.mktemp("scale-out")
    (path / "host_vars").mkdir()
    (path / "hosts.yml").write_text("all:\n  children:\n    kafka:\n      hosts:\n        hadoop-slave3:\n")
    (path / "host_vars" / "hadoop-slave3.yml").write_text("kafka_broker_id: 4\n")
    return str(path)


def snapshot():
    state = {}
    for name in ORIGINAL:
        target = host(name)
        state[name] = (*(process_started(target, unit) for unit in UNITS),
                       target.check_output(f"sha256sum {CONFIGS}"))
    return state


def registered_brokers():
    """Ids of the brokers the cluster's metadata holds (in KRaft, fenced ones too)."""
    client = host("hadoop-master")
    if KRAFT:
        output = client.check_output(f"kafka-cluster.sh list-endpoints --include-fenced-brokers "
                                     f"--bootstrap-server {BOOTSTRAP}")
        return sorted({int(line.split()[0]) for line in output.splitlines() if line.split()[:1] != ["ID"]
                       and line.split()[0].isdigit()})
    output = client.check_output("zkCli.sh -server hadoop-master:2181 ls /kafka/brokers/ids")
    listed = [line for line in output.splitlines() if re.fullmatch(r"\[[\d, ]*\]", line.strip())][-1]
    return sorted(int(item) for item in listed.strip("[]").split(",") if item.strip())


def replicas_on(broker_id):
    output = host("hadoop-master").check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --describe")
    return [line.split()[1] + "-" + line.split()[3] for line in output.splitlines()
            if "Replicas: " in line and str(broker_id) in line.split("Replicas: ")[1].split()[0].split(",")]


def test_scale_out_01_data_written_before_the_change():
    assert group("spare") == ["hadoop-slave3"]
    rc, report = verifier(host("hadoop-master"), "--bootstrap-servers", BOOTSTRAP, "--topic-prefix", "scale",
                          "--topics", "3", "--messages", "5000", "--produce-only", "--state", STATE)
    assert rc == 0, report.get("reason")
    assert report["counts"]["acked"] == 15000


def test_scale_out_02_adding_a_host_restarts_nothing_else(fourth_host):
    before = snapshot()
    result = run_playbook("cluster.yml", inventories=(fourth_host,))
    assert result.returncode == 0, result.stdout[-3000:]
    assert snapshot() == before, "an existing broker or metadata node changed or restarted"
    counters = recap(result.stdout)
    assert all(counters[name]["changed"] == 0 for name in ORIGINAL)
    new = host("hadoop-slave3")
    assert new.service("kafka@server").is_running
    assert properties(new, "/etc/kafka/server.properties")["node.id" if KRAFT else "broker.id"] == "4"
    assert not new.service(UNITS[1]).is_running
    if KRAFT:
        cluster_id = properties(host("hadoop-master"), "/var/lib/kafka/server/meta.properties")["cluster.id"]
        assert properties(new, "/var/lib/kafka/server/meta.properties")["cluster.id"] == cluster_id
    assert registered_brokers() == [1, 2, 3, 4]


def test_scale_out_03_dry_run_changes_nothing(fourth_host):
    result = run_playbook("rebalance.yml", "-e", "kafka_reassign_dry_run=true", inventories=(fourth_host,))
    assert result.returncode == 0, result.stdout[-3000:]
    assert "partitions_changed" in result.stdout
    assert replicas_on(4) == []


def test_scale_out_04_rebalance_moves_replicas_onto_the_new_broker(fourth_host):
    result = run_playbook("rebalance.yml", inventories=(fourth_host,))
    assert result.returncode == 0, result.stdout[-3000:]
    held = replicas_on(4)
    print(f"\nbroker 4 now holds {len(held)} replicas")
    assert len(held) > 10
    again = run_playbook("rebalance.yml", inventories=(fourth_host,))
    assert again.returncode == 0
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-2000:]


def test_scale_out_05_every_acknowledged_message_survived_the_rebalance():
    rc, report = verifier(host("hadoop-master"), "--bootstrap-servers", BOOTSTRAP + ",hadoop-slave3:9092",
                          "--expect-brokers", "1,2,3,4", "--consume-only", "--state", STATE, "--wait-healthy", "60")
    assert rc == 0, report.get("reason")
    assert report["counts"]["read"] == 15000
    assert report["cluster_after"]["under_replicated"] == []
    assert report["cluster_after"]["wrong_replication"] == []


def test_scale_out_06_a_broker_holding_replicas_is_not_stopped(fourth_host):
    result = run_playbook("decommission.yml", "-e", "decommission_broker_id=4", "-e",
                          "decommission_move_replicas=false", inventories=(fourth_host,))
    assert result.returncode != 0
    assert "broker 4 still holds replicas of" in result.stdout + result.stderr
    assert host("hadoop-slave3").service("kafka@server").is_running


def test_scale_out_07_decommission_moves_everything_away_then_stops(fourth_host):
    result = run_playbook("decommission.yml", "-e", "decommission_broker_id=4", inventories=(fourth_host,))
    assert result.returncode == 0, result.stdout[-3000:]
    retired = host("hadoop-slave3").service("kafka@server")
    assert not retired.is_running
    assert not retired.is_enabled
    assert replicas_on(4) == []
    assert host("hadoop-slave3").file("/var/lib/kafka/server/meta.properties").exists, "data must stay"
    for name in ORIGINAL:
        assert host(name).service("kafka@server").is_running
    rc, report = verifier(host("hadoop-master"), "--bootstrap-servers", BOOTSTRAP, "--expect-brokers", "1,2,3",
                          "--consume-only", "--state", STATE, "--wait-healthy", "60")
    assert rc == 0, report.get("reason")
    assert report["counts"]["read"] == 15000
    print("\n" + json.dumps(report["counts"]))


def test_scale_out_08_the_retired_id_is_gone_from_the_metadata(fourth_host):
    # ZooKeeper drops the broker's ephemeral registration with its session; KRaft keeps a fenced
    # registration until the decommission unregisters it.
    for _ in range(15):
        if registered_brokers() == [1, 2, 3]:
            break
        host("hadoop-master").run("sleep 2")
    assert registered_brokers() == [1, 2, 3]
    again = run_playbook("decommission.yml", "-e", "decommission_broker_id=4", inventories=(fourth_host,))
    assert again.returncode == 0, again.stdout[-3000:]
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-2000:]


# What a scenario's test module imports with "from scale_out_suite import *".
__all__ = ["fourth_host", *sorted(name for name in dir() if name.startswith("test_scale_out_"))]
