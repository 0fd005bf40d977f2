"""Every host runs what the inventory says: services, ports, ids, listeners, log dirs."""

import pytest
from scenario_support import assert_serving, group, host, hostvars, properties, zookeeper_mode

KAFKA_HOSTS = group("kafka")
ZOOKEEPER_HOSTS = group("zookeeper")


def test_the_scenario_has_the_course_hosts():
    assert KAFKA_HOSTS == ["hadoop-master", "hadoop-slave1", "hadoop-slave2"]
    assert ZOOKEEPER_HOSTS == KAFKA_HOSTS


@pytest.mark.parametrize("name", ZOOKEEPER_HOSTS)
def test_zookeeper_runs_with_the_inventory_id(name):
    target = host(name)
    assert_serving(target, "zookeeper", 2181)
    assert target.file("/var/lib/zookeeper/myid").content_string.strip() == str(hostvars(name)["zookeeper_id"])


def test_the_ensemble_has_one_leader_and_two_followers():
    modes = sorted(zookeeper_mode(host(name)) for name in ZOOKEEPER_HOSTS)
    assert modes == ["follower", "follower", "leader"]


@pytest.mark.parametrize("name", KAFKA_HOSTS)
def test_broker_runs_with_its_own_identity(name):
    target = host(name)
    assert_serving(target, "kafka@server", 9092)
    config = properties(target, "/etc/kafka/server.properties")
    assert config["broker.id"] == str(hostvars(name)["kafka_broker_id"])
    assert config["advertised.listeners"] == f"PLAINTEXT://{name}:9092"
    assert config["log.dirs"] == "/var/lib/kafka/server"
    assert config["zookeeper.connect"] == "hadoop-master:2181,hadoop-slave1:2181,hadoop-slave2:2181/kafka"
    meta = properties(target, "/var/lib/kafka/server/meta.properties")
    assert meta["broker.id"] == config["broker.id"]


def test_broker_identities_are_unique():
    identities = [properties(host(name), "/etc/kafka/server.properties") for name in KAFKA_HOSTS]
    for key in ("broker.id", "advertised.listeners"):
        values = [identity[key] for identity in identities]
        assert len(set(values)) == len(values), key
    clusters = {properties(host(name), "/var/lib/kafka/server/meta.properties")["cluster.id"] for name in KAFKA_HOSTS}
    assert len(clusters) == 1


def test_replication_defaults_fit_three_brokers():
    config = properties(host("hadoop-master"), "/etc/kafka/server.properties")
    assert config["default.replication.factor"] == "3"
    assert config["min.insync.replicas"] == "2"
    assert config["offsets.topic.replication.factor"] == "3"
    assert config["transaction.state.log.replication.factor"] == "3"
    assert config["transaction.state.log.min.isr"] == "2"
    assert config["unclean.leader.election.enable"] == "false"


@pytest.mark.parametrize("name", KAFKA_HOSTS)
def test_jps_shows_the_java_services(name):
    output = host(name).check_output("jps -l")
    assert "kafka.Kafka" in output
    assert "org.apache.zookeeper.server.quorum.QuorumPeerMain" in output


def test_archives_came_from_the_mirror_with_their_checksums():
    target = host("hadoop-master")
    assert target.file("/var/cache/kafka-toolkit/kafka_2.13-3.9.2.tgz").exists
    marker = target.file("/opt/kafka_2.13-3.9.2/.installed-by-kafka-toolkit").content_string.strip()
    assert marker == target.check_output("sha512sum /var/cache/kafka-toolkit/kafka_2.13-3.9.2.tgz").split()[0]
    assert target.file("/opt/kafka").linked_to == "/opt/kafka_2.13-3.9.2"
