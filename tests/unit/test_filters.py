"""The inventory checks of plugins/filter/kafka_toolkit.py, each shown to fire on its condition."""

import pytest
from kafka_toolkit import (
    apache_sha512,
    command_name_errors,
    heap_errors,
    heap_megabytes,
    kafka_cluster_id_errors,
    kafka_host_errors,
    parse_properties,
    paths_to_fix,
    version_errors,
    zookeeper_connect,
    zookeeper_host_errors,
    zookeeper_inventory_errors,
    zookeeper_nodes,
    zookeeper_server_properties,
)

HEX = "ab" * 64
ZK_DEFAULTS = {"client_port": 2181, "quorum_port": 2888, "election_port": 3888}


def lab(ids):
    return {f"h{i}": {"zookeeper_id": zid, "kafka_broker_id": zid} for i, zid in enumerate(ids)}


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


def test_kafka_host_errors_refuse_another_brokers_data():
    broker = [{"host": "h0", "name": "server", "id": 1, "log_dirs": ["/var/lib/kafka/server"]}]
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


def test_command_names_are_a_list_of_file_names():
    assert command_name_errors(["kafka-topics.sh", "zkCli.sh"], "kafka_cli_tools", "h0") == []
    # A string would be iterated letter by letter into /usr/local/bin/k, /usr/local/bin/a, ...
    [error] = command_name_errors("kafka-topics.sh", "kafka_cli_tools", "h0")
    assert error.startswith("kafka_cli_tools on h0: 'kafka-topics.sh' is not a list")
    assert "Fix:" in error
    for bad in ("../evil.sh", "bin/kafka-topics.sh", ".", "", "-rf", "a b.sh"):
        [error] = command_name_errors(["kafka-topics.sh", bad], "zookeeper_cli_tools", "h1")
        assert error.startswith(f"zookeeper_cli_tools on h1: {bad!r} is not the file name"), bad
    assert command_name_errors([7], "kafka_cli_tools", "h0")
    assert command_name_errors(None, "kafka_cli_tools", "h0")
