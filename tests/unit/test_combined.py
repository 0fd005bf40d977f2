"""KRaft controllers that run in a broker's process (kafka_controller_combined): the model, the
checks, the formatting and the refusal to change a formatted node's roles."""

from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from kafka_model import kafka_cluster_model, kafka_model_errors
from kafka_toolkit import kafka_role_errors, kraft_format_plan

HOSTS = ["hadoop-master", "hadoop-slave1", "hadoop-slave2"]
DEFAULTS = yaml.safe_load((ROOT / "roles" / "kafka" / "defaults" / "main.yml").read_text())
BASE = yaml.safe_load(Path(ROOT / "roles" / "kafka" / "vars" / "main.yml").read_text())["kafka_default_properties"]


def hostvars(combined=HOSTS, **common):
    """Brokers 1-3; the hosts in combined run their controller in their broker, the others have
    a controller process of their own (1001-1003)."""
    return {host: {"kafka_broker_id": index, "kafka_mode": "kraft", "kafka_metrics": True, **common,
                   **({"kafka_controller_combined": True} if host in combined else
                      {"kafka_controller_id": 1000 + index})}
            for index, host in enumerate(HOSTS, start=1)}


def model(variables=None, controllers=HOSTS, brokers=HOSTS):
    return kafka_cluster_model(brokers, variables or hostvars(), DEFAULTS, [], BASE, controllers)


def test_a_combined_controller_is_its_brokers_process_with_both_roles():
    cluster = model()
    assert [(node["name"], node["roles"]) for node in cluster["nodes"]] == [("server", ["broker", "controller"])] * 3
    assert [controller["id"] for controller in cluster["controllers"]] == [1, 2, 3]
    assert cluster["quorum_bootstrap_servers"] == ["hadoop-master:9093", "hadoop-slave1:9093", "hadoop-slave2:9093"]
    properties = cluster["nodes"][0]["properties"]
    assert properties["process.roles"] == "broker,controller"
    assert properties["node.id"] == 1
    assert "broker.id" not in properties
    assert properties["listeners"] == "PLAINTEXT://:9092,CONTROLLER://:9093"
    assert properties["advertised.listeners"] == "PLAINTEXT://hadoop-master:9092,CONTROLLER://hadoop-master:9093"
    assert properties["controller.listener.names"] == "CONTROLLER"
    assert properties["controller.quorum.bootstrap.servers"] == ",".join(cluster["quorum_bootstrap_servers"])
    assert "CONTROLLER:PLAINTEXT" in properties["listener.security.protocol.map"]
    # Clients still bootstrap from the broker listener, the metadata log lives in the broker's log dir.
    assert cluster["bootstrap_servers"] == ["hadoop-master:9092", "hadoop-slave1:9092", "hadoop-slave2:9092"]
    assert cluster["controllers"][0]["log_dirs"] == ["/var/lib/kafka/server"]
    assert [(target["node"], target["role"]) for target in cluster["metrics_targets"]] == \
        [("server", "broker,controller")] * 3
    assert kafka_model_errors(cluster) == []


def test_a_quorum_may_mix_combined_and_separate_controllers():
    cluster = model(hostvars(combined=HOSTS[1:]))
    assert [(node["host"], node["name"], node["roles"]) for node in cluster["nodes"]] == [
        ("hadoop-master", "controller", ["controller"]), ("hadoop-master", "server", ["broker"]),
        ("hadoop-slave1", "server", ["broker", "controller"]), ("hadoop-slave2", "server", ["broker", "controller"])]
    assert [controller["id"] for controller in cluster["controllers"]] == [1001, 2, 3]
    assert kafka_model_errors(cluster) == []


def test_only_the_first_broker_of_a_host_takes_the_controller_role():
    variables = hostvars(combined=HOSTS[:1])
    variables["hadoop-master"]["kafka_controller_port"] = 9193
    variables["hadoop-master"]["kafka_brokers"] = [{"name": "server", "id": 0, "port": 9092},
                                                   {"name": "server-one", "id": 1, "port": 9093}]
    variables["hadoop-slave1"]["kafka_broker_id"] = 11
    cluster = model(variables, controllers=HOSTS[:1])
    roles = {node["name"]: node["properties"]["process.roles"] for node in cluster["nodes"]
             if node["host"] == "hadoop-master"}
    assert roles == {"server": "broker,controller", "server-one": "broker"}
    assert cluster["controllers"][0]["id"] == 0
    assert kafka_model_errors(cluster) == []


