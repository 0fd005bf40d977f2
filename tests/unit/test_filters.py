"""The inventory checks of plugins/filter/kafka_toolkit.py, each shown to fire on its condition."""

import pytest
from kafka_toolkit import (
    apache_sha512,
    heap_errors,
    heap_megabytes,
    kafka_brokers,
    kafka_cluster_id_errors,
    kafka_host_errors,
    kafka_inventory_errors,
    kafka_properties_errors,
    kafka_topic_errors,
    parse_properties,
    paths_to_fix,
    to_properties,
    version_errors,
    zookeeper_connect,
    zookeeper_host_errors,
    zookeeper_inventory_errors,
    zookeeper_nodes,
    zookeeper_server_properties,
)

HEX = "ab" * 64
ZK_DEFAULTS = {"client_port": 2181, "quorum_port": 2888, "election_port": 3888}
KAFKA_DEFAULTS = {"port": 9092, "data_root": "/var/lib/kafka", "heap": "256m"}


def lab(ids):
    return {f"h{i}": {"zookeeper_id": zid, "kafka_broker_id": zid} for i, zid in enumerate(ids)}


def test_to_properties_sorts_lowercases_booleans_joins_lists_and_drops_nulls():
    text = to_properties({"b": True, "a": [1, "x"], "c": None, "d": 3})
    assert text == "a=1,x\nb=true\nd=3\n"


def test_apache_sha512_reads_both_published_formats():
    assert apache_sha512(f"{HEX}  kafka.tgz\n") == HEX
    grouped = " ".join(HEX.upper()[i:i + 8] for i in range(0, 128, 8))
    gpg_style = f"kafka_2.13-3.9.2.tgz: {grouped[:60]}\n                      {grouped[60:]}\n"
    assert apache_sha512(gpg_style) == HEX


def test_apache_sha512_refuses_text_without_a_digest():
    with pytest.raises(ValueError, match="no SHA-512"):
        apache_sha512("<html>404</html>")


@pytest.mark.parametrize(("heap", "mb"), [("256m", 256), ("1g", 1024), ("2G", 2048), ("524288k", 512)])
def test_heap_megabytes(heap, mb):
    assert heap_megabytes(heap) == mb


def test_heap_errors_refuse_malformed_and_too_large():
    assert heap_errors("lots", "kafka_heap", "h0")[0].startswith("kafka_heap on h0:")
    assert "does not fit" in heap_errors("4g", "kafka_heap", "h0", mem_total_mb=2048)[0]
    assert heap_errors("512m", "kafka_heap", "h0", mem_total_mb=2048) == []


def test_version_errors():
    assert version_errors("3.9.2", "kafka_version", "h0", 3) == []
    assert "not a release number" in version_errors("3.9", "kafka_version", "h0")[0]
    assert "KRaft" in version_errors("4.1.0", "kafka_version", "h0", 3)[0]


def test_zookeeper_nodes_and_derived_settings():
    hostvars = lab([1, 2, 3])
    hostvars["h2"]["zookeeper_client_port"] = 2182
    nodes = zookeeper_nodes(["h0", "h1", "h2"], hostvars, ZK_DEFAULTS)
    assert zookeeper_inventory_errors(nodes) == []
    assert zookeeper_server_properties(nodes) == {"server.1": "h0:2888:3888", "server.2": "h1:2888:3888",
                                                  "server.3": "h2:2888:3888"}
    assert zookeeper_connect(nodes, "/kafka") == "h0:2181,h1:2181,h2:2182/kafka"


@pytest.mark.parametrize(("ids", "message"), [
    ([1, 1, 2], "already the id of h0"),
    ([1, None, 3], "not set"),
    ([1, 2, 300], "not a whole number from 1 to 255"),
    ([1, 2, "x"], "not a whole number from 1 to 255"),
    ([1, 2], "even ensemble"),
])
def test_zookeeper_inventory_errors(ids, message):
    nodes = zookeeper_nodes([f"h{i}" for i in range(len(ids))], lab(ids), ZK_DEFAULTS)
    errors = zookeeper_inventory_errors(nodes)
    assert any(message in error for error in errors), errors


def test_even_ensemble_can_be_allowed_and_empty_group_is_refused():
    nodes = zookeeper_nodes(["h0", "h1"], lab([1, 2]), ZK_DEFAULTS)
    assert zookeeper_inventory_errors(nodes, allow_even=True) == []
    assert "empty or missing" in zookeeper_inventory_errors([])[0]


