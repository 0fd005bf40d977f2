"""Adding a broker restarts nothing, rebalancing moves replicas onto it without losing an
acknowledged message, and retiring it moves them away before it stops."""

import json

import pytest
from scenario_support import group, host, process_started, properties, recap, run_playbook, verifier

ORIGINAL = ["hadoop-master", "hadoop-slave1", "hadoop-slave2"]
STATE = "/root/before-scale-out.json"
BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"


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
        state[name] = (process_started(target, "kafka@server"), process_started(target, "zookeeper"),
                       target.check_output("sha256sum /etc/kafka/server.properties /etc/zookeeper/zoo.cfg"))
    return state


def replicas_on(broker_id):
    output = host("hadoop-master").check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --describe")
    return [line.split()[1] + "-" + line.split()[3] for line in output.splitlines()
            if "Replicas: " in line and str(broker_id) in line.split("Replicas: ")[1].split()[0].split(",")]


def test_01_data_written_before_the_change():
    assert group("spare") == ["hadoop-slave3"]
    rc, report = verifier(host("hadoop-master"), "--bootstrap-servers", BOOTSTRAP, "--topic-prefix", "scale",
                          "--topics", "3", "--messages", "5000", "--produce-only", "--state", STATE)
    assert rc == 0, report.get("reason")
    assert report["counts"]["acked"] == 15000


def test_02_adding_a_host_restarts_nothing_else(fourth_host):
    before = snapshot()
    result = run_playbook("cluster.yml", inventories=(fourth_host,))
    assert result.returncode == 0, result.stdout[-3000:]
    assert snapshot() == before, "an existing broker or ZooKeeper node changed or restarted"
    counters = recap(result.stdout)
    assert all(counters[name]["changed"] == 0 for name in ORIGINAL)
    new = host("hadoop-slave3")
    assert new.service("kafka@server").is_running
    assert properties(new, "/etc/kafka/server.properties")["broker.id"] == "4"
    assert not new.service("zookeeper").is_running
    ids = host("hadoop-master").check_output("zkCli.sh -server hadoop-master:2181 ls /kafka/brokers/ids")
    assert "[1, 2, 3, 4]" in ids


def test_03_dry_run_changes_nothing(fourth_host):
    result = run_playbook("rebalance.yml", "-e", "kafka_reassign_dry_run=true", inventories=(fourth_host,))
    assert result.returncode == 0, result.stdout[-3000:]
    assert "partitions_changed" in result.stdout
    assert replicas_on(4) == []


def test_04_rebalance_moves_replicas_onto_the_new_broker(fourth_host):
    result = run_playbook("rebalance.yml", inventories=(fourth_host,))
    assert result.returncode == 0, result.stdout[-3000:]
    held = replicas_on(4)
    print(f"\nbroker 4 now holds {len(held)} replicas")
    assert len(held) > 10
    again = run_playbook("rebalance.yml", inventories=(fourth_host,))
    assert again.returncode == 0
    assert all(counters["changed"] == 0 for counters in recap(again.stdout).values()), again.stdout[-2000:]


def test_05_every_acknowledged_message_survived_the_rebalance():
    rc, report = verifier(host("hadoop-master"), "--bootstrap-servers", BOOTSTRAP + ",hadoop-slave3:9092",
                          "--expect-brokers", "1,2,3,4", "--consume-only", "--state", STATE, "--wait-healthy", "60")
    assert rc == 0, report.get("reason")
    assert report["counts"]["read"] == 15000
    assert report["cluster_after"]["under_replicated"] == []
    assert report["cluster_after"]["wrong_replication"] == []


def test_06_a_broker_holding_replicas_is_not_stopped(fourth_host):
    result = run_playbook("decommission.yml", "-e", "decommission_broker_id=4", "-e",
                          "decommission_move_replicas=false", inventories=(fourth_host,))
    assert result.returncode != 0
    assert "broker 4 still holds replicas of" in result.stdout + result.stderr
    assert host("hadoop-slave3").service("kafka@server").is_running


def test_07_decommission_moves_everything_away_then_stops(fourth_host):
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
