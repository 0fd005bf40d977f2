"""The bad-input catalogue: every case runs the real playbook against the running cluster and
must be refused with a message naming the variable, the host and the fix, with nothing changed
on any host (configuration files, release symlink, process start times)."""

import json

import pytest
from scenario_support import group, host, run_playbook

NODES = group("kafka")
BASE = ("-e", "kafka_version=3.9.1")


def snapshot():
    script = ("sha256sum /etc/kafka/server.properties /etc/kafka/server.env /etc/zookeeper/zoo.cfg "
              "/var/lib/zookeeper/myid /var/lib/kafka/server/meta.properties; readlink /opt/kafka /opt/zookeeper; "
              "systemctl show kafka@server zookeeper -p ExecMainStartTimestampMonotonic --value")
    return {name: host(name).check_output(script) for name in NODES}


@pytest.fixture(scope="module")
def before():
    return snapshot()


def extra_vars(data):
    return ("-e", json.dumps(data))


# (case id, playbook, extra arguments, extra inventory hosts.yml, extra host_vars, expected texts)
ALIAS = "      ansible_connection: community.docker.docker\n      ansible_host: hadoop-slave2\n"
CASES = [
    ("duplicate-broker-id", "cluster.yml", (), None, {"hadoop-slave2": "kafka_broker_id: 1"},
     ["kafka_broker_id on hadoop-slave2 (server): 1 is already the id of hadoop-master", "Fix:"]),
    ("duplicate-port-on-a-host", "cluster.yml", (), None,
     {"hadoop-master": "kafka_brokers: [{name: server, id: 1, port: 9092}, {name: server-one, id: 11, port: 9092}]"},
     ["kafka port on hadoop-master (server-one): 9092 is also used by server", "Fix:"]),
    ("shared-log-dir", "cluster.yml", (), None,
     {"hadoop-master": "kafka_brokers: [{name: server, id: 1}, {name: b, id: 11, port: 9093, "
                       "log_dirs: [/var/lib/kafka/server]}]"},
     ["kafka log dir on hadoop-master (b): /var/lib/kafka/server overlaps /var/lib/kafka/server", "Fix:"]),
    ("replication-above-broker-count", "cluster.yml",
     extra_vars({"kafka_properties": {"default.replication.factor": 4}}), None, {},
     ["default.replication.factor on hadoop-master: 4 exceeds the 3 brokers", "Fix:"]),
    ("min-isr-not-below-replication", "cluster.yml", extra_vars({"kafka_properties": {"min.insync.replicas": 3}}),
     None, {}, ["min.insync.replicas on hadoop-master: 3 with default.replication.factor 3", "Fix:"]),
    ("transaction-min-isr-above-replication", "cluster.yml",
     extra_vars({"kafka_properties": {"transaction.state.log.min.isr": 4}}), None, {},
     ["transaction.state.log.min.isr on hadoop-master: 4 exceeds", "Fix:"]),
    ("missing-zookeeper-group", "cluster.yml", ("-e", "kafka_zookeeper_group_name=zk-missing"), None, {},
     ["group 'zk-missing' on all hosts", "Fix: list the ZooKeeper hosts"]),
    ("even-ensemble", "cluster.yml", (),
     "all:\n  children:\n    zookeeper:\n      hosts:\n        hadoop-zk4:\n" + ALIAS.replace("      ", "          "),
     {"hadoop-zk4": "zookeeper_id: 4"}, ["4 hosts", "even ensemble", "zookeeper_allow_even_ensemble"]),
    ("zookeeper-id-changed-on-data", "cluster.yml", (), None, {"hadoop-slave1": "zookeeper_id: 9"},
     ["zookeeper_id on hadoop-slave1: the inventory says 9 but /var/lib/zookeeper/myid holds 2",
      "host_vars/hadoop-slave1.yml"]),
    ("broker-id-changed-on-data", "cluster.yml", (), None, {"hadoop-slave1": "kafka_broker_id: 9"},
     ["kafka_broker_id on hadoop-slave1 (server): the inventory says 9 but /var/lib/kafka/server/meta.properties "
      "holds broker.id=2", "Fix: set the id back to 2"]),
    ("malformed-kafka-version", "cluster.yml", ("-e", "kafka_version=3.9"), None, {},
     ["kafka_version on hadoop-master: '3.9' is not a release number", "Fix:"]),
    ("kafka-4-has-no-zookeeper-mode", "cluster.yml", ("-e", "kafka_version=4.1.0"), None, {},
     ["kafka_version on hadoop-master: 4.1.0 is not a 3.x release", "KRaft", "Fix:"]),
    ("malformed-zookeeper-version", "cluster.yml", ("-e", "zookeeper_version=3.8"), None, {},
     ["zookeeper_version on hadoop-master: '3.8' is not a release number"]),
    ("heap-larger-than-memory", "cluster.yml", ("-e", "kafka_heap=4000g"), None, {},
     ["kafka_heap on hadoop-master: 4000g does not fit in the host's", "Fix:"]),
    ("zookeeper-heap-larger-than-memory", "cluster.yml", ("-e", "zookeeper_heap=4000g"), None, {},
     ["zookeeper_heap on hadoop-master: 4000g does not fit in the host's"]),
    ("malformed-heap", "cluster.yml", ("-e", "kafka_heap=lots"), None, {},
     ["kafka_heap on hadoop-master: 'lots' is not a heap size", "Fix:"]),
    ("unreachable-host", "cluster.yml", (),
     "all:\n  children:\n    kafka:\n      hosts:\n        hadoop-ghost:\n          ansible_host: no-such-container\n"
     "          ansible_connection: community.docker.docker\n",
     {"hadoop-ghost": "kafka_broker_id: 9"}, ["host hadoop-ghost (in kafka) is unreachable", "Fix:",
                                              "Nothing was changed"]),
    ("missing-broker-id", "cluster.yml", (),
     "all:\n  children:\n    kafka:\n      hosts:\n        hadoop-kafka4:\n" + ALIAS.replace("      ", "          "),
     {}, ["kafka_broker_id on hadoop-kafka4: not set", "Fix:"]),
    ("missing-zookeeper-id", "cluster.yml", (),
     "all:\n  children:\n    zookeeper:\n      hosts:\n        hadoop-zk4:\n" + ALIAS.replace("      ", "          "),
     {}, ["zookeeper_id on hadoop-zk4: not set", "Fix:"]),
    ("zookeeper-id-out-of-range", "cluster.yml", (), None, {"hadoop-slave2": "zookeeper_id: 300"},
     ["zookeeper_id on hadoop-slave2: 300 is not a whole number from 1 to 255", "Fix:"]),
    ("duplicate-zookeeper-id", "cluster.yml", (), None, {"hadoop-slave2": "zookeeper_id: 1"},
     ["zookeeper_id on hadoop-slave2: 1 is already the id of hadoop-master", "Fix:"]),
    ("negative-broker-id", "cluster.yml", (), None, {"hadoop-slave2": "kafka_broker_id: -1"},
     ["kafka_broker_id on hadoop-slave2 (server): -1 is not a whole number >= 0", "Fix:"]),
    ("unnamed-brokers-on-one-host", "cluster.yml", (), None, {"hadoop-master": "kafka_brokers: [{id: 1}, {id: 11}]"},
     ["kafka_brokers[0].name on hadoop-master: missing", "Fix:"]),
    ("bad-broker-name", "cluster.yml", (), None, {"hadoop-master": "kafka_brokers: [{name: my broker, id: 1}]"},
     ["kafka_brokers[0].name on hadoop-master: 'my broker' may hold only", "Fix:"]),
    ("jmx-port-taken", "cluster.yml", (), None,
     {"hadoop-master": "kafka_brokers: [{name: server, id: 1, jmx_port: 9092}]"},
     ["kafka port on hadoop-master (server): 9092 is also used by server", "Fix:"]),
    ("port-not-a-number", "cluster.yml", ("-e", "kafka_port=abc"), None, {},
     ["kafka_brokers port on hadoop-master (server): 'abc' is not a TCP port", "Fix:"]),
    ("identity-set-for-the-group", "cluster.yml", extra_vars({"kafka_properties": {"broker.id": 5}}), None, {},
     ["kafka_properties on hadoop-master: sets broker.id", "Fix:"]),
    ("zookeeper-derived-property", "cluster.yml", extra_vars({"zookeeper_properties": {"dataDir": "/tmp/zk"}}),
     None, {}, ["zookeeper_properties on hadoop-master: sets dataDir", "Fix:"]),
    ("zookeeper-ports-equal", "cluster.yml", ("-e", "zookeeper_quorum_port=2181"), None, {},
     ["zookeeper ports on hadoop-master: client, quorum and election ports must differ", "Fix:"]),
    ("topic-replication-above-broker-count", "cluster.yml",
     extra_vars({"kafka_topics_list": [{"name": "wide", "replication_factor": 5}]}), None, {},
     ["kafka_topics_list (wide) on all hosts: replication_factor 5 exceeds the 3 brokers", "Fix:"]),
    ("topic-bad-name", "cluster.yml", extra_vars({"kafka_topics_list": [{"name": "bad name"}]}), None, {},
     ["kafka_topics_list (bad name) on all hosts: Kafka topic names use only", "Fix:"]),
    ("topic-declared-twice", "cluster.yml", extra_vars({"kafka_topics_list": [{"name": "t"}, {"name": "t"}]}),
     None, {}, ["kafka_topics_list (t) on all hosts: declared twice", "Fix:"]),
    ("decommission-unknown-broker", "decommission.yml", ("-e", "decommission_broker_id=42"), None, {},
     ["decommission_broker_id on all hosts: 42 is not a broker of the inventory", "Fix:"]),
    ("rolling-restart-unknown-target", "rolling-restart.yml", ("-e", "rolling_restart=everything"), None, {},
     ["rolling_restart on all hosts: everything is not all, zookeeper or kafka", "Fix:"]),
]