def test_zookeeper_ports_must_differ():
    hostvars = lab([1])
    hostvars["h0"]["zookeeper_quorum_port"] = 2181
    errors = zookeeper_inventory_errors(zookeeper_nodes(["h0"], hostvars, ZK_DEFAULTS))
    assert any("must differ" in error for error in errors)


def test_zookeeper_myid_on_disk_must_match():
    node = {"host": "h0", "id": 1}
    assert zookeeper_host_errors(node, None, "/d/myid") == []
    assert zookeeper_host_errors(node, "1\n", "/d/myid") == []
    error = zookeeper_host_errors(node, "4\n", "/d/myid")[0]
    assert "says 1 but /d/myid holds 4" in error
    assert "host_vars/h0.yml" in error


def test_kafka_brokers_one_per_host_by_default():
    brokers = kafka_brokers(["h0", "h1"], lab([1, 2]), KAFKA_DEFAULTS)
    assert [(b["host"], b["name"], b["id"], b["port"]) for b in brokers] == [("h0", "server", 1, 9092),
                                                                             ("h1", "server", 2, 9092)]
    assert brokers[0]["advertised_listeners"] == "PLAINTEXT://h0:9092"
    assert brokers[0]["log_dirs"] == ["/var/lib/kafka/server"]
    assert kafka_inventory_errors(brokers) == []


def test_kafka_brokers_several_per_host_count_ports_up():
    hostvars = {"h0": {"kafka_brokers": [{"name": "server", "id": 0}, {"name": "server-one", "id": 1},
                                         {"name": "server-two", "id": 2}]}}
    brokers = kafka_brokers(["h0"], hostvars, KAFKA_DEFAULTS)
    assert [b["port"] for b in brokers] == [9092, 9093, 9094]
    assert [b["log_dirs"] for b in brokers] == [["/var/lib/kafka/server"], ["/var/lib/kafka/server-one"],
                                                ["/var/lib/kafka/server-two"]]
    assert kafka_inventory_errors(brokers) == []


@pytest.mark.parametrize(("hostvars", "message"), [
    ({"h0": {"kafka_broker_id": 1}, "h1": {"kafka_broker_id": 1}}, "already the id of h0"),
    ({"h0": {}, "h1": {"kafka_broker_id": 2}}, "kafka_broker_id on h0: not set"),
    ({"h0": {"kafka_broker_id": -1}, "h1": {"kafka_broker_id": 2}}, "not a whole number >= 0"),
    ({"h0": {"kafka_brokers": [{"name": "a", "id": 1, "port": 9092}, {"name": "b", "id": 2, "port": 9092}]},
      "h1": {"kafka_broker_id": 3}}, "9092 is also used by a"),
    ({"h0": {"kafka_brokers": [{"name": "a", "id": 1, "log_dirs": ["/d"]}, {"name": "b", "id": 2, "log_dirs": ["/d"]}]},
      "h1": {"kafka_broker_id": 3}}, "overlaps /d"),
    ({"h0": {"kafka_brokers": [{"name": "a", "id": 1, "log_dirs": ["/d"]},
                               {"name": "b", "id": 2, "log_dirs": ["/d/b"]}]},
      "h1": {"kafka_broker_id": 3}}, "overlaps /d"),
    ({"h0": {"kafka_brokers": [{"id": 1}, {"id": 2}]}, "h1": {"kafka_broker_id": 3}}, "needs a name for each"),
    ({"h0": {"kafka_brokers": [{"name": "a b", "id": 1}]}, "h1": {"kafka_broker_id": 3}}, "may hold only"),
    ({"h0": {"kafka_brokers": [{"name": "a", "id": 1}, {"name": "a", "id": 2}]}, "h1": {"kafka_broker_id": 3}},
     "used twice"),
    ({"h0": {"kafka_brokers": [{"name": "a", "id": 1, "jmx_port": 9093}, {"name": "b", "id": 2}]},
      "h1": {"kafka_broker_id": 3}}, "9093 is also used by a"),
])
def test_kafka_inventory_errors(hostvars, message):
    errors = kafka_inventory_errors(kafka_brokers(list(hostvars), hostvars, KAFKA_DEFAULTS))
    assert any(message in error for error in errors), errors


def test_kafka_inventory_errors_empty_group():
    assert "empty or missing" in kafka_inventory_errors([])[0]


