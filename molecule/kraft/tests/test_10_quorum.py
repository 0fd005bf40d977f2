"""KRaft mode on the course's hosts: a controller and a broker per host as separate units, a
dynamic quorum with a leader and every voter caught up, one cluster id on every disk, and no
ZooKeeper anywhere."""

import json

import pytest
from scenario_support import assert_serving, cluster_state, group, host, hostvars, properties, run_module

HOSTS = group("kafka")
BOOTSTRAP = "hadoop-master:9092,hadoop-slave1:9092,hadoop-slave2:9092"
QUORUM = "hadoop-master:9093,hadoop-slave1:9093,hadoop-slave2:9093"


def test_the_scenario_has_the_course_hosts_as_controllers_and_brokers():
    assert HOSTS == ["hadoop-master", "hadoop-slave1", "hadoop-slave2"]
    assert group("kafka_controllers") == HOSTS
    assert group("zookeeper") == []


@pytest.mark.parametrize("name", HOSTS)
def test_each_host_runs_a_controller_and_a_broker_of_kafka_4(name):
    target = host(name)
    assert_serving(target, "kafka@controller", 9093)
    assert_serving(target, "kafka@server", 9092)
    assert target.file("/opt/kafka").linked_to == "/opt/kafka_2.13-4.3.1"  # converge.yml; test_15 upgrades
    controller = properties(target, "/etc/kafka/controller.properties")
    assert controller["process.roles"] == "controller"
    assert controller["node.id"] == str(hostvars(name)["kafka_controller_id"])
    assert controller["controller.quorum.bootstrap.servers"] == QUORUM
    broker = properties(target, "/etc/kafka/server.properties")
    assert broker["process.roles"] == "broker"
    assert broker["node.id"] == str(hostvars(name)["kafka_broker_id"])
    assert not [key for key in broker if key.startswith("zookeeper.") or key == "broker.id"]
    # Kafka 4 logs through Log4j 2: the file the unit names is the one it writes to.
    assert "log4j2.configurationFile=/etc/kafka/log4j2.yaml" in target.file("/etc/kafka/server.env").content_string
    assert target.file("/var/log/kafka/server/server.log").size > 0
    assert target.file("/var/log/kafka/controller/controller.log").size > 0


@pytest.mark.parametrize("name", HOSTS)
def test_no_zookeeper_is_installed(name):
    target = host(name)
    assert not target.file("/etc/systemd/system/zookeeper.service").exists
    assert not target.file("/opt/zookeeper").exists
    assert not target.file("/usr/local/bin/zookeeper-shell.sh").exists
    assert target.file("/usr/local/bin/kafka-metadata-quorum.sh").exists


def test_every_disk_holds_the_running_clusters_id():
    state = cluster_state(host("hadoop-master"), BOOTSTRAP, expect="1,2,3", in_sync=True, timeout=60)
    assert not state.get("failed"), state.get("msg")
    for name in HOSTS:
        for path, node_id in (("/var/lib/kafka/controller", hostvars(name)["kafka_controller_id"]),
                              ("/var/lib/kafka/server", hostvars(name)["kafka_broker_id"])):
            meta = properties(host(name), f"{path}/meta.properties")
            assert meta["cluster.id"] == state["cluster_id"], path
            assert meta["node.id"] == str(node_id)
            assert meta["version"] == "1"


def test_the_dynamic_quorum_has_a_leader_and_three_caught_up_voters():
    quorum = run_module(host("hadoop-master"), "kafka_quorum_state", {"bootstrap": QUORUM.split(","), "timeout": 60})
    assert not quorum.get("failed"), quorum.get("msg")
    assert sorted(voter["id"] for voter in quorum["voters"]) == [1001, 1002, 1003]
    assert quorum["leader"] in (1001, 1002, 1003)
    assert all(voter["caught_up"] for voter in quorum["voters"])
    assert sorted(observer["id"] for observer in quorum["observers"]) == [1, 2, 3]
    # Kafka's own tool agrees, and the voters carry directory ids: the quorum is dynamic (kraft.version 1).
    status = host("hadoop-master").check_output(f"kafka-metadata-quorum.sh --bootstrap-server {BOOTSTRAP} "
                                                "describe --status")
    line = next(line for line in status.splitlines() if line.startswith("CurrentVoters:"))
    voters = json.loads(line.split(":", 1)[1])
    assert sorted(voter["id"] for voter in voters) == [1001, 1002, 1003]
    assert all(voter.get("directoryId") for voter in voters)
    assert f"LeaderId:               {quorum['leader']}" in status
    features = host("hadoop-master").check_output(f"kafka-features.sh --bootstrap-server {BOOTSTRAP} describe")
    kraft = next(line for line in features.splitlines() if "Feature: kraft.version" in line)
    assert "FinalizedVersionLevel: 1" in kraft


def test_every_topic_is_held_to_the_inventorys_min_insync_replicas():
    # With eligible leader replicas the controllers' own min.insync.replicas becomes the cluster's
    # dynamic default and each new topic's setting: it must be the brokers' 2, not Kafka's 1.
    client = host("hadoop-master")
    assert properties(client, "/etc/kafka/controller.properties")["min.insync.replicas"] == "2"
    default = client.check_output(f"kafka-configs.sh --bootstrap-server {BOOTSTRAP} --entity-type brokers "
                                  "--entity-default --describe")
    assert "min.insync.replicas=2 " in default, default
    client.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --create --if-not-exists "
                        "--topic min-isr-check --partitions 1 --replication-factor 3")
    for topic in ("Hello-Kafka", "min-isr-check"):
        described = client.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --describe --topic {topic}")
        header = described.splitlines()[0]
        assert "min.insync.replicas=1" not in header, header
        if "min.insync.replicas=" in header:
            assert "min.insync.replicas=2" in header, header
    client.check_output(f"kafka-topics.sh --bootstrap-server {BOOTSTRAP} --delete --topic min-isr-check")