def test_a_new_quorum_formats_combined_nodes_with_their_controller_endpoint():
    cluster = model(hostvars(combined=HOSTS[1:]))
    plan = kraft_format_plan(cluster["nodes"], {}, False, {1001: "d1", 2: "d2", 3: "d3"})
    voters = "1001@hadoop-master:9093:d1,2@hadoop-slave1:9093:d2,3@hadoop-slave2:9093:d3"
    assert [(node["name"], node["role"], node["flags"]) for node in plan["nodes"]] == [
        ("controller", "controller", ["--initial-controllers", voters]), ("server", "broker", []),
        ("server", "broker,controller", ["--initial-controllers", voters]),
        ("server", "broker,controller", ["--initial-controllers", voters])]


def test_a_new_combined_node_joins_a_running_quorum():
    cluster = model()
    files = {host: {"/var/lib/kafka/server/meta.properties": "node.id=1\n"} for host in HOSTS[:2]}
    plan = kraft_format_plan(cluster["nodes"], files, True, {1: "d1", 2: "d2", 3: "d3"})
    assert [(node["host"], node["flags"], node["joins_quorum"]) for node in plan["nodes"]] == [
        ("hadoop-slave2", ["--no-initial-controllers"], True)]


@pytest.mark.parametrize(("case", "change", "expected"), [
    ("no broker on the host", {"brokers": HOSTS[1:]},
     "kafka_controller_combined on hadoop-master: true, but hadoop-master runs no broker"),
    ("an id of its own", {"kafka_controller_id": 1001},
     "kafka_controller_id on hadoop-master: 1001, but a combined controller is the node of the host's first broker, "
     "server (id 1). Fix: remove kafka_controller_id"),
    ("controller properties", {"kafka_controller_properties": {"num.io.threads": 4}},
     "kafka_controller_properties on hadoop-master: set, but the host's controller runs in broker server"),
    ("the broker's port", {"kafka_controller_port": 9092},
     "kafka_controller_port on hadoop-master: 9092 is also a port of broker server on the same host"),
])
def test_combined_controllers_that_cannot_work_are_refused(case, change, expected):
    brokers = change.pop("brokers", HOSTS)
    variables = hostvars()
    variables["hadoop-master"].update(change)
    errors = kafka_model_errors(model(variables, brokers=brokers))
    assert any(error.startswith(expected) for error in errors), (case, errors)


def test_a_migration_to_combined_controllers_is_refused():
    variables = hostvars(kafka_mode="zookeeper", kafka_migration="controllers", kafka_quorum="static")
    cluster = kafka_cluster_model(HOSTS, variables, DEFAULTS, HOSTS, BASE, HOSTS)
    errors = kafka_model_errors(cluster)
    expected = "kafka_controller_combined on hadoop-master: a migration from ZooKeeper"
    assert any(error.startswith(expected) for error in errors), errors


CONF = "/etc/kafka"


@pytest.mark.parametrize(("on_disk", "combined", "refused"), [
    ("process.roles=broker\n", True, True),
    ("process.roles=broker,controller\n", False, True),
    ("process.roles=controller, broker\n", True, False),
    ("process.roles=broker\n", False, False),
    ("broker.id=1\nzookeeper.connect=zk:2181\n", True, False),
    (None, True, False),
])
def test_a_formatted_node_keeps_its_roles(on_disk, combined, refused):
    cluster = model(hostvars(combined=HOSTS if combined else []))
    nodes = [node for node in cluster["nodes"] if node["host"] == "hadoop-master"]
    errors = kafka_role_errors(nodes, {f"{CONF}/server.properties": on_disk, f"{CONF}/controller.properties": None},
                               CONF, "hadoop-master")
    assert bool(errors) is refused, errors
    if refused:
        assert errors[0].startswith("kafka_controller_combined on hadoop-master: server (id 1) runs with process.roles")
        assert "Fix: put kafka_controller_combined and the 'kafka_controllers' group back" in errors[0]
