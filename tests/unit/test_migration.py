"""The ZooKeeper-to-KRaft migration in the cluster model (what each step writes on every node),
its checks, the step read back from the nodes, and the formatting of a static quorum."""

from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from host_probe import kept_lines
from kafka_model import kafka_cluster_model, kafka_model_errors
from kafka_toolkit import kafka_mode_errors, kraft_format_plan, kraft_inventory, kraft_migration_step

HOSTS = ["hadoop-master", "hadoop-slave1", "hadoop-slave2"]
DEFAULTS = yaml.safe_load((ROOT / "roles" / "kafka" / "defaults" / "main.yml").read_text())
BASE = yaml.safe_load(Path(ROOT / "roles" / "kafka" / "vars" / "main.yml").read_text())["kafka_default_properties"]
ZOOKEEPER = {host: {"zookeeper_id": index} for index, host in enumerate(HOSTS, start=1)}
VOTERS = "1001@hadoop-master:9093,1002@hadoop-slave1:9093,1003@hadoop-slave2:9093"
# The directory id each controller is formatted with, by node id.
DIRECTORIES = {1001: "d1", 1002: "d2", 1003: "d3"}


def model(step="", mode="zookeeper", **common):
    variables = {host: {"kafka_broker_id": index, "kafka_controller_id": 1000 + index, "kafka_mode": mode,
                        "kafka_quorum": "static", "kafka_migration": step, **ZOOKEEPER[host], **common}
                 for index, host in enumerate(HOSTS, start=1)}
    return kafka_cluster_model(HOSTS, variables, DEFAULTS, HOSTS, BASE, HOSTS)


def test_without_a_migration_step_zookeeper_mode_has_no_controllers():
    cluster = model()
    assert cluster["controllers"] == []
    assert cluster["migration"] == ""
    assert "zookeeper.metadata.migration.enable" not in cluster["brokers"][0]["properties"]


def test_step_1_writes_controllers_in_migration_mode_and_leaves_the_brokers_alone():
    cluster = model("controllers")
    assert [node["role"] for node in cluster["nodes"]] == ["controller"] * 3 + ["broker"] * 3
    controller = cluster["controllers"][0]["properties"]
    assert controller["process.roles"] == "controller"
    assert controller["node.id"] == 1001
    assert controller["zookeeper.metadata.migration.enable"] == "true"
    # The brokers' own ensemble and chroot: the controllers migrate the metadata the brokers keep.
    assert controller["zookeeper.connect"] == "hadoop-master:2181,hadoop-slave1:2181,hadoop-slave2:2181/kafka"
    assert controller["inter.broker.listener.name"] == "PLAINTEXT"
    assert controller["controller.quorum.voters"] == VOTERS
    protocols = set(controller["listener.security.protocol.map"].split(","))
    assert {"CONTROLLER:PLAINTEXT", "PLAINTEXT:PLAINTEXT"} <= protocols
    assert cluster["brokers"][0]["properties"] == model()["brokers"][0]["properties"]
    assert kafka_model_errors(cluster) == []


def test_step_2_writes_brokers_in_migration_mode_with_their_zookeeper_settings():
    broker = model("brokers")["brokers"][1]["properties"]
    assert broker["broker.id"] == 2
    assert broker["zookeeper.connect"].endswith("/kafka")
    assert broker["zookeeper.metadata.migration.enable"] == "true"
    assert broker["controller.quorum.voters"] == VOTERS
    assert broker["controller.listener.names"] == "CONTROLLER"
    assert "CONTROLLER:PLAINTEXT" in broker["listener.security.protocol.map"].split(",")
    assert "process.roles" not in broker


def test_step_3_writes_brokers_in_kraft_mode_with_their_ids_and_log_directories():
    before = model()["brokers"][2]
    broker = model("kraft")["brokers"][2]
    assert broker["properties"]["process.roles"] == "broker"
    assert broker["properties"]["node.id"] == 3
    assert broker["properties"]["log.dirs"] == before["properties"]["log.dirs"]
    assert not [key for key in broker["properties"] if key.startswith("zookeeper.") or key == "broker.id"]
    # Still migrating: the controllers keep writing to ZooKeeper until the last step.
    assert model("kraft")["controllers"][0]["properties"]["zookeeper.metadata.migration.enable"] == "true"


def test_the_last_step_is_kraft_mode_itself():
    kraft = model(mode="kraft")
    assert kraft["brokers"][0]["properties"] == model("kraft")["brokers"][0]["properties"]
    controller = kraft["controllers"][0]["properties"]
    assert not [key for key in controller if key.startswith("zookeeper.")]
    assert "inter.broker.listener.name" not in controller