def test_kafka_properties_errors():
    good = {"default.replication.factor": 3, "min.insync.replicas": 2, "offsets.topic.replication.factor": 3,
            "transaction.state.log.replication.factor": 3, "transaction.state.log.min.isr": 2}
    assert kafka_properties_errors(good, {"kafka_properties": {}}, 3, "h0") == []
    assert "exceeds the 2 brokers" in " ".join(kafka_properties_errors(good, {}, 2, "h0"))
    equal = dict(good, **{"min.insync.replicas": 3})
    assert "leaves no replica to lose" in " ".join(kafka_properties_errors(equal, {}, 3, "h0"))
    single = dict(good, **{"default.replication.factor": 1, "min.insync.replicas": 1,
                           "offsets.topic.replication.factor": 1, "transaction.state.log.replication.factor": 1,
                           "transaction.state.log.min.isr": 1})
    assert kafka_properties_errors(single, {}, 1, "h0") == []
    identity = kafka_properties_errors(good, {"kafka_properties": {"broker.id": 7}}, 3, "h0")
    assert identity
    assert identity[0].startswith("kafka_properties on h0: sets broker.id")
    tx = dict(good, **{"transaction.state.log.min.isr": 4})
    assert any("transaction.state.log.min.isr" in e for e in kafka_properties_errors(tx, {}, 3, "h0"))


def test_kafka_host_errors_refuse_another_brokers_data():
    broker = kafka_brokers(["h0"], {"h0": {"kafka_broker_id": 1}}, KAFKA_DEFAULTS)
    same = {"/var/lib/kafka/server/meta.properties": "version=0\nbroker.id=1\ncluster.id=abc\n"}
    other = {"/var/lib/kafka/server/meta.properties": "#x\nversion=0\nbroker.id=5\ncluster.id=abc\n"}
    assert kafka_host_errors(broker, same) == []
    assert kafka_host_errors(broker, {}) == []
    error = kafka_host_errors(broker, other)[0]
    assert "inventory says 1 but /var/lib/kafka/server/meta.properties holds broker.id=5" in error


def test_kafka_cluster_id_errors():
    meta = "broker.id=1\ncluster.id={}\n"
    assert kafka_cluster_id_errors({"h0": {"/a": meta.format("x")}, "h1": {"/b": meta.format("x"), "/c": None}}) == []
    errors = kafka_cluster_id_errors({"h0": {"/a": meta.format("x")}, "h1": {"/b": meta.format("y")}})
    assert "2 different clusters" in errors[0]


def test_kafka_topic_errors():
    assert kafka_topic_errors([{"name": "t", "partitions": 3, "replication_factor": 3}], 3) == []
    cases = {
        "exceeds the 3 brokers": [{"name": "t", "replication_factor": 4}],
        "needs a name": [{"partitions": 1}],
        "declared twice": [{"name": "t"}, {"name": "t"}],
        "partitions 0 must be 1 or more": [{"name": "t", "partitions": 0}],
        "only letters": [{"name": "bad name"}],
        "state must be": [{"name": "t", "state": "gone"}],
    }
    for message, topics in cases.items():
        assert any(message in e for e in kafka_topic_errors(topics, 3)), message


def test_parse_properties_and_paths_to_fix():
    assert parse_properties("# c\na = 1\n\nb=x=y\n") == {"a": "1", "b": "x=y"}
    wanted = [{"path": "/a", "owner": "k", "group": "k", "mode": "0750"},
              {"path": "/b", "owner": "k", "group": "k", "mode": "0750"}]
    probed = {"/a": {"exists": True, "isdir": True, "owner": "k", "group": "k", "mode": "0750"},
              "/b": {"exists": True, "isdir": True, "owner": "root", "group": "k", "mode": "0750"}}
    assert paths_to_fix(wanted, probed) == [wanted[1]]


def test_zookeeper_membership_changes_one_server_at_a_time():
    from kafka_toolkit import zookeeper_membership_errors

    three = "server.1=a:2888:3888\nserver.2=b:2888:3888\nserver.3=c:2888:3888\n"
    nodes = [{"id": i} for i in (1, 2, 3, 4)]
    assert zookeeper_membership_errors({"a": three, "d": None}, nodes) == []
    assert zookeeper_membership_errors({"a": three}, nodes[:2]) == []
    errors = zookeeper_membership_errors({"a": three}, [*nodes, {"id": 5}])
    assert "zoo.cfg has servers ['1', '2', '3'] and the inventory ['1', '2', '3', '4', '5']" in errors[0]


def test_unknown_properties_with_a_suggestion():
    from kafka_toolkit import unknown_properties

    known = "# names\nnum.io.threads\nlog.retention.hours\n"
    props = {"num.io.threads": 8, "log.retention.hour": 1, "listener.name.internal.ssl.keystore.location": "/k",
             "made.up": 1}
    assert unknown_properties(props, known) == ["log.retention.hour (did you mean log.retention.hours?)", "made.up"]
