"""The inventory contract: every class of bad input the first play of cluster.yml must refuse,
checked on the model that will be written (plugins/filter/kafka_model.py), each refusal naming
the variable, the host and the fix. The wiring of these checks into the real first play is
tested in test_first_play.py; here each check is pure and fast."""

from pathlib import Path

import pytest
import yaml
from kafka_model import (
    control_char_errors,
    heap_format_errors,
    host_port_errors,
    kafka_cluster_model,
    kafka_model_errors,
    kafka_model_warnings,
    kafka_topic_errors,
    kafka_topic_warnings,
    path_errors,
    paths_clear_of,
    zookeeper_model_errors,
)
from kafka_toolkit import (
    kafka_host_errors,
    version_errors,
    zookeeper_host_errors,
    zookeeper_inventory_errors,
    zookeeper_nodes,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = yaml.safe_load((ROOT / "roles/kafka/defaults/main.yml").read_text())
BASE_PROPERTIES = yaml.safe_load((ROOT / "roles/kafka/vars/main.yml").read_text())["kafka_default_properties"]
HOSTS = ["hadoop-master", "hadoop-slave1", "hadoop-slave2"]
ZK = {"client_port": 2181, "quorum_port": 2888, "election_port": 3888}


def lab(**per_host):
    """The course's three hosts, each with its broker id (1, 2, 3), plus overrides per host."""
    hostvars = {host: {"kafka_broker_id": index + 1, "zookeeper_id": index + 1} for index, host in enumerate(HOSTS)}
    for host, values in per_host.items():
        hostvars[host.replace("_", "-")].update(values)
    return hostvars


def model(hostvars=None, everywhere=None):
    hostvars = hostvars or lab()
    for values in hostvars.values():
        values.update(everywhere or {})
    return kafka_cluster_model(list(hostvars), hostvars, DEFAULTS, list(hostvars), BASE_PROPERTIES)


def errors_of(hostvars=None, everywhere=None):
    return kafka_model_errors(model(hostvars, everywhere))


def several(*entries):
    return {"kafka_brokers": list(entries)}


# (id, errors, texts that must all be in one message)
CASES = [
    # --- a value must stay one line -------------------------------------------------------
    ("newline-in-group-property", lambda: errors_of(everywhere={"kafka_properties": {
        "log.retention.hours": "1\nunclean.leader.election.enable=true"}}),
     ["kafka_properties.log.retention.hours on hadoop-master (server)", "control character", "Fix:"]),
    ("carriage-return-in-host-property", lambda: errors_of(lab(hadoop_slave1={"kafka_host_properties": {
        "num.io.threads": "8\r"}})), ["kafka_host_properties.num.io.threads on hadoop-slave1 (server)", "Fix:"]),
    ("newline-in-broker-property", lambda: errors_of(lab(hadoop_slave2=several(
        {"name": "server", "id": 3, "properties": {"num.io.threads": "4\n"}}))),
     ["kafka_brokers[0].properties.num.io.threads on hadoop-slave2 (server)", "Fix:"]),
    ("newline-in-property-name", lambda: errors_of(everywhere={"kafka_properties": {"a\nb": 1}}),
     ["kafka_properties.a\nb on hadoop-master", "control character"]),
    ("nul-in-rack", lambda: errors_of(lab(hadoop_master={"kafka_rack": "r1\x00"})),
     ["kafka_brokers[0].rack on hadoop-master (server)", "Fix:"]),
    ("newline-in-advertised-host", lambda: errors_of(lab(hadoop_master={"kafka_advertised_host": "h\nExecStartPre=/x"})),
     ["kafka_brokers[0].advertised_listeners on hadoop-master (server)", "control character", "Fix:"]),
    ("newline-in-chroot", lambda: errors_of(everywhere={"kafka_zookeeper_chroot": "/kafka\n"}),
     ["kafka_zookeeper_chroot on hadoop-master (server)", "Fix:"]),
    ("tab-in-broker-name", lambda: errors_of(lab(hadoop_master=several({"name": "a\tb", "id": 1}))),
     ["kafka_brokers[0].name on hadoop-master", "Fix:"]),
    ("newline-in-listeners", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "listeners": "PLAINTEXT://:9092\nX://:1"}))),
     ["kafka_brokers[0].listeners on hadoop-master (server)", "Fix:"]),
    ("newline-in-log-dir", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "log_dirs": ["/data/k\n"]}))), ["kafka_brokers[0].log_dirs", "hadoop-master", "Fix:"]),
    ("newline-in-heap", lambda: errors_of(lab(hadoop_master={"kafka_heap": "1g\n"})),
     ["kafka_heap on hadoop-master (server)", "Fix:"]),
    ("newline-in-jvm-options", lambda: control_char_errors({"kafka_jvm_opts": "-Xss1m\nExecStartPre=/bin/x"},
                                                             "kafka settings", "hadoop-master"),
     ["kafka settings.kafka_jvm_opts on hadoop-master", "a command systemd runs", "Fix:"]),
    ("newline-in-zookeeper-property", lambda: zookeeper_model_errors({"zookeeper_properties": {
        "tickTime": "2000\nserver.9=evil:1:2"}}, "hadoop-slave1"),
     ["zookeeper_properties.tickTime on hadoop-slave1", "Fix:"]),
    ("newline-in-zookeeper-host-property-name", lambda: zookeeper_model_errors({"zookeeper_host_properties": {
        "a\nb": 1}}, "hadoop-master"), ["zookeeper_host_properties.a\nb on hadoop-master", "Fix:"]),
    ("newline-in-zookeeper-address", lambda: zookeeper_inventory_errors(zookeeper_nodes(
        HOSTS, lab(hadoop_master={"zookeeper_address": "a\nb"}), ZK)),
     ["zookeeper_address on hadoop-master", "not a host name", "Fix:"]),
    ("newline-in-topic-config", lambda: kafka_topic_errors([{"name": "t", "configs": {"retention.ms": "1\n"}}], 3, 2),
     ["kafka_topics_list[0].configs.retention.ms on all hosts", "Fix:"]),
    ("newline-in-topic-name", lambda: kafka_topic_errors([{"name": "t\nx"}], 3, 2),
     ["kafka_topics_list (t\nx) on all hosts", "Fix: rename it"]),
    # --- identity comes from the broker's own entry ----------------------------------------
    ("broker-id-in-broker-properties", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "properties": {"broker.id": 7}}))),
     ["kafka_brokers[0].properties on hadoop-master (server): sets broker.id", "Fix:"]),
    ("log-dirs-in-host-properties", lambda: errors_of(lab(hadoop_slave1={"kafka_host_properties": {"log.dirs": "/x"}})),
     ["kafka_host_properties on hadoop-slave1 (server): sets log.dirs", "Fix:"]),
    ("listeners-in-group-properties", lambda: errors_of(everywhere={"kafka_properties": {"listeners": "PLAINTEXT://:1"}}),
     ["kafka_properties on hadoop-master (server): sets listeners", "Fix:"]),
    ("advertised-in-broker-properties", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "properties": {"advertised.listeners": "PLAINTEXT://x:1"}}))),
     ["sets advertised.listeners", "hadoop-master (server)", "Fix:"]),
    ("zookeeper-connect-in-properties", lambda: errors_of(everywhere={"kafka_properties": {"zookeeper.connect": "z"}}),
     ["kafka_properties on hadoop-master (server): sets zookeeper.connect", "Fix:"]),
    ("log-dir-in-properties", lambda: errors_of(everywhere={"kafka_host_properties": {"log.dir": "/x"}}),
     ["kafka_host_properties on hadoop-master (server): sets log.dir", "Fix:"]),
    ("node-id-in-properties", lambda: errors_of(everywhere={"kafka_properties": {"node.id": 4}}),
     ["kafka_properties on hadoop-master (server): sets node.id", "Fix:"]),
    # --- ids ---------------------------------------------------------------------------------
    ("duplicate-broker-id", lambda: errors_of(lab(hadoop_slave2={"kafka_broker_id": 1})),
     ["kafka_broker_id on hadoop-slave2 (server): 1 is already the id of hadoop-master", "Fix:"]),
    ("missing-broker-id", lambda: errors_of(lab(hadoop_slave2={"kafka_broker_id": None})),
     ["kafka_broker_id on hadoop-slave2: not set", "Fix:"]),
    ("negative-broker-id", lambda: errors_of(lab(hadoop_slave2={"kafka_broker_id": -1})),
     ["kafka_broker_id on hadoop-slave2 (server): -1 is not a whole number from 0 to 2147483647", "Fix:"]),
    ("broker-id-above-int32", lambda: errors_of(lab(hadoop_slave2={"kafka_broker_id": 2**31})),
     ["kafka_broker_id on hadoop-slave2 (server)", "2147483647", "Fix:"]),
    ("broker-id-text", lambda: errors_of(lab(hadoop_slave2={"kafka_broker_id": "two"})),
     ["kafka_broker_id on hadoop-slave2 (server): 'two'", "Fix:"]),
    ("broker-id-with-newline", lambda: errors_of(lab(hadoop_slave2={"kafka_broker_id": "3\n"})),
     ["kafka_broker_id on hadoop-slave2 (server): '3\\n'", "Fix:"]),
    ("broker-id-boolean", lambda: errors_of(lab(hadoop_slave2={"kafka_broker_id": True})),
     ["kafka_broker_id on hadoop-slave2 (server): True", "Fix:"]),
    ("zookeeper-id-zero", lambda: zookeeper_inventory_errors(zookeeper_nodes(HOSTS, lab(hadoop_master={
        "zookeeper_id": 0}), ZK)), ["zookeeper_id on hadoop-master: 0 is not a whole number from 1 to 255", "Fix:"]),
    ("zookeeper-id-256", lambda: zookeeper_inventory_errors(zookeeper_nodes(HOSTS, lab(hadoop_master={
        "zookeeper_id": 256}), ZK)), ["zookeeper_id on hadoop-master: 256", "Fix:"]),
    ("zookeeper-id-with-newline", lambda: zookeeper_inventory_errors(zookeeper_nodes(HOSTS, lab(hadoop_master={
        "zookeeper_id": "1\n"}), ZK)), ["zookeeper_id on hadoop-master: '1\\n'", "Fix:"]),
    ("duplicate-zookeeper-id", lambda: zookeeper_inventory_errors(zookeeper_nodes(HOSTS, lab(hadoop_slave2={
        "zookeeper_id": 1}), ZK)), ["zookeeper_id on hadoop-slave2: 1 is already the id of hadoop-master", "Fix:"]),
    ("even-ensemble", lambda: zookeeper_inventory_errors(zookeeper_nodes(HOSTS[:2], lab(), ZK)),
     ["group 'zookeeper' on hadoop-master, hadoop-slave1: 2 hosts", "zookeeper_allow_even_ensemble"]),
    ("two-members-one-address", lambda: zookeeper_inventory_errors(zookeeper_nodes(HOSTS, lab(hadoop_slave1={
        "zookeeper_address": "hadoop-master"}), ZK)),
     ["zookeeper_address on hadoop-slave1: hadoop-master:2888 is also the quorum address of hadoop-master", "Fix:"]),
    # --- ports -------------------------------------------------------------------------------
    ("port-zero", lambda: errors_of(lab(hadoop_master={"kafka_port": 0})),
     ["kafka_brokers port on hadoop-master (server): 0 is not a TCP port", "Fix:"]),
    ("port-too-high", lambda: errors_of(lab(hadoop_master={"kafka_port": 70000})),
     ["hadoop-master (server)", "70000", "not a TCP port", "Fix:"]),
    ("port-text", lambda: errors_of(lab(hadoop_master={"kafka_port": "abc"})),
     ["kafka_brokers port on hadoop-master (server): 'abc' is not a TCP port", "Fix:"]),
    ("two-brokers-one-port", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "port": 9092}, {"name": "server-one", "id": 11, "port": 9092}))),
     ["kafka port on hadoop-master (server-one): 9092 (listener PLAINTEXT) is also used by server", "Fix:"]),
    ("jmx-port-on-a-listener", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "jmx_port": 9092}))), ["kafka port on hadoop-master (server): 9092 (JMX)", "Fix:"]),
    ("jmx-port-out-of-range", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "jmx_port": 99999}))),
     ["kafka_brokers[0].jmx_port on hadoop-master (server): 99999 is not a TCP port", "Fix:"]),
    ("metrics-port-on-a-listener", lambda: errors_of(lab(hadoop_master={"kafka_metrics": True, "kafka_metrics_port": 9092})),
     ["kafka port on hadoop-master (server): 9092 (metrics) is also used by server", "Fix:"]),
    ("metrics-port-text", lambda: errors_of(lab(hadoop_master={"kafka_metrics": True, "kafka_metrics_port": "abc"})),
     ["kafka_metrics_port on hadoop-master (server): 'abc' is not a TCP port", "Fix:"]),
    ("listener-port-out-of-range", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "listeners": "PLAINTEXT://:99999"}))),
     ["kafka_brokers[0].listeners on hadoop-master (server): port '99999' of PLAINTEXT is not a TCP port", "Fix:"]),
    ("zookeeper-on-a-kafka-port", lambda: host_port_errors(
        [{"port": 9092, "use": "a Kafka listener"}, {"port": 9092, "use": "zookeeper_client_port"}], "hadoop-master"),
     ["zookeeper_client_port on hadoop-master: port 9092 is also a Kafka listener", "Fix:"]),
    ("admin-server-on-a-kafka-port", lambda: host_port_errors(
        [{"port": 8080, "use": "a Kafka listener"}, {"port": 8080, "use": "the ZooKeeper admin server"}],
        "hadoop-slave1"), ["the ZooKeeper admin server on hadoop-slave1: port 8080", "Fix:"]),
    ("zookeeper-ports-equal", lambda: zookeeper_inventory_errors(zookeeper_nodes(HOSTS, lab(hadoop_master={
        "zookeeper_quorum_port": 2181}), ZK)), ["zookeeper ports on hadoop-master: client, quorum and election", "Fix:"]),
    ("two-brokers-advertise-one-address", lambda: errors_of(lab(hadoop_slave1={"kafka_advertised_host": "hadoop-master"})),
     ["advertised_listeners on hadoop-slave1 (server): hadoop-master:9092 is also advertised by hadoop-master", "Fix:"]),
    # --- listeners ---------------------------------------------------------------------------
    ("malformed-listener", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "listeners": "9092"}))),
     ["kafka_brokers[0].listeners on hadoop-master (server): '9092' is not NAME://host:port", "Fix:"]),
    ("bad-listener-name", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "listeners": "1PLAIN://:9092", "advertised_listeners": "1PLAIN://h:9092"}))),
     ["listener name '1PLAIN' is not a name", "hadoop-master (server)", "Fix:"]),
    ("repeated-listener-name", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "listeners": "PLAINTEXT://:9092,PLAINTEXT://:9093"}))),
     ["kafka_brokers[0].listeners on hadoop-master (server): listener name PLAINTEXT is used twice", "Fix:"]),
    ("listener-not-in-protocol-map", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "listeners": "CLIENT://:9092", "advertised_listeners": "CLIENT://h:9092"}))),
     ["listener name CLIENT is not in listener.security.protocol.map", "hadoop-master (server)", "Fix: add CLIENT:"]),
    ("advertised-name-not-listened", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "advertised_listeners": "SSL://hadoop-master:9092"}))),
     ["advertised_listeners on hadoop-master (server): advertises SSL, which the broker does not listen on", "Fix:"]),
    ("advertised-wildcard", lambda: errors_of(lab(hadoop_master={"kafka_advertised_host": "0.0.0.0"})),
     ["kafka_advertised_host on hadoop-master (server)", "advertises no reachable host", "Fix:"]),
    ("bad-protocol-in-map", lambda: errors_of(everywhere={"kafka_properties": {
        "listener.security.protocol.map": "PLAINTEXT:PLAIN"}}),
     ["listener.security.protocol.map on hadoop-master (server): PLAIN is not a security protocol", "Fix:"]),
    ("malformed-protocol-map", lambda: errors_of(everywhere={"kafka_properties": {
        "listener.security.protocol.map": "PLAINTEXT"}}),
     ["listener.security.protocol.map on hadoop-master (server)", "is not NAME:PROTOCOL", "Fix:"]),
    ("inter-broker-listener-unknown", lambda: errors_of(everywhere={"kafka_properties": {
        "inter.broker.listener.name": "INTERNAL"}}),
     ["inter.broker.listener.name on hadoop-master (server): INTERNAL is not an advertised listener", "Fix:"]),
    ("advertised-host-not-a-name", lambda: errors_of(lab(hadoop_master={"kafka_advertised_host": "bad host"})),
     ["kafka_advertised_host on hadoop-master (server): 'bad host' is not a host name", "Fix:"]),
    ("advertised-host-with-a-port", lambda: errors_of(lab(hadoop_master={"kafka_advertised_host": "hadoop-master:9092"})),
     ["kafka_advertised_host on hadoop-master (server): gives the advertised listener", "without a port", "Fix:"]),
    # --- paths -------------------------------------------------------------------------------
    ("relative-log-dir", lambda: errors_of(lab(hadoop_master=several({"name": "server", "id": 1, "log_dirs": ["data"]}))),
     ["kafka_brokers[0].log_dirs on hadoop-master (server): 'data' is relative", "Fix:"]),
    ("log-dir-root", lambda: errors_of(lab(hadoop_master=several({"name": "server", "id": 1, "log_dirs": ["/"]}))),
     ["kafka_brokers[0].log_dirs on hadoop-master (server): / is a directory of the operating system", "Fix:"]),
    ("log-dir-system", lambda: errors_of(lab(hadoop_master=several({"name": "server", "id": 1, "log_dirs": ["/var/lib"]}))),
     ["hadoop-master (server): /var/lib is a directory of the operating system", "Fix:"]),
    ("log-dir-under-tmp", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "log_dirs": ["/tmp/kafka-logs"]}))),
     ["hadoop-master (server): /tmp/kafka-logs is under a volatile", "Fix:"]),
    ("log-dir-with-space", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "log_dirs": ["/data/my logs"]}))), ["hadoop-master (server)", "holds a space", "Fix:"]),
    ("log-dir-not-normal", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "log_dirs": ["/data//kafka/../k"]}))),
     ["hadoop-master (server)", "is not in normal form", "Fix: write /data/k"]),
    ("two-log-dirs-of-one-broker-nested", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1, "log_dirs": ["/data/a", "/data/a/b"]}))),
     ["hadoop-master (server): /data/a overlaps", "Fix:"]),
    ("shared-log-dir", lambda: errors_of(lab(hadoop_master=several(
        {"name": "server", "id": 1}, {"name": "b", "id": 11, "port": 9093, "log_dirs": ["/var/lib/kafka/server"]}))),
     ["kafka log dir on hadoop-master (b): /var/lib/kafka/server overlaps /var/lib/kafka/server of server", "Fix:"]),
    ("nested-log-dirs", lambda: errors_of(lab(hadoop_master=several(
        {"name": "a", "id": 1, "log_dirs": ["/d/a"]}, {"name": "b", "id": 11, "port": 9093, "log_dirs": ["/d/a/b"]}))),
     ["kafka log dir on hadoop-master (b): /d/a/b overlaps /d/a of a", "Fix:"]),
    ("data-root-is-log-root", lambda: path_errors([
        {"variable": "kafka_data_root", "path": "/var/lib/kafka", "kind": "kafka data"},
        {"variable": "kafka_log_root", "path": "/var/lib/kafka", "kind": "kafka logs"}], "hadoop-master"),
     ["kafka_data_root on hadoop-master: /var/lib/kafka is kafka_log_root (/var/lib/kafka)", "Fix:"]),
    ("conf-dir-is-etc", lambda: path_errors([{"variable": "kafka_conf_dir", "path": "/etc", "kind": "conf"}],
                                            "hadoop-slave1"),
     ["kafka_conf_dir on hadoop-slave1: /etc is a directory of the operating system", "Fix:"]),
    ("zookeeper-data-inside-kafka-data", lambda: path_errors([
        {"variable": "kafka_data_root", "path": "/data", "kind": "kafka data"},
        {"variable": "zookeeper_data_dir", "path": "/data/zookeeper", "kind": "zookeeper data"}], "hadoop-master"),
     ["kafka_data_root on hadoop-master: /data overlaps zookeeper_data_dir (/data/zookeeper)", "Fix:"]),
    ("logs-inside-configuration", lambda: path_errors([
        {"variable": "zookeeper_conf_dir", "path": "/srv/zk", "kind": "zookeeper configuration"},
        {"variable": "zookeeper_log_dir", "path": "/srv/zk/log", "kind": "zookeeper logs"}], "hadoop-master"),
     ["zookeeper_conf_dir on hadoop-master: /srv/zk overlaps zookeeper_log_dir", "Fix:"]),
    ("install-root-is-root", lambda: path_errors([{"variable": "kafka_install_root", "path": "/", "kind": "install",
                                                   "parent": True}], "hadoop-master"),
     ["kafka_install_root on hadoop-master: / is a directory of the operating system", "Fix:"]),
    ("relative-data-dir", lambda: path_errors([{"variable": "zookeeper_data_dir", "path": "zk", "kind": "d"}],
                                              "hadoop-slave2"),
     ["zookeeper_data_dir on hadoop-slave2: 'zk' is relative", "Fix:"]),
    ("release-link-on-data", lambda: path_errors([
        {"variable": "kafka_home", "path": "/var/lib/kafka", "kind": "release"},
        {"variable": "kafka_data_root", "path": "/var/lib/kafka", "kind": "kafka data"}], "hadoop-master"),
     ["kafka_home on hadoop-master: /var/lib/kafka is kafka_data_root", "Fix:"]),
    # --- heaps and versions -----------------------------------------------------------------
    ("heap-not-a-size", lambda: errors_of(lab(hadoop_master={"kafka_heap": "lots"})),
     ["kafka_heap on hadoop-master (server): 'lots' is not a heap size", "Fix:"]),
    ("heap-in-kilobytes", lambda: errors_of(lab(hadoop_master={"kafka_heap": "524288k"})),
     ["kafka_heap on hadoop-master (server): '524288k'", "Fix:"]),
    ("heap-below-floor", lambda: errors_of(lab(hadoop_master={"kafka_heap": "128m"})),
     ["kafka_heap on hadoop-master (server): 128m is below the 256m", "Fix:"]),
    ("zookeeper-heap-below-floor", lambda: heap_format_errors("32m", "zookeeper_heap", "hadoop-slave1", "zookeeper"),
     ["zookeeper_heap on hadoop-slave1: 32m is below the 64m", "Fix:"]),
    ("version-with-newline", lambda: version_errors("3.9.2\n", "kafka_version", "hadoop-master", 3),
     ["kafka_version on hadoop-master: '3.9.2\\n' is not a release number", "Fix:"]),
    ("version-short", lambda: version_errors("3.9", "kafka_version", "hadoop-master", 3),
     ["kafka_version on hadoop-master: '3.9' is not a release number", "Fix:"]),
    ("version-4-in-zookeeper-mode", lambda: version_errors("4.1.0", "kafka_version", "hadoop-master", 3),
     ["kafka_version on hadoop-master: 4.1.0 is not a 3.x release", "KRaft", "Fix:"]),
    ("version-with-prefix", lambda: version_errors("v3.8.6", "zookeeper_version", "hadoop-slave1", 3),
     ["zookeeper_version on hadoop-slave1: 'v3.8.6'", "Fix:"]),
    # --- chroot and ZooKeeper properties -----------------------------------------------------
    ("chroot-without-slash", lambda: errors_of(everywhere={"kafka_zookeeper_chroot": "kafka"}),
     ["kafka_zookeeper_chroot on hadoop-master (server): 'kafka' is not a znode path", "Fix:"]),
    ("chroot-trailing-slash", lambda: errors_of(everywhere={"kafka_zookeeper_chroot": "/kafka/"}),
     ["kafka_zookeeper_chroot on hadoop-master (server): '/kafka/'", "Fix:"]),
    ("chroot-with-space", lambda: errors_of(everywhere={"kafka_zookeeper_chroot": "/my kafka"}),
     ["kafka_zookeeper_chroot on hadoop-master (server)", "Fix:"]),
    ("chroot-double-slash", lambda: errors_of(everywhere={"kafka_zookeeper_chroot": "//kafka"}),
     ["kafka_zookeeper_chroot on hadoop-master (server): '//kafka'", "Fix:"]),
    ("zookeeper-membership-key", lambda: zookeeper_model_errors({"zookeeper_properties": {"server.4": "x:1:2"}},
                                                               "hadoop-master"),
     ["zookeeper_properties on hadoop-master: sets server.4", "Fix:"]),
    ("zookeeper-derived-key", lambda: zookeeper_model_errors({"zookeeper_host_properties": {"dataDir": "/x"}},
                                                            "hadoop-slave2"),
     ["zookeeper_host_properties on hadoop-slave2: sets dataDir", "Fix:"]),
    ("zookeeper-client-port-key", lambda: zookeeper_model_errors({"zookeeper_properties": {"clientPort": 1}},
                                                                "hadoop-master"),
     ["zookeeper_properties on hadoop-master: sets clientPort", "Fix:"]),
    # --- topics ------------------------------------------------------------------------------
    ("topic-illegal-characters", lambda: kafka_topic_errors([{"name": "bad name"}], 3, 2),
     ["kafka_topics_list (bad name) on all hosts", "' '", "Fix: rename it"]),
    ("topic-dot", lambda: kafka_topic_errors([{"name": "."}], 3, 2), ["kafka_topics_list (.) on all hosts", "Fix:"]),
    ("topic-dot-dot", lambda: kafka_topic_errors([{"name": ".."}], 3, 2), ["kafka_topics_list (..) on all hosts", "Fix:"]),
    ("topic-internal-name", lambda: kafka_topic_errors([{"name": "__mine"}], 3, 2),
     ["kafka_topics_list (__mine) on all hosts", "internal", "Fix: rename it"]),
    ("topic-too-long", lambda: kafka_topic_errors([{"name": "t" * 250}], 3, 2),
     ["on all hosts: is 250 characters long", "Fix: rename it"]),
    ("topic-without-name", lambda: kafka_topic_errors([{"partitions": 1}], 3, 2),
     ["kafka_topics_list[0] on all hosts: a topic needs a name", "Fix:"]),
    ("topic-declared-twice", lambda: kafka_topic_errors([{"name": "t"}, {"name": "t"}], 3, 2),
     ["kafka_topics_list (t) on all hosts: declared twice", "Fix:"]),
    ("topic-zero-partitions", lambda: kafka_topic_errors([{"name": "t", "partitions": 0}], 3, 2),
     ["kafka_topics_list (t) on all hosts: partitions 0", "Fix:"]),
    ("topic-replication-zero", lambda: kafka_topic_errors([{"name": "t", "replication_factor": 0}], 3, 2),
     ["kafka_topics_list (t) on all hosts: replication factor 0", "Fix:"]),
    ("topic-replication-above-brokers", lambda: kafka_topic_errors([{"name": "wide", "replication_factor": 5}], 3, 2),
     ["kafka_topics_list (wide) on all hosts: replication factor 5 exceeds the 3 brokers", "Fix:"]),
    ("topic-min-isr-equal-to-replication", lambda: kafka_topic_errors(
        [{"name": "t", "replication_factor": 3, "configs": {"min.insync.replicas": 3}}], 3, 2),
     ["kafka_topics_list (t) on all hosts: min.insync.replicas 3 with replication factor 3", "Fix:"]),
    ("topic-inherits-too-high-min-isr", lambda: kafka_topic_errors([{"name": "t", "replication_factor": 2}], 3, 2),
     ["kafka_topics_list (t) on all hosts: min.insync.replicas 2 with replication factor 2", "Fix:"]),
    ("topic-min-isr-zero", lambda: kafka_topic_errors([{"name": "t", "configs": {"min.insync.replicas": 0}}], 3, 2),
     ["kafka_topics_list (t) on all hosts: min.insync.replicas 0", "Fix:"]),
    ("topic-unknown-field", lambda: kafka_topic_errors([{"name": "t", "replicas": 3}], 3, 2),
     ["kafka_topics_list (t) on all hosts: unknown field(s) replicas", "Fix:"]),
    ("topic-bad-state", lambda: kafka_topic_errors([{"name": "t", "state": "gone"}], 3, 2),
     ["kafka_topics_list (t) on all hosts: state 'gone' must be present or absent", "Fix:"]),
    ("topic-configs-not-a-dict", lambda: kafka_topic_errors([{"name": "t", "configs": ["a"]}], 3, 2),
     ["kafka_topics_list (t) on all hosts: configs must be a dict", "Fix:"]),
    ("topics-not-a-list", lambda: kafka_topic_errors({"name": "t"}, 3, 2),
     ["kafka_topics_list on all hosts: dict is not a list", "Fix:"]),
    # --- replication ------------------------------------------------------------------------
    ("replication-above-broker-count", lambda: errors_of(everywhere={"kafka_properties": {
        "default.replication.factor": 4}}),
     ["default.replication.factor on hadoop-master (server): 4 exceeds the 3 brokers", "Fix:"]),
    ("min-isr-equal-to-replication", lambda: errors_of(everywhere={"kafka_properties": {"min.insync.replicas": 3}}),
     ["min.insync.replicas on hadoop-master (server): 3 with default.replication.factor 3", "Fix:"]),
    ("min-isr-zero", lambda: errors_of(everywhere={"kafka_properties": {"min.insync.replicas": 0}}),
     ["min.insync.replicas on hadoop-master (server): 0 is not a whole number of 1 or more", "Fix:"]),
    ("min-isr-on-one-host-only", lambda: errors_of(lab(hadoop_slave2={"kafka_host_properties": {
        "min.insync.replicas": 3}})), ["min.insync.replicas on hadoop-slave2 (server): 3", "Fix:"]),
    ("min-isr-on-one-broker-only", lambda: errors_of(lab(hadoop_slave1=several(
        {"name": "server", "id": 2, "properties": {"min.insync.replicas": 5}}))),
     ["min.insync.replicas on hadoop-slave1 (server): 5", "Fix:"]),
    ("transaction-min-isr-above-replication", lambda: errors_of(everywhere={"kafka_properties": {
        "transaction.state.log.min.isr": 4}}),
     ["transaction.state.log.min.isr on hadoop-master (server): 4 exceeds", "Fix:"]),
    ("offsets-replication-above-brokers", lambda: errors_of(everywhere={"kafka_properties": {
        "offsets.topic.replication.factor": 5}}),
     ["offsets.topic.replication.factor on hadoop-master (server): 5 exceeds the 3 brokers", "Fix:"]),
    # --- names and groups -------------------------------------------------------------------
    ("unnamed-brokers-on-one-host", lambda: errors_of(lab(hadoop_master=several({"id": 1}, {"id": 11}))),
     ["kafka_brokers[0].name on hadoop-master: missing", "Fix:"]),
    ("bad-broker-name", lambda: errors_of(lab(hadoop_master=several({"name": "my broker", "id": 1}))),
     ["kafka_brokers[0].name on hadoop-master: 'my broker' may hold only", "Fix:"]),
    ("broker-name-path", lambda: errors_of(lab(hadoop_master=several({"name": "../etc", "id": 1}))),
     ["kafka_brokers[0].name on hadoop-master: '../etc'", "Fix:"]),
    ("duplicate-broker-name", lambda: errors_of(lab(hadoop_master=several({"name": "a", "id": 1}, {"name": "a", "id": 2}))),
     ["kafka_brokers[1].name on hadoop-master: 'a' is used twice", "Fix:"]),
    ("empty-kafka-group", lambda: kafka_model_errors(kafka_cluster_model([], {}, DEFAULTS, [], BASE_PROPERTIES)),
     ["group 'kafka' on all hosts: it is empty or missing", "Fix:"]),
]