def test_a_controller_id_that_is_a_broker_id_is_refused():
    cluster = model("controllers", kafka_controller_id=2)
    errors = kafka_model_errors(cluster)
    assert any(error.startswith("kafka_controller_id on hadoop-master: 2 is already the id of the broker on "
                                "hadoop-slave1") for error in errors), errors


def test_a_combined_broker_and_controller_cannot_be_written_for_the_migration():
    # Combined nodes are unsupported for a migration; the inventory cannot ask for one either way.
    for variables in ({"kafka_controller_properties": {"process.roles": "broker,controller"}},
                      {"kafka_properties": {"process.roles": "broker,controller"}}):
        errors = " ".join(kafka_model_errors(model("controllers", **variables)))
        assert "sets process.roles" in errors, (variables, errors)
        assert "Fix:" in errors


def test_brokers_on_different_chroots_are_refused():
    variables = {host: {"kafka_broker_id": index, "kafka_controller_id": 1000 + index, "kafka_migration": "controllers",
                        "kafka_zookeeper_chroot": "/kafka" if index < 3 else "/other", **ZOOKEEPER[host]}
                 for index, host in enumerate(HOSTS, start=1)}
    errors = kafka_model_errors(kafka_cluster_model(HOSTS, variables, DEFAULTS, HOSTS, BASE, HOSTS))
    assert any(error.startswith("kafka_zookeeper_chroot on all hosts: the brokers use 2 different ZooKeeper paths")
               and "Fix:" in error for error in errors), errors


def test_a_migration_without_controllers_is_refused():
    variables = {host: {"kafka_broker_id": index, "kafka_migration": "controllers", **ZOOKEEPER[host]}
                 for index, host in enumerate(HOSTS, start=1)}
    errors = kafka_model_errors(kafka_cluster_model(HOSTS, variables, DEFAULTS, HOSTS, BASE, []))
    assert errors == [error for error in errors if "the migration to KRaft needs controllers" in error]
    assert errors


def test_an_unknown_step_is_refused():
    errors = kafka_model_errors(model("halfway"))
    assert errors[0].startswith("kafka_migration on all hosts: 'halfway' is not a phase")


def files(broker: str | None, controller: str | None = None) -> dict:
    return {"hadoop-master": {"/etc/kafka/server.properties": broker, "/etc/kafka/controller.properties": controller}}


@pytest.mark.parametrize(("broker", "controller", "step"), [
    ("broker.id=1\n", None, "controllers"),
    ("broker.id=1\n", "process.roles=controller\nzookeeper.metadata.migration.enable=true\n", "controllers"),
    ("broker.id=1\nzookeeper.metadata.migration.enable=true\n", "zookeeper.metadata.migration.enable=true\n",
     "brokers"),
    ("process.roles=broker\nnode.id=1\n", "zookeeper.metadata.migration.enable=true\n", "kraft"),
    ("process.roles=broker\nnode.id=1\n", "process.roles=controller\n", "finalize"),
])
def test_the_step_is_read_from_what_the_nodes_were_given(broker, controller, step):
    assert kraft_migration_step(files(broker, controller))["step"] == step


def test_the_furthest_node_decides_the_step():
    nodes = {"hadoop-master": {"/etc/kafka/server.properties": "process.roles=broker\n"},
             "hadoop-slave1": {"/etc/kafka/server.properties":
                               "broker.id=2\nzookeeper.metadata.migration.enable=true\n"},
             "hadoop-slave2": {"/etc/kafka/controller.properties": "zookeeper.metadata.migration.enable=true\n"}}
    found = kraft_migration_step(nodes)
    assert found["step"] == "kraft"
    assert found["index"] == 2
    assert found["why"] == "brokers in KRaft mode: hadoop-master:/etc/kafka/server.properties"


def test_a_static_quorum_is_formatted_without_voter_flags():
    nodes = model("controllers")["nodes"]
    static = kraft_format_plan(nodes, {}, False, DIRECTORIES, "static")
    assert [node["flags"] for node in static["nodes"]] == [[]] * 6
    dynamic = kraft_format_plan(nodes, {}, False, DIRECTORIES)
    assert dynamic["nodes"][0]["flags"][0] == "--initial-controllers"


ZK_BROKER = "broker.id=1\nzookeeper.connect=zk:2181/kafka\n"
MIGRATING_BROKER = ZK_BROKER + "zookeeper.metadata.migration.enable=true\ncontroller.quorum.voters=" + VOTERS + "\n"
KRAFT_BROKER = "process.roles=broker\nnode.id=1\ncontroller.quorum.voters=" + VOTERS + "\n"
MIGRATING_CONTROLLER = "process.roles=controller\nnode.id=1001\nzookeeper.metadata.migration.enable=true\n"
KRAFT_CONTROLLER = "process.roles=controller\nnode.id=1001\n"