def write_inventory(path, hosts_text, host_vars):
    (path / "host_vars").mkdir(parents=True, exist_ok=True)
    (path / "hosts.yml").write_text(hosts_text or "all: {}\n")
    for name, text in host_vars.items():
        (path / "host_vars" / f"{name}.yml").write_text(text + "\n")
    return str(path)


def test_the_catalogue_has_at_least_25_cases():
    assert len(CASES) + 2 >= 25


@pytest.mark.parametrize(("playbook", "args", "hosts_text", "host_vars", "expected"),
                         [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_refused_before_any_change(tmp_path, before, playbook, args, hosts_text, host_vars, expected):
    inventories = (write_inventory(tmp_path, hosts_text, host_vars),) if hosts_text or host_vars else ()
    result = run_playbook(playbook, *BASE, *args, inventories=inventories, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    for text in expected:
        assert text in " ".join(output.split()), f"{text!r} not in:\n{output[-3000:]}"
    assert snapshot() == before, "a host changed although the input was refused"


def test_checksum_mismatch_fails_and_keeps_the_installed_release_running(before):
    result = run_playbook("cluster.yml", "-e", "kafka_version=3.9.2", "-e", "kafka_archive_sha512=" + "0" * 128)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "checksum" in output.lower(), output[-2000:]
    assert snapshot() == before, "the installed release must stay in place and keep running"
    for name in NODES:
        assert host(name).file("/opt/kafka").linked_to == "/opt/kafka_2.13-3.9.1"
        assert not host(name).file("/opt/kafka_2.13-3.9.2").exists


def test_unknown_property_is_a_warning(before):
    result = run_playbook("cluster.yml", *BASE, "--check", "-e", "cluster_verify=false",
                          *extra_vars({"kafka_properties": {"log.retention.hour": 12}}))
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode == 0, output[-2000:]
    assert "WARNING: kafka_properties" in output
    assert "log.retention.hour (did you mean log.retention.hours?)" in output
    assert snapshot() == before