def test_the_catalogue_covers_at_least_80_cases():
    assert len(CASES) >= 80


@pytest.mark.parametrize(("check", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_refused_naming_variable_host_and_fix(check, expected):
    errors = check()
    assert any(all(text in error for text in expected) for error in errors), "\n".join(errors) or "no error"


def test_the_lab_inventory_is_accepted_and_modelled():
    cluster = model()
    assert kafka_model_errors(cluster) == []
    assert cluster["bootstrap_servers"] == ["hadoop-master:9092", "hadoop-slave1:9092", "hadoop-slave2:9092"]
    assert cluster["zookeeper_connect"] == "hadoop-master:2181,hadoop-slave1:2181,hadoop-slave2:2181/kafka"
    first = cluster["brokers"][0]["properties"]
    assert first["broker.id"] == 1
    assert first["listeners"] == "PLAINTEXT://:9092"
    assert first["advertised.listeners"] == "PLAINTEXT://hadoop-master:9092"
    assert first["log.dirs"] == "/var/lib/kafka/server"
    assert (first["default.replication.factor"], first["min.insync.replicas"]) == (3, 2)
    assert "log.dir" not in first


def test_identity_is_written_last_even_when_a_property_tries_to_override_it():
    hostvars = lab(hadoop_master=several({"name": "server", "id": 1, "properties": {"broker.id": 7, "log.dirs": "/x"}}))
    written = model(hostvars)["brokers"][0]["properties"]
    assert (written["broker.id"], written["log.dirs"]) == (1, "/var/lib/kafka/server")


def test_defaults_come_from_the_role_never_from_another_host():
    hostvars = lab(hadoop_master={"kafka_port": 9093, "kafka_properties": {"num.io.threads": 16}})
    brokers = model(hostvars)["brokers"]
    assert [b["port"] for b in brokers] == [9093, 9092, 9092]
    assert [b["properties"]["num.io.threads"] for b in brokers] == [16, 8, 8]


def test_several_brokers_per_host_count_ports_up_and_a_null_removes_a_default():
    hostvars = {"h0": {"kafka_brokers": [{"name": "server", "id": 0}, {"name": "server-one", "id": 1},
                                         {"name": "server-two", "id": 2, "properties": {"num.io.threads": None}}]}}
    cluster = kafka_cluster_model(["h0"], hostvars, DEFAULTS, ["h0"], BASE_PROPERTIES)
    assert [b["port"] for b in cluster["brokers"]] == [9092, 9093, 9094]
    assert cluster["bootstrap_servers"] == ["h0:9092", "h0:9093", "h0:9094"]
    assert "num.io.threads" not in cluster["brokers"][2]["properties"]
    assert (cluster["brokers"][0]["properties"]["default.replication.factor"],
            cluster["brokers"][0]["properties"]["min.insync.replicas"]) == (3, 2)


def test_metrics_ports_count_up_per_host_and_become_the_scrape_targets_only_when_on():
    entries = {"kafka_brokers": [{"name": "server", "id": 0}, {"name": "server-one", "id": 1},
                                 {"name": "server-two", "id": 2, "metrics_port": 7171}]}
    off = kafka_cluster_model(["h0"], {"h0": dict(entries)}, DEFAULTS, ["h0"], BASE_PROPERTIES)
    assert [b["metrics_port"] for b in off["brokers"]] == [None, None, None]
    assert off["metrics_targets"] == []
    on = kafka_cluster_model(["h0"], {"h0": {**entries, "kafka_metrics": True}}, DEFAULTS, ["h0"], BASE_PROPERTIES)
    assert [b["metrics_port"] for b in on["brokers"]] == [7071, 7072, 7171]
    assert on["metrics_targets"][2] == {"address": "h0:7171", "host": "h0", "node": "server-two", "role": "broker",
                                        "id": 2}
    assert kafka_model_errors(on) == []


def test_replication_defaults_shrink_with_fewer_brokers():
    one = kafka_cluster_model(["h0"], {"h0": {"kafka_broker_id": 1}}, DEFAULTS, ["h0"], BASE_PROPERTIES)
    assert kafka_model_errors(one) == []
    assert one["replication_defaults"]["default.replication.factor"] == 1


def test_warnings_for_settings_that_trade_safety_away():
    unclean = model(everywhere={"kafka_properties": {"unclean.leader.election.enable": True}})
    assert kafka_model_errors(unclean) == []
    warnings = kafka_model_warnings(unclean, "root")
    assert any("unclean.leader.election.enable on hadoop-master (server)" in w for w in warnings)
    assert any("kafka_user on all hosts: root" in w for w in warnings)
    assert kafka_model_warnings(model()) == []
    assert "collide" in kafka_topic_warnings([{"name": "a.b"}, {"name": "a_b"}])[0]


def test_a_known_broker_with_an_empty_log_dir_is_refused_unless_its_disk_was_replaced():
    brokers = model()["brokers"][:1]
    assert kafka_host_errors(brokers, {}, [], {}) == []
    for known, configured in (([1], {}), ([], {"server": True})):
        error = kafka_host_errors(brokers, {}, known, configured)[0]
        assert error.startswith("kafka_brokers log dir on hadoop-master (server): /var/lib/kafka/server holds no")
        assert "kafka_replaced_disks" in error
        assert "Fix:" in error
        assert kafka_host_errors(brokers, {}, known, configured, [1]) == []
    other = {"/var/lib/kafka/server/meta.properties": "version=0\nbroker.id=5\n"}
    assert "inventory says 1 but" in kafka_host_errors(brokers, other, [1], {})[0]


def test_a_missing_myid_beside_data_is_refused_unless_restored_on_purpose():
    node = {"host": "hadoop-master", "id": 1}
    assert zookeeper_host_errors(node, None, "/d/myid") == []
    error = zookeeper_host_errors(node, None, "/d/myid", has_data=True)[0]
    assert error.startswith("zookeeper_id on hadoop-master: /d/myid is missing")
    assert "zookeeper_restore_myid=true" in error
    assert zookeeper_host_errors(node, None, "/d/myid", has_data=True, restore_myid=True) == []


def test_uninstall_never_removes_a_path_that_holds_or_lies_in_data():
    candidates = ["/etc/kafka", "/var/log/kafka", "/var/lib/kafka", "/var/lib/kafka/server/x", "/opt/kafka"]
    assert paths_clear_of(candidates, ["/var/lib/kafka/server", "/var/lib/kafka"]) == [
        "/etc/kafka", "/var/log/kafka", "/opt/kafka"]
    assert paths_clear_of(["/var/lib/kafka-toolkit/units/x.json"], ["/var/lib/kafka"]) == [
        "/var/lib/kafka-toolkit/units/x.json"]


def test_a_refused_secret_is_never_quoted():
    errors = control_char_errors({"ssl.key.password": "hunter2\n", "num.io.threads": "8\n"}, "kafka_properties", "h0")
    assert not any("hunter2" in error for error in errors)
    assert any("ssl.key.password on h0: the value holds" in error for error in errors)
    assert any("'8\\n'" in error for error in errors)


def test_properties_that_are_not_a_dict_are_refused_not_crashed_on():
    errors = errors_of(lab(hadoop_master=several({"name": "server", "id": 1, "properties": ["num.io.threads=4"]})))
    assert any("kafka_brokers[0].properties on hadoop-master (server): not a dict" in error for error in errors)