@pytest.mark.parametrize(("mode", "broker", "controller", "says"), [
    ("zookeeper", KRAFT_BROKER, KRAFT_CONTROLLER, "runs in KRaft mode (process.roles=broker)"),
    ("zookeeper", MIGRATING_BROKER, MIGRATING_CONTROLLER, "is being migrated to KRaft"),
    ("kraft", ZK_BROKER, None, "is a ZooKeeper-mode broker"),
    ("kraft", KRAFT_BROKER, MIGRATING_CONTROLLER, "is a ZooKeeper-mode controller being migrated"),
])
def test_cluster_yml_refuses_nodes_in_another_mode_than_the_inventory(mode, broker, controller, says):
    files = {"/etc/kafka/server.properties": broker, "/etc/kafka/controller.properties": controller}
    errors = kafka_mode_errors(files, mode, False, "hadoop-master")
    assert len(errors) == 1
    assert errors[0].startswith(f"kafka_mode on hadoop-master: {mode}, but /etc/kafka/")
    assert says in errors[0]
    assert "Fix:" in errors[0]
    # The migration playbooks move nodes between modes on purpose.
    assert kafka_mode_errors(files, mode, True, "hadoop-master") == []


@pytest.mark.parametrize(("mode", "broker", "controller"), [
    ("zookeeper", ZK_BROKER, None),
    # Rolled back: the controller's file stays, its process is stopped.
    ("zookeeper", ZK_BROKER, MIGRATING_CONTROLLER),
    ("zookeeper", None, None),
    ("kraft", KRAFT_BROKER, KRAFT_CONTROLLER),
    ("kraft", None, None),
])
def test_nodes_in_the_inventorys_mode_or_new_pass(mode, broker, controller):
    files = {"/etc/kafka/server.properties": broker, "/etc/kafka/controller.properties": controller}
    assert kafka_mode_errors(files, mode, False, "hadoop-master") == []


SECRET = "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.example.Login \\\n  password=\"s3cret\";\n"


@pytest.mark.parametrize("broker", [ZK_BROKER, MIGRATING_BROKER, KRAFT_BROKER, None])
@pytest.mark.parametrize("controller", [MIGRATING_CONTROLLER, KRAFT_CONTROLLER, None])
@pytest.mark.parametrize("mode", ["zookeeper", "kraft"])
def test_the_probes_keys_are_all_the_mode_and_step_checks_read(mode, broker, controller):
    """The probes bring back only kafka_node_properties_keys of each node's file: the checks
    must decide the same on those lines as on the whole file, and no password comes along."""
    keys = set(yaml.safe_load((ROOT / "roles/kafka/vars/main.yml").read_text())["kafka_node_properties_keys"])
    whole = {"/etc/kafka/server.properties": broker and SECRET + broker,
             "/etc/kafka/controller.properties": controller and controller + SECRET}
    probed = {path: content and kept_lines(content, keys) for path, content in whole.items()}
    assert not any("s3cret" in (content or "") for content in probed.values())
    assert kafka_mode_errors(probed, mode, False, "h") == kafka_mode_errors(whole, mode, False, "h")
    assert kraft_migration_step({"h": probed}) == kraft_migration_step({"h": whole})


def test_the_kraft_inventory_keeps_the_groups_but_zookeepers_and_sets_kraft_mode_on_kafka_hosts():
    groups = {"all": [*HOSTS, "zk-only", "monitor"], "ungrouped": [], "zookeeper": [*HOSTS, "zk-only"],
              "kafka": HOSTS, "kafka_controllers": HOSTS, "prometheus": ["monitor"], "spare": []}
    hostvars = {host: {"ansible_host": f"lab-{host}", "ansible_connection": "community.docker.docker",
                       "kafka_broker_id": 1, "ansible_password": "secret"} for host in groups["all"]}
    written = kraft_inventory(groups, hostvars, "zookeeper", HOSTS)["all"]
    assert sorted(written["children"]) == ["kafka", "kafka_controllers", "prometheus", "spare"]
    assert written["children"]["kafka"] == {"hosts": dict.fromkeys(HOSTS)}
    assert written["children"]["spare"] == {"hosts": {}}
    # Hosts only ZooKeeper ran on leave the inventory; only connection settings are copied.
    assert sorted(written["hosts"]) == sorted([*HOSTS, "monitor"])
    assert written["hosts"]["hadoop-master"] == {"ansible_host": "lab-hadoop-master",
                                                 "ansible_connection": "community.docker.docker",
                                                 "kafka_mode": "kraft", "kafka_quorum": "static"}
    assert written["hosts"]["monitor"] == {"ansible_host": "lab-monitor",
                                           "ansible_connection": "community.docker.docker"}
